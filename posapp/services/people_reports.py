"""The payments report (by tender) and the staff report (by cashier) over store-local days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from posapp.domain.clock import utcnow
from posapp.domain.errors import ValidationError
from posapp.domain.people_report import PaymentsReport, StaffFigures, StaffReport, TenderFigures, seconds_within
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.reports.sales_report import day_range_utc
from posapp.reports.shift_report import tender_order
from posapp.services.auth import require
from posapp.services.station import Station
from posapp.storage.people_report_repo import LINE_VOIDED, MEMBER_CREATED, SALE_VOIDED, PeopleReportRepository


def _range(uow, station: Station, actor: User, start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    require(uow, actor, Permission.VIEW_REPORTS)
    return day_range_utc(start, end, station.timezone)


def payments_report(uow, station: Station, *, actor: User, start: date, end: date) -> PaymentsReport:
    """Takings and refunds by tender, cash rounding and counts, from start to end (store-local days)."""
    begin, finish = _range(uow, station, actor, start, end)
    repo = PeopleReportRepository(station.places)
    tenders: dict[str, dict] = defaultdict(dict)
    for tender, kind, count, minor in repo.payments_by_tender(station.store_code, begin, finish):
        if kind == "return":  # refunds are stored negative
            tenders[tender].update(refund_count=count, refund_amount=-repo.money(minor))
        else:
            tenders[tender].update(sales_count=count, sales_amount=repo.money(minor))
    kinds = repo.sales_by_kind(station.store_code, begin, finish)
    sales, sales_rounding = kinds.get("sale", (0, 0))
    returns, refund_rounding = kinds.get("return", (0, 0))
    return PaymentsReport(
        start=start, end=end, currency=station.currency, sales=sales, returns=returns,
        sales_rounding=repo.money(sales_rounding), refund_rounding=-repo.money(refund_rounding),
        tenders=tuple(TenderFigures(tender=t, **tenders[t]) for t in sorted(tenders, key=tender_order)))


def staff_report(uow, station: Station, *, actor: User, start: date, end: date,
                 now: datetime | None = None) -> StaffReport:
    """Per person: sales, returns, voids, overrides needed, members signed up and hours on shift."""
    begin, finish = _range(uow, station, actor, start, end)
    now = now or utcnow()
    repo = PeopleReportRepository(station.places)
    figures: dict[int, dict] = defaultdict(dict)
    for cashier, kind, count, minor in repo.sales_by_cashier(station.store_code, begin, finish):
        if kind == "return":
            figures[cashier].update(returns=count, returned=-repo.money(minor))
        else:
            figures[cashier].update(sales=count, sales_amount=repo.money(minor))
    counted = {LINE_VOIDED: "voided_lines", SALE_VOIDED: "voided_sales", MEMBER_CREATED: "members"}
    for person, action, count, approved in repo.audit_by_actor(station.store_code, begin, finish):
        if action not in counted and not approved:
            continue  # logins, shift openings...: not a figure of this report
        mine = figures[person]
        if action in counted:
            mine[counted[action]] = count
        if approved:
            mine["overrides"] = mine.get("overrides", 0) + approved
    for person, opened, closed in repo.shifts_overlapping(station.store_code, begin, finish):
        seconds = seconds_within(opened, closed, start=begin, end=finish, now=now)
        figures[person]["seconds"] = figures[person].get("seconds", 0) + seconds
    names = repo.names(set(figures))
    staff = sorted((StaffFigures(user_id=i, name=names.get(i, str(i)), **f) for i, f in figures.items()),
                   key=lambda s: (s.name, s.user_id))
    return StaffReport(start=start, end=end, currency=station.currency, places=station.places, staff=tuple(staff))
