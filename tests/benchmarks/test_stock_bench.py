"""Stock benchmarks (issue 8): a count session of 50,000 lines, the variance report over 100,000 products,
and the label PDF for 1,000 products.

Each runs on its own SQLite file (every migration, the application's pragmas: WAL, synchronous=FULL),
with the catalog written by save_products (setup, timed apart) and stock received with plain sqlite3.

  14. Count session: start_count (snapshot), typed quantities through stock_counts.record_entry one by one
      (a transaction each, as a counter's terminal sends them: p50/p90/p99), the count sheet PDF,
      review_count and approve_count. Baselines on a copy of the same file, in the same run, with plain
      sqlite3: the snapshot's INSERT ... SELECT, one transaction per entry (find the product by SKU, find
      its line, insert the entry, commit), the review's query, the approval's movements in one transaction;
      and reportlab drawing the sheet's cells as plain text on as many pages.
  15. Variance report: a count over 100,000 products, 95 % counted (entries written with plain sqlite3):
      review_count, variance_report (PDF) and export_variances_csv. Baselines: the review's query from
      plain sqlite3 written with the csv module; reportlab drawing the same cells as plain text.
  16. Labels: label_items for 1,000 SKUs, print_labels in every layout (seconds, pages/s). Baselines:
      reportlab drawing the same texts without barcodes, and the 1,000 barcodes alone.

Sizes: POSAPP_BENCH_COUNT_LINES (50000), POSAPP_BENCH_COUNT_ENTRIES (as many as lines),
POSAPP_BENCH_VARIANCE_PRODUCTS (100000), POSAPP_BENCH_LABELS (1000). A quick try:
POSAPP_BENCH_COUNT_LINES=3000 POSAPP_BENCH_VARIANCE_PRODUCTS=5000 POSAPP_BENCH_LABELS=200.

reportlab's C accelerators (the optional rl_accel package) speed up every PDF here; each block says
whether they were installed.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest

from benchlib import connect_raw, emit, fresh_db, load, pct

from posapp.demo import demo_products
from posapp.domain.clock import utcnow
from posapp.domain.users import Role
from posapp.services import catalog, stock_counts, stock_reports
from posapp.services import stock as stock_svc
from posapp.services.auth import SYSTEM, hash_pin
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

LINES = int(os.environ.get("POSAPP_BENCH_COUNT_LINES", "50000"))
ENTRIES = int(os.environ.get("POSAPP_BENCH_COUNT_ENTRIES", str(LINES)))
VARIANCE_N = int(os.environ.get("POSAPP_BENCH_VARIANCE_PRODUCTS", "100000"))
LABELS = int(os.environ.get("POSAPP_BENCH_LABELS", "1000"))
STAMP = "2026-01-01 00:00:00"

# What CountRepository.review asks for, as plain SQL (the baseline of review_count).
REVIEW_SQL = (
    "WITH e AS (SELECT en.product_id, en.location, SUM(en.qty_milli) AS counted, MAX(en.at) AS counted_at, "
    "COUNT(*) AS n FROM stock_count_entry en JOIN stock_count_line l2 ON l2.count_id = en.count_id "
    "AND l2.product_id = en.product_id AND l2.location = en.location AND l2.round = en.round "
    "WHERE en.count_id = ? AND en.voided_by IS NULL AND en.problem = '' GROUP BY en.product_id, en.location) "
    "SELECT l.product_id, pr.sku, pr.name, COALESCE(c.path, ''), l.location, pr.unit, pr.weighed, l.snapshot_milli, "
    "COALESCE((SELECT SUM(m.qty_milli) FROM stock_movement m WHERE m.product_id = l.product_id "
    "AND m.location = l.location AND m.store_code = ? AND m.at > ? AND m.at <= COALESCE(e.counted_at, ?) "
    "AND m.ref <> ?), 0), e.counted, e.counted_at, l.unit_value_minor, l.value_basis, l.round, COALESCE(e.n, 0), "
    "l.posted_milli, (SELECT MIN(b.code) FROM barcode b WHERE b.product_id = l.product_id) "
    "FROM stock_count_line l JOIN product pr ON pr.id = l.product_id LEFT JOIN category c ON c.id = pr.category_id "
    "LEFT JOIN e ON e.product_id = l.product_id AND e.location = l.location WHERE l.count_id = ? "
    "ORDER BY COALESCE(c.path, ''), pr.sku, l.location")


def _accel() -> str:
    from reportlab.lib import rl_accel

    return "reportlab C accelerators (rl_accel) " + (
        "installed" if type(rl_accel.fp_str).__name__ == "builtin_function_or_method" else "NOT installed")


def _ms(values: list[float]) -> str:
    s = sorted(v * 1e3 for v in values)
    return (f"p50 {pct(s, 50):6.2f}  p90 {pct(s, 90):6.2f}  p99 {pct(s, 99):6.2f}  max {s[-1]:7.1f} ms  "
            f"(n={len(s):,}, {len(s) / (sum(s) / 1e3):,.0f}/s)")


def _timed(call):
    t = time.perf_counter()
    out = call()
    return out, time.perf_counter() - t


def _store(path: Path, station, n: int):
    """A migrated file with n demo products, a manager and a cashier, and stock received (plain sqlite3)."""
    fresh_db(path)
    database = dbmod.make_database(f"sqlite:///{path}")
    dbmod.database.initialize(database)
    database.connect()
    uow = UnitOfWork()
    specs = demo_products(n)
    _, save = _timed(lambda: catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="bench"))
    manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    rng = random.Random(8)
    with uow:
        rows = database.execute_sql("SELECT id, weighed FROM product ORDER BY id").fetchall()
        database.cursor().executemany(
            "INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, at, location, ref, note) "
            f"VALUES (?, 'S001', ?, 'receiving', '{STAMP}', 'sellable', 'bench', '')",
            [(pid, rng.randint(1, 60) * 1000 + (rng.randint(0, 999) if w else 0)) for pid, w in rows])
        # A cost for two products in three, so the values mix both bases.
        database.execute_sql("UPDATE product SET cost_minor = price_minor * 7 / 10 WHERE id % 3 <> 0")
        uow.commit()
    return database, uow, specs, manager, cashier, save


def _plain_pages(path: Path, rows: int, cells: list[str], per_page: int) -> tuple[int, float]:
    """Baseline: reportlab's canvas drawing rows of plain text cells, per_page rows a page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    t = time.perf_counter()
    pdf = canvas.Canvas(str(path), pagesize=A4, pageCompression=1)
    pages = 0
    for start in range(0, rows, per_page):
        pages += 1
        for r in range(min(per_page, rows - start)):
            y = 800 - r * 13
            pdf.setFont("STSong-Light", 7.5)
            pdf.drawString(90, y, cells[0])
            pdf.setFont("Helvetica", 7.5)
            for k, cell in enumerate(cells[1:]):
                pdf.drawString(30 + k * 60 if k else 30, y, cell)
        pdf.showPage()
    pdf.save()
    return pages, time.perf_counter() - t


