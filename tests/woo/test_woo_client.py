"""posapp's WooCommerce client against the local fake shop: the documented paging, and every failure
sorted the way the sync worker needs it (try again / look before sending again / a person must look)."""

from __future__ import annotations

import pytest

from posapp.config import SyncConfig
from posapp.sync.woocommerce import AuthFailed, Rejected, Transient, Unknown, WooClient


def client(woo, *, secret=None, timeout=5.0) -> WooClient:
    return WooClient(SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=secret or woo.secret,
                                timeout_seconds=timeout))


def order(n: int) -> dict:
    return {"status": "completed", "set_paid": True, "line_items": [],
            "meta_data": [{"key": "_pos_uuid", "value": f"uuid-{n}"}]}


def test_every_page_of_products_in_modified_order(woo):
    woo.store.add_products_bulk(250)
    with client(woo) as shop:
        pages = list(shop.pages("products", {"orderby": "modified", "order": "asc"}))
    assert [(p.number, p.total_pages, p.total, len(p.items)) for p in pages] == [
        (1, 3, 250, 100), (2, 3, 250, 100), (3, 3, 250, 50)]
    ids = [item["id"] for p in pages for item in p.items]
    assert len(ids) == len(set(ids)) == 250
    modified = [item["date_modified_gmt"] for p in pages for item in p.items]
    assert modified == sorted(modified)


def test_an_empty_list_is_one_empty_page(woo):
    with client(woo) as shop:
        pages = list(shop.pages("coupons"))
    assert [(p.number, p.items) for p in pages] == [(1, [])]


def test_a_wrong_secret_is_an_authentication_failure(woo):
    with client(woo, secret="cs_wrong") as shop, pytest.raises(AuthFailed) as info:
        shop.get("products")
    assert info.value.status == 401


def test_a_missing_resource_is_rejected_with_its_code(woo):
    with client(woo) as shop, pytest.raises(Rejected) as info:
        shop.get("orders/999999")
    assert info.value.status == 404 and info.value.code


def test_reads_that_fail_are_transient_and_say_when_to_come_back(woo):
    woo.faults.fail(method="GET")
    woo.faults.throttle(retry_after=7, method="GET")
    woo.faults.malformed_json(method="GET")
    with client(woo) as shop:
        with pytest.raises(Transient):
            shop.get("products")
        with pytest.raises(Transient) as throttled:
            shop.get("products")
        assert throttled.value.retry_after == 7
        with pytest.raises(Transient, match="not JSON"):
            shop.get("products")
        assert shop.get("products") == []  # the faults are spent: the shop answers again


def test_a_write_whose_answer_is_lost_is_unknown_and_the_order_may_exist(woo):
    woo.faults.drop_after_commit(method="POST")
    woo.faults.slow(delay=2.5, method="POST")
    woo.faults.fail(method="POST")
    with client(woo, timeout=1.0) as shop:
        with pytest.raises(Unknown):
            shop.post("orders", order(1))  # committed, then the connection dropped
        with pytest.raises(Unknown):
            shop.post("orders", order(2))  # committed, answered too late
        with pytest.raises(Unknown):
            shop.post("orders", order(3))  # a 500: maybe committed, maybe not
        created = shop.post("orders", order(4))
    assert created["id"] and [o["meta_data"][0]["value"] for o in woo.orders()][-1] == "uuid-4"
    held = {m["value"] for o in woo.orders() for m in o["meta_data"] if m["key"] == "_pos_uuid"}
    assert {"uuid-1", "uuid-2", "uuid-4"} <= held  # so the worker must look before sending 1 and 2 again


def test_a_shop_that_is_not_there_is_transient():
    config = SyncConfig(connector="woocommerce", url="http://127.0.0.1:9", key="k", secret="s", timeout_seconds=2)
    with WooClient(config) as shop, pytest.raises(Transient, match="cannot be reached"):
        shop.get("products")
