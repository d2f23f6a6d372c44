"""The products and categories report on a real database (SQLite and PostgreSQL), through the real
checkout, returns and receiving, and `posapp-admin report products`.

The store (Asia/Shanghai, prices include tax); times below store-local, 2025; report 1-30 Nov:

  1 Oct   received: 20 鲜牛奶 at 4.00, 10 薯片 at 5.00, 10 湿巾 at 1.20, 4 纸巾 (no cost)
  20 Oct 10:00  纸巾 3.00                                  (before: 纸巾's last sale)
  31 Oct 23:59  鲜牛奶 6.00                                (31 Oct: not in the report)
   1 Nov 00:30  2 x 薯片 16.00                             (1 Nov, though 31 Oct in UTC)
   5 Nov 10:00  5 x 鲜牛奶 30.00 + 2 x 酸奶 10.00, 10% off = 36.00 (paid 27.00 and 9.00)
  10 Nov 12:00  3 x 薯片 24.00;  12 Nov: 1 薯片 of it returned, 8.00 (its tax 0.92 stored)
  30 Nov 23:50  鲜牛奶 6.00                                (30 Nov: in)
   1 Dec 00:10  酸奶 5.00                                  (1 Dec, though 30 Nov in UTC: out)

  鲜牛奶 units 6, net 33.00, tax 9% in it 2.72, ex tax 30.28, margin 30.28 - 6 x 4.00 = 6.28
  薯片   units 4, net 32.00, tax 40.00 x 13/113 = 4.60 less 0.92 = 3.68, ex tax 28.32, margin 8.32
  酸奶   units 2, net 9.00, no cost: no margin
  total 74.00: shares 44.6, 43.2, 12.2; ABC: 鲜牛奶 A (0 before), 薯片 A (33 < 59.20), 酸奶 B (65 < 70.30)
  slow movers (no sale in November): 湿巾 10 at cost 12.00, never sold; 纸巾 3 at price 9.00
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
from admin_run import initialised_store, run_admin

from posapp.domain.basket import Basket
from posapp.domain.catalog import ProductSpec
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.returns import Asked
from posapp.domain.stock import DocLine
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, returns, shifts
from posapp.services import stock as stock_svc
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.product_reports import product_report


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time of 2025 as the naive UTC the database keeps."""
    return datetime(2025, month, day, hour, minute) - timedelta(hours=8)


PRODUCTS = [
    ProductSpec(sku="1001", name="鲜牛奶", price=D("6.00"), category="乳制品/牛奶", tax_rate=D(9)),
    ProductSpec(sku="1002", name="酸奶", price=D("5.00"), category="乳制品/酸奶", tax_rate=D(9)),
    ProductSpec(sku="2001", name="薯片", price=D("8.00"), category="零食/薯片", tax_rate=D(13)),
    ProductSpec(sku="3001", name="湿巾", price=D("2.00"), category="日用品/纸品", tax_rate=D(13)),
    ProductSpec(sku="3002", name="纸巾", price=D("3.00"), category="日用品/纸品", tax_rate=D(13)),
]


def sell(uow, station, actor, items, at, *, percent_off=None):
    basket = Basket()
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    if percent_off:
        basket.set_basket_discount(percent=D(percent_off))
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, station, actor=actor, basket=basket, tendering=tendering, now=at).sale


def open_the_month(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=PRODUCTS, source="test")
    manager = uow.users.add(username="boss", name="赵店长", role=Role.MANAGER, pin_hash=hash_pin("2580"))
    pid = lambda sku: uow.catalog.by_sku(sku).id  # noqa: E731
    stock_svc.receive_stock(uow, station, actor=manager, at=local(10, 1, 9), lines=[
        DocLine(product_id=pid("1001"), qty=D(20), cost=D("4.00")),
        DocLine(product_id=pid("2001"), qty=D(10), cost=D("5.00")),
        DocLine(product_id=pid("3001"), qty=D(10), cost=D("1.20")),
        DocLine(product_id=pid("3002"), qty=D(4))])
    shifts.open_shift(uow, station, actor=manager, opening_float=D("100"))
    totals = [sell(uow, station, manager, [("3002", 1)], local(10, 20, 10)).total,
              sell(uow, station, manager, [("1001", 1)], local(10, 31, 23, 59)).total,
              sell(uow, station, manager, [("2001", 2)], local(11, 1, 0, 30)).total,
              sell(uow, station, manager, [("1001", 5), ("1002", 2)], local(11, 5, 10), percent_off=10).total]
    chips = sell(uow, station, manager, [("2001", 3)], local(11, 10, 12))
    returns.take_return(uow, station, actor=manager, number=chips.number, asked=[Asked(1, D(1), "changed_mind")],
                        now=local(11, 12, 9))
    totals += [chips.total, sell(uow, station, manager, [("1001", 1)], local(11, 30, 23, 50)).total,
               sell(uow, station, manager, [("1002", 1)], local(12, 1, 0, 10)).total]
    assert [str(t) for t in totals] == ["3.00", "6.00", "16.00", "36.00", "24.00", "6.00", "5.00"]
    return manager


