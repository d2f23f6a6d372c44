"""Reports benchmark (issue 10): a year of sales with 1,000,000 sale lines; the daily sales report for a
month and the product report for the year, as JSON and as PDF, each beside the same report's raw SQL.

Setup (timed apart): a migrated SQLite file (every migration, the application's pragmas) with 20,000 demo
products written by save_products, a manager, a cashier and a shift, stock received for every product,
then the sales written with plain sqlite3 executemany: about 250,000 sales of 1-7 lines (so 1,000,000
lines) over 2025 in store hours of Asia/Shanghai, 3 % of them followed by a return of one line, with
consistent line totals, paid amounts, per-rate taxes and payments (cash with change, card, WeChat Pay).
No stock movements are written for the sales (the reports do not read them; the slow movers read
stock_level, which the receiving sets).

Measured (two rounds, alternating with the baseline):
  17. period_sales for June 2025 (the month, the previous period and the same month last year), then
      to_json + json.dumps as `posapp-admin report period --format json` does; product_report for 2025
      then to_json + json.dumps; the PDFs through posapp.services.report_files.write_report_pdf when
      that module is there. Baseline: the exact SQL statements the repositories sent during the service
      call (recorded from the connection), replayed with plain sqlite3 on the same file, rows fetched.

Sizes: POSAPP_BENCH_REPORT_LINES (1000000), POSAPP_BENCH_REPORT_PRODUCTS (20000). The built file is kept
and reused when POSAPP_BENCH_CACHE is set (name carries the sizes and a hash of migrations/ and this
file's generator version).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from benchlib import CACHE_DIR, ROOT, connect_raw, emit, fresh_db, load, recording

from posapp.demo import demo_products
from posapp.domain.users import Role
from posapp.services import catalog
from posapp.services.auth import SYSTEM, hash_pin
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

LINES = int(os.environ.get("POSAPP_BENCH_REPORT_LINES", "1000000"))
PRODUCTS = int(os.environ.get("POSAPP_BENCH_REPORT_PRODUCTS", "20000"))
GEN_VERSION = "1"
YEAR = 2025
MONTH = (date(2025, 6, 1), date(2025, 6, 30))
WHOLE_YEAR = (date(2025, 1, 1), date(2025, 12, 31))
UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai, no daylight saving
# Store hours 08:00-22:00 local, busier at noon and in the evening.
HOURS = list(range(8, 22))
HOUR_WEIGHTS = [2, 4, 6, 8, 9, 7, 5, 5, 6, 8, 10, 9, 6, 3]


def _fingerprint() -> str:
    h = hashlib.sha256(GEN_VERSION.encode())
    for f in sorted((ROOT / "migrations").glob("*.py")) + [ROOT / "posapp" / "demo.py"]:
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def _build(path: Path, station) -> dict:
    """The migrated file with products (save_products), users, a shift and LINES sale lines (sqlite3)."""
    out = {}
    fresh_db(path)
    database = dbmod.make_database(f"sqlite:///{path}")
    dbmod.database.initialize(database)
    database.connect()
    uow = UnitOfWork()
    t = time.perf_counter()
    specs = demo_products(PRODUCTS)
    catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="bench")
    out["products"] = time.perf_counter() - t
    manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    database.close()

    t = time.perf_counter()
    con = connect_raw(path)
    rng = random.Random(10)
    prods = con.execute("SELECT p.id, p.sku, p.name, p.unit, p.price_minor, t.code, t.rate_bp, p.weighed, "
                        "(SELECT MIN(code) FROM barcode b WHERE b.product_id = p.id) FROM product p "
                        "JOIN tax_class t ON t.id = p.tax_class_id ORDER BY p.id").fetchall()
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE product SET cost_minor = price_minor * 7 / 10 WHERE id % 3 <> 0")
    con.executemany("INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, at, location, ref, note) "
                    "VALUES (?, 'S001', ?, 'receiving', '2024-12-31 00:00:00', 'sellable', 'bench', '')",
                    [(p[0], rng.randint(1, 500) * 1000) for p in prods])
    con.execute("INSERT INTO shift (id, store_code, terminal_code, number, status, opened_by_id, opened_at, "
                "opening_float_minor, counted_detail) VALUES (1, 'S001', 'T01', 1, 'open', ?, "
                "'2024-12-31 23:00:00', 50000, '{}')", (manager.id,))
    # Popular products sell more: a skewed choice over the catalog.
    weights = [1.0 / (1 + i % 2000) ** 0.6 for i in range(len(prods))]
    rng.shuffle(weights)
    days = (date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days
    n_sales = max(1, LINES // 4)  # 1-7 lines a sale, 4 on average
    stamps = sorted(
        datetime(YEAR, 1, 1) + timedelta(days=rng.randrange(days), hours=h, seconds=rng.randrange(3600)) - UTC_OFFSET
        for h in rng.choices(HOURS, HOUR_WEIGHTS, k=n_sales))
    sales, lines, taxes, pays = [], [], [], []
    sale_id = line_id = 0
    lines_left = LINES
    returns_due: list[tuple] = []

    def add_sale(kind, at, picked, original=None):
        nonlocal sale_id, line_id
        sale_id += 1
        sign = -1 if kind == "return" else 1
        subtotal, by_rate = 0, {}
        for no, (p, qty_milli, discount, orig_no) in enumerate(picked, 1):
            line_id += 1
            total = sign * (p[4] * qty_milli // 1000 - discount)
            tax = None
            if kind == "return":
                tax = -round(-total * p[6] / (10000 + p[6]))
            lines.append((line_id, sale_id, no, p[0], p[1], p[2], p[3], sign * qty_milli, p[4], p[4], sign * discount,
                          total, p[5], p[6], p[7], p[8] or "", total, orig_no, "changed_mind" if orig_no else "", tax))
            subtotal += total
            by_rate[p[6]] = by_rate.get(p[6], 0) + total
        for rate, gross in by_rate.items():
            tax = round(gross * rate / (10000 + rate))
            taxes.append((sale_id, rate, gross, tax, gross - tax))
        rounding = change = 0
        tender = rng.choices(["cash", "card", "wechat"], [3, 3, 4])[0]
        if kind == "sale" and tender == "cash":
            rounding = -(subtotal % 10)
            tendered = -(-(subtotal + rounding) // 1000) * 1000 if rng.random() < 0.7 else subtotal + rounding
            change = tendered - subtotal - rounding
            pays.append((sale_id, "cash", subtotal + rounding, tendered, "", None))
        else:
            pays.append((sale_id, tender, subtotal, subtotal, "" if tender == "cash" else f"ref{sale_id}",
                         original if kind == "return" else None))
        sales.append((sale_id, f"S001-T01-{sale_id:08d}", at.strftime("%Y-%m-%d %H:%M:%S"), subtotal, subtotal,
                      rounding, change, kind, original, cashier.id))
        return sale_id

    for at in stamps:
        while returns_due and returns_due[0][0] <= at:
            r_at, orig, line = returns_due.pop(0)
            add_sale("return", r_at, [line], orig)
        if lines_left <= 0:
            break
        k = min(lines_left, rng.randint(1, 7))
        lines_left -= k
        picked = []
        for p in rng.choices(prods, weights, k=k):
            qty = rng.randint(200, 2500) if p[7] else rng.choices([1, 2, 3, 6], [70, 18, 8, 4])[0] * 1000
            gross = p[4] * qty // 1000
            discount = gross // 20 if rng.random() < 0.08 else 0
            picked.append((p, qty, discount, None))
        sid = add_sale("sale", at, picked)
        if rng.random() < 0.03:
            no = rng.randrange(len(picked))
            p, qty, discount, _ = picked[no]
            r_at = at + timedelta(hours=rng.randint(1, 24 * 7))
            returns_due.append((r_at, sid, (p, qty, discount, no + 1)))
            returns_due.sort(key=lambda r: r[0])
    con.executemany("INSERT INTO sale (id, number, store_code, terminal_code, shift_id, cashier_id, created_at, "
                    "currency, subtotal_minor, basket_discount_minor, total_minor, rounding_minor, change_minor, "
                    "promo_discount_minor, member_code, kind, original_id) "
                    "VALUES (?1, ?2, 'S001', 'T01', 1, ?10, ?3, 'CNY', ?4, 0, ?5, ?6, ?7, 0, NULL, ?8, ?9)", sales)
    con.executemany("INSERT INTO sale_line (id, sale_id, line_no, product_id, sku, name, unit, qty_milli, "
                    "unit_price_minor, list_price_minor, discount_minor, total_minor, tax_class, tax_rate_bp, weighed, "
                    "barcode, paid_minor, original_line_no, reason, tax_minor) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
    con.executemany("INSERT INTO sale_tax (sale_id, rate_bp, gross_minor, tax_minor, net_minor) VALUES (?, ?, ?, ?, ?)",
                    taxes)
    con.executemany("INSERT INTO payment (sale_id, tender, amount_minor, tendered_minor, reference, refund_of) "
                    "VALUES (?, ?, ?, ?, ?, ?)", pays)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    out["sales_write"] = time.perf_counter() - t
    out["sales"] = sum(1 for s in sales if s[7] == "sale")
    out["returns"] = len(sales) - out["sales"]
    out["lines"] = len(lines)
    return out


@pytest.fixture
def report_db(bench_dir, station):
    if CACHE_DIR:
        folder = Path(CACHE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"reports-{LINES}-{PRODUCTS}-{_fingerprint()}.db"
    else:
        path = bench_dir / f"reports-{LINES}.db"
    if path.exists():
        return path, None
    building = path.with_name(path.name + ".building")
    for stale in building.parent.glob(building.name + "*"):
        stale.unlink()
    t = time.perf_counter()
    out = _build(building, station)
    out["wall"] = time.perf_counter() - t
    for suffix in ("-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    building.rename(path)
    return path, out


def _raw(con, statements) -> tuple[float, int, list[float]]:
    t = time.perf_counter()
    rows, each = 0, []
    for sql, params in statements:
        t1 = time.perf_counter()
        rows += len(con.execute(sql, params).fetchall())
        each.append(time.perf_counter() - t1)
    return time.perf_counter() - t, rows, each


def test_reports(report_db, station, bench_dir):
    from posapp.services.product_reports import product_report
    from posapp.services.sales_reports import period_sales

    path, built = report_db
    load_before = load()
    database = dbmod.make_database(f"sqlite:///{path}")
    dbmod.database.initialize(database)
    database.connect()
    uow = UnitOfWork()
    con = connect_raw(path)
    counts = con.execute("SELECT (SELECT COUNT(*) FROM sale WHERE kind = 'sale'), "
                         "(SELECT COUNT(*) FROM sale WHERE kind = 'return'), (SELECT COUNT(*) FROM sale_line), "
                         "(SELECT COUNT(*) FROM product)").fetchone()
    actor = SYSTEM

    def run_period():
        report = period_sales(uow, station, actor=actor, start=MONTH[0], end=MONTH[1])
        t1 = time.perf_counter()
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1)
        return report, text, time.perf_counter() - t1

    def run_products():
        report = product_report(uow, station, actor=actor, start=WHOLE_YEAR[0], end=WHOLE_YEAR[1])
        t1 = time.perf_counter()
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1)
        return report, text, time.perf_counter() - t1

    results = {}
    for name, call in (("period", run_period), ("products", run_products)):
        rounds = []
        for _ in range(2):
            sent, stop = recording(database)
            t = time.perf_counter()
            try:
                report, text, dump = call()
            finally:
                stop()
            service = time.perf_counter() - t
            raw, raw_rows, each = _raw(con, sent)
            rounds.append((service, dump, raw, len(sent), raw_rows, len(text), each))
        results[name] = (rounds, report)

    pdfs = {}
    try:
        from posapp.services.report_files import write_report_pdf
    except Exception as exc:  # noqa: BLE001 - another issue's module may not be there yet
        pdfs = f"PDF: not available ({type(exc).__name__}: {exc})"
    else:
        for name, (start, end) in (("period", MONTH), ("products", WHOLE_YEAR)):
            out = bench_dir / f"report-{name}.pdf"
            try:
                t = time.perf_counter()
                write_report_pdf(uow, station, actor=actor, name=name, start=start, end=end, path=out)
                pdfs[name] = (time.perf_counter() - t, out.stat().st_size)
            except Exception as exc:  # noqa: BLE001
                pdfs[name] = f"PDF: not available ({type(exc).__name__}: {exc})"

    period_rounds, period = results["period"]
    product_rounds, products = results["products"]
    assert period.current.total.sales > 0 and len(products.products) > 0
    lines = [f"{counts[2]:,} sale lines in {counts[0]:,} sales and {counts[1]:,} returns, {counts[3]:,} products; "
             f"file {path.stat().st_size / 2**20:,.0f} MiB"]
    if built:
        lines.append(f"setup (not a figure): built in {built['wall']:.1f} s: save_products {built['products']:.1f} s, "
                     f"sales generated and written with sqlite3 executemany {built['sales_write']:.1f} s")
    else:
        lines.append(f"setup: reused {path} (POSAPP_BENCH_CACHE); build not timed in this run")

    def block(label, rounds, extra):
        lines.append(label + f" ({extra})")
        for i, (service, dump, raw, n_sql, raw_rows, size, each) in enumerate(rounds, 1):
            lines.append(f"  round {i}: service + JSON {service:7.3f} s (json.dumps {dump:.3f} s, {size / 1024:,.0f} KiB)"
                         f" | raw SQL {raw:7.3f} s ({n_sql} statements, {raw_rows:,} rows) | ratio {service / raw:5.2f}x")
            lines.append("           raw SQL by statement: " + ", ".join(f"{e:.3f} s" for e in each))

    block(f"period_sales {MONTH[0]}..{MONTH[1]} -> JSON", period_rounds,
          f"{period.current.total.sales:,} sales, previous period and last year included")
    block(f"product_report {WHOLE_YEAR[0]}..{WHOLE_YEAR[1]} -> JSON", product_rounds,
          f"{len(products.products):,} products, {len(products.slow_movers):,} slow movers")
    if isinstance(pdfs, str):
        lines.append(pdfs)
    else:
        for name, got in pdfs.items():
            if isinstance(got, str):
                lines.append(f"{name} {got}")
            else:
                base = min(r[2] for r in results[name][0])
                lines.append(f"{name} PDF: {got[0]:7.3f} s ({got[1] / 1024:,.0f} KiB) | raw SQL {base:.3f} s | "
                             f"ratio {got[0] / base:5.2f}x")
    lines.append(f"load average before {load_before}, after {load()}")
    emit(f"17. Reports on {counts[2]:,} sale lines (period month, product year)", lines)
    con.close()
    database.close()
