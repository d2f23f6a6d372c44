"""The member report (会员分析报表) on a real database (SQLite and PostgreSQL), from sales through the real
checkout, and `posapp-admin members report`.

The store's rules (configured, not the defaults): A from 200.00 and 3 visits, last visit within 30 days;
B from 100.00 or 2 visits, last visit within 90 days; a silver tier from 200.00. The report is as of
AS_OF; "-N" below is N days before it. 奶粉 is 87.50, 大米 12.90.

  王女士   3 x 奶粉 at -50, -20, -2 (+ one at -400: outside the 12 months)  262.50  3  A
  李先生   3 x 奶粉 at -120, -60, -40: would be A, but last came 40 days ago  262.50  3  B
  张三     2 x 大米 at -10, -5: little spend, but 2 visits                     25.80  2  B
  赵四     3 x 奶粉 at -200, -150, -100: last came 100 days ago                262.50  3  C
  钱五     大米 at -3 (+ one a day after the report: not counted)              12.90  1  C
  孙六     never bought                                                         0.00  0  C
  (a sale without a member the day before: counted nowhere)
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_members import sell, store  # noqa: F401 (the store fixture: catalog, manager, cashier, open shift)
from test_promotions_cli import Admin, admin  # noqa: F401 (the posapp-admin fixture)

from posapp.domain.errors import PermissionDenied, PosError, ValidationError
from posapp.domain.members import mask_phone
from posapp.domain.points import customer_class
from posapp.domain.users import Role
from posapp.reports.member_report import classify
from posapp.services import members as svc
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.member_reports import member_report
from posapp.storage import db as dbmod
from posapp.storage.member_report_repo import MemberFigures

AS_OF = datetime(2026, 9, 1, 4, 0)  # naive UTC: 12:00 in Shanghai; a month and more before "now"
MILK, RICE = "D0000001", "D0000006"  # 奶粉 87.50, 大米 12.90 in the demo catalog
RULES = {"classes": {"a_spend": "200", "a_visits": 3, "a_days": 30, "b_spend": "100", "b_visits": 2, "b_days": 90},
         "tiers": [{"name": "silver", "spend": "200", "multiplier": "1"}]}
MEMBERS = [  # name, phone, [(days before AS_OF, sku)], class at AS_OF
    ("王女士", "13800000001", [(400, MILK), (50, MILK), (20, MILK), (2, MILK)], "A"),
    ("李先生", "13800000002", [(120, MILK), (60, MILK), (40, MILK)], "B"),
    ("张三", "13800000003", [(10, RICE), (5, RICE)], "B"),
    ("赵四", "13800000004", [(200, MILK), (150, MILK), (100, MILK)], "C"),
    ("钱五", "13800000005", [(3, RICE), (-1, RICE)], "C"),
    ("孙六", "13800000006", [], "C"),
]
ORDER = ["王女士", "李先生", "张三", "赵四", "钱五", "孙六"]  # class A, B, C, then spend, highest first


@pytest.fixture
def shop(uow, station, store):  # noqa: F811
    """The members and sales above; what each member spent and earned in the report's 12 months."""
    manager, cashier = store
    svc.save_loyalty_rules(uow, station, actor=SYSTEM, rules=svc.rules_from_json(RULES))
    counted, later_points = {}, {}
    for name, phone, visits, _klass in MEMBERS:
        member = svc.sign_up(uow, station, actor=cashier, phone=phone, name=name)
        spend, n, last, later = D(0), 0, None, 0
        for days, sku in visits:
            at = AS_OF - timedelta(days=days)
            sale = sell(uow, station, cashier, member, [(sku, 1)], now=at)
            if days < 0:
                later += sale.member.earned
            elif days <= 365:
                spend, n, last = spend + sale.total, n + 1, max(last or at, at)
        counted[name] = (member.code, spend, n, last)
        later_points[name] = later
    sell(uow, station, cashier, None, [(MILK, 2)], now=AS_OF - timedelta(days=1))
    return manager, cashier, counted, later_points


