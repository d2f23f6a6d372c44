"""Shifts and cash control on a real database: paid-in/out, the X report, the blind close, the Z
report on paper and as a PDF, and posapp-admin's report commands.

The shift below is what a manager checks by hand (cash rounding to 0.10, prices include tax):

  sale 1  cash    2 x milk 6.58 (9%) + noodles 4.50 (13%) = 17.66, paid 17.70 (rounding +0.04) from 20
  sale 2  card    3 x water 2.00 (13%) less 0.50 line discount + bag 0.30 (13%, no category) = 5.80
  sale 3  split   milk 6.58 + 2 x noodles 4.50 = 15.58, basket discount 1.00 -> 14.58:
                  card 10.00, cash 4.60 (rounding +0.02) from 5.00
  sale 4  mobile  noodles 4.50
  paid out 20.00 快递费 (cashier, supervisor approves), paid in 50.00 (supervisor)
  voids   a line of 6.58 and a sale of 11.08 (audit rows); a void on till T02 does not count
  float 200.00; expected cash = 200 + 22.30 - 20 + 50 = 252.30; counted 251.80; variance -0.50
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from admin_run import run_admin

from posapp.devices.receipt import render_text
from posapp.domain.basket import Basket
from posapp.domain.catalog import ProductSpec
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.tender import Tendering
from posapp.domain.users import Permission, Role
from posapp.reports.shift_report import render_pdf
from posapp.services import auth, catalog, checkout, report_paper, shifts
from posapp.services import till as till_service
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.station import Station

D = Decimal
TZ = "Asia/Shanghai"
STEP = D("0.10")
PRODUCTS = [
    ProductSpec(sku="1001", name="鲜牛奶", price=D("6.58"), category="乳制品/牛奶", tax_rate=D(9), unit="瓶"),
    ProductSpec(sku="1002", name="老坛酸菜牛肉面", price=D("4.50"), category="方便食品/方便面", tax_rate=D(13)),
    ProductSpec(sku="1003", name="饮用天然水", price=D("2.00"), category="饮料/饮用水", tax_rate=D(13)),
    ProductSpec(sku="1004", name="购物袋", price=D("0.30"), tax_rate=D(13)),
]
COUNT = {"100": 2, "20": 2, "10": 1, "1": 1, "0.5": 1, "0.1": 3}  # 251.80


# --- a shop with a cashier, a supervisor and the products above ----------------------------------

class Shop:
    def __init__(self, uow, station):
        self.uow, self.station = uow, station
        catalog.save_products(uow, station, actor=SYSTEM, specs=PRODUCTS, source="test")
        self.cashier = uow.users.add(username="c1", name="李收银", role=Role.CASHIER, pin_hash=hash_pin("1111"))
        self.supervisor = uow.users.add(username="sup", name="王主管", role=Role.SUPERVISOR,
                                        pin_hash=hash_pin("7777"))
        self.manager = uow.users.add(username="boss", name="赵经理", role=Role.MANAGER, pin_hash=hash_pin("9999"))

    def approval(self, permission: Permission):
        return auth.approve(self.uow, self.station, approver="sup", pin="7777", permission=permission,
                            for_user=self.cashier)

    def basket(self, *items, line_discount=None, basket_discount=None) -> Basket:
        basket = Basket()
        for sku, qty in items:
            basket.add(self.uow.catalog.by_sku(sku), qty=D(qty))
        if line_discount:
            basket.set_line_discount(line_discount[0], amount=D(line_discount[1]))
        if basket_discount:
            basket.set_basket_discount(amount=D(basket_discount))
        return basket

    def sell(self, basket: Basket, *payments, station: Station | None = None, now: datetime | None = None):
        tendering = Tendering(total=basket.totals().total, cash_increment=STEP)
        for tender, amount in payments:
            tendering.add(tender, D(amount), reference="8842" if tender != "cash" else "")
        return checkout.complete_sale(self.uow, station or self.station, actor=self.cashier, basket=basket,
                                      tendering=tendering, now=now).sale

    def void(self, action: str, permission: Permission, total: str, station: Station | None = None):
        till_service.authorize(self.uow, station or self.station, actor=self.cashier, permission=permission,
                               action=action, detail={"total": total}, approval=self.approval(permission))


@pytest.fixture
def shop(uow, station) -> Shop:
    return Shop(uow, station)


def run_the_shift(shop: Shop) -> None:
    """Float 200, the four sales, paid-out and paid-in, two voids (and one on another till)."""
    shifts.open_shift(shop.uow, shop.station, actor=shop.cashier, opening_float="200")
    s1 = shop.sell(shop.basket(("1001", 2), ("1002", 1)), ("cash", "20"))
    s2 = shop.sell(shop.basket(("1003", 3), ("1004", 1), line_discount=(1, "0.50")), ("card", "5.80"))
    s3 = shop.sell(shop.basket(("1001", 1), ("1002", 2), basket_discount="1.00"), ("card", "10"), ("cash", "5"))
    s4 = shop.sell(shop.basket(("1002", 1)), ("mobile", "4.50"))
    assert [(s.total, s.rounding, s.change) for s in (s1, s2, s3, s4)] == [
        (D("17.66"), D("0.04"), D("2.30")), (D("5.80"), D(0), D(0)), (D("14.58"), D("0.02"), D("0.40")),
        (D("4.50"), D(0), D(0))]
    shifts.paid_in_out(shop.uow, shop.station, actor=shop.cashier, kind="paid_out", amount="20", reason="快递费",
                       approval=shop.approval(Permission.PAID_IN_OUT))
    shifts.paid_in_out(shop.uow, shop.station, actor=shop.supervisor, kind="paid_in", amount=D("50.00"),
                       reason="补充零钱")
    shop.void("line_voided", Permission.VOID_LINE, "6.58")
    shop.void("sale_voided", Permission.VOID_SALE, "11.08")
    shop.void("line_voided", Permission.VOID_LINE, "99.00", station=replace(shop.station, terminal_code="T02"))


def close(shop: Shop, counted=None, **kw):
    return shifts.close_shift(shop.uow, shop.station, actor=shop.cashier, counted=COUNT if counted is None else counted,
                              approval=shop.approval(Permission.CLOSE_SHIFT), **kw)


def _count(uow, table: str) -> int:
    return uow.db.obj.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --- the Z report's figures ------------------------------------------------------------------------

def test_the_z_report_has_every_figure_a_manager_checks(shop):
    run_the_shift(shop)

    z = close(shop)

    assert (z.kind, z.z_number, z.store, z.terminal, z.shift_number) == ("Z", 1, "S001", "T01", 1)
    assert (z.opened_by, z.closed_by) == ("李收银", "李收银")
    assert z.opened_at <= z.closed_at
    assert z.opening_float == D("200.00")
    assert z.sale_count == 4
    assert z.gross_sales == D("44.04")  # 17.66 + 6.30 + 15.58 + 4.50, before discounts
    assert (z.line_discounts, z.basket_discounts, z.discounts) == (D("0.50"), D("1.00"), D("1.50"))
    assert z.net_sales == D("42.54")
    assert (z.void_count, z.void_amount) == (2, D("17.66"))
    assert (z.return_count, z.return_amount) == (0, D(0))
    assert [(t.tender, t.count, t.amount) for t in z.tenders] == [
        ("cash", 2, D("22.30")), ("card", 2, D("15.80")), ("mobile", 1, D("4.50"))]
    assert z.takings == D("42.60") == z.net_sales + z.cash_rounding
    assert z.cash_rounding == D("0.06")
    assert [(t.rate, t.net, t.tax, t.gross) for t in z.taxes] == [
        (D("13.00"), D("20.54"), D("2.68"), D("23.22")), (D("9.00"), D("17.72"), D("1.60"), D("19.32"))]
    assert [(c.category, c.lines, c.amount) for c in z.categories] == [
        ("乳制品", 2, D("19.74")), ("方便食品", 3, D("18.00")), ("饮料", 1, D("5.50")), ("", 1, D("0.30"))]
    assert (z.paid_in, z.paid_out) == (D("50.00"), D("20.00"))
    assert [(m.kind, m.amount, m.reason, m.user, m.approver) for m in z.cash_movements] == [
        ("paid_out", D("20.00"), "快递费", "李收银", "王主管"), ("paid_in", D("50.00"), "补充零钱", "王主管", None)]
    assert z.cash_sales == D("22.30")
    assert z.expected_cash == D("252.30")  # 200 + 22.30 + 50 - 20
    assert z.counted_cash == D("251.80")
    assert z.variance == D("-0.50")
    assert [(d.value, d.count) for d in z.denominations] == [
        (D(100), 2), (D(20), 2), (D(10), 1), (D(1), 1), (D("0.5"), 1), (D("0.1"), 3)]
    assert z.parked_baskets == 0


def test_closing_stores_the_cash_figures_audits_and_frees_the_till(shop, uow, station):
    run_the_shift(shop)
    parked = shop.basket(("1003", 1))
    till_service.park_basket(uow, station, actor=shop.cashier, basket=parked, label="忘带钱包")

    z = close(shop)

    assert shifts.current_shift(uow, station) is None
    stored = uow.till.shift(1)
    assert (stored.status, stored.z_number) == ("closed", 1)
    assert (stored.expected_cash, stored.counted_cash) == (D("252.30"), D("251.80"))
    entry = uow.audit.recent(limit=1, action="shift_closed")[0]
    assert (entry.actor, entry.approver) == ("c1", "sup")
    assert entry.detail == {"shift": 1, "z_number": 1, "expected": "252.30", "counted": "251.80",
                            "variance": "-0.50"}
    assert z.parked_baskets == 1  # a warning on the report, not a refusal
    again = shifts.shift_report(uow, station, actor=shop.supervisor, z_number=1)
    assert replace(again, printed_at=z.printed_at) == z  # a reprint says exactly what the close said
    with pytest.raises(ValidationError, match="No shift is open"):
        close(shop)


def test_a_total_count_works_like_a_denomination_count(shop):
    shifts.open_shift(shop.uow, shop.station, actor=shop.cashier, opening_float="200")
    shop.sell(shop.basket(("1002", 1)), ("cash", "10"))

    z = close(shop, counted="204.50")

    assert (z.expected_cash, z.counted_cash, z.variance, z.denominations) == (D("204.50"), D("204.50"), D(0), ())


def test_z_numbers_run_per_terminal_without_gaps(shop, uow, station):
    t02 = replace(station, terminal_code="T02")
    run_the_shift(shop)
    first = close(shop)
    shifts.open_shift(uow, t02, actor=shop.cashier, opening_float="100")
    shop.void("sale_voided", Permission.VOID_SALE, "3.00", station=t02)
    other = shifts.close_shift(uow, t02, actor=shop.supervisor, counted="100")
    shifts.open_shift(uow, station, actor=shop.cashier, opening_float="200")
    with pytest.raises(ValidationError):  # a refused close does not use up a Z number
        close(shop, counted={"3": 1})
    second = close(shop, counted={"100": 2})

    assert (first.z_number, second.z_number, other.z_number) == (1, 2, 1)
    assert (second.shift_number, other.shift_number, other.terminal) == (2, 1, "T02")
    assert (second.sale_count, second.void_count, second.expected_cash, second.variance) == (0, 0, D("200.00"), D(0))
    # T02's own void counts; the one rung up on T02 before its shift was opened does not.
    assert (other.void_count, other.void_amount) == (1, D("3.00"))
    assert uow.sales.sequence_value("z:S001-T01") == 2


def test_the_close_is_blind_until_the_count_is_in(shop, uow, station):
    run_the_shift(shop)

    x = shifts.x_report(uow, station, actor=shop.cashier, approval=shop.approval(Permission.CLOSE_SHIFT))

    assert (x.kind, x.z_number, x.expected_cash, x.counted_cash, x.variance) == ("X", None, None, None, None)
    assert (x.sale_count, x.net_sales, x.cash_sales) == (4, D("42.54"), D("22.30"))
    lines = render_text(report_paper.layout_shift_report(x, columns=42, locale="zh_CN", timezone=TZ))
    assert lines[0].strip() == "X 报表（班次未结束）"
    assert "252.30" not in "\n".join(lines)
    assert not any(line.startswith(("应有现金", "实点现金", "差额")) for line in lines)
    assert "盲交班：点钞后才显示应有现金" in lines
    assert uow.till.current_shift(store_code="S001", terminal_code="T01").expected_cash is None
    assert all("expected" not in e.detail for e in uow.audit.recent(limit=100))
    assert uow.audit.recent(limit=1)[0].action == "x_report"

    z = close(shop)

    assert z.expected_cash == D("252.30")


def test_cash_control_needs_its_permissions(shop, uow, station):
    shifts.open_shift(uow, station, actor=shop.cashier, opening_float="200")

    with pytest.raises(PermissionDenied):
        shifts.paid_in_out(uow, station, actor=shop.cashier, kind="paid_out", amount="20", reason="快递费")
    with pytest.raises(PermissionDenied):
        shifts.x_report(uow, station, actor=shop.cashier)
    with pytest.raises(PermissionDenied):
        shifts.close_shift(uow, station, actor=shop.cashier, counted="200")
    with pytest.raises(PermissionDenied):  # an approval for something else does not do
        shifts.paid_in_out(uow, station, actor=shop.cashier, kind="paid_out", amount="20", reason="快递费",
                           approval=shop.approval(Permission.VOID_LINE))
    with pytest.raises(PermissionDenied):
        shifts.shift_report(uow, station, actor=shop.cashier, number=1)

    assert _count(uow, "cash_movement") == 0
    assert shifts.current_shift(uow, station).status == "open"


@pytest.mark.parametrize(("kind", "amount", "reason", "message"), [
    ("paid_out", "0", "快递费", "more than 0"),
    ("paid_out", "-5", "快递费", "negative"),
    ("paid_in", "1.234", "零钱", "decimal places"),
    ("paid_out", "20", "   ", "reason"),
])
def test_paid_in_out_refuses_bad_input(shop, uow, station, kind, amount, reason, message):
    shifts.open_shift(uow, station, actor=shop.cashier, opening_float="200")

    with pytest.raises(ValidationError, match=message):
        shifts.paid_in_out(uow, station, actor=shop.supervisor, kind=kind, amount=amount, reason=reason)

    assert _count(uow, "cash_movement") == 0


def test_cash_cannot_move_and_shifts_cannot_close_without_an_open_shift(shop, uow, station):
    with pytest.raises(ValidationError, match="No shift is open"):
        shifts.paid_in_out(uow, station, actor=shop.supervisor, kind="paid_in", amount="50", reason="零钱")
    with pytest.raises(ValidationError, match="No shift is open"):
        shifts.close_shift(uow, station, actor=shop.supervisor, counted="0")
    assert uow.sales.sequence_value("z:S001-T01") == 0


@pytest.mark.parametrize(("counted", "message"), [
    ({"3": 1}, "not a banknote"), ({"100": -1}, "whole number"), ({"100": 1.5}, "whole number"),
    ({"100": 1, "100.00": 1}, "counted twice"), ({"lots": 1}, "not a banknote"), ("-1", "negative"),
])
def test_a_bad_count_is_refused_before_anything_is_written(shop, uow, station, counted, message):
    shifts.open_shift(uow, station, actor=shop.cashier, opening_float="200")

    with pytest.raises(ValidationError, match=message):
        shifts.close_shift(uow, station, actor=shop.supervisor, counted=counted)

    assert shifts.current_shift(uow, station) is not None


# --- on paper and as a PDF ------------------------------------------------------------------------

def test_the_printed_z_report_is_queued_and_reads_right(shop, uow):
    run_the_shift(shop)
    render = report_paper.report_renderer(columns=42, encoding="gb18030", locale="zh_CN", timezone=TZ)

    z = close(shop, render=render)

    jobs = uow.till.pending_print_jobs("T01")
    assert [(j.kind, j.ref) for j in jobs] == [("z_report", "Z-S001-T01-000001")]
    text = jobs[0].payload.decode("gb18030")
    for expected in ("Z 报表 第 1 号", "李收银", "42.54", "44.04", "252.30", "251.80", "-0.50", "快递费",
                     "现金（2）", "银行卡（2）", "移动支付（1）", "22.30", "15.80", "作废（2）", "17.66",
                     "乳制品", "19.74", "13%", "2.68", "100 x 2"):
        assert expected in text, expected
    lines = render_text(report_paper.layout_shift_report(z, columns=42, locale="zh_CN", timezone=TZ))
    widths = {len(line.encode("gb18030")) for line in lines}  # GB18030: 2 bytes for 2 columns
    assert max(widths) <= 42
    assert any(line.startswith("应有现金") and line.endswith("252.30") and len(line.encode("gb18030")) == 42
               for line in lines)
    narrow = render_text(report_paper.layout_shift_report(z, columns=32, locale="en", timezone=TZ))
    assert max(len(line.encode("gb18030")) for line in narrow) <= 32
    assert any(line.startswith("Variance") and line.endswith("-0.50") for line in narrow)


def test_the_z_report_as_a_pdf(shop, tmp_path):
    run_the_shift(shop)
    z = close(shop)

    path = render_pdf(z, tmp_path / "z-0001.pdf", locale="zh_CN", timezone=TZ, store_name="便民超市·一号店")
    english = render_pdf(z, tmp_path / "z-en.pdf", locale="en", timezone=TZ)

    assert path.read_bytes().startswith(b"%PDF") and english.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    # "·" has no glyph in STSong-Light: it is drawn as "・", which copies back out as "·".
    for expected in ("Z 报表 第 1 号", "便民超市·一号店", "应有现金", "252.30", "实点现金", "251.80", "差额", "-0.50",
                     "净销售额", "42.54", "现金（2）", "22.30", "快递费", "乳制品", "19.74", "2.68"):
        assert expected in text, expected
    text_en = subprocess.run(["pdftotext", "-layout", str(english), "-"], capture_output=True, check=True,
                             text=True).stdout
    for expected in ("Z report No. 1", "Expected cash", "252.30", "Variance", "-0.50", "乳制品", "李收银"):
        assert expected in text_en, expected


def test_a_pdf_page_as_an_image(shop, tmp_path):
    """The first page as a PNG for a person to look at (docs/screenshots/z-report-pdf.png)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    run_the_shift(shop)
    z = close(shop)
    pdf = render_pdf(z, tmp_path / "z.pdf", locale="zh_CN", timezone=TZ, store_name="便民超市 一号店")

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)

    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("POSAPP_SAVE_SCREENSHOTS"):
        shutil.copy(png, Path(os.environ["POSAPP_SAVE_SCREENSHOTS"]) / "z-report-pdf.png")


