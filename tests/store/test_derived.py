"""Search text and sort keys are kept in step with the names, phones and postcodes they mirror."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, text

from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.domain.organisation import OrganisationData, OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerData, VolunteerQuery, VolunteerRecord
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database


def _stored(db: Database, uuid: str) -> m.Volunteer:
    with db.session_factory() as session:
        row = session.scalar(select(m.Volunteer).where(m.Volunteer.uuid == uuid))
        assert row is not None
        return row


def _found(volunteers: VolunteerService, typed: str) -> list[str]:
    return [row.uuid for row in volunteers.list(VolunteerQuery(search=typed))]


def test_a_new_volunteer_gets_search_text_and_sort_keys(
    db: Database, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    gwen = make_volunteer(
        first_name="Gwen",
        last_name="Llewelyn",
        phone="07712 345678",
        phone_alt="01437 123456",
        postcode="sa61 1ab",
    )
    row = _stored(db, gwen.uuid)
    for token in ("07712 345678", "07712345678", "447712345678", "01437123456", "SA611AB"):
        assert token in row.search_text
    assert row.sort_key_en == english_sort_key("Llewelyn Gwen")
    assert row.sort_key_cy == welsh_sort_key("Llewelyn Gwen")
    assert row.sort_key_en != row.sort_key_cy  # "ll" is one letter in Welsh


def test_a_volunteer_is_found_however_the_phone_or_postcode_is_typed(
    volunteers: VolunteerService, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    gwen = make_volunteer(first_name="Gwen", phone="07712 345678", postcode="SA61 1AB")
    make_volunteer(first_name="Aled", phone="07712 999999", postcode="CF10 1AA")
    for typed in ("07712 345678", "07712345678", "+447712345678", "SA611AB", "sa61 1ab"):
        assert _found(volunteers, typed) == [gwen.uuid], typed


def test_search_text_follows_a_change_of_phone_and_postcode(
    db: Database,
    volunteers: VolunteerService,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    gwen = make_volunteer(first_name="Gwen", phone="07712 345678", postcode="SA61 1AB")
    volunteers.update(
        gwen.uuid,
        VolunteerData(
            first_name="Gwen", last_name=gwen.last_name, phone="07799 111222", postcode="CF10 1AA"
        ),
    )
    row = _stored(db, gwen.uuid)
    assert "07799111222" in row.search_text
    assert "345678" not in row.search_text
    assert "SA61" not in row.search_text
    assert _found(volunteers, "07799 111222") == [gwen.uuid]
    assert _found(volunteers, "CF101AA") == [gwen.uuid]
    assert _found(volunteers, "07712345678") == []
    assert _found(volunteers, "SA611AB") == []


def test_removing_a_phone_removes_it_from_search(
    db: Database,
    volunteers: VolunteerService,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    gwen = make_volunteer(first_name="Gwen", phone="07712 345678", postcode="")
    volunteers.update(gwen.uuid, VolunteerData(first_name="Gwen", last_name=gwen.last_name))
    assert _stored(db, gwen.uuid).search_text == ""
    assert _found(volunteers, "07712345678") == []


def test_sort_keys_follow_a_change_of_name(
    db: Database,
    volunteers: VolunteerService,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    person = make_volunteer(first_name="Rhys", last_name="Lewis")
    volunteers.update(person.uuid, VolunteerData(first_name="Rhys", last_name="Lloyd"))
    row = _stored(db, person.uuid)
    assert row.sort_key_en == english_sort_key("Lloyd Rhys")
    assert row.sort_key_cy == welsh_sort_key("Lloyd Rhys")


def test_lists_are_in_welsh_or_english_order(
    volunteers: VolunteerService, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    for first, last in (
        ("Aled", "Lloyd"),
        ("Beca", "Lynch"),
        ("Carys", "Rhys"),
        ("Dai", "Roberts"),
    ):
        make_volunteer(first_name=first, last_name=last)
    english = [r.last_name for r in volunteers.list(language="en")]
    welsh = [r.last_name for r in volunteers.list(language="cy")]
    assert english == ["Lloyd", "Lynch", "Rhys", "Roberts"]
    assert welsh == ["Lynch", "Lloyd", "Roberts", "Rhys"]


def test_a_renamed_volunteer_moves_in_the_list(
    volunteers: VolunteerService, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Aled", last_name="Morgan")
    moving = make_volunteer(first_name="Beca", last_name="Adams")
    assert [r.last_name for r in volunteers.list(language="en")] == ["Adams", "Morgan"]
    volunteers.update(moving.uuid, VolunteerData(first_name="Beca", last_name="Williams"))
    assert [r.last_name for r in volunteers.list(language="en")] == ["Morgan", "Williams"]


def test_a_change_made_directly_in_a_session_also_updates_the_derived_columns(
    db: Database, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    gwen = make_volunteer(first_name="Gwen", last_name="Evans", phone="07712 345678")
    with db.session_factory.begin() as session:
        row = session.scalar(select(m.Volunteer).where(m.Volunteer.uuid == gwen.uuid))
        assert row is not None
        row.last_name = "Thomas"
        row.phone = "+447799111222"
    stored = _stored(db, gwen.uuid)
    assert stored.sort_key_cy == welsh_sort_key("Thomas Gwen")
    assert "07799111222" in stored.search_text
    with db.engine.connect() as connection:
        hits = connection.execute(
            text("SELECT rowid FROM volunteer_fts WHERE volunteer_fts MATCH :q"),
            {"q": '"07799111222"'},
        ).all()
    assert [h[0] for h in hits] == [stored.id]


def test_group_sort_keys_use_each_language_s_name(
    db: Database,
    organisations: OrganisationService,
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    food = make_organisation(name_en="Food Bank", name_cy="Banc Bwyd")
    english_only = make_organisation(name_en="Lions Club", name_cy="")
    with db.session_factory() as session:
        rows = {
            r.uuid: r
            for r in session.scalars(
                select(m.Organisation).where(
                    m.Organisation.uuid.in_([food.uuid, english_only.uuid])
                )
            )
        }
    assert rows[food.uuid].sort_key_en == english_sort_key("Food Bank")
    assert rows[food.uuid].sort_key_cy == welsh_sort_key("Banc Bwyd")
    # With no Welsh name the English one is used in Welsh lists too.
    assert rows[english_only.uuid].sort_key_cy == welsh_sort_key("Lions Club")
    organisations.update(
        food.uuid, OrganisationData(name_en="Food Bank", name_cy="Pantri Cymunedol")
    )
    with db.session_factory() as session:
        row = session.scalar(select(m.Organisation).where(m.Organisation.uuid == food.uuid))
        assert row is not None
        assert row.sort_key_cy == welsh_sort_key("Pantri Cymunedol")
        assert row.sort_key_en == english_sort_key("Food Bank")


def test_groups_are_listed_in_the_language_s_order(
    organisations: OrganisationService, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    make_organisation(name_en="Age Cymru", name_cy="Age Cymru")
    make_organisation(name_en="Theatr Group", name_cy="Grŵp Theatr")
    make_organisation(name_en="Food Bank", name_cy="Banc Bwyd")
    english = [r.name_en for r in organisations.list(language="en")]
    welsh = [r.name_cy for r in organisations.list(language="cy")]
    assert english == ["Age Cymru", "Food Bank", "Theatr Group"]
    assert welsh == ["Age Cymru", "Banc Bwyd", "Grŵp Theatr"]
