"""Validation and normalisation of what people type: UK postcodes, phones, e-mail addresses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cvcdesk.domain.errors import FieldError
from cvcdesk.i18n import _

# The full UK postcode format (BS 7666), including the special GIR 0AA.
_POSTCODE_RE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_DISTRICT_RE = re.compile(
    r"^(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW]))$"
)
_SECTOR_RE = re.compile(
    r"^(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW]))[0-9]$"
)
_SPACES_RE = re.compile(r"\s+")


class InvalidValue(ValueError):
    """A single value was refused; the message names the field and what is accepted."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


def normalise_postcode(text: str, *, field: str = "postcode") -> str:
    """'sa611ab' -> 'SA61 1AB'. Raises InvalidValue naming the field and the accepted form."""
    compact = _SPACES_RE.sub("", text or "").upper()
    if not _POSTCODE_RE.match(compact):
        raise InvalidValue(
            FieldError(
                field,
                _("Postcode “{value}” is not a UK postcode. Write it like SA61 1AB.").format(
                    value=text.strip()
                ),
            )
        )
    return f"{compact[:-3]} {compact[-3:]}"


@dataclass(frozen=True)
class PostcodeParts:
    district: str  # "SA61"
    sector: str  # "SA61 1"
    unit: str | None  # "SA61 1AB", or None for a sector or district


def postcode_area_code(text: str) -> str:
    """Normalise a postcode, sector ('SA61 1') or district ('SA61') used to name an area."""
    compact = _SPACES_RE.sub("", text or "").upper()
    if _POSTCODE_RE.match(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    words = (text or "").upper().split()
    if len(words) == 2 and _DISTRICT_RE.match(words[0]) and re.fullmatch("[0-9]", words[1]):
        # "SA6 1" is a sector of SA6; without the space it would read as district SA61.
        return f"{words[0]} {words[1]}"
    if _DISTRICT_RE.match(compact):
        return compact
    if _SECTOR_RE.match(compact):
        return f"{compact[:-1]} {compact[-1]}"
    raise InvalidValue(
        FieldError(
            "area",
            _(
                "“{value}” is not a postcode area. Write a district (SA61), "
                "a sector (SA61 1) or a full postcode (SA61 1AB)."
            ).format(value=text.strip()),
        )
    )


def postcode_parts(postcode: str) -> PostcodeParts:
    """Split a normalised full postcode, sector or district into its nested parts."""
    code = postcode_area_code(postcode)
    if " " not in code:
        return PostcodeParts(district=code, sector=code, unit=None)
    outward, inward = code.split(" ")
    if len(inward) == 1:
        return PostcodeParts(district=outward, sector=code, unit=None)
    return PostcodeParts(district=outward, sector=f"{outward} {inward[0]}", unit=code)


def normalise_phone(text: str, *, field: str = "phone") -> str:
    """'07712 345678' or '+44 (0)7712-345678' -> '+447712345678' (E.164), UK by default."""
    import phonenumbers  # imported on first use: most commands never check a phone number

    raw = (text or "").strip()
    # People often write the UK trunk zero in brackets after the country code.
    candidate = raw.replace("(0)", "")
    try:
        number = phonenumbers.parse(candidate, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidValue(
            FieldError(
                field,
                _(
                    "Phone number “{value}” is not a valid number. Write a UK number "
                    "like 01437 123456 or 07712 345678, or an international one starting with +."
                ).format(value=raw),
            )
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def display_phone(e164: str) -> str:
    """'+447712345678' -> '07712 345678' for UK numbers, international format otherwise."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))


def normalise_email(text: str, *, field: str = "email") -> str:
    """Check an e-mail address's form (no network look-up) and return it normalised."""
    from email_validator import EmailNotValidError, validate_email

    raw = (text or "").strip()
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValue(
            FieldError(
                field,
                _("E-mail address “{value}” is not valid. Write it like name@example.org.").format(
                    value=raw
                ),
            )
        ) from None
    return str(result.normalized)


def parse_date(text: str, *, field: str) -> dt.date:
    """Accept 2024-03-01 or 01/03/2024 (day first, as in the UK)."""
    raw = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(
        FieldError(
            field,
            _("“{value}” is not a date. Write it like 2025-03-01 or 01/03/2025.").format(value=raw),
        )
    )


def require_text(text: str | None, *, field: str, label: str, max_length: int = 200) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidValue(FieldError(field, _("{field} is required.").format(field=label)))
    if len(value) > max_length:
        raise InvalidValue(
            FieldError(
                field,
                _("{field} is too long: at most {limit} characters.").format(
                    field=label, limit=max_length
                ),
            )
        )
    return value