def test_members_land_in_the_class_the_rules_say_and_the_classes_add_up(uow, station, shop):
    manager, _cashier, counted, later_points = shop

    report = member_report(uow, station, actor=manager, at=AS_OF)

    by_name = {m.name: m for m in report.members}
    assert [m.name for m in report.members] == ORDER
    assert {n: m.customer_class for n, m in by_name.items()} == {n: k for n, _p, _v, k in MEMBERS}
    for name, (code, spend, visits, last) in counted.items():
        m = by_name[name]
        assert (m.code, m.spend, m.visits, m.last_visit) == (code, spend, visits, last), name
    assert by_name["王女士"].spend == D("262.50") and by_name["张三"].spend == D("25.80")
    assert {n: m.tier for n, m in by_name.items() if m.tier} == {"王女士": "silver", "李先生": "silver",
                                                                 "赵四": "silver"}
    assert by_name["孙六"].last_visit is None and by_name["孙六"].spend == 0
    assert by_name["王女士"].phone == "138****0001"
    # Points at the report's moment: what the ledger holds now, less what the later sale earned.
    for name, code, *_rest in ((n, *counted[n]) for n in counted):
        member = uow.members.by_code(code)
        assert by_name[name].points == uow.members.balance(member.id) - later_points[name], name
    assert later_points["钱五"] > 0

    summary = {c.customer_class: (c.members, c.spend, c.visits) for c in report.classes}
    assert summary == {"A": (1, D("262.50"), 3), "B": (2, D("288.30"), 5), "C": (3, D("275.40"), 4)}
    assert report.spend == sum(s for _c, s, _v, _l in counted.values()) == D("826.20")
    assert report.visits == 12
    data = report.to_json()
    assert [(c["class"], c["average_spend"], c["spend_share_pct"]) for c in data["classes"]] == [
        ("A", "262.50", "31.8"), ("B", "144.15", "34.9"), ("C", "91.80", "33.3")]
    assert (data["at"], data["since"], data["rules"]["a_spend"], data["members"]) == (
        "2026-09-01T12:00+08:00", "2025-09-01T12:00+08:00", "200.00", 6)
    json.dumps(data)


def test_the_class_is_worked_out_at_the_reports_moment_not_read_from_the_member(uow, station, shop):
    manager, _cashier, counted, _later = shop
    svc.refresh_tiers(uow, station, actor=manager, at=AS_OF)  # what the member's card says: A

    a_month_on = member_report(uow, station, actor=manager, at=AS_OF + timedelta(days=28))
    a_day_more = member_report(uow, station, actor=manager, at=AS_OF + timedelta(days=29))

    # 28 days on, 王女士 last came 30 days before: still A. 钱五's sale of the day after now counts: 2 visits, B.
    assert {m.name: m.customer_class for m in a_month_on.members} == {
        "王女士": "A", "李先生": "B", "张三": "B", "钱五": "B", "赵四": "C", "孙六": "C"}
    # A day more and her last visit is 31 days old: B, though the stored class still says A.
    assert {m.name: m.customer_class for m in a_day_more.members}["王女士"] == "B"
    assert uow.members.by_code(counted["王女士"][0]).customer_class == "A"


def test_a_return_takes_off_the_spend_but_is_no_visit(uow, station, shop):
    manager, _cashier, counted, _later = shop
    code = counted["王女士"][0]
    # What a return writes for a member's goods brought back: a document in the sale table with the
    # member's card and a negative total (written here directly, as the returns work does).
    db, day_before = dbmod.database.obj, AS_OF - timedelta(days=1)
    p = db.param
    db.execute_sql(
        "INSERT INTO sale (number, store_code, terminal_code, shift_id, cashier_id, created_at, currency, "
        "subtotal_minor, basket_discount_minor, total_minor, rounding_minor, change_minor, promo_discount_minor, "
        "member_code, kind) SELECT 'S001-T01-R1', store_code, terminal_code, shift_id, "
        f"cashier_id, {p}, currency, -8750, 0, -8750, 0, 0, 0, member_code, 'return' "
        f"FROM sale WHERE member_code = {p} ORDER BY id LIMIT 1",
        (str(day_before) if dbmod.is_sqlite() else day_before, code))

    report = member_report(uow, station, actor=manager, at=AS_OF)

    her = next(m for m in report.members if m.code == code)
    assert (her.spend, her.visits, her.last_visit) == (D("175.00"), 3, AS_OF - timedelta(days=2))
    assert her.customer_class == "B"  # 175.00 is below A's 200.00
    assert report.summary("A").members == 0 and report.spend == D("738.70")


