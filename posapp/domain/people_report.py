"""Payments and staff figures over a range of store-local days: plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class TenderFigures:
    """One tender: what the sales took and what the returns paid back (both positive)."""

    tender: str
    sales_count: int = 0
    sales_amount: Decimal = ZERO
    refund_count: int = 0
    refund_amount: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.sales_amount - self.refund_amount


@dataclass(frozen=True)
class PaymentsReport:
    start: date  # first and last store-local day, inclusive
    end: date
    currency: str
    sales: int
    returns: int
    sales_rounding: Decimal  # cash rounding added to cash sales
    refund_rounding: Decimal  # cash rounding added to cash refunds (positive: more went back)
    tenders: tuple[TenderFigures, ...]

    @property
    def rounding(self) -> Decimal:
        """What cash rounding left in the drawer, net."""
        return self.sales_rounding - self.refund_rounding

    @property
    def taken(self) -> Decimal:
        return sum((t.sales_amount for t in self.tenders), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((t.refund_amount for t in self.tenders), ZERO)

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "currency": self.currency,
                "sales": self.sales, "returns": self.returns, "sales_rounding": str(self.sales_rounding),
                "refund_rounding": str(self.refund_rounding), "rounding": str(self.rounding),
                "taken": str(self.taken), "refunded": str(self.refunded), "net": str(self.net),
                "tenders": [{"tender": t.tender, "sales_count": t.sales_count, "sales": str(t.sales_amount),
                             "refund_count": t.refund_count, "refunds": str(t.refund_amount), "net": str(t.net)}
                            for t in self.tenders]}

    def rows(self) -> list[list]:
        """A table for CSV: a header, one row per tender, and the total."""
        out = [["tender", "sales_count", "sales", "refund_count", "refunds", "net"]]
        out += [[t.tender, t.sales_count, t.sales_amount, t.refund_count, t.refund_amount, t.net]
                for t in self.tenders]
        out.append(["total", sum(t.sales_count for t in self.tenders), self.taken,
                    sum(t.refund_count for t in self.tenders), self.refunded, self.net])
        return out


@dataclass(frozen=True)
class StaffFigures:
    user_id: int
    name: str
    sales: int = 0
    sales_amount: Decimal = ZERO  # what their sales came to, before cash rounding
    returns: int = 0
    returned: Decimal = ZERO  # what the returns they took came to (positive)
    voided_lines: int = 0
    voided_sales: int = 0
    overrides: int = 0  # privileged actions a supervisor or manager approved for them
    members: int = 0  # members they signed up
    seconds: int = 0  # time on shift inside the period

    @property
    def net(self) -> Decimal:
        return self.sales_amount - self.returned

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def average_basket(self, places: int = 2) -> Decimal:
        if not self.sales:
            return ZERO
        return (self.sales_amount / self.sales).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


@dataclass(frozen=True)
class StaffReport:
    start: date
    end: date
    currency: str
    places: int
    staff: tuple[StaffFigures, ...]

    HEADER = ("cashier", "sales", "sales_amount", "average_basket", "returns", "returned", "net",
              "voided_lines", "voided_sales", "overrides", "members", "hours")

    def row(self, s: StaffFigures) -> list:
        return [s.name, s.sales, s.sales_amount, s.average_basket(self.places), s.returns, s.returned, s.net,
                s.voided_lines, s.voided_sales, s.overrides, s.members, s.hours]

    def rows(self) -> list[list]:
        return [list(self.HEADER)] + [self.row(s) for s in self.staff]

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "currency": self.currency,
                "staff": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in zip(self.HEADER, self.row(s))}
                          for s in self.staff]}


def seconds_within(opened: datetime, closed: datetime | None, *, start: datetime, end: datetime,
                   now: datetime) -> int:
    """A shift's seconds inside [start, end); an open shift runs until now."""
    until = min(closed if closed is not None else now, end)
    return max(0, int((until - max(opened, start)).total_seconds()))
