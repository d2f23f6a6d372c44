"""The Qt libraries a bundle most often lacks, loaded without a window (for posapp --self-test)."""

from __future__ import annotations

import importlib
from pathlib import Path


def qt_libraries() -> tuple[str, list[str], Path]:
    """(versions, the platform plugins found, their folder); loading QtGui and QtWidgets is the check."""
    import PySide6
    from PySide6.QtCore import QLibraryInfo, qVersion

    for module in ("PySide6.QtGui", "PySide6.QtWidgets"):
        importlib.import_module(module)
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    names = sorted(p.stem.removeprefix("libq").removeprefix("q") for p in plugins.glob("*")
                   if p.suffix in (".so", ".dll", ".dylib"))
    return f"PySide6 {PySide6.__version__}, Qt {qVersion()}", names, plugins