def test_the_csv_has_every_member_masked_with_a_bom_and_the_pdf_the_top_ones(uow, station, shop, tmp_path):
    manager = shop[0]
    csv_path, pdf_path = tmp_path / "members.csv", tmp_path / "members.pdf"

    report = member_report(uow, station, actor=manager, at=AS_OF, top=1, csv_path=csv_path, pdf_path=pdf_path,
                           locale="zh_CN", store_name="便民超市")

    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not any(p.encode() in raw for _n, p, _v, _k in MEMBERS)  # no full phone anywhere
    head, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert head[:5] == ["会员卡号", "姓名", "手机号", "等级", "客户分类"]
    assert [(r[1], r[2], r[4], r[5], r[6]) for r in rows] == [
        (m.name, mask_phone(p), m.customer_class, f"{m.spend:.2f}", str(m.visits))
        for m, (_n, p, _v, _k) in zip(report.members, sorted(MEMBERS, key=lambda x: ORDER.index(x[0])))]
    assert len(rows) == 6  # everyone, whatever --top says
    assert rows[0][7] == f"{AS_OF + timedelta(hours=8) - timedelta(days=2):%Y-%m-%d %H:%M}"  # store-local
    assert rows[-1][7] == "" and rows[-1][5] == "0.00"
    assert not list(tmp_path.glob("*.part"))
    audit = uow.audit.recent(limit=1)[0]
    assert audit.action == "member_report_written" and audit.actor == "m1"
    assert audit.detail["files"] == ["members.csv", "members.pdf"] and audit.detail["members"] == 6

    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = _pdf_text(pdf_path)
        assert "会员分析报表" in text and "便民超市" in text and "高价值" in text
        assert "王女士" in text and "138****0001" in text and "262.50" in text
        assert "李先生" in text and "张三" not in text  # top 1 of class B, by spend
        assert "赵四" in text and "钱五" not in text and "孙六" not in text
        assert "前 1 名" in text and "CSV" in text


def test_an_english_pdf_and_text(uow, station, shop, tmp_path):
    report = member_report(uow, station, actor=shop[0], at=AS_OF, pdf_path=tmp_path / "en.pdf", locale="en")

    lines = report.text_lines(locale="en")
    assert lines[0] == "Member analysis S001 as of 2026-09-01 12:00 (CNY)"
    assert any(line.split()[:3] == ["A", "(high", "value)"] and "262.50" in line for line in lines)
    codes = [line.split()[0] for line in lines if re.match(r"M\d{7} ", line)]
    assert codes == [m.code for m in report.members]  # all six, within the default top 200
    if shutil.which("pdftotext"):
        text = _pdf_text(tmp_path / "en.pdf")
        assert "Member analysis" in text and "A (high value)" in text and "王女士" in text
        assert "at least 200.00 spent and at least 3 visits" in text and "Showing the top" not in text


def test_without_the_permission_nothing_is_read_or_written(uow, station, shop, tmp_path):
    out = tmp_path / "out"  # tmp_path also holds the SQLite database
    out.mkdir()
    _manager, cashier, _counted, _later = shop
    supervisor = uow.users.add(username="s1", name="主管", role=Role.SUPERVISOR, pin_hash=hash_pin("2222"))
    audits = len(uow.audit.recent(limit=1000))

    for actor in (cashier, supervisor):
        with pytest.raises(PermissionDenied, match="view reports"):
            member_report(uow, station, actor=actor, at=AS_OF, csv_path=out / "m.csv",
                          pdf_path=out / "m.pdf")

    assert list(out.iterdir()) == []
    assert len(uow.audit.recent(limit=1000)) == audits


def test_bad_moments_paths_and_top_are_refused_before_anything_is_written(uow, station, shop, tmp_path):
    out = tmp_path / "out"  # tmp_path also holds the SQLite database
    out.mkdir()
    manager = shop[0]
    audits = len(uow.audit.recent(limit=1000))

    with pytest.raises(ValidationError, match="has not come yet"):
        member_report(uow, station, actor=manager, at=datetime(2999, 1, 1))
    with pytest.raises(ValidationError, match="no folder"):
        member_report(uow, station, actor=manager, csv_path=out / "nope" / "m.csv")
    with pytest.raises(ValidationError, match="is a folder"):
        member_report(uow, station, actor=manager, pdf_path=out)
    with pytest.raises(ValidationError, match="same file"):
        member_report(uow, station, actor=manager, csv_path=out / "m", pdf_path=out / "m")
    with pytest.raises(ValidationError, match="0 to"):
        member_report(uow, station, actor=manager, top=-1)
    blocker = out / "file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="no folder"):  # a file where the folder should be
        member_report(uow, station, actor=manager, csv_path=blocker / "m.csv")
    with pytest.raises(PosError, match="Cannot write .*name too long"):  # the system refuses the file
        member_report(uow, station, actor=manager, csv_path=out / ("m" * 300 + ".csv"))
    with pytest.raises(PosError, match="Cannot write .*name too long"):  # the name fits, its .part does not
        member_report(uow, station, actor=manager, pdf_path=out / ("m" * 248 + ".pdf"))

    assert sorted(p.name for p in out.iterdir()) == ["file"]
    assert len(uow.audit.recent(limit=1000)) == audits


