"""Catalog objects as the rest of the program sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from posapp.domain.errors import ValidationError

MAX_SKU = 64
MAX_NAME = 200
MAX_CATEGORY_DEPTH = 6
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")
UNITS_WEIGHED = ("kg", "g", "lb", "斤")


@dataclass(frozen=True)
class TaxClass:
    code: str
    name: str
    rate: Decimal  # percent, e.g. Decimal("13.00")


@dataclass(frozen=True)
class ProductSpec:
    """A product as a file or the online shop describes it, before it is stored."""

    sku: str
    name: str
    price: Decimal
    barcodes: tuple[str, ...] = ()
    category: str = ""  # a path like "Dairy/Milk"
    unit: str = "pcs"
    weighed: bool = False
    active: bool = True
    tax_rate: Decimal | None = None  # from CSV: resolved to a tax class by rate
    tax_class: str | None = None  # from JSON: a tax class code ("standard")
    name_en: str = ""
    external_id: str | None = None  # id in the online shop
    content: str | None = None  # pack size for shelf labels' unit price; None: leave as it is


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    name: str
    price: Decimal
    tax_class: str
    tax_rate: Decimal
    unit: str
    weighed: bool
    active: bool
    category: str
    barcodes: tuple[str, ...] = field(default=())
    name_en: str = ""
    external_id: str | None = None
    regular_price: Decimal | None = None  # while the shop's sale price applies: the price without it


def check_sku(sku: str) -> str:
    sku = (sku or "").strip()
    if not sku:
        raise ValidationError("SKU is empty")
    if len(sku) > MAX_SKU:
        raise ValidationError(f"SKU {sku[:20]!r}... is longer than {MAX_SKU} characters")
    if not SKU_RE.match(sku):
        raise ValidationError(
            f"SKU {sku!r} may only contain letters, digits and . _ / - (and not start with a symbol)"
        )
    return sku


def check_name(name: str, *, what: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(f"{what} is empty")
    if len(name) > MAX_NAME:
        raise ValidationError(f"{what} is longer than {MAX_NAME} characters")
    if any(ord(c) < 32 for c in name):
        raise ValidationError(f"{what} contains control characters")
    return name


def check_category_path(path: str) -> str:
    """Normalise 'Dairy / Milk' to 'Dairy/Milk'; empty means uncategorised."""
    parts = [p.strip() for p in (path or "").split("/")]
    if parts == [""]:
        return ""
    if any(not p for p in parts):
        raise ValidationError(f"category {path!r} has an empty level")
    if len(parts) > MAX_CATEGORY_DEPTH:
        raise ValidationError(f"category {path!r} is deeper than {MAX_CATEGORY_DEPTH} levels")
    for p in parts:
        check_name(p, what="category")
    return "/".join(parts)


def in_categories(category: str, paths) -> bool:
    """Whether a category path is one of paths or under one of them (饮料/茶 is under 饮料)."""
    return any(category == p or category.startswith(p + "/") for p in paths)


def check_unit(unit: str) -> str:
    unit = (unit or "").strip() or "pcs"
    if len(unit) > 16:
        raise ValidationError(f"unit {unit!r} is longer than 16 characters")
    return unit


def parse_bool(text: str, *, what: str) -> bool:
    value = str(text).strip().lower()
    if value in ("true", "yes", "1", "y", "是"):
        return True
    if value in ("false", "no", "0", "n", "", "否"):
        return False
    raise ValidationError(f"{what} {text!r} must be true or false")
