"""Sales, returns and points as WooCommerce REST v3 requests (the push side of the WooCommerce connector).

- A sale is an order: completed and paid, its lines by the shop's product (and variation) ids with the
  quantities and totals actually charged (subtotal: list price x quantity; total: what the line was paid
  after every discount), each line carrying `_pos_line` so a return finds it again. Lines of products
  the shop does not know go as fee lines named by SKU and name, and tax added on top of the prices and
  cash rounding as fee lines too, so the order's total is what the customer paid. Weighed goods: the
  shop counts whole units, so a weighed line is quantity 1 with its weight and unit in the line's meta
  (`_pos_quantity`, `_pos_unit`); keep such products off the shop's stock management.
- A return is a refund on the sale's order, its lines mapped to the order's items through `_pos_line`,
  `api_refund: false` (the till already paid the money back) and `api_restock: true`; damaged goods are
  refunded with quantity 0, so their money goes back but the shop does not put them back on sale.
- Points are deltas added to the customer's points meta; the ids of the deltas applied are kept in a
  second meta key (the last APPLIED_KEPT of them), so a delta is added once however often it is sent.
- Stock changes: the API only sets a product's stock_quantity, so each product (or variation) is read,
  and written back as its stock plus the delta through the batch endpoints, together with the change's
  mark in `_pos_stock_applied_<store>` (the last STOCK_KEPT changes of that store on that product): a
  change whose answer was lost is seen there and not added twice. Products the shop does not count
  (manage_stock false) are left out, and a variation whose stock is its product's changes the product.
- Looking for what an earlier try made: orders created since that try (less the lookup margin) carrying
  the sale's `_pos_uuid`; the order's refunds carrying the return's."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from posapp.config import SyncConfig
from posapp.domain.money import currency_places, round_money
from posapp.domain.sale import Sale, SaleLine
from posapp.sync.push import PointsDoc, ReturnDoc, SaleDoc, StockApplied, StockDoc, StockLine
from posapp.sync.woocommerce import Rejected, Transient, Unknown, WooClient

APPLIED_KEPT = 100  # an event is retried before any later one (order is kept), so a short memory suffices
REFUND_REFUSED = "woocommerce_rest_cannot_create_order_refund"  # wc_create_refund failed: nothing was made
STOCK_KEY = "_pos_stock_applied_"  # + the store's code: each store writes only its own marks
STOCK_KEPT = 30  # a stock change is tried again before the store's later ones, unless a person parked it
GONE = ("woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id",
        "woocommerce_rest_invalid_product_id")
MILLI = 1000
ZERO = Decimal(0)


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
                if _meta(order, "_pos_uuid") == uuid:
                    return str(order["id"])
        return None

    def create_order(self, doc: SaleDoc) -> str:
        return _created_id(self.client.post("orders", order_body(doc)), "order")

    # --- returns ----------------------------------------------------------------------------------
    def find_refund(self, order_id: str, uuid: str) -> str | None:
        for page in self.client.pages(f"orders/{order_id}/refunds"):
            for refund in page.items:
                if _meta(refund, "_pos_uuid") == uuid:
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
        applied = [x for x in str(_meta(customer, key + "_applied") or "").split(",") if x]
        if doc.uuid not in applied:
            balance = _points(_meta(customer, key), where=f"{path} (member {doc.member_code})") + doc.points
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


# --- the documents as request bodies (pure) -------------------------------------------------------

class StockPlan:
    """What a stock event changes in the shop, from the records read: the batch updates by endpoint."""

    def __init__(self):
        self.writes: dict[str, list[dict]] = {}
        self.names: dict[tuple[str, int], str] = {}  # (endpoint, id) -> the SKUs it carries, for messages
        self.changed: list[str] = []
        self.already: list[str] = []
        self.left_out: list[tuple[str, str]] = []


def stock_plan(doc: StockDoc, *, products: dict[int, dict], variations: dict[tuple[int, int], dict]) -> StockPlan:
    """Each line's delta onto the record that counts its stock (the variation, or its product when the
    variation's stock is the product's); Rejected when a product is gone from the shop."""
    targets: dict[tuple[str, int], list] = {}  # (endpoint, id) -> [record, delta, skus]
    plan, missing = StockPlan(), []
    for line in doc.lines:
        where, record = _stock_owner(line, products, variations)
        if record is None:
            missing.append(f"{line.sku} ({where})")
        elif where == "":
            plan.left_out.append((line.sku, "the shop does not count its stock"))
        else:
            target = targets.setdefault((where, record["id"]), [record, 0, []])
            target[1] += line.delta_milli
            target[2].append(line.sku)
    if missing:
        raise Rejected("not in the shop any more (deleted, or in its trash): " + ", ".join(missing[:20]),
                       status=404, code="pos_product_gone")
    key = STOCK_KEY + doc.store
    for (path, rid), (record, delta, skus) in targets.items():
        applied = [x for x in str(_meta(record, key) or "").split(",") if x]
        if doc.uuid in applied:
            plan.already += skus
        elif delta % MILLI:
            plan.left_out += [(sku, f"the shop counts whole units; {Decimal(delta) / MILLI} not sent") for sku in skus]
        else:
            stock = _stock_quantity(record.get("stock_quantity"), where=f"{', '.join(skus)} (shop {rid})")
            plan.writes.setdefault(path, []).append(
                {"id": rid, "stock_quantity": stock + delta // MILLI,
                 "meta_data": [{"key": key, "value": ",".join((applied + [doc.uuid])[-STOCK_KEPT:])}]})
            plan.names[(path, rid)] = ", ".join(skus)
            plan.changed += skus
    return plan


def _stock_owner(line: StockLine, products: dict, variations: dict) -> tuple[str, dict | None]:
    """(the batch endpoint, the record counting the line's stock); ("", record): the shop does not count
    it; (where it was looked for, None): gone."""
    if not line.shop_parent:
        record = products.get(int(line.shop_id))
        if record is None:
            return f"shop {line.shop_id}", None
        return ("products/batch" if _managed(record, line) is True else ""), record
    parent, vid = int(line.shop_parent), int(line.shop_id)
    variation = variations.get((parent, vid))
    if variation is None:
        return f"shop {parent}/{vid}", None
    managed = _managed(variation, line)
    if managed == "parent":
        owner = products.get(parent)
        if owner is None:
            return f"shop {parent}", None
        return ("products/batch" if _managed(owner, line) is True else ""), owner
    return (f"products/{parent}/variations/batch" if managed is True else ""), variation


def _managed(record: dict, line: StockLine):
    value = record.get("manage_stock")
    if value in (True, False, "parent", None):
        return value
    raise Rejected(f"{line.sku}: the shop's manage_stock is {str(value)[:20]!r}, not true, false or parent",
                   status=409, code="pos_stock_unreadable")


def _stock_quantity(value, *, where: str) -> int:
    """The shop's count as a whole number (WooCommerce counts an empty one as 0)."""
    if value is None or value == "":
        return 0
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or number != number.to_integral_value():
        raise Rejected(f"{where}: the shop's stock_quantity is {str(value)[:20]!r}, not a whole number",
                       status=409, code="pos_stock_unreadable")
    return int(number)


def _check_batch(path: str, data, updates: list[dict], names: dict) -> None:
    """Every update of a batch answered; a record refused by id (gone meanwhile, or invalid) is Rejected,
    a missing or failed answer Unknown (the marks tell on the next try what went in)."""
    items = data.get("update") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise Unknown(f"POST {path}: the answer has no list of updates")
    answers = {x.get("id"): x for x in items if isinstance(x, dict)}
    refused, unclear = [], []
    for update in updates:
        answer, name = answers.get(update["id"]), names.get((path, update["id"]), "")
        error = answer.get("error") if isinstance(answer, dict) else None
        if answer is None:
            unclear.append(f"{name} (shop {update['id']}): no answer")
        elif error is not None:
            error = error if isinstance(error, dict) else {}
            status = error["data"].get("status") if isinstance(error.get("data"), dict) else None
            code = error.get("code")
            what = "not in the shop any more" if code in GONE else f"{code}: {error.get('message')}"
            (refused if isinstance(status, int) and 400 <= status < 500 else unclear).append(
                f"{name} (shop {update['id']}): {what}")
    if unclear:
        raise Unknown(f"POST {path}: " + "; ".join(unclear[:10]))
    if refused:
        raise Rejected(f"POST {path}: refused " + "; ".join(refused[:10]), status=400, code="pos_stock_refused")

def order_body(doc: SaleDoc) -> dict:
    sale = doc.sale
    places = currency_places(sale.currency)
    items, fees = [], []
    for line in sale.lines:
        shop = _shop_product(doc.products.get(line.product_id))
        meta = [{"key": "_pos_line", "value": str(line.line_no)}]
        if shop is None:  # only this till knows the product
            fees.append({"name": f"{line.sku} {line.name}", "total": _money(_paid(line), places), "tax_status": "none",
                         "meta_data": meta + [{"key": "_pos_quantity", "value": str(line.qty)}]})
            continue
        quantity, extra = _quantity(line)
        item = {"product_id": shop[0], "quantity": quantity,
                "subtotal": _money(round_money(line.list_price * line.qty, places), places),
                "total": _money(_paid(line), places), "meta_data": meta + extra}
        if shop[1] is not None:
            item["variation_id"] = shop[1]
        items.append(item)
    fees += _adjustments(sale, places)
    body = {"status": "completed", "set_paid": True, "created_via": "pos", "currency": sale.currency,
            **_payment(sale, places), "line_items": items, "fee_lines": fees,
            "coupon_lines": [{"code": code.lower()} for code in doc.coupons], "meta_data": _sale_meta(doc)}
    if doc.customer_id and doc.customer_id.isdigit():
        body["customer_id"] = int(doc.customer_id)
    return body


def refund_body(doc: ReturnDoc, order: dict) -> dict:
    """The refund of a return on the order of its sale; Rejected when the order lacks a returned line."""
    sale, places = doc.sale, currency_places(doc.sale.currency)
    goods = {str(_meta(x, "_pos_line")): x["id"] for x in order.get("line_items") or []}
    fees = {str(_meta(x, "_pos_line")): x["id"] for x in order.get("fee_lines") or []}
    sold = {x.line_no: x for x in doc.original.lines}
    lines = []
    for line in sale.lines:
        number = str(line.original_line)
        if number not in goods and number not in fees:
            raise Rejected(f"order {doc.order_id} has no item for line {number} of sale {doc.original.number} "
                           f"(returned on {sale.number})", status=409, code="pos_order_line_missing")
        quantity = _refund_quantity(line, sold.get(line.original_line)) if number in goods else 0
        lines.append({"id": goods.get(number, fees.get(number)), "quantity": quantity,
                      "refund_total": _money(-_paid(line), places), "refund_tax": []})
    reasons = sorted({x.reason for x in sale.lines if x.reason})
    meta = [{"key": "_pos_uuid", "value": doc.uuid}, {"key": "_pos_receipt", "value": sale.number},
            {"key": "_pos_store", "value": sale.store_code}, {"key": "_pos_terminal", "value": sale.terminal_code}]
    damaged = [f"{x.original_line}:{-x.qty}" for x in sale.lines if x.damaged]
    if damaged:
        meta.append({"key": "_pos_damaged", "value": ",".join(damaged)})
    return {"amount": _money(-sale.due, places), "reason": f"POS return {sale.number}"
            + (f" ({', '.join(reasons)})" if reasons else ""), "api_refund": False, "api_restock": True,
            "line_items": lines, "meta_data": meta}


def _refund_quantity(line: SaleLine, sold: SaleLine | None) -> int:
    """Units the shop puts back on sale: none when damaged; a weighed line (sold as 1) only when all of
    its weight comes back."""
    back = -line.qty
    if line.damaged:
        return 0
    if line.weighed or back != back.to_integral_value():
        return 1 if sold is not None and back == sold.qty else 0
    return int(back)


def _quantity(line: SaleLine) -> tuple[int, list[dict]]:
    if not line.weighed and line.qty == line.qty.to_integral_value():
        return int(line.qty), []
    return 1, [{"key": "_pos_quantity", "value": str(line.qty)}, {"key": "_pos_unit", "value": line.unit}]


def _adjustments(sale: Sale, places: int) -> list[dict]:
    """Fee lines for what the lines do not carry: tax added on top of the prices (or, on sales older than
    the line's paid amounts, the basket's discounts) and cash rounding."""
    fees = []
    rest = sale.total - sum((_paid(x) for x in sale.lines), ZERO)
    if rest:
        fees.append({"name": "Tax" if rest > 0 else "Discount", "total": _money(rest, places), "tax_status": "none",
                     "meta_data": [{"key": "_pos_adjustment", "value": "tax" if rest > 0 else "discount"}]})
    if sale.rounding:
        fees.append({"name": "Cash rounding", "total": _money(sale.rounding, places), "tax_status": "none",
                     "meta_data": [{"key": "_pos_adjustment", "value": "rounding"}]})
    return fees


def _payment(sale: Sale, places: int) -> dict:
    tenders = [(p.tender, p.amount) for p in sale.payments if p.amount]
    kinds = {t for t, _a in tenders}
    method = f"pos-{next(iter(kinds))}" if len(kinds) == 1 else ("pos-split" if kinds else "pos")
    title = "POS" + (": " + ", ".join(f"{t} {_money(a, places)}" for t, a in tenders) if tenders else "")
    return {"payment_method": method, "payment_method_title": title}


def _sale_meta(doc: SaleDoc) -> list[dict]:
    sale = doc.sale
    meta = [{"key": "_pos_uuid", "value": doc.uuid}, {"key": "_pos_receipt", "value": sale.number},
            {"key": "_pos_store", "value": sale.store_code}, {"key": "_pos_terminal", "value": sale.terminal_code},
            {"key": "_pos_time", "value": sale.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}]
    if sale.member_code:
        meta.append({"key": "_pos_member", "value": sale.member_code})
    return meta


def _shop_product(ref: tuple[str | None, str | None] | None) -> tuple[int, int | None] | None:
    """(product id, variation id) in the shop, or None for a product only this store has."""
    external, parent = ref or (None, None)
    if not external or not external.isdigit() or (parent and not parent.isdigit()):
        return None
    return (int(parent), int(external)) if parent else (int(external), None)


def _paid(line: SaleLine) -> Decimal:
    return line.paid if line.paid is not None else line.total


def _money(amount: Decimal, places: int) -> str:
    return str(round_money(amount, places) + 0)  # + 0: no "-0.00"


def _meta(record: dict, key: str):
    for item in record.get("meta_data") or []:
        if isinstance(item, dict) and item.get("key") == key:
            return item.get("value")
    return None


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
