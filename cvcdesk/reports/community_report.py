"""The community activity report for the council and the Public Service Board: summary
figures, charts by month, the coverage grid with its gaps and overlaps named, groups by kind
and open duplicated-effort alerts. Counts only: no one's name or details are ever printed."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, PolyLine, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
)

from cvcdesk.domain.enums import LabelledEnum
from cvcdesk.domain.figures import (
    DISCLOSURE_NOTE,
    LEVEL_COLOURS,
    CommunityReportData,
    Count,
    CoverageLevel,
    GridRow,
    Hours,
    HoursLine,
    MonthFigures,
    Named,
)
from cvcdesk.i18n import N_, _, format_date, format_number, pgettext, use_language
from cvcdesk.reports.common import (
    CELL_PAD,
    MARGIN,
    SEPARATOR,
    Sizes,
    Texts,
    fit,
    grid_table,
    heading,
    paragraph,
)
from cvcdesk.reports.data import LanguageMode, PrintOptions, RenderedPdf
from cvcdesk.reports.fonts import BOLD, REGULAR, register_fonts

TITLE = N_("Community activity report")
WHOLE_COUNTY = N_("All areas")
PERIOD = N_("{start} to {end}")
MADE_BY = N_("Made by {organisation} on {date}.")
MADE_ON = N_("Made on {date}.")
INTRO = N_(
    "What community groups did in this area and period: the people who gave their time, "
    "the help they gave, where each service is offered and where nobody offers it yet."
)
PRIVACY = N_(
    "Counts only: no one's name or details are in this report. Numbers of people under 5 "
    "are shown as “fewer than 5” so that no one can be identified."
)
FOOTER = N_("Counts only, no personal data")
PAGE_OF = N_("Page {page} of {pages}")

SUMMARY = N_("Summary")
FIGURE = N_("Figure")
VALUE = N_("Number")
GROUPS = N_("Groups working in the area")
REGISTERED = N_("Volunteers on the books at the end of the period")
ACTIVE = N_("Volunteers who gave time")
NEW = N_("Volunteers who joined")
LEAVING = N_("Volunteers who left")
HOURS = N_("Hours given")
HOUSEHOLDS = N_("Households supported")
WELSH = N_("Volunteers who speak Welsh")
DBS_OVERDUE = N_("DBS renewals overdue on {date}")
DBS_SOON = N_("DBS renewals due in the {days} days after {date}")

BY_MONTH = N_("Month by month")
HOURS_CHART = N_("Hours given each month")
VOLUNTEERS_CHART = N_("Volunteers each month")
WITHHELD_HOURS = N_(
    "A month with no bar and no number had fewer than 5 volunteers giving time: its hours "
    "are withheld."
)
WITHHELD_HOURS_LARGER = N_(
    "A month with no bar and no number has its hours withheld: fewer than 5 volunteers gave "
    "them, or they would let a withheld figure be worked out."
)
WITHHELD_POINTS = N_("A gap in a line is a month whose count is fewer than 5 and is withheld.")
WITHHELD_POINTS_LARGER = N_(
    "A gap in a line is a month whose count is withheld: fewer than 5, or a larger number "
    "withheld so that a smaller one cannot be worked out."
)
WITHHELD_LINE = N_("No line is drawn for “{series}”: every month’s count is withheld.")
MONTH_TABLE = N_("Volunteers and hours each month")
MONTH = N_("Month")
GAVE_TIME = N_("Gave time")
LEFT = N_("Left")
HOURS_BY_SERVICE = N_("Hours given by service")
HOUSEHOLDS_BY_SERVICE = N_("Households supported by service")
SERVICE = N_("Service")
NO_HOURS = N_("No hours were recorded in this period.")
NO_HOUSEHOLDS = N_("No households were recorded as supported in this period.")

GROUPS_BY_KIND = N_("Groups by kind")
KIND = N_("Kind")
NO_GROUPS = N_("No groups work in this area.")

COVERAGE = N_("Who offers what, where")
COVERAGE_NOTE = N_(
    "Each box is the number of groups offering the service in the area at some time in the "
    "period. Its colour is explained in the key below."
)
AREA = N_("Area")
GAPS = N_("Gaps: services nobody offers")
NOBODY_OFFERS = N_("Services nobody offers")
NOTHING_AT_ALL = N_("No group offers any service in: {areas}.")
NO_GAPS = N_("Every service is offered in every area.")
OVERLAPS = N_("Possible duplicated effort")
GROUPS_THERE = N_("Groups offering it")
NO_OVERLAPS = N_("Nowhere do two or more groups offer the same service in the same place.")
NO_AREAS = N_("No areas are recorded yet.")

ALERTS = N_("Open duplicated-effort alerts by kind")
ALERTS_NOTE = N_(
    "Alerts the program raised about possible duplicated effort that nobody has dealt with yet."
)
OPEN = N_("Open alerts")

INK = colors.HexColor("#1f3b5a")
SERIES = (colors.HexColor("#0072B2"), colors.HexColor("#E69F00"), colors.HexColor("#009E73"))


# ---- text in the document's language(s) -----------------------------------------------------


def _each(texts: Texts, make: Callable[[str], str]) -> str:
    parts = []
    for language in texts.languages:
        with use_language(language):
            parts.append(make(language))
    return texts.join(parts)


def _count(texts: Texts, count: Count) -> str:
    return _each(texts, lambda _lang: count.text())


def _hours(texts: Texts, hours: Hours) -> str:
    return _each(texts, lambda _lang: hours.text())


def _name(texts: Texts, named: Named) -> str:
    return texts.join([named.name(language) for language in texts.languages])


def _label(texts: Texts, member: LabelledEnum | CoverageLevel) -> str:
    return _each(texts, lambda _lang: member.label)


def _month(texts: Texts, month: dt.date) -> str:
    return "\n".join(
        dict.fromkeys(format_date(month, "MMM yy", language=lang) for lang in texts.languages)
    )


# ---- charts ----------------------------------------------------------------------------------


def _style_axis_labels(labels: Any, size: float) -> None:
    labels.fontName = REGULAR
    labels.fontSize = size


def _drawing(width: float, height: float) -> Drawing:
    # Starting in our font, no built-in font (without ŵ or ŷ) is named in the file.
    return Drawing(width, height, initialFontName=REGULAR)


def _caption(drawing: Drawing, text: str, width: float, size: float) -> None:
    drawing.add(String(0, drawing.height - size, text, fontName=BOLD, fontSize=size, fillColor=INK))


def _scale(values: Sequence[float | None]) -> tuple[float, float]:
    """(top of the value axis, step between grid lines) in round numbers."""
    high = max((v for v in values if v is not None), default=0.0)
    if high <= 0:
        return 4.0, 1.0
    magnitude = 10 ** math.floor(math.log10(high / 4))
    for factor in (1, 2, 2.5, 5, 10):
        step = max(factor * magnitude, 1.0)
        if high * 1.08 <= step * 4:
            return step * 4, step
    return high, high / 4


def _nice_top(values: Sequence[float | None]) -> float:
    return _scale(values)[0]


def _month_labels(texts: Texts, months: Sequence[dt.date]) -> list[str]:
    every = 1 if len(months) <= 14 else (2 if len(months) <= 26 else 3)
    return [_month(texts, month) if i % every == 0 else "" for i, month in enumerate(months)]


def _value_room(texts: Texts, top: float, size: float) -> float:
    """Room left of a chart for the numbers up its value axis."""
    return stringWidth(format_number(int(top), texts.languages[0]), REGULAR, size * 0.8) + 12


def _month_room(texts: Texts, size: float) -> float:
    """Room under a chart for the months' names, a line for each language."""
    return len(texts.languages) * size * 0.75 * 1.2 + 8


