"""posapp-admin as an IT person runs it: a real process, exit codes, stdout and stderr.

Every command runs as `python -m posapp.cli ... --config FILE` with stdin closed (no tty) and
the XDG config/data folders inside the test's temporary folder.

Starting a process costs about half a second, so one store is initialised (and its catalog
imported and exported) once per module and shared by the tests whose order does not matter.
Commands that only read that store are started side by side in the `answers` fixture; the tests
then look at their results. Tests that need a fresh store make their own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 120  # seconds for one command; they take about one


# --- running posapp-admin ----------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def finish(proc: subprocess.Popen) -> Result:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return Result(proc.returncode, out.decode("utf-8"), err.decode("utf-8"))


class Home:
    """A folder standing in for one machine: its XDG folders and a posapp.toml."""

    def __init__(self, root: Path):
        self.root = root
        self.config = root / "posapp.toml"
        root.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("POSAPP_")}
        self.env.update(
            XDG_CONFIG_HOME=str(root / "xdg-config"),
            XDG_DATA_HOME=str(root / "xdg-data"),
            XDG_CONFIG_DIRS=str(root / "xdg-site"),
            PYTHONIOENCODING="utf-8",  # Chinese names in the output, whatever the locale
        )

    def start_bare(self, *args, cwd: Path | None = None) -> subprocess.Popen:
        """Start posapp-admin ARGS exactly as given; finish() waits for it."""
        return subprocess.Popen([sys.executable, "-m", "posapp.cli", *map(str, args)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env, cwd=cwd or self.root)

    def start(self, *args, config: Path | None = None) -> subprocess.Popen:
        """Start posapp-admin ARGS --config FILE (this home's posapp.toml unless told)."""
        return self.start_bare(*args, "--config", config or self.config)

    def bare(self, *args, cwd: Path | None = None) -> Result:
        return finish(self.start_bare(*args, cwd=cwd))

    def run(self, *args, config: Path | None = None) -> Result:
        return finish(self.start(*args, config=config))

    def run_all(self, commands, *, config: Path | None = None) -> dict[tuple, Result]:
        """Several commands side by side (only ones that leave the store as it is)."""
        started = {tuple(map(str, c)): self.start(*c, config=config) for c in commands}
        return {c: finish(p) for c, p in started.items()}


def write_branch_config(home: Home) -> Home:
    """A hand-written config for another store, its database beside it (a relative path)."""
    home.config.write_text(
        '[store]\ncode = "S010"\nname = "分店"\ncurrency = "CNY"\nlocale = "zh_CN"\n'
        'timezone = "Asia/Shanghai"\n\n[terminal]\ncode = "T01"\n\n'
        '[database]\nurl = "sqlite:///posapp.db"\n', encoding="utf-8")
    return home


def one_line_failure(result: Result) -> str:
    """The single stderr line of a failed command (exit 1), after checking it is just that."""
    assert result.code == 1, result
    assert len(result.err_lines) == 1, result
    assert result.err_lines[0].startswith("posapp-admin: "), result
    return result.err_lines[0]


# --- a catalog as a shop keeps it ---------------------------------------------------------


def ean13(body: str) -> str:
    """body (12 digits) plus its GS1 check digit, computed here independently of posapp."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


MILK = ean13("690123456789")
NOODLES = ean13("692345678901")
WATER = ean13("693987654321")
WATER_CASE = ean13("693987654338")
BISCUITS = ean13("695000111222")
NEW_TEA = ean13("696000333444")
BAD_CHECK = MILK[:-1] + str((int(MILK[-1]) + 1) % 10)

HEADER = ["sku", "barcodes", "name", "category", "price", "tax_rate", "unit", "weighed",
          "name_en", "active"]
PRODUCTS = [
    ["1001", MILK, "鲜牛奶", "乳制品/牛奶", "6.50", "9", "瓶", "false", "Fresh Milk", "true"],
    ["1002", NOODLES, "老坛酸菜牛肉面", "方便食品/方便面", "4.50", "13", "袋", "false",
     "Pickled Cabbage Beef Noodles", "true"],
    ["1003", f"{WATER}|{WATER_CASE}", "农夫山泉饮用天然水 550ml", "饮料/饮用水", "2.00", "13",
     "瓶", "false", 'Natural Water 550ml, "Nongfu"', "true"],
    ["2001", "", "散装东北大米", "粮油/大米", "5.98", "9", "kg", "true",
     "Northeast Rice (loose)", "true"],
    ["3001", BISCUITS, "停售饼干", "零食/饼干", "3.00", "13", "包", "false", "", "false"],
]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue()


# --- the shared store --------------------------------------------------------------------


@dataclass
class Shared:
    home: Home
    init: Result
    users_after_init: Result
    catalog_csv: Path
    imported: Result
    export_csv: Path
    export_json: Path
    exported: tuple[Result, Result]
    blank_db: Path  # an empty, migrated database to copy for a fresh store


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Shared:
    """Store S009 on till T02: initialised, its catalog imported and exported once."""
    home = Home(tmp_path_factory.mktemp("shop"))
    blank = write_branch_config(Home(tmp_path_factory.mktemp("blank")))
    migrating = blank.start("migrate")
    init = home.run("init", "--admin-pin", "2468", "--store-code", "S009", "--terminal", "T02")
    migrated = finish(migrating)
    assert init.code == 0, init
    assert migrated.code == 0 and "applied 0001_initial" in migrated.out_lines, migrated
    assert (blank.root / "posapp.db").is_file()  # sqlite:///posapp.db: beside the config
    users = home.run("users", "list", "--json")
    catalog = home.root / "catalog.csv"
    catalog.write_text(csv_text(PRODUCTS), encoding="utf-8")
    imported = home.run("import-catalog", catalog)
    out_csv, out_json = home.root / "out.csv", home.root / "out.json"
    exported = home.run_all([("export-catalog", out_csv), ("export-catalog", out_json)])
    return Shared(home, init, users, catalog, imported, out_csv, out_json,
                  tuple(exported.values()), blank.root / "posapp.db")


LOOKUPS = [MILK, WATER_CASE, "1002", "nn", "咖啡机"]


@pytest.fixture(scope="module")
def answers(shop) -> dict[tuple, Result]:
    """Commands that only read the shared store, run side by side once."""
    commands = [("lookup", q) for q in LOOKUPS] + [("doctor", "--json"), ("migrate",), ("audit",)]
    return shop.home.run_all(commands)


def fresh_store(shop: Shared, root: Path) -> Home:
    """A brand-new store: its own config and a copy of an empty database made by `migrate`."""
    home = write_branch_config(Home(root))
    src, dst = sqlite3.connect(shop.blank_db), sqlite3.connect(root / "posapp.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return home


# --- init --------------------------------------------------------------------------------


def test_init_writes_the_config_and_creates_the_database_and_admin(shop):
    home, init = shop.home, shop.init

    assert init.code == 0, init
    assert init.err == ""
    assert init.out_lines[0] == f"config   {home.config}"
    assert init.out_lines[-1] == "admin    admin"
    raw = tomllib.loads(home.config.read_text(encoding="utf-8"))
    assert raw["store"]["code"] == "S009"
    assert raw["store"]["currency"] == "CNY" and raw["store"]["locale"] == "zh_CN"
    assert raw["terminal"]["code"] == "T02"
    assert raw["database"]["url"] == f"sqlite:///{home.root / 'posapp.db'}"
    assert raw["printer"]["connection"] == "none"
    assert (home.root / "posapp.db").is_file()

    users = shop.users_after_init
    assert users.code == 0, users
    assert json.loads(users.out) == [
        {"username": "admin", "name": "Administrator", "role": "admin", "active": True}]


def test_init_again_without_force_refuses_and_leaves_the_file_alone(shop):
    before = shop.home.config.read_bytes()

    result = shop.home.run("init", "--admin-pin", "1111", "--store-code", "S999")

    line = one_line_failure(result)
    assert str(shop.home.config) in line and "--force" in line
    assert result.out == ""
    assert shop.home.config.read_bytes() == before


def test_init_without_a_pin_and_without_a_terminal_fails_clearly(tmp_path):
    home = Home(tmp_path)

    result = home.run("init")

    line = one_line_failure(result)
    assert "PIN" in line and "--admin-pin" in line
    assert not home.config.exists()
    assert not (home.root / "posapp.db").exists()


def test_init_with_a_bad_pin_fails_before_writing_anything(tmp_path):
    home = Home(tmp_path)

    result = home.run("init", "--admin-pin", "12")

    line = one_line_failure(result)
    assert "4 to 8 digits" in line
    assert not home.config.exists()
    assert not (home.root / "posapp.db").exists()


def test_init_with_a_relative_config_path_puts_the_database_beside_it(tmp_path):
    # Not site/site/posapp.db: the URL written must not be resolved against the folder twice.
    home = Home(tmp_path)

    result = home.bare("init", "--admin-pin", "2468", "--config", "site/posapp.toml")

    assert result.code == 0, result
    assert (tmp_path / "site" / "posapp.toml").is_file()
    assert (tmp_path / "site" / "posapp.db").is_file()
    assert not (tmp_path / "site" / "site").exists()


# --- catalog import, lookup, export ------------------------------------------------------


def test_import_catalog_prints_the_count(shop):
    result = shop.imported

    assert result.code == 0, result
    assert result.out_lines == ["imported 5 products (5 new, 0 updated)"]


@pytest.mark.parametrize(
    ("query", "sku", "name"),
    [
        (MILK, "1001", "鲜牛奶"),  # scanned barcode
        (WATER_CASE, "1003", "农夫山泉饮用天然水 550ml"),  # a product's second barcode
        ("1002", "1002", "老坛酸菜牛肉面"),  # SKU
        ("nn", "1001", "鲜牛奶"),  # pinyin initials: xian NIU NAI
    ],
    ids=["barcode", "second-barcode", "sku", "pinyin-initials"],
)
def test_lookup_finds_a_product(answers, query, sku, name):
    result = answers[("lookup", query)]

    assert result.code == 0, result
    assert result.out_lines, result
    first = result.out_lines[0]
    assert first.split()[0] == sku
    assert name in first


def test_lookup_by_pinyin_initials_finds_only_the_matching_product(answers):
    result = answers[("lookup", "nn")]

    assert [line.split()[0] for line in result.out_lines] == ["1001"]


def test_lookup_shows_price_unit_name_and_every_barcode(answers):
    result = answers[("lookup", WATER_CASE)]

    assert result.code == 0, result
    assert result.out_lines[0].split() == ["1003", "2.00", "瓶", "农夫山泉饮用天然水", "550ml",
                                           f"{WATER}|{WATER_CASE}"]


def test_lookup_of_something_unknown_exits_1(answers):
    result = answers[("lookup", "咖啡机")]

    line = one_line_failure(result)
    assert "咖啡机" in line
    assert result.out == ""


def test_a_bad_csv_is_refused_with_every_bad_line_and_nothing_imported(shop):
    bad = shop.home.root / "bad.csv"
    bad.write_text(csv_text([
        ["1001", MILK, "鲜牛奶", "乳制品/牛奶", "9.99", "9", "瓶", "false", "Fresh Milk", "true"],
        ["4001", BAD_CHECK, "纯牛奶", "乳制品/牛奶", "5.00", "9", "盒", "false", "", "true"],
        ["4002", ean13("696000555666"), "酸奶", "乳制品/酸奶", "-1.00", "9", "杯", "false", "",
         "true"],
        ["4003", ean13("696000777888"), "", "乳制品/酸奶", "3.00", "9", "杯", "false", "", "true"],
        ["4004", NEW_TEA, "绿茶", "饮料/茶", "3.50", "13", "瓶", "false", "Green Tea", "true"],
    ]), encoding="utf-8")

    result = shop.home.run("import-catalog", bad)

    assert result.code == 1, result
    assert result.out == ""
    err = result.err_lines
    assert err[-1] == f"posapp-admin: {bad}: 3 bad row(s); nothing was imported"
    problems = [line.strip() for line in err if line.strip().startswith("line ")]
    assert [p.split(":")[0] for p in problems] == ["line 3, barcodes", "line 4, price",
                                                   "line 5, name"]
    assert BAD_CHECK in problems[0] and "check digit" in problems[0]
    assert "negative" in problems[1]
    # The good rows were not imported either: 1001 keeps its price.
    milk = shop.home.run("lookup", MILK)
    assert milk.code == 0, milk
    assert milk.out_lines[0].split()[:2] == ["1001", "6.50"]


def test_export_catalog_writes_utf8_csv_and_woocommerce_json(shop):
    csv_run, json_run = shop.exported

    assert csv_run.code == 0 and json_run.code == 0, (csv_run, json_run)
    assert csv_run.out_lines == [f"exported 5 products to {shop.export_csv}"]
    assert json_run.out_lines == [f"exported 5 products to {shop.export_json}"]
    rows = list(csv.reader(io.StringIO(shop.export_csv.read_text(encoding="utf-8"))))
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["1001", "1002", "1003", "2001", "3001"]
    assert rows[1][:3] == ["1001", MILK, "鲜牛奶"]
    items = json.loads(shop.export_json.read_text(encoding="utf-8"))
    assert [(i["sku"], i["name"], i["status"]) for i in items][::4] == [
        ("1001", "鲜牛奶", "publish"), ("3001", "停售饼干", "draft")]


@dataclass
class Branch:
    source: Path  # the file imported into the new store
    imported: Result
    again: Path  # that store's own export, in the same format as expected
    exported: Result


@pytest.fixture(scope="module")
def branches(shop, tmp_path_factory) -> dict[str, Branch]:
    """Three new stores fed from the shop's files, side by side: a GB18030 copy of the
    catalog CSV, the shop's CSV export and its JSON export; each then exports its catalog."""
    gb_copy = tmp_path_factory.mktemp("gb18030") / "catalog-gb18030.csv"
    gb_copy.write_bytes(shop.catalog_csv.read_text(encoding="utf-8").encode("gb18030"))
    plan = {"gb18030": (gb_copy, "csv"), "csv": (shop.export_csv, "csv"),
            "json": (shop.export_json, "json")}
    homes = {k: fresh_store(shop, tmp_path_factory.mktemp(f"branch-{k}")) for k in plan}
    importing = {k: homes[k].start("import-catalog", src) for k, (src, _) in plan.items()}
    imported = {k: finish(p) for k, p in importing.items()}
    again = {k: homes[k].root / f"again.{fmt}" for k, (_, fmt) in plan.items()}
    exporting = {k: homes[k].start("export-catalog", again[k]) for k in plan}
    return {k: Branch(plan[k][0], imported[k], again[k], finish(p)) for k, p in exporting.items()}


def test_a_gb18030_copy_of_the_catalog_imports_the_same_products(shop, branches):
    branch = branches["gb18030"]

    assert branch.imported.code == 0, branch.imported
    assert branch.imported.out_lines == ["imported 5 products (5 new, 0 updated)"]
    assert branch.exported.code == 0, branch.exported
    assert branch.again.read_bytes() == shop.export_csv.read_bytes()


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_an_export_imported_into_a_new_store_exports_byte_identical(branches, kind):
    branch = branches[kind]

    assert branch.imported.code == 0, branch.imported
    assert branch.imported.out_lines == ["imported 5 products (5 new, 0 updated)"]
    assert branch.exported.code == 0, branch.exported
    assert branch.exported.out_lines == [f"exported 5 products to {branch.again}"]
    assert branch.again.read_bytes() == branch.source.read_bytes()


# --- users -------------------------------------------------------------------------------


def test_users_add_disable_and_list(shop):
    home = shop.home

    added = home.run("users", "add", "c1", "--role", "cashier", "--pin", "1357", "--name", "王芳")
    disabled = home.run("users", "disable", "c1")
    listed = home.run("users", "list")

    assert (added.code, added.out_lines) == (0, ["added c1 (cashier)"]), added
    assert (disabled.code, disabled.out_lines) == (0, ["c1 disabled"]), disabled
    assert listed.code == 0, listed
    rows = {line.split()[0]: line.split()[1:] for line in listed.out_lines}
    assert rows["c1"] == ["cashier", "disabled", "王芳"]
    assert rows["admin"] == ["admin", "active", "Administrator"]


def test_users_add_with_a_three_digit_pin_says_4_to_8_digits(shop):
    result = shop.home.run("users", "add", "c2", "--role", "cashier", "--pin", "135")

    line = one_line_failure(result)
    assert "4 to 8 digits" in line
    assert result.out == ""


# --- doctor, backup, audit, migrate ------------------------------------------------------


def test_doctor_json_reports_every_check_ok(shop, answers):
    result = answers[("doctor", "--json")]

    assert result.code == 0, result
    report = json.loads(result.out)
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["config", "database", "migrations", "stock", "disk",
                                                     "printer"]
    assert all(c["ok"] for c in report["checks"]), report
    assert report["checks"][0]["detail"] == str(shop.home.config)


def test_doctor_exits_1_when_the_network_printer_is_unreachable(shop):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = closed.getsockname()[1]
        config = shop.home.root / "printer.toml"
        config.write_text(shop.home.config.read_text(encoding="utf-8").replace(
            'connection = "none"', f'connection = "network:127.0.0.1:{port}"'), encoding="utf-8")

        result = shop.home.run("doctor", config=config)

    assert result.code == 1, result
    lines = {line.split()[1]: line for line in result.out_lines}
    assert lines["printer"].startswith("FAIL printer")
    assert f"127.0.0.1:{port}" in lines["printer"] and "unreachable" in lines["printer"]
    for name in ("config", "database", "migrations", "disk"):
        assert lines[name].startswith("ok "), result


def test_backup_writes_a_sqlite_file_holding_the_users_and_catalog(shop):
    target = shop.home.root / "backup.db"

    result = shop.home.run("backup", target)
    again = shop.home.run("backup", target)

    assert result.code == 0, result
    assert result.out_lines[0].startswith(f"backup written to {target} (")
    db = sqlite3.connect(target)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        users = dict(db.execute("SELECT username, role FROM app_user").fetchall())
        count = db.execute("SELECT count(*) FROM app_user").fetchone()[0]
        products = db.execute("SELECT count(*) FROM product").fetchone()[0]
    finally:
        db.close()
    assert count == len(users) >= 1 and users["admin"] == "admin"
    assert products == 5
    line = one_line_failure(again)
    assert str(target) in line and "--force" in line


def test_audit_lists_the_user_added_entries(answers):
    result = answers[("audit",)]

    assert result.code == 0, result
    added = [line for line in result.out_lines if " user_added " in line]
    assert added, result
    first = added[-1]  # newest first: the first admin is the oldest
    assert " T02 " in first
    assert json.loads(first[first.index("{"):]) == {
        "first_admin": True, "role": "admin", "username": "admin"}
    assert any(" catalog_imported " in line for line in result.out_lines)


def test_migrate_on_an_up_to_date_database_says_so(answers):
    result = answers[("migrate",)]

    assert result.code == 0, result
    assert result.out_lines == ["the database is up to date"]


# --- a broken config stops every command -------------------------------------------------

BROKEN_COMMANDS = [("users", "list"), ("lookup", "1001"), ("migrate",), ("backup", "never.db"),
                   ("doctor", "--json")]


@pytest.fixture(scope="module")
def misspelt(shop) -> tuple[Path, dict[tuple, Result]]:
    """A copy of the shop's config with `colums` for `columns`, and every command run on it."""
    config = shop.home.root / "misspelt.toml"
    text = shop.home.config.read_text(encoding="utf-8")
    assert "columns = 42" in text
    config.write_text(text.replace("columns = 42", "colums = 48"), encoding="utf-8")
    return config, shop.home.run_all(BROKEN_COMMANDS, config=config)


@pytest.mark.parametrize("command", BROKEN_COMMANDS[:-1], ids=lambda c: c[0])
def test_a_misspelt_key_stops_any_command_naming_file_and_key(shop, misspelt, command):
    config, results = misspelt

    result = results[command]

    line = one_line_failure(result)
    assert str(config) in line and "printer.colums" in line
    assert result.out == ""
    assert not (shop.home.root / "never.db").exists()


def test_doctor_reports_a_misspelt_key_as_a_failed_config_check(misspelt):
    config, results = misspelt

    result = results[("doctor", "--json")]

    assert result.code == 1, result
    report = json.loads(result.out)
    assert report["ok"] is False
    [check] = report["checks"]
    assert check["name"] == "config" and check["ok"] is False
    assert str(config) in check["detail"] and "printer.colums" in check["detail"]


# --- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture
def pg_database(pg_server):
    import psycopg

    name = f"cli_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_init_on_a_postgresql_server(tmp_path, pg_database):
    home = Home(tmp_path)

    init = home.run("init", "--admin-pin", "2468", "--database-url", pg_database)
    checked = home.run_all([("doctor", "--json"), ("users", "list")])
    doctor, users = checked[("doctor", "--json")], checked[("users", "list")]

    assert init.code == 0, init
    assert tomllib.loads(home.config.read_text(encoding="utf-8"))["database"]["url"] == pg_database
    assert not (tmp_path / "posapp.db").exists()
    assert doctor.code == 0, doctor
    report = json.loads(doctor.out)
    assert report["ok"] is True, report
    assert "PostgreSQL" in next(c["detail"] for c in report["checks"] if c["name"] == "database")
    assert users.code == 0, users
    assert [line.split()[:3] for line in users.out_lines] == [["admin", "admin", "active"]]