# --- posapp-admin report ---------------------------------------------------------------------------

_admin = run_admin


@pytest.fixture
def cli_store(tmp_path):
    """A store made by `posapp-admin init` (S009, till T02, SQLite), with sales around month ends."""
    from posapp.bootstrap import open_store
    from posapp.config import load_config

    init = _admin(tmp_path, "init", "--admin-pin", "2468", "--store-code", "S009", "--terminal", "T02")
    assert init.returncode == 0, init
    store, _ = open_store(load_config(tmp_path / "posapp.toml"))
    shop = Shop(store.uow(), store.station)
    shifts.open_shift(shop.uow, shop.station, actor=shop.cashier, opening_float="200")
    for when, basket, payments in [
        (datetime(2026, 10, 31, 15, 59), shop.basket(("1003", 1)), [("cash", "2")]),  # 23:59 on 31 Oct
        (datetime(2026, 11, 1, 15, 59, 59), shop.basket(("1001", 2), ("1002", 1)), [("cash", "20")]),
        (datetime(2026, 11, 1, 16, 0), shop.basket(("1002", 2), basket_discount="1.00"), [("card", "8")]),  # 2 Nov
        (datetime(2026, 11, 30, 15, 0), shop.basket(("1004", 1)), [("mobile", "0.30")]),
        (datetime(2026, 11, 30, 16, 0), shop.basket(("1003", 5)), [("cash", "10")]),  # 00:00 on 1 Dec
    ]:
        shop.sell(basket, *payments, now=when)
    shifts.close_shift(shop.uow, shop.station, actor=shop.supervisor, counted={"100": 2, "20": 1, "10": 2, "1": 1})
    store.close()
    yield tmp_path


