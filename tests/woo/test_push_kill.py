"""Kill the process during a push: on restart nothing is lost or sent twice.

A real child process (tests/woo/push_child.py) pushes a queue of sales, points and returns from the
database file (or PostgreSQL) to the fake shop and is SIGKILLed: three times while the shop has applied
a request it has not answered yet (an order, a points delta, a refund: each held up by a slow answer),
then at random moments. A last child drains what is left; the shop must then hold every sale once,
every refund once on its order, and each delta applied once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import test_push_orders
from test_push_orders import POINTS, event, meta, member_linked, sale_event, sell, sql, take_back

till = test_push_orders.till  # the fixture: a store partly linked to the fake shop

CHILD = Path(__file__).resolve().parent / "push_child.py"
ROOT = CHILD.parents[2]
RANDOM_ROUNDS = 5
WAIT = 30.0


class Child:
    """One pushing process and what it said."""

    def __init__(self, db_url: str, woo):
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen([sys.executable, str(CHILD), db_url, woo.url, woo.key, woo.secret, "60"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=ROOT)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(WAIT):
            self.kill()
            pytest.fail(f"the child did not start: {self.proc.stderr.read().decode()[-2000:]}")

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self.lines.append(raw.decode().strip())
            self.ready.set()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(WAIT)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def kill_when(self, condition, what: str) -> None:
        """SIGKILL as soon as `condition()` holds (polled), mid-request when the condition says so."""
        give_up = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > give_up or self.proc.poll() is not None:
                self.kill()
                pytest.fail(f"never saw {what}; the child said {self.lines[-3:]}")
            time.sleep(0.005)
        self.kill()


def slow_request_applied(woo, method: str, path: str, applied) -> bool:
    """A request held up by the slow fault whose effect the shop already holds (applied(body))."""
    return any(r.fault == "slow" and r.body is not None and applied(r.body) for r in woo.requests_for(method, path))


def body_uuid(body: dict) -> str:
    return next(m["value"] for m in body["meta_data"] if m["key"] == "_pos_uuid")


def test_a_push_killed_mid_request_and_at_random_loses_nothing_and_sends_nothing_twice(till, woo, db_url):
    member = member_linked(till)
    sales = [sell(till, [("milk", 1), ("shirt_s", 1)], member=member if n % 3 == 0 else None) for n in range(240)]
    returned = [take_back(till, s, [(1, 1, "changed_mind")]) for s in sales[::8]]
    queued = till.uow.sales.outbox_pending()

    # An order: the shop committed it, the answer is 30 s away, the till dies.
    child = Child(db_url, woo)
    child.kill_when(lambda: len(woo.store.orders) >= 5, "five orders")
    woo.faults.slow(delay=30, method="POST", path="orders")
    child = Child(db_url, woo)
    child.kill_when(lambda: slow_request_applied(woo, "POST", "orders",
                                                 lambda b: woo.orders_with_meta("_pos_uuid", body_uuid(b))),
                    "the slow order committed")
    [cut] = [r for r in woo.requests_for("POST", "orders") if r.fault == "slow"]
    number = meta(cut.body, "_pos_receipt")
    stuck = event("sale.completed", number)[0]
    # One try, or two when the first kill also caught this sale's order in flight.
    assert (stuck.state, stuck.attempts in (1, 2), stuck.first_sent_at is not None) == ("pending", True, True)

    # A points delta: the customer's meta already has it.
    woo.faults.slow(delay=30, method="PUT", path=r"customers/\d+")
    customer = woo.store.customers[till.shop["customer"]]
    child = Child(db_url, woo)
    child.kill_when(lambda: slow_request_applied(woo, "PUT", r"customers/\d+", lambda b: b["meta_data"][1]["value"]
                                                 == (meta(customer, POINTS + "_applied") or "")),
                    "the slow points delta applied")

    # A refund: on its order, unanswered.
    woo.faults.slow(delay=30, method="POST", path=r"orders/\d+/refunds")
    child = Child(db_url, woo)
    child.kill_when(lambda: slow_request_applied(woo, "POST", r"orders/\d+/refunds",
                                                 lambda b: any(meta(r, "_pos_uuid") == body_uuid(b)
                                                               for r in woo.refunds())),
                    "the slow refund made")

    rng = random.Random(int(os.environ.get("POSAPP_KILL_SEED", "11")))
    for _ in range(RANDOM_ROUNDS):
        child = Child(db_url, woo)
        time.sleep(rng.uniform(0.01, 0.3))
        child.kill()

    last = Child(db_url, woo)  # the restart: drains what is left and stops
    assert last.proc.wait(WAIT) == 0, last.proc.stderr.read().decode()[-2000:]
    last.proc.stdout.close()
    last.proc.stderr.close()

    orders = woo.orders()
    assert Counter(meta(o, "_pos_receipt") for o in orders) == Counter(s.number for s in sales)
    assert len({meta(o, "_pos_uuid") for o in orders}) == len(sales)
    assert sale_event(next(s for s in sales if s.number == number)).remote_id == str(
        woo.orders_with_meta("_pos_receipt", number)[0]["id"])
    refunds = woo.refunds()
    assert Counter(meta(r, "_pos_receipt") for r in refunds) == Counter(r.number for r in returned)
    by_id = {o["id"]: meta(o, "_pos_receipt") for o in orders}
    assert all(by_id[r["order_id"]] == next(x.original for x in returned if x.number == meta(r, "_pos_receipt"))
               for r in refunds)
    assert int(meta(customer, POINTS)) == 100 + till.uow.members.balance(member.id)
    assert till.uow.outbox.counts()["sent"] == queued and till.uow.sales.outbox_pending() == 0
    if db_url.startswith("sqlite"):
        assert sql("PRAGMA integrity_check") == [("ok",)]
