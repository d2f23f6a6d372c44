"""Finding the sale when the customer has no receipt at hand, as a cashier does it: F10, F2, what the
customer remembers (their member card or phone, the day, the end of the card's reference), Enter; the
sales found; ↓ and Enter on one goes on into the returns dialog exactly as a scanned receipt does. A
search by card reference needs a supervisor's PIN."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from posapp.demo import demo_products
from posapp.domain.clock import to_local, utcnow
from posapp.services import members as member_service
from posapp.services.auth import SYSTEM
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.return_search import ReceiptPrompt, SaleSearchDialog
from posapp.ui.returns import ReturnDialog
from test_login_and_lookup import log_in, make_window
from test_till_members import press_f3
from test_till_returns import sell, take, type_qty, when_modal

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
PRODUCT = {p.sku: p for p in demo_products(60) if not p.weighed}
RICE, CHIPS, SHAMPOO = PRODUCT["D0000006"], PRODUCT["D0000015"], PRODUCT["D0000059"]  # 12.90, 14.90, 48.00
PHONE = "13912345678"


def found(dialog):
    t = dialog.results
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def guarded(fill):
    """fill(dialog), and if a step of it fails, the dialog closed: the test fails instead of hanging."""
    def run(dialog):
        try:
            fill(dialog)
        except BaseException:
            dialog.reject()
            raise

    return run


def search_from_f10(qtbot, window, fill):
    """F10, F2 (no receipt: find the sale), then fill(the search dialog)."""
    def prompt(dialog):
        when_modal(SaleSearchDialog, guarded(fill))
        qtbot.keyClick(dialog.value, Qt.Key_F2)

    when_modal(ReceiptPrompt, prompt)
    qtbot.keyClick(window.till.scan, Qt.Key_F10)


def search(qtbot, dialog, field, text):
    """Into one field (the cashier moves there), its text and Enter; waits for the answer."""
    getattr(dialog, field).setFocus()
    getattr(dialog, field).setText(text)
    before = dialog.asked_at
    qtbot.keyClick(getattr(dialog, field), Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.asked_at > before and "Searching" not in dialog.message.text(), timeout=8000)


def return_one(qtbot, seen):
    """The returns dialog: what it is for, then one of the first line back (changed mind)."""
    def fill(dialog):
        seen["return dialog"] = dialog.windowTitle()
        type_qty(qtbot, dialog, 0, "1", "4")
        qtbot.waitUntil(lambda: "Back to cash" in dialog.preview.text(), timeout=8000)
        take(qtbot, dialog)

    when_modal(ReturnDialog, guarded(fill))


def test_a_sale_found_by_the_members_phone_is_returned_against(qtbot, demo_store, open_shift):
    member = member_service.sign_up(demo_store.uow(), demo_store.station, actor=SYSTEM, phone=PHONE, name="赵女士")
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    press_f3(qtbot, window, PHONE)
    theirs = sell(qtbot, window, [RICE.barcodes[0], CHIPS.barcodes[0]])  # 27.80 in cash
    other = sell(qtbot, window, [SHAMPOO.barcodes[0]])
    seen = {}

    def fill(dialog):
        seen["focus"] = QApplication.focusWidget() is dialog.day
        search(qtbot, dialog, "member", "139 1234 5678")  # as the customer says it
        seen["found"], seen["message"] = found(dialog), dialog.message.text()
        seen["on the list"] = dialog.results.hasFocus() and dialog.results.currentRow() == 0
        return_one(qtbot, seen)
        qtbot.keyClick(dialog.results, Qt.Key_Return)

    search_from_f10(qtbot, window, fill)
    qtbot.waitUntil(lambda: "Return S001-T01-000003 done" in window.till.message.text(), timeout=10000)
    today = to_local(utcnow(), demo_store.station.timezone).date().isoformat()
    assert seen["focus"]
    [[number, time, total, code, cashier]] = seen["found"]
    assert (number, total, code, cashier) == (theirs, "CN¥27.80", member.code, "收银员 1号")
    assert time.startswith(today)
    assert seen["message"] == "1 sales found: ↓ and Enter take one" and seen["on the list"]
    assert seen["return dialog"] == f"Return against receipt {theirs}"
    [stored] = demo_store.uow().sales.returns_of(theirs)
    assert [(x.sku, x.qty) for x in stored.lines] == [(RICE.sku, Decimal(-1))]
    assert demo_store.uow().sales.returns_of(other) == []


def test_a_sale_found_by_the_day_is_chosen_with_the_arrows_and_returned_against(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    first = sell(qtbot, window, [RICE.barcodes[0]])
    second = sell(qtbot, window, [SHAMPOO.barcodes[0]])
    today = to_local(utcnow(), demo_store.station.timezone).date().isoformat()
    seen = {}

    def fill(dialog):
        search(qtbot, dialog, "day", "2001-01-01")
        seen["none"] = (dialog.message.text(), found(dialog))
        search(qtbot, dialog, "day", "yesterday")
        seen["bad day"] = (dialog.message.text(), dialog.message.property("error"))
        search(qtbot, dialog, "day", today)
        seen["found"] = [row[0] for row in found(dialog)]
        qtbot.keyClick(dialog.results, Qt.Key_Down)  # the other sale
        return_one(qtbot, seen)
        qtbot.keyClick(dialog.results, Qt.Key_Return)

    search_from_f10(qtbot, window, fill)
    qtbot.waitUntil(lambda: "Return S001-T01-000003 done" in window.till.message.text(), timeout=10000)
    assert seen["none"] == ("No sale found; try another day, amount or member", [])
    assert seen["bad day"] == ("yesterday is not a day (YYYY-MM-DD)", True)
    assert seen["found"] == [second, first]  # the latest first
    assert seen["return dialog"] == f"Return against receipt {first}"
    assert len(demo_store.uow().sales.returns_of(first)) == 1
    assert demo_store.uow().sales.returns_of(second) == []


def test_a_search_by_card_reference_asks_for_a_supervisors_pin(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    carded = sell(qtbot, window, [SHAMPOO.barcodes[0]], card="AUTH77889900")
    sell(qtbot, window, [RICE.barcodes[0]])
    before = demo_store.uow().sales.sequence_value("receipt:S001-T01")
    asked = []
    seen = {}

    def supervisor(dialog):
        asked.append(dialog.windowTitle())
        dialog.username.setText("supervisor")
        dialog.pin.setText("7777")
        dialog.submit()

    def fill(dialog):
        when_modal(OverrideDialog, lambda pin: (asked.append(pin.windowTitle()), pin.reject()))
        search(qtbot, dialog, "reference", "9900")
        qtbot.waitUntil(lambda: bool(dialog.message.property("error")), timeout=8000)
        seen["no pin"] = (dialog.message.text(), found(dialog))
        when_modal(OverrideDialog, supervisor)
        search(qtbot, dialog, "reference", "9900")
        qtbot.waitUntil(lambda: dialog.results.rowCount() > 0, timeout=8000)
        seen["found"] = [row[0] for row in found(dialog)]
        search(qtbot, dialog, "reference", "77889900")  # the supervisor's PIN holds for this dialog
        seen["again"] = [row[0] for row in found(dialog)]

        def chosen(returns):
            seen["return dialog"] = returns.windowTitle()
            returns.reject()

        when_modal(ReturnDialog, chosen)
        qtbot.keyClick(dialog.results, Qt.Key_Return)

    search_from_f10(qtbot, window, fill)
    qtbot.waitUntil(lambda: "return dialog" in seen, timeout=10000)
    assert seen["no pin"] == ("收银员 1号 may not refund; a supervisor's or manager's PIN is needed", [])
    assert asked == ["Supervisor approval", "Supervisor approval"]  # once refused, once given; not again
    assert seen["found"] == [carded] and seen["again"] == [carded]
    assert seen["return dialog"] == f"Return against receipt {carded}"
    assert demo_store.uow().sales.sequence_value("receipt:S001-T01") == before
