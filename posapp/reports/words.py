"""Report labels in the report's own language, whatever language the screen is in.

Labels are English msgids marked with `_` (so tests/unit/test_i18n.py checks each has its
Chinese), looked up in the gettext catalog of the locale the report is printed in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel.messages.pofile import read_po

from posapp.resources import resource_path


def _(text: str) -> str:
    """Marks text for translation; words(locale) translates it."""
    return text


@lru_cache(maxsize=8)
def _catalog(locale: str) -> dict[str, str]:
    # Only Simplified Chinese has a catalog; zh_TW/zh_HK get it too rather than English.
    name = "zh_CN" if locale.startswith("zh") else locale
    path = resource_path("locale", name, "LC_MESSAGES", "posapp.po")
    if name == "en" or not path.is_file():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=name)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def words(locale: str) -> Callable[[str], str]:
    """A translator for locale: the English text itself when there is no translation."""
    messages = _catalog(locale)
    return lambda text: messages.get(text, text)


def is_chinese(locale: str) -> bool:
    return locale.startswith("zh")
