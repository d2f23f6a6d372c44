"""The one TOML configuration file: where it is found, what it must hold, and writing it.

Search order: --config PATH, then $POSAPP_CONFIG, then the user's config directory, then the
machine-wide one (ProgramData on Windows, /etc/xdg on Linux).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import zoneinfo
from urllib.parse import urlparse
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from babel.numbers import get_currency_name

from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, EmbeddedRule, parse_embedded_rules
from posapp.domain.errors import ConfigError, ConfigNotFound, ValidationError

APP = "posapp"
FILE_NAME = "posapp.toml"
LOCALES = ("en", "zh_CN")
CODE_RE = re.compile(r"^[A-Z0-9]{1,8}$")
PRINTER_KINDS = ("usb", "network", "serial", "win32", "file", "dummy", "none")
ENCODINGS = ("gb18030", "big5", "cp437", "cp850", "cp858", "cp1252", "utf-8", "image")


@dataclass(frozen=True)
class StoreConfig:
    code: str
    name: str
    currency: str
    locale: str
    timezone: str
    address: str = ""
    tax_id: str = ""
    prices_include_tax: bool = True


@dataclass(frozen=True)
class PrinterConfig:
    connection: str = "none"
    profile: str = "default"
    columns: int = 42
    encoding: str = "gb18030"
    timeout: float = 5.0


@dataclass(frozen=True)
class TillConfig:
    cash_rounding: Decimal = Decimal("0.01")  # cash totals round to this (0.10 = 抹零 to the jiao)
    receipt_footer: str = ""
    return_days: int = 30  # a cashier may take a return this many days after the sale; later needs a manager
    no_receipt_refund: str = "voucher"  # a return without a receipt refunds to store credit (voucher) or cash


@dataclass(frozen=True)
class SyncConfig:
    """The online shop this store syncs with ([sync]); the credentials never go into the database."""

    connector: str  # "woocommerce"
    url: str  # the shop's base URL: HTTPS, or a loopback address for testing
    key: str = field(repr=False)
    secret: str = field(repr=False)
    interval_seconds: int = 60
    timeout_seconds: float = 20.0
    barcode_meta_key: str = "_barcode"  # where barcodes live when global_unique_id is empty
    points_meta_key: str = "_pos_points"
    overlap_seconds: int = 300  # delta pulls start this long before the last change seen (clock skew)
    customers_every_seconds: int = 3600  # customers have no modified filter: pulled in full, less often
    audit_every_seconds: int = 86_400  # the check of every remote id that finds deleted products
    lookup_margin_seconds: int = 600  # before the first send: where the look-before-create scan starts


@dataclass(frozen=True)
class Config:
    path: Path
    store: StoreConfig
    terminal_code: str
    database_url: str
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    embedded_barcodes: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES
    till: TillConfig = field(default_factory=TillConfig)
    sync: SyncConfig | None = None  # no [sync] section: this store does not sync


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / FILE_NAME


def site_config_path() -> Path:
    return Path(platformdirs.site_config_dir(APP, appauthor=False)) / FILE_NAME


def find_config(explicit: str | os.PathLike | None = None) -> Path:
    """The file to use, or ConfigNotFound saying where we looked."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("POSAPP_CONFIG")
    if env:
        return Path(env)
    for candidate in (default_config_path(), site_config_path()):
        if candidate.is_file():
            return candidate
    raise ConfigNotFound(
        f"no configuration found: pass --config PATH, set POSAPP_CONFIG, or run "
        f"'posapp-admin init' (looked in {default_config_path()} and {site_config_path()})"
    )


def load_config(explicit: str | os.PathLike | None = None) -> Config:
    path = find_config(explicit)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path=path)


class _Reader:
    """Pulls typed keys out of one table and names file and key in every complaint."""

    def __init__(self, raw: dict, *, path: Path, section: str):
        self.path, self.section = path, section
        table = raw.get(section, {})
        if not isinstance(table, dict):
            self.fail(None, "must be a table")
        self.table = dict(table)
        self.seen: set[str] = set()

    def fail(self, key: str | None, reason: str):
        where = f"{self.section}.{key}" if key else f"[{self.section}]"
        raise ConfigError(f"{self.path}: {where} {reason}")

    def get(self, key: str, kind: type, default: Any = ...):
        self.seen.add(key)
        if key not in self.table:
            if default is ...:
                near = difflib.get_close_matches(key, [k for k in self.table if isinstance(k, str)], n=1)
                self.fail(key, f"is missing (is {self.section}.{near[0]} a misspelling?)" if near
                          else "is missing")
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"must be a {kind.__name__}, not {value!r}")
        return value

    def finish(self):
        unknown = sorted(set(self.table) - self.seen)
        if unknown:
            self.fail(unknown[0], "is not a known key (misspelt?)")


