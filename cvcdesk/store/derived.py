"""Columns derived from others on every write: search tokens and per-language sort keys."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper

from cvcdesk.domain.names import english_sort_key, person_sort_text, welsh_sort_key
from cvcdesk.domain.validation import display_phone
from cvcdesk.store.models import Organisation, Volunteer


def search_tokens(national_phone: str, e164_phone: str, postcode: str) -> str:
    """Extra tokens so a search finds '07700 900123', '07700900123' and 'SA611AB' alike."""
    tokens: list[str] = []
    if e164_phone:
        tokens += [national_phone, national_phone.replace(" ", ""), e164_phone.lstrip("+")]
    if postcode:
        tokens += [postcode, postcode.replace(" ", "")]
    return " ".join(tokens)


def volunteer_search_text(phone: str, phone_alt: str, postcode: str) -> str:
    parts = [search_tokens(display_phone(n), n, "") for n in (phone, phone_alt) if n]
    parts.append(search_tokens("", "", postcode))
    return " ".join(p for p in parts if p)


@functools.lru_cache(maxsize=16384)
def volunteer_sort_keys(first_name: str, last_name: str) -> tuple[str, str]:
    """(English, Welsh) sort keys; cached, as names repeat (Jones, Davies, Williams...)."""
    text = person_sort_text(first_name, last_name)
    return english_sort_key(text), welsh_sort_key(text)


def organisation_sort_keys(name_en: str, name_cy: str) -> tuple[str, str]:
    return english_sort_key(name_en or name_cy), welsh_sort_key(name_cy or name_en)


def _volunteer_derived(_mapper: Mapper[Any], _connection: Any, target: Volunteer) -> None:
    target.search_text = volunteer_search_text(
        target.phone or "", target.phone_alt or "", target.postcode or ""
    )
    target.sort_key_en, target.sort_key_cy = volunteer_sort_keys(
        target.first_name or "", target.last_name or ""
    )


def _organisation_derived(_mapper: Mapper[Any], _connection: Any, target: Organisation) -> None:
    target.sort_key_en, target.sort_key_cy = organisation_sort_keys(
        target.name_en or "", target.name_cy or ""
    )


for _event in ("before_insert", "before_update"):
    event.listen(Volunteer, _event, _volunteer_derived)
    event.listen(Organisation, _event, _organisation_derived)
