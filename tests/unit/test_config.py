"""The configuration file: every missing or wrong key is refused with the file and the key named.

Most tests hand parse_config a dict (what tomllib would give) and a made-up path; files on disk
are used only where reading, finding or writing the file is the point.
"""

from __future__ import annotations

import copy
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from posapp import config as config_mod
from posapp.config import (
    Config,
    PrinterConfig,
    StoreConfig,
    find_config,
    load_config,
    parse_config,
    parse_printer_connection,
    write_config,
)
from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, EmbeddedRule
from posapp.domain.errors import ConfigError, PosError, ValidationError

# A path that is never read: it only has to appear in the messages.
FAKE = Path("/srv/pos/shop-7/posapp.toml")

COMPLETE = {
    "store": {
        "code": "S007",
        "name": "华联超市 中山路店",
        "currency": "CNY",
        "locale": "zh_CN",
        "timezone": "Asia/Shanghai",
        "address": "青岛市中山路 88 号",
        "tax_id": "91370200MA3C5XXXX1",
        "prices_include_tax": True,
    },
    "terminal": {"code": "T03"},
    "database": {"url": "postgresql://pos:secret@10.0.0.2:5432/store7"},
    "printer": {
        "connection": "network:10.0.0.5:9100",
        "profile": "TM-T88V",
        "columns": 48,
        "encoding": "cp858",
        "timeout": 2.5,
    },
}

MINIMAL = {
    "store": {"code": "S001", "name": "My Store", "currency": "CNY", "locale": "en",
              "timezone": "Europe/Berlin"},
    "terminal": {"code": "T01"},
    "database": {"url": "sqlite:////var/lib/posapp/posapp.db"},
}


def config_with(base: dict = MINIMAL, **changes) -> dict:
    """A deep copy of base with "section.key" changed; a value of ... deletes the key."""
    raw = copy.deepcopy(base)
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        table = raw.setdefault(section, {})
        if value is ...:
            del table[key]
        else:
            table[key] = value
    return raw


def refusal(raw: dict, path: Path = FAKE) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, path=path)
    return str(info.value)


# --- a good file -------------------------------------------------------------------------


def test_complete_config_parses_with_every_value():
    cfg = parse_config(copy.deepcopy(COMPLETE), path=FAKE)

    assert isinstance(cfg, Config)
    assert cfg.path == FAKE
    assert cfg.store == StoreConfig(
        code="S007", name="华联超市 中山路店", currency="CNY", locale="zh_CN",
        timezone="Asia/Shanghai", address="青岛市中山路 88 号", tax_id="91370200MA3C5XXXX1",
        prices_include_tax=True)
    assert cfg.terminal_code == "T03"
    assert cfg.database_url == "postgresql://pos:secret@10.0.0.2:5432/store7"
    assert cfg.printer == PrinterConfig(connection="network:10.0.0.5:9100", profile="TM-T88V",
                                        columns=48, encoding="cp858", timeout=2.5)
    # No [barcodes] section: the standard in-store (20-29) scale label rules apply.
    assert cfg.embedded_barcodes == DEFAULT_EMBEDDED_RULES
    assert {r.prefix for r in cfg.embedded_barcodes} == {str(p) for p in range(20, 30)}


def test_optional_keys_take_their_documented_defaults():
    cfg = parse_config(copy.deepcopy(MINIMAL), path=FAKE)

    assert cfg.store.address == "" and cfg.store.tax_id == ""
    assert cfg.store.prices_include_tax is True
    assert cfg.store.locale == "en"
    assert cfg.printer == PrinterConfig(connection="none", profile="default", columns=42,
                                        encoding="gb18030", timeout=5.0)
    assert cfg.embedded_barcodes == DEFAULT_EMBEDDED_RULES


def test_small_normalisations_a_person_would_expect():
    raw = config_with(store__name="  Corner Shop  ", store__prices_include_tax=False,
                      printer__encoding="GB18030", printer__timeout=3, printer__columns=32)
    cfg = parse_config(raw, path=FAKE)

    assert cfg.store.name == "Corner Shop"
    assert cfg.store.prices_include_tax is False
    assert cfg.printer.encoding == "gb18030"
    assert cfg.printer.timeout == 3.0 and isinstance(cfg.printer.timeout, float)
    assert cfg.printer.columns == 32


