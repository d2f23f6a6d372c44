"""Members: looked up by code (or phone) at the till and by the promotions simulator."""

from __future__ import annotations

from posapp.domain.members import Member
from posapp.storage.models import MemberRow


def _member(row: MemberRow) -> Member:
    return Member(id=row.id, code=row.code, name=row.name, phone=row.phone, tier=row.tier, active=row.active)


class MemberRepository:
    def add(self, *, code: str, name: str = "", phone: str = "", tier: str = "") -> Member:
        return _member(MemberRow.create(code=code, name=name, phone=phone, tier=tier))

    def by_code(self, code: str) -> Member | None:
        row = MemberRow.get_or_none(MemberRow.code == code)
        return _member(row) if row else None

    def find(self, text: str) -> Member | None:
        """A member by card code, else by phone number."""
        text = (text or "").strip()
        if not text:
            return None
        row = MemberRow.get_or_none(MemberRow.code == text) or MemberRow.get_or_none(MemberRow.phone == text)
        return _member(row) if row else None
