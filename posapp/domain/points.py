"""Membership points: a ledger of entries, and everything else derived from it.

A member's points are never a number that is edited: each change is an entry (earn, redeem, expire,
adjust, reverse) with its sale or reason, and no entry is ever deleted. From the entries:

- the balance is their sum;
- the lots are the points each positive entry brought, less what later entries took from them,
  oldest first (first in, first out);
- what is due to expire at a moment is what is left of the lots whose expiry date has passed.

Rules (the numbers are the store's, in LoyaltyRules):

- Earning: points_per_unit points per currency unit of what the customer actually paid, excluding
  lines in categories that earn nothing and the part of the sale paid with points or vouchers (taken
  off in proportion), times the member's tier multiplier, rounded down to whole points.
- Redeeming: points are a tender. `rate` points pay 1 currency unit; a payment in points is rounded
  down to the minor unit, and the points it takes are rounded up (so points never pay more than
  they are worth). At least `min_redeem` points at a time, and points pay at most `max_share` % of
  a sale's total.
- Expiry: points expire `expiry_months` months after the entry that brought them, oldest first.
  0 months: they never expire.
- The balance is never negative: a redeem, an adjustment or a reversal that would take more than the
  balance (after expiry) is refused, and a return converts the shortfall to money instead.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from posapp.domain.catalog import in_categories
from posapp.domain.errors import ValidationError
from posapp.i18n import _

ZERO = Decimal(0)
MAX_POINTS = 100_000_000  # one entry beyond this is a slip of the keypad or a broken file


class EntryKind(str, enum.Enum):
    EARN = "earn"  # a sale earned them
    REDEEM = "redeem"  # they paid for (part of) a sale
    EXPIRE = "expire"  # their time ran out
    ADJUST = "adjust"  # a manager changed them, with a reason
    REVERSE = "reverse"  # a return took back what a sale earned, or gave back what paid for it


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    points: int  # + brings points, - takes them
    at: datetime  # naive UTC
    id: int = 0  # order of entries made at the same moment
    sale_number: str = ""
    reason: str = ""
    expires_at: datetime | None = None  # for entries that bring points: when what is left of them expires


@dataclass(frozen=True)
class Lot:
    """What is left of the points one entry brought."""

    at: datetime
    expires_at: datetime | None
    points: int


@dataclass(frozen=True)
class Tier:
    name: str
    spend: Decimal  # reached with this much spent in the trailing 12 months
    multiplier: Decimal = Decimal(1)  # points earned are multiplied by this


@dataclass(frozen=True)
class ClassRule:
    """A/B/C customers: A spends at least a_spend and visits at least a_visits times in 12 months, and
    came in the last a_days days; B reaches b_spend or b_visits and came in the last b_days; the
    rest are C (and members who never bought)."""

    a_spend: Decimal = Decimal(5000)
    a_visits: int = 24
    a_days: int = 30
    b_spend: Decimal = Decimal(1000)
    b_visits: int = 6
    b_days: int = 90


@dataclass(frozen=True)
class LoyaltyRules:
    points_per_unit: Decimal = Decimal(1)  # points per currency unit paid
    rate: int = 100  # points that pay one currency unit
    min_redeem: int = 100  # fewest points redeemed at a time
    max_share: Decimal = Decimal(50)  # most a sale's total paid with points, in percent
    expiry_months: int = 24  # 0: points never expire
    no_earn_categories: tuple[str, ...] = ()  # category paths (and their subcategories) that earn nothing
    tiers: tuple[Tier, ...] = (Tier("silver", Decimal(2000), Decimal("1.2")), Tier("gold", Decimal(8000), Decimal("1.5")))
    classes: ClassRule = field(default_factory=ClassRule)
    expiring_days: int = 30  # the till warns of points expiring this soon


def check_rules(rules: LoyaltyRules) -> list[str]:
    """Everything wrong with a set of rules, in words a manager understands (empty when sound)."""
    problems = []
    if not (ZERO <= rules.points_per_unit <= 1000):
        problems.append(_("points per currency unit must be 0 to 1000"))
    if not (1 <= rules.rate <= 1_000_000):
        problems.append(_("the points that pay one currency unit must be 1 to 1000000"))
    if not (0 <= rules.min_redeem <= MAX_POINTS):
        problems.append(_("the fewest points redeemed at a time must be 0 or more"))
    if not (ZERO <= rules.max_share <= 100):
        problems.append(_("the most of a sale paid with points must be 0 to 100 percent"))
    if not (0 <= rules.expiry_months <= 240):
        problems.append(_("points must expire after 0 (never) to 240 months"))
    if not (1 <= rules.expiring_days <= 366):
        problems.append(_("the warning of points expiring soon must be 1 to 366 days"))
    names = [t.name for t in rules.tiers]
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        problems.append(_("tier names must be given and different"))
    spends = [t.spend for t in rules.tiers]
    if spends != sorted(spends) or len(set(spends)) != len(spends) or any(s <= 0 for s in spends):
        problems.append(_("tiers must be in order of spend, each above the one before and above 0"))
    if any(not (ZERO < t.multiplier <= 10) for t in rules.tiers):
        problems.append(_("a tier's points multiplier must be above 0 and at most 10"))
    c = rules.classes
    if not (c.a_spend >= c.b_spend >= 0 and c.a_visits >= c.b_visits >= 0 and 0 < c.a_days <= c.b_days):
        problems.append(_("class A thresholds must be at least class B's (and days above 0)"))
    return problems


def add_months(at: datetime, months: int) -> datetime:
    """The same day months later (the month's last day when it has fewer days)."""
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def expiry_for(at: datetime, rules: LoyaltyRules) -> datetime | None:
    return add_months(at, rules.expiry_months) if rules.expiry_months else None


def _ordered(entries) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.at, e.id))


