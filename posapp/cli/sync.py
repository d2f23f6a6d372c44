"""posapp-admin sync: one run now (`sync --once`), the state (`sync status [--json]`), and a manager's
decisions about what the online shop refused (`sync retry ID`, `sync settle ID --note ...`)."""

from __future__ import annotations

import json
import logging
import sys

from posapp.cli.common import _fail, _open, _out


def _when(at, tz: str) -> str:
    from posapp.i18n import moment

    return moment(at, tz) if at else "never"


def cmd_sync(args) -> int:
    store = _open(args)
    action = args.action or ("run" if getattr(args, "once", False) else "status")
    as_json = getattr(args, "json", False)
    if action == "status":
        return _status(store, as_json=as_json)
    if action == "run":
        return _run(store, as_json=as_json, customers=getattr(args, "customers", False),
                    audit=getattr(args, "audit", False))
    from posapp.services import sync as svc
    from posapp.services.auth import SYSTEM

    if action == "retry":
        for event_id in args.ids:
            svc.retry_event(store.uow(), store.station, actor=SYSTEM, event_id=event_id)
            _out(f"event {event_id} will be sent again at the next run")
    elif action == "settle":
        svc.settle_event(store.uow(), store.station, actor=SYSTEM, event_id=args.id, note=args.note)
        _out(f"event {args.id} settled: it will not be sent")
    return 0


def _run(store, *, as_json: bool, customers: bool, audit: bool) -> int:
    from posapp.sync import make_connector
    from posapp.sync.engine import holder_name, release, run_once

    if store.config.sync is None:
        return _fail(f"this store does not sync: there is no [sync] section in {store.config.path}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    holder = holder_name(store.station)
    with make_connector(store.config.sync) as connector:
        try:
            report = run_once(store, connector, holder=holder, customers=True if customers else None,
                              audit=True if audit else None)
        finally:
            release(store, holder)  # a one-off run does not keep the till's worker waiting for the lease
    if as_json:
        _out(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        if report.skipped:
            _out(f"not run: {report.skipped}")
        if report.push is not None:
            p = report.push
            _out(f"push: {p.sent} sent, {p.parked} parked, {p.held} held, {p.skipped} skipped, {p.failed} failed"
                 + (f" ({p.error})" if p.error else ""))
        for pulled in report.pulls:
            line = (f"pull {pulled.what}: {pulled.pages} pages, {pulled.created} new, {pulled.updated} updated, "
                    f"{pulled.deactivated} deactivated")
            _out(line + (f" — REFUSED: {pulled.rejected}" if pulled.rejected else ""))
            warnings = getattr(pulled, "warnings", [])
            for warning in warnings[:20]:
                _out(f"  note: {warning}")
            if len(warnings) > 20:
                _out(f"  ... and {len(warnings) - 20} more notes (in the log)")
        for error in report.errors:
            _out(f"error: {error}")
        _out("ok" if report.ok else "FAILED: see above; `posapp-admin sync status` lists what waits")
    return 0 if report.ok else 1


def _status(store, *, as_json: bool) -> int:
    from posapp.services.sync import sync_status

    status = sync_status(store.uow(), store.config)
    if as_json:
        _out(json.dumps(status.as_dict(), ensure_ascii=False, indent=2))
        return 0
    tz = store.config.store.timezone
    m = status.memory
    _out(f"shop: {status.shop or 'none ([sync] not configured)'}")
    _out("outbox: " + ", ".join(f"{n} {state}" for state, n in sorted(status.counts.items())) if status.counts
         else "outbox: empty")
    _out(f"last pull {_when(m.last_pull_at, tz)}, last push {_when(m.last_push_at, tz)}, "
         f"customers {_when(m.last_customers_at, tz)}, audit {_when(m.last_audit_at, tz)}")
    if status.lease_holder:
        _out(f"sync lease: {status.lease_holder} until {_when(status.lease_until, tz)}")
    if m.last_error:
        _out(f"last error ({_when(m.last_error_at, tz)}): {m.last_error}")
    for w in status.problems:
        _out(f"  #{w.id} {w.state:<7} {w.topic} {w.key} (tries {w.attempts}): {w.reason}")
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("sync", parents=[common], help="the online shop: run once, status, retry or settle")
    p.add_argument("--once", action="store_true", help="run one push and pull now; exit 1 if anything failed")
    p.add_argument("--json", action="store_true", help="print the report or status as JSON")
    p.add_argument("--customers", action="store_true", help="with --once: pull customers even if not due")
    p.add_argument("--audit", action="store_true", help="with --once: check every product id even if not due")
    p.set_defaults(func=cmd_sync)
    ssub = p.add_subparsers(dest="action", metavar="action")
    q = ssub.add_parser("status", parents=[common], help="what waits, what was refused, last pull and push")
    q.add_argument("--json", action="store_true", help="as JSON")
    q = ssub.add_parser("run", parents=[common], help="the same as --once")
    q.add_argument("--json", action="store_true")
    q.add_argument("--customers", action="store_true")
    q.add_argument("--audit", action="store_true")
    q = ssub.add_parser("retry", parents=[common], help="send parked/held/skipped events again")
    q.add_argument("ids", type=int, nargs="+", metavar="ID")
    q = ssub.add_parser("settle", parents=[common], help="stop sending a refused event that was dealt with by hand")
    q.add_argument("id", type=int, metavar="ID")
    q.add_argument("--note", required=True, help="what was done about it")
