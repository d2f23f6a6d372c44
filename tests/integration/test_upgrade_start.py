"""Starting a newer version: the till migrates the database after a backup, says so in the status bar
and the log, and when a migration fails it restores the backup (SQLite) or relies on the migration's
own transaction (PostgreSQL), and says which in a message box and the log. Also the first-run hook.

These run posapp.app.main() itself, in this process, with the message boxes recorded instead of shown
and without entering Qt's event loop (a loop run and quit inside the test process has left later tests'
worker threads unable to hand back their results); one test starts the till as a real process.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posapp import __version__, app, i18n
from posapp.config import PrinterConfig, StoreConfig, write_config
from posapp.storage import db as dbmod
from posapp.storage import migrate

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytestmark = pytest.mark.timeout(120)
BEFORE = "0009_sync"  # the database is one release behind: 0010_stock is pending


@pytest.fixture
def home(tmp_path, monkeypatch):
    """No config, data or log folder of this machine's own: all of them under tmp_path."""
    for name in [k for k in os.environ if k.startswith("POSAPP_")]:
        monkeypatch.delenv(name)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CONFIG_DIRS", "site"), ("XDG_DATA_HOME", "data"),
                     ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    root = logging.getLogger()
    level = root.level
    yield tmp_path
    for handler in [h for h in root.handlers if getattr(h, "posapp_log", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    i18n.set_locale("en")


@pytest.fixture
def boxes(monkeypatch):
    """Every QMessageBox.critical the till would have shown, as (title, text)."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, title, text: shown.append((title, text))))
    return shown


@pytest.fixture
def windows(monkeypatch, qtbot, qapp):
    """The main windows main() builds; main() returns as soon as its window is up."""
    from posapp.ui import main_window

    made = []
    monkeypatch.setattr(type(qapp), "exec", lambda self: 0)
    monkeypatch.setattr(app, "_when_ready", lambda *args, **kwargs: None)

    class Recorded(main_window.MainWindow):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            qtbot.addWidget(self)
            made.append(self)

    monkeypatch.setattr(main_window, "MainWindow", Recorded)
    return made


def _older_store(home: Path, url: str, *, locale: str = "en", path: Path | None = None) -> Path:
    """A store whose database stopped at BEFORE, with a member of staff in it; returns its config file."""
    db = dbmod.bind(url)
    migrate.migrate(db, target=BEFORE)
    p = db.param
    db.execute_sql("INSERT INTO app_user (username, name, role, pin_hash, active, failed_pins, created_at) "
                   f"VALUES ({', '.join([p] * 7)})", ("u1", "店员", "cashier", "x", True, 0, "2026-01-01 00:00:00"))
    db.close()
    store = StoreConfig(code="S001", name="测试店", currency="CNY", locale=locale, timezone="Asia/Shanghai")
    return write_config(path or home / "store" / "posapp.toml", store=store, terminal_code="T01", database_url=url,
                        printer=PrinterConfig(connection="dummy"))


def _log(home: Path) -> str:
    return (home / "state" / "posapp" / "log" / "posapp.log").read_text(encoding="utf-8")


def _broken_migrations(tmp_path: Path) -> Path:
    broken = tmp_path / "migrations"
    broken.mkdir()
    for script in migrate.migrations_dir().glob("0*.py"):
        shutil.copy(script, broken)
    (broken / "0099_broken.py").write_text(
        "def up(migrator, db):\n"
        "    db.execute_sql(\"UPDATE app_user SET name = 'damaged'\")\n"
        "    db.execute_sql('ALTER TABLE no_such_table ADD COLUMN x INTEGER')\n", encoding="utf-8")
    return broken


def test_a_newer_version_upgrades_and_says_so(home, empty_db_url, qapp, windows, boxes):
    config = _older_store(home, empty_db_url)

    assert app.main(["--config", str(config)]) == 0

    assert boxes == []
    notice = windows[0].statusBar().currentMessage()
    assert notice.startswith(f"Database upgraded for posapp {__version__}: 0010_stock")
    backups = list((home / "data" / "posapp" / "backups").glob("posapp-*-before-0010_stock.db"))
    if empty_db_url.startswith("sqlite"):
        assert len(backups) == 1 and notice.endswith(f"the backup from before is {backups[0]}")
    else:
        assert backups == [] and "backup" not in notice
    log = _log(home)
    assert f"posapp {__version__} starting" in log
    assert "migrated 0010_stock" in log and f"shown: {notice}" in log
    assert migrate.pending(dbmod.bind(empty_db_url)) == []


def test_a_failed_upgrade_restores_or_rolls_back_and_says_which(home, empty_db_url, qapp, windows, boxes,
                                                                  monkeypatch):
    config = _older_store(home, empty_db_url, locale="zh_CN")
    monkeypatch.setenv("POSAPP_MIGRATIONS_DIR", str(_broken_migrations(home)))

    assert app.main(["--config", str(config)]) == 1

    assert windows == []  # the till did not start on a half-upgraded database
    [(title, text)] = boxes
    assert title == "无法升级数据库"
    assert "迁移 0099_broken 失败" in text and "no_such_table" in text
    assert "Traceback" not in text
    db = dbmod.bind(empty_db_url)
    assert db.execute_sql("SELECT name FROM app_user").fetchall() == [("店员",)]
    log = _log(home)
    assert "failed at 0099_broken" in log
    if empty_db_url.startswith("sqlite"):
        [backup] = (home / "data" / "posapp" / "backups").glob("posapp-*-before-0010_stock.db")
        assert f"数据库已从升级前刚做的备份中恢复，与旧版本留下时完全相同。备份保存在：\n{backup}" in text
        assert migrate.pending(db)[0] == "0010_stock"  # exactly as the previous version left it
        assert f"restored: yes; backup: {backup}" in log
    else:
        assert "0099_broken 已回滚，之前的迁移仍保持已应用（0010_stock）" in text
        assert "posapp-admin backup" in text
        assert migrate.pending(db) == ["0099_broken"]
        assert "restored: no; backup: none taken; applied and kept: 0010_stock" in log


def test_the_start_up_is_timed_in_a_real_process(home, tmp_path):
    config = _older_store(home, f"sqlite:///{tmp_path / 'posapp.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSAPP_")}
    env.update(POSAPP_EXIT_WHEN_READY="1", QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")

    done = subprocess.run([sys.executable, "-m", "posapp.app", "--config", str(config)], capture_output=True,
                          encoding="utf-8", env=env, timeout=120, stdin=subprocess.DEVNULL)

    assert done.returncode == 0, done.stderr
    assert "posapp: ready in " in done.stderr
    log = _log(home)
    assert f"posapp {__version__} starting" in log
    assert "shown: Database upgraded for posapp" in log and "ready in " in log


def test_without_any_config_the_first_run_set_up_is_offered(home, qapp, windows, boxes, monkeypatch):
    first_run = pytest.importorskip("posapp.ui.first_run")
    asked = []
    monkeypatch.setattr(first_run, "run_first_run", lambda application: asked.append(application))

    assert app.main([]) == 0  # cancelled: nothing to do, no complaint

    assert asked == [qapp] and boxes == [] and windows == []
    assert "first-run set-up cancelled" in _log(home)


def test_the_first_run_config_is_the_one_the_till_starts_with(home, qapp, windows, boxes, monkeypatch):
    first_run = pytest.importorskip("posapp.ui.first_run")
    written = home / "config" / "posapp" / "posapp.toml"
    monkeypatch.setattr(first_run, "run_first_run",
                        lambda application: _older_store(home, f"sqlite:///{home / 'new.db'}", path=written))

    assert app.main([]) == 0

    assert boxes == [] and len(windows) == 1 and windows[0].store.config.path == written


def test_a_broken_config_is_reported_not_replaced(home, qapp, windows, boxes, monkeypatch):
    first_run = pytest.importorskip("posapp.ui.first_run")
    monkeypatch.setattr(first_run, "run_first_run", lambda application: pytest.fail("the set-up was started"))
    bad = home / "config" / "posapp" / "posapp.toml"
    bad.parent.mkdir(parents=True)
    bad.write_text("[store\n", encoding="utf-8")

    assert app.main([]) == 1

    [(title, text)] = boxes
    assert str(bad) in text and "not valid TOML" in text


def test_a_restore_that_fails_too_names_the_backup_to_put_back(home, tmp_path, qapp, windows, boxes, monkeypatch):
    config = _older_store(home, f"sqlite:///{tmp_path / 'posapp.db'}")
    monkeypatch.setenv("POSAPP_MIGRATIONS_DIR", str(_broken_migrations(home)))

    def locked(backup, db_path, *, db=None):
        raise OSError("the file is locked")

    monkeypatch.setattr(migrate, "restore_sqlite", locked)

    assert app.main(["--config", str(config)]) == 1

    [backup] = (home / "data" / "posapp" / "backups").glob("posapp-*-before-0010_stock.db")
    [(title, text)] = boxes
    assert title == "The database could not be upgraded"
    assert f"Restoring the backup failed too. Do not sell on this terminal: IT must put the backup back by hand:\n{backup}" \
        in text
    assert "restoring" in _log(home) and "the file is locked" in _log(home)
