"""A lease in the database: in a store where several terminals share one PostgreSQL database, only the
terminal holding the lease runs the sync worker. The lease is a row with an expiry, taken and renewed
by one conditional UPDATE (or the first INSERT), so two terminals asking at the same moment cannot
both get it; a terminal that dies simply stops renewing and another takes over after the expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from posapp.storage.db import database, is_sqlite


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    expires_at: datetime
    renewed_at: datetime


def _stamp(db, at: datetime):
    return at.isoformat(" ") if is_sqlite(db) else at


def _time(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class LeaseRepository:
    def take(self, name: str, holder: str, *, now: datetime, ttl: timedelta, stale: str | None = None) -> bool:
        """Take or renew the lease for `holder`; False while someone else holds an unexpired one.
        stale: a holder known to be gone (a process that died on this machine), taken over at once.
        Call inside a transaction (the unit of work) and commit."""
        db = database.obj
        p = db.param
        until = _stamp(db, now + ttl)
        cursor = db.execute_sql(
            f"UPDATE sync_lease SET holder = {p}, expires_at = {p}, renewed_at = {p} "
            f"WHERE name = {p} AND (holder = {p} OR holder = {p} OR expires_at < {p})",
            (holder, until, _stamp(db, now), name, holder, stale or holder, _stamp(db, now)))
        if cursor.rowcount == 1:
            return True
        cursor = db.execute_sql(
            f"INSERT INTO sync_lease (name, holder, expires_at, renewed_at) VALUES ({p}, {p}, {p}, {p}) "
            "ON CONFLICT (name) DO NOTHING", (name, holder, until, _stamp(db, now)))
        return cursor.rowcount == 1

    def release(self, name: str, holder: str) -> None:
        db = database.obj
        db.execute_sql(f"DELETE FROM sync_lease WHERE name = {db.param} AND holder = {db.param}", (name, holder))

    def get(self, name: str) -> Lease | None:
        db = database.obj
        row = db.execute_sql(f"SELECT name, holder, expires_at, renewed_at FROM sync_lease WHERE name = {db.param}",
                             (name,)).fetchone()
        return None if row is None else Lease(row[0], row[1], _time(row[2]), _time(row[3]))
