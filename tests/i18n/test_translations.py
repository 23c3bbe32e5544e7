"""The Welsh catalogue is complete, well-formed and used at run time.

Adding an English UI string without its Welsh translation fails here: the messages are
extracted from the source exactly as ``make translations`` does, and every one of them must
have a non-fuzzy Welsh translation in resources/translations/cy.po.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import cvcdesk
from cvcdesk.domain import enums
from cvcdesk.domain.enums import VolunteerStatus
from cvcdesk.i18n import (
    _,
    format_date,
    ngettext,
    pgettext,
    set_language,
    translations,
    translations_dir,
    use_language,
    weekday_name,
)

PACKAGE_DIR = Path(cvcdesk.__file__).parent
PO_PATH = translations_dir() / "cy.po"

# The same keywords as `make translations` (pybabel's defaults plus the ones it names).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}

WELSH_PLURALS = 6
WELSH_PLURAL_EXPR = "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5)"
# CLDR Welsh: zero, one, two, few (3), many (6), other.
PLURAL_FORM_FOR = {0: 0, 1: 1, 2: 2, 3: 3, 4: 5, 5: 5, 6: 4, 7: 5, 10: 5, 11: 5, 100: 5, 106: 5}

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
QT_PLACEHOLDER = re.compile(r"%\d+|%n")
ENDINGS = ("…", "...", ":", ".", "?", "!")


# -- helpers ---------------------------------------------------------------------------


@cache
def welsh_catalog() -> Catalog:
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="cy")


@cache
def extracted() -> dict[tuple[str, str | None], list[str]]:
    """Every message in the source: (msgid, msgctxt) -> where it is used."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PACKAGE_DIR), keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), []).append(f"cvcdesk/{filename}:{lineno}")
    return found


def entries() -> Iterator[Message]:
    for message in welsh_catalog():
        if message.id:
            yield message


def forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def describe(message: Message) -> str:
    msgid = ids(message)[0]
    return f"[{message.context}] {msgid!r}" if message.context else repr(msgid)


def mnemonics(text: str) -> int:
    return text.replace("&&", "").count("&")


def is_qt(message: Message) -> bool:
    return bool(message.context and message.context.startswith("qt:"))


# -- (a) completeness -----------------------------------------------------------------


def test_extraction_finds_the_source_strings() -> None:
    found = extracted()
    assert ("&File", None) in found
    assert ("Cancel", "qt:QPlatformTheme") in found, "Qt strings must be extracted with msgctxt"


def test_every_source_string_has_a_welsh_translation() -> None:
    catalog = welsh_catalog()
    problems = []
    for (msgid, context), where in sorted(extracted().items(), key=lambda item: item[0][0]):
        label = f"[{context}] {msgid!r}" if context else repr(msgid)
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(f"{label} (used at {where[0]}) is not in cy.po")
        elif message.fuzzy:
            problems.append(f"{label} (used at {where[0]}) is fuzzy in cy.po")
        elif not all(forms(message)):
            problems.append(f"{label} (used at {where[0]}) has no Welsh in cy.po")
    assert not problems, (
        f"{len(problems)} message(s) lack Welsh; run `make translations` and translate them "
        "in resources/translations/cy.po:\n" + "\n".join(problems)
    )


def test_no_translated_entry_is_fuzzy() -> None:
    fuzzy = [describe(m) for m in entries() if m.fuzzy]
    assert not fuzzy, "fuzzy entries are ignored at run time: " + ", ".join(fuzzy)


def test_header() -> None:
    catalog = welsh_catalog()
    text = PO_PATH.read_text(encoding="utf-8")
    assert catalog.project == "cvcdesk"
    assert str(catalog.locale) == "cy"
    assert catalog.language_team == "Cymraeg"
    for placeholder in ("FIRST AUTHOR", "FULL NAME", "EMAIL@ADDRESS", "ORGANIZATION", "VERSION"):
        assert placeholder not in text, f"cy.po header still says {placeholder}"


# -- (b) placeholders, mnemonics, punctuation ------------------------------------------


def test_placeholders_match() -> None:
    problems = []
    for message in entries():
        pattern = QT_PLACEHOLDER if is_qt(message) else PLACEHOLDER
        wanted = set(pattern.findall(ids(message)[-1]))
        for index, text in enumerate(forms(message)):
            got = set(pattern.findall(text))
            if text and got != wanted:
                problems.append(
                    f"{describe(message)} form {index}: has {sorted(got)}, wants {sorted(wanted)}"
                )
    assert not problems, "\n".join(problems)


