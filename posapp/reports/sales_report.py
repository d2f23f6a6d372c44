"""Sales over a range of store-local days: totals, tenders and days, and the returns beside them, as
JSON for machines or text in the store's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from posapp.domain.clock import to_local
from posapp.domain.returns import REASONS
from posapp.reports.columns import display_width, pad
from posapp.reports.shift_report import TENDER_NAMES, ReasonLine, money
from posapp.reports.words import _, words

ZERO = Decimal(0)


@dataclass(frozen=True)
class DayTotal:
    day: date
    sales: int
    total: Decimal
    returns: int = 0
    returned: Decimal = ZERO  # what the day's returns came to, before cash rounding (> 0)


@dataclass(frozen=True)
class ReturnsSummary:
    """The returns taken in the range (whenever the sale was), as positive amounts."""

    count: int = 0
    goods: Decimal = ZERO  # the returned lines' amounts
    amount: Decimal = ZERO  # what the returns came to, before cash rounding
    rounding: Decimal = ZERO  # cash rounding added to cash refunds
    tax: Decimal = ZERO  # the tax refunded
    by_tender: tuple[tuple[str, Decimal], ...] = ()  # what went back, by tender
    by_reason: tuple[ReasonLine, ...] = ()
    damaged: ReasonLine | None = None  # kept apart as damaged, not back on the shelf

    @property
    def refunded(self) -> Decimal:
        return self.amount + self.rounding

    @property
    def deducted(self) -> Decimal:
        return self.goods - self.amount


@dataclass(frozen=True)
class SalesSummary:
    start: date  # first and last store-local day, inclusive
    end: date
    currency: str
    places: int
    terminal: str | None  # None: every terminal of the store
    sales: int  # sales only: returns are in `returns`
    total: Decimal  # sale totals, before cash rounding
    tax: Decimal  # the sales' tax; net_tax is what is owed after returns
    discounts: Decimal  # line and basket discounts
    rounding: Decimal
    by_tender: tuple[tuple[str, Decimal], ...]  # the sales' takings
    by_day: tuple[DayTotal, ...]
    returns: ReturnsSummary = field(default_factory=ReturnsSummary)

    @property
    def takings(self) -> Decimal:
        return sum((amount for _tender, amount in self.by_tender), ZERO)

    @property
    def net_total(self) -> Decimal:
        return self.total - self.returns.amount

    @property
    def net_tax(self) -> Decimal:
        return self.tax - self.returns.tax

    def to_json(self) -> dict:
        """Amounts as strings with the currency's decimals, so no reader turns them into floats."""
        m = lambda amount: f"{amount:.{self.places}f}"  # noqa: E731
        r = self.returns
        part = lambda x: {"lines": x.lines, "qty": _qty(x.qty), "amount": m(x.amount)}  # noqa: E731
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "currency": self.currency,
                "terminal": self.terminal, "sales": self.sales, "total": m(self.total), "tax": m(self.tax),
                "discounts": m(self.discounts), "rounding": m(self.rounding),
                "by_tender": {tender: m(amount) for tender, amount in self.by_tender},
                "returns": {"count": r.count, "goods": m(r.goods), "deducted": m(r.deducted), "amount": m(r.amount),
                            "rounding": m(r.rounding), "refunded": m(r.refunded), "tax": m(r.tax),
                            "by_tender": {tender: m(amount) for tender, amount in r.by_tender},
                            "by_reason": [{"reason": x.reason, **part(x)} for x in r.by_reason],
                            "damaged": part(r.damaged) if r.damaged else None},
                "net": {"total": m(self.net_total), "tax": m(self.net_tax),
                        "takings": m(self.takings - r.refunded)},
                "by_day": [{"date": d.day.isoformat(), "sales": d.sales, "total": m(d.total), "returns": d.returns,
                            "returned": m(d.returned)} for d in self.by_day]}

    def text_lines(self, *, locale: str = "en") -> list[str]:
        """The report for a terminal, labels in the language of locale, columns aligned by display width."""
        t = words(locale)
        m = lambda amount: money(amount, self.places)  # noqa: E731
        rows = [*self._sales_rows(t, m), None, *self._return_rows(t, m), None,
                (t(_("Net sales after returns")), m(self.net_total)), (t(_("Tax net of returns")), m(self.net_tax)),
                (t(_("Takings after refunds")), m(self.takings - self.returns.refunded)), None]
        width = max(display_width(row[0]) for row in rows if row) + 2
        if self.terminal:
            title = t(_("Sales {start} to {end}, till {terminal} ({currency})"))
        else:
            title = t(_("Sales {start} to {end} ({currency})"))
        lines = [title.format(start=self.start, end=self.end, terminal=self.terminal, currency=self.currency)]
        lines += [(pad(row[0], width) + f"{row[1]:>16}").rstrip() if row else "" for row in rows]
        head = (t(_("Day")), t(_("Sales count")), t(_("Net sales")), t(_("Returns")), t(_("Returned value")))
        lines.append(f"{pad(head[0], 10)} " + " ".join(pad(h, 12, right=True) for h in head[1:]))
        lines += [f"{d.day} " + " ".join(f"{v:>12}" for v in (d.sales, m(d.total), d.returns, m(d.returned)))
                  for d in self.by_day]
        return lines

    def _sales_rows(self, t, m) -> list[tuple[str, str]]:
        return [(t(_("Sales count")), str(self.sales)), (t(_("Net sales")), m(self.total)), (t(_("Tax")), m(self.tax)),
                (t(_("Discounts and promotions")), m(self.discounts)),
                *((t(TENDER_NAMES.get(name, name)), m(amount)) for name, amount in self.by_tender),
                (t(_("Sum")), m(self.takings)), (t(_("of which cash rounding")), m(self.rounding))]

    def _return_rows(self, t, m) -> list[tuple[str, str]]:
        r = self.returns
        rows = [(t(_("Return count")), str(r.count)), (t(_("Goods returned")), m(r.goods))]
        if r.deducted:
            rows.append((t(_("Deducted (promotions no longer reached, points spent)")), m(-r.deducted)))
        rows.append((t(_("Refunded")), m(r.refunded)))
        rows += [(t(_("Refunded to {tender}")).format(tender=t(TENDER_NAMES.get(name, name))), m(amount))
                 for name, amount in r.by_tender]
        if r.rounding:
            rows.append((t(_("of which cash rounding")), m(r.rounding)))
        if r.by_reason:
            rows.append((t(_("Returns by reason")), ""))
        label = lambda text, x: t(_("{reason}: lines {lines}, qty {qty}")).format(  # noqa: E731
            reason=text, lines=x.lines, qty=_qty(x.qty))
        rows += [(label(t(REASONS.get(x.reason, x.reason)), x), m(x.amount)) for x in r.by_reason]
        if r.damaged:
            rows.append((label(t(_("Not for resale (damaged)")), r.damaged), m(r.damaged.amount)))
        return rows


def _qty(qty: Decimal) -> str:
    return format(qty.normalize(), "f")  # 2, 0.75 (kg): no trailing zeros


def day_range_utc(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the store's zone, as naive UTC times as stored."""
    zone = ZoneInfo(tz)

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(dt_timezone.utc).replace(tzinfo=None)

    return utc(start), utc(end + timedelta(days=1))


def by_local_day(stamps: Iterable, *, start: date, end: date, tz: str,
                 returns: Iterable = ()) -> tuple[DayTotal, ...]:
    """Every day from start to end (days without sales too), from rows with .created_at and .total:
    the sales, and the returns (their totals negative, as stored)."""
    days = {start + timedelta(days=i): [0, ZERO, 0, ZERO] for i in range((end - start).days + 1)}
    for rows, at, sign in ((stamps, 0, 1), (returns, 2, -1)):
        for s in rows:
            bucket = days.get(to_local(s.created_at, tz).date())
            if bucket is not None:
                bucket[at] += 1
                bucket[at + 1] += sign * s.total
    return tuple(DayTotal(day=d, sales=n, total=t, returns=rn, returned=rt) for d, (n, t, rn, rt) in days.items())
