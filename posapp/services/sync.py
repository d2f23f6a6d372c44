"""The sync as store staff and IT see it: what is waiting, what the shop refused, when the last pull and
push went through, and who holds the sync lease; retrying or settling a refused event is a manager's
decision and is audited. The runs themselves are posapp.sync.engine's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, require
from posapp.sync.engine import LEASE, SyncMemory


@dataclass(frozen=True)
class Waiting:
    """An event the shop has not taken: parked (refused), held (waiting for something) or skipped."""

    id: int
    topic: str
    key: str
    created_at: datetime
    attempts: int
    state: str
    reason: str


@dataclass(frozen=True)
class SyncStatus:
    configured: bool  # this store has a [sync] section
    shop: str  # the shop's address
    counts: dict  # outbox events by state
    memory: SyncMemory
    lease_holder: str | None
    lease_until: datetime | None
    problems: tuple[Waiting, ...]  # parked first, then held and skipped

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0)

    @property
    def parked(self) -> int:
        return self.counts.get("parked", 0)

    @property
    def held(self) -> int:
        return self.counts.get("held", 0)

    def as_dict(self) -> dict:
        m = self.memory

        def iso(at):
            return at.isoformat(timespec="seconds") if at else None

        return {"configured": self.configured, "shop": self.shop, "outbox": dict(self.counts),
                "last_run_at": iso(m.last_run_at), "last_ok_at": iso(m.last_ok_at),
                "last_pull_at": iso(m.last_pull_at), "last_push_at": iso(m.last_push_at),
                "last_customers_at": iso(m.last_customers_at), "last_audit_at": iso(m.last_audit_at),
                "retry_at": iso(m.retry_at), "last_error": m.last_error or None,
                "last_error_at": iso(m.last_error_at),
                "lease": {"holder": self.lease_holder, "until": iso(self.lease_until)} if self.lease_holder else None,
                "problems": [{"id": w.id, "topic": w.topic, "key": w.key, "state": w.state,
                              "created_at": iso(w.created_at), "attempts": w.attempts, "reason": w.reason}
                             for w in self.problems]}


def sync_status(uow, config, *, limit: int = 100) -> SyncStatus:
    """Reading only; anyone may look (the till's status bar does, every few seconds)."""
    lease = uow.lease.get(LEASE)
    return SyncStatus(configured=config.sync is not None, shop=config.sync.url if config.sync else "",
                      counts=uow.outbox.counts(), memory=SyncMemory.load(uow),
                      lease_holder=lease.holder if lease else None, lease_until=lease.expires_at if lease else None,
                      problems=tuple(Waiting(id=e.id, topic=e.topic, key=e.key, created_at=e.created_at,
                                             attempts=e.attempts, state=e.state, reason=e.last_error)
                                     for e in uow.outbox.parked(limit, states=("parked", "held", "skipped"))))


def _event(uow, event_id: int):
    event = uow.outbox.get(event_id)
    if event is None:
        raise NotFound(_("there is no sync event {id}").format(id=event_id))
    return event


def retry_event(uow, station, *, actor: User, event_id: int) -> None:
    """Send a parked, held or skipped event again (after the cause was fixed in the shop or here)."""
    with uow:
        approver = require(uow, actor, Permission.MANAGE_SYNC)
        event = _event(uow, event_id)
        if event.state not in ("parked", "held", "skipped"):
            raise ValidationError(_("sync event {id} is {state}: only a parked, held or skipped one can be "
                                    "sent again").format(id=event_id, state=event.state))
        uow.outbox.retry(event_id)
        audit(uow, station, actor=actor, action="sync_retried", approver_id=approver,
              detail={"event": event_id, "topic": event.topic, "key": event.key, "was": event.state,
                      "reason": event.last_error})
        uow.commit()


def settle_event(uow, station, *, actor: User, event_id: int, note: str) -> None:
    """A person dealt with a refused event outside posapp (for example entered the order in the shop by
    hand): it stops being sent, and is kept with the note."""
    note = " ".join((note or "").split())
    if len(note) < 5:
        raise ValidationError(_("say what was done about it (at least 5 characters)"))
    with uow:
        approver = require(uow, actor, Permission.MANAGE_SYNC)
        event = _event(uow, event_id)
        if event.state not in ("parked", "held"):
            raise ValidationError(_("sync event {id} is {state}: only a parked or held one can be settled")
                                  .format(id=event_id, state=event.state))
        uow.outbox.resolve(event_id, note)
        audit(uow, station, actor=actor, action="sync_settled", approver_id=approver,
              detail={"event": event_id, "topic": event.topic, "key": event.key, "was": event.state,
                      "reason": event.last_error, "note": note})
        uow.commit()
