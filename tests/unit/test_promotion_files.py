"""The promotions file: every field read into a Promotion, every bad entry listed, and an export that
reads back to the same promotions."""

from __future__ import annotations

import json
from datetime import datetime, time
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.domain.errors import ValidationError
from posapp.domain.promotion_files import (
    MAX_BYTES,
    parse_promotions,
    parse_time,
    promotion_entry,
    write_promotions,
)
from posapp.domain.promotions import Kind, Promotion, Tier, check_promotion
from posapp.resources import resource_path

TZ = "Asia/Shanghai"


def doc(*entries, **top) -> str:
    return json.dumps({"promotions": list(entries), **top}, ensure_ascii=False)


def parse(*entries, **top):
    return parse_promotions(doc(*entries, **top), timezone=TZ)


def one(entry: dict) -> Promotion:
    parsed = parse(entry)
    assert parsed.errors == []
    assert len(parsed.promotions) == 1
    return parsed.promotions[0]


def problems(*entries, **top) -> list[tuple[str, str, str]]:
    parsed = parse(*entries, **top)
    return [(e.where, e.field, e.reason) for e in parsed.errors]


def fields(*entries) -> list[tuple[str, str]]:
    return [(where, field) for where, field, _r in problems(*entries)]


def special(**kw) -> dict:
    return {"code": "SP", "name": "特价", "kind": "special_price", "price": "9.90", **kw}


# --- every field -----------------------------------------------------------------------------

def test_a_special_price_with_every_common_field():
    p = one(special(
        name_en="Special", starts="2026-11-01T00:00", ends="2026-12-01T00:00+08:00", active=True, priority=5,
        stackable=True, group="g", products=["D0000001", "D0000002"], categories=["饮料/茶饮料", " 零食 / 薯片 "],
        exclude_products=["D0000003"], exclude_categories=["酒类"], members_only=True, member_tiers=["gold", "silver"],
        weekdays=[6, 7], hours=["22:00", "02:00"]))

    assert p == Promotion(
        id=0, code="SP", name="特价", name_en="Special", kind=Kind.SPECIAL_PRICE,
        starts_at=datetime(2026, 10, 31, 16, 0), ends_at=datetime(2026, 11, 30, 16, 0), priority=5, stackable=True,
        group="g", products=frozenset({"D0000001", "D0000002"}), categories=("饮料/茶饮料", "零食/薯片"),
        exclude_products=frozenset({"D0000003"}), exclude_categories=("酒类",), members_only=True,
        member_tiers=frozenset({"gold", "silver"}), weekdays=frozenset({6, 7}), hours=(time(22), time(2)),
        price=D("9.90"))


def test_defaults_when_only_the_required_keys_are_given():
    p = one(special())

    assert (p.id, p.active, p.priority, p.stackable, p.group, p.products, p.categories, p.starts_at, p.ends_at,
            p.hours, p.weekdays, p.members_only, p.source) == (
        0, True, 0, False, "", frozenset(), (), None, None, None, frozenset(), False, "manual")


def test_percent_off_and_buy_x_get_y():
    assert one({"code": "P", "name": "九折", "kind": "percent_off", "percent": "10"}).percent == D(10)
    b = one({"code": "B", "name": "买二送一", "kind": "buy_x_get_y", "buy": 2, "get": "1", "percent": "50"})
    assert (b.kind, b.buy, b.get, b.percent) == (Kind.BUY_X_GET_Y, 2, 1, D(50))
    assert one({"code": "B", "name": "买二送一", "kind": "buy_x_get_y", "buy": 2, "get": 1}).percent is None


def test_threshold_tiers_and_repeating():
    t = one({"code": "MJ", "name": "满减", "kind": "threshold", "group": "满减",
             "tiers": [{"threshold": "200", "amount": "30"}, {"threshold": 500, "amount": "100.00"}]})
    assert t.tiers == (Tier(D(200), D(30)), Tier(D(500), D(100)))
    assert t.repeating is False
    r = one({"code": "MJ", "name": "每满100减10", "kind": "threshold", "repeating": True,
             "tiers": [{"threshold": "100", "amount": "10"}]})
    assert r.repeating is True


