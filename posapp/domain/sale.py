"""A completed sale as everything downstream sees it: receipts, the journal, reports, sync.

Amounts are Decimal in currency units, already rounded to the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

TENDERS = ("cash", "card", "mobile", "voucher", "points", "exchange")  # exchange: credit of items returned


@dataclass(frozen=True)
class LinePromotion:
    """A promotion's part in one line: a line promotion, a basket promotion's share, or a gift."""

    promotion_id: int
    code: str
    name: str
    kind: str  # a posapp.domain.promotions.Kind value
    amount: Decimal  # > 0

    @property
    def level(self) -> str:
        if self.kind in ("special_price", "percent_off", "buy_x_get_y"):
            return "line"
        return "gift" if self.kind == "gift" else "basket"


@dataclass(frozen=True)
class SaleMember:
    """The member on a receipt: who, and what the sale did to their points."""

    code: str
    name: str
    phone: str  # masked
    earned: int
    redeemed: int
    balance: int  # after the sale


@dataclass(frozen=True)
class SaleLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    unit: str
    qty: Decimal  # up to 3 decimals for weighed goods
    unit_price: Decimal  # charged per unit, after any price override
    list_price: Decimal  # the catalog's price per unit
    discount: Decimal  # line discount in money, >= 0
    total: Decimal  # round_half_up(unit_price * qty) - discount - line promotions (a gift's is 0)
    tax_class: str
    tax_rate: Decimal  # percent
    weighed: bool = False
    barcode: str = ""
    promotions: tuple[LinePromotion, ...] = ()
    paid: Decimal | None = None  # what the customer paid for it after every discount (None: older sales)
    # A return's lines (negative qty and amounts): the sale's line they return, why, where the goods go,
    # and the tax in the refund.
    original_line: int | None = None
    reason: str = ""
    damaged: bool = False
    tax: Decimal | None = None

    @property
    def promotion_saving(self) -> Decimal:
        """Line promotions and gifts on this line (basket promotions' shares are in the sale's)."""
        return sum((p.amount for p in self.promotions if p.level != "basket"), Decimal(0))

    @property
    def savings(self) -> Decimal:
        """What the customer saved on this line against the list price."""
        from posapp.domain.money import round_money

        return round_money((self.list_price - self.unit_price) * self.qty) + self.discount + self.promotion_saving


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal  # percent
    gross: Decimal  # this rate group's amount including tax, after the basket discount
    tax: Decimal
    net: Decimal  # gross - tax


@dataclass(frozen=True)
class Payment:
    tender: str  # one of TENDERS
    amount: Decimal  # what this tender pays towards the sale
    tendered: Decimal  # what was handed over (cash may exceed amount; the rest is change)
    reference: str = ""  # card/mobile transaction reference, voucher number
    refund_of: int | None = None  # a return's refund: the index of the sale's payment it goes back to


@dataclass(frozen=True)
class ReturnDeduction:
    """What came off a return's refund (or, negative, was given back by a later one): a promotion the
    kept items no longer reach, a gift kept, or points the member had already spent."""

    promotion_id: int | None
    name: str
    kind: str  # threshold, coupon, gift, points
    amount: Decimal
    points: int = 0  # kind points: how many


@dataclass(frozen=True)
class Sale:
    number: str  # S001-T01-000123, gapless per terminal
    store_code: str
    terminal_code: str
    shift_id: int
    cashier_id: int
    cashier_name: str
    created_at: datetime  # UTC
    currency: str
    lines: tuple[SaleLine, ...]
    subtotal: Decimal  # sum of line totals
    basket_discount: Decimal  # >= 0: the cashier's
    total: Decimal  # subtotal - promo_discount - basket_discount (plus tax when prices exclude tax)
    rounding: Decimal  # cash rounding: the customer pays total + rounding
    taxes: tuple[TaxLine, ...]
    payments: tuple[Payment, ...]
    change: Decimal
    promo_discount: Decimal = Decimal(0)  # spend thresholds and coupons
    coupons: tuple[str, ...] = ()  # coupon codes used
    member_code: str | None = None  # the member who bought (their points are in the points ledger)
    member: SaleMember | None = None  # for the receipt: the member and their points (not in the journal)
    kind: str = "sale"  # or "return": negative lines and payments, against `original`
    original: str | None = None  # a return: the number of the sale it returns
    deductions: tuple[ReturnDeduction, ...] = ()  # a return: what came off the refund, and why

    @property
    def is_return(self) -> bool:
        return self.kind == "return"

    @property
    def due(self) -> Decimal:
        return self.total + self.rounding

    @property
    def savings(self) -> Decimal:
        return sum((line.savings for line in self.lines), Decimal(0)) + self.promo_discount + self.basket_discount

    def promotion_totals(self) -> list[LinePromotion]:
        """One entry per promotion used, with what it gave over the whole sale, in first-use order."""
        found: dict[int, LinePromotion] = {}
        for line in self.lines:
            for p in line.promotions:
                had = found.get(p.promotion_id)
                found[p.promotion_id] = p if had is None else LinePromotion(
                    p.promotion_id, p.code, p.name, p.kind, had.amount + p.amount)
        return list(found.values())
