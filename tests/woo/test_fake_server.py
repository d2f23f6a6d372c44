"""The fake WooCommerce server answers like the documented REST API v3 and injects the faults it promises."""

import base64
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from fake_server import FakeWooServer


def call(woo, method, route, params=None, body=None, *, timeout=5.0, auth=None):
    """(status, headers, raw body bytes) for one request; HTTP errors are answers too."""
    url = f"{woo.api_url}/{route}" + (f"?{urlencode(params, doseq=True)}" if params else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    key, secret = auth or (woo.key, woo.secret)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode())
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def call_json(woo, method, route, params=None, body=None, **kw):
    status, headers, raw = call(woo, method, route, params, body, **kw)
    return status, headers, json.loads(raw)


def sale(woo, product_id, *, uuid, quantity=1, total=None):
    line = {"product_id": product_id, "quantity": quantity}
    if total is not None:
        line["total"] = total
    return {"status": "completed", "set_paid": True, "created_via": "pos", "payment_method": "pos_cash",
            "line_items": [line], "meta_data": [{"key": "_pos_uuid", "value": uuid}]}


@pytest.fixture
def milk(woo):
    return woo.store.add_product("Milk 1L", sku="MILK1", global_unique_id="6901234567892", regular_price="3.50",
                                 manage_stock=True, stock_quantity=10)


# -- listing and paging -------------------------------------------------------------------------

def test_pages_carry_total_headers_and_links_and_add_up_to_the_whole_catalogue(woo):
    ids = woo.store.add_products_bulk(250)
    seen, page, next_url = [], 1, "start"
    while next_url:
        status, headers, body = call_json(woo, "GET", "products", {"per_page": 100, "page": page,
                                                                   "orderby": "id", "order": "asc"})
        assert status == 200
        assert headers["X-WP-Total"] == "250" and headers["X-WP-TotalPages"] == "3"
        seen += [p["id"] for p in body]
        next_url = next((part for part in (headers.get("Link") or "").split(", ") if 'rel="next"' in part), None)
        if next_url:
            assert f"page={page + 1}" in next_url and "per_page=100" in next_url
        page += 1
    assert seen == ids
    status, headers, body = call_json(woo, "GET", "products", {"per_page": 100, "page": 4})
    assert (status, body, headers["X-WP-Total"]) == (200, [], "250")


def test_per_page_above_100_is_refused_in_the_documented_error_shape(woo):
    status, _, body = call_json(woo, "GET", "products", {"per_page": 101})
    assert status == 400
    assert body["code"] == "rest_invalid_param" and body["data"]["status"] == 400 and "per_page" in body["data"]["params"]


def test_modified_after_with_orderby_modified_asc_returns_the_later_slice_in_order(woo):
    woo.clock.set("2024-03-01T10:00:00Z")
    old = woo.store.add_product("Old", regular_price="1")
    woo.clock.advance(seconds=10)
    first = woo.store.add_product("First", regular_price="1")
    woo.clock.advance(seconds=10)
    second = woo.store.add_product("Second", regular_price="1")
    woo.clock.advance(seconds=10)
    woo.store.update_product(old, regular_price="2.00")   # edited last: comes last
    status, _, body = call_json(woo, "GET", "products", {"modified_after": "2024-03-01T10:00:05",
                                                         "dates_are_gmt": "true", "orderby": "modified",
                                                         "order": "asc"})
    assert status == 200
    assert [p["id"] for p in body] == [first, second, old]
    assert body[-1]["date_modified_gmt"] == "2024-03-01T10:00:30"
    assert body[-1]["date_modified"] == "2024-03-01T18:00:30"   # the site's time zone is UTC+8
    assert body[-1]["regular_price"] == "2.00" and isinstance(body[-1]["regular_price"], str)
    # Without dates_are_gmt the text is read as site time (UTC+8).
    local_params = {"modified_after": "2024-03-01T18:00:15", "orderby": "modified", "order": "asc"}
    assert [p["id"] for p in call_json(woo, "GET", "products", local_params)[2]] == [second, old]
    assert call_json(woo, "GET", "products", {**local_params, "dates_are_gmt": "true"})[2] == []


