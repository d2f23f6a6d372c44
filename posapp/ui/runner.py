"""Runs service calls off the UI thread and hands results back on it (the till never freezes)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from posapp.domain.errors import PosError
from posapp.i18n import _

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str, object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], object], relay: _Relay):
        super().__init__()
        self.fn, self.relay = fn, relay

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except PosError as exc:
            self.relay.failed.emit(str(exc), exc)
        except Exception as exc:  # unexpected: logged in full, shown in one sentence
            log.error("operation failed\n%s", traceback.format_exc())
            self.relay.failed.emit(_("Something went wrong; the details are in the log."), exc)
        else:
            self.relay.done.emit(result)


class OperationRunner(QObject):
    """`run(fn, on_done, on_error)`: fn runs on a worker thread; callbacks run on the UI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._live: set[_Relay] = set()

    def run(self, fn: Callable[[], object], on_done: Callable[[object], None] | None = None,
            on_error: Callable[[str], None] | None = None) -> None:
        relay = _Relay(self)  # a child: if the runner goes, queued results are dropped with it
        self._live.add(relay)
        relay.done.connect(lambda result: self._finish(relay, on_done, result))
        relay.failed.connect(lambda message, _exc: self._finish(relay, on_error, message))
        self.busy_changed.emit(True)
        self.pool.start(_Task(fn, relay))

    def _finish(self, relay: _Relay, callback, value) -> None:
        self._live.discard(relay)
        relay.deleteLater()
        if not self._live:
            self.busy_changed.emit(False)
        if callback is not None:
            callback(value)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
