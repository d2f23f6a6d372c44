"""What the login screen may know before anyone has logged in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RosterEntry:
    username: str
    name: str
    role: str


def login_roster(uow) -> list[RosterEntry]:
    """Active staff to pick from on the PIN pad (names only; no PIN state)."""
    return [RosterEntry(u.username, u.name, u.role.value) for u in uow.users.list(include_disabled=False)]