def hours_chart(data: CommunityReportData, texts: Texts, width: float, size: float) -> Drawing:
    """Hours given each month, as bars with the number above each."""
    months = data.figures.months
    values = [month.hours.value for month in months]
    top, step = _scale(values)
    above = size * 1.1 * 1.3 + size * 0.7 + 8  # the caption, and the number over a bar
    below = _month_room(texts, size)
    left = _value_room(texts, top, size)
    plot = 62 * mm - 50
    drawing = _drawing(width, plot + above + below)
    _caption(drawing, texts(HOURS_CHART), width, size * 1.1)
    chart = VerticalBarChart()
    chart.x, chart.y = int(left), int(below)
    chart.width, chart.height = int(width - left - 10), int(plot)
    chart.data = [list(values)]
    chart.bars[0].fillColor = SERIES[0]
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = top, step
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    _style_axis_labels(chart.valueAxis.labels, size * 0.8)
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v), texts.languages[0])
    chart.categoryAxis.categoryNames = _month_labels(texts, [m.month for m in months])
    _style_axis_labels(chart.categoryAxis.labels, size * 0.75)
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.barLabelFormat = lambda v: format_number(round(v), texts.languages[0])
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = size * 0.7
    chart.barLabels.nudge = 6
    chart.barSpacing = 1
    drawing.add(chart)
    return drawing


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The runs of shown values, each as (month index, value), split where one is withheld."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


