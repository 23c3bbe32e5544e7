"""The sign-in sheet for one shift: who is expected, boxes to write times and sign, and blank
rows for people who turn up to help on the day."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from cvcdesk.i18n import N_
from cvcdesk.reports.common import EMPTY, HINT, Sizes, Texts, build_pdf, fit, grid_table, paragraph
from cvcdesk.reports.data import PrintOptions, RenderedPdf, SigninDocument

TITLE = N_("Sign-in sheet: {activity}")
WHEN = N_("{date}, {time}")
WHERE = N_("Place: {place}")
CANCELLED = N_("This shift is cancelled.")
INTRO = N_("Please write the time you arrive and leave, and sign.")
WALK_IN = N_("Walk-in")
COLUMNS = (N_("No."), N_("Name"), N_("Time in"), N_("Time out"), N_("Signature"))
_SHARES = (0.07, 0.37, 0.14, 0.14, 0.28)


def render_signin(document: SigninDocument, options: PrintOptions) -> RenderedPdf:
    texts = Texts(options.languages)
    sizes = Sizes(options)
    cell = sizes.style("cell")
    widths = [sizes.width * share for share in _SHARES]
    row_height = (12 if sizes.large else 9) * mm
    rows: list[list[Any]] = []
    for number, person in enumerate(document.people, start=1):
        rows.append([str(number), fit(person.name, widths[1], cell), EMPTY, EMPTY, EMPTY])
    walk_in = texts(WALK_IN)
    start = len(rows)
    for number in range(start + 1, start + document.walk_in_rows + 1):
        rows.append([str(number), fit(walk_in, widths[1], cell), EMPTY, EMPTY, EMPTY])
    time_text = texts.time_range(document.starts_at, document.ends_at)
    story: list[Flowable] = []
    if document.cancelled:
        story.append(paragraph(texts(CANCELLED), sizes.style("warn", bold=True)))
    story.append(paragraph(texts(INTRO), cell))
    story.append(Spacer(1, sizes.body * 0.6))
    story.append(
        grid_table(
            [texts(column) for column in COLUMNS],
            rows,
            widths,
            sizes,
            row_height=row_height,
            grid=True,
            extra=[("TEXTCOLOR", (1, start + 1), (1, -1), HINT)] if document.walk_in_rows else [],
        )
    )
    title: list[list[str]] = []
    for language in texts.languages:
        one = Texts.single(language)
        lines = [
            one(TITLE, activity=document.activity.get(language)),
            one(WHEN, date=one.date(document.starts_at.date(), "full"), time=time_text),
        ]
        if document.place:
            lines.append(one(WHERE, place=document.place))
        title.append(lines)
    return build_pdf(
        options=options,
        letterhead=document.letterhead,
        title=title,
        story=story,
        metadata_title=texts(TITLE, activity=texts.name(document.activity)),
    )
