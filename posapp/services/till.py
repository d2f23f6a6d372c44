"""Till actions around the basket: privileged changes (audited), parking and resuming baskets."""

from __future__ import annotations

from decimal import Decimal

from posapp.domain.barcode import EmbeddedValue
from posapp.domain.basket import Basket
from posapp.domain.errors import NotFound
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, require
from posapp.services.station import Station

CASHIER_DISCOUNT_LIMIT = Decimal(10)  # percent a cashier may give without a supervisor


def authorize(uow, station: Station, *, actor: User, permission: Permission, action: str,
              detail: dict, approval: Approval | None = None) -> int | None:
    """Check a privileged till action and write its audit row; returns the approver's id, if any."""
    with uow:
        approver = require(uow, actor, permission, approval)
        audit(uow, station, actor=actor, action=action, approver_id=approver, detail=detail)
        uow.commit()
    return approver


def discount_needs(percent: Decimal) -> Permission | None:
    """The permission a discount of this effective percent needs beyond selling."""
    return Permission.DISCOUNT_ABOVE_LIMIT if percent > CASHIER_DISCOUNT_LIMIT else None


def basket_payload(basket: Basket) -> dict:
    lines = []
    for line in basket.lines:
        item = {"sku": line.product.sku, "qty": str(line.qty), "barcode": line.barcode}
        if line.labelled and line.product.weighed is False:
            item["label_price"] = str(line.unit_price)
        elif line.price_overridden:
            item["price"] = str(line.unit_price)
        if line.discount_pct is not None:
            item["discount_pct"] = str(line.discount_pct)
        elif line.discount:
            item["discount"] = str(line.discount)
        lines.append(item)
    fixed, pct = basket.discount_setting
    return {"lines": lines, "basket_discount": str(fixed),
            "basket_discount_pct": str(pct) if pct is not None else None,
            "coupons": list(basket.coupons), "member": basket.member_code, "member_tier": basket.member_tier}


def park_basket(uow, station: Station, *, actor: User, basket: Basket, label: str = "") -> int:
    """Keep the basket in the database (it survives a restart) and free the till."""
    payload = basket_payload(basket)
    with uow:
        require(uow, actor, Permission.SELL)
        parked = uow.till.park(terminal_code=station.terminal_code, cashier_id=actor.id,
                               label=label.strip()[:64], payload=payload)
        audit(uow, station, actor=actor, action="basket_parked",
              detail={"parked": parked, "lines": len(payload["lines"]), "total": str(basket.totals().total)})
        uow.commit()
    return parked


def parked_baskets(uow, station: Station):
    return uow.till.parked(station.terminal_code)


def resume_basket(uow, station: Station, *, actor: User, parked_id: int,
                  prices_include_tax: bool = True, offers=None, clock=None) -> Basket:
    """Take a parked basket back at current catalog prices (overridden prices are kept)."""
    with uow:
        require(uow, actor, Permission.SELL)
        payload = uow.till.take_parked(parked_id, terminal_code=station.terminal_code)
        if payload is None:
            raise NotFound(_("That parked basket is no longer there"))
        basket = _rebuild(uow, station, payload, prices_include_tax=prices_include_tax, offers=offers, clock=clock)
        audit(uow, station, actor=actor, action="basket_resumed", detail={"parked": parked_id})
        uow.commit()
    return basket


def _rebuild(uow, station: Station, payload: dict, *, prices_include_tax: bool, offers=None, clock=None) -> Basket:
    basket = Basket(currency_places=station.places, prices_include_tax=prices_include_tax, offers=offers,
                    clock=clock)
    if payload.get("member"):
        basket.set_member(payload["member"], payload.get("member_tier"))
    for code in payload.get("coupons") or ():
        basket.add_coupon(code)
    for item in payload["lines"]:
        product = uow.catalog.by_sku(item["sku"])
        if product is None:
            raise NotFound(_("No product has SKU {sku}").format(sku=item["sku"]))
        if "label_price" in item:
            line = basket.add(product, barcode=item["barcode"],
                              embedded=EmbeddedValue(kind="price", value=Decimal(item["label_price"])))
        else:
            line = basket.add(product, qty=Decimal(item["qty"]), barcode=item["barcode"])
        if "price" in item:
            basket.override_price(line.line_no, Decimal(item["price"]))
        if "discount_pct" in item:
            basket.set_line_discount(line.line_no, percent=Decimal(item["discount_pct"]))
        elif "discount" in item:
            basket.set_line_discount(line.line_no, amount=Decimal(item["discount"]))
    if payload.get("basket_discount_pct"):
        basket.set_basket_discount(percent=Decimal(payload["basket_discount_pct"]))
    elif Decimal(payload.get("basket_discount") or 0):
        basket.set_basket_discount(amount=Decimal(payload["basket_discount"]))
    return basket
