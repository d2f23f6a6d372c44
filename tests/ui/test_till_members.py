"""Members at the till as a cashier meets them: F3 finds nobody and signs the customer up, points pay
part of the sale from the payment dialog (F3 there too), the member's last visits, a parked basket
that comes back with its member."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from posapp.demo import demo_products
from posapp.domain.points import EntryKind
from posapp.i18n import money
from posapp.services import members as member_service
from posapp.services.auth import SYSTEM
from test_login_and_lookup import log_in, make_window, when_dialog
from test_till import rows, scan

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
PRODUCTS = [p for p in demo_products(60) if not p.weighed]
PHONE = "13912345678"


def press_f3(qtbot, window, typed):
    """F3, the card or phone typed into the question, Enter; waits for what the till says."""
    def member(dialog):
        qtbot.keyClicks(dialog.value, typed)
        qtbot.keyClick(dialog.value, Qt.Key_Return)

    when_dialog(member)
    before = window.till.message.text()
    qtbot.keyClick(window.till.scan, Qt.Key_F3)
    qtbot.waitUntil(lambda: window.till.message.text() != before, timeout=5000)


def member_with_points(store, points=2000):
    uow = store.uow()
    member = member_service.sign_up(uow, store.station, actor=SYSTEM, phone=PHONE, name="赵女士")
    if points:
        member_service.adjust_points(store.uow(), store.station, actor=SYSTEM, code=member.code, points=points,
                                     reason="welcome")
    return member


def test_f3_finds_nobody_and_the_cashier_signs_the_customer_up(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    seen = {}

    def sign_up(dialog):
        seen["phone"] = dialog.phone.text()
        dialog.name.setText("钱先生")
        dialog.consent.setChecked(True)
        qtbot.keyClick(dialog.name, Qt.Key_Return)

    when_dialog(lambda dialog: (qtbot.keyClicks(dialog.value, "139 1234 5678"),
                                qtbot.keyClick(dialog.value, Qt.Key_Return), when_dialog(sign_up)))
    qtbot.keyClick(window.till.scan, Qt.Key_F3)
    qtbot.waitUntil(lambda: "钱先生" in window.till.message.text(), timeout=8000)
    assert seen["phone"] == "139 1234 5678"  # what the cashier typed, already in the form
    member = demo_store.uow().members.by_phone(PHONE)
    assert (member.name, member.consent, member.active) == ("钱先生", True, True)
    assert window.till.basket.member_code == member.code
    told = window.till.message.text()
    assert "139****5678" in told and PHONE not in told and "First visit" in told and "0 points" in told
    assert "139****5678" in window.till.summary.text()


def test_a_phone_already_taken_reopens_the_form_with_the_reason_and_writes_nothing(qtbot, demo_store, open_shift):
    member_service.sign_up(demo_store.uow(), demo_store.station, actor=SYSTEM, phone=PHONE, code="CARD7777")
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    reopened = {}

    def second(dialog):
        reopened.update(problem=dialog.message.text(), phone=dialog.phone.text(), name=dialog.name.text())
        dialog.reject()

    def first(dialog):
        assert dialog.card.text() == "CARD0001" and dialog.phone.text() == ""  # a card number, not a phone
        dialog.phone.setText(PHONE)
        dialog.name.setText("孙女士")
        when_dialog(second)
        dialog.submit()

    when_dialog(lambda dialog: (qtbot.keyClicks(dialog.value, "CARD0001"),
                                qtbot.keyClick(dialog.value, Qt.Key_Return), when_dialog(first)))
    qtbot.keyClick(window.till.scan, Qt.Key_F3)
    qtbot.waitUntil(lambda: "problem" in reopened, timeout=8000)
    assert "already member CARD7777's phone" in reopened["problem"]
    assert (reopened["phone"], reopened["name"]) == (PHONE, "孙女士")
    assert demo_store.uow().members.count() == 1 and demo_store.uow().members.by_code("CARD0001") is None
    assert window.till.basket.member_code is None


def test_a_bad_phone_in_the_form_is_refused_there(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    said = []

    def form(dialog):
        dialog.phone.setText("12345")
        dialog.submit()
        said.append((dialog.isVisible(), dialog.message.text()))
        dialog.reject()

    when_dialog(lambda dialog: (dialog.value.setText("13700000000"), dialog.submit(), when_dialog(form)))
    qtbot.keyClick(window.till.scan, Qt.Key_F3)
    qtbot.waitUntil(lambda: bool(said), timeout=8000)
    assert said == [(True, "12345 is not a mobile number (11 digits, starting 13 to 19)")]
    assert demo_store.uow().members.count() == 0


def test_points_pay_part_of_the_sale_and_the_receipt_and_ledger_say_so(qtbot, demo_store, open_shift):
    member = member_with_points(demo_store, 2000)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    product = next(p for p in PRODUCTS if p.price >= 30)
    scan(qtbot, window, f"2*{product.barcodes[0]}")
    press_f3(qtbot, window, PHONE)
    total = window.till.basket.totals().total
    most = min((total / 2).quantize(Decimal("0.01"), rounding="ROUND_FLOOR"), Decimal("20.00"))
    seen = {}

    def pay(dialog):
        button = dialog.findChild(QPushButton, "tender_points")
        seen["button"] = button.text()
        qtbot.keyClick(dialog.amount, Qt.Key_F3)  # the most points may pay
        seen["after"] = dialog.due.text()
        qtbot.keyClicks(dialog.amount, "1000")
        qtbot.keyClick(dialog.amount, Qt.Key_Return)

    when_dialog(pay)
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: "Sale S001-T01-000001 done" in window.till.message.text(), timeout=8000)
    assert seen["button"] == f"Points (F3): 2000 available, up to {money(most, 'CNY')}"
    assert seen["after"].startswith(f"To pay: {money(total - most, 'CNY')}")
    sale = demo_store.uow().sales.get(number="S001-T01-000001")
    assert [(p.tender, p.amount) for p in sale.payments][0] == ("points", most)
    _member, entries = member_service.history(demo_store.uow(), member.code)
    redeemed = [e for e in entries if e.kind is EntryKind.REDEEM]
    assert [(e.points, e.sale_number) for e in redeemed] == [(-int(most * 100), sale.number)]
    earned = next(e for e in entries if e.kind is EntryKind.EARN)
    assert earned.points == int(total - most)  # points paid earn nothing
    qtbot.waitUntil(lambda: window.printer.last_output is not None, timeout=8000)
    receipt = window.printer.last_output.decode("gb18030", errors="replace")
    assert "139****5678" in receipt and "使用积分" in receipt
    assert str(2000 - int(most * 100) + earned.points) in receipt  # the new balance


def test_points_beyond_the_rules_are_refused_in_the_dialog_and_nothing_is_paid(qtbot, demo_store, open_shift):
    member_with_points(demo_store, 150)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    product = next(p for p in PRODUCTS if p.price >= 30)
    scan(qtbot, window, product.barcodes[0])
    press_f3(qtbot, window, PHONE)
    said = []

    def pay(dialog):
        qtbot.keyClicks(dialog.amount, "5.00")  # 500 points; the member has 150
        qtbot.keyClick(dialog.amount, Qt.Key_F3)
        said.append(dialog.message.text())
        dialog.amount.setText("0.50")  # 50 points: under the minimum of 100
        qtbot.keyClick(dialog.amount, Qt.Key_F3)
        said.append(dialog.message.text())
        said.append(len(dialog.tendering.payments))
        dialog.reject()

    when_dialog(pay)
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: len(said) == 3, timeout=8000)
    assert said == ["the member has 150 points; 5.00 needs 500", "at least 100 points at a time", 0]
    assert demo_store.uow().sales.get(number="S001-T01-000001") is None


def test_without_a_member_there_is_no_points_button(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    found = []
    when_dialog(lambda dialog: (found.append(dialog.findChild(QPushButton, "tender_points")), dialog.reject()))
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: bool(found), timeout=8000)
    assert found == [None]


def test_the_last_visits_show_and_a_parked_basket_comes_back_with_its_member(qtbot, demo_store, open_shift):
    member = member_with_points(demo_store, 0)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    scan(qtbot, window, PRODUCTS[0].barcodes[0])
    press_f3(qtbot, window, member.code)
    when_dialog(lambda dialog: (qtbot.keyClick(dialog.amount, Qt.Key_Return)))
    qtbot.keyClick(window.till.scan, Qt.Key_F12)
    qtbot.waitUntil(lambda: "done" in window.till.message.text(), timeout=8000)
    assert member.code not in window.till.summary.text()  # the next customer starts without one
    paid = demo_store.uow().sales.get(number="S001-T01-000001").total
    scan(qtbot, window, PRODUCTS[1].barcodes[0])
    press_f3(qtbot, window, PHONE)
    today = (datetime.utcnow() + timedelta(hours=8)).strftime("%m-%d")  # the demo store is in Shanghai
    assert f"Last visits: {today} {money(paid, 'CNY')}" in window.till.summary.text()
    when_dialog(lambda d: (d.value.setText("赵"), d.submit()))
    qtbot.keyClick(window.till.scan, Qt.Key_F5)
    qtbot.waitUntil(lambda: window.till.basket.is_empty, timeout=5000)
    assert member.code not in window.till.summary.text()
    when_dialog(lambda d: d.submit())
    qtbot.keyClick(window.till.scan, Qt.Key_F5)
    qtbot.waitUntil(lambda: "Last visits" in window.till.summary.text(), timeout=8000)
    assert window.till.basket.member_code == member.code and len(rows(window)) == 1