def test_a_store_without_members_is_an_empty_report(uow, station, store, tmp_path):  # noqa: F811
    report = member_report(uow, station, actor=store[0], csv_path=tmp_path / "m.csv", pdf_path=tmp_path / "m.pdf",
                           locale="zh_CN")

    assert report.members == () and [c.members for c in report.classes] == [0, 0, 0]
    assert report.to_json()["classes"][0]["spend_share_pct"] == "n/a"
    assert (tmp_path / "m.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # the header
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")


# --- the classes always add up -------------------------------------------------------------------

_figures = st.builds(
    lambda code, spend, visits, days: MemberFigures(
        code=f"M{code:04d}", name="会员", phone="13800000000", active=True,
        spend=D(0 if days is None else spend).scaleb(-2),
        visits=visits if days is not None else 0, last_visit=None if days is None else AS_OF - timedelta(days=days),
        points=0),
    st.integers(0, 9999), st.integers(0, 1_000_000), st.integers(0, 40), st.none() | st.integers(0, 400))


@settings(max_examples=200, deadline=None)
@given(st.lists(_figures, max_size=40, unique_by=lambda f: f.code))
def test_per_class_figures_add_up_to_the_whole_and_follow_the_rule(figures):
    rules = svc.rules_from_json(RULES)

    lines, classes = classify(figures, rules=rules, at=AS_OF, places=2)

    assert sum(c.members for c in classes) == len(lines) == len(figures)
    assert sum(c.spend for c in classes) == sum((f.spend for f in figures), D(0))
    assert sum(c.visits for c in classes) == sum(f.visits for f in figures)
    expected = {f.code: customer_class(spend=f.spend, visits=f.visits, last_visit=f.last_visit, at=AS_OF,
                                       rule=rules.classes) for f in figures}
    assert {m.code: m.customer_class for m in lines} == expected
    keys = [(m.customer_class, -m.spend, m.code) for m in lines]
    assert keys == sorted(keys)


# --- posapp-admin members report ------------------------------------------------------------------

def test_admin_members_report_json_csv_pdf_and_bad_input(admin: Admin, tmp_path):  # noqa: F811
    pdf, table = tmp_path / "r.pdf", tmp_path / "r.csv"

    as_json = admin("members", "report", "--at", "2026-11-20T12:00", "--json", "--csv", table, "--pdf", pdf,
                    "--top", "1")
    as_text = admin("members", "report")
    bad_at = admin("members", "report", "--at", "yesterday", "--csv", tmp_path / "x.csv")
    no_folder = admin("members", "report", "--csv", tmp_path / "nope" / "x.csv")
    with pytest.raises(SystemExit):
        admin("members", "report", "--top", "many")
    bad_top = admin.capsys.readouterr().err

    data = as_json.json()
    assert (data["report"], data["at"], data["members"], data["top"]) == ("members", "2026-11-20T12:00+08:00", 2, 1)
    assert [c["members"] for c in data["classes"]] == [0, 0, 2]
    assert [m["code"] for m in data["listed"]] == ["M0001"]  # the top 1 of class C (equal spend: by card)
    assert data["listed"][0]["phone"] == "138****0001" and data["listed"][0]["tier"] == ""  # from spend, not stored
    assert as_json.err_lines == [f"csv written to {table} (2 members)", f"pdf written to {pdf}"]
    rows = list(csv.reader(table.open(encoding="utf-8-sig")))
    assert [r[0] for r in rows[1:]] == ["M0001", "M0002"] and rows[1][1] == "王女士"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert as_text.code == 0 and "M0001" in as_text.out and "会员分析" in as_text.out  # the store's language
    assert bad_at.code == 1 and "--at" in bad_at.err and "yesterday" in bad_at.err
    assert no_folder.code == 1 and f"no folder {tmp_path / 'nope'}" in no_folder.err
    assert "--top" in bad_top and "not a whole number" in bad_top
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".pdf")) == ["r.csv", "r.pdf"]


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          encoding="utf-8").stdout
