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


def manager_opens_reports(qtbot, demo_store) -> ReportsWindow:
    """The manager logs in and opens Back office › Reports."""
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    window.findChild(QAction, "open_reports").trigger()
    qtbot.waitUntil(lambda: window.findChild(ReportsWindow) is not None, timeout=5000)
    return window.findChild(ReportsWindow)


def show_tab(qtbot, reports: ReportsWindow, kind: str, table: str) -> tuple:
    """Switches to a report's tab and waits for its table: (the page, the table)."""
    page = reports.pages[kind]
    reports.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.findChild(QTableWidget, table) is not None, timeout=10000)
    return page, page.findChild(QTableWidget, table)


def test_a_manager_sees_todays_sales_and_products(qtbot, demo_store, open_shift, tmp_path, monkeypatch):
    product = next(p for p in demo_store.uow().catalog.iter_all() if not p.weighed and p.price > 0)
    net = sell(demo_store, product, 2) + sell(demo_store, product, 1)
    reports = manager_opens_reports(qtbot, demo_store)
    period = reports.pages["period"]
    qtbot.waitUntil(lambda: period.findChild(QTableWidget, "period_totals") is not None, timeout=10000)
    totals = period.findChild(QTableWidget, "period_totals")
    this_period = cells(totals, 0)
    assert this_period[1] == "2"
    assert this_period[5] == money(net, demo_store.station.currency)
    assert "2" in period.message.text() and money(net, demo_store.station.currency) in period.message.text()
    days = period.findChild(QTableWidget, "period_days")
    assert days.rowCount() == 1 and cells(days, 0)[1] == "2"

    products, table = show_tab(qtbot, reports, "products", "report_products")
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


@pytest.mark.promotions
def test_the_promotions_tab_shows_what_each_promotion_gave_and_saves_it(qtbot, demo_store, open_shift, tmp_path,
                                                                       monkeypatch):
    """Two tins of milk powder at the demo's special price 79.00 (list 87.50): DEMO-SP used once, 17.00 off."""
    import shutil
    import subprocess

    import posapp.ui.reports as reports_ui
    from posapp.services import promotions

    uow = demo_store.uow()
    basket = Basket(offers=promotions.load_offers(uow, demo_store.station))
    basket.add(uow.catalog.by_sku("D0000001"), qty=Decimal(2))
    tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.01"))
    tendering.add("cash", tendering.cash_due)
    sale = checkout.complete_sale(uow, demo_store.station, actor=uow.users.by_username("cashier1"), basket=basket,
                                  tendering=tendering).sale
    assert sale.total == Decimal("158.00")
    c = demo_store.station.currency

    reports = manager_opens_reports(qtbot, demo_store)
    page, table = show_tab(qtbot, reports, "promotions", "report_promotions")
    rows = {cells(table, r)[0]: cells(table, r) for r in range(table.rowCount())}
    special = rows["DEMO-SP"]
    assert special[1] == "奶粉限时特价" and special[2] == "Special price"
    assert special[4:9] == ["1", "", money(Decimal("17.00"), c), "0", "2"]
    assert special[10:12] == [money(Decimal(0), c), money(Decimal("158.00"), c)]
    assert rows["DEMO-DRINK"][4] == "0" and rows["DEMO-CPN"][5] == "0"  # ran, gave nothing; a coupon: none used
    assert rows["Sum"][6] == money(Decimal("17.00"), c)
    assert "7 promotions" in page.message.text() and money(Decimal("17.00"), c) in page.message.text()

    written = []
    monkeypatch.setattr(reports_ui, "offer_open", lambda parent, path, text: written.append(path))
    monkeypatch.setattr(reports_ui, "save_path", lambda *a, **kw: tmp_path / "promotions.csv")
    page.findChild(QPushButton, "promotions_csv").click()
    qtbot.waitUntil(lambda: len(written) == 1, timeout=10000)
    lines = (tmp_path / "promotions.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("Code,Promotion,Kind,Window,Uses,") and "Units during" in lines[1]
    assert any(line.startswith("DEMO-SP,奶粉限时特价,Special price,") and ",1,," in line for line in lines)

    monkeypatch.setattr(reports_ui, "save_path", lambda *a, **kw: tmp_path / "promotions.pdf")
    page.findChild(QPushButton, "promotions_pdf").click()
    qtbot.waitUntil(lambda: len(written) == 2, timeout=10000)
    assert (tmp_path / "promotions.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "promotions.pdf"), "-"], check=True,
                              capture_output=True, encoding="utf-8").stdout
        assert "奶粉限时特价" in text and "158.00" in text and "17.00" in text
    reports.close()


def test_the_members_tab_shows_the_members_share_and_the_points_and_saves_a_pdf(qtbot, demo_store, open_shift,
                                                                                 tmp_path, monkeypatch):
    """A member buys 2 x 奶粉 (175.00, 175 points), a guest buys one (87.50): members made 66.7 % of net sales;
    the member signed up today; the points balance at the end is 175 = 1.75."""
    import posapp.ui.reports as reports_ui
    from posapp.services import members

    uow = demo_store.uow()
    cashier = uow.users.by_username("cashier1")
    member = members.sign_up(uow, demo_store.station, actor=cashier, phone="13900000001", name="测试会员")
    milk = uow.catalog.by_sku("D0000001")
    for who, qty in ((member, 2), (None, 1)):
        basket = Basket()
        basket.add(milk, qty=Decimal(qty))
        if who is not None:
            basket.set_member(who.code, who.tier)
        tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.01"))
        tendering.add("cash", tendering.cash_due)
        checkout.complete_sale(uow, demo_store.station, actor=cashier, basket=basket, tendering=tendering)
    c = demo_store.station.currency

    reports = manager_opens_reports(qtbot, demo_store)
    page, buyers = show_tab(qtbot, reports, "members", "members_buyers")
    assert cells(buyers, 0)[1:5] == ["1", "0", money(Decimal("175.00"), c), "66.7%"]
    assert cells(buyers, 1)[1:5] == ["1", "0", money(Decimal("87.50"), c), "33.3%"]
    rows = {cells(buyers, r)[0]: cells(buyers, r) for r in range(buyers.rowCount())}
    assert any(label.startswith("New members") and row[1] == "1" for label, row in rows.items())
    points = page.findChild(QTableWidget, "members_points")
    closing = [cells(points, r) for r in range(points.rowCount()) if "liability" in cells(points, r)[0]]
    assert closing == [[closing[0][0], "175", money(Decimal("1.75"), c)]]
    classes = page.findChild(QTableWidget, "members_classes")
    assert classes.rowCount() == 2 and cells(classes, 1)[4] == "1"  # the eve and today; one member today
    assert "66.7%" in page.message.text() and "175" in page.message.text()

    written = []
    monkeypatch.setattr(reports_ui, "offer_open", lambda parent, path, text: written.append(path))
    monkeypatch.setattr(reports_ui, "save_path", lambda *a, **kw: tmp_path / "members.pdf")
    page.findChild(QPushButton, "members_pdf").click()
    qtbot.waitUntil(lambda: len(written) == 1, timeout=10000)
    assert (tmp_path / "members.pdf").read_bytes().startswith(b"%PDF")
    reports.close()