def parse_config(raw: dict, *, path: Path) -> Config:
    known = {"store", "terminal", "database", "printer", "barcodes", "till", "sync"}
    for section in raw:
        if section not in known:
            raise ConfigError(f"{path}: [{section}] is not a known section")
    store = _parse_store(_Reader(raw, path=path, section="store"))
    term = _Reader(raw, path=path, section="terminal")
    terminal_code = term.get("code", str)
    if not CODE_RE.match(terminal_code):
        term.fail("code", f"{terminal_code!r} must be 1-8 capital letters or digits, like T01")
    term.finish()
    db = _Reader(raw, path=path, section="database")
    url = _resolve_db_url(db.get("url", str), base=path.parent, fail=lambda r: db.fail("url", r))
    db.finish()
    printer = _parse_printer(_Reader(raw, path=path, section="printer"))
    bc = _Reader(raw, path=path, section="barcodes")
    rules = DEFAULT_EMBEDDED_RULES
    items = bc.get("embedded", list, None)
    if items is not None:
        try:
            rules = parse_embedded_rules(items)
        except ValidationError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    bc.finish()
    return Config(path=path, store=store, terminal_code=terminal_code, database_url=url,
                  printer=printer, embedded_barcodes=rules,
                  till=_parse_till(_Reader(raw, path=path, section="till")),
                  sync=_parse_sync(_Reader(raw, path=path, section="sync")) if "sync" in raw else None)


