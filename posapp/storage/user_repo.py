"""Staff users as domain objects; the PIN hash never leaves storage and the auth service."""

from __future__ import annotations

from datetime import datetime

from posapp.domain.users import Role, User
from posapp.storage.models import UserRow


def _to_user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, name=row.name, role=Role(row.role),
                active=row.active, locked_until=row.locked_until)


class UserRepository:
    def get(self, user_id: int) -> User | None:
        row = UserRow.get_or_none(UserRow.id == user_id)
        return _to_user(row) if row else None

    def by_username(self, username: str) -> User | None:
        row = UserRow.get_or_none(UserRow.username == username)
        return _to_user(row) if row else None

    def list(self, *, include_disabled: bool = True) -> list[User]:
        query = UserRow.select().order_by(UserRow.username)
        if not include_disabled:
            query = query.where(UserRow.active == True)  # noqa: E712 (peewee expression)
        return [_to_user(r) for r in query]

    def count(self) -> int:
        return UserRow.select().count()

    def add(self, *, username: str, name: str, role: Role, pin_hash: str) -> User:
        return _to_user(UserRow.create(username=username, name=name, role=role.value,
                                       pin_hash=pin_hash))

    def pin_state(self, user_id: int) -> tuple[str, int, datetime | None]:
        row = UserRow.get_by_id(user_id)
        return row.pin_hash, row.failed_pins, row.locked_until

    def record_pin_failure(self, user_id: int, *, failed: int, locked_until: datetime | None) -> None:
        UserRow.update(failed_pins=failed, locked_until=locked_until).where(
            UserRow.id == user_id).execute()

    def record_pin_success(self, user_id: int, *, new_hash: str | None = None) -> None:
        values = {UserRow.failed_pins: 0, UserRow.locked_until: None}
        if new_hash:
            values[UserRow.pin_hash] = new_hash
        UserRow.update(values).where(UserRow.id == user_id).execute()

    def set_pin(self, user_id: int, pin_hash: str) -> None:
        UserRow.update(pin_hash=pin_hash, failed_pins=0, locked_until=None).where(
            UserRow.id == user_id).execute()

    def set_active(self, user_id: int, active: bool) -> None:
        UserRow.update(active=active).where(UserRow.id == user_id).execute()

    def set_role(self, user_id: int, role: Role) -> None:
        UserRow.update(role=role.value).where(UserRow.id == user_id).execute()
