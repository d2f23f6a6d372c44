"""The promotion effectiveness report on a real database, and `posapp-admin report promotions`.

The store's month (Asia/Shanghai, prices include tax; all times below store-local, 2025):

  MILK-20  鲜奶八折  20% off dairy except 酸奶 1002, 30 Oct - 6 Nov   (report Nov: window 1-6 Nov, before 27 Oct-1 Nov)
  CPN-5    满20用券减5  coupon SAVE5, 5 off from 20, 10-12 Nov, every product     (before 8-10 Nov)
  GIFT-30  满30送湿巾  a 2.00 湿巾 free from 30, 20-21 Nov, every product         (before 19-20 Nov: nothing sold)
  OCT-ONLY 十月薯片九折  1-15 Oct: not in a November report

  28 Oct 10:00  3 x 鲜牛奶 6.00 + 酸奶 5.00                          = 23.00   (milk before: 3 units, 18.00)
   2 Nov 09:00  5 x 鲜牛奶 at 20% off 24.00 (6.00 off) + 薯片 8.00    = 32.00
   5 Nov 20:00  2 x 鲜牛奶 9.60 (2.40 off) + 2 x 酸奶 10.00            = 19.60   (milk during: 7 units, 33.60)
   6 Nov 00:00  鲜牛奶 6.00, the moment MILK-20 ends: full price     =  6.00
   9 Nov 15:00  3 x 薯片                                             = 24.00   (coupon before: 3 units, 24.00)
  10 Nov 11:00  2 x 薯片 + 鲜牛奶 = 22.00, coupon SAVE5               = 17.00
  11 Nov 18:00  酸奶                                                 =  5.00   (coupon during: 4 units, 22.00)
  20 Nov 14:00  4 x 薯片 = 32.00, reaches 30: a 湿巾 (2.00) given    = 32.00
  20 Nov 15:00  薯片 + 鲜牛奶                                        = 14.00   (gift during: 6 units, 46.00)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from admin_run import run_admin

from posapp.domain.basket import Basket
from posapp.domain.catalog import ProductSpec
from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.promotions import Kind, Promotion
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, shifts
from posapp.services import promotions as svc
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.promotion_reports import promotion_report


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time of 2025 as the naive UTC the database keeps."""
    return datetime(2025, month, day, hour, minute) - timedelta(hours=8)


PRODUCTS = [
    ProductSpec(sku="1001", name="鲜牛奶", price=D("6.00"), category="乳制品/牛奶", tax_rate=D(9)),
    ProductSpec(sku="1002", name="酸奶", price=D("5.00"), category="乳制品/酸奶", tax_rate=D(9)),
    ProductSpec(sku="2001", name="薯片", price=D("8.00"), category="零食/薯片", tax_rate=D(13)),
    ProductSpec(sku="3001", name="湿巾", price=D("2.00"), category="日用品/纸品", tax_rate=D(13)),
]
PROMOS = [
    Promotion(id=0, code="MILK-20", name="鲜奶八折", kind=Kind.PERCENT_OFF, percent=D(20),
              categories=("乳制品",), exclude_products=frozenset({"1002"}),
              starts_at=local(10, 30), ends_at=local(11, 6)),
    Promotion(id=0, code="CPN-5", name="满20用券减5", kind=Kind.COUPON, coupon_code="SAVE5", amount=D(5),
              threshold=D(20), starts_at=local(11, 10), ends_at=local(11, 12)),
    Promotion(id=0, code="GIFT-30", name="满30送湿巾", kind=Kind.GIFT, gift_sku="3001", threshold=D(30),
              starts_at=local(11, 20), ends_at=local(11, 21)),
    Promotion(id=0, code="OCT-ONLY", name="十月薯片九折", kind=Kind.PERCENT_OFF, percent=D(10),
              products=frozenset({"2001"}), starts_at=local(10, 1), ends_at=local(10, 15)),
]
SALES = [  # when, items, coupons, the sale's total
    (local(10, 28, 10), [("1001", 3), ("1002", 1)], (), "23.00"),
    (local(11, 2, 9), [("1001", 5), ("2001", 1)], (), "32.00"),
    (local(11, 5, 20), [("1001", 2), ("1002", 2)], (), "19.60"),
    (local(11, 6), [("1001", 1)], (), "6.00"),
    (local(11, 9, 15), [("2001", 3)], (), "24.00"),
    (local(11, 10, 11), [("2001", 2), ("1001", 1)], ("SAVE5",), "17.00"),
    (local(11, 11, 18), [("1002", 1)], (), "5.00"),
    (local(11, 20, 14), [("2001", 4)], (), "32.00"),
    (local(11, 20, 15), [("2001", 1), ("1001", 1)], (), "14.00"),
]
LATER = datetime(2026, 1, 1)  # "now" for the service: the whole month is over


