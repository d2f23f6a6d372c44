"""Back office members as a manager uses them: finding a member by phone or name (phones only ever
masked), their card and points history, signing up, a bad phone refused with nothing written,
changing consent, disabling, adjusting points with a reason (and without one: refused), and a
cashier who needs a manager's PIN."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit

from posapp.domain.basket import Basket
from posapp.domain.errors import ValidationError
from posapp.domain.tender import Tendering
from posapp.domain.clock import to_local
from posapp.i18n import money, number
from posapp.services import checkout
from posapp.services import members as member_service
from posapp.ui.member_form import AdjustPointsDialog, MemberForm
from posapp.ui.members import MembersWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = [pytest.mark.timeout(60),  # a dialog nobody answers must fail, not hang CI
              pytest.mark.promotions]  # the demo store with its members M0001 王女士 and M0002 李先生


def open_members(qtbot, window) -> MembersWindow:
    window.findChild(QAction, "open_members").trigger()
    qtbot.waitUntil(lambda: window.findChild(MembersWindow) is not None, timeout=8000)
    screen = window.findChild(MembersWindow)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 2 and screen.card is not None, timeout=5000)
    return screen


def rows(screen) -> list[list[str]]:
    """The member list: [card, name, phone, tier, class, status, consent]."""
    t = screen.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def history(screen) -> list[list[str]]:
    """The points history, newest first: [date, kind, change, balance, sale or reason]."""
    t = screen.history
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def labels(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def on_screen(screen) -> str:
    """Every text of the window and its tables, to check no full phone number is ever shown."""
    texts = labels(screen) + [edit.text() for edit in screen.findChildren(QLineEdit)]
    return " ".join(texts + [c for r in rows(screen) + history(screen) for c in r])


def choose(qtbot, screen, code) -> None:
    row = next(r for r, m in enumerate(screen.members) if m.code == code)
    screen.table.selectRow(row)
    qtbot.waitUntil(lambda: screen.card is not None and screen.card.member.code == code, timeout=5000)


def search(qtbot, screen, text) -> None:
    screen.query.setFocus()  # as Ctrl+F or a click in the search box does
    screen.query.clear()
    if text.isascii():
        qtbot.keyClicks(screen.query, text)
    else:
        screen.query.setText(text)  # QTest types ASCII only
    screen.card = None
    qtbot.keyClick(screen.query, Qt.Key_Return)  # Enter searches
    qtbot.waitUntil(lambda: screen.card is not None, timeout=5000)


def answer(qtbot, dialog, steps) -> None:
    """Drive a modal dialog from inside its event loop; whatever happens, it is closed after."""
    try:
        steps(dialog)
    finally:
        if dialog.isVisible():
            qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=5000)
            dialog.reject()


def sell(store, member_code, sku="D0000002"):
    """A sale to a member at the till (through the checkout service)."""
    uow = store.uow()
    cashier = uow.users.by_username("cashier1")
    basket = Basket()
    basket.add(uow.catalog.by_sku(sku), qty=D(2))
    basket.set_member(member_code, "gold")
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, store.station, actor=cashier, basket=basket, tendering=tendering).sale


def points_of(store, code) -> tuple[int, list]:
    """The member's points and ledger as the services have them (the demo store may seed some)."""
    member, entries = member_service.history(store.uow(), code)
    return member_service.member_card(store.uow(), store.station, member).balance, entries


