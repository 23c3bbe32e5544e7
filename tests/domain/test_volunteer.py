"""The rules a volunteer's and a group's details must follow before they are saved."""

from __future__ import annotations

import datetime as dt

import pytest

from cvcdesk.domain.enums import (
    ConsentMethod,
    DbsLevel,
    OrganisationKind,
    VolunteerStatus,
    Weekdays,
)
from cvcdesk.domain.errors import ValidationError
from cvcdesk.domain.organisation import CoverageData, OrganisationData, clean_organisation
from cvcdesk.domain.volunteer import (
    AvailabilitySlot,
    AwayPeriod,
    VolunteerData,
    clean_volunteer,
    field_label,
)

TODAY = dt.date.today()


def _refused(data: VolunteerData) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_volunteer(data)
    return caught.value


# ---- volunteers --------------------------------------------------------------------------


def test_a_minimal_volunteer_is_accepted_with_empty_contact_details() -> None:
    clean = clean_volunteer(VolunteerData(first_name="Gwen", last_name="Pritchard"))
    assert (clean.first_name, clean.last_name) == ("Gwen", "Pritchard")
    assert (clean.phone, clean.email, clean.postcode) == ("", "", "")
    assert clean.status is VolunteerStatus.ACTIVE
    assert clean.display_name == "Gwen Pritchard"


def test_a_volunteer_is_normalised_before_saving() -> None:
    clean = clean_volunteer(
        VolunteerData(
            first_name="  Siân ",
            last_name=" ap Rhys ",
            known_as=" Si ",
            phone="07712 345678",
            phone_alt="+44 (0)1437 123456",
            emergency_contact_phone="029 2034 5678",
            email=" Sian@CVC.Cymru ",
            postcode="sa61 1ab",
            town=" Hwlffordd ",
            notes="  drives on Tuesdays \n",
            skills=(" cooking", "driving", "cooking", "  "),
        )
    )
    assert clean.first_name == "Siân"
    assert clean.last_name == "ap Rhys"
    assert clean.known_as == "Si"
    assert clean.display_name == "Si ap Rhys"
    assert clean.phone == "+447712345678"
    assert clean.phone_alt == "+441437123456"
    assert clean.emergency_contact_phone == "+442920345678"
    assert clean.email == "Sian@cvc.cymru"
    assert clean.postcode == "SA61 1AB"
    assert clean.town == "Hwlffordd"
    assert clean.notes == "drives on Tuesdays"
    assert clean.skills == ("cooking", "driving")  # no blanks, no repeats, in order


def test_cleaning_twice_changes_nothing_more() -> None:
    once = clean_volunteer(
        VolunteerData(
            first_name="Dafydd",
            last_name="Jones",
            phone="07712 345678",
            email="D@Example.org",
            postcode="cf101aa",
        )
    )
    assert clean_volunteer(once) == once


def test_every_problem_is_reported_at_once_with_a_message_per_field() -> None:
    error = _refused(
        VolunteerData(
            first_name="Dafydd",
            last_name="   ",
            postcode="SA99",
            phone="123",
            email="dafydd-at-example",
        )
    )
    fields = [e.field for e in error.errors]
    assert sorted(fields) == ["email", "last_name", "phone", "postcode"]
    assert error.for_field("last_name")[0].message == "Surname is required."
    assert "“123”" in error.for_field("phone")[0].message
    assert "“SA99”" in error.for_field("postcode")[0].message
    assert "“dafydd-at-example”" in error.for_field("email")[0].message
    for problem in error.errors:
        assert problem.message in str(error)  # the whole message lists them all


def test_each_phone_field_is_named_in_its_own_message() -> None:
    error = _refused(
        VolunteerData(
            first_name="Dafydd",
            last_name="Jones",
            phone="07712 345678",  # fine
            phone_alt="999",
            emergency_contact_phone="call mam",
        )
    )
    assert [e.field for e in error.errors] == ["phone_alt", "emergency_contact_phone"]
    assert "“999”" in error.errors[0].message
    assert "“call mam”" in error.errors[1].message


def test_missing_first_name_and_surname_are_both_reported() -> None:
    error = _refused(VolunteerData(first_name="", last_name=""))
    assert [e.message for e in error.errors] == ["First name is required.", "Surname is required."]


