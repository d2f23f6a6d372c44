"""The stock window as a store uses it: a manager starts a count of some categories; a cashier counts
from the Till menu by scanning and typing quantities (an unknown code is amber, nothing expected is
shown); the manager reviews the variance, sends a line back, approves, and stock follows. A cashier is
refused the approval by the service; a write-off needs a manager's PIN; a delivery of two products is
received by a cashier with a manager's PIN for the visit."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from posapp.domain.stock import DocLine
from posapp.services import stock as stock_service
from posapp.services import stock_counts as count_service
from posapp.ui.runner import OperationRunner
from posapp.ui.stock import StockWindow
from posapp.ui.stock_common import Access
from posapp.ui.stock_counting import CountingWindow
from posapp.ui.stock_review import ReviewWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
UNKNOWN = "6901234567892"  # a well-formed EAN-13 the demo catalog does not have


@pytest.fixture
def runner():
    r = OperationRunner()
    yield r
    r.wait(10000)


@pytest.fixture
def goods(demo_store):
    """Two packaged products with stock (the demo's, and 5 and 3 more received), in different departments,
    and the staff."""
    uow = demo_store.uow()
    users = {name: uow.users.by_username(name) for name in ("manager", "supervisor", "cashier1")}
    a, b = [p for p in uow.catalog.iter_all() if not p.weighed and p.category.split("/")[0] in ("乳制品", "饮料")][:2]
    assert a.category.split("/")[0] != b.category.split("/")[0]
    stock_service.receive_stock(uow, demo_store.station, actor=users["manager"],
                                lines=[DocLine(product_id=a.id, qty=D(5)), DocLine(product_id=b.id, qty=D(3))])
    return a, b, users


def on_hand(store, product, location="sellable") -> D:
    return store.uow().stock.on_hand(store.station.store_code, [product.id], location)[product.id]


def scan(qtbot, counting: CountingWindow, text: str, qty: str = "") -> None:
    counting.qty.setText(qty)
    counting.scan.setText(text)
    qtbot.keyClick(counting.scan, Qt.Key_Return)
    qtbot.waitUntil(lambda: not counting.sending and not counting.queue, timeout=5000)


def headers(table) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def review_line(review: ReviewWindow, sku: str) -> list[str]:
    m = review.model
    row = next(r for r, ln in enumerate(m.rows) if ln.sku == sku)
    return [m.data(m.index(row, c)) for c in range(m.columnCount())]


def test_a_count_from_start_to_approval(qtbot, demo_store, open_shift, goods):
    a, b, users = goods
    qa, qb = on_hand(demo_store, a), on_hand(demo_store, b)  # one of a goes missing; b is all there
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    window.findChild(QAction, "open_stock").trigger()
    qtbot.waitUntil(lambda: window.findChild(StockWindow) is not None, timeout=5000)
    stock = window.findChild(StockWindow)
    top = a.category.split("/")[0]

    def scope(dialog):  # a's whole department and b's own category; blind is ticked already
        assert dialog.blind.isChecked()
        dialog.tree.check(top)
        dialog.tree.check(b.category)
        assert dialog.some.isChecked() and sorted(dialog.tree.chosen()) == sorted([top, b.category])
        dialog.note.setText("月底盘点")
        dialog.submit()

    when_dialog(scope)
    stock.counts.buttons["count_start"].click()
    qtbot.waitUntil(lambda: len(stock.counts.items) == 1, timeout=8000)
    count = stock.counts.items[0]
    assert count.status == "open" and count.blind and count.scope.categories == tuple(sorted([top, b.category]))
    assert stock.counts.table.item(0, 1).text() == "counting" and "月底盘点" in stock.counts.table.item(0, 8).text()
    stock.close()

    # A cashier counts from the Till menu: one scan is one piece; a typed quantity goes with the next scan.
    window.leave_till()
    log_in(qtbot, window)
    window.findChild(QAction, "count_stock").trigger()
    qtbot.waitUntil(lambda: window.findChild(CountingWindow) is not None, timeout=5000)
    counting = window.findChild(CountingWindow)
    assert "Expected" not in headers(counting.table)  # blind: nothing expected, anywhere
    scan(qtbot, counting, a.barcodes[0])
    assert counting.message.property("tone") == "ok" and a.name in counting.message.text()
    scan(qtbot, counting, a.barcodes[0], qty=str(qa - 2))
    assert f"({qa - 1} counted)" in counting.message.text()
    scan(qtbot, counting, b.sku, qty=str(qb))
    scan(qtbot, counting, UNKNOWN)
    assert counting.message.property("tone") == "warn"
    assert counting.message.text() == f"Unknown barcode {UNKNOWN}: listed for the manager"
    scan(qtbot, counting, "1.5x")
    assert counting.message.property("tone") == "error"
    scan(qtbot, counting, b.sku)  # one too many: taken back
    qtbot.waitUntil(lambda: len(counting.entries) == 5 and counting.entries[0].line_total == qb + 1, timeout=5000)
    counting.table.selectRow(0)
    counting.take_back()
    qtbot.waitUntil(lambda: counting.entries and counting.entries[0].voided, timeout=5000)
    assert counting.table.item(0, 6).text() == "taken back"
    counting.close()

    # The manager reviews: a is one short, b is right, the unknown code is listed.
    review = ReviewWindow(store=demo_store, runner=window.runner, user=users["manager"], number=count.number)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(lambda: review.review is not None, timeout=8000)
    sku, _name, _cat, location, expected, counted, variance, value, *_rest = review_line(review, a.sku)
    assert (location, expected, counted, variance) == ("sellable", str(qa), str(qa - 1), "-1")
    assert value.startswith("-") and review_line(review, b.sku)[6] == "0"
    assert "with a variance 1" in review.totals.text()
    assert [review.problems.item(0, c).text() for c in (0, 1)] == [UNKNOWN, "unknown barcode"]
    review.filter.setCurrentIndex(review.filter.findData("variance"))
    assert [ln.sku for ln in review.model.rows] == [a.sku]
    review.table.selectRow(0)
    review.recount()
    qtbot.waitUntil(lambda: "counted again" in review.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: review.review.totals.counted == 1, timeout=5000)
    review.filter.setCurrentIndex(review.filter.findData("recount"))
    assert [ln.sku for ln in review.model.rows] == [a.sku]

    # The counter sees the line to count again, and counts it: one short again.
    again = CountingWindow(store=demo_store, runner=window.runner, user=users["cashier1"], count=count)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.recounts.count() == 1, timeout=5000)
    assert a.sku in again.recounts.item(0).text()
    scan(qtbot, again, a.sku, qty=str(qa - 1))
    assert again.message.property("tone") == "ok"
    again.close()

    review.reload()
    qtbot.waitUntil(lambda: review.review.totals.counted == 2 and review.approve_button.isEnabled(), timeout=5000)
    seen = []

    def confirm(dialog):
        seen.append(dialog.findChild(type(review.head), "approve_totals").text())
        dialog.keep.setChecked(True)
        dialog.accept()

    when_dialog(confirm)
    review.approve()
    qtbot.waitUntil(lambda: "approved" in review.message.text(), timeout=8000)
    assert "with a variance 1" in seen[0]
    assert review.message.text() == f"Count {count.number} approved: 1 adjustments posted"
    assert on_hand(demo_store, a) == qa - 1 and on_hand(demo_store, b) == qb
    assert not review.approve_button.isEnabled() and not review.recount_button.isEnabled()
    assert not review.table.isColumnHidden(10)  # what was posted
    review.filter.setCurrentIndex(review.filter.findData("all"))
    assert review_line(review, a.sku)[10] == "-1"
    review.close()


def test_a_cashier_is_refused_the_review_and_the_approval(qtbot, demo_store, runner, goods):
    a, b, users = goods
    qa = on_hand(demo_store, a)
    count = count_service.start_count(demo_store.uow(), demo_store.station, actor=users["manager"])
    count_service.record_entry(demo_store.uow(), demo_store.station, actor=users["cashier1"], number=count.number,
                               sku=a.sku, qty="2")
    review = ReviewWindow(store=demo_store, runner=runner, user=users["cashier1"], number=count.number)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(lambda: "may not approve stock count" in review.message.text(), timeout=5000)
    assert not review.approve_button.isEnabled() and review.model.rowCount() == 0
    # Even shown the lines, approving is the service's refusal, and nothing moves.
    review.show_review(count_service.review_count(demo_store.uow(), actor=users["manager"], number=count.number))
    review.message.clear()
    when_dialog(lambda dialog: dialog.accept())
    review.approve()
    qtbot.waitUntil(lambda: "may not approve stock count" in review.message.text(), timeout=5000)
    assert count_service.counts(demo_store.uow(), demo_store.station, actor=users["manager"])[0].status == "open"
    assert on_hand(demo_store, a) == qa
    review.close()


def test_a_write_off_is_posted_with_a_managers_pin(qtbot, demo_store, runner, goods):
    a, b, users = goods
    qa = on_hand(demo_store, a)
    stock = StockWindow(store=demo_store, runner=runner, access=Access(users["supervisor"]))
    qtbot.addWidget(stock)
    stock.show()
    page = stock.adjust
    stock.tabs.setCurrentWidget(page)
    page.product.setText(a.barcodes[0])
    page.qty.setText("2")
    page.reason.setCurrentIndex(page.reason.findData("damaged"))
    page.note.setText("包装破损")
    asked = []

    def pin(dialog):
        asked.append(dialog.windowTitle())
        dialog.username.setText("manager")
        dialog.pin.setText("8888")
        dialog.submit()

    when_dialog(pin)
    page.adjust_button.click()
    qtbot.waitUntil(lambda: page.done_list.count() == 1, timeout=8000)
    assert asked == ["Supervisor approval"]
    assert "-2" in page.message.text() and "approved by 店长" in page.message.text()
    assert on_hand(demo_store, a) == qa - 2
    entry = demo_store.uow().audit.recent(limit=1, action="stock_adjusted")[0]
    assert (entry.actor, entry.approver, entry.detail["reason"]) == ("supervisor", "manager", "damaged")
    stock.close()


def test_a_cashier_receives_a_delivery_with_a_managers_pin(qtbot, demo_store, open_shift, goods):
    a, b, users = goods
    qa, qb = on_hand(demo_store, a), on_hand(demo_store, b)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    when_dialog(lambda d: (d.username.setText("manager"), d.pin.setText("8888"), d.submit()))
    window.findChild(QAction, "open_stock").trigger()
    qtbot.waitUntil(lambda: window.findChild(StockWindow) is not None, timeout=8000)
    stock = window.findChild(StockWindow)
    assert "approved by 店长" in stock.windowTitle()
    page = stock.receiving
    stock.tabs.setCurrentWidget(page)
    page.code.setText(a.barcodes[0])
    qtbot.keyClick(page.code, Qt.Key_Return)
    qtbot.waitUntil(lambda: len(page.lines) == 1, timeout=5000)
    page.qty.setText("12")
    page.cost.setText("2.50")
    page.code.setText(b.sku)
    qtbot.keyClick(page.code, Qt.Key_Return)
    qtbot.waitUntil(lambda: len(page.lines) == 2, timeout=5000)
    assert [(ln.sku, ln.qty, ln.cost) for ln in page.lines] == [(a.sku, D(1), None), (b.sku, D(12), D("2.50"))]
    assert page.table.item(1, 3).text() == "12"
    page.supplier.setText("光明乳业")
    page.post_button.click()
    qtbot.waitUntil(lambda: not page.lines and "Received" in page.message.text(), timeout=8000)
    assert "2 lines, 13 units" in page.message.text()
    assert on_hand(demo_store, a) == qa + 1 and on_hand(demo_store, b) == qb + 12
    entry = demo_store.uow().audit.recent(limit=1, action="stock_received")[0]
    assert entry.detail["supplier"] == "光明乳业" and (entry.actor, entry.approver) == ("cashier1", "manager")
    stock.close()
