"""The rules that make what the online shop sends safe for the till: the effective price of a sale, the
category paths, amounts, times, quantities and barcodes as the shop writes them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.barcode import gtin_check_digit
from posapp.domain.sync_records import (
    FieldError,
    ShopCategory,
    category_paths,
    effective_price,
    local_sku,
    local_tax_class,
    shop_barcodes,
    shop_money,
    shop_quantity,
    shop_text,
    shop_time,
)

T0 = datetime(2024, 3, 1)
moments = st.integers(min_value=-1000, max_value=1000).map(lambda h: T0 + timedelta(hours=h))
prices = st.decimals(min_value=0, max_value=9999999, places=2)


@given(price=prices, sale=st.none() | prices, start=st.none() | moments, end=st.none() | moments, at=moments)
def test_the_sale_price_applies_exactly_inside_its_window(price, sale, start, end, at):
    got = effective_price(price=price, sale_price=sale, sale_from=start, sale_to=end, at=at)
    inside = sale is not None and (start is None or start <= at) and (end is None or at < end)
    assert got == (sale if inside else price)
    if end is not None and sale is not None:  # the end is exclusive, the start inclusive
        assert effective_price(price=price, sale_price=sale, sale_from=None, sale_to=end, at=end) == price
        assert effective_price(price=price, sale_price=sale, sale_from=end, sale_to=None, at=end) == sale


@st.composite
def trees(draw):
    """Categories whose parents come earlier (as a shop's tree), with names that may hold a slash."""
    count = draw(st.integers(min_value=1, max_value=12))
    names = st.text(alphabet="ab/茶 ", min_size=1, max_size=6).filter(lambda n: n.strip(" /"))
    cats = []
    for n in range(count):
        parent = draw(st.sampled_from([0] + [c.id for c in cats]))
        cats.append(ShopCategory(id=100 + n, name=draw(names).strip(), parent=parent))
    return cats


@given(trees())
def test_category_paths_follow_the_parent_chain(cats):
    paths = category_paths(cats)
    by_id = {c.id: c for c in cats}
    for c in cats:
        parent = by_id.get(c.parent)
        own = c.name.replace("/", "／")  # a level of a path cannot hold the separator
        expected = f"{paths[parent.id]}/{own}" if parent else own
        assert paths[c.id] == "/".join(expected.split("/")[:6])  # the till keeps six levels, the top ones


def test_a_loop_of_parents_is_refused():
    with pytest.raises(FieldError, match="loop"):
        category_paths([ShopCategory(1, "A", 2), ShopCategory(2, "B", 1)])


@given(prices)
def test_an_amount_as_the_shop_writes_it_reads_back_exactly(amount):
    assert shop_money(f"{amount:.2f}", record="product 1", field_name="regular_price") == amount


@pytest.mark.parametrize("value, reason", [
    ("abc", "is not an amount"), ("-0.01", "is negative"), ("10000000", "is larger than"), ("NaN", "not an amount"),
    (True, "not an amount"), (12.5, "not an amount"), ([], "not an amount"),
])
def test_amounts_that_are_refused(value, reason):
    with pytest.raises(FieldError, match=reason) as refused:
        shop_money(value, record="product 7", field_name="sale_price")
    assert str(refused.value).startswith("product 7: sale_price: ")


def test_empty_amounts_and_times_are_none():
    assert shop_money("", record="p", field_name="sale_price") is None
    assert shop_time(None, record="p", field_name="date_on_sale_to_gmt") is None
    assert shop_time("2024-03-01T08:30:00", record="p", field_name="x") == datetime(2024, 3, 1, 8, 30)
    for bad in ("2024-03-01", "2024-13-01T00:00:00", "2024-03-01T08:30:00+08:00", 1709251200):
        with pytest.raises(FieldError):
            shop_time(bad, record="p", field_name="date_on_sale_to_gmt")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_shop_barcode_with_its_check_digit_is_kept_as_the_catalog_key(body):
    code = body + gtin_check_digit(body)
    assert shop_barcodes(code, record="p", field_name="global_unique_id") == (code,)
    wrong = body + str((int(gtin_check_digit(body)) + 1) % 10)
    with pytest.raises(FieldError, match="wrong check digit"):
        shop_barcodes([code, wrong], record="p", field_name="meta_data[_barcode]")


@given(st.text(alphabet="0123456789", min_size=14, max_size=30))
def test_a_barcode_too_long_is_refused(digits):
    with pytest.raises(FieldError, match="a barcode has 8, 12 or 13 digits"):
        shop_barcodes(digits, record="p", field_name="global_unique_id")


def test_barcodes_in_a_meta_value_and_numbers_that_lost_their_zeros():
    assert shop_barcodes("6901234567892, 036000291452", record="p", field_name="m") == \
        ("6901234567892", "0036000291452")
    with pytest.raises(FieldError, match="is a number"):
        shop_barcodes(6901234567892, record="p", field_name="m")


def test_quantities_names_skus_and_tax_classes():
    assert shop_quantity(-3, record="p") == D(-3) and shop_quantity("2.5", record="p") == D("2.5")
    with pytest.raises(FieldError, match="plausible"):
        shop_quantity(10**12, record="p")
    assert shop_text("Fish &amp; Chips\t \n 2", record="p", field_name="name") == "Fish & Chips 2"
    assert len(shop_text("x" * 500, record="p", field_name="name")) == 200
    with pytest.raises(FieldError, match="empty"):
        shop_text(" \n", record="p", field_name="name")
    assert (local_sku(" A-1/2 "), local_sku("has space"), local_sku(""), local_sku("x" * 65)) == ("A-1/2", None, None,
                                                                                                 None)
    assert (local_tax_class("", "taxable"), local_tax_class("reduced-rate", "taxable"),
            local_tax_class("reduced-rate", "none")) == ("standard", "reduced-rate", "zero-rate")
