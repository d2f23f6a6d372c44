"""Members and points end to end on a real database (SQLite and PostgreSQL): signing up at the till,
finding by card or phone, a sale that earns and is paid partly with points (one transaction with the
sale), the receipt, adjustments with a permission, expiry, tiers and classes, export."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from posapp.demo import demo_products
from posapp.devices.receipt import ReceiptHeader, layout_receipt, render_text
from posapp.domain.basket import Basket
from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, journal, shifts
from posapp.services import members as svc
from posapp.services.auth import SYSTEM, hash_pin

AT = datetime(2026, 11, 23, 6, 0)
PHONE = "13812345678"


@pytest.fixture
def store(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(60), source="demo")
    manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=D("200.00"))
    return manager, cashier


def sell(uow, station, cashier, member, items, *, points=D(0), now=AT):
    basket = Basket()
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    if member is not None:
        basket.set_member(member.code, member.tier)
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    if points:
        tendering.add("points", points)
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=now).sale


def pieces(uow):
    return [s.sku for s in demo_products(60) if not s.weighed]


def test_a_cashier_signs_up_a_member_and_finds_them_by_card_or_phone(uow, station, store):
    _manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone="+86 138-1234-5678", name="王女士", consent=True)
    assert (member.phone, member.masked_phone, member.consent) == (PHONE, "138****5678", True)
    assert svc.find_member(uow, member.code) == member
    assert svc.find_member(uow, "138 1234 5678") == member
    with pytest.raises(NotFound):
        svc.find_member(uow, "13900000000")
    assert [e.action for e in uow.audit.recent(limit=5)][0] == "member_created"


@pytest.mark.parametrize(("phone", "problem"), [("12345", "not a mobile number"), ("1381234567", "not a mobile"),
                                                 ("23812345678", "not a mobile"), ("", "not a mobile")])
def test_bad_phones_are_refused_and_nothing_is_written(uow, station, store, phone, problem):
    with pytest.raises(ValidationError, match=problem):
        svc.sign_up(uow, station, actor=store[1], phone=phone)
    assert uow.members.count() == 0


def test_a_phone_or_card_already_taken_is_refused(uow, station, store):
    first = svc.sign_up(uow, station, actor=store[1], phone=PHONE, code="CARD0001")
    with pytest.raises(ValidationError, match="already member"):
        svc.sign_up(uow, station, actor=store[1], phone="138 1234 5678")
    with pytest.raises(ValidationError, match="already a member"):
        svc.sign_up(uow, station, actor=store[1], phone="13900000001", code="CARD0001")
    assert [m.code for m in uow.members.all()] == [first.code]


def test_a_disabled_member_cannot_be_attached(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    with pytest.raises(PermissionDenied):
        svc.update_member(uow, station, actor=cashier, code=member.code, active=False)
    svc.update_member(uow, station, actor=manager, code=member.code, active=False)
    with pytest.raises(ValidationError, match="disabled"):
        svc.find_member(uow, PHONE)


def test_a_sale_earns_points_pays_with_points_and_the_receipt_says_so(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE, name="王女士")
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=1000, reason="welcome gift", at=AT)
    sku = pieces(uow)[0]
    total = sell(uow, station, cashier, None, [(sku, 1)]).total  # what one unit costs, no member
    sale = sell(uow, station, cashier, member, [(sku, 10)], points=D("5.00"))
    # 500 points paid 5.00; the rest (10 x price - 5.00, paid in cash) earns 1 point per yuan, rounded down.
    earned = int(total * 10 - D("5.00"))
    assert (sale.member.redeemed, sale.member.earned) == (500, earned)
    assert sale.member.balance == 1000 - 500 + earned == uow.members.balance(member.id)
    kinds = [(e.kind.value, e.points, e.sale_number) for e in uow.members.entries(member.id)]
    assert kinds == [("adjust", 1000, ""), ("redeem", -500, sale.number), ("earn", earned, sale.number)]
    stored = uow.sales.get(number=sale.number)
    assert stored.member_code == member.code
    assert journal.verify_journal(uow, terminal_code=station.terminal_code).ok
    text = "\n".join(render_text(layout_receipt(
        svc.with_member(stored, svc.sale_member(uow, stored)), store=ReceiptHeader("测试店", "地址", "123"),
        columns=42, timezone=station.timezone)))
    assert "138****5678" in text and PHONE not in text
    assert "使用积分" in text and "-500" in text and f"+{earned}" in text and str(sale.member.balance) in text


def test_paying_more_points_than_the_member_has_rolls_back_the_whole_sale(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=100, reason="test", at=AT)
    with pytest.raises(ValidationError, match="has 100 points"):
        sell(uow, station, cashier, member, [(pieces(uow)[0], 5)], points=D("2.00"))
    assert uow.members.balance(member.id) == 100
    assert [e.kind.value for e in uow.members.entries(member.id)] == ["adjust"]
    assert uow.sales.get(number=journal.receipt_number(station.store_code, station.terminal_code, 1)) is None


def test_points_paying_more_than_the_allowed_share_are_refused_whatever_screen_took_them(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=100_000, reason="test", at=AT)
    sku = pieces(uow)[0]
    total = sell(uow, station, cashier, None, [(sku, 4)]).total
    with pytest.raises(ValidationError, match="at most 50%"):  # the default rules: half the sale at most
        sell(uow, station, cashier, member, [(sku, 4)], points=(total * D("0.6")).quantize(D("0.01")))
    assert uow.members.balance(member.id) == 100_000


def test_points_without_a_member_are_refused(uow, station, store):
    with pytest.raises(ValidationError, match="only for a member"):
        sell(uow, station, store[1], None, [(pieces(uow)[0], 5)], points=D("1.00"))


def test_adjustments_need_the_permission_a_reason_and_never_go_below_zero(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    with pytest.raises(PermissionDenied):
        svc.adjust_points(uow, station, actor=cashier, code=member.code, points=100, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        svc.adjust_points(uow, station, actor=manager, code=member.code, points=100, reason="  ")
    with pytest.raises(ValidationError, match="cannot take 1"):
        svc.adjust_points(uow, station, actor=manager, code=member.code, points=-1, reason="oops")
    assert svc.adjust_points(uow, station, actor=manager, code=member.code, points=250, reason="complaint") == 250
    entry = uow.audit.recent(limit=1)[0]
    assert (entry.action, entry.detail["reason"], entry.detail["points"]) == ("points_adjusted", "complaint", 250)


def test_points_expire_oldest_first_and_the_card_warns_before(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=300, reason="old", at=AT)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=200, reason="new", at=AT + timedelta(days=60))
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=-100, reason="spent", at=AT + timedelta(days=61))
    # Default rules: 24 months. 20 days before the first lot's expiry, its 200 left are "expiring soon".
    card = svc.member_card(uow, station, member, at=AT + timedelta(days=710))
    assert (card.balance, card.expiring) == (400, 200)
    assert svc.expire_points(uow, station, actor=manager, at=AT + timedelta(days=731)) == (1, 200)
    assert uow.members.balance(member.id) == 200
    assert svc.expire_points(uow, station, actor=manager, at=AT + timedelta(days=732)) == (0, 0)  # nothing twice
    # The next run looks only at lots expiring since the last one, and finds the second lot when its day comes.
    assert svc.expire_points(uow, station, actor=manager, at=AT + timedelta(days=785)) == (0, 0)
    assert svc.expire_points(uow, station, actor=manager, at=AT + timedelta(days=792)) == (1, 200)
    assert uow.members.balance(member.id) == 0
    assert uow.members.with_points_due(AT + timedelta(days=800), after=AT + timedelta(days=792)) == []
    assert uow.members.with_points_due(AT + timedelta(days=800)) == [member.id]  # without the mark: all of history


def test_tiers_and_classes_come_from_the_last_twelve_months(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    other = svc.sign_up(uow, station, actor=cashier, phone="13900000002")
    dear = max((s for s in demo_products(60) if not s.weighed), key=lambda s: s.price)
    while uow.members.spend(member.code, AT - timedelta(days=365))[0] < D(2000):
        sell(uow, station, cashier, member, [(dear.sku, 5)])
    counts = svc.refresh_tiers(uow, station, actor=manager, at=AT + timedelta(days=1))
    assert uow.members.by_code(member.code).tier == "silver"
    assert uow.members.by_code(other.code).customer_class == "C"
    assert uow.members.by_code(member.code).customer_class == "B"
    assert sum(counts.values()) == 2
    # A year on, nothing bought since: back to the base tier and class C, for both the same as before.
    counts = svc.refresh_tiers(uow, station, actor=manager, at=AT + timedelta(days=400))
    assert (uow.members.by_code(member.code).tier, uow.members.by_code(member.code).customer_class) == ("", "C")
    assert counts == {"A": 0, "B": 0, "C": 2}
    assert uow.audit.recent(limit=1)[0].detail["changed"] == 1


def test_exporting_members_needs_its_permission_and_is_audited(uow, station, store, tmp_path):
    manager, cashier = store
    svc.sign_up(uow, station, actor=cashier, phone=PHONE, name="王女士")
    with pytest.raises(PermissionDenied):
        svc.export_members(uow, station, actor=cashier, path=tmp_path / "m.csv")
    assert not (tmp_path / "m.csv").exists()
    assert svc.export_members(uow, station, actor=manager, path=tmp_path / "m.csv") == 1
    rows = list(csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8-sig")))
    assert rows[0]["phone"] == PHONE and rows[0]["name"] == "王女士"
    assert uow.audit.recent(limit=1)[0].action == "members_exported"


def test_loyalty_rules_round_trip_and_bad_ones_change_nothing(uow, station, store):
    manager, _cashier = store
    rules = svc.rules_from_json({"rate": 50, "no_earn_categories": ["烟酒"], "expiry_months": 12})
    with pytest.raises(PermissionDenied):  # store-wide settings: an administrator's
        svc.save_loyalty_rules(uow, station, actor=manager, rules=rules)
    assert svc.loyalty_rules(uow) == svc.rules_from_json({})
    svc.save_loyalty_rules(uow, station, actor=SYSTEM, rules=rules)
    assert svc.loyalty_rules(uow) == rules
    for bad in ({"rate": 0}, {"max_share": 150}, {"colour": "red"}, {"tiers": [{"name": "gold"}]}):
        with pytest.raises(ValidationError):
            svc.rules_from_json(bad)
    assert svc.loyalty_rules(uow) == rules


def test_the_back_office_search_finds_by_card_phone_or_name_and_the_exact_match_first(uow, station, store):
    cashier = store[1]
    wang = svc.sign_up(uow, station, actor=cashier, phone=PHONE, name="王女士", code="CARD0001")
    li = svc.sign_up(uow, station, actor=cashier, phone="13912345600", name="李先生", code="CARD0002")
    zhang = svc.sign_up(uow, station, actor=cashier, phone="13700005678", name="张三", code="X0001")
    assert [m.code for m in svc.search_members(uow, "CARD")] == [li.code, wang.code]
    assert [m.code for m in svc.search_members(uow, "5678")] == [zhang.code, wang.code]
    assert [m.code for m in svc.search_members(uow, "先生")] == [li.code]
    assert svc.search_members(uow, "138 1234 5678")[0] == wang
    assert svc.search_members(uow, "%") == [] and svc.search_members(uow, "无此人") == []
    assert len(svc.search_members(uow, "")) == 3 and len(svc.search_members(uow, "", limit=2)) == 2
    with pytest.raises(ValidationError, match="at most 80"):
        svc.search_members(uow, "1" * 81)
