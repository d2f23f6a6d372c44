"""Translations (gettext .po files read with babel) and locale-aware money and time formats.

English is the source language; zh_CN comes from resources/locale/zh_CN/LC_MESSAGES/posapp.po.
Qt-free, so receipts and PDF reports use the same words as the screens.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime as _format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from posapp.resources import resource_path

_messages: dict[str, str] = {}
_locale = "en"


def set_locale(locale: str) -> None:
    """Load the catalog for locale ('en' needs none)."""
    global _locale, _messages
    _locale = locale
    _messages = {}
    path = resource_path("locale", locale, "LC_MESSAGES", "posapp.po")
    if path.is_file():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        _messages = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def current_locale() -> str:
    return _locale


def _(text: str) -> str:
    """The text in the current language (the English text itself when untranslated)."""
    return _messages.get(text, text)


def N_(text: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks text to translate later, when it is shown (it is checked like _() texts are)."""
    return text


def money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency, locale=_locale)


def number(value: Decimal) -> str:
    return format_decimal(value, locale=_locale)


def moment(value: datetime, tz: str) -> str:
    from posapp.domain.clock import to_local

    return _format_datetime(to_local(value, tz), "yyyy-MM-dd HH:mm", locale=_locale)
