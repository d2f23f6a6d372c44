"""The Linux bundle (packaging/pyinstaller/posapp.spec) builds, and runs with nothing but itself.

The bundle is built into a temporary folder (about a minute), or taken from POSAPP_BUNDLE_DIR
(for example dist/posapp-VERSION-linux-x86_64 from packaging/build_linux.sh). Every program runs
in a clean environment: HOME and the XDG folders in a temporary folder, no virtualenv, no
PYTHONPATH, the offscreen Qt platform. The figures are printed at the end of the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from posapp import __version__

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "pyinstaller" / "posapp.spec"
SIZE_LIMIT_MB = 250
READY_LIMIT_S = 10.0  # the aim is 2 s; this catches a bundle that hangs or crawls, not a slow machine

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux bundle"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, figures) -> Path:
    given = os.environ.get("POSAPP_BUNDLE_DIR")
    if given:
        folder = Path(given).resolve()
        assert (folder / "posapp").is_file(), f"POSAPP_BUNDLE_DIR={given} holds no posapp bundle"
        figures["bundle"] = f"{folder} (given)"
        return folder
    if importlib.util.find_spec("PyInstaller") is None:
        message = "PyInstaller is not installed (pip install -e '.[build]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.setdefault("SOURCE_DATE_EPOCH", "315532800")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(base / "dist"), "--workpath", str(base / "work"), str(SPEC)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=840,
    )
    assert done.returncode == 0, f"PyInstaller failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    figures["build time"] = f"{time.perf_counter() - start:.0f} s"
    shutil.rmtree(base / "work", ignore_errors=True)  # PyInstaller's intermediate files: as big again
    return base / "dist" / "posapp"


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """What a freshly installed terminal's user has: nothing of this checkout or its virtualenv."""
    home = tmp_path / "home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "TMPDIR": str(tmp_path / "tmp")}
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state"),
                      ("XDG_RUNTIME_DIR", "runtime")):
        env[name] = str(home / sub)
    for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "TMPDIR", "XDG_RUNTIME_DIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def run(bundle: Path, program: str, *args: str, env: dict[str, str], timeout: float = 120):
    start = time.perf_counter()
    done = subprocess.run([str(bundle / program), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=env["HOME"] if Path(env["HOME"]).is_dir() else None)
    return done, time.perf_counter() - start


def test_version_of_both_programs(bundle, clean_env, figures):
    for program in ("posapp", "posapp-admin"):
        done, took = run(bundle, program, "--version", env=clean_env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"posapp {__version__}"
        figures[f"{program} --version"] = f"{took:.2f} s"


def test_self_test_passes_in_the_bundle(bundle, clean_env, figures):
    done, took = run(bundle, "posapp", "--self-test", "--json", env=clean_env)
    assert done.returncode == 0, f"self-test failed:\n{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout)
    assert result["frozen"] is True
    assert result["version"] == __version__
    bad = [f"{s['name']}: {s['error']}" for s in result["steps"] if not s["ok"] or s["skipped"]]
    assert not bad, bad
    details = " ".join(s["detail"] for s in result["steps"])
    internal = str(bundle / "_internal")
    assert f"{internal}/migrations" in details, "migrations were not read from the bundle"
    assert f"{internal}/escpos/capabilities.json" in details, "printer profiles were not read from the bundle"
    # It used a temporary folder of its own: nothing was written into this user's config or data.
    home = Path(clean_env["HOME"])
    assert not list(home.rglob("posapp.toml")) and not list(home.rglob("*.db"))
    figures["posapp --self-test"] = f"{took:.2f} s (steps {result['total_ms']:.0f} ms)"


def test_a_provisioned_till_gets_ready(bundle, clean_env, tmp_path, figures):
    """posapp-admin provision sets up a terminal; the till then starts to its login screen and quits."""
    config = tmp_path / "terminal" / "posapp.toml"
    done, _ = run(bundle, "posapp-admin", "provision", "--config", str(config), "--store", "S001",
                  "--store-name", "测试店", "--terminal", "T01", "--printer", "dummy", "--admin-pin", "4826",
                  env=clean_env)
    assert done.returncode == 0, f"provision failed:\n{done.stdout}\n{done.stderr}"
    assert config.is_file()
    env = dict(clean_env, POSAPP_EXIT_WHEN_READY="1")
    walls, reported = [], []
    for _ in range(3):  # the first start also fills the printer-profile cache; the others are warm
        done, took = run(bundle, "posapp", "--config", str(config), env=env, timeout=60)
        assert done.returncode == 0, f"the till did not get ready:\n{done.stdout}\n{done.stderr}"
        m = re.search(r"ready in (\d+) ms", done.stderr)
        assert m, f"no 'ready in N ms' on stderr:\n{done.stderr}"
        walls.append(took)
        reported.append(int(m.group(1)) / 1000)
    assert min(walls) < READY_LIMIT_S, f"the till took {walls} s to get ready"
    figures["till start to ready"] = (f"{statistics.median(walls):.2f} s wall (process start to exit), "
                                      f"{statistics.median(reported):.2f} s by the till's own clock; "
                                      f"first start {walls[0]:.2f} s")


def test_admin_sets_up_a_terminal_on_postgresql(bundle, clean_env, tmp_path, pg_server):
    """The bundle's PostgreSQL driver (psycopg's binary build) works: provision, then doctor."""
    import psycopg

    name = f"bundle_{uuid.uuid4().hex[:12]}"
    url = pg_server.rsplit("/", 1)[0] + "/" + name
    config = tmp_path / "pg" / "posapp.toml"
    try:
        done, _ = run(bundle, "posapp-admin", "provision", "--config", str(config), "--store", "S002",
                      "--terminal", "T01", "--database-url", url, "--printer", "none", "--admin-pin", "4826",
                      env=clean_env)
        assert done.returncode == 0, f"provision failed:\n{done.stdout}\n{done.stderr}"
        assert "created" in done.stdout and "migration(s) applied" in done.stdout, done.stdout
        done, _ = run(bundle, "posapp-admin", "--config", str(config), "doctor", env=clean_env)
        assert done.returncode == 0, f"doctor failed:\n{done.stdout}\n{done.stderr}"
        assert re.search(r"^ok\s+database\s+postgresql://.*PostgreSQL \d+", done.stdout, re.M), done.stdout
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bundle_holds_what_posapp_needs_and_not_more(bundle, figures):
    internal = bundle / "_internal"
    for needed in ("resources/locale/zh_CN/LC_MESSAGES/posapp.po", "resources/icons/posapp.png",
                   "resources/samples", "migrations/0001_initial.py", "escpos/capabilities.json",
                   "babel/locale-data/zh_Hans_CN.dat", "pypinyin/pinyin_dict.json"):
        assert (internal / needed).exists(), f"{needed} is missing from the bundle"
    names = {p.name for p in internal.rglob("*")}
    unwanted = [n for n in names if re.match(r"(lib)?Qt6?(Qml|Quick|WebEngine|3D|Multimedia|Pdf|Designer)", n)
                or n in ("tkinter", "_tkinter", "pytest", "_pytest", "hypothesis", "libstdc++.so.6")]
    assert not unwanted, f"the bundle holds what posapp never loads: {sorted(unwanted)}"
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    figures["bundle size"] = f"{size / 1e6:.0f} MB ({size / 2**20:.0f} MiB)"
    assert size < SIZE_LIMIT_MB * 1e6, f"the bundle is {size / 1e6:.0f} MB; the aim is under {SIZE_LIMIT_MB} MB"
