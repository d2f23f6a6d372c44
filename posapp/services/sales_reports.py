"""Daily and period sales of a store: gross, discounts, returns, net, tax and baskets, by store-local
day, hour and weekday, beside the previous period and the same dates last year."""

from __future__ import annotations

from datetime import date

from posapp.domain.errors import ValidationError
from posapp.domain.sales_analysis import PeriodSales, combine, last_year, previous_period
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.reports.sales_report import day_range_utc
from posapp.services.auth import require
from posapp.services.station import Station
from posapp.storage.sales_analysis_repo import SalesAnalysisRepository


def period_sales(uow, station: Station, *, actor: User, start: date, end: date) -> PeriodSales:
    """Sales from start to end (store-local days, inclusive), with the two comparisons (None: no data)."""
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    require(uow, actor, Permission.VIEW_REPORTS)
    repo = SalesAnalysisRepository(station.places)

    def breakdown(first: date, last: date):
        begin, finish = day_range_utc(first, last, station.timezone)
        buckets = repo.hour_buckets(store_code=station.store_code, start=begin, end=finish)
        return combine(buckets, start=first, end=last, tz=station.timezone)

    def figures(first: date, last: date):
        total = breakdown(first, last).total
        return None if total.empty else total

    prev_start, prev_end = previous_period(start, end)
    ly_start, ly_end = last_year(start), last_year(end)
    return PeriodSales(store=station.store_code, start=start, end=end, currency=station.currency,
                       places=station.places, timezone=station.timezone, current=breakdown(start, end),
                       previous_start=prev_start, previous_end=prev_end, previous=figures(prev_start, prev_end),
                       last_year_start=ly_start, last_year_end=ly_end, last_year=figures(ly_start, ly_end))
