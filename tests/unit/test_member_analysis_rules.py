"""The members section's pure rules: which days the classes are counted on, and the figures' sums."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain.member_analysis import (MAX_MOMENTS, Buyers, ClassCount, MemberAnalysis, MemberDay, PointsDay,
                                           class_days)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=400, deadline=None)
@given(start=days, length=st.integers(min_value=0, max_value=4000), today=days)
def test_class_days_start_on_the_eve_rise_and_end_at_the_period_or_today(start, length, today):
    end = start + timedelta(days=length)
    counted = class_days(start, end, today)

    assert len(counted) <= MAX_MOMENTS
    assert counted == sorted(set(counted))  # rising, no day twice
    assert all(d <= today for d in counted)  # never a day that has not come
    if start - timedelta(days=1) <= today:
        assert counted[0] == start - timedelta(days=1)  # where the period started from
    if start <= today:
        assert counted[-1] == min(end, today)  # and where it ended (or now)
        assert all(start <= d <= end for d in counted[1:])
    else:
        assert counted == ([start - timedelta(days=1)] if start - timedelta(days=1) <= today else [])


amounts = st.decimals(min_value=D("-500"), max_value=D("5000"), places=2)
points = st.integers(min_value=-5000, max_value=5000)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), amounts, amounts,
                               st.tuples(points, points, points, points, points)), min_size=1, max_size=10),
       opening=st.integers(min_value=0, max_value=10**6))
def test_the_totals_are_the_days_summed_and_the_points_add_up(rows, opening):
    start = date(2026, 3, 1)
    built, balance = [], opening
    for i, (ms, gs, mn, gn, (earn, redeem, expire, adjust, reverse)) in enumerate(rows):
        moved = PointsDay(earn=earn, redeem=redeem, expire=expire, adjust=adjust, reverse=reverse)
        balance += moved.total
        built.append(MemberDay(day=start + timedelta(days=i), members=Buyers(sales=ms, net=mn),
                               guests=Buyers(sales=gs, net=gn), new_members=ms, points=moved, balance=balance))
    report = MemberAnalysis(store="S001", start=start, end=built[-1].day, currency="CNY", places=2,
                            timezone="Asia/Shanghai", rate=100, days=tuple(built), buyers=0, signed_up_here=0,
                            opening_points=opening, classes=(ClassCount(day=start, moment=None, members={"A": 1, "B": 0,
                                                                                                    "C": 2},
                                                                        spend={k: D(0) for k in "ABC"}),))

    assert report.members.net + report.guests.net == report.net == sum((mn + gn for _m, _g, mn, gn, _p in rows), D(0))
    assert report.members.sales == sum(r[0] for r in rows) and report.new_members == report.members.sales
    assert report.closing_points == built[-1].balance  # opening + every day's movements
    share = report.member_share
    if report.net:
        assert share == (report.members.net * 100 / report.net).quantize(D("0.1"), rounding="ROUND_HALF_UP")
    else:
        assert share is None
    # What the points pay never exceeds their value: rounded down, as the till pays them.
    value = report.value(report.closing_points)
    assert value <= D(report.closing_points) / 100 < value + D("0.01")
    data = report.to_json()
    assert data["points"]["closing"] == report.closing_points and len(data["days"]) == len(rows)
    assert len(report.rows()) == len(rows) + 1 and report.rows()[1][-3:] == [1, 0, 2]