def test_a_manager_finds_members_by_phone_and_name_and_reads_their_card(qtbot, demo_store, open_shift):
    before, entries = points_of(demo_store, "M0001")
    sale = sell(demo_store, "M0001")
    card = member_service.member_card(demo_store.uow(), demo_store.station,
                                      member_service.find_member(demo_store.uow(), "M0001"))
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)
    assert screen.windowTitle() == "Member management"
    assert rows(screen) == [["M0002", "李先生", "138****0002", "standard", "C", "active", "no"],
                            ["M0001", "王女士", "138****0001", "gold", "C", "active", "no"]]
    assert screen.query.hasFocus()
    search(qtbot, screen, "13800000001")
    assert [r[:3] for r in rows(screen)] == [["M0001", "王女士", "138****0001"]]
    assert screen.table.hasFocus()  # Enter took the keyboard to the list
    earned = sale.member.earned
    assert earned > 0 and card.balance == before + earned
    assert screen.balance.text() == number(before + earned)
    assert screen.spend.text() == money(sale.total, "CNY")
    assert screen.visits.text().endswith(f"S001  {money(sale.total, 'CNY')}")
    expected = (f"{card.expiring} points by {to_local(card.expiring_on, 'Asia/Shanghai'):%Y-%m-%d}"
                if card.expiring else "none")
    assert screen.expiring.text() == expected
    shown = history(screen)
    assert len(shown) == len(entries) + 1
    assert shown[0][1:] == ["Earned", f"+{earned}", number(sum(e.points for e in entries) + earned), sale.number]
    screen.query.clear()
    assert "13800000001" not in on_screen(screen)  # only the masked number, anywhere on screen
    search(qtbot, screen, "李")
    assert [r[:3] for r in rows(screen)] == [["M0002", "李先生", "138****0002"]]
    balance, entries = points_of(demo_store, "M0002")
    assert screen.balance.text() == number(balance) and len(history(screen)) == len(entries)
    assert screen.visits.text() == "no visits yet"
    search(qtbot, screen, "0000")  # part of a phone number
    assert [r[0] for r in rows(screen)] == ["M0002", "M0001"]
    qtbot.keyClick(screen, Qt.Key_F, Qt.ControlModifier)  # Ctrl+F: back to the search box
    screen.query.clear()
    qtbot.keyClicks(screen.query, "nobody")
    qtbot.keyClick(screen.query, Qt.Key_Return)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 0, timeout=5000)
    assert "No member found for nobody" in screen.message.text()
    assert screen.balance.text() == "" and screen.history.rowCount() == 0
    qtbot.keyClick(screen.table, Qt.Key_Escape)  # Esc closes the window
    qtbot.waitUntil(lambda: window.findChild(MembersWindow) is None, timeout=5000)


def test_a_manager_signs_up_a_member_through_the_form(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)

    def fill(form):
        assert form.windowTitle() == "New member" and form.code.hasFocus()
        form.name.setText("张三")  # QTest types ASCII only
        qtbot.keyClicks(form.phone, "139 1234 5678")
        form.consent.setChecked(True)
        qtbot.keyClick(form.phone, Qt.Key_Return)  # Enter saves
        qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)

    when_dialog(lambda form: answer(qtbot, form, fill))
    qtbot.mouseClick(screen.buttons["new"], Qt.LeftButton)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 3, timeout=5000)
    new = member_service.find_member(demo_store.uow(), "13912345678")
    assert (new.name, new.consent, new.active) == ("张三", True, True)
    assert rows(screen)[0] == [new.code, "张三", "139****5678", "standard", "C", "active", "yes"]
    assert f"Member {new.code} saved" in screen.message.text()
    qtbot.waitUntil(lambda: screen.card is not None and screen.card.member.code == new.code, timeout=5000)
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.detail) == ("member_created", "manager", {"code": new.code})


def test_a_bad_or_taken_phone_is_refused_and_nothing_is_written(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)
    before = demo_store.uow().audit.recent(limit=1)[0].id
    seen = []

    def fill(form):
        form.name.setText("赵六")
        qtbot.keyClicks(form.phone, "1381234")
        qtbot.mouseClick(form.save_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "Not saved" in form.message.text() and form.save_button.isEnabled(), timeout=5000)
        seen.append((form.message.text(), form.message.property("error"), form.isVisible()))
        form.phone.setText("13800000001")  # M0001's
        qtbot.mouseClick(form.save_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "already" in form.message.text() and form.save_button.isEnabled(), timeout=5000)
        seen.append((form.message.text(), form.message.property("error"), form.isVisible()))
        qtbot.keyClick(form.phone, Qt.Key_Escape)  # Esc closes without saving

    when_dialog(lambda form: answer(qtbot, form, fill))
    qtbot.mouseClick(screen.buttons["new"], Qt.LeftButton)
    qtbot.waitUntil(lambda: len(seen) == 2 and window.findChild(MemberForm) is None, timeout=8000)
    assert seen[0] == ("Not saved: 1381234 is not a mobile number (11 digits, starting 13 to 19)", True, True)
    assert seen[1] == ("Not saved: 138****0001 is already member M0001's phone", True, True)
    assert demo_store.uow().members.count() == 2
    assert demo_store.uow().audit.recent(limit=1)[0].id == before
    assert len(rows(screen)) == 2


