"""One sync run as the store sees it, against the local fake shop on a real database (SQLite and
PostgreSQL): the catalog comes in, sales go out, the state is remembered, a second terminal waits for
the lease, and a shop that is down or refuses the key is a failed run that loses nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from posapp.bootstrap import Store
from posapp.config import Config, StoreConfig, SyncConfig
from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import checkout, shifts
from posapp.services import sync as sync_service
from posapp.services.auth import hash_pin
from posapp.services.station import Station
from posapp.storage import db as dbmod
from posapp.sync.engine import SyncMemory, run_once
from posapp.sync.woo_connector import WooConnector

BARCODE = "6901234567892"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture
def shop(woo):
    woo.clock.set(now() - timedelta(minutes=5))
    woo.clock.auto_advance = timedelta(milliseconds=10)
    cat = woo.store.add_category("乳制品")
    woo.store.add_product("鲜牛奶 950ml", sku="MILK950", global_unique_id=BARCODE, regular_price="13.90",
                          categories=[cat], manage_stock=True, stock_quantity=40)
    woo.store.add_product("酸奶", sku="YOG1", regular_price="6.50", manage_stock=True, stock_quantity=12)
    return woo


@pytest.fixture
def store(db_url, shop, tmp_path) -> Store:
    config = Config(path=tmp_path / "posapp.toml",
                    store=StoreConfig(code="S001", name="一号店", currency="CNY", locale="zh_CN",
                                      timezone="Asia/Shanghai"),
                    terminal_code="T01", database_url=db_url,
                    sync=SyncConfig(connector="woocommerce", url=shop.url, key=shop.key, secret=shop.secret,
                                    timeout_seconds=3.0))
    return Store(config=config, station=Station.from_config(config), db=dbmod.database.obj)


def cashier_with_shift(store):
    uow = store.uow()
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, store.station, actor=cashier, opening_float=D("100.00"))
    return cashier


def sell(store, cashier, sku: str, qty: int):
    uow = store.uow()
    basket = Basket()
    basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, store.station, actor=cashier, basket=basket, tendering=tendering).sale


def test_a_run_brings_the_catalog_in_and_takes_the_sales_out(store, shop):
    with WooConnector(store.config.sync) as connector:
        first = run_once(store, connector)
        assert first.ok, first.as_dict()
        milk = store.uow().catalog.by_sku("MILK950")
        assert (milk.name, milk.price, milk.category, milk.barcodes) == ("鲜牛奶 950ml", D("13.90"), "乳制品",
                                                                         (BARCODE,))
        cashier = cashier_with_shift(store)
        sale = sell(store, cashier, "MILK950", 3)
        assert sync_service.sync_status(store.uow(), store.config).pending == 1
        second = run_once(store, connector)
    assert second.ok, second.as_dict()
    assert second.push.sent == 1
    [order] = shop.orders()
    assert {m["key"]: m["value"] for m in order["meta_data"]}["_pos_receipt"] == sale.number
    assert order["status"] == "completed" and order["total"] == "41.70"
    status = sync_service.sync_status(store.uow(), store.config)
    assert (status.pending, status.parked, status.counts.get("sent")) == (0, 0, 1)
    memory = status.memory
    assert memory.last_pull_at and memory.last_push_at and memory.last_customers_at and memory.last_audit_at
    assert memory.last_error == ""
    # The shop's own stock went down once; the till shows it as pulled.
    assert shop.store.products[milk_id(shop)]["stock_quantity"] == 37


def milk_id(shop) -> int:
    return next(pid for pid, p in shop.store.products.items() if p["sku"] == "MILK950")


def test_customers_and_the_audit_wait_for_their_time(store, shop):
    with WooConnector(store.config.sync) as connector:
        run_once(store, connector)
        shop.store.add_customer("wang@example.com", first_name="芳", last_name="王", phone="13800000009")
        shop.store.delete_product(milk_id(shop))
        later = run_once(store, connector)  # neither is due yet: the member and the product stay as they were
        assert {p.what for p in later.pulls}.isdisjoint({"customers", "audit"})
        assert store.uow().members.count() == 0
        assert store.uow().catalog.by_sku("MILK950").active
        forced = run_once(store, connector, customers=True, audit=True)
    assert forced.ok, forced.as_dict()
    assert [m.name for m in store.uow().members.all()] and store.uow().members.all()[0].external_id
    assert not store.uow().catalog.by_sku("MILK950").active


def test_a_second_terminal_waits_while_the_first_holds_the_lease(store, shop):
    other = replace(store, station=replace(store.station, terminal_code="T02"))
    with WooConnector(store.config.sync) as connector:
        assert run_once(store, connector, holder="S001/T01").ok
        waited = run_once(other, connector, holder="S001/T02")
        assert waited.skipped and "S001/T01" in waited.skipped and not waited.ok
        assert shop.requests_for("GET", "products") and waited.pulls == [] and waited.push is None
        expired = run_once(other, connector, holder="S001/T02", now=lambda: now() + timedelta(hours=2))
    assert expired.skipped is None


def test_a_shop_that_is_down_is_a_failed_run_and_the_sale_waits(store, shop):
    with WooConnector(store.config.sync) as connector:
        run_once(store, connector)
        sale = sell(store, cashier_with_shift(store), "YOG1", 2)
        shop.faults.fail(times=50)
        down = run_once(store, connector)
        assert not down.ok and down.errors or down.push.error
        status = sync_service.sync_status(store.uow(), store.config)
        assert status.pending == 1 and status.memory.last_error
        shop.faults.clear()
        back = run_once(store, connector, now=lambda: now() + timedelta(hours=1))  # past the backoff
    assert back.ok, back.as_dict()
    assert [{m["key"]: m["value"] for m in o["meta_data"]}["_pos_receipt"] for o in shop.orders()] == [sale.number]
    assert SyncMemory.load(store.uow()).last_error == ""


def test_a_refused_key_says_so_and_changes_nothing(store, shop):
    wrong = replace(store.config.sync, secret="cs_wrong")
    with WooConnector(wrong) as connector:
        report = run_once(store, connector)
    assert not report.ok
    assert any("key and secret" in e for e in report.errors)
    assert store.uow().catalog.count() == 0
    assert "key and secret" in SyncMemory.load(store.uow()).last_error


def test_the_state_survives_a_damaged_settings_row(store):
    uow = store.uow()
    with uow:
        uow.settings.put("sync.state", "{not json")
        uow.commit()
    assert SyncMemory.load(uow) == SyncMemory()



def test_a_till_that_died_on_this_machine_does_not_keep_its_replacement_waiting(store, shop):
    import socket
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    uow = store.uow()
    with uow:
        uow.lease.take("sync", f"S001/T01@{socket.gethostname()}:{dead.pid}", now=now(), ttl=timedelta(hours=1))
        uow.commit()
    with WooConnector(store.config.sync) as connector:
        report = run_once(store, connector)  # this process, on the same machine: the dead one's lease is taken
        assert report.skipped is None and report.ok, report.as_dict()
        uow = store.uow()
        with uow:
            uow.lease.take("sync", "S001/T02@another-machine:1", now=now() + timedelta(hours=2), ttl=timedelta(hours=1))
            uow.commit()
        waited = run_once(store, connector)  # another machine's lease is never judged from here
    assert waited.skipped and "another-machine" in waited.skipped