def test_coupons_by_amount_or_percent_with_limits():
    c = one({"code": "C", "name": "券", "kind": "coupon", "coupon_code": " save10 ", "amount": "10",
             "min_spend": "50", "max_uses": 100, "max_uses_per_member": 1})
    assert (c.coupon_code, c.amount, c.percent, c.threshold, c.max_uses, c.max_uses_per_member) == (
        "SAVE10", D(10), None, D(50), 100, 1)
    p = one({"code": "C", "name": "券", "kind": "coupon", "coupon_code": "VIP-5", "percent": "5"})
    assert (p.amount, p.percent, p.threshold, p.max_uses) == (None, D(5), None, None)


def test_a_gift():
    g = one({"code": "G", "name": "赠品", "kind": "gift", "gift_sku": "D0000046", "gift_qty": 2, "threshold": "300"})
    assert (g.gift_sku, g.gift_qty, g.threshold) == ("D0000046", 2, D(300))
    assert one({"code": "G", "name": "赠品", "kind": "gift", "gift_sku": "D1", "threshold": "1"}).gift_qty == 1


def test_money_is_read_exactly_as_written_never_through_a_float():
    assert one(special(price=0.1)).price == D("0.1")  # a float would be 0.1000000000000000055...
    assert one(special(price="12.50")).price == D("12.50")
    assert one(special(price=12)).price == D(12)
    assert type(one(special(price=19.9)).price) is D
    assert one({"code": "P", "name": "n", "kind": "percent_off", "percent": 7.5}).percent == D("7.5")


def test_null_means_the_default():
    p = one(special(starts=None, ends=None, hours=None, group=None, products=None))
    assert (p.starts_at, p.ends_at, p.hours, p.group, p.products) == (None, None, None, "", frozenset())


def test_code_name_and_coupon_code_are_trimmed():
    p = one(special(code="  SP-1 ", name=" 特价 "))
    assert (p.code, p.name) == ("SP-1", "特价")


# --- times -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-23T14:00", datetime(2026, 11, 23, 6, 0)),  # store-local, no offset
    ("2026-11-23 14:00:30", datetime(2026, 11, 23, 6, 0, 30)),
    ("2026-11-23T14:00+08:00", datetime(2026, 11, 23, 6, 0)),
    ("2026-11-23T06:00Z", datetime(2026, 11, 23, 6, 0)),
    ("2026-11-23T01:00-05:00", datetime(2026, 11, 23, 6, 0)),
    ("2026-11-23", datetime(2026, 11, 22, 16, 0)),  # midnight, store-local
])
def test_times_are_iso_8601_local_or_with_an_offset(text, expected):
    assert parse_time(text, timezone=TZ) == expected
    assert one(special(starts=text)).starts_at == expected


def test_local_times_follow_the_stores_daylight_saving():
    assert parse_time("2026-07-01T12:00", timezone="Europe/Berlin") == datetime(2026, 7, 1, 10, 0)
    assert parse_time("2026-12-01T12:00", timezone="Europe/Berlin") == datetime(2026, 12, 1, 11, 0)


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-13-01", "2026-11-23T25:00", 20261123, None])
def test_a_bad_time_is_refused_with_a_reason(bad):
    with pytest.raises(ValidationError):
        parse_time(bad, timezone=TZ)


# --- errors: every bad entry listed ----------------------------------------------------------

def test_every_bad_entry_is_listed_and_the_good_ones_are_not_mixed_in():
    parsed = parse(special(code="OK"), special(code="BAD-1", price="-1"),
                   {"code": "BAD-2", "name": "n", "kind": "percent_off", "percent": "150"},
                   special(code="BAD-3", prise="9"))

    assert [(e.where, e.field) for e in parsed.errors] == [
        ("promotion [1] (BAD-1)", "price"), ("promotion [2] (BAD-2)", "percent"),
        ("promotion [3] (BAD-3)", "prise")]
    assert [p.code for p in parsed.promotions] == ["OK"]  # the caller saves nothing: there are errors
    assert str(parsed.errors[1]) == \
        "promotion [2] (BAD-2), percent: the percent off must be more than 0 and at most 100"


def test_an_unknown_key_suggests_the_nearest_known_one():
    assert problems(special(prodcts=["D1"], zzz=1)) == [
        ("promotion [0] (SP)", "prodcts", "unknown key; did you mean products?"),
        ("promotion [0] (SP)", "zzz", "unknown key")]
    assert problems(special(), promotion=[]) == [("file", "promotion", "unknown key; did you mean promotions?")]