def test_a_manager_changes_consent_then_disables_the_member(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)
    choose(qtbot, screen, "M0002")
    seen = []

    def tick(form):
        seen.append((form.windowTitle(), form.code.text(), form.phone.text(),
                     form.findChild(QLabel, "current_phone").text()))
        assert form.name.hasFocus()
        form.consent.setChecked(True)
        qtbot.keyClick(form.name, Qt.Key_Return)
        qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)

    when_dialog(lambda form: answer(qtbot, form, tick))
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key_Return)  # Enter on the list edits the member
    qtbot.waitUntil(lambda: "Member M0002 saved" in screen.message.text(), timeout=8000)
    assert seen == [("Change member M0002", "M0002", "", "Now 138****0002; left empty, it stays")]
    qtbot.waitUntil(lambda: rows(screen)[0][0] == "M0002" and rows(screen)[0][6] == "yes", timeout=5000)
    stored = member_service.find_member(demo_store.uow(), "M0002")
    assert (stored.consent, stored.phone, stored.name) == (True, "13800000002", "李先生")
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.detail) == ("member_updated", "manager",
                                                         {"code": "M0002", "fields": ["consent"]})
    choose(qtbot, screen, "M0002")

    def click(label):
        return lambda box: next(b for b in box.buttons() if b.text() == label).click()

    when_dialog(click("Keep it"))
    qtbot.mouseClick(screen.buttons["active"], Qt.LeftButton)
    assert member_service.find_member(demo_store.uow(), "M0002").active
    when_dialog(click("Disable it"))
    qtbot.mouseClick(screen.buttons["active"], Qt.LeftButton)
    qtbot.waitUntil(lambda: "Member M0002 disabled" in screen.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: rows(screen)[0][:1] + rows(screen)[0][5:6] == ["M0002", "disabled"], timeout=5000)
    assert screen.buttons["active"].text() == "Enable"
    with pytest.raises(ValidationError, match="Member M0002 is disabled"):
        member_service.find_member(demo_store.uow(), "13800000002")
    qtbot.mouseClick(screen.buttons["active"], Qt.LeftButton)  # enabling needs no confirming
    qtbot.waitUntil(lambda: "Member M0002 enabled" in screen.message.text(), timeout=5000)
    assert member_service.find_member(demo_store.uow(), "13800000002").active


def adjust(qtbot, screen, points, reason, *, expect_close=True):
    seen = []

    def fill(dialog):
        if points.isascii():
            qtbot.keyClicks(dialog.points, points)
        else:
            dialog.points.setText(points)  # QTest types ASCII only
        seen.append(dialog.after.text())
        dialog.reason.setText(reason)
        qtbot.keyClick(dialog.reason, Qt.Key_Return)
        qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=5000)
        seen.append(dialog.message.text())
        seen.append(dialog.isVisible())

    when_dialog(lambda dialog: answer(qtbot, dialog, fill))
    qtbot.mouseClick(screen.buttons["adjust"], Qt.LeftButton)
    qtbot.waitUntil(lambda: len(seen) == 3 and screen.findChild(AdjustPointsDialog) is None, timeout=8000)
    return seen


