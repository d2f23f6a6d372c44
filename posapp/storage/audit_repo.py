"""The audit log: who did what, approved by whom, when and where."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from posapp.storage.models import AuditRow, UserRow


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    store_code: str
    terminal_code: str
    actor: str | None
    approver: str | None
    action: str
    detail: dict


class AuditRepository:
    def add(self, *, store_code: str, terminal_code: str, action: str, actor_id: int | None,
            approver_id: int | None = None, detail: dict | None = None) -> int:
        row = AuditRow.create(store_code=store_code, terminal_code=terminal_code, action=action,
                              actor=actor_id, approver=approver_id,
                              detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True,
                                                default=str))
        return row.id

    def recent(self, *, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
        query = AuditRow.select().order_by(AuditRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditRow.action == action)
        rows = list(query)
        ids = {r.actor_id for r in rows} | {r.approver_id for r in rows}
        names = dict(UserRow.select(UserRow.id, UserRow.username)
                     .where(UserRow.id.in_([i for i in ids if i])).tuples())
        return [AuditEntry(id=r.id, at=r.at, store_code=r.store_code,
                           terminal_code=r.terminal_code, actor=names.get(r.actor_id),
                           approver=names.get(r.approver_id), action=r.action,
                           detail=json.loads(r.detail or "{}")) for r in rows]
