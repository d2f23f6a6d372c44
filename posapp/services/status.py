"""What the status bar shows about the connection to the online shop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncState:
    pending: int  # outbox events not yet sent to the online shop


def sync_state(uow) -> SyncState:
    return SyncState(pending=uow.sales.outbox_pending())