def test_a_key_of_another_kind_is_refused():
    assert problems(special(tiers=[], coupon_code="X")) == [
        ("promotion [0] (SP)", "tiers", "is not used by a special_price promotion"),
        ("promotion [0] (SP)", "coupon_code", "is not used by a special_price promotion")]


@pytest.mark.parametrize(("entry", "missing"), [
    ({"name": "n", "kind": "percent_off", "percent": "5"}, ["code"]),
    ({"code": "X", "kind": "percent_off", "percent": "5"}, ["name"]),
    ({"code": "X", "name": "n"}, ["kind"]),
    ({"code": "X", "name": "n", "kind": "special_price"}, ["price"]),
    ({"code": "X", "name": "n", "kind": "percent_off", "percent": None}, ["percent"]),
    ({"code": "X", "name": "n", "kind": "buy_x_get_y"}, ["buy", "get"]),
    ({"code": "X", "name": "n", "kind": "threshold"}, ["tiers"]),
    ({"code": "X", "name": "n", "kind": "coupon", "amount": "5"}, ["coupon_code"]),
    ({"code": "X", "name": "n", "kind": "coupon", "coupon_code": "A"}, ["amount"]),
    ({"code": "X", "name": "n", "kind": "gift"}, ["gift_sku", "threshold"]),
])
def test_a_missing_required_key_is_named(entry, missing):
    got = problems(entry)
    assert [field for _w, field, _r in got] == missing
    assert all(reason in ("is required", "a coupon takes off either an amount or a percent") for *_x, reason in got)


@pytest.mark.parametrize(("key", "value"), [
    ("price", "abc"), ("price", True), ("price", [1]), ("price", "NaN"), ("priority", "high"), ("priority", 1.5),
    ("priority", True), ("stackable", "yes"), ("members_only", 1), ("products", "D0000001"), ("products", [1]),
    ("products", ["bad sku!"]), ("categories", ["饮料//茶"]), ("categories", [""]), ("member_tiers", [""]),
    ("weekdays", [0]), ("weekdays", [8]), ("weekdays", ["1"]), ("weekdays", [True]), ("hours", ["8:00", "10:00"]),
    ("hours", ["08:00"]), ("hours", "08:00-10:00"), ("hours", ["24:00", "01:00"]), ("starts", "soon"),
    ("ends", 5), ("name_en", 5), ("group", ["a"]), ("active", "false"),
])
def test_a_value_of_the_wrong_shape_is_refused_on_its_key(key, value):
    assert fields(special(**{key: value})) == [("promotion [0] (SP)", key)]


