"""The online shop sync as store staff see it: the status bar turns red when the shop refused a sale; the
back office window lists it with the shop's reason; a manager sends it again or settles it with a note,
a cashier is refused (by the service, not just the button)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.services import checkout
from posapp.ui.sync import SyncWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
REASON = "POST orders: refused (400 woocommerce_rest_invalid_product_id): Invalid product ID."


def refused_sale(store) -> tuple[str, int]:
    uow = store.uow()
    cashier = uow.users.by_username("cashier1")
    basket = Basket()
    basket.add(next(p for p in uow.catalog.iter_all() if not p.weighed), qty=Decimal(1))
    tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.01"))
    tendering.add("cash", tendering.cash_due)
    sale = checkout.complete_sale(uow, store.station, actor=cashier, basket=basket, tendering=tendering).sale
    db = store.db
    db.execute_sql("UPDATE outbox_event SET state = 'parked', attempts = 1, last_error = ? WHERE key = ?",
                   (REASON, sale.number))
    event_id = db.execute_sql("SELECT id FROM outbox_event WHERE key = ?", (sale.number,)).fetchone()[0]
    return sale.number, event_id


def open_window(qtbot, window) -> SyncWindow:
    window.findChild(QAction, "open_sync").trigger()
    qtbot.waitUntil(lambda: window.findChild(SyncWindow) is not None, timeout=5000)
    return window.findChild(SyncWindow)


def cells(sync: SyncWindow) -> list[list[str]]:
    t = sync.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def state_of(store, event_id: int) -> str:
    return store.db.execute_sql("SELECT state FROM outbox_event WHERE id = ?", (event_id,)).fetchone()[0]


def test_a_refused_sale_shows_in_red_and_a_cashier_cannot_send_it_again(qtbot, demo_store, open_shift):
    number, event_id = refused_sale(demo_store)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.sync.property("error") is True, timeout=8000)
    sync = open_window(qtbot, window)
    qtbot.waitUntil(lambda: len(cells(sync)) == 1, timeout=5000)
    ident, state, what, key, _written, tries, reason = cells(sync)[0]
    assert (ident, state, what, key, tries, reason) == (str(event_id), "refused", "sale", number, "1", REASON)
    assert "refused 1" in sync.summary.text()
    assert not sync.findChild(QPushButton, "sync_now").isEnabled()  # this demo store has no [sync]
    sync.retry()
    qtbot.waitUntil(lambda: "may not manage sync" in sync.message.text(), timeout=5000)
    assert state_of(demo_store, event_id) == "parked"


def test_a_manager_sends_it_again_or_settles_it_with_a_note(qtbot, demo_store, open_shift):
    first, first_id = refused_sale(demo_store)
    second, second_id = refused_sale(demo_store)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    sync = open_window(qtbot, window)
    qtbot.waitUntil(lambda: len(cells(sync)) == 2, timeout=5000)
    sync.table.selectRow(0)
    sync.retry()
    qtbot.waitUntil(lambda: len(cells(sync)) == 1, timeout=5000)
    assert state_of(demo_store, first_id) == "pending"
    audit = demo_store.uow().audit.recent(limit=1)[0]
    assert audit.action == "sync_retried" and audit.detail["key"] == first
    def note(dialog):
        dialog.setTextValue("已在网店手工录入 1234")
        dialog.accept()

    when_dialog(note)
    sync.settle()
    qtbot.waitUntil(lambda: cells(sync) and cells(sync)[0][1] == "not sent", timeout=5000)
    assert state_of(demo_store, second_id) == "skipped"
    audit = demo_store.uow().audit.recent(limit=1)[0]
    assert audit.action == "sync_settled" and audit.detail["note"] == "已在网店手工录入 1234"


def test_the_product_search_shows_the_shops_stock_less_what_was_sold_here(qtbot, demo_store, open_shift):
    from posapp.domain.clock import utcnow

    product = next(p for p in demo_store.uow().catalog.iter_all() if not p.weighed)
    demo_store.db.execute_sql("UPDATE product SET remote_stock_milli = 40000, stock_pulled_at = ? WHERE id = ?",
                              (utcnow().isoformat(" "), product.id))
    refused_sale(demo_store)  # sells one of the first non-weighed product; the shop has not counted it
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)

    def look(dialog):
        dialog.query.setText(product.sku)
        qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=5000)
        seen.append(dialog.results.item(0).text())
        dialog.reject()

    seen = []
    when_dialog(look)
    window.till.search()
    qtbot.waitUntil(lambda: bool(seen), timeout=8000)
    assert product.sku in seen[0] and "stock 39" in seen[0]
