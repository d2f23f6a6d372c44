"""posapp-admin stock on a real store (SQLite and PostgreSQL), as a store manager runs it: receiving a
delivery note, levels and the low-stock list, write-offs and transfers, the ledger check, a count from
start to approval with a scanner's file, and labels. Bad files and bad input change nothing."""

from __future__ import annotations

import csv
import importlib.util
import json
from decimal import Decimal as D

import pytest

import test_promotions_cli
from test_promotions_cli import Admin

admin = test_promotions_cli.admin  # the store fixture: the demo catalog's first 60 products

MILK, WEIGHED, JUICE, YOGURT, YOGURT_8 = "D0000001", "D0000002", "D0000003", "D0000012", "D0000023"
MILK_CODE, JUICE_CODE, YOGURT_CODE = "6935711000015", "6943630000016", "6999063000017"
HAVE_REPORTS = importlib.util.find_spec("posapp.services.stock_reports") is not None


def on_hand(admin: Admin, sku: str, location: str = "sellable") -> D:
    uow = admin.uow()
    pid = uow.catalog.by_sku(sku).id
    return uow.stock.on_hand("S001", [pid], location)[pid]


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_receiving_a_delivery_note_levels_costs_reorder_levels_and_the_low_list(admin: Admin, tmp_path):
    note = write(tmp_path, "delivery.csv", "sku,barcode,name,qty,cost,expected\n"
                                           f"{MILK},,君乐宝 高钙奶粉,10,60.00,10\n"
                                           f",{JUICE_CODE},农夫山泉,4,9.50,5\n"
                                           f"{WEIGHED},,大白菜,2.5,,\n", encoding="utf-8-sig")
    got = admin("stock", "receive", "--file", note, "--supplier", "君乐宝经销商", "--note-number", "DN-0001")
    assert got.code == 0, got
    assert got.out.startswith("receiving R-S001-000001 posted: 3 line(s) from 君乐宝经销商, note DN-0001")
    assert "(note says 5: 1 short)" in got.out
    assert (on_hand(admin, MILK), on_hand(admin, JUICE), on_hand(admin, WEIGHED)) == (D(10), D(4), D("2.5"))
    # More milk at a higher cost: the cost is the weighted average (10 x 60 + 10 x 70) / 20.
    assert admin("stock", "receive", "--sku", MILK, "--qty", "10", "--cost", "70").code == 0
    milk = admin("stock", "levels", "--sku", MILK, "--json").json()
    assert (milk["cost"], milk["levels"]) == ("65.00", [{"location": "sellable", "qty": "20"}])
    assert [(m["reason"], m["qty"]) for m in milk["movements"]] == [("receiving", "10"), ("receiving", "10")]
    assert milk["movements"][1]["ref"] == "receiving:R-S001-000001" and milk["movements"][1]["note"] == "DN-0001"

    # A bad note is refused as a whole, every bad row named: nothing is received.
    bad = write(tmp_path, "bad.csv", f"sku,qty,cost\nNOSUCH1,1,\n{MILK},1.5,\n{JUICE},2,-1\n{YOGURT},3,4.50\n")
    refused = admin("stock", "receive", "--file", bad)
    assert refused.code == 1 and refused.err_lines[0] == "posapp-admin: bad.csv: 3 bad row(s), nothing was posted:"
    assert [ln.split(":")[0] for ln in refused.err_lines[1:]] == ["  line 2, sku", "  line 3, qty", "  line 4, cost"]
    assert "whole units" in refused.err_lines[2]
    assert on_hand(admin, YOGURT) == 0 and on_hand(admin, MILK) == D(20)

    # Reorder levels from a file, all or nothing; then the low-stock list, and one level taken away.
    levels = write(tmp_path, "levels.csv", f"sku,reorder_level\n{MILK},30\n{JUICE},2\n{YOGURT},0\n")
    twice = write(tmp_path, "twice.csv", f"sku,reorder_level\n{MILK},5\n{MILK},6\n")
    again = admin("stock", "reorder", "--file", twice)
    assert again.code == 1 and f"line 3, sku: {MILK} is already on line 2" in again.err
    assert admin("stock", "low", "--json").json() == []
    assert admin("stock", "reorder", "--file", levels).out.strip() == f"3 reorder level(s) saved from {levels}"
    low = admin("stock", "low", "--json").json()
    assert [(x["sku"], x["qty"], x["reorder_level"]) for x in low] == [(MILK, "20", "30"), (YOGURT, "0", "0")]
    assert admin("stock", "reorder", "--sku", MILK, "--clear").code == 0
    assert [x["sku"] for x in admin("stock", "low", "--json").json()] == [YOGURT]
    assert admin("stock", "reorder", "--sku", MILK, "--level", "2.5").code == 1  # milk powder is counted in tins