@pytest.mark.parametrize(("entry", "field", "words"), [
    (special(price="0"), "price", "above 0"),
    (special(price="-1"), "price", "above 0"),
    (special(price="1.234"), "price", "1.234 has more than 2 decimal places"),
    (special(price="99999999"), "price", "99999999 is more than 9999999"),
    (special(price="1e30"), "price", "is more than 9999999"),
    (special(code="X" * 41), "code", "1 to 40"),
    (special(name="名" * 81), "name", "1 to 80"),
    (special(starts="2026-12-01T00:00", ends="2026-11-01T00:00"), "ends", "ends before it starts"),
    (special(hours=["10:00", "10:00"]), "hours", "same time"),
    (special(priority=5000), "priority", "-1000 and 1000"),
    (special(products=["D1"], exclude_products=["D1"]), "exclude_products", "included and excluded"),
    ({"code": "P", "name": "n", "kind": "percent_off", "percent": "0"}, "percent", "at most 100"),
    ({"code": "P", "name": "n", "kind": "percent_off", "percent": "100.01"}, "percent", "at most 100"),
    ({"code": "P", "name": "n", "kind": "percent_off", "percent": "7.555"}, "percent", "more than 2 decimal places"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "100.001", "amount": "20"}]},
     "tiers", "tier [0]: 100.001 has more than 2 decimal places"),
    ({"code": "B", "name": "n", "kind": "buy_x_get_y", "buy": 0, "get": 1}, "buy", "1 to 99"),
    ({"code": "B", "name": "n", "kind": "buy_x_get_y", "buy": 2, "get": 100}, "get", "1 to 99"),
    ({"code": "T", "name": "n", "kind": "threshold", "stackable": True, "tiers": [{"threshold": "9", "amount": "1"}]},
     "stackable", "stackable"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": []}, "tiers", "at least one tier"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "100", "amount": "200"}]},
     "tiers", "more than its threshold (200 > 100)"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "100", "amount": "20"},
                                                              {"threshold": "200", "amount": "10"}]},
     "tiers", "higher tier takes off less"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "100", "amount": "20"},
                                                              {"threshold": "100", "amount": "30"}]},
     "tiers", "same threshold"),
    ({"code": "T", "name": "n", "kind": "threshold", "repeating": True,
      "tiers": [{"threshold": "100", "amount": "10"}, {"threshold": "200", "amount": "30"}]}, "tiers", "exactly one"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": {"threshold": "100"}}, "tiers", "a list"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": ["100"]}, "tiers", "tier [0] is not an object"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "100", "amount": "1", "x": 1}]},
     "tiers", "exactly threshold and amount"),
    ({"code": "T", "name": "n", "kind": "threshold", "tiers": [{"threshold": "1"}, {"threshold": "x", "amount": "1"}]},
     "tiers", "tier [0]"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A B", "amount": "5"}, "coupon_code", "letters"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "5", "percent": "5"}, "amount",
     "either an amount or a percent"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "-5"}, "amount", "above 0"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "5", "min_spend": "-1"}, "min_spend",
     "negative"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "5", "max_uses": 0}, "max_uses",
     "at least 1"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "5", "max_uses_per_member": 0},
     "max_uses_per_member", "at least 1"),
    ({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "A", "amount": "5", "max_uses": "many"}, "max_uses",
     "whole number"),
    ({"code": "G", "name": "n", "kind": "gift", "gift_sku": "D1", "threshold": "0"}, "threshold", "above 0"),
    ({"code": "G", "name": "n", "kind": "gift", "gift_sku": "D1", "threshold": "9", "gift_qty": 0}, "gift_qty",
     "1 to 99"),
    ({"code": "G", "name": "n", "kind": "gift", "gift_sku": "", "threshold": "9"}, "gift_sku", "SKU"),
    ({"code": "K", "name": "n", "kind": "nope"}, "kind", "special_price, percent_off, buy_x_get_y"),
    ({"code": "K", "name": "n", "kind": 3}, "kind", "is not one of"),
])
def test_each_rule_is_reported_on_the_key_to_fix(entry, field, words):
    got = problems(entry)
    assert len(got) == 1, got
    where, got_field, reason = got[0]
    assert (where, got_field) == (f"promotion [0] ({entry['code']})", field)
    assert words in reason


def test_a_problem_is_not_reported_twice_from_the_parser_and_the_domain():
    # A price that cannot be read is reported once, not again as "needs a price above 0".
    assert problems(special(price="nine")) == [("promotion [0] (SP)", "price", "nine is not a number")]


def test_every_problem_of_one_entry_is_listed():
    got = fields({"code": "C", "name": "n", "kind": "coupon", "coupon_code": "a b", "amount": "-1", "price": "2",
                  "weekdays": [9]})
    assert sorted(got) == sorted([("promotion [0] (C)", f) for f in ("price", "weekdays", "coupon_code", "amount")])


def test_an_entry_that_is_not_an_object_and_one_without_a_code():
    assert problems(["x"], {"name": "n", "kind": "percent_off", "percent": "5"}) == [
        ("promotion [0]", "promotion", "is not an object"), ("promotion [1]", "code", "is required")]


def test_codes_and_coupon_codes_are_unique_in_a_file():
    got = problems(special(code="A"), special(code="A"),
                   {"code": "C1", "name": "n", "kind": "coupon", "coupon_code": "save10", "amount": "5"},
                   {"code": "C2", "name": "n", "kind": "coupon", "coupon_code": " SAVE10", "amount": "5"})
    assert got == [("promotion [1] (A)", "code", "also used by promotion [0] (A)"),
                   ("promotion [3] (C2)", "coupon_code", "SAVE10 is also used by promotion [2] (C1)")]


# --- errors: the file as a whole -------------------------------------------------------------

