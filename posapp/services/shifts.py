"""Shifts and cash control: open with a float, paid-in and paid-out, the X report, the blind close
with its Z report, reprints, and sales over a range of days.

Blind close: the expected cash is worked out and stored only inside close_shift, after the count
was given; no function here shows it for an open shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.money import parse_price
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.reports.sales_report import ReturnsSummary, SalesSummary, by_local_day, day_range_utc
from posapp.reports.shift_report import (
    CashMovement,
    CategoryLine,
    DenominationCount,
    ShiftReport,
    TaxRateLine,
    TenderLine,
    expected_cash,
    reason_lines,
    tender_order,
)
from posapp.services.auth import audit, require
from posapp.services.report_paper import ReportRenderer
from posapp.services.station import Station
from posapp.storage.report_repo import RETURN, ReportRepository, Scope, ShiftRecord

PAID_KINDS = ("paid_in", "paid_out")
VOID_ACTIONS = ("line_voided", "sale_voided")
MAX_REASON = 200
# Banknotes and coins in circulation; a count of anything else is a typing mistake.
DENOMINATIONS = {"CNY": frozenset(Decimal(v) for v in ("100", "50", "20", "10", "5", "2", "1", "0.5",
                                                       "0.2", "0.1", "0.05", "0.02", "0.01"))}


@dataclass(frozen=True)
class CashMoved:
    kind: str
    amount: Decimal
    reason: str
    shift_number: int
    approver_id: int | None
    changes: frozenset[str] = frozenset({"cash"})


def current_shift(uow, station: Station):
    return uow.till.current_shift(store_code=station.store_code, terminal_code=station.terminal_code)


def open_shift(uow, station: Station, *, actor: User, opening_float: Decimal | str):
    amount = parse_price(str(opening_float), places=station.places, what=_("opening float"))
    with uow:
        require(uow, actor, Permission.SELL)
        if current_shift(uow, station) is not None:
            raise ValidationError(_("A shift is already open on this terminal"))
        shift = uow.till.open_shift(store_code=station.store_code, terminal_code=station.terminal_code,
                                    user_id=actor.id, opening_float=amount)
        audit(uow, station, actor=actor, action="shift_opened",
              detail={"shift": shift.number, "float": str(amount)})
        uow.commit()
    return shift


def _open_shift_or_refuse(uow, station: Station):
    shift = current_shift(uow, station)
    if shift is None:
        raise ValidationError(_("No shift is open on this till"))
    return shift


def paid_in_out(uow, station: Station, *, actor: User, kind: str, amount: Decimal | str, reason: str,
                approval: Approval | None = None) -> CashMoved:
    """Cash put into (paid_in) or taken out of (paid_out) the drawer, with its reason; audited."""
    if kind not in PAID_KINDS:
        raise ValueError(f"kind must be one of {PAID_KINDS}, not {kind!r}")
    value = parse_price(str(amount), places=station.places, what=_("amount"))
    if value <= 0:
        raise ValidationError(_("The amount must be more than 0"))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError(_("Give a reason for cash going in or out of the drawer"))
    if len(reason) > MAX_REASON:
        raise ValidationError(_("The reason is longer than {most} characters").format(most=MAX_REASON))
    with uow:
        approver = require(uow, actor, Permission.PAID_IN_OUT, approval)
        shift = _open_shift_or_refuse(uow, station)
        uow.till.add_cash_movement(shift_id=shift.id, kind=kind, amount=value, reason=reason,
                                   user_id=actor.id, approver_id=approver)
        audit(uow, station, actor=actor, action=kind, approver_id=approver,
              detail={"shift": shift.number, "amount": str(value), "reason": reason})
        uow.commit()
    return CashMoved(kind=kind, amount=value, reason=reason, shift_number=shift.number, approver_id=approver)


def count_cash(counted: Decimal | str | dict, *, currency: str,
               places: int) -> tuple[Decimal, tuple[DenominationCount, ...]]:
    """The counted total, from a total or from {denomination: how many} ({"100": 3, "0.5": 4})."""
    if isinstance(counted, float):
        raise TypeError("counted cash must be a Decimal, a string or a denomination count, not a float")
    if not isinstance(counted, dict):
        return parse_price(str(counted), places=places, what=_("counted cash")), ()
    known, seen = DENOMINATIONS.get(currency), {}
    for key, count in counted.items():
        try:
            value = Decimal(str(key).strip())
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value <= 0 or (known is not None and value not in known):
            raise ValidationError(_("{value} is not a banknote or coin of {currency}").format(
                value=key, currency=currency))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(_("The count of {value} must be a whole number of 0 or more").format(value=key))
        if value in seen:
            raise ValidationError(_("{value} is counted twice").format(value=key))
        seen[value] = count
    notes = tuple(DenominationCount(value=v, count=n) for v, n in sorted(seen.items(), reverse=True) if n)
    total = sum((d.amount for d in notes), Decimal(0))
    return parse_price(str(total), places=places, what=_("counted cash")), notes


def z_sequence(station: Station) -> str:
    return f"z:{station.store_code}-{station.terminal_code}"


def x_report(uow, station: Station, *, actor: User, approval: Approval | None = None) -> ShiftReport:
    """The open shift's figures without closing it; blind: no expected cash, no variance."""
    with uow:
        approver = require(uow, actor, Permission.CLOSE_SHIFT, approval)
        shift = _open_shift_or_refuse(uow, station)
        report = _build(_repo(uow, station), station, _record(uow, station, shift.id))
        audit(uow, station, actor=actor, action="x_report", approver_id=approver,
              detail={"shift": shift.number})
        uow.commit()
    return report


