"""Catalog storage: lookups for the till, search, and the bulk writes behind file imports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.catalog import Product, TaxClass
from posapp.domain.money import from_minor, qty_from_milli, rate_from_bp, rate_to_bp
from posapp.domain.clock import utcnow
from posapp.domain.sync_records import on_sale
from posapp.storage.db import database, is_sqlite
from posapp.storage.models import BarcodeRow, CategoryRow, ProductRow, TaxClassRow

BULK_FTS_ROWS = 2000  # above this many new rows, fill the FTS index in one statement
_PRODUCT_COLUMNS = ("sku", "name", "name_en", "category_id", "unit", "tax_class_id", "price_minor",
                    "active", "weighed", "external_id", "search_doc")


@dataclass(frozen=True)
class ProductWrite:
    """One product row ready to store: names checked, references resolved, price in minor units."""

    sku: str
    name: str
    name_en: str
    category_id: int | None
    unit: str
    tax_class_id: int
    price_minor: int
    active: bool
    weighed: bool
    external_id: str | None
    search_doc: str
    barcodes: tuple[str, ...]

    def values(self) -> tuple:
        return tuple(getattr(self, c) for c in _PRODUCT_COLUMNS)


class CatalogRepository:
    def __init__(self, places: int = 2, clock: Callable[[], datetime] = utcnow):
        self.places = places
        self.clock = clock  # the moment a product's price is read for (the shop's sale prices have dates)

    # --- reading --------------------------------------------------------------------------
    # Hand-written SQL on the till's hot paths: building peewee queries cost ~20x the lookup itself
    # (benchmark: 605 us vs 31 us per scan at 1M products).
    _SELECT = ("SELECT p.id, p.sku, p.name, p.name_en, p.price_minor, t.code, t.rate_bp, p.unit, "
               "p.weighed, p.active, c.path, p.external_id, p.sale_price_minor, p.sale_from, p.sale_to "
               "FROM product p "
               "JOIN tax_class t ON t.id = p.tax_class_id LEFT JOIN category c ON c.id = p.category_id")

    def _rows(self, where: str, params: tuple) -> list[tuple]:
        db = database.obj
        return db.execute_sql(f"{self._SELECT} {where.replace('?', db.param)}", params).fetchall()

    def _to_product(self, row: tuple, barcodes: tuple[str, ...], at: datetime | None) -> Product:
        """`at`: the moment whose price to give (a sale price inside its window); None: the regular price."""
        (pid, sku, name, name_en, price, tax_code, rate_bp, unit, weighed, active, path, external,
         sale, sale_from, sale_to) = row
        regular = None
        if sale is not None and at is not None and on_sale(sale_price=sale, sale_from=_time(sale_from),
                                                           sale_to=_time(sale_to), at=at):
            regular, price = from_minor(price, self.places), sale
        return Product(id=pid, sku=sku, name=name, name_en=name_en,
                       price=from_minor(price, self.places), tax_class=tax_code,
                       tax_rate=rate_from_bp(rate_bp), unit=unit, weighed=bool(weighed),
                       active=bool(active), category=path or "", barcodes=barcodes,
                       external_id=external, regular_price=regular)

    def _barcodes_of(self, ids: list[int]) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {}
        if ids:
            db = database.obj
            marks = ", ".join([db.param] * len(ids))
            cursor = db.execute_sql(f"SELECT product_id, code FROM barcode WHERE product_id IN ({marks}) "
                                    "ORDER BY id", tuple(ids))
            for pid, code in cursor.fetchall():
                out.setdefault(pid, []).append(code)
        return {k: tuple(v) for k, v in out.items()}

    def _products(self, rows: list[tuple], *, effective: bool = True) -> list[Product]:
        codes = self._barcodes_of([r[0] for r in rows])
        at = self.clock() if effective else None
        return [self._to_product(r, codes.get(r[0], ()), at) for r in rows]

    def by_barcode(self, key: str) -> Product | None:
        found = self._products(self._rows(
            "WHERE p.id = (SELECT product_id FROM barcode WHERE code = ?)", (key,)))
        return found[0] if found else None

    def by_sku(self, sku: str) -> Product | None:
        found = self._products(self._rows("WHERE p.sku = ?", (sku,)))
        return found[0] if found else None

    def by_ids(self, ids: list[int]) -> list[Product]:
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        found = {p.id: p for p in self._products(self._rows(f"WHERE p.id IN ({marks})", tuple(ids)))}
        return [found[i] for i in ids if i in found]

    def search_ids(self, terms: list[str], *, limit: int, active_only: bool = True) -> list[int]:
        """Ids of products whose document prefix-matches every term (unranked)."""
        db = database.obj
        active = " AND p.active" if active_only else ""
        if is_sqlite(db):
            match = " AND ".join(f'"{t}"*' for t in terms)
            sql = ("SELECT p.id FROM product_fts f JOIN product p ON p.id = f.rowid "
                   f"WHERE product_fts MATCH ?{active} LIMIT ?")
            cursor = db.execute_sql(sql, (match, limit))
        else:
            query = " & ".join(f"'{t}':*" for t in terms)
            sql = ("SELECT p.id FROM product p WHERE array_to_tsvector(string_to_array("
                   f"p.search_doc, ' ')) @@ CAST(%s AS tsquery){active} LIMIT %s")
            cursor = db.execute_sql(sql, (query, limit))
        return [r[0] for r in cursor.fetchall()]

    def count(self, *, active_only: bool = False) -> int:
        query = ProductRow.select()
        if active_only:
            query = query.where(ProductRow.active == True)  # noqa: E712
        return query.count()

    def iter_all(self, *, batch: int = 2000) -> Iterator[Product]:
        """Every product in SKU order, a batch at a time (exports of large catalogs), at its regular
        price: a sale price is the online shop's, with its own dates."""
        last = ""
        while True:
            rows = self._products(self._rows(f"WHERE p.sku > ? ORDER BY p.sku LIMIT {int(batch)}", (last,)),
                                  effective=False)
            if not rows:
                return
            yield from rows
            last = rows[-1].sku

    def stock_of(self, product_ids: list[int]) -> dict[int, Decimal | None]:
        """The stock the till shows: what the online shop last reported plus this store's movements
        the shop has not counted yet (not acknowledged, or acknowledged after that report); None for
        a product the shop does not count."""
        out: dict[int, Decimal | None] = {}
        db = database.obj
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join([db.param] * len(chunk))
            rows = db.execute_sql(
                "SELECT p.id, p.remote_stock_milli, COALESCE((SELECT SUM(m.qty_milli) FROM stock_movement m "
                "WHERE m.product_id = p.id AND m.location = 'sellable' AND (m.synced_at IS NULL "
                "OR m.synced_at > p.stock_pulled_at)), 0) "
                f"FROM product p WHERE p.id IN ({marks})", tuple(chunk)).fetchall()
            for pid, remote, local in rows:
                out[pid] = None if remote is None else qty_from_milli(int(remote) + int(local))
        return out

    # --- reference data -------------------------------------------------------------------
    def tax_classes(self) -> list[TaxClass]:
        return [TaxClass(code=r.code, name=r.name, rate=rate_from_bp(r.rate_bp))
                for r in TaxClassRow.select().order_by(TaxClassRow.rate_bp.desc(), TaxClassRow.code)]

    def tax_class_ids(self) -> dict[str, int]:
        return dict(TaxClassRow.select(TaxClassRow.code, TaxClassRow.id).tuples())

    def add_tax_class(self, *, code: str, name: str, rate: Decimal) -> int:
        return TaxClassRow.create(code=code, name=name, rate_bp=rate_to_bp(rate)).id

    def category_ids(self) -> dict[str, int]:
        return dict(CategoryRow.select(CategoryRow.path, CategoryRow.id).tuples())

    def ensure_categories(self, paths: Iterable[str]) -> dict[str, int]:
        """Create every missing level of the given paths; returns path -> id for all of them."""
        known = self.category_ids()
        for path in sorted(set(p for p in paths if p)):
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                sub = "/".join(parts[:depth])
                if sub not in known:
                    parent = known.get("/".join(parts[: depth - 1])) if depth > 1 else None
                    known[sub] = CategoryRow.create(name=parts[depth - 1], parent=parent, path=sub).id
        return known

    # --- bulk writes for imports ----------------------------------------------------------
    def sku_ids(self) -> dict[str, int]:
        return dict(ProductRow.select(ProductRow.sku, ProductRow.id).tuples())

    def ids_of_skus(self, skus: list[str]) -> dict[str, int]:
        """SKU -> id of these SKUs only (a small write must not read the whole catalog's SKUs)."""
        if len(skus) > 20_000:  # a big import: one pass over the index is quicker
            return self.sku_ids()
        found: dict[str, int] = {}
        for i in range(0, len(skus), 500):
            found.update(ProductRow.select(ProductRow.sku, ProductRow.id)
                         .where(ProductRow.sku.in_(skus[i:i + 500])).tuples())
        return found

    def barcode_owners(self) -> dict[str, str]:
        """Barcode -> SKU of its product, for the whole catalog."""
        return dict(BarcodeRow.select(BarcodeRow.code, ProductRow.sku)
                    .join(ProductRow).tuples())

    def write_products(self, rows: list[ProductWrite], *, existing: dict[str, int]) -> tuple[int, int]:
        """Insert new SKUs and update known ones, replacing their barcodes. Returns (new, updated)."""
        db = database.obj
        p = db.param
        now = utcnow()
        stamp = now if not is_sqlite(db) else now.isoformat(" ")
        cursor = db.cursor()
        new = [r for r in rows if r.sku not in existing]
        old = [r for r in rows if r.sku in existing]
        if new:
            cols = ", ".join(_PRODUCT_COLUMNS + ("created_at", "updated_at"))
            marks = ", ".join([p] * (len(_PRODUCT_COLUMNS) + 2))
            insert = f"INSERT INTO product ({cols}) VALUES ({marks})"
            values = (r.values() + (stamp, stamp) for r in new)
            if is_sqlite(db) and len(new) >= BULK_FTS_ROWS:
                self._insert_bulk_sqlite(db, insert, values)
            else:
                cursor.executemany(insert, values)
        if old:
            # The SKU too: the online shop's products are matched by their shop id and may change SKU.
            sets = ", ".join(f"{c} = {p}" for c in _PRODUCT_COLUMNS + ("updated_at",))
            cursor.executemany(f"UPDATE product SET {sets} WHERE id = {p}",
                               [r.values() + (stamp, existing[r.sku]) for r in old])
            ids = [existing[r.sku] for r in old]
            for i in range(0, len(ids), 500):
                BarcodeRow.delete().where(BarcodeRow.product.in_(ids[i:i + 500])).execute()
        ids = existing if not new else {**existing, **self.ids_of_skus([r.sku for r in new])}
        pairs = [(code, ids[r.sku]) for r in rows for code in r.barcodes]
        if pairs:
            cursor.executemany(f"INSERT INTO barcode (code, product_id) VALUES ({p}, {p})", pairs)
        return len(new), len(old)

    def _insert_bulk_sqlite(self, db, insert: str, values) -> None:
        """Many new products: index them in FTS with one statement instead of a trigger per row.

        The trigger is dropped and re-created from its own stored SQL inside the import's
        transaction (SQLite DDL is transactional), so a failed import leaves it as it was.
        """
        trigger = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = 'product_fts_ai'").fetchone()
        before = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM product").fetchone()[0]
        if trigger:
            db.execute_sql("DROP TRIGGER product_fts_ai")
        db.cursor().executemany(insert, values)
        if trigger:
            db.execute_sql("INSERT INTO product_fts(rowid, search_doc) "
                           "SELECT id, search_doc FROM product WHERE id > ?", (before,))
            db.execute_sql(trigger[0])


def _time(value) -> datetime | None:
    """A stored time as a naive UTC datetime (SQLite hands back text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
