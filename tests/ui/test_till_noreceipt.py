"""Returns without a receipt at the till as a cashier takes them: F10, F4, each item scanned with its
quantity and reason, the refund per unit (the lowest price of the last 30 days) shown before anything is
written, a manager's PIN, the refund as a new voucher on the return receipt (无小票退货); and without the
manager's PIN, or with a supervisor's, nothing is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.services import checkout
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.return_noreceipt import NoReceiptDialog
from posapp.ui.return_search import ReceiptPrompt
from test_login_and_lookup import log_in, make_window
from test_till_return_search import guarded
from test_till_returns import receipt_text, when_modal

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
PRODUCT = {p.sku: p for p in demo_products(60) if not p.weighed}
SHAMPOO, RICE = PRODUCT["D0000009"], PRODUCT["D0000006"]  # 27.90, 12.90


def sold_with_a_discount(store, product, percent):
    """A sale today where the customer paid less than the price (a line discount)."""
    uow = store.uow()
    cashier = uow.users.by_username("cashier1")
    basket = Basket(currency_places=2)
    line = basket.add(uow.catalog.by_sku(product.sku), qty=Decimal(1))
    basket.set_line_discount(line.line_no, percent=Decimal(percent))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("card", tendering.remaining, reference="AUTH1")
    return checkout.complete_sale(store.uow(), store.station, actor=cashier, basket=basket, tendering=tendering).sale


def no_receipt(qtbot, window, fill):
    """F10, then F4 (no receipt), then fill(the no-receipt dialog)."""
    def prompt(dialog):
        when_modal(NoReceiptDialog, guarded(fill))
        qtbot.keyClick(dialog.value, Qt.Key_F4)

    when_modal(ReceiptPrompt, prompt)
    qtbot.keyClick(window.till.scan, Qt.Key_F10)


def add_item(qtbot, dialog, code, qty, reason_key):
    """The code typed as a scanner does, the quantity, the reason's number in the list, Enter."""
    count = dialog.table.rowCount()
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)
    dialog.qty.selectAll()
    qtbot.keyClicks(dialog.qty, qty)
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, reason_key)
    qtbot.keyClick(dialog.reason, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > count or bool(dialog.message.property("error")), timeout=8000)


def lines_shown(dialog):
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def manager(dialog):
    dialog.username.setText("manager")
    dialog.pin.setText("8888")
    dialog.submit()


def test_a_managers_pin_refunds_the_lowest_price_as_a_new_voucher(qtbot, demo_store, open_shift):
    sold_with_a_discount(demo_store, SHAMPOO, 20)  # customers paid 22.32 for it today, not 27.90
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    seen = {}

    def fill(dialog):
        seen["lead"] = dialog.findChild(type(dialog.message), "lead").text()
        add_item(qtbot, dialog, SHAMPOO.barcodes[0], "2", "2")  # 2: wrong size or colour
        add_item(qtbot, dialog, RICE.sku, "1", "1")  # by SKU; 1: damaged
        seen["lines"], seen["figure"] = lines_shown(dialog), dialog.refund.text()
        seen["written before the PIN"] = demo_store.uow().sales.sequence_value("receipt:S001-T01")
        when_modal(OverrideDialog, manager)
        qtbot.keyClick(dialog.code, Qt.Key_Return)  # the code empty: Enter takes the return

    no_receipt(qtbot, window, fill)
    qtbot.waitUntil(lambda: "S001-T01-000002 done" in window.till.message.text(), timeout=10000)
    assert seen["lead"] == ("A manager approves a return without a receipt with their PIN. Each unit refunds the "
                            "lowest price the item had in the last 30 days, as store credit (a new voucher).")
    assert seen["lines"] == [[SHAMPOO.name, "2", "wrong size or colour", "CN¥22.32", "CN¥44.64"],
                             [RICE.name, "1", "damaged or defective", "CN¥12.90", "CN¥12.90"]]
    assert seen["figure"] == "Refund: CN¥57.54  as a new voucher"
    assert seen["written before the PIN"] == 1
    number = "S001-T01-000002"
    assert window.till.message.text() == (f"Return {number} done: refund CN¥57.54  as store credit: "
                                          f"new voucher V{number}")
    assert window.till.total.text() == "Refund: CN¥57.54"
    doc = demo_store.uow().sales.get(number=number)
    assert (doc.kind, doc.original, doc.total) == ("return", None, Decimal("-57.54"))
    assert [(x.sku, x.qty, x.reason, x.damaged) for x in doc.lines] == [
        (SHAMPOO.sku, Decimal(-2), "wrong_size", False), (RICE.sku, Decimal(-1), "damaged", True)]
    assert [(p.tender, p.amount, p.reference) for p in doc.payments] == [("voucher", Decimal("-57.54"), f"V{number}")]
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("return_taken", "cashier1", "manager")
    qtbot.waitUntil(lambda: bool(window.printer.last_output) and "无小票退货" in receipt_text(window),
                    timeout=8000)
    text = receipt_text(window)
    assert f"新代金券: V{number}" in text and "57.54" in text and number in text


def test_without_a_managers_pin_nothing_is_written(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    before = demo_store.uow().sales.sequence_value("receipt:S001-T01")
    seen = {}

    def supervisor(dialog):
        dialog.username.setText("supervisor")
        dialog.pin.setText("7777")
        dialog.submit()

    def fill(dialog):
        qtbot.keyClick(dialog.code, Qt.Key_Return)  # nothing scanned yet
        seen["empty"] = dialog.message.text()
        add_item(qtbot, dialog, "NOSUCH", "1", "4")
        seen["unknown"] = (dialog.message.text(), dialog.table.rowCount())
        dialog.code.clear()
        qtbot.keyClicks(dialog.code, RICE.barcodes[0])
        dialog.reason.setCurrentIndex(0)
        qtbot.keyClick(dialog.code, Qt.Key_Return)
        seen["no reason"] = (dialog.message.text(), dialog.table.rowCount())
        add_item(qtbot, dialog, RICE.barcodes[0], "1", "4")
        when_modal(OverrideDialog, lambda pin: pin.reject())  # the PIN dialog closed: no manager
        qtbot.keyClick(dialog.table, Qt.Key_Return)
        seen["no pin"] = (dialog.message.text(), dialog.message.property("error"), dialog.isVisible())
        when_modal(OverrideDialog, supervisor)  # a supervisor may not approve it
        qtbot.keyClick(dialog.table, Qt.Key_Return)
        qtbot.waitUntil(lambda: "may not approve" in dialog.message.text(), timeout=8000)
        seen["supervisor"] = (dialog.message.text(), dialog.isVisible())
        dialog.reject()

    no_receipt(qtbot, window, fill)
    qtbot.waitUntil(lambda: "supervisor" in seen, timeout=10000)
    assert seen["empty"] == "Scan the items the customer brings back"
    assert seen["unknown"] == ("No product has SKU NOSUCH", 0)
    assert seen["no reason"] == ("Choose the reason first: 1-5", 0)
    assert seen["no pin"] == ("A return without a receipt needs a manager's PIN; nothing was written", True, True)
    assert seen["supervisor"] == ("值班主管 may not approve return override", True)
    assert demo_store.uow().sales.sequence_value("receipt:S001-T01") == before
    assert "Return" not in window.till.message.text()