def test_a_name_longer_than_the_form_allows_is_refused() -> None:
    error = _refused(VolunteerData(first_name="A" * 201, last_name="Jones"))
    assert error.for_field("first_name")[0].message == (
        "First name is too long: at most 200 characters."
    )


def test_sharing_consent_needs_to_say_how_it_was_recorded() -> None:
    error = _refused(VolunteerData(first_name="Gwen", last_name="Evans", consent_share=True))
    assert [e.field for e in error.errors] == ["consent_method"]
    assert "consent" in error.errors[0].message
    clean = clean_volunteer(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            consent_share=True,
            consent_method=ConsentMethod.PAPER_FORM,
            consent_date=dt.date(2024, 5, 1),
        )
    )
    assert clean.consent_share
    assert clean.consent_method is ConsentMethod.PAPER_FORM
    assert clean.consent_date == dt.date(2024, 5, 1)


def test_no_consent_needs_no_method() -> None:
    clean = clean_volunteer(VolunteerData(first_name="Gwen", last_name="Evans"))
    assert not clean.consent_share
    assert clean.consent_method is None


@pytest.mark.parametrize(
    "born", [dt.date(1899, 12, 31), TODAY + dt.timedelta(days=1), dt.date(3000, 1, 1)]
)
def test_a_date_of_birth_outside_1900_to_today_is_refused(born: dt.date) -> None:
    error = _refused(VolunteerData(first_name="Gwen", last_name="Evans", date_of_birth=born))
    assert [e.field for e in error.errors] == ["date_of_birth"]
    assert "1900" in error.errors[0].message


def test_a_plausible_date_of_birth_is_accepted() -> None:
    clean = clean_volunteer(
        VolunteerData(first_name="Gwen", last_name="Evans", date_of_birth=dt.date(1950, 6, 1))
    )
    assert clean.date_of_birth == dt.date(1950, 6, 1)


def test_leaving_before_joining_is_refused() -> None:
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            joined_on=dt.date(2024, 3, 1),
            left_on=dt.date(2024, 2, 1),
            status=VolunteerStatus.LEFT,
        )
    )
    assert [e.field for e in error.errors] == ["left_on"]
    same_day = VolunteerData(first_name="Gwen", last_name="Evans", joined_on=TODAY, left_on=TODAY)
    assert clean_volunteer(same_day).left_on == TODAY


def test_a_dbs_issued_in_the_future_is_refused() -> None:
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            dbs_level=DbsLevel.ENHANCED,
            dbs_issue_date=TODAY + dt.timedelta(days=3),
        )
    )
    assert [e.field for e in error.errors] == ["dbs_issue_date"]
    clean = clean_volunteer(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            dbs_level=DbsLevel.ENHANCED,
            dbs_issue_date=TODAY,
            dbs_certificate_number=" 001234567890 ",
        )
    )
    assert clean.dbs_certificate_number == "001234567890"


def test_an_away_period_ending_before_it_starts_is_refused_and_numbered() -> None:
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            away=(
                AwayPeriod(dt.date(2024, 8, 1), dt.date(2024, 8, 14), "holiday"),
                AwayPeriod(dt.date(2024, 12, 24), dt.date(2024, 12, 1)),
            ),
        )
    )
    assert [e.field for e in error.errors] == ["away"]
    assert error.errors[0].message.startswith("Away period 2:")


def test_a_one_day_away_period_is_accepted() -> None:
    day = dt.date(2024, 8, 1)
    clean = clean_volunteer(
        VolunteerData(first_name="Gwen", last_name="Evans", away=(AwayPeriod(day, day),))
    )
    assert clean.away == (AwayPeriod(day, day),)


def test_availability_slots_must_end_after_they_start() -> None:
    good = AvailabilitySlot(1, dt.time(9), dt.time(12))  # Tuesday morning
    clean = clean_volunteer(
        VolunteerData(first_name="Gwen", last_name="Evans", availability=(good,))
    )
    assert clean.availability == (good,)
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            availability=(
                good,
                AvailabilitySlot(2, dt.time(17), dt.time(9)),
                AvailabilitySlot(4, dt.time(10), dt.time(10)),
            ),
        )
    )
    messages = [e.message for e in error.for_field("availability")]
    assert len(messages) == 2
    assert messages[0].startswith("Availability 2:")
    assert messages[1].startswith("Availability 3:")


