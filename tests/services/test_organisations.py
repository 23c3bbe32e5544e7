"""Groups: their details, what they cover where, and how they are listed and found."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from cvcdesk.domain.enums import AreaKind, OrganisationKind, Weekdays
from cvcdesk.domain.errors import ConflictError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import CoverageData, OrganisationData, OrganisationRecord
from cvcdesk.domain.volunteer import Membership, VolunteerData, VolunteerRecord
from cvcdesk.services.areas import ensure_area
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]


def query(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: query(db, f"SELECT * FROM {table} ORDER BY id")
        for table in ("organisation", "coverage", "area", "audit_entry")
    }


def audit(db: Database, uuid: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (action, json.loads(changes))
        for action, changes in query(
            db,
            "SELECT action, changes FROM audit_entry WHERE record_uuid = :uuid ORDER BY id",
            uuid=uuid,
        )
    ]


def data_of(record: OrganisationRecord, **changes: Any) -> OrganisationData:
    values = {name: getattr(record, name) for name in OrganisationData.__dataclass_fields__}
    values.update(changes)
    return OrganisationData(**values)


def coverage_rows(db: Database, organisation: str) -> dict[str, tuple[bool, str, int]]:
    """uuid -> (deleted, changed_at, version) of every coverage line of a group, tombstones too."""
    return {
        uuid: (bool(deleted), changed_at, version)
        for uuid, deleted, changed_at, version in query(
            db,
            "SELECT c.uuid, c.deleted, c.changed_at, c.version FROM coverage c "
            "JOIN organisation o ON o.id = c.organisation_id WHERE o.uuid = :uuid",
            uuid=organisation,
        )
    }


# ---- create, update, delete, restore -------------------------------------------------------


def test_create_then_get_returns_normalised_details(
    db: Database, organisations: OrganisationService
) -> None:
    created = organisations.create(
        OrganisationData(
            name_en=" Tenby Mutual Aid ",
            name_cy="Cymorth Cydfuddiol Dinbych-y-pysgod",
            kind=OrganisationKind.MUTUAL_AID,
            email="help@Tenby.example.org",
            phone="01834 842404",
            postcode="sa707bb",
            charity_number=" 1234567 ",
        )
    )
    got = organisations.get(created.uuid)
    assert got == created
    assert got.name_en == "Tenby Mutual Aid"
    assert got.kind is OrganisationKind.MUTUAL_AID
    assert got.phone == "+441834842404"
    assert got.postcode == "SA70 7BB"
    assert got.charity_number == "1234567"
    assert got.version == 1
    [(action, changes)] = audit(db, created.uuid)
    assert action == "create"
    assert changes["name_en"] == [None, "Tenby Mutual Aid"]


def test_a_welsh_name_alone_is_enough(organisations: OrganisationService) -> None:
    created = organisations.create(OrganisationData(name_en="", name_cy="Bwyd Bro"))
    assert created.name_en == "Bwyd Bro"
    assert created.name("cy") == "Bwyd Bro"


def test_update_saves_audits_and_refuses_a_stale_version(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation(name_en="Fishguard Friends", contact_name="Ann")
    updated = organisations.update(
        record.uuid,
        data_of(record, contact_name="Bethan", kind=OrganisationKind.FAITH_GROUP),
        expected_version=record.version,
    )
    assert updated.contact_name == "Bethan"
    assert updated.kind is OrganisationKind.FAITH_GROUP
    assert updated.version == record.version + 1
    assert organisations.get(record.uuid) == updated
    action, changes = audit(db, record.uuid)[-1]
    assert action == "update"
    assert set(changes) == {"contact_name", "kind"}
    assert changes["contact_name"] == ["Ann", "Bethan"]

    before = snapshot(db)
    with pytest.raises(ConflictError) as raised:
        organisations.update(
            record.uuid, data_of(record, contact_name="Ceri"), expected_version=record.version
        )
    assert "Fishguard Friends" in str(raised.value)
    assert snapshot(db) == before
    assert organisations.get(record.uuid).contact_name == "Bethan"


def test_update_without_changes_writes_nothing(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation(
        coverage=(CoverageData("shopping", "SA61"), CoverageData("food_parcels", "SA62 4"))
    )
    before = snapshot(db)
    assert organisations.update(record.uuid, data_of(record, postcode="sa611ab")) == record
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name_en": " ", "name_cy": ""}, "name_en"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "999"}, "phone"),
        ({"postcode": "SA99 ZZZ"}, "postcode"),
        ({"coverage": (CoverageData("shopping", "SA61", weekdays=Weekdays.NONE),)}, "coverage"),
        ({"coverage": (CoverageData("", "SA61"),)}, "coverage"),
        ({"coverage": (CoverageData("shopping", "ZZ999 9ZZ"),)}, "coverage"),
        (
            {
                "coverage": (
                    CoverageData("shopping", "SA61", start_time=dt.time(12), end_time=dt.time(11)),
                )
            },
            "coverage",
        ),
    ],
)
def test_invalid_details_are_refused_and_nothing_changes(
    db: Database,
    organisations: OrganisationService,
    make_organisation: MakeOrganisation,
    changes: dict[str, Any],
    field: str,
) -> None:
    record = make_organisation()
    before = snapshot(db)
    with pytest.raises(ValidationError) as on_update:
        organisations.update(record.uuid, data_of(record, **changes))
    assert on_update.value.for_field(field)
    with pytest.raises(ValidationError):
        organisations.create(data_of(record, **changes))
    assert snapshot(db) == before


def test_unknown_service_or_community_is_refused_and_nothing_changes(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation()
    before = snapshot(db)
    with pytest.raises(NotFoundError) as raised:
        organisations.update(
            record.uuid, data_of(record, coverage=(CoverageData("juggling", "SA61 1"),))
        )
    assert "food_parcels" in str(raised.value)  # says which services exist
    with pytest.raises(NotFoundError):
        organisations.create(
            OrganisationData(name_en="New", coverage=(CoverageData("shopping", "Nowhereville"),))
        )
    assert snapshot(db) == before


def test_delete_leaves_a_tombstone_and_restore_brings_it_back(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    keep = make_organisation(name_en="Keep")
    gone = make_organisation(name_en="Gone Group")
    assert organisations.count() == 2

    assert organisations.delete(gone.uuid).deleted
    assert organisations.count() == 1
    assert [row.uuid for row in organisations.list()] == [keep.uuid]
    assert organisations.count("Gone") == 0
    with pytest.raises(NotFoundError):
        organisations.get(gone.uuid)
    with pytest.raises(NotFoundError):
        organisations.find("Gone Group")
    assert organisations.get(gone.uuid, include_deleted=True).deleted
    assert organisations.count(include_deleted=True) == 2
    assert len(organisations.list(include_deleted=True)) == 2

    assert not organisations.restore(gone.uuid).deleted
    assert organisations.find("Gone Group").uuid == gone.uuid
    assert organisations.count() == 2
    assert [action for action, _changes in audit(db, gone.uuid)] == [
        "create",
        "delete",
        "restore",
    ]


# ---- coverage and areas --------------------------------------------------------------------


def test_coverage_lines_round_trip(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    lines = (
        CoverageData(
            "hot_meals",
            "sa61 1ab",
            weekdays=Weekdays.MON | Weekdays.THU,
            start_time=dt.time(11, 30),
            end_time=dt.time(13),
            start_date=dt.date(2025, 1, 6),
            end_date=dt.date(2025, 12, 19),
            notes="Lunch club",
        ),
        CoverageData("food_parcels", "SA611"),
        CoverageData("food_parcels", "sa62"),
    )
    record = make_organisation(coverage=lines)
    got = organisations.get(record.uuid)
    assert got == record
    # In the usual service order, then by area.
    assert [(c.service, c.area) for c in got.coverage] == [
        ("food_parcels", "SA61 1"),
        ("food_parcels", "SA62"),
        ("hot_meals", "SA61 1AB"),
    ]
    meals = got.coverage[2]
    assert meals.weekdays == Weekdays.MON | Weekdays.THU
    assert (meals.start_time, meals.end_time) == (dt.time(11, 30), dt.time(13))
    assert (meals.start_date, meals.end_date) == (dt.date(2025, 1, 6), dt.date(2025, 12, 19))
    assert meals.notes == "Lunch club"
    assert all(c.uuid for c in got.coverage)
    assert len({c.uuid for c in got.coverage}) == 3


def test_postcode_areas_nest_sector_in_district(db: Database) -> None:
    with db.session_factory.begin() as session:
        unit = ensure_area(session, db, "sa611ab")
        sector = ensure_area(session, db, "SA61 1")
        district = ensure_area(session, db, "SA61")
        other_sector = ensure_area(session, db, "sa612")
        assert (unit.code, unit.kind) == ("SA61 1AB", AreaKind.UNIT.value)
        assert (sector.code, sector.kind) == ("SA61 1", AreaKind.SECTOR.value)
        assert (district.code, district.kind) == ("SA61", AreaKind.DISTRICT.value)
        assert unit.parent_id == sector.id
        assert sector.parent_id == district.id
        assert other_sector.parent_id == district.id
        assert district.parent_id is None
        # Asking again finds the same areas rather than making new ones.
        assert ensure_area(session, db, "SA61 1AB").id == unit.id
        assert ensure_area(session, db, "sa61 1").id == sector.id
        codes = session.scalars(select(m.Area.code).order_by(m.Area.code)).all()
        assert codes == ["SA61", "SA61 1", "SA61 1AB", "SA61 2"]


def test_a_sector_first_then_its_district_share_one_tree(db: Database) -> None:
    with db.session_factory.begin() as session:
        sector = ensure_area(session, db, "LL55 4")
        district = ensure_area(session, db, "LL55")
        unit = ensure_area(session, db, "LL55 4UR")
        assert sector.parent_id == district.id
        assert unit.parent_id == sector.id


def test_a_named_community_must_exist(db: Database) -> None:
    with db.session_factory.begin() as session:
        session.add(
            m.Area(
                kind=AreaKind.COMMUNITY.value,
                code="Solva",
                name_en="Solva",
                name_cy="Solfach",
                origin=db.instance_uuid,
                changed_at=db.clock.now(),
            )
        )
    with db.session_factory.begin() as session:
        assert ensure_area(session, db, " Solva ").name_cy == "Solfach"
        with pytest.raises(NotFoundError) as raised:
            ensure_area(session, db, "Atlantis")
        assert "SA61" in str(raised.value)  # says what would be accepted


def test_updating_coverage_keeps_unchanged_lines_and_tombstones_dropped_ones(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation(
        coverage=(
            CoverageData("shopping", "SA61"),
            CoverageData("prescriptions", "SA61 1"),
            CoverageData("transport", "SA62"),
        )
    )
    by_service = {c.service: c for c in record.coverage}
    stored = coverage_rows(db, record.uuid)

    updated = organisations.update(
        record.uuid,
        data_of(
            record,
            coverage=(
                by_service["shopping"],  # unchanged
                CoverageData(
                    "prescriptions",
                    "SA61 1",
                    weekdays=Weekdays.TUE,
                    uuid=by_service["prescriptions"].uuid,
                ),  # edited
                CoverageData("dog_walking", "SA62 4"),  # new
            ),  # transport dropped
        ),
        expected_version=record.version,
    )
    now = {c.service: c for c in updated.coverage}
    assert set(now) == {"shopping", "prescriptions", "dog_walking"}
    assert now["shopping"].uuid == by_service["shopping"].uuid
    assert now["prescriptions"].uuid == by_service["prescriptions"].uuid
    assert now["prescriptions"].weekdays == Weekdays.TUE
    assert now["dog_walking"].uuid not in {c.uuid for c in record.coverage}
    assert organisations.get(record.uuid) == updated

    rows = coverage_rows(db, record.uuid)
    assert rows[by_service["transport"].uuid][0] is True  # a tombstone partners learn of
    assert rows[by_service["transport"].uuid][1] > stored[by_service["transport"].uuid][1]
    # The untouched line is not sent to partners again as if it had changed.
    assert rows[by_service["shopping"].uuid] == stored[by_service["shopping"].uuid]
    assert rows[by_service["prescriptions"].uuid][1] > stored[by_service["prescriptions"].uuid][1]
    assert len(rows) == 4
    action, changes = audit(db, record.uuid)[-1]
    assert (action, changes) == ("update", {"coverage": [3, 3]})


def test_lines_sent_back_without_their_uuid_are_still_recognised(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation(
        coverage=(CoverageData("shopping", "SA61"), CoverageData("transport", "SA62"))
    )
    shopping = next(c for c in record.coverage if c.service == "shopping")
    updated = organisations.update(
        record.uuid,
        data_of(record, coverage=(CoverageData("shopping", "sa61"),)),
    )
    assert [c.uuid for c in updated.coverage] == [shopping.uuid]
    assert len(coverage_rows(db, record.uuid)) == 2


def test_coverage_in_another_order_is_not_a_change(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    record = make_organisation(
        coverage=(CoverageData("shopping", "SA61"), CoverageData("transport", "SA62"))
    )
    before = snapshot(db)
    same = organisations.update(record.uuid, data_of(record, coverage=record.coverage[::-1]))
    assert same == record
    assert snapshot(db) == before


def test_coverage_makes_the_areas_it_names(
    db: Database, make_organisation: MakeOrganisation
) -> None:
    make_organisation(coverage=(CoverageData("advice", "CF10 3NQ"),))
    rows = query(
        db,
        "SELECT a.code, p.code FROM area a LEFT JOIN area p ON p.id = a.parent_id ORDER BY a.code",
    )
    assert rows == [("CF10", None), ("CF10 3", "CF10"), ("CF10 3NQ", "CF10 3")]


# ---- listing, counting, finding ------------------------------------------------------------


def test_list_shows_how_many_volunteers_each_group_has(
    organisations: OrganisationService,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    food = make_organisation(name_en="Food Bank")
    walks = make_organisation(name_en="Walks")
    empty = make_organisation(name_en="Empty")
    both = make_volunteer(memberships=(Membership(food.uuid), Membership(walks.uuid)))
    make_volunteer(memberships=(Membership(food.uuid),))
    leaver = make_volunteer(memberships=(Membership(food.uuid),))

    def counts() -> dict[str, int]:
        return {row.name_en: row.volunteers for row in organisations.list()}

    assert counts() == {"Food Bank": 3, "Walks": 1, "Empty": 0}
    volunteers.update(leaver.uuid, _data(volunteers.get(leaver.uuid), memberships=()))
    assert counts() == {"Food Bank": 2, "Walks": 1, "Empty": 0}
    # A deleted volunteer no longer counts as a member; restored, they count again.
    volunteers.delete(both.uuid)
    assert counts() == {"Food Bank": 1, "Walks": 0, "Empty": 0}
    volunteers.restore(both.uuid)
    assert counts() == {"Food Bank": 2, "Walks": 1, "Empty": 0}
    assert empty.uuid in {row.uuid for row in organisations.list()}


def _data(record: VolunteerRecord, **changes: Any) -> VolunteerData:
    values = {name: getattr(record, name) for name in VolunteerData.__dataclass_fields__}
    values.update(changes)
    return VolunteerData(**values)


def test_list_rows_and_order_in_each_language(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(name_en="Lampeter Larder", name_cy="Pantri Llanbed")
    make_organisation(name_en="Llandeilo Lunches", name_cy="Cinio Llandeilo")
    make_organisation(name_en="Rhosygilwen Rides", name_cy="Reidiau Rhosygilwen")
    make_organisation(name_en="Ramsey Runners", name_cy="Rhedwyr Ramsey")
    english = [row.name_en for row in organisations.list(language="en")]
    assert english == [
        "Lampeter Larder",
        "Llandeilo Lunches",
        "Ramsey Runners",
        "Rhosygilwen Rides",
    ]
    welsh = [row.name("cy") for row in organisations.list(language="cy")]
    assert welsh == ["Cinio Llandeilo", "Pantri Llanbed", "Reidiau Rhosygilwen", "Rhedwyr Ramsey"]
    [row] = organisations.list("Lampeter")
    assert row.kind is OrganisationKind.COMMUNITY_GROUP
    assert row.postcode == "SA61 1AB"
    assert row.volunteers == 0


def test_paging_and_count_agree(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    made = {make_organisation(name_en=f"Grŵp Cymunedol {n % 4}").uuid for n in range(11)}
    pages = [organisations.list(offset=offset, limit=4) for offset in (0, 4, 8)]
    assert [len(page) for page in pages] == [4, 4, 3]
    seen = [row.uuid for page in pages for row in page]
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == made
    assert organisations.count() == 11
    assert organisations.count("Grŵp") == len(organisations.list("Grŵp", limit=None)) == 11


def test_search_finds_names_in_either_language_with_accents_folded(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Solva Care",
        name_cy="Gofal Solfach",
        charity_number="1100001",
        phone="01437 721234",
        postcode="SA62 6UU",
    )
    make_organisation(name_en="Newport Friends", name_cy="Ffrindiau Trefdraeth", postcode="")

    def names(search: str) -> set[str]:
        rows = organisations.list(search)
        assert organisations.count(search) == len(rows)
        return {row.name_en for row in rows}

    assert names("Solv") == {"Solva Care"}
    assert names("gofal") == {"Solva Care"}
    assert names("Ffrind") == {"Newport Friends"}
    assert names("Trefd") == {"Newport Friends"}
    assert names("1100001") == {"Solva Care"}
    assert names("SA62") == {"Solva Care"}
    assert names("sa626uu") == {"Solva Care"}
    assert names("01437 721234") == {"Solva Care"}
    assert names("+44 1437 721234") == {"Solva Care"}
    assert names("01437 72") == {"Solva Care"}
    assert names("01437 999999") == set()
    assert names("nothing here") == set()


def test_services_are_listed_in_english_or_welsh(organisations: OrganisationService) -> None:
    english = organisations.services("en")
    welsh = organisations.services("cy")
    assert [code for code, _label in english] == [code for code, _label in welsh]
    assert english[0] == ("food_parcels", "Food parcels")
    assert dict(welsh)["food_parcels"] == "Parseli bwyd"
    assert dict(welsh)["dog_walking"] == "Mynd â chŵn am dro"
    assert dict(english)["befriending_phone"] == "Befriending by phone"
    assert len(english) == 10


def test_find_by_uuid_name_or_unique_prefix(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    pantry = make_organisation(name_en="Cardigan Pantry", name_cy="Pantri Aberteifi")
    bus = make_organisation(name_en="Cardigan Community Bus", name_cy="Bws Cymunedol Aberteifi")
    cardi = make_organisation(name_en="Cardi", name_cy="")
    assert organisations.find(pantry.uuid).uuid == pantry.uuid
    assert organisations.find("cardigan pantry").uuid == pantry.uuid
    assert organisations.find("Pantri Aberteifi").uuid == pantry.uuid
    assert organisations.find("Cardigan P").uuid == pantry.uuid
    assert organisations.find("Bws").uuid == bus.uuid
    assert organisations.find("cardigan com").uuid == bus.uuid
    # An exact name wins over the longer names it is a prefix of.
    assert organisations.find("Cardi").uuid == cardi.uuid
    with pytest.raises(NotFoundError) as ambiguous:
        organisations.find("Cardigan")
    assert "Cardigan" in str(ambiguous.value)
    with pytest.raises(NotFoundError):
        organisations.find("Tregaron")


def test_find_with_a_blank_name_finds_nothing(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(name_en="Only Group")
    for key in ("", "  ", "%"):
        with pytest.raises(NotFoundError):
            organisations.find(key)


def test_find_ignores_spaces_around_the_name(
    organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    group = make_organisation(name_en="Solva Care")
    assert organisations.find(" Solva Care ").uuid == group.uuid
    assert organisations.find("solva ").uuid == group.uuid
