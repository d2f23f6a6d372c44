"""Stock paper on SQLite and PostgreSQL, as a store manager checks it: the count sheet (blind or not), the
variance report and CSV of a count, and shelf labels chosen by category or by a recent price change.

The count (demo catalog, prices as listed there):
  君乐宝 高钙奶粉 800g  D0000001  received 10 at cost 60.00, 7 found:   -3, -180.00 at cost
  十月稻田 珍珠大米 1kg  D0000006  received 20, no cost, 22 found:     +2,  +25.80 at price 12.90
  本地 圣女果 500g       D0000024  received 5, 5 found:                 0
  山东 大白菜 散称 (kg)  D0000002  received 10.5 kg, 9.25 kg found: -1.25,  -3.63 at price 2.90
  an unknown barcode scanned; every other line not counted.
Totals: gains +25.80, losses -183.63, net -157.83.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import time
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
import test_members
from test_members import AT
from test_stock_counts import scan

from posapp.demo import demo_products
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, PermissionDenied, PosError, ValidationError
from posapp.domain.stock import DocLine
from posapp.reports.labels_pdf import LAYOUTS
from posapp.services import stock as stock_svc
from posapp.services import stock_counts as counts
from posapp.services import stock_reports as reports
from posapp.storage import db as dbmod

MILK, CABBAGE, RICE, TOMATO, BEER = "D0000001", "D0000002", "D0000006", "D0000024", "D0000010"
PURE_MILK = "D0000045"  # 三元 有机纯牛奶 1L, 16.00
UNKNOWN = "6901234567892"

store = test_members.store  # the fixture: the demo catalog, 店长 and 收银员, a shift open

# tests/run.sh installs poppler-utils; only a hand-made environment may lack it (CI never skips).
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") and not os.environ.get("CI"),
                                   reason="pdftotext (poppler-utils) is not installed")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          encoding="utf-8").stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, encoding="utf-8").stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def row_of(text: str, sku: str) -> str:
    return next(line for line in text.splitlines() if sku in line)


def pid(uow, sku: str) -> int:
    return uow.catalog.by_sku(sku).id


@pytest.fixture
def out(tmp_path) -> Path:
    """A folder for the files (the SQLite database lives in tmp_path itself)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def counted(uow, station, store):
    """The count above, not approved yet: (manager, cashier, count number)."""
    manager, cashier = store
    lines = [DocLine(product_id=pid(uow, MILK), qty=D(10), cost=D("60.00")),
             DocLine(product_id=pid(uow, RICE), qty=D(20)), DocLine(product_id=pid(uow, TOMATO), qty=D(5)),
             DocLine(product_id=pid(uow, CABBAGE), qty=D("10.5"))]
    stock_svc.receive_stock(uow, station, actor=manager, lines=lines, supplier="供应商", at=AT - timedelta(days=1))
    count = counts.start_count(uow, station, actor=manager, at=AT)
    for sku, qty, minute in ((MILK, "7", 1), (RICE, "22", 2), (TOMATO, "5", 3), (CABBAGE, "9.25", 4)):
        scan(uow, station, cashier, count.number, sku, qty=qty, at=AT + timedelta(minutes=minute))
    counts.record_entry(uow, station, actor=cashier, number=count.number, code=UNKNOWN, at=AT + timedelta(minutes=5))
    return manager, cashier, count.number


