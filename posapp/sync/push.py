"""Pushing the outbox to the online shop: events in the order they were written, each exactly once.

One event at a time: load what it describes from the database (the stored sale, not the payload), mark
the try and commit, then talk to the shop with no transaction open (the till keeps selling), then write
the outcome in its own short transaction. Because the try is committed before its request, an event
tried before (a timeout, a dropped connection, a 5xx, an unreadable answer, or the process killed in
the middle) is first looked for in the shop, and only created if it is not there.

- A passing failure (Transient, or Unknown: the shop may have it) stops the run with a backoff on the
  event, so nothing overtakes it.
- A refusal (Rejected: 4xx other than 429) parks the event for a person; the run goes on, and returns of
  a parked sale are held behind it. AuthFailed stops the run and parks nothing: it is the key, not the
  event.
- Held events (a return whose sale is not in the shop yet, points of a member with no shop customer)
  are looked at again in every run (points once their member is linked to a customer).
- Stock changes (receivings, write-offs, transfers, count approvals) are deltas of sellable stock; the
  sink reads the shop's products every try and applies each delta once (a marker per product). When
  one is in, its movements are acknowledged, so the till's stock stops adding them.

The shop is reached through a sink (WooOrderSink for WooCommerce); see docs/sync.md for the states."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import NAMESPACE_URL, uuid5

from posapp.domain.sale import Sale
from posapp.sync.woocommerce import AuthFailed, Rejected, Transient, Unknown

SHOP_COUPON_SOURCE = "woo"  # promotions pulled from the shop's coupons; the till's own are unknown there
SALE_TOPICS = ("sale.completed", "sale.returned")
STOCK_TOPIC = "stock.adjusted"
BATCH = 100
BACKOFF_BASE = 2.0  # seconds after the first failed try
BACKOFF_CAP = 1800.0
_random = random.Random()


@dataclass(frozen=True)
class SaleDoc:
    """A sale as the shop gets it: the stored sale and the shop's ids for its products and member."""

    uuid: str
    sale: Sale
    products: dict[int, tuple[str | None, str | None]]  # product id -> (shop id, shop parent id of a variation)
    customer_id: str | None  # the member's shop customer, when linked
    coupons: tuple[str, ...]  # the shop's coupon codes the sale used


@dataclass(frozen=True)
class ReturnDoc:
    uuid: str
    sale: Sale  # the return: negative lines, each naming the sale line it returns
    original: Sale
    order_id: str  # the shop's order of the original sale


@dataclass(frozen=True)
class PointsDoc:
    uuid: str  # the delta's own id: applied once
    member_code: str
    customer_id: str
    points: int


@dataclass(frozen=True)
class StockLine:
    product_id: int
    sku: str
    delta_milli: int  # sellable stock, in thousandths of a unit
    shop_id: str  # the shop's product, or its variation
    shop_parent: str | None  # the variation's product


@dataclass(frozen=True)
class StockDoc:
    """A stock document's deltas for the products the shop has (one event: up to 100 products)."""

    uuid: str  # marks the change as applied on each product: the event's key and when it was written
    ref: str  # the document ("count:C-S001-000001"): its movements are acknowledged when it is in
    store: str
    lines: tuple[StockLine, ...]
    local: tuple[str, ...]  # SKUs only this store has: nothing to send
    product_ids: tuple[int, ...]  # every product of the event


@dataclass(frozen=True)
class StockApplied:
    """What the shop made of a stock event."""

    changed: tuple[str, ...]  # SKUs whose stock the shop changed now
    already: tuple[str, ...]  # SKUs an earlier try had changed (its answer was lost)
    left_out: tuple[tuple[str, str], ...]  # (SKU, why) what the shop's stock cannot take


class OrderSink(Protocol):
    """What the push needs from a connector. find_*: the shop's id of what an earlier try made, or None."""

    def find_order(self, uuid: str, *, tried_since: datetime) -> str | None: ...

    def create_order(self, doc: SaleDoc) -> str: ...

    def find_refund(self, order_id: str, uuid: str) -> str | None: ...

    def create_refund(self, doc: ReturnDoc) -> str: ...

    def apply_points(self, doc: PointsDoc) -> str: ...

    def apply_stock(self, doc: StockDoc) -> StockApplied: ...