def test_count_session(bench_dir, station):
    path = bench_dir / "count.db"
    database, uow, specs, manager, cashier, save = _store(path, station, LINES)
    database.close()
    raw_path = bench_dir / "count-raw.db"
    shutil.copy(path, raw_path)
    database.connect()

    count, t_start = _timed(lambda: stock_counts.start_count(uow, station, actor=manager))
    assert count.lines == LINES
    rng = random.Random(14)
    order = rng.sample(specs, min(ENTRIES, len(specs)))
    typed = [(s.sku, f"{rng.randint(0, 60)}" + (f".{rng.randint(0, 999):03d}" if s.weighed else "")) for s in order]
    latencies = []
    t = time.perf_counter()
    for sku, qty in typed:
        t0 = time.perf_counter()
        stock_counts.record_entry(uow, station, actor=cashier, number=count.number, sku=sku, qty=qty)
        latencies.append(time.perf_counter() - t0)
    t_entries = time.perf_counter() - t
    sheet, t_sheet = _timed(lambda: stock_reports.count_sheet(uow, station, actor=manager, number=count.number,
                                                              path=bench_dir / "sheet.pdf", locale="zh_CN"))
    sheet_pages = _pdf_pages(sheet)
    review, t_review = _timed(lambda: stock_counts.review_count(uow, actor=manager, number=count.number))
    assert review.totals.counted == len(typed) and review.totals.lines == LINES
    done, t_approve = _timed(lambda: stock_counts.approve_count(uow, station, actor=manager, number=count.number))
    assert done.count.status == "approved" and stock_svc.check_ledger(uow).ok
    sample = [ln for ln in done.review.lines if ln.counted is not None][:100]
    levels = uow.stock.on_hand(station.store_code, [ln.product_id for ln in sample])
    assert all(levels[ln.product_id] == ln.counted for ln in sample)  # nothing sold meanwhile: on hand is counted
    database.close()

    raw = _raw_session(raw_path, typed, posted=done.posted)
    sheet_cells = ["君乐宝 高钙奶粉 800g", "D0000001", "6935711000015", "袋", "可售"]
    plain_pages, t_plain = _plain_pages(bench_dir / "plain-sheet.pdf", LINES, sheet_cells, 31)
    extrapolated = (f"; {LINES:,} entries would take about {t_entries / len(typed) * LINES:,.0f} s"
                    if len(typed) < LINES else "")
    emit(f"14. A count session of {LINES:,} lines (seconds)", [
        f"SQLite file, every migration; {LINES:,} demo products written by save_products in {save:.1f} s (setup), "
        "stock received with plain sqlite3",
        f"start_count (snapshot of {count.lines:,} lines)                       {t_start:7.2f} s",
        f"record_entry, {len(typed):,} typed quantities one by one (a commit each)  {t_entries:7.1f} s{extrapolated}",
        f"  per entry: {_ms(latencies)}",
        f"count sheet PDF (zh_CN, blind): {sheet_pages:,} pages                  {t_sheet:7.2f} s "
        f"({sheet_pages / t_sheet:,.0f} pages/s)",
        f"review_count ({review.totals.lines:,} lines, {review.totals.counted:,} counted)              "
        f"{t_review:7.2f} s",
        f"approve_count ({done.posted:,} adjustments posted, one transaction)        {t_approve:7.2f} s",
        "baselines, plain sqlite3 on a copy of the same file, in the same run:",
        f"  snapshot INSERT ... SELECT                                     {raw['snapshot']:7.2f} s",
        f"  one transaction per entry (SKU, line, insert, commit): {_ms(raw['entries'])}",
        f"  the review's query, rows fetched                               {raw['review']:7.2f} s",
        f"  the approval's {done.posted:,} movements + posted marks in one transaction {raw['approve']:7.2f} s",
        f"  reportlab, the sheet's cells as plain text: {plain_pages:,} pages  {t_plain:7.2f} s "
        f"({plain_pages / t_plain:,.0f} pages/s)",
        f"service / baseline: snapshot {t_start / raw['snapshot']:.1f}x, entry p50 "
        f"{pct(sorted(latencies), 50) / pct(sorted(raw['entries']), 50):.1f}x, review {t_review / raw['review']:.1f}x, "
        f"approve {t_approve / raw['approve']:.1f}x",
        f"{_accel()}; load average {load()}",
    ])