@pytest.fixture
def month(uow, station):
    return open_the_month(uow, station)


PRODUCT_FIGURES = [  # sku, units, net sales, net ex tax, margin, share %, class
    ("1001", "6", "33.00", "30.28", "6.28", "44.6", "A"),
    ("2001", "4", "32.00", "28.32", "8.32", "43.2", "A"),
    ("1002", "2", "9.00", "8.26", None, "12.2", "B"),
]


def product_figures(data):
    return [(p["sku"], p["units"], p["net_sales"], p["net_ex_tax"], p["margin"], p["share_pct"], p["abc"])
            for p in data["products"]]


def test_the_month_per_product_category_and_slow_mover(uow, station, month):
    report = product_report(uow, station, actor=month, start=date(2025, 11, 1), end=date(2025, 11, 30))
    data = report.to_json()

    assert data["net_sales"] == "74.00"
    assert product_figures(data) == PRODUCT_FIGURES

    def cats(rows):
        return [(c["path"], c["units"], c["net_sales"], c["margin"], c["share_pct"], c["without_cost"]) for c in rows]

    assert cats(data["categories"]) == [("乳制品/牛奶", "6", "33.00", "6.28", "44.6", 0),
                                        ("乳制品/酸奶", "2", "9.00", "0.00", "12.2", 1),
                                        ("零食/薯片", "4", "32.00", "8.32", "43.2", 0)]
    assert cats(data["top_categories"]) == [("乳制品", "8", "42.00", "6.28", "56.8", 1),
                                            ("零食", "4", "32.00", "8.32", "43.2", 0)]
    assert [(s["sku"], s["on_hand"], s["value"], s["valued_at"], s["last_sold"]) for s in data["slow_movers"]] == [
        ("3001", "10", "12.00", "cost", None), ("3002", "3", "9.00", "price", "2025-10-20T02:00:00")]


def test_a_shorter_window_and_the_rules(uow, station, month):
    # 31 Oct alone: the 23:59 milk, and not the 00:30 chips of 1 Nov; with 1 day, chips has no sale in it.
    report = product_report(uow, station, actor=month, start=date(2025, 10, 31), end=date(2025, 10, 31),
                            slow_days=1)
    assert product_figures(report.to_json()) == [("1001", "1", "6.00", "5.50", "1.50", "100.0", "A")]
    assert [s.sku for s in report.slow_movers] == ["2001", "3001", "3002"]
    cashier = uow.users.add(username="c1", name="李收银", role=Role.CASHIER, pin_hash=hash_pin("1357"))
    with pytest.raises(PermissionDenied):
        product_report(uow, station, actor=cashier, start=date(2025, 11, 1), end=date(2025, 11, 30))
    with pytest.raises(ValidationError):
        product_report(uow, station, actor=month, start=date(2025, 11, 2), end=date(2025, 11, 1))


@pytest.fixture
def cli_store(tmp_path):
    return initialised_store(tmp_path, open_the_month)


def test_admin_report_products_as_json_and_csv(cli_store):
    as_json = run_admin(cli_store, "report", "products", "--from", "2025-11-01", "--to", "2025-11-30",
                        "--format", "json")
    out = cli_store / "products.csv"
    as_csv = run_admin(cli_store, "report", "products", "--from", "2025-11-01", "--to", "2025-11-30",
                       "--format", "csv", "--out", out)
    as_text = run_admin(cli_store, "report", "products", "--from", "2025-11-01", "--to", "2025-11-30")
    bad = run_admin(cli_store, "report", "products", "--from", "2025-11-31", "--to", "2025-11-30")

    assert as_json.returncode == 0, as_json
    assert product_figures(json.loads(as_json.stdout)) == PRODUCT_FIGURES
    assert as_csv.returncode == 0, as_csv
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = raw.decode("utf-8-sig").splitlines()
    assert len(rows) == 4
    assert rows[1].split(",") == ["1001", "鲜牛奶", "乳制品/牛奶", "6", "33.00", "6.28", "44.6", "A"]
    text = [line.split("\t") for line in as_text.stdout.splitlines()]
    assert as_text.returncode == 0, as_text
    assert ["1002", "酸奶", "乳制品/酸奶", "2", "9.00", "", "12.2", "B"] in text  # no cost: no margin
    assert ["3002", "纸巾", "3", "9.00", "售价", "2025-10-20"] in text  # zh_CN store; last sale's local day
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