def open_the_month(uow, station) -> dict[str, object]:
    """The products, a manager, a cashier, a supervisor, the promotions and the sales above."""
    catalog.save_products(uow, station, actor=SYSTEM, specs=PRODUCTS, source="test")
    users = {role: uow.users.add(username=role.value, name=name, role=role, pin_hash=hash_pin("2580"))
             for role, name in ((Role.MANAGER, "赵店长"), (Role.SUPERVISOR, "王主管"), (Role.CASHIER, "李收银"))}
    svc.save_promotions(uow, station, actor=users[Role.MANAGER], promotions=PROMOS)
    cashier = users[Role.CASHIER]
    shifts.open_shift(uow, station, actor=cashier, opening_float=D("100"))
    totals = []
    for at, items, coupons, _total in SALES:
        basket = Basket(offers=svc.load_offers(uow, station, at=at), clock=svc.fixed_clock(at, station))
        for sku, qty in items:
            basket.add(uow.catalog.by_sku(sku), qty=D(qty))
        for code in coupons:
            basket.add_coupon(code)
        tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
        tendering.add("cash", tendering.cash_due)
        sale = checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=at).sale
        totals.append(str(sale.total))
    assert totals == [s[3] for s in SALES]  # the sales are the ones the figures below are worked from
    return users


@pytest.fixture
def month(uow, station):
    return open_the_month(uow, station)


def figures(data: dict) -> dict[str, tuple]:
    """What a manager reads per promotion: uses, coupons, discount, units and net sales before/during."""
    return {p["code"]: (p["uses"], p["coupon_uses"], p["discount"],
                        (p["units"]["before"], p["units"]["during"], p["units"]["change_pct"]),
                        (p["net_sales"]["before"], p["net_sales"]["during"], p["net_sales"]["change_pct"]))
            for p in data["promotions"]}


NOVEMBER = {
    "CPN-5": (1, 1, "5.00", ("3", "4", "33.3"), ("24.00", "22.00", "-8.3")),
    "GIFT-30": (1, None, "2.00", ("0", "6", "n/a"), ("0.00", "46.00", "n/a")),  # the gift itself not counted
    "MILK-20": (2, None, "8.40", ("3", "7", "133.3"), ("18.00", "33.60", "86.7")),  # 酸奶 excluded
}


def test_the_month_figures_per_promotion(uow, station, month):
    report = promotion_report(uow, station, actor=month[Role.MANAGER], start=date(2025, 11, 1),
                              end=date(2025, 11, 30), now=LATER)

    data = report.to_json()
    assert figures(data) == NOVEMBER
    assert [p["code"] for p in data["promotions"]] == ["CPN-5", "GIFT-30", "MILK-20"]  # not OCT-ONLY
    assert (data["store"], data["from"], data["to"], data["currency"], data["discount"]) == (
        "S001", "2025-11-01", "2025-11-30", "CNY", "15.40")
    milk = data["promotions"][2]
    assert (milk["name"], milk["kind"], milk["covers"]) == ("鲜奶八折", "percent_off", "listed products")
    assert milk["starts"] == "2025-10-30T00:00+08:00"  # its own start; the window is clipped to the range
    assert milk["window"] == {"from": "2025-11-01T00:00+08:00", "to": "2025-11-06T00:00+08:00"}
    assert milk["before_window"] == {"from": "2025-10-27T00:00+08:00", "to": "2025-11-01T00:00+08:00"}
    assert data["promotions"][0]["covers"] == "all products"
    json.dumps(data)  # plain JSON types only

    text = "\n".join(report.text_lines(locale="en"))
    assert "2025-11-01 00:00 - 2025-11-06 00:00" in text and "+133.3%" in text and "n/a" in text
    codes = {p.code for p in PROMOS}
    assert [line.split()[0] for line in text.splitlines() if line.split()[:1] and line.split()[0] in codes] == [
        "CPN-5", "GIFT-30", "MILK-20"]


