"""The cashier's screen wired as a cashier uses it: scan + Enter, 3*, F12 and pay, park, void."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from posapp.demo import demo_products
from test_login_and_lookup import log_in, make_window, when_dialog

PRODUCTS = [p for p in demo_products(60) if not p.weighed]

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI


def scan(qtbot, window, text):
    before = window.till.message.text()
    qtbot.keyClicks(window.till.scan, text)
    qtbot.keyClick(window.till.scan, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.till.message.text() != before, timeout=5000)


def rows(window):
    model = window.till.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_scans_add_lines_and_repeat_scans_add_quantity(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    a, b = PRODUCTS[0], PRODUCTS[1]
    scan(qtbot, window, a.barcodes[0])
    scan(qtbot, window, b.barcodes[0])
    scan(qtbot, window, a.barcodes[0])
    assert [(r[1], r[2]) for r in rows(window)] == [(a.name, "2"), (b.name, "1")]
    scan(qtbot, window, f"3*{b.barcodes[0]}")
    assert [r[2] for r in rows(window)] == ["2", "4"]
    expected = a.price * 2 + b.price * 4
    assert window.till.total.text().endswith(f"{expected:,.2f}")
    # The line just changed is the selected one.
    assert window.till.table.selectionModel().selectedRows()[0].row() == 1


def test_an_unknown_barcode_beeps_and_leaves_the_basket_alone(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    scan(qtbot, window, "4006381333931")
    assert "No product has barcode 4006381333931" in window.till.message.text()
    assert window.till.message.property("error") is True
    scan(qtbot, window, "12345")
    assert len(rows(window)) == 1


def test_f12_pay_cash_completes_the_sale_and_prints_the_receipt(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    a = PRODUCTS[2]
    scan(qtbot, window, f"2*{a.barcodes[0]}")
    due = window.till.basket.totals().total

    def pay(dialog):
        qtbot.keyClicks(dialog.amount, "500")
        qtbot.keyClick(dialog.amount, Qt.Key_Return)

    when_dialog(pay)
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: "S001-T01-000001" in window.till.message.text(), timeout=8000)
    sale = demo_store.uow().sales.get(number="S001-T01-000001")
    assert sale.total == due and sale.payments[0].tendered == Decimal("500")
    assert window.till.basket.is_empty and rows(window) == []
    qtbot.waitUntil(lambda: window.printer.last_output is not None, timeout=8000)
    receipt = window.printer.last_output
    assert receipt.startswith(b"\x1bp")  # cash opens the drawer
    text = receipt.decode("gb18030", errors="replace")
    assert a.name.split()[1] in text and "S001-T01-000001" in text
    assert f"{due:.2f}" in text and "找零" in text
    # The status bar counts the sale waiting for the online shop (this demo store does not sync).
    qtbot.waitUntil(lambda: "1 kept here to send" in window.sync.text(), timeout=8000)
    assert "not connected" in window.sync.text()


def test_park_and_resume(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[3].barcodes[0])
    when_dialog(lambda d: (d.value.setText("blue coat"), d.submit()))
    qtbot.keyClick(window.till.scan, Qt.Key_F5)
    qtbot.waitUntil(lambda: window.till.basket.is_empty, timeout=5000)
    when_dialog(lambda d: d.submit())
    qtbot.keyClick(window.till.scan, Qt.Key_F5)
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    assert rows(window)[0][1] == PRODUCTS[3].name


def test_voiding_a_line_needs_a_supervisor_pin(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    scan(qtbot, window, PRODUCTS[1].barcodes[0])
    # A cashier's own PIN is not enough. The supervisor field has the keyboard as the dialog opens.
    focused = []
    when_dialog(lambda d: (focused.append(QApplication.focusWidget() is d.username),
                           d.username.setText("cashier2"), d.pin.setText("2222"), d.submit()))
    qtbot.keyClick(window.till.scan, Qt.Key_F8)
    qtbot.waitUntil(lambda: "may not approve" in window.till.message.text(), timeout=5000)
    assert focused == [True]
    assert len(rows(window)) == 2
    when_dialog(lambda d: (d.username.setText("supervisor"), d.pin.setText("7777"), d.submit()))
    qtbot.keyClick(window.till.scan, Qt.Key_F8)
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    assert rows(window)[0][1] == PRODUCTS[0].name
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("line_voided", "cashier1", "supervisor")


def test_reprint_needs_a_supervisor_and_prints_a_marked_copy(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    when_dialog(lambda d: (qtbot.keyClicks(d.amount, "1000"), qtbot.keyClick(d.amount, Qt.Key_Return)))
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: window.till.last_sale == "S001-T01-000001", timeout=8000)
    qtbot.waitUntil(lambda: window.printer.last_output is not None, timeout=8000)

    def approve(dialog):
        dialog.username.setText("supervisor")
        dialog.pin.setText("7777")
        dialog.submit()

    when_dialog(lambda d: (d.submit(), when_dialog(approve)))
    window.till.reprint()
    qtbot.waitUntil(lambda: "重打小票" in window.printer.last_output.decode("gb18030", "replace"),
                    timeout=8000)
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.approver, entry.detail["number"]) == \
        ("receipt_reprinted", "supervisor", "S001-T01-000001")


def test_paid_out_then_blind_close_shows_the_z_report_and_logs_out(qtbot, demo_store, open_shift):
    from posapp.services import shifts

    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="supervisor", pin="7777")
    when_dialog(lambda d: (d.value.setText("20"), d.submit(),
                           when_dialog(lambda d2: (d2.value.setText("快递费"), d2.submit()))))
    window.till.paid_out()
    qtbot.waitUntil(lambda: "20.00" in window.till.message.text(), timeout=8000)
    shown = []

    def count(dialog):
        dialog.value.setText("180.00")  # 200 float - 20 paid out: no variance
        dialog.submit()
        when_dialog(lambda report: (shown.append(report.findChild(QPlainTextEdit, "report").toPlainText()),
                                    report.reject()))

    when_dialog(count)
    window.till.close_shift()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.login, timeout=8000)
    assert shifts.current_shift(demo_store.uow(), demo_store.station) is None
    text = shown[0]
    assert "Z" in text and "180.00" in text and "20.00" in text
    closed = demo_store.uow().till.shift(open_shift.id)
    assert (closed.z_number, closed.counted_cash, closed.expected_cash) == (1, Decimal("180.00"), Decimal("180.00"))
