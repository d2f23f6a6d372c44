"""One sync worker per store: the lease in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

T0 = datetime(2026, 11, 23, 9, 0, 0)
TTL = timedelta(minutes=10)


def take(holder: str, at: datetime) -> bool:
    uow = UnitOfWork(dbmod.database)
    with uow:
        got = uow.lease.take("sync", holder, now=at, ttl=TTL)
        uow.commit()
    return got


def test_one_terminal_holds_the_lease_until_it_expires_or_is_given_back(uow):
    assert take("S001/T01", T0)
    assert not take("S001/T02", T0 + timedelta(minutes=1))  # T01 holds it
    assert take("S001/T01", T0 + timedelta(minutes=9))  # renewed by its holder: now until 9:19
    assert not take("S001/T02", T0 + timedelta(minutes=15))
    assert take("S001/T02", T0 + timedelta(minutes=20))  # T01 went quiet: T02 takes over
    lease = uow.lease.get("sync")
    assert (lease.holder, lease.expires_at) == ("S001/T02", T0 + timedelta(minutes=30))
    with uow:
        uow.lease.release("sync", "S001/T01")  # not the holder: nothing happens
        uow.commit()
    assert uow.lease.get("sync").holder == "S001/T02"
    with uow:
        uow.lease.release("sync", "S001/T02")
        uow.commit()
    assert uow.lease.get("sync") is None
    assert take("S001/T03", T0 + timedelta(minutes=21))


def test_terminals_asking_at_the_same_moment_get_one_holder(db_url):
    winners, barrier = [], threading.Barrier(6)

    def ask(n: int) -> None:
        barrier.wait()
        if take(f"S001/T0{n}", T0):
            winners.append(n)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(winners) == 1
    assert UnitOfWork(dbmod.database).lease.get("sync").holder == f"S001/T0{winners[0]}"
