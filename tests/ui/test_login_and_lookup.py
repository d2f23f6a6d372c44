"""The screens' wiring: log in with the PIN pad, scan and search at the till, log out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from posapp.demo import DEMO_USERS, demo_products
from posapp.ui.main_window import MainWindow


def _window(qtbot, store):
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.login.users.count() == len(DEMO_USERS), timeout=5000)
    return window


def _select(window, username):
    for row in range(window.login.users.count()):
        if window.login.users.item(row).data(Qt.UserRole) == username:
            window.login.users.setCurrentRow(row)
            return
    raise AssertionError(username)


def _log_in(qtbot, window, username="cashier1", pin="1111"):
    _select(window, username)
    qtbot.keyClicks(window.login.pin, pin)
    qtbot.keyClick(window.login.pin, Qt.Key_Return)


def test_pin_pad_login_opens_the_till(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    _select(window, "cashier1")
    for key in "1111":
        qtbot.mouseClick(window.login.findChild(QPushButton, f"key_{key}"), Qt.LeftButton)
    assert window.login.pin.text() == "1111"
    qtbot.mouseClick(window.login.findChild(QPushButton, "key_OK"), Qt.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=5000)
    assert window.user.username == "cashier1"
    assert "收银员 1号" in window.who.text()


def test_wrong_pin_stays_on_login_with_a_message(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    _log_in(qtbot, window, pin="0000")
    qtbot.waitUntil(lambda: "tries left" in window.login.message.text(), timeout=5000)
    assert window.pages.currentWidget() is window.login
    assert window.login.pin.text() == ""


def test_scan_shows_the_product_and_unknown_barcode_says_so(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    _log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=5000)
    product = next(p for p in demo_products(60) if not p.weighed)
    qtbot.keyClicks(window.till.scan, product.barcodes[0])
    qtbot.keyClick(window.till.scan, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.till.model.rowCount() == 1, timeout=5000)
    model = window.till.model
    assert model.data(model.index(0, 0)) == product.sku
    assert model.data(model.index(0, 2)) == f"CN¥{product.price}"
    assert window.till.scan.text() == ""

    qtbot.keyClicks(window.till.scan, "6901234567893")
    qtbot.keyClick(window.till.scan, Qt.Key_Return)
    qtbot.waitUntil(lambda: "check digit" in window.till.message.text(), timeout=5000)
    assert window.till.model.rowCount() == 1  # what was shown stays


def test_search_by_pinyin_initials_and_log_out(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    _log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.till, timeout=5000)
    qtbot.keyClicks(window.till.scan, "nn")
    qtbot.keyClick(window.till.scan, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.till.model.rowCount() > 0, timeout=5000)
    names = [r.name for r in window.till.model.rows]
    assert all("奶" in n or "牛" in n for n in names), names
    qtbot.mouseClick(window.till.findChild(QPushButton, "logout"), Qt.LeftButton)
    assert window.pages.currentWidget() is window.login and window.user is None
