"""What every printed document shares: languages, sizes, the letterhead, the personal-data
footer, "Page N of M" and tables whose header row repeats on every page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
)

from cvcdesk.i18n import N_, _, format_date, format_time, use_language
from cvcdesk.reports.data import Bilingual, LanguageMode, Letterhead, PrintOptions, RenderedPdf
from cvcdesk.reports.fonts import BOLD, REGULAR, register_fonts

PERSONAL_DATA = N_("Contains personal data — keep it safe and shred it after use")
PAGE_OF = N_("Page {page} of {pages}")
PRINTED_ON = N_("Printed {date}")
SEPARATOR = " / "
MARGIN = 14 * mm
CELL_PAD = 3
_TOP_PAD, _BOTTOM_PAD = 2.0, 3.0
HEADER_FILL = colors.HexColor("#dde4ee")
STRIPE_FILL = colors.HexColor("#f4f6f9")
RULE = colors.HexColor("#5a6b80")
HINT = colors.HexColor("#8a8a8a")

Param = str | Callable[[str], str]
EMPTY: tuple[Flowable, ...] = ()
"""A blank table cell: an empty list of flowables, which ReportLab lays out and draws for free
(an empty string is still drawn, and a roster has thousands of them)."""


class Texts:
    """Translated text in the document's language, or English and Welsh side by side."""

    def __init__(self, mode: LanguageMode) -> None:
        self.mode = mode
        self.languages = mode.languages

    @classmethod
    def single(cls, language: str) -> Texts:
        """Texts in one of the two languages (a column of a side-by-side heading)."""
        return cls(LanguageMode(language))

    def each(self, message: str, **params: Param) -> list[str]:
        """`message` (marked with N_) in each of the document's languages, in order."""
        out: list[str] = []
        for language in self.languages:
            with use_language(language):
                values = {k: (v(language) if callable(v) else v) for k, v in params.items()}
                out.append(_(message).format(**values))
        return out

    def __call__(self, message: str, **params: Param) -> str:
        return self.join(self.each(message, **params))

    def join(self, parts: Sequence[str]) -> str:
        unique: list[str] = []
        for part in parts:
            if part and part not in unique:
                unique.append(part)
        return SEPARATOR.join(unique)

    def name(self, value: Bilingual) -> str:
        return self.join([value.get(language) for language in self.languages])

    def date(self, value: dt.date, style: str = "full") -> str:
        return self.join([format_date(value, style, language=lang) for lang in self.languages])

    def time_range(self, start: dt.datetime, end: dt.datetime) -> str:
        first = self.languages[0]
        text = (
            f"{format_time(start.time(), language=first)}–{format_time(end.time(), language=first)}"
        )
        if end.date() != start.date():
            return text + " (+1)"
        return text


class Sizes:
    """Type sizes and page geometry for ordinary or large print."""

    def __init__(self, options: PrintOptions) -> None:
        register_fonts()  # before any paragraph style names the font
        self.large = options.large_print
        self.body = 16.0 if self.large else 10.0
        self.small = 16.0 if self.large else 8.0
        self.heading = 18.0 if self.large else 12.0
        self.title = 24.0 if self.large else 15.0
        self.leading = self.body * 1.25
        self.pagesize = landscape(A4) if options.is_landscape else A4
        self.width = self.pagesize[0] - 2 * MARGIN

    def style(
        self,
        name: str,
        *,
        size: float | None = None,
        bold: bool = False,
        colour: colors.Color = colors.black,
    ) -> ParagraphStyle:
        font_size = size or self.body
        return ParagraphStyle(
            name,
            fontName=BOLD if bold else REGULAR,
            fontSize=font_size,
            leading=font_size * 1.25,
            textColor=colour,
        )


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


@lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    # Rosters repeat the same names, places and labels on every page.
    return float(stringWidth(text, font, size))


