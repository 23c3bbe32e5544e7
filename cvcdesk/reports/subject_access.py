"""The subject access report: everything held about one volunteer, section by section.

The privacy service fills in a :class:`SubjectAccessDocument` with text already in the reader's
language; this module only lays it out (a heading per section, then label/value pairs or a
table), with the personal-data notice and page numbers every printed document carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable, Spacer, Table

from cvcdesk.i18n import N_
from cvcdesk.reports.common import (
    CELL_PAD,
    HINT,
    RULE,
    Sizes,
    Texts,
    build_pdf,
    fit,
    grid_table,
    heading,
    paragraph,
)
from cvcdesk.reports.data import LanguageMode, Letterhead, PrintOptions, RenderedPdf
from cvcdesk.reports.fonts import BOLD, REGULAR

TITLE = N_("Subject access report")
SUBJECT = N_("Everything held about {name}")


@dataclass(frozen=True)
class SarField:
    label: str
    value: str


@dataclass(frozen=True)
class SarSection:
    """A part of the report: label/value pairs, or a table, or the sentence for "none held"."""

    title: str
    fields: tuple[SarField, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    empty: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class SubjectAccessDocument:
    letterhead: Letterhead
    language: str  # "en" or "cy": the language the text was written in
    subject: str  # the person's name, as held
    intro: str
    sections: tuple[SarSection, ...]


def render_subject_access(document: SubjectAccessDocument) -> RenderedPdf:
    options = PrintOptions(languages=LanguageMode(document.language))
    texts = Texts(options.languages)
    sizes = Sizes(options)
    body = sizes.style("body")
    hint = sizes.style("hint", colour=HINT)
    story: list[Flowable] = [paragraph(document.intro, body), Spacer(1, sizes.body)]
    for section in document.sections:
        story.extend(heading(section.title, sizes))
        if section.note:
            story.append(paragraph(section.note, hint))
            story.append(Spacer(1, sizes.body * 0.3))
        if section.fields:
            story.append(_pairs(section, sizes))
        elif section.rows:
            story.append(_table(section, sizes))
        else:
            story.append(paragraph(section.empty, hint))
    return build_pdf(
        options=options,
        letterhead=document.letterhead,
        title=[[texts(TITLE), texts(SUBJECT, name=document.subject)]],
        story=story,
        metadata_title=texts(SUBJECT, name=document.subject),
    )


def _pairs(section: SarSection, sizes: Sizes) -> Table:
    label_width = sizes.width * 0.34
    value_width = sizes.width - label_width
    label_style = sizes.style("label", bold=True)
    value_style = sizes.style("value")
    data: list[list[Any]] = [
        [fit(f.label, label_width, label_style), fit(f.value, value_width, value_style)]
        for f in section.fields
    ]
    return Table(
        data,
        colWidths=[label_width, value_width],
        style=[
            ("FONT", (0, 0), (0, -1), BOLD, sizes.body, sizes.leading),
            ("FONT", (1, 0), (1, -1), REGULAR, sizes.body, sizes.leading),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ],
        hAlign="LEFT",
    )


def _table(section: SarSection, sizes: Sizes) -> Table:
    count = max(len(section.header), 1)
    widths = [sizes.width / count] * count
    cell = sizes.style("cell")
    rows = [
        [fit(value, width, cell) for value, width in zip(row, widths, strict=False)]
        for row in section.rows
    ]
    return grid_table(section.header, rows, widths, sizes)
