"""Rosters: a 500-page printed roster, and one group's week from the database to the PDF.

Keys for filters: `roster500` (a 500-page roster against a bare ReportLab document with the
same rows as plain tables, in the same run) and `week` (one group's week: its shifts read from
a database and printed, cold and warm).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

from harness import Table, median, seconds, timed
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate
from reportlab.platypus import Table as PlainTable
from sqlalchemy import select

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.recurrence import weekly
from cvcdesk.reports.data import (
    Bilingual,
    Letterhead,
    PrintOptions,
    RosterDocument,
    RosterPerson,
    RosterShift,
)
from cvcdesk.reports.roster import render_roster
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.demo import DemoService
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.rosters import RosterService
from cvcdesk.store import models as m
from cvcdesk.store.database import open_database

RATIO_TARGET = 1.5
WEEK_TARGET_S = 1.0
PAGES_WANTED = 500
SHIFTS_PER_DAY = 550  # three volunteers and a place to fill each: about 500 A4 pages
REPEAT = 2
WEEK = dt.date(2025, 3, 3)
NAMES = (
    "Gwenllian Ŵyn", "Dafydd ap Rhŷs", "Siân Llŷr", "Ieuan Ôl", "Angharad Prydderch",
    "Huw Morgan", "Rhiannon Ellis", "Owain Glyndŵr Davies", "Mererid Hopwood", "Tomos Bŵt",
)  # fmt: skip
PLACES = ("Neuadd y Pentref", "Capel Bethel", "Canolfan Gymunedol Llanŵyr", "Ysgol Gynradd")
ACTIVITIES = ("Food parcels", "Prescription run", "Lunch club", "Befriending calls", "Transport")


def run(table: Table) -> None:
    # The week first: its first print is the first in the process, so it loads the font too.
    if table.wants("week"):
        bench_group_week(table)
    if table.wants("roster500"):
        bench_long_roster(table)


# -- a. a 500-page roster against bare ReportLab -------------------------------------------


def long_roster(per_day: int) -> RosterDocument:
    shifts = []
    for offset in range(7):
        day = WEEK + dt.timedelta(days=offset)
        for n in range(per_day):
            start = dt.datetime.combine(day, dt.time(7 + n % 12))
            people = tuple(
                RosterPerson(
                    name=NAMES[(n + i) % len(NAMES)],
                    phone="07712 345678" if (n + i) % 3 else None,
                    status=AssignmentStatus.TENTATIVE if i == 2 else AssignmentStatus.CONFIRMED,
                )
                for i in range(3)
            )
            shifts.append(
                RosterShift(
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    activity=Bilingual(ACTIVITIES[n % len(ACTIVITIES)]),
                    group=Bilingual("Llanŵyr Mutual Aid"),
                    place=PLACES[n % len(PLACES)],
                    needed=4,
                    people=people,
                )
            )
    return RosterDocument(
        letterhead=Letterhead(
            name=Bilingual("Pembrokeshire Association of Voluntary Services"),
            printed_on=WEEK,
        ),
        subject=Bilingual("Llanŵyr Mutual Aid"),
        week_start=WEEK,
        shifts=tuple(shifts),
    )


def bare_story(document: RosterDocument) -> list[Flowable]:
    """The same rows, as a developer would print them with nothing but ReportLab: a heading and
    a plain table per day, the header row repeated, built-in fonts, no styling, no footer."""
    heading = getSampleStyleSheet()["Heading2"]
    story: list[Flowable] = []
    days: dict[dt.date, list[RosterShift]] = {}
    for shift in document.shifts:
        days.setdefault(shift.starts_at.date(), []).append(shift)
    for day, shifts in sorted(days.items()):
        rows: list[list[str]] = [["Time", "Activity", "Place", "Name", "Phone", "Status"]]
        for shift in shifts:
            lead = [
                f"{shift.starts_at:%H:%M}–{shift.ends_at:%H:%M}",
                shift.activity.en,
                shift.place,
            ]
            for index, person in enumerate(shift.people):
                rows.append(
                    (lead if index == 0 else ["", "", ""])
                    + [person.name, person.phone or "via coordinator", person.status.value]
                )
            rows.append(["", "", "", "Volunteer needed", "", ""])
        story.append(Paragraph(day.strftime("%A %d %B %Y"), heading))
        story.append(PlainTable(rows, repeatRows=1))
    return story


def build_bare(story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(copy.deepcopy(story))
    return buffer.getvalue()


def bench_long_roster(table: Table) -> None:
    document = long_roster(SHIFTS_PER_DAY)
    story = bare_story(document)
    render_roster(long_roster(1), PrintOptions())  # the font is loaded once per process
    ours: list[float] = []
    bare: list[float] = []
    pages = 0
    for _ in range(REPEAT):  # alternated, so both see the same machine
        elapsed, rendered = timed(lambda: render_roster(document, PrintOptions()))
        ours.append(elapsed)
        pages = rendered.pages
        bare.append(timed(lambda: build_bare(story))[0])
    rows = sum(len(s.people) + 1 for s in document.shifts)
    ratio = min(ours) / min(bare)
    table.add(
        f"roster: {pages}-page PDF, {rows:,} rows",
        seconds(min(ours)),
        seconds(min(bare)),
        baseline_note="bare ReportLab tables, same rows",
        target=f"<= {RATIO_TARGET:g}x",
        ok=ratio <= RATIO_TARGET and pages >= PAGES_WANTED * 0.9,
    )


# -- b. one group's week, from the database ------------------------------------------------


def week_database(table: Table) -> dict[str, Any]:
    """A demo database where one group runs a busy week: 14 activities, regulars on each."""
    path = table.workdir / "rosters.db"
    db = open_database(path)
    try:
        DemoService(db).generate(volunteers=max(table.volunteers // 10, 500), groups=10, seed=3)
        with db.session_factory() as session:
            group_id, group_uuid = session.execute(
                select(m.Organisation.id, m.Organisation.uuid).order_by(m.Organisation.id)
            ).first() or (0, "")
            members = list(
                session.scalars(
                    select(m.Volunteer.uuid)
                    .join(m.Membership, m.Membership.volunteer_id == m.Volunteer.id)
                    .where(
                        m.Membership.organisation_id == group_id,
                        m.Volunteer.status == "active",
                        m.Volunteer.deleted.is_(False),
                    )
                    .order_by(m.Volunteer.id)
                )
            )
        activities = ActivityService(db)
        rosters = RosterService(db)
        made = 0
        for index in range(14):
            start = dt.time(8 + (index % 5) * 2)
            activity = activities.create(
                ActivityData(
                    group_uuid=group_uuid,
                    title_en=f"{ACTIVITIES[index % len(ACTIVITIES)]} {index + 1}",
                    title_cy=f"Gweithgaredd {index + 1}",
                    place=PLACES[index % len(PLACES)],
                    recurrence=weekly(index % 7, (index + 3) % 7),
                    start_date=WEEK,
                    start_time=start,
                    end_time=dt.time(start.hour + 2),
                    volunteers_needed=6,
                ),
                today=WEEK,
            ).activity
            for volunteer in members[index * 4 : index * 4 + 5]:
                made += len(rosters.assign_pattern(activity.uuid, volunteer, today=WEEK).booked)
    finally:
        db.close()
    return {"path": path, "group": group_uuid, "bookings": made}


def bench_group_week(table: Table) -> None:
    world = week_database(table)
    db = open_database(world["path"])
    try:
        printing = RosterPrintService(db)

        def week() -> Any:
            return printing.roster_pdf(week=WEEK, group=world["group"], options=PrintOptions())

        cold, rendered = timed(week)  # the first in this process: the font file is read too
        warm = median([timed(week)[0] for _ in range(5)])
        document = printing.roster_document(week=WEEK, group=world["group"])
        story = bare_story(document)
        bare = median([timed(lambda: build_bare(story))[0] for _ in range(5)])
    finally:
        db.close()
    shifts = len(document.shifts)
    people = sum(len(s.people) for s in document.shifts)
    table.add(
        f"roster: one group's week, first print ({shifts} shifts, {people} people, "
        f"{rendered.pages} pages)",
        seconds(cold),
        seconds(bare),
        baseline_note="bare ReportLab, same rows",
        target=f"< {WEEK_TARGET_S:g} s",
        ok=cold < WEEK_TARGET_S,
    )
    table.add(
        "roster: one group's week again (font loaded)",
        seconds(warm),
        seconds(bare),
        baseline_note="bare ReportLab, same rows",
        target=f"< {WEEK_TARGET_S:g} s",
        ok=warm < WEEK_TARGET_S,
    )
