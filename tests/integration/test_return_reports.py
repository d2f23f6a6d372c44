"""Returns in the X/Z shift report and the sales report, on SQLite and PostgreSQL, through the real
checkout and returns services. The shift below is worked out by hand (prices include tax, cash rounds
to 0.10):

  float 200.00
  sale 1  cash    2 x milk 6.58 (9%) + noodles 4.50 (13%) = 17.66, paid 17.70 (rounding +0.04) from 20
  sale 2  card    3 x water 2.00 (13%) = 6.00
  sale 3  mobile  2 x noodles 4.50 (13%) = 9.00
  return A  1 milk of sale 1, changed mind: 6.58, refunded 6.60 in cash (rounding +0.02)
  return B  1 water of sale 2, damaged: 2.00 back to the card (the goods are kept apart)
  return C  both noodles of sale 3, wrong size: 9.00, to cash instead of mobile (supervisor)
  paid in 50.00, paid out 20.00

  sales 3, net sales 32.66, takings 32.70; returns 3, 17.58 (refunded 17.60: cash 15.60, card 2.00)
  net sales after returns 15.08; takings after refunds 15.10
  expected cash = 200 + 17.70 - 15.60 + 50 - 20 = 232.10
  tax      13%: sales 0.52 + 0.69 + 1.04 = 2.25, returns 0.23 + 1.04 = 1.27, owed 0.98
            9%: sales 1.09, returns 0.55 (half the milk line's 1.09, rounded half up), owed 0.54
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from test_members import AT as MEMBER_AT
from test_members import PHONE, pieces, sell, store  # noqa: F401 (the store fixture)
from test_shift_reports import STEP, TZ, Shop

from posapp.devices.receipt import render_text
from posapp.domain.returns import Asked
from posapp.domain.users import Permission
from posapp.reports.shift_report import render_pdf
from posapp.services import members, report_paper, returns, shifts

AT = datetime(2026, 11, 23, 2, 0)  # 10:00 in Shanghai


@pytest.fixture
def shop(uow, station) -> Shop:
    return Shop(uow, replace(station, cash_increment=STEP))


def take(shop: Shop, sale, asked, *, now=AT, **kw):
    return returns.take_return(shop.uow, shop.station, actor=shop.cashier, number=sale.number, asked=asked,
                               now=now, **kw).sale


def run_the_shift(shop: Shop):
    shifts.open_shift(shop.uow, shop.station, actor=shop.cashier, opening_float="200")
    s1 = shop.sell(shop.basket(("1001", 2), ("1002", 1)), ("cash", "20"), now=AT)
    s2 = shop.sell(shop.basket(("1003", 3)), ("card", "6"), now=AT)
    s3 = shop.sell(shop.basket(("1002", 2)), ("mobile", "9"), now=AT)
    a = take(shop, s1, [Asked(1, D(1), "changed_mind")])
    b = take(shop, s2, [Asked(1, D(1), "damaged")], references={0: "RF-1"})
    c = take(shop, s3, [Asked(1, D(2), "wrong_size")], to_cash=True, approval=shop.approval(Permission.REFUND))
    assert [(r.total, r.rounding, [(p.tender, p.amount) for p in r.payments]) for r in (a, b, c)] == [
        (D("-6.58"), D("-0.02"), [("cash", D("-6.60"))]), (D("-2.00"), D(0), [("card", D("-2.00"))]),
        (D("-9.00"), D(0), [("cash", D("-9.00"))])]
    shifts.paid_in_out(shop.uow, shop.station, actor=shop.supervisor, kind="paid_in", amount="50", reason="零钱")
    shifts.paid_in_out(shop.uow, shop.station, actor=shop.supervisor, kind="paid_out", amount="20", reason="快递费")
    return s1, s2, s3


def close(shop: Shop, counted, **kw):
    return shifts.close_shift(shop.uow, shop.station, actor=shop.supervisor, counted=counted, **kw)


def test_the_z_report_shows_sales_without_the_returns_and_the_returns_apart(shop):
    run_the_shift(shop)

    z = close(shop, "232.10")

    # Sales as sold: the returns are not netted into them.
    assert (z.sale_count, z.gross_sales, z.net_sales, z.discounts) == (3, D("32.66"), D("32.66"), D(0))
    assert [(t.tender, t.count, t.amount) for t in z.tenders] == [
        ("cash", 1, D("17.70")), ("card", 1, D("6.00")), ("mobile", 1, D("9.00"))]
    assert (z.takings, z.cash_rounding, z.cash_sales) == (D("32.70"), D("0.04"), D("17.70"))
    assert [(c.category, c.lines, c.amount) for c in z.categories] == [
        ("方便食品", 2, D("13.50")), ("乳制品", 1, D("13.16")), ("饮料", 1, D("6.00"))]
    # The returns, on their own.
    assert (z.return_count, z.return_goods, z.return_amount, z.return_deducted) == (3, D("17.58"), D("17.58"), D(0))
    assert (z.return_rounding, z.refunded) == (D("0.02"), D("17.60"))
    assert [(t.tender, t.count, t.amount) for t in z.refunds] == [("cash", 2, D("15.60")), ("card", 1, D("2.00"))]
    assert [(r.reason, r.lines, r.qty, r.amount) for r in z.return_reasons] == [
        ("damaged", 1, D(1), D("2.00")), ("wrong_size", 1, D(2), D("9.00")), ("changed_mind", 1, D(1), D("6.58"))]
    assert (z.damaged.lines, z.damaged.qty, z.damaged.amount) == (1, D(1), D("2.00"))
    assert (z.net_after_returns, z.takings - z.refunded) == (D("15.08"), D("15.10"))
    # The cash drawer: cash refunds went out of it; counted right, nothing is short.
    assert (z.cash_refunds, z.paid_in, z.paid_out) == (D("15.60"), D("50.00"), D("20.00"))
    assert (z.expected_cash, z.counted_cash, z.variance) == (D("232.10"), D("232.10"), D(0))
    # The tax owed is net of what the returns refunded.
    assert [(t.rate, t.net, t.tax, t.gross) for t in z.taxes] == [
        (D(13), D("17.25"), D("2.25"), D("19.50")), (D(9), D("12.07"), D("1.09"), D("13.16"))]
    assert [(t.rate, t.tax, t.gross) for t in z.return_taxes] == [
        (D(13), D("-1.27"), D("-11.00")), (D(9), D("-0.55"), D("-6.58"))]
    assert [(t.rate, t.net, t.tax, t.gross) for t in z.net_taxes] == [
        (D(13), D("7.52"), D("0.98"), D("8.50")), (D(9), D("6.04"), D("0.54"), D("6.58"))]


def test_the_printed_z_report_in_chinese_has_the_returns_section(shop, uow):
    run_the_shift(shop)
    render = report_paper.report_renderer(columns=42, encoding="gb18030", locale="zh_CN", timezone=TZ)

    z = close(shop, {"100": 2, "20": 1, "10": 1, "2": 1, "0.1": 1}, render=render)  # 232.10

    assert z.variance == D(0)
    lines = render_text(report_paper.layout_shift_report(z, columns=42, locale="zh_CN", timezone=TZ))
    assert max(len(line.encode("gb18030")) for line in lines) <= 42

    def row(label: str) -> str:
        found = [line for line in lines if line.startswith(label)]
        assert found, label
        return found[0].split()[-1]

    assert (row("销售笔数"), row("净销售额"), row("退货（3）"), row("退货后净销售额")) == ("3", "32.66", "-17.58", "15.08")
    assert (row("退款"), row("扣除退款后实收")) == ("-17.60", "15.10")
    assert (row("现金收款"), row("现金退款"), row("应有现金"), row("差额")) == ("17.70", "-15.60", "232.10", "0.00")
    assert (row("退货笔数"), row("退回商品金额"), row("退款合计")) == ("3", "17.58", "17.60")
    assert (row("退回现金（2）"), row("退回银行卡（1）"), row("其中现金舍入")) == ("15.60", "2.00", "0.04")
    assert "退货原因" in lines
    assert row("损坏/质量问题：1 行，数量 1") == "2.00" and row("尺码/颜色不合适：1 行，数量 2") == "9.00"
    assert row("不想要了：1 行，数量 1") == "6.58" and row("不可售（损坏）：1 行，数量 1") == "2.00"
    # Tax by rate: a label too wide for the table has a line of its own, the figures beneath it.
    at = {line.strip(): i for i, line in enumerate(lines)}
    assert [lines[at[label] + 1].split() for label in ("退货 13%", "退货后 13%", "退货后合计")] == [
        ["-9.73", "-1.27", "-11.00"], ["7.52", "0.98", "8.50"], ["13.56", "1.52", "15.08"]]
    sales_tax = [line.split() for line in lines if line.startswith("销售 ") and len(line.split()) == 4]
    assert row("13%") == "19.50" and sales_tax == [["销售", "29.32", "3.34", "32.66"]]  # the sales' tax first
    printed = uow.till.pending_print_jobs("T01")[0].payload.decode("gb18030")
    assert "退货原因" in printed and "现金退款" in printed and "232.10" in printed
    english = render_text(report_paper.layout_shift_report(z, columns=32, locale="en", timezone=TZ))
    assert max(len(line.encode("gb18030")) for line in english) <= 32
    for expected in ("Returns by reason", "Cash refunds", "Refunded to Cash (2)", "Not for resale (damaged)"):
        assert any(expected in line for line in english), expected


def test_the_x_report_shows_returns_and_stays_blind(shop, uow, station):
    run_the_shift(shop)

    x = shifts.x_report(uow, shop.station, actor=shop.supervisor)

    assert (x.kind, x.expected_cash, x.return_count, x.cash_refunds) == ("X", None, 3, D("15.60"))
    lines = render_text(report_paper.layout_shift_report(x, columns=42, locale="zh_CN", timezone=TZ))
    assert "232.10" not in "\n".join(lines) and any(line.startswith("现金退款") for line in lines)


def test_a_return_counts_in_the_shift_it_was_taken_on(shop, uow):
    s1, _s2, _s3 = run_the_shift(shop)
    close(shop, "232.10")
    shifts.open_shift(uow, shop.station, actor=shop.cashier, opening_float="100")
    take(shop, s1, [Asked(2, D(1), "not_as_described")], now=AT + timedelta(days=1))

    z = close(shop, "95.50")

    # 4.50 of noodles comes back in cash: 100 - 4.50, a sale of the first shift, a return of the second.
    assert (z.z_number, z.sale_count, z.net_sales, z.return_count, z.refunded) == (2, 0, D(0), 1, D("4.50"))
    assert (z.expected_cash, z.variance) == (D("95.50"), D(0))
    assert [(r.reason, r.lines, r.qty, r.amount) for r in z.return_reasons] == [
        ("not_as_described", 1, D(1), D("4.50"))]
    assert z.damaged is None
    first = shifts.shift_report(uow, shop.station, actor=shop.supervisor, z_number=1)
    assert (first.return_count, first.expected_cash) == (3, D("232.10"))


def test_the_sales_report_counts_sales_and_returns_apart(shop, uow):
    shifts.open_shift(uow, shop.station, actor=shop.cashier, opening_float="200")
    s1 = shop.sell(shop.basket(("1001", 2), ("1002", 1)), ("cash", "20"), now=AT)
    shop.sell(shop.basket(("1003", 3)), ("card", "6"), now=AT)
    later = AT + timedelta(days=1)
    take(shop, s1, [Asked(1, D(1), "damaged")], now=later)
    shop.sell(shop.basket(("1004", 1)), ("mobile", "0.30"), now=later)

    both = shifts.sales_summary(uow, shop.station, actor=shop.manager, start=date(2026, 11, 23),
                                end=date(2026, 11, 24), timezone=TZ)
    second = shifts.sales_summary(uow, shop.station, actor=shop.manager, start=date(2026, 11, 24),
                                  end=date(2026, 11, 24), timezone=TZ)

    data = both.to_json()
    assert {k: data[k] for k in ("sales", "total", "tax", "rounding", "by_tender")} == {
        "sales": 3, "total": "23.96", "tax": "2.33", "rounding": "0.04",
        "by_tender": {"cash": "17.70", "card": "6.00", "mobile": "0.30"}}
    assert data["returns"] == {
        "count": 1, "goods": "6.58", "deducted": "0.00", "amount": "6.58", "rounding": "0.02", "refunded": "6.60",
        "tax": "0.55", "by_tender": {"cash": "6.60"},
        "by_reason": [{"reason": "damaged", "lines": 1, "qty": "1", "amount": "6.58"}],
        "damaged": {"lines": 1, "qty": "1", "amount": "6.58"}}
    assert data["net"] == {"total": "17.38", "tax": "1.78", "takings": "17.40"}
    assert [(d["date"], d["sales"], d["total"], d["returns"], d["returned"]) for d in data["by_day"]] == [
        ("2026-11-23", 2, "23.66", 0, "0.00"), ("2026-11-24", 1, "0.30", 1, "6.58")]
    # The return is in the range of the day it was taken, though its sale was the day before.
    assert (second.sales, second.total, second.returns.count, second.returns.refunded) == (1, D("0.30"), 1, D("6.60"))
    text = both.text_lines(locale="zh_CN")
    assert text[0] == "销售报表 2026-11-23 至 2026-11-24（CNY）"
    values = {line.rsplit(maxsplit=1)[0].strip(): line.split()[-1] for line in text if line.strip()}
    assert (values["销售笔数"], values["净销售额"], values["退货笔数"], values["退款合计"]) == ("3", "23.96", "1", "6.60")
    assert (values["退回现金"], values["扣除退货后税额"], values["扣除退款后实收"]) == ("6.60", "1.78", "17.40")
    assert values["损坏/质量问题：1 行，数量 1"] == "6.58" and values["不可售（损坏）：1 行，数量 1"] == "6.58"
    english = "\n".join(both.text_lines())
    assert "Net sales after returns" in english and "Refunded to Cash" in english


def test_a_z_report_pdf_with_returns_in_chinese(shop, tmp_path):
    """The PDF a manager opens; with POSAPP_SAVE_SCREENSHOTS, its first page as a PNG to look at."""
    run_the_shift(shop)
    z = close(shop, "232.10")

    pdf = render_pdf(z, tmp_path / "z.pdf", locale="zh_CN", timezone=TZ, store_name="便民超市 一号店")

    assert pdf.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          text=True).stdout
    for expected in ("退货原因", "退款合计", "17.60", "现金退款", "-15.60", "应有现金", "232.10", "退货后合计",
                     "不可售（损坏）"):
        assert expected in text, expected
    if os.environ.get("POSAPP_SAVE_SCREENSHOTS") and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                        str(Path(os.environ["POSAPP_SAVE_SCREENSHOTS"]) / "z-report-returns")], check=True)


def test_points_refunds_and_points_already_spent_show_in_the_returns(uow, station, store):
    """A member paid partly with points and returns it all; another had spent the points a sale earned,
    so their value comes off the refund: the Z report shows the points refund and the deduction."""
    manager, cashier = store
    dear = max((uow.catalog.by_sku(s) for s in pieces(uow)), key=lambda p: p.price)
    payer = members.sign_up(uow, station, actor=cashier, phone=PHONE)
    members.adjust_points(uow, station, actor=manager, code=payer.code, points=1000, reason="welcome", at=MEMBER_AT)
    paid = sell(uow, station, cashier, payer, [(dear.sku, 1)], points=D("10.00"))
    spender = members.sign_up(uow, station, actor=cashier, phone="13900000002")
    spent = sell(uow, station, cashier, spender, [(dear.sku, 1)])
    earned = uow.members.balance(spender.id)
    members.adjust_points(uow, station, actor=manager, code=spender.code, points=-(earned - 10), reason="spent",
                          at=MEMBER_AT)
    first = returns.take_return(uow, station, actor=cashier, number=paid.number,
                                asked=[Asked(1, D(1), "changed_mind")], now=MEMBER_AT)
    second = returns.take_return(uow, station, actor=cashier, number=spent.number,
                                 asked=[Asked(1, D(1), "other")], now=MEMBER_AT)
    value = second.plan.shortfall_value  # (earned - 10) points at 100 a yuan, rounded up
    assert value == (D(earned - 10) / 100).quantize(D("0.01"), rounding="ROUND_CEILING") > 0

    # The cash taken went back out, but for the value of the points the second member had spent.
    z = shifts.close_shift(uow, station, actor=manager, counted=D(200) + value)

    assert (z.sale_count, z.net_sales, z.return_count) == (2, paid.total + spent.total, 2)
    assert (z.return_goods, z.return_deducted) == (paid.total + spent.total, value)
    assert z.refunded == paid.total + spent.total - value
    assert [(t.tender, t.count, t.amount) for t in z.refunds] == [
        ("cash", 2, paid.total - 10 + spent.total - value), ("points", 1, D("10.00"))]
    assert (z.cash_refunds, z.variance) == (paid.total - 10 + spent.total - value, D(0))
    lines = render_text(report_paper.layout_shift_report(z, columns=42, locale="zh_CN", timezone=TZ))
    assert any(line.startswith("扣减") and line.endswith(f"-{value:.2f}") for line in lines)
    assert any(line.startswith("退回积分抵扣（1）") and line.endswith("10.00") for line in lines)
    assert "扣减：保留的商品不再满足的促销、未退回的赠品、已用掉的积分" in "".join(lines)
    assert sorted(p.tender for p in first.sale.payments) == ["cash", "points"]
