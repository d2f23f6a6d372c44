"""Money and quantities: Decimal in the domain, integer minor units in storage.

One rounding rule everywhere: half-up to the currency's minor unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision

from posapp.domain.errors import ValidationError

QTY_PLACES = 3
QTY_SCALE = 10**QTY_PLACES
MAX_PRICE = Decimal("9999999")  # absurd above this for a store item
MAX_QTY = Decimal("99999")


@lru_cache(maxsize=32)
def currency_places(currency: str) -> int:
    """Minor-unit digits of an ISO 4217 currency (CNY 2, JPY 0). Cached: reports ask it per line."""
    return int(get_currency_precision(currency))


def round_money(amount: Decimal, places: int = 2) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, places: int = 2) -> int:
    """Exact conversion; refuses amounts with more digits than the currency has."""
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"{amount} has more than {places} decimal places")
    return int(scaled)


def from_minor(minor: int, places: int = 2) -> Decimal:
    return Decimal(int(minor)).scaleb(-places)  # exponent -places: 0 -> 0.00


def parse_decimal(text: str, *, what: str) -> Decimal:
    """Parse user or file text as a finite Decimal, with a readable error."""
    cleaned = str(text).strip().replace(",", "") if text is not None else ""
    if not cleaned:
        raise ValidationError(f"{what} is empty")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise ValidationError(f"{what} {text!r} is not a number")
    return value


def parse_price(text: str, *, places: int = 2, what: str = "price") -> Decimal:
    value = parse_decimal(text, what=what)
    if value < 0:
        raise ValidationError(f"{what} {text!r} is negative")
    if value > MAX_PRICE:
        raise ValidationError(f"{what} {text!r} is larger than {MAX_PRICE}")
    if value != round_money(value, places):
        raise ValidationError(f"{what} {text!r} has more than {places} decimal places")
    return round_money(value, places)


def qty_to_milli(qty: Decimal) -> int:
    scaled = qty.scaleb(QTY_PLACES)
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"quantity {qty} has more than {QTY_PLACES} decimal places")
    return int(scaled)


def qty_from_milli(milli: int) -> Decimal:
    return Decimal(int(milli)).scaleb(-QTY_PLACES).normalize() if milli % QTY_SCALE else Decimal(milli // QTY_SCALE)


def parse_rate(text: str, *, what: str = "tax rate") -> Decimal:
    """A percentage between 0 and 100 with at most two decimals (13, 9, 6.5)."""
    value = parse_decimal(str(text).rstrip("%"), what=what)
    if value < 0 or value > 100:
        raise ValidationError(f"{what} {text!r} must be between 0 and 100")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{what} {text!r} has more than 2 decimal places")
    return value.quantize(Decimal("0.01"))


def rate_to_bp(rate: Decimal) -> int:
    """Percent to hundredths of a percent (13.00% -> 1300), as stored."""
    return int(rate.scaleb(2))


def rate_from_bp(bp: int) -> Decimal:
    return Decimal(int(bp)).scaleb(-2).quantize(Decimal("0.01"))
