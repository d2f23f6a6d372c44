"""posapp-admin provision: a terminal set up silently from flags or a branch file, on SQLite and PostgreSQL.

Most runs call posapp.cli.main in this process (exit code, stdout and stderr as a person sees them);
the silent install, with stdin closed and the machine-wide default path, runs as a real process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import tomllib
import uuid
from pathlib import Path

import pytest

from posapp import provisioning
from posapp.bootstrap import open_store
from posapp.cli import main
from posapp.config import load_config
from posapp.services import auth

BRANCH = """\
[store]
code = "S012"
name = "浦东店"
address = "上海市浦东新区示范路 88 号"
tax_id = "91310115MA1K4D0Q7E"
currency = "CNY"
locale = "zh_CN"
timezone = "Asia/Shanghai"

[terminal]
code = "T01"

[database]
url = "{url}"

[printer]
connection = "dummy"
columns = 32
encoding = "gb18030"

[till]
cash_rounding = "0.10"
receipt_footer = "7 日内凭小票退换"
return_days = 15

[sync]
connector = "woocommerce"
url = "https://shop.example.com"
key_file = "woo.key"
interval_seconds = 120

[admin]
username = "chef"
name = "王店长"
"""


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """This process as a fresh machine: XDG folders in tmp_path, no POSAPP_ settings."""
    for key in list(os.environ):
        if key.startswith("POSAPP_"):
            monkeypatch.delenv(key)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *args) -> str:
    code, out, err = run(capsys, *args)
    assert code == 1, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("posapp-admin: "), err
    return lines[0]


def logs_in(config_path: Path, username: str, pin: str) -> str:
    store, applied = open_store(load_config(config_path), upgrade=False)  # refused if not migrated
    try:
        return auth.login(store.uow(), store.station, username=username, pin=pin).role.value
    finally:
        store.close()


def test_flags_write_a_config_a_migrated_database_and_an_admin_who_logs_in(machine, capsys, empty_db_url):
    config = machine / "till" / "posapp.toml"
    code, out, err = run(capsys, "provision", "--store", "S001", "--store-name", "浦东店", "--terminal", "T01",
                         "--database-url", empty_db_url, "--printer", "dummy", "--admin-pin", "4826",
                         "--json", "--config", config)
    assert (code, err) == (0, "")
    done = json.loads(out)
    assert done["config_path"] == str(config) and done["admin"] == "admin" and done["users_before"] == 0
    assert "0001_initial" in done["migrations"]
    cfg = load_config(config)
    assert (cfg.store.code, cfg.store.name, cfg.terminal_code, cfg.store.timezone) == \
        ("S001", "浦东店", "T01", "Asia/Shanghai")
    assert "4826" not in config.read_text(encoding="utf-8")
    assert logs_in(config, "admin", "4826") == "admin"


def test_branch_file_with_the_shop_key_in_its_own_file(machine, capsys, monkeypatch, empty_db_url):
    branch = machine / "deploy" / "branch.toml"
    branch.parent.mkdir()
    branch.write_text(BRANCH.format(url=empty_db_url), encoding="utf-8")
    key = branch.parent / "woo.key"
    key.write_text("ck_0123456789\ncs_abcdefghij\n", encoding="utf-8")
    key.chmod(0o600)
    monkeypatch.setenv("POSAPP_ADMIN_PIN", "13579")
    config = machine / "etc" / "posapp.toml"
    code, out, err = run(capsys, "provision", "--from", branch, "--terminal", "T02", "--config", config)
    assert (code, err) == (0, ""), out
    assert "admin    chef" in out and "shop key" in out
    cfg = load_config(config)
    assert (cfg.store.tax_id, cfg.terminal_code, cfg.printer.columns, str(cfg.till.cash_rounding),
            cfg.till.return_days) == ("91310115MA1K4D0Q7E", "T02", 32, "0.10", 15)
    assert (cfg.sync.key, cfg.sync.secret, cfg.sync.interval_seconds) == ("ck_0123456789", "cs_abcdefghij", 120)
    written = tomllib.loads(config.read_text(encoding="utf-8"))
    assert written["sync"]["key_file"] == provisioning.KEY_FILE
    assert "key" not in written["sync"] and "secret" not in written["sync"] and "admin" not in written
    if os.name == "posix":
        assert (config.parent / provisioning.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert logs_in(config, "chef", "13579") == "admin"


def test_an_existing_config_is_kept_unless_forced_and_then_backed_up(machine, capsys):
    config = machine / "posapp.toml"
    args = ["provision", "--store", "S001", "--terminal", "T01", "--config", config]
    assert run(capsys, *args, "--admin-pin", "2468")[0] == 0
    before = config.read_text(encoding="utf-8")
    line = refused(capsys, *args, "--store-name", "新名字", "--admin-pin", "2468")
    assert f"{config} already exists" in line and "--force" in line
    assert config.read_text(encoding="utf-8") == before
    code, out, err = run(capsys, *args, "--store-name", "新名字", "--force")  # users exist: no PIN needed
    assert code == 0, err
    assert "the database has 1 user(s); none added" in out and "posapp.toml.bak" in out
    assert (machine / "posapp.toml.bak").read_text(encoding="utf-8") == before
    assert load_config(config).store.name == "新名字"
    assert logs_in(config, "admin", "2468") == "admin"


@pytest.mark.parametrize("extra, says", [
    (["--store", "s 1"], "store.code 's 1' must be 1-8 capital letters or digits"),
    (["--terminal", "T-01"], "terminal.code 'T-01' must be 1-8 capital letters or digits"),
    (["--currency", "ABC"], "store.currency 'ABC' is not an ISO 4217 currency code"),
    (["--timezone", "Mars/Base"], "store.timezone 'Mars/Base' is not a time zone"),
    (["--printer", "network:printer"], "printer.connection 'network:printer' must look like"),
    (["--database-url", "mysql://10.0.0.2/pos"], "database.url 'mysql://10.0.0.2/pos' must start with"),
    (["--admin-pin", "12"], "the first admin's PIN must be 4 to 8 digits"),
    (["--admin-pin", "1234", "--admin-username", "王 店长"], "the first admin's username must be"),
    (["--printer", "network:127.0.0.1:{port}", "--test-print"], "the test print failed: printer at 127.0.0.1"),
])
def test_bad_values_are_refused_and_nothing_is_written(machine, capsys, extra, says):
    with socket.socket() as closed:  # a port where nothing listens
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    target = machine / "new" / "posapp.toml"
    # The last of a repeated flag wins, so each case overrides one good value.
    line = refused(capsys, "provision", "--store", "S001", "--terminal", "T01", "--admin-pin", "2468",
                   *[e.format(port=port) for e in extra], "--config", target)
    assert says in line
    assert not (machine / "new").exists()


def test_a_branch_file_must_not_carry_the_shop_secret_and_its_key_file_must_be_private(machine, capsys):
    branch = machine / "branch.toml"
    text = BRANCH.format(url="sqlite:///posapp.db")
    branch.write_text(text.replace('key_file = "woo.key"', 'key = "ck_1"\nsecret = "cs_2"'), encoding="utf-8")
    assert "sync.key and sync.secret do not belong in a branch file" in \
        refused(capsys, "provision", "--from", branch, "--admin-pin", "2468", "--config", machine / "c.toml")
    branch.write_text(text, encoding="utf-8")
    (machine / "woo.key").write_text("ck_1\ncs_2\n", encoding="utf-8")
    (machine / "woo.key").chmod(0o644)
    if os.name == "posix":
        assert "other users may read the shop's key (mode 644): chmod 600 it" in \
            refused(capsys, "provision", "--from", branch, "--admin-pin", "2468", "--config", machine / "c.toml")
    branch.write_text(text.replace("[admin]", "[admin]\npin = 2468"), encoding="utf-8")
    assert 'admin.pin must be a string in quotes' in \
        refused(capsys, "provision", "--from", branch, "--config", machine / "c.toml")
    assert not (machine / "c.toml").exists() and not (machine / "posapp.db").exists()


@pytest.fixture
def fresh_pg_url(pg_server):
    """The address of a database that does not exist yet on the test server (dropped afterwards)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    from posapp.storage import db as dbmod

    if dbmod.database.obj is not None:
        dbmod.database.obj.close()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_terminals_of_a_store_share_one_postgresql_database(machine, capsys, monkeypatch, fresh_pg_url):
    common = ["provision", "--store", "S001", "--database-url", fresh_pg_url, "--json"]
    code, out, err = run(capsys, *common, "--terminal", "T01", "--admin-pin", "2468", "--config", machine / "t1.toml")
    assert code == 0, err
    first = json.loads(out)
    assert first["database_created"] and first["admin"] == "admin" and first["migrations"]
    code, out, err = run(capsys, *common, "--terminal", "T02", "--config", machine / "t2.toml")  # no PIN: users exist
    assert code == 0, err
    second = json.loads(out)
    assert (second["database_created"], second["migrations"], second["admin"], second["users_before"]) == \
        (False, [], None, 1)
    assert logs_in(machine / "t2.toml", "admin", "2468") == "admin"
    line = refused(capsys, "provision", "--store", "S002", "--terminal", "T01", "--database-url", fresh_pg_url,
                   "--config", machine / "other.toml")
    assert "belongs to store S001, not S002" in line
    monkeypatch.setattr(provisioning.socket, "gethostname", lambda: "till-replacement")
    code, out, err = run(capsys, *common, "--terminal", "T01", "--config", machine / "t3.toml")
    assert code == 0, err
    assert "terminal T01 was provisioned on" in json.loads(out)["warnings"][0]
    assert err.startswith("posapp-admin: warning: terminal T01 was provisioned on")


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


