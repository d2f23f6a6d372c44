"""Returns benchmark: how long a cashier waits for a receipt's sale to come up (find_returnable) and for
a return to commit (take_return, one unit of one line, synchronous=FULL), on a SQLite file with 2,000
products and 400 five-line sales already in it.

Baselines measured in the same run: a one-line sale committed through checkout.complete_sale (what a
return is compared with at the till), and plain sqlite3 writing the same rows a return writes (the
document, its line, its refund, the stock movement, the journal entry) in one transaction.
"""

from __future__ import annotations

import random
import statistics
import time
from decimal import Decimal

import pytest

from benchlib import connect_raw, emit, fresh_db, load, pct

from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.returns import Asked
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, returns, shifts
from posapp.services.auth import SYSTEM, hash_pin
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

PRODUCTS = 2000
SALES = 400
LINES = 5


def _stats(values: list[float]) -> str:
    s = sorted(v * 1e3 for v in values)
    return (f"p50 {pct(s, 50):7.3f}  p90 {pct(s, 90):7.3f}  p99 {pct(s, 99):7.3f}  max {s[-1]:7.2f}  "
            f"mean {statistics.fmean(s):7.3f}  (n={len(s):,})")


def test_find_and_take_returns(bench_dir, station):
    path = fresh_db(bench_dir / "returns.db")
    database = dbmod.make_database(f"sqlite:///{path}")
    dbmod.database.initialize(database)
    database.connect()
    uow = UnitOfWork()
    specs = [s for s in demo_products(PRODUCTS) if not s.weighed]
    catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="bench")
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=Decimal("200"))
    rng = random.Random(5)
    skus = [s.sku for s in specs]
    t = time.perf_counter()
    numbers = []
    for _ in range(SALES):
        basket = Basket()
        for sku in rng.sample(skus, LINES):
            basket.add(uow.catalog.by_sku(sku), qty=Decimal(rng.randint(1, 3)))
        tendering = Tendering(total=basket.totals().total)
        tendering.add("cash", tendering.cash_due)
        numbers.append(checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering).sale.number)
    setup = time.perf_counter() - t

    found, taken, sold = [], [], []
    for number in numbers:
        t = time.perf_counter()
        seen = returns.find_returnable(uow, station, number)
        found.append(time.perf_counter() - t)
        line = rng.choice([n for n, q in seen.left.items() if q])
        t = time.perf_counter()
        done = returns.take_return(uow, station, actor=cashier, number=number, asked=[Asked(line, Decimal(1), "other")])
        taken.append(time.perf_counter() - t)
        assert done.sale.total < 0
        basket = Basket()
        basket.add(uow.catalog.by_sku(rng.choice(skus)), qty=Decimal(1))
        tendering = Tendering(total=basket.totals().total)
        tendering.add("cash", tendering.cash_due)
        t = time.perf_counter()
        checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering)
        sold.append(time.perf_counter() - t)
    database.close()

    con = connect_raw(path)
    raw = []
    for i in range(SALES):
        t = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        sale_id = con.execute(
            "INSERT INTO sale (number, store_code, terminal_code, shift_id, cashier_id, created_at, currency, "
            "subtotal_minor, basket_discount_minor, total_minor, rounding_minor, change_minor, promo_discount_minor, "
            "kind, original_id) VALUES (?, 'S001', 'T01', 1, 1, '2026-11-23 06:00:00', 'CNY', -990, 0, -990, 0, 0, 0, "
            "'return', 1) RETURNING id", (f"RAW-{i}",)).fetchone()[0]
        con.execute("INSERT INTO sale_line (sale_id, line_no, product_id, sku, name, unit, qty_milli, unit_price_minor, "
                    "list_price_minor, discount_minor, total_minor, tax_class, tax_rate_bp, weighed, barcode, paid_minor, "
                    "original_line_no, reason, damaged, tax_minor) VALUES (?, 1, 1, 'X', 'x', 'pcs', -1000, 990, 990, 0, "
                    "-990, 'standard', 1300, 0, '', -990, 1, 'other', 0, -114)", (sale_id,))
        con.execute("INSERT INTO payment (sale_id, tender, amount_minor, tendered_minor, reference, refund_of) "
                    "VALUES (?, 'cash', -990, -990, '', 0)", (sale_id,))
        con.execute("INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, sale_id, at, location) "
                    "VALUES (1, 'S001', 1000, 'return', ?, '2026-11-23 06:00:00', 'sellable')", (sale_id,))
        con.execute("INSERT INTO journal_entry (sale_id, terminal_code, prev_hash, content_hash, entry_hash, content) "
                    "VALUES (?, 'T99', 'p', 'c', ?, '{}')", (sale_id, f"raw-{i}"))
        con.execute("COMMIT")
        raw.append(time.perf_counter() - t)
    con.close()

    emit("11. Returns at the till (milliseconds)", [
        f"SQLite file (synchronous=FULL), every migration; {len(specs):,} products, {SALES} sales of {LINES} lines "
        f"made through the checkout in {setup:.1f} s (setup)",
        f"find_returnable (the receipt scanned: sale, earlier returns, what is left)  {_stats(found)}",
        f"take_return (one unit of one line, refund in cash)                         {_stats(taken)}",
        "baselines in the same run:",
        f"  complete_sale, a one-line sale                                           {_stats(sold)}",
        f"  plain sqlite3, a return's rows in one transaction                         {_stats(raw)}",
        f"load average {load()}",
    ])
