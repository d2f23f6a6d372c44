"""posapp-admin sync as IT runs it: a real process against the local fake shop, exit codes, the JSON status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def home(tmp_path, woo):
    woo.clock.set(datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=5))
    woo.clock.auto_advance = timedelta(milliseconds=10)
    woo.store.add_product("鲜牛奶", sku="MILK", global_unique_id="6901234567892", regular_price="13.90",
                          manage_stock=True, stock_quantity=5)
    (tmp_path / "woo.key").write_text(f"{woo.key}\n{woo.secret}\n", encoding="utf-8")
    config = tmp_path / "posapp.toml"
    config.write_text(
        '[store]\ncode = "S001"\nname = "一号店"\ncurrency = "CNY"\nlocale = "zh_CN"\ntimezone = "Asia/Shanghai"\n\n'
        '[terminal]\ncode = "T01"\n\n[database]\nurl = "sqlite:///posapp.db"\n\n'
        f'[sync]\nconnector = "woocommerce"\nurl = "{woo.url}"\nkey_file = "woo.key"\ntimeout_seconds = 3\n',
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSAPP_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg-config"), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
               PYTHONIOENCODING="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "posapp.cli", *args, "--config", str(config)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
                              env=env, cwd=tmp_path, timeout=100)

    assert run("migrate").returncode == 0
    return run


def test_sync_once_pulls_and_status_reports_it(home, woo):
    done = home("sync", "--once")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "pull products: 1 pages, 1 new" in done.stdout and done.stdout.rstrip().endswith("ok")
    status = home("sync", "status", "--json")
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    assert state["configured"] and state["shop"] == woo.url
    assert state["last_pull_at"] and state["last_error"] is None and state["problems"] == []
    assert state["outbox"]["pending"] == 0
    assert state["lease"] is None  # a one-off run gives the lease back for the till's worker
    looked = home("lookup", "6901234567892")
    assert "鲜牛奶" in looked.stdout and "13.90" in looked.stdout


def test_a_shop_that_is_down_makes_sync_once_exit_1_and_status_says_why(home, woo):
    woo.faults.fail(times=100)
    failed = home("sync", "--once")
    assert failed.returncode == 1
    assert "FAILED" in failed.stdout and "the shop failed (500)" in failed.stdout
    state = json.loads(home("sync", "status", "--json").stdout)
    assert "the shop failed (500)" in state["last_error"] and state["last_pull_at"] is None
    text = home("sync", "status")
    assert "last error" in text.stdout and "last pull never" in text.stdout


def test_retrying_an_event_that_does_not_exist_is_one_clear_line(home):
    result = home("sync", "retry", "999")
    assert result.returncode == 1
    assert result.stderr.strip() == "posapp-admin: there is no sync event 999"


def test_a_store_without_sync_says_so(tmp_path, home):
    config = tmp_path / "posapp.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index("[sync]")], encoding="utf-8")
    result = home("sync", "--once")
    assert result.returncode == 1 and "there is no [sync] section" in result.stderr
    state = json.loads(home("sync", "status", "--json").stdout)
    assert state["configured"] is False
