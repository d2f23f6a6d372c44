"""The shop's coupons as till coupons (promotions of kind coupon, code "woo-coupon-<id>", source "woo").

A coupon the till cannot honour exactly as the shop would (a fixed discount per product, a maximum spend,
sale items excluded, allowed emails, an item limit, free shipping only, products the till does not have)
is left out with a warning, and withdrawn if it was at the till before: never a wrong discount. The till
takes at most one shop coupon per sale (WooCommerce's "individual use" cannot be told apart there), and a
usage limit counts the shop's uses at the last pull plus the store's own since."""

from __future__ import annotations

from dataclasses import replace

from posapp.domain.promotions import Kind, Promotion, check_promotion, normal_coupon
from posapp.domain.sync_records import ShopCoupon

COUPON_GROUP = "woo-coupons"
SOURCE = "woo"
PREFIX = "woo-coupon-"


def write_coupon(run, coupon: ShopCoupon, warnings: list[str]) -> str | None:
    """Store one shop coupon at the till; returns the count it adds to (created, updated, deactivated)
    or None when nothing changed."""
    promotions = run.uow.promotions
    code = f"{PREFIX}{coupon.id}"
    existing = promotions.by_code(code)
    wanted, reason = _promotion(run, coupon, existing)
    holder = promotions.by_coupon(wanted.coupon_code) if wanted is not None else None
    if holder is not None and holder.code != code:
        if holder.source == SOURCE:  # the shop reused a deleted coupon's code: the newer one has it
            promotions.save(replace(holder, active=False, coupon_code=""))
        else:
            reason = f"the till already has a coupon {holder.coupon_code} of its own ({holder.code})"
    if reason:
        warnings.append(f"coupon {coupon.code} ({coupon.id}) is not used at the till: {reason}")
        if existing is not None and existing.active:
            promotions.save(replace(existing, active=False))
            return "deactivated"
        return None
    if existing is not None and replace(wanted, id=existing.id) == existing:
        return None
    promotions.save(wanted)
    if existing is None:
        return "created"
    return "deactivated" if existing.active and not wanted.active else "updated"


def _unsupported(c: ShopCoupon) -> str | None:
    """Why the till cannot give exactly this coupon's discount, if it cannot."""
    for applies, reason in (
            (c.discount_type not in ("percent", "fixed_cart"),
             f"its discount type {c.discount_type} has no till equivalent (percent and fixed_cart do)"),
            (c.maximum is not None and c.maximum > 0, "it has a maximum spend"),
            (c.exclude_sale_items, "it excludes sale items"),
            (bool(c.email_restrictions), "it is limited to some customers' emails"),
            (bool(c.limit_usage_to_x_items), "it is limited to a number of items"),
            (c.amount <= 0, "it takes nothing off (free shipping only)")):
        if applies:
            return reason
    return None


def _promotion(run, c: ShopCoupon, existing: Promotion | None) -> tuple[Promotion | None, str | None]:
    """The till coupon for a shop coupon, or why there can be none."""
    reason = _unsupported(c)
    if reason:
        return None, reason
    products, missing = _skus(run, c.product_ids)
    if missing:
        return None, f"its product(s) {', '.join(missing)} are not in the till's catalog"
    excluded, _absent = _skus(run, c.excluded_product_ids)  # one the till lacks cannot be sold anyway
    paths = run.paths()
    unknown = [str(i) for i in (*c.category_ids, *c.excluded_category_ids) if i not in paths]
    if unknown:
        return None, f"its categories {', '.join(unknown)} are not in the shop's category list"
    uses = run.uow.promotions.coupon_uses(existing.id) if existing else 0
    left = None if c.usage_limit is None else max(c.usage_limit - c.usage_count, 0)
    promotion = Promotion(
        id=existing.id if existing else 0, code=f"{PREFIX}{c.id}", name=(c.description or normal_coupon(c.code))[:80],
        kind=Kind.COUPON, ends_at=c.expires, group=COUPON_GROUP, coupon_code=normal_coupon(c.code),
        active=c.active and (c.expires is None or c.expires > run.now) and left != 0,
        products=frozenset(products), categories=tuple(paths[i] for i in c.category_ids),
        exclude_products=frozenset(excluded), exclude_categories=tuple(paths[i] for i in c.excluded_category_ids),
        percent=c.amount if c.discount_type == "percent" else None,
        amount=c.amount if c.discount_type == "fixed_cart" else None,
        threshold=c.minimum or None, max_uses=None if left is None else uses + left,
        max_uses_per_member=c.usage_limit_per_user, source=SOURCE)
    problems = check_promotion(promotion, places=run.places)
    return (None, "; ".join(problems)) if problems else (promotion, None)


def _skus(run, ids: tuple[int, ...]) -> tuple[set[str], list[str]]:
    """The till's SKUs of shop products (a variable product: all its variations), and the ids not found."""
    repo = run.uow.sync_pull
    wanted = [str(i) for i in ids]
    found = {row.external_id: {row.sku} for row in repo.by_external_ids(wanted).values()
             if row.external_parent is None}
    for row in repo.variations_of(wanted):
        found.setdefault(row.external_parent, set()).add(row.sku)
    return {sku for skus in found.values() for sku in skus}, [i for i in wanted if i not in found]


def retire_coupons(uow, remote_ids: set[int]) -> int:
    """Shop coupons the shop no longer has (deleted or trashed) go off the till; returns how many."""
    count = 0
    for promotion in uow.promotions.all():
        if promotion.source == SOURCE and promotion.active and promotion.code.startswith(PREFIX):
            if int(promotion.code[len(PREFIX):]) not in remote_ids:
                uow.promotions.save(replace(promotion, active=False))
                count += 1
    return count
