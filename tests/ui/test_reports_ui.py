"""The reports window as a manager uses it after a couple of sales: today's period shows the sales and the
net total, the products tab lists what was sold; a cashier without the permission is asked for a
manager's PIN, cancels, and sees no report."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QTableWidget

from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.domain.users import Permission
from posapp.i18n import money
from posapp.services import checkout
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.reports import ReportsWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI


def sell(store, product, qty) -> Decimal:
    uow = store.uow()
    cashier = uow.users.by_username("cashier1")
    basket = Basket()
    basket.add(product, qty=Decimal(qty))
    tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, store.station, actor=cashier, basket=basket, tendering=tendering).sale.total


def cells(table: QTableWidget, row: int) -> list[str]:
    return [table.item(row, c).text() if table.item(row, c) else "" for c in range(table.columnCount())]


def column(table: QTableWidget, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_a_manager_sees_todays_sales_and_products(qtbot, demo_store, open_shift, tmp_path, monkeypatch):
    product = next(p for p in demo_store.uow().catalog.iter_all() if not p.weighed and p.price > 0)
    net = sell(demo_store, product, 2) + sell(demo_store, product, 1)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    window.findChild(QAction, "open_reports").trigger()
    qtbot.waitUntil(lambda: window.findChild(ReportsWindow) is not None, timeout=5000)
    reports = window.findChild(ReportsWindow)
    period = reports.pages["period"]
    qtbot.waitUntil(lambda: period.findChild(QTableWidget, "period_totals") is not None, timeout=10000)
    totals = period.findChild(QTableWidget, "period_totals")
    this_period = cells(totals, 0)
    assert this_period[1] == "2"
    assert this_period[5] == money(net, demo_store.station.currency)
    assert "2" in period.message.text() and money(net, demo_store.station.currency) in period.message.text()
    days = period.findChild(QTableWidget, "period_days")
    assert days.rowCount() == 1 and cells(days, 0)[1] == "2"

    reports.tabs.setCurrentWidget(reports.pages["products"])
    products = reports.pages["products"]
    qtbot.waitUntil(lambda: products.findChild(QTableWidget, "report_products") is not None, timeout=10000)
    table = products.findChild(QTableWidget, "report_products")
    assert column(table, 0) == [product.sku]
    row = cells(table, 0)
    assert row[1] == product.name and row[3] == "3" and row[4] == money(net, demo_store.station.currency)
    assert row[7] == "A"

    import posapp.ui.reports as reports_ui
    written = []
    monkeypatch.setattr(reports_ui, "save_path", lambda *a, **kw: tmp_path / "products.csv")
    monkeypatch.setattr(reports_ui, "offer_open", lambda parent, path, text: written.append(path))
    products.findChild(QPushButton, "products_csv").click()
    qtbot.waitUntil(lambda: bool(written), timeout=10000)
    text = (tmp_path / "products.csv").read_text(encoding="utf-8-sig")
    assert product.sku in text and product.name in text
    reports.close()


def test_a_cashier_is_asked_for_a_pin_and_sees_nothing(qtbot, demo_store, open_shift):
    cashier = demo_store.uow().users.by_username("cashier1")
    assert not cashier.can(Permission.VIEW_REPORTS)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    asked = []

    def cancel(dialog):
        asked.append(isinstance(dialog, OverrideDialog))
        dialog.reject()

    when_dialog(cancel)
    window.findChild(QAction, "open_reports").trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert asked == [True]
    qtbot.wait(200)
    assert window.findChild(ReportsWindow) is None