@needs_poppler
def test_the_variance_report_shows_each_variance_the_totals_and_the_problems(uow, station, counted, tmp_path):
    manager, _cashier, number = counted
    path = reports.variance_report(uow, station, actor=manager, number=number, path=tmp_path / "差异.pdf",
                                   locale="zh_CN")
    text = pdf_text(path)
    assert number in text and "君乐宝 高钙奶粉 800g" in text and "十月稻田 珍珠大米 1kg" in text
    listing = text.split("按分类列出的已盘行")[1]  # after the biggest losses and gains: every counted line
    milk, rice, cabbage = row_of(listing, MILK), row_of(listing, RICE), row_of(listing, CABBAGE)
    assert milk.split()[-6:] == ["10", "7", "-3", "60.00", "成本", "-180.00"]
    assert rice.split()[-6:] == ["20", "22", "+2", "12.90", "售价", "+25.80"]
    assert cabbage.split()[-6:] == ["10.5", "9.25", "-1.25", "2.90", "售价", "-3.63"]
    for figure in ("+25.80", "-183.63", "-157.83", UNKNOWN, "未知条码", "收银员"):
        assert figure in text, figure
    # The biggest losses come first, before the full list by category.
    losses = text.split("最大盘亏")[1].split("最大盘盈")[0]
    assert [line.split()[0] for line in losses.splitlines() if line.startswith("D")] == [MILK, CABBAGE]
    review = counts.review_count(uow, actor=manager, number=number)
    assert (review.totals.gain_value, review.totals.loss_value, review.totals.net_value) == (
        D("25.80"), D("-183.63"), D("-157.83"))
    assert text.split("未盘")[1].split()[0] == f"{review.totals.not_counted:,}"  # the totals: lines not counted
    if os.environ.get("POSAPP_SAVE_SCREENSHOTS") and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(path),
                        str(Path(os.environ["POSAPP_SAVE_SCREENSHOTS"]) / "variance-report-pdf")], check=True)


@needs_poppler
def test_a_blind_count_sheet_has_no_expected_quantities_even_for_the_manager(uow, station, counted, tmp_path):
    manager, cashier, number = counted
    for who in (manager, cashier):
        text = pdf_text(reports.count_sheet(uow, station, actor=who, number=number, path=tmp_path / "sheet.pdf",
                                            locale="en"))
        pages = text.count("\f")
        assert "Stock count sheet" in text and f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
        assert text.count(number) == pages  # every page says which count it belongs to
        assert "Expected" not in text and "Counted by" in text
        assert row_of(text, RICE).split()[1:] == ["6951549000010", "十月稻田", "珍珠大米", "1kg", "袋", "sellable"]
        assert "君乐宝 高钙奶粉 800g" in text


@needs_poppler
def test_an_open_count_sheet_shows_expected_quantities_to_managers_only(uow, station, store, tmp_path):
    manager, cashier = store
    stock_svc.receive_stock(uow, station, actor=manager, lines=[DocLine(product_id=pid(uow, RICE), qty=D(20))],
                            at=AT - timedelta(days=1))
    count = counts.start_count(uow, station, actor=manager, categories=["粮油"], blind=False, at=AT)
    text = pdf_text(reports.count_sheet(uow, station, actor=manager, number=count.number, path=tmp_path / "m.pdf",
                                        locale="en"))
    assert "Expected" in text and row_of(text, RICE).split()[-1] == "20"
    text = pdf_text(reports.count_sheet(uow, station, actor=cashier, number=count.number, path=tmp_path / "c.pdf",
                                        locale="en"))
    assert "Expected" not in text and row_of(text, RICE).split()[-1] == "sellable"
    assert "Scope: 粮油" in text


