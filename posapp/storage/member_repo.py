"""Members and their points ledger. Entries are only ever added; balances are sums over them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

from peewee import fn

from posapp.domain.clock import utcnow
from posapp.domain.members import Member, normal_email
from posapp.domain.money import from_minor
from posapp.domain.points import Entry, EntryKind
from posapp.storage.db import database
from posapp.storage.models import MemberRow, PointsEntryRow, SaleRow
from posapp.storage.sales_repo import SalesRepository, _stamp


def _member(row: MemberRow) -> Member:
    return Member(id=row.id, code=row.code, name=row.name, phone=row.phone, tier=row.tier, active=row.active,
                  consent=row.consent, customer_class=row.customer_class or "C", external_id=row.external_id,
                  created_at=row.created_at, email=row.email or "")


def _entry(row: PointsEntryRow) -> Entry:
    return Entry(kind=EntryKind(row.kind), points=int(row.points), at=row.at, id=row.id,
                 sale_number=row.sale_number, reason=row.reason, expires_at=row.expires_at)


class MemberRepository:
    def add(self, *, code: str, name: str = "", phone: str = "", tier: str = "", consent: bool = False,
            external_id: str | None = None, email: str = "") -> Member:
        now = utcnow()
        return _member(MemberRow.create(code=code, name=name, phone=phone, tier=tier, consent=consent,
                                        external_id=external_id, email=normal_email(email), created_at=now,
                                        updated_at=now))

    def update(self, member_id: int, **fields) -> Member:
        fields["updated_at"] = utcnow()
        if "email" in fields:
            fields["email"] = normal_email(fields["email"])
        MemberRow.update(**fields).where(MemberRow.id == member_id).execute()
        return self.get(member_id)

    def get(self, member_id: int) -> Member | None:
        row = MemberRow.get_or_none(MemberRow.id == member_id)
        return _member(row) if row else None

    def by_code(self, code: str) -> Member | None:
        row = MemberRow.get_or_none(MemberRow.code == code)
        return _member(row) if row else None

    def by_phone(self, phone: str) -> Member | None:
        if not phone:
            return None
        row = MemberRow.get_or_none(MemberRow.phone == phone)
        return _member(row) if row else None

    def by_external_id(self, external_id: str) -> Member | None:
        row = MemberRow.get_or_none(MemberRow.external_id == external_id)
        return _member(row) if row else None

    def _many(self, column, values) -> list[Member]:
        values = sorted({v for v in values if v})
        found = []
        for start in range(0, len(values), 500):
            found += [_member(r) for r in MemberRow.select().where(column.in_(values[start:start + 500]))
                      .order_by(MemberRow.id)]
        return found

    def by_external_ids(self, external_ids) -> dict[str, Member]:
        """Shop customer id -> the member linked to it."""
        return {m.external_id: m for m in reversed(self._many(MemberRow.external_id, external_ids))}

    def by_emails(self, emails) -> dict[str, Member]:
        """Email -> the oldest member with it (emails are kept in lower case, so this uses the index)."""
        return {m.email: m for m in reversed(self._many(MemberRow.email, [normal_email(e) for e in emails]))}

    def by_phones(self, phones) -> dict[str, Member]:
        return {m.phone: m for m in self._many(MemberRow.phone, phones)}

    def by_codes(self, codes) -> dict[str, Member]:
        return {m.code: m for m in self._many(MemberRow.code, codes)}

    def all(self, *, active_only: bool = False) -> list[Member]:
        query = MemberRow.select().order_by(MemberRow.id)
        if active_only:
            query = query.where(MemberRow.active == True)  # noqa: E712 (peewee expression)
        return [_member(r) for r in query]

    def search(self, text: str, *, limit: int = 100, include_disabled: bool = True) -> list[Member]:
        """Members whose card number starts with, phone contains, or name contains the text; newest
        first. No text: the newest members."""
        query = MemberRow.select()
        text = text.strip()
        if text:
            # LIKE's wildcards are not searched for: what is left of the text is, literally.
            text = text.replace("\\", "").replace("%", "").replace("_", "")
            if not text:
                return []
            like = "%" + text + "%"
            query = query.where((MemberRow.code.startswith(text)) | (MemberRow.phone ** like)
                                | (MemberRow.name ** like))
        if not include_disabled:
            query = query.where(MemberRow.active == True)  # noqa: E712 (peewee expression)
        return [_member(r) for r in query.order_by(MemberRow.id.desc()).limit(limit)]

    def count(self) -> int:
        return MemberRow.select().count()

    def next_code(self, prefix: str = "M") -> str:
        """A card number for a member signed up without a printed card: prefix and the next number."""
        last = MemberRow.select(fn.MAX(MemberRow.id)).scalar() or 0
        n = last + 1
        while MemberRow.get_or_none(MemberRow.code == f"{prefix}{n:07d}"):
            n += 1
        return f"{prefix}{n:07d}"

    # --- points -------------------------------------------------------------------------------
    def entries(self, member_id: int) -> list[Entry]:
        rows = PointsEntryRow.select().where(PointsEntryRow.member == member_id).order_by(PointsEntryRow.at,
                                                                                          PointsEntryRow.id)
        return [_entry(r) for r in rows]

    def add_entry(self, member_id: int, entry: Entry, *, user_id: int | None = None, store_code: str = "",
                  outbox: bool = True) -> Entry:
        """The one place entries are written; each also writes its outbox event (points.changed) in the same
        transaction, so the online shop gets the delta once. outbox False: only for an entry that came from
        the shop itself, which must not be sent back to it."""
        row = PointsEntryRow.create(member=member_id, kind=entry.kind.value, points=entry.points, at=entry.at,
                                    expires_at=entry.expires_at, sale_number=entry.sale_number,
                                    reason=entry.reason, user=user_id, store_code=store_code)
        if outbox:
            code = MemberRow.select(MemberRow.code).where(MemberRow.id == member_id).scalar()
            SalesRepository().add_outbox(topic="points.changed", key=code, at=entry.at, payload={
                "uuid": str(uuid4()), "member": code, "points": int(entry.points), "kind": entry.kind.value,
                "sale": entry.sale_number, "entry": row.id, "store": store_code, "at": entry.at.isoformat()})
        return _entry(row)

    def balance(self, member_id: int) -> int:
        return int(PointsEntryRow.select(fn.COALESCE(fn.SUM(PointsEntryRow.points), 0))
                   .where(PointsEntryRow.member == member_id).scalar())

    def sale_entries(self, sale_number: str) -> list[tuple[int, Entry]]:
        """(member id, entry) of the entries a sale made."""
        rows = PointsEntryRow.select().where(PointsEntryRow.sale_number == sale_number).order_by(PointsEntryRow.id)
        return [(r.member_id, _entry(r)) for r in rows]

    def balance_after(self, member_id: int, entry_id: int) -> int:
        """The balance right after an entry (for reprinting a receipt)."""
        return int(PointsEntryRow.select(fn.COALESCE(fn.SUM(PointsEntryRow.points), 0))
                   .where((PointsEntryRow.member == member_id) & (PointsEntryRow.id <= entry_id)).scalar())

    def with_points_due(self, at: datetime, after: datetime | None = None) -> list[int]:
        """Members with an entry that brought points and expires by `at` (and after `after`, when the
        expiry already ran up to then): the candidates for expiry, found on an index."""
        due = (PointsEntryRow.points > 0) & (PointsEntryRow.expires_at <= at)
        if after is not None:
            due &= PointsEntryRow.expires_at > after
        rows = PointsEntryRow.select(PointsEntryRow.member).distinct().where(due)
        return sorted(r.member_id for r in rows)

    def tier_rows(self) -> list[tuple[int, str, str, str]]:
        """(id, code, tier, class) of every member: what refreshing tiers reads, without whole members."""
        return list(MemberRow.select(MemberRow.id, MemberRow.code, MemberRow.tier, MemberRow.customer_class)
                    .order_by(MemberRow.id).tuples())

    def set_tiers(self, changes: dict[tuple[str, str], list[int]], chunk: int = 500) -> None:
        """Give each (tier, class) its members, a chunk of ids per statement."""
        now = utcnow()
        for (tier, klass), ids in changes.items():
            for start in range(0, len(ids), chunk):
                (MemberRow.update(tier=tier, customer_class=klass, updated_at=now)
                 .where(MemberRow.id.in_(ids[start:start + chunk])).execute())

    # --- what members bought -------------------------------------------------------------------
    # Spend is net of returns (a return is a sale row with a negative total); visits and the last visit
    # count sales only.
    _BOUGHT = ("COALESCE(SUM(total_minor), 0), COALESCE(SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END), 0), "
               "MAX(CASE WHEN kind = 'sale' THEN created_at END)")

    def spend(self, code: str, since: datetime, places: int = 2) -> tuple[Decimal, int, datetime | None]:
        """(spend, visits, last visit) of a member's sales since a moment."""
        db = database.obj
        row = db.execute_sql(f"SELECT {self._BOUGHT} FROM sale WHERE member_code = {db.param} AND created_at >= "
                             f"{db.param}", (code, _stamp(db, since))).fetchone()
        return from_minor(int(row[0]), places), int(row[1]), _time(row[2])

    def visits(self, code: str, limit: int = 5, places: int = 2) -> list[tuple[datetime, str, Decimal]]:
        rows = (SaleRow.select(SaleRow.created_at, SaleRow.store_code, SaleRow.total_minor)
                .where((SaleRow.member_code == code) & (SaleRow.kind == "sale"))
                .order_by(SaleRow.created_at.desc()).limit(limit).tuples())
        return [(at, store, from_minor(total, places)) for at, store, total in rows]

    def all_spend(self, since: datetime, places: int = 2,
                  until: datetime | None = None) -> dict[str, tuple[Decimal, int, datetime | None]]:
        """Every member's (spend, visits, last visit) in [since, until], by code (members who bought)."""
        db = database.obj
        params = [_stamp(db, since)]
        upto = ""
        if until is not None:
            upto, params = f" AND created_at <= {db.param}", params + [_stamp(db, until)]
        rows = db.execute_sql(
            f"SELECT member_code, {self._BOUGHT} FROM sale "
            f"WHERE member_code IS NOT NULL AND created_at >= {db.param}{upto} GROUP BY member_code",
            tuple(params)).fetchall()
        return {code: (from_minor(int(total), places), int(n), _time(last)) for code, total, n, last in rows}


def _time(value) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
