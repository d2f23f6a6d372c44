"""Roles, permissions and PIN rules. Checked in services, never only in the UI."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from posapp.domain.errors import ValidationError

MAX_FAILED_PINS = 5
LOCKOUT = timedelta(minutes=5)


class Role(str, enum.Enum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


class Permission(str, enum.Enum):
    SELL = "sell"
    VOID_LINE = "void_line"
    VOID_SALE = "void_sale"
    PRICE_OVERRIDE = "price_override"
    DISCOUNT_ABOVE_LIMIT = "discount_above_limit"
    REFUND = "refund"  # refund to cash what was paid another way
    RETURN_OVERRIDE = "return_override"  # a return outside the return window, or without a receipt
    OPEN_DRAWER = "open_drawer"
    PAID_IN_OUT = "paid_in_out"
    REPRINT = "reprint"
    CLOSE_SHIFT = "close_shift"
    VIEW_REPORTS = "view_reports"
    STOCK_COUNT = "stock_count"
    APPROVE_STOCK_COUNT = "approve_stock_count"  # start, review, recount, approve and cancel counts
    RECEIVE_STOCK = "receive_stock"  # receive deliveries; see stock levels and the low-stock list
    ADJUST_STOCK = "adjust_stock"  # write-offs, adjustments, transfers, reorder levels, costs
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_PROMOTIONS = "manage_promotions"
    MANAGE_MEMBERS = "manage_members"
    ADJUST_POINTS = "adjust_points"
    EXPORT_MEMBERS = "export_members"
    MANAGE_USERS = "manage_users"
    MANAGE_SYNC = "manage_sync"  # retry or settle what the online shop refused
    CONFIGURE = "configure"


_CASHIER = {Permission.SELL, Permission.STOCK_COUNT}
_SUPERVISOR = _CASHIER | {
    Permission.VOID_LINE,
    Permission.VOID_SALE,
    Permission.PRICE_OVERRIDE,
    Permission.DISCOUNT_ABOVE_LIMIT,
    Permission.REFUND,
    Permission.OPEN_DRAWER,
    Permission.PAID_IN_OUT,
    Permission.REPRINT,
    Permission.CLOSE_SHIFT,
    Permission.RECEIVE_STOCK,
}
_MANAGER = _SUPERVISOR | {
    Permission.VIEW_REPORTS,
    Permission.APPROVE_STOCK_COUNT,
    Permission.ADJUST_STOCK,
    Permission.MANAGE_CATALOG,
    Permission.MANAGE_PROMOTIONS,
    Permission.MANAGE_USERS,
    Permission.MANAGE_MEMBERS,
    Permission.ADJUST_POINTS,
    Permission.EXPORT_MEMBERS,
    Permission.RETURN_OVERRIDE,
    Permission.MANAGE_SYNC,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset(_CASHIER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(Permission),
}
# Who may approve for others (manager override) at all.
APPROVER_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    role: Role
    active: bool = True
    locked_until: datetime | None = None

    def can(self, permission: Permission) -> bool:
        return self.active and permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True)
class Approval:
    """A supervisor's PIN-verified consent to one action by someone else."""

    approver: User
    permission: Permission


def check_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not pin.isascii() or not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise ValidationError("PIN must be 4 to 8 digits")
    return pin


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not username or len(username) > 32 or not all(c.isalnum() or c in "._-" for c in username):
        raise ValidationError("username must be 1-32 letters, digits or . _ -")
    return username


def parse_role(text: str) -> Role:
    try:
        return Role(str(text).strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValidationError(f"role {text!r} is not one of: {names}") from None


def check_name_for_user(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError("a user's name must be 1-100 characters")
    return name
