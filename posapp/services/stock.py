"""Stock work in the back office: receiving deliveries, adjustments and write-offs, transfers between
locations, reorder levels and costs, the low-stock and below-zero lists, and the ledger check.

Each is one transaction: the document, its movements (the trigger moves the cached levels), the
product's new cost, an outbox event that tells the online shop how its stock changed (sellable
stock only, as deltas), and the audit row."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.money import qty_to_milli, to_minor
from posapp.domain.stock import (ADJUST_REASONS, DocLine, Movement, StockDoc, StockLevel, check_location,
                                 check_reason, moving_average_cost)
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services.station import Station
from posapp.storage.stock_repo import LedgerMismatch, MovementWrite

STOCK_TOPIC = "stock.adjusted"
EVENT_LINES = 100  # products per outbox event (the shop's batch endpoint takes 100 at most)
MAX_DOC_LINES = 5000
MAX_TEXT = 200


@dataclass(frozen=True)
class LedgerCheck:
    mismatches: tuple[LedgerMismatch, ...]
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.mismatches


def announce(uow, station: Station, *, ref: str, reason: str, moves: list[MovementWrite], at: datetime) -> int:
    """Queue the sellable part of these movements for the online shop, as deltas per product, in the
    same transaction as the movements. Returns how many events were queued."""
    deltas: dict[int, int] = {}
    for m in moves:
        if m.location == "sellable" and m.qty_milli:
            deltas[m.product_id] = deltas.get(m.product_id, 0) + m.qty_milli
    ids = sorted(pid for pid, q in deltas.items() if q)
    skus = uow.stock.skus_of(ids)
    events = 0
    for part, start in enumerate(range(0, len(ids), EVENT_LINES), start=1):
        chunk = ids[start:start + EVENT_LINES]
        key = ref if len(ids) <= EVENT_LINES else f"{ref}#{part}"
        uow.sales.add_outbox(topic=STOCK_TOPIC, key=key, at=at, payload={
            "ref": ref, "store": station.store_code, "reason": reason,
            "lines": [{"product_id": pid, "sku": skus.get(pid, ""), "delta_milli": deltas[pid]} for pid in chunk]})
        events += 1
    return events


def _text(value: str, what: str) -> str:
    value = " ".join(str(value or "").split())
    if len(value) > MAX_TEXT:
        raise ValidationError(_("{what} is longer than {n} characters").format(what=what, n=MAX_TEXT))
    return value


def _products(uow, lines: list[DocLine]) -> dict:
    if not lines:
        raise ValidationError(_("Nothing to post: the list has no lines"))
    if len(lines) > MAX_DOC_LINES:
        raise ValidationError(_("{n} lines is more than one document takes ({max})").format(
            n=len(lines), max=MAX_DOC_LINES))
    found = {p.id: p for p in uow.catalog.by_ids(sorted({ln.product_id for ln in lines}))}
    missing = sorted({ln.product_id for ln in lines} - set(found))
    if missing:
        raise NotFound(_("No product with id {ids}").format(ids=", ".join(map(str, missing[:10]))))
    return found


def _number(uow, station: Station, letter: str) -> str:
    return f"{letter}-{station.store_code}-{uow.sales.next_number(f'stock:{letter}:{station.store_code}'):06d}"


def receive_stock(uow, station: Station, *, actor: User, lines: list[DocLine], supplier: str = "",
                  delivery_note: str = "", note: str = "", at: datetime | None = None,
                  tell_shop: bool = True, approval: Approval | None = None) -> StockDoc:
    """Goods in: each line's quantity onto a location, its unit cost (when given) averaged into the
    product's cost. Against a delivery note, lines carry what the note said; what is short or over is
    kept on the document for the supplier. tell_shop False: stock the online shop must not hear of
    (the demo store's opening stock: it has no shop)."""
    supplier = _text(supplier, _("supplier"))
    delivery_note = _text(delivery_note, _("delivery note"))[:64]
    note = _text(note, _("note"))
    at = at or utcnow()
    with uow:
        approver_id = require(uow, actor, Permission.RECEIVE_STOCK, approval)
        user = current(uow, actor)
        products = _products(uow, lines)
        lines = [replace(ln, location=check_location(ln.location), sku=products[ln.product_id].sku,
                         name=products[ln.product_id].name) for ln in lines]
        for ln in lines:
            if ln.qty < 0 or (ln.qty == 0 and ln.expected is None):
                raise ValidationError(_("{name}: a received quantity must be more than 0").format(name=ln.name))
            if ln.cost is not None and ln.cost < 0:
                raise ValidationError(_("{name}: a cost cannot be negative").format(name=ln.name))
        number = _number(uow, station, "R")
        ref = f"receiving:{number}"
        _update_costs(uow, station, lines)
        moves = [MovementWrite(product_id=ln.product_id, qty_milli=qty_to_milli(ln.qty), reason="receiving",
                               location=ln.location, ref=ref, note=delivery_note,
                               cost_minor=None if ln.cost is None else to_minor(ln.cost, station.places))
                 for ln in lines if ln.qty]
        uow.stock.add_doc(number=number, kind="receiving", store_code=station.store_code, user_id=user.id or None,
                          approver_id=approver_id, at=at, lines=lines, supplier=supplier, delivery_note=delivery_note,
                          note=note)
        uow.stock.post(moves, store_code=station.store_code, at=at, user_id=user.id or None)
        if tell_shop:
            announce(uow, station, ref=ref, reason="receiving", moves=moves, at=at)
        else:  # as if the shop had them already: the till's stock does not add them to its figure
            uow.outbox.acknowledge_ref(ref, [m.product_id for m in moves], at)
        audit(uow, station, actor=user, action="stock_received", approver_id=approver_id,
              detail={"doc": number, "lines": len(lines), "supplier": supplier, "delivery_note": delivery_note})
        uow.commit()
    return StockDoc(number=number, kind="receiving", at=at, user=user.name, lines=tuple(lines), supplier=supplier,
                    delivery_note=delivery_note, note=note)


def _update_costs(uow, station: Station, lines: list[DocLine]) -> None:
    priced = [ln for ln in lines if ln.cost is not None and ln.qty > 0]
    if not priced:
        return
    ids = sorted({ln.product_id for ln in priced})
    costs = uow.stock.costs(ids)
    on_hand = uow.stock.on_hand(station.store_code, ids)
    for ln in priced:
        new = moving_average_cost(on_hand=on_hand[ln.product_id], cost=costs[ln.product_id], qty=ln.qty,
                                  unit_cost=ln.cost)
        costs[ln.product_id] = new
        on_hand[ln.product_id] += ln.qty
        uow.stock.set_cost(ln.product_id, to_minor(new, station.places))


def adjust_stock(uow, station: Station, *, actor: User, reason: str, lines: list[DocLine], note: str = "",
                 approval: Approval | None = None, at: datetime | None = None) -> StockDoc:
    """A write-off (damaged, expired, theft: stock goes out), stock found (in), or a correction (either
    way: a line's qty is signed). Needs adjust_stock, or a manager's approval; always audited."""
    reason = check_reason(reason)
    note = _text(note, _("note"))
    at = at or utcnow()
    sign = ADJUST_REASONS[reason]
    with uow:
        approver_id = require(uow, actor, Permission.ADJUST_STOCK, approval)
        user = current(uow, actor)
        products = _products(uow, lines)
        checked = []
        for ln in lines:
            name = products[ln.product_id].name
            if ln.qty == 0:
                raise ValidationError(_("{name}: an adjustment of 0 changes nothing").format(name=name))
            if sign and ln.qty < 0:
                raise ValidationError(_("{name}: type the quantity without a sign; {reason} decides the way").format(
                    name=name, reason=_(reason)))
            checked.append(replace(ln, location=check_location(ln.location), qty=ln.qty * sign if sign else ln.qty,
                                   sku=products[ln.product_id].sku, name=name))
        number = _number(uow, station, "A")
        ref = f"adjustment:{number}"
        moves = [MovementWrite(product_id=ln.product_id, qty_milli=qty_to_milli(ln.qty), reason="adjustment",
                               location=ln.location, ref=ref, note=f"{reason} {note}".strip()[:MAX_TEXT])
                 for ln in checked]
        uow.stock.add_doc(number=number, kind="adjustment", store_code=station.store_code, user_id=user.id or None,
                          approver_id=approver_id, at=at, lines=checked, reason=reason, note=note)
        uow.stock.post(moves, store_code=station.store_code, at=at, user_id=user.id or None)
        announce(uow, station, ref=ref, reason=reason, moves=moves, at=at)
        audit(uow, station, actor=user, action="stock_adjusted", approver_id=approver_id,
              detail={"doc": number, "reason": reason, "lines": [[ln.sku, str(ln.qty), ln.location] for ln in checked][:50],
                      "note": note})
        uow.commit()
    return StockDoc(number=number, kind="adjustment", at=at, user=user.name, lines=tuple(checked), reason=reason,
                    note=note, approver=approval.approver.name if approver_id and approval else "")


def transfer_stock(uow, station: Station, *, actor: User, product_id: int, qty: Decimal, source: str, target: str,
                   note: str = "", at: datetime | None = None, approval: Approval | None = None) -> StockDoc:
    """Move stock between locations of the store (shelf to the damaged-goods area, or back)."""
    source, target = check_location(source), check_location(target)
    if source == target:
        raise ValidationError(_("A transfer needs two different locations"))
    if qty <= 0:
        raise ValidationError(_("A transferred quantity must be more than 0"))
    note = _text(note, _("note"))
    at = at or utcnow()
    with uow:
        approver_id = require(uow, actor, Permission.ADJUST_STOCK, approval)
        user = current(uow, actor)
        product = _products(uow, [DocLine(product_id=product_id, qty=qty)])[product_id]
        number = _number(uow, station, "T")
        ref = f"transfer:{number}"
        milli = qty_to_milli(qty)
        moves = [MovementWrite(product_id=product_id, qty_milli=-milli, reason="transfer", location=source, ref=ref,
                               note=note),
                 MovementWrite(product_id=product_id, qty_milli=milli, reason="transfer", location=target, ref=ref,
                               note=note)]
        lines = [DocLine(product_id=product_id, qty=-qty, location=source, sku=product.sku, name=product.name),
                 DocLine(product_id=product_id, qty=qty, location=target, sku=product.sku, name=product.name)]
        uow.stock.add_doc(number=number, kind="transfer", store_code=station.store_code, user_id=user.id or None,
                          approver_id=approver_id, at=at, lines=lines, note=note)
        uow.stock.post(moves, store_code=station.store_code, at=at, user_id=user.id or None)
        announce(uow, station, ref=ref, reason="transfer", moves=moves, at=at)
        audit(uow, station, actor=user, action="stock_transferred", approver_id=approver_id,
              detail={"doc": number, "sku": product.sku, "qty": str(qty), "from": source, "to": target})
        uow.commit()
    return StockDoc(number=number, kind="transfer", at=at, user=user.name, lines=tuple(lines), note=note)


def set_reorder_level(uow, station: Station, *, actor: User, product_id: int, level: Decimal | None,
                      approval: Approval | None = None) -> None:
    if level is not None and (level < 0 or level > Decimal("99999")):
        raise ValidationError(_("A reorder level must be between 0 and 99999"))
    with uow:
        approver_id = require(uow, actor, Permission.ADJUST_STOCK, approval)
        user = current(uow, actor)
        product = _products(uow, [DocLine(product_id=product_id, qty=Decimal(1))])[product_id]
        uow.stock.set_reorder(product_id, None if level is None else qty_to_milli(level))
        audit(uow, station, actor=user, action="reorder_level_set", approver_id=approver_id,
              detail={"sku": product.sku, "level": None if level is None else str(level)})
        uow.commit()


def set_cost(uow, station: Station, *, actor: User, product_id: int, cost: Decimal | None,
             approval: Approval | None = None) -> None:
    if cost is not None and cost < 0:
        raise ValidationError(_("A cost cannot be negative"))
    with uow:
        approver_id = require(uow, actor, Permission.ADJUST_STOCK, approval)
        user = current(uow, actor)
        product = _products(uow, [DocLine(product_id=product_id, qty=Decimal(1))])[product_id]
        uow.stock.set_cost(product_id, None if cost is None else to_minor(cost, station.places))
        audit(uow, station, actor=user, action="cost_set", approver_id=approver_id,
              detail={"sku": product.sku, "cost": None if cost is None else str(cost)})
        uow.commit()


def low_stock(uow, station: Station, *, actor: User) -> list[StockLevel]:
    require(uow, actor, Permission.RECEIVE_STOCK)
    return uow.stock.low(station.store_code)


def below_zero(uow, station: Station, *, actor: User) -> list[StockLevel]:
    """Sold below zero at the till: the shelf or the ledger is wrong; a count will tell which."""
    require(uow, actor, Permission.RECEIVE_STOCK)
    return uow.stock.negative(station.store_code)


def product_stock(uow, station: Station, *, actor: User, product_id: int,
                  limit: int = 200) -> tuple[list[StockLevel], list[Movement]]:
    """A product's levels at each location and its latest movements, newest first."""
    require(uow, actor, Permission.RECEIVE_STOCK)
    return (uow.stock.levels_of(station.store_code, product_id),
            uow.stock.movements(station.store_code, product_id, limit=limit))


def check_ledger(uow, station: Station | None = None, *, repair: bool = False, actor: User | None = None) -> LedgerCheck:
    """Compare every cached level with the sum of its movements; with repair, rebuild the cache from
    the ledger (the ledger is the truth) in one transaction, audited."""
    with uow:
        found = tuple(uow.stock.check())
        if repair and found:
            uow.stock.rebuild_levels()
            if station is not None and actor is not None:
                audit(uow, station, actor=actor, action="stock_levels_rebuilt", detail={"mismatches": len(found)})
            uow.commit()
            return LedgerCheck(mismatches=found, repaired=True)
    return LedgerCheck(mismatches=found)


def adopt_shop_stock(uow, station: Station, *, actor: User, at: datetime | None = None) -> int:
    """Make this store's sellable stock what the online shop last reported, for every product the
    shop counts: "sync" movements of the difference, which the shop already has (nothing is pushed).
    For the first day of a store whose stock so far lived only in the shop; in a chain where the shop's
    figure is every branch's stock together it would be wrong, and a count is the way. Audited.
    Returns how many products moved."""
    at = at or utcnow()
    with uow:
        require(uow, actor, Permission.ADJUST_STOCK)
        user = current(uow, actor)
        number = _number(uow, station, "S")
        ref = f"sync:{number}"
        tracked = uow.stock.shop_stock(station.store_code)
        # What the shop reported plus what this store sold or moved that the shop has not seen yet.
        target = uow.catalog.stock_of([pid for pid, _, _ in tracked])
        moves = [MovementWrite(product_id=pid, qty_milli=qty_to_milli(target[pid]) - local, reason="sync", ref=ref,
                               note="shop stock adopted")
                 for pid, _, local in tracked if target.get(pid) is not None and qty_to_milli(target[pid]) != local]
        if moves:
            uow.stock.post(moves, store_code=station.store_code, at=at, user_id=user.id or None)
            uow.stock.mark_from_shop(ref)
        audit(uow, station, actor=user, action="shop_stock_adopted", detail={"ref": ref, "products": len(moves)})
        uow.commit()
    return len(moves)
