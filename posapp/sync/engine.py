"""One sync run: what happened in the store goes to the online shop (push), then what changed in the
shop comes to the store (pull: catalog, prices and coupons every run; customers and the audit of
deleted products when they are due). The run holds the sync lease, so in a store whose terminals share
one PostgreSQL database only one of them syncs at a time.

Push comes first so that the stock the pull brings back already counts this store's sales. Each phase
fails on its own: a shop that refuses a page of products does not stop the sales from going out.
What the last runs did is kept in the settings table (`sync.state`) for the status bar and for
`posapp-admin sync status`."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from posapp.domain.clock import utcnow
from posapp.sync.woocommerce import AuthFailed, SyncError

log = logging.getLogger(__name__)
LEASE = "sync"
STATE_KEY = "sync.state"


def holder_name(station) -> str:
    """Who holds the lease, as a person reading the status would want it: terminal, machine, process."""
    return f"{station.store_code}/{station.terminal_code}@{socket.gethostname()}:{os.getpid()}"[:64]


def gone(holder: str) -> bool:
    """Whether a holder is a process of this machine that no longer runs (a till that was killed or
    crashed): its lease can be taken over at once instead of after it expires."""
    where, _, pid = holder.rpartition(":")
    if not pid.isdigit() or not where.endswith("@" + socket.gethostname()) or int(pid) == os.getpid():
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) is not a harmless probe there
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by someone else
        return False
    return False


@dataclass
class RunReport:
    started_at: datetime
    finished_at: datetime | None = None
    skipped: str | None = None  # not run: another terminal holds the lease
    pulls: list = field(default_factory=list)  # posapp.sync.pull.PullReport
    push: object | None = None  # posapp.sync.push.PushReport
    errors: list[str] = field(default_factory=list)
    retry_at: datetime | None = None  # the push wants another try then (backoff, Retry-After)

    @property
    def ok(self) -> bool:
        """Nothing failed: no error, no page refused, nothing parked or left failing."""
        if self.skipped or self.errors or any(p.rejected for p in self.pulls):
            return False
        return self.push is None or not (self.push.parked or self.push.failed or self.push.error)

    def as_dict(self) -> dict:
        return {"started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at), "ok": self.ok,
                "skipped": self.skipped, "errors": self.errors, "retry_at": _iso(self.retry_at),
                "pulls": [_plain(p) for p in self.pulls], "push": _plain(self.push) if self.push else None}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def _plain(report) -> dict:
    return {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in asdict(report).items()}


@dataclass
class SyncMemory:
    """What the store remembers between runs (times are naive UTC)."""

    last_run_at: datetime | None = None
    last_ok_at: datetime | None = None  # a run with nothing failed
    last_pull_at: datetime | None = None  # the catalog pull finished without error
    last_push_at: datetime | None = None  # the push finished without error
    last_customers_at: datetime | None = None
    last_audit_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    retry_at: datetime | None = None

    @classmethod
    def load(cls, uow) -> "SyncMemory":
        text = uow.settings.get(STATE_KEY)
        if not text:
            return cls()
        try:
            raw = json.loads(text)
        except ValueError:
            return cls()
        known = {}
        for name in cls.__dataclass_fields__:
            value = raw.get(name)
            if name == "last_error":
                known[name] = str(value or "")
            else:
                try:
                    known[name] = datetime.fromisoformat(value) if value else None
                except (TypeError, ValueError):
                    known[name] = None
        return cls(**known)

    def save(self, uow) -> None:
        uow.settings.put(STATE_KEY, json.dumps(
            {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in asdict(self).items()}))


def _due(last: datetime | None, every_seconds: int, now: datetime) -> bool:
    return last is None or now - last >= timedelta(seconds=every_seconds)


def run_once(store, connector, *, holder: str | None = None, now=utcnow, customers: bool | None = None,
             audit: bool | None = None, ttl: timedelta | None = None) -> RunReport:
    """One push and pull under the lease. `customers` / `audit`: force (True), skip (False) or when due (None).
    Never raises for the shop's failures: they are in the report and the remembered state."""
    from posapp.sync import pull, push

    cfg = store.config.sync
    station = store.station
    holder = holder or holder_name(station)
    ttl = ttl or timedelta(seconds=max(10 * cfg.interval_seconds, 600))
    report = RunReport(started_at=now())
    uow = store.uow()
    with uow:
        current = uow.lease.get(LEASE)
        stale = current.holder if current is not None and current.holder != holder and gone(current.holder) else None
        taken = uow.lease.take(LEASE, holder, now=report.started_at, ttl=ttl, stale=stale)
        uow.commit()
        current = None if taken else uow.lease.get(LEASE)
    if not taken:
        report.skipped = (f"{current.holder} is syncing (lease until {current.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
                          if current else "another terminal is syncing")
        report.finished_at = now()
        return report
    memory = SyncMemory.load(store.uow())

    def phase(name: str, work):
        try:
            return work()
        except AuthFailed as exc:
            report.errors.append(f"{name}: {exc} (check the key and secret in [sync])")
        except SyncError as exc:
            report.errors.append(f"{name}: {exc}")
            retry = getattr(exc, "retry_after", None)
            if retry:
                report.retry_at = now() + timedelta(seconds=retry)
        except Exception as exc:  # a bug must not kill the worker; it is logged with its traceback
            log.exception("sync %s failed", name)
            report.errors.append(f"{name}: unexpected {type(exc).__name__}: {exc}")
        return None

    def renew() -> None:
        with uow:
            uow.lease.take(LEASE, holder, now=now(), ttl=ttl)
            uow.commit()

    report.push = phase("push", lambda: push.push_pending(store.uow(), connector, station=station, now=now()))
    if report.push is not None:
        report.retry_at = report.push.retry_at or report.retry_at
        if not report.push.error:
            memory.last_push_at = now()
    renew()
    catalog = phase("catalog", lambda: pull.pull_catalog(store.uow(), connector, station=station, now=now()))
    if catalog is not None:
        report.pulls.extend(catalog)
        if not any(p.rejected for p in catalog):
            memory.last_pull_at = now()
    if customers or (customers is None and _due(memory.last_customers_at, cfg.customers_every_seconds, now())):
        renew()
        done = phase("customers", lambda: pull.pull_customers(store.uow(), connector, station=station, now=now()))
        if done is not None:
            report.pulls.append(done)
            if not done.rejected:
                memory.last_customers_at = now()
    if audit or (audit is None and _due(memory.last_audit_at, cfg.audit_every_seconds, now())):
        renew()
        done = phase("audit", lambda: pull.audit_catalog(store.uow(), connector, station=station, now=now()))
        if done is not None:
            report.pulls.append(done)
            if not done.rejected:
                memory.last_audit_at = now()
    report.finished_at = now()
    memory.last_run_at = report.finished_at
    memory.retry_at = report.retry_at
    problems = report.errors + [p.rejected for p in report.pulls if p.rejected]
    if report.push is not None and report.push.error and not report.errors:
        problems.append(f"push: {report.push.error}")
    if problems:
        memory.last_error, memory.last_error_at = "; ".join(problems)[:1000], report.finished_at
    elif report.ok:
        memory.last_ok_at, memory.last_error, memory.last_error_at = report.finished_at, "", None
    with uow:
        memory.save(uow)
        uow.commit()
    for problem in problems:
        log.warning("sync: %s", problem)
    return report


def release(store, holder: str | None = None) -> None:
    """Give the lease back (the worker stopping), so another terminal can take over at once."""
    uow = store.uow()
    with uow:
        uow.lease.release(LEASE, holder or holder_name(store.station))
        uow.commit()
