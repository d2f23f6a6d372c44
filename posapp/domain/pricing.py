"""The promotions engine: prices a basket's lines with the promotions running, exactly and the same
way every time. Pure: no I/O. The rules, step by step (docs/promotions.md has worked examples):

1. Line promotions (special price, percent off, buy X get Y) on the lines they may apply to: not a
   line whose price was overridden, came from a price label, or has a cashier's line discount.
   A unit gets at most one of them, except stackable special prices and percents, which apply on
   top to the units not in a buy-X-get-Y set. For each line the special price or percent that
   saves most is taken (ties: higher priority, then lower id). Buy X get Y: the eligible units are
   ranked by price, dearest first, and cut into sets of X+Y in that order; in each complete set
   the Y last (cheapest) units are free or the given percent off; units left over are in no set.
   Buy-X-get-Y offers that share units are tried together, each either off, on every eligible
   unit, or on the units that have no other promotion, and the customer gets the combination
   with the lowest total (ties: the one using the higher-priority offers).
2. Basket promotions (spend thresholds, coupons) on the eligible lines' totals after step 1.
   At most one per exclusivity group: the one that takes most off (ties: priority, then id).
   They are taken in priority order, each at most what is left of the lines it applies to.
3. Gifts, on the eligible lines' amounts after steps 1 and 2 (again one per group).

Each basket discount is allocated to its lines in proportion to what is left of them: every
share is rounded down to the minor unit and the units left over go to the line with the largest
amount (ties: the first line; then the next largest, should one line not have room).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, round_money
from posapp.domain.promotions import HUNDRED, Kind, Promotion, normal_coupon
from posapp.i18n import _

ZERO = Decimal(0)
MAX_SEARCH = 4  # buy-X-get-Y offers sharing units that are searched exhaustively (3**4 tries)


@dataclass(frozen=True)
class Item:
    """A basket line as the engine sees it."""

    key: int  # the line number
    sku: str
    category: str
    unit_price: Decimal
    qty: Decimal
    amount: Decimal  # what the line comes to before promotions (after a cashier's line discount)
    pieces: bool = True  # sold by the piece, so its units can be in a buy-X-get-Y set
    promotable: bool = True  # line promotions may apply


@dataclass(frozen=True)
class Context:
    at_utc: datetime  # naive UTC: promotion dates
    local: datetime  # store-local: days of the week and hours
    member_tier: str | None = None  # None: not a member
    coupons: frozenset[str] = frozenset()  # codes entered at the till (normal_coupon form)


@dataclass(frozen=True)
class Saving:
    promotion_id: int
    code: str
    name: str
    kind: Kind
    amount: Decimal

    @property
    def level(self) -> str:
        return self.kind.level


@dataclass(frozen=True)
class PricedLine:
    key: int
    savings: tuple[Saving, ...]  # line promotions, then basket promotions' shares
    total: Decimal  # amount - line promotions
    net: Decimal  # total - basket promotions' shares

    @property
    def line_saving(self) -> Decimal:
        return sum((s.amount for s in self.savings if s.level == "line"), ZERO)


@dataclass(frozen=True)
class Gift:
    saving: Saving  # amount: the gift's value
    sku: str
    qty: int
    unit_price: Decimal


@dataclass(frozen=True)
class Pricing:
    lines: dict[int, PricedLine]
    gifts: tuple[Gift, ...]
    applied: tuple[Saving, ...]  # one per promotion used, with its total
    notes: tuple[str, ...]  # why promotions that were in reach did not apply (for the simulator)

    @property
    def line_discount(self) -> Decimal:
        return sum((s.amount for s in self.applied if s.level == "line"), ZERO)

    @property
    def basket_discount(self) -> Decimal:
        return sum((s.amount for s in self.applied if s.level == "basket"), ZERO)

    @property
    def gift_value(self) -> Decimal:
        return sum((g.saving.amount for g in self.gifts), ZERO)


def _saving(p: Promotion, amount: Decimal) -> Saving:
    return Saving(promotion_id=p.id, code=p.code, name=p.name, kind=p.kind, amount=amount)


class PromotionSet:
    """The promotions a till prices with, indexed by product so a reprice looks at few of them."""

    def __init__(self, promotions, *, gift_products: dict | None = None, places: int = 2):
        self.places = places
        self.all = tuple(sorted(promotions, key=lambda p: p.rank))
        self.gift_products = {sku: g for sku, g in (gift_products or {}).items() if g.active}  # sku -> Product
        self.gift_prices = {sku: g.price for sku, g in self.gift_products.items()}
        self._by_sku: dict[str, list[Promotion]] = defaultdict(list)
        self._by_category: dict[str, list[Promotion]] = defaultdict(list)
        self._wide: list[Promotion] = []
        self.basket_level = tuple(p for p in self.all if p.level == "basket")
        self.gift_level = tuple(p for p in self.all if p.level == "gift")
        for p in self.all:
            if p.level != "line":
                continue
            if not p.products and not p.categories:
                self._wide.append(p)
            for sku in p.products:
                self._by_sku[sku].append(p)
            for path in p.categories:
                self._by_category[path].append(p)
        self._live_key: tuple | None = None
        self._live: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.all)

    def live_ids(self, ctx: Context) -> frozenset[int]:
        """Ids of the promotions running for this customer now (cached for the same minute)."""
        key = (ctx.at_utc.replace(second=0, microsecond=0), ctx.local.replace(second=0, microsecond=0),
               ctx.member_tier)
        if key != self._live_key:
            self._live = frozenset(p.id for p in self.all
                                   if p.running(ctx.at_utc, ctx.local) and p.open_to(ctx.member_tier))
            self._live_key = key
        return self._live

    def line_candidates(self, item: Item, live: frozenset[int]) -> list[Promotion]:
        found: dict[int, Promotion] = {}
        for p in self._by_sku.get(item.sku, ()):
            found[p.id] = p
        path = item.category
        while path:
            for p in self._by_category.get(path, ()):
                found[p.id] = p
            path = path.rpartition("/")[0]
        for p in self._wide:
            found[p.id] = p
        return sorted((p for p in found.values() if p.id in live and p.covers(item.sku, item.category)),
                      key=lambda p: p.rank)


def price(items: list[Item], offers: PromotionSet, ctx: Context) -> Pricing:
    """Price items with the promotions in offers that run in ctx (see the module's rules)."""
    places = offers.places
    live = offers.live_ids(ctx)
    notes: list[str] = []
    line_savings = _line_step(items, offers, live, places)
    totals = {i.key: i.amount - sum((s.amount for s in line_savings[i.key]), ZERO) for i in items}
    basket_savings, basket_applied = _basket_step(items, offers, live, ctx, totals, places, notes)
    left = {k: totals[k] - sum((s.amount for s in basket_savings[k]), ZERO) for k in totals}
    gifts = _gift_step(items, offers, live, left, notes)
    lines = {i.key: PricedLine(key=i.key, savings=tuple(line_savings[i.key]) + tuple(basket_savings[i.key]),
                               total=totals[i.key], net=left[i.key]) for i in items}
    applied = _sum_line_savings(line_savings, offers) + basket_applied + tuple(g.saving for g in gifts)
    return Pricing(lines=lines, gifts=gifts, applied=applied, notes=tuple(notes))


def _sum_line_savings(line_savings, offers: PromotionSet) -> tuple[Saving, ...]:
    by_id: dict[int, Decimal] = defaultdict(Decimal)
    first: dict[int, Saving] = {}
    for savings in line_savings.values():
        for s in savings:
            by_id[s.promotion_id] += s.amount
            first.setdefault(s.promotion_id, s)
    rank = {p.id: p.rank for p in offers.all}
    return tuple(Saving(promotion_id=i, code=first[i].code, name=first[i].name, kind=first[i].kind, amount=by_id[i])
                 for i in sorted(by_id, key=lambda i: rank.get(i, (0, i))))


# --- step 1: line promotions ---------------------------------------------------------------------

def _unit_saving(p: Promotion, unit_price: Decimal, qty: Decimal, before: Decimal, places: int) -> Decimal:
    """What p takes off qty units that come to `before` so far (never more than that)."""
    if qty <= 0 or before <= 0:
        return ZERO
    if p.kind is Kind.SPECIAL_PRICE:
        return max(ZERO, before - round_money(p.price * qty, places))
    return min(before, round_money(before * p.percent / HUNDRED, places))


def _units(item: Item) -> int:
    return int(item.qty) if item.pieces and item.qty == item.qty.to_integral_value() else 0


def _free_below(n: int, size: int, buy: int) -> int:
    """How many of the first n ranked positions are free positions (the last get of each set)."""
    return (n // size) * (size - buy) + max(0, n % size - buy)


def _line_step(items: list[Item], offers: PromotionSet, live, places: int) -> dict[int, list[Saving]]:
    savings: dict[int, list[Saving]] = {i.key: [] for i in items}
    cands = {i.key: offers.line_candidates(i, live) for i in items if i.promotable and i.amount > 0}
    by_key = {i.key: i for i in items}
    best: dict[int, Promotion | None] = {}
    for key, found in cands.items():
        item = by_key[key]
        single = [p for p in found if p.kind is not Kind.BUY_X_GET_Y and not p.stackable]
        best[key] = min(single, key=lambda p: (-_unit_saving(p, item.unit_price, item.qty, item.amount, places),
                                               p.rank), default=None)
    claimed, bxgy = _buy_x_get_y(items, cands, best, places)
    for key, found in cands.items():
        item = by_key[key]
        for p, share in bxgy.get(key, ()):
            savings[key].append(_saving(p, share))
        qty = item.qty - claimed.get(key, 0)
        if qty <= 0:
            continue
        before = item.amount if qty == item.qty else round_money(item.unit_price * qty, places)
        chain = ([best[key]] if best[key] is not None else []) + [p for p in found if p.stackable]
        for p in chain:
            cut = _unit_saving(p, item.unit_price, qty, before, places)
            if cut > 0:
                savings[key].append(_saving(p, cut))
                before -= cut
    return savings


def _buy_x_get_y(items, cands, best, places):
    """Units each line has in buy-X-get-Y sets, and each line's (promotion, saving) from them."""
    eligible: dict[int, list[Item]] = {}
    promos: dict[int, Promotion] = {}
    for item in items:
        if item.key in cands and _units(item):
            for p in cands[item.key]:
                if p.kind is Kind.BUY_X_GET_Y:
                    eligible.setdefault(p.id, []).append(item)
                    promos[p.id] = p
    reachable = [promos[i] for i, its in eligible.items() if sum(_units(x) for x in its) >= promos[i].buy + promos[i].get]
    claimed: dict[int, int] = defaultdict(int)
    shares: dict[int, list] = defaultdict(list)
    for group in _components(reachable, eligible):
        choice = _search(group, eligible, best, places)
        for key, n in choice.claimed.items():
            claimed[key] += n
        for key, got in choice.shares.items():
            shares[key].extend(got)
    return claimed, shares


def _components(promos: list[Promotion], eligible) -> list[list[Promotion]]:
    """Buy-X-get-Y offers grouped when they share lines (transitively), each group by rank."""
    parent = {p.id: p.id for p in promos}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for p in promos:
        for item in eligible[p.id]:
            if item.key in owner:
                parent[root(p.id)] = root(owner[item.key])
            else:
                owner[item.key] = p.id
    groups: dict[int, list[Promotion]] = defaultdict(list)
    for p in promos:
        groups[root(p.id)].append(p)
    return [sorted(g, key=lambda p: p.rank) for g in sorted(groups.values(), key=lambda g: min(p.rank for p in g))]


@dataclass
class _Choice:
    saving: Decimal
    claimed: dict[int, int]
    shares: dict[int, list]


def _search(group: list[Promotion], eligible, best, places) -> _Choice:
    """The lowest total over each offer being off (0), on all units (1) or on plain units (2)."""
    head, tail = group[:MAX_SEARCH], group[MAX_SEARCH:]
    chosen = None
    for options in itertools.product((1, 2, 0), repeat=len(head)):
        tried = _try(list(zip(head, options)), eligible, best, places)
        if chosen is None or tried.saving > chosen[1].saving:
            chosen = (list(zip(head, options)), tried)
    plan, result = chosen
    for p in tail:  # beyond the exhaustive search: added one by one where it helps
        for option in (1, 2):
            tried = _try(plan + [(p, option)], eligible, best, places)
            if tried.saving > result.saving:
                plan, result = plan + [(p, option)], tried
                break
    return result


def _try(plan, eligible, best, places) -> _Choice:
    claimed: dict[int, int] = defaultdict(int)
    shares: dict[int, list] = defaultdict(list)
    total = ZERO
    touched: dict[int, Item] = {}
    for p, option in plan:
        for item in eligible[p.id]:
            touched[item.key] = item
        if option == 0:
            continue
        pool = [it for it in eligible[p.id] if option == 1 or best.get(it.key) is None]
        pool.sort(key=lambda it: (-it.unit_price, it.sku, it.key))
        got = _sets(p, pool, claimed, places)
        for key, amount in got.items():
            if amount > 0:
                shares[key].append((p, amount))
                total += amount
    for key, item in touched.items():  # what the other promotions still give the units left over
        left = _units(item) - claimed.get(key, 0)
        if best.get(key) is not None and left > 0:
            before = round_money(item.unit_price * left, places)
            total += _unit_saving(best[key], item.unit_price, Decimal(left), before, places)
    return _Choice(saving=total, claimed=dict(claimed), shares=dict(shares))


def _sets(p: Promotion, pool: list[Item], claimed: dict[int, int], places: int) -> dict[int, Decimal]:
    """Cut pool (ranked) into sets of buy+get; claim their units; each line's saving from p."""
    size = p.buy + p.get
    avail = [(it, _units(it) - claimed[it.key]) for it in pool]
    n_sets = sum(n for _it, n in avail if n > 0) // size
    take, pos = n_sets * size, 0
    free_value: dict[int, Decimal] = {}
    for it, n in avail:
        n = min(n, take - pos)
        if n <= 0:
            continue
        free = _free_below(pos + n, size, p.buy) - _free_below(pos, size, p.buy)
        claimed[it.key] += n
        if free:
            free_value[it.key] = free_value.get(it.key, ZERO) + it.unit_price * free
        pos += n
    if not free_value:
        return {}
    pct = p.percent if p.percent is not None else HUNDRED
    whole = sum(free_value.values(), ZERO)
    total = round_money(whole * pct / HUNDRED, places)
    keys = list(free_value)
    return dict(zip(keys, allocate(total, [free_value[k] for k in keys], places=places)))


# --- step 2: spend thresholds and coupons ---------------------------------------------------------

def _offered(p: Promotion, subtotal: Decimal, places: int) -> Decimal:
    """What p would take off an eligible subtotal (0 if not reached), at most the subtotal."""
    if p.kind is Kind.THRESHOLD:
        if p.repeating:
            tier = p.tiers[0]
            cut = (subtotal // tier.threshold) * tier.amount
        else:
            cut = max((t.amount for t in p.tiers if subtotal >= t.threshold), default=ZERO)
    else:  # coupon
        if p.threshold is not None and subtotal < p.threshold:
            return ZERO
        cut = p.amount if p.amount is not None else round_money(subtotal * p.percent / HUNDRED, places)
    return min(max(cut, ZERO), subtotal)


def _basket_step(items, offers: PromotionSet, live, ctx: Context, totals, places, notes):
    shares: dict[int, list[Saving]] = {i.key: [] for i in items}
    coupons = {normal_coupon(c) for c in ctx.coupons}
    offered: list[tuple[Promotion, Decimal, list[int]]] = []
    for p in offers.basket_level:
        if p.kind is Kind.COUPON and normal_coupon(p.coupon_code) not in coupons:
            continue
        if p.id not in live:
            if p.kind is Kind.COUPON:
                notes.append(_("{name}: coupon {code} is not valid now").format(name=p.name, code=p.coupon_code))
            continue
        keys = [i.key for i in items if p.covers(i.sku, i.category)]
        subtotal = sum((totals[k] for k in keys), ZERO)
        cut = _offered(p, subtotal, places)
        if cut <= 0:
            notes.append(_("{name}: not reached (eligible subtotal {amount})").format(name=p.name, amount=subtotal))
            continue
        offered.append((p, cut, keys))
    chosen = _one_per_group(offered, notes)
    left = dict(totals)
    applied = []
    for p, cut, keys in sorted(chosen, key=lambda c: c[0].rank):
        room = sum((left[k] for k in keys), ZERO)
        cut = min(cut, room)
        if cut <= 0:
            continue
        for key, share in zip(keys, allocate(cut, [left[k] for k in keys], places=places)):
            if share:
                shares[key].append(_saving(p, share))
                left[key] -= share
        applied.append(_saving(p, cut))
    return shares, tuple(applied)


def _one_per_group(offered, notes):
    """At most one promotion per exclusivity group: the one giving most (ties: rank)."""
    groups: dict[str, list] = defaultdict(list)
    for entry in offered:
        groups[entry[0].group or f"#{entry[0].id}"].append(entry)
    chosen = []
    for entries in groups.values():
        entries.sort(key=lambda e: (-e[1], e[0].rank))
        chosen.append(entries[0])
        for p, _cut, _keys in entries[1:]:
            notes.append(_("{name}: {other} in the same group gives more").format(name=p.name, other=entries[0][0].name))
    return chosen


# --- step 3: gifts --------------------------------------------------------------------------------

def _gift_step(items, offers: PromotionSet, live, left, notes) -> tuple[Gift, ...]:
    offered = []
    for p in offers.gift_level:
        if p.id not in live:
            continue
        subtotal = sum((left[i.key] for i in items if p.covers(i.sku, i.category)), ZERO)
        if subtotal < p.threshold:
            notes.append(_("{name}: not reached (eligible subtotal {amount})").format(name=p.name, amount=subtotal))
            continue
        unit = offers.gift_prices.get(p.gift_sku)
        if unit is None:
            notes.append(_("{name}: the gift {sku} is not in the catalog").format(name=p.name, sku=p.gift_sku))
            continue
        offered.append((p, unit * p.gift_qty, unit))
    gifts = []
    for p, value, unit in sorted(_one_per_group(offered, notes), key=lambda c: c[0].rank):
        gifts.append(Gift(saving=_saving(p, value), sku=p.gift_sku, qty=p.gift_qty, unit_price=unit))
    return tuple(gifts)


# --- allocation -----------------------------------------------------------------------------------

def allocate(amount: Decimal, weights: list[Decimal], *, places: int = 2) -> list[Decimal]:
    """Split amount over weights in proportion: each share rounded down to the minor unit, the units
    left over to the largest weight (ties: the first), then the next largest if it has no room.

    Needs 0 <= amount <= sum(weights) and no negative weight; the shares add up to amount exactly
    and none exceeds its weight.
    """
    scale = 10**places
    units = int((amount * scale).to_integral_value())
    parts = [int((w * scale).to_integral_value()) for w in weights]
    whole = sum(parts)
    if units < 0 or min(parts, default=0) < 0 or units > whole:
        raise ValueError("allocate needs 0 <= amount <= sum of non-negative weights")
    if not units:
        return [from_minor(0, places) for _p in parts]
    shares = [units * p // whole for p in parts]
    left = units - sum(shares)
    for i in sorted(range(len(parts)), key=lambda i: (-parts[i], i)):
        if not left:
            break
        extra = min(left, parts[i] - shares[i])
        shares[i] += extra
        left -= extra
    return [from_minor(s, places) for s in shares]