def test_write_offs_corrections_transfers_and_what_the_shop_is_told(admin: Admin):
    assert admin("stock", "receive", "--sku", MILK, "--qty", "5").code == 0
    damaged = admin("stock", "adjust", "--reason", "damaged", "--sku", MILK, "--qty", "2", "--note", "罐子压扁")
    assert damaged.code == 0 and damaged.out.strip() == \
        f"adjustment A-S001-000001 (damaged): {MILK} 君乐宝 高钙奶粉 800g -2 at sellable"
    assert admin("stock", "adjust", "--reason", "correction", "--code", MILK_CODE, "--qty", "-1").code == 0
    moved = admin("stock", "transfer", "--sku", MILK, "--qty", "1", "--from", "sellable", "--to", "damaged")
    assert moved.code == 0 and moved.out.startswith("transfer T-S001-000001:")
    assert (on_hand(admin, MILK), on_hand(admin, MILK, "damaged")) == (D(1), D(1))
    uow = admin.uow()
    event = uow.outbox.find("stock.adjusted", "adjustment:A-S001-000001")
    assert event.payload["lines"] == [{"product_id": uow.catalog.by_sku(MILK).id, "sku": MILK, "delta_milli": -2000}]
    assert uow.audit.recent(limit=1)[0].detail == {"doc": "T-S001-000001", "sku": MILK, "qty": "1",
                                                   "from": "sellable", "to": "damaged", "via": "posapp-admin"}

    # Refused, with a reason, and nothing moves.
    for args, why in ((("--reason", "lost", "--sku", MILK, "--qty", "1"), "Unknown adjustment reason 'lost'"),
                      (("--reason", "theft", "--sku", MILK, "--qty", "-1"), "cannot be negative"),
                      (("--reason", "expired", "--sku", "NOSUCH1", "--qty", "1"), "No product has SKU NOSUCH1"),
                      (("--reason", "found", "--sku", MILK, "--qty", "99999999"), "check what was typed")):
        result = admin("stock", "adjust", *args)
        assert result.code == 1 and why in result.err, result
    assert (on_hand(admin, MILK), on_hand(admin, MILK, "damaged")) == (D(1), D(1))

    # Written off below zero: allowed (the shelf or the ledger is wrong), and listed.
    assert admin("stock", "adjust", "--reason", "expired", "--sku", JUICE, "--qty", "2").code == 0
    assert [(x["sku"], x["qty"]) for x in admin("stock", "negative", "--json").json()] == [(JUICE, "-2")]


