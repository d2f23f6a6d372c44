"""The pull side of the WooCommerce connector: the shop's categories, products (variations expanded),
coupons and customers, read page by page and checked into plain records (posapp.domain.sync_records).

A page with a field that cannot be read raises PageRejected naming the page, the record and the field;
transport failures are the client's SyncError subclasses. Nothing here writes anything."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from posapp.config import SyncConfig
from posapp.domain.sync_records import (
    SHOP_TIME,
    FieldError,
    PageRejected,
    ProductPage,
    RecordPage,
    RemoteProduct,
    ShopCategory,
    ShopCoupon,
    ShopCustomer,
    ShopProduct,
    local_tax_class,
    need,
    shop_barcodes,
    shop_id,
    shop_money,
    shop_quantity,
    shop_stamp,
    shop_text,
    shop_time,
)
from posapp.sync.woocommerce import PER_PAGE, WooClient

# Product types the till sells as they are; a variable product is sold as its variations; the rest
# (grouped, external, and plugins' own types such as bundles) are not sold at the till.
SELLABLE_TYPES = ("simple",)
VARIABLE = "variable"
PUBLISHED = "publish"
_DELTA = {"dates_are_gmt": "true", "orderby": "modified", "order": "asc"}
# Real WooCommerce sends only these fields of each product to the audit (the fake sends everything).
_AUDIT_FIELDS = "id,type,status,variations,manage_stock,stock_quantity"


class WooCatalogSource:
    """Reads what the shop is master of. Only `client` and `config` are attributes (the connector class
    also inherits the push side's); anything else here is prefixed `_pull`."""

    def __init__(self, client: WooClient, config: SyncConfig):
        self.client = client
        self.config = config

    # --- categories -------------------------------------------------------------------------------
    def fetch_categories(self) -> list[ShopCategory]:
        """Every product category (there is no modified filter; the list is small)."""
        found = []
        for page in self.client.pages("products/categories", {"orderby": "id", "order": "asc"}):
            try:
                found += [_category(item) for item in page.items]
            except FieldError as problem:
                raise PageRejected("categories", page.number, problem) from None
        return found

    # --- products ---------------------------------------------------------------------------------
    def fetch_product_changes(self, cursor: str | None) -> Iterator[ProductPage]:
        """Products changed after `cursor` (a GMT time as the shop writes them) less the overlap window,
        oldest change first, a page at a time; None reads them all."""
        params = dict(_DELTA)
        if cursor:
            params["modified_after"] = self._pull_since(cursor)
        for page in self.client.pages("products", params):
            yield replace(self._pull_product_page(page.number, page.total_pages, page.items), listed=page.total)

    def fetch_products(self, ids: Iterable[str]) -> Iterator[ProductPage]:
        """The products with these shop ids (those that still exist, in any status but trash)."""
        wanted = sorted({int(i) for i in ids})
        for n, start in enumerate(range(0, len(wanted), PER_PAGE), start=1):
            chunk = wanted[start:start + PER_PAGE]
            page = self.client.page("products", {"include": ",".join(map(str, chunk)), "orderby": "include"})
            yield self._pull_product_page(n, -(-len(wanted) // PER_PAGE), page.items)

    def fetch_product_statuses(self) -> Iterator[RecordPage]:
        """Every product's id, type, status, variation ids and counted stock, for the audit."""
        for page in self.client.pages("products", {"orderby": "id", "order": "asc", "_fields": _AUDIT_FIELDS}):
            try:
                items = tuple(_remote_product(item) for item in page.items)
            except FieldError as problem:
                raise PageRejected("audit", page.number, problem) from None
            yield RecordPage(page.number, page.total_pages, items)

    def _pull_since(self, cursor: str) -> str:
        # modified_after is strict: at least a second back, so products sharing the cursor's second are
        # read again rather than missed.
        overlap = timedelta(seconds=max(self.config.overlap_seconds, 1))
        return (datetime.strptime(cursor, SHOP_TIME) - overlap).strftime(SHOP_TIME)

    def _pull_product_page(self, number: int, total: int, items: list) -> ProductPage:
        products, not_sellable, variations, newest = [], [], {}, None
        try:
            for item in items:
                record = _record("product", item)
                pid = shop_id(need(item, "id", int, record=record), record=record)
                modified = shop_stamp(need(item, "date_modified_gmt", str, record=record), record=record)
                newest = max(newest or modified, modified)
                kind = need(item, "type", str, record=record)
                if kind in SELLABLE_TYPES:
                    products.append(self._pull_product(item, record=record))
                    continue
                not_sellable.append(str(pid))
                if kind == VARIABLE:
                    found = self._pull_variations(item, record=record)
                    variations[str(pid)] = tuple(v.external_id for v in found)
                    products += found
        except FieldError as problem:
            raise PageRejected("products", number, problem) from None
        return ProductPage(number=number, total_pages=total, products=tuple(products),
                           not_sellable=tuple(not_sellable), variations=variations, max_modified=newest)

    def _pull_variations(self, parent: dict, *, record: str) -> list[ShopProduct]:
        found = []
        for page in self.client.pages(f"products/{parent['id']}/variations", {"orderby": "id", "order": "asc"}):
            for item in page.items:
                found.append(self._pull_product(item, record=f"{_record('variation', item)} of {record}",
                                                parent=parent))
        return found

    def _pull_product(self, data: dict, *, record: str, parent: dict | None = None) -> ShopProduct:
        pid = shop_id(need(data, "id", int, record=record), record=record)
        status = need(data, "status", str, record=record)
        price = shop_money(need(data, "regular_price", str, record=record), record=record,
                           field_name="regular_price")
        sale = shop_money(need(data, "sale_price", str, record=record), record=record, field_name="sale_price")
        sale_from, sale_to = (shop_time(need(data, f"date_on_sale_{end}_gmt", str, record=record, nullable=True),
                                        record=record, field_name=f"date_on_sale_{end}_gmt")
                              for end in ("from", "to"))
        tax_class = need(data, "tax_class", str, record=record)
        tax_status = need(data, "tax_status", str, record=record)
        sku = need(data, "sku", str, record=record).strip()
        source = parent or data
        if parent is not None:
            tax_class = need(parent, "tax_class", str, record=record) if tax_class == "parent" else tax_class
            tax_status = need(parent, "tax_status", str, record=record) if tax_status == "parent" else tax_status
            # A variation without its own SKU shows its product's; the till needs one per variation.
            sku = "" if sku == need(parent, "sku", str, record=record).strip() else sku
            active = status == PUBLISHED and need(parent, "status", str, record=record) == PUBLISHED
        else:
            active = status == PUBLISHED
        categories = need(source, "categories", list, record=record)
        return ShopProduct(
            external_id=str(pid), external_parent=str(parent["id"]) if parent else None, sku=sku,
            name=self._pull_name(data, record=record, parent=parent),
            category_id=_first_category(categories, record=record), tax_class=local_tax_class(tax_class, tax_status),
            price=price, sale_price=sale, sale_from=sale_from, sale_to=sale_to, active=active and price is not None,
            barcodes=self._pull_barcodes(data, record=record), stock=_stock(data, parent, record=record))

    def _pull_name(self, data: dict, *, record: str, parent: dict | None) -> str:
        if parent is None:
            return shop_text(need(data, "name", str, record=record), record=record, field_name="name")
        base = shop_text(need(parent, "name", str, record=record), record=record, field_name="name")
        options = []
        for n, attribute in enumerate(need(data, "attributes", list, record=record)):
            option = need(attribute, "option", str, record=record, where=f"attributes[{n}].option")
            options.append(shop_text(option, record=record, field_name="attributes", required=False))
        label = ", ".join(o for o in options if o)
        return shop_text(f"{base} - {label}" if label else base, record=record, field_name="name")

    def _pull_barcodes(self, data: dict, *, record: str) -> tuple[str, ...]:
        """global_unique_id (WooCommerce 9.2+), else the configured meta key."""
        metas = need(data, "meta_data", list, record=record)
        gtin = data.get("global_unique_id", "")
        if gtin:
            return shop_barcodes(gtin, record=record, field_name="global_unique_id")
        key = self.config.barcode_meta_key
        for meta in metas:
            if isinstance(meta, dict) and meta.get("key") == key and meta.get("value") not in ("", None):
                return shop_barcodes(meta["value"], record=record, field_name=f"meta_data[{key}]")
        return ()

    # --- coupons ----------------------------------------------------------------------------------
    def fetch_coupon_changes(self, cursor: str | None) -> Iterator[RecordPage]:
        """Coupons changed after `cursor` less the overlap window, oldest change first."""
        params = dict(_DELTA)
        if cursor:
            params["modified_after"] = self._pull_since(cursor)
        for page in self.client.pages("coupons", params):
            try:
                items = tuple(_coupon(item) for item in page.items)
            except FieldError as problem:
                raise PageRejected("coupons", page.number, problem) from None
            yield RecordPage(page.number, page.total_pages, items,
                             max((c.modified for c in items), default=None))

    def fetch_coupon_ids(self) -> set[int]:
        """The ids of every coupon the shop still has (trashed ones are not listed)."""
        ids = set()
        for page in self.client.pages("coupons", {"orderby": "id", "order": "asc", "_fields": "id"}):
            try:
                ids.update(shop_id(need(item, "id", int, record="coupon"), record="coupon") for item in page.items)
            except FieldError as problem:
                raise PageRejected("coupons", page.number, problem) from None
        return ids

    # --- customers --------------------------------------------------------------------------------
    def fetch_customers(self) -> Iterator[RecordPage]:
        """Every customer (WooCommerce cannot filter customers by date), oldest account first."""
        for page in self.client.pages("customers", {"orderby": "id", "order": "asc"}):
            try:
                items = tuple(_customer(item) for item in page.items)
            except FieldError as problem:
                raise PageRejected("customers", page.number, problem) from None
            yield RecordPage(page.number, page.total_pages, items)


# --- one record each --------------------------------------------------------------------------------

def _record(kind: str, data) -> str:
    """How messages name a record: "product 123" (or what stood where its id should be)."""
    return f"{kind} {data.get('id') if isinstance(data, dict) else repr(data)[:40]}"


def _category(data) -> ShopCategory:
    record = _record("category", data)
    return ShopCategory(id=shop_id(need(data, "id", int, record=record), record=record),
                        name=shop_text(need(data, "name", str, record=record), record=record, field_name="name"),
                        parent=need(data, "parent", int, record=record))


def _first_category(categories: list, *, record: str) -> int | None:
    if not categories:
        return None
    where = "categories[0].id"
    return shop_id(need(categories[0], "id", int, record=record, where=where), record=record, field_name=where)


def _stock(data: dict, parent: dict | None, *, record: str) -> Decimal | None:
    """The shop's count: its own when it manages stock, its product's for a variation managed by it."""
    manage = need(data, "manage_stock", (bool, str), record=record)
    if manage is True:
        owner = data
    elif manage == "parent" and parent is not None and need(parent, "manage_stock", (bool, str), record=record) is True:
        owner = parent
    elif manage is False or manage == "parent":
        return None
    else:
        raise FieldError(record, "manage_stock", f"{manage!r} is not true, false or parent")
    qty = shop_quantity(need(owner, "stock_quantity", (int, float, str), record=record, nullable=True),
                        record=record)
    return qty if qty is not None else Decimal(0)  # WooCommerce counts an empty quantity as 0


def _remote_product(data) -> RemoteProduct:
    record = _record("product", data)
    pid = shop_id(need(data, "id", int, record=record), record=record)
    published = need(data, "status", str, record=record) == PUBLISHED
    kind = need(data, "type", str, record=record)
    variations = tuple(str(shop_id(v, record=record, field_name="variations"))
                       for v in need(data, "variations", list, record=record))
    sellable = published and kind in SELLABLE_TYPES
    stock = None
    if sellable and need(data, "manage_stock", (bool, str), record=record) is True:
        stock = shop_quantity(need(data, "stock_quantity", (int, float, str), record=record, nullable=True),
                              record=record) or Decimal(0)
    return RemoteProduct(id=str(pid), sellable=sellable, stock=stock,
                         variations=variations if published and kind == VARIABLE else ())


def _ids(data: dict, key: str, *, record: str) -> tuple[int, ...]:
    return tuple(shop_id(v, record=record, field_name=key) for v in need(data, key, list, record=record))


def _optional_count(data: dict, key: str, *, record: str) -> int | None:
    value = need(data, key, int, record=record, nullable=True) if key in data else None
    if value is not None and value < 0:
        raise FieldError(record, key, f"{value} is negative")
    return value


def _coupon(data) -> ShopCoupon:
    record = _record("coupon", data)
    emails = need(data, "email_restrictions", list, record=record)
    return ShopCoupon(
        id=shop_id(need(data, "id", int, record=record), record=record),
        code=shop_text(need(data, "code", str, record=record), record=record, field_name="code"),
        discount_type=need(data, "discount_type", str, record=record),
        amount=shop_money(need(data, "amount", str, record=record), record=record, field_name="amount")
        or Decimal(0),
        description=shop_text(need(data, "description", str, record=record), record=record,
                              field_name="description", required=False),
        active=need(data, "status", str, record=record) == PUBLISHED,
        expires=shop_time(need(data, "date_expires_gmt", str, record=record, nullable=True), record=record,
                          field_name="date_expires_gmt"),
        minimum=shop_money(need(data, "minimum_amount", str, record=record), record=record,
                           field_name="minimum_amount"),
        maximum=shop_money(need(data, "maximum_amount", str, record=record), record=record,
                           field_name="maximum_amount"),
        usage_limit=_optional_count(data, "usage_limit", record=record),
        usage_count=_optional_count(data, "usage_count", record=record) or 0,
        usage_limit_per_user=_optional_count(data, "usage_limit_per_user", record=record),
        product_ids=_ids(data, "product_ids", record=record),
        excluded_product_ids=_ids(data, "excluded_product_ids", record=record),
        category_ids=_ids(data, "product_categories", record=record),
        excluded_category_ids=_ids(data, "excluded_product_categories", record=record),
        exclude_sale_items=need(data, "exclude_sale_items", bool, record=record),
        email_restrictions=tuple(str(e) for e in emails),
        limit_usage_to_x_items=_optional_count(data, "limit_usage_to_x_items", record=record),
        modified=shop_stamp(need(data, "date_modified_gmt", str, record=record), record=record))


def _customer(data) -> ShopCustomer:
    record = _record("customer", data)
    billing = need(data, "billing", dict, record=record)
    first = need(data, "first_name", str, record=record) or billing.get("first_name") or ""
    last = need(data, "last_name", str, record=record) or billing.get("last_name") or ""
    name = shop_text(" ".join(p for p in (str(first).strip(), str(last).strip()) if p), record=record,
                     field_name="first_name", limit=80, required=False)
    email = need(data, "email", str, record=record).strip().lower()
    phone = billing.get("phone") or ""
    if not isinstance(phone, str):
        raise FieldError(record, "billing.phone", f"{phone!r} is not text")
    return ShopCustomer(id=shop_id(need(data, "id", int, record=record), record=record),
                        email=email[:120] if "@" in email else "", name=name, phone=phone.strip())
