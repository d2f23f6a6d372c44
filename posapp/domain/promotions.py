"""Promotions as the store runs them: what each kind gives, to which products, when and to whom.

The rules for how they combine live in posapp/domain/pricing.py and docs/promotions.md. A
promotion here is plain data: checked once (check_promotion) when it is saved or imported.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from posapp.domain.errors import ValidationError
from posapp.domain.money import MAX_PRICE
from posapp.i18n import _

HUNDRED = Decimal(100)


class Kind(str, enum.Enum):
    SPECIAL_PRICE = "special_price"  # a fixed unit price
    PERCENT_OFF = "percent_off"  # x% off the unit price
    BUY_X_GET_Y = "buy_x_get_y"  # in each set of X+Y units, the Y cheapest free (or percent off)
    THRESHOLD = "threshold"  # 滿減: reach T, take A off (tiers, or every full T)
    COUPON = "coupon"  # a code at the till: an amount or percent off, with a minimum spend
    GIFT = "gift"  # 贈品: reach T, a gift product is added at no charge

    @property
    def level(self) -> str:
        """Step of the pricing order this kind belongs to: line, basket or gift."""
        if self in (Kind.SPECIAL_PRICE, Kind.PERCENT_OFF, Kind.BUY_X_GET_Y):
            return "line"
        return "gift" if self is Kind.GIFT else "basket"


@dataclass(frozen=True)
class Tier:
    threshold: Decimal  # eligible subtotal to reach
    amount: Decimal  # taken off when reached


@dataclass(frozen=True)
class Promotion:
    id: int
    code: str  # stable reference used by import files, the online shop and reports
    name: str
    kind: Kind
    starts_at: datetime | None = None  # naive UTC; None: already running
    ends_at: datetime | None = None  # naive UTC, exclusive; None: until ended
    active: bool = True  # False once a manager ends it
    priority: int = 0  # higher wins ties
    stackable: bool = False  # special price / percent off: applies on top of another line promotion
    group: str = ""  # exclusivity group of basket-level and gift promotions; "" = a group of its own
    # Which products: none listed means every product; a category includes its subcategories.
    products: frozenset[str] = frozenset()
    categories: tuple[str, ...] = ()
    exclude_products: frozenset[str] = frozenset()
    exclude_categories: tuple[str, ...] = ()
    # Who and when: member tiers imply members only; weekdays 1 = Monday .. 7 = Sunday.
    members_only: bool = False
    member_tiers: frozenset[str] = frozenset()
    weekdays: frozenset[int] = frozenset()
    hours: tuple[time, time] | None = None  # local time [start, end); start > end spans midnight
    # What it gives, by kind.
    price: Decimal | None = None  # special price per unit
    percent: Decimal | None = None  # percent off; buy X get Y: off the Y units (100 = free); coupon
    amount: Decimal | None = None  # coupon: fixed amount off
    tiers: tuple[Tier, ...] = ()  # threshold (one tier when repeating)
    repeating: bool = False  # threshold: every full tier.threshold takes tier.amount
    buy: int = 0  # buy X ...
    get: int = 0  # ... get Y
    threshold: Decimal | None = None  # gift: subtotal to reach; coupon: minimum spend
    gift_sku: str = ""
    gift_qty: int = 1
    coupon_code: str = ""
    max_uses: int | None = None  # coupon uses in total
    max_uses_per_member: int | None = None
    name_en: str = ""
    source: str = "manual"  # manual, import, online
    extra: dict = field(default_factory=dict, compare=False)  # room for the online shop's own fields

    @property
    def level(self) -> str:
        return self.kind.level

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key of the tie-break: higher priority first, then the lower id."""
        return (-self.priority, self.id)

    def covers(self, sku: str, category: str) -> bool:
        """Whether a product (by SKU and category path) is one this promotion applies to."""
        if sku in self.exclude_products or _under(category, self.exclude_categories):
            return False
        if not self.products and not self.categories:
            return True
        return sku in self.products or _under(category, self.categories)

    def running(self, at_utc: datetime, local: datetime) -> bool:
        """Whether it runs at this moment (UTC for the dates, store-local for days and hours)."""
        if not self.active or (self.starts_at and at_utc < self.starts_at) or (self.ends_at and at_utc >= self.ends_at):
            return False
        if self.weekdays and local.isoweekday() not in self.weekdays:
            return False
        if self.hours is not None:
            start, end, now = self.hours[0], self.hours[1], local.time()
            inside = start <= now < end if start <= end else (now >= start or now < end)
            if not inside:
                return False
        return True

    def open_to(self, member_tier: str | None) -> bool:
        """Whether a customer (None: not a member; else the member's tier) may have it."""
        if self.member_tiers:
            return member_tier is not None and member_tier in self.member_tiers
        return member_tier is not None if self.members_only else True


def _under(category: str, paths: tuple[str, ...]) -> bool:
    return any(category == p or category.startswith(p + "/") for p in paths)


def _amount_ok(value: Decimal | None, places: int) -> bool:
    return value is not None and value.is_finite() and 0 < value <= MAX_PRICE and value == round(value, places)


