"""Stock counts (盘点): start one for the store, some categories or some locations; count by scanning
or typing from any terminal (entries of several counters add up); review the variances; recount
lines; approve, which posts the variances as "count" movements in one transaction.

How the expected quantity of a line is worked out while the shop keeps selling: posapp.domain.stock.
Who may do what: counting needs stock_count (every cashier); starting, reviewing, recounting,
approving and cancelling need approve_stock_count (managers). Counters never see expected quantities
of a blind count: the services they call do not return them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from posapp.domain.barcode import parse_scan
from posapp.domain.catalog import in_categories
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.money import qty_from_milli, qty_to_milli
from posapp.domain.stock import (CountEntry, CountReview, CountScope, StockCount, check_location, count_totals,
                                 parse_qty)
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services.station import Station
from posapp.services.stock import announce
from posapp.storage.stock_repo import MovementWrite

CLAIM_TIMEOUT = timedelta(minutes=10)  # an approval claim older than this was left by a crash


@dataclass(frozen=True)
class EntryResult:
    entry: CountEntry
    message: str  # what the counter is told ("+1 牛奶 (3 so far)", "unknown barcode: listed for the manager")
    problem: str = ""


@dataclass(frozen=True)
class Approved:
    count: StockCount
    posted: int  # lines whose adjustment was not zero
    review: CountReview
    changes: frozenset[str] = frozenset({"stock", "counts"})


def _scope(uow, categories, locations) -> CountScope:
    known = uow.catalog.category_ids()
    paths = []
    for path in categories or ():
        path = "/".join(part.strip() for part in str(path).split("/") if part.strip())
        if path not in known:
            raise NotFound(_("No category {path}").format(path=path))
        paths.append(path)
    locs = tuple(dict.fromkeys(check_location(x) for x in (locations or ("sellable",))))
    return CountScope(categories=tuple(sorted(set(paths))), locations=locs)


def _overlaps(a: CountScope, b: CountScope) -> bool:
    if not set(a.locations) & set(b.locations):
        return False
    if not a.categories or not b.categories:
        return True
    return any(in_categories(x, [y]) or in_categories(y, [x]) for x in a.categories for y in b.categories)


def _get(uow, number: str, *, sizes: bool = False) -> StockCount:
    count = uow.counts.get_count(str(number or "").strip().upper(), sizes=sizes)
    if count is None:
        raise NotFound(_("No stock count {number}").format(number=number))
    return count


def start_count(uow, station: Station, *, actor: User, categories=(), locations=("sellable",), blind: bool = True,
                note: str = "", at: datetime | None = None, approval: Approval | None = None) -> StockCount:
    """Record what is on hand now for everything in scope. A product cannot be in two open counts."""
    at = at or utcnow()
    note = " ".join(str(note or "").split())[:200]
    with uow:
        approver_id = require(uow, actor, Permission.APPROVE_STOCK_COUNT, approval)
        user = current(uow, actor)
        scope = _scope(uow, categories, locations)
        for other in uow.counts.open_scopes(station.store_code):
            if _overlaps(scope, other.scope):
                raise ValidationError(_("Count {number} is still open for some of the same products; approve or "
                                        "cancel it first").format(number=other.number))
        number = f"C-{station.store_code}-{uow.sales.next_number(f'count:{station.store_code}'):06d}"
        count_id = uow.counts.add_count(number=number, store_code=station.store_code, scope=scope, blind=blind,
                                        user_id=user.id or None, at=at, note=note)
        ids = _category_ids(uow, scope)
        lines = sum(uow.counts.snapshot(count_id, store_code=station.store_code, location=loc, category_ids=ids)
                    for loc in scope.locations)
        audit(uow, station, actor=user, action="stock_count_started", approver_id=approver_id,
              detail={"count": number, "scope": scope.as_dict(), "blind": blind, "lines": lines})
        uow.commit()
    return uow.counts.get_count(number)


def _category_ids(uow, scope: CountScope) -> list[int] | None:
    if not scope.categories:
        return None
    return sorted(cid for path, cid in uow.catalog.category_ids().items() if in_categories(path, scope.categories))


def _find_product(uow, station: Station, code: str, sku: str):
    """(product, code, weight or None, problem). A malformed barcode is refused; a well-formed one the
    catalog does not know is a problem entry."""
    if sku:
        product = uow.catalog.by_sku(sku.strip())
        if product is None:
            raise NotFound(_("No product has SKU {sku}").format(sku=sku))
        return product, sku.strip(), None, ""
    scanned = parse_scan(code, rules=station.embedded_rules)
    product = uow.catalog.by_barcode(scanned.key)
    weight = scanned.embedded.value if scanned.embedded and scanned.embedded.kind == "weight" else None
    if product is None:
        return None, scanned.key, weight, "unknown"
    return product, scanned.key, weight, ""


def record_entry(uow, station: Station, *, actor: User, number: str, code: str = "", sku: str = "",
                 qty=None, location: str = "sellable", at: datetime | None = None) -> EntryResult:
    """One scan (adds one, or a weighed item's weight) or one typed quantity, by any counter."""
    location = check_location(location)
    if not (code or sku):
        raise ValidationError(_("Scan a barcode or type a SKU"))
    at = at or utcnow()
    with uow:
        require(uow, actor, Permission.STOCK_COUNT)
        user = current(uow, actor)
        count = _get(uow, number)
        _must_be_open(uow, count)
        product, key, weight, problem = _find_product(uow, station, code, sku)
        weighed = bool(product and product.weighed)
        if qty is None or str(qty).strip() == "":
            if weighed and not weight:  # the scale label's own code carries no weight (or 0)
                raise ValidationError(_("{name} is sold by weight: weigh it and type the weight").format(
                    name=product.name))
            amount = weight if weighed else Decimal(1)
        else:
            amount = parse_qty(qty, weighed=weighed, allow_zero=True)  # typed 0: looked, found none
        if product is not None and location not in count.scope.locations:
            problem = "out_of_scope"
        elif product is not None and count.scope.categories and not in_categories(product.category,
                                                                                   count.scope.categories):
            problem = "out_of_scope"
        line = None
        if product is not None and not problem:
            line = uow.counts.line_of(count.id, product.id, location)
            if line is None:  # in scope but not in the snapshot: new, or inactive without stock
                uow.counts.add_line(count.id, product.id, location, snapshot_milli=uow.counts.ledger_at_start(
                    count.id, station.store_code, product.id, location))
                line = uow.counts.line_of(count.id, product.id, location)
        round_ = line[1] if line else 1
        entry_id = uow.counts.add_entry(count_id=count.id, product_id=product.id if product else None, code=key,
                                        location=location, qty_milli=qty_to_milli(amount), round_=round_,
                                        problem=problem, user_id=user.id or None,
                                        terminal_code=station.terminal_code, at=at)
        total = (qty_from_milli(uow.counts.line_total(count.id, product.id, location, round_))
                 if line else None)
        uow.commit()
    entry = CountEntry(id=entry_id, product_id=product.id if product else None, sku=product.sku if product else "",
                       name=product.name if product else "", code=key, location=location, qty=amount,
                       line_total=total, problem=problem, at=at)
    return EntryResult(entry=entry, problem=problem, message=_entry_message(entry, product))


def _entry_message(entry: CountEntry, product) -> str:
    if entry.problem == "unknown":
        return _("Unknown barcode {code}: listed for the manager").format(code=entry.code)
    if entry.problem == "out_of_scope":
        return _("{name} is not in this count: listed for the manager").format(name=product.name)
    return _("+{qty} {name} ({total} counted)").format(qty=entry.qty, name=entry.name, total=entry.line_total)


def _must_be_open(uow, count: StockCount) -> None:
    status = uow.counts.lock_for_entry(count.id)
    if status == "approving":
        raise ValidationError(_("Count {number} is being approved: counting has stopped").format(number=count.number))
    if status != "open":
        raise ValidationError(_("Count {number} is {status}: it can no longer be changed").format(
            number=count.number, status=_(status)))


def void_entry(uow, station: Station, *, actor: User, number: str, entry_id: int) -> None:
    """Take back a mistaken entry: one's own, or anyone's with approve_stock_count. Kept, marked void."""
    with uow:
        require(uow, actor, Permission.STOCK_COUNT)
        user = current(uow, actor)
        count = _get(uow, number)
        _must_be_open(uow, count)
        row = uow.counts.entry(int(entry_id))
        if row is None or row[0] != count.id:
            raise NotFound(_("No entry {id} in count {number}").format(id=entry_id, number=count.number))
        if row[2] is not None:
            raise ValidationError(_("Entry {id} was already taken back").format(id=entry_id))
        if row[1] != (user.id or None):
            require(uow, user, Permission.APPROVE_STOCK_COUNT)
        uow.counts.void_entry(int(entry_id), user.id or None)
        audit(uow, station, actor=user, action="stock_count_entry_voided", detail={"count": count.number,
                                                                                  "entry": int(entry_id)})
        uow.commit()


def my_entries(uow, *, actor: User, number: str, everyone: bool = False, limit: int = 50) -> list[CountEntry]:
    """A counter's latest entries with the line's running total (what they counted, never what was
    expected). everyone: all counters' entries (approve_stock_count)."""
    require(uow, actor, Permission.APPROVE_STOCK_COUNT if everyone else Permission.STOCK_COUNT)
    count = _get(uow, number)
    rows = uow.counts.entries(count.id, user_id=actor.id or None, everyone=everyone, limit=limit)
    return [CountEntry(id=r[0], product_id=r[1], sku=r[2], name=r[3], code=r[4], location=r[5],
                       qty=qty_from_milli(int(r[6])), line_total=None if r[7] else qty_from_milli(int(r[10])),
                       problem=r[7], at=r[8] if isinstance(r[8], datetime) else datetime.fromisoformat(str(r[8])),
                       voided=bool(r[9])) for r in rows]


def counts(uow, station: Station, *, actor: User, status: str = "open") -> list[StockCount]:
    """open (open and being approved), approved, cancelled, or all. Counters see the open ones."""
    require(uow, actor, Permission.STOCK_COUNT)
    statuses = {"open": ("open", "approving"), "all": ()}.get(status, (status,))
    return uow.counts.of_store(station.store_code, statuses=statuses)


def recount_list(uow, *, actor: User, number: str) -> list[tuple[str, str, str]]:
    """What the manager asked to count again (sku, name, location), for counters."""
    require(uow, actor, Permission.STOCK_COUNT)
    return [tuple(r) for r in uow.counts.recount_list(_get(uow, number).id)]


def review_count(uow, *, actor: User, number: str, now: datetime | None = None) -> CountReview:
    """Every line with expected, counted and variance in units and value; totals; problem entries."""
    require(uow, actor, Permission.APPROVE_STOCK_COUNT)
    count = _get(uow, number, sizes=True)
    until = count.approved_at or now or utcnow()
    lines = tuple(uow.counts.review(count, until=until))
    return CountReview(count=count, lines=lines, problems=tuple(uow.counts.problems(count.id)),
                       totals=count_totals(lines))


def recount(uow, station: Station, *, actor: User, number: str, items: list[tuple[int, str]],
            approval: Approval | None = None) -> int:
    """Ask for chosen lines (product id, location) to be counted again: their entries so far stop counting."""
    if not items:
        raise ValidationError(_("Choose the lines to count again"))
    with uow:
        approver_id = require(uow, actor, Permission.APPROVE_STOCK_COUNT, approval)
        user = current(uow, actor)
        count = _get(uow, number)
        _must_be_open(uow, count)
        for pid, loc in items:
            if uow.counts.line_of(count.id, int(pid), loc) is None:
                raise NotFound(_("Product {id} at {location} is not a line of count {number}").format(
                    id=pid, location=loc, number=count.number))
        n = uow.counts.recount(count.id, [(int(pid), loc) for pid, loc in items])
        audit(uow, station, actor=user, action="stock_count_recount", approver_id=approver_id,
              detail={"count": count.number, "lines": [[int(p), loc] for p, loc in items][:100]})
        uow.commit()
    return n


def approve_count(uow, station: Station, *, actor: User, number: str, uncounted: str = "keep",
                  at: datetime | None = None, approval: Approval | None = None) -> Approved:
    """Post every counted line's variance as a "count" movement, in one transaction, and close the
    count for good. uncounted: keep (lines nobody counted stay as they are: a partial count) or zero
    (nothing was found: they go to 0). Refused if the count was approved, cancelled, or someone else
    is approving it. With a manager's approval, the count is approved in the manager's name and the
    audit names both."""
    if uncounted not in ("keep", "zero"):
        raise ValidationError(_("Lines not counted must be kept or set to zero"))
    at = at or utcnow()
    with uow:
        approver_id = require(uow, actor, Permission.APPROVE_STOCK_COUNT, approval)
        user = current(uow, actor)
        owner = current(uow, approval.approver) if approver_id else user  # whose approval the count carries
        count = _get(uow, number)
        if count.status == "approved":
            raise ValidationError(_("Count {number} was already approved by {name}").format(
                number=count.number, name=count.approved_by))
        if not uow.counts.claim(count.id, user_id=owner.id or None, now=at, stale_before=at - CLAIM_TIMEOUT):
            fresh = uow.counts.get_count(count.number)
            if fresh.status == "approving":
                raise ValidationError(_("{name} is approving count {number} now").format(
                    name=fresh.approving_by, number=count.number))
            raise ValidationError(_("Count {number} is {status}: it can no longer be changed").format(
                number=count.number, status=_(fresh.status)))
        uow.commit()  # the claim stands on its own: counting stops, a second approver is told who
    try:
        return _post_count(uow, station, user=user, owner=owner, approver_id=approver_id, count=count,
                           uncounted=uncounted, at=at)
    except BaseException:
        with uow:
            uow.counts.release(count.id, user_id=owner.id or None)
            uow.commit()
        raise


def _post_count(uow, station: Station, *, user: User, owner: User, approver_id: int | None, count: StockCount,
                uncounted: str, at: datetime) -> Approved:
    claimed = at
    with uow:
        lines = uow.counts.review(count, until=at)
        ref = f"count:{count.number}"
        posted = []
        for ln in lines:
            if ln.counted is not None:
                delta = ln.variance
            elif uncounted == "zero":
                delta = -ln.expected
            else:
                continue
            posted.append((ln.product_id, ln.location, qty_to_milli(delta)))
        moves = [MovementWrite(product_id=pid, qty_milli=q, reason="count", location=loc, ref=ref)
                 for pid, loc, q in posted if q]
        uow.stock.post(moves, store_code=station.store_code, at=at, user_id=user.id or None)
        uow.counts.set_posted(count.id, posted)
        announce(uow, station, ref=ref, reason="count", moves=moves, at=at)
        totals = count_totals(lines)
        if not uow.counts.finish(count.id, user_id=owner.id or None, now=at, status="approved",
                                 note=f"uncounted={uncounted}", claimed=claimed):
            raise ValidationError(_("Count {number} changed while it was being approved").format(number=count.number))
        audit(uow, station, actor=user, action="stock_count_approved", approver_id=approver_id,
              detail={"count": count.number, "adjusted": len(moves), "counted": totals.counted,
                      "not_counted": totals.not_counted, "uncounted": uncounted,
                      "gain": str(totals.gain_value), "loss": str(totals.loss_value)})
        uow.commit()
    fresh = uow.counts.get_count(count.number)
    done = {(pid, loc): qty_from_milli(q) for pid, loc, q in posted}
    review_lines = tuple(replace(ln, posted=done.get((ln.product_id, ln.location))) for ln in lines)
    return Approved(count=fresh, posted=len(moves),
                    review=CountReview(count=fresh, lines=review_lines, problems=tuple(uow.counts.problems(count.id)),
                                       totals=totals))


def cancel_count(uow, station: Station, *, actor: User, number: str, reason: str,
                 approval: Approval | None = None) -> StockCount:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError(_("Say why the count is cancelled"))
    with uow:
        approver_id = require(uow, actor, Permission.APPROVE_STOCK_COUNT, approval)
        user = current(uow, actor)
        count = _get(uow, number)
        now = utcnow()
        if not uow.counts.finish(count.id, user_id=user.id or None, now=now, status="cancelled", note=reason[:200],
                                 stale_before=now - CLAIM_TIMEOUT):
            raise ValidationError(_("Count {number} is {status}: it can no longer be changed").format(
                number=count.number, status=_(count.status)))
        audit(uow, station, actor=user, action="stock_count_cancelled", approver_id=approver_id, detail={"count": count.number,
                                                                               "reason": reason})
        uow.commit()
    return uow.counts.get_count(count.number)
