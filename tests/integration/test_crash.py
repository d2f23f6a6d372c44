"""Crash test: a till process completing sales is SIGKILLed at random points, many times.

Afterwards the database must pass its integrity check, every sale must be whole, receipt numbers
must have no gaps or duplicates, every sale the till saw committed must still be there, and the
journal must verify. The till is tests/integration/crash_child.py, run as a real subprocess.

POSAPP_CRASH_ROUNDS sets the number of kills per backend (default 25); POSAPP_CRASH_SEED fixes the
random choices (kill delays, the children's baskets) to replay a failure, timing aside.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, shifts
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.journal import receipt_number, receipt_sequence, verify_journal
from posapp.storage.db import sqlite_path

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHILD = HERE / "crash_child.py"
sys.path.insert(0, str(HERE))
from crash_child import CASHIER, CATALOG_SIZE, STATION  # noqa: E402

ROUNDS = int(os.environ.get("POSAPP_CRASH_ROUNDS", "25"))
KILL_AFTER = (0.05, 0.6)  # seconds after the child reported its first committed sale
FIRST_SALE_TIMEOUT = 30.0  # start-up plus one sale; generous for a loaded 2-core machine
CHILD_MAX_SECONDS = 90.0  # the child stops by itself after this, should everything else fail


@dataclass
class Round:
    no: int
    seed: int
    delay: float = 0.0
    reported: list[str] = field(default_factory=list)  # numbers the child saw committed
    killed_in_sale: bool = False  # the last thing the child said was "+": killed inside a sale


def _read_lines(stream, lines: list[str], first_sale: threading.Event) -> None:
    for raw in stream:
        if not raw.endswith(b"\n"):
            break  # a line cut by the kill (cannot happen with one write(2), but never trust it)
        line = raw.decode().strip()
        lines.append(line)
        if line != "+":
            first_sale.set()


def run_round(url: str, rnd: Round, err_dir: Path) -> None:
    """Start a child, let it sell, SIGKILL it at a random moment, and record what it reported."""
    err_path = err_dir / f"child-{rnd.no:03d}.stderr"
    lines: list[str] = []
    first_sale = threading.Event()
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(CHILD), url, str(rnd.seed), str(CHILD_MAX_SECONDS)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines, first_sale), daemon=True)
    reader.start()
    try:
        started = time.monotonic()
        while not first_sale.wait(0.02):
            if proc.poll() is not None or time.monotonic() - started > FIRST_SALE_TIMEOUT:
                break
        if not first_sale.is_set():
            proc.kill()
            proc.wait()
            pytest.fail(f"round {rnd.no} (seed {rnd.seed}): the child completed no sale "
                        f"(exit {proc.returncode}):\n{err_path.read_text(errors='replace')[-3000:]}")
        time.sleep(rnd.delay)
        if proc.poll() is not None:
            pytest.fail(f"round {rnd.no} (seed {rnd.seed}): the child stopped by itself before the kill "
                        f"(exit {proc.returncode}):\n{err_path.read_text(errors='replace')[-3000:]}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, f"round {rnd.no}: child exit {proc.returncode}"
    rnd.reported = [line for line in lines if line != "+"]
    rnd.killed_in_sale = bool(lines) and lines[-1] == "+"


def _rows(db, sql: str, params: tuple = ()) -> list[tuple]:
    return list(db.execute_sql(sql, params).fetchall())


def check_storage(url: str, db) -> list[str]:
    """The backend's own integrity checks; returns problems found."""
    problems = []
    path = sqlite_path(url)
    if path is not None:
        # A fresh connection, as the till would open after a crash (it also replays the WAL).
        conn = sqlite3.connect(str(path))
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                problems.append(f"PRAGMA integrity_check: {integrity[:20]}")
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"PRAGMA foreign_key_check: {fk[:20]}")
        finally:
            conn.close()
        return problems
    # PostgreSQL: the server outlived every kill; check it answers, and that no killed child's
    # transaction is still open (its locks would stall the next till).
    if _rows(db, "SELECT 1") != [(1,)]:
        problems.append("PostgreSQL did not answer SELECT 1")
    for _ in range(100):
        open_txns = _rows(db, "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                              "AND xact_start IS NOT NULL")
        if not open_txns:
            break
        time.sleep(0.05)
    else:
        problems.append(f"transactions of killed children still open on the server: {open_txns}")
    return problems


def check_sales(uow, *, reported: set[str]) -> tuple[list[str], int]:
    """Every sale whole, nothing orphaned, numbers gapless; returns (problems, number of sales)."""
    db = uow.db.obj
    problems: list[str] = []
    sales = _rows(db, "SELECT id, number, subtotal_minor, basket_discount_minor, total_minor, rounding_minor, "
                      "change_minor FROM sale ORDER BY id")
    number_of = {row[0]: row[1] for row in sales}
    n = len(sales)

    # Receipt numbers: exactly 1..N in the order the sales were written, and the counter says N.
    expected = [receipt_number(STATION.store_code, STATION.terminal_code, v) for v in range(1, n + 1)]
    numbers = [row[1] for row in sales]
    if numbers != expected:
        dupes = sorted(k for k, c in Counter(numbers).items() if c > 1)
        missing = sorted(set(expected) - set(numbers))
        problems.append(f"receipt numbers are not 1..{n}: duplicates {dupes[:10]}, missing {missing[:10]}, "
                        f"unexpected {sorted(set(numbers) - set(expected))[:10]}")
    counter = uow.sales.sequence_value(receipt_sequence(STATION.store_code, STATION.terminal_code))
    if counter != n:
        problems.append(f"the receipt sequence is at {counter} but there are {n} sales")

    # What the till was told was committed survived every kill.
    lost = sorted(reported - set(numbers))
    if lost:
        problems.append(f"{len(lost)} sales the till saw committed are gone: {lost[:10]}")

    lines: dict[int, list[tuple]] = {}
    for sale_id, line_no, product_id, qty_milli, total_minor in _rows(
            db, "SELECT sale_id, line_no, product_id, qty_milli, total_minor FROM sale_line "
                "ORDER BY sale_id, line_no"):
        lines.setdefault(sale_id, []).append((line_no, product_id, qty_milli, total_minor))
    payments: dict[int, list[tuple]] = {}
    for sale_id, tender, amount, tendered in _rows(
            db, "SELECT sale_id, tender, amount_minor, tendered_minor FROM payment ORDER BY id"):
        payments.setdefault(sale_id, []).append((tender, amount, tendered))
    movements: dict[int | None, list[tuple]] = {}
    for sale_id, product_id, qty_milli, reason in _rows(
            db, "SELECT sale_id, product_id, qty_milli, reason FROM stock_movement ORDER BY id"):
        movements.setdefault(sale_id, []).append((product_id, qty_milli, reason))
    taxes: dict[int, int] = {}
    for sale_id, gross in _rows(db, "SELECT sale_id, SUM(gross_minor) FROM sale_tax GROUP BY sale_id"):
        taxes[sale_id] = int(gross)
    journal = Counter(r[0] for r in _rows(db, "SELECT sale_id FROM journal_entry"))
    outbox = Counter()
    for key, topic, payload in _rows(db, "SELECT key, topic, payload FROM outbox_event"):
        body = json.loads(payload)
        outbox[key] += 1
        if topic != "sale.completed" or body.get("number") != key:
            problems.append(f"outbox event {key}: topic {topic!r}, payload number {body.get('number')!r}")
    prints = Counter(r[0] for r in _rows(db, "SELECT ref FROM print_job WHERE kind = 'receipt'"))
    audited = Counter(json.loads(r[0]).get("number") for r in _rows(
        db, "SELECT detail FROM audit_log WHERE action = 'sale_completed'"))

    for sale_id, number, subtotal, discount, total, rounding, change in sales:
        def bad(what: str) -> None:
            problems.append(f"sale {number} (id {sale_id}): {what}")

        its_lines = lines.get(sale_id, [])
        its_payments = payments.get(sale_id, [])
        if not its_lines:
            bad("has no lines")
        if not its_payments:
            bad("has no payments")
        if sum(ln[3] for ln in its_lines) != subtotal:
            bad(f"lines add up to {sum(ln[3] for ln in its_lines)}, subtotal is {subtotal}")
        if subtotal - discount != total:
            bad(f"subtotal {subtotal} - basket discount {discount} != total {total}")
        if sum(p[1] for p in its_payments) != total + rounding:
            bad(f"payments add up to {sum(p[1] for p in its_payments)}, total + rounding is {total + rounding}")
        if sum(p[2] - p[1] for p in its_payments) != change:
            bad(f"tendered - paid is {sum(p[2] - p[1] for p in its_payments)}, change is {change}")
        if its_lines and taxes.get(sale_id) != total:
            bad(f"tax lines cover {taxes.get(sale_id)}, total is {total}")
        wanted = Counter((ln[1], -ln[2], "sale") for ln in its_lines)
        moved = Counter(movements.get(sale_id, []))
        if moved != wanted:
            bad(f"stock movements {sorted(moved.elements())} do not mirror the lines {sorted(wanted.elements())}")
        for what, counts, key in (("journal entries", journal, sale_id), ("outbox events", outbox, number),
                                  ("receipt print jobs", prints, number), ("audit entries", audited, number)):
            if counts.get(key, 0) != 1:
                bad(f"has {counts.get(key, 0)} {what}, not 1")

    # Orphans: rows of a sale that is not there (a half-written sale would leave these).
    for table in ("sale_line", "sale_tax", "payment", "journal_entry"):
        orphans = _rows(db, f"SELECT DISTINCT t.sale_id FROM {table} t LEFT JOIN sale s ON s.id = t.sale_id "
                            "WHERE s.id IS NULL")
        if orphans:
            problems.append(f"{table} has rows of missing sales {sorted(r[0] for r in orphans)[:10]}")
    stray_movements = sorted(k for k in movements if k not in number_of)
    if stray_movements:
        problems.append(f"stock movements of missing sales (None = no sale) {stray_movements[:10]}")
    for what, counts in (("outbox events", outbox), ("receipt print jobs", prints), ("audit entries", audited)):
        stray = sorted(str(k) for k in counts if k not in set(numbers))
        if stray:
            problems.append(f"{what} for sales that do not exist: {stray[:10]}")

    report = verify_journal(uow)
    if not report.ok:
        problems.append(f"the journal does not verify: {report.problem}")
    elif n and report.terminals != {STATION.terminal_code: n}:
        problems.append(f"the journal checked {report.terminals}, expected {n} entries for T01")
    return problems, n


def _fail_if(problems: list[str], context: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:40])
        more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(f"{context}: {len(problems)} problems\n  {shown}{more}")


