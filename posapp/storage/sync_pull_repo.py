"""What the pull from the online shop reads and writes in the catalog: products found by their shop id,
the columns only the shop fills (its parent id, sale price and dates, reported stock), and the moves a
master catalog forces on the till's (a SKU or a barcode that now belongs to another product).

The core product columns, barcodes and the search index go through CatalogRepository.write_products,
the same path as file imports (the FTS triggers on SQLite, the search document on both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from posapp.domain.search_text import document
from posapp.domain.sync_records import ProductState
from posapp.storage.catalog_repo import CatalogRepository, ProductWrite, _time
from posapp.storage.db import database
from posapp.storage.sales_repo import _stamp

CHUNK = 500
_COLUMNS = ("p.id, p.sku, p.name, p.name_en, p.unit, p.weighed, p.category_id, p.tax_class_id, p.price_minor, "
            "p.active, p.external_id, p.external_parent, p.sale_price_minor, p.sale_from, p.sale_to, "
            "p.remote_stock_milli")


@dataclass(frozen=True)
class StoredProduct:
    """A product row as the pull compares it with what the shop sends."""

    id: int
    sku: str
    name: str
    name_en: str
    unit: str
    weighed: bool
    category_id: int | None
    tax_class_id: int
    price_minor: int
    active: bool
    external_id: str | None
    external_parent: str | None
    sale_price_minor: int | None
    sale_from: datetime | None
    sale_to: datetime | None
    remote_stock_milli: int | None
    barcodes: tuple[str, ...]

    def matches(self, state: ProductState) -> bool:
        """Whether the row already holds what the shop says (the stock report time aside)."""
        return (self.sku, self.name, self.category_id, self.tax_class_id, self.price_minor, self.active,
                self.external_id, self.external_parent, self.sale_price_minor, self.sale_from, self.sale_to,
                self.remote_stock_milli, self.barcodes) == (
                state.sku, state.name, state.category_id, state.tax_class_id, state.price_minor, state.active,
                state.external_id, state.external_parent, state.sale_price_minor, state.sale_from,
                state.sale_to, state.remote_stock_milli, state.barcodes)


def _chunks(values: list):
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class SyncPullRepository:
    def __init__(self, catalog: CatalogRepository | None = None):
        self.catalog = catalog or CatalogRepository()

    # --- reading ----------------------------------------------------------------------------------
    def _select(self, where_column: str, values: list) -> list[StoredProduct]:
        db = database.obj
        rows = []
        for chunk in _chunks(sorted(set(values))):
            marks = ", ".join([db.param] * len(chunk))
            rows += db.execute_sql(f"SELECT {_COLUMNS} FROM product p WHERE {where_column} IN ({marks}) "
                                   "ORDER BY p.id", tuple(chunk)).fetchall()
        codes = self.catalog._barcodes_of([r[0] for r in rows])
        return [StoredProduct(*r[:5], bool(r[5]), *r[6:9], bool(r[9]), *r[10:13], _time(r[13]), _time(r[14]),
                              r[15], codes.get(r[0], ())) for r in rows]

    def by_external_ids(self, external_ids: list[str]) -> dict[str, StoredProduct]:
        """Shop id -> its product here (the oldest row, should an old import have made two)."""
        found: dict[str, StoredProduct] = {}
        for row in self._select("p.external_id", external_ids):
            found.setdefault(row.external_id, row)
        return found

    def by_skus(self, skus: list[str]) -> dict[str, StoredProduct]:
        return {row.sku: row for row in self._select("p.sku", skus)}

    def variations_of(self, parents: list[str]) -> list[StoredProduct]:
        return self._select("p.external_parent", parents)

    def shop_products(self) -> list[tuple[int, str, str | None, bool]]:
        """(id, shop id, shop parent id, active) of every product linked to the shop, for the audit."""
        rows = database.obj.execute_sql("SELECT id, external_id, external_parent, active FROM product "
                                        "WHERE external_id IS NOT NULL ORDER BY id").fetchall()
        return [(pid, ext, parent, bool(active)) for pid, ext, parent, active in rows]

    # --- writing ----------------------------------------------------------------------------------
    def write(self, states: list[tuple[ProductState, StoredProduct | None]], *, now: datetime) -> None:
        """Store each state over its row (None: a new product). The SKUs and barcodes the states take
        must be free or held by rows in this same write (the caller moves others out first)."""
        if not states:
            return
        db = database.obj
        p = db.param
        # Rows changing SKU first step aside, so two products may swap SKUs in one page.
        moving = [(f"~pull~{row.id}", row.id) for state, row in states if row is not None and row.sku != state.sku]
        if moving:
            db.cursor().executemany(f"UPDATE product SET sku = {p} WHERE id = {p}", moving)
        codes = [code for state, _row in states for code in state.barcodes]
        for chunk in _chunks(codes):
            db.execute_sql(f"DELETE FROM barcode WHERE code IN ({', '.join([p] * len(chunk))})", tuple(chunk))
        writes, existing = [], {}
        for state, row in states:
            name_en, unit, weighed = (row.name_en, row.unit, row.weighed) if row else ("", "pcs", False)
            writes.append(ProductWrite(
                sku=state.sku, name=state.name, name_en=name_en, category_id=state.category_id, unit=unit,
                tax_class_id=state.tax_class_id, price_minor=state.price_minor, active=state.active,
                weighed=weighed, external_id=state.external_id, search_doc=document(state.name, name_en, state.sku),
                barcodes=state.barcodes))
            if row is not None:
                existing[state.sku] = row.id
        self.catalog.write_products(writes, existing=existing)
        ids = {**existing, **self.catalog.ids_of_skus([s.sku for s, row in states if row is None])}
        self._set_shop_columns([(state, ids[state.sku]) for state, _row in states], now=now)

    def _set_shop_columns(self, states: list[tuple[ProductState, int]], *, now: datetime) -> None:
        """The columns only the shop fills; the stock report is dated now whenever the shop counts it."""
        if not states:
            return
        db = database.obj
        p = db.param
        stamp = _stamp(db, now)
        db.cursor().executemany(
            f"UPDATE product SET external_parent = {p}, sale_price_minor = {p}, sale_from = {p}, sale_to = {p}, "
            f"remote_stock_milli = {p}, stock_pulled_at = {p} WHERE id = {p}",
            [(s.external_parent, s.sale_price_minor, _maybe_stamp(db, s.sale_from), _maybe_stamp(db, s.sale_to),
              s.remote_stock_milli, stamp if s.remote_stock_milli is not None else None, pid)
             for s, pid in states])

    def set_stock(self, stock: list[tuple[int, int | None]], *, now: datetime) -> None:
        """(product id, the shop's count in thousandths or None) as the shop reports it now."""
        db = database.obj
        p = db.param
        stamp = _stamp(db, now)
        db.cursor().executemany(f"UPDATE product SET remote_stock_milli = {p}, stock_pulled_at = {p} WHERE id = {p}",
                                [(milli, stamp if milli is not None else None, pid) for pid, milli in stock])

    def step_aside(self, moves: list[tuple[int, str]]) -> None:
        """Give products the shop has displaced a new SKU and take them off sale (their history stays)."""
        db = database.obj
        p = db.param
        if moves:
            db.cursor().executemany(f"UPDATE product SET sku = {p}, active = {p} WHERE id = {p}",
                                    [(sku, False, pid) for pid, sku in moves])

    def deactivate(self, ids: list[int], *, now: datetime) -> int:
        """Take these products off sale; returns how many were on sale."""
        db = database.obj
        count = 0
        for chunk in _chunks(sorted(set(ids))):
            marks = ", ".join([db.param] * len(chunk))
            count += db.execute_sql(f"UPDATE product SET active = {db.param}, updated_at = {db.param} "
                                    f"WHERE active = {db.param} AND id IN ({marks})",
                                    (False, _stamp(db, now), True, *chunk)).rowcount
        return count

    def move_category(self, old_id: int, new_id: int) -> int:
        """The shop's products in a category the shop renamed or moved go to its new path."""
        db = database.obj
        p = db.param
        return db.execute_sql(f"UPDATE product SET category_id = {p} WHERE category_id = {p} "
                              "AND external_id IS NOT NULL", (new_id, old_id)).rowcount


def _maybe_stamp(db, moment: datetime | None):
    return None if moment is None else _stamp(db, moment)