def test_the_ledger_check_finds_a_cached_level_gone_wrong_and_repairs_it(admin: Admin):
    assert admin("stock", "receive", "--sku", MILK, "--qty", "5").code == 0
    ok = admin("stock", "check")
    assert ok.code == 0 and ok.out.startswith("ok:")
    db = admin.uow().db.obj
    db.execute_sql(f"UPDATE stock_level SET qty_milli = 7000 WHERE product_id = {db.param}",
                   (admin.uow().catalog.by_sku(MILK).id,))
    broken = admin("stock", "check")
    assert broken.code == 1 and broken.out.split() == [MILK, "sellable", "cached", "7,", "ledger", "5"]
    assert "1 cached level(s) differ from the ledger" in broken.err
    as_json = admin("stock", "check", "--json")
    assert as_json.code == 1 and json.loads(as_json.out)["mismatches"] == [
        {"sku": MILK, "product_id": admin.uow().catalog.by_sku(MILK).id, "location": "sellable", "cached": "7",
         "ledger": "5"}]
    repaired = admin("stock", "check", "--repair")
    assert repaired.code == 0 and "1 mismatch(es) repaired" in repaired.out
    assert admin("stock", "check", "--json").json() == {"ok": True, "repaired": False, "mismatches": []}
    assert on_hand(admin, MILK) == D(5)
    assert admin.uow().audit.recent(limit=1)[0].action == "stock_levels_rebuilt"

    # A store's first day: its sellable stock becomes what the online shop last reported (20 tins),
    # plus what this store moved that the shop has not been told yet (the 5 received).
    from datetime import datetime

    from posapp.storage.db import is_sqlite

    pulled = "2026-11-22 06:00:00" if is_sqlite(db) else datetime(2026, 11, 22, 6)
    p = db.param
    db.execute_sql(f"UPDATE product SET remote_stock_milli = 20000, stock_pulled_at = {p} WHERE sku = {p}",
                   (pulled, MILK))
    unasked = admin("stock", "adopt-shop-stock")
    assert unasked.code == 1 and "add --yes" in unasked.err and on_hand(admin, MILK) == D(5)
    adopted = admin("stock", "adopt-shop-stock", "--yes")
    assert adopted.code == 0 and adopted.out.strip() == "1 product(s) moved to the online shop's stock"
    assert on_hand(admin, MILK) == D(25) and admin("stock", "check").code == 0


def test_a_count_from_start_to_approval_with_a_scanner_file_and_a_recount(admin: Admin, tmp_path):
    note = write(tmp_path, "in.csv", f"sku,qty\n{MILK},10\n{YOGURT},6\n{JUICE},3\n")
    assert admin("stock", "receive", "--file", note).code == 0
    started = admin("stock", "count", "start", "--category", "乳制品", "--note", "月末盘点")
    assert started.code == 0 and started.out.startswith("count C-S001-000001 started:"), started
    assert "blind; 乳制品 / sellable" in started.out
    number = "C-S001-000001"
    listed = admin("stock", "count", "list", "--json").json()
    assert [(c["number"], c["status"], c["blind"], c["note"]) for c in listed] == [
        (number, "open", True, "月末盘点")]

    assert admin("stock", "count", "scan", number, "--sku", MILK, "--qty", "8").code == 0
    one_more = admin("stock", "count", "scan", number, "--code", MILK_CODE)
    assert one_more.code == 0 and "(9 counted)" in one_more.out
    # A scanner's export: one scan a line, or code and quantity; juice is not in this count.
    good = write(tmp_path, "scanner.txt", f"{YOGURT_CODE}\n{YOGURT_CODE},4\n{JUICE_CODE}\n6901234567892\n")
    bad = write(tmp_path, "scanner-bad.txt", f"{YOGURT_CODE},1.5\n6901234567893\n{YOGURT_CODE},-1\n")
    refused = admin("stock", "count", "scan", number, "--file", bad)
    assert refused.code == 1 and [ln.split(",")[0] for ln in refused.err_lines[1:]] == ["  line 1", "  line 2",
                                                                                        "  line 3"]
    loaded = admin("stock", "count", "scan", number, "--file", good)
    assert loaded.code == 0 and loaded.out.splitlines()[-1] == \
        f"4 entries recorded from {good}; 2 listed for the manager"

    review = admin("stock", "count", "review", number, "--json").json()
    lines = {ln["sku"]: ln for ln in review["lines"]}
    assert (lines[MILK]["expected"], lines[MILK]["counted"], lines[MILK]["variance"]) == ("10", "9", "-1")
    assert (lines[YOGURT]["expected"], lines[YOGURT]["counted"], lines[YOGURT]["variance"]) == ("6", "5", "-1")
    assert lines[YOGURT_8]["counted"] is None and JUICE not in lines
    assert [(p["code"], p["problem"]) for p in review["problems"]] == [(JUICE_CODE, "out_of_scope"),
                                                                        ("6901234567892", "unknown")]
    assert review["totals"]["counted"] == 2 and review["totals"]["loss_value"] == "-92.00"  # 87.50 + 4.50
    only = admin("stock", "count", "review", number, "--variances-only", "--json").json()
    assert sorted(ln["sku"] for ln in only["lines"]) == [MILK, YOGURT]
    text = admin("stock", "count", "review", number, "--variances-only").out
    assert "2 with a variance" in text and "not in this count" in text

    # The yogurt is counted again and found right; the first round no longer counts.
    assert admin("stock", "count", "recount", number, "--sku", YOGURT).code == 0
    assert admin("stock", "count", "scan", number, "--sku", YOGURT, "--qty", "6").code == 0
    if HAVE_REPORTS:
        exported = admin("stock", "count", "export", number, "--out", tmp_path / "count.csv", "--variances-only")
        assert exported.code == 0, exported
        rows = list(csv.DictReader((tmp_path / "count.csv").open(encoding="utf-8-sig")))
        assert [r.get("sku") for r in rows] == [MILK]
        for kind in ("sheet", "report"):
            paper = admin("stock", "count", kind, number, "--out", tmp_path / f"{kind}.pdf")
            assert paper.code == 0 and (tmp_path / f"{kind}.pdf").read_bytes()[:5] == b"%PDF-", paper

    approved = admin("stock", "count", "approve", number)
    assert approved.code == 0 and approved.out.startswith(f"count {number} approved: 1 adjustment(s) posted")
    assert (on_hand(admin, MILK), on_hand(admin, YOGURT), on_hand(admin, JUICE)) == (D(9), D(6), D(3))
    again = admin("stock", "count", "approve", number)
    assert again.code == 1 and "already approved" in again.err
    assert admin("stock", "count", "scan", number, "--sku", MILK).code == 1

    # A second count is cancelled with a reason; it posts nothing.
    assert admin("stock", "count", "start", "--location", "sellable", "damaged", "--open-view").code == 0
    assert admin("stock", "count", "cancel", "C-S001-000002", "--reason", "开错了").code == 0
    every = admin("stock", "count", "list", "--all", "--json").json()
    assert [(c["number"], c["status"], c["blind"]) for c in every] == [
        ("C-S001-000002", "cancelled", False), (number, "approved", True)]
    assert admin("stock", "check").code == 0


