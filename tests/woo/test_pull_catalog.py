"""Pulling the catalog from the (fake) online shop into a real database: what a store manager sees at
the till afterwards: products and variations with their barcodes, categories, tax classes, prices and sale
prices with their dates, the stock; and only what changed on the next pull."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from posapp.config import SyncConfig
from posapp.domain.basket import Basket
from posapp.domain.errors import NotFound
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, shifts
from posapp.services.auth import hash_pin
from posapp.storage.db import is_sqlite
from posapp.sync.pull import CURSOR_PRODUCTS, pull_catalog
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import WooClient

NOW = datetime(2024, 1, 2, 0, 0)  # the shop's clock starts at 2024-01-01T00:00:00 (GMT)
MILK_EAN, TEA_EAN, TS_EAN, TM_EAN = "6901234567892", "4006381333931", "5012345678900", "036000291452"
DRAFT_EAN = "9780201379624"


@pytest.fixture
def source(woo):
    woo.clock.auto_advance = timedelta(seconds=1)  # every write in the shop a second later
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


def seed_shop(store) -> dict:
    drinks = store.add_category("饮料")
    tea = store.add_category("茶", parent=drinks)
    clothes = store.add_category("Clothes &amp; Shoes")
    ids = {
        "tea": store.add_product("绿茶 500ml", sku="TEA1", global_unique_id=TEA_EAN, regular_price="3.50",
                                 tax_class="reduced-rate", categories=[tea], manage_stock=True, stock_quantity=24),
        "milk": store.add_product("Milk 1L", regular_price="12.90", categories=[drinks],
                                  meta_data=[{"key": "_barcode", "value": MILK_EAN}]),
        "shirt": store.add_product("T恤", type="variable", sku="TS", regular_price="", categories=[clothes],
                                   manage_stock=True, stock_quantity=10, variations=[
                                       {"attributes": {"Size": "S"}, "sku": "TS-S", "global_unique_id": TS_EAN,
                                        "regular_price": "59.00", "manage_stock": "parent"},
                                       {"attributes": {"Size": "M"}, "global_unique_id": TM_EAN,
                                        "regular_price": "69.00", "manage_stock": True, "stock_quantity": 3}]),
        "draft": store.add_product("Not yet", sku="DRAFT1", global_unique_id=DRAFT_EAN, regular_price="1.00",
                                   status="draft"),
    }
    ids["shirt_s"], ids["shirt_m"] = store.products[ids["shirt"]]["variations"]
    return ids


def scan(uow, station, code):
    return catalog.lookup_scan(uow, station, code).product


def test_first_pull_fills_the_till(woo, source, uow, station):
    ids = seed_shop(woo.store)
    categories, products, coupons = pull_catalog(uow, source, station=station, now=NOW)
    assert (categories.created, categories.rejected) == (3, None)  # 饮料, 饮料/茶, Clothes & Shoes
    assert (products.pages, products.created, products.updated, products.rejected) == (1, 5, 0, None)
    assert products.cursor == woo.store.products[ids["draft"]]["date_modified"].strftime("%Y-%m-%dT%H:%M:%S")
    assert uow.settings.get(CURSOR_PRODUCTS) == products.cursor
    assert (coupons.pages, coupons.created) == (1, 0)

    tea = scan(uow, station, TEA_EAN)
    assert (tea.sku, tea.name, tea.price, tea.tax_class, tea.category, tea.external_id) == \
        ("TEA1", "绿茶 500ml", D("3.50"), "reduced-rate", "饮料/茶", str(ids["tea"]))
    milk = scan(uow, station, MILK_EAN)  # the barcode from the meta key, no SKU in the shop, default tax
    assert (milk.sku, milk.tax_class, milk.price, milk.category) == \
        (f"woo-{ids['milk']}", "standard", D("12.90"), "饮料")
    small, medium = scan(uow, station, TS_EAN), scan(uow, station, TM_EAN)
    assert (small.name, small.sku, small.price, small.category) == ("T恤 - S", "TS-S", D("59.00"), "Clothes & Shoes")
    assert (medium.name, medium.sku, medium.price) == ("T恤 - M", f"woo-{ids['shirt_m']}", D("69.00"))
    assert scan(uow, station, "0" + TM_EAN) == medium  # the UPC-A is kept as its EAN-13
    assert uow.catalog.by_sku("TS") is None  # the variable product itself is not sold
    with pytest.raises(NotFound, match="not for sale"):
        scan(uow, station, DRAFT_EAN)  # a draft in the shop is known here, but not sold
    # Stock: counted ones as the shop counts them; a size managed by its product shows the product's count.
    stock = uow.catalog.stock_of([tea.id, milk.id, small.id, medium.id])
    assert stock == {tea.id: D(24), milk.id: None, small.id: D(10), medium.id: D(3)}
    # Names are searchable like any other product's, pinyin included.
    assert [p.sku for p in catalog.search_products(uow, "lvcha")] == ["TEA1"]
    assert [p.sku for p in catalog.search_products(uow, "T恤")] == ["TS-S", f"woo-{ids['shirt_m']}"]


def read(source, cursor) -> list[str]:
    """The shop ids a delta pull from this cursor reads."""
    return [p.external_id for page in source.fetch_product_changes(cursor) for p in page.products]


def test_a_delta_pull_reads_changes_since_the_cursor_and_writes_only_what_changed(woo, source, uow, station):
    ids = seed_shop(woo.store)
    first = pull_catalog(uow, source, station=station, now=NOW)[1]
    woo.clock.advance(hours=2)
    woo.store.update_product(ids["tea"], regular_price="3.80")
    woo.store.update_product(ids["shirt_m"], regular_price="65.00")  # touches its product too
    woo.store.update_product(ids["draft"], status="publish")
    products = pull_catalog(uow, source, station=station, now=NOW + timedelta(hours=2))[1]
    # modified_after is the cursor less the overlap window (300 s), in GMT.
    asked = woo.requests_for("GET", "products")[-1].params
    overlap_start = datetime.strptime(first.cursor, "%Y-%m-%dT%H:%M:%S") - timedelta(seconds=300)
    assert (asked["modified_after"], asked["dates_are_gmt"], asked["orderby"], asked["order"], asked["per_page"]) \
        == ([overlap_start.strftime("%Y-%m-%dT%H:%M:%S")], ["true"], ["modified"], ["asc"], ["100"])
    # The overlap re-read the first products; only the three changed ones were written.
    assert (products.created, products.updated, products.deactivated) == (0, 3, 0)
    assert scan(uow, station, TEA_EAN).price == D("3.80")
    assert scan(uow, station, "0" + TM_EAN).price == D("65.00")
    assert catalog.find_sku(uow, "DRAFT1").active
    # From the new cursor the pull reads the changed products only (the shirt: both its sizes).
    assert sorted(read(source, products.cursor)) == sorted(
        str(ids[k]) for k in ("tea", "shirt_s", "shirt_m", "draft"))
    again = pull_catalog(uow, source, station=station, now=NOW + timedelta(hours=3))[1]
    assert (again.created, again.updated, again.deactivated, again.cursor) == (0, 0, 0, products.cursor)


def test_the_till_price_follows_the_sale_dates(woo, source, uow, station):
    woo.store.add_product("Olive oil", sku="OIL", global_unique_id=MILK_EAN, regular_price="45.00",
                          sale_price="39.90", date_on_sale_from="2024-03-01T00:00:00Z",
                          date_on_sale_to="2024-03-08T00:00:00Z")
    pull_catalog(uow, source, station=station, now=NOW)
    prices = {}
    for when in ("2024-02-29T23:59:59", "2024-03-01T00:00:00", "2024-03-07T23:59:59", "2024-03-08T00:00:00"):
        uow.catalog.clock = lambda when=when: datetime.fromisoformat(when)
        product = scan(uow, station, MILK_EAN)
        prices[when] = (product.price, product.regular_price)
    assert prices == {"2024-02-29T23:59:59": (D("45.00"), None), "2024-03-01T00:00:00": (D("39.90"), D("45.00")),
                      "2024-03-07T23:59:59": (D("39.90"), D("45.00")), "2024-03-08T00:00:00": (D("45.00"), None)}
    # An export writes the regular price (the sale is the shop's, with its dates).
    uow.catalog.clock = lambda: datetime(2024, 3, 2)
    assert [p.price for p in uow.catalog.iter_all()] == [D("45.00")]


def test_a_sale_price_without_dates_applies_until_the_shop_ends_it(woo, source, uow, station):
    pid = woo.store.add_product("Rice 5kg", sku="RICE", global_unique_id=MILK_EAN, regular_price="59.00",
                                sale_price="49.00")
    pull_catalog(uow, source, station=station, now=NOW)
    assert scan(uow, station, MILK_EAN).price == D("49.00")
    woo.store.update_product(pid, sale_price="")
    pull_catalog(uow, source, station=station, now=NOW)
    assert scan(uow, station, MILK_EAN).price == D("59.00")


def test_a_tax_class_the_till_lacks_refuses_the_page_and_says_which(woo, source, uow, station, caplog):
    pid = woo.store.add_product("Caviar", sku="CAV", regular_price="990.00", tax_class="luxury-rate")
    with caplog.at_level(logging.ERROR, logger="posapp.sync.pull"):
        products = pull_catalog(uow, source, station=station, now=NOW)[1]
    assert products.pages == 0 and products.cursor is None and uow.settings.get(CURSOR_PRODUCTS) is None
    assert f"products page 1 rejected: product {pid}: tax_class" in products.rejected
    assert "IT must add the class 'luxury-rate'" in products.rejected
    assert uow.catalog.by_sku("CAV") is None
    assert any(r.levelname == "ERROR" and "luxury-rate" in r.getMessage() for r in caplog.records)


def test_stock_at_the_till_counts_sales_the_shop_has_not_counted_yet(woo, source, uow, station):
    woo.store.add_product("Tea", sku="TEA1", global_unique_id=TEA_EAN, regular_price="3.50", manage_stock=True,
                          stock_quantity=24)
    pull_catalog(uow, source, station=station, now=NOW)
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=D("100.00"))
    tea = scan(uow, station, TEA_EAN)

    def sell(qty: int) -> None:
        basket = Basket()
        basket.add(tea, qty=D(qty))
        tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
        tendering.add("cash", tendering.cash_due)
        checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering)

    sell(2)
    sell(3)
    assert uow.catalog.stock_of([tea.id]) == {tea.id: D(19)}  # 24 - 2 - 3, neither reached the shop yet
    first_sale = uow.db.obj.execute_sql("SELECT MIN(id) FROM stock_movement").fetchone()[0]
    acknowledge(uow, first_sale, at=NOW - timedelta(minutes=1))
    # The first sale reached the shop before the stock was pulled: the shop's 24 already counted it.
    assert uow.catalog.stock_of([tea.id]) == {tea.id: D(21)}
    acknowledge(uow, first_sale, at=NOW + timedelta(minutes=1))
    # Acknowledged after the pull: the 24 did not count it yet.
    assert uow.catalog.stock_of([tea.id]) == {tea.id: D(19)}
    # The shop counted the first sale and sold 2 online: it reports 20 at the next pull.
    woo.store.update_product(int(tea.external_id), stock_quantity=20)
    pull_catalog(uow, source, station=station, now=NOW + timedelta(hours=1))
    assert uow.catalog.stock_of([tea.id]) == {tea.id: D(17)}  # 20 less the 3 not acknowledged yet


def acknowledge(uow, movement_id: int, *, at: datetime) -> None:
    """What the push side does when a sale reaches the shop."""
    db = uow.db.obj
    db.execute_sql(f"UPDATE stock_movement SET synced_at = {db.param} WHERE id = {db.param}",
                   (at.isoformat(" ") if is_sqlite(db) else at, movement_id))
