"""A basket line and the basket's totals, with the arithmetic behind them: a line's amount and
discount, a scale label's weight in the product's unit, the tax per rate, a line's promotions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from posapp.domain.basket_input import HUNDRED, QTY_STEP, ZERO
from posapp.domain.catalog import Product
from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money
from posapp.domain.pricing import Saving
from posapp.domain.sale import LinePromotion, TaxLine
from posapp.i18n import _

MAX_LINE_TOTAL = Decimal(1_000_000)
# Scales print kg; a price per 斤 (500 g) charged on kg would undercharge by half.
KG_IN_UNIT = {"kg": Decimal(1), "斤": Decimal(2), "g": Decimal(1000), "lb": Decimal("2.20462262")}


@dataclass(frozen=True)
class BasketLine:
    line_no: int
    product: Product
    qty: Decimal
    unit_price: Decimal  # charged per unit, after any override or label price
    list_price: Decimal  # the catalog's (or the label's) price per unit
    amount: Decimal  # round_half_up(unit_price * qty)
    discount: Decimal = ZERO  # line discount in money
    discount_pct: Decimal | None = None  # kept so the discount follows quantity and price changes
    barcode: str = ""
    labelled: bool = False  # price or weight came from an in-store label
    price_overridden: bool = False
    voided: bool = False

    @property
    def total(self) -> Decimal:
        return self.amount - self.discount


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    basket_discount: Decimal
    total: Decimal
    taxes: tuple[TaxLine, ...]
    savings: Decimal  # against list prices, line discounts, promotions, gifts and the basket discount
    item_count: int  # pieces of non-weighed goods plus one per weighed line (gifts included)
    promo_discount: Decimal = ZERO  # spend thresholds and coupons
    promotions: tuple[Saving, ...] = ()  # every promotion used, with what it gives
    gifts: tuple = ()  # pricing.Gift: products added at no charge


def priced_line(line: BasketLine, *, places: int) -> BasketLine:
    """line with its amount and discount worked out again, refusing what cannot be right."""
    amount = round_money(line.unit_price * line.qty, places)
    if amount > MAX_LINE_TOTAL:
        message = _("{qty} x {price} = {amount} is more than one line can be ({most}): check the quantity")
        raise ValidationError(message.format(qty=line.qty, price=line.unit_price, amount=amount,
                                             most=MAX_LINE_TOTAL))
    discount = round_money(line.discount, places)
    if line.discount_pct is not None:
        discount = round_money(amount * line.discount_pct / HUNDRED, places)
    if discount > amount:
        raise ValidationError(_("the discount {discount} is more than the line's amount {amount}")
                              .format(discount=discount, amount=amount))
    return replace(line, amount=amount, discount=discount)


def label_weight(kg: Decimal, product: Product) -> Decimal:
    """A scale label's weight in the unit product is priced by (unknown units are taken as kg)."""
    if not product.weighed:
        raise ValidationError(_("this label carries a weight, but {name} is sold by the piece")
                              .format(name=product.name))
    factor = KG_IN_UNIT.get(product.unit, Decimal(1))
    return (kg * factor).quantize(QTY_STEP, rounding=ROUND_HALF_UP)


def tax_lines(groups: dict[Decimal, Decimal], *, prices_include_tax: bool,
              places: int = 2) -> tuple[TaxLine, ...]:
    """One TaxLine per rate from each rate group's amount, highest rate first, empty groups left out."""
    found = []
    for rate, amount in groups.items():
        if not amount:
            continue
        if prices_include_tax:
            tax = round_money(amount * rate / (HUNDRED + rate), places)
            found.append(TaxLine(rate=rate, gross=amount, tax=tax, net=amount - tax))
        else:
            tax = round_money(amount * rate / HUNDRED, places)
            found.append(TaxLine(rate=rate, gross=amount + tax, tax=tax, net=amount))
    return tuple(sorted(found, key=lambda t: t.rate, reverse=True))


def line_promotion(s: Saving) -> LinePromotion:
    return LinePromotion(promotion_id=s.promotion_id, code=s.code, name=s.name, kind=s.kind.value, amount=s.amount)
