"""Wiring shared by the till and posapp-admin: config -> database -> migrations -> services."""

from __future__ import annotations

import logging
from decimal import Decimal
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import platformdirs

from posapp.config import APP, Config, PrinterConfig, StoreConfig, TillConfig, load_config, write_config
from posapp.domain.errors import StorageError
from posapp.services.station import Station
from posapp.storage import db as dbmod
from posapp.storage import migrate as migrations
from posapp.storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Store:
    """An open store database and the station (store + terminal) this process acts for."""

    config: Config
    station: Station
    db: object
    backup: Path | None = None  # the backup taken before this start's upgrade (SQLite), if any

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db)

    def close(self) -> None:
        self.db.close()


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def backup_dir() -> Path:
    return data_dir() / "backups"


def open_store(config: Config, *, upgrade: bool = True) -> tuple[Store, list[str]]:
    """Open the configured database and bring its schema up to date (backed up first)."""
    db = dbmod.bind(config.database_url)
    applied: list[str] = []
    backup = None
    if upgrade:
        try:
            applied, backup = migrations.upgrade_with_backup(
                db_path=dbmod.sqlite_path(config.database_url), backup_dir=backup_dir(), db=db)
        except migrations.MigrationFailed as exc:
            log.error("upgrading %s failed at %s: %s (restored: %s; backup: %s; applied and kept: %s)",
                      dbmod.redact(config.database_url), exc.migration, exc, "yes" if exc.restored else "no",
                      exc.backup or "none taken", ", ".join(exc.kept) or "none")
            raise
        if applied:
            log.info("migrated %s (backup: %s)", ", ".join(applied),
                     backup or "none: a new database, or PostgreSQL (each migration is its own transaction)")
    elif migrations.pending(db):
        raise StorageError("the database needs 'posapp-admin migrate' first")
    return Store(config=config, station=Station.from_config(config), db=db, backup=backup), applied


def load_and_open(config_path=None, *, upgrade: bool = True) -> tuple[Store, list[str]]:
    return open_store(load_config(config_path), upgrade=upgrade)


def demo_paths(base: Path | None = None) -> tuple[Path, Path]:
    base = base or data_dir() / "demo"
    return base / "posapp.toml", base / "posapp.db"


def create_demo_store(base: Path | None = None, *, products: int = 3000, promotions: bool = True) -> Config:
    """A ready demo store (config, database, users, catalog), created once and reused after."""
    from posapp.demo import DEMO_STORE, DEMO_USERS, demo_products
    from posapp.services import catalog as catalog_service
    from posapp.services import users as user_service
    from posapp.services.auth import SYSTEM

    config_path, db_path = demo_paths(base)
    if config_path.exists() and db_path.exists():
        return load_config(config_path)
    store_cfg = StoreConfig(**{k: DEMO_STORE[k] for k in
                               ("code", "name", "currency", "locale", "timezone", "address", "tax_id")})
    write_config(config_path, store=store_cfg, terminal_code="T01",
                 database_url=f"sqlite:///{db_path}", printer=PrinterConfig(connection="dummy"),
                 till=TillConfig(cash_rounding=Decimal("0.10"),
                                 receipt_footer="7 日内凭小票及原包装退换，生鲜食品除外。\n谢谢惠顾，欢迎再次光临！"))
    config = load_config(config_path)
    store, _ = open_store(config)
    admin, *others = DEMO_USERS
    user_service.bootstrap_admin(store.uow(), store.station, username=admin.username,
                                 name=admin.name, pin=admin.pin)
    for u in others:
        user_service.add_user(store.uow(), store.station, actor=SYSTEM, username=u.username,
                              name=u.name, role=u.role.value, pin=u.pin)
    catalog_service.save_products(store.uow(), store.station, actor=SYSTEM,
                                  specs=demo_products(products), source="demo catalog")
    if promotions and products >= 60:  # the demo promotions name products among the first 60
        _demo_promotions(store)
    _demo_stock(store)
    return config


def _demo_stock(store) -> None:
    """Stock on the shelves: an opening delivery at about 70% of the price, reorder levels on a few
    products, and some sold out, so the stock screens and a count have something to show."""
    import random

    from posapp.domain.stock import DocLine
    from posapp.services import stock as stock_service
    from posapp.services.auth import SYSTEM

    rng = random.Random(8)
    uow = store.uow()
    with uow:
        products = list(uow.catalog.iter_all())
    lines = []
    for p in products:
        qty = Decimal(rng.choice((0, 2, 5, 12, 24, 36, 60))) if not p.weighed else Decimal(rng.randint(5, 40))
        cost = (p.price * Decimal("0.7")).quantize(Decimal("0.01"))
        if qty:
            lines.append(DocLine(product_id=p.id, qty=qty, cost=cost))
    for start in range(0, len(lines), stock_service.MAX_DOC_LINES):
        stock_service.receive_stock(store.uow(), store.station, actor=SYSTEM, lines=lines[start:start + 5000],
                                    supplier="演示供应商", delivery_note="DEMO-0001", note="演示：期初库存",
                                    tell_shop=False)
    for p in products[:400:7]:
        stock_service.set_reorder_level(store.uow(), store.station, actor=SYSTEM, product_id=p.id,
                                        level=Decimal(6))


def _demo_promotions(store) -> None:
    from posapp.demo_promotions import DEMO_MEMBERS, demo_promotions
    from posapp.services import promotions as promotion_service
    from posapp.services.auth import SYSTEM

    from posapp.domain import points as pts
    from posapp.domain.clock import utcnow

    uow = store.uow()
    now, rules = utcnow(), pts.LoyaltyRules()
    with uow:
        for code, name, phone, tier in DEMO_MEMBERS:
            member = uow.members.add(code=code, name=name, phone=phone, tier=tier)
            if tier:  # points to pay with, some of them about to expire
                old = pts.add_months(now, -rules.expiry_months) + timedelta(days=12)
                for at, points, reason in ((old, 300, "演示：两年前的积分，即将过期"),
                                           (now, 1700, "演示：开卡赠送积分")):
                    uow.members.add_entry(member.id, pts.Entry(kind=pts.EntryKind.ADJUST, points=points, at=at,
                                                               reason=reason, expires_at=pts.expiry_for(at, rules)),
                                          store_code=store.station.store_code)
        uow.commit()
    promotion_service.save_promotions(store.uow(), store.station, actor=SYSTEM, promotions=demo_promotions(),
                                      source="demo")
