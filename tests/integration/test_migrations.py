"""Schema migrations on a real database: fresh install, upgrade with data, failure and restore."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from posapp.domain.errors import StorageError
from posapp.services.catalog import lookup_scan, search_products
from posapp.storage import db as dbmod
from posapp.storage import migrate
from posapp.storage.uow import UnitOfWork


def test_fresh_database_gets_every_migration(empty_db_url):
    db = dbmod.bind(empty_db_url)
    every = ["0001_initial", "0002_product_search", "0003_checkout", "0004_promotions", "0005_members",
             "0006_points_expiry", "0007_returns",
             "0008_cases", "0009_sync", "0010_stock"]
    assert migrate.pending(db) == every
    assert migrate.migrate(db) == every
    assert migrate.pending(db) == []
    assert migrate.migrate(db) == []
    tables = set(db.get_tables())
    assert {"product", "barcode", "category", "tax_class", "app_user", "audit_log", "promotion", "coupon_use",
            "sale_line_promotion", "member"} <= tables
    rates = dict(db.execute_sql("SELECT code, rate_bp FROM tax_class").fetchall())
    assert rates == {"standard": 1300, "reduced-rate": 900, "service-rate": 600, "zero-rate": 0}


def _fill_at_first_migration(db):
    p = db.param
    now = "2026-01-02 03:04:05"
    db.execute_sql(f"INSERT INTO category (name, parent_id, path) VALUES ({p}, NULL, {p})",
                   ("乳制品", "乳制品"))
    cat = db.execute_sql("SELECT id FROM category").fetchone()[0]
    tax = db.execute_sql("SELECT id FROM tax_class WHERE code = 'reduced-rate'").fetchone()[0]
    rows = [("M1", "光明 鲜牛奶 950ml", "Fresh Milk", 1390, True),
            ("M2", "蒙牛 纯牛奶 250ml", "Pure Milk", 390, True),
            ("M3", "旧款 酸奶", "Old Yogurt", 500, False)]
    for sku, name, name_en, price, active in rows:
        db.execute_sql(
            "INSERT INTO product (sku, name, name_en, category_id, unit, tax_class_id, price_minor, "
            f"active, weighed, created_at, updated_at) VALUES ({', '.join([p] * 11)})",
            (sku, name, name_en, cat, "瓶", tax, price, active, False, now, now))
    ids = dict(db.execute_sql("SELECT sku, id FROM product").fetchall())
    db.execute_sql(f"INSERT INTO barcode (code, product_id) VALUES ({p}, {p})", ("6901234567892", ids["M1"]))
    db.execute_sql(f"INSERT INTO barcode (code, product_id) VALUES ({p}, {p})", ("6920152400012", ids["M2"]))
    db.execute_sql(
        "INSERT INTO app_user (username, name, role, pin_hash, active, failed_pins, created_at) "
        f"VALUES ({', '.join([p] * 7)})", ("boss", "店长", "manager", "x", True, 0, now))


def test_upgrade_from_first_migration_keeps_every_row(empty_db_url, station):
    db = dbmod.bind(empty_db_url)
    assert migrate.migrate(db, target="0001_initial") == ["0001_initial"]
    _fill_at_first_migration(db)
    before = {t: db.execute_sql(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("product", "barcode", "category", "app_user", "tax_class")}

    assert migrate.migrate(db) == ["0002_product_search", "0003_checkout", "0004_promotions", "0005_members",
             "0006_points_expiry", "0007_returns",
             "0008_cases", "0009_sync", "0010_stock"]

    after = {t: db.execute_sql(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before == {"product": 3, "barcode": 2, "category": 1, "app_user": 1, "tax_class": 4}
    uow = UnitOfWork(dbmod.database)
    milk = lookup_scan(uow, station, "6901234567892").product
    assert (milk.sku, milk.name, str(milk.price), milk.tax_class, milk.category) == \
        ("M1", "光明 鲜牛奶 950ml", "13.90", "reduced-rate", "乳制品")
    # Old rows were given search documents by the upgrade: pinyin initials find them.
    assert [p.sku for p in search_products(uow, "nn")] == ["M1", "M2"]
    assert [p.sku for p in search_products(uow, "suan", include_inactive=True)] == ["M3"]


def test_failed_migration_restores_the_backup(empty_db_url, tmp_path):
    source = migrate.migrations_dir()
    broken = tmp_path / "migrations"
    broken.mkdir()
    for script in source.glob("0*.py"):
        shutil.copy(script, broken)
    (broken / "0099_broken.py").write_text(
        "def up(migrator, db):\n"
        "    db.execute_sql(\"UPDATE app_user SET name = 'damaged'\")\n"
        "    db.execute_sql('ALTER TABLE no_such_table ADD COLUMN x INTEGER')\n",
        encoding="utf-8")
    db = dbmod.bind(empty_db_url)
    migrate.migrate(db)
    _add_user(db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSAPP_MIGRATIONS_DIR", str(broken))
        with pytest.raises(StorageError) as failure:
            migrate.upgrade_with_backup(db_path=dbmod.sqlite_path(empty_db_url),
                                        backup_dir=tmp_path / "backups", db=db)
        assert "0099_broken" in migrate.pending(db)
    assert "migration failed" in str(failure.value)
    if empty_db_url.startswith("sqlite"):
        assert "restored from" in str(failure.value)
        assert len(list((tmp_path / "backups").glob("posapp-*-before-0099_broken.db"))) == 1
    names = [r[0] for r in db.execute_sql("SELECT name FROM app_user").fetchall()]
    assert names == ["店员"]


def _add_user(db):
    p = db.param
    db.execute_sql(
        "INSERT INTO app_user (username, name, role, pin_hash, active, failed_pins, created_at) "
        f"VALUES ({', '.join([p] * 7)})", ("u1", "店员", "cashier", "x", True, 0, "2026-01-01 00:00:00"))


def test_sqlite_is_opened_for_durability(tmp_path):
    db = dbmod.bind(f"sqlite:///{tmp_path / 'posapp.db'}")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 10000


def test_online_backup_is_a_consistent_copy(tmp_path):
    url = f"sqlite:///{tmp_path / 'posapp.db'}"
    db = dbmod.bind(url)
    migrate.migrate(db)
    _add_user(db)
    copy = dbmod.sqlite_backup(Path(dbmod.sqlite_path(url)), tmp_path / "copy.db")
    import sqlite3

    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT username FROM app_user").fetchall() == [("u1",)]


def test_upgrade_to_the_stock_ledger_backfills_levels_and_keeps_search_working(empty_db_url, station):
    db = dbmod.bind(empty_db_url)
    migrate.migrate(db, target="0001_initial")
    _fill_at_first_migration(db)
    migrate.migrate(db, target="0009_sync")
    p = db.param
    ids = dict(db.execute_sql("SELECT sku, id FROM product").fetchall())
    for sku, qty, location in (("M1", 5000, "sellable"), ("M1", -2000, "sellable"), ("M2", 1000, "damaged")):
        db.execute_sql("INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, at, location) "
                       f"VALUES ({p}, 'S001', {p}, 'return', '2026-01-02 03:04:05', {p})", (ids[sku], qty, location))

    assert migrate.migrate(db) == ["0010_stock"]

    uow = UnitOfWork(dbmod.database)
    assert uow.stock.on_hand("S001", [ids["M1"], ids["M2"]]) == {ids["M1"]: 3, ids["M2"]: 0}
    assert uow.stock.on_hand("S001", [ids["M2"]], "damaged") == {ids["M2"]: 1}
    assert uow.stock.check() == []
    # The product table kept its search triggers: a product added after the upgrade is found.
    from posapp.domain.catalog import ProductSpec
    from posapp.services.auth import SYSTEM
    from posapp.services.catalog import save_products

    save_products(uow, station, actor=SYSTEM, source="test", specs=[ProductSpec(
        sku="N1", name="新品 牛肉干", price=Decimal("19.90"), tax_rate=Decimal("13"), content="100g")])
    assert [x.sku for x in search_products(uow, "niurou")] == ["N1"]
    # A price change is stamped (shelf labels are chosen by it); a change of name is not.
    db.execute_sql(f"UPDATE product SET name = 'x' WHERE sku = {p}", ("M2",))
    db.execute_sql(f"UPDATE product SET price_minor = 999 WHERE sku = {p}", ("M1",))
    stamped = dict(db.execute_sql("SELECT sku, price_changed_at FROM product").fetchall())
    assert stamped["M1"] is not None and stamped["M2"] is None
    assert db.execute_sql(f"SELECT content FROM product WHERE sku = {p}", ("N1",)).fetchone()[0] == "100g"


def test_two_tills_upgrading_one_store_server_at_once_apply_each_migration_once(empty_db_url):
    """After IT rolls out a new version, every till of a store starts at once against the store server's
    PostgreSQL: one upgrades, the others wait for it and find nothing left to do; none fails."""
    import threading

    if not empty_db_url.startswith("postgres"):
        pytest.skip("one SQLite file belongs to one till")
    start = threading.Barrier(3)
    applied, failed = [], []

    def till():
        db = dbmod.make_database(empty_db_url)
        db.connect()
        try:
            start.wait()
            applied.extend(migrate.migrate(db))
        except Exception as exc:  # noqa: BLE001 - what a till would show on its screen
            failed.append(exc)
        finally:
            db.close()

    tills = [threading.Thread(target=till) for _ in range(3)]
    for t in tills:
        t.start()
    for t in tills:
        t.join(timeout=120)

    assert failed == []
    every = [s.name for s in migrate.status(dbmod.bind(empty_db_url))]
    assert sorted(applied) == every  # each migration applied once, by one of the tills
    assert migrate.pending(dbmod.database.obj) == []


def test_a_till_that_waits_too_long_for_another_ones_upgrade_says_so_and_changes_nothing(empty_db_url):
    if not empty_db_url.startswith("postgres"):
        pytest.skip("one SQLite file belongs to one till")
    other = dbmod.make_database(empty_db_url)
    other.connect()
    other.execute_sql("SELECT pg_advisory_lock(%s)", (migrate.UPGRADE_LOCK,))  # a till stuck mid-upgrade
    db = dbmod.bind(empty_db_url)
    try:
        with pytest.raises(StorageError, match="another till has been upgrading"):
            migrate.migrate(db, wait=0.5)
        assert len(migrate.pending(db)) == len(migrate.status(db))  # nothing applied
    finally:
        other.close()  # its session ends: the lock goes with it
    assert migrate.migrate(db)  # and the upgrade goes ahead
    assert migrate.pending(db) == []
