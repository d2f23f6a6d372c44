"""Routes of the fake WooCommerce REST API v3: query parameters, filtering, paging and JSON rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fake_store import (ApiError, ORDER_STATUSES, PRODUCT_STATUSES, WooStore, effective_price, invalid_param, on_sale,
                        order_total, parse_date_param)


@dataclass
class Response:
    status: int
    body: object
    headers: dict = field(default_factory=dict)


@dataclass
class ListQuery:
    """The collection parameters every WooCommerce CRUD list shares."""

    page: int = 1
    per_page: int = 10
    offset: int | None = None
    search: str = ""
    include: list[int] = field(default_factory=list)
    exclude: list[int] = field(default_factory=list)
    order: str = "desc"
    orderby: str = "date"
    dates: list[tuple[str, str, object]] = field(default_factory=list)  # (field, "after"/"before", value)
    dates_are_gmt: bool = False


def _one(params: dict, name: str, default=None):
    values = params.get(name) or params.get(f"{name}[]")
    return values[-1] if values else default


def _many(params: dict, name: str) -> list[str]:
    out = []
    for value in (params.get(name) or []) + (params.get(f"{name}[]") or []):
        out += [v for v in value.split(",") if v != ""]
    return out


def _int(params, name, default, minimum=None, maximum=None):
    raw = _one(params, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"between {minimum} (inclusive) and {maximum} (inclusive)" if maximum else f"at least {minimum}"
        raise invalid_param(name, f"{name} must be {bounds}")
    return value


def _bool(params, name, default=False) -> bool:
    raw = _one(params, name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true"):
        return True
    if raw.lower() in ("0", "false", ""):
        return False
    raise invalid_param(name, f"{name} is not of type boolean.")


def _ids(params, name) -> list[int]:
    try:
        return [int(v) for v in _many(params, name)]
    except ValueError:
        raise invalid_param(name, f"{name}[0] is not of type integer.") from None


def _enum(params, name, options, default):
    value = _one(params, name, default)
    if value not in options:
        raise invalid_param(name, f"{name} is not one of {', '.join(options)}.")
    return value


def parse_list_query(params: dict, *, orderby=("date", "id", "include", "title", "slug", "modified"),
                     default_orderby="date", default_order="desc", dated=True) -> ListQuery:
    q = ListQuery(page=_int(params, "page", 1, 1), per_page=_int(params, "per_page", 10, 1, 100),
                  offset=_int(params, "offset", None, 0), search=_one(params, "search", ""),
                  include=_ids(params, "include"), exclude=_ids(params, "exclude"),
                  order=_enum(params, "order", ("asc", "desc"), default_order),
                  orderby=_enum(params, "orderby", orderby, default_orderby))
    if dated:
        q.dates_are_gmt = _bool(params, "dates_are_gmt")
        for name, column, side in (("after", "date_created", "after"), ("before", "date_created", "before"),
                                   ("modified_after", "date_modified", "after"),
                                   ("modified_before", "date_modified", "before")):
            raw = _one(params, name)
            if raw is not None:
                q.dates.append((column, side, parse_date_param(name, raw)))
    return q


class FakeApi:
    """Answers (method, route, query, body) with a Response, or raises ApiError."""

    def __init__(self, store: WooStore, base_url: str):
        self.store = store
        self.site = base_url.rstrip("/")
        self.base = self.site + "/wp-json/wc/v3"
        self.routes = [
            ("GET", r"products", self.list_products),
            ("GET", r"products/categories", self.list_categories),
            ("GET", r"products/categories/(\d+)", self.get_category),
            ("GET", r"products/(\d+)", self.get_product),
            ("PUT|POST|PATCH", r"products/(\d+)", self.update_product),
            ("PUT|POST|PATCH", r"products/batch", self.batch_products),
            ("GET", r"products/(\d+)/variations", self.list_variations),
            ("GET", r"products/(\d+)/variations/(\d+)", self.get_variation),
            ("PUT|POST|PATCH", r"products/(\d+)/variations/(\d+)", self.update_variation),
            ("PUT|POST|PATCH", r"products/(\d+)/variations/batch", self.batch_variations),
            ("GET", r"coupons", self.list_coupons),
            ("GET", r"coupons/(\d+)", self.get_coupon),
            ("GET", r"customers", self.list_customers),
            ("GET", r"customers/(\d+)", self.get_customer),
            ("PUT|POST|PATCH", r"customers/(\d+)", self.update_customer),
            ("GET", r"orders", self.list_orders),
            ("POST", r"orders", self.create_order),
            ("GET", r"orders/(\d+)", self.get_order),
            ("PUT|POST|PATCH", r"orders/(\d+)", self.update_order),
            ("GET", r"orders/(\d+)/refunds", self.list_refunds),
            ("POST", r"orders/(\d+)/refunds", self.create_refund),
            ("GET", r"orders/(\d+)/refunds/(\d+)", self.get_refund),
        ]

    def handle(self, method: str, route: str, params: dict, body) -> Response:
        for methods, pattern, handler in self.routes:
            match = re.fullmatch(pattern, route.strip("/"))
            if match and method in methods.split("|"):
                with self.store.lock:
                    return handler(params, body, *(int(g) for g in match.groups()))
        raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")

    # -- paging ------------------------------------------------------------------------------
    def _page(self, route: str, params: dict, q: ListQuery, ids: list[int], render) -> Response:
        total = len(ids)
        pages = -(-total // q.per_page)
        start = q.offset if q.offset is not None else (q.page - 1) * q.per_page
        body = [render(i) for i in ids[start:start + q.per_page]]
        links = []
        flat = {k: v[-1] for k, v in params.items() if k not in ("consumer_key", "consumer_secret")}
        if q.page > 1:
            links.append(f'<{self.base}/{route}?{urlencode({**flat, "page": min(q.page - 1, max(pages, 1))})}>; rel="prev"')
        if pages > q.page:
            links.append(f'<{self.base}/{route}?{urlencode({**flat, "page": q.page + 1})}>; rel="next"')
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(200, body, headers)

    def _select(self, key: tuple, records, q: ListQuery, *, sort_keys: dict, search_text, extra=None) -> list[int]:
        def compute():
            chosen = []
            needle = q.search.lower()
            for r in records():
                if q.include and r["id"] not in q.include or r["id"] in q.exclude:
                    continue
                if needle and needle not in search_text(r).lower():
                    continue
                if not all(self._date_ok(r, column, side, value, q.dates_are_gmt) for column, side, value in q.dates):
                    continue
                if extra and not extra(r):
                    continue
                chosen.append(r)
            if q.orderby == "include" and q.include:
                chosen.sort(key=lambda r: q.include.index(r["id"]))
            else:
                chosen.sort(key=lambda r: (sort_keys[q.orderby](r), r["id"]), reverse=q.order == "desc")
            return [r["id"] for r in chosen]
        return self.store.cached_ids(key, compute)

    def _date_ok(self, record, column, side, value, gmt) -> bool:
        stamp = record.get(column)
        if stamp is None:
            return False
        stamp = stamp if gmt else stamp + self.store.utc_offset
        return stamp > value if side == "after" else stamp < value

    @staticmethod
    def _key(params: dict) -> tuple:
        ignored = ("page", "consumer_key", "consumer_secret", "_fields", "context")
        return tuple(sorted((k, tuple(v)) for k, v in params.items() if k not in ignored))

    # -- products ----------------------------------------------------------------------------
    _POST_SORTS = {"date": lambda r: r["date_created"], "id": lambda r: r["id"], "include": lambda r: r["id"],
                   "title": lambda r: r.get("name", r.get("code", "")), "slug": lambda r: r.get("slug", ""),
                   "modified": lambda r: r["date_modified"]}

    def list_products(self, params, body):
        q = parse_list_query(params, orderby=tuple(self._POST_SORTS) + ("price",))
        status = _enum(params, "status", ("any",) + PRODUCT_STATUSES, "any")
        skus, kind = set(_many(params, "sku")), _one(params, "type")
        category, stock_status = _one(params, "category"), _one(params, "stock_status")
        now = self.store.clock.peek()

        def extra(p):
            return ((p["status"] == status if status != "any" else p["status"] != "trash")
                    and (not skus or p["sku"] in skus) and (kind is None or p["type"] == kind)
                    and (category is None or int(category) in p["categories"])
                    and (stock_status is None or _stock_status(p) == stock_status))
        sorts = {**self._POST_SORTS, "price": lambda p: float(effective_price(p, now) or 0)}
        ids = self._select(("products", self._key(params)), self.store.products.values, q, sort_keys=sorts,
                           search_text=lambda p: p["name"], extra=extra)
        return self._page("products", params, q, ids, lambda i: self.render_product(self.store.products[i]))

    def get_product(self, params, body, pid):
        product = self.store._get(self.store.products, pid, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return Response(200, self.render_product(product))

    def list_variations(self, params, body, pid):
        parent = self.store._get(self.store.products, pid, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        q = parse_list_query(params, orderby=tuple(self._POST_SORTS) + ("menu_order",))
        sorts = {**self._POST_SORTS, "menu_order": lambda v: parent["variations"].index(v["id"])}
        records = lambda: (self.store.variations[v] for v in parent["variations"])  # noqa: E731
        ids = self._select(("variations", pid, self._key(params)), records, q, sort_keys=sorts,
                           search_text=lambda v: v["sku"])
        return self._page(f"products/{pid}/variations", params, q, ids,
                          lambda i: self.render_variation(self.store.variations[i]))

    def get_variation(self, params, body, pid, vid):
        variation = self.store.variations.get(vid)
        if variation is None or variation["parent_id"] != pid:
            raise ApiError(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return Response(200, self.render_variation(variation))

    def update_product(self, params, body, pid):
        if pid in self.store.variations:
            raise ApiError(404, "woocommerce_rest_invalid_product_id", "To manipulate product variations you should "
                           "use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.")
        return Response(200, self.render_product(self.store.update_product_api(pid, _object(body))))

    def update_variation(self, params, body, pid, vid):
        return Response(200, self.render_variation(self.store.update_variation_api(pid, vid, _object(body))))

    def batch_products(self, params, body):
        def update(item):
            if item.get("id") in self.store.variations:
                raise ApiError(404, "woocommerce_rest_invalid_product_id", "To manipulate product variations you "
                               "should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.")
            return self.render_product(self.store.update_product_api(item.get("id") or 0, item, strict=False))
        return self._batch(_object(body), update)

    def batch_variations(self, params, body, pid):
        return self._batch(_object(body), lambda item: self.render_variation(
            self.store.update_variation_api(pid, item.get("id") or 0, item, strict=False)))

    @staticmethod
    def _batch(body: dict, update) -> Response:
        """WC_REST_Controller::batch_items for updates: at most 100 items; each answered in order, a failed
        one as {id, error: {code, message, data}}; the request itself is a 200."""
        total = sum(len(body.get(k) or []) for k in ("create", "update", "delete") if isinstance(body.get(k), list))
        if total > 100:
            raise ApiError(413, "woocommerce_rest_request_entity_too_large",
                           "Unable to accept more than 100 items for this request.")
        if body.get("create") or body.get("delete"):
            raise ApiError(400, "fake_batch_update_only", "The fake shop's batch endpoints only update.")
        answers = []
        for item in body.get("update") or []:
            try:
                if not isinstance(item, dict):
                    raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.")
                answers.append(update(item))
            except ApiError as error:
                answers.append({"id": item.get("id") if isinstance(item, dict) else 0,
                                "error": {"code": error.code, "message": error.message,
                                          "data": {"status": error.status, **error.data}}})
        return Response(200, {"update": answers} if body.get("update") else {})

    def render_product(self, p: dict) -> dict:
        s, now = self.store, self.store.clock.peek()
        cats = [{"id": c, "name": s.categories[c]["name"], "slug": s.categories[c]["slug"]}
                for c in p["categories"] if c in s.categories]
        return {
            "id": p["id"], "name": p["name"], "slug": p["slug"], "permalink": f"{self.site}/product/{p['slug']}/",
            **s.dates(p, "date_created", "date_modified"), "type": p["type"], "status": p["status"],
            "featured": False, "catalog_visibility": "visible", "description": "", "short_description": "",
            "sku": p["sku"], "global_unique_id": p["global_unique_id"], **self._prices(p, now),
            "purchasable": p["regular_price"] != "" or p["type"] == "variable", "total_sales": p["total_sales"],
            "virtual": False, "downloadable": False, "tax_status": p["tax_status"], "tax_class": p["tax_class"],
            "manage_stock": p["manage_stock"], "stock_quantity": p["stock_quantity"],
            "stock_status": _stock_status(p), "backorders": p["backorders"], "parent_id": 0,
            "categories": cats, "tags": [], "images": [], "attributes": p["attributes"],
            "default_attributes": [], "variations": list(p["variations"]), "meta_data": p["meta_data"],
            "_links": self._links(f"products/{p['id']}", "products"),
        }

    def render_variation(self, v: dict) -> dict:
        s, now = self.store, self.store.clock.peek()
        return {
            "id": v["id"], "parent_id": v["parent_id"], **s.dates(v, "date_created", "date_modified"),
            "description": "", "permalink": "", "sku": v["sku"], "global_unique_id": v["global_unique_id"],
            **self._prices(v, now), "status": v["status"], "purchasable": v["regular_price"] != "",
            "virtual": False, "downloadable": False, "tax_status": v["tax_status"], "tax_class": v["tax_class"],
            "manage_stock": v["manage_stock"], "stock_quantity": v["stock_quantity"],
            "stock_status": _stock_status(v), "backorders": v["backorders"], "attributes": v["attributes"],
            "menu_order": 0, "meta_data": v["meta_data"],
            "_links": self._links(f"products/{v['parent_id']}/variations/{v['id']}",
                                  f"products/{v['parent_id']}/variations"),
        }

    def _prices(self, record, now) -> dict:
        return {"price": effective_price(record, now), "regular_price": record["regular_price"],
                "sale_price": record["sale_price"], **self.store.dates(record, "date_on_sale_from", "date_on_sale_to"),
                "on_sale": on_sale(record, now)}

    # -- categories, coupons, customers ------------------------------------------------------
    def list_categories(self, params, body):
        q = parse_list_query(params, orderby=("id", "include", "name", "slug", "term_group", "description", "count"),
                             default_orderby="name", default_order="asc", dated=False)
        parent = _one(params, "parent")
        sorts = {"id": lambda c: c["id"], "include": lambda c: c["id"], "name": lambda c: c["name"],
                 "slug": lambda c: c["slug"], "term_group": lambda c: 0, "description": lambda c: c["description"],
                 "count": self._category_count}
        ids = self._select(("categories", self._key(params)), self.store.categories.values, q, sort_keys=sorts,
                           search_text=lambda c: c["name"],
                           extra=lambda c: parent is None or c["parent"] == int(parent))
        return self._page("products/categories", params, q, ids,
                          lambda i: self.render_category(self.store.categories[i]))

    def get_category(self, params, body, cid):
        category = self.store._get(self.store.categories, cid, "woocommerce_rest_term_invalid", "Resource does not exist.")
        return Response(200, self.render_category(category))

    def _category_count(self, c) -> int:
        return sum(1 for p in self.store.products.values() if c["id"] in p["categories"])

    def render_category(self, c: dict) -> dict:
        return {**c, "count": self._category_count(c),
                "_links": self._links(f"products/categories/{c['id']}", "products/categories")}

    def list_coupons(self, params, body):
        q = parse_list_query(params)
        code = (_one(params, "code") or "").lower()
        ids = self._select(("coupons", self._key(params)), self.store.coupons.values, q, sort_keys=self._POST_SORTS,
                           search_text=lambda c: c["code"],
                           extra=lambda c: c["status"] != "trash" and (not code or c["code"] == code))
        return self._page("coupons", params, q, ids, lambda i: self.render_coupon(self.store.coupons[i]))

    def get_coupon(self, params, body, cid):
        coupon = self.store._get(self.store.coupons, cid, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.")
        return Response(200, self.render_coupon(coupon))

    def render_coupon(self, c: dict) -> dict:
        return {**c, **self.store.dates(c, "date_created", "date_modified", "date_expires"),
                "_links": self._links(f"coupons/{c['id']}", "coupons")}

    def list_customers(self, params, body):
        # Customers are WordPress users: no date filters, sorted by name ascending unless asked otherwise.
        q = parse_list_query(params, orderby=("id", "include", "name", "registered_date"),
                             default_orderby="name", default_order="asc", dated=False)
        email, role = _one(params, "email"), _one(params, "role", "customer")
        sorts = {"id": lambda c: c["id"], "include": lambda c: c["id"], "name": lambda c: c["username"],
                 "registered_date": lambda c: c["date_created"]}
        ids = self._select(("customers", self._key(params)), self.store.customers.values, q, sort_keys=sorts,
                           search_text=lambda c: " ".join((c["email"], c["username"], c["first_name"], c["last_name"])),
                           extra=lambda c: (email is None or c["email"].lower() == email.lower())
                           and (role == "all" or c["role"] == role))
        return self._page("customers", params, q, ids, lambda i: self.render_customer(self.store.customers[i]))

    def get_customer(self, params, body, uid):
        customer = self.store._get(self.store.customers, uid, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return Response(200, self.render_customer(customer))

    def update_customer(self, params, body, uid):
        return Response(200, self.render_customer(self.store.update_customer(uid, _object(body))))

    def render_customer(self, c: dict) -> dict:
        return {**c, **self.store.dates(c, "date_created", "date_modified"),
                "_links": self._links(f"customers/{c['id']}", "customers")}

    # -- orders and refunds ------------------------------------------------------------------
    def list_orders(self, params, body):
        q = parse_list_query(params)
        statuses = _many(params, "status") or ["any"]
        for status in statuses:
            if status != "any" and status not in ORDER_STATUSES:
                raise invalid_param("status", f"status[0] is not one of any, {', '.join(ORDER_STATUSES)}.")
        customer, product = _int(params, "customer", None), _int(params, "product", None)

        def extra(o):
            return (("any" in statuses and o["status"] != "trash") or o["status"] in statuses) \
                and (customer is None or o["customer_id"] == customer) \
                and (product is None or any(li["product_id"] == product for li in o["line_items"]))
        ids = self._select(("orders", self._key(params)), self.store.orders.values, q, sort_keys=self._POST_SORTS,
                           search_text=_order_search_text, extra=extra)
        return self._page("orders", params, q, ids, lambda i: self.render_order(self.store.orders[i]))

    def create_order(self, params, body):
        order = self.store.create_order(_object(body))
        return Response(201, self.render_order(order), {"Location": f"{self.base}/orders/{order['id']}"})

    def get_order(self, params, body, oid):
        return Response(200, self.render_order(self.store.get_order(oid)))

    def update_order(self, params, body, oid):
        return Response(200, self.render_order(self.store.update_order(oid, _object(body))))

    def render_order(self, o: dict) -> dict:
        body = {k: v for k, v in o.items() if not k.startswith("date_")}
        total = order_total(o)
        discount = sum(float(c["discount"]) for c in o["coupon_lines"])
        body.update(self.store.dates(o, "date_created", "date_modified", "date_paid", "date_completed"))
        body.update({"discount_total": f"{discount:.2f}", "discount_tax": "0.00",
                     "shipping_total": f"{sum(float(s['total']) for s in o['shipping_lines']):.2f}",
                     "shipping_tax": "0.00", "cart_tax": "0.00", "total": total, "total_tax": "0.00",
                     "prices_include_tax": False, "customer_ip_address": "", "customer_user_agent": "",
                     "cart_hash": "", "tax_lines": [], "_links": self._links(f"orders/{o['id']}", "orders")})
        return body

    def list_refunds(self, params, body, oid):
        order = self.store._get(self.store.orders, oid, "woocommerce_rest_invalid_order_id", "Invalid order ID.")
        q = parse_list_query(params)
        ids = [r["id"] for r in order["refunds"]]
        return self._page(f"orders/{oid}/refunds", params, q, ids, lambda i: self.render_refund(self.store.refunds[i]))

    def create_refund(self, params, body, oid):
        return Response(201, self.render_refund(self.store.create_refund(oid, _object(body))))

    def get_refund(self, params, body, oid, rid):
        refund = self.store.refunds.get(rid)
        if refund is None or refund["order_id"] != oid:
            raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return Response(200, self.render_refund(refund))

    def render_refund(self, r: dict) -> dict:
        body = {k: v for k, v in r.items() if k not in ("order_id", "date_created")}
        body.update(self.store.dates(r, "date_created"))
        body["_links"] = {**self._links(f"orders/{r['order_id']}/refunds/{r['id']}", f"orders/{r['order_id']}/refunds"),
                          "up": [{"href": f"{self.base}/orders/{r['order_id']}"}]}
        return body

    def _links(self, own: str, collection: str) -> dict:
        return {"self": [{"href": f"{self.base}/{own}"}], "collection": [{"href": f"{self.base}/{collection}"}]}


def _stock_status(record: dict) -> str:
    if record.get("manage_stock") is True and (record["stock_quantity"] or 0) <= 0 and record["backorders"] == "no":
        return "outofstock"
    return "instock"


def _order_search_text(o: dict) -> str:
    """What WooCommerce's order search looks at: the id, addresses, email, phone and item names (not meta)."""
    parts = [str(o["id"])] + list(o["billing"].values()) + list(o["shipping"].values())
    return " ".join(parts + [li["name"] for li in o["line_items"]])


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.")
    return body
