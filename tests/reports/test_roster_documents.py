"""The printed roster, sign-in sheet and schedule, read back from the PDF as a person (or a
screen reader) would: every name intact, a header and "Page N of M" on every page, the notice
about personal data, large print really large, and our font embedded."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from icalendar import Calendar

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.i18n import use_language
from cvcdesk.reports.calendar import render_calendar
from cvcdesk.reports.data import (
    Bilingual,
    LanguageMode,
    Letterhead,
    PrintOptions,
    RenderedPdf,
    RosterDocument,
    RosterPerson,
    RosterShift,
    ScheduleDocument,
    ScheduleItem,
    SigninDocument,
)
from cvcdesk.reports.roster import render_roster
from cvcdesk.reports.schedule import render_schedule
from cvcdesk.reports.signin import render_signin

WEEK = dt.date(2025, 3, 3)
LETTERHEAD = Letterhead(
    name=Bilingual("Pembrokeshire Voluntary Services", "Gwasanaethau Gwirfoddol Sir Benfro"),
    printed_on=dt.date(2025, 2, 28),
)
NAMES = ("Gwenllian Ŵyn", "Dafydd ap Rhŷs", "Siân Llŷr", "Ieuan Ôl")
GROUP = Bilingual("Llanŵyr Mutual Aid", "Cymorth Cydfuddiol Llanŵyr")
FOOD_RUN = Bilingual("Food parcel run", "Rhediad parseli bwyd")
PERSONAL = "Contains personal data — keep it safe and shred it after use"


def pages_of(rendered: RenderedPdf) -> list[str]:
    """Each page's text with runs of white space made one space (table cells wrap)."""
    reader = pypdf.PdfReader(io.BytesIO(rendered.data))
    assert len(reader.pages) == rendered.pages
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def roster(shifts_per_day: int = 2, *, people: int = 2) -> RosterDocument:
    shifts = []
    for offset in range(7):
        day = WEEK + dt.timedelta(days=offset)
        for n in range(shifts_per_day):
            start = dt.datetime.combine(day, dt.time(8 + 2 * (n % 6)))
            shifts.append(
                RosterShift(
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    activity=FOOD_RUN,
                    group=GROUP,
                    place="Neuadd y Pentref, Heol yr Ŷd",
                    needed=people + 1,
                    people=tuple(
                        RosterPerson(
                            name=NAMES[(n + i) % len(NAMES)],
                            phone="07700 900123" if i % 2 == 0 else None,
                            status=AssignmentStatus.CONFIRMED if i else AssignmentStatus.TENTATIVE,
                        )
                        for i in range(people)
                    ),
                )
            )
    return RosterDocument(
        letterhead=LETTERHEAD, subject=GROUP, week_start=WEEK, shifts=tuple(shifts)
    )


