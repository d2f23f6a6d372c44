"""An error nobody expected, raised inside a screen: the cashier gets one short message (never a
traceback), IT gets a crash report in the log folder, and the till carries on. And the About box."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from posapp import __version__, app, crash
from posapp.demo import DEMO_USERS
from posapp.ui.main_window import MainWindow

pytestmark = pytest.mark.timeout(60)  # a dialog nobody answers must fail, not hang CI
SECRET_WORDS = "the ledger row 42 is gone"


def when_dialog(action, tries=150):
    """Answer the next modal dialog once it is up."""
    def attempt(left):
        dialog = QApplication.activeModalWidget()
        if dialog is None and left:
            QTimer.singleShot(100, lambda: attempt(left - 1))
        elif dialog is not None:
            action(dialog)

    QTimer.singleShot(50, lambda: attempt(tries))


def _answer(seen):
    def action(dialog):
        seen.append((dialog.objectName(), dialog.windowTitle(), dialog.text(), dialog.informativeText(),
                     dialog.detailedText()))
        dialog.accept()
    return action


@pytest.fixture
def crash_hooks(qapp, tmp_path):
    undo = app.install_crash_handler(qapp, tmp_path / "logs")
    yield tmp_path / "logs"
    undo()


def _window(qtbot, store):
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.login.users.count() == len(DEMO_USERS), timeout=5000)
    return window


def _action(window, text):
    return next(a for menu in window.menuBar().actions() for a in menu.menu().actions() if a.text() == text)


@pytest.mark.qt_no_exception_capture  # the till's own hook is what is tested
def test_a_slot_that_raises_shows_a_short_message_and_the_till_carries_on(qtbot, demo_store, crash_hooks,
                                                                           monkeypatch):
    def broken_about(self):
        raise KeyError(SECRET_WORDS)

    monkeypatch.setattr(MainWindow, "about", broken_about)  # before the window connects its menu to it
    window = _window(qtbot, demo_store)
    seen = []

    when_dialog(_answer(seen))
    _action(window, "About posapp").trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=8000)

    [(name, title, text, informative, details)] = seen
    [report] = crash.reports(crash_hooks)
    assert (name, title) == ("crash_message", "Something went wrong")
    assert "posapp is still running" in text and f"a report was saved as {report.name}" in text
    for technical in ("Traceback", "KeyError", SECRET_WORDS, "broken_about", ".py"):
        assert technical not in text + informative + details
    saved = report.read_text(encoding="utf-8")
    assert "Traceback" in saved and f"KeyError: '{SECRET_WORDS}'" in saved and "broken_about" in saved
    # The till is still there and answers: the login page reloads its users.
    window.login.users.clear()
    window.login.reload()
    qtbot.waitUntil(lambda: window.login.users.count() == len(DEMO_USERS), timeout=5000)
    assert window.isVisible()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_background_thread_is_shown_on_the_screen_too(qtbot, demo_store, crash_hooks):
    window = _window(qtbot, demo_store)
    seen = []

    when_dialog(_answer(seen))
    worker = threading.Thread(target=lambda: 1 / 0, name="label-printer")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen), timeout=8000)

    [report] = crash.reports(crash_hooks)
    assert seen[0][0] == "crash_message" and report.name in seen[0][2]
    assert "thread      label-printer" in report.read_text(encoding="utf-8")
    assert window.isVisible()


def test_the_about_box_tells_it_where_everything_is(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    seen = []

    when_dialog(_answer(seen))
    window.about()

    [(name, title, text, informative, _details)] = seen
    config = demo_store.config
    assert (name, title, text) == ("about", "About posapp", f"posapp {__version__}")
    lines = dict(line.split(": ", 1) for line in informative.splitlines())
    assert lines["Configuration"] == str(config.path)
    assert lines["Database"] == config.database_url  # SQLite: nothing to hide
    assert lines["Terminal"] == "T01" and lines["Store"].startswith(config.store.code)
    assert set(lines) >= {"Python", "Qt", "Logs and crash reports", "Data", "Backups"}