@dataclass
class PushReport:
    sent: int = 0
    parked: int = 0
    held: int = 0  # events put on hold, or looked at again and still held, in this run
    skipped: int = 0
    failed: int = 0  # tries that failed for a passing reason (the run stopped there)
    error: str | None = None  # the last failure
    retry_at: datetime | None = None  # the run stopped behind an event due again then (naive UTC)
    auth_failed: bool = False  # the shop refused the key and secret: nothing goes until they are fixed


def backoff_seconds(attempts: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """The wait after the attempts-th failed try: exponential up to BACKOFF_CAP, half of it random so tills
    that lost the shop together do not all come back in the same second; a 429's Retry-After as asked,
    plus up to a second."""
    rng = rng or _random
    if retry_after is not None:
        return max(0.0, retry_after) + rng.uniform(0.0, 1.0)
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** min(max(attempts, 1) - 1, 30))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


@dataclass(frozen=True)
class _Decision:
    """An event that is not sent now: held, skipped or parked, with the reason a person reads."""

    state: str
    reason: str
    acknowledge: tuple[str, tuple[int, ...]] | None = None  # skipped stock: (ref, products) the shop never counts


def push_pending(uow, sink: OrderSink, *, station, now: datetime, limit: int | None = None,
                 deadline: float | None = None) -> PushReport:
    """Send pending events (and held ones that are ready) in id order until the queue is done, a try
    fails, `limit` events have gone to the shop, or time.monotonic() passes `deadline`.

    now: naive UTC at the start of the run; the run's later times count on from it, and events whose
    backoff ends after it wait (and stop the run, keeping the order). station: the till running the push;
    what is sent names each sale's own store and terminal, so one worker can push a whole store's events."""
    report = PushReport()
    run = _Run(uow=uow, sink=sink, start=now, report=report)
    after, tried = 0, 0
    while True:
        with uow:
            batch = uow.outbox.queue(after_id=after, limit=BATCH)
        if not batch:
            return report
        for event in batch:
            after = event.id
            if (limit is not None and tried >= limit) or (deadline is not None and time.monotonic() >= deadline):
                return report
            if event.state == "pending" and event.next_attempt_at is not None and event.next_attempt_at > run.now():
                report.retry_at = event.next_attempt_at
                return report
            went, stop = run.push(event)
            tried += went
            if stop:
                return report


class _Run:
    def __init__(self, *, uow, sink: OrderSink, start: datetime, report: PushReport):
        self.uow, self.sink, self.report = uow, sink, report
        self.start, self._clock = start, time.monotonic()

    def now(self) -> datetime:
        """The run's time: its start, plus what has passed since (a long run's backoffs start late enough)."""
        return self.start + timedelta(seconds=time.monotonic() - self._clock)

    def push(self, event) -> tuple[bool, bool]:
        """One event as the run's batch read it (only this worker changes it, under the sync lease; a person
        may settle it meanwhile, which the writes respect): (whether it went to the shop, stop the run)."""
        uow = self.uow
        with uow:
            doc = _prepare(uow, event)
            if isinstance(doc, _Decision):
                self._decide(event, doc)
                uow.commit()
                return False, False
            if not uow.outbox.start(event.id, self.now()):
                return False, False
            uow.commit()
        # An earlier try may have reached the shop; this one, failing before an answer, did not change that.
        earlier = event.first_sent_at is not None
        try:
            remote_id, note = _deliver(self.sink, doc, tried_since=event.first_sent_at)
        except AuthFailed as exc:
            self._failed(event, str(exc), retry_at=None, reached_shop=earlier)
            self.report.auth_failed = True
            return True, True
        except Rejected as exc:
            with uow:
                uow.outbox.park(event.id, str(exc) + _lines_hint(doc), reached_shop=earlier)
                uow.commit()
            self.report.parked += 1
            return True, False
        except (Transient, Unknown) as exc:
            retry_after = exc.retry_after if isinstance(exc, Transient) else None
            wait = backoff_seconds(event.attempts + 1, retry_after=retry_after)
            self._failed(event, str(exc), retry_at=self.now() + timedelta(seconds=wait),
                         reached_shop=earlier or isinstance(exc, Unknown))
            return True, True
        with uow:
            uow.outbox.sent(event.id, remote_id=remote_id, now=self.now(), note=note)
            if event.topic in SALE_TOPICS:
                uow.outbox.acknowledge_stock(event.key, self.now())
            elif isinstance(doc, StockDoc):
                uow.outbox.acknowledge_ref(doc.ref, doc.product_ids, self.now())
            uow.commit()
        self.report.sent += 1
        return True, False

    def _decide(self, event, decision: _Decision) -> None:
        """Inside the event's transaction: held, skipped or parked, written only when it changes."""
        outbox = self.uow.outbox
        if decision.state == "held":
            if event.state != "held" or event.last_error != decision.reason:
                outbox.hold(event.id, decision.reason)
            self.report.held += 1
        elif decision.state == "skipped":
            outbox.skip(event.id, decision.reason)
            if decision.acknowledge:
                outbox.acknowledge_ref(*decision.acknowledge, self.now())
            self.report.skipped += 1
        else:
            outbox.park(event.id, decision.reason)
            self.report.parked += 1

    def _failed(self, event, error: str, *, retry_at: datetime | None, reached_shop: bool) -> None:
        with self.uow:
            self.uow.outbox.failed(event.id, error=error, retry_at=retry_at, reached_shop=reached_shop)
            self.uow.commit()
        self.report.failed += 1
        self.report.error, self.report.retry_at = error, retry_at