def _raw_session(path: Path, typed: list[tuple[str, str]], *, posted: int) -> dict:
    con = connect_raw(path)
    out = {}
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    count_id = con.execute(
        "INSERT INTO stock_count (number, store_code, status, scope, blind, note, started_by, started_at, closed_note) "
        f"VALUES ('C-RAW', 'S001', 'open', '{{}}', 1, '', 1, '{STAMP}', '') RETURNING id").fetchone()[0]
    con.execute(
        "INSERT INTO stock_count_line (count_id, product_id, location, snapshot_milli, unit_value_minor, value_basis, "
        "round) SELECT ?, p.id, 'sellable', COALESCE(l.qty_milli, 0), COALESCE(p.cost_minor, p.price_minor), "
        "CASE WHEN p.cost_minor IS NULL THEN 'price' ELSE 'cost' END, 1 FROM product p LEFT JOIN stock_level l "
        "ON l.product_id = p.id AND l.store_code = 'S001' AND l.location = 'sellable' WHERE p.active = 1", (count_id,))
    con.execute("COMMIT")
    out["snapshot"] = time.perf_counter() - t
    out["entries"] = []
    for sku, qty in typed:
        t = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        pid = con.execute("SELECT id FROM product WHERE sku = ?", (sku,)).fetchone()[0]
        con.execute("SELECT id, round FROM stock_count_line WHERE count_id = ? AND product_id = ? AND location = ?",
                    (count_id, pid, "sellable")).fetchone()
        con.execute("INSERT INTO stock_count_entry (count_id, product_id, code, location, qty_milli, round, problem, "
                    "user_id, terminal_code, at) VALUES (?, ?, ?, 'sellable', ?, 1, '', 2, 'T01', ?)",
                    (count_id, pid, sku, int(float(qty) * 1000), str(utcnow())))
        con.execute("COMMIT")
        out["entries"].append(time.perf_counter() - t)
    now = str(utcnow())
    t = time.perf_counter()
    rows = con.execute(REVIEW_SQL, (count_id, "S001", STAMP, now, "count:C-RAW", count_id)).fetchall()
    out["review"] = time.perf_counter() - t
    counted = [r for r in rows if r[9] is not None][:posted]
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO stock_movement (product_id, store_code, qty_milli, reason, at, location, user_id, "
                    "ref, note) VALUES (?, 'S001', ?, 'count', ?, 'sellable', 1, 'count:C-RAW', '')",
                    [(r[0], r[9] - r[7], now) for r in counted])
    con.executemany("UPDATE stock_count_line SET posted_milli = ? WHERE count_id = ? AND product_id = ? "
                    "AND location = 'sellable'", [(r[9] - r[7], count_id, r[0]) for r in counted])
    con.execute("COMMIT")
    out["approve"] = time.perf_counter() - t
    con.close()
    return out


