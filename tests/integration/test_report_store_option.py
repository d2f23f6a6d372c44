"""`posapp-admin report period|products|payments|staff|promotions --store CODE` on a store server's database
that holds two stores' sales (SQLite and PostgreSQL). The config is store S001's.

  S001  the month of test_product_report: November net 74.00, all sold by 赵店长, no promotion given
  S002  its own till T01 and cashier 孙收银; promotion CHIPS-10 (10% off 薯片 2001, all November):
        15 Nov 10:00  2 x 薯片 16.00 - 1.60 = 14.40     16 Nov 18:00  鲜牛奶 6.00     (net 20.40)
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal as D

import pytest
from test_product_report import local, open_the_month
from test_promotions_cli import Admin

from posapp.config import StoreConfig, write_config
from posapp.domain.basket import Basket
from posapp.domain.promotions import Kind, Promotion
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import checkout, shifts
from posapp.services import promotions as promotion_svc
from posapp.services.auth import hash_pin
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

NOV = ("--from", "2025-11-01", "--to", "2025-11-30")
CHIPS_10 = Promotion(id=0, code="CHIPS-10", name="薯片九折", kind=Kind.PERCENT_OFF, percent=D(10),
                     products=frozenset({"2001"}), starts_at=local(11, 1), ends_at=local(12, 1))


def sell_in_s002(uow, s002, cashier, items, at):
    basket = Basket(offers=promotion_svc.load_offers(uow, s002, at=at), clock=promotion_svc.fixed_clock(at, s002))
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, s002, actor=cashier, basket=basket, tendering=tendering, now=at).sale


@pytest.fixture
def admin(db_url, station, tmp_path, monkeypatch, capsys) -> Admin:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    config = write_config(tmp_path / "posapp.toml", terminal_code="T01", database_url=db_url,
                          store=StoreConfig(code="S001", name="测试店", currency="CNY", locale="zh_CN",
                                            timezone="Asia/Shanghai"))
    uow = UnitOfWork(dbmod.database)
    manager = open_the_month(uow, station)
    s002 = replace(station, store_code="S002")
    cashier = uow.users.add(username="sun", name="孙收银", role=Role.CASHIER, pin_hash=hash_pin("1357"))
    promotion_svc.save_promotions(uow, station, actor=manager, promotions=[CHIPS_10])
    shifts.open_shift(uow, s002, actor=cashier, opening_float=D("100"))
    totals = [sell_in_s002(uow, s002, cashier, [("2001", 2)], local(11, 15, 10)).total,
              sell_in_s002(uow, s002, cashier, [("1001", 1)], local(11, 16, 18)).total]
    assert [str(t) for t in totals] == ["14.40", "6.00"]
    return Admin(config, capsys, station)


def test_each_report_of_another_store_shows_that_stores_figures(admin):
    period = admin("report", "period", *NOV, "--store", "S002", "--format", "json").json()
    own_period = admin("report", "period", *NOV, "--format", "json").json()
    named_own = admin("report", "period", *NOV, "--store", "S001", "--format", "json").json()
    products = admin("report", "products", *NOV, "--store", "S002", "--format", "json").json()
    payments = admin("report", "payments", *NOV, "--store", "S002", "--format", "json").json()
    staff = admin("report", "staff", *NOV, "--store", "S002", "--format", "json").json()
    own_staff = admin("report", "staff", *NOV, "--format", "json").json()
    promotions = admin("report", "promotions", *NOV, "--store", "S002", "--format", "json").json()
    own_promotions = admin("report", "promotions", *NOV, "--format", "json").json()

    assert (period["store"], period["sales"], period["net_sales"], period["discounts"]) == ("S002", 2, "20.40", "1.60")
    assert (own_period["store"], own_period["net_sales"]) == ("S001", "74.00") and named_own == own_period
    assert [(p["sku"], p["units"], p["net_sales"]) for p in products["products"]] == [
        ("2001", "2", "14.40"), ("1001", "1", "6.00")]
    assert (payments["sales"], payments["net"], [(t["tender"], t["sales_count"]) for t in payments["tenders"]]) == (
        2, "20.40", [("cash", 2)])
    assert [(s["cashier"], s["sales"], s["net"]) for s in staff["staff"]] == [("孙收银", 2, "20.40")]
    assert [s["cashier"] for s in own_staff["staff"]] == ["赵店长"]
    chips = promotions["promotions"][0]
    assert (promotions["store"], chips["code"], chips["uses"], chips["discount"], chips["units"]["during"],
            chips["net_sales"]["during"]) == ("S002", "CHIPS-10", 1, "1.60", "2", "14.40")
    assert (own_promotions["promotions"][0]["uses"], own_promotions["promotions"][0]["discount"]) == (0, "0.00")


def test_the_text_and_csv_say_and_hold_the_other_store(admin, tmp_path):
    payments = admin("report", "payments", *NOV, "--store", "S002")
    out = tmp_path / "products.csv"
    products = admin("report", "products", *NOV, "--store", "S002", "--format", "csv", "--out", out)

    assert payments.code == 0 and payments.out.splitlines()[0].startswith("S002 2025-11-01 - 2025-11-30")
    assert products.code == 0, products
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[:5] for r in rows[1:]] == [["2001", "薯片", "零食/薯片", "2", "14.40"],
                                         ["1001", "鲜牛奶", "乳制品/牛奶", "1", "6.00"]]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_pdf_of_another_store_shows_its_code_not_this_stores_name(admin, tmp_path):
    def text(path) -> str:
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              encoding="utf-8").stdout

    for name in ("period", "payments", "staff", "promotions"):
        other, own = tmp_path / f"{name}-s002.pdf", tmp_path / f"{name}-s001.pdf"
        assert admin("report", name, *NOV, "--store", "S002", "--format", "pdf", "--out", other).code == 0
        assert admin("report", name, *NOV, "--format", "pdf", "--out", own).code == 0
        assert "S002" in text(other) and "测试店" not in text(other) and "S001" not in text(other), name
        assert "测试店" in text(own) and "S001" in text(own) and "S002" not in text(own), name
    assert "孙收银" in text(tmp_path / "staff-s002.pdf") and "赵店长" not in text(tmp_path / "staff-s002.pdf")


def test_a_store_this_database_has_never_seen_is_refused_and_nothing_is_written(admin, tmp_path):
    for name in ("period", "products", "payments", "staff", "promotions"):
        for fmt in ("csv", "pdf", "json"):
            out = tmp_path / f"{name}.{fmt}"
            result = admin("report", name, *NOV, "--store", "S0O2", "--format", fmt, "--out", out)
            assert result.code == 1 and "no store S0O2" in result.err and "S001, S002" in result.err, result
            assert result.out == "" and not out.exists(), (name, fmt)
    old_pdf = admin("report", "promotions", *NOV, "--store", "S0O2", "--pdf", tmp_path / "legacy.pdf")
    assert old_pdf.code == 1 and old_pdf.out == "" and not (tmp_path / "legacy.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".pdf", ".json", ".part")) == []


def test_a_z_report_has_no_store_option(admin):
    with pytest.raises(SystemExit) as exc:
        admin("report", "z", "--shift", "1", "--store", "S002")
    assert exc.value.code == 2