CONNECTORS = ("woocommerce",)
_META_KEY = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def is_loopback_host(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_sync(r: _Reader) -> SyncConfig:
    connector = r.get("connector", str)
    if connector not in CONNECTORS:
        r.fail("connector", f"{connector!r} is not a known connector ({', '.join(CONNECTORS)})")
    url = r.get("url", str).strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        r.fail("url", f"{url!r} is not a web address like https://shop.example.com")
    if parsed.scheme != "https" and not is_loopback_host(parsed.hostname):
        r.fail("url", "must use HTTPS (plain HTTP only to a loopback address, for testing)")
    if parsed.username or parsed.password:
        r.fail("url", "must not carry credentials: use key and secret, or key_file")
    key, secret = r.get("key", str, ""), r.get("secret", str, "")
    key_file = r.get("key_file", str, "")
    if key_file:
        if key or secret:
            r.fail("key_file", "give key and secret, or key_file, not both")
        target = Path(key_file).expanduser()
        target = target if target.is_absolute() else r.path.parent / target
        try:
            lines = [ln.strip() for ln in target.read_text(encoding="utf-8").splitlines() if ln.strip()]
        except OSError as exc:
            r.fail("key_file", f"cannot be read: {exc.strerror or exc}")
        if len(lines) != 2:
            r.fail("key_file", "must hold two lines: the consumer key, then the consumer secret")
        key, secret = lines
    if not key or not secret:
        r.fail("key", "and secret (or key_file) are needed to reach the shop")
    interval = r.get("interval_seconds", int, 60)
    if not 10 <= interval <= 86_400:
        r.fail("interval_seconds", f"{interval} must be between 10 and 86400")
    timeout = r.get("timeout_seconds", float, 20.0)
    if not 1 <= timeout <= 300:
        r.fail("timeout_seconds", f"{timeout} must be between 1 and 300")
    metas = {}
    for name, default in (("barcode_meta_key", "_barcode"), ("points_meta_key", "_pos_points")):
        metas[name] = r.get(name, str, default)
        if not _META_KEY.fullmatch(metas[name]):
            r.fail(name, f"{metas[name]!r} must be 1-64 letters, digits, _ or -")
    periods = {}
    for name, default, low, high in (("overlap_seconds", 300, 0, 86_400),
                                     ("customers_every_seconds", 3600, 60, 7 * 86_400),
                                     ("audit_every_seconds", 86_400, 600, 30 * 86_400),
                                     ("lookup_margin_seconds", 600, 0, 86_400)):
        periods[name] = r.get(name, int, default)
        if not low <= periods[name] <= high:
            r.fail(name, f"{periods[name]} must be between {low} and {high}")
    r.finish()
    return SyncConfig(connector=connector, url=url, key=key, secret=secret, interval_seconds=interval,
                      timeout_seconds=timeout, **metas, **periods)


def _parse_till(r: _Reader) -> TillConfig:
    text = r.get("cash_rounding", str, "0.01")
    try:
        step = Decimal(text)
    except InvalidOperation:
        step = Decimal(-1)
    if step not in (Decimal("0.01"), Decimal("0.05"), Decimal("0.10"), Decimal("0.50"), Decimal("1")):
        r.fail("cash_rounding", f"{text!r} must be one of 0.01, 0.05, 0.10, 0.50, 1")
    days = r.get("return_days", int, 30)
    if not 0 <= days <= 3650:
        r.fail("return_days", f"{days} must be between 0 and 3650")
    refund = r.get("no_receipt_refund", str, "voucher")
    if refund not in ("voucher", "cash"):
        r.fail("no_receipt_refund", f"{refund!r} must be voucher (store credit) or cash")
    cfg = TillConfig(cash_rounding=step, receipt_footer=r.get("receipt_footer", str, ""), return_days=days,
                     no_receipt_refund=refund)
    r.finish()
    return cfg


def _parse_store(r: _Reader) -> StoreConfig:
    code = r.get("code", str)
    if not CODE_RE.match(code):
        r.fail("code", f"{code!r} must be 1-8 capital letters or digits, like S001")
    name = r.get("name", str).strip()
    if not name:
        r.fail("name", "is empty")
    currency = r.get("currency", str)
    try:
        if len(currency) != 3 or get_currency_name(currency, locale="en") == currency:
            raise ValueError
    except ValueError:
        r.fail("currency", f"{currency!r} is not an ISO 4217 currency code like CNY")
    locale = r.get("locale", str)
    if locale not in LOCALES:
        r.fail("locale", f"{locale!r} must be one of {', '.join(LOCALES)}")
    tz = r.get("timezone", str)
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", f"{tz!r} is not a time zone like Asia/Shanghai")
    cfg = StoreConfig(code=code, name=name, currency=currency, locale=locale, timezone=tz,
                      address=r.get("address", str, ""), tax_id=r.get("tax_id", str, ""),
                      prices_include_tax=r.get("prices_include_tax", bool, True))
    r.finish()
    return cfg


def _parse_printer(r: _Reader) -> PrinterConfig:
    connection = r.get("connection", str, "none")
    try:
        parse_printer_connection(connection)
    except ValidationError as exc:
        r.fail("connection", str(exc))
    columns = r.get("columns", int, 42)
    if columns not in (32, 42, 48):
        r.fail("columns", f"{columns} must be 32, 42 or 48")
    encoding = r.get("encoding", str, "gb18030").lower()
    if encoding not in ENCODINGS:
        r.fail("encoding", f"{encoding!r} must be one of {', '.join(ENCODINGS)}")
    timeout = r.get("timeout", float, 5.0)
    if not 0 < timeout <= 60:
        r.fail("timeout", "must be between 0 and 60 seconds")
    cfg = PrinterConfig(connection=connection, profile=r.get("profile", str, "default"),
                        columns=columns, encoding=encoding, timeout=timeout)
    r.finish()
    return cfg


def parse_printer_connection(text: str) -> tuple[str, list[str]]:
    """Split 'network:10.0.0.5:9100' into ('network', ['10.0.0.5', '9100']) after checking it."""
    kind, _, rest = text.partition(":")
    if kind not in PRINTER_KINDS:
        raise ValidationError(f"{text!r} must start with one of {', '.join(PRINTER_KINDS)}")
    if kind in ("dummy", "none"):
        return kind, []
    if not rest:
        raise ValidationError(f"{text!r} needs a target after '{kind}:'")
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2 or not all(re.fullmatch(r"0x[0-9a-fA-F]{1,4}", p) for p in parts):
            raise ValidationError(f"{text!r} must look like usb:0x04b8:0x0202")
        return kind, parts
    if kind in ("network", "serial"):
        target, _, number = rest.rpartition(":")
        if not target or not number.isdigit():
            example = "network:10.0.0.5:9100" if kind == "network" else "serial:/dev/ttyUSB0:19200"
            raise ValidationError(f"{text!r} must look like {example}")
        if kind == "network" and not 1 <= int(number) <= 65535:
            raise ValidationError(f"{text!r}: port {number} is not between 1 and 65535")
        if kind == "serial" and int(number) not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
            raise ValidationError(f"{text!r}: {number} is not a serial speed (9600, 19200, 38400, 115200...)")
        return kind, [target, number]
    return kind, [rest]


def _resolve_db_url(url: str, *, base: Path, fail) -> str:
    if url.startswith("sqlite:///"):
        file = url[len("sqlite:///"):]
        if not file:
            fail("needs a file name, like sqlite:///posapp.db")
        if re.match(r"^[A-Za-z]:[/\\]", file) or file.startswith("/"):
            return url
        return "sqlite:///" + str((base / file).resolve())
    if url.startswith(("postgresql://", "postgres://")):
        return url
    fail(f"{url!r} must start with sqlite:/// or postgresql://")


def write_config(path: Path, *, store: StoreConfig, terminal_code: str, database_url: str,
                 printer: PrinterConfig | None = None, till: TillConfig | None = None) -> Path:
    """Write a complete, valid file (and check it by reading it back)."""
    till = till or TillConfig()
    data = {
        "store": asdict(store),
        "terminal": {"code": terminal_code},
        "database": {"url": database_url},
        "printer": asdict(printer or PrinterConfig()),
        "till": {"cash_rounding": f"{till.cash_rounding:f}", "receipt_footer": till.receipt_footer,
                 "return_days": till.return_days, "no_receipt_refund": till.no_receipt_refund},
    }
    parse_config(data, path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
    return path


def redact(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(":" + parsed.password + "@", ":***@", 1)
    return url
