"""Catalog files: CSV as shops keep them and WooCommerce REST v3 product JSON.

Parsing is all-or-nothing: every bad row is reported (line or index, field, reason) and the
caller imports nothing unless the list is empty.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.barcode import normalize_gtin
from posapp.domain.catalog import (
    ProductSpec,
    check_category_path,
    check_name,
    check_sku,
    check_unit,
    parse_bool,
)
from posapp.domain.errors import ValidationError
from posapp.domain.money import parse_price, parse_rate

CSV_COLUMNS = ("sku", "barcodes", "name", "category", "price", "tax_rate", "unit", "weighed")
CSV_OPTIONAL = ("name_en", "active")
# Accepted on import, not written by the export (an export re-imported leaves them as they are):
# content is the pack size shelf labels work the unit price from ("500g", "1.5L", "330ml*6").
CSV_EXTRA = ("content",)
MAX_CONTENT = 16
META_PREFIX = "posapp_"
WOO_BARCODE_KEYS = ("_barcode", "barcode", "_ean", "ean", "_gtin", "gtin", "_ean13")
MAX_ROW_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    where: str  # "line 7" or "product [3]"
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: {self.reason}"


@dataclass(frozen=True)
class ParsedFile:
    products: list[ProductSpec]
    errors: list[RowError]
    skipped: list[str]  # rows deliberately left out, with why (e.g. variable products)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used: as asked, else UTF-8 (with or without BOM), UTF-16 by BOM, GB18030."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValidationError(f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise ValidationError(f"the file is not valid {encoding} (byte {exc.start})") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for candidate in ("utf-8", "gb18030"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ValidationError("cannot tell the file's encoding; pass --encoding (e.g. gb18030 or big5)")


def _barcode_list(text: str) -> tuple[str, ...]:
    codes = [c.strip() for c in (text or "").split("|") if c.strip()]
    keys = tuple(normalize_gtin(c) for c in codes)
    if len(set(keys)) != len(keys):
        raise ValidationError("the same barcode is listed twice")
    return keys


def parse_csv(text: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return ParsedFile([], [RowError("line 1", "header", "the file is empty")], [])
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return ParsedFile([], [RowError("line 1", "header", f"missing column(s): {', '.join(missing)}; "
                                        f"expected {','.join(CSV_COLUMNS)}")], [])
    unknown = [h for h in header if h not in CSV_COLUMNS + CSV_OPTIONAL + CSV_EXTRA]
    if unknown:
        return ParsedFile([], [RowError("line 1", "header", f"unknown column(s): {', '.join(unknown)}")], [])
    products, errors = [], []
    for cells in reader:
        where = f"line {reader.line_num}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(RowError(where, "row", f"has {len(cells)} fields, the header has {len(header)}"))
            continue
        row = dict(zip(header, cells))
        spec = _csv_row(row, where, errors)
        if spec is not None:
            products.append(spec)
        if len(errors) >= MAX_ROW_ERRORS:
            break
    _check_duplicates(products, errors)
    return ParsedFile(products, errors, [])


def check_content(text: str) -> str:
    content = "".join(str(text or "").split())
    if len(content) > MAX_CONTENT:
        raise ValidationError(f"content {content[:20]!r} is longer than {MAX_CONTENT} characters")
    return content


def _field(errors: list[RowError], where: str, name: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.append(RowError(where, name, str(exc)))
        return None


def _csv_row(row: dict, where: str, errors: list[RowError]) -> ProductSpec | None:
    before = len(errors)
    sku = _field(errors, where, "sku", check_sku, row["sku"])
    name = _field(errors, where, "name", check_name, row["name"])
    price = _field(errors, where, "price", parse_price, row["price"])
    rate = _field(errors, where, "tax_rate", parse_rate, row["tax_rate"])
    barcodes = _field(errors, where, "barcodes", _barcode_list, row["barcodes"])
    category = _field(errors, where, "category", check_category_path, row["category"])
    unit = _field(errors, where, "unit", check_unit, row["unit"])
    weighed = _field(errors, where, "weighed", parse_bool, row["weighed"], what="weighed")
    name_en = row.get("name_en", "").strip()
    if name_en:
        name_en = _field(errors, where, "name_en", check_name, name_en, what="name_en")
    active = _field(errors, where, "active", parse_bool, row.get("active") or "true", what="active")
    content = _field(errors, where, "content", check_content, row["content"]) if "content" in row else None
    if len(errors) > before:
        return None
    return ProductSpec(sku=sku, name=name, price=price, tax_rate=rate, barcodes=barcodes,
                       category=category, unit=unit, weighed=weighed, name_en=name_en or "",
                       active=active, content=content)


def _check_duplicates(products: list[ProductSpec], errors: list[RowError]) -> None:
    seen_sku: dict[str, int] = {}
    seen_code: dict[str, str] = {}
    for index, spec in enumerate(products):
        if spec.sku in seen_sku:
            errors.append(RowError(f"SKU {spec.sku}", "sku", "appears more than once in the file"))
        seen_sku[spec.sku] = index
        for code in spec.barcodes:
            if code in seen_code and seen_code[code] != spec.sku:
                errors.append(RowError(f"SKU {spec.sku}", "barcodes",
                                       f"{code} is also given to SKU {seen_code[code]}"))
            seen_code[code] = spec.sku


def write_csv(products) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + CSV_OPTIONAL)
    for p in products:
        writer.writerow([p.sku, "|".join(p.barcodes), p.name, p.category, f"{p.price}",
                         _rate_text(p.tax_rate), p.unit, "true" if p.weighed else "false",
                         p.name_en, "true" if p.active else "false"])
    return out.getvalue()


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


# --- WooCommerce REST API v3 products ------------------------------------------------------

def parse_woo_json(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedFile([], [RowError(f"line {exc.lineno}", "json", f"not valid JSON: {exc.msg}")], [])
    if not isinstance(data, list):
        return ParsedFile([], [RowError("file", "json", "expected an array of products")], [])
    products, errors, skipped = [], [], []
    for index, item in enumerate(data):
        where = f"product [{index}]"
        if not isinstance(item, dict):
            errors.append(RowError(where, "product", "is not an object"))
            continue
        if item.get("type", "simple") in ("variable", "grouped"):
            skipped.append(f"{where} {item.get('sku') or item.get('id')}: {item.get('type')} "
                           "products are sold through their variations")
            continue
        spec = _woo_item(item, where, errors)
        if spec is not None:
            products.append(spec)
        if len(errors) >= MAX_ROW_ERRORS:
            break
    _check_duplicates(products, errors)
    return ParsedFile(products, errors, skipped)


def _meta(item: dict) -> dict[str, object]:
    meta = item.get("meta_data") or []
    if not isinstance(meta, list):
        raise ValidationError("meta_data must be an array")
    return {m.get("key"): m.get("value") for m in meta if isinstance(m, dict)}


def _woo_item(item: dict, where: str, errors: list[RowError]) -> ProductSpec | None:
    before = len(errors)
    meta = _field(errors, where, "meta_data", _meta, item) or {}
    sku = _field(errors, where, "sku", check_sku, str(item.get("sku") or ""))
    name = _field(errors, where, "name", check_name, str(item.get("name") or ""))
    price_text = item.get("regular_price") or item.get("price") or ""
    price = _field(errors, where, "regular_price", parse_price, str(price_text))
    codes = [str(item["global_unique_id"])] if item.get("global_unique_id") else []
    codes += [str(meta[k]) for k in WOO_BARCODE_KEYS if meta.get(k)]
    extra = str(meta.get(META_PREFIX + "barcodes") or "")
    barcodes = _field(errors, where, "global_unique_id", _barcode_list, "|".join(codes + [extra]))
    category = _field(errors, where, "categories", _woo_category, item, meta)
    unit = _field(errors, where, "meta_data.unit", check_unit,
                  str(meta.get(META_PREFIX + "unit") or meta.get("unit") or ""))
    weighed = _field(errors, where, "meta_data.weighed", parse_bool,
                     str(meta.get(META_PREFIX + "weighed") or "false"), what="weighed")
    tax_class = item.get("tax_class") or "standard"
    if not isinstance(tax_class, str):
        errors.append(RowError(where, "tax_class", "must be a string"))
    name_en = str(meta.get(META_PREFIX + "name_en") or "")
    rate = meta.get(META_PREFIX + "tax_rate")
    rate = _field(errors, where, "meta_data.tax_rate", parse_rate, str(rate)) if rate else None
    if len(errors) > before:
        return None
    return ProductSpec(sku=sku, name=name, price=price, barcodes=barcodes, category=category,
                       unit=unit, weighed=weighed, tax_class=tax_class, tax_rate=rate, name_en=name_en,
                       active=item.get("status") == "publish",
                       external_id=str(item["id"]) if item.get("id") is not None else None)


def _woo_category(item: dict, meta: dict) -> str:
    path = meta.get(META_PREFIX + "category")
    if path:
        return check_category_path(str(path))
    cats = item.get("categories") or []
    if not isinstance(cats, list) or any(not isinstance(c, dict) for c in cats):
        raise ValidationError("categories must be an array of objects")
    return check_category_path(str(cats[0].get("name") or "")) if cats else ""


def write_woo_json(products) -> str:
    """Products in the v3 shape; what the shop has no field for travels in posapp_ meta_data."""
    items = []
    for p in products:
        leaf = p.category.rsplit("/", 1)[-1] if p.category else ""
        meta = [{"key": META_PREFIX + "category", "value": p.category},
                {"key": META_PREFIX + "unit", "value": p.unit},
                {"key": META_PREFIX + "weighed", "value": "true" if p.weighed else "false"},
                {"key": META_PREFIX + "name_en", "value": p.name_en},
                {"key": META_PREFIX + "tax_rate", "value": f"{p.tax_rate.normalize():f}"},
                {"key": META_PREFIX + "barcodes", "value": "|".join(p.barcodes[1:])}]
        item = {"sku": p.sku, "name": p.name, "type": "simple",
                "status": "publish" if p.active else "draft",
                "regular_price": f"{p.price}", "tax_class": "" if p.tax_class == "standard" else p.tax_class,
                "global_unique_id": p.barcodes[0] if p.barcodes else "",
                "categories": [{"name": leaf}] if leaf else [], "meta_data": meta}
        if p.external_id:
            item = {"id": int(p.external_id) if p.external_id.isdigit() else p.external_id, **item}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=1)
