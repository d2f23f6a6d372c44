"""Daily and period sales: pure combination of UTC hour buckets into store-local days, hours and
weekdays, with the figures of a period (gross, discounts, returns, net, tax, baskets).

The database sums by UTC hour; here each hour is moved into the store's zone. A zone with a
half-hour (or 45-minute) offset would need minute buckets: an hour bucket can straddle local days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

ZERO = Decimal(0)


@dataclass(frozen=True)
class HourBucket:
    """The sales and returns taken in one UTC hour (amounts positive)."""

    hour: datetime  # naive UTC, minutes 0
    sales: int = 0
    gross: Decimal = ZERO  # line amounts at the prices charged, before any discount or promotion
    discounts: Decimal = ZERO  # line, basket and promotions
    returns: int = 0
    returned: Decimal = ZERO  # what the returns came to
    tax: Decimal = ZERO  # the sales' tax less the tax refunded
    units: Decimal = ZERO  # sold (not less returns)


@dataclass(frozen=True)
class Figures:
    sales: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: int = 0
    returned: Decimal = ZERO
    tax: Decimal = ZERO
    units: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.returned

    @property
    def average_basket(self) -> Decimal | None:
        return self.net / self.sales if self.sales else None

    @property
    def items_per_basket(self) -> Decimal | None:
        return self.units / self.sales if self.sales else None

    @property
    def empty(self) -> bool:
        return not self.sales and not self.returns

    def __add__(self, other: Figures) -> Figures:
        return Figures(sales=self.sales + other.sales, gross=self.gross + other.gross,
                       discounts=self.discounts + other.discounts, returns=self.returns + other.returns,
                       returned=self.returned + other.returned, tax=self.tax + other.tax,
                       units=self.units + other.units)


def figures_of(bucket: HourBucket) -> Figures:
    return Figures(sales=bucket.sales, gross=bucket.gross, discounts=bucket.discounts, returns=bucket.returns,
                   returned=bucket.returned, tax=bucket.tax, units=bucket.units)


@dataclass(frozen=True)
class Breakdown:
    total: Figures
    by_day: tuple[tuple[date, Figures], ...]  # every day of the period, empty ones too
    by_hour: tuple[Figures, ...]  # 24: store-local hour of day
    by_weekday: tuple[Figures, ...]  # 7: Monday first


def combine(buckets: Iterable[HourBucket], *, start: date, end: date, tz: str) -> Breakdown:
    """The buckets by store-local day (start..end inclusive; others left out), hour and weekday."""
    zone = ZoneInfo(tz)
    days = {start + timedelta(days=i): Figures() for i in range((end - start).days + 1)}
    hours, weekdays = [Figures()] * 24, [Figures()] * 7
    total = Figures()
    for b in buckets:
        at = b.hour.replace(tzinfo=timezone.utc).astimezone(zone)
        if at.date() not in days:
            continue
        f = figures_of(b)
        days[at.date()] += f
        hours[at.hour] += f
        weekdays[at.weekday()] += f
        total += f
    return Breakdown(total=total, by_day=tuple(days.items()), by_hour=tuple(hours), by_weekday=tuple(weekdays))


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The same number of days just before start."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class PeriodSales:
    store: str
    start: date  # store-local days, inclusive
    end: date
    currency: str
    places: int
    timezone: str
    current: Breakdown
    previous_start: date
    previous_end: date
    previous: Figures | None  # None: no sale nor return then
    last_year_start: date
    last_year_end: date
    last_year: Figures | None

    def to_json(self) -> dict:
        """Money as strings with the currency's decimals; averages with two more decimals."""
        m = lambda v: f"{v:.{self.places}f}"  # noqa: E731

        def fig(f: Figures | None) -> dict | None:
            if f is None:
                return None
            avg, items = f.average_basket, f.items_per_basket
            return {"sales": f.sales, "gross_sales": m(f.gross), "discounts": m(f.discounts),
                    "returns": f.returns, "returned": m(f.returned), "net_sales": m(f.net), "tax": m(f.tax),
                    "units": _qty(f.units), "average_basket": None if avg is None else m(avg),
                    "items_per_basket": None if items is None else f"{items:.2f}"}

        def change(now: Figures, then: Figures | None) -> str | None:
            if then is None or then.net == 0:
                return None
            return f"{(now.net - then.net) * 100 / abs(then.net):.1f}"

        c = self.current
        return {"store": self.store, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "currency": self.currency, "timezone": self.timezone, **fig(c.total),
                "by_day": [{"date": d.isoformat(), "weekday": d.isoweekday(), **fig(f)} for d, f in c.by_day],
                "by_hour": [{"hour": h, **fig(f)} for h, f in enumerate(c.by_hour)],
                "by_weekday": [{"weekday": i + 1, **fig(f)} for i, f in enumerate(c.by_weekday)],
                "previous": {"from": self.previous_start.isoformat(), "to": self.previous_end.isoformat(),
                             "figures": fig(self.previous), "net_change_pct": change(c.total, self.previous)},
                "last_year": {"from": self.last_year_start.isoformat(), "to": self.last_year_end.isoformat(),
                              "figures": fig(self.last_year), "net_change_pct": change(c.total, self.last_year)}}


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
