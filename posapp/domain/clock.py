"""Time is stored in UTC (naive, same on SQLite and PostgreSQL) and shown in the store's zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(moment: datetime, tz: str) -> datetime:
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz))
