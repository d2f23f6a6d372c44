"""Catalog use cases: scan lookup and search for the till, file import and export for managers."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from posapp.domain.barcode import ScannedCode, parse_scan
from posapp.domain.catalog import Product, ProductSpec
from posapp.domain.catalog_files import (
    ParsedFile,
    RowError,
    decode,
    parse_csv,
    parse_woo_json,
    write_csv,
    write_woo_json,
)
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.money import to_minor
from posapp.domain.search_text import document, query_terms
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, require
from posapp.services.station import Station
from posapp.storage.catalog_repo import ProductWrite

MAX_FILE_BYTES = 512 * 1024 * 1024
Progress = Callable[[str, int, int], None]


class ImportRejected(ValidationError):
    """A catalog file with bad rows: nothing was imported; .errors lists every one."""

    def __init__(self, errors: list[RowError], *, source: str):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{source}: {len(errors)} bad row(s), nothing was imported:\n{shown}{more}")


@dataclass(frozen=True)
class ScanResult:
    product: Product
    code: ScannedCode


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: list[str] = field(default_factory=list)
    new_tax_classes: list[str] = field(default_factory=list)
    changes: frozenset[str] = frozenset({"catalog"})


def lookup_scan(uow, station: Station, text: str) -> ScanResult:
    """What a scanned or typed barcode sells; refuses malformed codes and unknown products."""
    code = parse_scan(text, rules=station.embedded_rules)
    product = uow.catalog.by_barcode(code.key)
    if product is None:
        raise NotFound(_("No product has barcode {code}").format(code=code.key))
    if not product.active:
        raise NotFound(_("{name} ({sku}) is not for sale").format(name=product.name, sku=product.sku))
    return ScanResult(product=product, code=code)


def find_sku(uow, sku: str) -> Product:
    product = uow.catalog.by_sku((sku or "").strip())
    if product is None:
        raise NotFound(_("No product has SKU {sku}").format(sku=sku))
    return product


def category_paths(uow) -> list[str]:
    """Every category path ("乳制品/牛奶"), sorted: what a count or a label run is chosen by."""
    return sorted(uow.catalog.category_ids())


def categories_of(uow, lines) -> dict[str, str]:
    """The category path of each sale line's product, by SKU, in one query ("" for a product gone)."""
    found = {p.id: p.category for p in uow.catalog.by_ids(sorted({x.product_id for x in lines}))}
    return {x.sku: found.get(x.product_id, "") for x in lines}


def search_products(uow, text: str, *, limit: int = 50, include_inactive: bool = False) -> list[Product]:
    """Name (Chinese, English, pinyin or its initials), SKU or barcode; best matches first."""
    text = (text or "").strip()
    if not text:
        return []
    exact = uow.catalog.by_sku(text)
    terms = query_terms(text)
    ids = uow.catalog.search_ids(terms, limit=max(limit * 2, 100),
                                 active_only=not include_inactive) if terms else []
    found = uow.catalog.by_ids(ids)
    if exact and exact.id not in ids and (exact.active or include_inactive):
        found.insert(0, exact)
    needle = text.lower()

    def rank(p: Product):
        name = p.name.lower()
        return (p.sku.lower() != needle, not name.startswith(needle), needle not in name,
                len(p.name), p.sku)

    return sorted(found, key=rank)[:limit]


def search_with_stock(uow, text: str, *, limit: int = 50) -> list[tuple[Product, Decimal | None]]:
    """search_products, each with the stock the till shows: the shop's last pulled quantity plus this
    store's movements the shop has not counted yet; None for products the shop does not track."""
    found = search_products(uow, text, limit=limit)
    stock = uow.catalog.stock_of([p.id for p in found]) if found else {}
    return [(p, stock.get(p.id)) for p in found]


# --- files ---------------------------------------------------------------------------------

