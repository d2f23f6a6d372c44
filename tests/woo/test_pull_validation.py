"""Any page with one field corrupted is refused whole, and the message names the page, the product and the
field. Products are rendered by the fake shop's own code (as the HTTP tests get them), then one field of
one product is broken and the page is read the way the pull reads it."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_api import FakeApi
from fake_store import WooStore
from posapp.config import SyncConfig
from posapp.domain.sync_records import PageRejected
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import Page

CONFIG = SyncConfig(connector="woocommerce", url="http://127.0.0.1", key="k", secret="s")


class OnePage:
    """A client whose product list is one given page."""

    def __init__(self, items: list):
        self.items = items

    def pages(self, path: str, params=None, **_):
        assert path == "products"
        yield Page(number=1, total_pages=1, total=len(self.items), items=self.items)


def rendered_page() -> list[dict]:
    store = WooStore()
    cat = store.add_category("Tea")
    for n in range(5):
        store.add_product(f"Tea {n}", sku=f"T{n}", global_unique_id="6901234567892" if n == 2 else "",
                          regular_price="3.50", sale_price="2.99", date_on_sale_from="2024-03-01T00:00:00Z",
                          manage_stock=True, stock_quantity=n, categories=[cat],
                          meta_data=[{"key": "_barcode", "value": "4006381333931"}] if n == 3 else None)
    api = FakeApi(store, "http://127.0.0.1")
    return json.loads(json.dumps([api.render_product(p) for p in store.products.values()]))


PAGE = rendered_page()
letters = st.text(alphabet="abcxyz-", min_size=1, max_size=8)
wrong_length = st.integers(min_value=1, max_value=30).filter(lambda n: n not in (8, 12, 13)).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n))
not_text = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2), st.just({}))
BROKEN = {
    "id": st.one_of(st.integers(max_value=0), letters, st.none(), st.booleans()),
    "name": st.one_of(st.none(), st.integers(), st.just("  \n ")),
    "type": st.one_of(st.none(), st.integers()),
    "status": st.one_of(st.none(), st.integers()),
    "sku": not_text | st.none(),
    "regular_price": st.one_of(letters, st.decimals(max_value=D("-0.01"), places=2).map(str),
                               st.integers(min_value=10**7, max_value=10**20).map(str), st.floats(), st.booleans()),
    "sale_price": st.one_of(letters, st.just("-1"), st.just("1e12"), st.lists(st.integers(), max_size=1)),
    "date_on_sale_from_gmt": st.one_of(st.just("2024-03-01"), st.just("2024-02-30T00:00:00"), st.integers()),
    "date_modified_gmt": st.one_of(st.none(), st.just(""), st.just("yesterday"), st.integers()),
    "tax_class": not_text,
    "manage_stock": st.one_of(st.integers(), st.just("sometimes")),
    "stock_quantity": st.one_of(letters, st.just(10**12), st.just(1.2345), st.booleans()),
    "global_unique_id": st.one_of(wrong_length, st.just("6901234567893"), letters.map(lambda t: "69" + t),
                                  st.integers(min_value=1)),
    "categories": st.one_of(st.just("Tea"), st.just([{"name": "Tea"}]), st.just([0]), st.just({})),
    "meta_data": st.one_of(st.just("x"), st.none()),
}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=len(PAGE) - 1), field=st.sampled_from(sorted(BROKEN)),
       data=st.data(), remove=st.booleans())
def test_one_corrupted_field_refuses_the_page_and_says_where(position, field, data, remove):
    page = json.loads(json.dumps(PAGE))
    product = page[position]
    if remove and field != "global_unique_id":  # an older WooCommerce has no global_unique_id at all
        del product[field]
    else:
        product[field] = data.draw(BROKEN[field], label=field)
    source = WooCatalogSource(OnePage(page), CONFIG)
    with pytest.raises(PageRejected) as refused:
        list(source.fetch_product_changes(None))
    message = str(refused.value)
    assert message.startswith("products page 1 rejected: product ")
    if field != "id":
        assert message.startswith(f"products page 1 rejected: product {product['id']}: ")
    assert f": {field}" in message, message


def test_the_page_as_rendered_is_read_whole():
    [read] = list(WooCatalogSource(OnePage(json.loads(json.dumps(PAGE))), CONFIG).fetch_product_changes(None))
    assert [p.sku for p in read.products] == [f"T{n}" for n in range(5)]
    assert [p.barcodes for p in read.products][2:4] == [("6901234567892",), ("4006381333931",)]
    assert read.max_modified == max(p["date_modified_gmt"] for p in PAGE)
