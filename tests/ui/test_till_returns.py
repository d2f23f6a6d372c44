"""Returns at the till (F10) as a cashier takes them: the receipt scanned, the lines with what can still
come back, quantities and reasons typed, the refund worked out as they type, the return stored and its
receipt printed; and what is refused (more than is left, a card refund without its reference, a receipt
that does not exist, a late return without a manager) without writing anything. (F10 with items in the
basket is an exchange: test_till_exchange.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication

from posapp.demo import demo_products
from posapp.domain.returns import Asked
from posapp.i18n import money
from posapp.services import returns as return_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.return_lines import LEFT, PAID, QTY, REASON, RETURNED, SOLD
from posapp.ui.returns import ReturnDialog
from test_login_and_lookup import log_in, make_window, when_dialog
from test_till import rows, scan

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
PRODUCTS = [p for p in demo_products(60) if not p.weighed]
FIRST = "S001-T01-000001"


def when_modal(kind, action, tries=150):
    """Answer the next modal dialog of this kind (another one, like the returns dialog, may be up)."""
    def attempt(left):
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            action(dialog)
        elif left:
            QTimer.singleShot(100, lambda: attempt(left - 1))

    QTimer.singleShot(50, lambda: attempt(tries))


def sell(qtbot, window, scans, *, card=""):
    """Scan, F12, pay in cash (or by card with its reference); the receipt's number."""
    for text in scans:
        scan(qtbot, window, text)
    before = window.till.last_sale
    if card:
        when_dialog(lambda d: (d.reference.setText(card), d.take("card")))
    else:
        when_dialog(lambda d: (qtbot.keyClicks(d.amount, "1000"), qtbot.keyClick(d.amount, Qt.Key_Return)))
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: window.till.last_sale not in (None, before), timeout=8000)
    qtbot.waitUntil(lambda: window.printer.last_output is not None, timeout=8000)
    return window.till.last_sale


def f10(qtbot, window, number, then=None):
    """F10, the receipt's number typed as a scanner does (+ Enter), then `then(returns dialog)`."""
    def ask(dialog):
        qtbot.keyClicks(dialog.value, number)
        if then is not None:
            when_modal(ReturnDialog, then)
        qtbot.keyClick(dialog.value, Qt.Key_Return)

    when_dialog(ask)
    qtbot.keyClick(window.till.scan, Qt.Key_F10)


def lines_shown(dialog):
    t = dialog.table
    return [[t.item(r, c).text() for c in (0, SOLD, RETURNED, LEFT, PAID, QTY)] for r in range(t.rowCount())]


def type_qty(qtbot, dialog, row, qty, reason_key=None):
    """On the line's quantity: type it, Enter; Tab to the reason and its number (1-5)."""
    dialog.table.setCurrentCell(row, QTY)
    qtbot.keyClicks(dialog.table, qty)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)  # the editor: ends the typing
    qtbot.waitUntil(lambda: dialog.table.state() != QAbstractItemView.EditingState, timeout=5000)
    assert dialog.table.item(row, QTY).text() == qty and "brings back" not in dialog.message.text()
    if reason_key is not None:
        qtbot.keyClick(dialog.table, Qt.Key_Tab)
        assert dialog.table.currentColumn() == REASON
        qtbot.keyClick(dialog.table, reason_key)


def take(qtbot, dialog):
    """Enter takes the return; waits for the answer (the dialog closes, or says why not)."""
    qtbot.keyClick(dialog.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=8000)


def receipt_text(window):
    return window.printer.last_output.decode("gb18030", errors="replace")


