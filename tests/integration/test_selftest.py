"""`posapp --self-test`: the whole till path on a throw-away database, headless, as IT and the bundle run it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from posapp import selftest
from posapp.storage import migrate

STEPS = ["config", "migrations", "users and PINs (argon2)", "catalog, stock and shift", "scan and search",
         "basket with a promotion", "complete sale", "sales journal", "receipt (dummy printer)", "stock ledger",
         "X and Z reports (PDF)", "translations", "printer profiles (python-escpos)", "Qt libraries"]


def test_every_step_passes_on_a_new_database(empty_db_url):
    result = selftest.run(database_url=empty_db_url)

    assert [(s.name, s.ok) for s in result.steps] == [(name, True) for name in STEPS], selftest.format_text(result)
    details = {s.name: s.detail for s in result.steps}
    assert details["complete sale"].startswith("S999-T01-000001: total 33.52")
    assert "自检鲜牛奶" in details["receipt (dummy printer)"] and "33.52" in details["receipt (dummy printer)"]
    assert "variance 0" in details["X and Z reports (PDF)"]
    assert ("SQLite" if empty_db_url.startswith("sqlite") else "PostgreSQL") in details["migrations"]
    assert result.folder is None


def _run(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """posapp ARGS as IT runs it on a terminal with no display, no config, and its own temp folder."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("POSAPP_") and k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    clean.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
                 XDG_DATA_HOME=str(tmp_path / "home" / "data"), XDG_STATE_HOME=str(tmp_path / "home" / "state"),
                 TMPDIR=str(tmp), PYTHONIOENCODING="utf-8", **(env or {}))
    return subprocess.run([sys.executable, "-m", "posapp.app", *args], capture_output=True, encoding="utf-8",
                          env=clean, cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL)


def test_the_command_needs_no_display_and_leaves_nothing_behind(tmp_path):
    done = _run(tmp_path, "--self-test")

    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("posapp ") and "self-test" in lines[0]
    assert [re.sub(r" \(\d+ ms\): .*", "", line) for line in lines[1:-1]] == [f"ok   {name}" for name in STEPS]
    assert lines[-1].startswith(f"self-test passed: {len(STEPS)} steps in ")
    assert not (tmp_path / "home").exists()  # no config, data or log folder of the terminal's own
    assert list((tmp_path / "tmp").iterdir()) == []  # its temporary folder (and python-escpos's) is gone


def test_a_failing_step_is_named_in_json_and_exits_1(tmp_path):
    broken = tmp_path / "migrations"
    broken.mkdir()
    for script in migrate.migrations_dir().glob("0*.py"):
        shutil.copy(script, broken)
    (broken / "0099_broken.py").write_text(
        "def up(migrator, db):\n    db.execute_sql('ALTER TABLE no_such_table ADD COLUMN x INTEGER')\n",
        encoding="utf-8")

    done = _run(tmp_path, "--self-test", "--json", env={"POSAPP_MIGRATIONS_DIR": str(broken)})

    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    steps = {s["name"]: s for s in report["steps"]}
    assert report["ok"] is False and report["version"]
    assert steps["config"]["ok"] and not steps["migrations"]["ok"]
    assert "no_such_table" in steps["migrations"]["error"]
    assert steps["complete sale"]["skipped"] and "needs" in steps["complete sale"]["error"]
    assert all(steps[name]["ok"] for name in ("translations", "printer profiles (python-escpos)", "Qt libraries"))


def test_keep_leaves_the_database_and_the_pdf_to_look_at(tmp_path):
    done = _run(tmp_path, "--self-test", "--keep")

    assert done.returncode == 0, done.stdout + done.stderr
    kept = Path(done.stdout.splitlines()[-1].removeprefix("kept: "))
    assert kept.parent == tmp_path / "tmp"
    assert (kept / "z-report.pdf").read_bytes().startswith(b"%PDF-")
    assert (kept / "selftest.db").is_file() and (kept / "posapp.toml").is_file()


def test_json_and_keep_need_self_test(tmp_path):
    done = _run(tmp_path, "--json")
    assert done.returncode == 2 and "--self-test" in done.stderr
