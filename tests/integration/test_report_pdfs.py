"""The analysis reports as PDFs (issue 10): each of period, products, payments and staff written through
write_report_pdf on the month of test_product_report, read back with pdftotext: the Chinese names, the
period, "第 1 / N 页" and the totals; a bad folder; and `posapp-admin report ... --format pdf`."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from admin_run import initialised_store, run_admin
from test_product_report import local, open_the_month

from posapp.domain.errors import PermissionDenied, PosError
from posapp.domain.users import Role
from posapp.services.auth import hash_pin
from posapp.services.report_files import write_report_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
NOV = dict(start=date(2025, 11, 1), end=date(2025, 11, 30))


def with_a_shift_since_october(uow, station):
    """The month's sales, on a shift opened 1 Oct 08:00 Shanghai and still open: November holds 30 whole
    days of it, so the staff report's hours are 720.00 (open_the_month opens its shift now, after November)."""
    from posapp.storage.models import ShiftRow

    manager = open_the_month(uow, station)
    assert ShiftRow.update(opened_at=local(10, 1, 8)).execute() == 1
    return manager


@pytest.fixture
def month(uow, station):
    return with_a_shift_since_october(uow, station)


@pytest.fixture
def cli_store(tmp_path):
    return initialised_store(tmp_path, with_a_shift_since_october)


def text_of(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pages_ok(text: str) -> None:
    found = re.findall(r"第\s*(\d+)\s*/\s*(\d+)\s*页", text)
    assert found and found[0][0] == "1", text[-400:]
    assert all(total == found[0][1] for _page, total in found)
    assert len(found) == int(found[0][1])


def test_each_report_as_a_pdf(uow, station, month, tmp_path):
    texts = {}
    for name in ("period", "products", "payments", "staff"):
        out = write_report_pdf(uow, station, actor=month, name=name, path=tmp_path / f"{name}.pdf",
                               store="测试店", **NOV)
        assert out == tmp_path / f"{name}.pdf" and out.read_bytes().startswith(b"%PDF")
        texts[name] = text_of(out)
        assert "2025-11-01" in texts[name] and "2025-11-30" in texts[name]
        assert "测试店" in texts[name]
        pages_ok(texts[name])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left

    period = texts["period"]
    assert "74.00" in period and "2025-11-05" in period  # net of the month; a day row
    products = texts["products"]
    for word in ("鲜牛奶", "薯片", "酸奶", "湿巾", "纸巾", "乳制品", "74.00", "44.6"):
        assert word in products, word
    assert re.search(r"鲜牛奶.*33\.00.*A", products)
    assert re.search(r"赵店长\s+4\s+82\.00\s+1\s+8\.00\s+74\.00\s+20\.50\s+0\s+0\s+0\s+720\.00",
                     texts["staff"]), texts["staff"]
    assert re.search(r"合计\s+4\s+82\.00\s+1\s+8\.00\s+74\.00\s+0\s+0\s+0\s+720\.00", texts["staff"])
    for name, text in texts.items():  # the period once per page, at the top: not its first day again
        for page in text.split("\f")[:-1]:
            title, info = page.splitlines()[:2]
            assert "2025-11-01 ~ 2025-11-30" in title and "2025" not in info and "测试店" in info, (name, page[:300])
    assert "现金" in texts["payments"] or "cash" in texts["payments"]


def test_the_rules(uow, station, month, tmp_path):
    cashier = uow.users.add(username="c1", name="李收银", role=Role.CASHIER, pin_hash=hash_pin("1357"))
    with pytest.raises(PermissionDenied):
        write_report_pdf(uow, station, actor=cashier, name="period", path=tmp_path / "x.pdf", **NOV)
    with pytest.raises(PosError):
        write_report_pdf(uow, station, actor=month, name="period", path=tmp_path / "no" / "x.pdf", **NOV)
    with pytest.raises(PosError):
        write_report_pdf(uow, station, actor=month, name="weather", path=tmp_path / "x.pdf", **NOV)
    assert [p for p in tmp_path.iterdir() if ".pdf" in p.name] == []


def test_admin_report_as_pdf(cli_store):
    out = cli_store / "products.pdf"
    ok = run_admin(cli_store, "report", "products", "--from", "2025-11-01", "--to", "2025-11-30",
                   "--format", "pdf", "--out", out)
    assert ok.returncode == 0, ok
    assert "鲜牛奶" in text_of(out)
    period = run_admin(cli_store, "report", "period", "--from", "2025-11-01", "--to", "2025-11-30",
                       "--format", "pdf", "--out", cli_store / "period.pdf")
    assert period.returncode == 0, period
    staff = run_admin(cli_store, "report", "staff", "--from", "2025-11-01", "--to", "2025-11-30",
                      "--format", "pdf", "--out", cli_store / "staff.pdf")
    assert staff.returncode == 0, staff
    missing = run_admin(cli_store, "report", "products", "--from", "2025-11-01", "--to", "2025-11-30",
                        "--format", "pdf")
    assert missing.returncode != 0 and "--out PATH" in missing.stderr


def test_keep_pages(uow, station, month, tmp_path):  # POSAPP_PDF_DIR=folder: keep the PDFs to look at
    import os

    keep = os.environ.get("POSAPP_PDF_DIR")
    if not keep:
        pytest.skip("set POSAPP_PDF_DIR to keep the PDFs")
    for name in ("period", "products", "payments", "staff"):
        write_report_pdf(uow, station, actor=month, name=name, path=f"{keep}/{name}.pdf", store="测试店", **NOV)


def test_a_long_table_splits_between_rows_with_its_heads_on_every_page(tmp_path):
    from decimal import Decimal as D

    from posapp.domain.product_analysis import ProductLine, ProductReport, analyse, by_category
    from posapp.reports.analysis_pdf import products_pdf

    lines = analyse(ProductLine(product_id=i, sku=f"{9000 + i}", name=f"长名字的商品第{i}号",
                                category=f"类{i % 7}/子类",
                                units=D(i), net=D(i * 3), net_ex_tax=D(i * 3), cost=None, margin=None)
                    for i in range(1, 201))
    report = ProductReport(store="S001", start=date(2025, 11, 1), end=date(2025, 11, 30), currency="CNY", places=2,
                           slow_days=30, total=sum(ln.net for ln in lines), products=lines,
                           categories=by_category(lines), top_categories=by_category(lines, top=True), slow_movers=())
    pages = products_pdf(report, store="测试店", currency="CNY", tz="Asia/Shanghai", path=tmp_path / "long.pdf")
    text = text_of(tmp_path / "long.pdf")
    assert pages >= 4
    pages_ok(text)
    for page in text.split("\f")[1:pages]:  # every page after the first goes on under the column heads
        assert "货号" in page and "商品" in page
    for i in range(1, 201):  # every row whole, on one line
        assert re.search(rf"{9000 + i}\s+长名字的商品第{i}号\s", text), i


def test_reports_of_a_period_without_sales_still_make_their_pdfs(uow, station, tmp_path):
    """A new store, or a day it was closed: every report's PDF is written, with empty charts."""
    from datetime import date

    from posapp.services.auth import SYSTEM
    from posapp.services.report_files import write_report_pdf

    for name in ("period", "products", "payments", "staff"):
        path = write_report_pdf(uow, station, actor=SYSTEM, name=name, start=date(2026, 1, 1), end=date(2026, 1, 1),
                                path=tmp_path / f"{name}.pdf")
        assert path.read_bytes().startswith(b"%PDF"), name