@pytest.mark.parametrize("weekday", [-1, 7])
def test_availability_on_a_day_that_does_not_exist_is_refused(weekday: int) -> None:
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="Evans",
            availability=(AvailabilitySlot(weekday, dt.time(9), dt.time(12)),),
        )
    )
    assert [e.field for e in error.errors] == ["availability"]


def test_field_problems_and_date_problems_come_together() -> None:
    error = _refused(
        VolunteerData(
            first_name="Gwen",
            last_name="",
            postcode="nowhere",
            phone="0",
            consent_share=True,
            away=(AwayPeriod(dt.date(2024, 2, 1), dt.date(2024, 1, 1)),),
            availability=(AvailabilitySlot(0, dt.time(12), dt.time(9)),),
        )
    )
    assert {e.field for e in error.errors} == {
        "last_name",
        "postcode",
        "phone",
        "consent_method",
        "away",
        "availability",
    }


def test_field_labels_are_the_words_on_the_form() -> None:
    assert field_label("last_name") == "Surname"
    assert field_label("postcode") == "Postcode"
    assert field_label("no_such_field") == "no_such_field"


# ---- groups ------------------------------------------------------------------------------


def _group_refused(data: OrganisationData) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_organisation(data)
    return caught.value


def test_a_minimal_group_is_accepted() -> None:
    clean = clean_organisation(OrganisationData(name_en="  Haverfordwest Mutual Aid "))
    assert clean.name_en == "Haverfordwest Mutual Aid"
    assert clean.kind is OrganisationKind.COMMUNITY_GROUP
    assert (clean.phone, clean.email, clean.postcode) == ("", "", "")


def test_a_group_with_only_a_welsh_name_is_accepted() -> None:
    clean = clean_organisation(OrganisationData(name_en="", name_cy="Cymorth Cydfuddiannol"))
    assert clean.name("cy") == "Cymorth Cydfuddiannol"
    assert clean.name("en") == "Cymorth Cydfuddiannol"


def test_a_group_is_normalised_before_saving() -> None:
    clean = clean_organisation(
        OrganisationData(
            name_en="Food Bank",
            name_cy=" Banc Bwyd ",
            phone="(01437) 123456",
            email="Help@FoodBank.Org.UK",
            postcode="sa612pe",
            charity_number=" 1234567 ",
            coverage=(
                CoverageData(service="food_parcels", area="sa61"),
                CoverageData(service="shopping", area=" sa61 1 "),
                CoverageData(service="prescriptions", area="sa611ab"),
                CoverageData(service="transport", area="Solva"),
            ),
        )
    )
    assert clean.name("cy") == "Banc Bwyd"
    assert clean.phone == "+441437123456"
    assert clean.email == "Help@foodbank.org.uk"
    assert clean.postcode == "SA61 2PE"
    assert clean.charity_number == "1234567"
    assert [c.area for c in clean.coverage] == ["SA61", "SA61 1", "SA61 1AB", "Solva"]


def test_every_group_problem_is_reported_at_once() -> None:
    error = _group_refused(
        OrganisationData(
            name_en=" ",
            name_cy="",
            phone="12",
            email="not an address",
            postcode="SA1",
        )
    )
    assert [e.field for e in error.errors] == ["name_en", "phone", "email", "postcode"]
    assert error.for_field("name_en")[0].message == "Name (English) is required."


def test_coverage_problems_name_their_line() -> None:
    error = _group_refused(
        OrganisationData(
            name_en="Food Bank",
            coverage=(
                CoverageData(service="food_parcels", area="SA61"),
                CoverageData(service="", area="SA61"),
                CoverageData(service="shopping", area="SA61", weekdays=Weekdays.NONE),
                CoverageData(
                    service="shopping",
                    area="SA61",
                    start_time=dt.time(14),
                    end_time=dt.time(9),
                ),
                CoverageData(
                    service="shopping",
                    area="SA61",
                    start_date=dt.date(2024, 5, 1),
                    end_date=dt.date(2024, 4, 1),
                ),
                CoverageData(service="shopping", area="SA61 1A"),
            ),
        )
    )
    assert [e.where for e in error.errors] == [
        "Coverage line 2",
        "Coverage line 3",
        "Coverage line 4",
        "Coverage line 5",
        "Coverage line 6",
    ]
    assert all(e.field == "coverage" for e in error.errors)
    assert str(error.errors[0]) == "Coverage line 2: Choose a service."
    assert "Coverage line 6: " in str(error)