@pytest.mark.parametrize(("text", "where", "field", "words"), [
    ('{"promotions": [', "line 1", "json", "not valid JSON"),
    ('{"promotions": []}\n}', "line 2", "json", "not valid JSON"),
    ("", "line 1", "json", "not valid JSON"),
    ("[]", "file", "promotions", '"promotions" list'),
    ('{"promotions": {}}', "file", "promotions", '"promotions" list'),
    ('{"promos": []}', "file", "promotions", '"promotions" list'),
    ('{"promotions": [{"code": "A", "name": "n", "kind": "special_price", "price": NaN}]}', "file", "json",
     "NaN is not a number"),
    ('{"promotions": [{"code": "A", "code": "B"}]}', "file", "json", "key code appears twice"),
])
def test_a_file_of_the_wrong_shape_gets_one_clear_message(text, where, field, words):
    parsed = parse_promotions(text, timezone=TZ)
    assert parsed.promotions == []
    assert len(parsed.errors) == 1
    assert (parsed.errors[0].where, parsed.errors[0].field) == (where, field)
    assert words in parsed.errors[0].reason


def test_bytes_are_read_as_utf8_with_or_without_a_bom():
    text = doc(special(name="奶粉特价"))
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        parsed = parse_promotions(data, timezone=TZ)
        assert parsed.errors == [] and parsed.promotions[0].name == "奶粉特价"


def test_bytes_that_are_not_utf8_are_refused():
    parsed = parse_promotions(doc(special(name="奶粉特价")).encode("gb18030"), timezone=TZ)
    assert parsed.promotions == []
    assert [(e.where, e.field) for e in parsed.errors] == [("file", "encoding")]
    assert "not UTF-8" in parsed.errors[0].reason


def test_a_file_over_10_mb_is_refused_before_it_is_read():
    big = doc(special(name_en="x" * (MAX_BYTES + 1)))
    for data in (big, big.encode("utf-8")):
        parsed = parse_promotions(data, timezone=TZ)
        assert parsed.promotions == [] and [(e.where, e.field) for e in parsed.errors] == [("file", "size")]


def test_an_unknown_time_zone_is_one_clear_message():
    parsed = parse_promotions(doc(special()), timezone="Mars/Olympus")
    assert [(e.field, e.reason) for e in parsed.errors] == [("timezone", "unknown time zone Mars/Olympus")]


def test_errors_stop_at_a_thousand():
    parsed = parse(*[special(code=f"B{i}", price="x") for i in range(1500)])
    assert len(parsed.errors) == 1000


# --- writing and the round trip -------------------------------------------------------------

def sample_text() -> bytes:
    return resource_path("samples", "promotions-sample.json").read_bytes()


def test_the_sample_file_has_every_kind_and_reads_cleanly():
    parsed = parse_promotions(sample_text(), timezone=TZ)
    assert parsed.errors == []
    assert {p.kind for p in parsed.promotions} == set(Kind)
    milk = parsed.promotions[0]
    assert (milk.code, milk.price, milk.starts_at) == ("SP-MILK-POWDER", D("79.00"), datetime(2026, 10, 31, 16))


def test_an_export_reads_back_to_the_same_promotions():
    promotions = parse_promotions(sample_text(), timezone=TZ).promotions
    text = write_promotions(promotions, timezone=TZ)
    again = parse_promotions(text, timezone=TZ)
    assert again.errors == [] and again.promotions == promotions
    assert write_promotions(again.promotions, timezone=TZ) == text


def test_an_export_writes_money_as_strings_and_times_with_the_store_offset():
    p = Promotion(id=7, code="SP", name="特价", kind=Kind.SPECIAL_PRICE, price=D("79.00"),
                  starts_at=datetime(2026, 10, 31, 16, 0), ends_at=datetime(2026, 11, 23, 14, 2, 3, 4567),
                  active=False, products=frozenset({"B", "A"}))
    entry = json.loads(write_promotions([p], timezone=TZ))["promotions"][0]
    assert entry == {"code": "SP", "name": "特价", "kind": "special_price", "starts": "2026-11-01T00:00:00+08:00",
                     "ends": "2026-11-23T22:02:03.004567+08:00", "active": False, "products": ["A", "B"],
                     "price": "79.00"}
    assert promotion_entry(p, timezone="UTC")["starts"] == "2026-10-31T16:00:00+00:00"
    back = parse_promotions(write_promotions([p], timezone=TZ), timezone=TZ).promotions[0]
    assert back == Promotion(**{**p.__dict__, "id": 0})


def test_an_empty_export_is_a_valid_empty_file():
    assert parse_promotions(write_promotions([], timezone=TZ), timezone=TZ) == parse_promotions(
        '{"promotions": []}', timezone=TZ)