def test_modified_after_is_strict_so_products_sharing_the_cursor_second_are_not_repeated(woo):
    woo.clock.set("2024-03-01T00:00:00Z")
    woo.store.add_products_bulk(120, per_second=50)   # seconds :00, :01, :02 hold 50, 50, 20 products
    _, headers, _ = call_json(woo, "GET", "products", {"modified_after": "2024-03-01T00:00:01",
                                                       "dates_are_gmt": "true"})
    assert headers["X-WP-Total"] == "20"


def test_include_status_and_search_filter_products(woo, milk):
    draft = woo.store.add_product("Milk powder", status="draft", regular_price="9")
    bread = woo.store.add_product("Bread", regular_price="2")
    _, _, body = call_json(woo, "GET", "products", {"include": f"{milk},{bread}"})
    assert sorted(p["id"] for p in body) == sorted([milk, bread])
    _, _, body = call_json(woo, "GET", "products", {"search": "milk"})
    assert sorted(p["id"] for p in body) == sorted([milk, draft])   # status defaults to any
    _, _, body = call_json(woo, "GET", "products", {"search": "milk", "status": "publish"})
    assert [p["id"] for p in body] == [milk]


def test_variable_product_lists_its_variations(woo):
    shirt = woo.store.add_product("Shirt", type="variable", attributes=[{"name": "Size", "options": ["S", "M"]}],
                                  variations=[{"attributes": {"Size": "S"}, "sku": "SH-S", "regular_price": "20",
                                               "sale_price": "15", "manage_stock": True, "stock_quantity": 4},
                                              {"attributes": {"Size": "M"}, "sku": "SH-M", "regular_price": "20",
                                               "global_unique_id": "4006381333931"}])
    _, _, product = call_json(woo, "GET", f"products/{shirt}")
    assert product["type"] == "variable" and len(product["variations"]) == 2
    status, headers, variations = call_json(woo, "GET", f"products/{shirt}/variations", {"orderby": "id",
                                                                                         "order": "asc"})
    assert status == 200 and headers["X-WP-Total"] == "2"
    small, medium = variations
    assert (small["sku"], small["price"], small["on_sale"], small["stock_quantity"]) == ("SH-S", "15.00", True, 4)
    assert small["attributes"] == [{"id": 0, "name": "Size", "option": "S"}]
    assert medium["global_unique_id"] == "4006381333931" and medium["parent_id"] == shirt


def test_categories_coupons_and_customers_are_listed(woo):
    dairy = woo.store.add_category("Dairy")
    woo.store.add_product("Yoghurt", categories=[dairy], regular_price="1")
    woo.store.add_coupon("SPRING10", amount="10", discount_type="percent")
    woo.store.add_customer("ann@example.com", first_name="Ann", phone="13800000000")
    _, _, cats = call_json(woo, "GET", "products/categories")
    assert cats[0]["name"] == "Dairy" and cats[0]["count"] == 1
    _, _, coupons = call_json(woo, "GET", "coupons", {"code": "spring10"})
    assert coupons[0]["code"] == "spring10" and coupons[0]["amount"] == "10.00"
    _, _, customers = call_json(woo, "GET", "customers", {"email": "ann@example.com"})
    assert customers[0]["billing"]["phone"] == "13800000000"
    # Customers are users: a modified filter does not exist, so it is ignored rather than applied.
    _, _, customers = call_json(woo, "GET", "customers", {"modified_after": "2999-01-01T00:00:00"})
    assert len(customers) == 1


def test_customer_meta_data_is_updated_by_key(woo):
    ann = woo.store.add_customer("ann@example.com", meta_data=[{"key": "_pos_points", "value": "10"}])
    status, _, body = call_json(woo, "PUT", f"customers/{ann}", body={"meta_data": [
        {"key": "_pos_points", "value": "25"}, {"key": "_pos_points_applied", "value": ["t1-42"]}]})
    assert status == 200
    meta = {m["key"]: m["value"] for m in body["meta_data"]}
    assert meta == {"_pos_points": "25", "_pos_points_applied": ["t1-42"]}


