"""The points ledger and its rules: worked examples, then random sequences of earning, redeeming,
returns and expiry (hypothesis) against what must always hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain.errors import ValidationError
from posapp.domain.members import mask_phone, normal_phone
from posapp.domain.points import (ClassRule, Entry, EntryKind, LoyaltyRules, add_months, balance, check_redeem,
                                  customer_class, due_to_expire, expiring_soon, expiry_for, lots, points_earned,
                                  points_for, points_payable, reversal, tier_for, value_of)

T0 = datetime(2026, 1, 31, 10, 0)
RULES = LoyaltyRules(no_earn_categories=("烟酒",))


def earn(points, at, rules=RULES, n=0):
    return Entry(kind=EntryKind.EARN, points=points, at=at, id=n, expires_at=expiry_for(at, rules))


def test_earning_counts_what_was_paid_in_money_outside_no_earn_categories_rounded_down():
    lines = [("饮料/茶", D("60.50")), ("烟酒/白酒", D("200.00")), ("零食", D("39.90"))]
    assert points_earned(lines, [("cash", D("300.40"))], RULES) == 100  # 100.40 earns, rounded down
    # 100.00 of 300.40 paid with points: a third of every line earns nothing.
    assert points_earned(lines, [("points", D("100.00")), ("cash", D("200.40"))], RULES) == 66
    assert points_earned(lines, [("cash", D("300.40"))], RULES, tier="gold") == 150  # x1.5


def test_redeeming_at_the_rate_with_a_minimum_and_a_share_of_the_sale():
    assert value_of(250, RULES) == D("2.50")
    assert check_redeem(D("5.00"), total=D("20.00"), already=D(0), available=1000, rules=RULES) == 500
    with pytest.raises(ValidationError, match="at least 100"):
        check_redeem(D("0.50"), total=D("20.00"), already=D(0), available=1000, rules=RULES)
    with pytest.raises(ValidationError, match="at most 50% of this sale"):
        check_redeem(D("10.01"), total=D("20.00"), already=D(0), available=5000, rules=RULES)
    with pytest.raises(ValidationError, match="has 300 points"):
        check_redeem(D("4.00"), total=D("20.00"), already=D(0), available=300, rules=RULES)
    with pytest.raises(ValidationError, match="above 0"):
        check_redeem(D("-1"), total=D("20.00"), already=D(0), available=300, rules=RULES)


def test_points_expire_months_after_they_were_earned_oldest_first():
    assert add_months(T0, 1) == datetime(2026, 2, 28, 10, 0)  # 31 January + 1 month
    entries = [earn(300, T0, n=1), earn(200, T0 + timedelta(days=40), n=2),
               Entry(kind=EntryKind.REDEEM, points=-100, at=T0 + timedelta(days=50), id=3)]
    assert [lot.points for lot in lots(entries)] == [200, 200]  # the redeem took from the oldest
    two_years = add_months(T0, 24)
    assert due_to_expire(entries, two_years - timedelta(seconds=1)) == 0
    assert due_to_expire(entries, two_years) == 200
    assert expiring_soon(entries, two_years - timedelta(days=10), 30) == (200, two_years)


def test_a_return_the_member_cannot_cover_comes_off_the_refund():
    r = reversal(earned=500, redeemed=0, available=120, rules=RULES)
    assert (r.taken, r.shortfall, r.shortfall_value) == (120, 380, D("3.80"))
    r = reversal(earned=500, redeemed=300, available=120, rules=RULES)  # the points that paid come back first
    assert (r.taken, r.given, r.shortfall) == (420, 300, 80)


def test_tiers_and_classes():
    assert [tier_for(D(s), RULES) for s in (0, 1999.99, 2000, 8000)] == ["", "", "silver", "gold"]
    rule, now = ClassRule(), T0
    assert customer_class(spend=D(6000), visits=30, last_visit=now - timedelta(days=3), at=now, rule=rule) == "A"
    assert customer_class(spend=D(6000), visits=30, last_visit=now - timedelta(days=60), at=now, rule=rule) == "B"
    assert customer_class(spend=D(10), visits=1, last_visit=now, at=now, rule=rule) == "C"
    assert customer_class(spend=D(0), visits=0, last_visit=None, at=now, rule=rule) == "C"


def test_phones_are_tidied_validated_and_masked():
    assert normal_phone("+86 138-1234-5678") == "13812345678"
    assert mask_phone("13812345678") == "138****5678"
    for bad in ("1381234567", "abc", "03812345678", "138123456789"):
        with pytest.raises(ValidationError):
            normal_phone(bad)


def test_the_till_offers_the_most_points_may_pay_now():
    def offer(total, already=D(0), remaining=None, available=5000, rules=RULES):
        return points_payable(total=D(total), already=D(already), remaining=D(remaining or total),
                              available=available, rules=rules)

    assert offer("20.00") == D("10.00")  # half the sale
    assert offer("20.00", available=350) == D("3.50")  # all the member has
    assert offer("20.00", already="8.00", remaining="12.00") == D("2.00")  # the rest of the half
    assert offer("20.00", already="8.00", remaining="12.00", available=900) == D("1.00")  # 800 already used
    assert offer("20.00", already="9.50", remaining="10.50") == 0  # 50 points: under the minimum
    assert offer("20.00", remaining="3.00") == D("3.00")  # never more than is owed
    assert offer("1.00", available=99) == 0
    odd = LoyaltyRules(rate=150, min_redeem=1, max_share=D(100))
    assert offer("10.00", available=1000, rules=odd) == D("6.66")  # 999 points; 1,000 would pay 6.666


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 100_000), st.integers(0, 100_000), st.integers(0, 20_000), st.sampled_from([50, 100, 150, 1000]),
       st.sampled_from([0, 1, 100, 500]), st.sampled_from([D(10), D(50), D(100)]))
def test_what_the_till_offers_is_always_accepted_and_nothing_more_is(total_minor, already_minor, available, rate,
                                                                     minimum, share):
    rules = LoyaltyRules(rate=rate, min_redeem=minimum, max_share=share)
    total = D(total_minor) / 100
    already = min(D(already_minor) / 100, total)
    remaining = total - already
    amount = points_payable(total=total, already=already, remaining=remaining, available=available, rules=rules)
    left = available - (points_for(already, rules) if already else 0)  # what earlier points payments took

    def accepted(a):
        try:
            return a <= remaining and check_redeem(a, total=total, already=already, available=max(left, 0),
                                                   rules=rules) > 0
        except ValidationError:
            return False

    if amount:
        assert accepted(amount)
    # Nothing larger, up to a few minor units above, is accepted either.
    assert not any(accepted(amount + D(k) / 100) for k in range(1, 6))


# --- random sequences -----------------------------------------------------------------------------

steps = st.lists(st.tuples(st.sampled_from(["earn", "redeem", "return", "expire", "adjust"]),
                           st.integers(1, 3000), st.integers(0, 120)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(steps, st.sampled_from([0, 1, 6, 24]))
def test_the_ledger_never_goes_negative_and_no_point_is_created_or_lost(ops, months):
    rules = LoyaltyRules(expiry_months=months)
    entries: list[Entry] = []
    at = T0
    brought = taken = 0  # every point that came in, and every one that went out
    sales: list[tuple[int, int]] = []  # (earned, redeemed) of each sale, for returns
    for n, (op, amount, days) in enumerate(ops, 1):
        at += timedelta(days=days)
        due = due_to_expire(entries, at)
        if due:  # what a service does before any change: expire what is due
            entries.append(Entry(kind=EntryKind.EXPIRE, points=-due, at=at, id=n * 10))
            taken += due
        available = balance(entries)
        new: list[Entry] = []
        if op == "earn":
            new = [Entry(kind=EntryKind.EARN, points=amount, at=at, id=n * 10 + 1, expires_at=expiry_for(at, rules))]
            sales.append((amount, 0))
        elif op == "redeem" and 0 < amount <= available:
            new = [Entry(kind=EntryKind.REDEEM, points=-amount, at=at, id=n * 10 + 1)]
            sales.append((0, amount))
        elif op == "return" and sales:
            earned, redeemed = sales.pop(amount % len(sales))
            r = reversal(earned, redeemed, available, rules)
            assert r.taken + r.shortfall == earned and r.taken <= available + redeemed
            assert r.shortfall_value * rules.rate >= r.shortfall  # the refund pays for every point short
            if r.given:
                new.append(Entry(kind=EntryKind.REVERSE, points=r.given, at=at, id=n * 10 + 1,
                                 expires_at=expiry_for(at, rules)))
            if r.taken:
                new.append(Entry(kind=EntryKind.REVERSE, points=-r.taken, at=at, id=n * 10 + 2))
        elif op == "adjust":
            change = amount if days % 2 else -min(amount, available)
            if change:
                new = [Entry(kind=EntryKind.ADJUST, points=change, at=at, id=n * 10 + 1,
                             expires_at=expiry_for(at, rules) if change > 0 else None)]
        for e in new:
            entries.append(e)
            brought, taken = brought + max(e.points, 0), taken + max(-e.points, 0)
        # What must always hold:
        assert balance(entries) >= 0
        assert balance(entries) == sum(e.points for e in entries) == brought - taken
        assert sum(lot.points for lot in lots(entries)) == balance(entries)
        assert all(lot.points > 0 for lot in lots(entries))
        if months == 0:
            assert due_to_expire(entries, at + timedelta(days=100_000)) == 0
