"""What the cashier keys or scans into the basket, checked before it is used: quantities, prices and
discounts (amount or percent), refused with a message a person understands."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from posapp.domain.catalog import Product
from posapp.domain.errors import ValidationError
from posapp.domain.money import MAX_PRICE, MAX_QTY, QTY_PLACES, round_money
from posapp.i18n import _

ZERO = Decimal(0)
HUNDRED = Decimal(100)
QTY_STEP = Decimal(1).scaleb(-QTY_PLACES)


def _number(value: object, *, what: str) -> Decimal:
    """value as a finite Decimal; floats are a programming error, never a cashier's."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValidationError(_("{value} is not a number").format(value=value))
    return value


def check_qty(qty: object, product: Product) -> Decimal:
    """A quantity the till can sell of product, normalised (3, 0.455)."""
    qty = _number(qty, what="quantity")
    if qty <= 0:
        raise ValidationError(_("the quantity must be more than 0"))
    if qty > MAX_QTY:
        raise ValidationError(_("the quantity {qty} is more than the till accepts ({most})").format(
            qty=qty, most=MAX_QTY))
    if qty != qty.quantize(QTY_STEP):
        raise ValidationError(_("the quantity {qty} has more than 3 decimals").format(qty=qty))
    if not product.weighed and qty != qty.to_integral_value():
        raise ValidationError(_("only weighed goods can be sold in fractions: {name} is sold by the piece")
                              .format(name=product.name))
    return qty.quantize(QTY_STEP).normalize() if qty % 1 else qty.quantize(Decimal(1))


def check_price(price: object, *, places: int) -> Decimal:
    """A unit price the till accepts: not negative, not absurd, no more decimals than the currency."""
    price = _number(price, what="price")
    if not 0 <= price <= MAX_PRICE:
        raise ValidationError(_("a price of {price} is not possible: use 0 to {most}").format(
            price=price, most=MAX_PRICE))
    if price != round_money(price, places):
        raise ValidationError(_("the price {price} has more than {places} decimals").format(
            price=price, places=places))
    return round_money(price, places)


def percent_of(part: Decimal, whole: Decimal) -> Decimal:
    """part as a percent of whole, to 0.01% (0 of nothing)."""
    return (part * HUNDRED / whole if whole else ZERO).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def discount_spec(amount: object, percent: object, *, places: int) -> tuple[Decimal, Decimal | None]:
    """(fixed amount, percent) from exactly one of them; a zero discount means none."""
    if (amount is None) == (percent is None):
        raise ValueError("give exactly one of amount or percent")
    if percent is not None:
        pct = _number(percent, what="percent")
        if not ZERO <= pct <= HUNDRED or pct != pct.quantize(Decimal("0.01")):
            raise ValidationError(_("a discount of {pct}% is not possible: use 0 to 100, at most 2 decimals")
                                  .format(pct=pct))
        return ZERO, (pct if pct else None)
    value = _number(amount, what="discount")
    if value < 0 or value != round_money(value, places):
        raise ValidationError(_("a discount of {amount} is not possible: use an amount of money, 0 or more")
                              .format(amount=value))
    return round_money(value, places), None
