"""Shared by the posapp-admin stock commands: how products are named on the command line, quantities
read, and stock shown as text or JSON."""

from __future__ import annotations

import json
from decimal import Decimal

from posapp.cli.common import _out

# --- output helpers --------------------------------------------------------------------------

def _cell(text, width: int) -> str:
    from posapp.devices.textwidth import pad_right, truncate

    return pad_right(truncate(str(text), width, ambiguous=1, ellipsis="…"), width, ambiguous=1)


def _utc(at) -> str | None:
    return f"{at:%Y-%m-%dT%H:%M:%S}Z" if at else None


def _local(at, tz: str) -> str:
    from posapp.domain.clock import to_local

    return f"{to_local(at, tz):%Y-%m-%d %H:%M}" if at else "-"


def _num(value) -> str | None:
    return None if value is None else str(value)


def _json(data) -> None:
    _out(json.dumps(data, ensure_ascii=False, indent=1))


def _level_json(lv) -> dict:
    return {"sku": lv.sku, "name": lv.name, "category": lv.category, "location": lv.location, "unit": lv.unit,
            "qty": _num(lv.qty), "reorder_level": _num(lv.reorder_level)}


def _level_line(lv) -> str:
    reorder = f"reorder at {lv.reorder_level}" if lv.reorder_level is not None else ""
    return f"{_cell(lv.sku, 12)} {_cell(lv.name, 30)} {lv.location:<9} {lv.qty:>10} {lv.unit:<4} {reorder}".rstrip()


def _scope_text(scope) -> str:
    return f"{', '.join(scope.categories) or 'all categories'} / {', '.join(scope.locations)}"


def _product(uow, station, args):
    from posapp.domain.errors import ValidationError
    from posapp.services.stock_files import find_product

    if not (args.sku or getattr(args, "code", None)):
        raise ValidationError("give the product: --sku SKU or --code BARCODE")
    return find_product(uow, station, sku=args.sku or "", code=getattr(args, "code", None) or "")


def _qty(text: str, product, *, signed: bool = False, allow_zero: bool = False) -> Decimal:
    from posapp.domain.stock import parse_qty

    text, sign = str(text).strip(), 1
    if signed and text[:1] in ("+", "-"):
        text, sign = text[1:], -1 if text[0] == "-" else 1
    return sign * parse_qty(text, weighed=product.weighed, allow_zero=allow_zero)


def _json_flag(q) -> None:
    q.add_argument("--json", action="store_true", help="machine-readable output")


def _product_args(q, *, code: bool = True) -> None:
    q.add_argument("--sku")
    if code:
        q.add_argument("--code", metavar="BARCODE", help="a barcode instead of --sku")
