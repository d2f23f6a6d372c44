"""The pull: the online shop is the master of the catalog, prices and coupons, and shares its customers.

Each page the shop sends is written in one transaction together with the cursor that says how far the
pull got, so an interrupted pull resumes where it stopped (re-reading the overlap window, never
skipping). A page that cannot be read or stored (a missing field, a wrong type, a negative price, a bad
barcode, a tax class the till lacks) is refused whole: nothing of it is written, the cursor stays, the
problem is logged with the page, the record and the field, and the pull of that kind stops there.
Transport failures (posapp.sync.woocommerce.SyncError) go to the caller; pages already written stay.

How often each runs (the customers and the audit less often) is the sync engine's concern."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from posapp.domain.errors import ValidationError
from posapp.domain.money import qty_to_milli, to_minor
from posapp.domain.promotions import Kind, Promotion, check_promotion, normal_coupon
from posapp.domain.sync_records import (
    FieldError,
    PageRejected,
    ProductPage,
    ProductState,
    RecordPage,
    RemoteProduct,
    ShopCategory,
    ShopCoupon,
    ShopProduct,
    category_paths,
    fallback_sku,
    local_sku,
)
from posapp.sync.pull_customers import apply_customers

log = logging.getLogger(__name__)

CURSOR_PRODUCTS = "sync.cursor.products"
CURSOR_COUPONS = "sync.cursor.coupons"
CATEGORY_MAP = "sync.categories"  # shop category id -> the path its products were filed under
COUPON_GROUP = "woo-coupons"  # one shop coupon per sale: the till cannot tell which ones combine
SELLABLE_TYPES = ("simple",)
PUBLISHED = "publish"


@dataclass
class PullReport:
    """What one kind of pull did; `rejected` is the message of the page that stopped it."""

    what: str  # categories, products, coupons, customers, audit
    pages: int = 0  # pages written (each in its own transaction)
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    rejected: str | None = None
    cursor: str | None = None  # how far the delta pull got (the shop's GMT time); None for full pulls
    warnings: list[str] = field(default_factory=list)  # records left out or changed, each with its reason

    def warn(self, message: str) -> None:
        log.warning("sync pull: %s: %s", self.what, message)
        self.warnings.append(message)

    def reject(self, problem: PageRejected) -> None:
        log.error("sync pull: %s; nothing of that page was written (the %s cursor stays at %s)",
                  problem, self.what, self.cursor or "none")
        self.rejected = str(problem)


class CatalogSource(Protocol):
    """What the pull reads from a shop (posapp.sync.woo_pull.WooCatalogSource for WooCommerce)."""

    def fetch_categories(self) -> list[ShopCategory]: ...
    def fetch_product_changes(self, cursor: str | None) -> Iterator[ProductPage]: ...
    def fetch_products(self, ids: Iterable[str]) -> Iterator[ProductPage]: ...
    def fetch_product_statuses(self) -> Iterator[RecordPage]: ...
    def fetch_coupon_changes(self, cursor: str | None) -> Iterator[RecordPage]: ...
    def fetch_coupon_ids(self) -> set[int]: ...
    def fetch_customers(self) -> Iterator[RecordPage]: ...


def _checked(pages: Iterator, report: PullReport) -> Iterator:
    """The pages, until one the source refuses to read (then recorded in the report)."""
    try:
        yield from pages
    except PageRejected as problem:
        report.reject(problem)


# --- the catalog -------------------------------------------------------------------------------------

def pull_catalog(uow, source: CatalogSource, *, station, now: datetime) -> list[PullReport]:
    """Categories, then products changed since the last pull, then coupons changed since the last pull.
    A refused category list stops the rest (products are filed under categories)."""
    context = _Context(uow, source, places=station.places, now=now)
    reports = [context.pull_categories()]
    if reports[0].rejected:
        return reports
    reports.append(_pull_products(context))
    reports.append(_pull_coupons(context))
    return reports


class _Context:
    """What a pull run shares: the category paths, the tax classes, the currency and the moment."""

    def __init__(self, uow, source: CatalogSource, *, places: int, now: datetime):
        self.uow, self.source, self.places, self.now = uow, source, places, now
        self.paths: dict[int, str] | None = None
        self.tax_ids = uow.catalog.tax_class_ids()
        self._refreshed = False

    def pull_categories(self) -> PullReport:
        """The shop's whole category tree, written in one transaction."""
        report = PullReport("categories")
        try:
            paths = category_paths(self.source.fetch_categories())
        except FieldError as problem:
            report.reject(PageRejected("categories", 1, problem))
            return report
        except PageRejected as problem:
            report.reject(problem)
            return report
        uow = self.uow
        with uow:
            before = uow.catalog.category_ids()
            known = json.loads(uow.settings.get(CATEGORY_MAP) or "{}")
            ids = uow.catalog.ensure_categories(paths.values())
            for cid, path in paths.items():
                old = known.get(str(cid))
                if old and old != path:  # renamed or moved in the shop: its products follow
                    report.updated += 1
                    if old in ids:
                        uow.sync_pull.move_category(ids[old], ids[path])
            uow.settings.put(CATEGORY_MAP, json.dumps({str(k): v for k, v in sorted(paths.items())},
                                                      ensure_ascii=False))
            uow.commit()
        report.pages, report.created = 1, len(ids) - len(before)
        self.paths = paths
        return report

    def known_paths(self) -> dict[int, str]:
        if self.paths is None:
            self.paths = {int(k): v for k, v in json.loads(self.uow.settings.get(CATEGORY_MAP) or "{}").items()}
        return self.paths

    def check_categories(self, page: ProductPage) -> None:
        """Every category the page files products under is known, reading the tree again once if a
        category is new since (a product can be saved in one between the two reads)."""
        missing = {p.category_id for p in page.products if p.category_id and p.category_id not in self.known_paths()}
        if missing and not self._refreshed:
            self._refreshed = True
            refreshed = self.pull_categories()
            if refreshed.rejected:
                raise PageRejected("products", page.number, FieldError("categories", "list", refreshed.rejected))
        for product in page.products:
            if product.category_id and product.category_id not in self.known_paths():
                raise PageRejected("products", page.number, FieldError(
                    _label(product), "categories", f"category {product.category_id} is not in the shop's list"))