def test_one_promotion_a_shorter_range_and_a_month_not_over_yet(uow, station, month):
    manager = month[Role.MANAGER]

    milk = promotion_report(uow, station, actor=manager, start=date(2025, 11, 1), end=date(2025, 11, 30),
                            code=" MILK-20 ", now=LATER)
    first_ten = promotion_report(uow, station, actor=manager, start=date(2025, 11, 1), end=date(2025, 11, 10),
                                 now=LATER)
    mid_coupon = promotion_report(uow, station, actor=manager, start=date(2025, 11, 1), end=date(2025, 11, 30),
                                  now=local(11, 11))

    assert figures(milk.to_json()) == {"MILK-20": NOVEMBER["MILK-20"]} and milk.code == "MILK-20"
    # The range ends 10 Nov: the coupon's window is its first day, compared with 9 Nov.
    assert figures(first_ten.to_json())["CPN-5"] == (1, 1, "5.00", ("3", "3", "0.0"), ("24.00", "17.00", "-29.2"))
    # On 11 Nov at 00:00 the coupon has run one day of two, and the gift not at all.
    assert figures(mid_coupon.to_json()) == {"CPN-5": figures(first_ten.to_json())["CPN-5"],
                                             "MILK-20": NOVEMBER["MILK-20"]}


def test_reports_need_the_permission_and_sound_input(uow, station, month):
    november = dict(start=date(2025, 11, 1), end=date(2025, 11, 30))
    for role in (Role.CASHIER, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied):
            promotion_report(uow, station, actor=month[role], **november)
    with pytest.raises(ValidationError, match="before it starts"):
        promotion_report(uow, station, actor=month[Role.MANAGER], start=date(2025, 11, 30), end=date(2025, 11, 1))
    with pytest.raises(NotFound, match="NOPE"):
        promotion_report(uow, station, actor=month[Role.MANAGER], code="NOPE", **november)


def test_a_range_without_promotions_is_a_clear_empty_report(uow, station, month, tmp_path):
    december = dict(start=date(2025, 12, 1), end=date(2025, 12, 3), now=LATER)

    empty = promotion_report(uow, station, actor=month[Role.MANAGER], **december)
    not_then = promotion_report(uow, station, actor=month[Role.MANAGER], code="MILK-20", **december)

    assert empty.to_json() == {"report": "promotions", "store": "S001", "from": "2025-12-01", "to": "2025-12-03",
                               "timezone": "Asia/Shanghai", "currency": "CNY", "code": None, "promotions": [],
                               "discount": "0.00"}
    assert empty.text_lines(locale="en")[-1] == "No promotion was running from 2025-12-01 to 2025-12-03"
    assert not_then.text_lines(locale="en")[-1] == "Promotion MILK-20 was not running from 2025-12-01 to 2025-12-03"
    assert empty.render_pdf(tmp_path / "empty.pdf", locale="zh_CN").read_bytes().startswith(b"%PDF")


# --- posapp-admin report promotions ----------------------------------------------------------------

_admin = run_admin


@pytest.fixture
def cli_store(tmp_path):
    """A store made by `posapp-admin init` (SQLite, zh_CN) with the month above."""
    from posapp.bootstrap import open_store
    from posapp.config import load_config

    init = _admin(tmp_path, "init", "--admin-pin", "2468", "--store-name", "便民超市")
    assert init.returncode == 0, init
    store, _ = open_store(load_config(tmp_path / "posapp.toml"))
    open_the_month(store.uow(), store.station)
    store.close()
    return tmp_path


