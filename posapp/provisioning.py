"""Setting up a terminal: its config file, its database (created and migrated) and the first admin.

Everything is checked first: the config's values, the config file's place, the database (reachable or
creatable, and which store it belongs to), the first admin's PIN, and a test print when asked. Only
then are the database, the shop's key file and the config written, in that order, so that a config
on disk is a terminal that starts. `posapp-admin provision` and the first-run wizard both go through
provision(); the wizard's test buttons call probe_database() and print_test_slip().
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import tomli_w

from posapp.config import Config, load_config, parse_config, redact, site_config_path
from posapp.domain.errors import ConfigError, PosError, ValidationError
from posapp.domain.users import check_pin, check_username

KEY_FILE = "shop.key"  # beside the config: the shop's consumer key and secret, for its owner's eyes only
STORE_DEFAULTS = {"currency": "CNY", "locale": "zh_CN", "timezone": "Asia/Shanghai"}
LINUX_SITE_DATABASE = Path("/var/lib/posapp/posapp.db")  # /etc is no place for a database
# Stand-ins for what a partial check (one wizard page) does not cover yet.
_FILLER = {"store": {"code": "S001", "name": "-", **STORE_DEFAULTS}, "terminal": {"code": "T01"},
           "database": {"url": "sqlite:///posapp.db"}}
_NOWHERE = Path("posapp.toml")


@dataclass(frozen=True)
class FirstAdmin:
    """The admin created when the database has no users yet; the PIN never goes into the config."""

    username: str = "admin"
    name: str = "Administrator"
    pin: str = field(default="", repr=False)  # "" asks for it, when it is needed


@dataclass(frozen=True)
class Plan:
    config_path: Path
    tables: dict  # the config file's tables, without the shop's key and secret
    admin: FirstAdmin = field(default_factory=FirstAdmin)
    shop_credentials: tuple[str, str] | None = field(default=None, repr=False)
    force: bool = False  # replace an existing config (the old one is kept as .bak)
    source: str = ""  # what to name in a complaint about a value (a branch file), else the key alone
    via: str = "posapp-admin provision"


@dataclass(frozen=True)
class DatabaseProbe:
    url: str  # without its password
    kind: str  # "sqlite" or "postgresql"
    exists: bool
    users: int = 0
    pending: tuple[str, ...] = ()
    store_code: str | None = None  # the store its audit log belongs to
    terminals: dict = field(default_factory=dict)  # terminal code -> host it was last provisioned on

    @property
    def detail(self) -> str:
        if not self.exists:
            return f"{self.url}: will be created"
        state = f"{len(self.pending)} migration(s) to apply" if self.pending else "up to date"
        return f"{self.url}: {state}, {self.users} user(s)"


@dataclass(frozen=True)
class Checked:
    config: Config
    database: DatabaseProbe
    admin: FirstAdmin | None  # None: the database has users, none is added
    test_print: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    config_path: Path
    backup_path: Path | None
    key_file: Path | None
    store_code: str
    terminal_code: str
    database: str
    database_created: bool
    migrations: tuple[str, ...]
    admin: str | None
    users_before: int
    printer: str
    test_print: str | None
    warnings: tuple[str, ...]

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("config_path", "backup_path", "key_file"):
            out[key] = str(out[key]) if out[key] else None
        out["migrations"] = list(self.migrations)
        out["warnings"] = list(self.warnings)
        return out


# --- the values ----------------------------------------------------------------------------

def default_database_url(config_path: Path) -> str:
    """SQLite beside the config; for the machine-wide config on Linux, in /var/lib/posapp."""
    if sys.platform.startswith("linux") and config_path == site_config_path():
        return f"sqlite:///{LINUX_SITE_DATABASE}"
    return f"sqlite:///{(config_path.parent.resolve() / 'posapp.db').as_posix()}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a sqlite:/// URL (None for PostgreSQL)."""
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def check_tables(tables: dict, *, config_path: Path = _NOWHERE, source: str = "",
                 credentials: tuple[str, str] | None = None) -> Config:
    """The config these tables make, or ConfigError naming the key (and the source, if any)."""
    tables = {**_FILLER, **tables} if config_path is _NOWHERE else dict(tables)
    if "sync" in tables:
        key, secret = credentials or ("", "")
        tables["sync"] = {**tables["sync"], "key": key, "secret": secret}
    try:
        return parse_config(tables, path=config_path)
    except ConfigError as exc:
        detail = str(exc).removeprefix(f"{config_path}: ")
        raise ConfigError(f"{source}: {detail}" if source else detail) from None


