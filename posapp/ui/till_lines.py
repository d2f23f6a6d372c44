"""Changing the basket's lines on the till page: quantity, line and basket discounts, price overrides,
voiding a line or the whole sale. Discounts beyond the cashier's limit, overrides and voids need a
supervisor (TillPage.privileged), and the basket checks every change."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from posapp.domain.errors import PosError
from posapp.domain.users import Permission
from posapp.i18n import _
from posapp.services import till as till_service


class LineControl:
    """Mixed into TillPage, which provides basket, selected_line, _ask, privileged, refresh, refuse and
    forget_member."""

    def quantity(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        text = self._ask(_("Quantity"), line.product.name, f"{line.qty:f}")
        if text is not None:
            self._change(lambda: self.basket.set_qty(line.line_no, Decimal(text)), line.line_no)

    def _change(self, fn, line_no=None) -> None:
        try:
            fn()
        except (PosError, InvalidOperation) as exc:
            self.refuse(str(exc) if isinstance(exc, PosError) else _("That is not a number"))
            return
        self.refresh(select=line_no)

    def line_discount(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        text = self._ask(_("Line discount"), _("Amount, or percent like 10%"))
        if text is None:
            return
        try:
            kwargs = _discount_args(text)
            percent = _percent(kwargs, line.amount)
        except (InvalidOperation, ZeroDivisionError):
            self.refuse(_("That is not a number"))
            return
        self.privileged(till_service.discount_needs(Decimal(percent)), action="line_discount",
                        detail={"line": line.line_no, "sku": line.product.sku, "discount": text},
                        apply=lambda: self._change(
                            lambda: self.basket.set_line_discount(line.line_no, **kwargs), line.line_no))

    def basket_discount(self) -> None:
        subtotal = self.basket.totals().subtotal
        text = self._ask(_("Basket discount"), _("Amount, or percent like 10%"))
        if text is None:
            return
        try:
            kwargs = _discount_args(text)
            percent = _percent(kwargs, subtotal)
        except (InvalidOperation, ZeroDivisionError):
            self.refuse(_("That is not a number"))
            return
        self.privileged(till_service.discount_needs(Decimal(percent)), action="basket_discount",
                        detail={"discount": text, "subtotal": str(subtotal)},
                        apply=lambda: self._change(lambda: self.basket.set_basket_discount(**kwargs)))

    def price_override(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        text = self._ask(_("Change the price"), line.product.name, f"{line.unit_price}")
        if text is None:
            return
        try:
            price = Decimal(text)
        except InvalidOperation:
            self.refuse(_("That is not a number"))
            return
        self.privileged(Permission.PRICE_OVERRIDE, action="price_overridden",
                        detail={"line": line.line_no, "sku": line.product.sku, "from": str(line.unit_price),
                                "to": text},
                        apply=lambda: self._change(lambda: self.basket.override_price(line.line_no, price),
                                                   line.line_no))

    def void_line(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        self.privileged(Permission.VOID_LINE, action="line_voided",
                        detail={"line": line.line_no, "sku": line.product.sku, "qty": str(line.qty),
                                "total": str(line.total)},
                        apply=lambda: self._change(lambda: self.basket.void_line(line.line_no)))

    def void_sale(self) -> None:
        if self.basket.is_empty:
            return
        total = self.basket.totals().total
        self.privileged(Permission.VOID_SALE, action="sale_voided",
                        detail={"lines": len(self.basket.lines), "total": str(total)},
                        apply=lambda: self._change(self._void_all))

    def _void_all(self) -> None:
        """Voiding the sale starts over: no lines, no coupons, no member."""
        self.basket.clear()
        self.basket.set_member(None, None)
        self.forget_member()


def _percent(kwargs: dict, base: Decimal) -> Decimal:
    """The effective percent a discount takes off base (what a cashier's limit is checked on)."""
    if "percent" in kwargs:
        return kwargs["percent"]
    return kwargs["amount"] / base * 100 if base else Decimal(0)


def _discount_args(text: str) -> dict:
    text = text.strip()
    if text.endswith("%"):
        return {"percent": Decimal(text[:-1].strip())}
    return {"amount": Decimal(text)}
