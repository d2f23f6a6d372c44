"""Stock files as managers bring them (delivery notes, reorder levels, a scanner's export): what is
read, and every bad row refused with its line, column and reason, so nothing is half-posted."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, embed_value
from posapp.domain.stock_files import (MAX_ROWS, StockRow, parse_count_entries, parse_delivery_note,
                                       parse_reorder_levels)

MILK = "6935711000015"
CABBAGE = "2510001000001"  # a weighed product's in-store base code (prefix 25: weight in grams)


def problems(parsed) -> list[tuple[str, str]]:
    return [(e.where, e.field) for e in parsed.errors]


def test_a_delivery_note_in_utf8_with_bom_is_read_with_costs_and_what_the_note_said():
    text = ("\ufeffSKU,Barcode,Name,Qty,Cost,Expected,Location\r\n"
            "D0000001,,君乐宝 高钙奶粉,12,60.50,12,\r\n"
            ",6935711000015,,\"1,000\",,1000,sellable\r\n"
            "\r\n"
            "D0000003,,,0,,4,damaged\r\n")
    parsed = parse_delivery_note(text.encode("utf-8"))
    assert parsed.errors == []
    assert parsed.rows == [
        StockRow(line=2, sku="D0000001", qty=D(12), cost=D("60.50"), expected=D(12)),
        StockRow(line=3, code=MILK, key=MILK, qty=D(1000), expected=D(1000)),
        StockRow(line=5, sku="D0000003", qty=D(0), expected=D(4), location="damaged")]


def test_gb18030_files_are_read_and_code_is_another_name_for_barcode():
    text = "code,qty,name\n6935711000015,3,君乐宝 高钙奶粉\n"
    parsed = parse_delivery_note(text.encode("gb18030"))
    assert parsed.errors == [] and parsed.rows[0].key == MILK and parsed.rows[0].qty == D(3)


def test_every_bad_row_of_a_delivery_note_is_listed_and_none_is_kept():
    text = ("sku,barcode,qty,cost\n"
            "D0000001,,abc,1\n"        # not a number
            "D0000002,,-3,\n"          # negative
            "D0000003,,100000,\n"      # absurd
            "D0000004,,0,\n"           # nothing received, and no note saying what was expected
            "D0000005,,1.0005,\n"      # more than grams
            ",,5,\n"                   # no product
            "D 6,,5,\n"                # not a SKU
            ",6935711000016,5,\n"      # wrong check digit
            "D0000009,,5,-2\n"         # negative cost
            "D0000010,,5,1.234\n"      # a cost past the cent
            "D0000011,,,\n"            # no quantity
            "D0000012,,5,1,extra\n"    # a cell too many
            "D0000013,,5,1\n")         # the one good row
    parsed = parse_delivery_note(text.encode())
    assert [r.line for r in parsed.rows] == [14]  # the caller posts none of them while errors exist
    assert problems(parsed) == [("line 2", "qty"), ("line 3", "qty"), ("line 4", "qty"), ("line 5", "qty"),
                                ("line 6", "qty"), ("line 7", "sku"), ("line 8", "sku"), ("line 9", "barcode"),
                                ("line 10", "cost"), ("line 11", "cost"), ("line 12", "qty"), ("line 13", "row")]
    reasons = [e.reason for e in parsed.errors]
    assert "not a number" in reasons[0] and "cannot be negative" in reasons[1] and "check what was typed" in reasons[2]
    assert "check digit" in reasons[7] and "negative" in reasons[8] and "decimal places" in reasons[9]
    assert str(parsed.errors[0]).startswith("line 2, qty: ")


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the file is empty"),
    ("\n\n", "the file is empty"),
    ("sku,qty\n", "no rows"),
    ("sku,cost\nD0000001,1\n", "missing column(s): qty"),
    ("name,qty\nmilk,1\n", "missing column(s): sku or barcode"),
    ("sku,qyt\nD0000001,1\n", "unknown column(s): qyt"),
    ("sku,qty,qty\nD0000001,1,2\n", "given twice: qty"),
])
def test_a_file_without_the_columns_or_rows_is_refused_as_a_whole(text, reason):
    parsed = parse_delivery_note(text.encode())
    assert parsed.rows == [] and len(parsed.errors) == 1 and reason in parsed.errors[0].reason


def test_a_file_in_no_encoding_we_can_read_is_refused():
    parsed = parse_delivery_note(b"sku,qty\nD0000001,\xff\xfe\xff\n")
    assert parsed.rows == [] and problems(parsed) == [("file", "encoding")]
    assert "UTF-8" in parsed.errors[0].reason


def test_reorder_levels_zero_and_empty_which_takes_the_level_away():
    parsed = parse_reorder_levels(b"sku,reorder_level\nD0000001,5\nD0000002,0\nD0000003,\n")
    assert parsed.errors == []
    assert [(r.sku, r.qty) for r in parsed.rows] == [("D0000001", D(5)), ("D0000002", D(0)), ("D0000003", None)]
    bad = parse_reorder_levels(b"sku,reorder_level\nD0000001,-1\nD0000002,lots\nD0000003,1000000\n")
    assert problems(bad) == [("line 2", "reorder_level"), ("line 3", "reorder_level"), ("line 4", "reorder_level")]
    assert parse_reorder_levels(b"sku,qty\nD0000001,1\n").errors[0].reason.startswith("unknown column(s): qty")


def test_a_scanner_export_without_a_header_one_scan_a_line_or_code_and_qty():
    label = embed_value(base=CABBAGE, value=D("1.234"), rule=DEFAULT_EMBEDDED_RULES[5])
    parsed = parse_count_entries(f"{MILK}\n{MILK},3\n{label}\n\n".encode())
    assert parsed.errors == []
    assert [(r.line, r.key, r.qty, r.weight) for r in parsed.rows] == [
        (1, MILK, None, None), (2, MILK, D(3), None), (3, CABBAGE, None, D("1.234"))]
    assert parsed.rows[2].code == label


def test_a_scanner_export_with_a_header_and_its_bad_lines():
    text = "barcode,qty,location\n6935711000015,2,sellable\n6935711000015,0,\n12345,1,\n6935711000015,1,shelf\n"
    parsed = parse_count_entries(text.encode())
    assert problems(parsed) == [("line 3", "qty"), ("line 4", "barcode"), ("line 5", "location")]
    assert len(parse_count_entries(b"sku,qty\nD0000001,2\n").rows) == 1
    assert problems(parse_count_entries(b"6935711000015,1,2\n")) == [("line 1", "row")]


def test_a_file_too_long_is_refused_without_reading_every_row():
    text = "6935711000015\n" * (MAX_ROWS + 1)
    parsed = parse_count_entries(text.encode())
    assert parsed.rows == [] and "split the file" in parsed.errors[0].reason