# --- checking -------------------------------------------------------------------------------

def check(plan: Plan, *, test_print: bool = False, ask_pin: Callable[[], str] | None = None) -> Checked:
    """Everything provision() needs, checked; nothing is written (a test print prints a slip)."""
    config = check_tables(plan.tables, config_path=plan.config_path, source=plan.source,
                          credentials=plan.shop_credentials)
    warnings = _check_config_place(plan.config_path, force=plan.force)
    probe = probe_database(config.database_url)
    if probe.store_code and probe.store_code != config.store.code:
        raise ValidationError(f"{probe.url} belongs to store {probe.store_code}, not {config.store.code}: the "
                              "terminals of one store share a database, another store needs its own")
    host = probe.terminals.get(config.terminal_code)
    if host and host != socket.gethostname():
        warnings.append(f"terminal {config.terminal_code} was provisioned on {host} before: two tills must not "
                        "share a terminal code (give this one another, unless it replaces that machine)")
    admin = _first_admin(plan.admin, ask_pin) if probe.users == 0 else None
    try:
        printed = print_test_slip(config) if test_print else None
    except PosError as exc:
        raise ValidationError(f"the test print failed: {exc}") from None
    return Checked(config=config, database=probe, admin=admin, test_print=printed, warnings=tuple(warnings))


def _check_config_place(path: Path, *, force: bool) -> list[str]:
    if path.is_dir():
        raise ValidationError(f"{path} is a folder; give the config file's path")
    if path.exists() and not force:
        raise ValidationError(f"{path} already exists (use --force to replace it; the old one is kept as "
                              f"{_backup_of(path).name})")
    _writable_folder(path.parent, what=path)
    warnings = []
    if path == site_config_path():
        from posapp.config import default_config_path

        if default_config_path().is_file():
            warnings.append(f"{default_config_path()} exists: for that user it is read before {path}")
    return warnings