# Hypothesis: any sound promotion survives export and import unchanged.
money = st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2)
percent = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)
skus = st.frozensets(st.from_regex(r"[A-Z][A-Z0-9]{1,8}", fullmatch=True), max_size=3)
categories = st.lists(st.sampled_from(["饮料", "饮料/茶饮料", "零食/薯片", "个人护理"]), max_size=2, unique=True)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1))
hours = st.tuples(st.times(), st.times()).map(lambda h: (h[0].replace(second=0, microsecond=0),
                                                          h[1].replace(second=0, microsecond=0)))
tiers = st.lists(st.tuples(money, money).map(lambda t: Tier(max(t), min(t))), min_size=1, max_size=3,
                 unique_by=lambda t: t.threshold).map(lambda ts: tuple(sorted(ts, key=lambda t: t.threshold)))

by_kind = {
    Kind.SPECIAL_PRICE: st.fixed_dictionaries({"price": money, "stackable": st.booleans()}),
    Kind.PERCENT_OFF: st.fixed_dictionaries({"percent": percent, "stackable": st.booleans()}),
    Kind.BUY_X_GET_Y: st.fixed_dictionaries({"buy": st.integers(1, 99), "get": st.integers(1, 99),
                                             "percent": st.none() | percent}),
    Kind.THRESHOLD: st.one_of(st.fixed_dictionaries({"tiers": tiers}),
                              st.fixed_dictionaries({"tiers": tiers.map(lambda t: t[:1]), "repeating": st.just(True)})),
    Kind.COUPON: st.fixed_dictionaries({
        "coupon_code": st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,12}", fullmatch=True),
        "threshold": st.none() | money, "max_uses": st.none() | st.integers(1, 10**6),
        "max_uses_per_member": st.none() | st.integers(1, 99)}).flatmap(
        lambda d: st.one_of(money.map(lambda a: {**d, "amount": a}), percent.map(lambda p: {**d, "percent": p}))),
    Kind.GIFT: st.fixed_dictionaries({"gift_sku": st.from_regex(r"D[0-9]{7}", fullmatch=True),
                                      "gift_qty": st.integers(1, 99), "threshold": money}),
}


@st.composite
def promotions(draw) -> Promotion:
    kind = draw(st.sampled_from(list(Kind)))
    start = draw(st.none() | moments)
    end = draw(st.none() | moments.filter(lambda m: start is None or m > start))
    p = Promotion(
        id=0, code=draw(st.from_regex(r"[A-Z][A-Z0-9-]{0,20}", fullmatch=True)),
        name=draw(st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1, max_size=20)
                  .map(str.strip).filter(bool)),
        name_en=draw(st.sampled_from(["", "Special"])), kind=kind, starts_at=start, ends_at=end,
        active=draw(st.booleans()), priority=draw(st.integers(-1000, 1000)), group=draw(st.sampled_from(["", "满减"])),
        products=draw(skus), categories=tuple(draw(categories)), exclude_categories=tuple(draw(categories)),
        members_only=draw(st.booleans()), member_tiers=draw(st.frozensets(st.sampled_from(["gold", "silver"]))),
        weekdays=draw(st.frozensets(st.integers(1, 7))), hours=draw(st.none() | hours.filter(lambda h: h[0] != h[1])),
        **draw(by_kind[kind]))
    return p


@settings(max_examples=80, deadline=None)
@given(st.lists(promotions(), max_size=4, unique_by=lambda p: p.code))
def test_any_sound_promotions_survive_export_and_import(found):
    found = [p for p in found if not check_promotion(p)]
    coupons = [p.coupon_code for p in found if p.kind is Kind.COUPON]
    if len(coupons) != len(set(coupons)):
        return
    text = write_promotions(found, timezone=TZ)
    again = parse_promotions(text, timezone=TZ)
    assert again.errors == []
    assert again.promotions == found


def test_every_example_in_the_documentation_reads_cleanly():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "promotions-file.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]
    found = []
    for block in blocks:  # each a whole file, or one entry
        parsed = parse(*(block["promotions"] if "promotions" in block else [block]))
        assert parsed.errors == []
        found += parsed.promotions
    assert {p.kind for p in found} == set(Kind)
    sample = {p.code: p for p in parse_promotions(sample_text(), timezone=TZ).promotions}
    for p in found:  # the documented examples are the sample's promotions
        assert p.code in sample and p.kind == sample[p.code].kind
