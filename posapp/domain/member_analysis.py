"""The members section of the reports (issue 10): how much of a store's sales members made, how many
members joined, how the A/B/C classes moved, and what happened to the points (the liability).

Plain values and rules, no I/O: the repository sums in SQL, the service puts the pieces together here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
MAX_MOMENTS = 14  # class counts at most in one report: each reads a year of sales (0.4 s per 250,000)
POINT_KINDS = ("earn", "redeem", "expire", "adjust", "reverse")


@dataclass(frozen=True)
class Buyers:
    """Sales of one group of customers (members, or everybody else): returns in net, as the period
    report counts them (net = what the sales came to after discounts, less what returns paid back)."""

    sales: int = 0
    returns: int = 0
    net: Decimal = ZERO

    @property
    def average_basket(self) -> Decimal | None:
        return self.net / self.sales if self.sales else None

    def __add__(self, other: Buyers) -> Buyers:
        return Buyers(sales=self.sales + other.sales, returns=self.returns + other.returns, net=self.net + other.net)


@dataclass(frozen=True)
class PointsDay:
    """The points ledger's movements of one store-local day, every store's (signed: + brought, - took)."""

    earn: int = 0
    redeem: int = 0
    expire: int = 0
    adjust: int = 0
    reverse: int = 0

    @property
    def total(self) -> int:
        return self.earn + self.redeem + self.expire + self.adjust + self.reverse

    def __add__(self, other: PointsDay) -> PointsDay:
        return PointsDay(**{k: getattr(self, k) + getattr(other, k) for k in POINT_KINDS})


@dataclass(frozen=True)
class MemberDay:
    day: date  # store-local
    members: Buyers = field(default_factory=Buyers)
    guests: Buyers = field(default_factory=Buyers)
    new_members: int = 0  # joined that day, in any store or the online shop
    points: PointsDay = field(default_factory=PointsDay)
    balance: int = 0  # every member's points at the end of the day


@dataclass(frozen=True)
class ClassCount:
    """Members in each class at the end of a store-local day (or at the report's making, for today)."""

    day: date
    moment: datetime  # naive UTC
    members: dict  # "A"/"B"/"C" -> members
    spend: dict  # "A"/"B"/"C" -> their 12 months' spend (Decimal)

    @property
    def total(self) -> int:
        return sum(self.members.values())


@dataclass(frozen=True)
class MemberAnalysis:
    store: str
    start: date  # first and last store-local day, inclusive
    end: date
    currency: str
    places: int
    timezone: str
    rate: int  # points that pay one currency unit (the loyalty rules')
    days: tuple[MemberDay, ...]  # every day of the period
    buyers: int  # different members who bought in the store in the period
    signed_up_here: int  # members signed up at this store's tills in the period
    opening_points: int  # every member's points when the period began
    classes: tuple[ClassCount, ...]  # the day before the period, then its moments (see class_days)
    earned_here: int = 0  # points earned and redeemed at this store's tills in the period
    redeemed_here: int = 0
    holders: int = 0  # members with points at the period's end

    @property
    def members(self) -> Buyers:
        return sum((d.members for d in self.days), Buyers())

    @property
    def guests(self) -> Buyers:
        return sum((d.guests for d in self.days), Buyers())

    @property
    def net(self) -> Decimal:
        return self.members.net + self.guests.net

    @property
    def member_share(self) -> Decimal | None:
        """Members' share of net sales in percent (one decimal); None when the store sold nothing net."""
        return percent(self.members.net, self.net)

    @property
    def sales_share(self) -> Decimal | None:
        """Members' share of the number of sales in percent."""
        return percent(Decimal(self.members.sales), Decimal(self.members.sales + self.guests.sales))

    @property
    def new_members(self) -> int:
        return sum(d.new_members for d in self.days)

    @property
    def points(self) -> PointsDay:
        return sum((d.points for d in self.days), PointsDay())

    @property
    def closing_points(self) -> int:
        return self.opening_points + self.points.total

    def value(self, points: int) -> Decimal:
        """What points pay at the till (the liability), in the currency: rounded down, as the till does."""
        return (Decimal(points) / self.rate).quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_FLOOR)

    def _m(self, amount: Decimal | None) -> str | None:
        return None if amount is None else f"{amount:.{self.places}f}"

    def to_json(self) -> dict:
        pct = lambda v: None if v is None else f"{v:f}"  # noqa: E731
        buyers = lambda b: {"sales": b.sales, "returns": b.returns, "net": self._m(b.net),  # noqa: E731
                            "average_basket": self._m(b.average_basket)}
        points = self.points
        return {
            "report": "members", "store": self.store, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "currency": self.currency, "timezone": self.timezone,
            "members": buyers(self.members), "guests": buyers(self.guests), "net": self._m(self.net),
            "member_share_pct": pct(self.member_share), "member_sales_share_pct": pct(self.sales_share),
            "buyers": self.buyers, "new_members": self.new_members, "signed_up_here": self.signed_up_here,
            "classes": [{"day": c.day.isoformat(), "A": c.members["A"], "B": c.members["B"], "C": c.members["C"],
                         "spend": {k: self._m(v) for k, v in c.spend.items()}} for c in self.classes],
            "points": {"opening": self.opening_points, "earned": points.earn, "redeemed": -points.redeem,
                       "expired": -points.expire, "adjusted": points.adjust, "reversed": points.reverse,
                       "closing": self.closing_points, "earned_here": self.earned_here,
                       "redeemed_here": self.redeemed_here, "holders": self.holders, "rate": self.rate,
                       "opening_value": self._m(self.value(self.opening_points)),
                       "closing_value": self._m(self.value(self.closing_points))},
            "days": [{"day": d.day.isoformat(), "members": buyers(d.members), "guests": buyers(d.guests),
                      "new_members": d.new_members, "points_earned": d.points.earn,
                      "points_redeemed": -d.points.redeem, "points_expired": -d.points.expire,
                      "points_balance": d.balance} for d in self.days]}

    def rows(self) -> list[list]:
        """One row per day for a CSV, under a head row; the class counts on the days they were taken."""
        counted = {c.day: c for c in self.classes}
        head = ["day", "member_sales", "member_net", "guest_sales", "guest_net", "member_share_pct", "new_members",
                "points_earned", "points_redeemed", "points_expired", "points_adjusted", "points_reversed",
                "points_balance", "class_a", "class_b", "class_c"]
        out = [head]
        for d in self.days:
            share = percent(d.members.net, d.members.net + d.guests.net)
            c = counted.get(d.day)
            out.append([d.day.isoformat(), d.members.sales, self._m(d.members.net), d.guests.sales,
                        self._m(d.guests.net), "" if share is None else f"{share:f}", d.new_members, d.points.earn,
                        -d.points.redeem, -d.points.expire, d.points.adjust, d.points.reverse, d.balance,
                        *((c.members["A"], c.members["B"], c.members["C"]) if c else ("", "", ""))])
        return out


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def class_days(start: date, end: date, today: date) -> list[date]:
    """The store-local days at whose end the classes are counted: the day before the period (where it
    started from), then the ends of its days, weeks, months, quarters or years (the finest that gives at
    most MAX_MOMENTS - 1) and its last day; nothing after today (today itself: counted as of now)."""
    last = min(end, today)
    if last < start:
        return [start - timedelta(days=1)] if start - timedelta(days=1) <= today else []
    for step in ("day", "week", "month", "quarter", "year"):
        ends = _ends(start, last, step)
        if len(ends) < MAX_MOMENTS:
            break
    return [start - timedelta(days=1), *ends[-(MAX_MOMENTS - 1):]]


def _ends(start: date, last: date, step: str) -> list[date]:
    """The last days of each step (day, week ending Sunday, month, quarter, year) in [start, last], and last."""
    out: list[date] = []
    if step == "day":
        out = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    elif step == "week":
        d = start + timedelta(days=6 - start.weekday())
        while d < last:
            out.append(d)
            d += timedelta(days=7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[step]
        year, month = start.year, start.month
        while True:
            month_end = ((month - 1) // months + 1) * months  # the step's last month
            d = date(year, month_end, calendar.monthrange(year, month_end)[1])
            if d >= last:
                break
            out.append(d)
            year, month = (year + 1, 1) if month_end == 12 else (year, month_end + 1)
    if not out or out[-1] != last:
        out.append(last)
    return out
