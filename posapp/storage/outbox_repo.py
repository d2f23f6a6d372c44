"""The sync outbox: events written with the sale, return or points entry they describe, and where each
stands on its way to the online shop (pending, sent, parked, held, skipped; see docs/sync.md).

Events are never deleted. The push worker reads here and writes each event's outcome in its own short
transaction; the back office reads the counts and the parked events and retries or settles them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from posapp.domain.clock import utcnow
from posapp.storage.db import database
from posapp.storage.sales_repo import _stamp

STATES = ("pending", "sent", "parked", "held", "skipped")
QUEUED = ("pending", "held")  # what the worker still has to look at
SALE_TOPICS = ("sale.completed", "sale.returned")
STOCK_TOPIC = "stock.adjusted"
_COLUMNS = ("id, topic, key, payload, created_at, state, attempts, first_sent_at, next_attempt_at, remote_id, "
            "last_error")


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    topic: str
    key: str
    payload: dict
    created_at: datetime  # naive UTC, as every stored time
    state: str
    attempts: int  # tries so far (each is committed before its request goes out)
    first_sent_at: datetime | None  # the first try that may have reached the shop; None: none did
    next_attempt_at: datetime | None  # not before this (backoff)
    remote_id: str | None  # what the shop made of it: the order, refund or customer id; a stock change's summary
    last_error: str  # the last failure, or why it is parked, held or skipped; sent: what the shop left out


@dataclass(frozen=True)
class ParkedEvent:
    """An event for a person to look at, as the back office and `sync status` list it."""

    id: int
    topic: str
    key: str
    created_at: datetime
    attempts: int
    last_error: str
    state: str = "parked"


def _time(value) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _event(row: tuple) -> OutboxEvent:
    return OutboxEvent(id=row[0], topic=row[1], key=row[2], payload=json.loads(row[3] or "{}"),
                       created_at=_time(row[4]), state=row[5], attempts=int(row[6] or 0),
                       first_sent_at=_time(row[7]), next_attempt_at=_time(row[8]), remote_id=row[9],
                       last_error=row[10] or "")


class OutboxRepository:
    # --- the worker's queue ---------------------------------------------------------------------
    def queue(self, *, after_id: int = 0, limit: int = 100) -> list[OutboxEvent]:
        """Pending and held events after an id, oldest first: what a run goes through, in order. Points of
        members still without a shop customer are left out: they pile up in stores where few members shop
        online, and looking at each of them in every run would only take the write lock from the till."""
        db = database.obj
        p = db.param
        rows = db.execute_sql(
            f"SELECT {_COLUMNS} FROM outbox_event e WHERE state IN ('pending', 'held') AND id > {p} "
            "AND NOT (state = 'held' AND topic = 'points.changed' AND EXISTS (SELECT 1 FROM member m "
            "WHERE m.code = e.key AND COALESCE(m.external_id, '') = '')) "
            f"ORDER BY id LIMIT {int(limit)}", (after_id,)).fetchall()
        return [_event(r) for r in rows]

    def get(self, event_id: int) -> OutboxEvent | None:
        db = database.obj
        row = db.execute_sql(f"SELECT {_COLUMNS} FROM outbox_event WHERE id = {db.param}", (event_id,)).fetchone()
        return _event(row) if row else None

    def find(self, topic: str, key: str) -> OutboxEvent | None:
        """The event of a topic for a key (a sale's by its number); the oldest if there were several."""
        db = database.obj
        p = db.param
        row = db.execute_sql(f"SELECT {_COLUMNS} FROM outbox_event WHERE topic = {p} AND key = {p} "
                             "ORDER BY id LIMIT 1", (topic, key)).fetchone()
        return _event(row) if row else None

    def start(self, event_id: int, now: datetime) -> bool:
        """Mark a try before its request goes out (committed first, so a crash mid-request is seen).
        False: the event is no longer pending or held (a person settled it meanwhile): do not send it."""
        db = database.obj
        p = db.param
        return db.execute_sql(
            f"UPDATE outbox_event SET state = 'pending', attempts = attempts + 1, first_sent_at = COALESCE("
            f"first_sent_at, {p}), next_attempt_at = NULL WHERE id = {p} AND state IN ('pending', 'held')",
            (_stamp(db, now), event_id)).rowcount == 1

    def sent(self, event_id: int, *, remote_id: str, now: datetime, note: str = "") -> None:
        """In the shop. note: what it left out (products whose stock it does not count), kept as the reason."""
        db = database.obj
        p = db.param
        db.execute_sql(f"UPDATE outbox_event SET state = 'sent', sent_at = {p}, remote_id = {p}, last_error = {p}, "
                       f"next_attempt_at = NULL WHERE id = {p}",
                       (_stamp(db, now), remote_id[:64], note[:2000], event_id))

    def acknowledge_stock(self, sale_number: str, now: datetime) -> int:
        """The shop has the stock movements of this sale or return (the stock shown stops adding them)."""
        db = database.obj
        p = db.param
        return db.execute_sql(f"UPDATE stock_movement SET synced_at = {p} WHERE synced_at IS NULL AND sale_id = "
                              f"(SELECT id FROM sale WHERE number = {p})", (_stamp(db, now), sale_number)).rowcount

    def acknowledge_ref(self, ref: str, product_ids, now: datetime) -> int:
        """The shop has a stock document's changes of these products (a receiving, write-off, transfer or
        count: stock_movement.ref); products, because a document of more than 100 goes in several events."""
        ids = sorted(set(product_ids))
        if not ref or not ids:
            return 0
        db = database.obj
        p = db.param
        done = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            done += db.execute_sql(
                f"UPDATE stock_movement SET synced_at = {p} WHERE synced_at IS NULL AND ref = {p} AND product_id IN "
                f"({', '.join([p] * len(chunk))})", (_stamp(db, now), ref, *chunk)).rowcount
        return done

    def failed(self, event_id: int, *, error: str, retry_at: datetime | None, reached_shop: bool = True) -> None:
        """A try that failed for a passing reason: try again at retry_at. reached_shop False: this try,
        the first, is known to have changed nothing, so the next one need not look for it first."""
        self._set(event_id, "pending", error, retry_at=retry_at, forget_first=not reached_shop)

    def park(self, event_id: int, reason: str, *, reached_shop: bool = True) -> None:
        """Refused by the shop: kept for a person."""
        self._set(event_id, "parked", reason, forget_first=not reached_shop)

    def hold(self, event_id: int, reason: str) -> None:
        self._set(event_id, "held", reason)

    def skip(self, event_id: int, reason: str) -> None:
        self._set(event_id, "skipped", reason)

    def _set(self, event_id: int, state: str, error: str, *, retry_at: datetime | None = None,
             forget_first: bool = False) -> None:
        db = database.obj
        p = db.param
        first = ", first_sent_at = NULL" if forget_first else ""
        # Only from the worker's own states: an event a person settled meanwhile stays settled.
        db.execute_sql(f"UPDATE outbox_event SET state = {p}, last_error = {p}, next_attempt_at = {p}{first} "
                       f"WHERE id = {p} AND state IN ('pending', 'held')",
                       (state, error[:2000], None if retry_at is None else _stamp(db, retry_at), event_id))

    # --- what an event needs to be sent ---------------------------------------------------------
    def product_refs(self, product_ids) -> dict[int, tuple[str | None, str | None]]:
        """(external id, external parent) of products: the shop's product, or its variation and product."""
        ids = sorted(set(product_ids))
        if not ids:
            return {}
        db = database.obj
        rows = db.execute_sql(f"SELECT id, external_id, external_parent FROM product WHERE id IN "
                              f"({', '.join([db.param] * len(ids))})", tuple(ids)).fetchall()
        return {r[0]: (r[1] or None, r[2] or None) for r in rows}

    def coupons_from(self, sale_number: str, source: str) -> tuple[str, ...]:
        """The coupon codes a sale used whose promotion came from `source` (the shop's own coupons)."""
        db = database.obj
        p = db.param
        rows = db.execute_sql(
            "SELECT c.code FROM coupon_use c JOIN promotion r ON r.id = c.promotion_id JOIN sale s ON s.id = c.sale_id "
            f"WHERE s.number = {p} AND r.source = {p} ORDER BY c.id", (sale_number, source)).fetchall()
        return tuple(r[0] for r in rows)

    # --- for people -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Events by state, every state present (0 when none)."""
        found = dict(database.obj.execute_sql("SELECT state, COUNT(*) FROM outbox_event GROUP BY state").fetchall())
        return {state: int(found.get(state, 0)) for state in STATES}

    def parked(self, limit: int = 100, *, states: tuple[str, ...] = ("parked",)) -> list[ParkedEvent]:
        """Events in the given states (parked: refused by the shop), parked first, then oldest first."""
        db = database.obj
        rows = db.execute_sql(
            "SELECT id, topic, key, created_at, attempts, last_error, state FROM outbox_event "
            f"WHERE state IN ({', '.join([db.param] * len(states))}) "
            f"ORDER BY CASE state WHEN 'parked' THEN 0 ELSE 1 END, id LIMIT {int(limit)}", tuple(states)).fetchall()
        return [ParkedEvent(id=r[0], topic=r[1], key=r[2], created_at=_time(r[3]), attempts=int(r[4] or 0),
                            last_error=r[5] or "", state=r[6]) for r in rows]

    def problems(self, limit: int = 100) -> list[ParkedEvent]:
        """What a person should see: refused events, then those held behind something (with the reason)."""
        return self.parked(limit, states=("parked", "held"))

    def retry(self, event_id: int) -> bool:
        """Send a parked, held or skipped event again at the next run (its tries are kept, so a try that
        may have reached the shop is still looked for first). False: no such event in those states."""
        db = database.obj
        p = db.param
        return db.execute_sql(f"UPDATE outbox_event SET state = 'pending', next_attempt_at = NULL WHERE id = {p} "
                              "AND state IN ('parked', 'held', 'skipped')", (event_id,)).rowcount == 1

    def resolve(self, event_id: int, note: str, *, now: datetime | None = None) -> bool:
        """A person settled the event outside the sync: skipped with their note, never deleted. False: no
        such event, or it was already sent. A stock change settled by hand was made in the shop by hand:
        its movements are acknowledged, so the till's stock stops adding them."""
        db = database.obj
        p = db.param
        done = db.execute_sql(f"UPDATE outbox_event SET state = 'skipped', next_attempt_at = NULL, "
                              f"last_error = {p} WHERE id = {p} AND state <> 'sent'",
                              (f"settled by hand: {note}"[:2000], event_id)).rowcount == 1
        event = self.get(event_id) if done else None
        if event is not None and event.topic == STOCK_TOPIC and isinstance(event.payload.get("ref"), str):
            lines = event.payload.get("lines") if isinstance(event.payload.get("lines"), list) else []
            ids = [x["product_id"] for x in lines if isinstance(x, dict) and isinstance(x.get("product_id"), int)]
            self.acknowledge_ref(event.payload["ref"], ids, now or utcnow())
        return done
