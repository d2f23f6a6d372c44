"""Staff accounts: add, list, reset a PIN, disable. Managers and admins only, always audited."""

from __future__ import annotations

from dataclasses import replace

from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.users import Approval, Permission, Role, User, check_name_for_user, check_username, parse_role
from posapp.services.auth import audit, current, hash_pin, require
from posapp.services.station import Station


def _may_manage(actor: User, role: Role) -> None:
    # A manager runs the shop's staff; only an admin creates or changes admins.
    if role is Role.ADMIN and actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin may create or change an admin account")


def bootstrap_admin(uow, station: Station, *, username: str, name: str, pin: str) -> User:
    """The first admin of a new database; refused once any user exists."""
    username = check_username(username)
    pin_hash = hash_pin(pin)
    with uow:
        if uow.users.count():
            raise ValidationError("users already exist; add more with 'posapp-admin users add'")
        user = uow.users.add(username=username, name=name.strip() or username, role=Role.ADMIN,
                             pin_hash=pin_hash)
        uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                      action="user_added", actor_id=None,
                      detail={"username": username, "role": "admin", "first_admin": True})
        uow.commit()
    return user


def add_user(uow, station: Station, *, actor: User, username: str, name: str, role: str,
             pin: str, approval: Approval | None = None) -> User:
    username = check_username(username)
    role_ = parse_role(role)
    name = check_name_for_user(name)
    pin_hash = hash_pin(pin)
    with uow:
        approver = require(uow, actor, Permission.MANAGE_USERS, approval)
        _may_manage(current(uow, actor) if approver is None else approval.approver, role_)
        if uow.users.by_username(username):
            raise ValidationError(f"username {username!r} is already taken")
        user = uow.users.add(username=username, name=name, role=role_, pin_hash=pin_hash)
        audit(uow, station, actor=actor, action="user_added", approver_id=approver,
              detail={"username": username, "role": role_.value})
        uow.commit()
    return user


def list_users(uow, *, actor: User) -> list[User]:
    require(uow, actor, Permission.MANAGE_USERS)
    return uow.users.list()


def _target(uow, username: str) -> User:
    user = uow.users.by_username((username or "").strip())
    if user is None:
        raise ValidationError(f"no user named {username!r}")
    return user


def reset_pin(uow, station: Station, *, actor: User, username: str, pin: str) -> User:
    """Set a new PIN (and lift a lock). Anyone may change their own; others need MANAGE_USERS."""
    pin_hash = hash_pin(pin)
    with uow:
        target = _target(uow, username)
        if target.id != actor.id:
            require(uow, actor, Permission.MANAGE_USERS)
            _may_manage(current(uow, actor), target.role)
        uow.users.set_pin(target.id, pin_hash)
        audit(uow, station, actor=actor, action="pin_reset", detail={"username": target.username})
        uow.commit()
    return target


def set_disabled(uow, station: Station, *, actor: User, username: str, disabled: bool = True) -> User:
    with uow:
        require(uow, actor, Permission.MANAGE_USERS)
        target = _target(uow, username)
        _may_manage(current(uow, actor), target.role)
        if disabled and target.id == actor.id:
            raise ValidationError("you cannot disable your own account")
        if disabled and target.role is Role.ADMIN:
            admins = [u for u in uow.users.list(include_disabled=False) if u.role is Role.ADMIN]
            if len(admins) <= 1:
                raise ValidationError("this is the last active admin; add another admin first")
        uow.users.set_active(target.id, not disabled)
        audit(uow, station, actor=actor, action="user_disabled" if disabled else "user_enabled",
              detail={"username": target.username})
        uow.commit()
    return replace(target, active=not disabled)
