"""What a coordinator types into postcode, phone, e-mail and date fields."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvcdesk.domain.validation import (
    InvalidValue,
    PostcodeParts,
    display_phone,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    parse_date,
    postcode_area_code,
    postcode_parts,
    require_text,
)

# ---- postcodes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("cf10 1aa", "CF10 1AA"),
        ("CF101AA", "CF10 1AA"),
        ("  sa61   1ab ", "SA61 1AB"),
        ("sa61\t1ab\n", "SA61 1AB"),
        ("Ll57 2pw", "LL57 2PW"),
        ("sy23 3 bs", "SY23 3BS"),
        ("W1A 1AA", "W1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("m1 1ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_postcodes_are_stored_in_one_standard_form(typed: str, stored: str) -> None:
    assert normalise_postcode(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "SA61",  # a district is not a full postcode
        "SA61 1",  # nor is a sector
        "QA1 1AA",  # Q never starts a postcode
        "SA61 1CA",  # C is never in the inward part
        "SA61 1AB X",
        "SA61-1AB",
        "12345",
        "SA61 1ÅB",
        "not a postcode",
    ],
)
def test_a_wrong_postcode_is_refused_with_a_message_naming_field_and_value(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_postcode(typed, field="home_postcode")
    error = caught.value.error
    assert error.field == "home_postcode"
    assert "Postcode" in error.message
    assert f"“{typed.strip()}”" in error.message
    assert "SA61 1AB" in error.message  # shows the accepted form
    assert str(caught.value) == error.message


@pytest.mark.parametrize(
    ("typed", "code", "parts"),
    [
        ("sa61 1ab", "SA61 1AB", PostcodeParts("SA61", "SA61 1", "SA61 1AB")),
        ("SA611AB", "SA61 1AB", PostcodeParts("SA61", "SA61 1", "SA61 1AB")),
        ("sa61 1", "SA61 1", PostcodeParts("SA61", "SA61 1", None)),
        ("SA611", "SA61 1", PostcodeParts("SA61", "SA61 1", None)),
        ("sa61", "SA61", PostcodeParts("SA61", "SA61", None)),
        ("cf10", "CF10", PostcodeParts("CF10", "CF10", None)),
        ("ec1a", "EC1A", PostcodeParts("EC1A", "EC1A", None)),
        ("w1a 1", "W1A 1", PostcodeParts("W1A", "W1A 1", None)),
        ("GIR 0AA", "GIR 0AA", PostcodeParts("GIR", "GIR 0", "GIR 0AA")),
    ],
)
def test_area_codes_and_their_nested_parts(typed: str, code: str, parts: PostcodeParts) -> None:
    assert postcode_area_code(typed) == code
    assert postcode_parts(typed) == parts


def test_a_sector_typed_with_its_space_keeps_its_district() -> None:
    # "SA6 1" (Swansea) is not the district SA61 (Haverfordwest).
    assert postcode_area_code("sa6 1") == "SA6 1"
    assert postcode_parts("SA6 1") == PostcodeParts("SA6", "SA6 1", None)
    assert postcode_area_code("SA61") == "SA61"
    assert postcode_parts("cf5 1") == PostcodeParts("CF5", "CF5 1", None)


def test_areas_nest_so_a_unit_lies_in_its_sector_and_district() -> None:
    unit = postcode_parts("SA61 1AB")
    assert postcode_parts(unit.sector).district == unit.district
    assert postcode_parts(unit.district).district == unit.district


@pytest.mark.parametrize("typed", ["", "SA", "Haverfordwest", "SA61 1A", "12"])
def test_a_wrong_area_code_is_refused_with_the_accepted_forms(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        postcode_area_code(typed)
    message = caught.value.error.message
    assert caught.value.error.field == "area"
    assert f"“{typed}”" in message
    assert "SA61" in message and "SA61 1" in message and "SA61 1AB" in message


_AREA = "[A-PR-UWYZ]"
_OUTWARD = st.one_of(
    st.from_regex(rf"\A{_AREA}[0-9]{{1,2}}\Z"),
    st.from_regex(rf"\A{_AREA}[A-HK-Y][0-9]{{1,2}}\Z"),
    st.from_regex(rf"\A{_AREA}[0-9][A-HJKPS-UW]\Z"),
    st.from_regex(rf"\A{_AREA}[A-HK-Y][0-9][ABEHMNPRV-Y]\Z"),
)
_INWARD = st.from_regex(r"\A[0-9][ABD-HJLNP-UW-Z]{2}\Z")
_GAP = st.sampled_from(["", " ", "  ", "\t"])


@settings(deadline=None)  # shared build machines: no timing limits
@given(
    outward=_OUTWARD,
    inward=_INWARD,
    gap=_GAP,
    lead=_GAP,
    trail=_GAP,
    lower=st.booleans(),
)
def test_postcode_normalising_is_stable_whatever_the_spacing_and_case(
    outward: str, inward: str, gap: str, lead: str, trail: str, lower: bool
) -> None:
    typed = f"{lead}{outward}{gap}{inward}{trail}"
    if lower:
        typed = typed.lower()
    once = normalise_postcode(typed)
    assert once == f"{outward} {inward}"
    assert normalise_postcode(once) == once
    assert postcode_area_code(once) == once
    parts = postcode_parts(once)
    assert (parts.district, parts.sector, parts.unit) == (outward, f"{outward} {inward[0]}", once)


# ---- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "07712 345678",
        "07712345678",
        "07712-345-678",
        "(07712) 345678",
        "07712 345 678",
        "+44 7712 345678",
        "+447712345678",
        "+44 (0)7712 345678",
        "+44(0)7712-345678",
        "+44 (0) 7712 345678",
        "0044 7712 345678",
        "+44 07712 345678",
        " 07712 345678 ",
    ],
)
def test_a_mobile_in_any_usual_spelling_is_stored_once(typed: str) -> None:
    assert normalise_phone(typed) == "+447712345678"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("01437 123456", "+441437123456"),
        ("(01437) 123456", "+441437123456"),
        ("01437123456", "+441437123456"),
        ("+44 (0)1437 123456", "+441437123456"),
        ("029 2034 5678", "+442920345678"),
        ("(029) 2034 5678", "+442920345678"),
        ("+44 (0) 29 2034 5678", "+442920345678"),
        ("01970 623111", "+441970623111"),
        ("0800 123 4567", "+448001234567"),
    ],
)
def test_landlines_are_stored_in_e164(typed: str, e164: str) -> None:
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+353 1 234 5678", "+35312345678"),
        ("00353 1 234 5678", "+35312345678"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("+1 202 555 0143", "+12025550143"),
        ("+48 512 345 678", "+48512345678"),
    ],
)
def test_international_numbers_keep_their_country(typed: str, e164: str) -> None:
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "123",
        "abc",
        "07712 34567",  # a digit short
        "077123456789",  # a digit too many
        "07700 900123",  # reserved for drama, never issued
        "07712 345678 / 01437 123456",
        "+999 1234 5678",
    ],
)
def test_a_wrong_phone_number_is_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_phone(typed, field="emergency_contact_phone")
    error = caught.value.error
    assert error.field == "emergency_contact_phone"
    assert f"Phone number “{typed.strip()}” is not a valid number" in error.message
    assert "07712 345678" in error.message  # an example of what is accepted
    assert "+" in error.message


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+447712345678", "07712 345678"),
        ("+441437123456", "01437 123456"),
        ("+442920345678", "029 2034 5678"),
        ("+35312345678", "+353 1 234 5678"),
        ("+33123456789", "+33 1 23 45 67 89"),
    ],
)
def test_phones_are_shown_the_way_people_write_them(e164: str, shown: str) -> None:
    assert display_phone(e164) == shown
    assert normalise_phone(shown) == e164


def test_display_of_something_that_is_not_a_number_shows_it_unchanged() -> None:
    assert display_phone("ask at the shop") == "ask at the shop"
    assert display_phone("") == ""


_UK_NUMBERS = st.one_of(
    st.from_regex(r"\A07(71|72|73|12|90|95)[0-9]{7}\Z"),
    st.from_regex(r"\A01(437|239|970|267|792)[0-9]{6}\Z"),
    st.from_regex(r"\A0292[0-9]{7}\Z"),
)


@st.composite
def _spelt_uk_number(draw: st.DrawFn) -> tuple[str, str]:
    """(national digits, the same number as someone might write it)."""
    national = draw(_UK_NUMBERS)
    prefix = draw(st.sampled_from(["0", "+44 ", "+44", "+44 (0)", "+44(0)", "0044 ", "0044"]))
    digits = national[1:]
    out = []
    for index, digit in enumerate(digits):
        if index and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from([" ", "-", " - ", "  "])))
        out.append(digit)
    return national, prefix + "".join(out)


@settings(deadline=None)  # shared build machines: no timing limits
@given(_spelt_uk_number())
def test_phone_normalising_is_stable_and_round_trips_through_display(
    number: tuple[str, str],
) -> None:
    national, typed = number
    once = normalise_phone(typed)
    assert once == "+44" + national[1:]
    assert normalise_phone(once) == once
    shown = display_phone(once)
    assert shown.replace(" ", "") == national
    assert normalise_phone(shown) == once


# ---- e-mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("dafydd@example.org", "dafydd@example.org"),
        ("  dafydd.jones@example.org ", "dafydd.jones@example.org"),
        ("Dafydd@Example.ORG", "Dafydd@example.org"),
        ("name@EXAMPLE.co.uk", "name@example.co.uk"),
        ("siân@enghraifft.cymru", "siân@enghraifft.cymru"),
        ("first.last+rota@example.org", "first.last+rota@example.org"),
    ],
)
def test_email_domains_are_lower_cased_and_spaces_removed(typed: str, stored: str) -> None:
    once = normalise_email(typed)
    assert once == stored
    assert normalise_email(once) == once


def test_email_addresses_differing_only_in_domain_case_are_the_same() -> None:
    assert normalise_email("gwen@CVC.Cymru") == normalise_email("gwen@cvc.cymru")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "no-at-sign",
        "a@b",
        "a@@example.org",
        "a b@example.org",
        "name@example.org.",
        "name@localhost",
        "Name <name@example.org>",
        "name@ex_ample.org",
    ],
)
def test_a_wrong_email_is_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_email(typed, field="contact_email")
    error = caught.value.error
    assert error.field == "contact_email"
    assert f"E-mail address “{typed}” is not valid" in error.message
    assert "name@example.org" in error.message


# ---- dates and required text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "date"),
    [
        ("01/03/2024", dt.date(2024, 3, 1)),  # day first, as in the UK
        ("1/3/2024", dt.date(2024, 3, 1)),
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("01.03.2024", dt.date(2024, 3, 1)),
        ("01-03-2024", dt.date(2024, 3, 1)),
        (" 29/02/2024 ", dt.date(2024, 2, 29)),
        ("31/12/1999", dt.date(1999, 12, 31)),
    ],
)
def test_dates_are_read_day_first_or_iso(typed: str, date: dt.date) -> None:
    assert parse_date(typed, field="joined_on") == date


@pytest.mark.parametrize(
    "typed", ["31/02/2024", "29/02/2023", "32/01/2024", "01/13/2024", "", "tomorrow", "2024/03/01"]
)
def test_impossible_or_unreadable_dates_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_date(typed, field="dbs_issue_date")
    error = caught.value.error
    assert error.field == "dbs_issue_date"
    assert f"“{typed}” is not a date" in error.message
    assert "01/03/2025" in error.message


def test_required_text_is_trimmed_and_refused_when_blank_or_too_long() -> None:
    assert require_text("  Gwen ", field="first_name", label="First name") == "Gwen"
    with pytest.raises(InvalidValue) as blank:
        require_text("   ", field="first_name", label="First name")
    assert blank.value.error.field == "first_name"
    assert blank.value.error.message == "First name is required."
    with pytest.raises(InvalidValue) as long:
        require_text("x" * 11, field="town", label="Town", max_length=10)
    assert long.value.error.message == "Town is too long: at most 10 characters."
