"""After-sales cases and their notes; notes are only ever added."""

from __future__ import annotations

from datetime import datetime

from peewee import JOIN, fn

from posapp.domain.cases import Case, CaseNote
from posapp.storage.models import CaseNoteRow, CaseRow, UserRow


ADMIN = "posapp-admin"  # what was done from the command line, by no user of the till


def _case(row: CaseRow, notes=()) -> Case:
    return Case(id=row.id, number=row.number, store_code=row.store_code, kind=row.kind, status=row.status,
                sale_number=row.sale_number, member_code=row.member_code, contact=row.contact,
                description=row.description, opened_by=row.opened_by.name if row.opened_by_id else ADMIN,
                opened_at=row.opened_at, handler=row.handler.name if row.handler_id else None,
                updated_at=row.updated_at, resolved_at=row.resolved_at, notes=tuple(notes))


class CaseRepository:
    def add(self, *, number: str, store_code: str, kind: str, sale_number: str, member_code: str, contact: str,
            description: str, user_id: int, at: datetime) -> Case:
        row = CaseRow.create(number=number, store_code=store_code, kind=kind, status="open", sale_number=sale_number,
                             member_code=member_code, contact=contact, description=description, opened_by=user_id,
                             opened_at=at, updated_at=at)
        CaseNoteRow.create(case=row.id, at=at, user=user_id, status="open", note=description)
        return self.get(row.number)

    def get(self, number: str) -> Case | None:
        row = CaseRow.get_or_none(CaseRow.number == number)
        if row is None:
            return None
        notes = (CaseNoteRow.select(CaseNoteRow, UserRow).join(UserRow, JOIN.LEFT_OUTER)
                 .where(CaseNoteRow.case == row.id).order_by(CaseNoteRow.id))
        return _case(row, [CaseNote(at=n.at, user=n.user.name if n.user_id else ADMIN, status=n.status, note=n.note)
                           for n in notes])

    def update(self, number: str, *, status: str, note: str, user_id: int, at: datetime,
               handler_id: int | None) -> Case:
        row = CaseRow.get(CaseRow.number == number)
        CaseRow.update(status=status, handler=handler_id, updated_at=at,
                       resolved_at=at if status == "resolved" else None).where(CaseRow.id == row.id).execute()
        CaseNoteRow.create(case=row.id, at=at, user=user_id, status=status, note=note)
        return self.get(number)

    def count(self, store_code: str) -> int:
        return CaseRow.select().where(CaseRow.store_code == store_code).count()

    def find(self, *, statuses: tuple[str, ...] = (), kind: str | None = None, sale_number: str | None = None,
             member_code: str | None = None, limit: int = 500) -> list[Case]:
        """Cases, oldest open first (what needs doing), newest first among the resolved."""
        Handler = UserRow.alias()
        query = (CaseRow.select(CaseRow, UserRow, Handler)
                 .join(UserRow, JOIN.LEFT_OUTER, on=CaseRow.opened_by == UserRow.id)
                 .switch(CaseRow).join(Handler, JOIN.LEFT_OUTER, on=CaseRow.handler == Handler.id))
        if statuses:
            query = query.where(CaseRow.status.in_(statuses))
        if kind:
            query = query.where(CaseRow.kind == kind)
        if sale_number:
            query = query.where(CaseRow.sale_number == sale_number)
        if member_code:
            query = query.where(CaseRow.member_code == member_code)
        rows = query.order_by(CaseRow.status == "resolved", CaseRow.opened_at, CaseRow.id).limit(limit)
        return [_case(r) for r in rows]

    def summary(self, since: datetime | None = None) -> list[tuple[str, str, int]]:
        """(kind, status, count) of cases opened since a moment."""
        query = CaseRow.select(CaseRow.kind, CaseRow.status, fn.COUNT(CaseRow.id))
        if since is not None:
            query = query.where(CaseRow.opened_at >= since)
        return [tuple(r) for r in query.group_by(CaseRow.kind, CaseRow.status).order_by(CaseRow.kind, CaseRow.status)
                .tuples()]
