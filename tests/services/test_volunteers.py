"""Volunteers: what a coordinator sees when adding, changing, finding and listing people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, text

from cvcdesk.domain.enums import (
    AuditAction,
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from cvcdesk.domain.names import welsh_sort_key
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.validation import display_phone
from cvcdesk.domain.volunteer import (
    AvailabilitySlot,
    AwayPeriod,
    Membership,
    VolunteerData,
    VolunteerQuery,
    VolunteerRecord,
)
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]

_TABLES = (
    "volunteer",
    "volunteer_skill",
    "availability",
    "away_period",
    "membership",
    "consent_event",
    "audit_entry",
)


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every volunteer table, to prove a refused change left nothing behind."""
    with db.engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]
            for table in _TABLES
        }


def data_of(record: VolunteerRecord, **changes: Any) -> VolunteerData:
    """The editable part of a stored record, as a form would send it back, with changes."""
    values = {name: getattr(record, name) for name in VolunteerData.__dataclass_fields__}
    values.update(changes)
    return VolunteerData(**values)


def names(rows: list[Any]) -> list[str]:
    return [f"{row.first_name} {row.last_name}" for row in rows]


# ---- create, get, update -------------------------------------------------------------------


def test_create_then_get_returns_normalised_details(volunteers: VolunteerService) -> None:
    created = volunteers.create(
        VolunteerData(
            first_name="  Gwyneth ",
            last_name="Pritchard",
            phone="07713 900123",
            phone_alt="+44 (0)1437 765432",
            email="Gwyneth@Example.org",
            postcode="sa611ab",
            preferred_language=Language.WELSH,
            welsh_fluency=WelshFluency.FLUENT,
            joined_on=dt.date(2023, 5, 1),
            skills=("driving", " cooking ", "driving"),
        )
    )
    got = volunteers.get(created.uuid)
    assert got == created
    assert got.first_name == "Gwyneth"
    assert got.postcode == "SA61 1AB"
    assert got.phone == "+447713900123"
    assert got.phone_alt == "+441437765432"
    assert got.email == "Gwyneth@example.org"
    assert got.preferred_language is Language.WELSH
    assert got.welsh_fluency is WelshFluency.FLUENT
    assert got.skills == ("cooking", "driving")
    assert got.version == 1
    assert not got.deleted
    assert got.origin
    assert got.changed_at
    [entry] = volunteers.history(created.uuid)
    assert entry["action"] is AuditAction.CREATE
    assert entry["actor"] == "tester"
    assert json.loads(entry["changes"])["last_name"] == [None, "Pritchard"]