def balance(entries) -> int:
    return sum(e.points for e in entries)


def lots(entries) -> list[Lot]:
    """What is left of each entry that brought points, oldest first. Expiry takes from the lots that
    expired; every other entry that takes points takes from the oldest lots first."""
    found: list[list] = []  # [at, expires_at, points left]
    for e in _ordered(entries):
        if e.points > 0:
            found.append([e.at, e.expires_at, e.points])
            continue
        need = -e.points
        for lot in found:
            if not need:
                break
            if e.kind is EntryKind.EXPIRE and (lot[1] is None or lot[1] > e.at):
                continue  # expiry takes only from the lots whose time is up
            took = min(need, lot[2])
            lot[2] -= took
            need -= took
        if need:
            raise ValueError(f"entry {e.id} takes {need} more points than the member had")
    return [Lot(at, exp, left) for at, exp, left in found if left > 0]


def due_to_expire(entries, at: datetime) -> int:
    """Points whose time is up at `at` and that no expiry entry has taken yet."""
    return sum(lot.points for lot in lots(entries) if lot.expires_at is not None and lot.expires_at <= at)


def expiring_soon(entries, at: datetime, days: int) -> tuple[int, datetime | None]:
    """(points, first date) of what expires after `at` within `days` days."""
    soon = [lot for lot in lots(entries)
            if lot.expires_at is not None and at < lot.expires_at <= at + timedelta(days=days)]
    return sum(lot.points for lot in soon), min((lot.expires_at for lot in soon), default=None)


