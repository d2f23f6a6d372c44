"""Stock count (盘点) storage: counts, their snapshot lines, the counters' entries, recounts, and the
approval claim. Hand-written SQL: the same statements run on SQLite and PostgreSQL, and a count
reviews tens of thousands of lines at once. The stock ledger itself is in stock_repo."""

from __future__ import annotations

import json
from datetime import datetime

from posapp.domain.money import from_minor, qty_from_milli
from posapp.domain.stock import CountLine, CountProblem, CountScope, StockCount
from posapp.storage.db import database, is_sqlite
from posapp.storage.sales_repo import _stamp
from posapp.storage.stock_repo import _in, _time


class CountRepository:
    def __init__(self, places: int = 2):
        self.places = places

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

    def of_store(self, store_code: str, *, statuses: tuple[str, ...] = (), limit: int = 100) -> list[StockCount]:
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

    def ledger_at_start(self, count_id: int, store_code: str, product_id: int, location: str) -> int:
        """On hand in thousandths as the ledger stood when a count's snapshot was taken."""
        db = database.obj
        p = db.param
        return int(db.execute_sql(
            f"SELECT COALESCE(SUM(qty_milli), 0) FROM stock_movement WHERE product_id = {p} AND location = {p} "
            f"AND store_code = {p} AND id <= (SELECT start_movement_id FROM stock_count WHERE id = {p})",
            (product_id, location, store_code, count_id)).fetchone()[0])

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
                          unit_value=from_minor(int(r[11]), self.places), value_basis=r[12], round=int(r[13]),
                          entries=int(r[14]), posted=None if r[15] is None else qty_from_milli(int(r[15])),
                          barcode=r[16] or "")
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
        return self.of_store(store_code, statuses=("open", "approving"))
