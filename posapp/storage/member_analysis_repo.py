"""Read-side queries for the members section of the reports: sums in SQL by UTC hour (the domain moves
them into the store's days), class counts worked out in SQL from a year of sales, points by kind.
The same statements on SQLite and PostgreSQL; money in integer minor units until the end."""

from __future__ import annotations

from datetime import datetime, timedelta

from posapp.domain.money import to_minor
from posapp.domain.points import ClassRule
from posapp.storage.db import database, is_sqlite
from posapp.storage.report_repo import ReportRepository, Scope, _int

MEMBER_CREATED = "member_created"  # the audit action of a sign-up at a till (services.members.sign_up)


def _hour(column: str) -> str:
    if is_sqlite(database.obj):
        return f"strftime('%Y-%m-%d %H', {column})"
    return f"to_char({column}, 'YYYY-MM-DD HH24')"


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H")


class MemberAnalysisRepository(ReportRepository):
    def sales_by_hour(self, *, store_code: str, start: datetime, end: datetime) -> list[tuple]:
        """(UTC hour, by a member, kind, count, net minor) of the store's sales and returns in [start, end).
        Net as the period report has it: a sale's total after line, basket and promotion discounts before
        tax is added on top; a return's (negative) total."""
        where, params = Scope(store_code=store_code, start=start, end=end).where(self._stamp)
        member = "CASE WHEN s.member_code IS NULL OR s.member_code = '' THEN 0 ELSE 1 END"
        rows = self._sql(
            f"SELECT {_hour('s.created_at')}, {member}, s.kind, COUNT(*), "
            "SUM(CASE WHEN s.kind = 'return' THEN s.total_minor "
            "ELSE s.subtotal_minor - s.basket_discount_minor - s.promo_discount_minor END) "
            f"FROM sale s WHERE {where} GROUP BY 1, 2, 3 ORDER BY 1", params)
        return [(_when(r[0]), bool(_int(r[1])), r[2], _int(r[3]), _int(r[4])) for r in rows]

    def buyers(self, *, store_code: str, start: datetime, end: datetime) -> int:
        """Different members who bought in the store in [start, end)."""
        where, params = Scope(store_code=store_code, start=start, end=end).where(self._stamp)
        rows = self._sql(f"SELECT COUNT(DISTINCT s.member_code) FROM sale s WHERE {where} AND s.kind = 'sale' "
                         "AND s.member_code IS NOT NULL AND s.member_code <> ''", params)
        return _int(rows[0][0])

    def new_members_by_hour(self, *, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """(UTC hour, members created) in [start, end): every channel (tills, the shop, imports)."""
        p = database.obj.param
        rows = self._sql(f"SELECT {_hour('m.created_at')}, COUNT(*) FROM member m WHERE m.created_at >= {p} "
                         f"AND m.created_at < {p} GROUP BY 1 ORDER BY 1", (self._stamp(start), self._stamp(end)))
        return [(_when(r[0]), _int(r[1])) for r in rows]

    def signed_up_at(self, *, store_code: str, start: datetime, end: datetime) -> int:
        """Sign-ups at the store's tills in [start, end) (their audit rows)."""
        p = database.obj.param
        rows = self._sql(f"SELECT COUNT(*) FROM audit_log a WHERE a.store_code = {p} AND a.action = {p} "
                         f"AND a.at >= {p} AND a.at < {p}",
                         (store_code, MEMBER_CREATED, self._stamp(start), self._stamp(end)))
        return _int(rows[0][0])

    def points_by_hour(self, *, start: datetime, end: datetime) -> list[tuple[datetime, str, int]]:
        """(UTC hour, kind, points) of every member's ledger in [start, end), signed as stored."""
        p = database.obj.param
        rows = self._sql(f"SELECT {_hour('e.at')}, e.kind, SUM(e.points) FROM points_entry e WHERE e.at >= {p} "
                         f"AND e.at < {p} GROUP BY 1, 2 ORDER BY 1", (self._stamp(start), self._stamp(end)))
        return [(_when(r[0]), r[1], _int(r[2])) for r in rows]

    def points_here(self, *, store_code: str, start: datetime, end: datetime) -> tuple[int, int]:
        """(earned, redeemed as a positive number) at the store's tills in [start, end)."""
        p = database.obj.param
        rows = self._sql("SELECT SUM(CASE WHEN e.kind = 'earn' THEN e.points ELSE 0 END), "
                         "SUM(CASE WHEN e.kind = 'redeem' THEN -e.points ELSE 0 END) FROM points_entry e "
                         f"WHERE e.store_code = {p} AND e.at >= {p} AND e.at < {p}",
                         (store_code, self._stamp(start), self._stamp(end)))
        return _int(rows[0][0]), _int(rows[0][1])

    def points_balance(self, *, before: datetime) -> tuple[int, int]:
        """(every member's points, members holding any) from the entries before a moment."""
        p = database.obj.param
        rows = self._sql("SELECT SUM(b.points), SUM(CASE WHEN b.points > 0 THEN 1 ELSE 0 END) FROM "
                         f"(SELECT e.member_id, SUM(e.points) AS points FROM points_entry e WHERE e.at < {p} "
                         "GROUP BY e.member_id) b", (self._stamp(before),))
        return _int(rows[0][0]), _int(rows[0][1])

    def class_counts(self, *, at: datetime, rule: ClassRule, year: timedelta) -> dict[str, tuple[int, int]]:
        """class -> (members, their spend in minor units) at a moment, for members who existed then.

        The rule of domain.points.customer_class, in SQL: a year of sales before `at` (both ends included;
        returns take off the spend but are no visit), in every store; "came in the last N days" is
        (at - last visit).days <= N, that is: the last visit after at - (N + 1) days."""
        p = database.obj.param
        stamp = self._stamp
        minor = lambda amount: to_minor(amount, self.places)  # noqa: E731
        rows = self._sql(
            "SELECT q.cls, COUNT(*), SUM(q.spend) FROM (SELECT CASE "
            "WHEN s.last_visit IS NULL THEN 'C' "
            f"WHEN s.spend >= {p} AND s.visits >= {p} AND s.last_visit > {p} THEN 'A' "
            f"WHEN (s.spend >= {p} OR s.visits >= {p}) AND s.last_visit > {p} THEN 'B' "
            "ELSE 'C' END AS cls, COALESCE(s.spend, 0) AS spend FROM member m "
            "LEFT JOIN (SELECT member_code, SUM(total_minor) AS spend, "
            "SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS visits, "
            "MAX(CASE WHEN kind = 'sale' THEN created_at END) AS last_visit FROM sale "
            f"WHERE member_code IS NOT NULL AND created_at >= {p} AND created_at <= {p} "
            f"GROUP BY member_code) s ON s.member_code = m.code WHERE m.created_at <= {p}) q GROUP BY q.cls",
            (minor(rule.a_spend), rule.a_visits, stamp(at - timedelta(days=rule.a_days + 1)),
             minor(rule.b_spend), rule.b_visits, stamp(at - timedelta(days=rule.b_days + 1)),
             stamp(at - year), stamp(at), stamp(at)))
        return {r[0]: (_int(r[1]), _int(r[2])) for r in rows}