def test_product_updates_set_managed_stock_and_meta_and_move_date_modified(woo, milk):
    before = woo.product(milk)["date_modified_gmt"]
    woo.clock.advance(seconds=5)
    status, _, body = call_json(woo, "PUT", f"products/{milk}", body={"stock_quantity": 14, "meta_data": [
        {"key": "_mark", "value": "a"}]})
    assert status == 200 and body["stock_quantity"] == 14 and body["date_modified_gmt"] > before
    status, _, body = call_json(woo, "PUT", f"products/{milk}", body={"stock_quantity": 1.5})
    assert status == 400 and body["code"] == "rest_invalid_param"  # the schema's integer
    status, _, body = call_json(woo, "PUT", f"products/{milk}", body={"manage_stock": False, "stock_quantity": 3})
    assert status == 200 and (body["manage_stock"], body["stock_quantity"]) == (False, None)
    assert [m["value"] for m in body["meta_data"] if m["key"] == "_mark"] == ["a"]


def test_batch_updates_answer_each_item_and_refuse_more_than_100(woo, milk):
    shirt = woo.store.add_product("Shirt", type="variable", variations=[
        {"attributes": {"size": "S"}, "manage_stock": True, "stock_quantity": 2}])
    small = woo.store.products[shirt]["variations"][0]
    status, _, body = call_json(woo, "POST", "products/batch", body={"update": [
        {"id": milk, "stock_quantity": "7.9"}, {"id": 999, "stock_quantity": 1}, {"id": small, "stock_quantity": 1}]})
    assert status == 200
    ok, unknown, variation = body["update"]
    assert (ok["id"], ok["stock_quantity"]) == (milk, 7)  # intval, as PHP does for a batch item
    assert unknown == {"id": 999, "error": {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                                            "data": {"status": 400}}}
    assert variation["error"]["code"] == "woocommerce_rest_invalid_product_id"
    status, _, body = call_json(woo, "PATCH", f"products/{shirt}/variations/batch", body={"update": [
        {"id": small, "stock_quantity": 5, "meta_data": [{"key": "_mark", "value": "b"}]}]})
    assert status == 200 and body["update"][0]["stock_quantity"] == 5 and woo.product(small)["stock_quantity"] == 5
    status, _, body = call_json(woo, "POST", "products/batch", body={"update": [{"id": milk}] * 101})
    assert status == 413 and body["code"] == "woocommerce_rest_request_entity_too_large"


# -- authentication and errors ------------------------------------------------------------------

def test_a_wrong_key_or_no_credentials_answer_401(woo):
    status, headers, body = call_json(woo, "GET", "products", auth=("ck_wrong", woo.secret))
    assert status == 401 and body == {"code": "woocommerce_rest_authentication_error",
                                      "message": "Consumer key is invalid.", "data": {"status": 401}}
    status, _, body = call_json(woo, "GET", "products", auth=(woo.key, "cs_wrong"))
    assert status == 401 and body["message"] == "Consumer secret is invalid."
    request = urllib.request.Request(f"{woo.api_url}/products")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 401
    assert json.loads(raised.value.read())["code"] == "woocommerce_rest_cannot_view"


def test_unknown_ids_and_routes_answer_404(woo):
    status, _, body = call_json(woo, "GET", "orders/999")
    assert status == 404 and body["code"] == "woocommerce_rest_shop_order_invalid_id"
    status, _, body = call_json(woo, "GET", "nothing-here")
    assert status == 404 and body["code"] == "rest_no_route"


# -- orders and refunds -------------------------------------------------------------------------

