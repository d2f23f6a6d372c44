"""PIN login with lockout, permission checks and manager overrides, all audited."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from posapp.domain.clock import utcnow
from posapp.domain.errors import AuthenticationFailed, PermissionDenied
from posapp.domain.users import (
    APPROVER_ROLES,
    LOCKOUT,
    MAX_FAILED_PINS,
    Approval,
    Permission,
    Role,
    User,
    check_pin,
)
from posapp.i18n import _
from posapp.services.station import Station

# argon2id with the library's RFC 9106 "low memory" defaults: ~50 ms a check on a till.
_hasher = PasswordHasher()

# The operator of posapp-admin on the machine itself: whoever can run it can read the database
# file anyway, so it acts as admin; its actions are audited with no user id.
SYSTEM = User(id=0, username="posapp-admin", name="posapp-admin", role=Role.ADMIN)


def hash_pin(pin: str) -> str:
    return _hasher.hash(check_pin(pin))


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def verify_pin(uow, station: Station, *, username: str, pin: str, purpose: str,
               now: datetime | None = None) -> User:
    """Check a user's PIN inside the caller's unit of work, counting failures and locking.

    Failures are written and committed even though the caller then sees an error.
    """
    now = _now(now)
    user = uow.users.by_username((username or "").strip())
    if user is None:
        uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                      action=f"{purpose}_failed", actor_id=None, detail={"username": username})
        uow.commit()
        raise AuthenticationFailed(_("Wrong user or PIN"))
    if not user.active:
        raise AuthenticationFailed(_("{name} is disabled; ask a manager").format(name=user.name))
    pin_hash, failed, locked_until = uow.users.pin_state(user.id)
    if locked_until and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() + 59) // 60)
        raise AuthenticationFailed(_("{name} is locked after too many wrong PINs; try again in "
                                     "{minutes} min").format(name=user.name, minutes=minutes))
    if locked_until:
        failed = 0  # the lock has run out: a fresh set of attempts
    try:
        _hasher.verify(pin_hash, (pin or "").strip())
    except (VerificationError, InvalidHashError):
        failed += 1
        lock = now + LOCKOUT if failed >= MAX_FAILED_PINS else None
        uow.users.record_pin_failure(user.id, failed=failed, locked_until=lock)
        uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                      action="user_locked" if lock else f"{purpose}_failed", actor_id=user.id,
                      detail={"failed_pins": failed})
        uow.commit()
        if lock:
            raise AuthenticationFailed(_("Wrong PIN. {name} is locked for {minutes} minutes").format(
                name=user.name, minutes=int(LOCKOUT.total_seconds() // 60))) from None
        left = MAX_FAILED_PINS - failed
        raise AuthenticationFailed(_("Wrong user or PIN ({left} tries left)").format(left=left)) from None
    new_hash = _hasher.hash(pin.strip()) if _hasher.check_needs_rehash(pin_hash) else None
    uow.users.record_pin_success(user.id, new_hash=new_hash)
    return user


def login(uow, station: Station, *, username: str, pin: str, now: datetime | None = None) -> User:
    with uow:
        user = verify_pin(uow, station, username=username, pin=pin, purpose="login", now=now)
        uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                      action="login", actor_id=user.id)
        uow.commit()
    return user


def approve(uow, station: Station, *, approver: str, pin: str, permission: Permission,
            for_user: User, now: datetime | None = None) -> Approval:
    """A supervisor's PIN for one action of another user; the action itself audits its use."""
    with uow:
        user = verify_pin(uow, station, username=approver, pin=pin, purpose="override", now=now)
        if user.role not in APPROVER_ROLES or not user.can(permission):
            uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                          action="override_refused", actor_id=for_user.id or None,
                          approver_id=user.id, detail={"permission": permission.value})
            uow.commit()
            raise PermissionDenied(_("{name} may not approve {action}").format(
                name=user.name, action=_(permission.value.replace("_", " "))))
        uow.commit()
    return Approval(approver=user, permission=permission)


def current(uow, actor: User) -> User:
    """The actor as the database knows them now (a disabled user loses rights at once)."""
    if actor is SYSTEM or actor == SYSTEM:
        return SYSTEM
    fresh = uow.users.get(actor.id)
    if fresh is None or not fresh.active:
        raise PermissionDenied(_("{name} is no longer an active user").format(name=actor.name))
    return fresh


def require(uow, actor: User, permission: Permission, approval: Approval | None = None) -> int | None:
    """Pass if the actor may do this, or a valid approval covers it. Returns the approver's id."""
    actor = current(uow, actor)
    if actor.can(permission):
        return None
    if approval is not None and approval.permission == permission:
        approver = current(uow, approval.approver)
        if approver.role in APPROVER_ROLES and approver.can(permission):
            return approver.id
    raise PermissionDenied(_("{name} may not {action}; a supervisor's or manager's PIN is needed")
                           .format(name=actor.name, action=_(permission.value.replace("_", " "))))


def audit(uow, station: Station, *, actor: User, action: str, approver_id: int | None = None,
          detail: dict | None = None) -> None:
    detail = dict(detail or {})
    if actor is SYSTEM or actor == SYSTEM:
        detail.setdefault("via", "posapp-admin")
    uow.audit.add(store_code=station.store_code, terminal_code=station.terminal_code,
                  action=action, actor_id=actor.id or None, approver_id=approver_id, detail=detail)
