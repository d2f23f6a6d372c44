"""Work the benchmarks run in a fresh interpreter, so time and peak memory are not skewed by pytest.

    python bench_child.py import CSV DB     import_catalog of a CSV file into a migrated database
    python bench_child.py raw CSV DB        baseline: plain sqlite3 executemany of the same rows
    python bench_child.py build N DB        save_products(demo_products(N)) into a migrated database
    python bench_child.py hold DB           open a big catalog, scan and search a little, report RSS

Each prints one JSON object on its last line of output. Memory figures are in KiB.
"""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import sys
import time
from pathlib import Path


def _rss_kib() -> dict[str, int]:
    """Current and peak resident set size of this process, from /proc (KiB)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    out["ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


class Phases:
    """A progress callback for the catalog services that notes when each phase starts."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.marks or self.marks[-1][0] != phase:
            self.marks.append((phase, time.perf_counter()))

    def durations(self) -> dict[str, float]:
        return {name: round(self.marks[i + 1][1] - at, 4)
                for i, (name, at) in enumerate(self.marks[:-1])}


def _open(path: str):
    from posapp.storage import db as dbmod

    return dbmod.bind(f"sqlite:///{path}")


def cmd_import(csv_path: str, db_path: str) -> dict:
    from posapp.services import catalog
    from posapp.services.auth import SYSTEM
    from posapp.services.station import Station
    from posapp.storage.uow import UnitOfWork

    db = _open(db_path)
    station = Station(store_code="S001", terminal_code="T01", currency="CNY")
    uow = UnitOfWork()
    # Warm what a real run has loaded anyway (pinyin dictionaries, babel data).
    from posapp.domain.search_text import document
    document("牛奶", "milk", "X1")
    station.places
    before = _rss_kib()
    phases = Phases()
    start = time.perf_counter()
    result = catalog.import_catalog(uow, station, actor=SYSTEM, path=Path(csv_path), progress=phases)
    wall = time.perf_counter() - start
    after = _rss_kib()
    products = db.execute_sql("SELECT count(*) FROM product").fetchone()[0]
    barcodes = db.execute_sql("SELECT count(*) FROM barcode").fetchone()[0]
    db.close()
    return {"wall": wall, "phases": phases.durations(), "created": result.created,
            "products": products, "barcodes": barcodes, "rss_before": before, "rss_after": after}


def cmd_raw(csv_path: str, db_path: str) -> dict:
    """The same rows written by plain sqlite3: the floor for what the import's write can cost."""
    from posapp.domain.catalog_files import decode, parse_csv
    from posapp.domain.clock import utcnow
    from posapp.domain.money import rate_to_bp, to_minor
    from posapp.domain.search_text import document
    from posapp.storage.db import SQLITE_PRAGMAS

    document("牛奶", "milk", "X1")
    t0 = time.perf_counter()
    text, _ = decode(Path(csv_path).read_bytes())
    parsed = parse_csv(text)
    t1 = time.perf_counter()
    docs = [document(s.name, s.name_en, s.sku) for s in parsed.products]
    t2 = time.perf_counter()
    specs = parsed.products

    con = sqlite3.connect(db_path, isolation_level=None)
    for key, value in SQLITE_PRAGMAS.items():
        con.execute(f"PRAGMA {key} = {value}")
    tax = {bp: i for i, bp in con.execute("SELECT id, rate_bp FROM tax_class")}
    paths = sorted({s.category for s in specs if s.category})
    con.executemany("INSERT INTO category (name, parent_id, path) VALUES (?, NULL, ?)",
                    [(p.rsplit("/", 1)[-1], p) for p in paths])
    cats = dict(con.execute("SELECT path, id FROM category"))
    stamp = utcnow().isoformat(" ")
    product_rows = [(i + 1, s.sku, s.name, s.name_en, cats.get(s.category), s.unit,
                     tax[rate_to_bp(s.tax_rate)], to_minor(s.price, 2), s.active, s.weighed, None,
                     doc, stamp, stamp) for i, (s, doc) in enumerate(zip(specs, docs))]
    barcode_rows = [(code, i + 1) for i, s in enumerate(specs) for code in s.barcodes]
    t3 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO product (id, sku, name, name_en, category_id, unit, tax_class_id, price_minor, "
        "active, weighed, external_id, search_doc, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", product_rows)
    t4 = time.perf_counter()
    con.executemany("INSERT INTO barcode (code, product_id) VALUES (?, ?)", barcode_rows)
    t5 = time.perf_counter()
    con.execute("COMMIT")
    t6 = time.perf_counter()
    products = con.execute("SELECT count(*) FROM product").fetchone()[0]
    barcodes = con.execute("SELECT count(*) FROM barcode").fetchone()[0]
    con.close()
    return {"read_parse": t1 - t0, "documents": t2 - t1, "write": t6 - t3,
            "write_products": t4 - t3, "write_barcodes": t5 - t4, "commit": t6 - t5,
            "products": products, "barcodes": barcodes}


def cmd_build(count: str, db_path: str) -> dict:
    from posapp.demo import demo_products
    from posapp.services import catalog
    from posapp.services.auth import SYSTEM
    from posapp.services.station import Station
    from posapp.storage.uow import UnitOfWork

    t0 = time.perf_counter()
    specs = demo_products(int(count))
    generate = time.perf_counter() - t0
    db = _open(db_path)
    station = Station(store_code="S001", terminal_code="T01", currency="CNY")
    before = _rss_kib()
    phases = Phases()
    start = time.perf_counter()
    result = catalog.save_products(UnitOfWork(), station, actor=SYSTEM, specs=specs,
                                   source="benchmark", progress=phases)
    wall = time.perf_counter() - start
    after = _rss_kib()
    db.close()  # the last connection to close checkpoints and removes the WAL
    return {"generate": generate, "wall": wall, "phases": phases.durations(),
            "created": result.created, "rss_before": before, "rss_after": after}


def cmd_hold(db_path: str) -> dict:
    from posapp.domain.errors import NotFound
    from posapp.services import catalog
    from posapp.services.station import Station
    from posapp.storage.uow import UnitOfWork

    import posapp.domain.search_text  # noqa: F401  (loads pypinyin, as the app does)

    started = _rss_kib()
    db = _open(db_path)
    station = Station(store_code="S001", terminal_code="T01", currency="CNY")
    uow = UnitOfWork()
    top = db.execute_sql("SELECT max(id) FROM barcode").fetchone()[0]
    rng = random.Random(7)
    ids = rng.sample(range(1, top + 1), 2000)
    codes = [r[0] for r in db.execute_sql(
        f"SELECT code FROM barcode WHERE id IN ({','.join(map(str, ids))})").fetchall()]
    found = 0
    for code in codes:
        try:
            catalog.lookup_scan(uow, station, code)
            found += 1
        except NotFound:
            pass
    queries = ["nn", "kl", "牛奶", "可乐", "milk", "D00012", "n", "a", "光明 纯牛奶", "yogurt"]
    hits = sum(len(catalog.search_products(uow, q, limit=50)) for q in queries * 10)
    after = _rss_kib()
    db.close()
    return {"lookups": len(codes), "found": found, "searches": len(queries) * 10, "hits": hits,
            "rss_started": started, "rss_after": after}


COMMANDS = {"import": cmd_import, "raw": cmd_raw, "build": cmd_build, "hold": cmd_hold}

if __name__ == "__main__":
    out = COMMANDS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(out))