def _deliver(sink: OrderSink, doc, *, tried_since: datetime | None) -> tuple[str, str]:
    """Send one document; look for what an earlier try made first (tried_since: the first such try).
    Returns the shop's id for it and a note on what was left out."""
    if isinstance(doc, SaleDoc):
        found = sink.find_order(doc.uuid, tried_since=tried_since) if tried_since is not None else None
        return found or sink.create_order(doc), ""
    if isinstance(doc, ReturnDoc):
        found = sink.find_refund(doc.order_id, doc.uuid) if tried_since is not None else None
        return found or sink.create_refund(doc), ""
    if isinstance(doc, StockDoc):
        return _stock_outcome(doc, sink.apply_stock(doc))  # reads the products first every time
    return sink.apply_points(doc), ""  # reads the customer first every time: applying twice is never possible


def _stock_outcome(doc: StockDoc, done: StockApplied) -> tuple[str, str]:
    """("stock: 3 changed, 1 left out", "APPLE: the shop does not count its stock; ...")."""
    left = list(done.left_out) + [(sku, "not in the shop") for sku in doc.local]
    summary = f"stock: {len(done.changed)} changed" + (f", {len(done.already)} already" if done.already else "") \
        + (f", {len(left)} left out" if left else "")
    note = "; ".join(f"{sku}: {why}" for sku, why in left[:20])
    note += f"; +{len(left) - 20} more" if len(left) > 20 else ""
    return summary, note


def _lines_hint(doc) -> str:
    """The shop names no line when it refuses an order ("Invalid product ID."): say which products it
    was sent, so a manager can find the one the shop no longer has."""
    if not isinstance(doc, SaleDoc):
        return ""
    parts = []
    for line in doc.sale.lines[:12]:
        shop_id, parent = doc.products.get(line.product_id) or (None, None)
        where = f"shop {parent}/{shop_id}" if parent else (f"shop {shop_id}" if shop_id else "not in the shop")
        parts.append(f"{line.sku} ({where})")
    more = f", +{len(doc.sale.lines) - 12} more" if len(doc.sale.lines) > 12 else ""
    return " [lines: " + ", ".join(parts) + more + "]"


def _uuid(event) -> str:
    """The event's own id in the shop; events written before they carried one get a stable one."""
    return str(event.payload.get("uuid") or uuid5(NAMESPACE_URL, f"posapp:{event.topic}:{event.key}"))


