"""The stock side of the WooCommerce push, pure: which records a stock change writes (StockPlan, stock_plan)
and how a batch answer is checked (_check_batch).

The API only sets a product's stock_quantity, so each product (or variation) is read, and written back
as its stock plus the delta through the batch endpoints, together with the change's mark in
`_pos_stock_applied_<store>` (the last STOCK_KEPT changes of that store on that product): a change whose
answer was lost is seen there and not added twice. Products the shop does not count (manage_stock
false) are left out, and a variation whose stock is its product's changes the product."""

from __future__ import annotations

from decimal import Decimal

from posapp.sync.push import StockDoc, StockLine
from posapp.sync.woocommerce import Rejected, Unknown, meta_value

STOCK_KEY = "_pos_stock_applied_"  # + the store's code: each store writes only its own marks
STOCK_KEPT = 30  # a stock change is tried again before the store's later ones, unless a person parked it
GONE = ("woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id",
        "woocommerce_rest_invalid_product_id")
MILLI = 1000


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
        applied = [x for x in str(meta_value(record, key) or "").split(",") if x]
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
