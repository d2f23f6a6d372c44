"""The audit of every product id in the shop: what the delta pull cannot see (products deleted or trashed,
changes that did not mark a product modified, products it never read) is put right; history stays."""

from __future__ import annotations

from datetime import datetime

import pytest

from posapp.config import SyncConfig
from posapp.domain.errors import NotFound
from posapp.services import catalog
from posapp.sync.pull import audit_catalog, pull_catalog
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import WooClient

NOW = datetime(2024, 1, 2)
EANS = {"A": "6901234567892", "B": "4006381333931"}


@pytest.fixture
def source(woo):
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


def quietly(woo, record: dict, **changes) -> None:
    """Change a record in the shop without marking it modified (as trash, deletions, some plugins and
    stock changes from orders do)."""
    record.update(changes)
    woo.store._changed()


def on_sale(uow) -> set[str]:
    return {p.sku for p in uow.catalog.iter_all() if p.active}


def test_the_audit_takes_off_sale_what_the_shop_no_longer_sells_and_keeps_history(woo, source, uow, station):
    s = woo.store
    ids = {sku: s.add_product(f"Product {sku}", sku=sku, regular_price="5.00",
                              global_unique_id=EANS.get(sku, "")) for sku in "ABCE"}
    shirt = s.add_product("Shirt", type="variable", regular_price="", variations=[
        {"attributes": {"Size": "S"}, "sku": "SH-S", "regular_price": "59.00"},
        {"attributes": {"Size": "M"}, "sku": "SH-M", "regular_price": "59.00"}])
    coupon = s.add_coupon("gone10", amount="10", discount_type="percent")
    kept = s.add_coupon("kept5", amount="5", discount_type="percent")
    pull_catalog(uow, source, station=station, now=NOW)
    assert on_sale(uow) == {"A", "B", "C", "E", "SH-S", "SH-M"}

    s.delete_product(ids["A"])
    quietly(woo, s.products[ids["B"]], status="draft")
    quietly(woo, s.products[ids["C"]], status="trash")
    medium = s.products[shirt]["variations"][1]
    s.products[shirt]["variations"].remove(medium)
    s.variations.pop(medium)
    del s.coupons[coupon]
    s._changed()
    # A product the delta pull never read (changed long before its cursor, e.g. restored from a backup).
    missed = s.add_product("Missed", sku="D", regular_price="8.00")
    quietly(woo, s.products[missed], date_modified=datetime(2023, 1, 1))

    report = audit_catalog(uow, source, station=station, now=NOW)
    assert report.rejected is None
    assert on_sale(uow) == {"D", "E", "SH-S"}
    # A, B, C and the medium shirt off sale, and the coupon deleted in the shop off the till.
    assert (report.created, report.deactivated) == (1, 5)
    assert not uow.promotions.by_code(f"woo-coupon-{coupon}").active
    assert uow.promotions.by_code(f"woo-coupon-{kept}").active
    # History stays: the rows are there, a scan says the product is not for sale.
    gone = catalog.find_sku(uow, "A")
    assert (gone.name, gone.active, gone.external_id) == ("Product A", False, str(ids["A"]))
    with pytest.raises(NotFound, match="not for sale"):
        catalog.lookup_scan(uow, station, EANS["A"])
    assert catalog.find_sku(uow, "SH-M").external_id == str(medium)

    # B is published again: the audit reads it again and puts it back on sale.
    quietly(woo, s.products[ids["B"]], status="publish")
    again = audit_catalog(uow, source, station=station, now=NOW)
    assert (again.created, again.updated, again.deactivated) == (0, 1, 0)
    assert on_sale(uow) == {"B", "D", "E", "SH-S"}


def test_the_audit_refreshes_stock_the_shop_changed_without_marking_products_modified(woo, source, uow, station):
    pid = woo.store.add_product("Tea", sku="TEA1", regular_price="3.50", manage_stock=True, stock_quantity=24)
    woo.clock.advance(hours=1)
    woo.store.add_product("Coffee", sku="COF1", regular_price="9.00")  # the cursor is past the tea's overlap
    pull_catalog(uow, source, station=station, now=NOW)
    tea = uow.catalog.by_sku("TEA1")
    quietly(woo, woo.store.products[pid], stock_quantity=9)  # sold online; the shop did not touch the date
    pull_catalog(uow, source, station=station, now=NOW)
    assert uow.catalog.stock_of([tea.id]) == {tea.id: 24}  # the delta pull cannot see it
    report = audit_catalog(uow, source, station=station, now=NOW)
    assert report.updated == 1 and uow.catalog.stock_of([tea.id]) == {tea.id: 9}


def test_an_audit_with_nothing_wrong_changes_nothing(woo, source, uow, station):
    for n in range(3):
        woo.store.add_product(f"P{n}", sku=f"P{n}", regular_price="1.00")
    pull_catalog(uow, source, station=station, now=NOW)
    report = audit_catalog(uow, source, station=station, now=NOW)
    assert (report.pages, report.created, report.updated, report.deactivated, report.rejected) == (1, 0, 0, 0, None)
    # Only the list was read: no product needed reading again.
    assert not [r for r in woo.requests_for("GET", "products") if "include" in r.params]
