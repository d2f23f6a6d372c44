"""Fixtures for the benchmarks: a tmp dir, the station, and the million-product catalog."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

import benchlib
from benchlib import BIG_N, CACHE_DIR, ROOT, emit, fresh_db, mib, run_child

from posapp.services.station import Station


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="session")
def bench_results() -> dict:
    """Figures one benchmark reports and a later one (the memory summary) repeats."""
    return {}


@pytest.fixture
def station() -> Station:
    return Station(store_code="S001", terminal_code="T01", currency="CNY")


def _fingerprint() -> str:
    """What the cached catalog depends on: the schema, the demo data and the search documents."""
    h = hashlib.sha256()
    files = sorted((ROOT / "migrations").glob("*.py")) + [
        ROOT / "posapp" / "demo.py", ROOT / "posapp" / "demo_words.py", ROOT / "posapp" / "domain" / "search_text.py",
        ROOT / "posapp" / "storage" / "catalog_repo.py"]
    for f in files:
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


@pytest.fixture(scope="session")
def big_catalog(bench_dir, bench_results) -> Path:
    """A migrated SQLite file holding BIG_N demo products, built once per run by save_products.

    With POSAPP_BENCH_CACHE set, the file is kept there and reused by later runs while the
    schema, demo data and search code are unchanged (the build is then not timed again).
    """
    if CACHE_DIR:
        folder = Path(CACHE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"catalog-{BIG_N}-{_fingerprint()}.db"
    else:
        path = bench_dir / f"catalog-{BIG_N}.db"
    title = f"0. Building the {BIG_N:,}-product catalog (save_products of demo_products)"
    if path.exists():
        emit(title, [f"reused {path} (POSAPP_BENCH_CACHE); build not timed in this run"])
        return path
    building = path.with_name(path.name + ".building")
    for stale in building.parent.glob(building.name + "*"):
        stale.unlink()
    fresh_db(building)
    load_before = benchlib.load()
    started = time.perf_counter()
    out = run_child("build", str(BIG_N), str(building), timeout=3000)
    elapsed = time.perf_counter() - started
    building.rename(path)
    con = sqlite3.connect(str(path))
    products, barcodes = (con.execute("SELECT count(*) FROM product").fetchone()[0],
                          con.execute("SELECT count(*) FROM barcode").fetchone()[0])
    con.close()
    assert products == BIG_N and out["created"] == BIG_N
    ph = out["phases"]
    peak = out["rss_after"].get("VmHWM", out["rss_after"]["ru_maxrss"])
    bench_results["build"] = out
    lines = [
        f"save_products wall time    {out['wall']:8.1f} s   ({BIG_N / out['wall']:,.0f} products/s)",
        f"  checking (permissions, tax classes, barcode conflicts, categories) {ph.get('checking', 0):6.1f} s",
        f"  preparing rows (search documents, prices)                          {ph.get('preparing', 0):6.1f} s",
        f"  writing (executemany product+FTS triggers, barcodes, commit)        {ph.get('writing', 0):6.1f} s",
        f"demo_products({BIG_N:,}) (not part of the figure above) {out['generate']:.1f} s",
        f"peak RSS of the building process {mib(peak)} "
        f"(of which before save_products: {mib(out['rss_before']['VmRSS'])})",
        f"database file {path.stat().st_size / 2**20:,.0f} MiB; {products:,} products, {barcodes:,} barcodes",
        f"whole fixture incl. interpreter start {elapsed:.1f} s; load average before {load_before}, "
        f"after {benchlib.load()}",
    ]
    emit(title, lines)
    return path


def pytest_terminal_summary(terminalreporter):
    if not benchlib.BLOCKS:
        return
    terminalreporter.section("posapp benchmark figures")
    terminalreporter.write_line(f"machine: {benchlib.machine()}; load average now {benchlib.load()}")
    for block in benchlib.BLOCKS:
        terminalreporter.write_line(block)
