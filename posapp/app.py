"""posapp: the till. Wiring: config -> database (migrated after a backup) -> services -> window."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
from pathlib import Path

import platformdirs

from posapp import __version__
from posapp.domain.errors import PosError

log = logging.getLogger("posapp")


def setup_logging() -> Path:
    folder = Path(platformdirs.user_log_dir("posapp", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "posapp.log", maxBytes=5_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return folder


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="posapp", description="posapp till")
    parser.add_argument("--config", metavar="PATH", help="configuration file (else $POSAPP_CONFIG, "
                        "else the platform's config directory)")
    parser.add_argument("--demo", action="store_true",
                        help="run a demo store (created on first use in the user data directory)")
    parser.add_argument("--version", action="version", version=f"posapp {__version__}")
    return parser.parse_args(argv)


def _fatal(app, title: str, message: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    log.error("%s: %s", title, message)
    print(f"posapp: {message}", file=sys.stderr)
    QMessageBox.critical(None, title, message)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging()
    log.info("posapp %s starting", __version__)
    from PySide6.QtWidgets import QApplication

    from posapp import i18n
    from posapp.bootstrap import create_demo_store, open_store
    from posapp.config import load_config
    from posapp.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("posapp")
    app.setApplicationVersion(__version__)
    try:
        config = create_demo_store() if args.demo else load_config(args.config)
    except PosError as exc:
        return _fatal(app, "posapp", str(exc))
    i18n.set_locale(config.store.locale)
    try:
        store, applied = open_store(config)
    except PosError as exc:
        return _fatal(app, i18n._("The database could not be opened"), str(exc))
    notice = i18n._("Database upgraded: {names}").format(names=", ".join(applied)) if applied else ""
    window = MainWindow(store, notice=notice)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