class _GappedLineChart(HorizontalLineChart):
    """A line chart whose lines stop at a withheld month and start again after it: each run of
    shown months is its own segment, so no line runs through a month and suggests its value."""

    def __init__(self) -> None:
        super().__init__()
        self.joinedLines = 0  # the chart itself draws only the markers

    def makeLines(self) -> Group:
        segments = Group()
        place = self.categoryAxis.scale
        height = self.valueAxis.scale
        for index, values in enumerate(self.data):
            style = self.lines[index]
            for run in _runs(values):
                if len(run) < 2:
                    continue  # a single shown month is its marker alone
                points: list[float] = []
                for column, value in run:
                    start, slot = place(column)  # a month's mark is in the middle of its slot
                    points += [start + slot / 2, height(value)]
                segments.add(
                    PolyLine(
                        points,
                        strokeColor=style.strokeColor,
                        strokeWidth=style.strokeWidth,
                        strokeLineCap=1,
                        strokeLineJoin=1,
                    )
                )
        segments.add(super().makeLines())  # type: ignore[no-untyped-call]
        return segments


def _series(data: CommunityReportData, texts: Texts) -> list[tuple[str, list[Count]]]:
    """The volunteers chart's lines: each one's name and its count for every month."""
    months = data.figures.months
    return [
        (texts(ACTIVE), [m.active for m in months]),
        (texts(NEW), [m.new for m in months]),
        (texts(LEAVING), [m.leaving for m in months]),
    ]


def _legend_names(texts: Texts) -> list[list[str]]:
    """The volunteers chart's lines' names, each in the document's languages."""
    return [list(dict.fromkeys(texts.each(name))) for name in (ACTIVE, NEW, LEAVING)]


def volunteers_chart(data: CommunityReportData, texts: Texts, width: float, size: float) -> Drawing:
    """Volunteers giving time, joining and leaving each month, as three labelled lines, each
    broken where a month's count is withheld."""
    months = data.figures.months
    series = [(name, [c.value for c in counts]) for name, counts in _series(data, texts)]
    top, step = _scale([v for _n, values in series for v in values])
    legend_size = size * 0.8
    legend_line = legend_size * 1.2
    legend = len(texts.languages) * legend_line + 6
    above = size * 1.1 * 1.3 + 8
    below = legend + _month_room(texts, size)
    left = _value_room(texts, top, size)
    plot = 74 * mm - 64
    drawing = _drawing(width, plot + above + below)
    _caption(drawing, texts(VOLUNTEERS_CHART), width, size * 1.1)
    chart = _GappedLineChart()
    chart.x, chart.y = int(left), int(below)
    chart.width, chart.height = int(width - left - 10), int(plot)
    chart.data = [list(values) for _name, values in series]
    for index in range(len(series)):
        line = chart.lines[index]
        line.strokeColor = SERIES[index]
        line.strokeWidth = 2
        line.symbol = makeMarker(  # type: ignore[no-untyped-call]
            ("FilledCircle", "FilledSquare", "FilledDiamond")[index]
        )
        line.symbol.fillColor = SERIES[index]
        line.symbol.size = 5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = top, step
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v), texts.languages[0])
    _style_axis_labels(chart.valueAxis.labels, size * 0.8)
    chart.categoryAxis.categoryNames = _month_labels(texts, [m.month for m in months])
    _style_axis_labels(chart.categoryAxis.labels, size * 0.75)
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    drawing.add(chart)
    # The legend: a swatch and a name for each line, side by side under the chart, each name
    # in the document's languages one above the other.
    slot = (width - left) / len(series)
    for index, names in enumerate(_legend_names(texts)):
        x = left + index * slot
        y = legend - 4 - legend_line
        swatch = Rect(x, y, legend_size * 0.9, legend_size * 0.9)
        swatch.fillColor, swatch.strokeColor = SERIES[index], None
        drawing.add(swatch)
        for line, name in enumerate(names):
            label = _shorten(name, legend_size, slot - legend_size * 1.4 - 6)
            drawing.add(
                String(
                    x + legend_size * 1.4,
                    y + 1 - line * legend_line,
                    label,
                    fontName=REGULAR,
                    fontSize=legend_size,
                )
            )
    return drawing


