"""The promotion effectiveness report: which promotions ran in a range of store-local days, what they
gave, and how the products they cover sold against the same length of time just before."""

from __future__ import annotations

from datetime import date, datetime

from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.promotions import Kind, Promotion
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.reports.promotion_report import PromotionEffect, PromotionReport, analysis_window, sold_of
from posapp.reports.sales_report import day_range_utc
from posapp.services.auth import require
from posapp.services.station import Station
from posapp.storage.promotion_report_repo import PromotionReportRepository


def promotion_report(uow, station: Station, *, actor: User, start: date, end: date, code: str | None = None,
                     now: datetime | None = None) -> PromotionReport:
    """Every promotion running at some point from start to end (store-local days, inclusive), or one."""
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    require(uow, actor, Permission.VIEW_REPORTS)
    now = now or utcnow()
    begin, finish = day_range_utc(start, end, station.timezone)
    # Hours still to come are not compared: they would make "during" look smaller than "before".
    finish = min(finish, now)
    repo = getattr(uow, "promotion_reports", None) or PromotionReportRepository(station.places)
    found = _promotions(uow, code)
    windows = {p.id: analysis_window(p, start=begin, end=finish) for p in found}
    if any(not p.active and p.ends_at is None for p in found):
        # Switched off without an end date: it ran in the range only if a sale there used it.
        used = repo.promotions_used(store_code=station.store_code, start=begin, end=finish)
        windows.update({p.id: None for p in found if not p.active and p.ends_at is None and p.id not in used})
    sold_in: dict[tuple[datetime, datetime], list] = {}

    def sold(p: Promotion, lo: datetime, hi: datetime):
        if (lo, hi) not in sold_in:  # promotions often share their dates
            sold_in[(lo, hi)] = repo.products_sold(store_code=station.store_code, start=lo, end=hi)
        return sold_of(p, sold_in[(lo, hi)])

    effects = []
    for p in found:
        if windows[p.id] is None:
            continue
        lo, hi = windows[p.id]
        given = repo.promotion_given(p.id, store_code=station.store_code, start=lo, end=hi)
        effects.append(PromotionEffect(
            code=p.code, name=p.name, kind=p.kind.value, starts_at=p.starts_at, ends_at=p.ends_at,
            window_start=lo, window_end=hi, uses=given.uses,
            coupon_uses=given.coupon_uses if p.kind is Kind.COUPON else None, discount=given.amount,
            before=sold(p, lo - (hi - lo), lo), during=sold(p, lo, hi),
            all_products=not p.products and not p.categories))
    return PromotionReport(store=station.store_code, start=start, end=end, timezone=station.timezone,
                           currency=station.currency, places=station.places,
                           code=code.strip() if code else None, promotions=tuple(effects), printed_at=now)


def _promotions(uow, code: str | None) -> list[Promotion]:
    if code is None:
        return sorted(uow.promotions.all(), key=lambda p: p.code)
    found = uow.promotions.by_code(code.strip())
    if found is None:
        raise NotFound(_("No promotion has the code {code}").format(code=code.strip()))
    return [found]
