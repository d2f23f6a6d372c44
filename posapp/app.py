"""posapp: the till. Wiring: config -> database (migrated after a backup) -> services -> window.

Start-up: the arguments (--version and --self-test need no display), logging into the platform's log
folder, the crash hooks, Qt, the config (the first-run set-up when there is none), the database
upgrade, the window. POSAPP_EXIT_WHEN_READY=1 is for start-up measurements and packaging tests: the
till logs "ready in N ms" and quits once its window is painted and the login list has loaded, and it
never waits for a person (no first-run set-up, no message boxes: the reason goes to the log and stderr).
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import platformdirs

from posapp import __version__, crash
from posapp.domain.errors import ConfigNotFound, PosError

_STARTED = time.perf_counter()
log = logging.getLogger("posapp")
LOG_FILE = "posapp.log"
EXIT_WHEN_READY = "POSAPP_EXIT_WHEN_READY"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir("posapp", appauthor=False))


def setup_logging(folder: Path | None = None) -> Path:
    """posapp.log in the platform's log folder, rotated at 5 MB with 5 old files kept; returns the folder.

    Only the till writes it: posapp-admin logs to stderr, so two processes never rotate one file."""
    folder = Path(folder or log_dir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / "posapp-log"
        print(f"posapp: cannot write logs in {folder} ({exc}); using {fallback}", file=sys.stderr)
        folder = fallback
        folder.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "posapp_log", False)]:
        root.removeHandler(old)
        old.close()
    handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE, maxBytes=5_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.posapp_log = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
    parser.add_argument("--self-test", action="store_true",
                        help="sell a test basket on a temporary database, print a receipt to a dummy printer "
                             "and render a report, without a window; exit 0 when every step passed")
    parser.add_argument("--json", action="store_true", help="with --self-test: the result as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="with --self-test: keep its temporary folder (the path is printed)")
    args = parser.parse_args(argv)
    if (args.json or args.keep) and not args.self_test:
        parser.error("--json and --keep go with --self-test")
    return args


def exit_when_ready() -> bool:
    return os.environ.get(EXIT_WHEN_READY, "") not in ("", "0")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from posapp import selftest

        return selftest.main(as_json=args.json, keep=args.keep)
    folder = setup_logging()
    log.info("posapp %s starting (Python %s, %s%s; log folder %s)", __version__, platform.python_version(),
             platform.platform(), ", bundle" if getattr(sys, "frozen", False) else "", folder)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("posapp")
    app.setApplicationVersion(__version__)
    uninstall = install_crash_handler(app, folder)
    try:
        return _run(app, args, folder)
    except Exception:  # noqa: BLE001 (start-up failed unexpectedly: a report and one sentence, no traceback)
        path = crash.current().report(sys.exc_info(), tell=False)
        if not exit_when_ready():
            show_crash_message(path)
        return 1
    finally:
        uninstall()


def _run(app, args, folder: Path) -> int:
    from posapp import i18n
    from posapp.bootstrap import open_store
    from posapp.config import redact
    from posapp.i18n import _
    from posapp.storage.migrate import MigrationFailed
    from posapp.ui.main_window import MainWindow

    config = _load_config(app, args)
    if isinstance(config, int):
        return config
    crash.current().set_config(config)
    log.info("config %s, database %s", config.path, redact(config.database_url))
    i18n.set_locale(config.store.locale)
    try:
        store, applied = open_store(config)
    except MigrationFailed as exc:
        postgresql = not config.database_url.startswith("sqlite")
        return _fatal(app, _("The database could not be upgraded"),
                      upgrade_failed_message(exc, folder, postgresql=postgresql))
    except PosError as exc:
        return _fatal(app, _("The database could not be opened"), str(exc))
    notice = upgrade_notice(applied, store.backup)
    if notice:
        log.info("shown: %s", notice)
    window = MainWindow(store, notice=notice)
    window.show()
    _when_ready(app, window, quit_after=exit_when_ready())
    return app.exec()


def _load_config(app, args):
    """The Config to run with, or an exit code (the first-run set-up was cancelled, or the config is bad)."""
    from posapp.bootstrap import create_demo_store
    from posapp.config import load_config

    try:
        return create_demo_store() if args.demo else load_config(args.config)
    except ConfigNotFound as exc:
        if exit_when_ready():
            return _fatal(app, "posapp", str(exc))
        log.info("%s: starting the first-run set-up", exc)
        try:
            from posapp.ui.first_run import run_first_run
        except ImportError as missing:
            log.error("no first-run set-up in this build: %s", missing)
            return _fatal(app, "posapp", str(exc))
        path = run_first_run(app)
        if path is None:
            log.info("first-run set-up cancelled; nothing written")
            return 0
        log.info("first-run set-up wrote %s", path)
        try:
            return load_config(path)
        except PosError as bad:
            return _fatal(app, "posapp", str(bad))
    except PosError as exc:
        return _fatal(app, "posapp", str(exc))


def upgrade_notice(applied: list[str], backup: Path | None) -> str:
    """The status bar's word after a start that migrated the database; "" when nothing was applied."""
    from posapp.i18n import _

    if not applied:
        return ""
    names = ", ".join(applied)
    if backup is not None:
        return _("Database upgraded for posapp {version}: {names}; the backup from before is {backup}").format(
            version=__version__, names=names, backup=backup)
    return _("Database upgraded for posapp {version}: {names}").format(version=__version__, names=names)


