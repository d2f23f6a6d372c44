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

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from operator import attrgetter, sub
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from posapp.domain import bxgy
from posapp.domain.allocation import allocate, allocate_minor  # noqa: F401 (allocate: re-exported)
from posapp.domain.allocation import minor_units as _minor
from posapp.domain.bxgy import rest, units_of
from posapp.domain.money import from_minor
from posapp.domain.promotions import Kind, Promotion, PromotionSet, normal_coupon
from posapp.i18n import N_, _

ZERO = Decimal(0)


class Item(NamedTuple):
    """A basket line as the engine sees it (a named tuple: cheap to hash, as the engine's caches do
    on every reprice)."""

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


class Saving(NamedTuple):
    """What one promotion takes off (a line, a line's share, or the basket). A named tuple: a reprice
    makes hundreds of them."""

    promotion_id: int
    code: str
    name: str
    kind: Kind
    amount: Decimal

    @property
    def level(self) -> str:
        return self.kind.level


class PricedLine:
    """A line's promotions and what is left of it. The basket promotions' shares stay in the basket's
    split (minor units, per promotion) and are made Savings when asked for: a reprice splits every
    basket promotion over the whole basket again, and the till only shows the line promotions."""

    __slots__ = ("key", "line_savings", "total", "net", "places", "_splits")

    def __init__(self, key: int, line_savings: tuple[Saving, ...], total: Decimal, net: Decimal,
                 splits: tuple[tuple[Saving, dict[int, int]], ...] = (), places: int = 2):
        self.key = key
        self.line_savings = line_savings  # line promotions
        self.total = total  # amount - line promotions
        self.net = net  # total - basket promotions' shares
        self.places = places
        self._splits = splits  # (a basket promotion's saving, line -> its share in minor units)

    @property
    def shares(self) -> tuple[tuple[Saving, int], ...]:
        """(basket promotion's saving, this line's share of it in minor units), for those it has a share of."""
        return tuple((whole, split[self.key]) for whole, split in self._splits if split.get(self.key))

    @property
    def savings(self) -> tuple[Saving, ...]:
        """Line promotions, then the basket promotions' shares."""
        return self.line_savings + tuple(s._replace(amount=from_minor(m, self.places)) for s, m in self.shares)

    @property
    def line_saving(self) -> Decimal:
        return sum((s.amount for s in self.line_savings), ZERO)

    def _fields(self) -> tuple:
        return (self.key, self.line_savings, self.shares, self.total, self.net, self.places)

    def __eq__(self, other) -> bool:
        return isinstance(other, PricedLine) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"PricedLine(key={self.key}, savings={self.savings!r}, total={self.total!r}, net={self.net!r})"


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
    reasons: tuple[tuple[str, dict], ...]  # (message, its values): why promotions in reach did not apply

    @property
    def notes(self) -> tuple[str, ...]:
        """Why promotions that were in reach did not apply (for the simulator), in the current language
        (worked out when asked for: the till reprices on every scan and does not show them)."""
        return tuple(_(message).format(**values) for message, values in self.reasons)

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
    # By SKU, then line number: the order every tie-break below follows (so scan order changes nothing).
    ordered = sorted(items, key=_BY_SKU)
    alone = {i.key: _alone(i, offers, live) for i in items}
    line_savings, totals, minor = _line_step(ordered, alone, offers, live)
    lines_of = _lines_of(ordered, offers)
    splits, basket_applied, left = _basket_step(offers, live, ctx, minor, lines_of, places, notes)
    gifts = _gift_step(offers, live, left, lines_of, places, notes)
    if splits:
        lines = {i.key: PricedLine(i.key, line_savings[i.key], totals[i.key], from_minor(left[i.key], places),
                                   splits, places) for i in items}
    else:
        lines = {i.key: PricedLine(i.key, line_savings[i.key], totals[i.key], totals[i.key], (), places)
                 for i in items}
    applied = _sum_line_savings(line_savings, offers) + basket_applied + tuple(g.saving for g in gifts)
    return Pricing(lines=lines, gifts=gifts, applied=applied, reasons=tuple(notes))


_BY_SKU = attrgetter("sku", "key")
_PRICE = attrgetter("unit_price")


def _lines_of(ordered: list[Item], offers: PromotionSet) -> dict[int, list[int]]:
    """The lines each basket promotion and gift covers, by SKU (so a tied minor unit goes to the same
    product whatever the scan order), then line number (ordered comes in that order)."""
    every = [i.key for i in ordered]
    found: dict[int, list[int]] = {pid: every for pid in offers.everywhere}
    for item in ordered:
        for p in offers.covering(item.sku, item.category)[1]:
            found.setdefault(p.id, []).append(item.key)
    return found


