"""Receipt layout: display widths (a Chinese character takes two columns), amounts in one column,
labels in the store's language, and everything a customer checks on the slip."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.devices import textwidth as tw
from posapp.devices.receipt import (
    LABELS,
    CodeBlock,
    ReceiptHeader,
    TextLine,
    layout_receipt,
    line_width,
    render_text,
)
from posapp.domain.money import round_money
from posapp.domain.sale import Payment, Sale, SaleLine, TaxLine

STORE = ReceiptHeader("华联超市 中山路店", "上海市黄浦区中山东一路 18 号", "91310101MA1FPX1234", "021-6321 0000")
FOOTER = "7 日内凭小票及原包装退换，生鲜食品除外。\n谢谢惠顾，欢迎再次光临！"
LONG_NAME = "蒙牛 纯甄常温酸牛奶 原味 200g×12盒 家庭促销装 限时特惠"
AMOUNT_AT_END = re.compile(r"-?[\d,]+\.\d\d$")


def _line(no, name, qty, unit_price, list_price, discount, rate, *, unit="瓶", weighed=False):
    total = round_money(unit_price * qty) - discount
    return SaleLine(no, 100 + no, f"SKU{no}", name, unit, qty, unit_price, list_price, discount, total,
                    "standard" if rate == 13 else "food", D(rate), weighed)


def sample_sale(**changes) -> Sale:
    """Milk x2, 0.523 kg of bananas, a price override, a line discount; card + cash with change."""
    lines = (
        _line(1, "光明 鲜牛奶 950ml", D(2), D("12.50"), D("12.50"), D(0), 13),
        _line(2, "进口 香蕉 散称", D("0.523"), D("6.98"), D("6.98"), D(0), 9, unit="kg", weighed=True),
        _line(3, LONG_NAME, D(1), D("49.90"), D("59.90"), D(0), 13),  # overridden from 59.90
        _line(4, "可口可乐 Coca-Cola 330ml", D(6), D("2.50"), D("2.50"), D("1.00"), 13),
    )
    subtotal = sum((ln.total for ln in lines), D(0))  # 25.00 + 3.65 + 49.90 + 14.00 = 92.55
    fields = dict(
        number="S001-T01-000123", store_code="S001", terminal_code="T01", shift_id=7, cashier_id=3,
        cashier_name="王芳", created_at=datetime(2024, 5, 1, 6, 3, 22), currency="CNY", lines=lines,
        subtotal=subtotal, basket_discount=D("2.00"), total=subtotal - D("2.00"), rounding=D("-0.05"),
        taxes=(TaxLine(D("13.00"), D("86.98"), D("10.01"), D("76.97")),
               TaxLine(D("9.00"), D("3.57"), D("0.29"), D("3.28"))),
        payments=(Payment("card", D("40.00"), D("40.00"), "TXN00098765432"),
                  Payment("cash", D("50.50"), D("100.00"))),
        change=D("49.50"),
    )
    fields.update(changes)
    return Sale(**fields)


def layout(columns=42, locale="zh_CN", **kw):
    return layout_receipt(sample_sale(), store=STORE, columns=columns, timezone="Asia/Shanghai",
                          locale=locale, footer=FOOTER, **kw)


def text_lines(doc) -> list[TextLine]:
    return [el for el in doc.elements if isinstance(el, TextLine)]


def find(lines: list[str], start: str) -> str:
    found = [ln for ln in lines if ln.startswith(start)]
    assert found, f"no line starting {start!r} in:\n" + "\n".join(lines)
    return found[0]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("columns", [32, 42, 48])
def test_every_line_fits_and_amounts_share_one_right_edge(columns, locale):
    doc = layout(columns, locale)
    for el in text_lines(doc):
        assert tw.text_width(el.text) <= line_width(el, columns), el
    lines = render_text(doc)
    assert all(tw.text_width(ln) <= columns for ln in lines)
    edges = {tw.text_width(el.text) for el in text_lines(doc)
             if not el.double_width and AMOUNT_AT_END.search(el.text)}
    assert edges == {columns}
    at_edge = {AMOUNT_AT_END.search(ln).group() for ln in lines if AMOUNT_AT_END.search(ln)}
    for amount in ("25.00", "3.65", "49.90", "15.00", "-1.00", "92.55", "-2.00", "10.01", "0.29",
                   "90.55", "-0.05", "90.50", "40.00", "100.00", "49.50", "13.00"):
        assert amount in at_edge, amount


def test_chinese_labels_in_zh_cn():
    lines = render_text(layout(42, "zh_CN"))
    assert find(lines, "合计").endswith("￥90.55")
    assert find(lines, "小计").endswith("92.55")
    assert find(lines, "整单优惠").endswith("-2.00")
    assert find(lines, "抹零").endswith("-0.05")
    assert find(lines, "应付").endswith("￥90.50")
    assert find(lines, "现金").endswith("100.00")
    assert find(lines, "银行卡 ****5432").endswith("40.00")
    assert find(lines, "找零").endswith("49.50")
    assert find(lines, "本次共节省").endswith("13.00")
    assert find(lines, "单号: ") == "单号: S001-T01-000123"
    assert find(lines, "收银员: 王芳").endswith("收银台: T01")
    assert find(lines, "税率").split() == ["税率", "不含税", "税额"]
    assert find(lines, "13%").split() == ["13%", "76.97", "10.01"]
    assert find(lines, "9%").split() == ["9%", "3.28", "0.29"]


def test_english_labels_in_en():
    lines = render_text(layout(42, "en"))
    assert find(lines, "TOTAL").endswith("CNY 90.55")
    assert find(lines, "Subtotal").endswith("92.55")
    assert find(lines, "Change").endswith("49.50")
    assert find(lines, "Cash ").endswith("100.00")
    assert find(lines, "Card ****5432").endswith("40.00")
    assert find(lines, "Rate").split() == ["Rate", "Net", "Tax"]
    assert find(lines, "You saved").endswith("13.00")
    assert find(lines, "Cashier: 王芳").endswith("Till: T01")
    text = "\n".join(lines)
    for word in ("合计", "小计", "找零", "现金", "银行卡", "税额", "收银员", "单号"):
        assert word not in text


def test_item_rows_weighed_discounted_and_overridden():
    lines = render_text(layout(42))
    assert lines[lines.index("光明 鲜牛奶 950ml") + 1] == "  2 x 12.50" + " " * 26 + "25.00"
    assert find(lines, "  0.523 kg x 6.98").endswith(" 3.65")
    assert find(lines, "  原价 59.90") == "  原价 59.90 (省 10.00)"
    cola = lines.index("可口可乐 Coca-Cola 330ml")
    assert lines[cola + 1].split() == ["6", "x", "2.50", "15.00"]  # before the line discount
    assert lines[cola + 2].split() == ["折扣", "-1.00"]


def test_weighed_quantity_always_has_three_decimals():
    half_kilo = replace(sample_sale().lines[1], qty=D("0.5"), total=D("3.49"))
    sale = sample_sale(lines=(half_kilo,))
    lines = render_text(layout_receipt(sale, store=STORE, columns=32, timezone="Asia/Shanghai"))
    assert find(lines, "  0.500 kg x 6.98").endswith("3.49")


def test_long_names_wrap_by_display_width_without_splitting_a_character():
    for columns in (32, 42, 48):
        doc = layout(columns)
        lines = render_text(doc)
        first = next(i for i, ln in enumerate(lines) if ln.startswith("蒙牛"))
        wrapped = lines[first:first + 2]
        assert len(wrapped) == 2 and all(tw.text_width(ln) <= columns for ln in wrapped)
        assert "".join(wrapped).replace(" ", "") == LONG_NAME.replace(" ", "")
    # 31 columns of room for a run of wide characters: 15 of them, never 15 and a half
    assert tw.wrap("一二三四五六七八九十" * 4, 31)[0] == "一二三四五六七八九十一二三四五"
    assert tw.truncate("光明牛奶", 5) == "光明"
    assert tw.wrap("Coca-Cola 可口可乐 330ml", 12) == ["Coca-Cola 可", "口可乐 330ml"]


@given(st.text(alphabet="ab 1.光明鲜牛奶×“”ｍｌ", max_size=80), st.integers(min_value=2, max_value=48))
def test_wrap_keeps_every_character_and_never_overflows(text, width):
    lines = tw.wrap(text, width)
    assert all(tw.text_width(ln) <= width for ln in lines)
    assert "".join(lines).replace(" ", "") == tw.clean(text).replace(" ", "")


def test_ambiguous_characters_take_two_columns_for_chinese_printers_only():
    assert tw.text_width("200g×12盒") == 4 + 2 + 2 + 2
    assert tw.text_width("200g×12盒", ambiguous=1) == 4 + 1 + 2 + 2
    assert tw.text_width("ＡＢ") == 4 and tw.text_width("e\u0301") == 1  # full-width; combining accent


def test_time_is_shown_in_the_store_time_zone():
    naive_utc = render_text(layout(42))
    assert find(naive_utc, "时间: ") == "时间: 2024-05-01 14:03:22"
    aware = sample_sale(created_at=datetime(2024, 5, 1, 6, 3, 22, tzinfo=timezone.utc))
    doc = layout_receipt(aware, store=STORE, columns=42, timezone="Europe/Berlin", locale="en")
    assert find(render_text(doc), "Time: ") == "Time: 2024-05-01 08:03:22"


def test_total_is_bold_and_double_height_and_store_name_double_size():
    doc = layout(42)
    total = next(el for el in text_lines(doc) if el.text.startswith("合计"))
    assert total.bold and total.double_height and not total.double_width
    name = text_lines(doc)[0]
    assert name.text == STORE.store_name and name.double_width and name.align == "center"
    narrow = layout_receipt(sample_sale(), store=ReceiptHeader("华联超市 中山路店 第二分店", "", ""),
                            columns=32, timezone="Asia/Shanghai")
    first = text_lines(narrow)[0]
    assert not first.double_width and first.double_height  # 26 columns would not fit 16 at double width


def test_reprint_banner_and_footer():
    plain = render_text(layout(42))
    again = render_text(layout(42, reprint=True))
    assert not any("重打小票" in ln for ln in plain)
    assert sum("*** 重打小票 ***" in ln for ln in again) == 2  # under the header and at the end
    assert "谢谢惠顾，欢迎再次光临！" in [ln.strip() for ln in plain]
    assert "*** REPRINT ***" in [ln.strip() for ln in render_text(layout(42, "en", reprint=True))]


def test_no_rounding_no_change_no_savings_lines_when_zero():
    sale = sample_sale(rounding=D(0), change=D(0), basket_discount=D(0), lines=sample_sale().lines[:2],
                       payments=(Payment("mobile", D("28.65"), D("28.65"), "4200001234567890"),))
    lines = render_text(layout_receipt(sale, store=STORE, columns=42, timezone="Asia/Shanghai"))
    text = "\n".join(lines)
    for word in ("抹零", "应付", "找零", "本次共节省", "整单优惠"):
        assert word not in text
    assert find(lines, "移动支付 ****7890").endswith("28.65")
    assert "4200001234567890" not in text


def test_receipt_number_code_fits_the_paper():
    assert layout(42).elements[-1] == CodeBlock("code128", "S001-T01-000123")
    assert layout(48).elements[-1] == CodeBlock("code128", "S001-T01-000123")
    # 15 characters of CODE128 at 2-dot modules need 440 dots; 58 mm paper has 384
    assert layout(32).elements[-1] == CodeBlock("qr", "S001-T01-000123")
    assert not any(isinstance(el, CodeBlock) for el in layout(42, code="none").elements)


def test_traditional_labels_print_on_big5_and_simplified_on_gb2312():
    for word in LABELS["zh_TW"].values():
        word.encode("big5")
    for word in LABELS["zh_CN"].values():
        word.encode("gb2312")  # double-byte codes every GB printer font has
