"""Stock storage: the movement ledger and its cached levels, stock documents, and counts.

Every change of stock is a row in stock_movement; stock_level is kept equal to the ledger's sums by
a trigger (migration 0010), and `check` proves it. Hand-written SQL: the same statements run on
SQLite and PostgreSQL, and a count reviews tens of thousands of lines at once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, qty_from_milli, qty_to_milli
from posapp.domain.stock import (CountLine, CountProblem, CountScope, DocLine, Movement, StockCount,
                                 StockLevel)
from posapp.storage.db import database, is_sqlite
from posapp.storage.sales_repo import _parse_time, _stamp


@dataclass(frozen=True)
class MovementWrite:
    product_id: int
    qty_milli: int
    reason: str
    location: str = "sellable"
    ref: str = ""
    note: str = ""
    cost_minor: int | None = None


@dataclass(frozen=True)
class LedgerMismatch:
    product_id: int
    sku: str
    location: str
    cached: Decimal
    ledger: Decimal


def _time(value) -> datetime | None:
    return None if value is None else _parse_time(value)


def _in(db, values) -> str:
    return ", ".join([db.param] * len(values))


class StockRepository:
    def __init__(self, places: int = 2):
        self.places = places

    def _d(self, minor) -> Decimal:
        return from_minor(int(minor), self.places)

    # --- the ledger -----------------------------------------------------------------------
    def post(self, moves: list[MovementWrite], *, store_code: str, at: datetime, user_id: int | None) -> None:
        """Write movements (the trigger moves the levels with them). Call inside the unit of work."""
        if not moves:
            return
        db = database.obj
        db.cursor().executemany(
            "INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, sale_id, at, location, "
            f"user_id, ref, note, cost_minor) VALUES ({_in(db, range(11))})",
            [(m.product_id, store_code, m.qty_milli, m.reason, None, _stamp(db, at), m.location, user_id,
              m.ref, m.note, m.cost_minor)
             for m in sorted(moves, key=lambda m: (m.product_id, m.location))])  # lock order: see SalesRepository

    def shop_stock(self, store_code: str) -> list[tuple[int, int, int]]:
        """(product id, stock the shop last reported, this store's sellable on hand), in thousandths, for
        every product the shop counts."""
        db = database.obj
        return [(int(r[0]), int(r[1]), int(r[2])) for r in db.execute_sql(
            "SELECT p.id, p.remote_stock_milli, COALESCE(l.qty_milli, 0) FROM product p LEFT JOIN stock_level l "
            f"ON l.product_id = p.id AND l.store_code = {db.param} AND l.location = 'sellable' "
            "WHERE p.remote_stock_milli IS NOT NULL ORDER BY p.id", (store_code,)).fetchall()]

    def mark_from_shop(self, ref: str) -> None:
        """Movements that came from the shop's figures: the shop has them already (acknowledged as of
        its last report, so the till's stock does not add them on top of it)."""
        db = database.obj
        db.execute_sql("UPDATE stock_movement SET synced_at = (SELECT p.stock_pulled_at FROM product p "
                       f"WHERE p.id = stock_movement.product_id) WHERE ref = {db.param}", (ref,))

    def on_hand(self, store_code: str, product_ids: list[int], location: str = "sellable") -> dict[int, Decimal]:
        db = database.obj
        out: dict[int, Decimal] = {pid: Decimal(0) for pid in product_ids}
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for pid, qty in db.execute_sql(
                    f"SELECT product_id, qty_milli FROM stock_level WHERE store_code = {db.param} "
                    f"AND location = {db.param} AND product_id IN ({_in(db, chunk)})",
                    (store_code, location, *chunk)).fetchall():
                out[pid] = qty_from_milli(int(qty))
        return out

    def ledger_at_start(self, count_id: int, store_code: str, product_id: int, location: str) -> int:
        """On hand in thousandths as the ledger stood when a count's snapshot was taken."""
        db = database.obj
        p = db.param
        return int(db.execute_sql(
            f"SELECT COALESCE(SUM(qty_milli), 0) FROM stock_movement WHERE product_id = {p} AND location = {p} "
            f"AND store_code = {p} AND id <= (SELECT start_movement_id FROM stock_count WHERE id = {p})",
            (product_id, location, store_code, count_id)).fetchone()[0])

    _LEVEL_SELECT = ("SELECT p.id, p.sku, p.name, COALESCE(c.path, ''), l.location, p.unit, l.qty_milli, "
                     "p.reorder_milli, p.price_minor, p.cost_minor FROM stock_level l "
                     "JOIN product p ON p.id = l.product_id LEFT JOIN category c ON c.id = p.category_id ")

    def _level(self, row) -> StockLevel:
        return StockLevel(product_id=row[0], sku=row[1], name=row[2], category=row[3], location=row[4],
                          unit=row[5], qty=qty_from_milli(int(row[6])),
                          reorder_level=None if row[7] is None else qty_from_milli(int(row[7])),
                          price=self._d(row[8]), cost=None if row[9] is None else self._d(row[9]))

    def negative(self, store_code: str, *, limit: int = 1000) -> list[StockLevel]:
        """Products sold below zero (the till never refuses a sale for it): for the back office."""
        db = database.obj
        return [self._level(r) for r in db.execute_sql(
            f"{self._LEVEL_SELECT} WHERE l.store_code = {db.param} AND l.qty_milli < 0 "
            f"ORDER BY l.qty_milli, p.sku LIMIT {int(limit)}", (store_code,)).fetchall()]

    def low(self, store_code: str, *, limit: int = 5000) -> list[StockLevel]:
        """Active products whose sellable stock is at or below their reorder level (none on hand
        counts as zero)."""
        db = database.obj
        p = db.param
        rows = db.execute_sql(
            "SELECT p.id, p.sku, p.name, COALESCE(c.path, ''), 'sellable', p.unit, COALESCE(l.qty_milli, 0), "
            "p.reorder_milli, p.price_minor, p.cost_minor FROM product p "
            "LEFT JOIN stock_level l ON l.product_id = p.id AND l.store_code = "
            f"{p} AND l.location = 'sellable' LEFT JOIN category c ON c.id = p.category_id "
            f"WHERE p.active = {p} AND p.reorder_milli IS NOT NULL AND COALESCE(l.qty_milli, 0) <= p.reorder_milli "
            f"ORDER BY COALESCE(l.qty_milli, 0) - p.reorder_milli, p.sku LIMIT {int(limit)}",
            (store_code, True)).fetchall()
        return [self._level(r) for r in rows]

    def levels_of(self, store_code: str, product_id: int) -> list[StockLevel]:
        db = database.obj
        return [self._level(r) for r in db.execute_sql(
            f"{self._LEVEL_SELECT} WHERE l.store_code = {db.param} AND l.product_id = {db.param} "
            "ORDER BY l.location", (store_code, product_id)).fetchall()]

    def movements(self, store_code: str, product_id: int, *, limit: int = 200) -> list[Movement]:
        db = database.obj
        p = db.param
        rows = db.execute_sql(
            "SELECT m.product_id, pr.sku, pr.name, m.location, m.qty_milli, m.reason, m.at, COALESCE(u.name, c.name, ''), "
            "COALESCE(m.ref, ''), COALESCE(m.note, ''), s.number FROM stock_movement m "
            "JOIN product pr ON pr.id = m.product_id LEFT JOIN app_user u ON u.id = m.user_id "
            f"LEFT JOIN sale s ON s.id = m.sale_id LEFT JOIN app_user c ON c.id = s.cashier_id "
            f"WHERE m.store_code = {p} AND m.product_id = {p} "
            f"ORDER BY m.at DESC, m.id DESC LIMIT {int(limit)}", (store_code, product_id)).fetchall()
        return [Movement(product_id=r[0], sku=r[1], name=r[2], location=r[3], qty=qty_from_milli(int(r[4])),
                         reason=r[5], at=_time(r[6]), user=r[7], ref=r[8] or (r[10] or ""), note=r[9])
                for r in rows]

    def check(self) -> list[LedgerMismatch]:
        """Every (product, store, location) whose cached level differs from the sum of its movements."""
        db = database.obj
        rows = db.execute_sql(
            "SELECT x.pid, COALESCE(p.sku, ''), x.loc, SUM(x.cached), SUM(x.ledger) FROM ("
            "SELECT product_id AS pid, store_code AS st, location AS loc, qty_milli AS cached, 0 AS ledger "
            "FROM stock_level UNION ALL SELECT product_id, store_code, location, 0, qty_milli FROM stock_movement"
            ") x LEFT JOIN product p ON p.id = x.pid GROUP BY x.pid, p.sku, x.st, x.loc "
            "HAVING SUM(x.cached) <> SUM(x.ledger) ORDER BY p.sku, x.loc").fetchall()
        return [LedgerMismatch(product_id=r[0], sku=r[1], location=r[2], cached=qty_from_milli(int(r[3])),
                               ledger=qty_from_milli(int(r[4]))) for r in rows]

    def rebuild_levels(self) -> None:
        """Make the cache the ledger again (after `check` found a difference)."""
        db = database.obj
        db.execute_sql("DELETE FROM stock_level")
        db.execute_sql("INSERT INTO stock_level (product_id, store_code, location, qty_milli) "
                       "SELECT product_id, store_code, location, SUM(qty_milli) FROM stock_movement "
                       "GROUP BY product_id, store_code, location")

    # --- product stock settings -----------------------------------------------------------
    def set_cost(self, product_id: int, cost_minor: int | None) -> None:
        db = database.obj
        db.execute_sql(f"UPDATE product SET cost_minor = {db.param} WHERE id = {db.param}", (cost_minor, product_id))

    def costs(self, product_ids: list[int]) -> dict[int, Decimal | None]:
        db = database.obj
        out: dict[int, Decimal | None] = {}
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for pid, cost in db.execute_sql(f"SELECT id, cost_minor FROM product WHERE id IN ({_in(db, chunk)})",
                                            tuple(chunk)).fetchall():
                out[pid] = None if cost is None else self._d(cost)
        return out

    def skus_of(self, product_ids: list[int]) -> dict[int, str]:
        db = database.obj
        out: dict[int, str] = {}
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out.update(db.execute_sql(f"SELECT id, sku FROM product WHERE id IN ({_in(db, chunk)})",
                                      tuple(chunk)).fetchall())
        return out

    def set_reorder(self, product_id: int, level_milli: int | None) -> None:
        db = database.obj
        db.execute_sql(f"UPDATE product SET reorder_milli = {db.param} WHERE id = {db.param}",
                       (level_milli, product_id))

    def set_contents(self, pairs: list[tuple[int, str]]) -> None:
        """(product id, pack size) pairs: what shelf labels work the unit price from."""
        db = database.obj
        db.cursor().executemany(f"UPDATE product SET content = {db.param} WHERE id = {db.param}",
                                [(content, pid) for pid, content in pairs])

    # --- stock documents (receiving, adjustment, transfer) ---------------------------------
    def add_doc(self, *, number: str, kind: str, store_code: str, user_id: int | None, approver_id: int | None,
                at: datetime, lines: list[DocLine], reason: str = "", supplier: str = "", delivery_note: str = "",
                note: str = "") -> int:
        db = database.obj
        p = db.param
        cursor = db.execute_sql(
            "INSERT INTO stock_doc (number, kind, store_code, user_id, approver_id, at, reason, supplier, "
            f"delivery_note, note) VALUES ({_in(db, range(10))})" + (" RETURNING id" if not is_sqlite(db) else ""),
            (number, kind, store_code, user_id, approver_id, _stamp(db, at), reason, supplier, delivery_note, note))
        doc_id = cursor.lastrowid if is_sqlite(db) else cursor.fetchone()[0]
        db.cursor().executemany(
            f"INSERT INTO stock_doc_line (doc_id, product_id, location, qty_milli, expected_milli, cost_minor) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            [(doc_id, ln.product_id, ln.location, qty_to_milli(ln.qty),
              None if ln.expected is None else qty_to_milli(ln.expected),
              None if ln.cost is None else int(ln.cost.scaleb(self.places))) for ln in lines])
        return doc_id

    def docs(self, store_code: str, *, kind: str | None = None, limit: int = 100) -> list[dict]:
        db = database.obj
        p = db.param
        where = f"WHERE d.store_code = {p}" + (f" AND d.kind = {p}" if kind else "")
        rows = db.execute_sql(
            "SELECT d.number, d.kind, d.at, COALESCE(u.name, ''), d.reason, d.supplier, d.delivery_note, d.note, "
            "(SELECT COUNT(*) FROM stock_doc_line x WHERE x.doc_id = d.id) FROM stock_doc d "
            f"LEFT JOIN app_user u ON u.id = d.user_id {where} ORDER BY d.id DESC LIMIT {int(limit)}",
            (store_code, kind) if kind else (store_code,)).fetchall()
        return [{"number": r[0], "kind": r[1], "at": _time(r[2]), "user": r[3], "reason": r[4], "supplier": r[5],
                 "delivery_note": r[6], "note": r[7], "lines": int(r[8])} for r in rows]

    # --- counts ---------------------------------------------------------------------------
    _COUNT_COLUMNS = (
        "SELECT c.id, c.number, c.store_code, c.status, c.scope, c.blind, c.started_at, COALESCE(s.name, ''), "
        "c.note, c.approved_at, COALESCE(a.name, ''), COALESCE(g.name, ''), c.approving_since, ")
    _COUNT_FROM = (
        " FROM stock_count c LEFT JOIN app_user s ON s.id = c.started_by LEFT JOIN app_user a ON a.id = c.approved_by "
        "LEFT JOIN app_user g ON g.id = c.approving_by ")
    _COUNT_SIZES = (
        "(SELECT COUNT(*) FROM stock_count_line l WHERE l.count_id = c.id), "
        "(SELECT COUNT(*) FROM stock_count_line l WHERE l.count_id = c.id AND EXISTS (SELECT 1 FROM "
        "stock_count_entry e WHERE e.count_id = l.count_id AND e.product_id = l.product_id AND e.location = "
        "l.location AND e.round = l.round AND e.voided_by IS NULL AND e.problem = ''))")
    _COUNT_SELECT = _COUNT_COLUMNS + _COUNT_SIZES + _COUNT_FROM
    _COUNT_HEAD = _COUNT_COLUMNS + "0, 0" + _COUNT_FROM

    def _count(self, r) -> StockCount:
        return StockCount(id=r[0], number=r[1], store_code=r[2], status=r[3],
                          scope=CountScope.from_dict(json.loads(r[4] or "{}")), blind=bool(r[5]),
                          started_at=_time(r[6]), started_by=r[7], note=r[8], approved_at=_time(r[9]),
                          approved_by=r[10], approving_by=r[11], approving_since=_time(r[12]), lines=int(r[13]), counted=int(r[14]))

    def add_count(self, *, number: str, store_code: str, scope: CountScope, blind: bool, user_id: int | None,
                  at: datetime, note: str) -> int:
        db = database.obj
        cursor = db.execute_sql(
            "INSERT INTO stock_count (number, store_code, status, scope, blind, note, started_by, started_at, "
            f"closed_note, start_movement_id) VALUES ({_in(db, range(9))}, "
            "(SELECT COALESCE(MAX(id), 0) FROM stock_movement))" + (" RETURNING id" if not is_sqlite(db) else ""),
            (number, store_code, "open", json.dumps(scope.as_dict(), ensure_ascii=False), blind, note, user_id,
             _stamp(db, at), ""))
        return cursor.lastrowid if is_sqlite(db) else cursor.fetchone()[0]

    def snapshot(self, count_id: int, *, store_code: str, location: str, category_ids: list[int] | None) -> int:
        """Record what is on hand now for every product in scope at a location: active products (and
        inactive ones that still have stock); at a location other than sellable, only what has stock."""
        db = database.obj
        p = db.param
        where = [f"(p.active = {p} OR COALESCE(l.qty_milli, 0) <> 0)"]
        params: list = [count_id, location, store_code, location, True]
        if location != "sellable":
            where.append("COALESCE(l.qty_milli, 0) <> 0")
        if category_ids is not None:
            if not category_ids:
                return 0
            where.append(f"p.category_id IN ({_in(db, category_ids)})")
            params.extend(category_ids)
        return db.execute_sql(
            "INSERT INTO stock_count_line (count_id, product_id, location, snapshot_milli, unit_value_minor, "
            f"value_basis, round) SELECT {p}, p.id, {p}, COALESCE(l.qty_milli, 0), "
            "COALESCE(p.cost_minor, p.price_minor), CASE WHEN p.cost_minor IS NULL THEN 'price' ELSE 'cost' END, 1 "
            f"FROM product p LEFT JOIN stock_level l ON l.product_id = p.id AND l.store_code = {p} "
            f"AND l.location = {p} WHERE {' AND '.join(where)}", tuple(params)).rowcount

    def get_count(self, number: str, *, sizes: bool = True) -> StockCount | None:
        """A count by its number; sizes False: without its numbers of lines and of lines counted, which
        take a pass over its lines (a scan must not: a count may have 100,000 lines)."""
        db = database.obj
        select = self._COUNT_SELECT if sizes else self._COUNT_HEAD
        row = db.execute_sql(f"{select} WHERE c.number = {db.param}", (number,)).fetchone()
        return None if row is None else self._count(row)

    def counts(self, store_code: str, *, statuses: tuple[str, ...] = (), limit: int = 100) -> list[StockCount]:
        db = database.obj
        where = f"WHERE c.store_code = {db.param}"
        if statuses:
            where += f" AND c.status IN ({_in(db, statuses)})"
        rows = db.execute_sql(f"{self._COUNT_SELECT} {where} ORDER BY c.id DESC LIMIT {int(limit)}",
                              (store_code, *statuses)).fetchall()
        return [self._count(r) for r in rows]

    def lock_for_entry(self, count_id: int) -> str | None:
        """The count's status, held against an approval starting until this transaction ends (on
        PostgreSQL a shared row lock; SQLite's write lock already covers it)."""
        db = database.obj
        tail = "" if is_sqlite(db) else " FOR SHARE"
        row = db.execute_sql(f"SELECT status FROM stock_count WHERE id = {db.param}{tail}", (count_id,)).fetchone()
        return None if row is None else row[0]

    def line_of(self, count_id: int, product_id: int, location: str) -> tuple[int, int] | None:
        """(line id, round) of a product at a location in a count, or None."""
        db = database.obj
        p = db.param
        row = db.execute_sql(f"SELECT id, round FROM stock_count_line WHERE count_id = {p} AND product_id = {p} "
                             f"AND location = {p}", (count_id, product_id, location)).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def add_line(self, count_id: int, product_id: int, location: str, *, snapshot_milli: int) -> None:
        """A line for a product in scope that the snapshot did not have (new, or inactive without stock).
        Two counters adding it at once make one line."""
        db = database.obj
        p = db.param
        db.execute_sql(
            "INSERT INTO stock_count_line (count_id, product_id, location, snapshot_milli, unit_value_minor, "
            f"value_basis, round) SELECT {p}, p.id, {p}, {p}, COALESCE(p.cost_minor, p.price_minor), "
            f"CASE WHEN p.cost_minor IS NULL THEN 'price' ELSE 'cost' END, 1 FROM product p WHERE p.id = {p} "
            "ON CONFLICT (count_id, product_id, location) DO NOTHING",
            (count_id, location, snapshot_milli, product_id))

    def add_entry(self, *, count_id: int, product_id: int | None, code: str, location: str, qty_milli: int,
                  round_: int, problem: str, user_id: int | None, terminal_code: str, at: datetime) -> int:
        db = database.obj
        cursor = db.execute_sql(
            "INSERT INTO stock_count_entry (count_id, product_id, code, location, qty_milli, round, problem, "
            f"user_id, terminal_code, at) VALUES ({_in(db, range(10))})" + ("" if is_sqlite(db) else " RETURNING id"),
            (count_id, product_id, code[:64], location, qty_milli, round_, problem, user_id, terminal_code,
             _stamp(db, at)))
        return cursor.lastrowid if is_sqlite(db) else cursor.fetchone()[0]

    def entry(self, entry_id: int) -> tuple | None:
        """(count_id, user_id, voided_by, product_id, location, round) of one entry."""
        db = database.obj
        return db.execute_sql("SELECT count_id, user_id, voided_by, product_id, location, round "
                              f"FROM stock_count_entry WHERE id = {db.param}", (entry_id,)).fetchone()

    def void_entry(self, entry_id: int, user_id: int | None) -> None:
        db = database.obj
        db.execute_sql(f"UPDATE stock_count_entry SET voided_by = {db.param} WHERE id = {db.param}",
                       (user_id or 0, entry_id))

    def line_total(self, count_id: int, product_id: int, location: str, round_: int) -> int:
        db = database.obj
        p = db.param
        return int(db.execute_sql(
            f"SELECT COALESCE(SUM(qty_milli), 0) FROM stock_count_entry WHERE count_id = {p} AND product_id = {p} "
            f"AND location = {p} AND round = {p} AND voided_by IS NULL AND problem = ''",
            (count_id, product_id, location, round_)).fetchone()[0])

    def entries(self, count_id: int, *, user_id: int | None, everyone: bool = False, limit: int = 50) -> list[tuple]:
        """A counter's latest entries (user_id None: posapp-admin's), or everybody's: id, product_id, sku, name,
        code, location, qty_milli, problem, at, voided, line total for the entry's round."""
        db = database.obj
        p = db.param
        params: tuple = (count_id,)
        if everyone:
            who = ""
        elif user_id is None:
            who = " AND e.user_id IS NULL"
        else:
            who, params = f" AND e.user_id = {p}", (count_id, user_id)
        return db.execute_sql(
            "SELECT e.id, e.product_id, COALESCE(pr.sku, ''), COALESCE(pr.name, ''), e.code, e.location, e.qty_milli, "
            "e.problem, e.at, e.voided_by IS NOT NULL, (SELECT COALESCE(SUM(x.qty_milli), 0) FROM stock_count_entry x "
            "WHERE x.count_id = e.count_id AND x.product_id = e.product_id AND x.location = e.location "
            "AND x.round = e.round AND x.voided_by IS NULL AND x.problem = '') FROM stock_count_entry e "
            f"LEFT JOIN product pr ON pr.id = e.product_id WHERE e.count_id = {p}{who} "
            f"ORDER BY e.id DESC LIMIT {int(limit)}", params).fetchall()

    def review(self, count: StockCount, *, until: datetime, only_counted: bool = False) -> list[CountLine]:
        """Every line with its snapshot, the movements written after the snapshot and stamped up to the
        moment the line was counted (or `until` for a line not counted), and what was counted in its
        current round."""
        db = database.obj
        p = db.param
        ref = f"count:{count.number}"
        rows = db.execute_sql(
            "WITH e AS (SELECT en.product_id, en.location, SUM(en.qty_milli) AS counted, MAX(en.at) AS counted_at, "
            "COUNT(*) AS n FROM stock_count_entry en JOIN stock_count_line l2 ON l2.count_id = en.count_id "
            "AND l2.product_id = en.product_id AND l2.location = en.location AND l2.round = en.round "
            f"WHERE en.count_id = {p} AND en.voided_by IS NULL AND en.problem = '' "
            "GROUP BY en.product_id, en.location) "
            "SELECT l.product_id, pr.sku, pr.name, COALESCE(c.path, ''), l.location, pr.unit, pr.weighed, "
            "l.snapshot_milli, COALESCE((SELECT SUM(m.qty_milli) FROM stock_movement m WHERE m.product_id = "
            f"l.product_id AND m.location = l.location AND m.store_code = {p} AND m.id > (SELECT start_movement_id "
            f"FROM stock_count WHERE id = {p}) "
            f"AND m.at <= COALESCE(e.counted_at, {p}) AND m.ref <> {p}), 0), e.counted, e.counted_at, "
            "l.unit_value_minor, l.value_basis, l.round, COALESCE(e.n, 0), l.posted_milli, "
            "(SELECT MIN(b.code) FROM barcode b WHERE b.product_id = l.product_id) "
            "FROM stock_count_line l JOIN product pr ON pr.id = l.product_id "
            "LEFT JOIN category c ON c.id = pr.category_id "
            "LEFT JOIN e ON e.product_id = l.product_id AND e.location = l.location "
            f"WHERE l.count_id = {p}" + (" AND e.counted IS NOT NULL" if only_counted else "") +
            " ORDER BY COALESCE(c.path, ''), pr.sku, l.location",
            (count.id, count.store_code, count.id, _stamp(db, until), ref, count.id)).fetchall()
        return [CountLine(product_id=r[0], sku=r[1], name=r[2], category=r[3], location=r[4], unit=r[5],
                          weighed=bool(r[6]), snapshot=qty_from_milli(int(r[7])), moved=qty_from_milli(int(r[8])),
                          counted=None if r[9] is None else qty_from_milli(int(r[9])), counted_at=_time(r[10]),
                          unit_value=self._d(r[11]), value_basis=r[12], round=int(r[13]), entries=int(r[14]),
                          posted=None if r[15] is None else qty_from_milli(int(r[15])), barcode=r[16] or "")
                for r in rows]

    def problems(self, count_id: int) -> list[CountProblem]:
        db = database.obj
        rows = db.execute_sql(
            "SELECT e.id, e.code, e.problem, e.qty_milli, e.location, COALESCE(u.name, ''), e.terminal_code, e.at, "
            "COALESCE(pr.sku, ''), COALESCE(pr.name, '') FROM stock_count_entry e "
            "LEFT JOIN app_user u ON u.id = e.user_id LEFT JOIN product pr ON pr.id = e.product_id "
            f"WHERE e.count_id = {db.param} AND e.problem <> '' AND e.voided_by IS NULL ORDER BY e.id",
            (count_id,)).fetchall()
        return [CountProblem(entry_id=r[0], code=r[1], problem=r[2], qty=qty_from_milli(int(r[3])), location=r[4],
                             user=r[5], terminal=r[6], at=_time(r[7]), sku=r[8], name=r[9]) for r in rows]

    def recount(self, count_id: int, items: list[tuple[int, str]]) -> int:
        """Start a new round for these (product, location) lines: what was counted so far no longer counts."""
        db = database.obj
        p = db.param
        cursor = db.cursor()
        cursor.executemany(f"UPDATE stock_count_line SET round = round + 1 WHERE count_id = {p} AND product_id = {p} "
                           f"AND location = {p}", [(count_id, pid, loc) for pid, loc in items])
        return len(items)

    def recount_list(self, count_id: int) -> list[tuple]:
        """(sku, name, location) of lines asked to be counted again and not counted since."""
        db = database.obj
        p = db.param
        return db.execute_sql(
            "SELECT pr.sku, pr.name, l.location FROM stock_count_line l JOIN product pr ON pr.id = l.product_id "
            f"WHERE l.count_id = {p} AND l.round > 1 AND NOT EXISTS (SELECT 1 FROM stock_count_entry e "
            "WHERE e.count_id = l.count_id AND e.product_id = l.product_id AND e.location = l.location "
            "AND e.round = l.round AND e.voided_by IS NULL) ORDER BY pr.sku", (count_id,)).fetchall()

    def claim(self, count_id: int, *, user_id: int | None, now: datetime, stale_before: datetime) -> bool:
        """Mark the count as being approved by this user: from open, from a claim left by a crash (older than
        stale_before), or from this user's own earlier claim (their approval died; they try again). The claim
        is the moment `now`: finishing needs it unchanged, so of two claims only the later one can finish."""
        db = database.obj
        p = db.param
        return db.execute_sql(
            f"UPDATE stock_count SET status = 'approving', approving_by = {p}, approving_since = {p} "
            f"WHERE id = {p} AND (status = 'open' OR (status = 'approving' AND (approving_since < {p} "
            f"OR approving_by = {p})))",
            (user_id, _stamp(db, now), count_id, _stamp(db, stale_before), user_id)).rowcount == 1

    def release(self, count_id: int, *, user_id: int | None) -> None:
        db = database.obj
        p = db.param
        db.execute_sql(f"UPDATE stock_count SET status = 'open', approving_by = NULL, approving_since = NULL "
                       f"WHERE id = {p} AND status = 'approving' AND approving_by IS NOT DISTINCT FROM {p}"
                       if not is_sqlite(db) else
                       f"UPDATE stock_count SET status = 'open', approving_by = NULL, approving_since = NULL "
                       f"WHERE id = {p} AND status = 'approving' AND approving_by IS {p}", (count_id, user_id))

    def finish(self, count_id: int, *, user_id: int | None, now: datetime, status: str, note: str = "",
               claimed: datetime | None = None, stale_before: datetime | None = None) -> bool:
        """approved (from this user's claim made at `claimed`) or cancelled (from open, or from a claim
        left by a crash: older than stale_before)."""
        db = database.obj
        p = db.param
        if status == "approved":
            same = "IS NOT DISTINCT FROM" if not is_sqlite(db) else "IS"
            return db.execute_sql(
                f"UPDATE stock_count SET status = 'approved', approved_by = {p}, approved_at = {p}, closed_note = {p} "
                f"WHERE id = {p} AND status = 'approving' AND approving_by {same} {p} AND approving_since = {p}",
                (user_id, _stamp(db, now), note, count_id, user_id, _stamp(db, claimed))).rowcount == 1
        return db.execute_sql(
            f"UPDATE stock_count SET status = 'cancelled', approved_by = {p}, approved_at = {p}, closed_note = {p} "
            f"WHERE id = {p} AND (status = 'open' OR (status = 'approving' AND approving_since < {p}))",
            (user_id, _stamp(db, now), note, count_id, _stamp(db, stale_before or now))).rowcount == 1

    def set_posted(self, count_id: int, posted: list[tuple[int, str, int]]) -> None:
        db = database.obj
        p = db.param
        db.cursor().executemany(
            f"UPDATE stock_count_line SET posted_milli = {p} WHERE count_id = {p} AND product_id = {p} AND location = {p}",
            [(q, count_id, pid, loc) for pid, loc, q in posted])

    def open_scopes(self, store_code: str) -> list[StockCount]:
        return self.counts(store_code, statuses=("open", "approving"))
