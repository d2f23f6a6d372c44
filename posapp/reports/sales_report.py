"""Sales over a range of store-local days: totals, tenders and days, as JSON for machines or text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from posapp.domain.clock import to_local
from posapp.reports.shift_report import money

ZERO = Decimal(0)


@dataclass(frozen=True)
class DayTotal:
    day: date
    sales: int
    total: Decimal


@dataclass(frozen=True)
class SalesSummary:
    start: date  # first and last store-local day, inclusive
    end: date
    currency: str
    places: int
    terminal: str | None  # None: every terminal of the store
    sales: int
    total: Decimal  # sale totals, before cash rounding
    tax: Decimal
    discounts: Decimal  # line and basket discounts
    rounding: Decimal
    by_tender: tuple[tuple[str, Decimal], ...]
    by_day: tuple[DayTotal, ...]

    def to_json(self) -> dict:
        """Amounts as strings with the currency's decimals, so no reader turns them into floats."""
        m = lambda amount: f"{amount:.{self.places}f}"  # noqa: E731
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "currency": self.currency,
                "terminal": self.terminal, "sales": self.sales, "total": m(self.total), "tax": m(self.tax),
                "discounts": m(self.discounts), "rounding": m(self.rounding),
                "by_tender": {tender: m(amount) for tender, amount in self.by_tender},
                "by_day": [{"date": d.day.isoformat(), "sales": d.sales, "total": m(d.total)} for d in self.by_day]}

    def text_lines(self) -> list[str]:
        m = lambda amount: money(amount, self.places)  # noqa: E731
        where = f" till {self.terminal}" if self.terminal else ""
        lines = [f"sales {self.start} to {self.end}{where} ({self.currency})",
                 f"{'sales':<12}{self.sales:>16}", f"{'total':<12}{m(self.total):>16}",
                 f"{'tax':<12}{m(self.tax):>16}", f"{'discounts':<12}{m(self.discounts):>16}",
                 f"{'rounding':<12}{m(self.rounding):>16}"]
        lines += [f"{tender:<12}{m(amount):>16}" for tender, amount in self.by_tender]
        lines += [f"{d.day} {d.sales:>6} {m(d.total):>16}" for d in self.by_day]
        return lines


def day_range_utc(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the store's zone, as naive UTC times as stored."""
    zone = ZoneInfo(tz)

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(dt_timezone.utc).replace(tzinfo=None)

    return utc(start), utc(end + timedelta(days=1))


def by_local_day(stamps: Iterable, *, start: date, end: date, tz: str) -> tuple[DayTotal, ...]:
    """Every day from start to end (days without sales too), from rows with .created_at and .total."""
    days = {start + timedelta(days=i): [0, ZERO] for i in range((end - start).days + 1)}
    for s in stamps:
        bucket = days.get(to_local(s.created_at, tz).date())
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += s.total
    return tuple(DayTotal(day=d, sales=n, total=t) for d, (n, t) in days.items())