def upgrade_failed_message(exc, folder: Path, *, postgresql: bool = False) -> str:
    """What a failed start-up upgrade did to the database, in words for the person at the till and IT."""
    from posapp.i18n import _

    name = exc.migration or "?"
    parts = [_("posapp {version} could not upgrade the database: migration {name} failed ({reason}).").format(
        version=__version__, name=name, reason=exc.reason)]
    if exc.restored:
        parts.append(_("The database was restored from the backup taken just before the upgrade, so it is as "
                       "the previous version left it. The backup is kept at:\n{backup}").format(backup=exc.backup))
    elif exc.backup is not None:
        parts.append(_("Restoring the backup failed too. Do not sell on this terminal: IT must put the backup "
                       "back by hand:\n{backup}").format(backup=exc.backup))
    elif exc.kept:
        parts.append(_("Each migration runs in its own transaction: {name} was rolled back, and the ones before "
                       "it stay applied ({kept}).").format(name=name, kept=", ".join(exc.kept)))
    else:
        parts.append(_("Each migration runs in its own transaction: {name} was rolled back, and the database "
                       "is as it was.").format(name=name))
    if postgresql:
        parts.append(_("posapp takes no backup of a PostgreSQL database itself: take one with "
                       "'posapp-admin backup' before an upgrade."))
    parts.append(_("The till was not started. Use the previous version of posapp, or call IT; the details "
                   "are in the log in {folder}.").format(folder=folder))
    return "\n\n".join(parts)


def _fatal(app, title: str, message: str) -> int:
    log.error("%s: %s", title, message)
    if sys.stderr is not None:
        print(f"posapp: {title}: {message}", file=sys.stderr)
    if not exit_when_ready():
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, title, message)
    return 1


# --- crash reports: one sentence for the cashier, the details in the log folder -------------------

_crash_box_open = False


def crash_message(path: Path | None) -> str:
    from posapp.i18n import _

    text = _("Something went wrong, but posapp is still running. The sale in progress is kept: check the "
             "basket on the screen before you carry on.")
    if path is None:
        return text + "\n\n" + _("If it happens again, tell IT; the details are in the log.")
    return text + "\n\n" + _("If it happens again, tell IT: a report was saved as {name} in {folder}.").format(
        name=Path(path).name, folder=Path(path).parent)


def show_crash_message(path: Path | None) -> None:
    """A short modal message (never a traceback); one at a time, however many errors follow."""
    global _crash_box_open
    if _crash_box_open:
        return
    from PySide6.QtWidgets import QApplication, QMessageBox

    from posapp.i18n import _

    _crash_box_open = True
    try:
        box = QMessageBox(QMessageBox.Warning, _("Something went wrong"), crash_message(path),
                          QMessageBox.Ok, QApplication.activeWindow())
        box.setObjectName("crash_message")
        box.exec()
    finally:
        _crash_box_open = False


def install_crash_handler(app, folder: Path):
    """Crash reports into folder; the message is shown on the UI thread, after the failing slot has
    returned (a queued signal, so a worker thread's error is shown too). Returns the uninstaller."""
    from PySide6.QtCore import QObject, Qt, Signal

    class _CrashRelay(QObject):
        crashed = Signal(object)

    relay = _CrashRelay(app)
    relay.crashed.connect(show_crash_message, Qt.QueuedConnection)
    uninstall = crash.install(folder=folder, log_file=Path(folder) / LOG_FILE,
                              show=None if exit_when_ready() else relay.crashed.emit)

    def undo() -> None:
        uninstall()
        relay.deleteLater()

    return undo


# --- ready -----------------------------------------------------------------------------------------

def _when_ready(app, window, *, quit_after: bool) -> None:
    """Log "ready in N ms" once the window has been painted and its first background load is back."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    painted: list[bool] = []

    class _FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            if event.type() == QEvent.Paint:
                painted.append(True)
            return False

    watcher = _FirstPaint(window)
    window.installEventFilter(watcher)
    deadline = time.perf_counter() + 30

    def poll() -> None:
        idle = window.runner.pool.activeThreadCount() == 0
        if (painted and idle) or time.perf_counter() > deadline:
            QTimer.singleShot(0, ready)  # the load's result, queued to this thread, is shown first
        else:
            QTimer.singleShot(5, poll)

    def ready() -> None:
        window.removeEventFilter(watcher)
        ms = (time.perf_counter() - _STARTED) * 1000
        late = not painted or window.runner.pool.activeThreadCount() > 0
        log.info("ready in %.0f ms%s", ms, " (gave up waiting for the first paint and load)" if late else "")
        if quit_after:
            if sys.stderr is not None:
                print(f"posapp: ready in {ms:.0f} ms", file=sys.stderr)
            window.close()
            app.quit()

    QTimer.singleShot(0, poll)


if __name__ == "__main__":
    sys.exit(main())
