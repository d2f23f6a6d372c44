"""The count's arithmetic against the database, for any history: what the SQL review says a line should
have been (snapshot + movements between the start and the moment the line was counted) is what the
rule in posapp.domain.stock says; approval leaves on hand = counted + what moved after the counting;
and the cached levels equal the ledger throughout. Several counters counting at once add up."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posapp.domain.stock import expected_at
from posapp.services import stock as stock_svc
from posapp.services import stock_counts as counts
from posapp.storage.stock_repo import MovementWrite
from posapp.storage.uow import UnitOfWork
from test_members import AT, pieces, store  # noqa: F401 (the store fixture)

_rounds = itertools.count()
moves = st.lists(st.tuples(st.integers(1, 120), st.integers(-5, 5).filter(bool)), max_size=6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=moves, during=moves, late=moves, counted_after=st.integers(1, 120), found=st.integers(0, 40))
def test_expected_is_the_snapshot_plus_what_moved_until_the_line_was_counted(uow, station, store, before, during,
                                                                          late, counted_after, found):
    """late: sales committed after the snapshot but stamped before the start (a till that took the time,
    then waited for the write lock): not in the snapshot, so they moved during the count."""
    manager, cashier = store
    sku = pieces(uow)[0]
    pid = uow.catalog.by_sku(sku).id
    start = AT + timedelta(days=next(_rounds))
    for m, q in before:
        _move(uow, station, pid, D(q), start - timedelta(minutes=m))
    snapshot = uow.stock.on_hand(station.store_code, [pid])[pid]
    count = counts.start_count(uow, station, actor=manager, at=start)
    since = [(start + timedelta(minutes=m), D(q)) for m, q in during] + \
            [(start - timedelta(seconds=m), D(q)) for m, q in late]
    for at, q in since:
        _move(uow, station, pid, q, at)
    counted_at = start + timedelta(minutes=counted_after)
    counts.record_entry(uow, station, actor=cashier, number=count.number, sku=sku, qty=str(found), at=counted_at)

    review = counts.review_count(uow, actor=manager, number=count.number, now=start + timedelta(hours=3))
    line = next(ln for ln in review.lines if ln.product_id == pid)
    assert line.snapshot == snapshot
    assert line.expected == expected_at(snapshot, since, counted_at=counted_at)
    assert line.variance == D(found) - line.expected

    counts.approve_count(uow, station, actor=manager, number=count.number, at=start + timedelta(hours=3))
    after = sum((q for at, q in since if at > counted_at), D(0))
    assert uow.stock.on_hand(station.store_code, [pid])[pid] == D(found) + after
    assert stock_svc.check_ledger(uow).ok


def _move(uow, station, pid, qty, at):
    with uow:
        uow.stock.post([MovementWrite(product_id=pid, qty_milli=int(qty * 1000), reason="sale")],
                       store_code=station.store_code, at=at, user_id=None)
        uow.commit()


def test_several_counters_at_once_add_up(uow, station, store, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent case is the store server's")
    manager, cashier = store
    a, b = pieces(uow)[:2]
    count = counts.start_count(uow, station, actor=manager, at=AT)
    errors = []

    def counter(n):
        try:
            work = UnitOfWork(uow.db)
            for i in range(15):
                counts.record_entry(work, station, actor=cashier, number=count.number, sku=(a, b)[i % 2],
                                    at=AT + timedelta(minutes=1, seconds=n * 20 + i))
        except Exception as exc:  # reported below with the thread's number
            errors.append((n, exc))
        finally:
            uow.db.close()

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    review = counts.review_count(uow, actor=manager, number=count.number)
    got = {ln.sku: (ln.counted, ln.entries) for ln in review.lines if ln.counted is not None}
    assert got == {a: (D(32), 32), b: (D(28), 28)}