def points_earned(lines, payments, rules: LoyaltyRules, *, tier: str = "") -> int:
    """Points a sale earns. lines: (category, what the customer paid for the line); payments:
    (tender, amount) net of change."""
    paid = sum((amount for category, amount in lines if not in_categories(category, rules.no_earn_categories)), ZERO)
    total = sum((amount for _c, amount in lines), ZERO)
    if paid <= 0 or total <= 0:
        return 0
    not_money = sum((amount for tender, amount in payments if tender in ("points", "voucher")), ZERO)
    earning = paid * max(ZERO, total - not_money) / total  # the part paid with points or vouchers earns nothing
    multiplier = next((t.multiplier for t in rules.tiers if t.name == tier), Decimal(1))
    return int((earning * rules.points_per_unit * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def value_of(points: int, rules: LoyaltyRules, places: int = 2) -> Decimal:
    """What points pay, rounded down to the minor unit."""
    return (Decimal(points) / rules.rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def points_for(amount: Decimal, rules: LoyaltyRules) -> int:
    """The points an amount paid with points takes (rounded up)."""
    return int((amount * rules.rate).to_integral_value(rounding=ROUND_CEILING))


def most_redeemable(total: Decimal, available: int, rules: LoyaltyRules, places: int = 2) -> Decimal:
    """The most a sale of `total` may take in points from a member with `available` points."""
    cap = (total * rules.max_share / 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    return min(cap, value_of(available, rules, places))


def check_redeem(amount: Decimal, *, total: Decimal, already: Decimal, available: int, rules: LoyaltyRules,
                 places: int = 2) -> int:
    """The points paying `amount` of a sale of `total` take (with `already` paid in points), or a
    clear refusal."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationError(_("the amount to pay with points must be above 0"))
    points = points_for(amount, rules)
    if value_of(points, rules, places) != amount:
        raise ValidationError(_("{amount} cannot be paid exactly with points at {rate} points per unit")
                              .format(amount=amount, rate=rules.rate))
    if points < rules.min_redeem:
        raise ValidationError(_("at least {points} points at a time").format(points=rules.min_redeem))
    if points > available:
        raise ValidationError(_("the member has {available} points; {amount} needs {points}")
                              .format(available=available, amount=amount, points=points))
    cap = (total * rules.max_share / 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    if already + amount > cap:
        raise ValidationError(_("points may pay at most {share}% of this sale ({cap})")
                              .format(share=f"{rules.max_share.normalize():f}", cap=cap))
    return points


def points_payable(*, total: Decimal, already: Decimal, remaining: Decimal, available: int, rules: LoyaltyRules,
                   places: int = 2) -> Decimal:
    """The most points may pay now, exactly (what check_redeem accepts), with `already` paid in points
    and `remaining` still owed; 0 when not even the minimum may be redeemed."""
    cap = (total * rules.max_share / 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    left = available - (points_for(already, rules) if already else 0)
    limit = min(cap - already, remaining, value_of(max(left, 0), rules, places))
    if limit <= 0:
        return Decimal(0)
    # The most whole points whose value (rounded down) stays within the limit: what they pay is an
    # amount points pay exactly.
    minor = Decimal(1).scaleb(-places)
    most = int(((limit + minor) * rules.rate).to_integral_value(rounding=ROUND_CEILING)) - 1
    amount = value_of(min(left, most), rules, places)
    if amount <= 0 or points_for(amount, rules) < rules.min_redeem:
        return Decimal(0)
    return amount


def check_adjustment(points: int, reason: str, available: int) -> tuple[int, str]:
    """A manager's adjustment: not 0, not absurd, with a reason, never taking the balance below 0."""
    if not isinstance(points, int) or points == 0 or abs(points) > MAX_POINTS:
        raise ValidationError(_("an adjustment is a whole number of points, not 0, at most {most}")
                              .format(most=MAX_POINTS))
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 200:
        raise ValidationError(_("an adjustment needs a reason (at most 200 characters)"))
    if available + points < 0:
        raise ValidationError(_("the member has {available} points: cannot take {points}")
                              .format(available=available, points=-points))
    return points, reason


@dataclass(frozen=True)
class Reversal:
    """What a return does to a member's points."""

    taken: int  # points taken back (at most what the member still has)
    given: int  # points given back (what paid for the returned items)
    shortfall: int  # points the member had already spent: their value comes off the refund
    shortfall_value: Decimal


def reversal(earned: int, redeemed: int, available: int, rules: LoyaltyRules, places: int = 2) -> Reversal:
    """A return takes back the `earned` points of the returned items and gives back the `redeemed`
    points that paid for them; what the member no longer has is converted to money at the redemption
    rate (rounded up to the minor unit, so no points are lost)."""
    net_available = available + redeemed  # given back first, then taken
    taken = min(earned, net_available)
    shortfall = earned - taken
    value = (Decimal(shortfall) / rules.rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)
    return Reversal(taken=taken, given=redeemed, shortfall=shortfall, shortfall_value=value)


def tier_for(spend: Decimal, rules: LoyaltyRules) -> str:
    """The highest tier reached with `spend` in the trailing 12 months ("" below the first)."""
    reached = [t for t in rules.tiers if spend >= t.spend]
    return reached[-1].name if reached else ""


def customer_class(*, spend: Decimal, visits: int, last_visit: datetime | None, at: datetime,
                   rule: ClassRule) -> str:
    """A, B or C (see ClassRule)."""
    if last_visit is None:
        return "C"
    days = (at - last_visit).days
    if spend >= rule.a_spend and visits >= rule.a_visits and days <= rule.a_days:
        return "A"
    if (spend >= rule.b_spend or visits >= rule.b_visits) and days <= rule.b_days:
        return "B"
    return "C"
