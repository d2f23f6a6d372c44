"""`posapp --self-test`: the whole till path on a throw-away database, headless, for IT and the bundle.

It writes a config and an SQLite database in a temporary folder (removed afterwards unless --keep),
migrates it, sells a basket with a promotion through the services, prints the receipt to the dummy
printer and reads it back as GB18030, closes the shift and renders the Z report as a PDF, and checks
the journal, the stock ledger, the translations, python-escpos's printer profiles and that the Qt
libraries load. It never creates a QApplication and never reads the terminal's own config or data.
Each step is timed; output is one line a step (or JSON), and the exit code is 0 or 1.
"""

from __future__ import annotations

import importlib
import json
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from posapp import __version__
from posapp.domain.errors import PosError

D = Decimal
STORE, TERMINAL, TZ = "S999", "T01", "Asia/Shanghai"
MILK = ("ST0001", "自检鲜牛奶", "6901234567892", D("13.90"), "自检/乳制品", D(9))
BREAD = ("ST0002", "自检全麦面包", "6920152400012", D("8.50"), "自检/面包", D(13))
PROMOTION = "自检牛奶九折"
CASHIER_PIN, ADMIN_PIN = "4711", "9090"


class Failed(Exception):
    """A check did not hold; the message says what was expected and what was found."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


@dataclass
class StepResult:
    name: str
    ok: bool
    ms: float = 0.0
    detail: str = ""
    error: str = ""
    skipped: bool = False
    traceback: str = ""


@dataclass
class SelfTestResult:
    version: str
    python: str
    platform: str
    frozen: bool
    steps: list[StepResult] = field(default_factory=list)
    total_ms: float = 0.0
    folder: str | None = None  # kept for a look (--keep); None once removed

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    def to_json(self) -> dict:
        return {**asdict(self), "ok": self.ok}


# --- the steps: each takes the shared context, returns a detail line, raises to fail --------------

def step_config(ctx) -> str:
    from posapp.config import PrinterConfig, StoreConfig, TillConfig, load_config, write_config

    url = ctx.database_url or f"sqlite:///{ctx.folder / 'selftest.db'}"
    store = StoreConfig(code=STORE, name="自检商店", currency="CNY", locale="zh_CN", timezone=TZ,
                        address="测试路 1 号")
    path = write_config(ctx.folder / "posapp.toml", store=store, terminal_code=TERMINAL, database_url=url,
                        printer=PrinterConfig(connection="dummy", encoding="gb18030"),
                        till=TillConfig(cash_rounding=D("0.10"), receipt_footer="自检小票"))
    ctx.config = load_config(path)
    check(ctx.config.store.name == "自检商店", f"the config read back has store name {ctx.config.store.name!r}")
    return f"written and read back: {path.name}"


def step_migrations(ctx) -> str:
    from posapp.storage import db as dbmod
    from posapp.storage import migrate

    folder = migrate.migrations_dir()
    found = sorted(p.name for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))
    check(bool(found), f"no migration scripts in {folder}")
    ctx.db = dbmod.bind(ctx.config.database_url)
    check(not ctx.db.get_tables(), "the database is not empty: the self-test only runs on a new one")
    applied, _backup = migrate.upgrade_with_backup(db_path=dbmod.sqlite_path(ctx.config.database_url),
                                                   backup_dir=ctx.folder / "backups", db=ctx.db)
    left = migrate.pending(ctx.db)
    check(not left, f"still pending after the upgrade: {', '.join(left)}")
    check(len(applied) == len(found), f"{len(found)} scripts but {len(applied)} applied")
    backend = "SQLite" if dbmod.is_sqlite(ctx.db) else "PostgreSQL"
    return f"{len(found)} found, {len(applied)} applied ({backend}, {folder})"


def step_users(ctx) -> str:
    from posapp.services import auth, users
    from posapp.services.station import Station
    from posapp.storage.uow import UnitOfWork

    ctx.station = Station.from_config(ctx.config)
    ctx.uow = lambda: UnitOfWork(ctx.db)
    ctx.admin = users.bootstrap_admin(ctx.uow(), ctx.station, username="selftest", name="自检管理员", pin=ADMIN_PIN)
    users.add_user(ctx.uow(), ctx.station, actor=ctx.admin, username="cashier", name="自检收银员",
                   role="cashier", pin=CASHIER_PIN)
    ctx.cashier = auth.login(ctx.uow(), ctx.station, username="cashier", pin=CASHIER_PIN)
    try:
        auth.login(ctx.uow(), ctx.station, username="cashier", pin="0000")
    except PosError:
        pass
    else:
        raise Failed("a wrong PIN was accepted")
    return "admin and cashier added, PINs hashed and checked with argon2"


def step_catalog(ctx) -> str:
    from posapp.domain.catalog import ProductSpec
    from posapp.domain.stock import DocLine
    from posapp.services import catalog, shifts, stock

    specs = [ProductSpec(sku=sku, name=name, price=price, barcodes=(code,), category=cat, tax_rate=rate)
             for sku, name, code, price, cat, rate in (MILK, BREAD)]
    catalog.save_products(ctx.uow(), ctx.station, actor=ctx.admin, specs=specs, source="self-test")
    with ctx.uow() as uow:
        ctx.products = {p.sku: p for p in (uow.catalog.by_sku(MILK[0]), uow.catalog.by_sku(BREAD[0]))}
    lines = [DocLine(product_id=p.id, qty=D(10), cost=D("5.00")) for p in ctx.products.values()]
    stock.receive_stock(ctx.uow(), ctx.station, actor=ctx.admin, lines=lines, supplier="自检", tell_shop=False)
    shift = shifts.open_shift(ctx.uow(), ctx.station, actor=ctx.cashier, opening_float="100.00")
    return f"{len(specs)} products, 10 of each received, shift {shift.number} opened with 100.00"


def step_scan(ctx) -> str:
    from posapp.services import catalog

    found = catalog.lookup_scan(ctx.uow(), ctx.station, MILK[2])
    check(found.product.name == MILK[1], f"barcode {MILK[2]} found {found.product.name!r}")
    ctx.scanned = found
    hits = [p.sku for p in catalog.search_products(ctx.uow(), "nn")]
    check(MILK[0] in hits, f"pinyin search 'nn' found {hits}, not {MILK[0]}")
    return f"{MILK[2]} -> {found.product.name}; 'nn' finds it by pinyin"


def step_basket(ctx) -> str:
    from posapp.domain.basket import Basket
    from posapp.domain.promotions import Kind, Promotion
    from posapp.services import promotions

    promo = Promotion(id=0, code="SELFTEST-10", name=PROMOTION, kind=Kind.PERCENT_OFF,
                      products=frozenset({MILK[0]}), percent=D(10))
    promotions.save_promotions(ctx.uow(), ctx.station, actor=ctx.admin, promotions=[promo], source="self-test")
    basket = Basket(currency_places=ctx.station.places, prices_include_tax=ctx.station.prices_include_tax,
                    offers=promotions.load_offers(ctx.uow(), ctx.station),
                    clock=promotions.clock_for(ctx.station))
    basket.add(ctx.scanned.product, qty=D(2), barcode=ctx.scanned.code.key, embedded=ctx.scanned.code.embedded)
    basket.add(ctx.products[BREAD[0]])
    totals = basket.totals()
    used = [s.name for s in totals.promotions]
    expected = (MILK[3] * 2 * D("0.9")).quantize(D("0.01")) + BREAD[3]
    check(PROMOTION in used, f"the promotion was not applied (used: {used})")
    check(totals.total == expected, f"total {totals.total}, expected {expected}")
    ctx.basket = basket
    return f"2 x milk (10% off) + bread = {totals.total}, saved {totals.savings}"


def step_sale(ctx) -> str:
    from posapp.domain.tender import Tendering
    from posapp.services import checkout

    total = ctx.basket.totals().total
    tendering = Tendering(total=total, cash_increment=ctx.station.cash_increment, places=ctx.station.places)
    tendering.add("cash", D("100.00"))
    done = checkout.complete_sale(ctx.uow(), ctx.station, actor=ctx.cashier, basket=ctx.basket,
                                  tendering=tendering, print_receipt=True)
    ctx.sale = done.sale
    check(done.sale.number == f"{STORE}-{TERMINAL}-000001", f"receipt number {done.sale.number}")
    check(done.print_job_id is not None, "no receipt print job was queued")
    return f"{done.sale.number}: total {done.sale.total}, paid 100.00 cash, change {done.sale.change}"


def step_journal(ctx) -> str:
    from posapp.services.journal import verify_journal

    report = verify_journal(ctx.uow())
    check(report.ok, f"the sales journal does not verify: {report.problem}")
    check(report.terminals == {TERMINAL: 1}, f"journal entries {report.terminals}")
    return "1 entry, hash chain verified"


def step_receipt(ctx) -> str:
    from posapp.services import printing

    printer = printing.make_printer(ctx.config)
    state = printing.drain(ctx.uow(), ctx.station, printer, render=printing.make_renderer(ctx.config))
    check(state.ok and state.pending == 0, f"the print queue did not drain: {state.detail}")
    data = printer.last_output or b""
    text = data.decode("gb18030", errors="replace")
    total = f"{ctx.sale.total:.{ctx.station.places}f}"
    for what, needle in (("the product name", MILK[1]), ("the total", total), ("the receipt number", ctx.sale.number),
                         ("the promotion", PROMOTION)):
        check(needle in text, f"{what} {needle!r} is not on the receipt")
    check(data.endswith(b"\x1dV\x01") or b"\x1dV" in data[-8:], "the receipt does not end with a cut")
    return f"{len(data)} bytes to the dummy printer; GB18030 text has {MILK[1]}, {total}, {ctx.sale.number}"


def step_stock(ctx) -> str:
    from posapp.services import stock

    result = stock.check_ledger(ctx.uow())
    check(not result.mismatches, f"{len(result.mismatches)} cached level(s) differ from the ledger")
    with ctx.uow() as uow:
        milk = ctx.products[MILK[0]].id
        left = uow.stock.on_hand(STORE, [milk]).get(milk)
    check(left == 8, f"milk on hand {left}, expected 8 (10 received, 2 sold)")
    return "cached levels equal the ledger; milk 10 received, 2 sold, 8 left"


def step_reports(ctx) -> str:
    from posapp.reports.shift_report import render_pdf
    from posapp.services import shifts

    x = shifts.x_report(ctx.uow(), ctx.station, actor=ctx.admin)
    check(x.sale_count == 1 and x.net_sales == ctx.sale.total, f"X report: {x.sale_count} sales, {x.net_sales}")
    expected = D("100.00") + x.cash_sales
    z = shifts.close_shift(ctx.uow(), ctx.station, actor=ctx.admin, counted=str(expected))
    check(z.z_number == 1 and z.variance == 0, f"Z report: number {z.z_number}, variance {z.variance}")
    path = render_pdf(z, ctx.folder / "z-report.pdf", locale="zh_CN", timezone=TZ, store_name="自检商店")
    data = Path(path).read_bytes()
    check(data.startswith(b"%PDF-") and b"%%EOF" in data[-64:], "the Z report is not a complete PDF")
    check(len(data) > 1000, f"the Z report PDF has only {len(data)} bytes")
    return f"X then Z 1 (expected cash {expected}, variance 0); PDF {len(data)} bytes"


def step_translations(ctx) -> str:
    from posapp import i18n
    from posapp.resources import resource_path

    before = i18n.current_locale()
    try:
        i18n.set_locale("zh_CN")
        count = len(i18n._messages)
        shown = i18n._("Open a shift")
    finally:
        i18n.set_locale(before)
    where = resource_path("locale", "zh_CN", "LC_MESSAGES", "posapp.po")
    check(count > 100, f"the zh_CN catalog has {count} entries ({where})")
    check(shown != "Open a shift", "'Open a shift' is not translated")
    return f"zh_CN: {count} entries ('Open a shift' -> {shown})"


def step_escpos(ctx) -> str:
    from escpos import capabilities

    profiles = capabilities.CAPABILITIES.get("profiles", {})
    default = capabilities.get_profile("default")
    check(len(profiles) > 10, f"only {len(profiles)} printer profiles in {capabilities.capabilities_path}")
    check(default.profile_data.get("name") != "BrokenDefault",
          f"python-escpos could not read {capabilities.capabilities_path}")
    return f"{len(profiles)} printer profiles from {capabilities.capabilities_path} (read in {ctx.escpos_ms:.0f} ms)"


def step_qt(ctx) -> str:
    """The Qt libraries and a platform plugin are there (what a bundle most often lacks); no window."""
    from posapp.ui.qt_check import qt_libraries

    versions, names, plugins = qt_libraries()
    check(bool(names), f"no Qt platform plugins in {plugins}")
    return f"{versions}; platform plugins: {', '.join(names)}"


STEPS: list[tuple[str, Callable, tuple[str, ...]]] = [
    ("config", step_config, ()),
    ("migrations", step_migrations, ("config",)),
    ("users and PINs (argon2)", step_users, ("migrations",)),
    ("catalog, stock and shift", step_catalog, ("users and PINs (argon2)",)),
    ("scan and search", step_scan, ("catalog, stock and shift",)),
    ("basket with a promotion", step_basket, ("scan and search",)),
    ("complete sale", step_sale, ("basket with a promotion",)),
    ("sales journal", step_journal, ("complete sale",)),
    ("receipt (dummy printer)", step_receipt, ("complete sale",)),
    ("stock ledger", step_stock, ("complete sale",)),
    ("X and Z reports (PDF)", step_reports, ("complete sale",)),
    ("translations", step_translations, ()),
    ("printer profiles (python-escpos)", step_escpos, ()),
    ("Qt libraries", step_qt, ()),
]


def run(*, keep: bool = False, database_url: str | None = None, steps=None) -> SelfTestResult:
    """Run every step in a new temporary folder; database_url (tests): an empty database to use instead."""
    result = SelfTestResult(version=__version__, python=platform.python_version(), platform=platform.platform(),
                            frozen=bool(getattr(sys, "frozen", False)))
    folder = Path(tempfile.mkdtemp(prefix="posapp-selftest-"))
    ctx = SimpleNamespace(folder=folder, database_url=database_url, db=None)
    start = time.perf_counter()
    ctx.escpos_ms = _load_escpos_capabilities(folder)
    try:
        for name, fn, needs in steps or STEPS:
            result.steps.append(_run_step(name, fn, needs, ctx, result.steps))
    finally:
        result.total_ms = round((time.perf_counter() - start) * 1000, 1)
        if ctx.db is not None:
            ctx.db.close()
        if keep:
            result.folder = str(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def _load_escpos_capabilities(folder: Path) -> float:
    """python-escpos 3.1 makes a temporary folder at import (for its profile cache) and leaves it
    behind, even when ESCPOS_CAPABILITIES_PICKLE_DIR is set; the self-test has it made in its own."""
    if "escpos.capabilities" in sys.modules:
        return 0.0
    began, saved = time.perf_counter(), tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        importlib.import_module("escpos.capabilities")  # the import reads the profiles
    except Exception:  # noqa: BLE001 (the printer profiles step reports it)
        pass
    finally:
        tempfile.tempdir = saved
    return _ms(began)


def _run_step(name: str, fn, needs, ctx, done: list[StepResult]) -> StepResult:
    bad = [s.name for s in done if s.name in needs and not s.ok]
    if bad:
        return StepResult(name, ok=False, skipped=True, error=f"skipped: needs {', '.join(bad)}")
    start = time.perf_counter()
    try:
        detail = fn(ctx)
    except (Failed, PosError) as exc:
        return StepResult(name, ok=False, ms=_ms(start), error=str(exc))
    except Exception as exc:  # noqa: BLE001 (anything else is a failed step, with its traceback)
        return StepResult(name, ok=False, ms=_ms(start), error=f"{type(exc).__name__}: {exc}",
                          traceback=traceback.format_exc())
    return StepResult(name, ok=True, ms=_ms(start), detail=detail)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def format_text(result: SelfTestResult) -> str:
    frozen = "bundle" if result.frozen else "not frozen"
    out = [f"posapp {result.version} self-test (Python {result.python}, {result.platform}, {frozen})"]
    for s in result.steps:
        if s.ok:
            out.append(f"ok   {s.name} ({s.ms:.0f} ms): {s.detail}")
        elif s.skipped:
            out.append(f"skip {s.name}: {s.error.removeprefix('skipped: ')}")
        else:
            out.append(f"FAIL {s.name} ({s.ms:.0f} ms): {s.error}")
            out += ["     " + line for line in s.traceback.rstrip().splitlines()]
    failed = [s.name for s in result.steps if not s.ok and not s.skipped]
    skipped = sum(s.skipped for s in result.steps)
    if result.ok:
        out.append(f"self-test passed: {len(result.steps)} steps in {result.total_ms:.0f} ms")
    else:
        out.append(f"self-test FAILED: {len(failed)} of {len(result.steps)} steps failed ({', '.join(failed)})"
                   + (f", {skipped} skipped" if skipped else "") + f", in {result.total_ms:.0f} ms")
    if result.folder:
        out.append(f"kept: {result.folder}")
    return "\n".join(out) + "\n"


def main(*, as_json: bool = False, keep: bool = False, out=None) -> int:
    """What `posapp --self-test [--json] [--keep]` does; 0 when every step passed, else 1."""
    result = run(keep=keep)
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n" if as_json else format_text(result)
    out = out or sys.stdout
    if out is None:  # a windowed build has no console: leave the result where IT can find it
        target = Path(tempfile.gettempdir()) / ("posapp-selftest.json" if as_json else "posapp-selftest.txt")
        target.write_text(text, encoding="utf-8")
    else:
        try:
            out.write(text)
        except UnicodeEncodeError:  # a console in a code page without these characters (cp437...)
            encoding = getattr(out, "encoding", None) or "ascii"
            out.write(text.encode(encoding, errors="replace").decode(encoding))
        out.flush()
    return 0 if result.ok else 1
