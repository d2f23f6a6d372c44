"""Sync benchmarks (issue 7): the initial pull of 100,000 products from the local fake WooCommerce shop, and
draining 10,000 queued sales to it.

The shop runs in a child process (woo_server.py, on another interpreter and CPU, as a real shop would), so
its work never shares the benchmark's GIL; its CPU time is read from /proc around each phase. The sync
client's requests all go through WooClient._send, which these benchmarks wrap on the instance (the code is
not changed) to split each run into the time spent waiting on HTTP (inside httpx's request: sending, the
shop working, receiving) and the time spent in the POS (everything else: JSON decoding, checks, building
records and bodies, SQLite).

The fake sets TCP_NODELAY on its sockets, as production web servers do (without it every small answer
waited ~40 ms for a delayed ACK).

Baselines measured in the same run: plain httpx doing the same requests (the shop plus transport floor), and
plain sqlite3 writing the same rows (the database floor).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import httpx
import pytest

from benchlib import HERE, ROOT, connect_raw, emit, fresh_db, load, machine, pct

from posapp.config import SyncConfig
from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import checkout, shifts
from posapp.services.auth import hash_pin
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork
from posapp.sync.pull import pull_catalog
from posapp.sync.push import push_pending
from posapp.sync.woo_connector import WooConnector

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

PRODUCTS = int(os.environ.get("POSAPP_BENCH_SYNC_PRODUCTS", "100000"))
SALES = int(os.environ.get("POSAPP_BENCH_SYNC_SALES", "10000"))
CATEGORIES = 50
DRAIN_CATALOG = 2000  # the catalog the sales are rung up from
DRAIN_CATEGORIES = 20
API = "/wp-json/wc/v3/"
DELTA = {"dates_are_gmt": "true", "orderby": "modified", "order": "asc"}  # what the first pull asks for

def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# --- the shop in a child process -------------------------------------------------------------------

@dataclass
class Shop:
    url: str
    key: str
    secret: str
    seeded_s: float
    pid: int

    def cpu(self) -> float:
        """CPU seconds (user + system) the shop's process has used so far; NaN where /proc is missing."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    def config(self) -> SyncConfig:
        return SyncConfig(connector="woocommerce", url=self.url, key=self.key, secret=self.secret,
                          timeout_seconds=120.0)

    def plain(self) -> httpx.Client:
        """A plain httpx client to the shop (the baselines), as WooClient makes its own."""
        return httpx.Client(base_url=self.url + API, auth=(self.key, self.secret), timeout=120.0,
                            headers={"Accept": "application/json"})