def _label(product: ShopProduct | ProductState) -> str:
    if product.external_parent:
        return f"variation {product.external_id} of product {product.external_parent}"
    return f"product {product.external_id}"


def _pull_products(context: _Context) -> PullReport:
    uow = context.uow
    report = PullReport("products", cursor=uow.settings.get(CURSOR_PRODUCTS))
    for page in _checked(context.source.fetch_product_changes(report.cursor), report):
        if not _write_page(context, page, report, cursor_key=CURSOR_PRODUCTS):
            break
    return report


def _write_page(context: _Context, page: ProductPage, report: PullReport, *, cursor_key: str | None) -> bool:
    """One page in one transaction (with the cursor, when it moves one); False when it was refused."""
    uow = context.uow
    try:
        context.check_categories(page)
        with uow:
            counts, warnings = _apply_products(context, page)
            cursor = _later(report.cursor, page.max_modified) if cursor_key else report.cursor
            if cursor != report.cursor:
                uow.settings.put(cursor_key, cursor)
            uow.commit()
    except PageRejected as problem:
        report.reject(problem)
        return False
    report.pages += 1
    report.created, report.updated, report.deactivated = (a + b for a, b in zip(
        (report.created, report.updated, report.deactivated), counts))
    report.cursor = cursor
    for warning in warnings:
        report.warn(warning)
    return True


def _apply_products(context: _Context, page: ProductPage) -> tuple[tuple[int, int, int], list[str]]:
    """Write a page's products over the till's: matched by shop id, else adopting a product of the same
    SKU that is not linked to the shop yet. Returns (created, updated, deactivated) and warnings."""
    repo = context.uow.sync_pull
    states, warnings = _states(context, page)
    rows = repo.by_external_ids([s.external_id for s in states])
    holders = repo.by_skus([s.sku for s in states])
    for state in states:
        holder = holders.get(state.sku)
        if state.external_id not in rows and holder and holder.external_id is None:
            rows[state.external_id] = holder
    # The shop is the master: a SKU it gives this product leaves any other product that held it here.
    page_ids = {row.id for row in rows.values()}
    owners = {s.sku: s for s in states}
    moves = []
    for holder in (h for h in holders.values() if h.id not in page_ids):
        moves.append((holder.id, f"{holder.sku[:44]}-moved-{holder.id}"))
        warnings.append(f"SKU {holder.sku} is now the shop's {_label(owners[holder.sku])}; the product "
                        f"that had it here (id {holder.id}) is now {moves[-1][1]}, off sale")
    repo.step_aside(moves)
    changed, unchanged = [], []
    for state in states:
        row = rows.get(state.external_id)
        (unchanged if row is not None and row.matches(state) else changed).append((state, row))
    repo.write(changed, now=context.now)
    # The shop's count is as of now even when it did not change (what this store sold since is in it).
    repo.set_stock([(row.id, s.remote_stock_milli) for s, row in unchanged if s.remote_stock_milli is not None],
                   now=context.now)
    created = sum(1 for _s, row in changed if row is None)
    dropped = sum(1 for s, row in changed if row is not None and row.active and not s.active)
    return (created, len(changed) - created - dropped, dropped + _deactivate_gone(repo, page)), warnings


