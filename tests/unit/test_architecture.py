"""The layering of ../shared/GUIDE.md, kept by import-linter: ui -> services -> domain."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    # import-linter configures logging with disable_existing_loggers, which silenced posapp's loggers
    # for every later test in the same process (their log lines are asserted elsewhere).
    enabled = [lg for lg in logging.root.manager.loggerDict.values()
               if isinstance(lg, logging.Logger) and not lg.disabled]
    try:
        code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
        for lg in enabled:
            lg.disabled = False
    assert code == 0, capsys.readouterr().out