def test_update_with_current_version_saves_and_audits_changed_fields(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer(first_name="Aled", town="Hwlffordd")
    updated = volunteers.update(
        record.uuid,
        data_of(record, town="Haverfordwest", postcode="sa62 4bb", skills=("first_aid",)),
        expected_version=record.version,
    )
    assert updated.town == "Haverfordwest"
    assert updated.postcode == "SA62 4BB"
    assert updated.skills == ("first_aid",)
    assert updated.version == record.version + 1
    assert updated.changed_at > record.changed_at
    assert volunteers.get(record.uuid) == updated

    history = volunteers.history(record.uuid)
    assert [entry["action"] for entry in history] == [AuditAction.CREATE, AuditAction.UPDATE]
    changes = json.loads(history[-1]["changes"])
    assert set(changes) == {"town", "postcode", "skills"}
    assert changes["town"] == ["Hwlffordd", "Haverfordwest"]
    assert changes["postcode"] == ["SA61 1AB", "SA62 4BB"]
    assert changes["skills"] == [[], ["first_aid"]]


def test_update_without_changes_writes_nothing(
    db: Database, volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer()
    before = snapshot(db)
    # The form sends back the number as the person typed it: still no change.
    again = volunteers.update(
        record.uuid, data_of(record, phone=display_phone(record.phone), postcode="sa611ab")
    )
    assert again == record
    assert snapshot(db) == before


def test_update_with_stale_version_is_refused_and_changes_nothing(
    db: Database, volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer(first_name="Bethan")
    theirs = volunteers.update(record.uuid, data_of(record, town="Tenby"))
    before = snapshot(db)
    with pytest.raises(ConflictError) as raised:
        volunteers.update(
            record.uuid, data_of(record, town="Narberth"), expected_version=record.version
        )
    assert "Bethan" in str(raised.value)
    assert snapshot(db) == before
    assert volunteers.get(record.uuid) == theirs
    assert volunteers.get(record.uuid).town == "Tenby"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": "   "}, "first_name"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"phone": "12345"}, "phone"),
        ({"email": "nobody@"}, "email"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "date_of_birth"),
        ({"joined_on": dt.date(2024, 1, 1), "left_on": dt.date(2023, 1, 1)}, "left_on"),
        ({"consent_share": True, "consent_method": None}, "consent_method"),
        (
            {"availability": (AvailabilitySlot(0, dt.time(12), dt.time(9)),)},
            "availability",
        ),
        ({"away": (AwayPeriod(dt.date(2025, 2, 1), dt.date(2025, 1, 1)),)}, "away"),
    ],
)
def test_invalid_details_are_refused_and_the_database_is_unchanged(
    db: Database,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    changes: dict[str, Any],
    field: str,
) -> None:
    record = make_volunteer()
    before = snapshot(db)
    count = volunteers.count()

    with pytest.raises(ValidationError) as on_update:
        volunteers.update(record.uuid, data_of(record, **changes))
    assert on_update.value.for_field(field)
    assert str(on_update.value)

    with pytest.raises(ValidationError) as on_create:
        volunteers.create(data_of(record, reference="NEW", **changes))
    assert on_create.value.for_field(field)

    assert volunteers.count() == count
    assert snapshot(db) == before
    assert volunteers.get(record.uuid) == record


def test_every_problem_is_reported_at_once(volunteers: VolunteerService) -> None:
    with pytest.raises(ValidationError) as raised:
        volunteers.create(
            VolunteerData(first_name="", last_name="", postcode="XX", phone="1", email="@")
        )
    fields = {error.field for error in raised.value.errors}
    assert fields == {"first_name", "last_name", "postcode", "phone", "email"}


def test_membership_of_an_unknown_group_is_refused_without_saving(
    db: Database, volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer()
    before = snapshot(db)
    ghost = (Membership("00000000-0000-4000-8000-000000000000"),)
    with pytest.raises(NotFoundError):
        volunteers.update(record.uuid, data_of(record, town="Fishguard", memberships=ghost))
    with pytest.raises(NotFoundError):
        volunteers.create(data_of(record, reference="X1", memberships=ghost))
    assert snapshot(db) == before


# ---- delete and restore --------------------------------------------------------------------


def test_delete_leaves_a_tombstone_that_restore_brings_back(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    keep = make_volunteer(first_name="Carys")
    gone = make_volunteer(first_name="Dylan", reference="REF-9")
    assert volunteers.count() == 2

    deleted = volunteers.delete(gone.uuid)
    assert deleted.deleted
    assert volunteers.count() == 1
    assert [row.uuid for row in volunteers.list()] == [keep.uuid]
    assert volunteers.count(VolunteerQuery(search="Dylan")) == 0
    with pytest.raises(NotFoundError):
        volunteers.get(gone.uuid)
    with pytest.raises(NotFoundError):
        volunteers.find("REF-9")
    with pytest.raises(NotFoundError):
        volunteers.update(gone.uuid, data_of(gone, town="Cardigan"))
    tomb = volunteers.get(gone.uuid, include_deleted=True)
    assert tomb.deleted
    assert tomb.first_name == "Dylan"
    assert volunteers.count(VolunteerQuery(include_deleted=True)) == 2

    restored = volunteers.restore(gone.uuid)
    assert not restored.deleted
    assert volunteers.count() == 2
    assert volunteers.get(gone.uuid).first_name == "Dylan"
    assert volunteers.find("REF-9").uuid == gone.uuid
    assert [entry["action"] for entry in volunteers.history(gone.uuid)] == [
        AuditAction.CREATE,
        AuditAction.DELETE,
        AuditAction.RESTORE,
    ]


def test_deleting_twice_is_harmless(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer()
    volunteers.delete(record.uuid)
    volunteers.delete(record.uuid)
    assert [entry["action"] for entry in volunteers.history(record.uuid)] == [
        AuditAction.CREATE,
        AuditAction.DELETE,
    ]


def test_unknown_uuid_is_not_found(volunteers: VolunteerService) -> None:
    with pytest.raises(NotFoundError):
        volunteers.get("no-such-volunteer")
    with pytest.raises(NotFoundError):
        volunteers.delete("no-such-volunteer")


# ---- children round-trip -------------------------------------------------------------------


def test_memberships_skills_availability_and_away_round_trip(
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    pantry = make_organisation(name_en="Aberteifi Pantry", name_cy="Pantri Aberteifi")
    bus = make_organisation(name_en="Bus Friends", name_cy="Ffrindiau Bws")
    slots = (
        AvailabilitySlot(3, dt.time(14), dt.time(16)),
        AvailabilitySlot(0, dt.time(9), dt.time(12)),
    )
    away = (
        AwayPeriod(dt.date(2025, 8, 1), dt.date(2025, 8, 14), "Holiday"),
        AwayPeriod(dt.date(2025, 3, 1), dt.date(2025, 3, 2)),
    )
    record = make_volunteer(
        skills=("driving", "cooking"),
        availability=slots,
        away=away,
        memberships=(
            Membership(bus.uuid, role="Driver", since=dt.date(2022, 1, 1)),
            Membership(pantry.uuid, role="Packer"),
        ),
    )
    got = volunteers.get(record.uuid)
    assert got.skills == ("cooking", "driving")
    assert got.availability == tuple(sorted(slots, key=lambda s: (s.weekday, s.start)))
    assert got.away == tuple(sorted(away, key=lambda a: a.start))
    assert [
        (ms.organisation_uuid, ms.role, ms.since, ms.organisation_name) for ms in got.memberships
    ] == [
        (pantry.uuid, "Packer", None, "Aberteifi Pantry"),
        (bus.uuid, "Driver", dt.date(2022, 1, 1), "Bus Friends"),
    ]

    # Leave one group, change the role in the other, replace the rest.
    changed = volunteers.update(
        record.uuid,
        data_of(
            got,
            skills=("first_aid",),
            availability=(AvailabilitySlot(5, dt.time(10), dt.time(11)),),
            away=(),
            memberships=(Membership(bus.uuid, role="Coordinator", since=dt.date(2022, 1, 1)),),
        ),
        expected_version=got.version,
    )
    assert volunteers.get(record.uuid) == changed
    assert changed.skills == ("first_aid",)
    assert changed.availability == (AvailabilitySlot(5, dt.time(10), dt.time(11)),)
    assert changed.away == ()
    assert [(ms.organisation_uuid, ms.role) for ms in changed.memberships] == [
        (bus.uuid, "Coordinator")
    ]
    assert volunteers.count(VolunteerQuery(group_uuid=pantry.uuid)) == 0
    assert volunteers.count(VolunteerQuery(group_uuid=bus.uuid)) == 1
    changes = json.loads(volunteers.history(record.uuid)[-1]["changes"])
    assert {"skills", "availability", "away", "memberships"} <= set(changes)

    # Rejoining the group left earlier brings the membership back.
    rejoined = volunteers.update(
        record.uuid,
        data_of(changed, memberships=(*changed.memberships, Membership(pantry.uuid, "Packer"))),
    )
    assert {ms.organisation_uuid for ms in rejoined.memberships} == {pantry.uuid, bus.uuid}
    assert volunteers.count(VolunteerQuery(group_uuid=pantry.uuid)) == 1


def test_saving_the_same_lines_in_another_order_is_not_a_change(
    db: Database,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    first, second = make_organisation(name_en="Zeta"), make_organisation(name_en="Alpha")
    slots = (
        AvailabilitySlot(4, dt.time(9), dt.time(10)),
        AvailabilitySlot(1, dt.time(9), dt.time(10)),
    )
    away = (
        AwayPeriod(dt.date(2025, 9, 1), dt.date(2025, 9, 2)),
        AwayPeriod(dt.date(2025, 1, 1), dt.date(2025, 1, 2)),
    )
    memberships = (Membership(first.uuid, "Driver"), Membership(second.uuid, "Cook"))
    record = make_volunteer(availability=slots, away=away, memberships=memberships)
    before = snapshot(db)
    same = volunteers.update(
        record.uuid, data_of(record, availability=slots, away=away, memberships=memberships)
    )
    assert same.version == record.version
    assert snapshot(db) == before
    assert len(volunteers.history(record.uuid)) == 1


def test_dbs_and_consent_details_round_trip(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation
) -> None:
    checker = make_organisation()
    record = make_volunteer(
        consent_share=True,
        consent_date=dt.date(2024, 2, 1),
        consent_method=ConsentMethod.PAPER_FORM,
        dbs_level=DbsLevel.ENHANCED,
        dbs_workforce=DbsWorkforce.ADULT,
        dbs_certificate_number=" 001234567890 ",
        dbs_issue_date=dt.date(2023, 6, 1),
        dbs_update_service=True,
        dbs_checked_by=checker.uuid,
        dbs_renewal_due=dt.date(2026, 6, 1),
        has_car=True,
        can_drive=True,
        emergency_contact_name="Mam",
        emergency_contact_phone="01437 765432",
    )
    got = volunteers.get(record.uuid)
    assert got.consent_share
    assert got.consent_method is ConsentMethod.PAPER_FORM
    assert got.dbs_level is DbsLevel.ENHANCED
    assert got.dbs_workforce is DbsWorkforce.ADULT
    assert got.dbs_certificate_number == "001234567890"
    assert got.dbs_checked_by == checker.uuid
    assert got.emergency_contact_phone == "+441437765432"
    assert got.has_car and got.can_drive and got.dbs_update_service


# ---- search --------------------------------------------------------------------------------


@pytest.fixture
def people(make_volunteer: MakeVolunteer) -> dict[str, VolunteerRecord]:
    return {
        "gwyneth": make_volunteer(
            first_name="Gwyneth", last_name="Hughes", phone="07713 900111", postcode="LL55 4UR"
        ),
        "sian": make_volunteer(
            first_name="Siân", last_name="Lloyd", phone="07713 900222", postcode="SA61 1AB"
        ),
        "sian_plain": make_volunteer(
            first_name="Sian", last_name="Price", phone="07713 900333", postcode="CF10 3NQ"
        ),
        "gwilym": make_volunteer(
            first_name="Gwilym", last_name="Owen", phone="01437 765432", postcode="SA62 4BB"
        ),
        "emrys": make_volunteer(
            first_name="Emrys",
            last_name="Glyndŵr",
            phone="",
            email="emrys.g@example.cymru",
            reference="MA-017",
            postcode="SY23 1DE",
        ),
    }


def found(volunteers: VolunteerService, search: str) -> set[str]:
    rows = volunteers.list(VolunteerQuery(search=search), limit=None)
    assert volunteers.count(VolunteerQuery(search=search)) == len(rows)
    return {row.first_name + " " + row.last_name for row in rows}


def test_search_as_you_type_matches_word_prefixes(
    volunteers: VolunteerService, people: dict[str, VolunteerRecord]
) -> None:
    assert found(volunteers, "G") == {"Gwyneth Hughes", "Gwilym Owen", "Emrys Glyndŵr"}
    assert found(volunteers, "Gw") == {"Gwyneth Hughes", "Gwilym Owen"}
    assert found(volunteers, "Gwy") == {"Gwyneth Hughes"}
    assert found(volunteers, "gwyneth hug") == {"Gwyneth Hughes"}
    assert found(volunteers, "Gwyneth Owen") == set()
    assert found(volunteers, "Zebedee") == set()


def test_search_folds_accents_both_ways(
    volunteers: VolunteerService, people: dict[str, VolunteerRecord]
) -> None:
    both = {"Siân Lloyd", "Sian Price"}
    assert found(volunteers, "Sian") == both
    assert found(volunteers, "Siân") == both
    assert found(volunteers, "SIÂN") == both
    assert found(volunteers, "Glyndwr") == {"Emrys Glyndŵr"}
    assert found(volunteers, "Glyndŵ") == {"Emrys Glyndŵr"}


def test_search_by_postcode_phone_email_and_reference(
    volunteers: VolunteerService, people: dict[str, VolunteerRecord]
) -> None:
    assert found(volunteers, "SA61") == {"Siân Lloyd"}
    assert found(volunteers, "sa61 1ab") == {"Siân Lloyd"}
    assert found(volunteers, "SA611AB") == {"Siân Lloyd"}
    assert found(volunteers, "SA6") == {"Siân Lloyd", "Gwilym Owen"}
    assert found(volunteers, "07713 900222") == {"Siân Lloyd"}
    assert found(volunteers, "07713900222") == {"Siân Lloyd"}
    assert found(volunteers, "+447713900222") == {"Siân Lloyd"}
    assert found(volunteers, "+44 7713 900222") == {"Siân Lloyd"}
    assert found(volunteers, "0044 (0)7713 900 222") == {"Siân Lloyd"}
    assert found(volunteers, "0771 3900 222") == {"Siân Lloyd"}
    assert found(volunteers, "+44 7713 900 22") == {"Siân Lloyd"}
    assert found(volunteers, "01437") == {"Gwilym Owen"}
    assert found(volunteers, "07713") == {"Gwyneth Hughes", "Siân Lloyd", "Sian Price"}
    assert found(volunteers, "emrys.g@example.cymru") == {"Emrys Glyndŵr"}
    assert found(volunteers, "MA-017") == {"Emrys Glyndŵr"}


def test_search_follows_edits(volunteers: VolunteerService, make_volunteer: MakeVolunteer) -> None:
    record = make_volunteer(first_name="Nia", last_name="Morgan", postcode="SA61 1AB")
    volunteers.update(record.uuid, data_of(record, last_name="Rowlands", postcode="LL55 4UR"))
    assert found(volunteers, "Morgan") == set()
    assert found(volunteers, "Rowl") == {"Nia Rowlands"}
    assert found(volunteers, "LL55") == {"Nia Rowlands"}
    assert found(volunteers, "SA61") == set()


def test_search_survives_punctuation_people_type(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer(first_name="Seán", last_name="O'Brien")
    assert found(volunteers, "o'brien") == {"Seán O'Brien"}
    assert found(volunteers, 'O"Bri') == {"Seán O'Brien"}
    assert found(volunteers, "sean (obrien") == set()
    # Nothing searchable at all lists everyone rather than failing.
    assert found(volunteers, " * ") == {"Seán O'Brien"}


# ---- filters, paging, ordering -------------------------------------------------------------


@pytest.fixture
def roster(make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation) -> dict[str, Any]:
    food = make_organisation(name_en="Food Bank")
    walk = make_organisation(name_en="Walkers")
    consent = {"consent_share": True, "consent_method": ConsentMethod.ONLINE_FORM}
    made = {
        "a": make_volunteer(
            first_name="Alun",
            postcode="SA61 1AB",
            skills=("driving",),
            memberships=(Membership(food.uuid),),
            dbs_level=DbsLevel.BASIC,
            dbs_renewal_due=dt.date(2025, 1, 1),
            **consent,
        ),
        "b": make_volunteer(
            first_name="Bryn",
            postcode="SA61 2XY",
            status=VolunteerStatus.PAUSED,
            skills=("driving", "cooking"),
            memberships=(Membership(food.uuid), Membership(walk.uuid)),
            dbs_level=DbsLevel.ENHANCED,
            dbs_renewal_due=dt.date(2027, 1, 1),
        ),
        "c": make_volunteer(
            first_name="Cerys",
            postcode="SA62 4BB",
            status=VolunteerStatus.LEFT,
            skills=("cooking",),
            memberships=(Membership(walk.uuid),),
            dbs_level=DbsLevel.STANDARD,
            **consent,
        ),
        "d": make_volunteer(first_name="Dai", postcode="SA6 8AA"),
        "e": make_volunteer(first_name="Eleri", postcode="", dbs_renewal_due=dt.date(2024, 1, 1)),
    }
    return {"food": food, "walk": walk, **made}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (VolunteerQuery(), "abcde"),
        (VolunteerQuery(status=VolunteerStatus.ACTIVE), "ade"),
        (VolunteerQuery(status=VolunteerStatus.PAUSED), "b"),
        (VolunteerQuery(status=VolunteerStatus.LEFT), "c"),
        (VolunteerQuery(skill="driving"), "ab"),
        (VolunteerQuery(skill="cooking"), "bc"),
        (VolunteerQuery(skill="bsl"), ""),
        (VolunteerQuery(area="SA61"), "ab"),
        (VolunteerQuery(area="sa61"), "ab"),
        (VolunteerQuery(area="SA6"), "d"),
        (VolunteerQuery(area="SA61 1"), "a"),
        (VolunteerQuery(area="SA61 1AB"), "a"),
        (VolunteerQuery(area="sa611ab"), "a"),
        (VolunteerQuery(area="SA611"), "a"),
        (VolunteerQuery(area=" sa61 2 "), "b"),
        (VolunteerQuery(area="SA"), ""),
        (VolunteerQuery(area="SA62"), "c"),
        (VolunteerQuery(dbs_due_before=dt.date(2026, 1, 1)), "ac"),
        (VolunteerQuery(dbs_due_before=dt.date(2028, 1, 1)), "abc"),
        (VolunteerQuery(consent_share=True), "ac"),
        (VolunteerQuery(consent_share=False), "bde"),
        (VolunteerQuery(status=VolunteerStatus.ACTIVE, consent_share=True), "a"),
        (VolunteerQuery(skill="cooking", area="SA61"), "b"),
        (VolunteerQuery(search="Cerys", status=VolunteerStatus.ACTIVE), ""),
        (VolunteerQuery(search="Cerys", skill="cooking"), "c"),
    ],
)
def test_every_filter_narrows_the_list(
    volunteers: VolunteerService,
    roster: dict[str, Any],
    query: VolunteerQuery,
    expected: str,
) -> None:
    uuids = {row.uuid for row in volunteers.list(query, limit=None)}
    assert uuids == {roster[key].uuid for key in expected}
    assert volunteers.count(query) == len(expected)
    assert {record.uuid for record in volunteers.iter_rows(query, batch=2)} == uuids


def test_group_filter_lists_only_that_groups_members(
    volunteers: VolunteerService, roster: dict[str, Any]
) -> None:
    food = VolunteerQuery(group_uuid=roster["food"].uuid)
    walk = VolunteerQuery(group_uuid=roster["walk"].uuid)
    assert {row.uuid for row in volunteers.list(food)} == {roster["a"].uuid, roster["b"].uuid}
    assert {row.uuid for row in volunteers.list(walk)} == {roster["b"].uuid, roster["c"].uuid}
    assert volunteers.count(food) == 2
    assert volunteers.count(VolunteerQuery(group_uuid=roster["food"].uuid, skill="cooking")) == 1
    assert volunteers.count(VolunteerQuery(group_uuid="no-such-group")) == 0
    volunteers.delete(roster["a"].uuid)
    assert volunteers.count(food) == 1


def test_list_rows_show_what_a_table_needs(
    volunteers: VolunteerService, roster: dict[str, Any]
) -> None:
    [row] = volunteers.list(VolunteerQuery(search="Alun"))
    assert row.uuid == roster["a"].uuid
    assert row.postcode == "SA61 1AB"
    assert row.status is VolunteerStatus.ACTIVE
    assert row.dbs_level is DbsLevel.BASIC
    assert row.dbs_renewal_due == dt.date(2025, 1, 1)
    assert row.consent_share
    assert row.phone.startswith("+44")


def test_list_rows_name_their_groups_in_one_query_per_page(
    db: Database,
    volunteers: VolunteerService,
    organisations: OrganisationService,
    roster: dict[str, Any],
) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        rows = {row.first_name: row.groups for row in volunteers.list(language="en")}
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # The page, then its groups: never a query per row.
    assert len(statements) == 2
    assert rows == {
        "Alun": "Food Bank",
        "Bryn": "Food Bank, Walkers",
        "Cerys": "Walkers",
        "Dai": "",
        "Eleri": "",
    }
    welsh = {row.first_name: row.groups for row in volunteers.list(language="cy")}
    assert welsh["Bryn"] == ", ".join(
        sorted((roster["food"].name_cy, roster["walk"].name_cy), key=welsh_sort_key)
    )
    # A membership that ended in a save, and a deleted group, are not shown.
    bryn = volunteers.get(roster["b"].uuid)
    volunteers.update(bryn.uuid, data_of(bryn, memberships=(Membership(roster["walk"].uuid),)))
    organisations.delete(roster["walk"].uuid)
    rows = {row.first_name: row.groups for row in volunteers.list(language="en")}
    assert rows["Alun"] == "Food Bank"
    assert rows["Bryn"] == rows["Cerys"] == ""


def test_pages_are_disjoint_and_cover_every_row_once(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    for n in range(23):
        # Repeated names make the order rely on the tie-breaker.
        make_volunteer(first_name=["Ifan", "Ioan", "Ifor"][n % 3], last_name="Jones")
    everyone = [row.uuid for row in volunteers.list(limit=None)]
    assert len(everyone) == len(set(everyone)) == 23
    for order in ("name", "reference", "postcode", "status", "dbs_renewal_due", "created"):
        for descending in (False, True):
            pages = [
                volunteers.list(offset=offset, limit=5, order=order, descending=descending)
                for offset in range(0, 25, 5)
            ]
            assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
            seen = [row.uuid for page in pages for row in page]
            assert len(seen) == len(set(seen))
            assert set(seen) == set(everyone)
    assert volunteers.list(offset=23, limit=5) == []


def test_created_order_is_the_order_people_were_added(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    made = [make_volunteer(first_name=name).uuid for name in ("Wyn", "Aled", "Mari")]
    assert [row.uuid for row in volunteers.list(order="created")] == made
    assert [row.uuid for row in volunteers.list(order="created", descending=True)] == made[::-1]


def test_name_order_follows_the_welsh_or_english_alphabet(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer(first_name="Lowri", last_name="Evans")
    make_volunteer(first_name="Llinos", last_name="Evans")
    make_volunteer(first_name="Ann", last_name="Roberts")
    make_volunteer(first_name="Rhian", last_name="Rhys")
    make_volunteer(first_name="Dewi", last_name="Davies")
    make_volunteer(first_name="Ceri", last_name="Dd")

    welsh = names(volunteers.list(language="cy"))
    english = names(volunteers.list(language="en"))
    assert welsh.index("Llinos Evans") > welsh.index("Lowri Evans")
    assert welsh.index("Rhian Rhys") > welsh.index("Ann Roberts")
    assert english.index("Llinos Evans") < english.index("Lowri Evans")
    assert english.index("Rhian Rhys") < english.index("Ann Roberts")
    assert welsh == [
        "Dewi Davies",
        "Ceri Dd",
        "Lowri Evans",
        "Llinos Evans",
        "Ann Roberts",
        "Rhian Rhys",
    ]
    assert names(volunteers.list(language="cy", descending=True)) == welsh[::-1]
    # iter_rows (exports) follows the same alphabet.
    assert [
        f"{r.first_name} {r.last_name}" for r in volunteers.iter_rows(language="cy", batch=2)
    ] == welsh
    assert [
        f"{r.first_name} {r.last_name}" for r in volunteers.iter_rows(language="en", batch=2)
    ] == english


def test_iter_rows_streams_every_record_once_across_batches(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    made = [
        make_volunteer(
            first_name="Twm" if n % 2 else "Tomos",
            last_name="Jones",  # equal sort keys straddle batch boundaries
            skills=("driving",) if n % 3 == 0 else (),
        )
        for n in range(10)
    ]
    streamed = list(volunteers.iter_rows(batch=3))
    assert len(streamed) == 10
    assert {r.uuid for r in streamed} == {r.uuid for r in made}
    assert all(r.last_name == "Jones" for r in streamed)
    assert {r.uuid: r for r in streamed} == {r.uuid: volunteers.get(r.uuid) for r in made}
    drivers = list(volunteers.iter_rows(VolunteerQuery(skill="driving"), batch=3))
    assert len(drivers) == 4 == volunteers.count(VolunteerQuery(skill="driving"))
    for batch in (1, 2, 9, 10, 11):
        assert len(list(volunteers.iter_rows(batch=batch))) == 10


def test_iter_rows_with_no_volunteers_yields_nothing(volunteers: VolunteerService) -> None:
    assert list(volunteers.iter_rows(batch=3)) == []


@pytest.mark.parametrize(
    "query",
    [
        VolunteerQuery(),
        VolunteerQuery(status=VolunteerStatus.ACTIVE),
        VolunteerQuery(skill="cooking"),
        VolunteerQuery(area="SA61"),
        VolunteerQuery(consent_share=True),
        VolunteerQuery(dbs_due_before=dt.date(2026, 1, 1)),
        VolunteerQuery(search="Jones"),
        VolunteerQuery(include_deleted=True),
    ],
)
def test_count_matches_the_list(
    volunteers: VolunteerService, roster: dict[str, Any], query: VolunteerQuery
) -> None:
    volunteers.delete(roster["d"].uuid)
    assert volunteers.count(query) == len(volunteers.list(query, limit=None))
    assert volunteers.count(query) == len(list(volunteers.iter_rows(query, batch=2)))


# ---- find ----------------------------------------------------------------------------------


def test_find_by_uuid_or_reference(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    with_ref = make_volunteer(reference="MA-042")
    make_volunteer()  # no reference of its own
    assert volunteers.find(with_ref.uuid) == with_ref
    assert volunteers.find("MA-042") == with_ref
    with pytest.raises(NotFoundError) as raised:
        volunteers.find("MA-999")
    assert "MA-999" in str(raised.value)


def test_find_with_a_blank_key_does_not_pick_someone_without_a_reference(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    make_volunteer()
    for key in ("", "   "):
        with pytest.raises(NotFoundError):
            volunteers.find(key)


def test_find_ignores_spaces_around_the_key(
    volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer(reference="MA-043")
    assert volunteers.find(" MA-043 ").uuid == record.uuid
    assert volunteers.find(f" {record.uuid}\n").uuid == record.uuid


def test_skills_are_listed_in_the_language_asked_for(volunteers: VolunteerService) -> None:
    english = dict(volunteers.skills("en"))
    welsh = dict(volunteers.skills("cy"))
    assert english["driving"] == "Driving"
    assert welsh["driving"] == "Gyrru"
    labels = [label for _code, label in volunteers.skills("cy")]
    assert labels == sorted(labels)


def test_consent_given_later_is_recorded(
    db: Database, volunteers: VolunteerService, make_volunteer: MakeVolunteer
) -> None:
    record = make_volunteer()
    volunteers.update(
        record.uuid,
        replace(
            data_of(record),
            consent_share=True,
            consent_method=ConsentMethod.PHONE,
            consent_date=dt.date(2025, 4, 1),
        ),
    )
    with db.engine.connect() as connection:
        events = list(connection.execute(text("SELECT given, method FROM consent_event")))
    assert [(bool(given), method) for given, method in events] == [(True, "phone")]
