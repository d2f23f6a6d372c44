"""posapp-admin's member, points and loyalty commands on a real store (SQLite and PostgreSQL), as IT
and a manager run them: sign up, find, adjust, history, expire, rules, export; bad input changes
nothing."""

from __future__ import annotations

import csv
import json

from test_promotions_cli import Admin, admin  # noqa: F401 (the store fixture)


def test_sign_up_find_adjust_and_read_the_history(admin: Admin):  # noqa: F811
    result = admin("members", "add", "--phone", "139 0000 0003", "--name", "赵女士", "--consent")
    assert result.code == 0, result
    code = result.out.split()[1]
    assert "139****0003" in result.out and "13900000003" not in result.out
    assert admin("points", "adjust", code, "500", "--reason", "welcome").code == 0
    card = admin("members", "find", "13900000003")
    assert card.code == 0 and "points 500" in card.out and "139****0003" in card.out
    history = admin("points", "history", code)
    assert history.code == 0 and "adjust" in history.out and "+500" in history.out and "welcome" in history.out


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(admin: Admin):  # noqa: F811
    before = admin.uow().members.count()
    bad = admin("members", "add", "--phone", "12345")
    assert bad.code == 1 and "not a mobile number" in bad.err
    taken = admin("members", "add", "--phone", "13800000001")
    assert taken.code == 1 and "already member M0001" in taken.err
    assert admin("points", "adjust", "M0002", "-5", "--reason", "x").code == 1
    assert admin("points", "adjust", "M0002", "lots", "--reason", "x").code == 1
    assert admin("members", "find", "NOSUCH99").code == 1
    assert admin.uow().members.count() == before
    assert admin("points", "history", "M0002").out.count("\n") == 1  # the header: no entry written


def test_loyalty_rules_show_set_and_a_bad_file(admin: Admin, tmp_path):  # noqa: F811
    shown = json.loads(admin("loyalty", "show").out)
    assert shown["rate"] == 100
    shown["rate"] = 50
    (tmp_path / "rules.json").write_text(json.dumps(shown), encoding="utf-8")
    assert admin("loyalty", "set", tmp_path / "rules.json").code == 0
    assert json.loads(admin("loyalty", "show").out)["rate"] == 50
    (tmp_path / "bad.json").write_text('{"rate": 0, "colour": 1}', encoding="utf-8")
    bad = admin("loyalty", "set", tmp_path / "bad.json")
    assert bad.code == 1 and "colour" in bad.err
    (tmp_path / "broken.json").write_text('{"rate": ', encoding="utf-8")
    assert admin("loyalty", "set", tmp_path / "broken.json").code == 1
    assert json.loads(admin("loyalty", "show").out)["rate"] == 50


def test_export_and_expiry(admin: Admin, tmp_path):  # noqa: F811
    assert admin("points", "adjust", "M0001", "300", "--reason", "test").code == 0
    result = admin("members", "export", tmp_path / "members.csv")
    assert result.code == 0 and "2 members" in result.out
    rows = {r["code"]: r for r in csv.DictReader((tmp_path / "members.csv").open(encoding="utf-8-sig"))}
    assert rows["M0001"]["points"] == "300" and rows["M0001"]["phone"] == "13800000001"
    expired = admin("points", "expire", "--at", "2099-01-01T00:00")
    assert expired.code == 0 and "300 points expired for 1 members" in expired.out
    assert admin("members", "refresh").code == 0