def close_shift(uow, station: Station, *, actor: User, counted: Decimal | str | dict[str, int],
                approval: Approval | None = None, render: ReportRenderer | None = None) -> ShiftReport:
    """Close the open shift with the cash counted: the next Z number, expected/counted/variance
    stored, audited, and the Z report queued for the printer (with render), in one transaction."""
    total, notes = count_cash(counted, currency=station.currency, places=station.places)
    with uow:
        approver = require(uow, actor, Permission.CLOSE_SHIFT, approval)
        shift = _open_shift_or_refuse(uow, station)
        repo = _repo(uow, station)
        open_report = _build(repo, station, _record(uow, station, shift.id))
        expected = expected_cash(opening_float=open_report.opening_float, cash_sales=open_report.cash_sales,
                                 cash_refunds=open_report.cash_refunds, paid_in=open_report.paid_in,
                                 paid_out=open_report.paid_out)
        z_number = uow.sales.next_number(z_sequence(station))
        detail = {"denominations": {format(d.value.normalize(), "f"): d.count for d in notes},
                  "parked_baskets": open_report.parked_baskets}
        if not uow.till.close_open_shift(shift.id, user_id=actor.id or None, expected=expected, counted=total,
                                         detail=detail, z_number=z_number):
            raise ValidationError(_("This shift was closed meanwhile on another screen"))
        audit(uow, station, actor=actor, action="shift_closed", approver_id=approver,
              detail={"shift": shift.number, "z_number": z_number, "expected": str(expected),
                      "counted": str(total), "variance": str(total - expected)})
        report = _build(repo, station, _record(uow, station, shift.id))
        if render is not None:
            uow.till.add_print_job(terminal_code=station.terminal_code, kind="z_report",
                                   ref=z_reference(report), payload=render(report))
        uow.commit()
    return report


def z_reference(report: ShiftReport) -> str:
    return f"Z-{report.store}-{report.terminal}-{report.z_number:06d}"


