"""Promotions as the store runs them: what each kind gives, to which products, when and to whom.

The rules for how they combine live in posapp/domain/pricing.py and docs/promotions.md. A
promotion here is plain data: checked once (check_promotion) when it is saved or imported.
PromotionSet holds the promotions a till prices with, indexed by product.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from posapp.domain.catalog import in_categories
from posapp.domain.errors import ValidationError
from posapp.domain.money import MAX_PRICE, round_money
from posapp.i18n import _

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_CACHED = 50_000  # answers a PromotionSet remembers (products' promotions, buy-X-get-Y searches)


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
        if sku in self.exclude_products or in_categories(category, self.exclude_categories):
            return False
        if not self.products and not self.categories:
            return True
        return sku in self.products or in_categories(category, self.categories)

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

    def line_cut(self, qty: Decimal, before: Decimal, places: int) -> Decimal:
        """Special price or percent off: what it takes off qty units that come to `before` so far."""
        if qty <= 0 or before <= 0:
            return ZERO
        if self.kind is Kind.SPECIAL_PRICE:
            return max(ZERO, before - round_money(self.price * qty, places))
        return min(before, round_money(before * self.percent / HUNDRED, places))

    def free_units(self, n: int) -> int:
        """Buy X get Y: how many of the first n ranked units are free (the last Y of each set of X+Y)."""
        size = self.buy + self.get
        return (n // size) * self.get + max(0, n % size - self.buy)

    def free_cut(self, value: Decimal, places: int) -> Decimal:
        """Buy X get Y: what it takes off free units worth value (all of it, or its percent)."""
        return value if self.percent is None else round_money(value * self.percent / HUNDRED, places)

    def basket_cut(self, subtotal: Decimal, places: int) -> Decimal:
        """Threshold or coupon: what it takes off an eligible subtotal (0 if not reached), at most that."""
        if self.kind is Kind.THRESHOLD:
            if self.repeating:  # every full threshold
                cut = (subtotal // self.tiers[0].threshold) * self.tiers[0].amount
            else:  # the highest tier reached
                reached = [t for t in self.tiers if subtotal >= t.threshold]
                cut = max(reached, key=lambda t: t.threshold).amount if reached else ZERO
        elif self.threshold is not None and subtotal < self.threshold:  # a coupon's minimum spend
            return ZERO
        else:
            cut = self.amount if self.amount is not None else round_money(subtotal * self.percent / HUNDRED, places)
        return min(max(cut, ZERO), subtotal)


class PromotionSet:
    """The promotions a till prices with, indexed by product so a reprice looks at few of them."""

    def __init__(self, promotions, *, gift_products: dict | None = None, places: int = 2):
        self.places = places
        self.all = tuple(sorted(promotions, key=lambda p: p.rank))
        self.by_id = {p.id: p for p in self.all}
        self.gift_products = {sku: g for sku, g in (gift_products or {}).items() if g.active}  # sku -> Product
        self.gift_prices = {sku: g.price for sku, g in self.gift_products.items()}
        self.basket_level = tuple(p for p in self.all if p.level == "basket")
        self._coupons: dict[str, list[Promotion]] = defaultdict(list)  # normal code -> its coupons
        for p in self.basket_level:
            if p.kind is Kind.COUPON:
                self._coupons[normal_coupon(p.coupon_code)].append(p)
        self._no_coupon = tuple(p for p in self.basket_level if p.kind is not Kind.COUPON)
        self.gift_level = tuple(p for p in self.all if p.level == "gift")
        # Basket promotions and gifts on every product, which need no look-up per product.
        self.everywhere = frozenset(p.id for p in self.all if p.level != "line" and _everywhere(p))
        self._by_sku: dict[str, list[Promotion]] = defaultdict(list)
        self._by_category: dict[str, list[Promotion]] = defaultdict(list)
        self._wide: list[Promotion] = []
        for p in self.all:
            if p.id in self.everywhere:
                continue
            if not p.products and not p.categories:
                self._wide.append(p)
            for sku in p.products:
                self._by_sku[sku].append(p)
            for path in p.categories:
                self._by_category[path].append(p)
        self._live_key: tuple | None = None
        self._live: frozenset[int] = frozenset()
        self._covering: dict[tuple[str, str], tuple[tuple[Promotion, ...], tuple[Promotion, ...]]] = {}
        self._remembered: dict = {}

    def __len__(self) -> int:
        return len(self.all)

    def live_ids(self, at_utc: datetime, local: datetime, member_tier: str | None) -> frozenset[int]:
        """Ids of the promotions running for this customer now (cached for the same minute)."""
        # Judged to the minute, so a cached answer is the answer for every moment it is used for.
        at_utc, local = at_utc.replace(second=0, microsecond=0), local.replace(second=0, microsecond=0)
        if (at_utc, local, member_tier) != self._live_key:
            self._live = frozenset(p.id for p in self.all if p.running(at_utc, local) and p.open_to(member_tier))
            self._live_key = (at_utc, local, member_tier)
        return self._live

    def basket_with(self, coupons: set[str]) -> tuple[Promotion, ...]:
        """The basket promotions that are not coupons, and the coupons with these codes, by rank."""
        found = [p for code in coupons for p in self._coupons.get(code, ())]
        return tuple(sorted((*self._no_coupon, *found), key=lambda p: p.rank)) if found else self._no_coupon

    def covering(self, sku: str, category: str) -> tuple[tuple[Promotion, ...], tuple[Promotion, ...]]:
        """The line promotions, and the basket promotions and gifts not on every product, that cover a
        product, running or not, by rank (cached per product)."""
        found = self._covering.get((sku, category))
        if found is None:
            near: dict[int, Promotion] = {p.id: p for p in self._by_sku.get(sku, ())}
            path = category
            while path:
                near.update((p.id, p) for p in self._by_category.get(path, ()))
                path = path.rpartition("/")[0]
            near.update((p.id, p) for p in self._wide)
            ranked = sorted((p for p in near.values() if p.covers(sku, category)), key=lambda p: p.rank)
            found = (tuple(p for p in ranked if p.level == "line"), tuple(p for p in ranked if p.level != "line"))
            _make_room(self._covering)
            self._covering[(sku, category)] = found
        return found

    def remembered(self, key: tuple):
        """The answer kept for key, or None."""
        return self._remembered.get(key)

    def remember(self, key: tuple, compute: Callable):
        """compute()'s answer, kept for the same key (the engine's buy-X-get-Y searches)."""
        found = self._remembered.get(key)
        if found is None:
            _make_room(self._remembered)
            found = self._remembered[key] = compute()
        return found


def _everywhere(p: Promotion) -> bool:
    return not (p.products or p.categories or p.exclude_products or p.exclude_categories)


def _make_room(cache: dict) -> None:
    if len(cache) >= MAX_CACHED:  # a till runs for days: start again rather than grow without end
        cache.clear()


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
    elif not problems:  # the highest tier reached applies, so reaching more must never give less
        amounts = [t.amount for t in sorted(p.tiers, key=lambda t: t.threshold)]
        if amounts != sorted(amounts):
            problems.append(_("a higher tier takes off less than a lower one"))
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
