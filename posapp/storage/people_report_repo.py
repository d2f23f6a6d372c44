"""Read-side queries for the payments and staff reports: sums in SQL, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from posapp.domain.money import from_minor
from posapp.storage.db import database, is_sqlite
from posapp.storage.report_repo import _int, _time

# Audit actions the staff report counts (written by services.till.authorize and services.members).
LINE_VOIDED, SALE_VOIDED, MEMBER_CREATED = "line_voided", "sale_voided", "member_created"
NOT_OVERRIDES = ("override_refused",)  # an approver is named there, but nothing was approved


class PeopleReportRepository:
    def __init__(self, places: int = 2):
        self.places = places

    def money(self, minor):
        return from_minor(_int(minor), self.places)

    def _stamp(self, moment: datetime):
        return str(moment) if is_sqlite(database.obj) else moment  # as peewee writes them

    def _sql(self, sql: str, params: tuple = ()) -> list[tuple]:
        return database.obj.execute_sql(sql, params).fetchall()

    def _range(self, column: str, store_code: str, start: datetime, end: datetime) -> tuple[str, tuple]:
        p = database.obj.param
        return (f"{column.split('.')[0]}.store_code = {p} AND {column} >= {p} AND {column} < {p}",
                (store_code, self._stamp(start), self._stamp(end)))

    def payments_by_tender(self, store_code: str, start: datetime, end: datetime) -> list[tuple]:
        """(tender, kind, count, amount minor as stored) per tender and sale kind."""
        where, params = self._range("s.created_at", store_code, start, end)
        rows = self._sql("SELECT p.tender, s.kind, COUNT(*), SUM(p.amount_minor) FROM payment p "
                         f"JOIN sale s ON s.id = p.sale_id WHERE {where} GROUP BY p.tender, s.kind", params)
        return [(r[0], r[1], _int(r[2]), _int(r[3])) for r in rows]

    def sales_by_kind(self, store_code: str, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
        """kind -> (count, rounding minor as stored)."""
        where, params = self._range("s.created_at", store_code, start, end)
        rows = self._sql(f"SELECT s.kind, COUNT(*), SUM(s.rounding_minor) FROM sale s WHERE {where} "
                         "GROUP BY s.kind", params)
        return {r[0]: (_int(r[1]), _int(r[2])) for r in rows}

    def sales_by_cashier(self, store_code: str, start: datetime, end: datetime) -> list[tuple]:
        """(cashier id, kind, count, total minor as stored)."""
        where, params = self._range("s.created_at", store_code, start, end)
        rows = self._sql(f"SELECT s.cashier_id, s.kind, COUNT(*), SUM(s.total_minor) FROM sale s WHERE {where} "
                         "GROUP BY s.cashier_id, s.kind", params)
        return [(r[0], r[1], _int(r[2]), _int(r[3])) for r in rows]

    def audit_by_actor(self, store_code: str, start: datetime, end: datetime) -> list[tuple]:
        """(actor id, action, rows, rows a supervisor or manager approved) per actor and action."""
        where, params = self._range("a.at", store_code, start, end)
        p = database.obj.param
        rows = self._sql("SELECT a.actor_id, a.action, COUNT(*), "
                         "SUM(CASE WHEN a.approver_id IS NOT NULL AND a.approver_id <> a.actor_id THEN 1 ELSE 0 END) "
                         f"FROM audit_log a WHERE {where} AND a.actor_id IS NOT NULL AND a.action <> {p} "
                         "GROUP BY a.actor_id, a.action", (*params, *NOT_OVERRIDES))
        return [(r[0], r[1], _int(r[2]), _int(r[3])) for r in rows]

    def shifts_overlapping(self, store_code: str, start: datetime, end: datetime) -> list[tuple]:
        """(opened by, opened_at, closed_at or None) of the shifts that overlap [start, end)."""
        p = database.obj.param
        rows = self._sql("SELECT sh.opened_by_id, sh.opened_at, sh.closed_at FROM shift sh "
                         f"WHERE sh.store_code = {p} AND sh.opened_at < {p} "
                         f"AND (sh.closed_at IS NULL OR sh.closed_at > {p})",
                         (store_code, self._stamp(end), self._stamp(start)))
        return [(r[0], _time(r[1]), _time(r[2])) for r in rows]

    def names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        p = database.obj.param
        ordered = sorted(ids)
        rows = self._sql(f"SELECT id, name FROM app_user WHERE id IN ({', '.join([p] * len(ordered))})",
                         tuple(ordered))
        return {r[0]: r[1] for r in rows}
