"""posapp-admin: set up, migrate, import and export the catalog, manage staff, diagnose, back up.

Exit codes: 0 ok, 1 the action failed (one-line reason on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from posapp import __version__
from posapp.domain.errors import PosError


def _out(text: str = "") -> None:
    print(text, flush=True)


def _fail(reason: str) -> int:
    print(f"posapp-admin: {reason}", file=sys.stderr, flush=True)
    return 1


def _ask_pin(prompt: str, given: str | None) -> str:
    if given:
        return given
    if not sys.stdin or not sys.stdin.isatty():
        raise PosError("no PIN given: pass --pin (or --admin-pin) when not running interactively")
    pin = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != pin:
        raise PosError("the two PINs differ")
    return pin


def _progress(stage: str, done: int, total: int) -> None:
    if not sys.stderr.isatty():
        if stage in ("checking", "writing", "done"):
            print(f"{stage} {total} products", file=sys.stderr, flush=True)
        return
    bar = f"{done}/{total}" if total > 1 else ""
    print(f"\r{stage:<10} {bar:<20}", end="" if stage != "done" else "\n", file=sys.stderr, flush=True)


def _open(args, *, upgrade: bool = False):
    from posapp.bootstrap import load_and_open

    store, _ = load_and_open(args.config, upgrade=upgrade)
    return store


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

    from posapp.services import shifts
    from posapp.services.auth import SYSTEM

    if args.kind == "promotions":
        return _report_promotions(args)
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
            for line in summary.text_lines():
                _out(line)
        return 0
    from posapp.devices.receipt import render_text
    from posapp.reports.shift_report import render_pdf

    report = shifts.shift_report(uow, st, actor=SYSTEM, number=args.shift, z_number=args.z,
                                 terminal_code=args.terminal)
    doc = shifts.layout_shift_report(report, columns=cfg.printer.columns, locale=cfg.store.locale,
                                     timezone=cfg.store.timezone)
    for line in render_text(doc):
        _out(line)
    if args.pdf:
        render_pdf(report, args.pdf, locale=cfg.store.locale, timezone=cfg.store.timezone,
                   store_name=cfg.store.name)
        _out(f"pdf written to {args.pdf}")
    if args.print:
        job = shifts.queue_report_print(uow, st, actor=SYSTEM, report=report,
                                        render=shifts.make_report_renderer(cfg))
        _out(f"queued for the printer of till {st.terminal_code} (job {job})")
    return 0


def _report_promotions(args) -> int:
    from datetime import date

    from posapp.services.auth import SYSTEM
    from posapp.services.promotion_reports import promotion_report

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        return _fail(f"dates must be YYYY-MM-DD ({exc})")
    store = _open(args)
    cfg = store.config
    report = promotion_report(store.uow(), store.station, actor=SYSTEM, start=start, end=end, code=args.code)
    if args.format == "json":
        _out(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in report.text_lines(locale=cfg.store.locale):
            _out(line)
    if args.pdf:
        report.render_pdf(args.pdf, locale=cfg.store.locale, store_name=cfg.store.name)
        # JSON on stdout stays parseable: the note goes to stderr then.
        print(f"pdf written to {args.pdf}", file=sys.stderr if args.format == "json" else sys.stdout, flush=True)
    return 0


# --- promotions ----------------------------------------------------------------------------

def _promotions_file(path: Path, station):
    from posapp.domain.promotion_files import MAX_BYTES, parse_promotions

    if not path.is_file():
        raise PosError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise PosError(f"{path}: the file is larger than 10 MB; nothing was imported")
    return parse_promotions(path.read_bytes(), timezone=station.timezone, places=station.places)


def _refused(path: Path, problems: list[str]) -> int:
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return _fail(f"{path}: {len(problems)} problem(s); nothing was imported")


def cmd_import_promotions(args) -> int:
    from posapp.services import promotions as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    path = Path(args.path)
    parsed = _promotions_file(path, store.station)
    if parsed.errors:
        return _refused(path, [str(e) for e in parsed.errors])
    uow = store.uow()
    known = {p.code for p in svc.list_promotions(uow)}
    index = {}  # with no parse error, the n-th promotion is the file's entry [n]
    for n, p in enumerate(parsed.promotions):
        index.setdefault(p.code, n)
    try:
        saved = svc.save_promotions(uow, store.station, actor=SYSTEM, promotions=parsed.promotions, source="import")
    except svc.PromotionsRejected as exc:
        problems = sorted(exc.problems, key=lambda p: index.get(p.code, -1))
        return _refused(path, [f"promotion [{index[p.code]}] ({p.code}): {p.reason}" if p.code in index
                               else str(p) for p in problems])
    new = sum(p.code not in known for p in saved)
    _out(f"imported {len(saved)} promotions ({new} new, {len(saved) - new} updated)")
    categories = set(store.uow().catalog.category_ids())  # a misspelt category is legal but never applies
    for p in saved:
        for path in dict.fromkeys(c for c in (*p.categories, *p.exclude_categories) if c not in categories):
            _out(f"warning  promotion [{index[p.code]}] ({p.code}): no category {path} in the catalog yet")
    return 0


def cmd_export_promotions(args) -> int:
    from posapp.domain.promotion_files import write_promotions
    from posapp.services import promotions as svc

    store = _open(args)
    found = svc.list_promotions(store.uow())
    text = write_promotions(found, timezone=store.station.timezone)
    if args.path == "-":
        sys.stdout.write(text)
        return 0
    Path(args.path).write_text(text, encoding="utf-8")
    _out(f"exported {len(found)} promotions to {args.path}")
    return 0


def _local(moment, timezone: str) -> str:
    from posapp.domain.clock import to_local

    return f"{to_local(moment, timezone):%Y-%m-%d %H:%M}" if moment else "-"


def cmd_promotions(args) -> int:
    from posapp.devices.textwidth import pad_right
    from posapp.domain.clock import utcnow
    from posapp.domain.promotion_files import promotion_entry
    from posapp.services import promotions as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    tz = store.station.timezone
    if args.action == "end":
        ended = svc.end_promotion(store.uow(), store.station, actor=SYSTEM, code=args.code)
        _out(f"ended {ended.code} at {_local(ended.ends_at, tz)}")
        return 0
    found = svc.list_promotions(store.uow())
    if args.json:
        _out(json.dumps([promotion_entry(p, timezone=tz) for p in found], ensure_ascii=False, indent=1))
        return 0
    now = utcnow()
    for p in found:
        state = ("ended" if not p.active else "over" if p.ends_at and p.ends_at <= now
                 else "scheduled" if p.starts_at and p.starts_at > now else "running")
        _out(f"{pad_right(p.code, 16, ambiguous=1)} {p.kind.value:<13} {state:<9} "
             f"{_local(p.starts_at, tz):<16} {_local(p.ends_at, tz):<16} {p.name}")
    return 0


def cmd_price_basket(args) -> int:
    from posapp.domain.promotion_files import parse_time
    from posapp.services import promotions as svc

    store = _open(args)
    tz = store.station.timezone
    items = svc.parse_items(args.items)
    at = parse_time(args.at, timezone=tz) if args.at else None
    quote = svc.price_basket(store.uow(), store.station, items=items, member_code=args.member,
                             coupons=tuple(args.coupon or ()), at=at)
    data = svc.quote_json(quote)
    if args.format == "json":
        _out(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        for line in _quote_lines(data, quote, tz):
            _out(line)
    return 0


def _quote_lines(data: dict, quote, tz: str) -> list[str]:
    """The simulator's answer for a person: a table whose columns line up with Chinese names."""
    from posapp.devices.textwidth import pad_left, pad_right, truncate

    def cell(text, width: int) -> str:
        return pad_right(truncate(str(text), width, ambiguous=1, ellipsis="…"), width, ambiguous=1)

    def total(label: str, amount: str) -> str:
        return f"{cell(label, 78)} {pad_left(amount, 10, ambiguous=1)}"

    who = f"member {quote.member.code} ({quote.member.tier or '-'})" if quote.member else "no member"
    coupons = f", coupons {' '.join(data['coupons'])}" if data["coupons"] else ""
    out = [f"priced at {_local(quote.at, tz)} ({tz}), {who}{coupons}; nothing was sold", "",
           f"{'#':>3} {cell('SKU', 12)} {cell('name', 30)} {'qty':>8} {'unit price':>10} {'amount':>10} {'net':>10}"]
    for ln in data["lines"]:
        name = ln["name"] + (" (gift)" if ln["gift"] else "")
        out.append(f"{ln['line']:>3} {cell(ln['sku'], 12)} {cell(name, 30)} {ln['qty']:>8} {ln['unit_price']:>10} "
                   f"{ln['amount']:>10} {ln['net']:>10}")
        for p in ln["promotions"]:
            label = f"- {p['code']} {p['name']} ({p['kind']})"
            out.append(f"    {cell(label, 63)} {'-' + p['amount']:>10}")
    out += ["-" * 89, total("subtotal", data["subtotal"])]
    out += [total(f"  {p['code']} {p['name']}", "-" + p["amount"]) for p in data["promotions"]]
    out += [total("discounts", "-" + data["discounts"]), total("total", data["total"])]
    out += [total(f"tax {t['rate']}% (on {t['net']})", t["tax"]) for t in data["tax"]]
    return out + [f"note: {n}" for n in data["notes"]]


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
    q = rsub.add_parser("promotions", parents=[common],
                        help="each promotion's uses, discount, units and net sales, during against before")
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--code", metavar="CODE", help="only this promotion (default: every one running then)")
    q.add_argument("--format", choices=["text", "json"], default="text")
    q.add_argument("--pdf", metavar="PATH", help="also write the report as an A4 PDF")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("backup", parents=[common], help="online backup of the database to PATH")
    p.add_argument("path")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("import-promotions", parents=[common],
                       help="add or update promotions (by code) from a JSON file: all or nothing")
    p.add_argument("path")
    p.set_defaults(func=cmd_import_promotions)
    p = sub.add_parser("export-promotions", parents=[common], help="write every promotion as a JSON file")
    p.add_argument("path", help="the file to write, or - for stdout")
    p.set_defaults(func=cmd_export_promotions)
    p = sub.add_parser("promotions", parents=[common], help="list promotions, or end one now")
    psub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = psub.add_parser("list", parents=[common], help="every promotion with its state and dates")
    q.add_argument("--json", action="store_true", help="as the entries of a promotions file")
    q = psub.add_parser("end", parents=[common], help="stop a promotion now (it stays, for the reports)")
    q.add_argument("code")
    p.set_defaults(func=cmd_promotions)
    p = sub.add_parser("price-basket", parents=[common],
                       help="price a basket with the promotions running, without selling anything")
    p.add_argument("--items", required=True, metavar="SKU:QTY[,SKU:QTY...]")
    p.add_argument("--member", metavar="CODE", help="price for this member (card code or phone)")
    p.add_argument("--coupon", action="append", metavar="CODE", help="a coupon code; may be repeated")
    p.add_argument("--at", metavar="ISO-TIME", help="store-local time, or with an offset or Z (default: now)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_price_basket)
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


if __name__ == "__main__":
    sys.exit(main())