def bar_list_chart(
    title: str,
    items: Sequence[tuple[str, float | None, str]],
    width: float,
    size: float,
    colour: Any = SERIES[0],
) -> Drawing:
    """Horizontal bars, one per item, its name on the left and its number at the end."""
    row = size * 1.9
    label_width = min(width * 0.38, 60 * mm)
    height = row * len(items) + (size * 3 if title else size)
    drawing = _drawing(width, height)
    if title:
        _caption(drawing, title, width, size * 1.1)
    chart = HorizontalBarChart()
    chart.x, chart.y = int(label_width), 4
    chart.width = int(width - label_width - 40)
    chart.height = int(row * len(items))
    # The first item is drawn at the top.
    chart.data = [[value if value is not None else 0 for _n, value, _t in reversed(items)]]
    chart.bars[0].fillColor = colour
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_top([v for _n, v, _t in items]) * 1.05
    chart.valueAxis.visible = False
    chart.categoryAxis.categoryNames = [
        _shorten(n, size * 0.85, label_width - 6) for n, *_r in reversed(items)
    ]
    _style_axis_labels(chart.categoryAxis.labels, size * 0.85)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.visibleTicks = False
    chart.barLabelArray = [[text for _n, _v, text in reversed(items)]]
    chart.barLabelFormat = "values"
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = size * 0.8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    chart.barSpacing = 2
    drawing.add(chart)
    return drawing


def _shorten(text: str, size: float, width: float, font: str = REGULAR) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# ---- sections --------------------------------------------------------------------------------


