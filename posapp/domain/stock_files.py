"""Stock files a manager brings: a delivery note, reorder levels, a hand-held scanner's export.

CSV with a header row, UTF-8 (with or without BOM) or GB18030, like catalog files. Parsing is
all-or-nothing: every bad row is listed (line, column, reason), and nothing is posted unless the
list is empty. Which product a SKU or barcode is, and whether it counts in whole units, the
service decides (posapp.services.stock_files)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, EmbeddedRule, parse_scan
from posapp.domain.catalog import check_sku
from posapp.domain.catalog_files import RowError, decode
from posapp.domain.errors import ValidationError
from posapp.domain.money import parse_price
from posapp.domain.stock import check_location, parse_qty
from posapp.i18n import _

MAX_ROWS = 50_000
MAX_ROW_ERRORS = 1000
ALIASES = {"code": "barcode", "quantity": "qty", "reorder": "reorder_level", "level": "reorder_level"}
DELIVERY_COLUMNS = ("sku", "barcode", "qty", "cost", "expected", "location", "name")
REORDER_COLUMNS = ("sku", "barcode", "reorder_level", "name")
COUNT_COLUMNS = ("sku", "barcode", "qty", "location", "name")
HEADERLESS_COUNT = ("barcode", "qty")  # a scanner's export without a header: code[,qty] a line


@dataclass(frozen=True)
class StockRow:
    """One good row of a stock file, before its product is looked up."""

    line: int
    sku: str = ""
    code: str = ""  # the barcode as written
    key: str = ""  # what the catalog is searched by (an in-store label's item code)
    weight: Decimal | None = None  # carried by an in-store weight label
    qty: Decimal | None = None  # received or counted; a reorder level; None: not given
    cost: Decimal | None = None  # unit cost on a delivery note
    expected: Decimal | None = None  # what the delivery note said
    location: str = "sellable"


@dataclass(frozen=True)
class ParsedStockFile:
    rows: list[StockRow]
    errors: list[RowError]


def _reject(where: str, field: str, reason: str) -> ParsedStockFile:
    return ParsedStockFile([], [RowError(where, field, reason)])


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        text, _encoding = decode(data)
    except ValidationError:
        raise ValidationError(_("cannot tell the file's encoding: save it as UTF-8 (or GB18030)")) from None
    return text.lstrip("\ufeff")


def _header(cells: list[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").strip().lower().replace(" ", "_") for c in cells]
    return [ALIASES.get(n, n) for n in names]


def _check_header(header: list[str], *, known: tuple[str, ...], required: tuple[str, ...]) -> str:
    """Why the header cannot be read, or ""."""
    unknown = [h or "(empty)" for h in header if h not in known]
    if unknown:
        return _("unknown column(s): {unknown}; the columns are {known}").format(
            unknown=", ".join(unknown), known=",".join(known))
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        return _("column(s) given twice: {columns}").format(columns=", ".join(twice))
    missing = [c for c in required if c not in header]
    if "sku" not in header and "barcode" not in header:
        missing.insert(0, "sku or barcode")
    if missing:
        return _("missing column(s): {missing}").format(missing=", ".join(missing))
    return ""


def _records(text: str, *, known: tuple[str, ...], required: tuple[str, ...], headerless: tuple[str, ...] = ()):
    """(line, {column: cell}) of every non-empty row, and the errors of its shape."""
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RowError] = []
    records: list[tuple[int, dict[str, str]]] = []
    try:
        first = next(reader)
        while not any(c.strip() for c in first):
            first = next(reader)
    except StopIteration:
        return [], [RowError("line 1", "header", _("the file is empty"))]
    except csv.Error as exc:
        return [], [RowError("line 1", "header", str(exc))]
    header = _header(first)
    pending: list[tuple[int, list[str]]] = []
    if headerless and first and first[0].strip().isdecimal():
        header = list(headerless)
        pending.append((reader.line_num, first))
    else:
        problem = _check_header(header, known=known, required=required)
        if problem:
            return [], [RowError(f"line {reader.line_num}", "header", problem)]
    try:
        for line, cells in _rows(reader, pending):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and not any(c.strip() for c in cells[len(header):]):
                cells = cells[:len(header)]  # trailing empty cells, as spreadsheets write them
            if len(cells) > len(header) or (len(cells) < len(header) and not headerless):
                errors.append(RowError(f"line {line}", "row", _("has {n} fields, the header has {m}").format(
                    n=len(cells), m=len(header))))
                continue
            records.append((line, dict(zip(header, cells))))
            if len(records) > MAX_ROWS:
                return [], [RowError(f"line {line}", "row", _("more than {max} rows: split the file").format(
                    max=MAX_ROWS))]
            if len(errors) >= MAX_ROW_ERRORS:
                break
    except csv.Error as exc:
        errors.append(RowError(f"line {reader.line_num}", "row", str(exc)))
    if not records and not errors:
        errors.append(RowError("line 2", "row", _("the file has no rows under its header")))
    return records, errors


def _in_order(rows: list[StockRow], errors: list[RowError]) -> ParsedStockFile:
    def line(e: RowError) -> int:
        return int(e.where.split()[-1]) if e.where.startswith("line ") else 0

    return ParsedStockFile(rows, sorted(errors, key=line))


def _rows(reader, pending):
    yield from pending
    for cells in reader:
        yield reader.line_num, cells


def _cell(errors: list[RowError], line: int, name: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.append(RowError(f"line {line}", name, str(exc)))
        return None


def _product(errors: list[RowError], line: int, row: dict[str, str], rules) -> dict | None:
    """sku, code, key and weight of a row that names its product by SKU and/or barcode."""
    sku_text, code = (row.get("sku") or "").strip(), (row.get("barcode") or "").strip()
    if not sku_text and not code:
        errors.append(RowError(f"line {line}", "sku", _("give a SKU or a barcode")))
        return None
    before = len(errors)
    sku = _cell(errors, line, "sku", check_sku, sku_text) if sku_text else ""
    scanned = _cell(errors, line, "barcode", parse_scan, code, rules=rules) if code else None
    if len(errors) > before:
        return None
    weight = None
    if scanned is not None and scanned.embedded is not None and scanned.embedded.kind == "weight":
        weight = scanned.embedded.value
    return {"sku": sku, "code": code, "key": scanned.key if scanned else "", "weight": weight}


def _qty(errors: list[RowError], line: int, name: str, text: str, *, allow_zero: bool = False) -> Decimal | None:
    # Whole units or grams depend on the product: the service checks that once it knows which.
    return _cell(errors, line, name, parse_qty, text, weighed=True, allow_zero=allow_zero, what=name)


def _location(errors: list[RowError], line: int, row: dict[str, str]) -> str | None:
    text = (row.get("location") or "").strip()
    return _cell(errors, line, "location", check_location, text) if text else "sellable"


def parse_delivery_note(data: bytes | str, *, places: int = 2,
                        rules: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES) -> ParsedStockFile:
    """sku or barcode, qty (received), cost (unit cost, optional), expected (what the note said,
    optional; then a qty of 0 means none came), location (optional, sellable), name (ignored)."""
    try:
        text = _decode(data)
    except ValidationError as exc:
        return _reject("file", "encoding", str(exc))
    records, errors = _records(text, known=DELIVERY_COLUMNS, required=("qty",))
    rows = []
    for line, row in records:
        before = len(errors)
        product = _product(errors, line, row, rules)
        expected_text = (row.get("expected") or "").strip()
        expected = _qty(errors, line, "expected", expected_text, allow_zero=True) if expected_text else None
        qty_text = (row.get("qty") or "").strip()
        if not qty_text:
            errors.append(RowError(f"line {line}", "qty", _("the received quantity is empty")))
            qty = None
        else:
            qty = _qty(errors, line, "qty", qty_text, allow_zero=bool(expected_text))
        cost_text = (row.get("cost") or "").strip()
        cost = _cell(errors, line, "cost", parse_price, cost_text, places=places, what="cost") if cost_text else None
        location = _location(errors, line, row)
        if len(errors) == before:
            rows.append(StockRow(line=line, **product, qty=qty, cost=cost, expected=expected, location=location))
    return _in_order(rows, errors)


def parse_reorder_levels(data: bytes | str, *,
                         rules: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES) -> ParsedStockFile:
    """sku or barcode, reorder_level (0 and up; an empty cell takes the product's level away)."""
    try:
        text = _decode(data)
    except ValidationError as exc:
        return _reject("file", "encoding", str(exc))
    records, errors = _records(text, known=REORDER_COLUMNS, required=("reorder_level",))
    rows = []
    for line, row in records:
        before = len(errors)
        product = _product(errors, line, row, rules)
        level_text = (row.get("reorder_level") or "").strip()
        level = _qty(errors, line, "reorder_level", level_text, allow_zero=True) if level_text else None
        if len(errors) == before:
            rows.append(StockRow(line=line, **product, qty=level))
    return _in_order(rows, errors)


def parse_count_entries(data: bytes | str, *,
                        rules: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES) -> ParsedStockFile:
    """A hand-held scanner's export: barcode (or code) or sku, qty (optional: one scan counts one,
    or a weight label's weight), location (optional). Without a header: code[,qty] on each line."""
    try:
        text = _decode(data)
    except ValidationError as exc:
        return _reject("file", "encoding", str(exc))
    records, errors = _records(text, known=COUNT_COLUMNS, required=(), headerless=HEADERLESS_COUNT)
    rows = []
    for line, row in records:
        before = len(errors)
        product = _product(errors, line, row, rules)
        qty_text = (row.get("qty") or "").strip()
        qty = _qty(errors, line, "qty", qty_text) if qty_text else None
        location = _location(errors, line, row)
        if len(errors) == before:
            rows.append(StockRow(line=line, **product, qty=qty, location=location))
    return _in_order(rows, errors)