def _deactivate_gone(repo, page: ProductPage) -> int:
    """Products on the page the till cannot sell as such (a variable product itself), and variations
    their product no longer has, go off sale."""
    gone = [row.id for row in repo.by_external_ids(list(page.not_sellable)).values() if row.external_parent is None]
    if page.variations:
        gone += [row.id for row in repo.variations_of(list(page.variations))
                 if row.external_id not in page.variations.get(row.external_parent, ())]
    return repo.deactivate(gone)


def _states(context: _Context, page: ProductPage) -> tuple[list[ProductState], list[str]]:
    """What the till should hold for each product on the page, refusing the page on the first problem."""
    uow = context.uow
    paths = context.known_paths()
    category_ids = uow.catalog.ensure_categories({paths[p.category_id] for p in page.products if p.category_id})
    states, warnings, skus, barcodes = [], [], set(), {}
    for product in page.products:
        label = _label(product)
        try:
            state, warning = _state(product, context, category_ids)
        except FieldError as problem:
            raise PageRejected("products", page.number, problem) from None
        if state.sku in skus:
            state = replace(state, sku=fallback_sku(product.external_id))
            warning = f"{label}: SKU {product.sku} is used twice on this page; sold here as {state.sku}"
        for code in state.barcodes:
            if code in barcodes:
                raise PageRejected("products", page.number, FieldError(
                    label, "barcodes", f"{code} is also the barcode of {barcodes[code]} on this page"))
            barcodes[code] = label
        skus.add(state.sku)
        states.append(state)
        if warning:
            warnings.append(warning)
    return states, warnings


def _state(p: ShopProduct, context: _Context, category_ids: dict[str, int]) -> tuple[ProductState, str | None]:
    label, places = _label(p), context.places
    tax_id = context.tax_ids.get(p.tax_class)
    if tax_id is None:
        raise FieldError(label, "tax_class", f"the till has no tax class {p.tax_class!r} (it has "
                         f"{', '.join(sorted(context.tax_ids))}): IT must add the class {p.tax_class!r} with the "
                         "shop's rate, or the product must use one of these in the shop")
    minor = {}
    for name, amount in (("regular_price", p.price), ("sale_price", p.sale_price)):
        try:
            minor[name] = None if amount is None else to_minor(amount, places)
        except ValidationError as exc:
            raise FieldError(label, name, str(exc)) from None
    try:
        stock = None if p.stock is None else qty_to_milli(p.stock)
    except ValidationError as exc:
        raise FieldError(label, "stock_quantity", str(exc)) from None
    sku, warning = local_sku(p.sku), None
    if sku is None:
        sku = fallback_sku(p.external_id)
        if p.sku:
            warning = (f"{label}: SKU {p.sku[:70]!r} cannot be typed at the till (letters, digits and . _ / -, "
                       f"at most 64); sold here as {sku}")
    path = context.known_paths().get(p.category_id) if p.category_id else None
    return ProductState(
        external_id=p.external_id, external_parent=p.external_parent, sku=sku, name=p.name,
        category_id=category_ids.get(path) if path else None, tax_class_id=tax_id,
        price_minor=minor["regular_price"] or 0, sale_price_minor=minor["sale_price"],
        sale_from=p.sale_from, sale_to=p.sale_to, active=p.active, barcodes=p.barcodes,
        remote_stock_milli=stock), warning


# --- coupons -----------------------------------------------------------------------------------------