def _summary(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    f = data.figures
    day = lambda lang: format_date(f.dbs_day, "long", language=lang)  # noqa: E731
    rows = [
        (texts(GROUPS), format_number(f.groups)),
        (texts(REGISTERED), _count(texts, f.registered)),
        (texts(ACTIVE), _count(texts, f.active)),
        (texts(NEW), _count(texts, f.new)),
        (texts(LEAVING), _count(texts, f.leaving)),
        (texts(HOURS), _hours(texts, f.hours)),
        (texts(HOUSEHOLDS), _count(texts, f.households)),
        (
            texts(WELSH),
            _each(texts, lambda _lang: f.welsh_speakers.describe()),
        ),
        (texts(DBS_OVERDUE, date=day), _count(texts, f.dbs_overdue)),
        (
            texts(DBS_SOON, days=str(f.dbs_due_days), date=day),
            _count(texts, f.dbs_due_soon),
        ),
    ]
    cell = sizes.style("cell")
    widths = [sizes.width * 0.72, sizes.width * 0.28]
    table = grid_table(
        [texts(FIGURE), texts(VALUE)],
        [[paragraph(label, cell), value] for label, value in rows],
        widths,
        sizes,
        extra=[("ALIGN", (1, 0), (1, -1), "RIGHT")],
    )
    return [*heading(texts(SUMMARY), sizes), table]


def _by_month(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    months = data.figures.months
    note = sizes.style("note", size=sizes.small)
    story: list[Flowable] = []
    # Each chart stays on one page with the notes about its blanks (the first with the heading).
    hours: list[Flowable] = [
        *heading(texts(BY_MONTH), sizes),
        hours_chart(data, texts, sizes.width, sizes.body),
    ]
    withheld_hours = [m.hours for m in months if m.hours.withheld]
    if withheld_hours:
        larger = any(not (h.volunteers.withheld and h.volunteers.small) for h in withheld_hours)
        hours.append(paragraph(texts(WITHHELD_HOURS_LARGER if larger else WITHHELD_HOURS), note))
    story.append(KeepTogether(hours))
    story.append(Spacer(1, 4 * mm))
    lines: list[Flowable] = [volunteers_chart(data, texts, sizes.width, sizes.body)]
    series = _series(data, texts)
    withheld = [count for _name, counts in series for count in counts if count.withheld]
    if withheld:
        larger = any(not count.small for count in withheld)
        lines.append(paragraph(texts(WITHHELD_POINTS_LARGER if larger else WITHHELD_POINTS), note))
    for name, counts in series:
        if counts and all(count.withheld for count in counts):
            lines.append(paragraph(texts(WITHHELD_LINE, series=name), note))
    story.append(KeepTogether(lines))
    if months:
        story.extend(heading(texts(MONTH_TABLE), sizes, size=sizes.body * 1.1))
        story.append(month_table(data, texts, sizes))
    return story


def _stacked(texts: Texts, make: Callable[[str], str]) -> str:
    """Text in each of the document's languages, one under the other (keeping the " / " that
    parts them elsewhere), so a narrow column breaks between languages, not within one."""
    parts: list[str] = []
    for language in texts.languages:
        with use_language(language):
            part = make(language)
        if part and part not in parts:
            parts.append(part)
    return (SEPARATOR.rstrip() + "\n").join(parts)


def _month_row(texts: Texts, month: MonthFigures) -> list[str]:
    return [
        _stacked(texts, lambda lang: format_date(month.month, "MMMM yyyy", language=lang)),
        _stacked(texts, lambda _lang: month.active.text()),
        _stacked(texts, lambda _lang: month.new.text()),
        _stacked(texts, lambda _lang: month.leaving.text()),
        _stacked(texts, lambda _lang: month.hours.text()),
    ]


def month_table(data: CommunityReportData, texts: Texts, sizes: Sizes) -> Table:
    """Each month's volunteers who gave time, joined and left, and the hours given, with a
    withheld figure in the same words as everywhere else in the report."""
    header = [
        _stacked(texts, lambda _lang: _(MONTH)),
        _stacked(texts, lambda _lang: _(GAVE_TIME)),
        # "Joined" alone is also the label of a volunteer's joining date.
        _stacked(texts, lambda _lang: pgettext("figures", "Joined")),
        _stacked(texts, lambda _lang: _(LEFT)),
        _stacked(texts, lambda _lang: _(HOURS)),
    ]
    rows = [_month_row(texts, month) for month in data.figures.months]
    widths = _column_widths(header, rows, sizes)
    cell = sizes.style("cell")
    number = sizes.style("number")
    number.alignment = TA_RIGHT
    return grid_table(
        header,
        [
            [fit(text, widths[i], number if i else cell) for i, text in enumerate(row)]
            for row in rows
        ],
        widths,
        sizes,
        extra=[("ALIGN", (1, 0), (-1, -1), "RIGHT")],
    )


def _column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], sizes: Sizes
) -> list[float]:
    """Widths that fill the page. When every column's longest line fits, each gets that and an
    equal share of the room left. Otherwise the columns with short lines get all they need,
    and the rest share what is left equally (each still as wide as its longest word), so the
    long texts wrap and the short figures do not."""
    pad = 2 * CELL_PAD + 1
    longest: list[float] = []
    shortest: list[float] = []
    for column, title in enumerate(header):
        cells = [(title, BOLD)] + [(row[column], REGULAR) for row in rows]
        longest.append(
            max(
                stringWidth(line, font, sizes.body)
                for text, font in cells
                for line in text.split("\n")
            )
            + pad
        )
        shortest.append(
            max(
                stringWidth(word, font, sizes.body)
                for text, font in cells
                for word in text.split() or [""]
            )
            + pad
        )
    room = sizes.width
    if sum(longest) <= room:
        spare = (room - sum(longest)) / len(longest)
        return [w + spare for w in longest]
    widths = list(longest)
    left = room
    waiting = sorted(range(len(longest)), key=lambda i: longest[i])
    while waiting and longest[waiting[0]] <= left / len(waiting):
        left -= longest[waiting.pop(0)]
    for i in waiting:
        widths[i] = max(shortest[i], left / len(waiting))
    # Only when even the longest words do not fit is every column narrowed alike.
    return [w * room / sum(widths) for w in widths]


def _hours_items(texts: Texts, lines: Sequence[HoursLine]) -> list[tuple[str, float | None, str]]:
    return [
        (_name(texts, line.item), line.hours.value, _hours(texts, line.hours)) for line in lines
    ]