def _sum_line_savings(line_savings: dict[int, tuple[Saving, ...]], offers: PromotionSet) -> tuple[Saving, ...]:
    """One saving per line promotion used, with its total, by rank."""
    amounts: dict[int, Decimal] = {}
    first: dict[int, Saving] = {}
    for savings in line_savings.values():
        for s in savings:
            pid = s.promotion_id
            if pid in amounts:
                amounts[pid] += s.amount
            else:
                amounts[pid], first[pid] = s.amount, s
    ranked = sorted(amounts, key=lambda pid: offers.by_id[pid].rank)
    return tuple(first[pid]._replace(amount=amounts[pid]) for pid in ranked)


# --- step 1: line promotions ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Alone:
    """What a line gets from its own promotions outside buy X get Y, for one set of running promotions
    (kept per line, so a reprice after a scan works these out for the scanned line only)."""

    cands: tuple[Promotion, ...]  # the running line promotions that may apply to it
    chain: tuple[Promotion, ...]  # its promotions outside buy X get Y (see _chain)
    bxgy: tuple[Promotion, ...]  # the buy-X-get-Y offers its whole units may be in
    savings: tuple[Saving, ...]  # the chain's savings on every unit
    total: Decimal  # the line's amount less those savings
    minor: int  # total in minor units


def _alone(item: Item, offers: PromotionSet, live: frozenset[int]) -> _Alone:
    key = ("alone", item, live)
    found = offers.remembered(key)
    if found is None:
        found = offers.remember(key, partial(_work_alone, item, offers, live))
    return found


def _work_alone(item: Item, offers: PromotionSet, live: frozenset[int]) -> _Alone:
    if not (item.promotable and item.amount > 0):
        return _Alone(cands=(), chain=(), bxgy=(), savings=(), total=item.amount,
                      minor=_minor(item.amount, offers.places))
    places = offers.places
    cands = tuple(p for p in offers.covering(item.sku, item.category)[0] if p.id in live)
    chain = tuple(_chain(item, cands, places))
    got = rest(item, item.qty, chain, places)
    offers_in_sets = tuple(p for p in cands if p.kind is Kind.BUY_X_GET_Y) if units_of(item) else ()
    total = item.amount - sum((cut for _p, cut in got), ZERO)
    return _Alone(cands=cands, chain=chain, bxgy=offers_in_sets, savings=tuple(_saving(p, cut) for p, cut in got),
                  total=total, minor=_minor(total, places))


def _chain(item: Item, found, places: int) -> list[Promotion]:
    """The line's promotions outside buy X get Y: the single one that saves most, then stackables."""
    single = [(p, p.line_cut(item.qty, item.amount, places)) for p in found
              if p.kind is not Kind.BUY_X_GET_Y and not p.stackable]
    best = min(single, key=lambda e: (-e[1], e[0].rank), default=None)
    head = [best[0]] if best is not None and best[1] > 0 else []
    return head + [p for p in found if p.stackable and p.kind is not Kind.BUY_X_GET_Y]


def _line_step(items: list[Item], alone: dict[int, _Alone], offers: PromotionSet, live: frozenset[int]):
    """Each line's line-promotion savings, and its total after them (as a Decimal and in minor units)."""
    in_sets = _buy_x_get_y(items, alone, offers, live)
    savings: dict[int, tuple[Saving, ...]] = {}
    totals: dict[int, Decimal] = {}
    minor: dict[int, int] = {}
    for item in items:
        done = in_sets.get(item.key)
        if done is None:  # no unit in a set: what it gets alone
            own = alone[item.key]
            savings[item.key], totals[item.key], minor[item.key] = own.savings, own.total, own.minor
        else:
            savings[item.key], totals[item.key], minor[item.key] = done
    return savings, totals, minor


def _buy_x_get_y(items: list[Item], alone: dict[int, _Alone], offers: PromotionSet, live: frozenset[int]):
    """The (savings, total) of each line with units in buy-X-get-Y sets."""
    in_reach = [i for i in items if alone[i.key].bxgy]
    if not in_reach:
        return {}
    units = {i.key: units_of(i) for i in in_reach}
    eligible: dict[int, list[Item]] = {}
    promos: dict[int, Promotion] = {}
    # Ranked once for every offer: dearest first, then (a stable sort of lines by SKU) by SKU and line.
    for item in sorted(in_reach, key=_PRICE, reverse=True):
        for p in alone[item.key].bxgy:
            eligible.setdefault(p.id, []).append(item)
            promos[p.id] = p
    reachable = [p for i, p in promos.items() if sum(units[x.key] for x in eligible[i]) >= p.buy + p.get]
    pool = bxgy.Pool(eligible=eligible, units=units, chains={k: alone[k].chain for k in units}, places=offers.places,
                 live=live)
    done: dict[int, tuple[tuple[Saving, ...], Decimal, int]] = {}
    for group in bxgy.components(reachable, eligible):  # the groups share no line
        done.update(offers.remember(bxgy.search_key(group, pool), partial(_decided, group, pool)))
    return done


