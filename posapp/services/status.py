"""What the status bar shows about the connection to the online shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SyncState:
    pending: int  # outbox events not yet sent to the online shop
    last_sync: datetime | None  # naive UTC time the online shop last took an event; None: never


def sync_state(uow) -> SyncState:
    return SyncState(pending=uow.sales.outbox_pending(), last_sync=uow.sales.outbox_last_sent())