def _services(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    f = data.figures
    story: list[Flowable] = []
    if f.hours_by_service:
        chart = bar_list_chart("", _hours_items(texts, f.hours_by_service), sizes.width, sizes.body)
        story.append(KeepTogether([*heading(texts(HOURS_BY_SERVICE), sizes), chart]))
    else:
        story.extend(heading(texts(HOURS_BY_SERVICE), sizes))
        story.append(paragraph(texts(NO_HOURS), sizes.style("body")))
    story.extend(heading(texts(HOUSEHOLDS_BY_SERVICE), sizes))
    if f.households_by_service:
        story.append(
            grid_table(
                [texts(SERVICE), texts(HOUSEHOLDS)],
                [
                    [
                        paragraph(_name(texts, line.item), sizes.style("cell")),
                        _count(texts, line.count),
                    ]
                    for line in f.households_by_service
                ],
                [sizes.width * 0.72, sizes.width * 0.28],
                sizes,
                extra=[("ALIGN", (1, 0), (1, -1), "RIGHT")],
            )
        )
    else:
        story.append(paragraph(texts(NO_HOUSEHOLDS), sizes.style("body")))
    return story


def _groups(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    f = data.figures
    story: list[Flowable] = [*heading(texts(GROUPS_BY_KIND), sizes)]
    if not f.groups_by_kind:
        return [*story, paragraph(texts(NO_GROUPS), sizes.style("body"))]
    items = [
        (_label(texts, kind), float(n), format_number(n, texts.languages[0]))
        for kind, n in sorted(f.groups_by_kind, key=lambda pair: -pair[1])
    ]
    story.append(bar_list_chart("", items, sizes.width, sizes.body, SERIES[2]))
    return [KeepTogether(story)]


def _grid_rows(data: CommunityReportData) -> list[GridRow]:
    grid = data.grid
    if grid.area is not None:
        return list(grid.rows)
    return grid.top_rows()


class _TurnedText(Flowable):
    """A column heading written upwards, so ten services fit across a portrait page."""

    def __init__(self, lines: Sequence[str], size: float, height: float) -> None:
        super().__init__()
        self.lines = [line for line in lines if line]
        self.size = size
        self.text_height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size * 1.2 * max(len(self.lines), 1), self.text_height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(BOLD, self.size)
        canvas.rotate(90)
        for index, line in enumerate(self.lines):
            # After turning, x runs up the page and y runs to the left.
            canvas.drawString(
                2, -self.size * (index + 1), _shorten(line, self.size, self.text_height - 4, BOLD)
            )
        canvas.restoreState()


def _coverage(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    grid = data.grid
    rows = _grid_rows(data)
    intro: list[Flowable] = [*heading(texts(COVERAGE), sizes)]
    if not rows:
        return [*intro, paragraph(texts(NO_AREAS), sizes.style("body"))]
    intro.append(paragraph(texts(COVERAGE_NOTE), sizes.style("body")))
    intro.append(Spacer(1, 2 * mm))
    intro.append(_legend(texts, sizes))
    intro.append(Spacer(1, 2 * mm))
    small = sizes.small
    area_width = min(42 * mm, sizes.width * 0.26)
    service_width = (sizes.width - area_width) / max(len(grid.services), 1)
    longest = max(
        (
            stringWidth(service.name(lang), BOLD, small)
            for service in grid.services
            for lang in texts.languages
        ),
        default=0.0,
    )
    head_height = min(max(longest + 8, 12 * mm), 48 * mm)
    header: list[Any] = [texts(AREA)]
    for service in grid.services:
        lines = list(dict.fromkeys(service.name(lang) for lang in texts.languages))
        header.append(_TurnedText(lines, small, head_height))
    table_rows: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, small, small * 1.2),
        ("FONT", (0, 0), (0, 0), BOLD, small, small * 1.2),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.white),
        ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#5a6b80")),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    fills = {level: colors.HexColor(value) for level, value in LEVEL_COLOURS.items()}
    for index, row in enumerate(rows, start=1):
        name = _shorten(_name(texts, row.area), small, area_width - (14 if row.depth else 6))
        table_rows.append(
            [("    " if row.depth else "") + name, *(str(cell.groups) for cell in row.cells)]
        )
        if row.depth == 0:
            commands.append(("FONT", (0, index), (0, index), BOLD, small, small * 1.2))
        for column, cell in enumerate(row.cells, start=1):
            commands.append(("BACKGROUND", (column, index), (column, index), fills[cell.level]))
            if cell.level is CoverageLevel.GAP:
                commands.append(
                    ("FONT", (column, index), (column, index), BOLD, small, small * 1.2)
                )
    table = Table(
        table_rows,
        colWidths=[area_width, *([service_width] * len(grid.services))],
        rowHeights=[head_height + 4] + [None] * len(rows),
        style=commands,
        repeatRows=1,
        hAlign="LEFT",
    )
    return [
        KeepTogether([*intro, table]),
        *_gaps(data, rows, texts, sizes),
        *_overlaps(data, texts, sizes),
    ]


def _legend(texts: Texts, sizes: Sizes) -> Table:
    cells: list[Any] = []
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), BOLD, sizes.small, sizes.small * 1.2),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]
    style = sizes.style("legend", size=sizes.small)
    for column, level in enumerate(CoverageLevel):
        cells.append("")  # the label says what the colour means
        cells.append(paragraph(_label(texts, level), style))
        fill = colors.HexColor(LEVEL_COLOURS[level])
        commands.append(("BACKGROUND", (column * 2, 0), (column * 2, 0), fill))
        commands.append(("ALIGN", (column * 2 + 1, 0), (column * 2 + 1, 0), "LEFT"))
    swatch = 9 * mm
    text_width = (sizes.width - 3 * swatch) / 3
    return Table([cells], colWidths=[swatch, text_width] * 3, style=commands, hAlign="LEFT")


