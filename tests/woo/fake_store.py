"""In-memory data behind the fake WooCommerce REST API: catalogue, customers, coupons, orders, refunds.

Dates are kept as naive UTC datetimes and rendered twice, as WooCommerce does: `date_x` in the
site's time zone and `date_x_gmt` in UTC, both `YYYY-MM-DDTHH:MM:SS` without an offset.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")
STOCK_REDUCING_STATUSES = ("processing", "completed", "on-hold")
PRODUCT_STATUSES = ("draft", "pending", "private", "publish", "future", "trash")
_DATE_PARAM = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


class ApiError(Exception):
    """An error answered in the documented shape {"code", "message", "data": {"status"}}."""

    def __init__(self, status: int, code: str, message: str, **data):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.data = status, code, message, data

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_param(name: str, reason: str) -> ApiError:
    return ApiError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: reason})


def money(value) -> str:
    try:
        return str(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP))
    except InvalidOperation:
        raise invalid_param("amount", f"{value!r} is not a number.") from None


def to_utc_naive(when: datetime | str) -> datetime:
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.replace(microsecond=0)


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%S")


class Clock:
    """The fake's notion of now (UTC). Frozen unless set, advanced, or given an auto_advance step."""

    def __init__(self, start: datetime | str = "2024-01-01T00:00:00Z"):
        self._now = to_utc_naive(start)
        self.auto_advance = timedelta(0)
        self._lock = threading.Lock()

    def peek(self) -> datetime:
        return self._now

    def tick(self) -> datetime:
        """The time of a write; moves on by auto_advance afterwards."""
        with self._lock:
            current = self._now
            self._now = self._now + self.auto_advance
            return current

    def set(self, when: datetime | str) -> None:
        self._now = to_utc_naive(when)

    def advance(self, **delta) -> None:
        self._now = self._now + timedelta(**delta)


