"""posapp-admin's promotion commands on a real store (SQLite and PostgreSQL): a manager imports the
sample file, prices baskets with the simulator, ends a promotion, exports and re-imports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import pytest

from posapp.cli import main
from posapp.config import StoreConfig, write_config
from posapp.demo import demo_products
from posapp.devices.textwidth import text_width
from posapp.resources import resource_path
from posapp.services import catalog
from posapp.services.auth import SYSTEM
from posapp.storage import db as dbmod
from posapp.storage.uow import UnitOfWork

SAMPLE = resource_path("samples", "promotions-sample.json")
MONDAY = "2026-11-23T14:00"  # store-local: a Monday afternoon in November, when the sample runs
SATURDAY = "2026-11-28T15:00"
MILK, CHIPS, TEA, EGGS, ICE_CREAM, SHAMPOO = "D0000001", "D0000015", "D0000014", "D0000016", "D0000033", "D0000009"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def json(self):
        assert self.code == 0, self
        return json.loads(self.out)


class Admin:
    """posapp-admin ARGS --config FILE, in this process, against the test's store."""

    def __init__(self, config: Path, capsys, station):
        self.config, self.capsys, self.station = config, capsys, station

    def __call__(self, *args) -> Result:
        self.capsys.readouterr()
        before = dbmod.database.obj
        try:
            code = main([*map(str, args), "--config", str(self.config)])
        finally:  # the command opened its own connection: close it, give the fixture's back
            if dbmod.database.obj is not before:
                dbmod.database.obj.close()
                dbmod.database.initialize(before)
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(dbmod.database)


