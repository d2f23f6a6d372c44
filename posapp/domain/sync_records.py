"""What the online shop sends, as plain records the pull writes from, and the checks that make a page of
them safe to write. A connector turns the shop's JSON into these records; any field it cannot read is a
FieldError naming the record and the field, and the whole page is then refused (PageRejected)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from posapp.domain.barcode import normalize_gtin
from posapp.domain.catalog import MAX_CATEGORY_DEPTH, MAX_NAME, MAX_SKU, SKU_RE
from posapp.domain.errors import ValidationError
from posapp.domain.money import MAX_PRICE

SHOP_TIME = "%Y-%m-%dT%H:%M:%S"  # how the shop writes GMT times (no offset) and how cursors are kept
_SHOP_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_STOCK = Decimal(10) ** 9  # a shop's stock quantity above this is a typo, not stock


class FieldError(ValidationError):
    """One field of one record the shop sent cannot be used."""

    def __init__(self, record: str, field_name: str, reason: str):
        super().__init__(f"{record}: {field_name}: {reason}")
        self.record, self.field, self.reason = record, field_name, reason


class PageRejected(ValidationError):
    """A page the shop sent was refused whole: nothing of it was written and the cursor stayed."""

    def __init__(self, what: str, page: int, problem: FieldError):
        super().__init__(f"{what} page {page} rejected: {problem}")
        self.what, self.page, self.problem = what, page, problem


# --- records --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShopCategory:
    id: int
    name: str
    parent: int  # 0: a top-level category


@dataclass(frozen=True)
class ShopProduct:
    """One thing the till can sell: a simple product, or one variation of a variable product."""

    external_id: str
    external_parent: str | None  # a variation: its product's id
    sku: str  # as the shop has it; "" when it has none
    name: str
    category_id: int | None  # the first of the shop's categories
    tax_class: str  # the local code: the shop's default class ("") is "standard"
    price: Decimal | None  # regular price; None: the shop has no price, so it is not for sale
    sale_price: Decimal | None
    sale_from: datetime | None  # naive UTC
    sale_to: datetime | None
    active: bool  # published (and, for a variation, its product too)
    barcodes: tuple[str, ...]  # catalog keys (normalised GTINs)
    stock: Decimal | None  # None: the shop does not count it


@dataclass(frozen=True)
class ProductState:
    """A shop product as the till should hold it after the pull, in the database's units and ids."""

    external_id: str
    external_parent: str | None
    sku: str
    name: str
    category_id: int | None
    tax_class_id: int
    price_minor: int
    sale_price_minor: int | None
    sale_from: datetime | None
    sale_to: datetime | None
    active: bool
    barcodes: tuple[str, ...]
    remote_stock_milli: int | None  # None: the shop does not count it


@dataclass(frozen=True)
class ProductPage:
    """One page of the shop's product list, variations expanded."""

    number: int
    total_pages: int
    products: tuple[ShopProduct, ...]
    not_sellable: tuple[str, ...] = ()  # shop ids on the page that are not sold as such (variable products)
    variations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # variable product -> variations now
    max_modified: str | None = None  # the newest date_modified_gmt on the page: where the cursor may move
    listed: int = 0  # how many products the whole list held when this page was read


@dataclass(frozen=True)
class ShopCoupon:
    id: int
    code: str
    discount_type: str  # percent, fixed_cart, fixed_product (or a plugin's own)
    amount: Decimal
    description: str
    active: bool  # published
    expires: datetime | None  # naive UTC
    minimum: Decimal | None
    maximum: Decimal | None
    usage_limit: int | None
    usage_count: int
    usage_limit_per_user: int | None
    product_ids: tuple[int, ...]
    excluded_product_ids: tuple[int, ...]
    category_ids: tuple[int, ...]
    excluded_category_ids: tuple[int, ...]
    exclude_sale_items: bool
    email_restrictions: tuple[str, ...]
    limit_usage_to_x_items: int | None
    modified: str


@dataclass(frozen=True)
class ShopCustomer:
    id: int
    email: str  # lower case, "" if none
    name: str
    phone: str  # as typed in the shop's billing address


@dataclass(frozen=True)
class RemoteProduct:
    """What the audit needs of every product in the shop."""

    id: str
    sellable: bool  # published, and sold as it is (not a variable product)
    variations: tuple[str, ...]  # a published variable product's variations (none otherwise)
    stock: Decimal | None  # a sellable product's count when the shop counts it, else None


@dataclass(frozen=True)
class RecordPage:
    """One page of coupons, customers or audit entries."""

    number: int
    total_pages: int
    items: tuple
    max_modified: str | None = None


# --- reading the shop's values --------------------------------------------------------------------

def need(data: dict, key: str, kinds: type | tuple, *, record: str, nullable: bool = False,
         where: str | None = None):
    """data[key], which must be there and of the given JSON type (bool is not an int here); `where` names
    the field in messages when data is nested ("categories[0].id")."""
    where = where or key
    if not isinstance(data, dict):
        raise FieldError(record, where, f"{data!r} is a {type(data).__name__}, not an object")
    if key not in data:
        raise FieldError(record, where, "missing")
    value = data[key]
    if value is None and nullable:
        return None
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise FieldError(record, where, f"{value!r} is a {type(value).__name__}, expected {names}")
    return value


def shop_id(value, *, record: str, field_name: str = "id") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise FieldError(record, field_name, f"{value!r} is not an id")
    return value


