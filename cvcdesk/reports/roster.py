"""The weekly roster: each day's shifts, who is on them, how to reach them, what is unfilled."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from cvcdesk.domain.enums import AssignmentStatus, LabelledEnum
from cvcdesk.i18n import N_, format_date, use_language
from cvcdesk.reports.common import (
    EMPTY,
    STRIPE_FILL,
    Sizes,
    Texts,
    build_pdf,
    fit,
    grid_table,
    heading,
    paragraph,
    widen,
)
from cvcdesk.reports.data import PrintOptions, RenderedPdf, RosterDocument, RosterShift
from cvcdesk.reports.fonts import BOLD, REGULAR

VIA_COORDINATOR = N_("via coordinator")
PLACE_TO_FILL = N_("Volunteer needed")
CANCELLED = N_("Shift cancelled")
DROPPED = N_("No longer planned: check with the coordinator")
NO_SHIFTS = N_("No shifts this week.")
TITLE = N_("Roster: {subject}")
WEEK = N_("Week {week}: {start} to {end}")
COLUMNS = (
    N_("Time"),
    N_("Activity"),
    N_("Place"),
    N_("Name"),
    N_("Phone"),
    N_("Status"),
)
_SHARES = (0.135, 0.185, 0.16, 0.2, 0.185, 0.135)
_GREY = colors.HexColor("#555555")


def label(texts: Texts, member: LabelledEnum) -> str:
    """An enum's label in the document's language(s)."""
    parts = []
    for language in texts.languages:
        with use_language(language):
            parts.append(member.label)
    return texts.join(parts)


def week_lines(texts: Texts, start: dt.date) -> list[str]:
    """ "Week 2025-W10: 3 Mar 2025 to 9 Mar 2025" in each of the document's languages."""
    year, week, _day = start.isocalendar()
    end = start + dt.timedelta(days=6)
    return texts.each(
        WEEK,
        week=f"{year}-W{week:02d}",
        start=lambda lang: format_date(start, "d MMM", language=lang),
        end=lambda lang: format_date(end, "medium", language=lang),
    )


def _widths(document: RosterDocument, texts: Texts, sizes: Sizes) -> list[float]:
    """The time column as wide as the widest time (large print needs more), the rest shared."""
    widest = max(
        (
            stringWidth(texts.time_range(s.starts_at, s.ends_at), REGULAR, sizes.body)
            for s in document.shifts
        ),
        default=0.0,
    )
    return widen([sizes.width * share for share in _SHARES], 0, widest)


def render_roster(document: RosterDocument, options: PrintOptions) -> RenderedPdf:
    texts = Texts(options.languages)
    sizes = Sizes(options)
    cell = sizes.style("cell")
    bold = sizes.style("note", bold=True)
    widths = _widths(document, texts, sizes)
    header = [texts(column) for column in COLUMNS]
    statuses = {status: label(texts, status) for status in AssignmentStatus}
    via = texts(VIA_COORDINATOR)
    to_fill = texts(PLACE_TO_FILL)
    cancelled = texts(CANCELLED)
    dropped = texts(DROPPED)
    several_groups = len({s.group for s in document.shifts}) > 1

    by_day: dict[dt.date, list[RosterShift]] = defaultdict(list)
    for shift in document.shifts:
        by_day[shift.starts_at.date()].append(shift)

    story: list[Flowable] = []
    if not by_day:
        story.append(paragraph(texts(NO_SHIFTS), cell))
    for day in sorted(by_day):
        story.extend(heading(texts.date(day), sizes))
        rows: list[list[Any]] = []
        extra: list[tuple[Any, ...]] = []
        shifts = sorted(by_day[day], key=lambda s: (s.starts_at, s.ends_at, s.activity.en))
        for index, shift in enumerate(shifts):
            first = len(rows) + 1  # row 0 is the header
            activity = texts.name(shift.activity)
            if several_groups:
                activity = f"{activity} ({texts.name(shift.group)})"
            lead = [
                texts.time_range(shift.starts_at, shift.ends_at),
                fit(activity, widths[1], cell),
                fit(shift.place, widths[2], cell),
            ]
            blank = [EMPTY, EMPTY, EMPTY]
            lines: list[list[Any]] = []
            if shift.cancelled or shift.orphaned:
                # A note across the name, phone and status columns, in bold, above the people.
                note = cancelled if shift.cancelled else dropped
                lines.append([fit(note, widths[3] + widths[4] + widths[5], bold), EMPTY, EMPTY])
                extra.append(("SPAN", (3, first), (5, first)))
                extra.append(("FONT", (3, first), (5, first), BOLD, sizes.body, sizes.leading))
            for person in shift.people:
                lines.append(
                    [
                        fit(person.name, widths[3], cell),
                        fit(person.phone or via, widths[4], cell),
                        fit(statuses[person.status], widths[5], cell),
                    ]
                )
            if not shift.cancelled and not shift.orphaned:
                booked = sum(
                    1
                    for p in shift.people
                    if p.status not in (AssignmentStatus.DECLINED, AssignmentStatus.NO_SHOW)
                )
                for _place in range(max(shift.needed - booked, 0)):
                    lines.append([fit(to_fill, widths[3], cell), EMPTY, EMPTY])
            for number, line in enumerate(lines):
                rows.append((lead if number == 0 else blank) + line)
            last = len(rows)
            if index % 2 == 1:
                extra.append(("BACKGROUND", (0, first), (-1, last), STRIPE_FILL))
            if index:
                extra.append(("LINEABOVE", (0, first), (-1, first), 0.4, _GREY))
        story.append(grid_table(header, rows, widths, sizes, extra=extra))
    subject = texts.name(document.subject)
    titles = texts.each(TITLE, subject=document.subject.get)
    weeks = week_lines(texts, document.week_start)
    title = [[t, w] for t, w in zip(titles, weeks, strict=True)]
    return build_pdf(
        options=options,
        letterhead=document.letterhead,
        title=title,
        story=story,
        metadata_title=texts(TITLE, subject=subject),
    )
