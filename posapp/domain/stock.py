"""Stock: the ledger's words, quantity rules, and the arithmetic of a stock count (盘点).

On hand is the sum of a product's movements at a location. A count records, when it starts, what
was on hand for every product in its scope (the snapshot). Selling goes on while people count, so
the quantity a counted line is compared with is

    expected = snapshot + the movements of that product at that location written after the snapshot
               and up to the moment the line was counted (its last counting entry)

and the variance is counted - expected. Approval posts the variance as a "count" movement, so on
hand becomes what was counted plus whatever moved after the line was counted. A sale rung up after
the shelf was counted therefore lowers stock once (by the sale) and is not also a shortage; a sale
rung up before it was counted is already out of the snapshot by the time the shelf is looked at.

"After the snapshot" is by the order movements were written (their id), not by the time they carry:
a sale stamped a moment before the count started but committed just after the snapshot is not in the
snapshot, so it counts as moved. (On PostgreSQL a sale still uncommitted while the snapshot is taken,
whose row number was given out before the snapshot's last one, would be missed; the window is the
few milliseconds of a sale's commit.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money as quantize
from posapp.i18n import N_, _

# Where stock is kept in a store. Only sellable stock is offered to the online shop.
LOCATIONS = ("sellable", "damaged")
LOCATION_NAMES = {"sellable": N_("sellable"), "damaged": N_("damaged")}

# Why stock moved.
REASONS = ("sale", "return", "receiving", "adjustment", "count", "transfer", "sync")
# The reasons a person gives for an adjustment or a write-off, and the direction each may go.
ADJUST_REASONS = {"damaged": -1, "expired": -1, "theft": -1, "found": 1, "correction": 0}
ADJUST_NAMES = {"damaged": N_("damaged"), "expired": N_("expired"), "theft": N_("theft"),
                "found": N_("found"), "correction": N_("correction")}

COUNT_STATUSES = {"open": N_("open"), "approving": N_("approving"), "approved": N_("approved"),
                  "cancelled": N_("cancelled")}

MAX_QTY = Decimal("99999")  # more than this in one entry or one line is a typo, not a stock level
WEIGHT_PLACES = Decimal("0.001")


def check_location(location: str) -> str:
    location = str(location or "").strip().lower()
    if location not in LOCATIONS:
        raise ValidationError(_("Unknown stock location {location!r} (one of: {known})").format(
            location=location, known=", ".join(LOCATIONS)))
    return location


def check_reason(reason: str) -> str:
    reason = str(reason or "").strip().lower()
    if reason not in ADJUST_REASONS:
        raise ValidationError(_("Unknown adjustment reason {reason!r} (one of: {known})").format(
            reason=reason, known=", ".join(ADJUST_REASONS)))
    return reason


def parse_qty(text, *, weighed: bool, allow_zero: bool = False, what: str = "") -> Decimal:
    """A counted, received or adjusted quantity: positive, not absurd, whole units unless weighed
    (then to the gram). Refused with a message a person can act on."""
    what = what or _("quantity")
    try:
        qty = Decimal(str(text).strip().replace(",", ""))
    except Exception:
        raise ValidationError(_("{what} {text!r} is not a number").format(what=what, text=str(text))) from None
    if not qty.is_finite():
        raise ValidationError(_("{what} {text!r} is not a number").format(what=what, text=str(text)))
    if qty < 0:
        raise ValidationError(_("{what} cannot be negative (got {qty})").format(what=what, qty=qty))
    if qty == 0 and not allow_zero:
        raise ValidationError(_("{what} must be more than 0 (got {qty})").format(what=what, qty=qty))
    if qty > MAX_QTY:
        raise ValidationError(_("{what} {qty} is more than {max}: check what was typed").format(
            what=what, qty=qty, max=MAX_QTY))
    if weighed:
        if qty != qty.quantize(WEIGHT_PLACES):
            raise ValidationError(_("{what} {qty}: weights go to the gram (3 decimals)").format(what=what, qty=qty))
        return qty.quantize(WEIGHT_PLACES)
    if qty != qty.to_integral_value():
        raise ValidationError(_("{what} {qty}: this product is counted in whole units").format(what=what, qty=qty))
    return qty.quantize(Decimal(1))


def expected_at(snapshot: Decimal, since_start: list[tuple[datetime, Decimal]], *,
                counted_at: datetime | None) -> Decimal:
    """What should have been on the shelf when a line was counted (see the module's text); for a
    line not counted yet, what should be there now. since_start: the (time, quantity) of the
    movements written after the snapshot was taken. The database does the same sum in SQL; this is
    the rule it is tested against."""
    return snapshot + sum((q for at, q in since_start if counted_at is None or at <= counted_at), Decimal(0))


@dataclass(frozen=True)
class CountScope:
    categories: tuple[str, ...] = ()  # category paths; a path takes its subcategories; () all
    locations: tuple[str, ...] = ("sellable",)

    def as_dict(self) -> dict:
        return {"categories": list(self.categories), "locations": list(self.locations)}

    @classmethod
    def from_dict(cls, doc: dict) -> "CountScope":
        return cls(categories=tuple(doc.get("categories") or ()),
                   locations=tuple(doc.get("locations") or ("sellable",)))


@dataclass(frozen=True)
class StockCount:
    id: int
    number: str
    store_code: str
    status: str  # open, approving, approved, cancelled
    scope: CountScope
    blind: bool
    started_at: datetime
    started_by: str = ""
    note: str = ""
    approved_at: datetime | None = None
    approved_by: str = ""
    approving_by: str = ""
    approving_since: datetime | None = None
    lines: int = 0
    counted: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class CountLine:
    """One product at one location in a count, as the manager reviews it."""

    product_id: int
    sku: str
    name: str
    category: str
    location: str
    unit: str
    weighed: bool
    snapshot: Decimal
    moved: Decimal  # movements after the start, up to the moment the line was counted (or now)
    counted: Decimal | None  # None: nobody counted it (in this round)
    counted_at: datetime | None
    unit_value: Decimal
    value_basis: str  # cost or price
    round: int = 1
    entries: int = 0
    posted: Decimal | None = None  # after approval: the adjustment posted
    barcode: str = ""

    @property
    def expected(self) -> Decimal:
        return self.snapshot + self.moved

    @property
    def variance(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected

    @property
    def variance_value(self) -> Decimal | None:
        v = self.variance
        return None if v is None else quantize(v * self.unit_value)

    @property
    def recount(self) -> bool:
        """Asked to be counted again and not counted since."""
        return self.round > 1 and self.counted is None


@dataclass(frozen=True)
class CountProblem:
    """A scan the count could not put on a line: listed for the manager, never dropped."""

    entry_id: int
    code: str
    problem: str  # unknown, out_of_scope
    qty: Decimal
    location: str
    user: str
    terminal: str
    at: datetime
    sku: str = ""
    name: str = ""


@dataclass(frozen=True)
class CountTotals:
    lines: int
    counted: int
    not_counted: int
    with_variance: int
    expected_value: Decimal
    counted_value: Decimal
    gain_value: Decimal  # more found than expected
    loss_value: Decimal  # less found than expected (negative)

    @property
    def net_value(self) -> Decimal:
        return self.gain_value + self.loss_value


def count_totals(lines) -> CountTotals:
    counted = [ln for ln in lines if ln.counted is not None]
    gains = sum((ln.variance_value for ln in counted if ln.variance > 0), Decimal("0.00"))
    losses = sum((ln.variance_value for ln in counted if ln.variance < 0), Decimal("0.00"))
    return CountTotals(
        lines=len(lines), counted=len(counted), not_counted=len(lines) - len(counted),
        with_variance=sum(1 for ln in counted if ln.variance != 0),
        expected_value=sum((quantize(ln.expected * ln.unit_value) for ln in counted), Decimal("0.00")),
        counted_value=sum((quantize(ln.counted * ln.unit_value) for ln in counted), Decimal("0.00")),
        gain_value=gains, loss_value=losses)


@dataclass(frozen=True)
class CountReview:
    count: StockCount
    lines: tuple[CountLine, ...]
    problems: tuple[CountProblem, ...] = ()
    totals: CountTotals | None = None


@dataclass(frozen=True)
class CountEntry:
    """What a counter sees of one of their entries (never the expected quantity when blind)."""

    id: int
    product_id: int | None
    sku: str
    name: str
    code: str
    location: str
    qty: Decimal
    line_total: Decimal | None  # everything counted for that line so far, by everybody
    problem: str
    at: datetime
    voided: bool = False


@dataclass(frozen=True)
class StockLevel:
    product_id: int
    sku: str
    name: str
    category: str
    location: str
    unit: str
    qty: Decimal
    reorder_level: Decimal | None = None
    price: Decimal = Decimal("0.00")
    cost: Decimal | None = None


@dataclass(frozen=True)
class Movement:
    product_id: int
    sku: str
    name: str
    location: str
    qty: Decimal
    reason: str
    at: datetime
    user: str = ""
    ref: str = ""
    note: str = ""


@dataclass(frozen=True)
class DocLine:
    """One line of a receiving, adjustment or transfer, before or after it is posted."""

    product_id: int
    qty: Decimal
    location: str = "sellable"
    cost: Decimal | None = None  # receiving: unit cost
    expected: Decimal | None = None  # receiving against a delivery note
    sku: str = ""
    name: str = ""


@dataclass(frozen=True)
class StockDoc:
    number: str
    kind: str  # receiving, adjustment, transfer
    at: datetime
    user: str
    lines: tuple[DocLine, ...]
    reason: str = ""
    supplier: str = ""
    delivery_note: str = ""
    note: str = ""
    approver: str = ""
    changes: frozenset[str] = field(default=frozenset({"stock"}))


def moving_average_cost(*, on_hand: Decimal, cost: Decimal | None, qty: Decimal, unit_cost: Decimal) -> Decimal:
    """The product's cost after receiving qty at unit_cost: the weighted average with what is on
    hand at its cost; when nothing (or less than nothing) is on hand or no cost is known, the new cost."""
    if cost is None or on_hand <= 0:
        return quantize(unit_cost)
    return quantize((on_hand * cost + qty * unit_cost) / (on_hand + qty))