def test_admin_report_promotions_as_json_text_and_pdf(cli_store):
    pdf = cli_store / "promotions.pdf"

    as_json = _admin(cli_store, "report", "promotions", "--from", "2025-11-01", "--to", "2025-11-30",
                     "--format", "json", "--pdf", pdf)
    as_text = _admin(cli_store, "report", "promotions", "--from", "2025-11-01", "--to", "2025-11-30",
                     "--code", "GIFT-30")
    unknown = _admin(cli_store, "report", "promotions", "--from", "2025-11-01", "--to", "2025-11-30",
                     "--code", "NOPE")
    bad_date = _admin(cli_store, "report", "promotions", "--from", "2025-11-31", "--to", "2025-11-30")

    assert as_json.returncode == 0, as_json
    assert figures(json.loads(as_json.stdout)) == NOVEMBER
    assert as_json.stderr.strip() == f"pdf written to {pdf}"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert as_text.returncode == 0, as_text
    rows = [line.split() for line in as_text.stdout.splitlines() if line.startswith("GIFT-30")]
    na = rows[0][-1]  # "n/a" in the store's language
    assert len(rows) == 1 and rows[0][-6:] == ["0", "6", na, "0.00", "46.00", na] and na in ("n/a", "不适用")
    assert "MILK-20" not in as_text.stdout
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                              encoding="utf-8").stdout
        assert "鲜奶八折" in text and "满30送湿巾" in text and "便民超市" in text and "46.00" in text


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          encoding="utf-8").stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_through_write_report_pdf_as_the_reports_window_makes_it(uow, station, month, tmp_path):
    from posapp.services.report_files import write_report_pdf

    folder = tmp_path / "reports"
    folder.mkdir()
    november = dict(start=date(2025, 11, 1), end=date(2025, 11, 30), now=LATER)
    out = write_report_pdf(uow, station, actor=month[Role.MANAGER], name="promotions", path=folder / "p.pdf",
                           store="便民超市", **november)
    one = write_report_pdf(uow, station, actor=month[Role.MANAGER], name="promotions", path=folder / "one.pdf",
                           code="GIFT-30", **november)

    text = pdf_text(out)
    assert out == folder / "p.pdf" and "S001 便民超市" in text and "2025-11-01" in text
    assert re.search(r"鲜奶八折.*\s2\s+-\s+8\.40\s+3\s+7\s+\+133\.3%\s+18\.00\s+33\.60\s+\+86\.7%", text), text
    assert "满20用券减5" in text and "满30送湿巾" in text and "十月薯片九折" not in text
    assert "满30送湿巾" in pdf_text(one) and "鲜奶八折" not in pdf_text(one)
    assert sorted(p.name for p in folder.iterdir()) == ["one.pdf", "p.pdf"]  # no temp file left
    with pytest.raises(PermissionDenied):
        write_report_pdf(uow, station, actor=month[Role.CASHIER], name="promotions", path=folder / "x.pdf",
                         **november)
    assert sorted(p.name for p in folder.iterdir()) == ["one.pdf", "p.pdf"]


def test_admin_report_promotions_as_csv_and_pdf_like_the_other_reports(cli_store):
    import csv

    month = ("report", "promotions", "--from", "2025-11-01", "--to", "2025-11-30")
    as_csv = _admin(cli_store, *month, "--format", "csv", "--out", cli_store / "p.csv")
    to_stdout = _admin(cli_store, *month, "--format", "csv", "--code", "CPN-5")
    as_pdf = _admin(cli_store, *month, "--format", "pdf", "--out", cli_store / "p.pdf")
    no_out = _admin(cli_store, *month, "--format", "pdf")
    bad_folder = _admin(cli_store, *month, "--format", "pdf", "--out", cli_store / "nowhere" / "p.pdf")
    backwards = _admin(cli_store, "report", "promotions", "--from", "2025-11-30", "--to", "2025-11-01",
                       "--format", "csv", "--out", cli_store / "never.csv")

    assert as_csv.returncode == 0, as_csv
    raw = (cli_store / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {r["code"]: (int(r["uses"]), int(r["coupon_uses"]) if r["coupon_uses"] else None, r["discount"],
                        (r["units_before"], r["units_during"], r["units_change_pct"] or "n/a"),
                        (r["net_before"], r["net_during"], r["net_change_pct"] or "n/a")) for r in rows} == NOVEMBER
    milk = rows[2]
    assert (milk["name"], milk["kind"], milk["window_from"], milk["window_to"], milk["before_from"]) == (
        "鲜奶八折", "percent_off", "2025-11-01T00:00+08:00", "2025-11-06T00:00+08:00", "2025-10-27T00:00+08:00")
    assert to_stdout.returncode == 0 and to_stdout.stdout.startswith("\ufeffcode,name,kind,")
    assert [line.split(",")[0] for line in to_stdout.stdout.splitlines()[1:]] == ["CPN-5"]
    assert as_pdf.returncode == 0, as_pdf
    assert (cli_store / "p.pdf").read_bytes().startswith(b"%PDF") and "p.pdf" in as_pdf.stderr
    if shutil.which("pdftotext"):
        text = pdf_text(cli_store / "p.pdf")
        assert "S001 便民超市" in text and "鲜奶八折" in text and "46.00" in text
    assert no_out.returncode == 1 and "--out PATH" in no_out.stderr
    assert bad_folder.returncode == 1 and "nowhere" in bad_folder.stderr
    assert backwards.returncode == 1 and "before it starts" in backwards.stderr
    assert sorted(p.name for p in cli_store.iterdir() if p.suffix in (".csv", ".pdf", ".part")) == ["p.csv", "p.pdf"]