@pytest.mark.skipif(not HAVE_REPORTS, reason="posapp.services.stock_reports is not there yet")
def test_shelf_labels_by_sku_and_the_list_of_layouts(admin: Admin, tmp_path):
    layouts = admin("stock", "labels", "--layouts")
    assert layouts.code == 0 and "shelf" in layouts.out
    out = tmp_path / "labels.pdf"
    made = admin("stock", "labels", "--sku", MILK, JUICE, "--layout", "shelf", "--out", out)
    assert made.code == 0 and made.out.startswith("2 label(s) on 1 page(s), layout shelf"), made
    assert out.read_bytes()[:5] == b"%PDF-"
    assert admin("stock", "labels", "--layout", "shelf", "--out", out).code == 1  # which products?


def test_a_scanner_file_that_fails_half_way_through_records_nothing(admin: Admin, tmp_path, monkeypatch):
    from posapp.domain.errors import ValidationError
    from posapp.services import stock_files

    assert admin("stock", "count", "start", "--category", "乳制品").code == 0
    real, calls = stock_files.record_entry, []

    def fails_on_the_third(*args, **kwargs):
        calls.append(kwargs["code"])
        if len(calls) == 3:
            raise ValidationError("the count was approved meanwhile")
        return real(*args, **kwargs)

    monkeypatch.setattr(stock_files, "record_entry", fails_on_the_third)
    scans = write(tmp_path, "scans.csv", f"code,qty\n{MILK_CODE},2\n{YOGURT_CODE},1\n{MILK_CODE},1\n")
    failed = admin("stock", "count", "scan", "C-S001-000001", "--file", scans)
    assert failed.code == 1 and "line 4: the count was approved meanwhile; nothing was recorded" in failed.err
    assert len(calls) == 3
    assert admin("stock", "count", "entries", "C-S001-000001", "--json").json() == []
    monkeypatch.setattr(stock_files, "record_entry", real)
    assert admin("stock", "count", "scan", "C-S001-000001", "--file", scans).code == 0
    assert len(admin("stock", "count", "entries", "C-S001-000001", "--json").json()) == 3