def _format_of(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json"):
        raise ValidationError(f"{path.name}: say --format csv or json (cannot tell from the name)")
    return fmt


def read_catalog_file(path: Path, *, fmt: str | None = None, encoding: str | None = None) -> ParsedFile:
    fmt = _format_of(path, fmt)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is {size // 2**20} MB; the limit is "
                                  f"{MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    text, _ = decode(data, encoding if fmt == "csv" else (encoding or "utf-8"))
    return parse_csv(text) if fmt == "csv" else parse_woo_json(text.lstrip("\ufeff"))


def import_catalog(uow, station: Station, *, actor: User, path: Path, fmt: str | None = None,
                   encoding: str | None = None, progress: Progress | None = None) -> ImportResult:
    """Upsert products by SKU from a CSV or WooCommerce JSON file: all rows or none."""
    path = Path(path)
    (progress or (lambda *_: None))("reading", 0, 1)
    parsed = read_catalog_file(path, fmt=fmt, encoding=encoding)
    if parsed.errors:
        raise ImportRejected(parsed.errors, source=path.name)
    return save_products(uow, station, actor=actor, specs=parsed.products, source=path.name,
                         skipped=parsed.skipped, progress=progress)


def save_products(uow, station: Station, *, actor: User, specs: list[ProductSpec], source: str,
                  skipped: list[str] = (), progress: Progress | None = None) -> ImportResult:
    """Upsert checked product specs in one transaction, or raise ImportRejected and write nothing."""
    tick = progress or (lambda *_: None)
    tick("checking", 0, len(specs))
    with uow:
        approver = require(uow, actor, Permission.MANAGE_CATALOG)
        tax_ids, new_classes, errors = _resolve_tax_classes(uow, specs)
        errors += _barcode_conflicts(uow, specs)
        if errors:
            raise ImportRejected(errors, source=source)
        categories = uow.catalog.ensure_categories(s.category for s in specs)
        rows = []
        for i, s in enumerate(specs):
            rows.append(ProductWrite(
                sku=s.sku, name=s.name, name_en=s.name_en, category_id=categories.get(s.category),
                unit=s.unit, tax_class_id=tax_ids[s.sku], price_minor=to_minor(s.price, station.places),
                active=s.active, weighed=s.weighed, external_id=s.external_id,
                search_doc=document(s.name, s.name_en, s.sku), barcodes=s.barcodes))
            if i % 5000 == 0:
                tick("preparing", i, len(specs))
        tick("writing", 0, len(rows))
        created, updated = uow.catalog.write_products(rows, existing=uow.catalog.sku_ids())
        _write_contents(uow, specs)
        audit(uow, station, actor=actor, action="catalog_imported", approver_id=approver,
              detail={"source": source, "created": created, "updated": updated,
                      "skipped": len(skipped), "new_tax_classes": new_classes})
        uow.commit()
    tick("done", len(rows), len(rows))
    return ImportResult(created=created, updated=updated, skipped=list(skipped),
                        new_tax_classes=new_classes)


def _write_contents(uow, specs) -> None:
    """Pack sizes given by the file (a file without the column leaves them as they are)."""
    given = {s.sku: s.content for s in specs if s.content is not None}
    if given:
        ids = uow.catalog.ids_of_skus(sorted(given))
        uow.stock.set_contents([(ids[sku], content) for sku, content in given.items() if sku in ids])


def _resolve_tax_classes(uow, specs) -> tuple[dict[str, int], list[str], list[RowError]]:
    """SKU -> tax class id; CSV rates find (or create) a class, JSON names one that must exist."""
    classes = uow.catalog.tax_classes()
    ids = uow.catalog.tax_class_ids()
    by_rate: dict[Decimal, str] = {}
    for tc in classes:
        by_rate.setdefault(tc.rate, tc.code)
    out, created, errors = {}, [], []
    rates = {tc.code: tc.rate for tc in classes}
    for s in specs:
        if s.tax_class is not None:
            code = s.tax_class
            if code in ids and s.tax_rate is not None and rates[code] != s.tax_rate:
                errors.append(RowError(f"SKU {s.sku}", "tax_class", f"{code!r} is {rates[code]}% "
                                       f"here, the file says {s.tax_rate}%"))
                continue
            if code not in ids and s.tax_rate is None:
                errors.append(RowError(f"SKU {s.sku}", "tax_class",
                                       f"{code!r} is not a tax class here ({', '.join(sorted(ids))})"))
                continue
        else:
            code = by_rate.get(s.tax_rate) or f"vat-{s.tax_rate.normalize():f}"
        if code not in ids:  # a rate this store has not met yet, or a class exported from another
            ids[code] = uow.catalog.add_tax_class(code=code, name=f"VAT {s.tax_rate.normalize():f}%",
                                                  rate=s.tax_rate)
            rates[code] = s.tax_rate
            by_rate.setdefault(s.tax_rate, code)
            created.append(code)
        out[s.sku] = ids[code]
    return out, created, errors


def _barcode_conflicts(uow, specs) -> list[RowError]:
    owners = uow.catalog.barcode_owners()
    in_file = {s.sku for s in specs}
    errors = []
    for s in specs:
        for code in s.barcodes:
            owner = owners.get(code)
            if owner and owner != s.sku and owner not in in_file:
                errors.append(RowError(f"SKU {s.sku}", "barcodes",
                                       f"{code} already belongs to SKU {owner}"))
    return errors


def export_catalog(uow, *, path: Path, fmt: str | None = None) -> int:
    """Write every product as CSV or WooCommerce JSON; an export re-imports to the same catalog."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    products = list(uow.catalog.iter_all())
    text = write_csv(products) if fmt == "csv" else write_woo_json(products)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return len(products)