def _prepare(uow, event) -> SaleDoc | ReturnDoc | PointsDoc | _Decision:
    """What to send for an event, from the stored records; or why it is not sent now."""
    if event.topic == "sale.completed":
        sale = uow.sales.get(number=event.key)
        if sale is None:
            return _Decision("parked", f"sale {event.key} is not in this database")
        member = uow.members.by_code(sale.member_code) if sale.member_code else None
        return SaleDoc(uuid=_uuid(event), sale=sale,
                       products=uow.outbox.product_refs(ln.product_id for ln in sale.lines),
                       customer_id=member.external_id if member else None,
                       coupons=uow.outbox.coupons_from(sale.number, SHOP_COUPON_SOURCE))
    if event.topic == "sale.returned":
        return _prepare_return(uow, event)
    if event.topic == "points.changed":
        member = uow.members.by_code(event.key)
        if member is None:
            return _Decision("parked", f"member {event.key} is not in this database")
        if not member.external_id:
            return _Decision("held", f"member {event.key} is not linked to a customer of the shop yet")
        p = event.payload
        if not isinstance(p.get("points"), int) or isinstance(p["points"], bool):
            return _Decision("parked", f"the points event holds no number of points ({p.get('points')!r})")
        return PointsDoc(uuid=_uuid(event), member_code=member.code, customer_id=member.external_id,
                         points=p["points"])
    if event.topic == STOCK_TOPIC:
        return _prepare_stock(uow, event)
    return _Decision("parked", f"this till does not know how to send {event.topic!r} events")


def _prepare_return(uow, event) -> ReturnDoc | _Decision:
    """A return is a refund on its sale's order, so it waits until that order is in the shop."""
    doc = uow.sales.get(number=event.key)
    if doc is None:
        return _Decision("parked", f"return {event.key} is not in this database")
    if doc.original is None:
        return _Decision("skipped", "a return without a receipt: the shop has no order to refund it on "
                                    "(the shop's stock is not changed by it)")
    sold = uow.outbox.find("sale.completed", doc.original)
    if sold is None:
        return _Decision("parked", f"sale {doc.original} was never queued for the shop: no order to refund")
    if sold.state == "sent" and sold.remote_id:
        return ReturnDoc(uuid=_uuid(event), sale=doc, original=uow.sales.get(number=doc.original),
                         order_id=sold.remote_id)
    if sold.state == "sent":
        return _Decision("parked", f"the shop's order for sale {doc.original} is not known (it was sent "
                                   "before the till kept order ids)")
    if sold.state == "parked":
        return _Decision("held", f"waiting for sale {doc.original}, which the shop refused: {sold.last_error}")
    if sold.state == "skipped":
        return _Decision("held", f"sale {doc.original} was not sent to the shop ({sold.last_error}): send it "
                                 "again, or settle this return by hand")
    return _Decision("held", f"waiting for sale {doc.original} to reach the shop")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _prepare_stock(uow, event) -> StockDoc | _Decision:
    """A stock event's deltas by product; products only this store has are left out here (and when none
    is in the shop, the event is skipped and its movements acknowledged: the shop will never count them)."""
    p = event.payload
    ref, store, lines = p.get("ref"), p.get("store"), p.get("lines")
    readable = isinstance(ref, str) and ref and isinstance(lines, list) and lines and "," not in event.key
    if not (readable and isinstance(store, str) and store.isascii() and store.isalnum()):
        return _Decision("parked", f"stock event {event.key} is not readable (its ref, store or lines are missing)")
    deltas: dict[int, list] = {}
    for line in lines:
        pid, delta = (line.get("product_id"), line.get("delta_milli")) if isinstance(line, dict) else (None, None)
        if not _whole(pid) or not _whole(delta):
            return _Decision("parked", f"stock event {event.key} has an unreadable line: {str(line)[:80]}")
        entry = deltas.setdefault(pid, [str(line.get("sku") or f"#{pid}"), 0])
        entry[1] += delta
    refs = uow.outbox.product_refs(deltas)
    shop, local = [], []
    for pid, (sku, delta) in sorted(deltas.items()):
        external, parent = refs.get(pid) or (None, None)
        if not external or not external.isdigit() or (parent and not parent.isdigit()):
            local.append(sku)
        elif delta:
            shop.append(StockLine(product_id=pid, sku=sku, delta_milli=delta, shop_id=external, shop_parent=parent))
    ids = tuple(sorted(deltas))
    if not shop:
        named = ", ".join(local[:10]) + (f", +{len(local) - 10} more" if len(local) > 10 else "")
        return _Decision("skipped", f"none of its products is in the online shop ({named})" if local
                         else "nothing changed", acknowledge=(ref, ids))
    return StockDoc(uuid=f"{event.key}@{event.created_at:%Y%m%d%H%M%S}", ref=ref, store=store, lines=tuple(shop),
                    local=tuple(local), product_ids=ids)
