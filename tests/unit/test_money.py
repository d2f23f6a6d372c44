"""Money and quantity conversions: exact, one rounding rule, refusals with reasons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.errors import ValidationError
from posapp.domain.money import (
    currency_places,
    from_minor,
    parse_price,
    parse_rate,
    qty_from_milli,
    qty_to_milli,
    rate_from_bp,
    rate_to_bp,
    round_money,
    to_minor,
)

minor = st.integers(min_value=-10**12, max_value=10**12)


@given(minor, st.sampled_from([0, 2, 3]))
def test_minor_units_round_trip_exactly(value, places):
    assert to_minor(from_minor(value, places), places) == value


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
def test_rounding_is_half_up_to_the_cent_and_never_moves_more_than_half_a_cent(amount):
    rounded = round_money(amount, 2)
    assert abs(rounded - amount) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))
    if abs(rounded - amount) == Decimal("0.005"):
        assert abs(rounded) > abs(amount)  # halves go away from zero


def test_half_up_examples():
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("2.344")) == Decimal("2.34")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")
    assert round_money(Decimal("0.125"), 2) == Decimal("0.13")  # not banker's 0.12


def test_currency_minor_units():
    assert (currency_places("CNY"), currency_places("JPY"), currency_places("KWD")) == (2, 0, 3)


def test_to_minor_refuses_fractions_of_a_cent():
    with pytest.raises(ValidationError, match="more than 2 decimal places"):
        to_minor(Decimal("1.005"), 2)


@given(st.integers(min_value=0, max_value=99999999))
def test_quantities_in_thousandths_round_trip(milli):
    assert qty_to_milli(qty_from_milli(milli)) == milli


def test_quantity_examples():
    assert qty_from_milli(455) == Decimal("0.455")
    assert qty_from_milli(3000) == Decimal("3")
    with pytest.raises(ValidationError, match="3 decimal places"):
        qty_to_milli(Decimal("0.0005"))


@pytest.mark.parametrize("text, value", [("13.90", "13.90"), (" 5 ", "5.00"), ("1,299.00", "1299.00"),
                                         ("0", "0.00")])
def test_prices_people_type(text, value):
    assert parse_price(text) == Decimal(value)


@pytest.mark.parametrize("text, reason", [("", "empty"), ("abc", "not a number"), ("NaN", "not a number"),
                                          ("Infinity", "not a number"), ("-1", "negative"),
                                          ("1.999", "decimal places"), ("1e9", "larger than")])
def test_prices_that_are_refused(text, reason):
    with pytest.raises(ValidationError, match=reason):
        parse_price(text)


def test_tax_rates():
    assert parse_rate("13") == Decimal("13.00") and parse_rate("6.5%") == Decimal("6.50")
    assert rate_to_bp(Decimal("13.00")) == 1300 and rate_from_bp(650) == Decimal("6.50")
    for bad in ("101", "-1", "9.999", "x"):
        with pytest.raises(ValidationError):
            parse_rate(bad)
