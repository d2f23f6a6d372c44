"""Promotions end to end on a real database: managed with a permission, priced at the till, written
with the sale (each line's promotions and what was paid for it), coupons consumed only by a completed
sale, gifts leaving stock, the receipt and the journal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest

from posapp.demo import demo_products
from posapp.devices.receipt import ReceiptHeader, layout_receipt, render_text
from posapp.domain.basket import Basket
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.promotions import Kind, Promotion, Tier
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, journal, shifts
from posapp.services import promotions as svc
from posapp.services.auth import SYSTEM, hash_pin

AT = datetime(2026, 11, 23, 6, 0)  # 14:00 in Shanghai, a Monday
SKU_SPECIAL, SKU_CHIPS, SKU_GIFT = "D0000001", "D0000015", "D0000046"


def promo(code, kind, **kw) -> Promotion:
    return Promotion(id=0, code=code, name=kw.pop("name", code), kind=kind, **kw)


PROMOS = [
    promo("SP-MILK", Kind.SPECIAL_PRICE, name="奶粉特价", products=frozenset({SKU_SPECIAL}), price=D("79.00")),
    promo("MJ-200", Kind.THRESHOLD, name="满200减30", tiers=(Tier(D(200), D(30)), Tier(D(500), D(100))),
          group="满减"),
    promo("B2G1-CHIPS", Kind.BUY_X_GET_Y, name="薯片买二送一", categories=("零食/薯片",), buy=2, get=1),
    promo("CPN-10", Kind.COUPON, name="优惠券减10", coupon_code="save10", amount=D(10), threshold=D(50),
          max_uses=1, group="券"),
    promo("GIFT-300", Kind.GIFT, name="满300送湿巾", gift_sku=SKU_GIFT, threshold=D(300)),
]


@pytest.fixture
def store(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(60), source="demo")
    manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=D("200.00"))
    svc.save_promotions(uow, station, actor=manager, promotions=PROMOS)
    return manager, cashier


def basket_of(uow, station, items, coupons=()) -> Basket:
    basket = Basket(offers=svc.load_offers(uow, station, at=AT), clock=svc.fixed_clock(AT, station))
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    for code in coupons:
        basket.add_coupon(code)
    return basket


def sell(uow, station, cashier, basket):
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=AT).sale


def test_only_a_manager_saves_promotions_and_it_is_audited(uow, station, store):
    manager, cashier = store
    with pytest.raises(PermissionDenied):
        svc.save_promotions(uow, station, actor=cashier, promotions=[promo("X", Kind.PERCENT_OFF, percent=D(5))])
    assert uow.promotions.by_code("X") is None
    assert uow.audit.recent(limit=5)[0].action == "promotions_saved"
    assert len(svc.list_promotions(uow)) == 5


def test_a_bad_set_is_refused_whole_with_every_reason(uow, station, store):
    manager, _c = store
    bad = [promo("OK-1", Kind.PERCENT_OFF, percent=D(5)),
           promo("BAD-PCT", Kind.PERCENT_OFF, percent=D(150)),
           promo("BAD-GIFT", Kind.GIFT, gift_sku="NOPE", threshold=D(10)),
           promo("BAD-CPN", Kind.COUPON, coupon_code="SAVE10", amount=D(5))]
    with pytest.raises(svc.PromotionsRejected) as refused:
        svc.save_promotions(uow, station, actor=manager, promotions=bad)
    codes = {p.code for p in refused.value.problems}
    assert codes == {"BAD-PCT", "BAD-GIFT", "BAD-CPN"}
    assert any("SAVE10" in p.reason and "CPN-10" in p.reason for p in refused.value.problems)
    assert uow.promotions.by_code("OK-1") is None


def test_a_sale_with_every_kind_is_written_with_its_promotions(uow, station, store):
    _m, cashier = store
    # 奶粉 2 x 87.50 at 79.00 = 158.00; 薯片 3 x 14.90 with one free = 29.80; 大米 10 x 12.90 = 129.00
    basket = basket_of(uow, station, [(SKU_SPECIAL, 2), (SKU_CHIPS, 3), ("D0000006", 10)], coupons=["SAVE10"])
    totals = basket.totals()
    assert totals.subtotal == D("316.80")
    # 316.80 reaches 200 (not 500): 30 off; the coupon (other group) takes 10; 276.80 left >= 300? no gift.
    assert totals.promo_discount == D("40.00") and totals.total == D("276.80") and not totals.gifts
    sale = sell(uow, station, cashier, basket)
    stored = uow.sales.get(number=sale.number)
    assert stored == sale and stored.coupons == ("SAVE10",)
    assert sum(ln.paid for ln in stored.lines) == stored.total
    milk = stored.lines[0]
    assert [(p.code, p.amount) for p in milk.promotions if p.level == "line"] == [("SP-MILK", D("17.00"))]
    chips = stored.lines[1]
    assert [(p.code, p.amount) for p in chips.promotions if p.level == "line"] == [("B2G1-CHIPS", D("14.90"))]
    shares = sum(p.amount for ln in stored.lines for p in ln.promotions if p.code == "MJ-200")
    assert shares == D("30.00")
    assert journal.verify_journal(uow).problem is None
    text = "\n".join(render_text(layout_receipt(stored, store=ReceiptHeader(store_name="测试店", address="", tax_id=""), columns=42,
                                                timezone="Asia/Shanghai", locale="zh_CN")))
    for words in ("奶粉特价", "薯片买二送一", "满200减30", "优惠券减10", "本次共节省"):
        assert words in text


def test_a_coupon_is_consumed_by_the_completed_sale_only(uow, station, store):
    _m, cashier = store
    assert svc.check_coupon(uow, station, " save10 ", at=AT).code == "CPN-10"
    basket_of(uow, station, [(SKU_SPECIAL, 1)], coupons=["SAVE10"])  # priced, never sold
    assert uow.promotions.coupon_uses(uow.promotions.by_code("CPN-10").id) == 0
    sell(uow, station, cashier, basket_of(uow, station, [(SKU_SPECIAL, 1)], coupons=["SAVE10"]))
    with pytest.raises(ValidationError, match="used up"):
        svc.check_coupon(uow, station, "SAVE10", at=AT)
    # A basket that took the coupon before the other sale used it up is refused whole at completion.
    late = basket_of(uow, station, [(SKU_SPECIAL, 1)], coupons=["SAVE10"])
    numbers = uow.sales.numbers(terminal_code=station.terminal_code)
    with pytest.raises(ValidationError, match="used up"):
        sell(uow, station, cashier, late)
    assert uow.sales.numbers(terminal_code=station.terminal_code) == numbers


def test_a_gift_comes_and_goes_with_the_threshold_and_leaves_stock(uow, station, store):
    _m, cashier = store
    basket = basket_of(uow, station, [(SKU_SPECIAL, 4)])  # 4 x 79 = 316, minus 30 = 286 < 300
    assert not basket.totals().gifts
    basket.set_qty(1, D(5))  # 395 - 30 = 365 >= 300
    assert [g.sku for g in basket.totals().gifts] == [SKU_GIFT]
    sale = sell(uow, station, cashier, basket)
    gift = sale.lines[-1]
    assert (gift.sku, gift.total, gift.paid, gift.promotion_saving) == (SKU_GIFT, D(0), D(0), D("9.90"))
    moved = uow.db.obj.execute_sql(
        "SELECT m.qty_milli FROM stock_movement m JOIN product p ON p.id = m.product_id WHERE p.sku = "
        f"{uow.db.obj.param}", (SKU_GIFT,)).fetchall()
    assert moved == [(-1000,)]
    basket.set_qty(1, D(1))
    assert not basket.totals().gifts


def test_an_ended_promotion_no_longer_prices(uow, station, store):
    manager, _c = store
    assert basket_of(uow, station, [(SKU_SPECIAL, 1)]).totals().total == D("79.00")
    svc.end_promotion(uow, station, actor=manager, code="SP-MILK")
    assert basket_of(uow, station, [(SKU_SPECIAL, 1)]).totals().total == D("87.50")
    assert uow.audit.recent(limit=1)[0].action == "promotion_ended"


def test_the_simulator_explains_without_selling(uow, station, store):
    quote = svc.price_basket(uow, station, items=svc.parse_items(f"{SKU_CHIPS}:3,{SKU_SPECIAL}:1"),
                             coupons=("SAVE10",), at=AT)
    data = svc.quote_json(quote)
    # 3 x 14.90 + 87.50 = 132.20; one bag free (-14.90), 奶粉 at 79 (-8.50), coupon -10: 98.80.
    assert (data["subtotal"], data["discounts"], data["total"]) == ("132.20", "33.40", "98.80")
    chips = data["lines"][0]
    assert chips["promotions"][0]["code"] == "B2G1-CHIPS" and chips["promotions"][0]["amount"] == "14.90"
    assert any("满200减30" in note for note in data["notes"])
    assert uow.sales.numbers(terminal_code=station.terminal_code) == []
    with pytest.raises(ValidationError):
        svc.parse_items("D0000001:x")
