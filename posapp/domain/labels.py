"""Shelf and barcode labels: what a label shows of a product, its unit price, and which barcode
symbology prints its code.

The unit price (计价单位 on a Chinese price tag) is always per kilogram for weights and per litre
for volumes, whatever the pack size: "500g" at 12.90 shows 25.80/kg, "12x330ml" at 39.60 shows
10.00/L. One convention for every label, so two packs on one shelf compare at a glance. It is worked
out from the product's content ("500g", "1.5L", "12x330ml", "330ml*6"); when the content is empty,
from a size that ends the name ("鲁花 长粒香大米 1kg"). A weighed product's price is already per its
unit (kg, 斤, 500g...), so its unit price is that price per kg. Counts ("30枚", "3包") and
approximate sizes ("约400g") have no unit price: the label shows none rather than a wrong one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.barcode import gtin_check_digit
from posapp.domain.money import round_money


@dataclass(frozen=True)
class LabelItem:
    """One product as a label prints it (prices as they are now)."""

    sku: str
    name: str
    name_en: str
    price: Decimal  # what the till charges now: the sale price while one applies
    regular_price: Decimal | None  # while on sale: the price without the sale; else None
    unit: str
    weighed: bool
    content: str  # "500g", "1.5L", "12x330ml"; may be empty
    barcode: str  # the product's first barcode; may be empty
    category: str

    @property
    def on_sale(self) -> bool:
        return self.regular_price is not None and self.regular_price != self.price

    @property
    def size(self) -> str:
        """The content, or the size that ends the name when no content is recorded."""
        return self.content.strip() or size_in_name(self.name)


@dataclass(frozen=True)
class Quantity:
    amount: Decimal  # in the base unit
    base: str  # "kg" or "L"


@dataclass(frozen=True)
class UnitPrice:
    amount: Decimal
    per: str  # "kg" or "L"


# Every unit a pack size is written in, as a multiple of its base unit.
_UNITS: dict[str, tuple[Decimal, str]] = {
    "mg": (Decimal("0.000001"), "kg"), "g": (Decimal("0.001"), "kg"), "克": (Decimal("0.001"), "kg"),
    "kg": (Decimal(1), "kg"), "公斤": (Decimal(1), "kg"), "千克": (Decimal(1), "kg"),
    "斤": (Decimal("0.5"), "kg"), "两": (Decimal("0.05"), "kg"),
    "ml": (Decimal("0.001"), "L"), "毫升": (Decimal("0.001"), "L"), "cl": (Decimal("0.01"), "L"),
    "l": (Decimal(1), "L"), "升": (Decimal(1), "L"),
}
_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"([a-z\u4e00-\u9fff]{1,2})"
_TIMES = r"[x*×]"
_PIECE = r"(?:[\u4e00-\u9fff]|pcs|pc|pack|packs)?"  # "330ml*6罐", "6x330ml pack"
_SINGLE = re.compile(rf"{_NUM}{_UNIT}")
_COUNT_FIRST = re.compile(rf"(\d+){_PIECE}{_TIMES}{_NUM}{_UNIT}")
_COUNT_LAST = re.compile(rf"{_NUM}{_UNIT}{_TIMES}(\d+){_PIECE}")


def _clean(text: str) -> str:
    # NFKC folds full-width digits and letters ("５００ｇ") to ASCII; case and spaces carry no meaning.
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


def parse_content(text: str) -> Quantity | None:
    """The total weight (kg) or volume (L) a pack size stands for: "500g" 0.5 kg, "12x330ml" 3.96 L,
    "330ml*6" 1.98 L. None when the text is not a weight or volume (a count, "约400g", empty)."""
    s = _clean(text)
    count, number, unit = 1, None, None
    if m := _SINGLE.fullmatch(s):
        number, unit = m.group(1), m.group(2)
    elif m := _COUNT_FIRST.fullmatch(s):
        count, number, unit = int(m.group(1)), m.group(2), m.group(3)
    elif m := _COUNT_LAST.fullmatch(s):
        number, unit, count = m.group(1), m.group(2), int(m.group(3))
    if number is None or unit not in _UNITS:
        return None
    factor, base = _UNITS[unit]
    amount = Decimal(number) * factor * count
    return Quantity(amount=amount.normalize(), base=base) if amount > 0 else None


def size_in_name(name: str) -> str:
    """The last word of a name when it is a pack size ("十月稻田 珍珠大米 1kg" -> "1kg"), else ""."""
    words = str(name or "").split()
    return words[-1] if len(words) > 1 and parse_content(words[-1]) else ""


def unit_price(price: Decimal, quantity: Quantity, places: int = 2) -> Decimal:
    """Price per kg or per L, rounded half-up to the currency's minor unit."""
    return round_money(price / quantity.amount, places)


def weighed_quantity(unit: str) -> Quantity | None:
    """What one unit of a weighed product weighs: "kg" 1 kg, "斤" 0.5 kg, "500g" 0.5 kg."""
    s = _clean(unit) or "kg"
    quantity = parse_content(s if s[0].isdigit() else "1" + s)
    return quantity if quantity is not None and quantity.base == "kg" else None


def label_unit_price(item: LabelItem, places: int = 2) -> UnitPrice | None:
    """The unit price a label shows, or None when the product's size says nothing about weight or volume."""
    quantity = weighed_quantity(item.unit) if item.weighed else parse_content(item.size)
    if quantity is None:
        return None
    return UnitPrice(amount=unit_price(item.price, quantity, places), per=quantity.base)


def barcode_symbology(code: str) -> str:
    """How a label prints a code: "ean13" for a valid 13-digit GTIN (a 12-digit UPC-A is printed as
    one with a leading 0), "ean8" for a valid EAN-8, "code128" for any other printable ASCII code, ""
    for no code or one Code128 cannot carry."""
    code = str(code or "").strip()
    if not code or not code.isascii() or not code.isprintable():
        return ""
    if code.isascii() and code.isdigit() and len(code) in (8, 12, 13) and gtin_check_digit(code[:-1]) == code[-1]:
        return "ean8" if len(code) == 8 else "ean13"
    return "code128"