def test_admin_report_z_prints_the_text_and_writes_the_pdf(cli_store):
    pdf = cli_store / "z-1.pdf"

    by_shift = _admin(cli_store, "report", "z", "--shift", "1", "--pdf", pdf)
    by_z = _admin(cli_store, "report", "z", "--z", "1", "--print")
    missing = _admin(cli_store, "report", "z", "--z", "7")

    assert by_shift.returncode == 0, by_shift
    out = by_shift.stdout.splitlines()
    assert "Z 报表 第 1 号" in out[0]
    assert any(line.startswith("净销售额") and line.endswith("37.96") for line in out)  # 2 + 17.66 + 8 + 0.30 + 10
    assert any(line.startswith("应有现金") and line.endswith("229.70") for line in out)  # 200 + 2 + 17.70 + 10
    assert any(line.startswith("实点现金") and line.endswith("241.00") for line in out)
    assert any(line.startswith("差额") and line.endswith("11.30") for line in out)
    assert out[-1] == f"pdf written to {pdf}"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert by_z.returncode == 0, by_z
    timeless = lambda lines: [line for line in lines if not line.startswith("打印时间")]  # noqa: E731
    assert timeless(by_z.stdout.splitlines()[:-1]) == timeless(out[:-1])
    assert "queued for the printer of till T02" in by_z.stdout
    with sqlite3.connect(cli_store / "posapp.db") as db:
        assert db.execute("SELECT kind, ref FROM print_job").fetchall() == [("z_report", "Z-S009-T02-000001")]
    assert missing.returncode == 1 and missing.stderr.strip() == "posapp-admin: No shift Z 7 on till T02"


def test_admin_report_sales_as_json_counts_store_local_days(cli_store):
    result = _admin(cli_store, "report", "sales", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
    bad = _admin(cli_store, "report", "sales", "--from", "2026-11-31", "--to", "2026-11-30")
    backwards = _admin(cli_store, "report", "sales", "--from", "2026-11-30", "--to", "2026-11-01")

    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("from", "to", "currency", "terminal", "sales", "total", "tax", "discounts",
                                 "rounding", "by_tender")} == {
        "from": "2026-11-01", "to": "2026-11-30", "currency": "CNY", "terminal": None, "sales": 3,
        "total": "25.96", "tax": "2.56", "discounts": "1.00", "rounding": "0.04",
        "by_tender": {"cash": "17.70", "card": "8.00", "mobile": "0.30"}}
    days = {d["date"]: (d["sales"], d["total"]) for d in data["by_day"]}
    assert len(days) == 30 and days["2026-11-01"] == (1, "17.66") and days["2026-11-02"] == (1, "8.00")
    assert days["2026-11-30"] == (1, "0.30") and days["2026-11-15"] == (0, "0.00")
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    assert backwards.returncode == 1 and "ends" in backwards.stderr
