"""The buy-X-get-Y search (step 1 of posapp.domain.pricing): which offers sharing lines take which
units, so the customer gets the lowest total; see the rules in pricing's docstring and
docs/promotions.md. Pure: no I/O."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from posapp.domain.allocation import allocate
from posapp.domain.money import round_money
from posapp.domain.promotions import Promotion

if TYPE_CHECKING:
    from posapp.domain.pricing import Item

ZERO = Decimal(0)
MAX_SEARCH = 4  # buy-X-get-Y offers sharing units that are searched exhaustively (3**4 tries)


def units_of(item: Item) -> int:
    return int(item.qty) if item.pieces and item.qty == item.qty.to_integral_value() else 0


def rest(item: Item, qty: Decimal, chain, places: int) -> list[tuple[Promotion, Decimal]]:
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


def components(promos: list[Promotion], eligible) -> list[list[Promotion]]:
    """Buy-X-get-Y offers grouped when they share lines (transitively), each group by rank."""
    parent = {p.id: p.id for p in promos}

    def root(pid: int) -> int:
        while parent[pid] != pid:
            parent[pid] = pid = parent[parent[pid]]
        return pid

    first: dict[int, int] = {}  # line -> the first offer seen on it
    for p in promos:
        for item in eligible[p.id]:
            other = first.setdefault(item.key, p.id)
            a, b = root(p.id), root(other)
            if a != b:
                parent[a] = b
    groups: dict[int, list[Promotion]] = defaultdict(list)
    for p in sorted(promos, key=lambda p: p.rank):
        groups[root(p.id)].append(p)
    return sorted(groups.values(), key=lambda g: g[0].rank)


@dataclass
class Pool:
    """What the search over buy-X-get-Y offers works on."""

    eligible: dict[int, list[Item]]  # offer id -> the lines it covers, ranked dearest first
    units: dict[int, int]  # line -> whole units
    chains: dict[int, tuple[Promotion, ...]]  # line -> its own promotions outside buy X get Y
    places: int
    live: frozenset[int]  # the promotions running
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
            got = rest(item, Decimal(left), self.chains.get(item.key, ()), self.places)
            found = self.rest[(item.key, left)] = sum((cut for _p, cut in got), ZERO)
        return found


@dataclass
class Choice:
    saving: Decimal  # what the group's lines save against their units all being in no set
    claimed: dict[int, int]
    sets: list[tuple[Promotion, dict[int, Decimal], Decimal]]  # (offer, line -> value of its free units, saving)
    got: dict[int, list[tuple[Promotion, Decimal]]] = field(default_factory=dict)  # line -> (offer, saving), then its own


def search_key(group: list[Promotion], pool: Pool) -> tuple:
    """Everything a search's answer depends on, so a reprice that left these lines alone reuses it
    (each line's own promotions follow from the line and the promotions running)."""
    lines = sorted({it.key: it for p in group for it in pool.eligible[p.id]}.values(), key=lambda it: it.key)
    return ("buy_x_get_y", tuple(p.id for p in group), pool.places, pool.live, tuple(lines))


def search(group: list[Promotion], pool: Pool) -> Choice:
    """The lowest total over each offer being off (0), on all units (1) or on plain units (2): every
    combination for the first MAX_SEARCH offers (walked depth first, so combinations share the work
    of the offers they start with, and an option that leaves the same units as one tried before it
    is not walked again: it can only tie, and the first of equals wins), then the others one by one
    where they help."""
    lines = {item.key: item for p in group for item in pool.eligible[p.id]}
    head, tail = group[:MAX_SEARCH], group[MAX_SEARCH:]
    best: list[State] = []

    def walk(i: int, state: State) -> None:
        if i == len(head):
            if not best or state.saving(lines, pool) > best[0].saving(lines, pool):
                best[:] = [state]
            return
        seen: list[State] = []
        for option in pool.options(head[i]):
            after = state.then(head[i], option, pool)
            if not any(after.same(other) for other in seen):
                seen.append(after)
                walk(i + 1, after)

    walk(0, State(claimed={}, sets=(), cut=ZERO))
    state = best[0]
    for p in tail:  # beyond the exhaustive search: added one by one where it helps
        tries = [state.then(p, option, pool) for option in pool.options(p)[:-1]]
        found = max(tries, key=lambda t: t.saving(lines, pool))  # max keeps the first of equals
        if found.saving(lines, pool) > state.saving(lines, pool):
            state = found
    result = Choice(saving=state.saving(lines, pool), claimed=state.claimed, sets=list(state.sets))
    got = result.got
    for key in state.claimed:
        got[key] = []
    for p, free, cut in result.sets:  # each set's saving shared over the lines of its free units
        keys = list(free)
        for key, amount in zip(keys, allocate(cut, [free[k] for k in keys], places=pool.places)):
            if amount > 0:
                got[key].append((p, amount))
    for key, n in state.claimed.items():  # then what the line's own promotions give its other units
        item = lines[key]
        got[key] += rest(item, item.qty - n, pool.chains.get(key, ()), pool.places)
    return result


@dataclass
class State:
    """Where a search stands after some offers took their units."""

    claimed: dict[int, int]  # line -> its units in sets
    sets: tuple[tuple[Promotion, dict[int, Decimal], Decimal], ...]  # (offer, line -> value of its free units, saving)
    cut: Decimal  # what the sets take off
    _saving: Decimal | None = None

    def then(self, p: Promotion, option: int, pool: Pool) -> State:
        """The state after offer p takes its units: off (0), on all units (1), on plain units (2)."""
        if option == 0:
            return self
        ranked = [it for it in pool.eligible[p.id] if option == 1 or not pool.chains.get(it.key)]
        claimed = dict(self.claimed)
        free = _sets(p, ranked, claimed, pool)
        if not free:
            return self
        cut = p.free_cut(sum(free.values(), ZERO), pool.places)
        return State(claimed=claimed, sets=(*self.sets, (p, free, cut)), cut=self.cut + cut)

    def same(self, other: State) -> bool:
        return self is other or (self.claimed == other.claimed and self.sets == other.sets)

    def saving(self, lines: dict[int, Item], pool: Pool) -> Decimal:
        """What the lines save against all their units being in no set: the sets' savings, less what
        the other promotions no longer give the units in them (the same difference for every state
        as comparing whole totals)."""
        if self._saving is None:
            total = self.cut
            for key, n in self.claimed.items():
                item = lines[key]
                total += pool.rest_saving(item, pool.units[key] - n) - pool.rest_saving(item, pool.units[key])
            self._saving = total
        return self._saving


def _sets(p: Promotion, ranked: list[Item], claimed: dict[int, int], pool: Pool) -> dict[int, Decimal]:
    """Cut the ranked lines' units into sets of buy+get and claim the units of the first sets, as many
    as save most; the value of each line's free units."""
    size = p.buy + p.get
    runs = [(it, n) for it in ranked if (n := pool.units[it.key] - claimed.get(it.key, 0)) > 0]
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
        claimed[it.key] = claimed.get(it.key, 0) + n
        if free:
            free_value[it.key] = free_value.get(it.key, ZERO) + it.unit_price * free
        pos += n
    return free_value


def _sets_worth_taking(p: Promotion, runs: list[tuple[Item, int]], sets: int, pool: Pool) -> int:
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