def test_order_post_returns_the_created_order_and_reduces_stock_once(woo, milk):
    status, headers, order = call_json(woo, "POST", "orders", body=sale(woo, milk, uuid="u-1", quantity=3,
                                                                        total="9.90"))
    assert status == 201 and headers["Location"].endswith(f"/orders/{order['id']}")
    assert order["id"] > 0 and order["line_items"][0]["id"] > 0
    assert order["status"] == "completed" and order["created_via"] == "rest-api"   # created_via is read-only
    assert order["total"] == "9.90" and order["line_items"][0]["subtotal"] == "10.50"
    assert {"key": "_pos_uuid", "value": "u-1"} in [{k: m[k] for k in ("key", "value")} for m in order["meta_data"]]
    _, _, product = call_json(woo, "GET", f"products/{milk}")
    assert product["stock_quantity"] == 7
    call_json(woo, "PUT", f"orders/{order['id']}", body={"status": "processing"})   # no second reduction
    call_json(woo, "PUT", f"orders/{order['id']}", body={"status": "completed"})
    _, _, product = call_json(woo, "GET", f"products/{milk}")
    assert product["stock_quantity"] == 7


def test_orders_after_a_time_can_be_scanned_for_the_pos_uuid(woo, milk):
    woo.clock.set("2024-05-01T08:00:00Z")
    call_json(woo, "POST", "orders", body=sale(woo, milk, uuid="early"))
    woo.clock.set("2024-05-01T09:00:00Z")
    call_json(woo, "POST", "orders", body=sale(woo, milk, uuid="late"))
    _, _, found = call_json(woo, "GET", "orders", {"after": "2024-05-01T08:30:00", "dates_are_gmt": "true",
                                                   "per_page": 100})
    uuids = [m["value"] for o in found for m in o["meta_data"] if m["key"] == "_pos_uuid"]
    assert uuids == ["late"]
    # Order search does not look into meta data, as in WooCommerce.
    _, _, by_search = call_json(woo, "GET", "orders", {"search": "late"})
    assert by_search == []


def test_invalid_orders_are_refused_with_400_and_nothing_is_written(woo, milk):
    status, _, body = call_json(woo, "POST", "orders", body={"line_items": [{"product_id": 424242, "quantity": 1}]})
    assert status == 400 and body["code"] == "woocommerce_rest_invalid_product_id"
    status, _, body = call_json(woo, "POST", "orders", body={"coupon_lines": [{"code": "nope"}],
                                                             "line_items": [{"product_id": milk, "quantity": 1}]})
    assert status == 400 and body["code"] == "woocommerce_rest_invalid_coupon"
    assert woo.orders() == []


def test_a_refund_attaches_to_its_order_and_restocks(woo, milk):
    _, _, order = call_json(woo, "POST", "orders", body=sale(woo, milk, uuid="u-2", quantity=2))
    item = order["line_items"][0]
    refund_body = {"reason": "Return R-1", "api_refund": False,
                   "line_items": [{"id": item["id"], "quantity": 1, "refund_total": 3.5}]}
    status, _, refund = call_json(woo, "POST", f"orders/{order['id']}/refunds", body=refund_body)
    assert status == 201
    assert refund["amount"] == "3.50" and refund["refunded_payment"] is False
    assert refund["line_items"][0]["quantity"] == -1 and refund["line_items"][0]["total"] == "-3.50"
    assert refund["_links"]["up"][0]["href"].endswith(f"/orders/{order['id']}")
    _, _, again = call_json(woo, "GET", f"orders/{order['id']}")
    assert again["refunds"] == [{"id": refund["id"], "reason": "Return R-1", "total": "-3.50"}]
    assert [r["order_id"] for r in woo.refunds()] == [order["id"]]
    _, _, product = call_json(woo, "GET", f"products/{milk}")
    assert product["stock_quantity"] == 9   # 10 - 2 sold + 1 restocked