def _writable_folder(folder: Path, *, what: Path) -> None:
    """folder exists and is writable, or can be created: else a message that says so."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValidationError(f"cannot write {what}: {existing} is not a folder this user may write in "
                              "(run as administrator, or choose another place)")


def _first_admin(admin: FirstAdmin, ask_pin: Callable[[], str] | None) -> FirstAdmin:
    pin = admin.pin
    if not pin:
        if ask_pin is None:
            raise ValidationError("the database has no users yet: a PIN for the first admin is needed")
        pin = ask_pin()
    try:
        return FirstAdmin(username=check_username(admin.username), name=admin.name.strip() or admin.username,
                          pin=check_pin(pin))
    except ValidationError as exc:
        raise ValidationError(f"the first admin's {exc}") from None


def probe_database(url: str) -> DatabaseProbe:
    """Whether the database is there (or can be created), its pending migrations, users and store.

    Reads only: a missing SQLite file is not created, a missing PostgreSQL database not made."""
    from posapp.storage import db as dbmod

    shown = redact(url)
    file = dbmod.sqlite_path(url)
    if file is not None:
        if not file.exists():
            _writable_folder(file.parent, what=file)
            return DatabaseProbe(url=shown, kind="sqlite", exists=False)
        if not file.is_file():
            raise ValidationError(f"{file} is not a database file")
    elif _pg_state(url) == "creatable":
        return DatabaseProbe(url=shown, kind="postgresql", exists=False)
    return _read_database(url, kind="sqlite" if file else "postgresql")


def _read_database(url: str, *, kind: str) -> DatabaseProbe:
    from posapp.storage import db as dbmod
    from posapp.storage import migrate
    from posapp.storage.uow import UnitOfWork

    db = dbmod.bind(url)
    try:
        states = migrate.status(db)
        pending = tuple(s.name for s in states if s.applied is None)
        users, store_code, terminals = 0, None, {}
        if len(pending) < len(states):
            uow = UnitOfWork(db)
            users = uow.users.count()
            latest = uow.audit.recent(limit=1)
            store_code = latest[0].store_code if latest else None
            for entry in reversed(uow.audit.recent(limit=500, action="terminal_provisioned")):
                terminals[entry.terminal_code] = entry.detail.get("host", "")
    except PosError:
        raise
    except Exception as exc:  # not a database, not ours, a driver error: said in words
        raise ValidationError(f"{redact(url)} cannot be read as a posapp database: {exc}") from None
    finally:
        db.close()
    return DatabaseProbe(url=redact(url), kind=kind, exists=True, users=users, pending=pending,
                         store_code=store_code, terminals=terminals)


def _pg_connect(url: str, dbname: str | None = None):
    import psycopg

    extra = {"dbname": dbname} if dbname else {}
    return psycopg.connect(url, connect_timeout=10, autocommit=True, application_name="posapp", **extra)


def _pg_state(url: str) -> str:
    """'exists', or 'creatable' (it is missing and this user may create it); else ValidationError."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or not parsed.hostname:
        raise ValidationError(f"{redact(url)} must name a server and a database, like "
                              "postgresql://posapp:secret@10.0.0.2:5432/posapp")
    try:
        _pg_connect(url).close()
        return "exists"
    except psycopg.Error as exc:
        first = " ".join(str(exc).split())
    for maintenance in ("postgres", "template1"):  # the server's own databases, to look and create
        try:
            with _pg_connect(url, maintenance) as conn:
                found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                may = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles "
                                   "WHERE rolname = current_user").fetchone()
        except psycopg.Error:
            continue
        if found:
            break
        if may and may[0]:
            return "creatable"
        raise ValidationError(f"database {name!r} does not exist on {parsed.hostname} and {parsed.username or 'this user'} "
                              f"may not create it: ask for it (CREATE DATABASE {name} ENCODING 'UTF8')")
    raise ValidationError(f"cannot open database {redact(url)}: {first}")


def _pg_create(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    for maintenance in ("postgres", "template1"):
        try:
            with _pg_connect(url, maintenance) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                             .format(sql.Identifier(name)))
            return
        except psycopg.errors.DuplicateDatabase:
            return  # another terminal of the store created it a moment ago
        except psycopg.OperationalError:
            continue
    raise ValidationError(f"could not create database {name!r} on {urlparse(url).hostname}")


def make_test_slip(config: Config):
    """A short slip in Chinese and English: the store, the till, the printer's settings, the time."""
    from datetime import datetime, timezone

    from posapp.devices.receipt import ReceiptDocument, TextLine, local_time

    p, s = config.printer, config.store
    now = local_time(datetime.now(timezone.utc), s.timezone)
    lines = [TextLine("打印测试  Test print", bold=True, align="center"),
             TextLine(s.name, align="center"),
             TextLine(f"{s.code}-{config.terminal_code}  {now:%Y-%m-%d %H:%M}", align="center"),
             TextLine("-" * p.columns),
             TextLine(f"{p.connection}"),
             TextLine(f"{p.encoding}, {p.columns} columns, {p.profile}"),
             TextLine("中文：收银台打印正常"),
             TextLine("English: ABC abc 0123456789"),
             TextLine("-" * p.columns),
             TextLine("能看清这张小票，打印机就没问题。"),
             TextLine("Readable? The printer is ready.")]
    return ReceiptDocument(columns=p.columns, elements=tuple(lines), locale=s.locale)