def _decided(group: list[Promotion], pool: bxgy.Pool) -> dict[int, tuple[tuple[Saving, ...], Decimal, int]]:
    """The search's answer for a group, as each line's (savings, total, total in minor units) (kept
    in the promotion set, so a reprice that left the group's lines alone reuses it)."""
    lines = {item.key: item for p in group for item in pool.eligible[p.id]}
    done = {}
    for key, got in bxgy.search(group, pool).got.items():
        total = lines[key].amount - sum((amount for _p, amount in got), ZERO)
        done[key] = (tuple(_saving(p, amount) for p, amount in got), total, _minor(total, pool.places))
    return done


# --- step 2: spend thresholds and coupons ---------------------------------------------------------

_NO_LINES: tuple[int, ...] = ()


def _subtotal(keys, amounts: dict[int, int], sums: dict[int, int]) -> int:
    """What the lines in keys come to, in minor units; worked out once per list (every promotion on the
    whole basket shares one list of lines)."""
    found = sums.get(id(keys))
    if found is None:
        found = sums[id(keys)] = sum([amounts[k] for k in keys])
    return found


def _basket_step(offers: PromotionSet, live, ctx: Context, minor: dict[int, int], lines_of, places, notes):
    """The basket promotions that apply, each split over its lines: (its saving, line -> share in minor
    units); one saving per promotion applied; and what is left of each line, in minor units."""
    offered: list[tuple[Promotion, Decimal, list[int]]] = []
    sums: dict[int, int] = {}
    for p in offers.basket_with({normal_coupon(c) for c in ctx.coupons}):
        if p.id not in live:
            if p.kind is Kind.COUPON:
                notes.append((N_("{name}: coupon {code} is not valid now"), dict(name=p.name, code=p.coupon_code)))
            continue
        keys = lines_of.get(p.id, _NO_LINES)
        subtotal = from_minor(_subtotal(keys, minor, sums), places)
        cut = p.basket_cut(subtotal, places)
        if cut <= 0:
            notes.append((N_("{name}: not reached (eligible subtotal {amount})"), dict(name=p.name, amount=subtotal)))
            continue
        offered.append((p, cut, keys))
    chosen = _one_per_group(offered, notes)
    left = dict(minor)
    splits, applied = [], []
    for p, cut, keys in sorted(chosen, key=lambda c: c[0].rank):
        parts = [left[k] for k in keys]
        units = min(_minor(cut, places), sum(parts))
        if units <= 0:
            continue
        shares = allocate_minor(units, parts)
        left.update(zip(keys, map(sub, parts, shares)))
        whole = _saving(p, from_minor(units, places))
        splits.append((whole, dict(zip(keys, shares))))
        applied.append(whole)
    return tuple(splits), tuple(applied), left


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
            notes.append((N_("{name}: {other} in the same group gives more"), dict(name=p.name, other=entries[0][0].name)))
    return chosen


# --- step 3: gifts --------------------------------------------------------------------------------

def _gift_step(offers: PromotionSet, live, left: dict[int, int], lines_of, places, notes) -> tuple[Gift, ...]:
    offered = []
    sums: dict[int, int] = {}
    for p in offers.gift_level:
        if p.id not in live:
            continue
        subtotal = from_minor(_subtotal(lines_of.get(p.id, _NO_LINES), left, sums), places)
        if subtotal < p.threshold:
            notes.append((N_("{name}: not reached (eligible subtotal {amount})"), dict(name=p.name, amount=subtotal)))
            continue
        unit = offers.gift_prices.get(p.gift_sku)
        if unit is None:
            notes.append((N_("{name}: the gift {sku} is not in the catalog"), dict(name=p.name, sku=p.gift_sku)))
            continue
        offered.append((p, unit * p.gift_qty, unit))
    gifts = []
    for p, value, unit in sorted(_one_per_group(offered, notes), key=lambda c: c[0].rank):
        gifts.append(Gift(saving=_saving(p, value), sku=p.gift_sku, qty=p.gift_qty, unit_price=unit))
    return tuple(gifts)