def _text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    sizes: Sizes,
    shares: Sequence[float],
    *,
    numbers: int = 0,
) -> Table:
    """A table of wrapping text whose last `numbers` columns are figures, set to the right."""
    cell = sizes.style("cell")
    first_number = len(shares) - numbers
    widths = [sizes.width * share for share in shares]
    return grid_table(
        list(header),
        [
            [fit(text, widths[i], cell) if i < first_number else text for i, text in enumerate(row)]
            for row in rows
        ],
        widths,
        sizes,
        extra=[("ALIGN", (first_number, 0), (-1, -1), "RIGHT")] if numbers else (),
    )


def _gaps(
    data: CommunityReportData, rows: Sequence[GridRow], texts: Texts, sizes: Sizes
) -> list[Flowable]:
    body = sizes.style("body")
    story: list[Flowable] = [*heading(texts(GAPS), sizes, size=sizes.body * 1.1)]
    services = len(data.grid.services)
    empty: list[str] = []
    lines: list[tuple[str, str]] = []
    for row in rows:
        missing = [
            service
            for service, cell in zip(data.grid.services, row.cells, strict=True)
            if cell.level is CoverageLevel.GAP
        ]
        if not missing:
            continue
        if len(missing) == services and row.depth == 0 and data.grid.area is None:
            empty.append(_name(texts, row.area))
            continue
        lines.append(
            (
                _name(texts, row.area),
                texts.join([", ".join(s.name(lang) for s in missing) for lang in texts.languages]),
            )
        )
    if not lines and not empty:
        return [*story, paragraph(texts(NO_GAPS), body)]
    if lines:
        story.append(_text_table([texts(AREA), texts(NOBODY_OFFERS)], lines, sizes, (0.22, 0.78)))
    if empty:
        story.append(Spacer(1, 2 * mm))
        story.append(paragraph(texts(NOTHING_AT_ALL, areas=", ".join(empty)), body))
    return story


