"""posapp-admin provision: set up a terminal silently, from flags or a branch file (docs/deployment.md).

Everything is checked before anything is written; the work itself is posapp.provisioning's, which the
first-run wizard uses too.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

from posapp.cli.common import _ask_pin, _out
from posapp.domain.errors import ConfigError, PosError

ADMIN_PIN_ENV = "POSAPP_ADMIN_PIN"
SHOP_KEY_ENV, SHOP_SECRET_ENV = "POSAPP_SYNC_KEY", "POSAPP_SYNC_SECRET"
BRANCH_SECTIONS = ("store", "terminal", "database", "printer", "till", "barcodes", "sync", "admin")
ADMIN_KEYS = ("username", "name", "pin")
STORE_FLAGS = {"store": "code", "store_name": "name", "address": "address", "tax_id": "tax_id",
               "currency": "currency", "locale": "locale", "timezone": "timezone"}


def read_branch_file(path: Path):
    """A branch file's config tables, its [admin] (a FirstAdmin) and the shop's key and secret, from its
    key_file or the environment: a branch file is copied around, so it never holds them itself."""
    from posapp.provisioning import FirstAdmin

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for section, table in raw.items():
        if section not in BRANCH_SECTIONS:
            raise ConfigError(f"{path}: [{section}] is not a known section ({', '.join(BRANCH_SECTIONS)})")
        if section != "barcodes" and not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    admin_table = raw.pop("admin", {})
    for key, value in admin_table.items():
        if key not in ADMIN_KEYS:
            raise ConfigError(f"{path}: admin.{key} is not a known key ({', '.join(ADMIN_KEYS)})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: admin.{key} must be a string in quotes (\"0123\" keeps its 0)")
    admin = FirstAdmin(**{k: admin_table[k] for k in ADMIN_KEYS if k in admin_table})
    credentials = None
    if "sync" in raw:
        raw["sync"] = dict(raw["sync"])
        credentials = _shop_credentials(raw["sync"], branch=path)
    return raw, admin, credentials


def _shop_credentials(sync: dict, *, branch: Path) -> tuple[str, str]:
    if "key" in sync or "secret" in sync:
        raise ConfigError(f"{branch}: sync.key and sync.secret do not belong in a branch file: use key_file "
                          f"(readable by its owner only) or {SHOP_KEY_ENV} and {SHOP_SECRET_ENV}")
    name = sync.pop("key_file", "")
    if name:
        if not isinstance(name, str):
            raise ConfigError(f"{branch}: sync.key_file must be a string")
        file = Path(name).expanduser()
        return read_key_file(file if file.is_absolute() else branch.parent / file)
    key, secret = os.environ.get(SHOP_KEY_ENV, "").strip(), os.environ.get(SHOP_SECRET_ENV, "").strip()
    if not key or not secret:
        raise ConfigError(f"{branch}: [sync] needs the shop's key and secret: sync.key_file (two lines, "
                          f"readable by its owner only) or {SHOP_KEY_ENV} and {SHOP_SECRET_ENV}")
    return key, secret


def read_key_file(path: Path) -> tuple[str, str]:
    """The consumer key and secret, from a file only its owner may read."""
    try:
        mode = path.stat().st_mode
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the shop's key file: {exc.strerror or exc}") from None
    if os.name == "posix" and mode & 0o077:
        raise ConfigError(f"{path}: other users may read the shop's key (mode {mode & 0o777:o}): chmod 600 it")
    if len(lines) != 2:
        raise ConfigError(f"{path}: must hold two lines: the consumer key, then the consumer secret")
    return lines[0], lines[1]


def _tables(args, branch: dict, path: Path) -> dict:
    """The branch file's tables with the flags given on top, and the defaults where neither says."""
    from posapp.provisioning import STORE_DEFAULTS, default_database_url

    tables = {name: (dict(t) if isinstance(t, dict) else t) for name, t in branch.items()}
    store = tables.setdefault("store", {})
    for flag, key in STORE_FLAGS.items():
        if getattr(args, flag) is not None:
            store[key] = getattr(args, flag)
    if "code" not in store:
        raise PosError("no store code: pass --store S001 (or give [store] code in the branch file)")
    for key, value in STORE_DEFAULTS.items():
        store.setdefault(key, value)
    store.setdefault("name", store["code"])
    if args.terminal is not None:
        tables["terminal"] = {**tables.get("terminal", {}), "code": args.terminal}
    if "code" not in tables.get("terminal", {}):
        raise PosError("no terminal code: pass --terminal T01 (or give [terminal] code in the branch file)")
    if args.database_url is not None:
        tables["database"] = {**tables.get("database", {}), "url": args.database_url}
    tables.setdefault("database", {}).setdefault("url", default_database_url(path))
    if args.printer is not None:
        tables["printer"] = {**tables.get("printer", {}), "connection": args.printer}
    return tables


