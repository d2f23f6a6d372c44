"""The push side of the WooCommerce connector: WooOrderSink sends sales, returns, points and stock changes
to the shop (the request bodies are built in woo_orders, the stock writes planned in woo_stock).

- Points are deltas added to the customer's points meta; the ids of the deltas applied are kept in a
  second meta key (the last APPLIED_KEPT of them), so a delta is added once however often it is sent.
- Looking for what an earlier try made: orders created since that try (less the lookup margin) carrying
  the sale's `_pos_uuid`; the order's refunds carrying the return's."""

from __future__ import annotations

from datetime import datetime, timedelta

from posapp.config import SyncConfig
from posapp.sync.push import PointsDoc, ReturnDoc, SaleDoc, StockApplied, StockDoc
from posapp.sync.woo_orders import order_body, refund_body
from posapp.sync.woo_stock import _check_batch, stock_plan
from posapp.sync.woocommerce import Rejected, Transient, Unknown, WooClient, meta_value

APPLIED_KEPT = 100  # an event is retried before any later one (order is kept), so a short memory suffices
REFUND_REFUSED = "woocommerce_rest_cannot_create_order_refund"  # wc_create_refund failed: nothing was made


class WooOrderSink:
    """The shop's side of the push (the WooCommerce connector inherits it)."""

    def __init__(self, client: WooClient, config: SyncConfig):
        self.client = client
        self.config = config

    # --- sales ------------------------------------------------------------------------------------
    def find_order(self, uuid: str, *, tried_since: datetime) -> str | None:
        """The order an earlier try made, newest first (orders have no meta filter: scan their meta)."""
        since = tried_since - timedelta(seconds=self.config.lookup_margin_seconds)
        query = {"after": since.strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true", "orderby": "date",
                 "order": "desc"}
        for page in self.client.pages("orders", query):
            for order in page.items:
                if meta_value(order, "_pos_uuid") == uuid:
                    return str(order["id"])
        return None

    def create_order(self, doc: SaleDoc) -> str:
        return _created_id(self.client.post("orders", order_body(doc)), "order")

    # --- returns ----------------------------------------------------------------------------------
    def find_refund(self, order_id: str, uuid: str) -> str | None:
        for page in self.client.pages(f"orders/{order_id}/refunds"):
            for refund in page.items:
                if meta_value(refund, "_pos_uuid") == uuid:
                    return str(refund["id"])
        return None

    def create_refund(self, doc: ReturnDoc) -> str:
        order = self.client.get(f"orders/{doc.order_id}")
        if not isinstance(order, dict):
            raise Transient(f"GET orders/{doc.order_id}: not an order in the answer")
        path = f"orders/{doc.order_id}/refunds"
        try:
            return _created_id(self.client.post(path, refund_body(doc, order)), "refund")
        except Unknown as exc:
            if exc.code == REFUND_REFUSED:  # WooCommerce answers this refusal as a 500
                raise Rejected(str(exc), status=exc.status or 500, code=exc.code) from None
            raise

    # --- points -----------------------------------------------------------------------------------
    def apply_points(self, doc: PointsDoc) -> str:
        """Add the delta to the customer's points unless it is among the deltas already applied."""
        path = f"customers/{doc.customer_id}"
        customer = self.client.get(path)
        if not isinstance(customer, dict):
            raise Transient(f"GET {path}: not a customer in the answer")
        key = self.config.points_meta_key
        applied = [x for x in str(meta_value(customer, key + "_applied") or "").split(",") if x]
        if doc.uuid not in applied:
            balance = _points(meta_value(customer, key), where=f"{path} (member {doc.member_code})") + doc.points
            applied = (applied + [doc.uuid])[-APPLIED_KEPT:]
            self.client.put(path, {"meta_data": [{"key": key, "value": str(balance)},
                                                 {"key": key + "_applied", "value": ",".join(applied)}]})
        return str(customer.get("id") or doc.customer_id)

    # --- stock ------------------------------------------------------------------------------------
    def apply_stock(self, doc: StockDoc) -> StockApplied:
        """Add the deltas to the shop's stock, each product once: read them all, refuse (Rejected, nothing
        written) if one is gone from the shop, then write stock + delta with the change's mark."""
        variations = self._stock_variations(doc)
        owners = {int(ln.shop_parent) for ln in doc.lines if ln.shop_parent
                  and (variations.get((int(ln.shop_parent), int(ln.shop_id))) or {}).get("manage_stock") == "parent"}
        products = self._stock_records("products", {int(ln.shop_id) for ln in doc.lines if not ln.shop_parent} | owners)
        plan = stock_plan(doc, products=products, variations=variations)
        for path, updates in plan.writes.items():
            _check_batch(path, self.client.post(path, {"update": updates}), updates, plan.names)
        return StockApplied(changed=tuple(plan.changed), already=tuple(plan.already), left_out=tuple(plan.left_out))

    def _stock_variations(self, doc: StockDoc) -> dict[tuple[int, int], dict]:
        """(product, variation) -> the variation, as the shop has it now (a product gone: none of them)."""
        wanted: dict[int, set[int]] = {}
        for line in doc.lines:
            if line.shop_parent:
                wanted.setdefault(int(line.shop_parent), set()).add(int(line.shop_id))
        found = {}
        for parent, ids in sorted(wanted.items()):
            try:
                records = self._stock_records(f"products/{parent}/variations", ids)
            except Rejected as exc:
                if exc.status == 404:  # the product itself is gone
                    continue
                raise
            found.update({(parent, vid): record for vid, record in records.items()})
        return found

    def _stock_records(self, path: str, ids: set[int]) -> dict[int, dict]:
        """The records of these ids, by id; a record deleted or in the trash is not there."""
        found = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), 100):
            chunk = wanted[start:start + 100]
            page = self.client.page(path, {"include": ",".join(map(str, chunk))}, per_page=100)
            for record in page.items:
                if not isinstance(record, dict) or not isinstance(record.get("id"), int):
                    raise Transient(f"GET {path}: not a product in the answer ({str(record)[:60]})")
                if record["id"] in chunk:
                    found[record["id"]] = record
        return found


def _points(value, *, where: str) -> int:
    try:
        return int(str(value).strip() or 0) if value is not None else 0
    except ValueError:
        raise Rejected(f"{where}: the points meta holds {str(value)[:40]!r}, not a number of points",
                       status=409, code="pos_points_unreadable") from None


def _created_id(data, what: str) -> str:
    """The new record's id; a 2xx without one means the write happened but its answer is not understood."""
    if isinstance(data, dict) and isinstance(data.get("id"), int) and data["id"] > 0:
        return str(data["id"])
    raise Unknown(f"the shop answered the new {what} without its id")
