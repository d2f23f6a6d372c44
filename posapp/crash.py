"""Crash reports: an error nobody expected is written to crash-YYYYMMDD-HHMMSS.txt in the log folder
(version, platform, traceback, the last log lines, with secrets taken out), logged, and told to the
person in one sentence by whoever installed the hooks (the till shows a message box). Qt-free.

The hooks cover the main thread (and, in PySide6, exceptions raised inside slots, which reach
sys.excepthook), Python threads (threading.excepthook) and Qt's pool threads (sys.excepthook again,
called on that thread). The program is not stopped: the till stays usable where it can.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from posapp import __version__

log = logging.getLogger("posapp.crash")

MAX_REPORTS = 20  # older reports are deleted
LOG_LINES = 200  # the tail of posapp.log copied into a report
REPEAT_SECONDS = 60  # the same error again within this is logged, not reported or shown again
NAME_RE = re.compile(r"^crash-(\d{8}-\d{6})(?:-(\d+))?\.txt$")
URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.\-]*://[^\s/@:]*:)([^\s@/]+)(?=@)", re.IGNORECASE)
WOO_KEY = re.compile(r"\b(c[ks]_)[0-9a-f]{6,}", re.IGNORECASE)
SECRET_PARAM = re.compile(r"\b((?:consumer_key|consumer_secret|password|passwd|secret)\s*[=:]\s*['\"]?)"
                          r"[^\s&'\",;)]+", re.IGNORECASE)


# --- what a report says, without secrets ------------------------------------------------------

def secrets_of(config) -> tuple[str, ...]:
    """The database password and the shop's key and secret of a Config, to take out of any text."""
    found: list[str] = []
    url = getattr(config, "database_url", "") or ""
    password = urlparse(url).password if "://" in url else None
    if password:
        found += [password, unquote(password)]
    sync = getattr(config, "sync", None)
    if sync is not None:
        found += [getattr(sync, "key", ""), getattr(sync, "secret", "")]
    return tuple(sorted({s for s in found if s and len(s) >= 4}, key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """text with every known secret, URL password, WooCommerce key and key=value secret starred out."""
    for secret in secrets:
        text = text.replace(secret, "***")
    text = URL_PASSWORD.sub(r"\1***", text)
    text = WOO_KEY.sub(r"\1***", text)
    return SECRET_PARAM.sub(r"\1***", text)


def redacted_url(url: str) -> str:
    return URL_PASSWORD.sub(r"\1***", url) if url else ""


def log_tail(path: Path | None, lines: int = LOG_LINES) -> list[str]:
    """The last lines of a log file (read from its end; a big file is not read whole)."""
    if path is None or not Path(path).is_file():
        return []
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 200 * lines))
        data = fh.read()
    return data.decode("utf-8", "replace").splitlines()[-lines:]


def qt_versions() -> str:
    """PySide6 and Qt, when the process has already loaded them (a report never imports Qt)."""
    core = sys.modules.get("PySide6.QtCore")
    if core is None:
        return "not loaded"
    return f"PySide6 {getattr(sys.modules.get('PySide6'), '__version__', '?')}, Qt {core.qVersion()}"


def format_report(exc_info, *, now: datetime, thread: str = "", config_path=None, database_url: str = "",
                  log_file: Path | None = None, secrets: tuple[str, ...] = ()) -> str:
    exc_type, exc, tb = exc_info
    frozen = "yes (bundle)" if getattr(sys, "frozen", False) else "no"
    head = [
        "posapp crash report",
        f"time        {now.isoformat(timespec='seconds')}",
        f"version     posapp {__version__}",
        f"python      {platform.python_version()} ({platform.python_implementation()})",
        f"qt          {qt_versions()}",
        f"platform    {platform.platform()}",
        f"executable  {sys.executable} (frozen: {frozen})",
        f"thread      {thread or threading.current_thread().name}",
        f"config      {config_path or 'not loaded'}",
        f"database    {redacted_url(database_url) or 'not opened'}",
        f"log file    {log_file or 'none'}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
        "",
    ]
    tail = log_tail(log_file)
    if tail:
        head += [f"Last {len(tail)} lines of {Path(log_file).name}:", *tail]
    return scrub("\n".join(head) + "\n", secrets)