def _pdf_pages(path: Path) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", Path(path).read_bytes()))


def test_variance_report(bench_dir, station):
    path = bench_dir / "variance.db"
    database, uow, specs, manager, cashier, save = _store(path, station, VARIANCE_N)
    count = stock_counts.start_count(uow, station, actor=manager, at=utcnow() - timedelta(minutes=30))
    rng = random.Random(15)
    now = str(utcnow())
    with uow:
        lines = database.execute_sql("SELECT product_id, snapshot_milli FROM stock_count_line WHERE count_id = ?",
                                     (count.id,)).fetchall()
        entries = []
        for pid, snap in lines:
            if rng.random() < 0.95:  # counted: 80 % exactly, the rest a few units off either way
                off = 0 if rng.random() < 0.8 else rng.randint(-5, 3) * 1000
                entries.append((count.id, pid, "", "sellable", max(0, snap + off), 1, "", cashier.id, "T01", now))
        entries += [(count.id, None, f"69{n:011d}", "sellable", 1000, 1, "unknown", cashier.id, "T02", now)
                    for n in range(50)]
        database.cursor().executemany(
            "INSERT INTO stock_count_entry (count_id, product_id, code, location, qty_milli, round, problem, user_id, "
            "terminal_code, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entries)
        uow.commit()
    review, t_review = _timed(lambda: stock_counts.review_count(uow, actor=manager, number=count.number))
    pdf, t_pdf = _timed(lambda: stock_reports.variance_report(uow, station, actor=manager, number=count.number,
                                                              path=bench_dir / "variance.pdf", locale="zh_CN"))
    pages = _pdf_pages(pdf)
    rows, t_csv = _timed(lambda: stock_reports.export_variances_csv(uow, actor=manager, number=count.number,
                                                                    path=bench_dir / "variances.csv"))
    only, t_only = _timed(lambda: stock_reports.export_variances_csv(
        uow, actor=manager, number=count.number, path=bench_dir / "only.csv", only_variances=True))
    assert rows == VARIANCE_N == review.totals.lines and only == review.totals.with_variance
    database.close()

    con = connect_raw(path)
    t = time.perf_counter()
    raw = con.execute(REVIEW_SQL, (count.id, "S001", str(count.started_at), str(utcnow()), f"count:{count.number}",
                                   count.id)).fetchall()
    raw_query = time.perf_counter() - t
    t = time.perf_counter()
    with open(bench_dir / "raw.csv", "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(raw)
    raw_csv = time.perf_counter() - t
    con.close()
    assert len(raw) == VARIANCE_N
    cells = ["君乐宝 高钙奶粉 800g", "D0000001", "可售", "10", "7", "-3", "60.00", "成本", "-180.00"]
    plain_pages, t_plain = _plain_pages(bench_dir / "plain-variance.pdf", VARIANCE_N, cells, 52)
    totals = review.totals
    emit(f"15. Variance report over {VARIANCE_N:,} products (seconds)", [
        f"SQLite file, every migration; {VARIANCE_N:,} products by save_products in {save:.1f} s (setup); "
        f"{totals.counted:,} lines counted, {totals.with_variance:,} with a variance, {len(review.problems)} "
        "problem entries (plain sqlite3)",
        f"review_count                                          {t_review:7.2f} s",
        f"variance_report PDF (zh_CN): {pages:,} pages            {t_pdf:7.2f} s ({pages / t_pdf:,.0f} pages/s, "
        "review included)",
        f"export_variances_csv, {rows:,} rows                   {t_csv:7.2f} s (review included)",
        f"export_variances_csv only_variances, {only:,} rows     {t_only:7.2f} s",
        "baselines in the same run:",
        f"  plain sqlite3, the review's query                   {raw_query:7.2f} s",
        f"  csv module writing those rows                       {raw_csv:7.2f} s",
        f"  reportlab, the report's cells as plain text: {plain_pages:,} pages {t_plain:7.2f} s "
        f"({plain_pages / t_plain:,.0f} pages/s)",
        f"service / baseline: review {t_review / raw_query:.1f}x, CSV {t_csv / (raw_query + raw_csv):.1f}x, "
        f"PDF {(t_pdf - t_review) / t_plain:.1f}x (without the review)",
        f"totals: gains {totals.gain_value:,}, losses {totals.loss_value:,}, net {totals.net_value:,}",
        f"{_accel()}; load average {load()}",
    ])


def test_label_pdf(bench_dir, station):
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import eanbc
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from posapp.reports.labels_pdf import LAYOUTS

    database, uow, specs, manager, _cashier, save = _store(bench_dir / "labels.db", station, LABELS)
    skus = [s.sku for s in specs]
    items, t_items = _timed(lambda: stock_reports.label_items(uow, station, actor=manager, skus=skus))
    assert len(items) == LABELS
    lines = [f"SQLite file; {LABELS:,} demo products by save_products in {save:.1f} s (setup)",
             f"label_items for {LABELS:,} SKUs                       {t_items:7.3f} s"]
    for key, layout in LAYOUTS.items():
        runs = []
        for r in range(3):
            run, took = _timed(lambda: stock_reports.print_labels(uow, station, actor=manager, items=items, layout=key,
                                                                  path=bench_dir / f"labels-{key}.pdf", locale="zh_CN"))
            runs.append(took)
        assert run.pages == -(-LABELS // layout.per_page)
        best = min(runs)
        lines.append(f"print_labels {key:6} ({layout.columns}x{layout.rows}): {run.pages:3} pages, best of 3 "
                     f"{best:6.2f} s, median {statistics.median(runs):6.2f} s ({run.pages / best:,.1f} pages/s, "
                     f"{LABELS / best:,.0f} labels/s)")
    database.close()

    t = time.perf_counter()
    pdf = canvas.Canvas(str(bench_dir / "plain-labels.pdf"), pagesize=A4, pageCompression=1)
    for start in range(0, LABELS, 24):
        for i, it in enumerate(items[start:start + 24]):
            x, y = 20 + (i % 3) * 190, 800 - (i // 3) * 100
            pdf.setFont("STSong-Light", 11)
            pdf.drawString(x, y, it.name)
            pdf.setFont("Helvetica", 6)
            pdf.drawString(x, y - 10, it.name_en)
            pdf.drawString(x, y - 40, it.sku)
            pdf.setFont("Helvetica-Bold", 22)
            pdf.drawRightString(x + 180, y - 60, f"¥{it.price}")
        pdf.showPage()
    pdf.save()
    t_text = time.perf_counter() - t
    t = time.perf_counter()
    pdf = canvas.Canvas(str(bench_dir / "plain-barcodes.pdf"), pagesize=A4, pageCompression=1)
    for i, it in enumerate(items):
        widget = eanbc.Ean13BarcodeWidget(value=it.barcode[:12], barWidth=0.264 * mm, barHeight=10 * mm, fontSize=6)
        drawing = Drawing(30 * mm, 10 * mm)
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, 20 + (i % 3) * 190, 50 + (i // 3 % 8) * 100)
        if i % 24 == 23:
            pdf.showPage()
    pdf.save()
    t_bars = time.perf_counter() - t
    lines += ["baselines in the same run (reportlab, 24 a page):",
              f"  the labels' texts without barcodes                {t_text:7.2f} s",
              f"  the {LABELS:,} EAN-13 barcodes alone (renderPDF)      {t_bars:7.2f} s",
              f"{_accel()}; load average {load()}"]
    emit(f"16. Shelf labels for {LABELS:,} products (seconds)", lines)