def test_config_error_is_a_pos_error_so_every_entry_point_shows_one_line():
    message = refusal(config_with(store__code=...))
    assert issubclass(ConfigError, PosError)
    assert "\n" not in message


# --- missing keys ------------------------------------------------------------------------

REQUIRED = ["store.code", "store.name", "store.currency", "store.locale", "store.timezone",
            "terminal.code", "database.url"]


@pytest.mark.parametrize("dotted", REQUIRED)
def test_each_required_key_missing_names_file_and_key(dotted):
    raw = config_with(**{dotted.replace(".", "__"): ...})

    message = refusal(raw)

    assert str(FAKE) in message
    assert dotted in message
    assert "missing" in message


@pytest.mark.parametrize("section", ["store", "terminal", "database"])
def test_a_missing_required_section_names_its_first_key(section):
    raw = copy.deepcopy(MINIMAL)
    del raw[section]

    message = refusal(raw)

    assert str(FAKE) in message
    assert f"{section}." in message and "missing" in message


def test_an_empty_store_name_is_refused():
    message = refusal(config_with(store__name="   "))
    assert str(FAKE) in message and "store.name" in message


# --- invalid values ----------------------------------------------------------------------

INVALID = [
    ("store.code", "s 1"),
    ("store.code", "S00000001"),  # nine characters
    ("store.currency", "XXQ"),
    ("store.currency", "RMB"),  # what people call it, not the ISO code
    ("store.currency", "cny"),
    ("store.locale", "fr"),
    ("store.timezone", "Mars/Base"),
    ("store.timezone", ""),
    ("store.timezone", "../../etc/passwd"),
    ("store.prices_include_tax", "yes"),
    ("store.prices_include_tax", 1),
    ("store.name", 42),
    ("terminal.code", "t-1"),
    ("printer.columns", 40),
    ("printer.columns", "42"),
    ("printer.columns", True),
    ("printer.encoding", "latin9"),
    ("printer.connection", "usb:1234"),
    ("printer.connection", "network:host"),
    ("printer.connection", "network:10.0.0.5:"),
    ("printer.connection", "bluetooth:x"),
    ("printer.connection", "serial:"),
    ("printer.timeout", 0),
    ("printer.timeout", 600),
    ("printer.timeout", float("nan")),
    ("printer.timeout", True),
    ("database.url", "mysql://x"),
    ("database.url", "sqlite:///"),
    ("database.url", "posapp.db"),
]


@pytest.mark.parametrize(("dotted", "value"), INVALID, ids=[f"{k}={v!r}" for k, v in INVALID])
def test_each_invalid_value_names_file_and_key(dotted, value):
    raw = config_with(**{dotted.replace(".", "__"): value})

    message = refusal(raw)

    assert message.startswith(f"{FAKE}: {dotted} ")
    assert "\n" not in message


@pytest.mark.parametrize("text", ["XXQ", "ABC"])
def test_an_invented_currency_is_called_what_it_is(text):
    message = refusal(config_with(store__currency=text))
    assert "ISO 4217" in message and repr(text) in message


def test_a_section_that_is_not_a_table_is_refused():
    raw = copy.deepcopy(MINIMAL)
    raw["printer"] = "network:10.0.0.5:9100"

    message = refusal(raw)

    assert str(FAKE) in message and "[printer]" in message and "table" in message


# --- unknown keys and sections -----------------------------------------------------------


@pytest.mark.parametrize(
    ("dotted", "value"),
    [
        ("store.prices_include_taxes", False),  # misspelt optional key: never a silent default
        ("store.adress", "somewhere"),
        ("terminal.name", "Till 1"),
        ("database.password", "x"),
        ("printer.colums", 48),
        ("barcodes.embeded", []),
    ],
)
def test_an_unknown_key_is_refused_by_name(dotted, value):
    raw = config_with(**{dotted.replace(".", "__"): value})

    message = refusal(raw)

    assert str(FAKE) in message
    assert dotted in message
    assert "not a known key" in message