def test_the_csv_has_a_row_per_line_with_the_review_values(uow, station, counted, tmp_path):
    manager, cashier, number = counted
    review = counts.review_count(uow, actor=manager, number=number)
    path = tmp_path / "variances.csv"
    assert reports.export_variances_csv(uow, actor=manager, number=number, path=path) == len(review.lines)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    by_sku = {r["sku"]: r for r in rows}
    assert {k: by_sku[MILK][k] for k in ("name", "barcode", "category", "expected", "counted", "variance",
                                         "unit_value", "basis", "variance_value", "round")} == {
        "name": "君乐宝 高钙奶粉 800g", "barcode": "6935711000015", "category": "乳制品/奶粉", "expected": "10",
        "counted": "7", "variance": "-3", "unit_value": "60.00", "basis": "cost", "variance_value": "-180.00",
        "round": "1"}
    assert (by_sku[CABBAGE]["snapshot"], by_sku[CABBAGE]["counted"], by_sku[CABBAGE]["variance_value"]) == (
        "10.5", "9.25", "-3.63")
    assert sum(D(r["variance_value"]) for r in rows if r["variance_value"]) == review.totals.net_value
    untouched = [r for r in rows if r["sku"] not in (MILK, RICE, TOMATO, CABBAGE)]
    assert untouched and all(r["counted"] == r["variance"] == r["variance_value"] == "" for r in untouched)
    assert reports.export_variances_csv(uow, actor=manager, number=number, path=path, only_variances=True) == 3
    assert sorted(r["sku"] for r in csv.DictReader(path.open(encoding="utf-8-sig"))) == [MILK, CABBAGE, RICE]
    with pytest.raises(PermissionDenied):
        reports.export_variances_csv(uow, actor=cashier, number=number, path=tmp_path / "no.csv")
    with pytest.raises(PermissionDenied):
        reports.variance_report(uow, station, actor=cashier, number=number, path=tmp_path / "no.pdf")
    with pytest.raises(NotFound, match="No stock count C-S001-999999"):
        reports.export_variances_csv(uow, actor=manager, number="C-S001-999999", path=tmp_path / "no.csv")
    assert not (tmp_path / "no.csv").exists() and not (tmp_path / "no.pdf").exists()