def fit(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """A plain string when it fits the column (cheap to lay out), else a wrapping paragraph."""
    if not text:
        return text
    if "\n" not in text and _width(text, style.fontName, style.fontSize) <= width - 2 * CELL_PAD:
        return text
    return paragraph(text, style)


def widen(widths: Sequence[float], index: int, wanted: float) -> list[float]:
    """Column widths with column `index` at least `wanted` wide (text plus padding), the
    others narrowed in proportion so the table keeps its width."""
    out = list(widths)
    need = wanted + 2 * CELL_PAD + 2
    if need <= out[index]:
        return out
    others = sum(out) - out[index]
    scale = (sum(out) - need) / others if others else 1.0
    return [need if i == index else w * scale for i, w in enumerate(out)]


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    sizes: Sizes,
    *,
    row_height: float | None = None,
    extra: Sequence[tuple[Any, ...]] = (),
    grid: bool = False,
) -> Table:
    """A table whose header row repeats at the top of every page it runs onto."""
    head_style = sizes.style("head", bold=True)
    data: list[list[Any]] = [[fit(h, w, head_style) for h, w in zip(header, widths, strict=True)]]
    data.extend(list(row) for row in rows)
    heights: list[float | None]
    if row_height is not None:
        heights = [None, *([row_height] * len(rows))]
    else:
        heights = _row_heights(data, widths, sizes, extra)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, sizes.body, sizes.leading),
        ("FONT", (0, 0), (-1, 0), BOLD, sizes.body, sizes.leading),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP" if row_height is None else "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), _TOP_PAD),
        ("BOTTOMPADDING", (0, 0), (-1, -1), _BOTTOM_PAD),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
    ]
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, RULE))
    else:
        commands.append(("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE))
    commands.extend(extra)
    return Table(
        data,
        colWidths=list(widths),
        rowHeights=heights,
        style=commands,
        repeatRows=1,
        hAlign="LEFT",
    )


def _row_heights(
    data: Sequence[Sequence[Any]],
    widths: Sequence[float],
    sizes: Sizes,
    extra: Sequence[tuple[Any, ...]],
) -> list[float | None]:
    """Each row's height, measured once here. Left to ReportLab, every page a long table runs
    onto measures all the rows still to come again, which makes a long roster slow."""
    spans: dict[tuple[int, int], int] = {}
    for command in extra:
        if command[0] == "SPAN":
            (c0, r0), (c1, r1) = command[1], command[2]
            if r0 == r1 and r0 >= 0 and c0 >= 0 and c1 >= c0:
                spans[(r0, c0)] = c1
    heights: list[float | None] = []
    for r, row in enumerate(data):
        tallest = 0.0
        skip_to = -1
        for c, value in enumerate(row):
            if c <= skip_to:
                continue
            width = widths[c]
            if (r, c) in spans:
                skip_to = spans[(r, c)]
                width = sum(widths[c : skip_to + 1])
            if isinstance(value, str):
                height = sizes.leading * (value.count("\n") + 1)
            elif isinstance(value, Paragraph):
                _w, height = value.wrap(width - 2 * CELL_PAD, 1e6)
                height += value.getSpaceBefore() + value.getSpaceAfter()
            elif isinstance(value, tuple | list) and not value:
                height = 0.0
            else:  # anything else is measured by ReportLab, as usual
                tallest = -1.0
                break
            tallest = max(tallest, height)
        heights.append(None if tallest < 0 else tallest + _TOP_PAD + _BOTTOM_PAD)
    return heights


class _NumberedCanvas(Canvas):
    """Holds each page back until the end, so every page can say how many there are."""

    def __init__(
        self, *args: Any, finish: Callable[[Canvas, int, int], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._finish = finish
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._finish(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


def build_pdf(
    *,
    options: PrintOptions,
    letterhead: Letterhead,
    title: Sequence[Sequence[str]],
    story: list[Flowable],
    metadata_title: str,
) -> RenderedPdf:
    """Lay out `story` under the letterhead and `title` (its lines in each of the document's
    languages, set side by side when there are two), with the
    personal-data notice, the date printed and "Page N of M" at the foot of every page."""
    register_fonts()
    texts = Texts(options.languages)
    sizes = Sizes(options)
    page_w, page_h = sizes.pagesize
    notice = texts.each(PERSONAL_DATA)
    printed = texts(PRINTED_ON, date=lambda lang: format_date(letterhead.printed_on, language=lang))
    cvc_name = texts.name(letterhead.name)
    logo = _logo(letterhead)
    head_size = sizes.heading
    name_size = sizes.body if sizes.large else sizes.body * 1.1
    floor = sizes.body if sizes.large else 8.0
    names = [letterhead.name.get(language) for language in texts.languages]
    if len(set(names)) == 1:
        names = names[:1]
    logo_h = 16 * mm if sizes.large else 12 * mm
    logo_w = 0.0
    if logo is not None:
        _image, (iw, ih) = logo
        logo_w = logo_h * iw / ih if ih else logo_h
    room = sizes.width - (logo_w + 4 * mm if logo is not None else 0.0)
    column = room / max(len(title), 1)
    # Each column of the heading (one per language): the CVC's name, then the title lines,
    # in smaller type when a line is long, and wrapped when even that is too long.
    columns: list[list[tuple[str, float, bool]]] = []
    for index, lines in enumerate(title):
        out: list[tuple[str, float, bool]] = []
        name = names[index] if index < len(names) else ""
        if name and (index == 0 or name != names[0]):
            out += [(t, z, True) for t, z in _fitted(name, name_size, floor, column - 4 * mm)]
        elif any(names):
            out.append(("", name_size, True))  # keeps the titles level across the columns
        for line in lines:
            out += [(t, z, False) for t, z in _fitted(line, head_size, floor, column - 4 * mm)]
        columns.append(out)
    text_h = max((sum(size * 1.3 for _t, size, _n in out) for out in columns), default=0.0)
    header_h = max(text_h, logo_h if logo else 0.0) + 4 * mm
    foot_lines = [
        line for text in notice for line, _z in _fitted(text, sizes.small, sizes.small, sizes.width)
    ]
    footer_h = sizes.small * 1.3 * (len(foot_lines) + 1) + 4 * mm
    frame = Frame(
        MARGIN,
        MARGIN + footer_h,
        sizes.width,
        page_h - 2 * MARGIN - header_h - footer_h,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def decorate(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        top = page_h - MARGIN
        if logo is not None:
            canvas.drawImage(
                logo[0], page_w - MARGIN - logo_w, top - logo_h, logo_w, logo_h, mask="auto"
            )
        for index, out in enumerate(columns):
            x = MARGIN + index * column
            y = top
            for text, size, is_name in out:
                y -= size * 1.3 if y != top else size
                canvas.setFillColor(RULE if is_name else colors.black)
                canvas.setFont(BOLD, size)
                canvas.drawString(x, y, text)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.8)
        rule_y = page_h - MARGIN - header_h + 2 * mm
        canvas.line(MARGIN, rule_y, page_w - MARGIN, rule_y)
        foot_top = MARGIN + footer_h - 2 * mm
        canvas.line(MARGIN, foot_top, page_w - MARGIN, foot_top)
        canvas.setFillColor(colors.black)
        canvas.setFont(BOLD, sizes.small)
        y = foot_top - sizes.small * 1.3
        for line in foot_lines:
            canvas.drawString(MARGIN, y, line)
            y -= sizes.small * 1.3
        canvas.setFont(REGULAR, sizes.small)
        canvas.drawString(MARGIN, y, printed)
        canvas.restoreState()

    def page_numbers(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, sizes.small)
        canvas.drawRightString(
            page_w - MARGIN,
            MARGIN + footer_h - 2 * mm - sizes.small * 1.3 * (len(foot_lines) + 1),
            texts(PAGE_OF, page=str(number), pages=str(total)),
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    pages = 0

    def make_canvas(*args: Any, **kwargs: Any) -> Canvas:
        def finish(canvas: Canvas, number: int, total: int) -> None:
            nonlocal pages
            pages = total
            page_numbers(canvas, number, total)

        return _NumberedCanvas(*args, finish=finish, **kwargs)

    doc = BaseDocTemplate(
        buffer,
        pagesize=sizes.pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=metadata_title,
        author=cvc_name,
        creator="cvcdesk",
        # Start in our font, so no built-in font (without ŵ or ŷ) is named in the file.
        initialFontName=REGULAR,
        lang="cy" if options.languages is LanguageMode.WELSH else "en-GB",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(story, canvasmaker=make_canvas)
    return RenderedPdf(buffer.getvalue(), pages)


def _fitted(text: str, size: float, floor: float, width: float) -> list[tuple[str, float]]:
    """A bold line as (text, size) pieces: in smaller type (down to `floor`) if it is too
    wide, and wrapped onto more lines if even that is too wide."""
    natural = stringWidth(text, BOLD, size)
    if natural <= width:
        return [(text, size)]
    smaller = max(floor, size * width / natural)
    if stringWidth(text, BOLD, smaller) <= width:
        return [(text, smaller)]
    return [(line, floor) for line in simpleSplit(text, BOLD, floor, width)]


def _logo(letterhead: Letterhead) -> tuple[ImageReader, tuple[int, int]] | None:
    """The CVC's logo, or None when it is not set or cannot be read (the page prints without)."""
    if letterhead.logo is None:
        return None
    try:
        image = ImageReader(str(letterhead.logo))
        width, height = image.getSize()
    except Exception:  # any unreadable image: print without the logo rather than not at all
        return None
    return image, (int(width), int(height))


def check_logo(path: str) -> bool:
    """True when ReportLab can read the image at `path` (PNG or JPEG)."""
    try:
        ImageReader(path).getSize()
    except Exception:
        return False
    return True


def heading(text: str, sizes: Sizes, *, size: float | None = None) -> list[Flowable]:
    """A heading that never ends a page: it moves on when too little room is left under it."""
    style = sizes.style("heading", size=size or sizes.heading, bold=True)
    style.spaceBefore = sizes.body * 0.8
    style.spaceAfter = sizes.body * 0.4
    return [CondPageBreak(style.leading * 2 + sizes.leading * 5), paragraph(text, style)]


def status_texts(texts: Texts, labels: Mapping[str, str]) -> dict[str, str]:
    """Labels (marked with N_) by key, in the document's language(s)."""
    return {key: texts(message) for key, message in labels.items()}