def _pull_coupons(context: _Context) -> PullReport:
    uow = context.uow
    report = PullReport("coupons", cursor=uow.settings.get(CURSOR_COUPONS))
    for page in _checked(context.source.fetch_coupon_changes(report.cursor), report):
        warnings: list[str] = []
        with uow:
            counts = [_write_coupon(context, coupon, warnings) for coupon in page.items]
            cursor = _later(report.cursor, page.max_modified)
            if cursor != report.cursor:
                uow.settings.put(CURSOR_COUPONS, cursor)
            uow.commit()
        report.pages += 1
        report.cursor = cursor
        for kind in filter(None, counts):
            setattr(report, kind, getattr(report, kind) + 1)
        for warning in warnings:
            report.warn(warning)
    return report


def _later(cursor: str | None, stamp: str | None) -> str | None:
    """The cursor moved to a page's newest change, never back (the overlap re-reads older ones)."""
    return stamp if stamp and (cursor is None or stamp > cursor) else cursor


def _write_coupon(context: _Context, coupon: ShopCoupon, warnings: list[str]) -> str | None:
    """Store one shop coupon as a till coupon; returns which count it adds to (None: no change)."""
    promotions = context.uow.promotions
    code = f"woo-coupon-{coupon.id}"
    existing = promotions.by_code(code)
    wanted, reason = _coupon_promotion(context, coupon, existing)
    holder = promotions.by_coupon(wanted.coupon_code) if wanted is not None else None
    if holder is not None and holder.code != code:
        if holder.source == "woo":  # the shop reused a deleted coupon's code: the new one has it
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


def _coupon_promotion(context: _Context, c: ShopCoupon, existing: Promotion | None
                      ) -> tuple[Promotion | None, str | None]:
    """The till coupon for a shop coupon, or why there can be none (never a coupon that would give more
    or less than the shop's)."""
    unsupported = [(c.discount_type not in ("percent", "fixed_cart"),
                    f"its discount type {c.discount_type} has no till equivalent (percent and fixed_cart do)"),
                   (c.maximum is not None and c.maximum > 0, "it has a maximum spend"),
                   (c.exclude_sale_items, "it excludes sale items"),
                   (bool(c.email_restrictions), "it is limited to some customers' emails"),
                   (bool(c.limit_usage_to_x_items), "it is limited to a number of items"),
                   (c.amount <= 0, "it takes nothing off (free shipping only)")]
    for applies, reason in unsupported:
        if applies:
            return None, reason
    products, missing = _coupon_skus(context, c.product_ids)
    if missing:
        return None, f"its product(s) {', '.join(missing)} are not in the till's catalog"
    excluded, _gone = _coupon_skus(context, c.excluded_product_ids)
    paths = context.known_paths()
    unknown = [str(i) for i in (*c.category_ids, *c.excluded_category_ids) if i not in paths]
    if unknown:
        return None, f"its categories {', '.join(unknown)} are not in the shop's category list"
    uses = context.uow.promotions.coupon_uses(existing.id) if existing else 0
    left = None if c.usage_limit is None else max(c.usage_limit - c.usage_count, 0)
    promotion = Promotion(
        id=existing.id if existing else 0, code=f"woo-coupon-{c.id}",
        name=(c.description or normal_coupon(c.code))[:80], kind=Kind.COUPON, ends_at=c.expires,
        group=COUPON_GROUP, coupon_code=normal_coupon(c.code),
        active=c.active and (c.expires is None or c.expires > context.now) and left != 0,
        products=frozenset(products), categories=tuple(paths[i] for i in c.category_ids),
        exclude_products=frozenset(excluded), exclude_categories=tuple(paths[i] for i in c.excluded_category_ids),
        percent=c.amount if c.discount_type == "percent" else None,
        amount=c.amount if c.discount_type == "fixed_cart" else None,
        threshold=c.minimum or None, max_uses=None if left is None else uses + left,
        max_uses_per_member=c.usage_limit_per_user, source="woo")
    problems = check_promotion(promotion, places=context.places)
    return (None, "; ".join(problems)) if problems else (promotion, None)


def _coupon_skus(context: _Context, ids: tuple[int, ...]) -> tuple[set[str], list[str]]:
    """The till's SKUs of shop products (a variable product: all its variations), and ids not found."""
    repo = context.uow.sync_pull
    wanted = [str(i) for i in ids]
    skus = {row.external_id: {row.sku} for row in repo.by_external_ids(wanted).values()
            if row.external_parent is None}
    for row in repo.variations_of(wanted):
        skus.setdefault(row.external_parent, set()).add(row.sku)
    return {s for found in skus.values() for s in found}, [i for i in wanted if i not in skus]


# --- customers ---------------------------------------------------------------------------------------