def test_bad_paths_are_refused_and_a_failed_write_leaves_nothing_behind(uow, station, counted, out, monkeypatch):
    manager, _cashier, number = counted
    with pytest.raises(ValidationError, match="there is no folder"):
        reports.variance_report(uow, station, actor=manager, number=number, path=out / "nope" / "r.pdf")
    with pytest.raises(ValidationError, match="is a folder"):
        reports.export_variances_csv(uow, actor=manager, number=number, path=out)
    target = out / "r.pdf"
    target.write_bytes(b"the report of last week")

    def disk_full(self, path):
        Path(path).write_bytes(b"%PDF-1.4 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("posapp.reports.stock_pdf.Ledger.write", disk_full)
    with pytest.raises(PosError, match="Cannot write .*r.pdf: No space left on device"):
        reports.variance_report(uow, station, actor=manager, number=number, path=target)
    assert target.read_bytes() == b"the report of last week"
    assert sorted(p.name for p in out.iterdir()) == ["r.pdf"]


def _dairy() -> list[str]:
    return sorted((s.category, s.sku) for s in demo_products(60) if s.category.startswith("乳制品/"))


def test_labels_by_category_include_subcategories_and_unknown_choices_are_refused(uow, station, store):
    manager, cashier = store
    items = reports.label_items(uow, station, actor=manager, categories=["乳制品"])
    assert [(i.category, i.sku) for i in items] == _dairy() and len(items) == 7
    milk = next(i for i in items if i.sku == MILK)
    assert (milk.name, milk.price, milk.barcode, milk.unit, milk.regular_price) == (
        "君乐宝 高钙奶粉 800g", D("87.50"), "6935711000015", "袋", None)
    assert [i.sku for i in reports.label_items(uow, station, actor=manager, skus=[RICE, MILK])] == [MILK, RICE]
    with pytest.raises(NotFound, match="No category 不存在"):
        reports.label_items(uow, station, actor=manager, categories=["乳制品", "不存在"])
    with pytest.raises(NotFound, match="No product has SKU NOPE"):
        reports.label_items(uow, station, actor=manager, skus=[MILK, "NOPE"])
    with pytest.raises(ValidationError, match="by category, by SKU or by price change"):
        reports.label_items(uow, station, actor=manager)
    with pytest.raises(PermissionDenied):
        reports.label_items(uow, station, actor=cashier, categories=["乳制品"])


def test_labels_by_recent_price_change(uow, station, store):
    manager, _cashier = store
    since = utcnow()
    time.sleep(0.01)  # SQLite's trigger stamps to the millisecond
    db = dbmod.database.obj
    with uow:
        db.execute_sql(f"UPDATE product SET price_minor = 1390 WHERE sku = {db.param}", (RICE,))
        db.execute_sql(f"UPDATE product SET name = 'renamed' WHERE sku = {db.param}", (TOMATO,))  # not a price
        uow.commit()
    changed = reports.label_items(uow, station, actor=manager, price_changed_since=since)
    assert [(i.sku, i.price) for i in changed] == [(RICE, D("13.90"))]
    assert reports.label_items(uow, station, actor=manager, categories=["乳制品"], price_changed_since=since) == []
    assert [i.sku for i in reports.label_items(uow, station, actor=manager, categories=["粮油"],
                                               price_changed_since=since)] == [RICE]
    later = utcnow() + timedelta(seconds=1)
    assert reports.label_items(uow, station, actor=manager, price_changed_since=later) == []


@needs_poppler
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_label_sheet_per_layout_with_prices_unit_prices_and_barcodes(uow, station, store, out, layout):
    manager, _cashier = store
    db = dbmod.database.obj
    with uow:
        db.execute_sql(f"UPDATE product SET content = '6x330ml' WHERE sku = {db.param}", (BEER,))
        db.execute_sql(f"UPDATE product SET sale_price_minor = 1390 WHERE sku = {db.param}", (PURE_MILK,))
        uow.commit()
    items = reports.label_items(uow, station, actor=manager, skus=[s.sku for s in demo_products(60)])
    assert len(items) == 60
    on_sale = next(i for i in items if i.sku == PURE_MILK)
    assert (on_sale.price, on_sale.regular_price) == (D("13.90"), D("16.00"))
    # Printed in the order given: here weighed goods and the sale first, so the first sheet shows them.
    items.sort(key=lambda i: not (i.weighed or i.on_sale))
    run = reports.print_labels(uow, station, actor=manager, items=items, layout=layout, path=out / f"{layout}.pdf",
                               locale="zh_CN")
    spec = LAYOUTS[layout]
    assert run.pages == math.ceil(60 / spec.per_page) == pdf_pages(run.path) and run.labels == 60
    assert run.layout == layout and run.path == out / f"{layout}.pdf"
    text = pdf_text(run.path)
    # 圣女果 500g at 12.90 (size from its name), the beer's recorded 6x330ml, 大白菜 weighed at 2.90 a kg,
    # 三元 有机纯牛奶 1L on sale at 13.90 instead of 16.00.
    for expected in ("本地 圣女果 500g", "¥12.90", "¥25.80/kg", "¥33.90", "¥17.12/L", "山东 大白菜 散称", "¥2.90/kg",
                     "君乐宝 高钙奶粉 800g", "¥109.38/kg", "¥13.90", "原价 ¥16.00", "¥13.90/L", "规格 500g"):
        assert expected in text, expected
    one = reports.print_labels(uow, station, actor=manager, items=items[:1], layout=layout, path=out / "one.pdf")
    assert one.pages == 1 and pdf_pages(one.path) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{layout}.pdf", "one.pdf"])
    if layout == "shelf" and os.environ.get("POSAPP_SAVE_SCREENSHOTS") and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(run.path),
                        str(Path(os.environ["POSAPP_SAVE_SCREENSHOTS"]) / "labels-shelf")], check=True)


def test_printing_labels_refuses_an_unknown_layout_nothing_to_print_and_cashiers(uow, station, store, out):
    manager, cashier = store
    items = reports.label_items(uow, station, actor=manager, skus=[MILK])
    with pytest.raises(ValidationError, match="Unknown label layout 'huge' \\(one of: shelf, small"):
        reports.print_labels(uow, station, actor=manager, items=items, layout="huge", path=out / "l.pdf")
    with pytest.raises(ValidationError, match="nothing to print"):
        reports.print_labels(uow, station, actor=manager, items=[], layout="shelf", path=out / "l.pdf")
    with pytest.raises(PermissionDenied):
        reports.print_labels(uow, station, actor=cashier, items=items, layout="shelf", path=out / "l.pdf")
    assert list(out.iterdir()) == []