def _given_pin(args, branch_pin: str) -> str:
    """--admin-pin (- reads a line from stdin), else $POSAPP_ADMIN_PIN, else the branch file's."""
    if args.admin_pin == "-":
        pin = sys.stdin.readline().strip() if sys.stdin else ""
        if not pin:
            raise PosError("--admin-pin -: no PIN on stdin")
        return pin
    return args.admin_pin or os.environ.get(ADMIN_PIN_ENV, "").strip() or branch_pin


def _ask_first_pin() -> str:
    if not sys.stdin or not sys.stdin.isatty():
        raise PosError(f"the database has no users yet: give the first admin's PIN with --admin-pin PIN "
                       f"(or - to read it from stdin), {ADMIN_PIN_ENV}, or [admin] pin in the branch file")
    return _ask_pin("PIN for the first admin (4-8 digits): ", None)


def cmd_provision(args) -> int:
    from dataclasses import replace

    from posapp.config import site_config_path
    from posapp.provisioning import FirstAdmin, Plan, provision

    path = Path(args.config or os.environ.get("POSAPP_CONFIG") or site_config_path())
    branch, admin, credentials = read_branch_file(Path(args.branch)) if args.branch else ({}, FirstAdmin(), None)
    admin = replace(admin, username=args.admin_username or admin.username, name=args.admin_name or admin.name,
                    pin=_given_pin(args, admin.pin))
    plan = Plan(config_path=path, tables=_tables(args, branch, path), admin=admin,
                shop_credentials=credentials, force=args.force, source=args.branch or "")
    done = provision(plan, test_print=args.test_print, ask_pin=_ask_first_pin)
    for warning in done.warnings:
        print(f"posapp-admin: warning: {warning}", file=sys.stderr, flush=True)
    if args.json:
        _out(json.dumps(done.to_json(), ensure_ascii=False, indent=1))
        return 0
    _out(f"config   {done.config_path}" + (f" (the old one kept as {done.backup_path})" if done.backup_path else ""))
    if done.key_file:
        _out(f"shop key {done.key_file}")
    what = "created, " if done.database_created else ""
    _out(f"database {done.database} ({what}{len(done.migrations)} migration(s) applied)")
    _out(f"admin    {done.admin}" if done.admin else
         f"admin    the database has {done.users_before} user(s); none added")
    _out(f"printer  {done.printer}" + (f": {done.test_print}" if done.test_print else ""))
    return 0


def _site_hint() -> str:
    from posapp.config import site_config_path

    return str(site_config_path())


def add_parsers(sub, common) -> None:
    p = sub.add_parser("provision", parents=[common],
                       help="set up this terminal: config, database and first admin, all checked first",
                       description="Writes this terminal's config (by default the machine-wide one: --config, "
                       "else $POSAPP_CONFIG, else " + _site_hint() + "), creates and migrates its database and "
                       "adds the first admin if the database has no users. Everything is checked first; "
                       "an existing config is only replaced with --force. See docs/deployment.md.")
    p.add_argument("--from", dest="branch", metavar="BRANCH.toml", help="read the values from a branch file "
                   "(the flags below win over it); see docs/branch.example.toml")
    p.add_argument("--store", metavar="CODE", help="store code, 1-8 capitals or digits (S001)")
    p.add_argument("--store-name", metavar="NAME", help="printed on receipts (default: the store code)")
    p.add_argument("--address")
    p.add_argument("--tax-id")
    p.add_argument("--currency", help="ISO 4217 code (default CNY)")
    p.add_argument("--locale", choices=["zh_CN", "en"], help="default zh_CN")
    p.add_argument("--timezone", help="IANA zone (default Asia/Shanghai)")
    p.add_argument("--terminal", metavar="CODE", help="terminal code, unique in the store (T01)")
    p.add_argument("--database-url", metavar="URL", help="sqlite:///PATH or postgresql://user:pw@host/db "
                   "(default: SQLite beside the config; /var/lib/posapp on Linux for the machine-wide one)")
    p.add_argument("--printer", metavar="CONNECTION", help="e.g. network:10.0.0.5:9100, usb:0x04b8:0x0202, none")
    p.add_argument("--test-print", action="store_true", help="print a test slip before writing anything")
    p.add_argument("--admin-username", help="the first admin's username (default admin)")
    p.add_argument("--admin-name", help="the first admin's name")
    p.add_argument("--admin-pin", metavar="PIN", help=f"the first admin's PIN, or - to read it from stdin "
                   f"(else ${ADMIN_PIN_ENV}, the branch file, or asked at a terminal)")
    p.add_argument("--force", action="store_true", help="replace an existing config (kept as .bak)")
    p.add_argument("--json", action="store_true", help="what was written, for machines")
    p.set_defaults(func=cmd_provision)
