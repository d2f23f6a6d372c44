"""Sales and returns as WooCommerce REST v3 request bodies, pure: order_body, refund_body and their helpers.

- A sale is an order: completed and paid, its lines by the shop's product (and variation) ids with the
  quantities and totals actually charged (subtotal: list price x quantity; total: what the line was paid
  after every discount), each line carrying `_pos_line` so a return finds it again. Lines of products
  the shop does not know go as fee lines named by SKU and name, and tax added on top of the prices and
  cash rounding as fee lines too, so the order's total is what the customer paid. Weighed goods: the
  shop counts whole units, so a weighed line is quantity 1 with its weight and unit in the line's meta
  (`_pos_quantity`, `_pos_unit`); keep such products off the shop's stock management.
- A return is a refund on the sale's order, its lines mapped to the order's items through `_pos_line`,
  `api_refund: false` (the till already paid the money back) and `api_restock: true`; damaged goods are
  refunded with quantity 0, so their money goes back but the shop does not put them back on sale."""

from __future__ import annotations

from decimal import Decimal

from posapp.domain.money import currency_places, round_money
from posapp.domain.sale import Sale, SaleLine
from posapp.sync.push import ReturnDoc, SaleDoc
from posapp.sync.woocommerce import Rejected, meta_value

ZERO = Decimal(0)


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
    goods = {str(meta_value(x, "_pos_line")): x["id"] for x in order.get("line_items") or []}
    fees = {str(meta_value(x, "_pos_line")): x["id"] for x in order.get("fee_lines") or []}
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