@contextmanager
def child_shop(products: int, categories: int):
    args = [str(HERE / "woo_server.py"), str(products), str(categories)]
    proc = subprocess.Popen([sys.executable, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"the shop's process ended before it was ready (exit {proc.wait(30)})")
        info = json.loads(line)
        yield Shop(info["url"], info["key"], info["secret"], info["seeded_s"], proc.pid)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _total_of(client: httpx.Client, path: str) -> int:
    response = client.get(path, params={"per_page": 1})
    response.raise_for_status()
    return int(response.headers["X-WP-Total"])


# --- timing what the sync code does, without changing it --------------------------------------------

@dataclass
class Wire:
    """Wraps one WooClient: every _send (method, path, params, body) is recorded with its time, and the
    httpx request inside it is timed on its own (the wait on the shop and the transport)."""

    client: object
    keep_bodies: bool = False
    calls: list = field(default_factory=list)  # (method, path, params, body or None, send s, http s)
    send_s: float = 0.0
    http_s: float = 0.0

    def __post_init__(self):
        send, request = self.client._send, self.client.http.request

        def timed_request(*args, **kwargs):
            t = time.perf_counter()
            try:
                return request(*args, **kwargs)
            finally:
                self.http_s += time.perf_counter() - t

        def timed_send(method, path, *, params=None, body=None):
            t, http = time.perf_counter(), self.http_s
            try:
                return send(method, path, params=params, body=body)
            finally:
                took = time.perf_counter() - t
                self.send_s += took
                self.calls.append((method, path, dict(params or {}), body if self.keep_bodies else None, took,
                                   self.http_s - http))

        self.client.http.request = timed_request
        self.client._send = timed_send

    def http_times(self, path: str | None = None) -> list[float]:
        return [c[5] for c in self.calls if path is None or c[1] == path]

    def send_time(self, path: str) -> float:
        return sum(c[4] for c in self.calls if c[1] == path)


class Timer:
    """Total time spent in what it wraps. Only attributes of objects the benchmark made are wrapped
    (a connector, a unit of work and its repositories), so the sync code's private names do not matter."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.each: dict[str, list[float]] = {}

    def _add(self, name: str, took: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + took
        self.each.setdefault(name, []).append(took)

    def wrap(self, obj, attr: str, name: str | None = None) -> None:
        """Time every call of obj.attr (set on the instance)."""
        fn, name = getattr(obj, attr), name or attr
        self.seconds.setdefault(name, 0.0)
        self.each.setdefault(name, [])

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._add(name, time.perf_counter() - t)
        setattr(obj, attr, timed)

    def wrap_pages(self, obj, attr: str, inside: str, outside: str) -> None:
        """obj.attr returns an iterator of pages: the time getting each page (inside) and the time the caller
        spends on it before asking for the next one (outside) are timed apart."""
        fn = getattr(obj, attr)
        self.seconds.setdefault(inside, 0.0)
        self.seconds.setdefault(outside, 0.0)

        def timed(*args, **kwargs):
            pages = iter(fn(*args, **kwargs))
            while True:
                t = time.perf_counter()
                try:
                    page = next(pages)
                except StopIteration:
                    self._add(inside, time.perf_counter() - t)
                    return
                self._add(inside, time.perf_counter() - t)
                t = time.perf_counter()
                yield page
                self._add(outside, time.perf_counter() - t)
        setattr(obj, attr, timed)


def _slowest(wire: Wire, n: int = 3) -> str:
    calls = sorted(wire.calls, key=lambda c: -c[5])[:n]
    return ", ".join(f"{c[0]} {c[1]}{'?page=' + str(c[2]['page']) if 'page' in c[2] else ''} {c[5] * 1e3:,.0f} ms"
                     for c in calls)


def _busy(shop_cpu: float, wall: float) -> str:
    """Whether the fake shop (one process, one GIL) limited the run: its CPU time over the wall time."""
    share = shop_cpu / wall if wall else float("nan")
    verdict = "the shop was the bottleneck" if share > 0.8 else "the shop was not the bottleneck"
    return f"the shop's process was busy {100 * share:.0f} % of the wall time: {verdict}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "  n/a"


def _mean_ms(values: list[float]) -> float:
    return 1e3 * sum(values) / len(values) if values else float("nan")


def _ms_stats(values: list[float]) -> str:
    s = sorted(v * 1e3 for v in values)
    return f"p50 {pct(s, 50):6.2f}  p99 {pct(s, 99):6.2f}  max {s[-1]:7.2f} ms" if s else "n/a"


def _ends(values: list[float], part: int = 10) -> str:
    """Mean of the first and last tenth: whether the cost per item grows as the run goes on."""
    k = max(1, len(values) // part)
    return f"first {k:,}: {_mean_ms(values[:k]):6.2f} ms, last {k:,}: {_mean_ms(values[-k:]):6.2f} ms"


def _open_db(path):
    fresh_db(path)
    database = dbmod.make_database(f"sqlite:///{path}")
    dbmod.database.initialize(database)
    database.connect()
    return database


# --- 1. the initial pull -------------------------------------------------------------------------------

def test_initial_pull_of_100k_products(bench_dir, station):
    load_before = load()
    with child_shop(PRODUCTS, CATEGORIES) as shop, shop.plain() as plain:
        database = _open_db(bench_dir / "pull.db")
        uow = UnitOfWork()
        # The fake sorts its products once per query (a real shop has an index): not part of either figure.
        plain.get("products", params={**DELTA, "page": 1, "per_page": 100}).raise_for_status()

        timer = Timer()
        timer.wrap(uow.sync_pull, "write", "repo write")
        timer.wrap(uow, "commit")
        with WooConnector(shop.config()) as connector:
            wire = Wire(connector.client)
            timer.wrap_pages(connector, "fetch_product_changes", "read page", "write page")
            shop_cpu, cpu = shop.cpu(), time.process_time()
            t = time.perf_counter()
            reports = pull_catalog(uow, connector, station=station, now=utcnow())
            pulled = time.perf_counter() - t
            cpu, shop_cpu = time.process_time() - cpu, shop.cpu() - shop_cpu

        by_kind = {r.what: r for r in reports}
        assert not [r.rejected for r in reports if r.rejected], [r.rejected for r in reports]
        products = by_kind["products"]
        assert products.created == PRODUCTS, products
        with uow:
            linked = database.execute_sql("SELECT count(*) FROM product WHERE external_id IS NOT NULL").fetchone()[0]
            barcodes = database.execute_sql("SELECT count(*) FROM barcode").fetchone()[0]
        assert linked == PRODUCTS and barcodes == PRODUCTS, (linked, barcodes)
        # A sample read back from the shop: the till sells each at the shop's price under its barcode.
        with uow:
            sample = [r[0] for r in database.execute_sql(
                "SELECT external_id FROM product WHERE external_id IS NOT NULL ORDER BY random() LIMIT 20").fetchall()]
        shop_items = plain.get("products", params={"include": ",".join(sample), "per_page": 100}).json()
        assert len(shop_items) == len(sample)
        for item in shop_items:
            local = uow.catalog.by_sku(item["sku"])
            assert local is not None and local.price == Decimal(item["regular_price"]), (item["sku"], local)
            assert local.barcodes == (item["global_unique_id"],), (item["sku"], local.barcodes)
            assert local.active and local.category, local

        # Baseline A: the same GETs with plain httpx, JSON decoded (the shop and the transport, no POS).
        gets = [(c[1], c[2]) for c in wire.calls if c[0] == "GET"]
        assert len(gets) == len(wire.calls)
        product_pages = [p for path, p in gets if path == "products"]
        assert len(product_pages) == -(-PRODUCTS // 100), len(product_pages)
        base_shop_cpu = shop.cpu()
        t = time.perf_counter()
        items = 0
        for path, params in gets:
            response = plain.get(path, params=params)
            response.raise_for_status()
            items += len(response.json())
        baseline_http = time.perf_counter() - t
        base_shop_cpu = shop.cpu() - base_shop_cpu
        assert items >= PRODUCTS
        database.close()

    # Baseline B: plain sqlite3 writes the pulled rows (products with their FTS trigger, barcodes, the
    # categories they reference) into a fresh migrated file in one transaction.
    src = connect_raw(bench_dir / "pull.db")
    cat_cols = [r[1] for r in src.execute("PRAGMA table_info(category)")]
    prod_cols = [r[1] for r in src.execute("PRAGMA table_info(product)")]
    cats = src.execute(f"SELECT {', '.join(cat_cols)} FROM category ORDER BY id").fetchall()
    rows = src.execute(f"SELECT {', '.join(prod_cols)} FROM product ORDER BY id").fetchall()
    codes = src.execute("SELECT code, product_id FROM barcode ORDER BY id").fetchall()
    src.close()
    raw_path = fresh_db(bench_dir / "pull-raw.db")
    con = connect_raw(raw_path)
    con.execute("DELETE FROM category")  # what the migrations seeded is in the pulled file's rows too
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany(f"INSERT OR REPLACE INTO category ({', '.join(cat_cols)}) VALUES "
                    f"({', '.join('?' * len(cat_cols))})", cats)
    con.executemany(f"INSERT INTO product ({', '.join(prod_cols)}) VALUES ({', '.join('?' * len(prod_cols))})", rows)
    con.executemany("INSERT INTO barcode (code, product_id) VALUES (?, ?)", codes)
    con.execute("COMMIT")
    raw_write = time.perf_counter() - t
    assert con.execute("SELECT count(*) FROM product_fts").fetchone()[0] >= PRODUCTS
    con.close()

    s = timer.seconds
    http, in_send = wire.http_s, wire.send_s - wire.http_s
    pos = pulled - http
    reading = s["read page"] - wire.send_time("products")
    writing = s["write page"]
    other = pulled - http - in_send - reading - writing
    requests = len(wire.calls)
    emit(f"12. Initial pull of {PRODUCTS:,} products from the fake WooCommerce shop", [
        f"shop: fake WooCommerce in a child process, {PRODUCTS:,} simple products in {CATEGORIES} categories "
        f"(seeded in {shop.seeded_s:.1f} s); till: fresh SQLite file (synchronous=FULL), every migration",
        f"pull_catalog: {pulled:7.1f} s  {PRODUCTS / pulled:8,.0f} products/s   {requests:,} requests "
        f"({len(product_pages):,} product pages of 100), {products.pages:,} page transactions",
        f"  waiting on HTTP (inside httpx's request: send, shop, receive) {http:7.1f} s  {_share(http, pulled)}"
        f"   per request {_ms_stats(wire.http_times())}",
        f"  in the POS                                                    {pos:7.1f} s  {_share(pos, pulled)}",
        f"    _send around the request (JSON decode, status checks)      {in_send:7.1f} s  {_share(in_send, pulled)}",
        f"    reading product pages into records (field checks)          {reading:7.1f} s  {_share(reading, pulled)}",
        f"    writing product pages, one transaction each                {writing:7.1f} s  {_share(writing, pulled)}",
        f"      SyncPullRepository.write (rows, barcodes, FTS, shop cols) {s['repo write']:7.1f} s  "
        f"{_share(s['repo write'], pulled)}",
        f"      commits (synchronous=FULL)                               {s['commit']:7.1f} s  "
        f"{_share(s['commit'], pulled)}",
        f"      the rest (checks, lookups by shop id and SKU, cursor)    "
        f"{writing - s['repo write'] - s['commit']:7.1f} s  {_share(writing - s['repo write'] - s['commit'], pulled)}",
        f"    the rest (categories, coupons, paging)                     {other:7.1f} s  {_share(other, pulled)}",
        f"  slowest requests (HTTP wait): {_slowest(wire)}",
        f"  per product page: HTTP wait {_ends(wire.http_times('products'))}; writing {_ends(timer.each['write page'])}",
        f"  CPU: this process {cpu:.1f} s, the shop's process {shop_cpu:.1f} s (of {pulled:.1f} s wall); "
        f"{_busy(shop_cpu, pulled)}",
        "baselines in the same run:",
        f"  A. plain httpx, the same {requests:,} GETs, JSON decoded: {baseline_http:7.1f} s "
        f"{PRODUCTS / baseline_http:8,.0f} products/s (shop CPU {base_shop_cpu:.1f} s): the shop + transport floor",
        f"  B. plain sqlite3, the same {len(rows):,} product rows + {len(codes):,} barcodes (FTS trigger) "
        f"in one transaction: {raw_write:6.1f} s {len(rows) / raw_write:8,.0f} rows/s",
        f"  pull / (A + B) = {pulled / (baseline_http + raw_write):.2f}x",
        f"machine: {machine()}; load average before {load_before}, after {load()}",
    ])


# --- 2. draining queued sales ----------------------------------------------------------------------------

def _ring_up(uow, station, cashier, products: list, rng: random.Random) -> None:
    basket = Basket()
    for product in rng.sample(products, rng.randint(1, 3)):
        basket.add(product, qty=Decimal(rng.randint(1, 2)))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("cash", tendering.cash_due)
    checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering)


def test_drain_10k_sales(bench_dir, station):
    load_before = load()
    with child_shop(DRAIN_CATALOG, DRAIN_CATEGORIES) as shop, shop.plain() as plain:
        database = _open_db(bench_dir / "drain.db")
        uow = UnitOfWork()
        with WooConnector(shop.config()) as connector:
            t = time.perf_counter()
            reports = pull_catalog(uow, connector, station=station, now=utcnow())
            pulled = time.perf_counter() - t
        assert not [r.rejected for r in reports if r.rejected]
        with uow:
            skus = [r[0] for r in database.execute_sql(
                "SELECT sku FROM product WHERE external_id IS NOT NULL AND active ORDER BY id").fetchall()]
        assert len(skus) == DRAIN_CATALOG
        products = [uow.catalog.by_sku(sku) for sku in skus]
        cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
        shifts.open_shift(uow, station, actor=cashier, opening_float=Decimal("200"))
        rng = random.Random(11)
        t = time.perf_counter()
        for _ in range(SALES):
            _ring_up(uow, station, cashier, products, rng)
        selling = time.perf_counter() - t
        with uow:
            queued = uow.outbox.counts()
        assert queued["pending"] == SALES, queued

        timer = Timer()
        timer.wrap(uow.sales, "get", "load sale")
        timer.wrap(uow, "commit")
        runs = 0
        with WooConnector(shop.config()) as connector:
            wire = Wire(connector.client, keep_bodies=True)
            timer.wrap(connector, "create_order")
            shop_cpu, cpu = shop.cpu(), time.process_time()
            t = time.perf_counter()
            while True:
                with uow:
                    left = uow.outbox.counts()
                if not left["pending"] and not left["held"]:
                    break
                runs += 1
                report = push_pending(uow, connector, station=station, now=utcnow())
                assert report.sent and not (report.failed or report.parked), report
            drained = time.perf_counter() - t
            cpu, shop_cpu = time.process_time() - cpu, shop.cpu() - shop_cpu
        assert left.get("sent") == SALES, left
        orders = _total_of(plain, "orders")
        assert orders == SALES, orders
        database.close()
    posts = [(c[1], c[3]) for c in wire.calls if c[0] == "POST"]
    assert len(posts) == SALES and len(wire.calls) == SALES, (len(posts), len(wire.calls))

    # Baseline: the same order bodies POSTed with plain httpx to another fresh shop seeded the same way
    # (so the product ids in them exist there too), one after the other, answers JSON decoded.
    with child_shop(DRAIN_CATALOG, DRAIN_CATEGORIES) as other, other.plain() as client:
        base_shop_cpu = other.cpu()
        t = time.perf_counter()
        for path, body in posts:
            response = client.post(path, json=body)
            assert response.status_code == 201, response.text[:300]
            response.json()
        baseline = time.perf_counter() - t
        base_shop_cpu = other.cpu() - base_shop_cpu
        assert _total_of(client, "orders") == SALES

    s = timer.seconds
    http, in_send = wire.http_s, wire.send_s - wire.http_s
    pos = drained - http
    body = s["create_order"] - wire.send_s
    rest = pos - in_send - s["load sale"] - body - s["commit"]
    lines_per_sale = sum(len(b["line_items"]) for _p, b in posts) / len(posts)
    emit(f"13. Draining {SALES:,} queued sales to the fake WooCommerce shop", [
        f"shop: fake WooCommerce in a child process, {DRAIN_CATALOG:,} products; till: fresh SQLite file "
        f"(synchronous=FULL), catalog pulled from the shop in {pulled:.1f} s",
        f"setup: {SALES:,} cash sales of 1-3 lines (mean {lines_per_sale:.2f}), no member, through "
        f"checkout.complete_sale: {selling:.1f} s  {SALES / selling:,.0f} sales/s",
        f"push_pending until nothing is pending ({runs} run{'s' * (runs != 1)}): {drained:7.1f} s  "
        f"{SALES / drained:6,.0f} events/s  ({len(wire.calls):,} requests, one POST orders each)",
        f"  waiting on HTTP (inside httpx's request: send, shop, receive) {http:7.1f} s  {_share(http, drained)}"
        f"   per request {_ms_stats(wire.http_times())}",
        f"  in the POS                                                    {pos:7.1f} s  {_share(pos, drained)}",
        f"    _send around the request (JSON encode/decode, checks)      {in_send:7.1f} s  {_share(in_send, drained)}",
        f"    loading the stored sales (SalesRepository.get)             {s['load sale']:7.1f} s  "
        f"{_share(s['load sale'], drained)}",
        f"    the order bodies (create_order less its request)           {body:7.1f} s  {_share(body, drained)}",
        f"    commits ({len(timer.each['commit']) / SALES:.1f} per event, synchronous=FULL)                   "
        f"{s['commit']:7.1f} s  {_share(s['commit'], drained)}",
        f"    the rest (outbox reads and updates, shop ids, stock ack)   {rest:7.1f} s  {_share(rest, drained)}",
        f"  per event: HTTP wait {_ends(wire.http_times())}; loading the sale {_ends(timer.each['load sale'])}",
        f"  CPU: this process {cpu:.1f} s, the shop's process {shop_cpu:.1f} s (of {drained:.1f} s wall); "
        f"{_busy(shop_cpu, drained)}",
        "baseline in the same run:",
        f"  plain httpx POSTing the same {len(posts):,} order bodies to a fresh shop: {baseline:7.1f} s "
        f"{SALES / baseline:6,.0f} orders/s (shop CPU {base_shop_cpu:.1f} s)",
        f"  drain / baseline = {drained / baseline:.2f}x",
        f"server ended with {orders:,} orders; outbox {left}",
        f"machine: {machine()}; load average before {load_before}, after {load()}",
    ])