def shift_report(uow, station: Station, *, actor: User, shift_id: int | None = None, number: int | None = None,
                 z_number: int | None = None, terminal_code: str | None = None,
                 approval: Approval | None = None) -> ShiftReport:
    """A shift's report again (a reprint, the CLI): by id, or by shift or Z number of a terminal
    (this station's unless terminal_code says). An open shift gives its blind X report."""
    if shift_id is None and number is None and z_number is None:
        raise ValueError("give shift_id, number or z_number")
    require(uow, actor, Permission.CLOSE_SHIFT, approval)
    repo = _repo(uow, station)
    record = repo.find_shift(shift_id=shift_id, store_code=station.store_code,
                             terminal_code=terminal_code or station.terminal_code, number=number,
                             z_number=z_number)
    if record is None:
        what = f"Z {z_number}" if z_number is not None else f"{number if shift_id is None else shift_id}"
        raise NotFound(_("No shift {what} on till {terminal}").format(
            what=what, terminal=terminal_code or station.terminal_code))
    return _build(repo, station, record)


def queue_report_print(uow, station: Station, *, actor: User, report: ShiftReport, render: ReportRenderer,
                       approval: Approval | None = None) -> int:
    """Queue a reprint of a Z (or X) report on this terminal's printer; audited."""
    payload = render(report)
    with uow:
        approver = require(uow, actor, Permission.CLOSE_SHIFT, approval)
        ref = z_reference(report) if report.z_number is not None else f"X-{report.terminal}-{report.shift_number}"
        job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="z_report", ref=ref,
                                     payload=payload)
        audit(uow, station, actor=actor, action="shift_report_reprinted", approver_id=approver,
              detail={"shift": report.shift_number, "z_number": report.z_number})
        uow.commit()
    return job


# --- building the report from the read side ---------------------------------------------------

def _repo(uow, station: Station) -> ReportRepository:
    return getattr(uow, "reports", None) or ReportRepository(station.places)


def _record(uow, station: Station, shift_id: int) -> ShiftRecord:
    return _repo(uow, station).find_shift(shift_id=shift_id)


def _build(repo: ReportRepository, station: Station, shift: ShiftRecord) -> ShiftReport:
    scope = Scope(shift_id=shift.id)
    sales, tenders = repo.sales_totals(scope), repo.tender_totals(scope)
    returns, refunds = repo.return_totals(scope), _refunds(repo, scope)
    reasons, damaged = reason_lines(repo.return_reasons(scope))
    movements = repo.cash_movements(shift.id)
    voids = repo.audit_between(store_code=shift.store_code, terminal_code=shift.terminal_code,
                               actions=VOID_ACTIONS, start=shift.opened_at, end=shift.closed_at)
    closed = shift.status == "closed"
    detail = shift.counted_detail if closed else {}
    notes = tuple(DenominationCount(value=Decimal(k), count=int(n))
                  for k, n in sorted((detail.get("denominations") or {}).items(), key=lambda kv: -Decimal(kv[0])))
    return ShiftReport(
        store=shift.store_code, terminal=shift.terminal_code, currency=station.currency,
        shift_number=shift.number, z_number=shift.z_number, opened_at=shift.opened_at, opened_by=shift.opened_by,
        closed_at=shift.closed_at, closed_by=shift.closed_by, opening_float=shift.opening_float,
        sale_count=sales.count, gross_sales=sales.gross, line_discounts=sales.line_discounts,
        basket_discounts=sales.basket_discounts, net_sales=sales.total, promotions=sales.promotions,
        void_count=len(voids), void_amount=sum((_detail_amount(v.detail) for v in voids), Decimal(0)),
        return_count=returns.count, return_amount=returns.amount,
        tenders=tuple(TenderLine(t.tender, t.count, t.amount)
                      for t in sorted(tenders, key=lambda t: tender_order(t.tender))),
        taxes=_taxes(repo.tax_totals(scope)),
        return_goods=returns.goods, return_rounding=returns.rounding, refunds=refunds,
        return_reasons=reasons, damaged=damaged,
        return_taxes=_taxes(repo.tax_totals(scope, kind=RETURN)),
        cash_refunds=sum((t.amount for t in refunds if t.tender == "cash"), Decimal(0)),
        categories=_top_categories(repo.category_totals(scope)),
        paid_in=sum((m.amount for m in movements if m.kind == "paid_in"), Decimal(0)),
        paid_out=sum((m.amount for m in movements if m.kind == "paid_out"), Decimal(0)),
        cash_movements=tuple(CashMovement(kind=m.kind, amount=m.amount, reason=m.reason, user=m.user,
                                          approver=m.approver, at=m.at) for m in movements),
        cash_rounding=sales.rounding,
        cash_sales=sum((t.amount for t in tenders if t.tender == "cash"), Decimal(0)),
        expected_cash=shift.expected_cash if closed else None,
        counted_cash=shift.counted_cash if closed else None,
        variance=shift.counted_cash - shift.expected_cash if closed else None,
        denominations=notes,
        parked_baskets=int(detail.get("parked_baskets", 0)) if closed else repo.parked_count(shift.terminal_code),
        printed_at=utcnow())