def test_sales_survive_being_killed_at_random_points(db_url, uow, backend, tmp_path):
    seed = int(os.environ.get("POSAPP_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    catalog.save_products(uow, STATION, actor=SYSTEM, specs=demo_products(CATALOG_SIZE), source="demo")
    cashier = uow.users.add(username=CASHIER, name="崩溃测试", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, STATION, actor=cashier, opening_float=Decimal("200.00"))

    started = time.monotonic()
    rounds = [Round(no=i + 1, seed=rng.randrange(2**32), delay=rng.uniform(*KILL_AFTER)) for i in range(ROUNDS)]
    for rnd in rounds:
        run_round(db_url, rnd, tmp_path)
    elapsed = time.monotonic() - started

    reported = [number for rnd in rounds for number in rnd.reported]
    context = f"{backend}, seed {seed} (POSAPP_CRASH_SEED), {ROUNDS} rounds"
    assert len(reported) == len(set(reported)), f"{context}: the children reported a number twice"
    _fail_if(check_storage(db_url, uow.db.obj), f"{context}: storage integrity")
    problems, n = check_sales(uow, reported=set(reported))
    _fail_if(problems, f"{context}: sales after the crashes")
    assert n > ROUNDS, f"{context}: only {n} sales in {ROUNDS} rounds: the children hardly sold"

    # The database still takes sales, and the next one continues the numbering.
    basket = _one_item_basket(uow)
    after = checkout.complete_sale(uow, STATION, actor=cashier, basket=basket, tendering=_paid(basket, "cash"))
    assert after.sale.number == receipt_number(STATION.store_code, STATION.terminal_code, n + 1)
    assert verify_journal(uow).ok

    in_sale = sum(rnd.killed_in_sale for rnd in rounds)
    unreported = n - len(reported)
    print(f"\n[crash {backend}] {ROUNDS} rounds, {n} sales ({len(reported)} reported committed, "
          f"{unreported} committed but killed before reporting), {in_sale} kills inside a sale, "
          f"{elapsed:.1f}s, seed {seed}")


def _one_item_basket(uow) -> Basket:
    basket = Basket()
    basket.add(catalog.find_sku(uow, demo_products(CATALOG_SIZE)[0].sku))
    return basket


def _paid(basket: Basket, tender: str) -> Tendering:
    tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.10"))
    tendering.add(tender, tendering.cash_due if tender == "cash" else tendering.remaining)
    return tendering


def test_a_sale_paid_without_cash_verifies_in_the_journal(uow):
    """Found by the crash test: amounts are hashed in canonical form (0 and 0.00 alike)."""
    catalog.save_products(uow, STATION, actor=SYSTEM, specs=demo_products(CATALOG_SIZE), source="demo")
    cashier = uow.users.add(username=CASHIER, name="c", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, STATION, actor=cashier, opening_float=Decimal("200.00"))
    basket = _one_item_basket(uow)
    checkout.complete_sale(uow, STATION, actor=cashier, basket=basket, tendering=_paid(basket, "card"))
    report = verify_journal(uow)
    assert report.ok, report.problem