def test_refund_errors_come_back_as_500_like_woocommerce(woo, milk):
    _, _, order = call_json(woo, "POST", "orders", body=sale(woo, milk, uuid="u-3"))
    status, _, body = call_json(woo, "POST", f"orders/{order['id']}/refunds", body={"amount": "1.00"})
    assert status == 500 and body["code"] == "woocommerce_rest_cannot_create_order_refund"   # api_refund on cash
    status, _, body = call_json(woo, "POST", f"orders/{order['id']}/refunds",
                                body={"amount": "99.00", "api_refund": False})
    assert status == 500 and body["message"] == "Invalid refund amount."
    assert woo.refunds() == []


# -- faults -------------------------------------------------------------------------------------

def test_fail_answers_500_for_the_next_matching_requests_only(woo, milk):
    woo.faults.fail(times=2, method="POST", path="orders")
    assert call(woo, "GET", "products")[0] == 200   # not matching
    assert [call(woo, "POST", "orders", body=sale(woo, milk, uuid=f"f{i}"))[0] for i in range(3)] == [500, 500, 201]
    assert len(woo.orders()) == 1


def test_throttle_answers_429_with_retry_after(woo):
    woo.faults.throttle(retry_after=7)
    status, headers, body = call_json(woo, "GET", "products")
    assert (status, headers["Retry-After"], body["data"]["status"]) == (429, "7", 429)
    assert call(woo, "GET", "products")[0] == 200


def test_slow_answer_passes_the_client_timeout_but_the_order_is_committed(woo, milk):
    woo.faults.slow(delay=1.0, method="POST", path="orders")
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        call(woo, "POST", "orders", body=sale(woo, milk, uuid="slow-1"), timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert len(woo.orders_with_meta("_pos_uuid", "slow-1")) == 1


def test_dropped_after_commit_leaves_the_order_on_the_server_without_an_answer(woo, milk):
    woo.faults.drop_after_commit(method="POST", path="orders")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        call(woo, "POST", "orders", body=sale(woo, milk, uuid="lost-answer"))
    assert len(woo.orders_with_meta("_pos_uuid", "lost-answer")) == 1
    assert woo.requests_for("POST", "orders")[0].status is None
    _, _, product = call_json(woo, "GET", f"products/{milk}")
    assert product["stock_quantity"] == 9


def test_malformed_json_keeps_the_status_but_the_body_does_not_parse(woo, milk):
    woo.faults.malformed_json(method="POST", path="orders", style="php_notice")
    woo.faults.malformed_json(method="GET", path="products", style="truncated")
    status, _, raw = call(woo, "POST", "orders", body=sale(woo, milk, uuid="garbled"))
    assert status == 201 and raw.startswith(b"<br />")
    status, _, truncated = call(woo, "GET", "products")
    assert status == 200
    for garbled in (raw, truncated):
        with pytest.raises(ValueError):
            json.loads(garbled)
    assert len(woo.orders()) == 1


def _run_random_faults(seed):
    with FakeWooServer() as woo:
        milk = woo.store.add_product("Milk", regular_price="1", manage_stock=True, stock_quantity=1000)
        woo.faults.random(0.3, seed=seed, method="POST", path="orders", delay=0.3)
        outcomes = []
        for n in range(40):
            try:
                outcomes.append(call(woo, "POST", "orders", body=sale(woo, milk, uuid=f"r{n}"), timeout=0.1)[0])
            except (OSError, http.client.HTTPException, urllib.error.URLError):
                outcomes.append("no answer")
        return [kind for _, _, _, kind in woo.faults.log], outcomes, len(woo.orders())


def test_seeded_random_faults_hit_about_30_percent_and_repeat_exactly():
    kinds, outcomes, held = _run_random_faults(seed=7)
    assert (kinds, outcomes) == _run_random_faults(seed=7)[:2]
    assert 4 <= len(kinds) <= 20 and len(set(kinds)) >= 3
    committed_without_clean_answer = sum(k in ("slow", "drop_after_commit", "malformed_json") for k in kinds)
    assert held == 40 - sum(k in ("500", "429") for k in kinds)
    assert outcomes.count(201) >= 40 - len(kinds) - committed_without_clean_answer