def pull_customers(uow, source: CatalogSource, *, station, now: datetime) -> PullReport:
    """Every shop customer as a member: matched by the linked shop id, else email, else mobile number;
    new ones get card number W + the shop id. Members are never deleted; conflicts are warnings."""
    report = PullReport("customers")
    for page in _checked(source.fetch_customers(), report):
        with uow:
            created, updated, warnings = apply_customers(uow, page.items)
            uow.commit()
        report.pages += 1
        report.created += created
        report.updated += updated
        for warning in warnings:
            report.warn(warning)
    return report


# --- the audit ---------------------------------------------------------------------------------------

def audit_catalog(uow, source: CatalogSource, *, station, now: datetime) -> PullReport:
    """Check every product id the shop has against the till's: products deleted or unpublished there go
    off sale here (rows and history stay), ones that came back or were never pulled are read again in
    full, the stock the shop counts for simple products is refreshed, and coupons deleted in the shop go
    off the till. The delta pull cannot see deletions; this can."""
    report = PullReport("audit")
    remote: dict[str, RemoteProduct] = {}
    for page in _checked(source.fetch_product_statuses(), report):
        remote.update((r.id, r) for r in page.items)
        report.pages += 1
    if report.rejected:
        return report
    context = _Context(uow, source, places=station.places, now=now)
    recheck, parents = _audit_candidates(uow, remote)
    seen: set[str] = set()
    for page in _checked(source.fetch_products(recheck | parents), report):
        seen.update(p.external_id for p in page.products)
        seen.update(page.not_sellable)
        if not _write_page(context, page, report, cursor_key=None):
            return report
    coupons = source.fetch_coupon_ids()
    with uow:
        gone = [pid for pid, ext, parent, active in uow.sync_pull.shop_products() if active and (
            (parent is None and ext in recheck and ext not in seen) or (parent in parents and ext not in seen))]
        report.deactivated += uow.sync_pull.deactivate(gone)
        report.updated += _refresh_stock(uow, remote, now=now)
        report.deactivated += _retire_coupons(uow, coupons)
        uow.commit()
    return report


def _audit_candidates(uow, remote: dict[str, RemoteProduct]) -> tuple[set[str], set[str]]:
    """Shop ids to read again in full: products whose state here may be wrong (on sale here but gone or
    unpublished there, off sale here but published there, published there and never pulled), and the
    variable products of such variations."""
    recheck, parents, local_ids = set(), set(), set()
    for _pid, ext, parent, active in uow.sync_pull.shop_products():
        local_ids.add(ext)
        if parent is None:
            there = remote.get(ext)
            sellable = there is not None and there.status == PUBLISHED and there.type in SELLABLE_TYPES
            if active != sellable:
                recheck.add(ext)
        else:
            there = remote.get(parent)
            listed = there is not None and there.status == PUBLISHED and ext in there.variations
            if active != listed:
                parents.add(parent)
    for r in remote.values():
        if r.status != PUBLISHED:
            continue
        if r.type in SELLABLE_TYPES and r.id not in local_ids:
            recheck.add(r.id)
        elif any(v not in local_ids for v in r.variations):
            parents.add(r.id)
    return recheck, parents


def _refresh_stock(uow, remote: dict[str, RemoteProduct], *, now: datetime) -> int:
    """The shop's count for its simple products (a sale in the shop does not always mark a product
    changed, so the delta pull may not see it); returns how many changed."""
    rows = uow.sync_pull.by_external_ids([r.id for r in remote.values() if r.stock is not None])
    stock = [(row.id, qty_to_milli(remote[ext].stock)) for ext, row in rows.items() if row.external_parent is None]
    uow.sync_pull.set_stock(stock, now=now)
    return sum(1 for ext, row in rows.items() if row.external_parent is None
               and row.remote_stock_milli != qty_to_milli(remote[ext].stock))


def _retire_coupons(uow, remote_ids: set[int]) -> int:
    count = 0
    for promotion in uow.promotions.all():
        if promotion.source == "woo" and promotion.active and promotion.code.startswith("woo-coupon-"):
            if int(promotion.code.rsplit("-", 1)[1]) not in remote_ids:
                uow.promotions.save(replace(promotion, active=False))
                count += 1
    return count


def cursor_of(uow, what: str) -> str | None:
    """How far the delta pull of products or coupons got (the shop's GMT time), for status screens."""
    return uow.settings.get({"products": CURSOR_PRODUCTS, "coupons": CURSOR_COUPONS}[what])

