"""One gettext catalogue for the UI, CLI, error messages and PDFs (English source, Welsh cy.po)."""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import locale
import os
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as _dates
from babel import numbers as _numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from cvcdesk.paths import resources_dir

LANGUAGES: tuple[str, ...] = ("en", "cy")
SOURCE_LANGUAGE = "en"
_BABEL_LOCALES = {"en": "en_GB", "cy": "cy_GB"}

_state = threading.local()
_default_language = SOURCE_LANGUAGE
_listeners: list[Callable[[str], None]] = []


def translations_dir() -> Path:
    return resources_dir() / "translations"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue for one language; English is the source and needs none.

    The .po file is compiled in memory so a source checkout never carries stale .mo files.
    """
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    po_path = translations_dir() / f"{language}.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def normalise_language(value: str | None) -> str:
    """Map 'cy', 'cy_GB.UTF-8', 'CY' ... to a supported language code, English otherwise."""
    if not value:
        return SOURCE_LANGUAGE
    code = value.replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def system_language() -> str:
    """The language of the OS session (CVCDESK_LANG, then LANGUAGE/LC_ALL/LANG, then the locale)."""
    for name in ("CVCDESK_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return normalise_language(value.split(":")[0])
    try:
        code = locale.getlocale()[0]
    except ValueError:
        code = None
    return normalise_language(code)


def set_language(language: str) -> None:
    """Set the process-wide language and tell listeners (the UI retranslates itself)."""
    global _default_language
    _default_language = normalise_language(language)
    _state.language = None
    for listener in list(_listeners):
        listener(_default_language)


def add_language_listener(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def remove_language_listener(listener: Callable[[str], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def current_language() -> str:
    override: str | None = getattr(_state, "language", None)
    return override or _default_language


class use_language:
    """Temporarily translate into another language on this thread (bilingual PDFs)."""

    def __init__(self, language: str) -> None:
        self._language = normalise_language(language)
        self._previous: str | None = None

    def __enter__(self) -> str:
        self._previous = getattr(_state, "language", None)
        _state.language = self._language
        return self._language

    def __exit__(self, *exc: object) -> None:
        _state.language = self._previous


def _(message: str) -> str:
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current_language()).pgettext(context, message)


def babel_locale(language: str | None = None) -> Locale:
    return Locale.parse(_BABEL_LOCALES[normalise_language(language or current_language())])


def format_date(value: dt.date, style: str = "medium", language: str | None = None) -> str:
    return str(_dates.format_date(value, format=style, locale=babel_locale(language)))


def format_datetime(value: dt.datetime, style: str = "medium", language: str | None = None) -> str:
    return str(_dates.format_datetime(value, format=style, locale=babel_locale(language)))


def format_time(value: dt.time, style: str = "short", language: str | None = None) -> str:
    return str(_dates.format_time(value, format=style, locale=babel_locale(language)))


def format_number(value: int | float | Decimal, language: str | None = None) -> str:
    return str(_numbers.format_decimal(value, locale=babel_locale(language)))


def weekday_name(index: int, width: str = "wide", language: str | None = None) -> str:
    """Monday is 0, as in datetime."""
    names = babel_locale(language).days["format"][width]
    return str(names[index])


__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "add_language_listener",
    "current_language",
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "ngettext",
    "normalise_language",
    "pgettext",
    "remove_language_listener",
    "set_language",
    "system_language",
    "translations",
    "use_language",
    "weekday_name",
]