def check_promotion(p: Promotion, *, places: int = 2) -> list[str]:
    """Every reason this promotion cannot run as given (empty when it is sound)."""
    problems = [*_check_common(p), *_KIND_CHECKS[p.kind](p, places)]
    return problems


def require_sound(p: Promotion, *, places: int = 2) -> Promotion:
    problems = check_promotion(p, places=places)
    if problems:
        raise ValidationError(_("Promotion {code}: {problems}").format(code=p.code or p.name, problems="; ".join(problems)))
    return p


def _check_common(p: Promotion) -> list[str]:
    problems = []
    if not p.code.strip() or len(p.code) > 40:
        problems.append(_("the code must be 1 to 40 characters"))
    if not p.name.strip() or len(p.name) > 80:
        problems.append(_("the name must be 1 to 80 characters"))
    if p.starts_at and p.ends_at and p.ends_at <= p.starts_at:
        problems.append(_("it ends before it starts"))
    if not set(p.weekdays) <= set(range(1, 8)):
        problems.append(_("days of the week are 1 (Monday) to 7 (Sunday)"))
    if p.hours is not None and p.hours[0] == p.hours[1]:
        problems.append(_("the hours start and end at the same time"))
    if not -1000 <= p.priority <= 1000:
        problems.append(_("the priority must be between -1000 and 1000"))
    if p.stackable and p.kind not in (Kind.SPECIAL_PRICE, Kind.PERCENT_OFF):
        problems.append(_("only special prices and percent-off promotions can be stackable"))
    if p.products & p.exclude_products:
        problems.append(_("a product is both included and excluded"))
    return problems


def _percent_ok(value: Decimal | None) -> bool:
    return value is not None and value.is_finite() and 0 < value <= HUNDRED and value == round(value, 2)


def _check_special(p: Promotion, places: int) -> list[str]:
    return [] if _amount_ok(p.price, places) else [_("a special price needs a price above 0")]


def _check_percent(p: Promotion, places: int) -> list[str]:
    return [] if _percent_ok(p.percent) else [_("the percent off must be more than 0 and at most 100")]


def _check_bxgy(p: Promotion, places: int) -> list[str]:
    problems = []
    if not (1 <= p.buy <= 99 and 1 <= p.get <= 99):
        problems.append(_("buy X get Y needs X and Y from 1 to 99"))
    if p.percent is not None and not _percent_ok(p.percent):
        problems.append(_("the percent off must be more than 0 and at most 100"))
    return problems


def _check_threshold(p: Promotion, places: int) -> list[str]:
    if not p.tiers:
        return [_("a spend threshold needs at least one tier")]
    problems = []
    if p.repeating and len(p.tiers) != 1:
        problems.append(_("a repeating threshold has exactly one tier"))
    for tier in p.tiers:
        if not (_amount_ok(tier.threshold, places) and _amount_ok(tier.amount, places)):
            problems.append(_("each tier needs a threshold and an amount above 0"))
        elif tier.amount > tier.threshold:
            problems.append(_("a tier takes off more than its threshold ({amount} > {threshold})")
                            .format(amount=tier.amount, threshold=tier.threshold))
    thresholds = [t.threshold for t in p.tiers]
    if len(set(thresholds)) != len(thresholds):
        problems.append(_("two tiers have the same threshold"))
    return problems


def _check_coupon(p: Promotion, places: int) -> list[str]:
    problems = []
    code = p.coupon_code.strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        problems.append(_("a coupon needs a code of 1 to 32 letters, digits, - or _"))
    if (p.amount is None) == (p.percent is None):
        problems.append(_("a coupon takes off either an amount or a percent"))
    elif p.amount is not None and not _amount_ok(p.amount, places):
        problems.append(_("the coupon amount must be above 0"))
    elif p.percent is not None and not _percent_ok(p.percent):
        problems.append(_("the percent off must be more than 0 and at most 100"))
    if p.threshold is not None and not (p.threshold.is_finite() and p.threshold >= 0):
        problems.append(_("the minimum spend cannot be negative"))
    for limit in (p.max_uses, p.max_uses_per_member):
        if limit is not None and limit < 1:
            problems.append(_("a usage limit must be at least 1"))
    return problems


def _check_gift(p: Promotion, places: int) -> list[str]:
    problems = []
    if not p.gift_sku.strip():
        problems.append(_("a gift promotion needs the gift's SKU"))
    if not 1 <= p.gift_qty <= 99:
        problems.append(_("the gift quantity must be 1 to 99"))
    if not _amount_ok(p.threshold, places):
        problems.append(_("a gift promotion needs a subtotal to reach, above 0"))
    return problems


_KIND_CHECKS = {Kind.SPECIAL_PRICE: _check_special, Kind.PERCENT_OFF: _check_percent,
                Kind.BUY_X_GET_Y: _check_bxgy, Kind.THRESHOLD: _check_threshold,
                Kind.COUPON: _check_coupon, Kind.GIFT: _check_gift}


def normal_coupon(code: str) -> str:
    """Coupon codes are matched without case and surrounding spaces."""
    return (code or "").strip().upper()
