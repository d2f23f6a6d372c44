"""Returns as the cashier and the customer check them: worked examples from the returns issue with
hand-computed numbers, then random sales and random sequences of returns (hypothesis) against what
must always hold: never more refunded than paid, and everything back where it was once all is returned."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain import points as pts
from posapp.domain.basket import Basket
from posapp.domain.catalog import Product
from posapp.domain.errors import ValidationError
from posapp.domain.pricing import PromotionSet
from posapp.domain.promotions import Kind, Promotion, Tier, require_sound
from posapp.domain.returns import Asked, Earlier, ReturnPlan, plan_return
from posapp.domain.sale import Sale
from posapp.domain.tender import Tendering

D = Decimal
NOW = datetime(2026, 11, 20, 6, 0)
CATEGORY = {"CHIPS": "零食/膨化", "COAT": "服装", "SHOES": "服装", "SOCKS": "服装", "RICE": "粮油",
            "PORK": "生鲜/肉", "TOWEL": "家居"}
PRICES = {"CHIPS": "14.90", "COAT": "150.00", "SHOES": "100.00", "SOCKS": "9.90", "RICE": "49.90",
          "PORK": "32.60", "TOWEL": "15.90"}


def product(sku: str, n: int = 0) -> Product:
    return Product(id=n or len(sku), sku=sku, name=sku.lower(), price=D(PRICES[sku]), tax_class="standard",
                   tax_rate=D("13.00") if sku != "RICE" else D("9.00"), unit="kg" if sku == "PORK" else "pcs",
                   weighed=sku == "PORK", active=True, category=CATEGORY[sku])


def promo(pid: int, kind: Kind, **kw) -> Promotion:
    return require_sound(Promotion(id=pid, code=f"P{pid}", name=f"promotion {pid}", kind=kind, **kw))


B2G1 = promo(1, Kind.BUY_X_GET_Y, products=frozenset({"CHIPS"}), buy=2, get=1)
SPEND_200 = promo(2, Kind.THRESHOLD, tiers=(Tier(D(200), D(20)),), categories=("服装",))
COUPON = promo(3, Kind.COUPON, coupon_code="TEN", amount=D(10), threshold=D(100))
GIFT = promo(4, Kind.GIFT, threshold=D(300), gift_sku="TOWEL", gift_qty=1)
ALL = (B2G1, SPEND_200, COUPON, GIFT)


def sell(items, *, promotions=ALL, coupons=(), tenders=(("cash", None),), include_tax=True,
         increment=D("0.01")) -> Sale:
    offers = PromotionSet(promotions, gift_products={"TOWEL": product("TOWEL", 90)})
    basket = Basket(prices_include_tax=include_tax, offers=offers,
                    clock=lambda: (NOW, NOW + timedelta(hours=8)))
    for n, (sku, qty) in enumerate(items, start=1):
        basket.add(product(sku, n), qty=D(qty))
    for code in coupons:
        basket.add_coupon(code)
    totals = basket.totals()
    tendering = Tendering(total=totals.total, cash_increment=increment)
    for tender, amount in tenders:
        tendering.add(tender, tendering.cash_due if amount is None and tender == "cash" else
                      tendering.remaining if amount is None else D(amount))
    return Sale(number="S001-T01-000001", store_code="S001", terminal_code="T01", shift_id=1, cashier_id=1,
                cashier_name="c", created_at=NOW, currency="CNY", lines=basket.to_sale_lines(),
                subtotal=totals.subtotal, basket_discount=totals.basket_discount, total=totals.total,
                rounding=tendering.rounding, taxes=totals.taxes, payments=tendering.payments,
                change=tendering.change, promo_discount=totals.promo_discount)


def after(earlier: Earlier, plan: ReturnPlan) -> Earlier:
    """What the returns service remembers of a return, for the next one."""
    e = Earlier(qty=dict(earlier.qty), amount=dict(earlier.amount), tax=dict(earlier.tax),
                deducted=dict(earlier.deducted), payments=dict(earlier.payments),
                points_given=earlier.points_given + plan.points_given,
                points_taken=earlier.points_taken + plan.points_taken + plan.shortfall)
    for x in plan.lines:
        n = x.line.line_no
        e.qty[n] = e.qty.get(n, D(0)) + x.qty
        e.amount[n] = e.amount.get(n, D(0)) + x.refund
        e.tax[n] = e.tax.get(n, D(0)) + x.tax
    for d in plan.deductions:
        e.deducted[d.promotion_id] = e.deducted.get(d.promotion_id, D(0)) + d.amount
    for r in plan.refunds:
        e.payments[r.index] = e.payments.get(r.index, D(0)) + r.amount
    return e


def ret(sale, *asked, earlier=None, **kw) -> ReturnPlan:
    return plan_return(sale, [Asked(n, D(q), reason) for n, q, reason in asked], earlier=earlier,
                       promotions={p.id: p for p in ALL}, categories=CATEGORY, **kw)


def test_part_of_a_buy_two_get_one_line_refunds_its_share_of_what_was_paid():
    sale = sell([("CHIPS", 3)])
    assert sale.lines[0].paid == D("29.80")  # one of the three free
    first = ret(sale, (1, 1, "changed_mind"))
    assert (first.gross, first.money, first.final) == (D("9.93"), D("9.93"), False)
    rest = ret(sale, (1, 2, "changed_mind"), earlier=after(Earlier(), first))
    assert (rest.gross, rest.money, rest.final) == (D("19.87"), D("19.87"), True)  # 9.93 + 19.87 = 29.80


def test_two_partial_returns_reach_what_was_sold_and_a_third_is_refused_with_the_numbers():
    sale = sell([("SOCKS", 4), ("RICE", 1)])
    one = ret(sale, (1, 1, "wrong_size"))
    seen = after(Earlier(), one)
    three = ret(sale, (1, 3, "wrong_size"), earlier=seen)
    seen = after(seen, three)
    assert one.gross + three.gross == D("39.60")
    with pytest.raises(ValidationError, match=r"socks: 1 cannot be returned; 4 sold, 4 already returned, 0 left"):
        ret(sale, (1, 1, "wrong_size"), earlier=seen)
    with pytest.raises(ValidationError, match="by the piece"):
        ret(sale, (2, "0.5", "other"))
    with pytest.raises(ValidationError, match="no line 9"):
        ret(sale, (9, 1, "other"))
    with pytest.raises(ValidationError, match="reason"):
        ret(sale, (2, 1, "because"))


def test_a_threshold_the_kept_items_no_longer_reach_comes_off_the_refund_and_the_coupon_stays():
    # 150 + 100 clothes: 满200减20 (12.00 on the coat, 8.00 on the shoes), then the coupon's 10 (min 100).
    sale = sell([("COAT", 1), ("SHOES", 1)], coupons=("TEN",))
    assert sale.total == D("220.00")
    coat, shoes = sale.lines
    share = {x.sku: sum(a.amount for a in x.promotions if a.promotion_id == 2) for x in sale.lines}
    assert share == {"COAT": D("12.00"), "SHOES": D("8.00")}
    plan = ret(sale, (2, 1, "wrong_size"))
    # The coat alone (150) is under 200: the 12.00 it kept of 满200减20 is lost. 150 still meets the coupon.
    assert [(d.promotion_id, d.amount) for d in plan.deductions] == [(2, D("12.00"))]
    assert plan.money == shoes.paid - D("12.00")
    # Returning the coat too gives the 12.00 back: everything paid has come back.
    rest = ret(sale, (1, 1, "wrong_size"), earlier=after(Earlier(), plan))
    assert [(d.promotion_id, d.amount) for d in rest.deductions] == [(2, D("-12.00"))]
    assert plan.money + rest.money == D("220.00")


def test_a_gift_kept_below_its_threshold_costs_its_value_until_it_comes_back():
    sale = sell([("COAT", 2), ("SHOES", 1)])  # 400 - 20 = 380 reaches 300: a towel
    towel = next(x for x in sale.lines if x.sku == "TOWEL")
    plan = ret(sale, (1, 1, "changed_mind"))  # 250 - 20 kept... under 300
    assert [(d.kind, d.amount) for d in plan.deductions] == [("gift", D("15.90"))]
    back = ret(sale, (towel.line_no, 1, "changed_mind"), earlier=after(Earlier(), plan))
    assert [(d.kind, d.amount) for d in back.deductions] == [("gift", D("-15.90"))]
    assert back.money == D("15.90")  # the towel itself refunds nothing; its value comes back


def test_the_refund_goes_back_to_the_payments_in_proportion_and_cash_is_rounded():
    sale = sell([("COAT", 1), ("SOCKS", 1)], tenders=(("card", "100.00"), ("cash", None)),
                increment=D("0.10"))
    assert sale.total == D("159.90") and [p.amount for p in sale.payments] == [D("100.00"), D("59.90")]
    plan = ret(sale, (1, 1, "changed_mind"), cash_increment=D("0.10"))
    # 150.00 split 100 : 59.90 is 93.80 and 56.19 (the cent left over to the larger); cash 56.19 -> 56.20.
    assert {r.tender: r.amount for r in plan.refunds} == {"card": D("93.81"), "cash": D("56.20")}
    assert (plan.rounding, plan.total) == (D("0.01"), D("150.01"))
    rest = ret(sale, (2, 1, "changed_mind"), earlier=after(Earlier(), plan), cash_increment=D("0.10"))
    assert {r.tender: r.amount for r in rest.refunds} == {"card": D("6.19"), "cash": D("3.70")}  # what is left


def test_points_come_back_and_earned_points_already_spent_come_off_the_refund():
    rules = pts.LoyaltyRules()
    # 2,000 points paid 20.00 of a 150.00 coat; the sale earned 130 (what was paid in money). The points
    # that paid come back first, so the 130 can be taken even from a member with 30 left.
    sale = sell([("COAT", 1)], tenders=(("points", "20.00"), ("cash", None)))
    plan = ret(sale, (1, 1, "damaged"), rules=rules, earned=130, redeemed=2000, available=30)
    assert (plan.points_given, plan.points_taken, plan.shortfall, plan.shortfall_value) == (2000, 130, 0, D(0))
    assert {r.tender: r.amount for r in plan.refunds} == {"points": D("20.00"), "cash": D("130.00")}
    assert plan.lines[0].damaged
    # Paid in cash, earned 150, and the member has spent all but 30 since: 120 points (1.20) come off.
    cash = sell([("COAT", 1)])
    poor = ret(cash, (1, 1, "damaged"), rules=rules, earned=150, available=30)
    assert (poor.points_given, poor.points_taken, poor.shortfall, poor.shortfall_value) == (0, 30, 120, D("1.20"))
    assert {r.tender: r.amount for r in poor.refunds} == {"cash": D("148.80")}


# --- random sales, random returns -----------------------------------------------------------------

SKUS = sorted(PRICES)
lines = st.lists(st.tuples(st.sampled_from([s for s in SKUS if s != "TOWEL"]), st.integers(1, 4)), min_size=1,
                 max_size=5)


@settings(max_examples=150, deadline=None)
@given(lines, st.booleans(), st.sampled_from([(("cash", None),), (("card", None),),
                                              (("card", "30.00"), ("cash", None)),
                                              (("points", "5.00"), ("mobile", None))]),
       st.booleans(), st.randoms(use_true_random=False), st.integers(0, 3000), st.integers(0, 500))
def test_never_more_back_than_paid_and_everything_back_once_all_is_returned(items, coupon, tenders, include_tax,
                                                                          rnd, available, earned):
    try:
        sale = sell([(s, q) for s, q in items], coupons=("TEN",) if coupon else (), tenders=tenders,
                    include_tax=include_tax, increment=D("0.10"))
    except ValidationError:  # points worth more than the sale may take: not a sale
        return
    paid = sum((p.amount for p in sale.payments), D(0))
    redeemed = sum((int(p.amount * 100) for p in sale.payments if p.tender == "points"), 0)
    earlier, refunded, given, taken = Earlier(), D(0), 0, 0
    left = {x.line_no: x.qty for x in sale.lines}
    while any(left.values()):
        n = rnd.choice([k for k, q in left.items() if q])
        qty = D(rnd.randint(1, int(left[n])))
        plan = plan_return(
            sale, [Asked(n, qty, "changed_mind")], earlier=earlier, promotions={p.id: p for p in ALL},
            categories=CATEGORY, prices_include_tax=include_tax, cash_increment=D("0.10"), earned=earned,
            redeemed=redeemed, available=available + 10_000)
        assert all(r.amount > 0 for r in plan.refunds)
        assert all(r.amount <= p.amount - earlier.payments.get(r.index, D(0))
                   for r in plan.refunds for p in [sale.payments[r.index]])
        refunded += plan.total
        given, taken = given + plan.points_given, taken + plan.points_taken + plan.shortfall
        assert refunded <= paid
        earlier = after(earlier, plan)
        left[n] -= qty
    assert refunded == paid  # all of it, in the end
    assert (given, taken) == (redeemed, earned)
    assert sum(earlier.tax.values(), D(0)) == sum((t.tax for t in sale.taxes), D(0))
