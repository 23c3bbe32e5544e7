"""Reading choices from spreadsheets and the command line: codes or the words people see."""

from __future__ import annotations

import pytest

from cvcdesk.domain.enums import (
    AssignmentStatus,
    ConsentMethod,
    DbsLevel,
    LabelledEnum,
    OrganisationKind,
    VolunteerStatus,
    Weekdays,
)


@pytest.mark.parametrize(
    ("cls", "typed", "member"),
    [
        (DbsLevel, "enhanced", DbsLevel.ENHANCED),
        (DbsLevel, " Enhanced ", DbsLevel.ENHANCED),
        (DbsLevel, "No check", DbsLevel.NONE),
        (ConsentMethod, "By phone", ConsentMethod.PHONE),
        (ConsentMethod, "by e-mail", ConsentMethod.EMAIL),
        (ConsentMethod, "paper form", ConsentMethod.PAPER_FORM),
        (ConsentMethod, "paper-form", ConsentMethod.PAPER_FORM),
        (OrganisationKind, "Mutual aid group", OrganisationKind.MUTUAL_AID),
        (OrganisationKind, "mutual_aid", OrganisationKind.MUTUAL_AID),
        (OrganisationKind, "County Voluntary Council", OrganisationKind.CVC),
        (AssignmentStatus, "Did not attend", AssignmentStatus.NO_SHOW),
        (VolunteerStatus, "PAUSED", VolunteerStatus.PAUSED),
    ],
)
def test_a_choice_is_read_from_its_code_or_its_label(
    cls: type[LabelledEnum], typed: str, member: LabelledEnum
) -> None:
    assert cls.parse(typed) is member


@pytest.mark.parametrize("typed", ["", "super", "enhanced plus"])
def test_an_unknown_choice_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        DbsLevel.parse(typed)


def test_every_choice_has_a_label_that_reads_back_to_it() -> None:
    for cls in LabelledEnum.__subclasses__():
        for member in cls:
            assert member.label
            assert cls.parse(member.label) is member
            assert cls.parse(member.value) is member


def test_dbs_levels_rank_from_none_to_enhanced() -> None:
    ranks = [level.rank for level in (DbsLevel.NONE, DbsLevel.BASIC, DbsLevel.ENHANCED)]
    assert ranks == sorted(ranks)
    assert DbsLevel.STANDARD.rank < DbsLevel.ENHANCED.rank


def test_weekdays_round_trip_through_day_numbers() -> None:
    days = Weekdays.from_indexes([1, 3])  # Tuesday and Thursday
    assert days == Weekdays.TUE | Weekdays.THU
    assert days.indexes() == [1, 3]
    assert Weekdays.ALL.indexes() == list(range(7))
    assert Weekdays.from_indexes([]) == Weekdays.NONE


def test_members_with_the_same_value_in_different_enums_keep_their_own_labels() -> None:
    from cvcdesk.domain.enums import DbsLevel, WelshFluency

    assert WelshFluency.NONE.value == DbsLevel.NONE.value == "none"
    assert WelshFluency.NONE.label == "No Welsh"
    assert DbsLevel.NONE.label == "No check"
