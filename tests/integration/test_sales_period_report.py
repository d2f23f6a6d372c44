"""Daily and period sales on a real database (SQLite and PostgreSQL), through the real checkout and
returns, and `posapp-admin report period`.

The store (Asia/Shanghai, prices include tax); times below store-local, 2025; report 3-4 Nov (Mon, Tue):

   2 Nov 23:50 Sun  鲜牛奶 6.00                       (previous period 1-2 Nov; tax 9%: 0.50)
   3 Nov 00:10 Mon  2 x 薯片 16.00                    (3 Nov, though 2 Nov in UTC; tax 13%: 1.84)
   3 Nov 10:30      5 x 鲜牛奶 30.00, 1.00 off the line = 29.00           (tax 2.39)
   3 Nov 23:55      薯片 8.00                         (3 Nov, hour 23; tax 0.92)
   4 Nov 00:05 Tue  鲜牛奶 6.00                       (4 Nov, hour 0; tax 0.50)
   4 Nov 10:40      2 x 薯片 16.00 + 2 x 鲜牛奶 12.00, 10% off = 25.20 (14.40: tax 1.66; 10.80: tax 0.89)
   4 Nov 15:00      1 薯片 of the 3 Nov 00:10 sale returned, 8.00 (tax 0.92 refunded)
   5 Nov 00:10      薯片 8.00                         (5 Nov, though 4 Nov in UTC: out)

  sales 5, gross 16 + 30 + 8 + 6 + 28 = 88.00, discounts 1.00 + 2.80 = 3.80, returned 8.00,
  net 76.20, tax 8.20 - 0.92 = 7.28, units 13; average basket 76.20 / 5 = 15.24, items 2.60
  3 Nov: 3 sales, gross 54.00, discounts 1.00, net 53.00, tax 5.15
  4 Nov: 2 sales, gross 34.00, discounts 2.80, returned 8.00, net 23.20, tax 2.13
  hours: 00 2 sales 22.00; 10 2 sales 54.20; 15 the return -8.00; 23 1 sale 8.00
  previous period 1-2 Nov: 1 sale, 6.00, change (76.20 - 6.00) / 6.00 = +1170.0%; last year: no data
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
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, returns, shifts
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.sales_reports import period_sales


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time of 2025 as the naive UTC the database keeps."""
    return datetime(2025, month, day, hour, minute) - timedelta(hours=8)


PRODUCTS = [
    ProductSpec(sku="1001", name="鲜牛奶", price=D("6.00"), category="乳制品/牛奶", tax_rate=D(9)),
    ProductSpec(sku="2001", name="薯片", price=D("8.00"), category="零食/薯片", tax_rate=D(13)),
]


def sell(uow, station, actor, items, at, *, line_off=None, percent_off=None):
    basket = Basket()
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    if line_off:
        basket.set_line_discount(1, amount=D(line_off))
    if percent_off:
        basket.set_basket_discount(percent=D(percent_off))
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, station, actor=actor, basket=basket, tendering=tendering, now=at).sale


def open_the_days(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=PRODUCTS, source="test")
    manager = uow.users.add(username="boss", name="赵店长", role=Role.MANAGER, pin_hash=hash_pin("2580"))
    shifts.open_shift(uow, station, actor=manager, opening_float=D("100"))
    totals = [sell(uow, station, manager, [("1001", 1)], local(11, 2, 23, 50)).total]
    chips = sell(uow, station, manager, [("2001", 2)], local(11, 3, 0, 10))
    totals += [chips.total,
               sell(uow, station, manager, [("1001", 5)], local(11, 3, 10, 30), line_off="1.00").total,
               sell(uow, station, manager, [("2001", 1)], local(11, 3, 23, 55)).total,
               sell(uow, station, manager, [("1001", 1)], local(11, 4, 0, 5)).total,
               sell(uow, station, manager, [("2001", 2), ("1001", 2)], local(11, 4, 10, 40), percent_off=10).total]
    returns.take_return(uow, station, actor=manager, number=chips.number, asked=[Asked(1, D(1), "changed_mind")],
                        now=local(11, 4, 15))
    totals.append(sell(uow, station, manager, [("2001", 1)], local(11, 5, 0, 10)).total)
    assert [str(t) for t in totals] == ["6.00", "16.00", "29.00", "8.00", "6.00", "25.20", "8.00"]
    return manager


@pytest.fixture
def days(uow, station):
    return open_the_days(uow, station)


def figures(f):
    return (f["sales"], f["gross_sales"], f["discounts"], f["returns"], f["returned"], f["net_sales"], f["tax"],
            f["units"], f["average_basket"], f["items_per_basket"])


