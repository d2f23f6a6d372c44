"""Back office promotions wired as a manager uses them: the list, the form (Enter saves, every
problem shown, nothing saved then), ending one, a cashier who needs a manager's PIN, the simulator."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from posapp.domain.promotions import Kind, Tier
from posapp.services import promotions as promotion_service
from posapp.ui.promotion_form import to_qdatetime
from posapp.ui.promotions import PromotionsWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI


def open_promotions(qtbot, window) -> PromotionsWindow:
    window.findChild(QAction, "open_promotions").trigger()
    qtbot.waitUntil(lambda: window.findChild(PromotionsWindow) is not None, timeout=8000)
    promos = window.findChild(PromotionsWindow)
    qtbot.waitUntil(lambda: promos.table.rowCount() == len(promotion_service.list_promotions(window.store.uow())),
                    timeout=5000)
    return promos


def table(promos) -> dict[str, list[str]]:
    """Visible rows by code: [code, name, kind, when, status, priority, group]."""
    t = promos.table
    return {t.item(r, 0).text(): [t.item(r, c).text() for c in range(t.columnCount())]
            for r in range(t.rowCount()) if not t.isRowHidden(r)}


def select(promos, code) -> None:
    row = next(r for r, p in enumerate(promos.promotions) if p.code == code)
    promos.table.selectRow(row)


def answer(qtbot, form, steps) -> None:
    """Drive a modal form from inside its event loop; whatever happens, it is closed after."""
    try:
        steps(form)
    finally:
        if form.isVisible():
            qtbot.waitUntil(lambda: form.save_button.isEnabled(), timeout=5000)
            form.reject()


def test_a_manager_creates_a_spend_threshold_and_it_is_listed(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    promos = open_promotions(qtbot, window)
    assert table(promos) == {}

    def fill(form):
        qtbot.keyClicks(form.code, "MJ-200-30")
        form.name.setText("满200减30")  # QTest types ASCII only
        form.kind.setCurrentIndex(list(Kind).index(Kind.THRESHOLD))
        assert form.fields.currentWidget() is form.fields.pages[Kind.THRESHOLD]
        assert not form.stackable.isVisibleTo(form)  # only special prices and percent off stack
        form.fields.tiers.item(0, 0).setText("200")
        form.fields.tiers.item(0, 1).setText("30")
        form.group.setText("满减")
        qtbot.keyClick(form.group, Qt.Key_Return)  # Enter saves
        qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)

    when_dialog(lambda form: answer(qtbot, form, fill))
    qtbot.mouseClick(promos.buttons["new"], Qt.LeftButton)
    qtbot.waitUntil(lambda: "MJ-200-30" in table(promos), timeout=5000)
    code, name, kind, when, status, priority, group = table(promos)["MJ-200-30"]
    assert (name, kind, status, priority, group) == ("满200减30", "Spend threshold", "running", "0", "满减")
    assert when == "now → until ended"
    assert "MJ-200-30 saved" in promos.message.text()
    saved = {p.code: p for p in promotion_service.list_promotions(demo_store.uow())}["MJ-200-30"]
    assert (saved.kind, saved.tiers, saved.repeating, saved.group) == \
        (Kind.THRESHOLD, (Tier(Decimal("200"), Decimal("30")),), False, "满减")
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("promotions_saved", "manager", None)
    qtbot.keyClick(promos.table, Qt.Key_Escape)  # Esc closes the window
    qtbot.waitUntil(lambda: window.findChild(PromotionsWindow) is None, timeout=5000)


def test_a_bad_entry_shows_every_problem_and_saves_nothing(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    promos = open_promotions(qtbot, window)
    seen = []

    def fill(form):
        form.code.setText("BAD-PCT")
        form.name.setText("饮料 150% 折扣")
        form.kind.setCurrentIndex(list(Kind).index(Kind.PERCENT_OFF))
        form.fields.percent.setText("150")
        start = datetime(2030, 5, 2, 9, 0)
        form.has_start.setChecked(True)
        form.starts.setDateTime(to_qdatetime(start))
        form.has_end.setChecked(True)
        form.ends.setDateTime(to_qdatetime(start - timedelta(days=1)))
        qtbot.mouseClick(form.save_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "Not saved" in form.problems.text() and form.save_button.isEnabled(), timeout=5000)
        seen.append(form.problems.text())
        form.fields.percent.setText("1O")  # a letter O typed for a zero never becomes a number
        qtbot.mouseClick(form.save_button, Qt.LeftButton)
        seen.append(form.problems.text())
        seen.append(form.isVisible())

    when_dialog(lambda form: answer(qtbot, form, fill))
    qtbot.mouseClick(promos.buttons["new"], Qt.LeftButton)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    service, parsing, still_open = seen
    assert "the percent off must be more than 0 and at most 100" in service
    assert "it ends before it starts" in service
    assert parsing == "Not saved:\n• Percent off: 1O is not a number"
    assert still_open is True
    assert promotion_service.list_promotions(demo_store.uow()) == []
    assert table(promos) == {}


@pytest.mark.promotions
def test_ending_a_promotion_after_confirming_changes_its_status(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    promos = open_promotions(qtbot, window)
    assert table(promos)["DEMO-DRINK"][4] == "running"
    qtbot.keyClicks(promos.filter, "coupon")
    assert list(table(promos)) == ["DEMO-CPN"]
    promos.filter.clear()
    select(promos, "DEMO-DRINK")

    def click(label):
        return lambda box: next(b for b in box.buttons() if b.text() == label).click()

    when_dialog(click("Keep it"))
    qtbot.mouseClick(promos.buttons["end"], Qt.LeftButton)
    assert table(promos)["DEMO-DRINK"][4] == "running"
    when_dialog(click("End it"))
    qtbot.mouseClick(promos.buttons["end"], Qt.LeftButton)
    qtbot.waitUntil(lambda: table(promos)["DEMO-DRINK"][4] == "ended", timeout=5000)
    assert "DEMO-DRINK ended" in promos.message.text()
    ended = {p.code: p for p in promotion_service.list_promotions(demo_store.uow())}["DEMO-DRINK"]
    assert ended.active is False and ended.ends_at is not None
    assert table(promos)["DEMO-SP"][4] == "running"
    qtbot.mouseClick(promos.buttons["end"], Qt.LeftButton)  # the same one again: refused, no dialog
    assert "already ended" in promos.message.text()


def test_a_cashier_needs_a_managers_pin_for_promotions(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)  # cashier1
    action = window.findChild(QAction, "open_promotions")
    when_dialog(lambda d: d.reject())
    action.trigger()
    when_dialog(lambda d: (d.username.setText("cashier2"), d.pin.setText("2222"), d.submit()))
    action.trigger()
    qtbot.waitUntil(lambda: "may not approve" in window.statusBar().currentMessage(), timeout=8000)
    assert window.findChild(PromotionsWindow) is None
    when_dialog(lambda d: (d.username.setText("manager"), d.pin.setText("8888"), d.submit()))
    promos = open_promotions(qtbot, window)
    assert "approved by 店长" in promos.windowTitle()

    def fill(form):
        form.code.setText("SP-MILK")
        form.name.setText("牛奶特价")
        form.fields.price.setText("3.20")
        form.products.setText("D0000002")
        qtbot.mouseClick(form.save_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)

    when_dialog(lambda form: answer(qtbot, form, fill))
    qtbot.mouseClick(promos.buttons["new"], Qt.LeftButton)
    qtbot.waitUntil(lambda: "SP-MILK" in table(promos), timeout=5000)
    saved = promotion_service.list_promotions(demo_store.uow())[0]
    assert (saved.kind, saved.price, saved.products) == (Kind.SPECIAL_PRICE, Decimal("3.20"), frozenset({"D0000002"}))
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("promotions_saved", "cashier1", "manager")


@pytest.mark.promotions
def test_the_simulator_shows_what_a_promotion_saves_on_a_basket(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    promos = open_promotions(qtbot, window)
    select(promos, "DEMO-B2G1")
    qtbot.mouseClick(promos.buttons["simulate"], Qt.LeftButton)
    sim = promos.simulator
    assert promos.tabs.currentWidget() is sim
    sim.items.setPlainText("D0000015:3\nD0000001:1")  # 薯片 3 x 14.90, buy 2 get 1; 奶粉 special 79.00
    qtbot.mouseClick(sim.price_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: sim.quote is not None, timeout=5000)
    cells = [[sim.table.item(r, c).text() for c in range(sim.table.columnCount())] for r in range(sim.table.rowCount())]
    chips, milk = cells
    assert chips[0] == "D0000015" and chips[2].endswith("14.90") and chips[3] == "3"
    assert "薯片买二送一 (DEMO-B2G1)  −CN¥14.90" in chips[4] and chips[5].endswith("29.80")
    assert "奶粉限时特价 (DEMO-SP)  −CN¥8.50" in milk[4] and milk[5].endswith("79.00")
    totals = sim.totals.text()
    assert "Before promotions CN¥132.20" in totals and "−CN¥23.40" in totals and "Total CN¥108.80" in totals
    assert "满200减20，满500减60: not reached (eligible subtotal 108.80)" in sim.notes.text()
    # A bad quantity is refused with the line it is on.
    sim.items.setPlainText("D0000015:x")
    qtbot.mouseClick(sim.price_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "is not a number" in sim.notes.text(), timeout=5000)
    assert sim.notes.property("error") is True


@pytest.mark.promotions
def test_editing_shows_each_kind_as_saved_and_enter_on_the_list_opens_it(qtbot, demo_store, open_shift):
    from datetime import time

    from posapp.domain.promotions import Promotion
    from posapp.services.auth import SYSTEM
    from posapp.ui.promotion_form import PromotionForm

    extra = [Promotion(id=0, code="WEEKEND", name="周末会员券", kind=Kind.COUPON, coupon_code="WKND15",
                       percent=Decimal("15"), threshold=Decimal("100"), max_uses=500, max_uses_per_member=1,
                       member_tiers=frozenset({"gold"}), members_only=True, weekdays=frozenset({6, 7}),
                       hours=(time(10), time(14)), starts_at=datetime(2030, 1, 4, 16), ends_at=datetime(2030, 2, 1),
                       priority=3, exclude_categories=("烟酒",), categories=("饮料", "零食/薯片"))]
    promotion_service.save_promotions(demo_store.uow(), demo_store.station, actor=SYSTEM, promotions=extra)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    promos = open_promotions(qtbot, window)
    assert table(promos)["WEEKEND"][3] == "2030-01-05 00:00 → 2030-02-01 08:00  Sat Sun  10:00–14:00"
    assert table(promos)["WEEKEND"][4] == "scheduled"
    for p in promos.promotions:  # every field survives the form unchanged
        form = PromotionForm(store=demo_store, runner=window.runner, user=window.user, promotion=p, parent=promos)
        assert form.read() == (p, []), p.code
        form.deleteLater()
    qtbot.keyClicks(promos.filter, "WEEKEND")
    qtbot.keyClick(promos.filter, Qt.Key_Return)  # to the list
    assert promos.table.hasFocus()
    opened = []

    def look(form):
        opened.append((form.windowTitle(), form.code.isReadOnly(), form.fields.coupon_value.text()))
        qtbot.keyClick(form.name, Qt.Key_Escape)

    when_dialog(lambda form: answer(qtbot, form, look))
    qtbot.keyClick(promos.table, Qt.Key_Return)  # Enter edits the selected one; Esc leaves it
    qtbot.waitUntil(lambda: bool(opened) and window.findChild(PromotionForm) is None, timeout=8000)
    assert opened == [("Change promotion WEEKEND", True, "15")]
