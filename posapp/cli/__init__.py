"""posapp-admin: set up, migrate, import and export the catalog, manage staff, diagnose, back up;
promotions (import, export, end, price-basket) are in posapp/cli/promotions.py.

Exit codes: 0 ok, 1 the action failed (one-line reason on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from posapp import __version__
from posapp.cli import (cases, members, promotions, provision, report_members, report_people, report_products,
                        report_sales_period, stock, sync)
from posapp.cli.common import _ask_pin, _fail, _open, _out, _progress
from posapp.domain.errors import PosError


# --- commands ------------------------------------------------------------------------------

def cmd_init(args) -> int:
    from posapp.bootstrap import open_store
    from posapp.config import PrinterConfig, StoreConfig, default_config_path, load_config, write_config
    from posapp.domain.users import check_pin, check_username
    from posapp.services import users

    path = Path(args.config) if args.config else default_config_path()
    if path.exists() and not args.force:
        return _fail(f"{path} already exists (use --force to overwrite it)")
    url = args.database_url or f"sqlite:///{path.parent.resolve() / 'posapp.db'}"
    store_cfg = StoreConfig(code=args.store_code, name=args.store_name, currency=args.currency,
                            locale=args.locale, timezone=args.timezone, address=args.address,
                            tax_id=args.tax_id)
    pin = check_pin(_ask_pin("PIN for the first admin (4-8 digits): ", args.admin_pin))
    check_username(args.admin_username)
    write_config(path, store=store_cfg, terminal_code=args.terminal, database_url=url,
                 printer=PrinterConfig(connection=args.printer))
    store, applied = open_store(load_config(path))
    _out(f"config   {path}")
    _out(f"database {url.split('@')[-1]} ({len(applied)} migration(s) applied)")
    if store.uow().users.count() == 0:
        admin = users.bootstrap_admin(store.uow(), store.station, username=args.admin_username,
                                      name=args.admin_name, pin=pin)
        _out(f"admin    {admin.username}")
    else:
        _out("admin    users already exist; none added")
    return 0


def cmd_migrate(args) -> int:
    from posapp.bootstrap import backup_dir
    from posapp.config import load_config
    from posapp.storage import db as dbmod
    from posapp.storage import migrate

    config = load_config(args.config)
    db = dbmod.bind(config.database_url)
    if args.status:
        for s in migrate.status(db):
            _out(f"[{'x' if s.applied else ' '}] {s.name}")
        return 0
    applied, backup = migrate.upgrade_with_backup(
        db_path=dbmod.sqlite_path(config.database_url), backup_dir=backup_dir(), db=db)
    for name in applied:
        _out(f"applied {name}")
    if backup:
        _out(f"backup  {backup}")
    if not applied:
        _out("the database is up to date")
    return 0


def cmd_import(args) -> int:
    from posapp.services import catalog
    from posapp.services.auth import SYSTEM

    store = _open(args)
    try:
        result = catalog.import_catalog(store.uow(), store.station, actor=SYSTEM, path=Path(args.path),
                                        fmt=args.format, encoding=args.encoding, progress=_progress)
    except catalog.ImportRejected as exc:
        print(str(exc), file=sys.stderr)
        return _fail(f"{args.path}: {len(exc.errors)} bad row(s); nothing was imported")
    _out(f"imported {result.created + result.updated} products "
         f"({result.created} new, {result.updated} updated)")
    for line in result.skipped:
        _out(f"skipped  {line}")
    for code in result.new_tax_classes:
        _out(f"new tax class {code}")
    return 0


def cmd_export(args) -> int:
    from posapp.services import catalog

    store = _open(args)
    count = catalog.export_catalog(store.uow(), path=Path(args.path), fmt=args.format)
    _out(f"exported {count} products to {args.path}")
    return 0


def cmd_lookup(args) -> int:
    from posapp.services import catalog

    store = _open(args)
    try:
        products = [catalog.lookup_scan(store.uow(), store.station, args.query).product]
    except PosError:
        products = catalog.search_products(store.uow(), args.query, limit=args.limit)
    for p in products:
        _out(f"{p.sku:<12} {p.price:>10} {p.unit:<4} {p.name}  {'|'.join(p.barcodes)}")
    if not products:
        return _fail(f"nothing matches {args.query!r}")
    return 0


def cmd_users(args) -> int:
    from posapp.services import users
    from posapp.services.auth import SYSTEM

    store = _open(args)
    uow, st = store.uow(), store.station
    if args.action == "list":
        rows = users.list_users(uow, actor=SYSTEM)
        if args.json:
            _out(json.dumps([{"username": u.username, "name": u.name, "role": u.role.value,
                              "active": u.active} for u in rows], ensure_ascii=False))
        for u in rows if not args.json else []:
            _out(f"{u.username:<16} {u.role.value:<10} {'active' if u.active else 'disabled':<8} {u.name}")
        return 0
    if args.action == "add":
        pin = _ask_pin(f"PIN for {args.username} (4-8 digits): ", args.pin)
        user = users.add_user(uow, st, actor=SYSTEM, username=args.username,
                              name=args.name or args.username, role=args.role, pin=pin)
        _out(f"added {user.username} ({user.role.value})")
    elif args.action == "reset-pin":
        pin = _ask_pin(f"New PIN for {args.username}: ", args.pin)
        users.reset_pin(uow, st, actor=SYSTEM, username=args.username, pin=pin)
        _out(f"PIN of {args.username} reset")
    else:
        disabled = args.action == "disable"
        users.set_disabled(uow, st, actor=SYSTEM, username=args.username, disabled=disabled)
        _out(f"{args.username} {'disabled' if disabled else 'enabled'}")
    return 0


def cmd_audit(args) -> int:
    store = _open(args)
    for e in store.uow().audit.recent(limit=args.limit, action=args.action):
        who = e.actor or "-"
        if e.approver:
            who += f" (approved by {e.approver})"
        _out(f"{e.at:%Y-%m-%d %H:%M:%S} {e.terminal_code:<4} {e.action:<20} {who:<30} "
             f"{json.dumps(e.detail, ensure_ascii=False)}")
    return 0


def cmd_verify_journal(args) -> int:
    from posapp.services.journal import verify_journal

    store = _open(args)
    report = verify_journal(store.uow(), terminal_code=args.terminal)
    for terminal, count in sorted(report.terminals.items()):
        _out(f"terminal {terminal}: {count} entries checked")
    if report.problem:
        return _fail(f"journal broken at {report.problem}")
    _out("the journal is intact")
    return 0


def cmd_doctor(args) -> int:
    from posapp.doctor import run_checks

    checks = run_checks(args.config)
    ok = all(c.ok for c in checks)
    if args.json:
        _out(json.dumps({"ok": ok, "version": __version__,
                         "checks": [c.__dict__ for c in checks]}, ensure_ascii=False, indent=1))
    else:
        for c in checks:
            _out(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<11} {c.detail}")
    return 0 if ok else 1


def cmd_backup(args) -> int:
    from posapp.config import load_config
    from posapp.storage import db as dbmod

    config = load_config(args.config)
    target = Path(args.path)
    if target.exists() and not args.force:
        return _fail(f"{target} already exists (use --force to overwrite it)")
    source = dbmod.sqlite_path(config.database_url)
    if source is not None:
        if not source.exists():
            return _fail(f"database {source} does not exist")
        target.unlink(missing_ok=True)
        dbmod.sqlite_backup(source, target)
    else:
        pg_dump = shutil.which("pg_dump")
        if not pg_dump:
            return _fail("pg_dump not found; install the PostgreSQL client tools")
        run = subprocess.run([pg_dump, "--format=custom", "--file", str(target), config.database_url],
                             capture_output=True, text=True)
        if run.returncode:
            return _fail(f"pg_dump failed: {run.stderr.strip().splitlines()[-1:]}")
    _out(f"backup written to {target} ({target.stat().st_size} bytes)")
    return 0


def cmd_report(args) -> int:
    from datetime import date

    from posapp.services import report_paper, shifts
    from posapp.services.auth import SYSTEM

    if getattr(args, "report_func", None) is not None:  # the reports of posapp/cli/report_*.py
        return args.report_func(args)
    store = _open(args)
    cfg, uow, st = store.config, store.uow(), store.station
    if args.kind == "sales":
        try:
            start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
        except ValueError as exc:
            return _fail(f"dates must be YYYY-MM-DD ({exc})")
        summary = shifts.sales_summary(uow, st, actor=SYSTEM, start=start, end=end,
                                       timezone=cfg.store.timezone, terminal_code=args.terminal)
        if args.format == "json":
            _out(json.dumps(summary.to_json(), ensure_ascii=False, indent=1))
        else:
            for line in summary.text_lines(locale=cfg.store.locale):
                _out(line)
        return 0
    from posapp.devices.receipt import render_text
    from posapp.reports.shift_report import render_pdf

    report = shifts.shift_report(uow, st, actor=SYSTEM, number=args.shift, z_number=args.z,
                                 terminal_code=args.terminal)
    doc = report_paper.layout_shift_report(report, columns=cfg.printer.columns, locale=cfg.store.locale,
                                     timezone=cfg.store.timezone)
    for line in render_text(doc):
        _out(line)
    if args.pdf:
        render_pdf(report, args.pdf, locale=cfg.store.locale, timezone=cfg.store.timezone,
                   store_name=cfg.store.name)
        _out(f"pdf written to {args.pdf}")
    if args.print:
        job = shifts.queue_report_print(uow, st, actor=SYSTEM, report=report,
                                        render=report_paper.make_report_renderer(cfg))
        _out(f"queued for the printer of till {st.terminal_code} (job {job})")
    return 0


# --- parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="configuration file (else $POSAPP_CONFIG, "
                        "else the platform's config directory)")
    parser = argparse.ArgumentParser(prog="posapp-admin", parents=[common],
                                     description="posapp administration for IT and managers")
    parser.add_argument("--version", action="version", version=f"posapp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = sub.add_parser("init", parents=[common], help="write a config, create the database and the first admin")
    p.add_argument("--store-code", default="S001")
    p.add_argument("--store-name", default="My Store")
    p.add_argument("--address", default="")
    p.add_argument("--tax-id", default="")
    p.add_argument("--currency", default="CNY")
    p.add_argument("--locale", default="zh_CN", choices=["zh_CN", "en"])
    p.add_argument("--timezone", default="Asia/Shanghai")
    p.add_argument("--terminal", default="T01")
    p.add_argument("--database-url", help="default: sqlite:///posapp.db beside the config")
    p.add_argument("--printer", default="none", help="printer connection, e.g. network:10.0.0.5:9100")
    p.add_argument("--admin-username", default="admin")
    p.add_argument("--admin-name", default="Administrator")
    p.add_argument("--admin-pin", help="asked for when not given")
    p.add_argument("--force", action="store_true", help="overwrite an existing config file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("migrate", parents=[common], help="apply pending database migrations (after a backup)")
    p.add_argument("--status", action="store_true", help="list migrations and whether they are applied")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("import-catalog", parents=[common], help="import products from CSV or WooCommerce JSON")
    p.add_argument("path")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
    p.add_argument("--encoding", help="CSV encoding (default: detect UTF-8, UTF-16 with BOM, GB18030)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-catalog", parents=[common], help="export products as CSV or WooCommerce JSON")
    p.add_argument("path")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("lookup", parents=[common], help="find products by barcode, SKU, name or pinyin")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser("users", parents=[common], help="staff accounts")
    usub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = usub.add_parser("add", parents=[common], help="add a user")
    q.add_argument("username")
    q.add_argument("--name")
    q.add_argument("--role", required=True, choices=["cashier", "supervisor", "manager", "admin"])
    q.add_argument("--pin", help="asked for when not given")
    q = usub.add_parser("list", parents=[common], help="list users")
    q.add_argument("--json", action="store_true")
    q = usub.add_parser("reset-pin", parents=[common], help="set a new PIN and lift a lockout")
    q.add_argument("username")
    q.add_argument("--pin", help="asked for when not given")
    for action in ("disable", "enable"):
        q = usub.add_parser(action, parents=[common], help=f"{action} a user")
        q.add_argument("username")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", parents=[common], help="show the audit log, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--action", help="only this action, e.g. user_locked")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("verify-journal", parents=[common],
                       help="recompute the sales journal's hash chain; names the first bad entry")
    p.add_argument("--terminal", help="only this terminal (default: all)")
    p.set_defaults(func=cmd_verify_journal)

    p = sub.add_parser("doctor", parents=[common], help="check config, database, migrations, disk, printer")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("report", parents=[common], help="shift (Z) reports and sales over days")
    rsub = p.add_subparsers(dest="kind", required=True, metavar="report")
    q = rsub.add_parser("z", parents=[common], help="a shift's Z report (an open shift: its X report)")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("--shift", type=int, metavar="N", help="shift number on this config's till")
    which.add_argument("--z", type=int, metavar="N", help="Z number on this config's till")
    q.add_argument("--terminal", metavar="CODE", help="another till of this store (default: this config's)")
    q.add_argument("--pdf", metavar="PATH", help="also write the report as an A4 PDF")
    q.add_argument("--print", action="store_true", help="queue it for this till's receipt printer")
    q = rsub.add_parser("sales", parents=[common], help="sales between two store-local days, inclusive")
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--terminal", metavar="CODE", help="only this till (default: the whole store)")
    q.add_argument("--format", choices=["text", "json"], default="text")
    promotions.add_report_parser(rsub, common)
    report_products.add_report_parsers(rsub, common)
    report_sales_period.add_report_parsers(rsub, common)
    report_people.add_report_parsers(rsub, common)
    report_members.add_report_parsers(rsub, common)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("backup", parents=[common], help="online backup of the database to PATH")
    p.add_argument("path")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_backup)

    promotions.add_parsers(sub, common)
    members.add_parsers(sub, common)
    cases.add_parsers(sub, common)
    sync.add_parsers(sub, common)
    stock.add_parsers(sub, common)
    provision.add_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = getattr(args, "config", None)
    try:
        return args.func(args)
    except PosError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except Exception as exc:  # a person gets one line; POSAPP_DEBUG=1 shows the traceback
        if os.environ.get("POSAPP_DEBUG"):
            raise
        return _fail(f"unexpected error ({type(exc).__name__}): {exc}")
