"""Stock files into stock work: a delivery note into receiving lines, a reorder-levels file, a
hand-held scanner's export into count entries. Every row's product is looked up and every bad row
listed (line, column, reason) before anything is posted; then all rows are posted, or none."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from posapp.domain.barcode import parse_scan
from posapp.domain.catalog import Product
from posapp.domain.catalog_files import RowError
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.stock import DocLine, parse_qty
from posapp.domain.stock_files import (StockRow, parse_count_entries, parse_delivery_note,
                                       parse_reorder_levels)
from posapp.domain.users import User
from posapp.i18n import _
from posapp.services.auth import audit, current
from posapp.services.station import Station
from posapp.services.stock import set_reorder_level
from posapp.services.stock_counts import EntryResult, record_entry

MAX_FILE_BYTES = 20 * 1024 * 1024
SHOWN_ERRORS = 50


class StockFileRejected(ValidationError):
    """A stock file with bad rows: nothing was posted; .errors lists every one."""

    def __init__(self, errors: list[RowError], *, source: str):
        self.errors = errors
        self.source = source
        shown = "\n".join(f"  {e}" for e in errors[:SHOWN_ERRORS])
        more = ("\n  " + _("... and {n} more").format(n=len(errors) - SHOWN_ERRORS)
                if len(errors) > SHOWN_ERRORS else "")
        super().__init__(_("{source}: {n} bad row(s), nothing was posted:").format(source=source, n=len(errors))
                         + f"\n{shown}{more}")


@dataclass(frozen=True)
class LevelLine:
    """A reorder level from a file (None takes the level away)."""

    line: int
    product_id: int | None  # None: a barcode the catalog does not know (recorded, listed for the manager)
    sku: str
    name: str
    level: Decimal | None


@dataclass(frozen=True)
class CountFileLine:
    """One line of a scanner's export, checked and ready to be recorded as a count entry."""

    line: int
    product_id: int | None  # None: a barcode the catalog does not know (recorded, listed for the manager)
    sku: str
    name: str
    code: str  # the barcode as scanned ("" when the line gave a SKU)
    qty: Decimal | None  # None: one scan (one piece, or the weight its label carries)
    location: str