def write_report(exc_info, *, folder: Path, now: datetime | None = None, keep: int = MAX_REPORTS,
                 **context) -> Path:
    """Write one report into folder, keep the newest `keep` there, and return its path."""
    now = now or datetime.now()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = format_report(exc_info, now=now, **context)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"crash-{stamp}.txt", 1
    while path.exists():
        n += 1
        path = folder / f"crash-{stamp}-{n}.txt"
    path.write_text(text, encoding="utf-8")
    prune(folder, keep)
    return path


def reports(folder: Path) -> list[Path]:
    """The crash reports in folder, oldest first."""
    def order(p: Path):
        m = NAME_RE.match(p.name)
        return m.group(1), int(m.group(2) or 1)

    return sorted((p for p in Path(folder).glob("crash-*.txt") if NAME_RE.match(p.name)), key=order)


def prune(folder: Path, keep: int = MAX_REPORTS) -> None:
    for old in reports(folder)[:-keep] if keep > 0 else []:
        try:
            old.unlink()
        except OSError:
            pass


# --- the hooks -----------------------------------------------------------------------------------

@dataclass
class Reporter:
    """What the hooks write with; set_config() adds the config (and its secrets) once it is loaded."""

    folder: Path
    log_file: Path | None = None
    show: Callable[[Path | None], None] | None = None
    keep: int = MAX_REPORTS
    config_path: Path | None = None
    database_url: str = ""
    secrets: tuple[str, ...] = ()
    _recent: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_config(self, config) -> None:
        self.config_path = getattr(config, "path", None)
        self.database_url = getattr(config, "database_url", "") or ""
        self.secrets = secrets_of(config)

    def report(self, exc_info, *, thread: str = "", tell: bool = True) -> Path | None:
        """Write and log a report for exc_info, then tell the person (unless the same error just was)."""
        signature = _signature(exc_info)
        with self._lock:
            now = time.monotonic()
            repeated = now - self._recent.get(signature, -REPEAT_SECONDS - 1) < REPEAT_SECONDS
            self._recent[signature] = now
        text = scrub("".join(traceback.format_exception(*exc_info)), self.secrets)
        if repeated:
            log.error("the same unexpected error again (%s), no new report:\n%s", signature[0], text)
            return None
        path = None
        try:
            path = write_report(exc_info, folder=self.folder, keep=self.keep, thread=thread,
                                config_path=self.config_path, database_url=self.database_url,
                                log_file=self.log_file, secrets=self.secrets)
        except Exception as exc:  # noqa: BLE001 (a full disk must not hide the error itself)
            log.error("could not write a crash report into %s: %s", self.folder, exc)
        log.critical("unexpected error in thread %s; crash report: %s\n%s",
                     thread or threading.current_thread().name, path or "none", text)
        if tell and self.show is not None:
            try:
                self.show(path)
            except Exception:  # noqa: BLE001 (telling must never raise out of a hook)
                log.exception("could not show the crash message")
        return path


def _signature(exc_info) -> tuple[str, str]:
    exc_type, _exc, tb = exc_info
    frames = traceback.extract_tb(tb) if tb is not None else []
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return exc_type.__name__, where


_current: Reporter | None = None


def current() -> Reporter | None:
    return _current


def install(*, folder: Path, log_file: Path | None = None,
            show: Callable[[Path | None], None] | None = None) -> Callable[[], None]:
    """Route uncaught errors (any thread) to a Reporter; returns a function that puts the old hooks back."""
    global _current
    reporter = Reporter(folder=Path(folder), log_file=log_file, show=show)
    old_sys, old_thread, old_current = sys.excepthook, threading.excepthook, _current

    def sys_hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            return old_sys(exc_type, exc, tb)
        try:
            reporter.report((exc_type, exc, tb))
        except BaseException:  # noqa: BLE001 (last resort: the interpreter's own printout)
            old_sys(exc_type, exc, tb)

    def thread_hook(args):
        if args.exc_type is SystemExit:
            return
        try:
            name = args.thread.name if args.thread is not None else ""
            reporter.report((args.exc_type, args.exc_value, args.exc_traceback), thread=name)
        except BaseException:  # noqa: BLE001
            old_thread(args)

    sys.excepthook, threading.excepthook, _current = sys_hook, thread_hook, reporter

    def uninstall() -> None:
        global _current
        if sys.excepthook is sys_hook:
            sys.excepthook = old_sys
        if threading.excepthook is thread_hook:
            threading.excepthook = old_thread
        if _current is reporter:
            _current = old_current

    return uninstall
