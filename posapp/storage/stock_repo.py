"""Stock storage: the movement ledger and its cached levels, product stock settings, stock documents.

Every change of stock is a row in stock_movement; stock_level is kept equal to the ledger's sums by
a trigger (migration 0010), and `check` proves it. Hand-written SQL: the same statements run on
SQLite and PostgreSQL. Stock counts (盘点) are in count_repo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import from_minor, qty_from_milli, qty_to_milli
from posapp.domain.stock import DocLine, Movement, StockLevel
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