@pytest.fixture
def admin(db_url, station, tmp_path, monkeypatch, capsys) -> Admin:
    """A store with the demo catalog's first 60 products and two members, gold and plain."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    config = write_config(tmp_path / "posapp.toml", terminal_code="T01", database_url=db_url,
                          store=StoreConfig(code="S001", name="测试店", currency="CNY", locale="zh_CN",
                                            timezone="Asia/Shanghai"))
    uow = UnitOfWork(dbmod.database)
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(60), source="demo")
    with uow:
        uow.members.add(code="M0001", name="王女士", phone="13800000001", tier="gold")
        uow.members.add(code="M0002", name="李先生", phone="13800000002")
        uow.commit()
    return Admin(config, capsys, station)


@pytest.fixture
def imported(admin) -> Admin:
    result = admin("import-promotions", SAMPLE)
    assert result.code == 0, result
    assert result.out.splitlines() == ["imported 10 promotions (10 new, 0 updated)"]
    return admin


def quote(admin: Admin, items: str, *more) -> dict:
    return admin("price-basket", "--items", items, "--format", "json", *more).json()


def line_promos(q: dict, sku: str) -> dict[str, str]:
    line = next(ln for ln in q["lines"] if ln["sku"] == sku)
    return {p["code"]: p["amount"] for p in line["promotions"]}


# --- import and the simulator ----------------------------------------------------------------

def test_a_threshold_on_top_of_a_special_price_and_buy_2_get_1(imported):
    q = quote(imported, f"{MILK}:3,{CHIPS}:3", "--at", MONDAY)

    # 奶粉 3 x 87.50 at 79.00 = 237.00; 薯片 3 x 14.90 with one free = 29.80; 266.80 reaches 200: 30 off.
    milk, chips = q["lines"]
    assert (milk["sku"], milk["qty"], milk["unit_price"], milk["amount"]) == (MILK, "3", "87.50", "262.50")
    assert milk["promotions"][0] == {"code": "SP-MILK-POWDER", "name": "君乐宝奶粉限时特价", "kind": "special_price",
                                     "level": "line", "amount": "25.50"}
    assert line_promos(q, CHIPS)["CHIPS-B2G1"] == "14.90"
    shares = [D(ln_promos["MJ-200-30"]) for ln_promos in (line_promos(q, MILK), line_promos(q, CHIPS))]
    assert sum(shares) == D("30.00")
    assert (q["subtotal"], q["discounts"], q["promo_discount"], q["total"]) == ("307.20", "70.40", "30.00", "236.80")
    assert D(milk["net"]) + D(chips["net"]) == D(q["total"])
    assert [(t["rate"], t["gross"]) for t in q["tax"]] == [("13.00", "236.80")]
    assert q["at"] == "2026-11-23T06:00:00Z" and q["member"] is None and q["coupons"] == []
    # Nothing was sold.
    assert imported.uow().sales.numbers(terminal_code="T01") == []


def test_a_coupon_given_with_coupon(imported):
    without = quote(imported, f"{MILK}:1", "--at", MONDAY)
    q = quote(imported, f"{MILK}:1", "--coupon", "save10", "--at", MONDAY)

    assert without["total"] == "79.00"
    assert q["coupons"] == ["SAVE10"]
    assert line_promos(q, MILK) == {"SP-MILK-POWDER": "8.50", "CPN-SAVE10": "10.00"}
    assert q["total"] == "69.00"


def test_a_member_price_and_a_gold_members_weekend_afternoon(imported):
    anyone = quote(imported, f"{EGGS}:1,{ICE_CREAM}:1", "--at", SATURDAY)
    gold = quote(imported, f"{EGGS}:1,{ICE_CREAM}:1", "--member", "M0001", "--at", SATURDAY)
    plain = quote(imported, f"{EGGS}:1,{ICE_CREAM}:1", "--member", "13800000002", "--at", SATURDAY)
    gold_monday = quote(imported, f"{EGGS}:1,{ICE_CREAM}:1", "--member", "M0001", "--at", MONDAY)

    assert anyone["member"] is None and anyone["total"] == "64.30"  # 35.50 + 28.80
    assert gold["member"] == "M0001"
    assert line_promos(gold, EGGS) == {"MEMBER-EGGS": "5.60"}  # 35.50 -> 29.90
    assert line_promos(gold, ICE_CREAM) == {"GOLD-ICE-CREAM": "4.32"}  # 15 % of 28.80
    assert gold["total"] == "54.38"
    assert plain["member"] == "M0002" and line_promos(plain, EGGS) == {"MEMBER-EGGS": "5.60"}
    assert line_promos(plain, ICE_CREAM) == {}  # not gold
    assert line_promos(gold_monday, ICE_CREAM) == {}  # weekends only


def test_a_gift_is_added_at_no_charge_past_its_threshold(imported):
    q = quote(imported, f"{MILK}:5", "--at", MONDAY)  # 5 x 79 = 395, 30 off = 365 >= 300

    gift = q["lines"][-1]
    assert (gift["sku"], gift["gift"], D(gift["net"])) == ("D0000046", True, 0)  # "0": see the report
    assert gift["promotions"][0]["code"] == "GIFT-WIPES-300"
    assert q["subtotal"] == "437.50" and q["total"] == "365.00"


def test_the_text_table_lines_up_chinese_names(imported):
    result = imported("price-basket", "--items", f"{MILK}:3,{CHIPS}:3,{TEA}:2", "--coupon", "SAVE10",
                      "--at", MONDAY)

    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == ("priced at 2026-11-23 14:00 (Asia/Shanghai), no member, coupons SAVE10; "
                        "nothing was sold")
    header = lines[2]
    rows = [ln for ln in lines if ln[:3].strip().isdigit()]
    assert [r.split()[1] for r in rows] == [MILK, CHIPS, TEA]
    # Each column ends where its heading ends, though the names are Chinese (two columns a character).
    net_end = text_width(header, ambiguous=1)
    assert all(text_width(r, ambiguous=1) == net_end for r in rows)
    q = quote(imported, f"{MILK}:3,{CHIPS}:3,{TEA}:2", "--coupon", "SAVE10", "--at", MONDAY)
    assert rows[0].split()[-4:] == ["3", "87.50", "262.50", q["lines"][0]["net"]]
    assert "君乐宝 高钙奶粉 800g" in rows[0]
    # A line's promotions come under it, each amount ending where the "amount" heading ends.
    amount_end = text_width(header[:header.index("amount") + len("amount")], ambiguous=1)
    promos = [ln for ln in lines if ln.startswith("    - ")]
    assert len(promos) == sum(len(ln["promotions"]) for ln in q["lines"]) == 9
    assert all(text_width(ln, ambiguous=1) == amount_end for ln in promos)
    assert promos[0].startswith("    - SP-MILK-POWDER 君乐宝奶粉限时特价 (special_price)")
    assert promos[0].endswith("-25.50")
    totals = {ln.split()[0]: ln.split()[-1] for ln in lines if ln.split() and ln.split()[0] in ("subtotal", "total")}
    assert totals == {"subtotal": q["subtotal"], "total": q["total"]}
    assert all(text_width(ln, ambiguous=1) == net_end for ln in lines if ln.split() and ln.split()[0] == "total")


def test_at_takes_an_offset_or_z_as_well_as_store_time(imported):
    local = quote(imported, f"{MILK}:1", "--at", MONDAY)
    utc = quote(imported, f"{MILK}:1", "--at", "2026-11-23T06:00:00Z")
    offset = quote(imported, f"{MILK}:1", "--at", "2026-11-23T15:00+09:00")
    before = quote(imported, f"{MILK}:1", "--at", "2026-10-31T23:59")  # the special price starts in November

    assert local["at"] == utc["at"] == offset["at"] == "2026-11-23T06:00:00Z"
    assert local["total"] == "79.00" and before["total"] == "87.50"


CANNOT_RUN = [
    (("--items", "NOPE:2"), "No product with SKU NOPE"),
    (("--items", f"{MILK}:x"), "the quantity x is not a number"),
    (("--items", ","), "at least one item"),
    (("--items", f"{MILK}:1", "--member", "M9999"), "No member with card or phone M9999"),
    (("--items", f"{MILK}:1", "--coupon", "NOPE"), "No coupon NOPE"),
    (("--items", f"{MILK}:1", "--coupon", "VIP95"), "identify the member first"),
    (("--items", f"{MILK}:1", "--at", "next week"), "next week is not an ISO 8601 date and time"),
]


def test_a_simulation_that_cannot_run_says_why(imported):
    for args, words in CANNOT_RUN:  # one store for all: setting one up is the slow part
        result = imported("price-basket", *args, "--format", "json")

        assert result.code == 1 and result.out == "", (args, result)
        assert len(result.err_lines) == 1 and result.err_lines[0].startswith("posapp-admin: "), result
        assert words in result.err, (args, result)


# --- refused files ---------------------------------------------------------------------------

def test_a_file_with_three_bad_entries_lists_all_three_and_writes_nothing(admin, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"promotions": [
        {"code": "OK-1", "name": "好", "kind": "percent_off", "percent": "5"},
        {"code": "BAD-1", "name": "坏", "kind": "percent_off", "percent": "150"},
        {"code": "BAD-2", "name": "坏", "kind": "special_price", "price": "12.50", "prodcts": [MILK]},
        {"code": "BAD-3", "name": "坏", "kind": "threshold", "tiers": [{"threshold": "100", "amount": "10"}],
         "starts": "2026-12-01T00:00", "ends": "2026-11-01T00:00"},
    ]}, ensure_ascii=False), encoding="utf-8")

    result = admin("import-promotions", bad)

    assert result.code == 1 and result.out == ""
    assert result.err_lines == [
        "  promotion [1] (BAD-1), percent: the percent off must be more than 0 and at most 100",
        "  promotion [2] (BAD-2), prodcts: unknown key; did you mean products?",
        "  promotion [3] (BAD-3), ends: it ends before it starts",
        f"posapp-admin: {bad}: 3 problem(s); nothing was imported"]
    assert admin.uow().promotions.all() == []


def test_problems_only_the_database_knows_are_listed_and_nothing_is_written(imported, tmp_path):
    bad = tmp_path / "db.json"
    bad.write_text(json.dumps({"promotions": [
        {"code": "X-1", "name": "未知商品", "kind": "percent_off", "percent": "5", "products": ["NOPE1", MILK]},
        {"code": "X-2", "name": "重复券", "kind": "coupon", "coupon_code": "save10", "amount": "5"},
        {"code": "X-3", "name": "未知赠品", "kind": "gift", "gift_sku": "NOPE2", "threshold": "5"},
        {"code": "X-4", "name": "好", "kind": "percent_off", "percent": "5"},
    ]}, ensure_ascii=False), encoding="utf-8")
    before = imported.uow().promotions.all()

    result = imported("import-promotions", bad)

    assert result.code == 1 and result.out == ""
    assert result.err_lines == [
        "  promotion [0] (X-1): unknown SKUs: NOPE1",
        "  promotion [1] (X-2): coupon code SAVE10 is already used by CPN-SAVE10",
        "  promotion [2] (X-3): the gift NOPE2 is not in the catalog",
        f"posapp-admin: {bad}: 3 problem(s); nothing was imported"]
    assert imported.uow().promotions.all() == before


NOT_PROMOTIONS = [
    (b'{"promotions": [', "line 1, json: not valid JSON"),
    (b'[{"code": "A"}]', 'file, promotions: expected an object with a "promotions" list'),
    ('{"promotions": [{"code": "奶粉", "name": "特价"}]}'.encode("gb18030"), "file, encoding: the file is not UTF-8"),
]


def test_a_file_that_is_not_a_promotions_file_gets_a_clear_message(admin, tmp_path):
    for n, (content, words) in enumerate(NOT_PROMOTIONS):
        path = tmp_path / f"odd-{n}.json"
        path.write_bytes(content)

        result = admin("import-promotions", path)

        assert result.code == 1 and result.out == "", result
        assert words in result.err_lines[0], result
        assert result.err_lines[-1] == f"posapp-admin: {path}: 1 problem(s); nothing was imported"
    assert admin.uow().promotions.all() == []


def test_a_missing_or_huge_file_is_refused_before_it_is_read(admin, tmp_path):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:
        fh.truncate(10 * 1024 * 1024 + 1)

    missing = admin("import-promotions", tmp_path / "nope.json")
    too_big = admin("import-promotions", huge)

    assert missing.code == 1 and missing.err_lines == [f"posapp-admin: {tmp_path / 'nope.json'}: no such file"]
    assert too_big.code == 1 and too_big.err_lines == [
        f"posapp-admin: {huge}: the file is larger than 10 MB; nothing was imported"]


# --- re-import, export, end ------------------------------------------------------------------

def test_a_reimport_updates_by_code(imported, tmp_path):
    changed = json.loads(SAMPLE.read_text(encoding="utf-8"))
    changed["promotions"][0]["price"] = "75.00"
    changed["promotions"] = changed["promotions"][:2] + [
        {"code": "NEW-5OFF", "name": "新品95折", "kind": "percent_off", "products": [TEA], "percent": "5"}]
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    ids = {p.code: p.id for p in imported.uow().promotions.all()}

    result = imported("import-promotions", path)

    assert result.code == 0, result
    assert result.out.splitlines() == ["imported 3 promotions (1 new, 2 updated)"]
    after = {p.code: p for p in imported.uow().promotions.all()}
    assert len(after) == 11
    assert after["SP-MILK-POWDER"].id == ids["SP-MILK-POWDER"] and after["SP-MILK-POWDER"].price == D("75.00")
    assert after["NEW-5OFF"].source == "import"
    assert quote(imported, f"{MILK}:1", "--at", MONDAY)["total"] == "75.00"


def test_export_then_import_into_another_store_gives_the_same_promotions(imported, tmp_path):
    out = tmp_path / "out.json"
    exported = imported("export-promotions", out)
    to_stdout = imported("export-promotions", "-")
    before = imported.uow().promotions.all()

    assert exported.code == 0 and exported.out.splitlines() == [f"exported 10 promotions to {out}"]
    assert to_stdout.out == out.read_text(encoding="utf-8")
    # The same store: every promotion is updated to what it already was.
    again = imported("import-promotions", out)
    assert again.out.splitlines() == ["imported 10 promotions (0 new, 10 updated)"]
    assert imported.uow().promotions.all() == before
    # And a store that has none yet.
    with imported.uow() as uow:
        uow.db.obj.execute_sql("DELETE FROM promotion")
        uow.commit()
    fresh = imported("import-promotions", out)
    assert fresh.out.splitlines() == ["imported 10 promotions (10 new, 0 updated)"]
    assert [{**p.__dict__, "id": 0} for p in imported.uow().promotions.all()] == \
        [{**p.__dict__, "id": 0} for p in before]


def test_an_ended_promotion_no_longer_applies_and_exports_as_ended(imported, tmp_path):
    assert line_promos(quote(imported, f"{MILK}:3", "--at", MONDAY), MILK).keys() == {"SP-MILK-POWDER", "MJ-200-30"}

    ended = imported("promotions", "end", "SP-MILK-POWDER")

    assert ended.code == 0, ended
    assert ended.out.startswith("ended SP-MILK-POWDER at ")
    q = quote(imported, f"{MILK}:3", "--at", MONDAY)
    assert "SP-MILK-POWDER" not in line_promos(q, MILK)
    assert q["lines"][0]["amount"] == "262.50" and q["total"] == "232.50"  # 262.50, 30 off 200
    listed = imported("promotions", "list")
    milk_row = next(ln for ln in listed.out.splitlines() if ln.startswith("SP-MILK-POWDER"))
    assert milk_row.split()[2] == "ended"
    entry = next(e for e in imported("promotions", "list", "--json").json() if e["code"] == "SP-MILK-POWDER")
    assert entry["active"] is False
    # Ending one that does not exist.
    missing = imported("promotions", "end", "NOPE")
    assert missing.code == 1 and missing.err_lines == ["posapp-admin: No promotion NOPE"]


def test_promotions_list_shows_each_with_its_state_and_store_local_dates(imported):
    result = imported("promotions", "list")

    assert result.code == 0, result
    rows = {ln.split()[0]: ln for ln in result.out.splitlines()}
    assert len(rows) == 10
    assert rows["MJ-200-30"].split()[1:] == ["threshold", rows["MJ-200-30"].split()[2], "2026-11-01", "00:00",
                                             "2026-12-01", "00:00", "满200减30，满500减100"]
    assert rows["CHIPS-B2G1"].split()[1:] == ["buy_x_get_y", "running", "-", "-", "薯片买二送一"]
    entries = imported("promotions", "list", "--json").json()
    assert [e["code"] for e in entries] == list(rows)
    assert entries[0]["starts"] == "2026-11-01T00:00:00+08:00"



def test_reimporting_a_file_runs_an_ended_promotion_again(imported):
    imported("promotions", "end", "SP-MILK-POWDER")

    again = imported("import-promotions", SAMPLE)

    assert again.out.splitlines() == ["imported 10 promotions (0 new, 10 updated)"]
    assert imported.uow().promotions.by_code("SP-MILK-POWDER").active is True
    assert quote(imported, f"{MILK}:1", "--at", MONDAY)["total"] == "79.00"


def test_a_scheduled_promotion_ended_early_exports_to_a_file_that_imports(imported, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"promotions": [{"code": "NEXT-YEAR", "name": "明年", "kind": "percent_off",
                                                "starts": "2099-01-01T00:00", "percent": "5"}]}), encoding="utf-8")
    assert imported("import-promotions", path).code == 0
    assert imported("promotions", "end", "NEXT-YEAR").code == 0
    out = tmp_path / "out.json"
    assert imported("export-promotions", out).code == 0

    result = imported("import-promotions", out)

    assert result.code == 0, result


def test_a_category_the_catalog_does_not_have_is_imported_with_a_warning(admin, tmp_path):
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"promotions": [
        {"code": "TEA", "name": "茶九折", "kind": "percent_off", "categories": ["饮料/茶饮"], "percent": "10"},
        {"code": "SNACKS", "name": "零食九折", "kind": "percent_off", "categories": ["零食"], "percent": "10"},
    ]}, ensure_ascii=False), encoding="utf-8")

    result = admin("import-promotions", path)

    assert result.code == 0, result
    assert result.out.splitlines() == ["imported 2 promotions (2 new, 0 updated)",
                                       "warning  promotion [0] (TEA): no category 饮料/茶饮 in the catalog yet"]
