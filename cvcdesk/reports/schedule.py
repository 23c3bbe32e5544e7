"""A volunteer's own schedule: their shifts over a period, and whom to call if they cannot go."""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.i18n import N_, format_date
from cvcdesk.reports.common import (
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
from cvcdesk.reports.data import PrintOptions, RenderedPdf, ScheduleDocument
from cvcdesk.reports.fonts import REGULAR
from cvcdesk.reports.roster import label

TITLE = N_("Volunteering schedule: {name}")
PERIOD = N_("{start} to {end}")
NOTHING = N_("No shifts are booked in this period.")
CANCELLED = N_("Shift cancelled")
CONTACTS = N_("If you cannot come, please tell us")
CONTACT_LINE = N_("{group}: {phone}")
COLUMNS = (N_("Date"), N_("Time"), N_("Activity"), N_("Place"), N_("Status"))
_SHARES = (0.26, 0.14, 0.22, 0.24, 0.14)


def render_schedule(document: ScheduleDocument, options: PrintOptions) -> RenderedPdf:
    texts = Texts(options.languages)
    sizes = Sizes(options)
    cell = sizes.style("cell")
    times = [texts.time_range(i.starts_at, i.ends_at) for i in document.items]
    widest = max((stringWidth(t, REGULAR, sizes.body) for t in times), default=0.0)
    widths = widen([sizes.width * share for share in _SHARES], 1, widest)
    several_groups = len({item.group for item in document.items}) > 1
    statuses = {status: label(texts, status) for status in AssignmentStatus}
    cancelled = texts(CANCELLED)
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    for index, item in enumerate(sorted(document.items, key=lambda i: (i.starts_at, i.uid))):
        place = ", ".join(part for part in (item.place, item.postcode) if part)
        activity = texts.name(item.activity)
        if several_groups:
            activity = f"{activity} ({texts.name(item.group)})"
        rows.append(
            [
                fit(texts.date(item.starts_at.date(), "full"), widths[0], cell),
                texts.time_range(item.starts_at, item.ends_at),
                fit(activity, widths[2], cell),
                fit(place, widths[3], cell),
                fit(cancelled if item.cancelled else statuses[item.status], widths[4], cell),
            ]
        )
        if index % 2 == 1:
            extra.append(("BACKGROUND", (0, index + 1), (-1, index + 1), STRIPE_FILL))
    story: list[Flowable] = []
    if rows:
        story.append(grid_table([texts(c) for c in COLUMNS], rows, widths, sizes, extra=extra))
    else:
        story.append(paragraph(texts(NOTHING), cell))
    contacts: dict[str, str] = {}
    for item in document.items:
        if item.contact_phone:
            contacts.setdefault(texts.name(item.group), item.contact_phone)
    if contacts:
        story.append(Spacer(1, sizes.body))
        story.extend(heading(texts(CONTACTS), sizes))
        for group, phone in sorted(contacts.items()):
            story.append(paragraph(texts(CONTACT_LINE, group=group, phone=phone), cell))
    title = [
        [
            Texts.single(language)(TITLE, name=document.volunteer_name),
            Texts.single(language)(
                PERIOD,
                start=format_date(document.date_from, "medium", language=language),
                end=format_date(document.date_to, "medium", language=language),
            ),
        ]
        for language in texts.languages
    ]
    return build_pdf(
        options=options,
        letterhead=document.letterhead,
        title=title,
        story=story,
        metadata_title=texts(TITLE, name=document.volunteer_name),
    )
