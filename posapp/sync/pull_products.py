"""Writing what the shop sends about its catalog: the category tree, and pages of products (each in one
transaction with the cursor). The shop is the master: its SKUs, barcodes, prices and categories win over
the till's, and a product the store had before syncing is taken over by its SKU."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from posapp.domain.errors import ValidationError
from posapp.domain.money import qty_to_milli, to_minor
from posapp.domain.sync_records import (
    FieldError,
    PageRejected,
    ProductPage,
    ProductState,
    ShopProduct,
    category_paths,
    fallback_sku,
    local_sku,
)

CATEGORY_MAP = "sync.categories"  # shop category id -> the path its products were filed under


@dataclass
class Written:
    """What writing one page (or the category tree) did."""

    created: int = 0
    updated: int = 0
    deactivated: int = 0
    warnings: list[str] = field(default_factory=list)
    cursor: str | None = None


def later(cursor: str | None, stamp: str | None) -> str | None:
    """The cursor moved to a page's newest change, never back (the overlap re-reads older ones)."""
    return stamp if stamp and (cursor is None or stamp > cursor) else cursor


def label(product: ShopProduct | ProductState) -> str:
    """How messages name a shop product."""
    if product.external_parent:
        return f"variation {product.external_id} of product {product.external_parent}"
    return f"product {product.external_id}"


