"""The issue's test: 500 sales (a quarter with members, every seventh partly returned later, some goods
damaged) pushed through a shop that fails 30% of all requests in every way it can (500, 429, slow past the
timeout, dropped before or after committing, malformed JSON). After the worker drains: the shop holds
exactly one order per sale, each `_pos_uuid` once, every refund on the right order, each member's points
moved by exactly the till's deltas, its stock moved once per sale and return, and nothing left in the outbox.

Time is simulated: each run starts at the time the previous one asked to be woken (its backoff), and the
fake shop's clock follows, so backoffs and the look-before-create window are exercised as they would be."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal as D

from fake_server import FAULT_KINDS
from posapp.config import SyncConfig
from posapp.domain.clock import utcnow
from posapp.services import members as member_svc
from posapp.sync.push import push_pending
from posapp.sync.woo_push import WooOrderSink
from posapp.sync.woocommerce import WooClient
import test_push_orders
from test_push_orders import POINTS, meta, sell, sql, take_back

till = test_push_orders.till  # the fixture: a store partly linked to the fake shop

SALES = {"sqlite": 500, "postgresql": 500}
FAULT_RATE = 0.3
TIMEOUT = 0.25  # the client's; a slow fault answers after SLOW, past it
SLOW = 0.35


def make_business(till, woo, rng: random.Random, count: int):
    """count sales, a quarter by one of three members (linked to shop customers), then partial returns of
    every seventh sale: what the worker finds queued after a day offline."""
    customers = [till.shop["customer"]] + [woo.store.add_customer(f"m{n}@example.com",
                                                                  meta_data=[{"key": POINTS, "value": "100"}])
                                           for n in (2, 3)]
    members = [member_svc.sign_up(till.uow, till.station, actor=till.cashier, phone=f"1381234567{n}",
                                  external_id=str(c)) for n, c in enumerate(customers)]
    sales = []
    for n in range(count):
        items = [("milk", rng.randint(1, 3))]
        if rng.random() < 0.5:
            items.append((rng.choice(["shirt_s", "shirt_m"]), 1))
        if rng.random() < 0.3:
            items.append(("apples", f"{rng.randint(200, 1500) / 1000:.3f}"))
        if rng.random() < 0.2:
            items.append(("local", 1))
        sales.append(sell(till, items, member=members[n % 3] if n % 4 == 0 else None))
    returned = []
    for sale in sales[::7]:
        reason = "damaged" if rng.random() < 0.3 else "changed_mind"
        returned.append(take_back(till, sale, [(1, 1, reason)]))
    return members, dict(zip(members, customers)), sales, returned


def test_500_sales_and_their_returns_reach_a_shop_failing_30_percent_exactly_once(till, woo, backend):
    rng = random.Random(2026)
    count = SALES[backend]
    members, customers, sales, returned = make_business(till, woo, rng, count)
    milk_before = woo.store.products[till.shop["milk"]]["stock_quantity"]
    queued = till.uow.sales.outbox_pending()
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret,
                        timeout_seconds=TIMEOUT, lookup_margin_seconds=60)
    woo.faults.random(FAULT_RATE, seed=7, kinds=FAULT_KINDS, delay=SLOW, retry_after=2)
    woo.clock.auto_advance = timedelta(milliseconds=1)
    now, runs, started = utcnow(), 0, time.perf_counter()
    reports = []
    with WooClient(config) as client:
        sink = WooOrderSink(client, config)
        while till.uow.sales.outbox_pending():
            woo.clock.set(max(now, woo.clock.peek()))
            reports.append(push_pending(till.uow, sink, station=till.station, now=now))
            now = max(now + timedelta(seconds=1), reports[-1].retry_at or now)
            runs += 1
            assert runs < 5000, f"not drained after {runs} runs: {reports[-1]}"
    elapsed = time.perf_counter() - started
    faults = Counter(kind for _seq, _m, _r, kind in woo.faults.log)
    print(f"\n{backend}: {queued} events ({count} sales, {len(returned)} returns) drained in {runs} runs, "
          f"{elapsed:.1f} s, {len(woo.requests)} requests, faults {dict(faults)}")
    assert set(faults) == set(FAULT_KINDS) and sum(faults.values()) > 0.25 * len(woo.requests)

    # Exactly one order per sale, carrying the sale's own uuid; the outbox is done.
    orders = woo.orders()
    uuids = Counter(meta(o, "_pos_uuid") for o in orders)
    assert len(orders) == count and set(uuids.values()) == {1}
    wanted = {n: u for n, u in sql("SELECT key, payload FROM outbox_event WHERE topic = 'sale.completed'")}
    by_receipt = {meta(o, "_pos_receipt"): o for o in orders}
    assert set(by_receipt) == {s.number for s in sales}
    assert all(meta(by_receipt[n], "_pos_uuid") in payload for n, payload in wanted.items())
    assert all(D(by_receipt[s.number]["total"]) == s.total + s.rounding for s in sales)
    counts = till.uow.outbox.counts()
    assert (counts["pending"], counts["held"], counts["parked"], counts["skipped"]) == (0, 0, 0, 0)
    assert counts["sent"] == queued and sum(r.parked for r in reports) == 0

    # Every refund once, on the order of the sale it returns.
    refunds = woo.refunds()
    assert Counter(meta(r, "_pos_receipt") for r in refunds) == Counter(r.number for r in returned)
    orders_by_id = {o["id"]: o for o in orders}
    for refund in refunds:
        doc = next(r for r in returned if r.number == meta(refund, "_pos_receipt"))
        assert meta(orders_by_id[refund["order_id"]], "_pos_receipt") == doc.original
        assert D(refund["amount"]) == -(doc.total + doc.rounding)

    # Points: each customer moved by exactly the member's ledger; stock: once per sale and return.
    for member in members:
        balance = till.uow.members.balance(member.id)
        assert int(meta(woo.store.customers[customers[member]], POINTS)) == 100 + balance
    sold = sum(int(ln.qty) for s in sales for ln in s.lines if ln.sku == till.skus["milk"])
    back = sum(1 for r in returned if not r.lines[0].damaged)
    assert woo.store.products[till.shop["milk"]]["stock_quantity"] == milk_before - sold + back
    assert sql("SELECT COUNT(*) FROM stock_movement WHERE synced_at IS NULL") == [(0,)]
