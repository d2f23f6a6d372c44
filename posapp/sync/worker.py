"""The sync worker: a background thread that runs the sync every `interval_seconds` (sooner when the
push asked for a retry, or when someone presses "sync now"), so the till never waits for the network.
It knows nothing of Qt: the window passes a callback and turns each report into a signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from posapp.domain.clock import utcnow
from posapp.sync import engine

log = logging.getLogger(__name__)


class SyncWorker:
    def __init__(self, store, *, connector_factory=None, on_report: Callable | None = None):
        from posapp.sync import make_connector

        self.store = store
        self.config = store.config.sync
        self.connector_factory = connector_factory or (lambda: make_connector(self.config))
        self.on_report = on_report or (lambda report: None)
        self.holder = engine.holder_name(store.station)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.running = False  # a run is under way

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="posapp-sync", daemon=True)
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            engine.release(self.store, self.holder)
        except Exception:  # the database may be gone at exit; the lease then simply expires
            log.warning("could not release the sync lease", exc_info=True)

    def _loop(self) -> None:
        connector = None
        while not self._stop.is_set():
            self._wake.clear()
            wait = float(self.config.interval_seconds)
            self.running = True
            try:
                connector = connector or self.connector_factory()
                report = engine.run_once(self.store, connector, holder=self.holder)
                if report.retry_at is not None:
                    wait = min(wait, max(1.0, (report.retry_at - utcnow()) / timedelta(seconds=1)))
                self.on_report(report)
            except Exception:  # the worker must survive anything; the next run tries again
                log.exception("sync run failed")
            finally:
                self.running = False
            self._wake.wait(wait)
        if connector is not None:
            connector.close()
