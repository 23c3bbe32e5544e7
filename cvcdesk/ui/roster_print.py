"""The weekly roster on the system printer.

PySide6-Essentials has no QtPdf, so the ReportLab PDF cannot be rasterised for a printer: the
same roster data (RosterPrintService.roster_document) is laid out again as a QTextDocument and
painted page by page, with a running heading, the table's header row repeated on every page,
the personal-data notice and "Page N of M" at the foot.  Texts are the PDF's own, so a
roster printed either way reads the same in English, Welsh or both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from html import escape

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrinter

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.reports.common import PAGE_OF, PERSONAL_DATA, PRINTED_ON, Texts
from cvcdesk.reports.data import PrintOptions, RosterDocument, RosterShift
from cvcdesk.reports.roster import (
    CANCELLED,
    COLUMNS,
    DROPPED,
    NO_SHIFTS,
    PLACE_TO_FILL,
    TITLE,
    VIA_COORDINATOR,
    label,
    week_lines,
)

HEADER_FILL = "#dde4ee"
DAY_FILL = "#f4f6f9"
MARGIN_MM = 12.0
SHARES = (15, 18, 15, 20, 18, 14)  # column widths in per cent, as in the PDF


def roster_html(document: RosterDocument, options: PrintOptions) -> str:
    """The roster as simple HTML that QTextDocument lays out (a table with a <thead>)."""
    texts = Texts(options.languages)
    statuses = {status: label(texts, status) for status in AssignmentStatus}
    via, to_fill = texts(VIA_COORDINATOR), texts(PLACE_TO_FILL)
    several_groups = len({s.group for s in document.shifts}) > 1
    parts = [
        f"<h2>{escape(texts(TITLE, subject=lambda lang: document.subject.get(lang)))}</h2>",
        "<p>" + "<br>".join(escape(line) for line in week_lines(texts, document.week_start)),
        "</p>",
    ]
    if not document.shifts:
        parts.append(f"<p>{escape(texts(NO_SHIFTS))}</p>")
        return "".join(parts)
    header = "".join(
        f'<th align="left" width="{share}%" bgcolor="{HEADER_FILL}">{escape(texts(c))}</th>'
        for c, share in zip(COLUMNS, SHARES, strict=True)
    )
    parts.append(
        '<table width="100%" border="1" cellspacing="0" cellpadding="4" '
        'style="border-collapse: collapse; border-color: #5a6b80;">'
        f"<thead><tr>{header}</tr></thead>"
    )
    by_day: dict[dt.date, list[RosterShift]] = defaultdict(list)
    for shift in document.shifts:
        by_day[shift.starts_at.date()].append(shift)
    for day in sorted(by_day):
        parts.append(
            f'<tr><td colspan="{len(COLUMNS)}" bgcolor="{DAY_FILL}">'
            f"<b>{escape(texts.date(day))}</b></td></tr>"
        )
        for shift in sorted(by_day[day], key=lambda s: (s.starts_at, s.ends_at, s.activity.en)):
            activity = texts.name(shift.activity)
            if several_groups:
                activity = f"{activity} ({texts.name(shift.group)})"
            lines: list[tuple[str, str, str, bool]] = []
            if shift.cancelled or shift.orphaned:
                lines.append((texts(CANCELLED if shift.cancelled else DROPPED), "", "", True))
            for person in shift.people:
                lines.append((person.name, person.phone or via, statuses[person.status], False))
            if not shift.cancelled and not shift.orphaned:
                booked = sum(
                    1
                    for p in shift.people
                    if p.status not in (AssignmentStatus.DECLINED, AssignmentStatus.NO_SHOW)
                )
                lines.extend(
                    (to_fill, "", "", False) for _i in range(max(shift.needed - booked, 0))
                )
            lines = lines or [("", "", "", False)]
            for index, (name, phone, status, bold) in enumerate(lines):
                lead = (
                    (texts.time_range(shift.starts_at, shift.ends_at), activity, shift.place)
                    if index == 0
                    else ("", "", "")
                )
                cells = [escape(value) for value in (*lead, name, phone, status)]
                if bold:
                    cells[3] = f"<b>{cells[3]}</b>"
                cells[0] = f'<span style="white-space: nowrap;">{cells[0]}</span>'
                parts.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def print_roster_document(
    printer: QPrinter, document: RosterDocument, options: PrintOptions
) -> int:
    """Paint the roster on `printer`; returns the number of pages printed."""
    texts = Texts(options.languages)
    size = 16.0 if options.large_print else 10.0
    printer.setPageOrientation(
        printer.pageLayout().Orientation.Landscape
        if options.is_landscape
        else printer.pageLayout().Orientation.Portrait
    )
    painter = QPainter()
    if not painter.begin(printer):
        raise CvcError(_("The printer could not be started. Check that it is ready."))
    try:
        return _paint(painter, printer, document, options, texts, size)
    finally:
        painter.end()


def _paint(
    painter: QPainter,
    printer: QPrinter,
    document: RosterDocument,
    options: PrintOptions,
    texts: Texts,
    size: float,
) -> int:
    dpi = printer.resolution()
    page = printer.pageRect(QPrinter.Unit.DevicePixel)
    margin = MARGIN_MM / 25.4 * dpi
    width = page.width() - 2 * margin
    font = QFont(painter.font())
    font.setPointSizeF(size)
    small = QFont(font)
    small.setPointSizeF(max(size * 0.8, 8.0))
    small_metrics = QFontMetricsF(small, printer)
    head_h = small_metrics.lineSpacing() * 1.8
    foot_h = small_metrics.lineSpacing() * 2.6
    body_h = page.height() - 2 * margin - head_h - foot_h

    text = QTextDocument()
    text.documentLayout().setPaintDevice(printer)
    text.setDefaultFont(font)
    text.setDocumentMargin(0)
    text.setHtml(roster_html(document, options))
    text.setPageSize(QSizeF(width, body_h))
    pages = max(text.pageCount(), 1)

    letterhead = texts.name(document.letterhead.name)
    running = texts(TITLE, subject=lambda lang: document.subject.get(lang))
    printed = texts(
        PRINTED_ON,
        date=lambda lang: texts.single(lang).date(document.letterhead.printed_on, "medium"),
    )
    notice = texts(PERSONAL_DATA)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.palette.setColor(QPalette.ColorRole.Text, QColor("black"))
    for number in range(1, pages + 1):
        if number > 1:
            printer.newPage()
        top = margin
        painter.setFont(small)
        painter.setPen(QColor("#333333"))
        painter.drawText(
            QRectF(margin, top, width, head_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            " · ".join(part for part in (letterhead, running) if part),
        )
        painter.drawText(
            QRectF(margin, top, width, head_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
            printed,
        )
        painter.save()
        painter.translate(margin, top + head_h - (number - 1) * body_h)
        clip = QRectF(0, (number - 1) * body_h, width, body_h)
        painter.setClipRect(clip)
        context.clip = clip
        text.documentLayout().draw(painter, context)
        painter.restore()
        foot = QRectF(margin, page.height() - margin - foot_h, width, foot_h)
        painter.setFont(small)
        painter.setPen(QColor("#333333"))
        painter.drawLine(foot.topLeft(), foot.topRight())
        page_of = texts(PAGE_OF, page=str(number), pages=str(pages))
        page_of_width = small_metrics.horizontalAdvance(page_of)
        inner = foot.adjusted(0, small_metrics.lineSpacing() * 0.4, 0, 0)
        painter.drawText(
            inner.adjusted(0, 0, -(page_of_width + small_metrics.averageCharWidth() * 3), 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
            notice,
        )
        painter.drawText(
            inner, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), page_of
        )
    return pages