def _overlaps(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    body = sizes.style("body")
    story: list[Flowable] = [*heading(texts(OVERLAPS), sizes, size=sizes.body * 1.1)]
    if not data.overlaps:
        return [*story, paragraph(texts(NO_OVERLAPS), body)]
    rows = [
        (
            _name(texts, row.area),
            _name(texts, service),
            texts.join([", ".join(g.name(lang) for g in groups) for lang in texts.languages]),
            format_number(alerts, texts.languages[0]),
        )
        for row, service, groups, alerts in data.overlaps
    ]
    table = _text_table(
        [texts(AREA), texts(SERVICE), texts(GROUPS_THERE), texts(OPEN)],
        rows,
        sizes,
        (0.13, 0.22, 0.5, 0.15),
        numbers=1,
    )
    story.append(table)
    return story


def _alerts(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    f = data.figures
    return [
        *heading(texts(ALERTS), sizes),
        paragraph(texts(ALERTS_NOTE), sizes.style("body")),
        Spacer(1, 2 * mm),
        grid_table(
            [texts(KIND), texts(OPEN)],
            [[_label(texts, kind), _count(texts, count)] for kind, count in f.alerts_by_kind],
            [sizes.width * 0.72, sizes.width * 0.28],
            sizes,
            extra=[("ALIGN", (1, 0), (1, -1), "RIGHT")],
        ),
    ]


# ---- the document ----------------------------------------------------------------------------


def _front(data: CommunityReportData, texts: Texts, sizes: Sizes) -> list[Flowable]:
    f = data.figures
    title_style = sizes.style("title", size=sizes.title, bold=True)
    title_style.textColor = INK
    title_style.spaceAfter = 2
    sub = sizes.style("subtitle", size=sizes.heading, bold=True)
    area = _name(texts, f.area) if f.area is not None else texts(WHOLE_COUNTY)
    period = texts(
        PERIOD,
        start=lambda lang: format_date(f.start, "long", language=lang),
        end=lambda lang: format_date(f.end, "long", language=lang),
    )
    made = (
        texts(
            MADE_BY,
            organisation=lambda lang: data.organisation.name(lang) if data.organisation else "",
            date=lambda lang: format_date(data.made_on, "long", language=lang),
        )
        if data.organisation is not None
        else texts(MADE_ON, date=lambda lang: format_date(data.made_on, "long", language=lang))
    )
    body = sizes.style("body")
    return [
        paragraph(texts(TITLE), title_style),
        paragraph(f"{area} — {period}", sub),
        Spacer(1, 2 * mm),
        paragraph(made, body),
        Spacer(1, 2 * mm),
        paragraph(texts(INTRO), body),
        Spacer(1, 1 * mm),
        paragraph(texts(PRIVACY), sizes.style("privacy", bold=True)),
        Spacer(1, 1 * mm),
        paragraph(texts(DISCLOSURE_NOTE), body),
    ]


class _NumberedCanvas(Canvas):
    """Keeps the pages until the end, so each can say "Page N of M"."""

    def __init__(self, *args: Any, footer: Callable[[Canvas, int, int], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._kept: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._kept.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._kept)
        for number, state in enumerate(self._kept, start=1):
            self.__dict__.update(state)
            self._footer(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


def render_community_report(
    data: CommunityReportData, mode: LanguageMode, *, large_print: bool = False
) -> RenderedPdf:
    """The report as PDF bytes, in English, Welsh, or both side by side; in large print it is
    set in 16 point type on landscape pages."""
    register_fonts()
    texts = Texts(mode)
    sizes = Sizes(PrintOptions(languages=mode, large_print=large_print))
    story: list[Flowable] = []
    story.extend(_front(data, texts, sizes))
    story.extend(_summary(data, texts, sizes))
    story.extend(_by_month(data, texts, sizes))
    story.extend(_services(data, texts, sizes))
    story.extend(_groups(data, texts, sizes))
    story.extend(_coverage(data, texts, sizes))
    story.append(KeepTogether(_alerts(data, texts, sizes)))

    page_w, page_h = sizes.pagesize
    footer_text = texts(FOOTER)
    # The page number goes on a line of its own above the footer when both will not fit on one.
    widest = stringWidth(footer_text, REGULAR, sizes.small) + stringWidth(
        texts(PAGE_OF, page="999", pages="999"), REGULAR, sizes.small
    )
    raised = sizes.small * 1.25 if widest + 6 * mm > sizes.width else 0.0

    def footer(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, sizes.small)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, MARGIN / 2, footer_text)
        canvas.drawRightString(
            page_w - MARGIN,
            MARGIN / 2 + raised,
            texts(PAGE_OF, page=str(number), pages=str(total)),
        )
        canvas.restoreState()

    pages = 0

    def make_canvas(*args: Any, **kwargs: Any) -> Canvas:
        def finish(canvas: Canvas, number: int, total: int) -> None:
            nonlocal pages
            pages = total
            footer(canvas, number, total)

        return _NumberedCanvas(*args, footer=finish, **kwargs)

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=sizes.pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=texts(TITLE),
        author=_name(texts, data.organisation) if data.organisation else "",
        creator="cvcdesk",
        # Start in our font, so no built-in font (without ŵ or ŷ) is named in the file.
        initialFontName=REGULAR,
        lang="cy" if mode is LanguageMode.WELSH else "en-GB",
    )
    frame = Frame(
        MARGIN,
        MARGIN + raised,
        page_w - 2 * MARGIN,
        page_h - 2 * MARGIN - raised,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=make_canvas)
    return RenderedPdf(buffer.getvalue(), pages)
