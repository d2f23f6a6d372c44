"""PIN login, lockout, permissions and manager overrides, checked where the action happens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posapp.domain.clock import utcnow
from posapp.domain.errors import AuthenticationFailed, PermissionDenied, ValidationError
from posapp.domain.users import Permission, Role
from posapp.services import auth, users
from posapp.services.auth import SYSTEM


@pytest.fixture
def staff(uow, station):
    admin = users.bootstrap_admin(uow, station, username="admin", name="管理员", pin="9999")
    made = {"admin": admin}
    for username, role, pin in [("boss", "manager", "8888"), ("sup", "supervisor", "7777"),
                                ("c1", "cashier", "1111"), ("c2", "cashier", "2222")]:
        made[username] = users.add_user(uow, station, actor=admin, username=username,
                                        name=username.upper(), role=role, pin=pin)
    return made


def test_pins_are_stored_as_argon2id_hashes(uow, staff):
    pin_hash, failed, locked = uow.users.pin_state(staff["c1"].id)
    assert pin_hash.startswith("$argon2id$") and "1111" not in pin_hash
    assert (failed, locked) == (0, None)
    other_hash, *_ = uow.users.pin_state(staff["c2"].id)
    assert other_hash != pin_hash  # salted


def test_login_with_the_right_pin(uow, station, staff):
    user = auth.login(uow, station, username="c1", pin="1111")
    assert (user.username, user.role) == ("c1", Role.CASHIER)
    assert uow.audit.recent(limit=1)[0].action == "login"


def test_five_wrong_pins_lock_the_user_for_five_minutes(uow, station, staff):
    now = utcnow()
    for attempt in range(1, 5):
        with pytest.raises(AuthenticationFailed, match=f"{5 - attempt} tries left"):
            auth.login(uow, station, username="c1", pin="0000", now=now)
    with pytest.raises(AuthenticationFailed, match="locked for 5 minutes"):
        auth.login(uow, station, username="c1", pin="0000", now=now)
    # The right PIN does not get in while locked, and does not reset the lock.
    with pytest.raises(AuthenticationFailed, match="try again in 5 min"):
        auth.login(uow, station, username="c1", pin="1111", now=now + timedelta(seconds=10))
    with pytest.raises(AuthenticationFailed, match="try again in 1 min"):
        auth.login(uow, station, username="c1", pin="1111", now=now + timedelta(minutes=4, seconds=30))
    # Other users are not affected.
    assert auth.login(uow, station, username="c2", pin="2222", now=now).username == "c2"
    assert auth.login(uow, station, username="c1", pin="1111",
                      now=now + timedelta(minutes=5, seconds=1)).username == "c1"
    assert uow.users.pin_state(staff["c1"].id)[1:] == (0, None)
    actions = [e.action for e in uow.audit.recent(limit=20) if e.actor == "c1"]
    assert actions.count("login_failed") == 4 and actions.count("user_locked") == 1


def test_after_a_lock_expires_there_are_five_fresh_tries(uow, station, staff):
    now = utcnow()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.login(uow, station, username="c1", pin="0000", now=now)
    later = now + timedelta(minutes=6)
    with pytest.raises(AuthenticationFailed, match="4 tries left"):
        auth.login(uow, station, username="c1", pin="0000", now=later)


def test_unknown_and_disabled_users(uow, station, staff):
    with pytest.raises(AuthenticationFailed, match="Wrong user or PIN"):
        auth.login(uow, station, username="nobody", pin="1111")
    users.set_disabled(uow, station, actor=staff["boss"], username="c2")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        auth.login(uow, station, username="c2", pin="2222")
    # A disabled user's session loses its rights at once, in the service layer.
    with pytest.raises(PermissionDenied, match="no longer an active user"):
        auth.require(uow, staff["c2"], Permission.SELL)


def test_cashier_needs_a_supervisor_pin_to_void(uow, station, staff):
    cashier = staff["c1"]
    assert auth.require(uow, cashier, Permission.SELL) is None
    with pytest.raises(PermissionDenied, match="void line"):
        auth.require(uow, cashier, Permission.VOID_LINE)
    approval = auth.approve(uow, station, approver="sup", pin="7777",
                            permission=Permission.VOID_LINE, for_user=cashier)
    assert auth.require(uow, cashier, Permission.VOID_LINE, approval) == staff["sup"].id
    # An approval covers the one permission it was given for.
    with pytest.raises(PermissionDenied):
        auth.require(uow, cashier, Permission.REFUND, approval)


def test_overrides_need_a_right_pin_and_a_role_that_may_approve(uow, station, staff):
    with pytest.raises(AuthenticationFailed):
        auth.approve(uow, station, approver="sup", pin="0000", permission=Permission.VOID_LINE,
                     for_user=staff["c1"])
    with pytest.raises(PermissionDenied, match="may not approve"):
        auth.approve(uow, station, approver="c2", pin="2222", permission=Permission.VOID_LINE,
                     for_user=staff["c1"])
    with pytest.raises(PermissionDenied, match="may not approve"):
        auth.approve(uow, station, approver="sup", pin="7777", permission=Permission.MANAGE_USERS,
                     for_user=staff["c1"])
    refused = uow.audit.recent(limit=5, action="override_refused")
    assert [(e.actor, e.approver, e.detail["permission"]) for e in refused] == [
        ("c1", "sup", "manage_users"), ("c1", "c2", "void_line")]


def test_staff_management_rules(uow, station, staff):
    with pytest.raises(PermissionDenied, match="manage users"):
        users.add_user(uow, station, actor=staff["c1"], username="x", name="x", role="cashier", pin="1234")
    with pytest.raises(PermissionDenied, match="only an admin"):
        users.add_user(uow, station, actor=staff["boss"], username="x", name="x", role="admin", pin="1234")
    with pytest.raises(ValidationError, match="already taken"):
        users.add_user(uow, station, actor=staff["boss"], username="c1", name="x", role="cashier", pin="1234")
    for bad in ["123", "123456789", "12a4", ""]:
        with pytest.raises(ValidationError, match="4 to 8 digits"):
            users.add_user(uow, station, actor=staff["boss"], username="y", name="y", role="cashier", pin=bad)
    with pytest.raises(ValidationError, match="role 'owner'"):
        users.add_user(uow, station, actor=staff["boss"], username="y", name="y", role="owner", pin="1234")
    with pytest.raises(ValidationError, match="last active admin"):
        users.set_disabled(uow, station, actor=SYSTEM, username="admin")
    with pytest.raises(ValidationError, match="your own account"):
        users.set_disabled(uow, station, actor=staff["boss"], username="boss")
    assert [u.username for u in users.list_users(uow, actor=staff["boss"])] == \
        ["admin", "boss", "c1", "c2", "sup"]
    with pytest.raises(PermissionDenied):
        users.list_users(uow, actor=staff["sup"])


def test_reset_pin_lifts_a_lock_and_is_audited(uow, station, staff):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.login(uow, station, username="c1", pin="0000")
    with pytest.raises(PermissionDenied):
        users.reset_pin(uow, station, actor=staff["c2"], username="c1", pin="4321")
    users.reset_pin(uow, station, actor=staff["boss"], username="c1", pin="4321")
    assert auth.login(uow, station, username="c1", pin="4321").username == "c1"
    with pytest.raises(AuthenticationFailed):
        auth.login(uow, station, username="c1", pin="1111")
    entry = uow.audit.recent(limit=5, action="pin_reset")[0]
    assert (entry.actor, entry.detail, entry.terminal_code) == ("boss", {"username": "c1"}, "T01")
    # Anyone may change their own PIN.
    users.reset_pin(uow, station, actor=staff["c2"], username="c2", pin="5678")


def test_bootstrap_only_on_an_empty_database(uow, station, staff):
    with pytest.raises(ValidationError, match="users already exist"):
        users.bootstrap_admin(uow, station, username="admin2", name="x", pin="1234")
    assert uow.users.count() == 5


def test_a_failed_action_writes_nothing(uow, station, staff):
    """The unit of work rolls back unless committed: no half-added user, no audit row."""
    before = len(uow.audit.recent(limit=100))
    with pytest.raises(ValidationError):
        users.add_user(uow, station, actor=staff["boss"], username="c1", name="dup", role="cashier", pin="1234")
    with uow:
        uow.users.add(username="temp", name="temp", role=Role.CASHIER, pin_hash="x")
        # leaving without commit() rolls back
    assert uow.users.by_username("temp") is None
    assert len(uow.audit.recent(limit=100)) == before
