"""After-sales cases as the store runs them, on SQLite and PostgreSQL: opened from a sale (its member
comes with it), moved along with notes that say who and when, listed oldest open first, counted for the
report; bad input is refused and writes nothing. posapp-admin's cases commands too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.services import cases
from posapp.services import members as svc
from test_members import AT, PHONE, pieces, sell, store  # noqa: F401 (the store fixture)
from test_promotions_cli import Admin, admin  # noqa: F401 (the admin fixture)


def test_a_case_from_a_sale_is_followed_up_and_resolved(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE, name="王女士")
    sale = sell(uow, station, cashier, member, [(pieces(uow)[0], 1)])
    case = cases.open_case(uow, station, actor=cashier, kind="repair", description="开机无反应，顾客要求维修",
                           sale_number=sale.number.lower(), contact="138****5678 下午可联系", at=AT)
    assert (case.number, case.status, case.member_code, case.sale_number) == ("C-S001-000001", "open", member.code,
                                                                               sale.number)
    cases.update_case(uow, station, actor=manager, number=case.number, status="in_progress", note="已送厂家",
                      at=AT + timedelta(days=1))
    done = cases.update_case(uow, station, actor=cashier, number=case.number, status="resolved",
                             note="修好，顾客已取回", at=AT + timedelta(days=5))
    assert (done.status, done.handler, done.resolved_at) == ("resolved", "收银员", AT + timedelta(days=5))
    assert [(n.status, n.user, n.note) for n in done.notes] == [
        ("open", "收银员", "开机无反应，顾客要求维修"), ("in_progress", "店长", "已送厂家"), ("resolved", "收银员", "修好，顾客已取回")]
    assert cases.list_cases(uow) == [] and [c.number for c in cases.list_cases(uow, status="resolved")] == [case.number]
    assert [c.number for c in cases.list_cases(uow, status="all", member_code=member.code)] == [case.number]
    assert [e.action for e in uow.audit.recent(limit=3)] == ["case_updated", "case_updated", "case_opened"]


def test_open_cases_come_oldest_first_and_the_summary_counts_them(uow, station, store):
    manager, cashier = store
    first = cases.open_case(uow, station, actor=cashier, kind="complaint", description="排队太久", at=AT)
    second = cases.open_case(uow, station, actor=cashier, kind="feedback", description="希望多进无糖饮料",
                             at=AT + timedelta(hours=1))
    cases.update_case(uow, station, actor=cashier, number=first.number, status="in_progress", note="店长跟进")
    assert [c.number for c in cases.list_cases(uow)] == [first.number, second.number]
    assert cases.case_summary(uow, actor=manager) == {"complaint": {"in_progress": 1}, "feedback": {"open": 1}}
    with pytest.raises(PermissionDenied):
        cases.case_summary(uow, actor=cashier)


def test_bad_cases_are_refused_and_nothing_is_written(uow, station, store):
    cashier = store[1]
    for kwargs, problem in ((dict(kind="refund", description="x"), "not a kind of case"),
                            (dict(kind="repair", description="  "), "Write the"),
                            (dict(kind="repair", description="x" * 2001), "longer than 2000"),
                            (dict(kind="repair", description="x", contact="9" * 65), "longer than 64")):
        with pytest.raises(ValidationError, match=problem):
            cases.open_case(uow, station, actor=cashier, **kwargs)
    with pytest.raises(NotFound, match="S001-T01-999999"):
        cases.open_case(uow, station, actor=cashier, kind="repair", description="x", sale_number="S001-T01-999999")
    with pytest.raises(NotFound):
        cases.open_case(uow, station, actor=cashier, kind="repair", description="x", member_code="NOSUCH")
    assert uow.cases.count("S001") == 0
    case = cases.open_case(uow, station, actor=cashier, kind="repair", description="x")
    with pytest.raises(ValidationError, match="Write the"):
        cases.update_case(uow, station, actor=cashier, number=case.number, status="resolved", note="")
    with pytest.raises(ValidationError, match="not a case status"):
        cases.update_case(uow, station, actor=cashier, number=case.number, status="closed", note="x")
    cases.update_case(uow, station, actor=cashier, number=case.number, status="resolved", note="done")
    with pytest.raises(ValidationError, match="cannot become"):
        cases.update_case(uow, station, actor=cashier, number=case.number, status="open", note="again")
    assert len(cases.get_case(uow, case.number).notes) == 2


def test_admin_cases_commands(admin: Admin):  # noqa: F811
    opened = admin("cases", "open", "--kind", "complaint", "--description", "收银员态度", "--member", "M0001")
    assert opened.code == 0 and "C-S001-000001" in opened.out
    assert admin("cases", "open", "--kind", "nonsense", "--description", "x").code == 1
    listed = admin("cases", "list")
    assert listed.code == 0 and "C-S001-000001" in listed.out and "member M0001" in listed.out and "1 case(s)" in listed.out
    moved = admin("cases", "update", "c-s001-000001", "--status", "in_progress", "--note", "已致电顾客")
    assert moved.code == 0 and "in_progress" in moved.out
    shown = admin("cases", "show", "C-S001-000001")
    assert shown.code == 0 and "已致电顾客" in shown.out and "收银员态度" in shown.out
    summary = admin("cases", "summary")
    assert summary.code == 0 and "complaint" in summary.out and summary.out.split("\n")[1].split()[1:] == ["0", "1", "0", "1"]
    assert admin("cases", "show", "C-S001-000099").code == 1
