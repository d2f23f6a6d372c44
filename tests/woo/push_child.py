"""The victim of tests/woo/test_push_kill.py: pushes the outbox to the fake shop until it is killed.

    python push_child.py DB_URL SHOP_URL KEY SECRET [MAX_SECONDS]

The database already holds the sales, returns and points to push. After connecting it writes
"ready", and after each run "sent N pending M", one line per write(2), so the parent knows it is at
work. It stops by itself (exit 0) when nothing is pending, when its parent is gone, or after
MAX_SECONDS, so it can never be left behind.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from posapp.config import SyncConfig  # noqa: E402
from posapp.domain.clock import utcnow  # noqa: E402
from posapp.services.station import Station  # noqa: E402
from posapp.storage import db as dbmod  # noqa: E402
from posapp.storage.uow import UnitOfWork  # noqa: E402
from posapp.sync.push import push_pending  # noqa: E402
from posapp.sync.woo_push import WooOrderSink  # noqa: E402
from posapp.sync.woocommerce import WooClient  # noqa: E402

STATION = Station(store_code="S001", terminal_code="T01", currency="CNY")


def say(text: str) -> None:
    os.write(1, (text + "\n").encode())


def main(db_url: str, shop_url: str, key: str, secret: str, max_seconds: float = 60.0) -> int:
    parent, stop_at = os.getppid(), time.monotonic() + max_seconds
    dbmod.bind(db_url)
    uow = UnitOfWork(dbmod.database)
    config = SyncConfig(connector="woocommerce", url=shop_url, key=key, secret=secret, timeout_seconds=60)
    with WooClient(config) as client:
        sink = WooOrderSink(client, config)
        say("ready")
        while time.monotonic() < stop_at and os.getppid() == parent:
            report = push_pending(uow, sink, station=STATION, now=utcnow(), limit=5)
            with uow:
                pending = uow.sales.outbox_pending()
            say(f"sent {report.sent} pending {pending}")
            if not pending:
                return 0
            if report.retry_at is not None:
                time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5], *(float(a) for a in sys.argv[5:6])))
