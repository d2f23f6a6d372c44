"""Read-side query for the member report: every member with what they bought in a time range and their
points balance, in one statement (one consistent snapshot, no write lock). Sums in SQL in integer minor
units; money back as Decimal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from posapp.storage.db import database
from posapp.storage.report_repo import ReportRepository, _int, _time

_FETCH = 5000  # rows per fetch: a million members are streamed, not held twice


class MemberFigures(NamedTuple):
    code: str
    name: str
    phone: str  # in full: whoever builds a report masks it
    active: bool
    spend: Decimal  # sales totals in the range, less what was returned in it
    visits: int  # sales in the range (returns are not visits)
    last_visit: datetime | None  # naive UTC; None: no sale in the range
    points: int  # the ledger's balance at the range's end


class MemberReportRepository(ReportRepository):
    def member_figures(self, *, start: datetime, end: datetime) -> Iterator[MemberFigures]:
        """Every member (by id), with their sales from start to end (both included) and their points
        balance at end; members who bought nothing have 0 spend and visits and no last visit."""
        p = database.obj.param
        cursor = database.obj.execute_sql(
            "SELECT m.code, m.name, m.phone, m.active, s.spend, s.visits, s.last_visit, pe.points "
            "FROM member m "
            # A return takes off the spend but is no purchase: not a visit, nor the last one.
            "LEFT JOIN (SELECT member_code, SUM(total_minor) AS spend, "
            "SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS visits, "
            "MAX(CASE WHEN kind = 'sale' THEN created_at END) AS last_visit FROM sale "
            f"WHERE member_code IS NOT NULL AND created_at >= {p} AND created_at <= {p} "
            "GROUP BY member_code) s ON s.member_code = m.code "
            "LEFT JOIN (SELECT member_id, SUM(points) AS points FROM points_entry "
            f"WHERE at <= {p} GROUP BY member_id) pe ON pe.member_id = m.id "
            "ORDER BY m.id", (self._stamp(start), self._stamp(end), self._stamp(end)))
        zero = self._d(0)  # most members of a big base never bought: one shared Decimal for them
        while rows := cursor.fetchmany(_FETCH):
            for code, name, phone, active, spend, visits, last, points in rows:
                yield MemberFigures(code=code, name=name or "", phone=phone or "", active=bool(active),
                                    spend=self._d(spend) if spend else zero, visits=_int(visits),
                                    last_visit=_time(last), points=_int(points))
