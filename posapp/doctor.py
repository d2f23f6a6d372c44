"""Health checks for a terminal: config, database, migrations, disk space, printer, online shop."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from posapp.domain.errors import PosError

MIN_FREE_MB = 500


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(config_path=None) -> list[Check]:
    from posapp.config import load_config, parse_printer_connection
    from posapp.devices.reach import check_printer
    from posapp.storage import db as dbmod
    from posapp.storage import migrate

    checks: list[Check] = []
    try:
        config = load_config(config_path)
        checks.append(Check("config", True, str(config.path)))
    except PosError as exc:
        return [Check("config", False, str(exc))]
    url = dbmod.redact(config.database_url)
    try:
        db = dbmod.bind(config.database_url)
        if dbmod.is_sqlite(db):
            result = db.execute_sql("PRAGMA quick_check").fetchone()[0]
            checks.append(Check("database", result == "ok", f"{url}: integrity {result}"))
        else:
            version = db.execute_sql("SHOW server_version").fetchone()[0]
            checks.append(Check("database", True, f"{url}: PostgreSQL {version}"))
        todo = migrate.pending(db)
        checks.append(Check("migrations", not todo, "up to date" if not todo else
                            f"pending: {', '.join(todo)} (run 'posapp-admin migrate')"))
        if not todo:
            checks.append(_stock_ledger())
    except Exception as exc:  # any driver error is a failed check, reported in words
        checks.append(Check("database", False, f"{url}: {exc}"))
    where = dbmod.sqlite_path(config.database_url) or config.path
    free_mb = shutil.disk_usage(_existing(where)).free // 2**20
    checks.append(Check("disk", free_mb >= MIN_FREE_MB, f"{free_mb} MB free at {_existing(where)}"))
    kind, args = parse_printer_connection(config.printer.connection)
    reach = check_printer(kind, args, timeout=min(config.printer.timeout, 3.0))
    checks.append(Check("printer", reach.ok, f"{config.printer.connection}: {reach.detail}"))
    if config.sync is not None:
        checks.append(check_shop(config.sync))
    return checks


def _stock_ledger() -> Check:
    """The cached stock levels equal the sum of the ledger's movements."""
    from posapp.storage.stock_repo import StockRepository

    wrong = StockRepository().check()
    if not wrong:
        return Check("stock", True, "cached levels equal the ledger")
    shown = ", ".join(f"{m.sku or m.product_id}@{m.location}: {m.cached} vs {m.ledger}" for m in wrong[:5])
    return Check("stock", False, f"{len(wrong)} level(s) differ from the ledger ({shown}); "
                                 "run 'posapp-admin stock check --repair'")


def check_shop(sync) -> Check:
    """One small authenticated read (a page of one product): the address, TLS, key and secret all work."""
    from dataclasses import replace

    from posapp.sync.woocommerce import AuthFailed, SyncError, WooClient

    try:
        with WooClient(replace(sync, timeout_seconds=min(sync.timeout_seconds, 5.0))) as client:
            page = client.page("products", number=1, per_page=1)
    except AuthFailed as exc:
        return Check("shop", False, f"{sync.url}: the key or secret is refused ({exc})")
    except SyncError as exc:
        return Check("shop", False, f"{sync.url}: {exc}")
    return Check("shop", True, f"{sync.url}: reachable, {page.total} products")


def _existing(path: Path) -> Path:
    path = Path(path).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path if path.is_dir() else path.parent
