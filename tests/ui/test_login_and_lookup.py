"""Login wiring: the PIN pad, wrong PINs, and the shift that must be open before selling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from posapp.demo import DEMO_USERS
from posapp.ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI


def when_dialog(action, tries=150):
    """Answer the next modal dialog once it is up (some open only after a background call returns)."""
    def attempt(left):
        dialog = QApplication.activeModalWidget()
        if dialog is None and left:
            QTimer.singleShot(100, lambda: attempt(left - 1))
        elif dialog is not None:
            action(dialog)

    QTimer.singleShot(50, lambda: attempt(tries))


def make_window(qtbot, store):
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.login.users.count() == len(DEMO_USERS), timeout=5000)
    return window


def select_user(window, username):
    for row in range(window.login.users.count()):
        if window.login.users.item(row).data(Qt.UserRole) == username:
            window.login.users.setCurrentRow(row)
            return
    raise AssertionError(username)


def log_in(qtbot, window, username="cashier1", pin="1111"):
    select_user(window, username)
    qtbot.keyClicks(window.login.pin, pin)
    qtbot.keyClick(window.login.pin, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=5000)


def test_pin_pad_login_opens_the_till(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    select_user(window, "cashier1")
    for key in "1111":
        qtbot.mouseClick(window.login.findChild(QPushButton, f"key_{key}"), Qt.LeftButton)
    assert window.login.pin.text() == "1111"
    qtbot.mouseClick(window.login.findChild(QPushButton, "key_OK"), Qt.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=5000)
    assert window.user.username == "cashier1"
    assert "收银员 1号" in window.who.text()
    assert window.shift.text() == "Shift 1"


def test_wrong_pin_stays_on_login_with_a_message(qtbot, demo_store):
    window = make_window(qtbot, demo_store)
    select_user(window, "cashier1")
    qtbot.keyClicks(window.login.pin, "0000")
    qtbot.keyClick(window.login.pin, Qt.Key_Return)
    qtbot.waitUntil(lambda: "tries left" in window.login.message.text(), timeout=5000)
    assert window.pages.currentWidget() is window.login
    assert window.login.pin.text() == ""


def test_first_login_opens_a_shift_with_its_float(qtbot, demo_store):
    window = make_window(qtbot, demo_store)

    when_dialog(lambda dialog: (dialog.value.setText("150.00"), dialog.submit()))
    select_user(window, "cashier1")
    qtbot.keyClicks(window.login.pin, "1111")
    qtbot.keyClick(window.login.pin, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=8000)
    from posapp.services import shifts

    shift = shifts.current_shift(demo_store.uow(), demo_store.station)
    assert (shift.number, str(shift.opening_float), shift.opened_by) == (1, "150.00", "收银员 1号")
