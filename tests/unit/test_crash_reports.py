"""Crash reports: what they say, what they never say (secrets), and how many are kept."""

from __future__ import annotations

import logging
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from posapp import __version__, crash

PASSWORD = "Pw-7f3kQ9zz"
KEY = "ck_0123456789abcdef0123456789abcdef01234567"
SECRET = "cs_fedcba9876543210fedcba9876543210fedcba98"
URL = f"postgresql://posapp:{PASSWORD}@10.1.2.3:5432/posapp"


def _config(tmp_path: Path):
    return SimpleNamespace(path=tmp_path / "posapp.toml", database_url=URL,
                           sync=SimpleNamespace(key=KEY, secret=SECRET))


def _exc_info(message: str):
    try:
        raise RuntimeError(message)
    except RuntimeError:
        return sys.exc_info()


def test_a_report_says_what_failed_where_and_never_a_secret(tmp_path):
    log_file = tmp_path / "posapp.log"
    log_file.write_text("\n".join([f"line {i}" for i in range(500)] + [
        f"INFO posapp: config opened {URL}",
        f"WARNING sync: GET /wp-json/wc/v3/products?consumer_key={KEY}&consumer_secret={SECRET} refused",
        "INFO posapp: the last line before the error",
    ]) + "\n", encoding="utf-8")
    config = _config(tmp_path)
    info = _exc_info(f"cannot connect to {URL} with secret {SECRET}")

    path = crash.write_report(info, folder=tmp_path / "logs", now=datetime(2026, 3, 4, 5, 6, 7), thread="MainThread",
                              config_path=config.path, database_url=config.database_url, log_file=log_file,
                              secrets=crash.secrets_of(config))

    assert path == tmp_path / "logs" / "crash-20260304-050607.txt"
    text = path.read_text(encoding="utf-8")
    assert f"posapp {__version__}" in text
    assert "Traceback (most recent call last):" in text and "RuntimeError: cannot connect to" in text
    assert str(config.path) in text
    assert "postgresql://posapp:***@10.1.2.3:5432/posapp" in text
    assert "the last line before the error" in text and "line 499" in text
    assert "line 100\n" not in text  # only the tail of the log
    for secret in (PASSWORD, KEY, SECRET, KEY[3:], SECRET[3:]):
        assert secret not in text


def test_a_password_is_found_however_the_url_spells_it():
    config = SimpleNamespace(database_url="postgresql://u:p%40ss%2Fword@h/db", sync=None)
    assert set(crash.secrets_of(config)) == {"p%40ss%2Fword", "p@ss/word"}
    text = crash.scrub("tried p@ss/word and postgresql://u:p%40ss%2Fword@h/db", crash.secrets_of(config))
    assert "p@ss/word" not in text and "p%40ss" not in text


def test_urls_and_shop_keys_are_starred_even_when_not_known_as_secrets():
    text = crash.scrub("postgresql://admin:hunter22@db/pos password=hunter22 ck_abcdef123456 secret: xyz987")
    assert "hunter22" not in text and "abcdef123456" not in text and "xyz987" not in text
    assert "postgresql://admin:***@db/pos" in text


def test_the_newest_reports_are_kept_and_the_oldest_deleted(tmp_path):
    start = datetime(2026, 1, 1, 12, 0, 0)
    written = []
    for i in range(25):
        when = start + timedelta(seconds=i // 2)  # two reports in each second: a -2 name for the second one
        written.append(crash.write_report(_exc_info(f"error {i}"), folder=tmp_path, now=when, keep=20))

    left = crash.reports(tmp_path)
    assert left == written[5:]
    assert len(list(tmp_path.glob("crash-*.txt"))) == 20
    assert written[1].name == "crash-20260101-120000-2.txt"
    assert "error 24" in left[-1].read_text(encoding="utf-8")


def test_the_hooks_report_log_and_tell_once_for_a_repeated_error(tmp_path, caplog):
    told = []
    uninstall = crash.install(folder=tmp_path, show=told.append)
    try:
        crash.current().set_config(_config(tmp_path))
        info = _exc_info(f"boom with {PASSWORD}")
        with caplog.at_level(logging.INFO, logger="posapp.crash"):
            sys.excepthook(*info)
            sys.excepthook(*info)  # the same error again: logged, not reported or shown again
        assert len(crash.reports(tmp_path)) == 1 and told == crash.reports(tmp_path)
        assert "crash report" in caplog.text and "the same unexpected error again" in caplog.text
        assert PASSWORD not in caplog.text

        thread = threading.Thread(target=lambda: 1 / 0, name="sync-worker")
        thread.start()
        thread.join()
        assert len(told) == 2
        assert "thread      sync-worker" in told[1].read_text(encoding="utf-8")
    finally:
        uninstall()
    assert crash.current() is None


def test_ctrl_c_is_not_a_crash(tmp_path, monkeypatch):
    passed_on = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: passed_on.append(info[0]))
    uninstall = crash.install(folder=tmp_path)
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        uninstall()
    assert passed_on == [KeyboardInterrupt] and crash.reports(tmp_path) == []


def test_a_report_that_cannot_be_written_still_logs_the_error(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log folder should be")
    told = []
    reporter = crash.Reporter(folder=blocked, show=told.append)
    with caplog.at_level(logging.INFO, logger="posapp.crash"):
        assert reporter.report(_exc_info("disk trouble")) is None
    assert told == [None]
    assert "could not write a crash report" in caplog.text and "RuntimeError: disk trouble" in caplog.text


@pytest.fixture(autouse=True)
def _hooks_restored():
    before = sys.excepthook, threading.excepthook
    yield
    assert (sys.excepthook, threading.excepthook) == before
