"""The till's basket: lines, discounts, and the totals and tax the receipt shows.

Rules:
- Line amount = round_half_up(unit_price * qty) to the minor unit; line total = amount - line discount.
- A line discount is an amount, or a percent of the line amount rounded half-up; it never exceeds
  the line amount. A percent discount follows later changes of quantity or price.
- Subtotal = sum of the active lines' totals. The basket discount is an amount, or a percent of the
  subtotal rounded half-up; it never exceeds the subtotal.
- The basket discount is allocated to lines in proportion to what is left of them after promotions
  (pricing.allocate: shares rounded down, the odd minor units to the largest line), so the shares
  add up exactly to the discount and no share exceeds its line. Lines are taken by tax rate
  (highest first), then amount, so the order of scanning never changes the tax.
- Tax is computed once per tax rate, on the rate group's total after allocation.
  Prices include tax: tax = round_half_up(gross * rate / (100 + rate)), net = gross - tax,
  total = subtotal - basket discount.
  Prices exclude tax: tax = round_half_up(net * rate / 100), gross = net + tax,
  total = subtotal - basket discount + sum of tax.
  Tax lines are sorted by rate, highest first; groups whose amount is 0 are left out.
- Promotions (posapp/domain/pricing.py) price the lines first: a line's total is after its line
  promotions, the subtotal is the sum of those, spend thresholds and coupons come off the subtotal,
  gifts are extra lines at no charge, and the cashier's basket discount comes off what is left.
- Scanning a non-weighed product again adds to its line when that line has no price override, no
  line discount and did not come from a price label. Weighed goods and labels always make a new line.
- A scale label's weight is in kg; for goods priced per 斤, g or lb it is converted to that unit.
- A voided line leaves the totals but stays, with its number, for the audit and the receipt.
  Line numbers never change and are never reused.

Input checks live in basket_input.py; a line's amount, label weights and tax lines in basket_lines.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from posapp.domain.allocation import allocate
from posapp.domain.barcode import EmbeddedValue
from posapp.domain.basket_input import HUNDRED, ZERO, check_price, check_qty, discount_spec, percent_of
from posapp.domain.basket_lines import BasketLine, Totals, label_weight, line_promotion, priced_line, tax_lines
from posapp.domain.catalog import Product
from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money
from posapp.domain.pricing import Context, Item, Pricing, PromotionSet, price
from posapp.domain.promotions import normal_coupon
from posapp.domain.sale import SaleLine
from posapp.i18n import _


class Basket:
    """The lines being rung up at the till, with their discounts; pure, no I/O."""

    def __init__(self, *, currency_places: int = 2, prices_include_tax: bool = True,
                 offers: PromotionSet | None = None,
                 clock: Callable[[], tuple[datetime, datetime]] | None = None) -> None:
        """offers: the promotions to price with; clock: () -> (naive UTC now, store-local now)."""
        self.places = currency_places
        self.prices_include_tax = prices_include_tax
        self.offers = offers
        self.clock = clock
        self.member_tier: str | None = None
        self.member_code: str | None = None
        self.clear()

    def clear(self) -> None:
        """Empty the basket for the next customer; numbering starts again at line 1."""
        self._all: list[BasketLine] = []  # every line, voided ones too, at index line_no - 1
        self._active: tuple[list, tuple[BasketLine, ...]] = (self._all, ())  # (_all, its active lines)
        self._discount, self._discount_pct = ZERO, None  # basket discount: fixed amount or percent
        self.coupons: tuple[str, ...] = ()
        self._priced: tuple[tuple, Pricing | None] | None = None
        self._items: dict[int, tuple[BasketLine, Item]] = {}  # line number -> (line, its Item), reused

    # --- promotions ---------------------------------------------------------------------------
    def set_offers(self, offers: PromotionSet | None, clock=None) -> None:
        self.offers, self.clock = offers, clock or self.clock

    def set_member_tier(self, tier: str | None) -> None:
        """The customer's membership (None: not a member), for member-only promotions."""
        self.member_tier = tier

    def set_member(self, code: str | None, tier: str | None) -> None:
        """The member buying (None: nobody), whose tier member promotions look at."""
        self.member_code = code
        self.member_tier = None if code is None else (tier or "")

    def add_coupon(self, code: str) -> None:
        code = normal_coupon(code)
        if code and code not in self.coupons:
            self.coupons = (*self.coupons, code)

    def remove_coupon(self, code: str) -> None:
        self.coupons = tuple(c for c in self.coupons if c != normal_coupon(code))

    def context(self) -> Context:
        at_utc, local = self.clock() if self.clock else (datetime(2000, 1, 1), datetime(2000, 1, 1))
        return Context(at_utc=at_utc, local=local, member_tier=self.member_tier, coupons=frozenset(self.coupons))

    def pricing(self, lines: tuple[BasketLine, ...] | None = None) -> Pricing | None:
        """The promotions on the active lines now (None when there are no promotions to apply)."""
        if not self.offers or not len(self.offers):
            return None
        lines = self.lines if lines is None else lines
        ctx = self.context()
        key = (tuple(map(id, lines)), lines, ctx.at_utc.replace(second=0, microsecond=0), ctx.member_tier,
               ctx.coupons, id(self.offers))
        if self._priced is not None and self._priced[0] == key:
            return self._priced[1]
        result = price([self._item(x) for x in lines], self.offers, ctx)
        self._priced = (key, result)
        return result

    def _item(self, x: BasketLine) -> Item:
        """The line as the engine sees it (made again only when the line changed)."""
        kept = self._items.get(x.line_no)
        if kept is not None and kept[0] is x:
            return kept[1]
        item = Item(key=x.line_no, sku=x.product.sku, category=x.product.category, unit_price=x.unit_price,
                    qty=x.qty, amount=x.total, pieces=not x.product.weighed,
                    promotable=not (x.price_overridden or x.discount or x.discount_pct)
                    and x.unit_price == x.product.price)
        self._items[x.line_no] = (x, item)
        return item

    @property
    def lines(self) -> tuple[BasketLine, ...]:
        if self._active[0] is not self._all:  # _all is replaced, never changed in place
            self._active = (self._all, tuple(line for line in self._all if not line.voided))
        return self._active[1]

    @property
    def voided(self) -> tuple[BasketLine, ...]:
        return tuple(line for line in self._all if line.voided)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def add(self, product: Product, *, qty: Decimal | None = None, barcode: str = "",
            embedded: EmbeddedValue | None = None) -> BasketLine:
        """Ring up product; no qty means 1 piece, refused for weighed goods (the scale must say)."""
        if not product.active:
            raise ValidationError(_("{name} is not for sale: it is inactive in the catalog")
                                  .format(name=product.name))
        qty, price = self._scan_values(product, qty=qty, embedded=embedded)
        same = None if embedded is not None or product.weighed else self._mergeable(product)
        if same is not None:
            return self._put(replace(same, qty=check_qty(same.qty + qty, product)))
        return self._put(BasketLine(line_no=len(self._all) + 1, product=product, qty=qty, unit_price=price,
                                    list_price=price, amount=ZERO, barcode=(barcode or "").strip(),
                                    labelled=embedded is not None))

    def _scan_values(self, product: Product, *, qty: Decimal | None,
                     embedded: EmbeddedValue | None) -> tuple[Decimal, Decimal]:
        """(quantity, unit price) of a scan, from the label when it carries one of them."""
        if embedded is None:
            if qty is None and product.weighed:
                raise ValidationError(_("{name} is sold by weight: put it on the scale")
                                      .format(name=product.name))
            return check_qty(Decimal(1) if qty is None else qty, product), product.price
        if qty is not None:
            raise ValidationError(_("the label already carries the price or weight: "
                                    "scan it without a quantity"))
        if embedded.kind == "weight":
            return check_qty(label_weight(embedded.value, product), product), product.price
        if embedded.kind == "price":
            return Decimal(1), check_price(embedded.value, places=self.places)
        raise ValueError(f"unknown embedded kind {embedded.kind!r}")

    def _mergeable(self, product: Product) -> BasketLine | None:
        """The active line a repeat scan of product adds to, if any."""
        for line in reversed(self.lines):
            plain = not (line.labelled or line.price_overridden or line.discount or line.discount_pct)
            if line.product.id == product.id and plain and line.unit_price == product.price:
                return line
        return None

    def _line(self, line_no: int) -> BasketLine:
        """The active line numbered line_no, or a refusal the cashier understands."""
        if not isinstance(line_no, int) or not 1 <= line_no <= len(self._all):
            raise ValidationError(_("there is no line {line_no}").format(line_no=line_no))
        if self._all[line_no - 1].voided:
            raise ValidationError(_("line {line_no} was voided").format(line_no=line_no))
        return self._all[line_no - 1]

    def _put(self, line: BasketLine) -> BasketLine:
        """Price and store a new or changed line, unless a fixed basket discount would pass the subtotal."""
        line = line if line.voided else priced_line(line, places=self.places)
        lines = self._all[: line.line_no - 1] + [line] + self._all[line.line_no:]
        subtotal = ZERO
        if self._discount:
            subtotal = self._after_promotions(tuple(x for x in lines if not x.voided))
        if self._discount > subtotal:
            raise ValidationError(_("the basket discount {discount} would be more than the subtotal "
                                    "{subtotal}: remove the basket discount first")
                                  .format(discount=self._discount, subtotal=subtotal))
        self._all = lines
        return line

    def set_qty(self, line_no: int, qty: Decimal) -> BasketLine:
        line = self._line(line_no)
        return self._put(replace(line, qty=check_qty(qty, line.product)))

    def void_line(self, line_no: int) -> BasketLine:
        """Take the line out of the totals; it stays, voided, under its number."""
        return self._put(replace(self._line(line_no), voided=True))

    def override_price(self, line_no: int, price: Decimal) -> BasketLine:
        line = self._line(line_no)
        price = check_price(price, places=self.places)
        return self._put(replace(line, unit_price=price, price_overridden=price != line.list_price))

    def set_line_discount(self, line_no: int, *, amount: Decimal | None = None,
                          percent: Decimal | None = None) -> BasketLine:
        """Discount one line by an amount or a percent of it (0 removes the discount)."""
        line = self._line(line_no)
        fixed, pct = discount_spec(amount, percent, places=self.places)
        return self._put(replace(line, discount=fixed, discount_pct=pct))

    def set_basket_discount(self, *, amount: Decimal | None = None, percent: Decimal | None = None) -> None:
        """Discount the whole basket by an amount or a percent of what it comes to after promotions
        (0 removes it)."""
        fixed, pct = discount_spec(amount, percent, places=self.places)
        subtotal = self._after_promotions(self.lines)
        if fixed > subtotal:
            raise ValidationError(_("the discount {discount} is more than the subtotal {subtotal}")
                                  .format(discount=fixed, subtotal=subtotal))
        self._discount, self._discount_pct = fixed, pct

    @property
    def discount_setting(self) -> tuple[Decimal, Decimal | None]:
        """The basket discount as set: (fixed amount, percent or None)."""
        return self._discount, self._discount_pct

    def _after_promotions(self, lines: tuple[BasketLine, ...]) -> Decimal:
        """What lines come to after every promotion: the base of the cashier's basket discount."""
        pricing = self.pricing(lines)
        if pricing is None:
            return round_money(sum((x.total for x in lines), ZERO), self.places)
        return sum((pricing.lines[x.line_no].net for x in lines), ZERO)

    def _basket_discount(self, base: Decimal) -> Decimal:
        if self._discount_pct is None:
            return round_money(self._discount, self.places)
        return round_money(base * self._discount_pct / HUNDRED, self.places)

    def discount_percent(self, line_no: int) -> Decimal:
        """The line discount as a percent of the line's amount (to 0.01), to check a cashier's limit."""
        line = self._line(line_no)
        return percent_of(line.discount, line.amount)

    def basket_discount_percent(self) -> Decimal:
        """The basket discount as a percent of what the basket comes to after promotions (to 0.01)."""
        base = self._after_promotions(self.lines)
        return percent_of(self._basket_discount(base), base)

    def _nets(self, lines, pricing: Pricing | None) -> dict[int, Decimal]:
        if pricing is None:
            return {x.line_no: x.total for x in lines}
        return {x.line_no: pricing.lines[x.line_no].net for x in lines}

    def allocations(self, lines=None, pricing: Pricing | None = None, nets=None) -> dict[int, Decimal]:
        """Each active line's share of the cashier's basket discount, by line number."""
        lines = self.lines if lines is None else lines
        if nets is None:
            pricing = self.pricing(lines) if pricing is None else pricing
            nets = self._nets(lines, pricing)
        # Sorted by rate, then amount, so tie-breaks (and so the tax) do not depend on scan order.
        ordered = sorted(lines, key=lambda x: (-x.product.tax_rate, -nets[x.line_no], x.line_no))
        discount = self._basket_discount(sum(nets.values(), ZERO))
        shares = allocate(discount, [nets[x.line_no] for x in ordered], places=self.places)
        return {line.line_no: share for line, share in zip(ordered, shares)}

    def totals(self) -> Totals:
        lines = self.lines  # built once: this runs on every scan of a long basket
        pricing = self.pricing(lines)
        nets = self._nets(lines, pricing)
        if pricing is None:
            subtotal, promo, promoted, gifts = round_money(sum(nets.values(), ZERO), self.places), ZERO, ZERO, ()
        else:
            priced = pricing.lines
            subtotal = sum([priced[x.line_no].total for x in lines], ZERO)
            promo, gifts = pricing.basket_discount, pricing.gifts
            promoted = pricing.line_discount + pricing.gift_value
        after = subtotal - promo
        discount = self._basket_discount(after)
        shares = self.allocations(lines, pricing, nets) if discount else {}
        groups: dict[Decimal, Decimal] = {}
        for line in lines:
            rate = line.product.tax_rate
            groups[rate] = groups.get(rate, ZERO) + nets[line.line_no] - shares.get(line.line_no, ZERO)
        taxes = tax_lines(groups, prices_include_tax=self.prices_include_tax, places=self.places)
        added_tax = ZERO if self.prices_include_tax else sum((t.tax for t in taxes), ZERO)
        # Savings as SaleLine.savings and Sale.savings count them: list price, line discounts,
        # promotions and gifts, and the cashier's basket discount.
        savings = sum([round_money((x.list_price - x.unit_price) * x.qty, self.places) + x.discount
                       for x in lines if x.list_price != x.unit_price or x.discount],
                      round_money(discount + promo + promoted, self.places))
        count = sum([1 if x.product.weighed else int(x.qty) for x in lines]) + sum(g.qty for g in gifts)
        return Totals(subtotal=subtotal, basket_discount=discount, total=after - discount + added_tax,
                      taxes=taxes, savings=savings, item_count=count, promo_discount=promo,
                      promotions=pricing.applied if pricing else (), gifts=gifts)

    def to_sale_lines(self) -> tuple[SaleLine, ...]:
        """The active lines as the sale records them, then any gifts (voided lines are in .voided;
        numbers kept). Each knows its promotions and what the customer paid for it."""
        lines = self.lines
        pricing = self.pricing(lines)
        shares = self.allocations(lines, pricing)
        found = []
        for x in lines:
            priced = pricing.lines[x.line_no] if pricing else None
            promos = tuple(line_promotion(s) for s in priced.savings) if priced else ()
            total = priced.total if priced else x.total
            net = priced.net if priced else x.total
            found.append(SaleLine(
                line_no=x.line_no, product_id=x.product.id, sku=x.product.sku, name=x.product.name,
                unit=x.product.unit, qty=x.qty, unit_price=x.unit_price, list_price=x.list_price,
                discount=x.discount, total=total, tax_class=x.product.tax_class, tax_rate=x.product.tax_rate,
                weighed=x.product.weighed, barcode=x.barcode, promotions=promos,
                paid=net - shares.get(x.line_no, ZERO)))
        for n, gift in enumerate(pricing.gifts if pricing else (), start=len(self._all) + 1):
            product = self.offers.gift_products[gift.sku]
            value = round_money(gift.unit_price * gift.qty, self.places)
            found.append(SaleLine(
                line_no=n, product_id=product.id, sku=product.sku, name=product.name, unit=product.unit,
                qty=Decimal(gift.qty), unit_price=gift.unit_price, list_price=gift.unit_price, discount=ZERO,
                total=ZERO, tax_class=product.tax_class, tax_rate=product.tax_rate, weighed=False,
                promotions=(line_promotion(gift.saving._replace(amount=value)),), paid=ZERO))
        return tuple(found)
