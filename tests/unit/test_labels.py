"""Shelf-label rules: pack sizes read as a weight or volume, the unit price per kg or per L, which
barcode symbology prints a code, and names that always fit their label."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain.labels import (LabelItem, Quantity, barcode_symbology, label_unit_price, parse_content,
                                  size_in_name, unit_price, weighed_quantity)
from posapp.reports.labels_pdf import fit_lines, money_text


def item(**kw) -> LabelItem:
    base = dict(sku="A1", name="x", name_en="", price=D("12.90"), regular_price=None, unit="袋", weighed=False,
                content="", barcode="", category="")
    return LabelItem(**{**base, **kw})


@pytest.mark.parametrize(("text", "amount", "base"), [
    ("500g", "0.5", "kg"), ("1.5kg", "1.5", "kg"), ("330ml", "0.33", "L"), ("2L", "2", "L"), ("1.9l", "1.9", "L"),
    ("12x330ml", "3.96", "L"), ("330ml*6", "1.98", "L"), ("6 × 330 ml", "1.98", "L"), ("100g*8", "0.8", "kg"),
    ("8袋x100g", "0.8", "kg"), ("330ml*6罐", "1.98", "L"), ("５００ｇ", "0.5", "kg"), ("500克", "0.5", "kg"),
    ("2公斤", "2", "kg"), ("1斤", "0.5", "kg"), ("750毫升", "0.75", "L"), ("1.25升", "1.25", "L"), ("75cl", "0.75", "L"),
])
def test_pack_sizes_are_read_as_a_weight_or_a_volume(text, amount, base):
    assert parse_content(text) == Quantity(D(amount).normalize(), base)


@pytest.mark.parametrize("text", ["", "约400g", "30枚", "3包", "52颗", "4支装", "0g", "0x330ml", "g500", "500",
                                  "500gg", "1/2kg", "abc"])
def test_counts_approximations_and_nonsense_have_no_unit_price(text):
    assert parse_content(text) is None


def test_unit_prices_are_per_kg_or_per_l_from_the_content_or_the_name():
    assert label_unit_price(item(content="500g")).amount == D("25.80")
    assert label_unit_price(item(name="本地 圣女果 500g")).per == "kg"  # no content: the name's size
    assert label_unit_price(item(name="燕京 黑啤酒 330ml*6", price=D("33.90"))).amount == D("17.12")
    assert label_unit_price(item(content="6x330ml", name="啤酒 1L", price=D("33.90"))).amount == D("17.12")
    assert label_unit_price(item(name="云南 西兰花 约400g")) is None and label_unit_price(item(name="鸡蛋 30枚")) is None
    assert size_in_name("十月稻田 珍珠大米 1kg") == "1kg" and size_in_name("1kg") == "" and size_in_name("牛奶") == ""


@pytest.mark.parametrize(("unit", "price", "per_kg"), [("kg", "2.90", "2.90"), ("斤", "5.00", "10.00"),
                                                       ("500g", "6.00", "12.00"), ("", "3.00", "3.00"),
                                                       ("公斤", "8.80", "8.80")])
def test_a_weighed_product_shows_its_price_per_kg(unit, price, per_kg):
    each = label_unit_price(item(weighed=True, unit=unit, price=D(price)))
    assert (each.amount, each.per) == (D(per_kg), "kg")


def test_a_weighed_product_sold_by_the_piece_has_no_unit_price():
    assert weighed_quantity("pcs") is None and weighed_quantity("L") is None


@pytest.mark.parametrize(("code", "kind"), [
    ("6935711000015", "ean13"), ("6935711000016", "code128"), ("96385074", "ean8"), ("96385075", "code128"),
    ("036000291452", "ean13"), ("D0000001", "code128"), ("ABC-123", "code128"), ("", ""), ("１２３", ""), ("A\tB", ""),
])
def test_the_barcode_symbology_follows_the_code(code, kind):
    assert barcode_symbology(code) == kind


def test_money_on_a_label():
    assert (money_text(D("12.9"), "CNY"), money_text(D("1288"), "CNY"), money_text(D("500"), "JPY")) == (
        "¥12.90", "¥1,288.00", "¥500")


prices = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
amounts = st.decimals(min_value=D("0.001"), max_value=D("500"), places=3)


@settings(max_examples=300, deadline=None)
@given(price=prices, amount=amounts, base=st.sampled_from(["kg", "L"]))
def test_unit_price_times_quantity_gives_the_price_back_within_rounding(price, amount, base):
    each = unit_price(price, Quantity(amount, base))
    assert each == each.quantize(D("0.01"))
    # Rounded to the fen: off by at most half a fen per kg (or L) of the pack.
    assert abs(each * amount - price) <= D("0.005") * amount + D("1e-20")


@settings(max_examples=200, deadline=None)
@given(grams=st.integers(min_value=1, max_value=100_000), count=st.integers(min_value=1, max_value=48))
def test_the_same_size_written_any_way_is_the_same_quantity(grams, count):
    kilos = D(grams) / 1000
    assert parse_content(f"{grams}g") == parse_content(f"{kilos}kg") == parse_content(f"{grams}克")
    many = parse_content(f"{count}x{grams}ml")
    assert many == parse_content(f"{grams}ml*{count}") and many.amount == (kilos * count).normalize()


text = st.text(alphabet=st.sampled_from(list("君乐宝高钙奶粉，。、牛奶 ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789-()")),
               min_size=1, max_size=120)


@settings(max_examples=200, deadline=None)
@given(name=text, width=st.floats(min_value=40, max_value=200), lines=st.integers(min_value=1, max_value=3))
def test_a_name_always_fits_its_label(name, width, lines):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from posapp.reports.labels_pdf import _font
    from posapp.reports.pdf import register_fonts

    register_fonts()
    fitted, size = fit_lines(name, width, max_size=11, min_size=7, max_lines=lines)
    assert 7 <= size <= 11 and len(fitted) <= lines and (fitted or not name.strip())
    assert all(stringWidth(line, _font(name), size) <= width + 1e-6 for line in fitted)
    if not re.search("[，。、][ ，。、]*[，。、][ ，。、]*[，。、]", name):  # a run of 3 marks may not fit beside a character
        assert not any(line.startswith(("，", "。", "、")) for line in fitted[1:])
