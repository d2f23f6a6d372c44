"""Pages of the product pull: a page the shop sends wrong is refused whole (nothing of it written, the
cursor where it was, a log line naming the page, the product and the field), and a pull cut off by the
network resumes where it stopped, without duplicates or gaps."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from posapp.config import SyncConfig
from posapp.sync.pull import CURSOR_PRODUCTS, pull_catalog
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import Transient, WooClient

NOW = datetime(2024, 1, 2)
FIXED = {"regular_price": "7.00", "sale_price": "", "global_unique_id": "", "name": "Fixed"}


@pytest.fixture
def source(woo):
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


def shop_ids(uow) -> list[str]:
    return [r[0] for r in uow.db.obj.execute_sql(
        "SELECT external_id FROM product WHERE external_id IS NOT NULL ORDER BY id").fetchall()]


def page_of(woo, n: int) -> list[int]:
    """The shop ids on page n of the first delta pull (oldest change first, ties by id)."""
    ordered = sorted(woo.store.products.values(), key=lambda p: (p["date_modified"], p["id"]))
    return [p["id"] for p in ordered[(n - 1) * 100:n * 100]]


@pytest.mark.parametrize("field, bad, says", [
    ("regular_price", "abc", "regular_price: 'abc' is not an amount"),
    ("regular_price", "-5.00", "regular_price: '-5.00' is negative"),
    ("sale_price", "1000000000", "sale_price: '1000000000' is larger than 9999999"),
    ("global_unique_id", "12345678901234567890", "global_unique_id: '12345678901234567890': a barcode has"),
    ("global_unique_id", "6901234567893", "global_unique_id: '6901234567893': 6901234567893 has a wrong check"),
    ("name", None, "name: None is a NoneType, expected str"),
])
def test_a_bad_page_is_refused_whole_and_the_cursor_stays(woo, source, uow, station, caplog, field, bad, says):
    woo.store.add_products_bulk(250, per_second=20)
    bad_id = page_of(woo, 2)[37]
    woo.store.products[bad_id][field] = bad  # as a plugin or a bad import would leave it
    with caplog.at_level(logging.ERROR, logger="posapp.sync.pull"):
        products = pull_catalog(uow, source, station=station, now=NOW)[1]
    first_page_newest = max(woo.store.products[i]["date_modified"] for i in page_of(woo, 1))
    assert products.pages == 1 and products.created == 100
    assert products.cursor == uow.settings.get(CURSOR_PRODUCTS) == first_page_newest.strftime("%Y-%m-%dT%H:%M:%S")
    assert products.rejected.startswith(f"products page 2 rejected: product {bad_id}: ")
    assert says in products.rejected
    # Nothing of page 2 and nothing after it: the next pull starts again at page 2, with no gap.
    assert shop_ids(uow) == [str(i) for i in page_of(woo, 1)]
    [line] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert f"products page 2 rejected: product {bad_id}: {field}" in line and "nothing of that page" in line

    woo.store.update_product(bad_id, **{field: FIXED[field]})  # someone fixes it in the shop
    products = pull_catalog(uow, source, station=station, now=NOW)[1]
    assert products.rejected is None and products.created == 150
    assert sorted(shop_ids(uow)) == sorted(str(i) for i in woo.store.products)


def test_a_bad_variation_refuses_the_page_of_its_product(woo, source, uow, station):
    pid = woo.store.add_product("Shirt", type="variable", regular_price="", variations=[
        {"attributes": {"Size": "S"}, "sku": "SH-S", "regular_price": "59.00"},
        {"attributes": {"Size": "M"}, "sku": "SH-M", "regular_price": "59.00"}])
    vid = woo.store.products[pid]["variations"][1]
    woo.store.variations[vid]["manage_stock"] = "sometimes"
    products = pull_catalog(uow, source, station=station, now=NOW)[1]
    assert products.rejected == (f"products page 1 rejected: variation {vid} of product {pid}: manage_stock: "
                                 "'sometimes' is not true, false or parent")
    assert uow.catalog.by_sku("SH-S") is None


def test_two_products_with_one_barcode_refuse_the_page(woo, source, uow, station):
    first = woo.store.add_product("Milk", sku="M1", global_unique_id="6901234567892", regular_price="3.00")
    second = woo.store.add_product("Milk too", sku="M2", global_unique_id="6901234567892", regular_price="3.00")
    products = pull_catalog(uow, source, station=station, now=NOW)[1]
    assert products.rejected == (f"products page 1 rejected: product {second}: barcodes: 6901234567892 is also "
                                 f"the barcode of product {first} on this page")


def test_an_interrupted_pull_resumes_without_duplicates_or_gaps(woo, source, uow, station):
    woo.store.add_products_bulk(450, per_second=30)  # five pages; many products share a second
    fetch = source.fetch_product_changes

    def failing_at_page_3(cursor):
        for page in fetch(cursor):
            yield page
            if page.number == 2:  # the network fails while page 3 is asked for
                woo.faults.fail(times=1, path="products")

    source.fetch_product_changes = failing_at_page_3
    with pytest.raises(Transient):
        pull_catalog(uow, source, station=station, now=NOW)
    newest_of_page_2 = max(woo.store.products[i]["date_modified"] for i in page_of(woo, 2))
    assert uow.settings.get(CURSOR_PRODUCTS) == newest_of_page_2.strftime("%Y-%m-%dT%H:%M:%S")
    assert shop_ids(uow) == [str(i) for i in page_of(woo, 1) + page_of(woo, 2)]

    source.fetch_product_changes = fetch
    products = pull_catalog(uow, source, station=station, now=NOW + timedelta(minutes=1))[1]
    assert products.rejected is None
    # The overlap re-read page 2's last second: those products were found, not created again.
    assert products.created == 250 and products.updated == 0
    ids = shop_ids(uow)
    assert len(ids) == len(set(ids)) == 450 and set(ids) == {str(i) for i in woo.store.products}
    assert uow.catalog.count(active_only=True) == 450


def test_a_refused_category_list_stops_the_pull_before_products(woo, source, uow, station):
    parent = woo.store.add_category("A")
    child = woo.store.add_category("B", parent=parent)
    woo.store.categories[parent]["parent"] = child  # a loop no real shop should have
    woo.store.add_product("Milk", sku="M1", regular_price="3.00")
    reports = pull_catalog(uow, source, station=station, now=NOW)
    assert [r.what for r in reports] == ["categories"]
    assert "categories page 1 rejected" in reports[0].rejected and "loop" in reports[0].rejected
    assert uow.catalog.by_sku("M1") is None


@pytest.mark.parametrize("change", ["changed again", "deleted"])
def test_a_product_list_shifting_while_it_is_paged_skips_nothing(woo, source, uow, station, change):
    """Paging by offset: when a product already read is changed again (it moves to the end of the list) or
    deleted, every later product moves up one place and the first of the next page is never returned.
    The pull sees the shift and takes its cursor back, so the next pull reads that product."""
    woo.store.add_products_bulk(300, per_second=1)  # one a second: the overlap covers only a few
    woo.clock.advance(hours=2)
    page_1, skipped = page_of(woo, 1), page_of(woo, 2)[0]
    after_page_1 = max(woo.store.products[i]["date_modified"] for i in page_1).strftime("%Y-%m-%dT%H:%M:%S")
    fetch = source.fetch_product_changes

    def shifting(cursor):
        for page in fetch(cursor):
            yield page
            if page.number == 1:  # page 1 is written; someone works in the shop before page 2 is read
                if change == "deleted":
                    woo.store.delete_product(page_1[5])
                else:
                    woo.store.update_product(page_1[5], name="Renamed")

    source.fetch_product_changes = shifting
    first = pull_catalog(uow, source, station=station, now=NOW)[1]
    assert str(skipped) not in shop_ids(uow)  # what offset paging did
    assert first.cursor == uow.settings.get(CURSOR_PRODUCTS) == after_page_1  # taken back to where it shifted
    source.fetch_product_changes = fetch
    pull_catalog(uow, source, station=station, now=NOW)
    ids = shop_ids(uow)
    assert str(skipped) in ids and len(ids) == len(set(ids)) == 300
    assert uow.catalog.by_sku(f"SKU{page_1[5]:08d}").name == ("Renamed" if change != "deleted" else "Item 000005")
