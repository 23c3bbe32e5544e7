"""Printed documents from the database: who is on the roster, whose phone is printed (only those
who agreed), the CVC's letterhead, a roster by area, sign-in sheets and schedules."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from icalendar import Calendar
from PIL import Image

from cvcdesk.domain.enums import AssignmentStatus, ConsentMethod
from cvcdesk.domain.errors import NotFoundError, ValidationError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import weekly
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.reports.data import LanguageMode, PrintOptions, RenderedPdf
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.roster_printing import PrintSettings, RosterPrintService
from cvcdesk.services.rosters import RosterService
from cvcdesk.store.database import Database

TODAY = dt.date(2025, 3, 3)
TUE, THU = 1, 3
MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]


class World:
    def __init__(self, db: Database, make_volunteer: MakeVolunteer, group: OrganisationRecord):
        self.activities = ActivityService(db, actor="tester")
        self.rosters = RosterService(db, actor="tester")
        self.printing = RosterPrintService(db, actor="tester")
        self.make_volunteer = make_volunteer
        self.group = group

    def activity(self, group: OrganisationRecord | None = None, **overrides: Any) -> str:
        values: dict[str, Any] = {
            "group_uuid": (group or self.group).uuid,
            "title_en": "Food run",
            "title_cy": "Rhediad bwyd",
            "place": "Neuadd y Dref",
            "postcode": "SA61 1AB",
            "area": "SA61 1",
            "recurrence": weekly(TUE, THU),
            "start_date": TODAY,
            "start_time": dt.time(10),
            "end_time": dt.time(12),
            "volunteers_needed": 3,
        }
        values.update(overrides)
        return self.activities.create(ActivityData(**values), today=TODAY).activity.uuid

    def sharing(self, **overrides: Any) -> VolunteerRecord:
        return self.make_volunteer(
            consent_share=True,
            consent_method=ConsentMethod.PAPER_FORM,
            consent_date=TODAY,
            **overrides,
        )


@pytest.fixture
def world(
    db: Database, make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation
) -> World:
    return World(
        db,
        make_volunteer,
        make_organisation(name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr"),
    )


def text_of(rendered: RenderedPdf) -> str:
    reader = pypdf.PdfReader(io.BytesIO(rendered.data))
    assert len(reader.pages) == rendered.pages
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_roster_prints_phones_only_for_volunteers_who_agreed(world: World) -> None:
    activity = world.activity()
    shift = world.activities.shifts(activity)[0].uuid
    agreed = world.sharing(first_name="Gwenllian", last_name="Ŵyn", phone="07712 345111")
    private = world.make_volunteer(first_name="Dafydd", last_name="ap Rhŷs", phone="07712 345222")
    declined = world.sharing(first_name="Siân", last_name="Llŷr", phone="07712 345333")
    world.rosters.assign(shift, agreed.uuid)
    world.rosters.assign(shift, private.uuid)
    booking = world.rosters.assign(shift, declined.uuid)
    world.rosters.set_status(booking.uuid, AssignmentStatus.DECLINED)

    document = world.printing.roster_document(week=TODAY, group=world.group.uuid, today=TODAY)
    assert [len(s.people) for s in document.shifts] == [2, 0]
    text = text_of(
        world.printing.roster_pdf(
            week=TODAY, group=world.group.uuid, options=PrintOptions(), today=TODAY
        )
    )
    assert "Gwenllian Ŵyn 07712 345111" in text
    assert "Dafydd ap Rhŷs via coordinator" in text
    assert "345222" not in text
    assert "Siân Llŷr" not in text  # declined: not on the roster
    assert "Roster: Llanŵyr Food Bank" in text
    assert text.count("Volunteer needed") == 1 + 3


def test_a_roster_in_welsh(world: World) -> None:
    world.activity()
    welsh = text_of(
        world.printing.roster_pdf(
            week=TODAY,
            group=world.group.uuid,
            options=PrintOptions(languages=LanguageMode.WELSH),
            today=TODAY,
        )
    )
    english = text_of(
        world.printing.roster_pdf(
            week=TODAY, group=world.group.uuid, options=PrintOptions(), today=TODAY
        )
    )
    assert "Banc Bwyd Llanŵyr" in welsh and "Rhediad bwyd" in welsh
    assert "Enw" in welsh and "Statws" in welsh
    assert "Dydd Mawrth, 4 Mawrth 2025" in welsh
    assert welsh.split("Rhediad bwyd")[0] != english.split("Food run")[0]  # headings differ


def test_the_letterhead_comes_from_the_settings(world: World, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (20, 90, 160)).save(logo)
    saved = world.printing.set_print_settings(
        PrintSettings(cvc_name_en=" PAVS ", cvc_name_cy="CGGSB", logo=str(logo))
    )
    assert saved == PrintSettings(cvc_name_en="PAVS", cvc_name_cy="CGGSB", logo=str(logo))
    assert world.printing.print_settings() == saved
    world.activity()
    rendered = world.printing.roster_pdf(
        week=TODAY,
        group=world.group.uuid,
        options=PrintOptions(languages=LanguageMode.BOTH),
        today=TODAY,
    )
    text = text_of(rendered)
    assert "PAVS" in text and "CGGSB" in text
    page = pypdf.PdfReader(io.BytesIO(rendered.data)).pages[0]
    assert len(page.images) == 1
    with pytest.raises(ValidationError, match="cannot be read"):
        world.printing.set_print_settings(PrintSettings(logo=str(tmp_path / "missing.png")))


def test_a_roster_for_an_area_gathers_every_group_working_there(
    world: World, make_organisation: MakeOrganisation
) -> None:
    other = make_organisation(name_en="Capel Bethel")
    world.activity(title_en="Food run")
    world.activity(other, title_en="Lunch club", area="SA61", postcode="")
    world.activity(other, title_en="Far away", area="LL55", postcode="LL55 4AA")
    document = world.printing.roster_document(week=TODAY, area="SA61", today=TODAY)
    assert {s.activity.en for s in document.shifts} == {"Food run", "Lunch club"}
    assert document.subject.en == "SA61"
    narrower = world.printing.roster_document(week=TODAY, area="SA61 1", today=TODAY)
    assert {s.activity.en for s in narrower.shifts} == {"Food run"}
    text = text_of(
        world.printing.roster_pdf(week=TODAY, area="SA61", options=PrintOptions(), today=TODAY)
    )
    assert "Lunch club (Capel Bethel)" in text
    with pytest.raises(NotFoundError):
        world.printing.roster_document(week=TODAY, area="Atlantis")
    with pytest.raises(ValidationError):
        world.printing.roster_document(week=TODAY)


def test_the_week_runs_monday_to_sunday_whatever_day_is_given(world: World) -> None:
    world.activity()
    document = world.printing.roster_document(week=dt.date(2025, 3, 6), group=world.group.uuid)
    assert document.week_start == TODAY
    assert [s.starts_at.date() for s in document.shifts] == [
        dt.date(2025, 3, 4),
        dt.date(2025, 3, 6),
    ]


def test_a_sign_in_sheet_for_one_shift(world: World) -> None:
    activity = world.activity()
    shift = world.activities.shifts(activity)[0]
    for name in ("Gwenllian Ŵyn", "Ieuan Ôl"):
        first, last = name.split()
        world.rosters.assign(
            shift.uuid, world.make_volunteer(first_name=first, last_name=last).uuid
        )
    rendered = world.printing.signin_pdf(
        activity_uuid=activity, day=shift.starts_at.date(), walk_in_rows=5, options=PrintOptions()
    )
    text = text_of(rendered)
    assert "Gwenllian Ŵyn" in text and "Ieuan Ôl" in text
    assert text.count("Walk-in") == 5
    with pytest.raises(NotFoundError, match="has no shift on"):
        world.printing.signin_document(activity_uuid=activity, day=dt.date(2025, 3, 5))


def test_a_schedule_and_its_calendar_file(world: World, tmp_path: Path) -> None:
    activity = world.activity()
    volunteer = world.make_volunteer(first_name="Llŷr", last_name="Evans")
    world.rosters.assign_pattern(activity, volunteer.uuid, today=TODAY, until=dt.date(2025, 3, 14))
    shifts = world.activities.shifts(activity)
    world.activities.cancel_date(activity, shifts[1].starts_at.date(), today=TODAY)
    rendered = world.printing.schedule_pdf(
        volunteer_uuid=volunteer.uuid,
        date_from=TODAY,
        date_to=dt.date(2025, 3, 31),
        options=PrintOptions(),
    )
    text = text_of(rendered)
    assert "Volunteering schedule: Llŷr Evans" in text
    assert text.count("Food run") == 4
    assert "Shift cancelled" in text
    path = world.printing.save(tmp_path / "out" / "schedule.pdf", rendered)
    assert path.read_bytes() == rendered.data
    ics = world.printing.schedule_ics(
        volunteer_uuid=volunteer.uuid, date_from=TODAY, date_to=dt.date(2025, 3, 31)
    )
    events = list(Calendar.from_ical(ics).walk("VEVENT"))
    assert len(events) == 4
    assert sum(str(e["status"]) == "CANCELLED" for e in events) == 1
    with pytest.raises(ValidationError):
        world.printing.schedule_document(
            volunteer_uuid=volunteer.uuid, date_from=TODAY, date_to=dt.date(2025, 1, 1)
        )


def test_saving_to_a_folder_that_cannot_be_written_is_a_clear_refusal(
    world: World, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    from cvcdesk.domain.errors import CvcError

    with pytest.raises(CvcError, match="Could not write"):
        world.printing.save(blocker / "roster.pdf", b"%PDF")