def _read(path: Path) -> bytes:
    path = Path(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ValidationError(_("{name} is {size} MB; the limit is {limit} MB").format(
                name=path.name, size=size // 2**20, limit=MAX_FILE_BYTES // 2**20))
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None


def find_product(uow, station: Station, *, sku: str = "", code: str = "") -> Product:
    """The product a SKU or a barcode (a scale label's too) names, or NotFound."""
    if sku.strip():
        product = uow.catalog.by_sku(sku.strip())
        if product is None:
            raise NotFound(_("No product has SKU {sku}").format(sku=sku.strip()))
        return product
    key = parse_scan(code, rules=station.embedded_rules).key
    product = uow.catalog.by_barcode(key)
    if product is None:
        raise NotFound(_("No product has barcode {code}").format(code=key))
    return product


class _Products:
    """Looks rows' products up once per SKU or barcode, listing the rows it cannot place."""

    def __init__(self, uow):
        self.uow = uow
        self.by_sku: dict[str, Product | None] = {}
        self.by_key: dict[str, Product | None] = {}

    def unknown(self, key: str) -> bool:
        """A well-formed barcode the catalog does not have."""
        if key not in self.by_key:
            self.by_key[key] = self.uow.catalog.by_barcode(key)
        return self.by_key[key] is None

    def of(self, row: StockRow, errors: list[RowError]) -> Product | None:
        where = f"line {row.line}"
        by_sku = by_code = None
        if row.sku:
            if row.sku not in self.by_sku:
                self.by_sku[row.sku] = self.uow.catalog.by_sku(row.sku)
            by_sku = self.by_sku[row.sku]
            if by_sku is None:
                errors.append(RowError(where, "sku", _("no product has SKU {sku}").format(sku=row.sku)))
                return None
        if row.key:
            if row.key not in self.by_key:
                self.by_key[row.key] = self.uow.catalog.by_barcode(row.key)
            by_code = self.by_key[row.key]
            if by_code is None:
                errors.append(RowError(where, "barcode", _("no product has barcode {code}").format(code=row.code)))
                return None
        if by_sku is not None and by_code is not None and by_sku.id != by_code.id:
            errors.append(RowError(where, "barcode", _("{code} is {other}, not SKU {sku}").format(
                code=row.code, other=by_code.sku, sku=row.sku)))
            return None
        return by_sku or by_code


_BAD = object()


def _units(errors: list[RowError], row: StockRow, product: Product, column: str, qty: Decimal | None, *,
           allow_zero: bool = False):
    """The quantity in whole units unless the product is weighed (then to the gram), or _BAD after
    listing why under its column."""
    if qty is None:
        return None
    try:
        return parse_qty(qty, weighed=product.weighed, allow_zero=allow_zero, what=column)
    except ValidationError as exc:
        errors.append(RowError(f"line {row.line}", column, f"{product.sku} {product.name}: {exc}"))
        return _BAD


def _rejected(errors: list[RowError], source: str) -> StockFileRejected:
    def line(e: RowError) -> int:
        return int(e.where.split()[-1]) if e.where.startswith("line ") else 0

    return StockFileRejected(sorted(errors, key=line), source=source)


def read_delivery_note(uow, station: Station, path: Path) -> list[DocLine]:
    """Receiving lines from a delivery note file; StockFileRejected lists every bad row."""
    path = Path(path)
    parsed = parse_delivery_note(_read(path), places=station.places, rules=station.embedded_rules)
    products, errors, lines = _Products(uow), list(parsed.errors), []
    for row in parsed.rows:
        product = products.of(row, errors)
        if product is None:
            continue
        qty = _units(errors, row, product, "qty", row.qty, allow_zero=row.expected is not None)
        expected = _units(errors, row, product, "expected", row.expected, allow_zero=True)
        if qty is not _BAD and expected is not _BAD:
            lines.append(DocLine(product_id=product.id, qty=qty, location=row.location, cost=row.cost,
                                 expected=expected, sku=product.sku, name=product.name))
    if errors:
        raise _rejected(errors, path.name)
    return lines


def read_reorder_levels(uow, station: Station, path: Path) -> list[LevelLine]:
    """Reorder levels from a file (sku or barcode, reorder_level); a product given twice is refused."""
    path = Path(path)
    parsed = parse_reorder_levels(_read(path), rules=station.embedded_rules)
    products, errors, levels = _Products(uow), list(parsed.errors), []
    first: dict[int, int] = {}
    for row in parsed.rows:
        product = products.of(row, errors)
        level = _BAD if product is None else _units(errors, row, product, "reorder_level", row.qty, allow_zero=True)
        if level is _BAD:
            continue
        if product.id in first:
            errors.append(RowError(f"line {row.line}", "sku", _("{sku} is already on line {line}").format(
                sku=product.sku, line=first[product.id])))
            continue
        first[product.id] = row.line
        levels.append(LevelLine(line=row.line, product_id=product.id, sku=product.sku, name=product.name,
                                level=level))
    if errors:
        raise _rejected(errors, path.name)
    return levels


def read_count_entries(uow, station: Station, path: Path) -> list[CountFileLine]:
    """A scanner's export, every line's product found and its quantity checked; nothing recorded. A barcode
    the catalog does not know is kept (it is recorded as a problem entry for the manager, like a live scan);
    a malformed one, an unknown SKU or a bad quantity refuses the file."""
    path = Path(path)
    parsed = parse_count_entries(_read(path), rules=station.embedded_rules)
    products, errors, entries = _Products(uow), list(parsed.errors), []
    for row in parsed.rows:
        if row.key and not row.sku and products.unknown(row.key):  # listed for the manager, as a live scan
            entries.append(CountFileLine(line=row.line, product_id=None, sku="", name="", code=row.code,
                                         qty=row.qty, location=row.location))
            continue
        product = products.of(row, errors)
        qty = _BAD if product is None else _units(errors, row, product, "qty", row.qty, allow_zero=True)
        if qty is _BAD:
            continue
        if product.weighed and row.qty is None and row.weight is None:
            errors.append(RowError(f"line {row.line}", "qty", _("{name} is sold by weight: give its weight").format(
                name=product.name)))
            continue
        entries.append(CountFileLine(line=row.line, product_id=product.id, sku=product.sku, name=product.name,
                                     code=row.code, qty=qty, location=row.location))
    if errors:
        raise _rejected(errors, path.name)
    return entries


def _one_transaction(uow):
    """A transaction around several service calls: each call's own commit only releases a savepoint
    inside it, so a failure on the last row undoes the first ones too."""
    return type(uow)(uow.db)


def record_count_entries(uow, station: Station, *, actor: User, number: str, entries: list[CountFileLine],
                         source: str = "") -> list[EntryResult]:
    """Record a checked scanner file as count entries (each one as if scanned), all or none."""
    if not entries:
        raise ValidationError(_("Nothing to record: the file has no lines"))
    results = []
    with _one_transaction(uow) as outer:
        for e in entries:
            try:
                results.append(record_entry(uow, station, actor=actor, number=number, code=e.code,
                                            sku="" if e.code else e.sku,
                                            qty=None if e.qty is None else str(e.qty), location=e.location))
            except ValidationError as exc:
                raise ValidationError(_("line {line}: {reason}; nothing was recorded").format(
                    line=e.line, reason=exc)) from None
        audit(uow, station, actor=current(uow, actor), action="stock_count_file_loaded",
              detail={"count": number, "source": source, "entries": len(results),
                      "problems": sum(1 for r in results if r.problem)})
        outer.commit()
    return results


def save_reorder_levels(uow, station: Station, *, actor: User, levels: list[LevelLine]) -> int:
    """Set every reorder level of a checked file, all or none (each audited like one set by hand)."""
    if not levels:
        raise ValidationError(_("Nothing to save: the file has no lines"))
    with _one_transaction(uow) as outer:
        for lv in levels:
            set_reorder_level(uow, station, actor=actor, product_id=lv.product_id, level=lv.level)
        outer.commit()
    return len(levels)
