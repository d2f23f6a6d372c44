"""Pure parts of the push, property-tested: how long a failed event waits, and that an order in the shop
comes to exactly what the customer paid at the till, whatever the lines, weights, discounts, tax and
cash rounding (and that a refund goes back to the right items)."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain.sale import Payment, Sale, SaleLine
from posapp.sync.push import BACKOFF_BASE, BACKOFF_CAP, ReturnDoc, SaleDoc, backoff_seconds
from posapp.sync.woo_orders import order_body, refund_body

AT = datetime(2026, 11, 23, 6, 0)
CENT = D("0.01")


@given(attempts=st.integers(min_value=1, max_value=10_000), seed=st.integers(0, 2**32))
def test_backoff_grows_with_each_failure_up_to_the_cap_and_half_of_it_is_random(attempts, seed):
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempts - 1, 40))
    wait = backoff_seconds(attempts, rng=random.Random(seed))
    assert ceiling / 2 <= wait <= ceiling <= BACKOFF_CAP


def test_backoff_jitter_spreads_tills_that_failed_together():
    waits = {round(backoff_seconds(6, rng=random.Random(n)), 3) for n in range(50)}
    assert len(waits) > 40 and min(waits) >= 32 and max(waits) <= 64


@given(retry_after=st.floats(min_value=0, max_value=3600), attempts=st.integers(1, 50), seed=st.integers(0, 2**32))
def test_a_429_waits_what_the_shop_asked_plus_at_most_a_second(retry_after, attempts, seed):
    wait = backoff_seconds(attempts, retry_after=retry_after, rng=random.Random(seed))
    assert retry_after <= wait <= retry_after + 1


@st.composite
def sales(draw):
    """A sale as the checkout writes it: lines with what each was paid after every discount, the total
    (plus tax when prices exclude it), cash rounding; some products only this till knows."""
    lines, refs = [], {}
    for n in range(1, draw(st.integers(1, 8)) + 1):
        weighed = draw(st.booleans())
        qty = D(draw(st.integers(1, 5000))) / 1000 if weighed else D(draw(st.integers(1, 20)))
        price = D(draw(st.integers(1, 50_000))) / 100
        gross = (price * qty).quantize(CENT)
        paid = gross - min(gross, D(draw(st.integers(0, 2_000))) / 100)  # discounts, coupons, a free gift
        lines.append(SaleLine(line_no=n, product_id=100 + n, sku=f"SKU{n}", name=f"item {n}", unit="kg" if weighed
                              else "pcs", qty=qty, unit_price=price, list_price=price, discount=D(0), total=gross,
                              tax_class="std", tax_rate=D(13), weighed=weighed, paid=paid))
        shop = draw(st.sampled_from(["simple", "variation", "local"]))
        refs[100 + n] = {"simple": (str(500 + n), None), "variation": (str(900 + n), "77"),
                         "local": (None, None)}[shop]
    paid = sum((x.paid for x in lines), D(0))
    tax = D(draw(st.integers(0, 5_000))) / 100 if draw(st.booleans()) else D(0)  # prices without tax
    rounding = D(draw(st.integers(-4, 4))) / 100
    total = paid + tax
    sale = Sale(number="S001-T01-000001", store_code="S001", terminal_code="T01", shift_id=1, cashier_id=1,
                cashier_name="c", created_at=AT, currency="CNY", lines=tuple(lines), subtotal=total,
                basket_discount=D(0), total=total, rounding=rounding, taxes=(),
                payments=(Payment("cash", total + rounding, total + rounding),), change=D(0))
    return SaleDoc(uuid="u-1", sale=sale, products=refs, customer_id=None, coupons=())


@settings(max_examples=300)
@given(doc=sales())
def test_the_order_comes_to_what_the_customer_paid_and_every_line_is_found_again(doc):
    body = order_body(doc)
    items, fees = body["line_items"], body["fee_lines"]
    assert sum((D(x["total"]) for x in items + fees), D(0)) == doc.sale.total + doc.sale.rounding
    numbers = [m["value"] for x in items + fees for m in x["meta_data"] if m["key"] == "_pos_line"]
    assert sorted(numbers, key=int) == [str(x.line_no) for x in doc.sale.lines]
    assert all(isinstance(x["quantity"], int) and x["quantity"] >= 1 for x in items)
    for item in items:  # a variation names its product too
        assert (item.get("variation_id") is not None) == (item["product_id"] == 77)
    assert {m["key"]: m["value"] for m in body["meta_data"]}["_pos_uuid"] == "u-1"


@settings(max_examples=200)
@given(doc=sales(), data=st.data())
def test_a_refund_names_the_order_s_items_of_the_lines_returned_and_refunds_the_return(doc, data):
    body = order_body(doc)
    # The shop gives each item and fee its own id and keeps the meta.
    order = {"line_items": [dict(x, id=1000 + i) for i, x in enumerate(body["line_items"])],
             "fee_lines": [dict(x, id=2000 + i) for i, x in enumerate(body["fee_lines"])]}
    ids = {m["value"]: x["id"] for x in order["line_items"] + order["fee_lines"] for m in x["meta_data"]
           if m["key"] == "_pos_line"}
    chosen = data.draw(st.lists(st.sampled_from(doc.sale.lines), min_size=1, unique_by=lambda x: x.line_no))
    def part(x: SaleLine) -> D:  # a weighed line may come back in part
        half = (x.qty / 2).quantize(D("0.001"))
        return half if x.weighed and half > 0 and data.draw(st.booleans()) else x.qty

    back = []
    for i, x in enumerate(chosen, start=1):
        qty = part(x)
        paid = (x.paid * qty / x.qty).quantize(CENT)
        back.append(SaleLine(line_no=i, product_id=x.product_id, sku=x.sku, name=x.name, unit=x.unit, qty=-qty,
                             unit_price=x.unit_price, list_price=x.list_price, discount=D(0), total=-paid,
                             tax_class="std", tax_rate=D(13), weighed=x.weighed, paid=-paid, original_line=x.line_no,
                             damaged=data.draw(st.booleans())))
    refund = sum((x.paid for x in back), D(0))
    ret = Sale(number="S001-T01-000002", store_code="S001", terminal_code="T01", shift_id=1, cashier_id=1,
               cashier_name="c", created_at=AT, currency="CNY", lines=tuple(back), subtotal=refund,
               basket_discount=D(0), total=refund, rounding=D(0), taxes=(),
               payments=(Payment("cash", refund, refund),), change=D(0), kind="return", original=doc.sale.number)
    made = refund_body(ReturnDoc(uuid="r-1", sale=ret, original=doc.sale, order_id="5"), order)
    assert [x["id"] for x in made["line_items"]] == [ids[str(x.original_line)] for x in back]
    assert D(made["amount"]) == -refund and made["api_refund"] is False
    sold = {x.line_no: x for x in doc.sale.lines}
    for line, item in zip(back, made["line_items"]):
        assert D(item["refund_total"]) == -line.paid
        if line.damaged or item["id"] >= 2000:  # not put back on sale; a fee has no stock
            assert item["quantity"] == 0
        elif line.weighed:  # sold as one unit: back on sale only when all of its weight came back
            assert item["quantity"] == int(-line.qty == sold[line.original_line].qty)
        else:
            assert item["quantity"] == int(-line.qty)