def print_test_slip(config: Config) -> str:
    """Print the test slip through the till's printer code; what happened, in words (PosError if not)."""
    from posapp.services.printing import make_printer

    printer = make_printer(config)
    if printer.kind == "none":
        raise ValidationError("no printer is configured: there is nothing to print on")
    printer.print_receipt(make_test_slip(config))
    return f"test slip sent to the {printer.where}" if printer.kind != "dummy" else "test slip kept in memory"



# --- writing ------------------------------------------------------------------------------------

def provision(plan: Plan, *, test_print: bool = False, ask_pin: Callable[[], str] | None = None) -> Outcome:
    """Check the whole plan, then write the database, the shop's key file and the config."""
    return apply(plan, check(plan, test_print=test_print, ask_pin=ask_pin))


def apply(plan: Plan, checked: Checked) -> Outcome:
    from posapp.bootstrap import open_store

    config, probe = checked.config, checked.database
    if probe.kind == "postgresql" and not probe.exists:
        _pg_create(config.database_url)
    store, applied = open_store(config)
    warnings = list(checked.warnings)
    try:
        admin = _add_first_admin(store, checked.admin, warnings)
        with store.uow() as uow:
            uow.audit.add(store_code=config.store.code, terminal_code=config.terminal_code,
                          action="terminal_provisioned", actor_id=None,
                          detail={"host": socket.gethostname(), "via": plan.via, "config": str(plan.config_path)})
            uow.commit()
    finally:
        store.close()
    key_file = _write_key_file(plan) if config.sync is not None else None
    backup = _write_config(plan, config, key_file)
    return Outcome(config_path=plan.config_path, backup_path=backup, key_file=key_file,
                   store_code=config.store.code, terminal_code=config.terminal_code, database=probe.url,
                   database_created=not probe.exists, migrations=tuple(applied), admin=admin,
                   users_before=probe.users, printer=config.printer.connection, test_print=checked.test_print,
                   warnings=tuple(warnings))


def _add_first_admin(store, admin: FirstAdmin | None, warnings: list[str]) -> str | None:
    from posapp.services.users import bootstrap_admin

    if admin is None:
        return None
    try:
        return bootstrap_admin(store.uow(), store.station, username=admin.username, name=admin.name,
                               pin=admin.pin).username
    except ValidationError:  # another terminal of the store added the first admin meanwhile
        warnings.append("another terminal created the first admin meanwhile; none was added")
        return None


def _backup_of(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _write_key_file(plan: Plan) -> Path:
    """The shop's key and secret in their own file beside the config, readable by its owner only."""
    target = plan.config_path.parent / KEY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(plan.shop_credentials) + "\n")
    os.replace(tmp, target)
    return target


def _write_config(plan: Plan, config: Config, key_file: Path | None) -> Path | None:
    """The complete file (every key, defaults spelt out), checked by reading it back; the old one kept."""
    till = config.till
    data = {"store": asdict(config.store), "terminal": {"code": config.terminal_code},
            "database": {"url": config.database_url}, "printer": asdict(config.printer),
            "till": {"cash_rounding": f"{till.cash_rounding:f}", "receipt_footer": till.receipt_footer,
                     "return_days": till.return_days, "no_receipt_refund": till.no_receipt_refund}}
    if "barcodes" in plan.tables:
        data["barcodes"] = plan.tables["barcodes"]
    if config.sync is not None:
        sync = {k: v for k, v in asdict(config.sync).items() if k not in ("key", "secret")}
        data["sync"] = {**sync, "key_file": key_file.name}
    path = plan.config_path
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = _backup_of(path)
        shutil.copy2(path, backup)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
    load_config(path)  # what the till will read
    return backup