def shop_money(value, *, record: str, field_name: str) -> Decimal | None:
    """A money field (JSON string, as the shop sends it): None when empty, else 0 to MAX_PRICE."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(record, field_name, f"{value!r} is a {type(value).__name__}, not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(record, field_name, f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise FieldError(record, field_name, f"{value!r} is not an amount")
    if amount < 0:
        raise FieldError(record, field_name, f"{value!r} is negative")
    if amount > MAX_PRICE:
        raise FieldError(record, field_name, f"{value!r} is larger than {MAX_PRICE}")
    return amount


def shop_time(value, *, record: str, field_name: str) -> datetime | None:
    """A *_gmt field: None when empty, else the naive UTC moment."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SHOP_TIME_RE.fullmatch(value):
        raise FieldError(record, field_name, f"{value!r} is not a time like 2024-05-01T08:00:00")
    try:
        return datetime.strptime(value, SHOP_TIME)
    except ValueError:
        raise FieldError(record, field_name, f"{value!r} is not a real date") from None


def shop_stamp(value, *, record: str, field_name: str = "date_modified_gmt") -> str:
    """A required *_gmt time, kept as the text the shop sent (cursors compare these)."""
    if shop_time(value, record=record, field_name=field_name) is None:
        raise FieldError(record, field_name, "missing")
    return value


def shop_quantity(value, *, record: str, field_name: str = "stock_quantity") -> Decimal | None:
    """A stock quantity (an integer in the shop; some plugins send decimals): may be negative."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FieldError(record, field_name, f"{value!r} is not a quantity")
    try:
        qty = Decimal(str(value))
    except InvalidOperation:
        raise FieldError(record, field_name, f"{value!r} is not a quantity") from None
    if not qty.is_finite() or abs(qty) > MAX_STOCK:
        raise FieldError(record, field_name, f"{value!r} is not a plausible quantity")
    if qty != qty.quantize(Decimal("0.001")):
        raise FieldError(record, field_name, f"{value!r} has more than 3 decimals")
    return qty


def shop_barcodes(values, *, record: str, field_name: str) -> tuple[str, ...]:
    """Barcodes as catalog keys; each must be a valid GTIN (EAN-13, EAN-8, UPC-A or UPC-E)."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,;|]+", values) if v]
    elif isinstance(values, (int, float)) and not isinstance(values, bool):
        raise FieldError(record, field_name, f"{values!r} is a number: a barcode must be text "
                                             "(leading zeros and digits get lost in numbers)")
    if not isinstance(values, (list, tuple)):
        raise FieldError(record, field_name, f"{values!r} is not a barcode")
    keys = []
    for value in values:
        if not isinstance(value, str):
            raise FieldError(record, field_name, f"{value!r} is not a barcode")
        try:
            keys.append(normalize_gtin(value))
        except ValidationError as exc:
            raise FieldError(record, field_name, f"{value[:40]!r}: {exc}") from None
    return tuple(dict.fromkeys(keys))


def shop_text(value, *, record: str, field_name: str, limit: int = MAX_NAME, required: bool = True) -> str:
    """A name as shown on a till: HTML entities decoded, control characters and runs of spaces removed,
    cut to the length the till keeps."""
    if not isinstance(value, str):
        raise FieldError(record, field_name, f"{value!r} is not text")
    text = " ".join(_CONTROL.sub(" ", html.unescape(value)).split())
    if required and not text:
        raise FieldError(record, field_name, "empty")
    return text[:limit].rstrip()


def local_sku(sku: str) -> str | None:
    """The shop's SKU as the till's, or None when it cannot be one (empty, too long, odd characters):
    the caller then uses fallback_sku."""
    sku = sku.strip()
    return sku if sku and len(sku) <= MAX_SKU and SKU_RE.match(sku) else None


def fallback_sku(external_id: str) -> str:
    """A deterministic SKU for a product the shop gives none usable, so re-pulls find the same row."""
    return f"woo-{external_id}"


def local_tax_class(tax_class: str, tax_status: str) -> str:
    """The till's tax class code for the shop's class: its default class "" is "standard", and a product
    the shop does not tax at all (tax_status "none") is "zero-rate"."""
    if tax_status == "none":
        return "zero-rate"
    return tax_class or "standard"


def category_paths(categories: list[ShopCategory]) -> dict[int, str]:
    """Each shop category's full path ("Parent/Child") from the parent chain, as the till keeps categories:
    at most MAX_CATEGORY_DEPTH levels (the top ones), "/" in a name written as "／"."""
    by_id = {c.id: c for c in categories}
    paths: dict[int, str] = {}
    for category in categories:
        chain, seen, current = [], set(), category
        while current is not None and current.id not in seen:
            seen.add(current.id)
            chain.append(current.name.replace("/", "／"))
            current = by_id.get(current.parent) if current.parent else None
        if current is not None:
            raise FieldError(f"category {category.id}", "parent", "the categories' parents form a loop")
        paths[category.id] = "/".join(reversed(chain[-MAX_CATEGORY_DEPTH:]))
    return paths


def on_sale(*, sale_price, sale_from: datetime | None, sale_to: datetime | None, at: datetime) -> bool:
    """Whether a sale price applies at a moment: from sale_from (inclusive) to sale_to (exclusive); a
    missing bound is open."""
    return (sale_price is not None and (sale_from is None or sale_from <= at)
            and (sale_to is None or at < sale_to))


def effective_price(*, price: Decimal, sale_price: Decimal | None, sale_from: datetime | None,
                    sale_to: datetime | None, at: datetime) -> Decimal:
    """The till's price at a moment: the sale price inside its window, else the regular price."""
    return sale_price if on_sale(sale_price=sale_price, sale_from=sale_from, sale_to=sale_to, at=at) else price
