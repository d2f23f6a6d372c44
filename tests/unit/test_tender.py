"""Taking payment as a cashier checks it: cash rounding, change, split tenders, refusals, invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.errors import ValidationError
from posapp.domain.sale import Payment
from posapp.domain.tender import Tendering, cash_rounding, quick_cash_amounts

D = Decimal
JIAO = D("0.10")  # shops that no longer handle fen round cash to the jiao


@pytest.mark.parametrize(
    ("amount", "increment", "adjustment"),
    [
        (D("12.34"), JIAO, D("-0.04")),
        (D("12.35"), JIAO, D("0.05")),
        (D("12.30"), JIAO, D("0.00")),
        (D("12.34"), D("0.01"), D("0.00")),
        (D("12.34"), D("0"), D("0")),
        (D("12.74"), D("0.50"), D("-0.24")),
        (D("12.75"), D("0.50"), D("0.25")),
        (D("12.49"), D("1"), D("-0.49")),
    ],
)
def test_cash_rounding_of_known_amounts(amount, increment, adjustment):
    assert cash_rounding(amount, increment) == adjustment


def test_all_cash_pays_the_rounded_total_and_gets_change():
    till = Tendering(total=D("12.34"), cash_increment=JIAO)
    assert till.cash_due == D("12.30") and till.remaining == D("12.34")
    payment = till.add("cash", D("20"))
    assert payment == Payment(tender="cash", amount=D("12.30"), tendered=D("20.00"))
    assert (till.rounding, till.change, till.remaining) == (D("-0.04"), D("7.70"), D("0.00"))
    assert till.is_paid


def test_all_cash_rounds_half_up():
    till = Tendering(total=D("12.35"), cash_increment=JIAO)
    assert till.cash_due == D("12.40")
    till.add("cash", D("12.40"))
    assert (till.rounding, till.change, till.is_paid) == (D("0.05"), D("0.00"), True)


def test_card_then_cash_rounds_only_the_cash_part():
    till = Tendering(total=D("12.34"), cash_increment=JIAO)
    till.add("card", D("5.00"), reference="  A1B2 C3 ")
    assert (till.remaining, till.cash_due) == (D("7.34"), D("7.30"))
    till.add("cash", D("10"))
    assert [(p.tender, p.amount, p.tendered, p.reference) for p in till.payments] == [
        ("card", D("5.00"), D("5.00"), "A1B2 C3"), ("cash", D("7.30"), D("10.00"), "")]
    assert (till.rounding, till.change, till.is_paid) == (D("-0.04"), D("2.70"), True)


def test_part_cash_then_card_pays_the_exact_rest_without_rounding():
    till = Tendering(total=D("12.34"), cash_increment=JIAO)
    till.add("cash", D("10"))
    assert (till.remaining, till.is_paid) == (D("2.34"), False)
    till.add("mobile", D("2.34"), reference="wx4200001234")
    assert (till.rounding, till.change, till.is_paid) == (D("0"), D("0"), True)


def test_rounding_never_gives_away_a_small_rest():
    till = Tendering(total=D("12.34"), cash_increment=JIAO)
    till.add("card", D("12.31"))
    assert till.cash_due == D("0.03")  # rounding to 0.00 would leave 0.03 unpaid for good
    till.add("cash", D("1"))
    assert (till.rounding, till.change) == (D("0"), D("0.97"))


def test_a_sale_of_nothing_is_paid_already():
    till = Tendering(total=D("0.00"))
    assert till.is_paid and till.remaining == 0
    with pytest.raises(ValidationError, match="already paid"):
        till.add("cash", D("1"))


def test_refusals_a_cashier_may_see():
    till = Tendering(total=D("12.30"))
    with pytest.raises(ValidationError, match="a card payment cannot be more than what is owed: 12.30"):
        till.add("card", D("12.31"))
    with pytest.raises(ValidationError, match="'bitcoin' is not a tender"):
        till.add("bitcoin", D("1"))
    with pytest.raises(ValidationError, match="must be more than 0"):
        till.add("cash", D("0"))
    with pytest.raises(ValidationError, match="more than 2 decimals"):
        till.add("card", D("1.005"))
    with pytest.raises(ValidationError, match="20000.00 in cash for 12.30 owed looks like a typing mistake"):
        till.add("cash", D("20000"))
    with pytest.raises(ValidationError, match="longer than 64 characters"):
        till.add("card", D("1"), reference="X" * 65)
    with pytest.raises(ValidationError, match="voucher payment cannot be more"):
        till.add("voucher", D("50"))
    assert till.payments == ()
    till.add("cash", D("100"))
    with pytest.raises(ValidationError, match="the sale is already paid"):
        till.add("card", D("1"))


def test_a_large_note_for_a_large_sale_is_not_a_typing_mistake():
    till = Tendering(total=D("150.00"))
    till.add("cash", D("10000"))
    assert till.change == D("9850.00")


def test_bad_sale_totals_are_refused():
    with pytest.raises(ValidationError):
        Tendering(total=D("-1.00"))
    with pytest.raises(ValidationError):
        Tendering(total=D("1.001"))
    with pytest.raises(ValidationError):
        Tendering(total=D("1.00"), cash_increment=D("-0.10"))


@pytest.mark.parametrize(
    ("due", "buttons"),
    [
        (D("37.50"), [D("37.50"), D("40.00"), D("50.00"), D("100.00")]),
        (D("40.00"), [D("40.00"), D("50.00"), D("100.00")]),
        (D("100.00"), [D("100.00")]),
        (D("3.20"), [D("3.20"), D("10.00"), D("50.00"), D("100.00")]),
        (D("230.10"), [D("230.10"), D("240.00"), D("250.00"), D("300.00")]),
        (D("0"), []),
    ],
)
def test_quick_cash_buttons(due, buttons):
    assert quick_cash_amounts(due) == buttons


# --- properties ---------------------------------------------------------------------

totals = st.decimals(min_value=0, max_value=5000, places=2)
increments = st.sampled_from([D("0"), D("0.01"), D("0.05"), JIAO, D("0.50"), D("1")])
moves = st.lists(st.tuples(st.sampled_from(["cash", "card", "mobile", "voucher", "points"]),
                           st.decimals(min_value="0.01", max_value=2000, places=2)), max_size=6)


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2), increments)
def test_cash_rounding_reaches_the_nearest_multiple(amount, increment):
    adjustment = cash_rounding(amount, increment)
    if not increment:
        assert adjustment == 0
        return
    assert (amount + adjustment) % increment == 0
    assert abs(adjustment) <= increment / 2


@given(totals, increments, moves, st.decimals(min_value=0, max_value=100, places=2))
def test_a_paid_sale_adds_up(total, increment, steps, extra):
    till = Tendering(total=total, cash_increment=increment)
    for tender, amount in steps:
        try:
            till.add(tender, amount)
        except ValidationError:
            pass  # refused moves (overpaying a card, paying twice) change nothing
    if not till.is_paid:
        till.add("cash", till.cash_due + extra)
    cash = [p for p in till.payments if p.tender == "cash"]
    assert till.is_paid
    assert sum((p.amount for p in till.payments), D(0)) == total + till.rounding
    assert abs(till.rounding) <= increment / 2
    assert till.change >= 0
    if cash:
        assert till.change < sum((p.tendered for p in cash), D(0))
    else:
        assert till.change == 0 and till.rounding == 0
    assert all(p.amount > 0 and p.tendered >= p.amount for p in till.payments)


@given(st.decimals(min_value="0.01", max_value=100_000, places=2))
def test_quick_cash_buttons_cover_what_is_due(due):
    buttons = quick_cash_amounts(due)
    assert buttons[0] == due and buttons == sorted(set(buttons))
    assert all(b >= due for b in buttons)