def test_adjusting_points_with_a_reason_changes_the_balance_and_the_history(qtbot, demo_store, open_shift):
    before, entries = points_of(demo_store, "M0002")
    ledger = sum(e.points for e in entries)
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)
    choose(qtbot, screen, "M0002")
    assert screen.balance.text() == number(before)
    preview, _message, still_open = adjust(qtbot, screen, "500", "complaint 1123")
    assert (preview, still_open) == (number(before + 500), False)
    qtbot.waitUntil(lambda: screen.balance.text() == number(before + 500)
                    and screen.history.rowCount() == len(entries) + 1, timeout=5000)
    assert history(screen)[0][1:] == ["Adjusted", "+500", number(ledger + 500), "complaint 1123"]
    assert f"M0002: +500 points (complaint 1123); balance now {number(before + 500)}" in screen.message.text()
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.detail) == \
        ("points_adjusted", "manager", {"code": "M0002", "points": 500, "reason": "complaint 1123"})
    adjust(qtbot, screen, "－200", "wrong card")  # a full-width minus from a Chinese input method
    qtbot.waitUntil(lambda: screen.balance.text() == number(before + 300)
                    and screen.history.rowCount() == len(entries) + 2, timeout=5000)
    assert [row[1:] for row in history(screen)[:2]] == [["Adjusted", "-200", number(ledger + 300), "wrong card"],
                                                        ["Adjusted", "+500", number(ledger + 500), "complaint 1123"]]
    assert points_of(demo_store, "M0002")[0] == before + 300


def test_an_adjustment_without_a_reason_or_beyond_the_balance_is_refused(qtbot, demo_store, open_shift):
    before, entries = points_of(demo_store, "M0002")
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window, username="manager", pin="8888")
    screen = open_members(qtbot, window)
    choose(qtbot, screen, "M0002")
    last_audit = demo_store.uow().audit.recent(limit=1)[0].id
    _preview, message, still_open = adjust(qtbot, screen, "500", "   ")
    assert message == "Not saved: an adjustment needs a reason (at most 200 characters)" and still_open
    _preview, message, still_open = adjust(qtbot, screen, "5OO", "typo")  # letter O, not zero
    assert message == "Not saved: 5OO is not a whole number of points (e.g. 500 or -200)" and still_open
    _preview, message, still_open = adjust(qtbot, screen, str(-(before + 100)), "take too many")
    assert message == f"Not saved: the member has {before} points: cannot take {before + 100}" and still_open
    assert points_of(demo_store, "M0002") == (before, entries)
    assert demo_store.uow().audit.recent(limit=1)[0].id == last_audit
    assert screen.balance.text() == number(before) and len(history(screen)) == len(entries)


def test_a_cashier_needs_a_managers_pin_for_members(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)  # cashier1
    action = window.findChild(QAction, "open_members")
    asked = []
    when_dialog(lambda d: (asked.extend(t for t in labels(d) if t.startswith("Approve")), d.reject()))
    action.trigger()
    assert asked == ["Approve: manage members, adjust points"]
    assert window.findChild(MembersWindow) is None
    when_dialog(lambda d: (d.username.setText("supervisor"), d.pin.setText("7777"), d.submit()))
    action.trigger()
    qtbot.waitUntil(lambda: "may not approve" in window.statusBar().currentMessage(), timeout=8000)
    assert window.findChild(MembersWindow) is None
    when_dialog(lambda d: (d.username.setText("manager"), d.pin.setText("8888"), d.submit()))
    screen = open_members(qtbot, window)
    assert "approved by 店长" in screen.windowTitle()
    before, _entries = points_of(demo_store, "M0002")
    choose(qtbot, screen, "M0002")
    adjust(qtbot, screen, "50", "welcome gift")
    qtbot.waitUntil(lambda: screen.balance.text() == number(before + 50), timeout=5000)
    entry = demo_store.uow().audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("points_adjusted", "cashier1", "manager")
    screen.close()
    qtbot.waitUntil(lambda: window.findChild(MembersWindow) is None, timeout=5000)
    # The approval ended with the window: opening it again asks again.
    when_dialog(lambda d: (asked.append("asked again"), d.reject()))
    action.trigger()
    assert asked[-1] == "asked again"