@pytest.mark.parametrize("section", ["stores", "printers", "logging"])
def test_an_unknown_section_is_refused_by_name(section):
    raw = copy.deepcopy(MINIMAL)
    raw[section] = {"level": "debug"}

    message = refusal(raw)

    assert str(FAKE) in message and f"[{section}]" in message


def test_a_misspelt_required_key_still_names_the_key_that_is_needed():
    raw = config_with(store__currency=...)
    raw["store"]["curency"] = "CNY"

    message = refusal(raw)

    assert str(FAKE) in message and "store.currency" in message


# --- printer connections -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", ("none", [])),
        ("dummy", ("dummy", [])),
        ("usb:0x04b8:0x0202", ("usb", ["0x04b8", "0x0202"])),
        ("network:10.0.0.5:9100", ("network", ["10.0.0.5", "9100"])),
        ("network:printer.shop.lan:9100", ("network", ["printer.shop.lan", "9100"])),
        ("serial:/dev/ttyUSB0:19200", ("serial", ["/dev/ttyUSB0", "19200"])),
        ("serial:COM3:9600", ("serial", ["COM3", "9600"])),
        ("file:/dev/usb/lp0", ("file", ["/dev/usb/lp0"])),
        ("win32:EPSON TM-T20III Receipt", ("win32", ["EPSON TM-T20III Receipt"])),
    ],
)
def test_printer_connections_that_are_accepted(text, expected):
    assert parse_printer_connection(text) == expected
    assert parse_config(config_with(printer__connection=text), path=FAKE).printer.connection == text


@pytest.mark.parametrize(
    "text", ["usb:1234", "usb:0x04b8", "usb:04b8:0202", "network:host", "network:host:port",
             "bluetooth:x", "serial:/dev/ttyS0", "file:", "", "NETWORK:10.0.0.5:9100"])
def test_printer_connections_that_are_refused(text):
    with pytest.raises(ValidationError) as info:
        parse_printer_connection(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["network:10.0.0.5:99999", "network:10.0.0.5:0"])
def test_a_network_printer_port_outside_1_to_65535_is_refused(text):
    # getaddrinfo would silently wrap 99999 to port 34463.
    message = refusal(config_with(printer__connection=text))
    assert "printer.connection" in message


# --- embedded (scale label) barcode rules ------------------------------------------------


def test_custom_embedded_rules_replace_the_defaults():
    rules = [{"prefix": "22", "pattern": "PPIIIIIXVVVVC", "kind": "price", "decimals": 2},
             {"prefix": "28", "kind": "weight", "decimals": 3}]
    cfg = parse_config(config_with(barcodes__embedded=rules), path=FAKE)

    assert cfg.embedded_barcodes == (
        EmbeddedRule(prefix="22", pattern="PPIIIIIXVVVVC", kind="price", decimals=2),
        EmbeddedRule(prefix="28", pattern=DEFAULT_EMBEDDED_RULES[0].pattern, kind="weight",
                     decimals=3),
    )


def test_an_empty_embedded_list_means_no_scale_labels():
    cfg = parse_config(config_with(barcodes__embedded=[]), path=FAKE)
    assert cfg.embedded_barcodes == ()


@pytest.mark.parametrize(
    ("rules", "where"),
    [
        ([{"prefix": 21, "kind": "price", "decimals": 2}], "barcodes.embedded[0].prefix"),
        ([{"prefix": "30", "kind": "price", "decimals": 2}], "barcodes.embedded[0].prefix"),
        ([{"prefix": "21", "kind": "volume", "decimals": 2}], "barcodes.embedded[0].kind"),
        ([{"prefix": "21", "kind": "price", "decimals": True}], "barcodes.embedded[0].decimals"),
        ([{"prefix": "21", "kind": "price"}], "barcodes.embedded[0].decimals"),
        ([{"prefix": "21", "kind": "price", "decimals": 2, "unit": "g"}], "barcodes.embedded[0].unit"),
        ([{"prefix": "21", "pattern": "PPIIIIIVVVVVX", "kind": "price", "decimals": 2}],
         "barcodes.embedded[0].pattern"),
        (["21"], "barcodes.embedded[0]"),
        ([{"prefix": "21", "kind": "price", "decimals": 2},
          {"prefix": "21", "kind": "weight", "decimals": 3}], "barcodes.embedded[1].prefix"),
    ],
)
def test_a_bad_embedded_rule_names_its_index_and_field(rules, where):
    message = refusal(config_with(barcodes__embedded=rules))
    assert message.startswith(f"{FAKE}: {where}")