def _taxes(rows) -> tuple[TaxRateLine, ...]:
    return tuple(TaxRateLine(rate=t.rate, net=t.net, tax=t.tax, gross=t.gross) for t in rows)


def _refunds(repo: ReportRepository, scope: Scope) -> tuple[TenderLine, ...]:
    """What the returns paid back, by tender, as positive amounts (refund rows are stored negative)."""
    rows = sorted(repo.tender_totals(scope, kind=RETURN), key=lambda t: tender_order(t.tender))
    return tuple(TenderLine(t.tender, t.count, -t.amount) for t in rows)


def _detail_amount(detail: dict) -> Decimal:
    try:
        amount = Decimal(str(detail.get("total", "0")))
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def _top_categories(rows) -> tuple[CategoryLine, ...]:
    """Folded to the top level of each path, largest first."""
    top: dict[str, list] = {}
    for r in rows:
        bucket = top.setdefault(r.path.split("/")[0], [0, Decimal(0)])
        bucket[0] += r.lines
        bucket[1] += r.amount
    return tuple(CategoryLine(category=k, lines=n, amount=a)
                 for k, (n, a) in sorted(top.items(), key=lambda kv: (-kv[1][1], kv[0])))


# --- sales over days ------------------------------------------------------------------------------

def sales_summary(uow, station: Station, *, actor: User, start: date, end: date, timezone: str,
                  terminal_code: str | None = None) -> SalesSummary:
    """Sales of the store (or one terminal) from start to end, both store-local days included."""
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    require(uow, actor, Permission.VIEW_REPORTS)
    begin, finish = day_range_utc(start, end, timezone)
    scope = Scope(store_code=station.store_code, start=begin, end=finish, terminal_code=terminal_code)
    repo = _repo(uow, station)
    totals = repo.sales_totals(scope)
    tenders = sorted(repo.tender_totals(scope), key=lambda t: tender_order(t.tender))
    reasons, damaged = reason_lines(repo.return_reasons(scope))
    back = repo.return_totals(scope)
    returns = ReturnsSummary(count=back.count, goods=back.goods, amount=back.amount, rounding=back.rounding,
                             tax=back.tax, by_tender=tuple((t.tender, t.amount) for t in _refunds(repo, scope)),
                             by_reason=reasons, damaged=damaged)
    return SalesSummary(
        start=start, end=end, currency=station.currency, places=station.places, terminal=terminal_code,
        sales=totals.count, total=totals.total, tax=sum((t.tax for t in repo.tax_totals(scope)), Decimal(0)),
        discounts=totals.line_discounts + totals.basket_discounts + totals.promotions, rounding=totals.rounding,
        by_tender=tuple((t.tender, t.amount) for t in tenders),
        by_day=by_local_day(repo.sale_stamps(scope), start=start, end=end, tz=timezone,
                            returns=repo.sale_stamps(scope, kind=RETURN)),
        returns=returns)
