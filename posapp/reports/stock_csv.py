"""A count's variances as CSV: one row per line, for a spreadsheet or another system.

UTF-8 with a BOM, so Excel (as set up in China) opens Chinese names as they are. The header is the
stable English column names below, whatever the screen's language, so scripts can read any file;
locations and value bases are their keys (sellable, damaged; cost, price). Quantities are plain
decimals (a weighed line to the gram), money to the currency's minor unit, a signed variance; a line
nobody counted has empty counted, variance and variance value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from posapp.domain.money import round_money
from posapp.domain.stock import CountLine

COLUMNS = ("sku", "barcode", "name", "category", "location", "unit", "snapshot", "moved", "expected", "counted",
           "variance", "unit_value", "basis", "variance_value", "round")


def _qty(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize() + 0:f}"


def _money(value: Decimal | None, places: int) -> str:
    return "" if value is None else f"{round_money(value, places):.{places}f}"


def variance_row(ln: CountLine, places: int = 2) -> list[str]:
    return [ln.sku, ln.barcode, ln.name, ln.category, ln.location, ln.unit, _qty(ln.snapshot), _qty(ln.moved),
            _qty(ln.expected), _qty(ln.counted), _qty(ln.variance), _money(ln.unit_value, places), ln.value_basis,
            _money(ln.variance_value, places), str(ln.round)]


def write_variances_csv(lines: Iterable[CountLine], path: str | Path, *, places: int = 2,
                        only_variances: bool = False) -> int:
    """Write the lines (only_variances: just those counted with a variance other than 0) to path;
    returns the rows written, the header not included."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for ln in lines:
            if only_variances and not ln.variance:
                continue
            out.writerow(variance_row(ln, places))
            rows += 1
    return rows
