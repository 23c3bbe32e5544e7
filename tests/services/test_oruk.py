"""The Open Referral UK export, validated against copies of the ORUK 3.0 schemas."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cvcdesk.domain.enums import OrganisationKind, Weekdays
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.domain.volunteer import Membership
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.oruk import OpenReferralService
from cvcdesk.store.database import Database

MakeOrganisation = Callable[..., OrganisationRecord]
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "oruk"


def _retrieve(uri: str) -> Resource[Any]:
    path = SCHEMAS / uri
    if not path.is_file():
        raise LookupError(f"the export reached ORUK schema {uri}, which is not copied here")
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


REGISTRY: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())


def assert_valid(name: str, instance: dict[str, Any]) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture
def oruk(db: Database) -> OpenReferralService:
    return OpenReferralService(db, actor="tester")


@pytest.fixture
def groups(make_organisation: MakeOrganisation) -> list[OrganisationRecord]:
    return [
        make_organisation(
            name_en="St Davids Mutual Aid",
            name_cy="Cymorth Cydfuddiannol Tyddewi",
            kind=OrganisationKind.MUTUAL_AID,
            charity_number="1187654",
            company_number="SC012345",
            email="help@example.org",
            website="www.example.org/tyddewi",
            contact_name="Siân Glyndŵr",
            notes="Volunteers deliver on bikes.",
            coverage=(
                CoverageData(
                    service="food_parcels",
                    area="SA62 6",
                    weekdays=Weekdays.MON | Weekdays.WED,
                    start_time=dt.time(10, 0),
                    end_time=dt.time(12, 30),
                    start_date=dt.date(2024, 1, 1),
                ),
                CoverageData(service="food_parcels", area="SA62", weekdays=Weekdays.SAT),
                CoverageData(service="befriending_phone", area="SA62", weekdays=Weekdays.ALL),
                CoverageData(
                    service="shopping",
                    area="SA62 6AB",
                    start_date=dt.date(2020, 3, 23),
                    end_date=dt.date(2021, 7, 17),
                ),
            ),
        ),
        make_organisation(name_en="Capel Bethel", name_cy="", kind=OrganisationKind.FAITH_GROUP),
        make_organisation(name_en="Tŷ Hapus", name_cy="Tŷ Hapus", website="not a website"),
    ]


def test_every_object_is_valid_oruk(
    tmp_path: Path, oruk: OpenReferralService, groups: list[OrganisationRecord]
) -> None:
    path = tmp_path / "oruk.json"
    summary = oruk.export(path, today=dt.date(2025, 6, 1))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["oruk_version"] == "3.0"
    assert (summary.organizations, summary.services) == (3, 3)
    assert (summary.schedules, summary.service_areas) == (4, 4)
    for organization in document["organizations"]:
        assert_valid("organization.json", organization)
    for service in document["services"]:
        assert_valid("service.json", service)
    ids = [
        item["id"]
        for key in ("organizations", "services")
        for item in document[key]
        for item in [item, *item.get("schedules", []), *item.get("service_areas", [])]
    ]
    assert len(ids) == len(set(ids))
    assert all(uuid.UUID(value) for value in ids)


def test_what_the_export_says(oruk: OpenReferralService, groups: list[OrganisationRecord]) -> None:
    document = oruk.document(today=dt.date(2025, 6, 1))
    mutual = next(o for o in document["organizations"] if o["id"] == groups[0].uuid)
    assert mutual["name"] == "St Davids Mutual Aid"
    assert "Cymorth Cydfuddiannol Tyddewi" in mutual["description"]
    assert mutual["website"] == "https://www.example.org/tyddewi"
    assert {
        (i["identifier_scheme"], i["identifier"]) for i in mutual["organization_identifiers"]
    } == {
        ("GB-CHC", "1187654"),
        ("GB-COH", "SC012345"),
    }
    # A contact person's name is personal data and never published.
    assert "Siân" not in json.dumps(document, ensure_ascii=False)
    services = {
        s["name"]: s for s in document["services"] if s["organization_id"] == groups[0].uuid
    }
    food = services["Food parcels"]
    assert food["status"] == "active"
    assert food["url"] == "https://www.example.org/tyddewi"
    assert "Parseli bwyd" in food["description"]
    weekly = next(s for s in food["schedules"] if s["byday"] == "MO,WE")
    assert (weekly["freq"], weekly["opens_at"], weekly["closes_at"]) == ("WEEKLY", "10:00", "12:30")
    assert weekly["valid_from"] == "2024-01-01"
    assert weekly["description"].startswith("Mondays and Wednesdays, 10:00 to 12:30")
    assert {a["name"] for a in food["service_areas"]} == {"SA62 6", "SA62"}
    assert services["Befriending by phone"]["schedules"][0]["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    assert services["Shopping"]["status"] == "inactive"  # its only line ended in 2021
    assert food["last_modified"].endswith("Z")
    # No website: the e-mail address; neither: the service's own id as a URN.
    orgs = {o["name"]: o for o in document["organizations"]}
    assert "website" not in orgs["Tŷ Hapus"]
    assert "organization_identifiers" not in orgs["Capel Bethel"]


def test_ids_stay_the_same_from_one_export_to_the_next(
    oruk: OpenReferralService, groups: list[OrganisationRecord]
) -> None:
    first = oruk.document(today=dt.date(2025, 6, 1))
    second = oruk.document(today=dt.date(2025, 6, 1))
    first.pop("generated")
    second.pop("generated")
    assert first == second


def test_deleted_groups_and_lines_are_left_out(
    oruk: OpenReferralService,
    organisations: OrganisationService,
    groups: list[OrganisationRecord],
) -> None:
    organisations.delete(groups[1].uuid)
    mutual = organisations.get(groups[0].uuid)
    organisations.update(
        mutual.uuid,
        _without(mutual, "befriending_phone"),
        expected_version=mutual.version,
    )
    document = oruk.document(today=dt.date(2025, 6, 1))
    assert groups[1].uuid not in {o["id"] for o in document["organizations"]}
    assert "Befriending by phone" not in {s["name"] for s in document["services"]}
    for service in document["services"]:
        assert_valid("service.json", service)


def _without(record: OrganisationRecord, service: str) -> Any:
    from dataclasses import fields, replace

    from cvcdesk.domain.organisation import OrganisationData

    data = OrganisationData(**{f.name: getattr(record, f.name) for f in fields(OrganisationData)})
    return replace(data, coverage=tuple(c for c in record.coverage if c.service != service))


def test_an_empty_database_exports_an_empty_valid_file(
    tmp_path: Path, oruk: OpenReferralService
) -> None:
    summary = oruk.export(tmp_path / "empty.json")
    assert (summary.organizations, summary.services) == (0, 0)
    document = json.loads((tmp_path / "empty.json").read_text())
    assert document["organizations"] == [] and document["services"] == []


def test_only_json_files_are_written(tmp_path: Path, oruk: OpenReferralService) -> None:
    with pytest.raises(CvcError, match=r"\.json"):
        oruk.export(tmp_path / "oruk.xml")
    assert list(tmp_path.glob("oruk*")) == []


def test_the_schema_copies_catch_a_broken_service() -> None:
    """The schemas really are checked: a service without its required URL fails."""
    broken = {"id": str(uuid.uuid4()), "name": "Food parcels", "status": "open"}
    errors = {e.message for e in validator("service.json").iter_errors(broken)}
    assert "'url' is a required property" in errors
    assert any("'open' is not one of" in message for message in errors)


# -- schedules from coverage and activities, and the group's phone ---------------------------


def test_coverage_days_become_schedules_and_the_groups_phone_is_published(
    oruk: OpenReferralService,
    make_organisation: MakeOrganisation,
    make_volunteer: Callable[..., Any],
) -> None:
    group = make_organisation(
        name_en="Solva Good Neighbours",
        name_cy="Cymdogion Da Solfach",
        phone="01437 720123",
        contact_name="Eirlys Prys",
        coverage=(
            CoverageData(
                service="shopping",
                area="SA62 6",
                weekdays=Weekdays.TUE | Weekdays.THU,
                start_time=dt.time(9, 30),
                end_time=dt.time(11, 0),
                start_date=dt.date(2024, 3, 1),
                end_date=dt.date(2026, 12, 31),
            ),
            CoverageData(service="shopping", area="SA62", weekdays=Weekdays.SAT),
        ),
    )
    # A volunteer's own number is never published, even when they belong to the group.
    make_volunteer(
        first_name="Eirlys",
        last_name="Prys",
        phone="07712 345999",
        memberships=(Membership(organisation_uuid=group.uuid, role="Driver"),),
    )
    document = oruk.document(today=dt.date(2025, 6, 1))

    (organization,) = document["organizations"]
    assert_valid("organization.json", organization)
    assert "Phone: 01437 720123." in organization["description"]
    (service,) = document["services"]
    assert_valid("service.json", service)
    assert service["organization_id"] == group.uuid
    assert service["description"].endswith("Phone: 01437 720123.")
    # Neither website nor e-mail: the required URL is the phone number.
    assert service["url"] == "tel:+441437720123"
    by_days = {s["byday"]: s for s in service["schedules"]}
    assert set(by_days) == {"TU,TH", "SA"}
    weekly = by_days["TU,TH"]
    assert (weekly["freq"], weekly["interval"]) == ("WEEKLY", 1)
    assert (weekly["opens_at"], weekly["closes_at"]) == ("09:30", "11:00")
    assert (weekly["valid_from"], weekly["valid_to"]) == ("2024-03-01", "2026-12-31")
    assert weekly["description"] == ("Tuesdays and Thursdays, 09:30 to 11:00 (UK time), in SA62 6.")
    assert by_days["SA"]["description"] == "Saturdays, in SA62."
    assert "opens_at" not in by_days["SA"]
    assert all(s["service_id"] == service["id"] for s in service["schedules"])
    text = json.dumps(document, ensure_ascii=False)
    assert "345999" not in text and "Eirlys" not in text
    # ORUK 3.0's UK profile has no phones list: nothing outside the profile is written.
    assert "phones" not in text


def test_a_website_or_email_stays_the_services_url_when_there_is_a_phone(
    oruk: OpenReferralService, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Capel Seion",
        phone="01437 720124",
        email="seion@example.org",
        coverage=(CoverageData(service="befriending_phone", area="SA62"),),
    )
    (service,) = oruk.document()["services"]
    assert service["url"] == "mailto:seion@example.org"
    assert "Phone: 01437 720124." in service["description"]


def test_repeating_activities_add_their_own_patterns(
    db: Database, oruk: OpenReferralService, make_organisation: MakeOrganisation
) -> None:
    from cvcdesk.domain.recurrence import Recurrence, monthly_on_day, monthly_on_weekday, weekly
    from cvcdesk.services.activities import ActivityData, ActivityService

    group = make_organisation(
        name_en="Fishguard Food Bank",
        website="https://fishguard.example.org",
        coverage=(
            CoverageData(
                service="food_parcels",
                area="SA65",
                weekdays=Weekdays.TUE,
                start_time=dt.time(10),
                end_time=dt.time(12),
            ),
        ),
    )
    activities = ActivityService(db, actor="tester")
    today = dt.date(2025, 3, 3)

    def add(title: str, **values: Any) -> str:
        fields: dict[str, Any] = {
            "place": "14 Heol y Felin",
            "start_date": today,
            "start_time": dt.time(10),
            "end_time": dt.time(12),
        }
        fields.update(values)
        data = ActivityData(group_uuid=group.uuid, title_en=title, **fields)
        return activities.create(data, today=today).activity.uuid

    # The same as the coverage line: no second schedule.
    add("Tuesday food run", service="food_parcels", area="SA65", recurrence=weekly(1))
    fortnightly = add(
        "Thursday van",
        service="food_parcels",
        area="SA64",
        recurrence=weekly(3, every=2),
        start_time=dt.time(14),
        end_time=dt.time(16),
        skip_bank_holidays=False,
    )
    monthly = add("Lunch club", service="hot_meals", recurrence=monthly_on_weekday(1, 1))
    month_end = add(
        "Month-end parcels",
        service="hot_meals",
        recurrence=monthly_on_day(31),
        end_date=dt.date(2025, 12, 31),
    )
    add("Shopping for Mrs Evans", service="shopping", recurrence=Recurrence())  # one-off

    document = oruk.document(today=today)
    for service in document["services"]:
        assert_valid("service.json", service)
    services = {s["name"]: s for s in document["services"]}
    assert set(services) == {"Food parcels", "Hot meals"}  # a one-off is not a regular service

    food = services["Food parcels"]
    assert [s["byday"] for s in food["schedules"]] == ["TU", "TH"]
    van = food["schedules"][1]
    assert van["id"] == str(
        uuid.uuid5(uuid.UUID("5f0d8a52-3f43-4a7c-9d0e-7c1f3b9a2e61"), f"{fortnightly}/schedule")
    )
    assert (van["freq"], van["interval"], van["dtstart"]) == ("WEEKLY", 2, "2025-03-03")
    assert (van["opens_at"], van["closes_at"]) == ("14:00", "16:00")
    assert van["description"] == (
        "Every other week on Thursday, 14:00 to 16:00 (UK time), in SA64."
    )
    assert {a["name"] for a in food["service_areas"]} == {"SA65", "SA64"}

    meals = services["Hot meals"]
    assert meals["status"] == "active"
    assert meals["url"] == "https://fishguard.example.org"
    first_tuesday, last_day = meals["schedules"]
    assert first_tuesday["id"] == str(
        uuid.uuid5(uuid.UUID("5f0d8a52-3f43-4a7c-9d0e-7c1f3b9a2e61"), f"{monthly}/schedule")
    )
    assert (first_tuesday["freq"], first_tuesday["byday"]) == ("MONTHLY", "1TU")
    assert first_tuesday["description"].startswith(
        "On the first Tuesday of each month, 10:00 to 12:00 (UK time), not on bank holidays"
    )
    assert (last_day["freq"], last_day["bymonthday"]) == ("MONTHLY", "-1")
    assert last_day["valid_to"] == "2025-12-31"
    assert month_end not in json.dumps(document)  # ids are derived, never the record's own
    assert meals["service_areas"] == []

    # Activities' titles and places may name a person or a home: never published.
    text = json.dumps(document, ensure_ascii=False)
    for private in ("Mrs Evans", "Heol y Felin", "Lunch club", "Thursday van"):
        assert private not in text


def test_an_ended_activity_leaves_its_service_inactive(
    db: Database, oruk: OpenReferralService, make_organisation: MakeOrganisation
) -> None:
    from cvcdesk.domain.recurrence import weekly
    from cvcdesk.services.activities import ActivityData, ActivityService

    group = make_organisation(name_en="Dinas Cross Lunch Club")
    ActivityService(db, actor="tester").create(
        ActivityData(
            group_uuid=group.uuid,
            title_en="Lunches",
            service="hot_meals",
            recurrence=weekly(2),
            start_date=dt.date(2021, 1, 6),
            end_date=dt.date(2021, 6, 30),
            start_time=dt.time(12),
            end_time=dt.time(14),
        ),
        today=dt.date(2021, 1, 4),
    )
    (service,) = oruk.document(today=dt.date(2025, 6, 1))["services"]
    assert_valid("service.json", service)
    assert service["status"] == "inactive"
    (schedule,) = service["schedules"]
    assert (schedule["byday"], schedule["valid_to"]) == ("WE", "2021-06-30")