def test_mnemonics_match() -> None:
    problems = []
    for message in entries():
        wanted = mnemonics(ids(message)[0])
        for text in forms(message):
            if text and mnemonics(text) != wanted:
                problems.append(f"{describe(message)}: {text!r} has {mnemonics(text)} '&'")
    assert not problems, "\n".join(problems)


def test_trailing_punctuation_matches() -> None:
    problems = []
    for message in entries():
        msgid = ids(message)[0]
        ending = next((e for e in ENDINGS if msgid.endswith(e)), "")
        for text in forms(message):
            if text and ending and not text.endswith(ending):
                problems.append(f"{describe(message)}: {text!r} should end with {ending!r}")
            if text and not ending and text.endswith(ENDINGS):
                problems.append(f"{describe(message)}: {text!r} adds a final {text[-1]!r}")
    assert not problems, "\n".join(problems)


# -- (c) plurals ----------------------------------------------------------------------


def test_plural_header_is_cldr_welsh() -> None:
    catalog = welsh_catalog()
    assert catalog.num_plurals == WELSH_PLURALS
    assert catalog.plural_expr == WELSH_PLURAL_EXPR


def test_plural_entries_have_six_forms() -> None:
    problems = [
        f"{describe(m)} has {len(forms(m))} forms"
        for m in entries()
        if m.pluralizable and (len(forms(m)) != WELSH_PLURALS or not all(forms(m)))
    ]
    assert not problems, "\n".join(problems)


# -- (d) run time ---------------------------------------------------------------------


def test_use_language_translates_menu_and_enum_labels() -> None:
    assert _("&File") == "&File"
    assert VolunteerStatus.ACTIVE.label == "Active"
    with use_language("cy"):
        assert _("&File") == "&Ffeil"
        assert VolunteerStatus.ACTIVE.label == "Gweithredol"
        assert pgettext("qt:QPlatformTheme", "Cancel") == "Canslo"
    assert _("&File") == "&File"


def test_set_language_translates() -> None:
    set_language("cy")
    assert _("&Language") == "&Iaith"
    set_language("en")
    assert _("&Language") == "&Language"


def test_runtime_plural_rule_is_welsh() -> None:
    compiled = translations("cy")
    for n, index in PLURAL_FORM_FOR.items():
        assert compiled.plural(n) == index, f"n={n} should use Welsh form {index}"  # type: ignore[attr-defined]


def test_ngettext_picks_the_welsh_form() -> None:
    plural_messages = [m for m in entries() if m.pluralizable]
    assert plural_messages, "cy.po has no plural messages to check"
    for message in plural_messages:
        singular, plural = ids(message)
        for n in (0, 1, 2, 3, 6, 7):
            with use_language("cy"):
                got = ngettext(singular, plural, n)
            wanted = forms(message)[PLURAL_FORM_FOR[n]]
            assert got == wanted, f"{singular!r} for n={n}: got {got!r}, wanted {wanted!r}"
        with use_language("en"):
            assert ngettext(singular, plural, 1) == singular
            assert ngettext(singular, plural, 2) == plural


def test_welsh_volunteer_counts_read_naturally() -> None:
    with use_language("cy"):
        words = [
            ngettext("{count} volunteer", "{count} volunteers", n).format(count=n)
            for n in (1, 2, 3, 7)
        ]
    assert words == ["1 gwirfoddolwr", "2 wirfoddolwr", "3 gwirfoddolwr", "7 o wirfoddolwyr"]


def test_enum_labels_are_distinct_in_welsh() -> None:
    """LabelledEnum.parse accepts the Welsh label, so two members must not share one."""
    for _name, enum in inspect.getmembers(enums, inspect.isclass):
        if not issubclass(enum, enums.LabelledEnum) or enum is enums.LabelledEnum:
            continue
        with use_language("cy"):
            labels = [member.label for member in enum]
            assert len(set(labels)) == len(labels), f"{enum.__name__}: {labels}"
            for member in enum:
                assert enum.parse(member.label) is member


# -- (e) dates ------------------------------------------------------------------------

WELSH_MONTHS = (
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
)


@pytest.mark.parametrize("month", range(1, 13))
def test_welsh_month_names_in_dates(month: int) -> None:
    day = dt.date(2025, month, 15)
    with use_language("cy"):
        assert WELSH_MONTHS[month - 1] in format_date(day, "long")
    assert WELSH_MONTHS[month - 1] in format_date(day, "long", language="cy")
    assert WELSH_MONTHS[month - 1] not in format_date(day, "long", language="en")


def test_welsh_weekday_names() -> None:
    with use_language("cy"):
        assert weekday_name(0) == "Dydd Llun"
        assert format_date(dt.date(2025, 3, 1), "full") == "Dydd Sadwrn, 1 Mawrth 2025"
