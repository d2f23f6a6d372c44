"""The promotions engine: prices a basket's lines with the promotions running, exactly and the same
way every time. Pure: no I/O. The rules, step by step (docs/promotions.md has worked examples):

0. A promotion runs when its dates, days and hours hold (judged to the minute) for this customer.
1. Line promotions (special price, percent off, buy X get Y) on the lines they may apply to: not a
   line whose price was overridden, came from a price label, or has a cashier's line discount.
   A unit gets at most one of them, except stackable special prices and percents, which apply on
   top. Buy X get Y: the eligible units are ranked by price, dearest first (ties: SKU, line), and
   cut into sets of X+Y in that order; in each complete set the Y last (cheapest) units are free
   or the given percent off; units left over are in no set. Units in no set get their line's
   special price or percent that saves most on the whole line (ties: higher priority, then lower
   id), then the stackable ones, each on what is left. An offer takes its first complete sets, as
   many as save most counting what their units would get outside a set (all of them, unless
   leaving some out saves more; ties: more sets). Buy-X-get-Y offers that share lines are tried
   together, each either off, on every eligible unit, or on the lines with no other line
   promotion, and the customer gets the combination with the lowest total after this step (ties:
   the one using the higher-priority offers).
2. Basket promotions (spend thresholds, coupons) on the eligible lines' totals after step 1: a
   threshold gives its highest tier reached, or its amount for every full threshold when it
   repeats. At most one per exclusivity group: the one that takes most off (ties: priority, then
   id). They are taken in priority order, each at most what is left of the lines it applies to.
3. Gifts, on the eligible lines' amounts after steps 1 and 2 (again one per group).

Each basket discount is allocated to its lines in proportion to what is left of them: every
share is rounded down to the minor unit and the units left over go to the line with the largest
amount (ties: the line whose SKU sorts first, then the lower line number, so the scan order never
moves a minor unit between products or tax rates; then the next largest, should one line not have
room).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import partial
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, round_money
from posapp.domain.promotions import Kind, Promotion, PromotionSet, normal_coupon
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


def price(items: list[Item], offers: PromotionSet, ctx: Context) -> Pricing:
    """Price items with the promotions in offers that run in ctx (see the module's rules)."""
    places = offers.places
    live = offers.live_ids(ctx.at_utc, ctx.local, ctx.member_tier)
    notes: list[str] = []
    line_savings = _line_step(items, offers, live, places)
    totals = {i.key: i.amount - sum((s.amount for s in line_savings[i.key]), ZERO) for i in items}
    lines_of = _lines_of(items, offers)
    basket_savings, basket_applied = _basket_step(items, offers, live, ctx, totals, lines_of, places, notes)
    left = {k: totals[k] - sum((s.amount for s in basket_savings[k]), ZERO) for k in totals}
    gifts = _gift_step(offers, live, left, lines_of, notes)
    lines = {i.key: PricedLine(key=i.key, savings=tuple(line_savings[i.key]) + tuple(basket_savings[i.key]),
                               total=totals[i.key], net=left[i.key]) for i in items}
    applied = _sum_line_savings(line_savings, offers) + basket_applied + tuple(g.saving for g in gifts)
    return Pricing(lines=lines, gifts=gifts, applied=applied, notes=tuple(notes))


def _lines_of(items: list[Item], offers: PromotionSet) -> dict[int, list[int]]:
    """The lines each basket promotion and gift covers, by SKU (so a tied minor unit goes to the same
    product whatever the scan order), then line number."""
    ordered = sorted(items, key=lambda i: (i.sku, i.key))
    every = [i.key for i in ordered]
    found: dict[int, list[int]] = {pid: every for pid in offers.everywhere}
    for item in ordered:
        for p in offers.covering(item.sku, item.category)[1]:
            found.setdefault(p.id, []).append(item.key)
    return found


def _sum_line_savings(line_savings, offers: PromotionSet) -> tuple[Saving, ...]:
    """One saving per line promotion used, with its total, by rank."""
    found: dict[int, Saving] = {}
    for s in (s for savings in line_savings.values() for s in savings):
        had = found.get(s.promotion_id)
        found[s.promotion_id] = s if had is None else replace(had, amount=had.amount + s.amount)
    return tuple(found[p.id] for p in offers.all if p.id in found)


# --- step 1: line promotions ---------------------------------------------------------------------

def _units(item: Item) -> int:
    return int(item.qty) if item.pieces and item.qty == item.qty.to_integral_value() else 0


def _chain(item: Item, found: list[Promotion], places: int) -> list[Promotion]:
    """The line's promotions outside buy X get Y: the single one that saves most, then stackables."""
    single = [(p, p.line_cut(item.qty, item.amount, places)) for p in found
              if p.kind is not Kind.BUY_X_GET_Y and not p.stackable]
    best = min(single, key=lambda e: (-e[1], e[0].rank), default=None)
    head = [best[0]] if best is not None and best[1] > 0 else []
    return head + [p for p in found if p.stackable and p.kind is not Kind.BUY_X_GET_Y]


def _rest(item: Item, qty: Decimal, chain: list[Promotion], places: int) -> list[tuple[Promotion, Decimal]]:
    """(promotion, saving) of the chain on the qty units of item that are in no buy-X-get-Y set."""
    if qty <= 0:
        return []
    before = item.amount if qty == item.qty else round_money(item.unit_price * qty, places)
    got = []
    for p in chain:
        cut = p.line_cut(qty, before, places)
        if cut > 0:
            got.append((p, cut))
            before -= cut
    return got


def _line_step(items: list[Item], offers: PromotionSet, live, places: int) -> dict[int, list[Saving]]:
    savings: dict[int, list[Saving]] = {i.key: [] for i in items}
    by_key = {i.key: i for i in items}
    cands = {i.key: [p for p in offers.covering(i.sku, i.category)[0] if p.id in live]
             for i in items if i.promotable and i.amount > 0}
    chains = {key: _chain(by_key[key], found, places) for key, found in cands.items()}
    claimed, bxgy = _buy_x_get_y(items, cands, chains, offers)
    for key in cands:
        item = by_key[key]
        got = bxgy.get(key, []) + _rest(item, item.qty - claimed.get(key, 0), chains[key], places)
        savings[key].extend(_saving(p, amount) for p, amount in got)
    return savings


def _buy_x_get_y(items, cands, chains, offers: PromotionSet):
    """Units each line has in buy-X-get-Y sets, and each line's (promotion, saving) from them."""
    units = {i.key: _units(i) for i in items if i.key in cands}
    eligible: dict[int, list[Item]] = {}
    promos: dict[int, Promotion] = {}
    for item in sorted(items, key=lambda i: (-i.unit_price, i.sku, i.key)):  # ranked once for every offer
        for p in cands[item.key] if units.get(item.key) else ():
            if p.kind is Kind.BUY_X_GET_Y:
                eligible.setdefault(p.id, []).append(item)
                promos[p.id] = p
    reachable = [p for i, p in promos.items() if sum(units[x.key] for x in eligible[i]) >= p.buy + p.get]
    places = offers.places
    pool = _Pool(eligible=eligible, units=units, chains=chains, places=places)
    claimed: dict[int, int] = defaultdict(int)
    shares: dict[int, list] = defaultdict(list)
    for group in _components(reachable, eligible):
        choice = offers.remember(_search_key(group, pool), partial(_search, group, pool))
        for key, n in choice.claimed.items():
            claimed[key] += n
        for p, free, cut in choice.sets:
            keys = list(free)
            for key, amount in zip(keys, allocate(cut, [free[k] for k in keys], places=places)):
                if amount > 0:
                    shares[key].append((p, amount))
    return claimed, shares


def _components(promos: list[Promotion], eligible) -> list[list[Promotion]]:
    """Buy-X-get-Y offers grouped when they share lines (transitively), each group by rank."""
    groups: list[tuple[set[int], list[Promotion]]] = []
    for p in sorted(promos, key=lambda p: p.rank):
        keys = {item.key for item in eligible[p.id]}
        joined = [g for g in groups if g[0] & keys]
        groups = [g for g in groups if not g[0] & keys]
        groups.append((keys.union(*(g[0] for g in joined)), [q for g in joined for q in g[1]] + [p]))
    return sorted((sorted(g[1], key=lambda p: p.rank) for g in groups), key=lambda g: g[0].rank)


@dataclass
class _Pool:
    """What the search over buy-X-get-Y offers works on."""

    eligible: dict[int, list[Item]]  # offer id -> the lines it covers, ranked dearest first
    units: dict[int, int]  # line -> whole units
    chains: dict[int, list[Promotion]]  # line -> its own promotions outside buy X get Y
    places: int
    rest: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (line, units left) -> their saving

    def options(self, p: Promotion) -> tuple[int, ...]:
        """The ways worth trying for offer p: on plain units (2) only when that differs from all (1) and off (0)."""
        plain = sum(self.units[it.key] for it in self.eligible[p.id] if not self.chains.get(it.key))
        whole = sum(self.units[it.key] for it in self.eligible[p.id])
        return (1, 2, 0) if p.buy + p.get <= plain < whole else (1, 0)

    def rest_saving(self, item: Item, left: int) -> Decimal:
        """What the line's own promotions give the `left` units of it that are in no set."""
        found = self.rest.get((item.key, left))
        if found is None:
            got = _rest(item, Decimal(left), self.chains.get(item.key, []), self.places)
            found = self.rest[(item.key, left)] = sum((cut for _p, cut in got), ZERO)
        return found


@dataclass
class _Choice:
    saving: Decimal
    claimed: dict[int, int]
    sets: list[tuple[Promotion, dict[int, Decimal], Decimal]]  # (offer, line -> value of its free units, saving)


def _search_key(group: list[Promotion], pool: _Pool) -> tuple:
    """Everything a search's answer depends on, so a reprice that left these lines alone reuses it."""
    lines = sorted({it.key: it for p in group for it in pool.eligible[p.id]}.values(), key=lambda it: it.key)
    return ("buy_x_get_y", tuple(p.id for p in group), pool.places,
            tuple((it, tuple(p.id for p in pool.chains.get(it.key, ()))) for it in lines))


def _search(group: list[Promotion], pool: _Pool) -> _Choice:
    """The lowest total over each offer being off (0), on all units (1) or on plain units (2)."""
    lines = {item.key: item for p in group for item in pool.eligible[p.id]}
    head, tail = group[:MAX_SEARCH], group[MAX_SEARCH:]
    plan, result = None, None
    for options in itertools.product(*(pool.options(p) for p in head)):
        tried = _try(list(zip(head, options)), lines, pool)
        if result is None or tried.saving > result.saving:
            plan, result = list(zip(head, options)), tried
    for p in tail:  # beyond the exhaustive search: added one by one where it helps
        tries = [(plan + [(p, option)], _try(plan + [(p, option)], lines, pool)) for option in pool.options(p)[:-1]]
        best_plan, best = max(tries, key=lambda t: t[1].saving)  # max keeps the first of equals
        if best.saving > result.saving:
            plan, result = best_plan, best
    return result


def _try(plan, lines: dict[int, Item], pool: _Pool) -> _Choice:
    """What the group's lines save when the offers in plan take their units, in plan order."""
    claimed: dict[int, int] = defaultdict(int)
    sets = []
    total = ZERO
    for p, option in plan:
        if option == 0:
            continue
        ranked = [it for it in pool.eligible[p.id] if option == 1 or not pool.chains.get(it.key)]
        free = _sets(p, ranked, claimed, pool)
        if free:
            cut = p.free_cut(sum(free.values(), ZERO), pool.places)
            sets.append((p, free, cut))
            total += cut
    for key, item in lines.items():  # what the other promotions still give the units left over
        total += pool.rest_saving(item, pool.units[key] - claimed.get(key, 0))
    return _Choice(saving=total, claimed=dict(claimed), sets=sets)


def _sets(p: Promotion, ranked: list[Item], claimed: dict[int, int], pool: _Pool) -> dict[int, Decimal]:
    """Cut the ranked lines' units into sets of buy+get and claim the units of the first sets, as many
    as save most; the value of each line's free units."""
    size = p.buy + p.get
    runs = [(it, n) for it in ranked if (n := pool.units[it.key] - claimed[it.key]) > 0]
    take = sum(n for _it, n in runs) // size
    if any(pool.chains.get(it.key) for it, _n in runs):
        take = _sets_worth_taking(p, runs, take, pool)
    free_value: dict[int, Decimal] = {}
    pos = 0
    for it, n in runs:
        n = min(n, take * size - pos)
        if n <= 0:
            break
        free = p.free_units(pos + n) - p.free_units(pos)
        claimed[it.key] += n
        if free:
            free_value[it.key] = free_value.get(it.key, ZERO) + it.unit_price * free
        pos += n
    return free_value


def _sets_worth_taking(p: Promotion, runs: list[tuple[Item, int]], sets: int, pool: _Pool) -> int:
    """How many of the first sets save most, counting what their units would get outside a set from
    their own promotions (ties: more sets)."""
    size = p.buy + p.get
    left = {it.key: n for it, n in runs}
    best, best_gain, free_total, lost, pos, i, used = 0, ZERO, ZERO, ZERO, 0, 0, 0
    for k in range(1, sets + 1):
        while pos < k * size:  # the units of set k, run by run
            it, n = runs[i]
            m = min(n - used, k * size - pos)
            free_total += it.unit_price * (p.free_units(pos + m) - p.free_units(pos))
            lost += pool.rest_saving(it, left[it.key]) - pool.rest_saving(it, left[it.key] - m)
            left[it.key] -= m
            pos, used = pos + m, used + m
            if used == n:
                i, used = i + 1, 0
        gain = p.free_cut(free_total, pool.places) - lost
        if gain >= best_gain:
            best, best_gain = k, gain
    return best


# --- step 2: spend thresholds and coupons ---------------------------------------------------------

def _basket_step(items, offers: PromotionSet, live, ctx: Context, totals, lines_of, places, notes):
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
        keys = lines_of.get(p.id, [])
        subtotal = sum((totals[k] for k in keys), ZERO)
        cut = p.basket_cut(subtotal, places)
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
    groups: dict[tuple, list] = defaultdict(list)
    for entry in offered:
        groups[("group", entry[0].group) if entry[0].group else ("own", entry[0].id)].append(entry)
    chosen = []
    for entries in groups.values():
        entries.sort(key=lambda e: (-e[1], e[0].rank))
        chosen.append(entries[0])
        for p, _cut, _keys in entries[1:]:
            notes.append(_("{name}: {other} in the same group gives more").format(name=p.name, other=entries[0][0].name))
    return chosen


# --- step 3: gifts --------------------------------------------------------------------------------

def _gift_step(offers: PromotionSet, live, left, lines_of, notes) -> tuple[Gift, ...]:
    offered = []
    for p in offers.gift_level:
        if p.id not in live:
            continue
        subtotal = sum((left[k] for k in lines_of.get(p.id, ())), ZERO)
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
