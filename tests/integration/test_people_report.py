"""The payments and staff reports on SQLite and PostgreSQL, through the real services, and
`posapp-admin report payments|staff`. Worked out by hand (Asia/Shanghai, cash rounds to 0.10; D0 is
yesterday in the store, the report covers D0 and today; times store-local):

  D0-1 23:50  T02 张收银  water 2.00 cash                         (the day before: not in the report)
  D0   00:30  T02 张收银  milk 6.58, cash 6.60 (rounding +0.02)
  D0   10:00  T01 李收银  2 milk + noodles 17.66, cash 17.70 from 20 (rounding +0.04)
  D0   11:00  T01 李收银  3 water 6.00, card
  D0   12:00  T01 李收银  takes back 1 water of the card sale: 2.00 to the card
  D0   13:00  T02 张收银  takes back 1 milk of the 17.66 sale: 6.58, 6.60 in cash (rounding +0.02)
  today       李收银 voids a line, 张收银 voids a sale, both with 王主管's PIN; 张收银 signs up a member
  shifts      李收银 T01 D0 08:00-16:00 closed (8 h); 张收银 T02 from D0 12:00, open, report at 18:00 (6 h)

  payments  sales 3, returns 2; cash 2 x 24.30 taken, 1 x 6.60 back, net 17.70; card 1 x 6.00, 1 x 2.00,
            net 4.00; rounding 0.06 on sales, 0.02 on refunds, net 0.04
  staff     李收银 2 sales 23.66 (avg 11.83), 1 return 2.00, net 21.66, 1 line voided, 1 override, 8 h
            张收银 1 sale 6.58 (avg 6.58), 1 return 6.58, net 0.00, 1 sale voided, 1 override, 1 member, 6 h
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest
from admin_run import initialised_store, run_admin
from test_shift_reports import PRODUCTS, STEP

from posapp.domain.basket import Basket
from posapp.domain.clock import utcnow
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.returns import Asked
from posapp.domain.tender import Tendering
from posapp.domain.users import Permission, Role
from posapp.services import auth, catalog, checkout, members, returns, shifts, till
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.people_reports import payments_report, staff_report
from posapp.storage.models import ShiftRow

D0 = (utcnow() + timedelta(hours=8)).date() - timedelta(days=1)
TODAY = D0 + timedelta(days=1)


def local(hour: int, minute: int = 0, *, day: date = D0) -> datetime:
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=8)


def sell(uow, station, cashier, items, tender, amount, now):
    basket = Basket()
    for sku, qty in items:
        basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    tendering = Tendering(total=basket.totals().total, cash_increment=STEP)
    tendering.add(tender, D(amount), reference="" if tender == "cash" else "8842")
    return checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=now).sale


def build(uow, station):
    """The data set above; returns the two cashiers and the report's `now`."""
    t01 = replace(station, cash_increment=STEP)
    t02 = replace(t01, terminal_code="T02")
    catalog.save_products(uow, t01, actor=SYSTEM, specs=PRODUCTS, source="test")
    c1 = uow.users.add(username="c1", name="李收银", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    c2 = uow.users.add(username="c2", name="张收银", role=Role.CASHIER, pin_hash=hash_pin("2222"))
    sup = uow.users.add(username="sup", name="王主管", role=Role.SUPERVISOR, pin_hash=hash_pin("7777"))
    shifts.open_shift(uow, t01, actor=c1, opening_float="200")
    shifts.open_shift(uow, t02, actor=c2, opening_float="100")
    sell(uow, t02, c2, [("1003", 1)], "cash", "2", local(23, 50, day=D0 - timedelta(days=1)))
    sell(uow, t02, c2, [("1001", 1)], "cash", "10", local(0, 30))
    s1 = sell(uow, t01, c1, [("1001", 2), ("1002", 1)], "cash", "20", local(10))
    s2 = sell(uow, t01, c1, [("1003", 3)], "card", "6", local(11))
    returns.take_return(uow, t01, actor=c1, number=s2.number, asked=[Asked(1, D(1), "damaged")],
                        references={0: "RF-1"}, now=local(12))
    returns.take_return(uow, t02, actor=c2, number=s1.number, asked=[Asked(1, D(1), "changed_mind")], now=local(13))
    for who, station, permission, action in ((c1, t01, Permission.VOID_LINE, "line_voided"),
                                             (c2, t02, Permission.VOID_SALE, "sale_voided")):
        approval = auth.approve(uow, station, approver="sup", pin="7777", permission=permission, for_user=who)
        till.authorize(uow, station, actor=who, permission=permission, action=action, detail={}, approval=approval)
    members.sign_up(uow, t02, actor=c2, phone="13812345678", name="王女士", consent=True)
    shifts.close_shift(uow, t01, actor=sup, counted="217.70")
    ShiftRow.update(opened_at=local(8), closed_at=local(16)).where(ShiftRow.terminal_code == "T01").execute()
    ShiftRow.update(opened_at=local(12)).where(ShiftRow.terminal_code == "T02").execute()
    return c1, c2, local(18)


PAYMENTS = {"sales": 3, "returns": 2, "sales_rounding": "0.06", "refund_rounding": "0.02", "rounding": "0.04",
            "taken": "30.30", "refunded": "8.60", "net": "21.70",
            "tenders": [("cash", 2, "24.30", 1, "6.60", "17.70"), ("card", 1, "6.00", 1, "2.00", "4.00")]}
STAFF = [  # name, sales, amount, average, returns, returned, net, lines, sales voided, overrides, members, hours
    ("张收银", 1, "6.58", "6.58", 1, "6.58", "0.00", 0, 1, 1, 1, "6.00"),
    ("李收银", 2, "23.66", "11.83", 1, "2.00", "21.66", 1, 0, 1, 0, "8.00"),
]


def payments_figures(data: dict) -> dict:
    out = {k: v for k, v in data.items() if k not in ("start", "end", "currency", "tenders")}
    out["tenders"] = [(t["tender"], t["sales_count"], t["sales"], t["refund_count"], t["refunds"], t["net"])
                      for t in data["tenders"]]
    return out


def test_payments_by_tender_with_refunds_rounding_and_store_local_days(uow, station):
    build(uow, station)
    manager = uow.users.add(username="boss", name="赵经理", role=Role.MANAGER, pin_hash=hash_pin("9999"))

    report = payments_report(uow, station, actor=manager, start=D0, end=TODAY)

    assert payments_figures(report.to_json()) == PAYMENTS
    assert [(t.tender, t.net) for t in report.tenders] == [("cash", D("17.70")), ("card", D("4.00"))]
    # The day before alone: only the sale at 23:50 store time (15:50 UTC).
    before = payments_report(uow, station, actor=manager, start=D0 - timedelta(days=1), end=D0 - timedelta(days=1))
    assert (before.sales, before.returns, before.taken) == (1, 0, D("2.00"))


def test_staff_figures_per_cashier(uow, station):
    c1, c2, now = build(uow, station)

    report = staff_report(uow, station, actor=SYSTEM, start=D0, end=TODAY, now=now)

    assert [tuple(row) for row in report.rows()[1:]] == [
        (name, n, D(a), D(avg), r, D(back), D(net), lines, voided, over, mem, D(h))
        for name, n, a, avg, r, back, net, lines, voided, over, mem, h in STAFF]
    # Only the first day: c1's shift was all in it, c2's from 12:00 to the report's now (18:00).
    first = staff_report(uow, station, actor=SYSTEM, start=D0, end=D0, now=now)
    assert [(s.name, s.sales, s.hours, s.members) for s in first.staff] == [
        ("张收银", 1, D("6.00"), 0), ("李收银", 2, D("8.00"), 0)]


def test_reports_need_their_permission_and_a_sane_range(uow, station):
    c1, _c2, _now = build(uow, station)
    with pytest.raises(PermissionDenied):
        payments_report(uow, station, actor=c1, start=D0, end=TODAY)
    with pytest.raises(PermissionDenied):
        staff_report(uow, station, actor=c1, start=D0, end=TODAY)
    with pytest.raises(ValidationError):
        payments_report(uow, station, actor=SYSTEM, start=TODAY, end=D0)


@pytest.fixture
def cli_store(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("posapp-admin init makes a SQLite store")
    return initialised_store(tmp_path, build, "--store-name", "便民超市")


def test_admin_report_payments_as_json_and_staff_as_csv(cli_store):
    span = ("--from", D0.isoformat(), "--to", TODAY.isoformat())
    as_json = run_admin(cli_store, "report", "payments", *span, "--format", "json")
    as_csv = run_admin(cli_store, "report", "staff", *span, "--format", "csv", "--out", cli_store / "staff.csv")
    as_text = run_admin(cli_store, "report", "payments", *span)
    bad = run_admin(cli_store, "report", "staff", "--from", "2026-02-30", "--to", TODAY.isoformat())

    assert as_json.returncode == 0, as_json
    assert payments_figures(json.loads(as_json.stdout)) == PAYMENTS
    assert as_csv.returncode == 0, as_csv
    raw = (cli_store / "staff.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["cashier", "sales", "sales_amount"]
    # The CLI's now is the real one: 张收银's shift is still open, so hours are not fixed; the rest is.
    assert [tuple(r[:11]) for r in rows[1:]] == [tuple(map(str, s[:11])) for s in STAFF]
    assert as_text.returncode == 0, as_text
    table = [line.split() for line in as_text.stdout.splitlines()]
    assert table[-3][-5:] == ["2", "24.30", "1", "6.60", "17.70"]  # cash, in the store's language
    assert table[-1][-5:] == ["3", "30.30", "2", "8.60", "21.70"]  # the total
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