class CatalogRun:
    """One pull run's shared knowledge: the category paths, the tax classes, the currency and the moment."""

    def __init__(self, uow, source, *, places: int, now: datetime):
        self.uow, self.source, self.places, self.now = uow, source, places, now
        self.tax_ids: dict[str, int] = uow.catalog.tax_class_ids()
        self._paths: dict[int, str] | None = None
        self._reread = False

    # --- categories -------------------------------------------------------------------------------
    def write_categories(self) -> Written:
        """The shop's whole category tree in one transaction. A category renamed or moved in the shop
        takes the shop's products filed under it along (a rename does not mark products modified)."""
        try:
            paths = category_paths(self.source.fetch_categories())
        except FieldError as problem:  # the tree itself is wrong (a loop)
            raise PageRejected("categories", 1, problem) from None
        uow, done = self.uow, Written()
        with uow:
            before = len(uow.catalog.category_ids())
            known = json.loads(uow.settings.get(CATEGORY_MAP) or "{}")
            ids = uow.catalog.ensure_categories(paths.values())
            for cid, path in paths.items():
                old = known.get(str(cid))
                if old and old != path:
                    done.updated += 1
                    if old in ids:
                        uow.sync_pull.move_category(ids[old], ids[path])
            uow.settings.put(CATEGORY_MAP, json.dumps({str(k): v for k, v in sorted(paths.items())},
                                                      ensure_ascii=False))
            uow.commit()
        done.created = len(ids) - before
        self._paths = paths
        return done

    def paths(self) -> dict[int, str]:
        if self._paths is None:
            self._paths = {int(k): v for k, v in json.loads(self.uow.settings.get(CATEGORY_MAP) or "{}").items()}
        return self._paths

    def _check_categories(self, page: ProductPage) -> None:
        """Every category the page files products under is known, reading the tree again once when one is
        new (a product can be saved in a new category between the two reads)."""
        if not self._reread and any(p.category_id not in self.paths() for p in page.products if p.category_id):
            self._reread = True
            self.write_categories()
        for product in page.products:
            if product.category_id and product.category_id not in self.paths():
                raise PageRejected("products", page.number, FieldError(
                    label(product), "categories", f"category {product.category_id} is not in the shop's list"))

    # --- products ---------------------------------------------------------------------------------
    def write_page(self, page: ProductPage, *, cursor_key: str | None, cursor: str | None) -> Written:
        """One page in one transaction, with the cursor under cursor_key when the page moves it; raises
        PageRejected (nothing written) when a product on it cannot be stored."""
        self._check_categories(page)
        uow = self.uow
        with uow:
            done = self._write_products(page)
            done.cursor = later(cursor, page.max_modified) if cursor_key else cursor
            if done.cursor != cursor:
                uow.settings.put(cursor_key, done.cursor)
            uow.commit()
        return done

    def _write_products(self, page: ProductPage) -> Written:
        """Each product over the till's one with its shop id, else over one of its SKU that is not linked
        to the shop yet (taken over), else as a new product."""
        repo = self.uow.sync_pull
        states, warnings = self._states(page)
        rows = repo.by_external_ids([s.external_id for s in states])
        holders = repo.by_skus([s.sku for s in states])
        for state in states:
            holder = holders.get(state.sku)
            if state.external_id not in rows and holder is not None and holder.external_id is None:
                rows[state.external_id] = holder
        warnings += self._move_aside(holders, rows, states)
        changed, unchanged = [], []
        for state in states:
            row = rows.get(state.external_id)
            (unchanged if row is not None and row.matches(state) else changed).append((state, row))
        repo.write(changed, now=self.now)
        # The shop's count is as of now even when it did not change (what this store sold since is in it).
        repo.set_stock([(row.id, s.remote_stock_milli) for s, row in unchanged if s.remote_stock_milli is not None],
                       now=self.now)
        created = sum(1 for _s, row in changed if row is None)
        dropped = sum(1 for s, row in changed if row is not None and row.active and not s.active)
        return Written(created=created, updated=len(changed) - created - dropped,
                       deactivated=dropped + self._deactivate_gone(page), warnings=warnings)

    def _move_aside(self, holders: dict, rows: dict, states: list[ProductState]) -> list[str]:
        """A SKU the shop gives one of its products leaves any other product holding it here: that one
        gets a new SKU and goes off sale (it is sold again when the shop's record of it says so)."""
        in_page = {row.id for row in rows.values()}
        owners = {s.sku: s for s in states}
        moves, warnings = [], []
        for holder in holders.values():
            if holder.id not in in_page:
                moves.append((holder.id, f"{holder.sku[:44]}-moved-{holder.id}"))
                warnings.append(f"SKU {holder.sku} is now the shop's {label(owners[holder.sku])}; the product "
                                f"that had it here (id {holder.id}) is now {moves[-1][1]}, off sale")
        self.uow.sync_pull.step_aside(moves)
        return warnings

    def _deactivate_gone(self, page: ProductPage) -> int:
        """Products on the page the till cannot sell as such (a variable product itself), and variations
        their product no longer has, go off sale."""
        repo = self.uow.sync_pull
        gone = [row.id for row in repo.by_external_ids(list(page.not_sellable)).values()
                if row.external_parent is None]
        if page.variations:
            gone += [row.id for row in repo.variations_of(list(page.variations))
                     if row.external_id not in page.variations.get(row.external_parent, ())]
        return repo.deactivate(gone, now=self.now)

    def _states(self, page: ProductPage) -> tuple[list[ProductState], list[str]]:
        """What the till should hold for each product on the page, refusing the page on the first problem."""
        paths = self.paths()
        category_ids = self.uow.catalog.ensure_categories({paths[p.category_id] for p in page.products
                                                           if p.category_id})
        states, warnings, skus, barcodes = [], [], set(), {}
        for product in page.products:
            try:
                state, warning = self._state(product, category_ids)
            except FieldError as problem:
                raise PageRejected("products", page.number, problem) from None
            if state.sku in skus:
                state = replace(state, sku=fallback_sku(product.external_id))
                warning = f"{label(product)}: SKU {product.sku} is used twice on this page; sold here as {state.sku}"
            for code in state.barcodes:
                if code in barcodes:
                    raise PageRejected("products", page.number, FieldError(
                        label(product), "barcodes", f"{code} is also the barcode of {barcodes[code]} on this page"))
                barcodes[code] = label(product)
            skus.add(state.sku)
            states.append(state)
            if warning:
                warnings.append(warning)
        return states, warnings

    def _state(self, p: ShopProduct, category_ids: dict[str, int]) -> tuple[ProductState, str | None]:
        name = label(p)
        tax_id = self.tax_ids.get(p.tax_class)
        if tax_id is None:
            raise FieldError(name, "tax_class", f"the till has no tax class {p.tax_class!r} (it has "
                             f"{', '.join(sorted(self.tax_ids))}): IT must add the class {p.tax_class!r} with the "
                             "shop's rate, or the product must use one of these in the shop")
        minor = {}
        for what, amount in (("regular_price", p.price), ("sale_price", p.sale_price)):
            try:
                minor[what] = None if amount is None else to_minor(amount, self.places)
            except ValidationError as exc:
                raise FieldError(name, what, str(exc)) from None
        try:
            stock = None if p.stock is None else qty_to_milli(p.stock)
        except ValidationError as exc:
            raise FieldError(name, "stock_quantity", str(exc)) from None
        sku, warning = local_sku(p.sku), None
        if sku is None:
            sku = fallback_sku(p.external_id)
            if p.sku:
                warning = (f"{name}: SKU {p.sku[:70]!r} cannot be typed at the till (letters, digits and . _ / -, "
                           f"at most 64); sold here as {sku}")
        path = self.paths().get(p.category_id) if p.category_id else None
        return ProductState(
            external_id=p.external_id, external_parent=p.external_parent, sku=sku, name=p.name,
            category_id=category_ids.get(path) if path else None, tax_class_id=tax_id,
            price_minor=minor["regular_price"] or 0, sale_price_minor=minor["sale_price"],
            sale_from=p.sale_from, sale_to=p.sale_to, active=p.active, barcodes=p.barcodes,
            remote_stock_milli=stock), warning
