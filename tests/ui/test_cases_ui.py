"""The after-sales cases screen as store staff use it: open a case from a receipt, follow it up with a
note, see it leave the open list once resolved; a case without a description is refused in the form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from posapp.services import cases as case_service
from posapp.ui.cases import CasesWindow
from test_login_and_lookup import log_in, make_window, when_dialog

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI


def open_window(qtbot, window) -> CasesWindow:
    window.findChild(QAction, "open_cases").trigger()
    qtbot.waitUntil(lambda: window.findChild(CasesWindow) is not None, timeout=5000)
    return window.findChild(CasesWindow)


def rows(cases) -> list[list[str]]:
    t = cases.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_open_follow_up_and_resolve_a_case(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    cases = open_window(qtbot, window)
    qtbot.waitUntil(lambda: "0 cases" in cases.message.text(), timeout=5000)

    said = []

    def empty_then_fill(form):
        form.kind.setCurrentIndex(form.kind.findData("complaint"))
        form.submit()  # no description yet
        said.append(form.message.text())
        form.text.setPlainText("收银台排队太久")
        form.contact.setText("139****0000")
        qtbot.keyClick(form.text, Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Enter saves; Enter is a new line

    when_dialog(empty_then_fill)
    cases.new_case()
    qtbot.waitUntil(lambda: len(rows(cases)) == 1, timeout=8000)
    assert said == ["Write the description"]
    number, _opened, kind, status, *_rest, text = rows(cases)[0]
    assert (number, kind, status, text) == ("C-S001-000001", "complaint", "open", "收银台排队太久")

    def resolve(form):
        form.status.setCurrentIndex(form.status.findData("resolved"))
        form.text.setPlainText("已增开收银台")
        form.submit()

    when_dialog(resolve)
    cases.update_case()
    qtbot.waitUntil(lambda: rows(cases) == [], timeout=8000)  # resolved: no longer in the open list
    case = case_service.get_case(demo_store.uow(), "C-S001-000001")
    assert case.status == "resolved" and [n.note for n in case.notes] == ["收银台排队太久", "已增开收银台"]
    assert case.handler == "收银员 1号"
    cases.shown.setCurrentIndex(cases.shown.findData("resolved"))
    qtbot.waitUntil(lambda: len(rows(cases)) == 1, timeout=5000)
    qtbot.waitUntil(lambda: "已增开收银台" in cases.notes.toPlainText(), timeout=5000)


def test_a_receipt_that_does_not_exist_reopens_the_form_with_the_reason(qtbot, demo_store, open_shift):
    window = make_window(qtbot, demo_store)
    log_in(qtbot, window)
    cases = open_window(qtbot, window)
    seen = []

    def second(form):
        seen.append(form.message.text())
        form.reject()

    def first(form):
        form.sale.setText("S001-T01-999999")
        form.text.setPlainText("坏了")
        when_dialog(second)
        form.submit()

    when_dialog(first)
    cases.new_case()
    qtbot.waitUntil(lambda: bool(seen), timeout=8000)
    assert seen == ["No sale with receipt number S001-T01-999999"]
    assert demo_store.uow().cases.count("S001") == 0
