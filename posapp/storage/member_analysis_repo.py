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

    def class_counts(self, *, moments: list[datetime], rule: ClassRule,
                     year: timedelta) -> list[dict[str, tuple[int, int]]]:
        """For each moment: class -> (members, their spend in minor units), for the members who existed then.

        The rule of domain.points.customer_class, in SQL: a year of sales before the moment (both ends
        included; returns take off the spend but are no visit), in every store; "came in the last N days" is
        (at - last visit).days <= N, that is: the last visit after at - (N + 1) days. One pass over the sales
        for every moment at once (a sum per moment in each member's group), not a pass per moment: each
        pass reads a year of sales."""
        if not moments:
            return []
        p = database.obj.param
        stamp = self._stamp
        minor = lambda amount: to_minor(amount, self.places)  # noqa: E731
        inner, inner_params, cls, cls_params, sums = [], [], [], [], []
        for k, at in enumerate(moments):
            within = f"created_at >= {p} AND created_at <= {p}"
            inner.append(f"SUM(CASE WHEN {within} THEN total_minor ELSE 0 END) AS sp{k}, "
                         f"SUM(CASE WHEN kind = 'sale' AND {within} THEN 1 ELSE 0 END) AS v{k}, "
                         f"MAX(CASE WHEN kind = 'sale' AND {within} THEN created_at END) AS l{k}")
            inner_params += [stamp(at - year), stamp(at)] * 3
            cls.append(f"CASE WHEN m.created_at > {p} THEN NULL WHEN s.l{k} IS NULL THEN 'C' "
                       f"WHEN s.sp{k} >= {p} AND s.v{k} >= {p} AND s.l{k} > {p} THEN 'A' "
                       f"WHEN (s.sp{k} >= {p} OR s.v{k} >= {p}) AND s.l{k} > {p} THEN 'B' ELSE 'C' END AS c{k}, "
                       f"COALESCE(s.sp{k}, 0) AS sp{k}")
            cls_params += [stamp(at), minor(rule.a_spend), rule.a_visits, stamp(at - timedelta(days=rule.a_days + 1)),
                           minor(rule.b_spend), rule.b_visits, stamp(at - timedelta(days=rule.b_days + 1))]
            sums += [f"SUM(CASE WHEN q.c{k} = '{c}' THEN {what} ELSE 0 END)"
                     for c in "ABC" for what in ("1", f"q.sp{k}")]
        rows = self._sql(
            f"SELECT {', '.join(sums)} FROM (SELECT {', '.join(cls)} FROM member m "
            f"LEFT JOIN (SELECT member_code, {', '.join(inner)} FROM sale WHERE member_code IS NOT NULL "
            f"AND created_at >= {p} AND created_at <= {p} GROUP BY member_code) s ON s.member_code = m.code) q",
            (*cls_params, *inner_params, stamp(min(moments) - year), stamp(max(moments))))
        row = rows[0]
        return [{c: (_int(row[6 * k + 2 * i]), _int(row[6 * k + 2 * i + 1])) for i, c in enumerate("ABC")}
                for k in range(len(moments))]
