"""The members section of the reports (issue 10) on SQLite and PostgreSQL, through the real checkout,
returns and points services, and `posapp-admin report members`. Worked out by hand (Asia/Shanghai; the
report covers D0 (2026-10-10) and D1; times store-local; the rules: A from 200.00 and 3
visits with a visit in the last 30 days, B from 100.00 or 2 visits in the last 90 days; a point per
yuan paid, 100 points pay 1.00; points expire after a month):

  D0-1 month   王女士 (a member for 100 days) 奶粉 87.50 at 08:00: earns 87, which expire at D0 08:00
  D0-1 23:50   王女士 奶粉 87.50: earns 87                                  opening points 174
  D0   00:30   a guest 大米 12.90 (16:30 UTC the day before: the sale is D0's)
  D0   09:00   the expiry job: 王女士's first 87 points expire (as of 08:00)
  D0   10:00   王女士 2 x 奶粉 175.00: earns 175
  D0   11:00   a guest 奶粉 87.50
  D0   12:00   王女士 brings one 奶粉 back: -87.50, half the points the sale earned go back (-88)
  D1   09:00   李先生 and 张三 sign up at this store's till
  D1   10:00   王女士 大米 12.90: 1.00 of it with 100 points, 11.90 in cash: earns 11
  D1   11:00   李先生 2 x 奶粉 175.00: earns 175
  D1   12:00   the manager gives 张三 50 points (a complaint)
  D1   13:00   张三 大米 12.90 in another store (S002): earns 12 (not this store's sale)

  sales       members 3 sales, 1 return, net 275.40 (175.00 - 87.50 + 12.90 + 175.00), average 91.80;
              guests 2 sales, net 100.40; members' share 275.40 / 375.80 = 73.3 %, of sales 3 / 5 = 60.0 %
              2 members bought here; 2 new members, both signed up here
  points      opening 174; earned 373 (361 here), redeemed 100 (here), expired 87, reversed -88,
              adjusted +50; closing 322 = 3.22 of liability, 3 members hold points
  classes     end of D0-1: 王女士 175.00 in 2 visits: B (the others did not exist yet)
              end of D0:   262.50 in 3 visits, came that day: A
              end of D1:   王女士 275.40 in 4 visits: A; 李先生 175.00: B; 张三 12.90 once: C
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest
from admin_run import initialised_store, run_admin
from test_members import sell, store  # noqa: F401 (the store fixture: catalog, manager, cashier, open shift)

from posapp.domain.clock import utcnow
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.member_analysis import class_days
from posapp.domain.points import add_months
from posapp.domain.returns import Asked
from posapp.reports.member_report import classify
from posapp.services import members as svc
from posapp.services import returns, shifts
from posapp.services.auth import SYSTEM
from posapp.services.member_analysis import member_analysis
from posapp.services.member_reports import member_report
from posapp.services.sales_reports import period_sales
from posapp.storage.member_report_repo import MemberFigures
from posapp.storage.models import AuditRow, MemberRow

D0, D1 = date(2026, 10, 10), date(2026, 10, 11)
MILK, RICE = "D0000001", "D0000006"  # 奶粉 87.50, 大米 12.90 in the demo catalog
RULES = {"classes": {"a_spend": "200", "a_visits": 3, "a_days": 30, "b_spend": "100", "b_visits": 2, "b_days": 90},
         "tiers": [{"name": "silver", "spend": "100000", "multiplier": "1"}], "expiry_months": 1}


def local(hour: int, minute: int = 0, *, day: date = D0) -> datetime:
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=8)


def build(uow, station, manager, cashier):
    """The data set above; returns the three members."""
    svc.save_loyalty_rules(uow, station, actor=SYSTEM, rules=svc.rules_from_json(RULES))
    wang = svc.sign_up(uow, station, actor=cashier, phone="13800000001", name="王女士")
    joined(wang, local(9, day=D0 - timedelta(days=100)))  # a member for long: not a new member
    sell(uow, station, cashier, wang, [(MILK, 1)], now=add_months(local(8), -1))
    sell(uow, station, cashier, wang, [(MILK, 1)], now=local(23, 50, day=D0 - timedelta(days=1)))
    sell(uow, station, cashier, None, [(RICE, 1)], now=local(0, 30))
    svc.expire_points(uow, station, actor=SYSTEM, at=local(9))
    two = sell(uow, station, cashier, wang, [(MILK, 2)], now=local(10))
    sell(uow, station, cashier, None, [(MILK, 1)], now=local(11))
    returns.take_return(uow, station, actor=cashier, number=two.number, asked=[Asked(1, D(1), "changed_mind")],
                        now=local(12))
    li = svc.sign_up(uow, station, actor=cashier, phone="13800000002", name="李先生")
    joined(li, local(9, day=D1))
    zhang = svc.sign_up(uow, station, actor=cashier, phone="13800000003", name="张三")
    joined(zhang, local(9, 5, day=D1))
    sell(uow, station, cashier, uow.members.by_code(wang.code), [(RICE, 1)], points=D("1.00"), now=local(10, day=D1))
    sell(uow, station, cashier, li, [(MILK, 2)], now=local(11, day=D1))
    svc.adjust_points(uow, station, actor=manager, code=zhang.code, points=50, reason="complaint",
                      at=local(12, day=D1))
    other = replace(station, store_code="S002", terminal_code="T09")
    shifts.open_shift(uow, other, actor=cashier, opening_float=D("100.00"))
    sell(uow, other, cashier, zhang, [(RICE, 1)], now=local(13, day=D1))
    return wang, li, zhang


def joined(member, at: datetime) -> None:
    """Backdates a sign-up (the member and its audit row), as if it had been made at `at`."""
    MemberRow.update(created_at=at).where(MemberRow.code == member.code).execute()
    AuditRow.update(at=at).where((AuditRow.action == "member_created") & (AuditRow.at > utcnow() - timedelta(hours=1))
                                 ).execute()


@pytest.fixture
def shop(uow, station, store):  # noqa: F811
    manager, cashier = store
    return manager, cashier, build(uow, station, manager, cashier)


def test_members_share_new_members_and_points_as_worked_out_by_hand(uow, station, shop):
    manager, _cashier, _members = shop

    report = member_analysis(uow, station, actor=manager, start=D0, end=D1)
    data = report.to_json()

    assert data["members"] == {"sales": 3, "returns": 1, "net": "275.40", "average_basket": "91.80"}
    assert data["guests"] == {"sales": 2, "returns": 0, "net": "100.40", "average_basket": "50.20"}
    assert (data["net"], data["member_share_pct"], data["member_sales_share_pct"]) == ("375.80", "73.3", "60.0")
    assert (data["buyers"], data["new_members"], data["signed_up_here"]) == (2, 2, 2)
    # Members and others together are the period report's net sales, day by day.
    period = period_sales(uow, station, actor=manager, start=D0, end=D1)
    assert report.net == period.current.total.net
    assert [d.members.net + d.guests.net for d in report.days] == [f.net for _d, f in period.current.by_day]
    assert data["points"] == {"opening": 174, "earned": 373, "redeemed": 100, "expired": 87, "adjusted": 50,
                              "reversed": -88, "closing": 322, "earned_here": 361, "redeemed_here": 100,
                              "holders": 3, "rate": 100, "opening_value": "1.74", "closing_value": "3.22"}
    # The ledger's own sum agrees with the report's closing balance.
    balances = sum(uow.members.balance(uow.members.by_code(c).id) for c in
                   [m.code for m in MemberRow.select(MemberRow.code)])
    assert balances == report.closing_points == report.days[-1].balance
    # By day: the 00:30 sale is on D0; today's new members and points on today.
    first, second = data["days"]
    assert (first["day"], first["guests"]["net"], first["members"]["net"], first["new_members"]) == (
        D0.isoformat(), "100.40", "87.50", 0)
    assert (first["points_earned"], first["points_expired"], first["points_balance"]) == (175, 87, 174)
    assert (second["members"]["net"], second["new_members"], second["points_redeemed"]) == ("187.90", 2, 100)
    json.dumps(data)


def test_classes_at_the_end_of_each_day_follow_the_rules(uow, station, shop):
    manager, _cashier, _members = shop

    report = member_analysis(uow, station, actor=manager, start=D0, end=D1)

    assert [(c.day, c.members) for c in report.classes] == [
        (D0 - timedelta(days=1), {"A": 0, "B": 1, "C": 0}), (D0, {"A": 1, "B": 0, "C": 0}),
        (D1, {"A": 1, "B": 1, "C": 1})]
    assert report.classes[-1].spend == {"A": D("275.40"), "B": D("175.00"), "C": D("12.90")}
    # A period reaching into the future counts classes up to now (today's as of now), nothing after.
    today = (utcnow() + timedelta(hours=8)).date()
    later = member_analysis(uow, station, actor=manager, start=today - timedelta(days=1),
                            end=today + timedelta(days=40))
    assert [c.day for c in later.classes] == [today - timedelta(days=2), today - timedelta(days=1), today]
    assert later.classes[-1].moment <= utcnow() and later.classes[-1].total == 3


def test_the_sql_classes_agree_with_the_member_reports_rule_at_every_moment(uow, station, shop):
    """The class counts are worked out in SQL; the member report classifies in Python. At each moment
    they must agree, member for member counted."""
    manager, _cashier, _members = shop
    rules = svc.loyalty_rules(uow)
    for days in range(0, 45, 7):
        report = member_analysis(uow, station, actor=manager, start=D0 - timedelta(days=days), end=D1)
        for c in report.classes:
            listed = member_report(uow, station, actor=manager, at=c.moment)
            existing = [m for m in listed.members
                        if MemberRow.get(MemberRow.code == m.code).created_at <= c.moment]
            _lines, by_class = classify([_figures(m) for m in existing], rules=rules, at=c.moment, places=2)
            assert c.members == {k.customer_class: k.members for k in by_class}, (days, c.day)
            assert c.spend == {k.customer_class: k.spend for k in by_class}, (days, c.day)


def _figures(line) -> MemberFigures:  # the member report's lines carry the figures classify reads
    return MemberFigures(code=line.code, name=line.name, phone=line.phone, active=line.active, spend=line.spend,
                         visits=line.visits, last_visit=line.last_visit, points=line.points)


def test_only_the_stores_own_sales_count_and_other_stores_see_theirs(uow, station, shop):
    manager, _cashier, _members = shop
    other = replace(station, store_code="S002", terminal_code="T09")

    theirs = member_analysis(uow, other, actor=manager, start=D0, end=D1)

    assert (theirs.members.sales, theirs.members.net, theirs.guests.sales) == (1, D("12.90"), 0)
    assert (theirs.buyers, theirs.signed_up_here, theirs.earned_here, theirs.redeemed_here) == (1, 0, 12, 0)
    assert theirs.points.earn == 373  # points are every store's: one customer base


def test_a_cashier_may_not_see_it_and_a_backwards_or_endless_range_is_refused(uow, station, shop):
    _manager, cashier, _members = shop
    with pytest.raises(PermissionDenied):
        member_analysis(uow, station, actor=cashier, start=D0, end=D1)
    with pytest.raises(ValidationError, match="before it starts"):
        member_analysis(uow, station, actor=SYSTEM, start=D1, end=D0)
    with pytest.raises(ValidationError, match="at most"):
        member_analysis(uow, station, actor=SYSTEM, start=date(2000, 1, 1), end=D1)


def test_an_empty_period_has_no_share_and_the_liability_carries_through(uow, station, shop):
    manager, _cashier, _members = shop
    quiet = D0 - timedelta(days=60)

    report = member_analysis(uow, station, actor=manager, start=quiet, end=quiet + timedelta(days=6))

    assert (report.net, report.member_share, report.members.average_basket) == (0, None, None)
    assert report.opening_points == report.closing_points == 0  # before the first sale
    assert report.to_json()["member_share_pct"] is None
    assert len(report.rows()) == 8 and report.rows()[0][0] == "day"


def test_class_days_pick_the_finest_step_that_stays_readable():
    today = date(2026, 12, 7)
    assert class_days(date(2026, 6, 1), date(2026, 6, 3), today) == [
        date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3)]
    june = class_days(date(2026, 6, 1), date(2026, 6, 30), today)  # weeks ending on Sunday, then the last day
    assert june == [date(2026, 5, 31), date(2026, 6, 7), date(2026, 6, 14), date(2026, 6, 21), date(2026, 6, 28),
                    date(2026, 6, 30)]
    year = class_days(date(2025, 1, 1), date(2025, 12, 31), today)
    assert year[0] == date(2024, 12, 31) and year[1] == date(2025, 1, 31) and len(year) == 13
    assert class_days(date(2026, 12, 1), date(2026, 12, 31), today)[-1] == today  # nothing after today
    assert len(class_days(date(1990, 1, 1), date(2025, 12, 31), today)) <= 14


# --- posapp-admin report members ----------------------------------------------------------------

@pytest.fixture
def cli_store(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("posapp-admin init makes a SQLite store")
    from posapp.demo import demo_products
    from posapp.domain.users import Role
    from posapp.services import catalog
    from posapp.services.auth import hash_pin

    def fill(uow, station):
        catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(60), source="demo")
        manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
        cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
        shifts.open_shift(uow, station, actor=cashier, opening_float=D("200.00"))
        build(uow, station, manager, cashier)

    return initialised_store(tmp_path, fill, "--store-name", "便民超市")


def test_admin_report_members_as_json_csv_and_pdf(cli_store):
    span = ("--from", D0.isoformat(), "--to", D1.isoformat())
    as_json = run_admin(cli_store, "report", "members", *span, "--format", "json")
    as_csv = run_admin(cli_store, "report", "members", *span, "--format", "csv", "--out", cli_store / "m.csv")
    as_text = run_admin(cli_store, "report", "members", *span)
    as_pdf = run_admin(cli_store, "report", "members", *span, "--format", "pdf", "--out", cli_store / "m.pdf")
    no_out = run_admin(cli_store, "report", "members", *span, "--format", "pdf")

    assert as_json.returncode == 0, as_json
    data = json.loads(as_json.stdout)
    assert (data["members"]["net"], data["member_share_pct"], data["points"]["closing"]) == ("275.40", "73.3", 322)
    assert as_csv.returncode == 0, as_csv
    raw = (cli_store / "m.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["day", "member_sales", "member_net", "guest_sales", "guest_net"]
    assert rows[1][:7] == [D0.isoformat(), "1", "87.50", "2", "100.40", "46.6", "0"]
    assert rows[2][-3:] == ["1", "1", "1"]  # the classes counted at the end of the period
    assert as_text.returncode == 0, as_text
    assert "73.3" in as_text.stdout and "322" in as_text.stdout and "会员" in as_text.stdout
    assert as_pdf.returncode == 0, as_pdf
    assert (cli_store / "m.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", cli_store / "m.pdf", "-"], capture_output=True,
                              encoding="utf-8", check=True).stdout
        for expected in ("会员分析", "275.40", "73.3", "便民超市", "积分", "322"):
            assert expected in text, expected
    assert no_out.returncode != 0 and "--out" in no_out.stderr
