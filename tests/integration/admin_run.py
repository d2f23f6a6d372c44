"""Running posapp-admin as IT would, in a child process against a store's config in `home`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_admin(home: Path, *args) -> subprocess.CompletedProcess:
    """posapp-admin ARGS --config home/posapp.toml, with no POSAPP_ settings or user config leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSAPP_")}
    env.update(XDG_CONFIG_HOME=str(home / "xdg-config"), XDG_DATA_HOME=str(home / "xdg-data"),
               XDG_CONFIG_DIRS=str(home / "xdg-site"), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "posapp.cli", *map(str, args), "--config", home / "posapp.toml"],
                          stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=home, timeout=120,
                          encoding="utf-8")


def initialised_store(home: Path, fill, *init_args) -> Path:
    """A store made by `posapp-admin init --admin-pin 2468 INIT_ARGS` in home (SQLite), then fill(uow,
    station) run on it; returns home."""
    from posapp.bootstrap import open_store
    from posapp.config import load_config

    init = run_admin(home, "init", "--admin-pin", "2468", *init_args)
    assert init.returncode == 0, init
    store, _ = open_store(load_config(home / "posapp.toml"))
    try:
        fill(store.uow(), store.station)
    finally:
        store.close()
    return home
