"""Promotions at the till as a cashier meets them: prices and savings on the lines, 满减 and
gifts under the total, a coupon typed into the scan field, a member found with F3."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from test_login_and_lookup import log_in, make_window, when_dialog
from test_till import rows, scan

pytestmark = [pytest.mark.timeout(60), pytest.mark.promotions]
MILK, CHIPS, EGGS = "D0000001", "D0000015", "D0000016"  # 奶粉 87.50 (special 79), 薯片 14.90, 鸡蛋 35.50


def barcode(store, sku):
    return store.uow().catalog.by_sku(sku).barcodes[0]


def test_promotions_show_on_the_lines_and_under_the_total(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.till.offers is not None, timeout=5000)
    scan(qtbot, window, f"3*{barcode(demo_store, CHIPS)}")
    chips = rows(window)[0]
    assert "薯片买二送一" in chips[4] and chips[5].endswith("29.80")  # one of three free
    scan(qtbot, window, f"3*{barcode(demo_store, MILK)}")
    milk = rows(window)[1]
    assert "奶粉限时特价" in milk[4] and milk[5].endswith("237.00")  # 3 x 79.00
    # 29.80 + 237.00 = 266.80 reaches 200: 20 off -> 246.80 (no gift below 300).
    assert window.till.total.text().endswith("246.80")
    assert "满200减20" in window.till.summary.text()


def test_a_coupon_in_the_scan_field_and_a_member_from_f3(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.till.offers is not None, timeout=5000)
    scan(qtbot, window, f"2*{barcode(demo_store, EGGS)}")
    assert window.till.total.text().endswith("71.00")  # 2 x 35.50: the member price needs a member
    scan(qtbot, window, "welcome10")
    assert "WELCOME10" in window.till.message.text()
    assert window.till.total.text().endswith("61.00")  # 满50减10

    def member(dialog):
        qtbot.keyClicks(dialog.value, "13800000001")
        qtbot.keyClick(dialog.value, Qt.Key_Return)

    when_dialog(member)
    before = window.till.message.text()
    qtbot.keyClick(window.till.scan, Qt.Key_F3)
    qtbot.waitUntil(lambda: window.till.message.text() != before, timeout=5000)
    assert "王女士" in window.till.message.text()
    # The card as the cashier reads it out: masked phone, tier, points and the 300 about to expire.
    told = window.till.message.text()
    assert "138****0001" in told and "13800000001" not in told
    assert "tier gold" in told and "2000 points" in told and "300 expire by" in told and "First visit" in told
    assert window.till.total.text().endswith("49.80")  # 2 x 29.90 member price, then the coupon's 10
    scan(qtbot, window, "NOSUCHCOUPON")
    assert window.till.total.text().endswith("49.80")
