"""The first-run wizard: pages filled as a person would, a test print to a loopback printer, Finish writes
a config and a database an admin logs in to (through posapp.provisioning, like posapp-admin provision)."""

from __future__ import annotations

import os
import re
import socket
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWizard

from posapp import i18n, provisioning
from posapp.bootstrap import open_store
from posapp.config import load_config
from posapp.services import auth
from posapp.ui import first_run
from posapp.ui.first_run import ADMIN, DATABASE, PRINTER, STORE, SUMMARY, TERMINAL, FirstRunWizard, run_first_run

pytestmark = pytest.mark.timeout(60)  # a wizard nobody answers must fail, not hang CI


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A fresh terminal: XDG folders in tmp_path; English again afterwards."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    yield tmp_path
    i18n.set_locale("en")


class LoopbackPrinter:
    """A TCP printer on 127.0.0.1 that keeps what it is sent (one job)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.received, self.done = self.server.getsockname()[1], bytearray(), threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk
        self.done.set()


def open_wizard(qtbot, config_path) -> FirstRunWizard:
    wizard = FirstRunWizard(config_path=config_path)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def fill_store_and_terminal(wizard, *, code="S001", terminal="T01"):
    wizard.store.code.setText(code)
    wizard.store.name.setText("浦东店")
    wizard.next()
    assert wizard.currentId() == TERMINAL, wizard.store.message.text()
    wizard.terminal.code.setText(terminal)
    wizard.next()
    assert wizard.currentId() == DATABASE, wizard.terminal.message.text()


def leave_database_page(qtbot, wizard, url=None):
    if url:
        wizard.database.server.setChecked(True)
        wizard.database.url.setText(url)
        qtbot.mouseClick(wizard.database.test, Qt.LeftButton)
        qtbot.waitUntil(lambda: wizard.probed is not None, timeout=15000)
        assert re.fullmatch(r"数据库已存在。用户：0 个；待执行更新：\d+ 个。", wizard.database.message.text())
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PRINTER, timeout=15000)


def finish(qtbot, wizard):
    assert wizard.currentId() == SUMMARY
    wizard.button(QWizard.FinishButton).click()
    qtbot.waitUntil(lambda: wizard.result() == QDialog.Accepted, timeout=20000)


def test_the_wizard_sets_up_a_terminal_that_prints_and_logs_in(qtbot, machine, empty_db_url):
    config = machine / "config" / "posapp.toml"
    wizard = open_wizard(qtbot, config)
    assert wizard.store.currency.currentText() == "CNY" and wizard.store.timezone.currentText() == "Asia/Shanghai"
    wizard.next()
    fill_store_and_terminal(wizard, terminal="T02")
    on_server = empty_db_url.startswith("postgresql")
    leave_database_page(qtbot, wizard, empty_db_url if on_server else None)

    printer = LoopbackPrinter()
    try:
        wizard.printer.kind.setCurrentIndex(wizard.printer.kind.findData("network"))
        wizard.printer.host.setText("127.0.0.1")
        wizard.printer.port.setText(str(printer.port))
        qtbot.mouseClick(wizard.printer.test, Qt.LeftButton)
        qtbot.waitUntil(lambda: "测试小票已打印" in wizard.printer.message.text(), timeout=10000)
        assert printer.done.wait(5)
    finally:
        printer.server.close()
    slip = bytes(printer.received).decode("gb18030", errors="replace")
    assert "打印测试" in slip and "Test print" in slip and "S001-T02" in slip

    wizard.next()
    assert wizard.currentId() == ADMIN
    wizard.admin.pin.setText("4826")
    wizard.admin.again.setText("4826")
    wizard.next()
    assert "S001" in wizard.summary_page.shown()
    assert not config.exists()  # nothing before Finish
    finish(qtbot, wizard)

    assert wizard.written == config
    cfg = load_config(config)
    assert (cfg.store.code, cfg.terminal_code, cfg.store.locale, cfg.printer.connection) == \
        ("S001", "T02", "zh_CN", f"network:127.0.0.1:{printer.port}")
    if on_server:
        assert cfg.database_url == empty_db_url
    else:
        assert cfg.database_url.startswith(f"sqlite:///{machine / 'xdg_data_home'}")
    assert "4826" not in config.read_text(encoding="utf-8")
    store, _ = open_store(cfg, upgrade=False)  # refused unless every migration is applied
    try:
        user = auth.login(store.uow(), store.station, username="admin", pin="4826")
        assert user.role.value == "admin" and user.name == "管理员"
    finally:
        store.close()


def test_bad_values_are_said_on_the_page_in_chinese_with_the_reason(qtbot, machine):
    wizard = open_wizard(qtbot, machine / "posapp.toml")
    wizard.next()
    wizard.store.code.setText("S-01")
    wizard.store.name.setText("浦东店")
    wizard.next()
    assert wizard.currentId() == STORE
    assert wizard.store.message.text() == \
        "请检查门店信息：store.code 'S-01' must be 1-8 capital letters or digits, like S001"
    wizard.store.code.setText("s01")  # typed in lower case: taken as S01
    wizard.next()
    assert wizard.currentId() == TERMINAL
    wizard.next()
    wizard.database.server.setChecked(True)
    wizard.database.url.setText("postgresql://posapp@127.0.0.1:1/posapp")
    wizard.next()
    qtbot.waitUntil(lambda: "无法使用这个数据库" in wizard.database.message.text(), timeout=15000)
    assert wizard.currentId() == DATABASE
    wizard.database.local.setChecked(True)
    leave_database_page(qtbot, wizard)
    wizard.printer.kind.setCurrentIndex(wizard.printer.kind.findData("network"))
    wizard.printer.host.setText("10.0.0.5")
    wizard.printer.port.setText("99999")
    wizard.next()
    assert wizard.currentId() == PRINTER
    assert "请检查打印机设置" in wizard.printer.message.text() and "port 99999" in wizard.printer.message.text()
    wizard.printer.kind.setCurrentIndex(0)
    wizard.next()
    wizard.admin.pin.setText("4826")
    wizard.admin.again.setText("4862")
    wizard.next()
    assert wizard.currentId() == ADMIN
    assert wizard.admin.message.text() == "两次输入的密码不一致，请重新输入。"
    wizard.admin.pin.setText("48")
    wizard.next()
    assert wizard.admin.message.text() == "请检查管理员信息：PIN must be 4 to 8 digits"
    assert list(machine.glob("**/*.toml")) == [] and list(machine.glob("**/*.db")) == []


def test_english_and_an_existing_database_with_users_skips_the_admin(qtbot, machine):
    """A terminal set up again (its config lost): the database in the data folder keeps its users."""
    local = f"sqlite:///{(machine / 'xdg_data_home' / 'posapp' / 'posapp.db').as_posix()}"
    before = provisioning.Plan(config_path=machine / "old.toml", admin=provisioning.FirstAdmin(pin="1357"),
                               tables={"store": {"code": "S001", "name": "Old", **provisioning.STORE_DEFAULTS},
                                       "terminal": {"code": "T01"}, "database": {"url": local}})
    provisioning.provision(before)
    wizard = open_wizard(qtbot, machine / "posapp.toml")
    wizard.welcome.language.setCurrentIndex(wizard.welcome.language.findData("en"))
    assert wizard.button(QWizard.NextButton).text() == "Next >"
    wizard.next()
    fill_store_and_terminal(wizard, code="S002")
    wizard.next()
    qtbot.waitUntil(lambda: "belongs to store" in wizard.database.message.text(), timeout=15000)
    assert wizard.database.message.text() == \
        "This database belongs to store S001, not S002. Each store needs its own database."
    assert wizard.currentId() == DATABASE
    wizard.back()
    wizard.back()
    fill_store_and_terminal(wizard)
    leave_database_page(qtbot, wizard)
    assert wizard.database.message.text() == "The database is there. Users: 1; updates to apply: 0."
    wizard.next()
    assert wizard.currentId() == SUMMARY  # no admin page
    assert "none added: the database already has users (1)" in wizard.summary_page.shown()
    finish(qtbot, wizard)
    cfg = load_config(machine / "posapp.toml")
    assert cfg.store.locale == "en" and cfg.database_url == local
    store, _ = open_store(cfg, upgrade=False)
    try:
        assert store.uow().users.count() == 1
        assert auth.login(store.uow(), store.station, username="admin", pin="1357").role.value == "admin"
    finally:
        store.close()


def test_cancel_writes_nothing_and_returns_none(qtbot, machine, monkeypatch):
    shown = []

    def answer(left=100):
        wizard = QApplication.activeModalWidget()
        if not isinstance(wizard, FirstRunWizard):
            if left:
                QTimer.singleShot(50, lambda: answer(left - 1))
            return
        shown.append(wizard.currentId())
        wizard.next()
        wizard.store.code.setText("S001")
        wizard.store.name.setText("浦东店")
        wizard.next()
        shown.append(wizard.currentId())
        wizard.reject()

    QTimer.singleShot(50, answer)
    assert run_first_run(QApplication.instance(), config_path=machine / "posapp.toml") is None
    assert shown == [first_run.WELCOME, TERMINAL]
    assert [p for p in machine.rglob("*") if p.is_file()] == []
    assert not os.path.exists(machine / "posapp.toml")