def test_embedded_rules_must_be_a_list():
    message = refusal(config_with(barcodes__embedded={"prefix": "21"}))
    assert str(FAKE) in message and "barcodes.embedded" in message


def test_a_bad_embedded_rule_in_a_real_file_names_file_and_rule(tmp_path):
    path = tmp_path / "posapp.toml"
    path.write_text(tomli_w.dumps(MINIMAL) + '\n[barcodes]\nembedded = [\n'
                    '  { prefix = "21", kind = "price", decimals = 2 },\n'
                    '  { prefix = "25", kind = "weight", decimals = 7 },\n]\n', encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_config(path)

    assert str(info.value).startswith(f"{path}: barcodes.embedded[1].decimals")


# --- reading files -----------------------------------------------------------------------


def test_load_config_reads_a_file_written_by_hand(tmp_path):
    path = tmp_path / "posapp.toml"
    path.write_text(
        "# 中山路店, till 3\n"
        "[store]\ncode = \"S007\"\nname = \"华联超市\"\ncurrency = \"CNY\"\n"
        "locale = \"zh_CN\"\ntimezone = \"Asia/Shanghai\"\n\n"
        "[terminal]\ncode = \"T03\"\n\n"
        "[database]\nurl = \"sqlite:///posapp.db\"\n\n"
        "[printer]\nconnection = \"usb:0x04b8:0x0202\"\ncolumns = 42\nencoding = \"gb18030\"\n",
        encoding="utf-8")

    cfg = load_config(path)

    assert cfg.path == path
    assert cfg.store.name == "华联超市" and cfg.terminal_code == "T03"
    assert cfg.printer.connection == "usb:0x04b8:0x0202"


def test_a_toml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "posapp.toml"
    path.write_text('[store]\ncode = "S001\nname = "x"\n', encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_config(path)

    assert str(info.value).startswith(f"{path}: ")
    assert "TOML" in str(info.value)


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "posapp.toml"
    path.write_bytes('[store]\nname = "华联超市"\n'.encode("gb18030"))

    with pytest.raises(ConfigError) as info:
        load_config(path)

    assert str(info.value).startswith(f"{path}: ")


def test_an_explicit_file_that_does_not_exist_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    other = tmp_path / "other.toml"
    other.write_text(tomli_w.dumps(MINIMAL), encoding="utf-8")
    monkeypatch.setenv("POSAPP_CONFIG", str(other))
    missing = tmp_path / "missing.toml"

    with pytest.raises(ConfigError) as info:
        load_config(missing)

    assert str(missing) in str(info.value) and "not found" in str(info.value)


# --- relative SQLite paths ---------------------------------------------------------------


def test_a_relative_sqlite_path_is_relative_to_the_config_file_not_the_working_dir(
        tmp_path, monkeypatch):
    folder = tmp_path / "etc" / "posapp"
    folder.mkdir(parents=True)
    path = folder / "posapp.toml"
    path.write_text(tomli_w.dumps(config_with(database__url="sqlite:///data/pos.db")),
                    encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    cfg = load_config(path)

    assert cfg.database_url == "sqlite:///" + str((folder / "data" / "pos.db").resolve())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///posapp.db", "sqlite:///" + str(Path("/srv/pos/shop-7/posapp.db").resolve())),
        ("sqlite:///../shared/pos.db", "sqlite:///" + str(Path("/srv/pos/shared/pos.db").resolve())),
        ("sqlite:////var/lib/posapp/pos.db", "sqlite:////var/lib/posapp/pos.db"),
        ("postgresql://pos@10.0.0.2/store7", "postgresql://pos@10.0.0.2/store7"),
        ("postgres://pos@10.0.0.2/store7", "postgres://pos@10.0.0.2/store7"),
    ],
)
def test_database_urls_resolve_as_documented(url, expected):
    assert parse_config(config_with(database__url=url), path=FAKE).database_url == expected


# --- finding the file --------------------------------------------------------------------


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Four candidate files: explicit, $POSAPP_CONFIG, user config dir, machine config dir."""
    files = {name: tmp_path / name / "posapp.toml" for name in ("explicit", "env", "user", "site")}
    for file in files.values():
        file.parent.mkdir()
        file.write_text(tomli_w.dumps(MINIMAL), encoding="utf-8")
    monkeypatch.setattr(config_mod, "default_config_path", lambda: files["user"])
    monkeypatch.setattr(config_mod, "site_config_path", lambda: files["site"])
    monkeypatch.setenv("POSAPP_CONFIG", str(files["env"]))
    return files


def test_find_config_prefers_the_explicit_path(places):
    assert find_config(places["explicit"]) == places["explicit"]
    assert find_config(str(places["explicit"])) == places["explicit"]


def test_find_config_then_uses_posapp_config(places):
    assert find_config() == places["env"]
    assert find_config(None) == places["env"]


def test_find_config_then_the_user_config_dir(places, monkeypatch):
    monkeypatch.delenv("POSAPP_CONFIG")
    assert find_config() == places["user"]


def test_an_empty_posapp_config_counts_as_unset(places, monkeypatch):
    monkeypatch.setenv("POSAPP_CONFIG", "")
    assert find_config() == places["user"]


def test_find_config_then_the_machine_config_dir(places, monkeypatch):
    monkeypatch.delenv("POSAPP_CONFIG")
    places["user"].unlink()
    assert find_config() == places["site"]


def test_no_config_anywhere_says_where_it_looked_and_what_to_do(places, monkeypatch):
    monkeypatch.delenv("POSAPP_CONFIG")
    places["user"].unlink()
    places["site"].unlink()

    with pytest.raises(ConfigError) as info:
        find_config()

    message = str(info.value)
    assert str(places["user"]) in message and str(places["site"]) in message
    assert "--config" in message and "POSAPP_CONFIG" in message and "posapp-admin init" in message


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG_CONFIG_HOME is for Linux")
def test_the_user_config_dir_follows_xdg_config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POSAPP_CONFIG", raising=False)
    user = tmp_path / "xdg" / "posapp" / "posapp.toml"
    user.parent.mkdir(parents=True)
    user.write_text(tomli_w.dumps(MINIMAL), encoding="utf-8")

    assert config_mod.default_config_path() == user
    assert find_config() == user
    assert load_config().path == user


# --- writing the file --------------------------------------------------------------------


def test_write_config_then_load_config_round_trips(tmp_path):
    path = tmp_path / "new" / "dir" / "posapp.toml"
    store = StoreConfig(code="S009", name="华联超市 \"旗舰\" 店", currency="CNY", locale="zh_CN",
                        timezone="Asia/Shanghai", address="青岛市中山路 88 号", tax_id="9137",
                        prices_include_tax=False)
    printer = PrinterConfig(connection="serial:/dev/ttyUSB0:19200", profile="TM-T20",
                            columns=32, encoding="big5", timeout=1.5)

    assert write_config(path, store=store, terminal_code="T02", database_url="sqlite:///pos.db",
                        printer=printer) == path
    cfg = load_config(path)

    assert cfg.store == store
    assert cfg.terminal_code == "T02"
    assert cfg.printer == printer
    assert cfg.database_url == "sqlite:///" + str((path.parent / "pos.db").resolve())
    assert cfg.embedded_barcodes == DEFAULT_EMBEDDED_RULES
    assert [p.name for p in path.parent.iterdir()] == ["posapp.toml"]  # no temp file left
    # The file is plain TOML a person can read and edit.
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["store"]["name"] == store.name and raw["database"]["url"] == "sqlite:///pos.db"


def test_write_config_with_default_printer_round_trips(tmp_path):
    path = tmp_path / "posapp.toml"
    store = StoreConfig(code="S001", name="My Store", currency="EUR", locale="en",
                        timezone="Europe/Berlin")
    write_config(path, store=store, terminal_code="T01",
                 database_url="postgresql://pos@db.local/shop")

    cfg = load_config(path)

    assert cfg.store == store and cfg.printer == PrinterConfig()
    assert cfg.database_url == "postgresql://pos@db.local/shop"


def test_write_config_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "posapp.toml"
    path.write_text("old", encoding="utf-8")
    store = StoreConfig(code="S001", name="My Store", currency="CNY", locale="en",
                        timezone="UTC")

    write_config(path, store=store, terminal_code="T01", database_url="sqlite:///x.db")

    assert load_config(path).store == store


def test_write_config_refuses_an_invalid_config_and_writes_nothing(tmp_path):
    path = tmp_path / "posapp.toml"
    store = StoreConfig(code="s 1", name="My Store", currency="CNY", locale="en", timezone="UTC")

    with pytest.raises(ConfigError) as info:
        write_config(path, store=store, terminal_code="T01", database_url="sqlite:///x.db")

    assert "store.code" in str(info.value)
    assert not path.exists() and list(tmp_path.iterdir()) == []


# --- [sync] ---------------------------------------------------------------------------------------

SYNC = {"connector": "woocommerce", "url": "https://shop.example.com/", "key": "ck_1", "secret": "cs_1"}


def with_sync(sync: dict) -> dict:
    return {**copy.deepcopy(MINIMAL), "sync": sync}


def test_no_sync_section_means_no_sync_and_defaults_fill_the_rest():
    assert parse_config(copy.deepcopy(MINIMAL), path=FAKE).sync is None
    cfg = parse_config(with_sync(dict(SYNC)), path=FAKE).sync
    assert (cfg.url, cfg.interval_seconds, cfg.barcode_meta_key, cfg.points_meta_key) == (
        "https://shop.example.com", 60, "_barcode", "_pos_points")
    assert "cs_1" not in repr(cfg) and "ck_1" not in repr(cfg)  # never in a log line


@pytest.mark.parametrize(("changes", "problem"), [
    ({"url": "http://shop.example.com"}, "sync.url must use HTTPS"),
    ({"url": "ftp://x"}, "sync.url 'ftp://x' is not a web address"),
    ({"url": "https://u:p@shop.example.com"}, "must not carry credentials"),
    ({"connector": "shopify"}, "sync.connector 'shopify' is not a known connector"),
    ({"secret": ""}, "sync.key and secret"),
    ({"interval_seconds": 1}, "sync.interval_seconds 1 must be between"),
    ({"barcode_meta_key": "a b"}, "sync.barcode_meta_key"),
    ({"token": "x"}, "sync.token is not a known key"),
])
def test_bad_sync_settings_name_the_key(changes, problem):
    assert problem in refusal(with_sync({**SYNC, **changes}))


def test_plain_http_only_to_a_loopback_address_and_credentials_from_a_file(tmp_path):
    loop = parse_config(with_sync({**SYNC, "url": "http://127.0.0.1:8123"}), path=FAKE).sync
    assert loop.url == "http://127.0.0.1:8123"
    (tmp_path / "woo.key").write_text("ck_file\ncs_file\n", encoding="utf-8")
    sync = {k: v for k, v in SYNC.items() if k not in ("key", "secret")}
    cfg = parse_config(with_sync({**sync, "key_file": "woo.key"}), path=tmp_path / "posapp.toml").sync
    assert (cfg.key, cfg.secret) == ("ck_file", "cs_file")
    (tmp_path / "half.key").write_text("ck_only\n", encoding="utf-8")
    assert "must hold two lines" in refusal(with_sync({**sync, "key_file": "half.key"}), path=tmp_path / "p.toml")
    assert "cannot be read" in refusal(with_sync({**sync, "key_file": "nope.key"}), path=tmp_path / "p.toml")
    assert "not both" in refusal(with_sync({**SYNC, "key_file": "woo.key"}), path=tmp_path / "p.toml")
