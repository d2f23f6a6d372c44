"""The stock rules a manager relies on: what a counted or received quantity may be, the weighted
average cost, and the totals of a count's review."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.errors import ValidationError
from posapp.domain.stock import CountLine, count_totals, expected_at, moving_average_cost, parse_qty

T0 = datetime(2026, 12, 1, 9, 0)


@pytest.mark.parametrize(("text", "weighed", "qty"), [("3", False, D(3)), (" 12 ", False, D(12)), ("1,200", False, D(1200)),
                                                      ("0.455", True, D("0.455")), ("2", True, D("2.000"))])
def test_good_quantities(text, weighed, qty):
    assert parse_qty(text, weighed=weighed) == qty


@pytest.mark.parametrize(("text", "weighed", "problem"), [
    ("-2", False, "cannot be negative"), ("0", False, "more than 0"), ("2.5", False, "whole units"),
    ("0.4555", True, "to the gram"), ("100000", False, "check what was typed"), ("1e9", True, "check what"),
    ("", False, "not a number"), ("三", False, "not a number"), ("inf", False, "not a number")])
def test_bad_quantities_say_what_is_wrong(text, weighed, problem):
    with pytest.raises(ValidationError, match=problem):
        parse_qty(text, weighed=weighed)


def test_zero_is_a_count_when_asked_for():
    assert parse_qty("0", weighed=False, allow_zero=True) == 0


money = st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2)
units = st.integers(1, 500).map(D)


@given(on_hand=units, cost=money, qty=units, unit_cost=money)
def test_average_cost_lies_between_the_old_and_the_new(on_hand, cost, qty, unit_cost):
    new = moving_average_cost(on_hand=on_hand, cost=cost, qty=qty, unit_cost=unit_cost)
    assert min(cost, unit_cost) <= new <= max(cost, unit_cost)
    assert abs(new * (on_hand + qty) - (on_hand * cost + qty * unit_cost)) <= (on_hand + qty) * D("0.005")


def test_with_nothing_on_hand_or_no_cost_the_new_cost_is_taken():
    assert moving_average_cost(on_hand=D(-3), cost=D("5.00"), qty=D(10), unit_cost=D("7.00")) == D("7.00")
    assert moving_average_cost(on_hand=D(8), cost=None, qty=D(10), unit_cost=D("7.00")) == D("7.00")


def test_what_moved_up_to_and_at_the_counting_moment_counts():
    since_start = [(T0 - timedelta(seconds=1), D(-1)), (T0 + timedelta(minutes=1), D(-2)),
                   (T0 + timedelta(minutes=5), D(-4)), (T0 + timedelta(minutes=6), D(9))]
    assert expected_at(D(10), since_start, counted_at=T0 + timedelta(minutes=5)) == D(3)
    assert expected_at(D(10), since_start, counted_at=None) == D(12)


def _line(expected, counted, value="2.50"):
    return CountLine(product_id=1, sku="A", name="a", category="", location="sellable", unit="pcs", weighed=False,
                     snapshot=D(expected), moved=D(0), counted=None if counted is None else D(counted), counted_at=None,
                     unit_value=D(value), value_basis="price")


@given(st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 50))), max_size=30))
def test_totals_add_up_line_by_line(pairs):
    lines = [_line(e, c) for e, c in pairs]
    totals = count_totals(lines)
    counted = [ln for ln in lines if ln.counted is not None]
    assert totals.counted + totals.not_counted == totals.lines == len(lines)
    assert totals.net_value == sum((ln.variance_value for ln in counted), D(0))
    assert totals.counted_value - totals.expected_value == totals.net_value
    assert totals.gain_value >= 0 >= totals.loss_value