def test_test_print_reaches_a_network_printer_before_anything_is_written(machine, capsys):
    printer = LoopbackPrinter()
    try:
        code, out, err = run(capsys, "provision", "--store", "S001", "--store-name", "浦东店", "--terminal", "T01",
                             "--printer", f"network:127.0.0.1:{printer.port}", "--test-print", "--admin-pin", "2468",
                             "--config", machine / "posapp.toml")
        assert code == 0, err
        assert printer.done.wait(5)
    finally:
        printer.server.close()
    assert f"test slip sent to the printer at 127.0.0.1:{printer.port}" in out
    text = bytes(printer.received).decode("gb18030", errors="replace")
    assert "打印测试" in text and "Test print" in text and "浦东店" in text and "S001-T01" in text


def test_silent_install_writes_the_machine_wide_config(tmp_path):
    """As IT's deployment tool runs it: no --config, no terminal, the PIN on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSAPP_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_DIRS=str(tmp_path / "site"), PYTHONIOENCODING="utf-8")
    url = f"sqlite:///{(tmp_path / 'var' / 'posapp.db').as_posix()}"
    args = [sys.executable, "-m", "posapp.cli", "provision", "--store", "S001", "--terminal", "T01",
            "--database-url", url, "--json"]
    done = subprocess.run([*args, "--admin-pin", "-"], input="4826\n", capture_output=True, env=env,
                          encoding="utf-8", timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    site = tmp_path / "site" / "posapp" / "posapp.toml"
    assert json.loads(done.stdout)["config_path"] == str(site) and site.is_file()
    again = subprocess.run([*args, "--force"], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                           encoding="utf-8", timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout)["admin"] is None  # users exist: no PIN asked
    (tmp_path / "var" / "posapp.db").unlink()
    no_pin = subprocess.run([*args, "--force"], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                            encoding="utf-8", timeout=120)
    assert no_pin.returncode == 1
    assert no_pin.stderr.splitlines() == ["posapp-admin: the database has no users yet: give the first admin's "
                                          "PIN with --admin-pin PIN (or - to read it from stdin), POSAPP_ADMIN_PIN, "
                                          "or [admin] pin in the branch file"]


def test_the_sample_branch_file_is_accepted(machine, capsys, monkeypatch):
    """docs/branch.example.toml as IT would use it: its key file beside it, the PIN in the environment."""
    sample = Path(__file__).resolve().parents[2] / "docs" / "branch.example.toml"
    branch = machine / "branch.toml"
    branch.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    (machine / "shop.key").write_text("ck_sample\ncs_sample\n", encoding="utf-8")
    (machine / "shop.key").chmod(0o600)
    monkeypatch.setenv("POSAPP_ADMIN_PIN", "4826")
    config = machine / "till" / "posapp.toml"
    code, out, err = run(capsys, "provision", "--from", branch, "--terminal", "T03", "--printer", "dummy",
                         "--database-url", f"sqlite:///{(machine / 'posapp.db').as_posix()}", "--config", config)
    assert (code, err) == (0, ""), out
    cfg = load_config(config)
    assert (cfg.store.code, cfg.terminal_code, cfg.printer.profile, cfg.sync.key) == ("S012", "T03", "TM-T88V", "ck_sample")
    assert logs_in(config, "admin", "4826") == "admin"
