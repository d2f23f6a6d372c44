"""Exchanges at the till as a cashier takes them: the new items rung up, F10 (which says it is an
exchange), the receipt of what comes back, its lines chosen, Enter; the payment dialog opens with the
exchange credit already taken and the customer pays the difference; or, for a cheaper item, nothing is
paid and the rest goes back to the original payment (a card's with its refund reference). Both documents
are stored, each naming the other, and both receipts print."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from posapp.demo import demo_products
from posapp.ui.exchange import ExchangeDialog
from posapp.ui.payment import PaymentDialog
from posapp.ui.return_search import ReceiptPrompt
from test_login_and_lookup import log_in, make_window, when_dialog
from test_till import rows, scan
from test_till_return_search import guarded
from test_till_returns import take, type_qty, when_modal
from test_till_returns import sell as sell_at_till

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
PRODUCT = {p.sku: p for p in demo_products(60) if not p.weighed}
CHIPS, TOMATO_CHIPS = PRODUCT["D0000015"], PRODUCT["D0000037"]  # 14.90, 16.90
SHAMPOO_200, SHAMPOO_400 = PRODUCT["D0000009"], PRODUCT["D0000059"]  # 27.90, 48.00
FIRST, RETURN, NEW_SALE = "S001-T01-000001", "S001-T01-000002", "S001-T01-000003"


def collect_prints(window):
    """Everything the printer is sent, decoded as the printer reads it."""
    printed, send = [], window.printer.send
    window.printer.send = lambda data: (printed.append(bytes(data).decode("gb18030", errors="replace")), send(data))
    return printed


def exchange(qtbot, window, number, fill, seen):
    """F10 with the new items in the basket: the prompt (what it says), the receipt, then fill(dialog)."""
    def prompt(dialog):
        seen["prompt"] = (dialog.windowTitle(), dialog.findChild(type(dialog.message), "lead").text(),
                          dialog.no_receipt.isVisible())
        qtbot.keyClicks(dialog.value, number)
        when_modal(ExchangeDialog, guarded(fill))
        qtbot.keyClick(dialog.value, Qt.Key_Return)

    when_modal(ReceiptPrompt, prompt)
    qtbot.keyClick(window.till.scan, Qt.Key_F10)


def test_a_dearer_item_the_customer_pays_the_difference_in_cash(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    assert sell_at_till(qtbot, window, [CHIPS.barcodes[0]]) == FIRST  # 14.90 in cash
    printed = collect_prints(window)
    scan(qtbot, window, TOMATO_CHIPS.barcodes[0])  # the new item: 16.90
    seen = {}

    def pay(dialog):
        seen["payment"] = (dialog.windowTitle(), dialog.due.text(),
                           [dialog.paid.item(i).text() for i in range(dialog.paid.count())])
        qtbot.keyClicks(dialog.amount, "5")
        qtbot.keyClick(dialog.amount, Qt.Key_Return)

    def fill(dialog):
        seen["title"] = dialog.windowTitle()
        seen["ok"] = dialog.ok.text()
        type_qty(qtbot, dialog, 0, "1", "2")  # 2: wrong size or colour (the flavour)
        qtbot.waitUntil(lambda: "The customer pays" in dialog.preview.text(), timeout=8000)
        seen["preview"], seen["figure"] = dialog.preview.text(), dialog.refund.text()
        seen["written before paying"] = len(demo_store.uow().sales.returns_of(FIRST))
        when_modal(PaymentDialog, pay)
        take(qtbot, dialog)

    exchange(qtbot, window, FIRST, fill, seen)
    qtbot.waitUntil(lambda: "Exchange done" in window.till.message.text(), timeout=10000)
    assert seen["prompt"] == ("Exchange", "Exchange for the 1 items in the basket (CN¥16.90): scan the receipt "
                                          "of what comes back", False)
    assert seen["title"] == f"Exchange against receipt {FIRST}"
    assert seen["ok"] == "Exchange for the items in the basket (Enter)"
    assert all(f">{amount}<" in seen["preview"] for amount in ("CN¥16.90", "-CN¥14.90", "CN¥2.00"))
    assert "Back to cash" not in seen["preview"]  # the refund pays for the new item, none of it goes back
    assert seen["figure"] == "The customer pays: CN¥2.00"
    assert seen["written before paying"] == 0
    # The payment dialog: only the difference to pay, the credit already the first payment.
    assert seen["payment"] == ("Payment for the exchange", "To pay: CN¥2.00",
                               [f"Exchange credit CN¥14.90 (items returned on {FIRST})"])
    assert window.till.message.text() == (f"Exchange done: return {RETURN}, sale {NEW_SALE}.  "
                                          "The customer paid CN¥2.00")
    assert window.till.total.text() == "Change: CN¥3.00"
    assert rows(window) == [] and window.till.basket.is_empty

    uow = demo_store.uow()
    [returned] = uow.sales.returns_of(FIRST)
    sold = uow.sales.get(number=NEW_SALE)
    assert returned.number == RETURN and returned.original == FIRST
    assert [(x.sku, x.qty, x.reason) for x in returned.lines] == [(CHIPS.sku, Decimal(-1), "wrong_size")]
    assert [(p.tender, p.amount, p.reference) for p in returned.payments] == [
        ("exchange", Decimal("-14.90"), NEW_SALE)]
    assert [x.sku for x in sold.lines] == [TOMATO_CHIPS.sku]
    assert [(p.tender, p.amount, p.reference) for p in sold.payments] == [
        ("exchange", Decimal("14.90"), RETURN), ("cash", Decimal("2.00"), "")]
    assert sold.change == Decimal("3.00")
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=8000)  # both receipts
    assert "退货单" in printed[0] and FIRST in printed[0] and "换货抵扣" in printed[0]
    assert NEW_SALE in printed[1] and "换货抵扣" in printed[1] and "16.90" in printed[1]


def test_a_cheaper_item_the_rest_goes_back_in_cash_and_nothing_is_paid(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    assert sell_at_till(qtbot, window, [SHAMPOO_400.barcodes[0]]) == FIRST  # 48.00 in cash
    scan(qtbot, window, SHAMPOO_200.barcodes[0])  # 27.90
    seen = {}

    def fill(dialog):
        type_qty(qtbot, dialog, 0, "1", "4")  # 4: changed mind
        qtbot.waitUntil(lambda: "Left over" in dialog.preview.text(), timeout=8000)
        seen["preview"], seen["figure"] = dialog.preview.text(), dialog.refund.text()
        take(qtbot, dialog)  # nothing to pay: no payment dialog, the exchange is taken

    exchange(qtbot, window, FIRST, fill, seen)
    qtbot.waitUntil(lambda: "Exchange done" in window.till.message.text(), timeout=10000)
    assert "Left over, back to cash</td><td align='right' style='padding-left:32px'>CN¥20.10<" in seen["preview"]
    assert "The customer pays" not in seen["preview"]
    assert seen["figure"] == "Back to the customer: CN¥20.10"
    assert window.till.message.text() == (f"Exchange done: return {RETURN}, sale {NEW_SALE}.  "
                                          "Back to the customer: cash CN¥20.10")
    assert window.till.total.text() == "Refund: CN¥20.10"
    uow = demo_store.uow()
    [returned] = uow.sales.returns_of(FIRST)
    assert {p.tender: (p.amount, p.reference) for p in returned.payments} == {
        "exchange": (Decimal("-27.90"), NEW_SALE), "cash": (Decimal("-20.10"), "")}
    sold = uow.sales.get(number=NEW_SALE)
    assert [(p.tender, p.amount, p.reference) for p in sold.payments] == [("exchange", Decimal("27.90"), RETURN)]
    assert sold.total == Decimal("27.90") and window.till.basket.is_empty


def test_the_rest_back_to_a_card_needs_the_terminals_reference_and_nothing_is_written_without(
        qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    assert sell_at_till(qtbot, window, [SHAMPOO_400.barcodes[0]], card="AUTH123456") == FIRST
    scan(qtbot, window, SHAMPOO_200.barcodes[0])
    before = demo_store.uow().sales.sequence_value("receipt:S001-T01")
    seen = {}

    def fill(dialog):
        type_qty(qtbot, dialog, 0, "1", "3")
        qtbot.waitUntil(lambda: "Left over, back to card" in dialog.preview.text(), timeout=8000)
        take(qtbot, dialog)
        seen["refused"] = (dialog.message.text(), dialog.message.property("error"), dialog.isVisible(),
                           QApplication.focusWidget() is dialog.references[0])
        seen["written"] = demo_store.uow().sales.sequence_value("receipt:S001-T01")
        dialog.references[0].setText("RF 5566")
        take(qtbot, dialog)

    exchange(qtbot, window, FIRST, fill, seen)
    qtbot.waitUntil(lambda: "Exchange done" in window.till.message.text(), timeout=10000)
    assert seen["refused"] == ("Type the payment terminal's refund reference for the card refund of 20.10", True,
                               True, True)
    assert seen["written"] == before
    [returned] = demo_store.uow().sales.returns_of(FIRST)
    assert {p.tender: (p.amount, p.reference) for p in returned.payments} == {
        "exchange": (Decimal("-27.90"), NEW_SALE), "card": (Decimal("-20.10"), "RF 5566")}


def test_cancelling_the_payment_writes_nothing_and_keeps_the_basket(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    sell_at_till(qtbot, window, [CHIPS.barcodes[0]])
    scan(qtbot, window, TOMATO_CHIPS.barcodes[0])
    before = demo_store.uow().sales.sequence_value("receipt:S001-T01")
    seen = {}

    def fill(dialog):
        type_qty(qtbot, dialog, 0, "1", "2")
        when_modal(PaymentDialog, lambda payment: qtbot.keyClick(payment.amount, Qt.Key_Escape))
        take(qtbot, dialog)
        seen["cancelled"] = (dialog.message.text(), dialog.isVisible(), dialog.ok.isEnabled())
        dialog.reject()

    exchange(qtbot, window, FIRST, fill, seen)
    qtbot.waitUntil(lambda: "cancelled" in seen, timeout=10000)
    assert seen["cancelled"] == ("Payment cancelled: nothing was written", True, True)
    assert demo_store.uow().sales.sequence_value("receipt:S001-T01") == before
    assert demo_store.uow().sales.returns_of(FIRST) == []
    assert [r[1] for r in rows(window)] == [TOMATO_CHIPS.name]  # the new item still in the basket


def test_f10_on_an_empty_basket_is_a_return_and_says_how_to_exchange(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    seen = {}

    def prompt(dialog):
        seen["prompt"] = (dialog.windowTitle(), dialog.findChild(type(dialog.message), "lead").text(),
                          dialog.no_receipt.isVisible())
        qtbot.keyClick(dialog.value, Qt.Key_Return)  # nothing typed: stays, says what to do
        seen["empty"] = (dialog.message.text(), dialog.isVisible())
        qtbot.keyClick(dialog.value, Qt.Key_Escape)

    when_dialog(prompt)
    qtbot.keyClick(window.till.scan, Qt.Key_F10)
    assert seen["prompt"] == ("Returns", "A return: scan the receipt. For an exchange, ring up the new items "
                                         "first, then F10", True)
    assert seen["empty"] == ("Scan or type the receipt's number; without it, F2 finds the sale", True)
    assert QApplication.activeModalWidget() is None


def test_outside_the_return_window_a_managers_pin_is_asked_before_anything_is_paid(qtbot, demo_store, open_shift):
    from datetime import timedelta

    from posapp.domain.basket import Basket
    from posapp.domain.clock import utcnow
    from posapp.domain.tender import Tendering
    from posapp.services import checkout
    from posapp.ui.dialogs import OverrideDialog

    uow = demo_store.uow()
    basket = Basket(currency_places=2)
    basket.add(uow.catalog.by_sku(SHAMPOO_400.sku), qty=Decimal(1))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("cash", tendering.remaining)
    sale = checkout.complete_sale(demo_store.uow(), demo_store.station, actor=uow.users.by_username("cashier1"),
                                  basket=basket, tendering=tendering, now=utcnow() - timedelta(days=40)).sale
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, SHAMPOO_200.barcodes[0])
    seen = {}

    def manager(dialog):
        seen["asked"] = dialog.windowTitle()
        dialog.username.setText("manager")
        dialog.pin.setText("8888")
        dialog.submit()

    def fill(dialog):
        type_qty(qtbot, dialog, 0, "1", "4")
        when_modal(OverrideDialog, lambda pin: pin.reject())
        take(qtbot, dialog)
        seen["no pin"] = (dialog.message.text(), len(demo_store.uow().sales.returns_of(sale.number)))
        when_modal(OverrideDialog, manager)
        take(qtbot, dialog)

    exchange(qtbot, window, sale.number, fill, seen)
    qtbot.waitUntil(lambda: "Exchange done" in window.till.message.text(), timeout=10000)
    assert seen["no pin"] == ("Outside the return window a manager's PIN is needed; nothing was written", 0)
    assert seen["asked"] == "Supervisor approval"
    entry = [e for e in demo_store.uow().audit.recent(limit=5) if e.action == "return_taken"][0]
    assert (entry.actor, entry.approver, entry.detail["exchange"]) == ("cashier1", "manager", "S001-T01-000003")
