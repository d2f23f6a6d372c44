"""Every user-facing English text has its Simplified Chinese beside it."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from posapp import i18n
from posapp.domain.users import Permission, Role
from posapp.resources import resource_path

ROOT = Path(__file__).resolve().parents[2] / "posapp"


def _msgids_in_code() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def _chinese() -> dict[str, str]:
    with resource_path("locale", "zh_CN", "LC_MESSAGES", "posapp.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_text_in_the_code_is_translated():
    from posapp.ui.basket_view import COLUMNS
    from posapp.ui.till import KEYS, LATER

    dynamic = {r.value for r in Role} | {p.value.replace("_", " ") for p in Permission} | \
        {"SKU", "Name", "Price", "Unit", "Barcode"} | set(COLUMNS) | {k[1] for k in KEYS} | set(LATER.values())
    missing = sorted((_msgids_in_code() | dynamic) - {k for k, v in _chinese().items() if v})
    assert missing == []


def test_placeholders_survive_translation():
    for english, chinese in _chinese().items():
        assert sorted(_fields(english)) == sorted(_fields(chinese)), english


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


@pytest.fixture
def chinese():
    i18n.set_locale("zh_CN")
    yield
    i18n.set_locale("en")


def test_chinese_locale_translates_and_formats_money(chinese):
    assert i18n._("No product has barcode {code}").format(code="6901234567892") == \
        "没有条码为 6901234567892 的商品"
    assert i18n.money(Decimal("1234.5"), "CNY") == "¥1,234.50"


def test_english_is_the_source_language():
    i18n.set_locale("en")
    assert i18n._("Wrong user or PIN") == "Wrong user or PIN"
    assert i18n.money(Decimal("1234.5"), "CNY") == "CN¥1,234.50"