@pytest.mark.promotions
def test_f10_returns_one_unit_stores_the_return_and_prints_its_receipt(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    chips, rice = (next(p for p in PRODUCTS if p.sku == sku) for sku in ("D0000015", "D0000006"))
    number = sell(qtbot, window, [f"3*{chips.barcodes[0]}", rice.barcodes[0]])  # chips: buy 2 get 1
    assert number == FIRST
    seen = {}

    def fill(dialog):
        seen["info"] = dialog.info.text()
        seen["window"] = dialog.window_state.text()
        seen["lines"] = lines_shown(dialog)
        seen["focus"] = QApplication.focusWidget() is dialog.table and dialog.table.currentColumn() == QTY
        type_qty(qtbot, dialog, 0, "1", "2")  # 2: wrong size or colour
        seen["reason"] = dialog.table.item(0, REASON).text()
        qtbot.waitUntil(lambda: "Back to cash" in dialog.preview.text(), timeout=8000)
        seen["preview"], seen["refund"] = dialog.preview.text(), dialog.refund.text()
        take(qtbot, dialog)

    f10(qtbot, window, number, fill)
    qtbot.waitUntil(lambda: "Return S001-T01-000002 done" in window.till.message.text(), timeout=8000)
    assert FIRST in seen["info"] and "within the 30-day return window" in seen["window"]
    assert seen["lines"] == [[chips.name, "3", "0", "3", "CN¥29.80", "0"],
                             [rice.name, "1", "0", "1", money(rice.price, "CNY"), "0"]]
    assert seen["focus"] and seen["reason"] == "wrong size or colour"
    # A third of the 29.80 paid for three is 9.93; the demo store rounds cash to 0.10.
    assert seen["refund"] == "Refund: CN¥9.90"
    assert all(f">{text}<" in seen["preview"] for text in ("CN¥9.93", "-CN¥0.03", "CN¥9.90"))

    uow = demo_store.uow()
    [stored] = uow.sales.returns_of(FIRST)
    assert stored.number == "S001-T01-000002" and stored.original == FIRST
    assert [(x.original_line, x.qty, x.reason) for x in stored.lines] == [(1, Decimal(-1), "wrong_size")]
    assert [(p.tender, p.amount) for p in stored.payments] == [("cash", Decimal("-9.90"))]
    assert window.till.message.text() == "Return S001-T01-000002 done: refund CN¥9.90"
    assert window.till.total.text() == "Refund: CN¥9.90"
    qtbot.waitUntil(lambda: "退货单" in receipt_text(window), timeout=8000)
    text = receipt_text(window)
    assert FIRST in text and "S001-T01-000002" in text and "9.90" in text
    assert rows(window) == [] and window.till.basket.is_empty


def test_asking_more_than_is_left_is_refused_with_the_numbers_and_writes_nothing(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    cashier = demo_store.uow().users.by_username("cashier1")
    number = sell(qtbot, window, [f"2*{PRODUCTS[0].barcodes[0]}", PRODUCTS[1].barcodes[0]])
    return_service.take_return(demo_store.uow(), demo_store.station, actor=cashier, number=number,
                               asked=[Asked(1, Decimal(1), "changed_mind"), Asked(2, Decimal(1), "damaged")])
    before = demo_store.uow().sales.sequence_value("receipt:S001-T01")
    seen = {}

    def fill(dialog):
        seen["lines"] = lines_shown(dialog)
        seen["info"] = dialog.info.text()
        type_qty(qtbot, dialog, 0, "2", "4")
        qtbot.keyClick(dialog.table, Qt.Key_Tab)  # the other line has nothing left: out of the table
        seen["tab"] = (dialog.table.hasFocus(), dialog.table.currentRow())
        dialog.table.setCurrentCell(1, REASON)
        qtbot.keyClick(dialog.table, "1")
        seen["nothing left"] = (lines_shown(dialog)[1][1:], dialog.table.item(1, REASON).text())
        dialog.table.setCurrentCell(0, REASON)
        qtbot.waitUntil(lambda: "cannot be returned" in dialog.message.text(), timeout=8000)
        seen["preview"] = (dialog.message.text(), dialog.message.property("error"), dialog.refund.text())
        take(qtbot, dialog)
        seen["taken"] = (dialog.message.text(), dialog.isVisible())
        dialog.reject()

    f10(qtbot, window, number, fill)
    qtbot.waitUntil(lambda: "taken" in seen, timeout=8000)
    refusal = f"{PRODUCTS[0].name}: 2 cannot be returned; 2 sold, 1 already returned, 1 left"
    assert seen["lines"][0][1:4] == ["2", "1", "1"] and "S001-T01-000002" in seen["info"]
    assert seen["tab"] == (False, 0)
    assert seen["nothing left"] == (["1", "1", "0", money(PRODUCTS[1].price, "CNY"), "0"], "")
    assert seen["preview"] == (refusal, True, "Refund: —")
    assert seen["taken"] == (refusal, True)
    uow = demo_store.uow()
    assert len(uow.sales.returns_of(number)) == 1
    assert uow.sales.sequence_value("receipt:S001-T01") == before
    assert "Return" not in window.till.message.text()


def test_an_unknown_receipt_number_says_so(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    f10(qtbot, window, "s001-t01-999999")
    qtbot.waitUntil(lambda: "No sale" in window.till.message.text(), timeout=8000)
    assert window.till.message.text() == "No sale with receipt number S001-T01-999999"
    assert window.till.message.property("error") is True


def test_a_card_refund_needs_the_terminals_reference_and_cash_instead_a_supervisor(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    a = PRODUCTS[2]
    number = sell(qtbot, window, [f"3*{a.barcodes[0]}"], card="AUTH123456")
    seen = {}

    def fill(dialog):
        seen["field"] = sorted(dialog.references)
        type_qty(qtbot, dialog, 0, "1", "3")
        qtbot.waitUntil(lambda: "Back to card" in dialog.preview.text(), timeout=8000)
        take(qtbot, dialog)
        seen["no reference"] = (dialog.message.text(), dialog.isVisible())
        seen["stored"] = len(demo_store.uow().sales.returns_of(number))
        dialog.references[0].setText("RF 998877")
        take(qtbot, dialog)

    f10(qtbot, window, number, fill)
    qtbot.waitUntil(lambda: "S001-T01-000002 done" in window.till.message.text(), timeout=8000)
    assert seen["field"] == [0]
    assert seen["no reference"] == (f"Type the payment terminal's refund reference for the card refund of "
                                    f"{a.price:.2f}", True)
    assert seen["stored"] == 0
    [first] = demo_store.uow().sales.returns_of(number)
    assert [(p.tender, p.amount, p.reference) for p in first.payments] == [("card", -a.price, "RF 998877")]

    # Cash instead of the card: the cashier may not; a supervisor's PIN lets the return through.
    def approve(dialog):
        dialog.username.setText("supervisor")
        dialog.pin.setText("7777")
        dialog.submit()

    def to_cash(dialog):
        type_qty(qtbot, dialog, 0, "1", "1")
        dialog.to_cash.setChecked(True)
        qtbot.waitUntil(lambda: "Back to cash (instead of card)" in dialog.preview.text(), timeout=8000)
        when_modal(OverrideDialog, approve)
        qtbot.keyClick(dialog.table, Qt.Key_Return)

    f10(qtbot, window, number, to_cash)
    qtbot.waitUntil(lambda: "S001-T01-000003 done" in window.till.message.text(), timeout=8000)
    second = demo_store.uow().sales.get(number="S001-T01-000003")
    assert [(p.tender, p.amount) for p in second.payments] == [("cash", -a.price)]
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("return_taken", "cashier1", "supervisor")
    assert "damaged" in [x.reason for x in second.lines]


def test_a_late_return_needs_a_managers_pin(qtbot, demo_store, open_shift):
    from posapp.domain.basket import Basket
    from posapp.domain.tender import Tendering
    from posapp.services import checkout

    uow = demo_store.uow()
    cashier = uow.users.by_username("cashier1")
    basket = Basket(currency_places=2)
    basket.add(uow.catalog.by_sku(PRODUCTS[0].sku), qty=Decimal(1))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("cash", tendering.remaining)
    from posapp.domain.clock import utcnow

    sale = checkout.complete_sale(demo_store.uow(), demo_store.station, actor=cashier, basket=basket,
                                  tendering=tendering, now=utcnow() - timedelta(days=40)).sale
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    seen = {}

    def manager(dialog):
        dialog.username.setText("manager")
        dialog.pin.setText("8888")
        dialog.submit()

    def supervisor(dialog):
        dialog.username.setText("supervisor")
        dialog.pin.setText("7777")
        dialog.submit()

    def fill(dialog):
        seen["window"] = (dialog.window_state.text(), dialog.window_state.property("error"))
        type_qty(qtbot, dialog, 0, "1", "5")
        when_modal(OverrideDialog, supervisor)
        take(qtbot, dialog)
        qtbot.waitUntil(lambda: "may not approve" in dialog.message.text(), timeout=8000)
        seen["supervisor"] = dialog.message.text()
        when_modal(OverrideDialog, manager)
        take(qtbot, dialog)

    f10(qtbot, window, sale.number, fill)
    qtbot.waitUntil(lambda: "S001-T01-000002 done" in window.till.message.text(), timeout=8000)
    assert seen["window"] == ("40 days since the sale: outside the 30-day return window; a manager's PIN is needed",
                              True)
    assert "值班主管 may not approve return override" == seen["supervisor"]
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.approver) == ("return_taken", "manager")
