"""The shop is the master of the catalog: a SKU or barcode it gives a product is that product's here, a
product the store had before syncing is taken over (history kept), and categories follow renames."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from posapp.config import SyncConfig
from posapp.domain.catalog import ProductSpec
from posapp.services import catalog
from posapp.services.auth import SYSTEM
from posapp.sync.pull import pull_catalog
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import WooClient

NOW = datetime(2024, 1, 2)
EAN = "6901234567892"


@pytest.fixture
def source(woo):
    woo.clock.auto_advance = timedelta(seconds=1)
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


def pull(uow, source, station):
    reports = pull_catalog(uow, source, station=station, now=NOW)
    assert all(r.rejected is None for r in reports), reports
    return reports[1]


def test_a_product_the_store_had_before_syncing_is_taken_over_by_sku(woo, source, uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, source="file", specs=[ProductSpec(
        sku="APPLE", name="红富士苹果 散称", price=D("12.80"), unit="kg", weighed=True, tax_class="reduced-rate",
        name_en="Fuji apples")])
    before = uow.catalog.by_sku("APPLE")
    pid = woo.store.add_product("红富士苹果", sku="APPLE", regular_price="11.80", tax_class="reduced-rate")
    products = pull(uow, source, station)
    assert (products.created, products.updated) == (0, 1)
    apple = uow.catalog.by_sku("APPLE")
    # Same product (its sales history stays attached), now the shop's: its name and price; the store's own
    # unit and weighing, which the shop does not know, are kept.
    assert (apple.id, apple.external_id, apple.name, apple.price) == (before.id, str(pid), "红富士苹果", D("11.80"))
    assert (apple.unit, apple.weighed, apple.name_en) == ("kg", True, "Fuji apples")


def test_a_sku_the_shop_gives_another_product_moves_to_it(woo, source, uow, station):
    old = woo.store.add_product("Old tea", sku="TEA1", regular_price="3.00")
    pull(uow, source, station)
    old_row = uow.catalog.by_sku("TEA1")
    woo.store.update_product(old, sku="TEA-OLD")
    woo.clock.advance(hours=1)
    new = woo.store.add_product("New tea", sku="TEA1", regular_price="3.50")
    # Only the new product is read (the old one's change fell before the cursor's overlap, say).
    woo.store.products[old]["date_modified"] = datetime(2023, 1, 1)
    woo.store._changed()
    products = pull(uow, source, station)
    tea = uow.catalog.by_sku("TEA1")
    assert (tea.external_id, tea.name, tea.price) == (str(new), "New tea", D("3.50"))
    moved = uow.catalog.by_ids([old_row.id])[0]
    assert (moved.sku, moved.active, moved.external_id) == (f"TEA1-moved-{old_row.id}", False, str(old))
    assert products.warnings == [f"SKU TEA1 is now the shop's product {new}; the product that had it here "
                                 f"(id {old_row.id}) is now TEA1-moved-{old_row.id}, off sale"]
    # When the old product is read again it gets its new SKU and is sold again.
    woo.store.update_product(old, name="Old tea")
    pull(uow, source, station)
    assert (uow.catalog.by_sku("TEA-OLD").id, uow.catalog.by_sku("TEA-OLD").active) == (old_row.id, True)


def test_two_products_swapping_skus_in_the_shop_swap_here(woo, source, uow, station):
    a = woo.store.add_product("A", sku="X1", regular_price="1.00")
    b = woo.store.add_product("B", sku="X2", regular_price="2.00")
    pull(uow, source, station)
    woo.store.update_product(a, sku="TMP")
    woo.store.update_product(b, sku="X1")
    woo.store.update_product(a, sku="X2")
    products = pull(uow, source, station)
    assert products.updated == 2 and products.warnings == []
    assert (uow.catalog.by_sku("X1").name, uow.catalog.by_sku("X2").name) == ("B", "A")


def test_a_barcode_the_shop_moves_to_another_product_moves_here(woo, source, uow, station):
    a = woo.store.add_product("A", sku="A", regular_price="1.00", global_unique_id=EAN)
    woo.store.add_product("B", sku="B", regular_price="2.00")
    pull(uow, source, station)
    assert catalog.lookup_scan(uow, station, EAN).product.sku == "A"
    woo.store.update_product(a, global_unique_id="")
    woo.store.products[a]["date_modified"] = datetime(2023, 1, 1)  # A itself is not read again
    b = next(p["id"] for p in woo.store.products.values() if p["sku"] == "B")
    woo.store.update_product(b, global_unique_id=EAN)
    pull(uow, source, station)
    assert catalog.lookup_scan(uow, station, EAN).product.sku == "B"
    assert uow.catalog.by_sku("A").barcodes == ()


def test_a_category_renamed_in_the_shop_moves_its_products_here(woo, source, uow, station):
    drinks = woo.store.add_category("Drinks")
    tea = woo.store.add_category("Tea", parent=drinks)
    woo.store.add_product("Green tea", sku="T1", regular_price="3.00", categories=[tea])
    pull(uow, source, station)
    assert uow.catalog.by_sku("T1").category == "Drinks/Tea"
    woo.store.categories[drinks]["name"] = "Beverages"  # a rename does not mark products modified
    reports = pull_catalog(uow, source, station=station, now=NOW)
    assert (reports[0].created, reports[0].updated) == (2, 2)  # Beverages, Beverages/Tea
    assert uow.catalog.by_sku("T1").category == "Beverages/Tea"
    assert [p.sku for p in catalog.search_products(uow, "green")] == ["T1"]