def font_sizes(rendered: RenderedPdf) -> set[float]:
    sizes: set[float] = set()

    def visit(text: str, _cm: object, tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            sizes.add(round(size * (tm[0] ** 2 + tm[1] ** 2) ** 0.5, 1))

    for page in pypdf.PdfReader(io.BytesIO(rendered.data)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_names_with_w_and_y_circumflex_come_back_intact() -> None:
    text = "\n".join(pages_of(render_roster(roster(people=4), PrintOptions())))
    for name in NAMES:
        assert name in text
    assert "Llanŵyr Mutual Aid" in text
    assert "Heol yr Ŷd" in text


def test_a_long_roster_has_its_header_and_page_number_on_every_page() -> None:
    rendered = render_roster(roster(shifts_per_day=12, people=3), PrintOptions())
    pages = pages_of(rendered)
    assert rendered.pages == len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert "Roster: Llanŵyr Mutual Aid" in text
        assert re.search(r"Name\s+Phone\s+Status", text), f"no column header on page {number}"
        assert f"Page {number} of {len(pages)}" in text
        assert PERSONAL in text
        assert "Printed 28 Feb 2025" in text
        assert "Pembrokeshire Voluntary Services" in text


def test_phones_show_only_when_given_and_otherwise_via_the_coordinator() -> None:
    text = pages_of(render_roster(roster(shifts_per_day=1, people=2), PrintOptions()))[0]
    assert text.count("07700 900123") == text.count("via coordinator") > 0


def test_unfilled_places_cancelled_and_dropped_shifts_say_so() -> None:
    day = dt.datetime(2025, 3, 4, 10)
    base = {"ends_at": day + dt.timedelta(hours=2), "activity": FOOD_RUN, "group": GROUP}
    document = RosterDocument(
        letterhead=LETTERHEAD,
        subject=GROUP,
        week_start=WEEK,
        shifts=(
            RosterShift(starts_at=day, needed=2, **base),
            RosterShift(
                starts_at=day, cancelled=True, people=(RosterPerson(name="Siân Llŷr"),), **base
            ),
            RosterShift(
                starts_at=day, orphaned=True, people=(RosterPerson(name="Ieuan Ôl"),), **base
            ),
        ),
    )
    text = pages_of(render_roster(document, PrintOptions()))[0]
    assert text.count("Volunteer needed") == 2
    assert "Shift cancelled" in text
    assert "No longer planned" in text


def test_an_empty_week_says_so() -> None:
    document = RosterDocument(letterhead=LETTERHEAD, subject=GROUP, week_start=WEEK)
    rendered = render_roster(document, PrintOptions())
    assert rendered.pages == 1
    assert "No shifts this week." in pages_of(rendered)[0]


def test_welsh_mode_prints_welsh_headings() -> None:
    english = pages_of(render_roster(roster(shifts_per_day=1), PrintOptions()))[0]
    welsh = pages_of(
        render_roster(roster(shifts_per_day=1), PrintOptions(languages=LanguageMode.WELSH))
    )[0]
    with use_language("cy"):
        from cvcdesk.i18n import _

        headings = [_("Name"), _("Phone"), _("Status"), _("Activity"), _("Place")]
    assert headings == ["Enw", "Ffôn", "Statws", "Gweithgaredd", "Lleoliad"]
    for heading in headings:
        assert heading in welsh
    assert "Cymorth Cydfuddiol Llanŵyr" in welsh
    assert "Rhediad parseli bwyd" in welsh
    assert "Dydd Mawrth, 4 Mawrth 2025" in welsh
    assert "Tuesday" not in welsh
    assert not re.search(r"\bName\b", welsh)
    assert welsh != english


def test_both_languages_side_by_side() -> None:
    text = pages_of(
        render_roster(roster(shifts_per_day=1), PrintOptions(languages=LanguageMode.BOTH))
    )[0]
    assert "Name / Enw" in text
    assert "Food parcel run / Rhediad parseli bwyd" in text
    assert "Tuesday, 4 March 2025 / Dydd Mawrth, 4 Mawrth 2025" in text
    assert "Llanŵyr Mutual Aid" in text and "Cymorth Cydfuddiol Llanŵyr" in text
    assert PERSONAL in text


def test_large_print_is_sixteen_point_or_more_and_landscape() -> None:
    rendered = render_roster(roster(), PrintOptions(large_print=True, languages=LanguageMode.BOTH))
    assert min(font_sizes(rendered)) >= 16
    page = pypdf.PdfReader(io.BytesIO(rendered.data)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    ordinary = render_roster(roster(), PrintOptions())
    assert max(font_sizes(ordinary)) < 16
    portrait = pypdf.PdfReader(io.BytesIO(ordinary.data)).pages[0]
    assert portrait.mediabox.width < portrait.mediabox.height
    landscape = render_roster(roster(), PrintOptions(landscape=True))
    sideways = pypdf.PdfReader(io.BytesIO(landscape.data)).pages[0]
    assert sideways.mediabox.width > sideways.mediabox.height


def test_only_our_embedded_font_is_used() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_roster(roster(), PrintOptions()).data))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "DejaVuSans" in str(font["/BaseFont"])
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_the_sign_in_sheet_lists_the_expected_and_leaves_rows_for_walk_ins() -> None:
    document = SigninDocument(
        letterhead=LETTERHEAD,
        activity=FOOD_RUN,
        group=GROUP,
        place="Neuadd y Pentref",
        starts_at=dt.datetime(2025, 3, 4, 10),
        ends_at=dt.datetime(2025, 3, 4, 12),
        people=tuple(RosterPerson(name=name) for name in NAMES),
        walk_in_rows=6,
    )
    text = "\n".join(pages_of(render_signin(document, PrintOptions())))
    assert re.search(r"No\.\s+Name\s+Time in\s+Time out\s+Signature", text)
    for name in NAMES:
        assert name in text
    assert text.count("Walk-in") == 6
    assert "Sign-in sheet: Food parcel run" in text
    assert "Tuesday, 4 March 2025, 10:00–12:00" in text
    assert "07700" not in text
    welsh = pages_of(render_signin(document, PrintOptions(languages=LanguageMode.WELSH)))[0]
    assert "Enw" in welsh and "Rhediad parseli bwyd" in welsh


def test_a_long_sign_in_sheet_repeats_its_header() -> None:
    document = SigninDocument(
        letterhead=LETTERHEAD,
        activity=FOOD_RUN,
        group=GROUP,
        place="",
        starts_at=dt.datetime(2025, 3, 4, 10),
        ends_at=dt.datetime(2025, 3, 4, 12),
        people=tuple(RosterPerson(name=f"{NAMES[i % 4]} {i}") for i in range(40)),
        walk_in_rows=10,
    )
    rendered = render_signin(document, PrintOptions(large_print=True))
    pages = pages_of(rendered)
    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        assert "Signature" in text and f"Page {number} of {len(pages)}" in text
    assert min(font_sizes(rendered)) >= 16


def schedule() -> ScheduleDocument:
    items = tuple(
        ScheduleItem(
            uid=f"booking-{n}",
            starts_at=dt.datetime(2025, 3, 4 + 7 * n, 10),
            ends_at=dt.datetime(2025, 3, 4 + 7 * n, 12),
            activity=FOOD_RUN,
            group=GROUP,
            place="Neuadd y Pentref",
            postcode="SA61 1AB",
            cancelled=n == 1,
            contact_phone="01437 123456",
        )
        for n in range(3)
    )
    return ScheduleDocument(
        letterhead=LETTERHEAD,
        volunteer_name="Gwenllian Ŵyn",
        date_from=dt.date(2025, 3, 1),
        date_to=dt.date(2025, 3, 31),
        items=items,
    )


def test_a_volunteers_schedule() -> None:
    text = pages_of(render_schedule(schedule(), PrintOptions()))[0]
    assert "Volunteering schedule: Gwenllian Ŵyn" in text
    assert text.count("Food parcel run") == 3
    assert "Shift cancelled" in text
    assert "Llanŵyr Mutual Aid: 01437 123456" in text
    empty = ScheduleDocument(
        letterhead=LETTERHEAD,
        volunteer_name="Ieuan Ôl",
        date_from=dt.date(2025, 3, 1),
        date_to=dt.date(2025, 3, 31),
    )
    assert (
        "No shifts are booked in this period."
        in pages_of(render_schedule(empty, PrintOptions()))[0]
    )


def test_the_calendar_file_has_one_event_per_booking_in_local_time() -> None:
    calendar = Calendar.from_ical(render_calendar(schedule(), "en"))
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["uid"]) for e in events] == [
        "booking-0@cvcdesk.invalid",
        "booking-1@cvcdesk.invalid",
        "booking-2@cvcdesk.invalid",
    ]
    first = events[0]
    assert str(first["summary"]) == "Food parcel run (Llanŵyr Mutual Aid)"
    assert first.decoded("dtstart").tzinfo is not None
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(0)  # GMT in early March
    assert str(events[1]["status"]) == "CANCELLED"
    assert [c.name for c in calendar.walk("VTIMEZONE")] == ["VTIMEZONE"]
    welsh = Calendar.from_ical(render_calendar(schedule(), "cy"))
    assert "Rhediad parseli bwyd" in str(next(iter(welsh.walk("VEVENT")))["summary"])


@pytest.mark.parametrize("mode", list(LanguageMode))
def test_every_language_mode_renders_every_document(mode: LanguageMode) -> None:
    options = PrintOptions(languages=mode)
    for rendered in (render_roster(roster(1), options), render_schedule(schedule(), options)):
        assert rendered.data.startswith(b"%PDF")
        assert rendered.pages >= 1
