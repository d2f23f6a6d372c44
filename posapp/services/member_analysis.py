"""The members section of the reports (issue 10) over a range of store-local days: members' share of the
store's sales, new members, the A/B/C classes over time and the points ledger (earned, redeemed,
expired; the liability at both ends)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from posapp.domain.clock import to_local, utcnow
from posapp.domain.errors import ValidationError
from posapp.domain.member_analysis import (POINT_KINDS, Buyers, ClassCount, MemberAnalysis, MemberDay, PointsDay,
                                           class_days)
from posapp.domain.money import from_minor
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.reports.sales_report import day_range_utc
from posapp.services.auth import require
from posapp.services.members import YEAR, loyalty_rules
from posapp.services.station import Station
from posapp.storage.member_analysis_repo import MemberAnalysisRepository

MAX_DAYS = 3660  # ten years of days: more is a typing mistake, not a report


def member_analysis(uow, station: Station, *, actor: User, start: date, end: date,
                    now: datetime | None = None) -> MemberAnalysis:
    """The members section for start..end (store-local days, inclusive) of the station's store. Points and
    classes are every store's (one customer base); sales and sign-ups are this store's."""
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(_("A report covers at most {days} days").format(days=f"{MAX_DAYS:,}"))
    require(uow, actor, Permission.VIEW_REPORTS)
    now = now or utcnow()
    tz, places = station.timezone, station.places
    rules = loyalty_rules(uow)
    repo = MemberAnalysisRepository(places)
    begin, finish = day_range_utc(start, end, tz)
    # Read outside a transaction, one statement per figure: the tills keep selling meanwhile.
    day_of = lambda hour: to_local(hour, tz).date()  # noqa: E731  (zones off by whole hours, as China's)
    members: dict[date, Buyers] = defaultdict(Buyers)
    guests: dict[date, Buyers] = defaultdict(Buyers)
    for hour, by_member, kind, count, minor in repo.sales_by_hour(store_code=station.store_code, start=begin,
                                                                  end=finish):
        figures = Buyers(sales=count if kind != "return" else 0, returns=count if kind == "return" else 0,
                         net=from_minor(minor, places))
        target = members if by_member else guests
        target[day_of(hour)] = target[day_of(hour)] + figures
    joined: dict[date, int] = defaultdict(int)
    for hour, count in repo.new_members_by_hour(start=begin, end=finish):
        joined[day_of(hour)] += count
    points: dict[date, PointsDay] = defaultdict(PointsDay)
    for hour, kind, amount in repo.points_by_hour(start=begin, end=finish):
        if kind in POINT_KINDS:
            points[day_of(hour)] = points[day_of(hour)] + PointsDay(**{kind: amount})
    opening, _holders = repo.points_balance(before=begin)
    days, balance = [], opening
    for i in range((end - start).days + 1):
        d = start + timedelta(days=i)
        balance += points[d].total
        days.append(MemberDay(day=d, members=members[d], guests=guests[d], new_members=joined[d], points=points[d],
                              balance=balance))
    earned_here, redeemed_here = repo.points_here(store_code=station.store_code, start=begin, end=finish)
    _closing, holders = repo.points_balance(before=finish)
    return MemberAnalysis(
        store=station.store_code, start=start, end=end, currency=station.currency, places=places, timezone=tz,
        rate=rules.rate, days=tuple(days), buyers=repo.buyers(store_code=station.store_code, start=begin, end=finish),
        signed_up_here=repo.signed_up_at(store_code=station.store_code, start=begin, end=finish),
        opening_points=opening, classes=_classes(repo, rules.classes, start, end, tz, now, places),
        earned_here=earned_here, redeemed_here=redeemed_here, holders=holders)


def _classes(repo, rule, start: date, end: date, tz: str, now: datetime, places: int) -> tuple[ClassCount, ...]:
    zone = ZoneInfo(tz)
    today = to_local(now, tz).date()
    days, moments = class_days(start, end, today), []
    for d in days:
        end_of_day = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        moments.append(min(end_of_day.replace(tzinfo=None) - timedelta(microseconds=1), now))
    counted = repo.class_counts(moments=moments, rule=rule, year=YEAR)
    return tuple(ClassCount(day=d, moment=moment, members={k: counts[k][0] for k in "ABC"},
                            spend={k: from_minor(counts[k][1], places) for k in "ABC"})
                 for d, moment, counts in zip(days, moments, counted))