class WooStore:
    """The records the fake server serves. Every public method takes the store lock."""

    def __init__(self, *, utc_offset_hours: float = 8, clock: Clock | None = None, currency: str = "CNY"):
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.utc_offset = timedelta(hours=utc_offset_hours)
        self.currency = currency
        self.products: dict[int, dict] = {}
        self.variations: dict[int, dict] = {}
        self.categories: dict[int, dict] = {}
        self.coupons: dict[int, dict] = {}
        self.customers: dict[int, dict] = {}
        self.orders: dict[int, dict] = {}
        self.refunds: dict[int, dict] = {}
        # WordPress posts (products, variations, coupons, orders, refunds) share one id sequence.
        self._post_ids = itertools.count(10)
        self._term_ids = itertools.count(15)
        self._user_ids = itertools.count(2)
        self._item_ids = itertools.count(1)
        self._meta_ids = itertools.count(1000)
        self.version = 0
        self._list_cache: dict[tuple, list[int]] = {}
        # Knobs for behaviours that differ between WooCommerce setups.
        self.refund_gateways = {"stripe", "ppcp-gateway"}
        self.stock_change_touches_modified = False
        self.variation_change_touches_parent = True

    # -- helpers ---------------------------------------------------------------------------
    def _changed(self) -> None:
        self.version += 1
        self._list_cache.clear()

    def _meta(self, items) -> list[dict]:
        return [{"id": next(self._meta_ids), "key": m["key"], "value": m["value"]} for m in (items or [])]

    def _update_meta(self, existing: list[dict], updates) -> None:
        for update in updates or []:
            by_id = [m for m in existing if "id" in update and m["id"] == update["id"]]
            by_key = [m for m in existing if m["key"] == update.get("key")]
            target = (by_id or by_key or [None])[0]
            if target is None:
                existing.append({"id": next(self._meta_ids), "key": update["key"], "value": update.get("value")})
            else:
                target["key"] = update.get("key", target["key"])
                target["value"] = update.get("value")

    def dates(self, record: dict, *names: str) -> dict:
        out = {}
        for name in names:
            value = record.get(name)
            out[name] = iso(value + self.utc_offset) if value else None
            out[f"{name}_gmt"] = iso(value)
        return out

    # -- seeding ---------------------------------------------------------------------------
    def add_category(self, name: str, *, slug: str | None = None, parent: int = 0, description: str = "") -> int:
        with self.lock:
            cid = next(self._term_ids)
            self.categories[cid] = {"id": cid, "name": name, "slug": slug or _slug(name), "parent": parent,
                                    "description": description, "display": "default", "image": None,
                                    "menu_order": 0}
            self._changed()
            return cid

    def add_product(self, name: str, *, type: str = "simple", sku: str = "", global_unique_id: str = "",
                    regular_price="0", sale_price="", date_on_sale_from=None, date_on_sale_to=None,
                    status: str = "publish", manage_stock: bool = False, stock_quantity: int | None = None,
                    backorders: str = "no", tax_status: str = "taxable", tax_class: str = "",
                    categories=(), meta_data=None, attributes=None, variations=()) -> int:
        """Add a simple or variable product; `variations` is a list of add_variation keyword dicts."""
        with self.lock:
            now = self.clock.tick()
            pid = next(self._post_ids)
            self.products[pid] = {
                "id": pid, "name": name, "slug": _slug(name) or f"product-{pid}", "type": type, "status": status,
                "date_created": now, "date_modified": now, "sku": sku, "global_unique_id": global_unique_id,
                "regular_price": _price(regular_price), "sale_price": _price(sale_price),
                "date_on_sale_from": _maybe_utc(date_on_sale_from), "date_on_sale_to": _maybe_utc(date_on_sale_to),
                "manage_stock": manage_stock, "stock_quantity": stock_quantity if manage_stock else None,
                "backorders": backorders, "tax_status": tax_status, "tax_class": tax_class,
                "categories": list(categories), "meta_data": self._meta(meta_data),
                "attributes": attributes or [], "variations": [], "total_sales": 0,
            }
            self._changed()
            for variation in variations:
                self.add_variation(pid, **variation)
            return pid

    def add_variation(self, product_id: int, *, attributes: dict | None = None, sku: str = "",
                      global_unique_id: str = "", regular_price="0", sale_price="", date_on_sale_from=None,
                      date_on_sale_to=None, status: str = "publish", manage_stock=False,
                      stock_quantity: int | None = None, backorders: str = "no", tax_class: str = "parent",
                      meta_data=None) -> int:
        with self.lock:
            parent = self.products[product_id]
            now = self.clock.tick()
            vid = next(self._post_ids)
            self.variations[vid] = {
                "id": vid, "parent_id": product_id, "status": status, "date_created": now, "date_modified": now,
                "sku": sku, "global_unique_id": global_unique_id, "regular_price": _price(regular_price),
                "sale_price": _price(sale_price), "date_on_sale_from": _maybe_utc(date_on_sale_from),
                "date_on_sale_to": _maybe_utc(date_on_sale_to), "manage_stock": manage_stock,
                "stock_quantity": stock_quantity if manage_stock is True else None, "backorders": backorders,
                "tax_status": "taxable", "tax_class": tax_class, "meta_data": self._meta(meta_data),
                "attributes": [{"id": 0, "name": k, "option": v} for k, v in (attributes or {}).items()],
            }
            parent["variations"].append(vid)
            self._changed()
            return vid

    def add_products_bulk(self, count: int, *, per_second: int = 50, name_prefix: str = "Item",
                          category_ids=(), manage_stock: bool = True) -> list[int]:
        """Seed `count` simple products quickly; `per_second` share each date_modified second."""
        with self.lock:
            start, ids = self.clock.peek(), []
            cats = list(category_ids)
            for n in range(count):
                pid = next(self._post_ids)
                when = start + timedelta(seconds=n // max(per_second, 1))
                self.products[pid] = {
                    "id": pid, "name": f"{name_prefix} {n:06d}", "slug": f"item-{pid}", "type": "simple",
                    "status": "publish", "date_created": when, "date_modified": when, "sku": f"SKU{pid:08d}",
                    "global_unique_id": _ean13(2_000_000_000_00 + pid), "regular_price": _price(1 + n % 97),
                    "sale_price": "", "date_on_sale_from": None, "date_on_sale_to": None,
                    "manage_stock": manage_stock, "stock_quantity": 100 if manage_stock else None,
                    "backorders": "no", "tax_status": "taxable", "tax_class": "",
                    "categories": [cats[n % len(cats)]] if cats else [], "meta_data": [], "attributes": [],
                    "variations": [], "total_sales": 0,
                }
                ids.append(pid)
            self.clock.set(start + timedelta(seconds=count // max(per_second, 1)))
            self._changed()
            return ids

    def update_product(self, product_id: int, **changes) -> None:
        """Change fields the way wp-admin would: date_modified moves to the clock's now."""
        with self.lock:
            record = self.products.get(product_id) or self.variations[product_id]
            for key, value in changes.items():
                if key in ("regular_price", "sale_price"):
                    value = _price(value)
                if key == "meta_data":
                    self._update_meta(record["meta_data"], value)
                    continue
                record[key] = value
            self._touch(record)

    def update_product_api(self, product_id, body: dict, *, strict: bool = True) -> dict:
        """PUT products/<id> (strict: the body is checked against the schema, as a single request is; a
        batch item is not, and its stock_quantity goes through intval like PHP's)."""
        with self.lock:
            product = self._get(self.products, product_id, "woocommerce_rest_product_invalid_id", "Invalid ID.", 400)
            self._write_product(product, body, strict=strict)
            return product

    def update_variation_api(self, product_id, variation_id, body: dict, *, strict: bool = True) -> dict:
        """PUT products/<id>/variations/<vid>. A variation of another product is refused here (WooCommerce
        would move it to this product; the push never sends one)."""
        with self.lock:
            self._get(self.products, product_id, "woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
            variation = self._get(self.variations, variation_id, "woocommerce_rest_product_variation_invalid_id",
                                  "Invalid ID.", 400)
            if variation["parent_id"] != int(product_id):
                raise ApiError(400, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
            self._write_product(variation, body, strict=strict)
            return variation

    def _write_product(self, record: dict, body: dict, *, strict: bool) -> None:
        """What prepare_object_for_database does with the fields the fake knows; stock only when managed."""
        if not isinstance(body, dict):
            raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.")
        if "meta_data" in body and not isinstance(body["meta_data"], list):
            raise invalid_param("meta_data", "meta_data is not of type array.")
        if "manage_stock" in body and not isinstance(body["manage_stock"], bool):
            raise invalid_param("manage_stock", "manage_stock is not of type boolean.")
        stock = body.get("stock_quantity")
        if stock is not None:
            stock = _stock_amount(stock, strict=strict)
        for key in ("name", "status", "backorders"):
            if key in body:
                record[key] = body[key]
        for key in ("regular_price", "sale_price"):
            if key in body:
                record[key] = _price(body[key])
        if "manage_stock" in body:
            record["manage_stock"] = body["manage_stock"]
        if record["manage_stock"] is True:
            if stock is not None:
                record["stock_quantity"] = stock
        elif record["manage_stock"] is False:
            record["stock_quantity"] = None
        self._update_meta(record["meta_data"], body.get("meta_data"))
        self._touch(record)

    def delete_product(self, product_id: int) -> None:
        """Delete permanently (force=true); a trashed product is update_product(id, status='trash')."""
        with self.lock:
            for vid in self.products.pop(product_id)["variations"]:
                self.variations.pop(vid, None)
            self._changed()

    def _touch(self, record: dict) -> None:
        record["date_modified"] = self.clock.tick()
        if "parent_id" in record and self.variation_change_touches_parent:
            self.products[record["parent_id"]]["date_modified"] = record["date_modified"]
        self._changed()

    def add_coupon(self, code: str, *, amount="0", discount_type: str = "percent", description: str = "",
                   date_expires=None, usage_limit: int | None = None, individual_use: bool = False,
                   product_ids=(), excluded_product_ids=(), minimum_amount="", maximum_amount="",
                   free_shipping: bool = False, status: str = "publish", meta_data=None) -> int:
        with self.lock:
            now = self.clock.tick()
            cid = next(self._post_ids)
            self.coupons[cid] = {
                "id": cid, "code": code.lower(), "amount": money(amount), "status": status, "date_created": now,
                "date_modified": now, "discount_type": discount_type, "description": description,
                "date_expires": _maybe_utc(date_expires), "usage_count": 0, "individual_use": individual_use,
                "product_ids": list(product_ids), "excluded_product_ids": list(excluded_product_ids),
                "usage_limit": usage_limit, "usage_limit_per_user": None, "limit_usage_to_x_items": None,
                "free_shipping": free_shipping, "product_categories": [], "excluded_product_categories": [],
                "exclude_sale_items": False, "minimum_amount": money(minimum_amount or 0),
                "maximum_amount": money(maximum_amount or 0), "email_restrictions": [], "used_by": [],
                "meta_data": self._meta(meta_data),
            }
            self._changed()
            return cid

    def add_customer(self, email: str, *, first_name: str = "", last_name: str = "", username: str | None = None,
                     phone: str = "", role: str = "customer", meta_data=None) -> int:
        with self.lock:
            now = self.clock.tick()
            uid = next(self._user_ids)
            billing = {"first_name": first_name, "last_name": last_name, "company": "", "address_1": "",
                       "address_2": "", "city": "", "postcode": "", "country": "", "state": "",
                       "email": email, "phone": phone}
            shipping = {k: "" for k in billing if k not in ("email", "phone")}
            self.customers[uid] = {
                "id": uid, "date_created": now, "date_modified": now, "email": email, "first_name": first_name,
                "last_name": last_name, "role": role, "username": username or email.split("@")[0],
                "billing": billing, "shipping": shipping, "is_paying_customer": False,
                "avatar_url": "", "meta_data": self._meta(meta_data),
            }
            self._changed()
            return uid

    # -- writes through the API ------------------------------------------------------------
    def update_customer(self, customer_id: int, body: dict) -> dict:
        with self.lock:
            customer = self._get(self.customers, customer_id, "woocommerce_rest_invalid_id", "Invalid resource id.")
            for key in ("email", "first_name", "last_name", "username"):
                if key in body:
                    customer[key] = body[key]
            for key in ("billing", "shipping"):
                if isinstance(body.get(key), dict):
                    customer[key].update(body[key])
            if "meta_data" in body:
                if not isinstance(body["meta_data"], list):
                    raise invalid_param("meta_data", "meta_data is not of type array.")
                self._update_meta(customer["meta_data"], body["meta_data"])
            customer["date_modified"] = self.clock.tick()
            self._changed()
            return customer

    def create_order(self, body: dict) -> dict:
        """POST /orders: validate everything first, then commit (WooCommerce sets created_via itself)."""
        with self.lock:
            status = body.get("status") or "pending"
            if status not in ORDER_STATUSES:
                raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
            customer_id = int(body.get("customer_id") or 0)
            if customer_id and customer_id not in self.customers:
                raise ApiError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
            lines = [self._order_line(item) for item in body.get("line_items") or []]
            coupon_codes = [self._coupon_for(line) for line in body.get("coupon_lines") or []]
            now = self.clock.tick()
            oid = next(self._post_ids)
            order = {
                "id": oid, "parent_id": 0, "number": str(oid), "order_key": f"wc_order_{secrets.token_hex(6)}",
                "created_via": "rest-api", "version": "9.4.0", "status": status,
                "currency": body.get("currency") or self.currency, "date_created": now, "date_modified": now,
                "date_paid": None, "date_completed": None, "customer_id": customer_id,
                "customer_note": body.get("customer_note", ""), "billing": _address(body.get("billing"), True),
                "shipping": _address(body.get("shipping"), False),
                "payment_method": body.get("payment_method", ""),
                "payment_method_title": body.get("payment_method_title", ""),
                "transaction_id": body.get("transaction_id", ""), "meta_data": self._meta(body.get("meta_data")),
                "line_items": lines, "shipping_lines": self._plain_lines(body.get("shipping_lines")),
                "fee_lines": self._plain_lines(body.get("fee_lines")), "coupon_lines": [], "refunds": [],
            }
            for code in coupon_codes:
                discount = sum((Decimal(li["subtotal"]) - Decimal(li["total"]) for li in lines), Decimal(0))
                order["coupon_lines"].append({"id": next(self._item_ids), "code": code,
                                              "discount": money(discount / len(coupon_codes)),
                                              "discount_tax": "0.00", "meta_data": []})
                coupon = next(c for c in self.coupons.values() if c["code"] == code)
                coupon["usage_count"] += 1
            if body.get("set_paid") is True:
                order["date_paid"] = now
                if not body.get("status"):
                    order["status"] = "processing"
            self._after_status_change(order, None)
            self.orders[oid] = order
            self._changed()
            return order

    def update_order(self, order_id: int, body: dict) -> dict:
        with self.lock:
            order = self.get_order(order_id)
            previous = order["status"]
            if "status" in body:
                if body["status"] not in ORDER_STATUSES:
                    raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
                order["status"] = body["status"]
            if "meta_data" in body:
                self._update_meta(order["meta_data"], body["meta_data"])
            for key in ("customer_note", "transaction_id", "payment_method", "payment_method_title"):
                if key in body:
                    order[key] = body[key]
            order["date_modified"] = self.clock.tick()
            self._after_status_change(order, previous)
            self._changed()
            return order

    def create_refund(self, order_id: int, body: dict) -> dict:
        """POST /orders/<id>/refunds; failures inside wc_create_refund answer 500, as WooCommerce does."""
        with self.lock:
            order = self._get(self.orders, order_id, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
            items = {li["id"]: li for li in order["line_items"]}
            refund_lines, computed = [], Decimal(0)
            for wanted in body.get("line_items") or []:
                source = items.get(int(wanted.get("id") or 0))
                if source is None:
                    continue  # wc_create_refund skips ids that are not items of this order
                qty = int(wanted.get("quantity") or 0)
                total = Decimal(str(wanted.get("refund_total") or 0))
                tax = sum((Decimal(str(t.get("refund_total") or 0)) for t in wanted.get("refund_tax") or []),
                          Decimal(0))
                computed += total + tax
                refund_lines.append({**source, "id": next(self._item_ids), "quantity": -qty,
                                     "subtotal": money(-total), "total": money(-total),
                                     "total_tax": money(-tax), "subtotal_tax": money(-tax),
                                     "price": -float(total / qty) if qty else 0.0,
                                     "meta_data": [{"id": next(self._meta_ids), "key": "_refunded_item_id",
                                                    "value": str(source["id"])}]})
            amount = Decimal(money(body["amount"])) if body.get("amount") not in (None, "") else computed
            if amount < 0:
                raise ApiError(400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
            if amount > self.remaining_refund_amount(order):
                raise ApiError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
            api_refund = body.get("api_refund", True) is not False
            if api_refund and order["payment_method"] not in self.refund_gateways:
                message = ("The payment gateway for this order does not support automatic refunds."
                           if order["payment_method"] else "The payment gateway for this order does not exist.")
                raise ApiError(500, "woocommerce_rest_cannot_create_order_refund", message)
            now = self.clock.tick()
            rid = next(self._post_ids)
            refund = {"id": rid, "order_id": order_id, "date_created": now, "amount": money(amount),
                      "reason": body.get("reason", ""), "refunded_by": int(body.get("refunded_by") or 1),
                      "refunded_payment": api_refund, "meta_data": self._meta(body.get("meta_data")),
                      "line_items": refund_lines}
            self.refunds[rid] = refund
            order["refunds"].insert(0, {"id": rid, "reason": refund["reason"], "total": money(-amount)})
            if body.get("api_restock", True) is not False:
                for line in refund_lines:
                    self._move_stock(line, -line["quantity"])
            if self.remaining_refund_amount(order) == 0:
                order["status"] = "refunded"
            order["date_modified"] = now
            self._changed()
            return refund

    def remaining_refund_amount(self, order: dict) -> Decimal:
        refunded = sum((Decimal(self.refunds[r["id"]]["amount"]) for r in order["refunds"]), Decimal(0))
        return Decimal(order_total(order)) - refunded

    # -- order internals -------------------------------------------------------------------
    def _order_line(self, item: dict) -> dict:
        product = self.products.get(int(item.get("product_id") or 0))
        variation = self.variations.get(int(item.get("variation_id") or 0))
        if product is None or (item.get("variation_id") and (variation is None
                                                               or variation["parent_id"] != product["id"])):
            raise ApiError(400, "woocommerce_rest_invalid_product_id", "Invalid product ID.")
        qty = item.get("quantity")
        if not isinstance(qty, int) or qty <= 0:
            raise invalid_param("line_items", "quantity must be a positive integer.")
        sold = variation or product
        unit = Decimal(effective_price(sold, self.clock.peek()) or "0")
        total = money(item["total"]) if item.get("total") not in (None, "") else money(unit * qty)
        subtotal = money(item["subtotal"]) if item.get("subtotal") not in (None, "") else money(max(
            Decimal(total), unit * qty))
        name = product["name"] + (" - " + ", ".join(a["option"] for a in variation["attributes"]) if variation else "")
        return {"id": next(self._item_ids), "name": name, "product_id": product["id"],
                "variation_id": variation["id"] if variation else 0, "quantity": qty, "tax_class": "",
                "subtotal": subtotal, "subtotal_tax": "0.00", "total": total, "total_tax": "0.00", "taxes": [],
                "meta_data": self._meta(item.get("meta_data")), "sku": sold["sku"],
                "price": float(Decimal(total) / qty)}

    def _plain_lines(self, lines) -> list[dict]:
        return [{"id": next(self._item_ids), **{k: v for k, v in line.items() if k != "id"},
                 "total": money(line.get("total") or 0), "total_tax": "0.00", "taxes": [],
                 "meta_data": self._meta(line.get("meta_data"))} for line in lines or []]

    def _coupon_for(self, line: dict) -> str:
        code = str(line.get("code") or "").strip().lower()
        if not code:
            raise ApiError(400, "woocommerce_rest_invalid_coupon", "Coupon code is required.")
        if not any(c["code"] == code and c["status"] == "publish" for c in self.coupons.values()):
            raise ApiError(400, "woocommerce_rest_invalid_coupon", f'Coupon "{code}" does not exist!')
        return code

    def _after_status_change(self, order: dict, previous: str | None) -> None:
        """Stock moves once per order: reduced on processing/completed/on-hold, restored on cancel."""
        reduced = any(m["key"] == "_order_stock_reduced" and m["value"] == "yes" for m in order["meta_data"])
        if order["status"] == "completed" and order["date_completed"] is None:
            order["date_completed"] = order["date_modified"]
            order["date_paid"] = order["date_paid"] or order["date_modified"]
        if order["status"] in STOCK_REDUCING_STATUSES and not reduced:
            for line in order["line_items"]:
                self._move_stock(line, -line["quantity"])
                self.products[line["product_id"]]["total_sales"] += line["quantity"]
            self._update_meta(order["meta_data"], [{"key": "_order_stock_reduced", "value": "yes"}])
        elif order["status"] in ("cancelled", "pending") and reduced and previous != order["status"]:
            for line in order["line_items"]:
                self._move_stock(line, line["quantity"])
            self._update_meta(order["meta_data"], [{"key": "_order_stock_reduced", "value": "no"}])

    def _move_stock(self, line: dict, delta: int) -> None:
        record = self.variations.get(line["variation_id"]) or self.products.get(line["product_id"])
        if record is not None and record.get("manage_stock") == "parent":
            record = self.products.get(record["parent_id"])
        if record is None or record.get("manage_stock") is not True:
            return
        record["stock_quantity"] = (record["stock_quantity"] or 0) + delta
        if self.stock_change_touches_modified:
            record["date_modified"] = self.clock.tick()

    # -- reads -----------------------------------------------------------------------------
    def _get(self, table: dict, key, code: str, message: str, status: int = 404) -> dict:
        try:
            return table[int(key)]
        except (KeyError, ValueError):
            raise ApiError(status, code, message) from None

    def get_order(self, order_id) -> dict:
        return self._get(self.orders, order_id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    def cached_ids(self, key: tuple, compute) -> list[int]:
        """A list query's matching ids, kept until the next write (paging a big catalogue stays cheap)."""
        with self.lock:
            cache_key = (self.version, key)
            if cache_key not in self._list_cache:
                if len(self._list_cache) > 16:
                    self._list_cache.clear()
                self._list_cache[cache_key] = compute()
            return self._list_cache[cache_key]


def order_total(order: dict) -> str:
    lines = order["line_items"] + order["shipping_lines"] + order["fee_lines"]
    return money(sum((Decimal(li["total"]) for li in lines), Decimal(0)))


def on_sale(record: dict, now: datetime) -> bool:
    if record["sale_price"] == "":
        return False
    starts, ends = record["date_on_sale_from"], record["date_on_sale_to"]
    return (starts is None or starts <= now) and (ends is None or now <= ends)


def effective_price(record: dict, now: datetime) -> str:
    return record["sale_price"] if on_sale(record, now) else record["regular_price"]


def parse_date_param(name: str, value: str) -> datetime:
    """An ISO8601 query date as WordPress reads it: wall-clock time, any offset in the text ignored."""
    match = _DATE_PARAM.match(value.strip())
    if not match:
        raise invalid_param(name, "Invalid date.")
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")


def _stock_amount(value, *, strict: bool) -> int:
    """stock_quantity as WooCommerce takes it: the schema's integer for a single request, PHP's intval
    (wc_stock_amount) for a batch item, whose fields the schema does not check."""
    if strict:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
            raise invalid_param("stock_quantity", "stock_quantity is not of type integer.")
        return int(value)
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _price(value) -> str:
    return "" if value in ("", None) else money(value)


def _maybe_utc(value):
    return None if value in (None, "") else to_utc_naive(value)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _address(given, with_contact: bool) -> dict:
    keys = ["first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country"]
    keys += ["email", "phone"] if with_contact else []
    given = given or {}
    return {k: given.get(k, "") for k in keys}


def _ean13(body: int) -> str:
    digits = f"{body:012d}"[-12:]
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)
