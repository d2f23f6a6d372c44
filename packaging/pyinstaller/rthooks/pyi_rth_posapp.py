"""Runs in the frozen posapp and posapp-admin before any of their code.

python-escpos finds its printer capabilities file through importlib resources, which is fragile
in a frozen build: point ESCPOS_CAPABILITIES_FILE at the copy the bundle ships. It also parses
that file (a YAML load of about 0.1 s) on every start unless it finds its pickled copy, which by
default it writes to a new temporary folder each time: give it a cache folder that lasts, one per
posapp version and capabilities file, so an upgrade never reads a stale copy. (python-escpos 3.1
still makes, and leaves behind, an empty temporary folder at import.) Settings already in the
environment win, so IT can still point either at their own.
"""

import os
import sys


def _escpos_environment() -> None:
    base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
    capabilities = os.path.join(base, "escpos", "capabilities.json")
    if not os.path.isfile(capabilities):
        return  # the build is broken; escpos will say so when a receipt is printed
    os.environ.setdefault("ESCPOS_CAPABILITIES_FILE", capabilities)
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    try:
        import platformdirs

        from posapp import __version__

        stamp = f"{__version__}-{os.path.getsize(capabilities)}"
        folder = os.path.join(platformdirs.user_cache_dir("posapp", appauthor=False), f"escpos-{stamp}")
        os.makedirs(folder, exist_ok=True)
    except Exception:  # noqa: BLE001 (no writable cache: escpos falls back to a temporary folder)
        return
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = folder


_escpos_environment()