TOTAL = (5, "88.00", "3.80", 1, "8.00", "76.20", "7.28", "13", "15.24", "2.60")


def test_the_period_by_day_hour_and_weekday_with_comparisons(uow, station, days):
    data = period_sales(uow, station, actor=days, start=date(2025, 11, 3), end=date(2025, 11, 4)).to_json()

    assert figures(data) == TOTAL
    assert [(d["date"], d["weekday"], *figures(d)) for d in data["by_day"]] == [
        ("2025-11-03", 1, 3, "54.00", "1.00", 0, "0.00", "53.00", "5.15", "8", "17.67", "2.67"),
        ("2025-11-04", 2, 2, "34.00", "2.80", 1, "8.00", "23.20", "2.13", "5", "11.60", "2.50")]
    assert [(h["hour"], h["sales"], h["returns"], h["net_sales"]) for h in data["by_hour"]
            if h["sales"] or h["returns"]] == [(0, 2, 0, "22.00"), (10, 2, 0, "54.20"), (15, 0, 1, "-8.00"),
                                               (23, 1, 0, "8.00")]
    assert [(w["weekday"], w["sales"], w["net_sales"]) for w in data["by_weekday"]] == [
        (1, 3, "53.00"), (2, 2, "23.20"), (3, 0, "0.00"), (4, 0, "0.00"), (5, 0, "0.00"), (6, 0, "0.00"),
        (7, 0, "0.00")]
    assert data["by_hour"][15]["average_basket"] is None
    prev = data["previous"]
    assert (prev["from"], prev["to"], prev["net_change_pct"]) == ("2025-11-01", "2025-11-02", "1170.0")
    assert figures(prev["figures"]) == (1, "6.00", "0.00", 0, "0.00", "6.00", "0.50", "1", "6.00", "1.00")
    assert data["last_year"] == {"from": "2024-11-03", "to": "2024-11-04", "figures": None, "net_change_pct": None}


def test_one_day_the_midnight_edges_and_the_rules(uow, station, days):
    # 4 Nov alone: the 00:05 milk is in, the 3 Nov 23:55 chips and the 5 Nov 00:10 chips are out;
    # its previous period is 3 Nov.
    report = period_sales(uow, station, actor=days, start=date(2025, 11, 4), end=date(2025, 11, 4))
    data = report.to_json()
    assert figures(data) == (2, "34.00", "2.80", 1, "8.00", "23.20", "2.13", "5", "11.60", "2.50")
    assert figures(data["previous"]["figures"])[:6] == (3, "54.00", "1.00", 0, "0.00", "53.00")
    cashier = uow.users.add(username="c1", name="李收银", role=Role.CASHIER, pin_hash=hash_pin("1357"))
    with pytest.raises(PermissionDenied):
        period_sales(uow, station, actor=cashier, start=date(2025, 11, 3), end=date(2025, 11, 4))
    with pytest.raises(ValidationError):
        period_sales(uow, station, actor=days, start=date(2025, 11, 4), end=date(2025, 11, 3))


@pytest.fixture
def cli_store(tmp_path):
    return initialised_store(tmp_path, open_the_days)


def test_admin_report_period_as_json_csv_and_text(cli_store):
    as_json = run_admin(cli_store, "report", "period", "--from", "2025-11-03", "--to", "2025-11-04",
                        "--format", "json")
    out = cli_store / "period.csv"
    as_csv = run_admin(cli_store, "report", "period", "--from", "2025-11-03", "--to", "2025-11-04",
                       "--format", "csv", "--out", out)
    as_text = run_admin(cli_store, "report", "period", "--from", "2025-11-03", "--to", "2025-11-04")
    bad = run_admin(cli_store, "report", "period", "--from", "2025-11-31", "--to", "2025-11-30")

    assert as_json.returncode == 0, as_json
    data = json.loads(as_json.stdout)
    assert figures(data) == TOTAL
    assert data["previous"]["net_change_pct"] == "1170.0" and data["last_year"]["figures"] is None
    assert as_csv.returncode == 0, as_csv
    rows = out.read_bytes().decode("utf-8-sig").splitlines()
    assert len(rows) == 4
    assert rows[1].split(",") == ["2025-11-03", "3", "54.00", "1.00", "0.00", "53.00", "5.15", "17.67", "2.67"]
    assert as_text.returncode == 0, as_text
    assert "2025-11-04\t2\t34.00\t2.80\t8.00\t23.20\t2.13\t11.60\t2.50" in as_text.stdout.splitlines()
    assert "去年同期" in as_text.stdout  # zh_CN store
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
