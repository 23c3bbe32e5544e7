"""The Coverage and impact page: where groups offer each service (the gaps and the possible
duplication at a glance), what community work added up to, and the report for the council.

The Coverage tab is a grid of areas by services; each cell shows the number of groups and a
colour for 0 (a gap), 1 (or groups each in a different part of the area), and 2 or more in
the same place (possible duplication). Clicking a cell lists the groups there, their days and
hours, and any coverage-overlap alert. The Figures tab draws hours and volunteers by month
beside a table of the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.enums import Weekdays
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.figures import (
    LEVEL_COLOURS,
    WITHHELD_EXPORT,
    WITHHELD_OTHER,
    ActivityFigures,
    CellDetail,
    CoverageGrid,
    CoverageLevel,
    CoverageLine,
    GridGrouping,
    GridRow,
    fewer_than_text,
)
from cvcdesk.i18n import (
    _,
    current_language,
    format_date,
    format_number,
    format_time,
    ngettext,
    pgettext,
    weekday_name,
)
from cvcdesk.services.figures import FigureTable, default_period, figure_tables
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.tasks import TaskCancelled, run_task

Index = QModelIndex | QPersistentModelIndex
CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # (area code, service code) of a grid cell
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the GridRow of a row
SERIES = (QColor("#0072B2"), QColor("#E69F00"), QColor("#009E73"))
LEVEL_QCOLOURS = {level: QColor(value) for level, value in LEVEL_COLOURS.items()}
INK = QColor("#1a1a1a")


def days_text(days: Weekdays) -> str:
    if days & Weekdays.ALL == Weekdays.ALL:
        return _("every day")
    if days == Weekdays.NONE:
        return _("no days")
    return ", ".join(weekday_name(i, "abbreviated") for i in days.indexes())


def line_text(line: CoverageLine) -> str:
    """One coverage line as a coordinator reads it."""
    if line.start_time is None and line.end_time is None:
        hours = _("any time")
    else:
        hours = _("{start} to {end}").format(
            start=format_time(line.start_time or dt.time(0)),
            end=format_time(line.end_time) if line.end_time else _("the end of the day"),
        )
    if line.start_date and line.end_date:
        dates = _("from {start} to {end}").format(
            start=format_date(line.start_date), end=format_date(line.end_date)
        )
    elif line.start_date:
        dates = _("since {start}").format(start=format_date(line.start_date))
    elif line.end_date:
        dates = _("until {end}").format(end=format_date(line.end_date))
    else:
        dates = _("no end date")
    where = (_("covers all of {area}") if line.whole else _("covers part of it: {area}")).format(
        area=line.area.name()
    )
    return _("{group}: {days}, {hours}; {dates}; {where}").format(
        group=line.group.name(),
        days=days_text(line.weekdays),
        hours=hours,
        dates=dates,
        where=where,
    )


def wrap_words(text: str, width: int = 12) -> str:
    """Break a column heading into short lines, so narrow columns show it whole."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def level_text(groups: int, overlapping: int | None = None) -> str:
    """A cell's number in words: `groups` work in the area, at most `overlapping` of them in
    any one place (None: all in the same place)."""
    most = groups if overlapping is None else overlapping
    if groups == 0:
        return _("a gap: no group")
    if groups == 1:
        return _("one group")
    if most < 2:
        return ngettext(
            "{count} group in different parts, no overlap",
            "{count} groups in different parts, no overlap",
            groups,
        ).format(count=format_number(groups))
    if most < groups:
        return ngettext(
            "{count} group, {same} of them in the same place: possible duplication",
            "{count} groups, {same} of them in the same place: possible duplication",
            groups,
        ).format(count=format_number(groups), same=format_number(most))
    return ngettext(
        "{count} group: possible duplication", "{count} groups: possible duplication", groups
    ).format(count=format_number(groups))


def period_problem(start: dt.date, end: dt.date) -> str:
    """What is wrong with a period that ends before it starts, naming both dates."""
    problem = _("The period ends on {end}, before it starts on {start}.").format(
        start=format_date(start), end=format_date(end)
    )
    return problem + " " + _("Choose a “To” date on or after the “From” date.")


# ---- the grid ---------------------------------------------------------------------------------


class CoverageGridModel(QAbstractTableModel):
    """Areas (rows) by services (columns). A district or community row opens to its sectors."""

    def __init__(self) -> None:
        super().__init__()
        self._grid: CoverageGrid | None = None
        self._expanded: set[str] = set()
        self._visible: list[GridRow] = []

    # -- feeding ---------------------------------------------------------------------------
    def set_grid(self, grid: CoverageGrid) -> None:
        self.beginResetModel()
        self._grid = grid
        codes = {row.area.key for row in grid.rows}
        self._expanded &= codes
        if grid.area is not None and grid.rows:
            self._expanded.add(grid.rows[0].area.key)
        self._visible = self._rows()
        self.endResetModel()

    def clear(self) -> None:
        """No grid (the filters ask for something that cannot be shown)."""
        self.beginResetModel()
        self._grid = None
        self._visible = []
        self.endResetModel()

    @property
    def grid(self) -> CoverageGrid | None:
        return self._grid

    def _rows(self) -> list[GridRow]:
        if self._grid is None:
            return []
        return [row for row in self._grid.rows if row.depth == 0 or row.parent in self._expanded]

    def is_expanded(self, code: str) -> bool:
        return code in self._expanded

    def toggle(self, row: int) -> None:
        if not 0 <= row < len(self._visible):
            return
        grid_row = self._visible[row]
        if grid_row.depth or not grid_row.children:
            return
        self.set_expanded(grid_row.area.key, grid_row.area.key not in self._expanded)

    def set_expanded(self, code: str, expanded: bool) -> None:
        self.beginResetModel()
        if expanded:
            self._expanded.add(code)
        else:
            self._expanded.discard(code)
        self._visible = self._rows()
        self.endResetModel()

    def expand_all(self, expanded: bool) -> None:
        self.beginResetModel()
        if expanded and self._grid is not None:
            self._expanded = {row.area.key for row in self._grid.rows if row.children}
        else:
            self._expanded = set()
        self._visible = self._rows()
        self.endResetModel()

    def row_of(self, code: str) -> int | None:
        for index, row in enumerate(self._visible):
            if row.area.key == code:
                return index
        return None

    # -- what the view asks ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._grid is None:
            return 0
        return 1 + len(self._grid.services)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or self._grid is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if section == 0:
                return _("Area")
            if 0 < section <= len(self._grid.services):
                return wrap_words(self._grid.services[section - 1].name())
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._grid is None:
            return None
        row = self._visible[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return row
        if column == 0:
            return self._area_data(row, role)
        cell = row.cells[column - 1]
        service = self._grid.services[column - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_number(cell.groups)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(LEVEL_QCOLOURS[cell.level])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(INK)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and cell.level is CoverageLevel.GAP:
            font = QFont()
            font.setBold(True)
            return font
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            text = _("{area}, {service}: {level}").format(
                area=row.area.name(),
                service=service.name(),
                level=level_text(cell.groups, cell.overlapping),
            )
            if cell.partial and not cell.apart:
                text += " " + ngettext(
                    "({count} of them covers only part of the area.)",
                    "({count} of them cover only part of the area.)",
                    cell.partial,
                ).format(count=format_number(cell.partial))
            if cell.alerts:
                text += " " + ngettext(
                    "{count} open overlap alert.", "{count} open overlap alerts.", cell.alerts
                ).format(count=format_number(cell.alerts))
            return text
        if role == CELL_ROLE:
            return (row.area.key, service.key)
        return None

    def _area_data(self, row: GridRow, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            name = row.area.name()
            if row.depth:
                return "      " + name
            if row.children:
                marker = "▾" if row.area.key in self._expanded else "▸"
                return f"{marker} {name}"
            return "   " + name
        if role == Qt.ItemDataRole.FontRole and row.depth == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if row.children:
                state = (
                    _("open: click to close")
                    if row.area.key in self._expanded
                    else _("closed: click to show its sectors")
                )
                return _("{area} ({state})").format(area=row.area.name(), state=state)
            return row.area.name()
        return None


# ---- charts -----------------------------------------------------------------------------------


class _Chart(QWidget):
    """A small chart drawn with QPainter: a title, a value axis and category labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.labels: list[str] = []
        self._axis_top = 4.0
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 240)

    @staticmethod
    def _scale(values: Sequence[float | None]) -> tuple[float, float]:
        """(top of the axis, step between grid lines): round numbers a reader takes in."""
        high = max((v for v in values if v is not None), default=0.0)
        if high <= 0:
            return 4.0, 1.0
        magnitude = 10 ** math.floor(math.log10(high / 4))
        for factor in (1, 2, 2.5, 5, 10):
            step = max(factor * magnitude, 1.0)
            if high <= step * 4:
                return step * 4, step
        return high, high / 4

    def _frame(self, painter: QPainter, values: Sequence[float | None], room: float = 0) -> QRectF:
        """Draws the title, the grid lines and the value labels; returns the plot area, with
        `room` left free below the category labels."""
        top, step = self._scale(values)
        metrics = QFontMetrics(self.font())
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(INK)
        painter.drawText(QRectF(0, 0, self.width(), metrics.height() + 4), self.title)
        painter.setFont(self.font())
        left = metrics.horizontalAdvance(format_number(int(top))) + 10
        area = QRectF(
            left,
            metrics.height() * 2 + 6,
            max(self.width() - left - 8, 10),
            max(self.height() - metrics.height() * 4 - 12 - room, 10),
        )
        self._axis_top = top
        painter.setPen(QPen(QColor("#dddddd"), 1))
        for line in range(5):
            value = step * line
            y = area.bottom() - area.height() * line / 4
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(INK)
            painter.drawText(
                QRectF(0, y - metrics.height() / 2, left - 4, metrics.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                format_number(int(value)),
            )
            painter.setPen(QPen(QColor("#dddddd"), 1))
        painter.setPen(QPen(INK, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        return area

    def _category_labels(self, painter: QPainter, area: QRectF) -> None:
        if not self.labels:
            return
        metrics = QFontMetrics(self.font())
        slot = area.width() / len(self.labels)
        widest = max(metrics.horizontalAdvance(label) for label in self.labels)
        every = max(1, int((widest + 6) // max(slot, 1)) + 1) if widest + 6 > slot else 1
        painter.setPen(INK)
        for index, label in enumerate(self.labels):
            if index % every:
                continue
            rect = QRectF(area.left() + slot * index - slot, area.bottom() + 3, slot * 3, 40)
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), label
            )


class BarChart(_Chart):
    """Bars with their number above each; a withheld value has no bar and a dash (its
    tooltip says why)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[float | None] = []
        self.texts: list[str] = []
        self.colour = SERIES[0]

    def set_data(
        self,
        title: str,
        labels: Sequence[str],
        values: Sequence[float | None],
        texts: Sequence[str],
    ) -> None:
        self.title, self.labels = title, list(labels)
        self.values, self.texts = list(values), list(texts)
        self.setAccessibleName(title)
        self.setToolTip(
            "\n".join(
                f"{label}: {text}" for label, text in zip(self.labels, self.texts, strict=True)
            )
        )
        self.update()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self._frame(painter, self.values)
        top = self._axis_top
        count = max(len(self.values), 1)
        slot = area.width() / count
        bar = slot * 0.7
        metrics = QFontMetrics(self.font())
        for index, (value, text) in enumerate(zip(self.values, self.texts, strict=True)):
            x = area.left() + slot * index + (slot - bar) / 2
            height = 0.0 if value is None else area.height() * value / top
            if height > 0:
                painter.fillRect(QRectF(x, area.bottom() - height, bar, height), self.colour)
            label = text if value is not None else "—"
            if metrics.horizontalAdvance(label) <= slot + 4:
                painter.setPen(INK)
                painter.drawText(
                    QRectF(
                        x - slot / 2,
                        area.bottom() - height - metrics.height() - 2,
                        bar + slot,
                        metrics.height(),
                    ),
                    int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                    label,
                )
        self._category_labels(painter, area)
        painter.end()


class LineChart(_Chart):
    """Lines for a few series with a legend; a withheld value leaves a gap in its line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: list[tuple[str, list[float | None]]] = []

    def set_data(
        self,
        title: str,
        labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
    ) -> None:
        self.title, self.labels = title, list(labels)
        self.series = [(name, list(values)) for name, values in series]
        self.setAccessibleName(title)
        self.update()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        values = [v for _n, series in self.series for v in series]
        area = self._frame(painter, values, room=metrics.height() + 6)
        top = self._axis_top
        count = max(len(self.labels), 1)
        slot = area.width() / count
        for number, (name, values) in enumerate(self.series):
            colour = SERIES[number % len(SERIES)]
            pen = QPen(colour, 2.5)
            painter.setPen(pen)
            path = QPainterPath()
            drawing = False
            points: list[QPointF] = []
            for index, value in enumerate(values):
                if value is None:
                    drawing = False
                    continue
                point = QPointF(
                    area.left() + slot * (index + 0.5), area.bottom() - area.height() * value / top
                )
                points.append(point)
                if drawing:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    drawing = True
            painter.drawPath(path)
            painter.setBrush(colour)
            for point in points:
                painter.drawEllipse(point, 3, 3)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # The legend: a swatch and the series' name.
            x = area.left() + number * area.width() / max(len(self.series), 1)
            y = self.height() - metrics.height() - 2
            painter.fillRect(QRectF(x, y + 3, 12, metrics.height() - 6), colour)
            painter.setPen(INK)
            painter.drawText(QPointF(x + 16, y + metrics.ascent()), name)
        label_area = QRectF(area)
        self._category_labels(painter, label_area)
        painter.end()


class FigureTableModel(QAbstractTableModel):
    """One table of figures (the same numbers the export writes), read-only."""

    def __init__(self) -> None:
        super().__init__()
        self._table: FigureTable | None = None
        self._skip = 0  # leading code columns that are not shown

    def set_table(self, table: FigureTable | None) -> None:
        self.beginResetModel()
        self._table = table
        self._skip = 1 if table is not None and table.key not in ("coverage",) else 0
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._table is None else len(self._table.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.header) - self._skip

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._table is None or orientation != Qt.Orientation.Horizontal:
            return None
        text = self._table.header[section + self._skip]
        if role == Qt.ItemDataRole.DisplayRole:
            return wrap_words(text)  # long headings on short lines: the numbers are narrow
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return text
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._table is None:
            return None
        value = self._table.rows[index.row()][index.column() + self._skip]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if value == WITHHELD_EXPORT:
                return fewer_than_text()
            if value == WITHHELD_OTHER:
                return _("withheld")
            if isinstance(value, float):
                return format_number(round(value, 1))
            if isinstance(value, int):
                return format_number(value)
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and value in (
            WITHHELD_EXPORT,
            WITHHELD_OTHER,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# ---- the page ---------------------------------------------------------------------------------


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _table_width(view: QTableView) -> int:
    """The width that shows every column of a table without scrolling sideways."""
    model = view.model()
    columns = sum(view.columnWidth(c) for c in range(model.columnCount() if model else 0))
    return columns + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width() + 2


def _fit(splitter: QSplitter, pane: int, needed: int, other_least: int) -> None:
    """Make `pane` of a two-pane splitter `needed` wide if the other keeps `other_least`."""
    sizes = splitter.sizes()
    total = sum(sizes)
    if len(sizes) != 2 or total <= 0 or not splitter.isVisible():
        return
    width = max(min(needed, total - other_least), 0)
    if abs(sizes[pane] - width) > 2:
        splitter.setSizes([width, total - width] if pane == 0 else [total - width, width])


class CoveragePage(Retranslating, QWidget):
    status_message = Signal(str)
    alert_requested = Signal(int)  # the coordinator wants to see this alert on the Alerts page

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverage_page")
        self._services = services
        self._figures: ActivityFigures | None = None
        self._figures_stale = True
        self._detail: CellDetail | None = None
        self._tables: list[FigureTable] = []
        self._language_chosen = False  # the report language follows the UI's until picked
        self._splitters_moved: set[str] = set()  # splitters the coordinator has moved
        layout = QVBoxLayout(self)

        filters = QGridLayout()
        self.area_label, self.area = QLabel(self), QComboBox(self)
        self.area.setObjectName("filter_area")
        self.area.setMinimumContentsLength(16)
        self.grouping_label, self.grouping = QLabel(self), QComboBox(self)
        self.grouping.setObjectName("filter_grouping")
        self.weekday_label, self.weekday = QLabel(self), QComboBox(self)
        self.weekday.setObjectName("filter_weekday")
        for combo in (self.grouping, self.weekday):
            # Wide enough for the longest choice in either language, after a switch too.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        start, end = default_period()
        self.start_label, self.start = QLabel(self), QDateEdit(_qdate(start), self)
        self.start.setObjectName("filter_from")
        self.end_label, self.end = QLabel(self), QDateEdit(_qdate(end), self)
        self.end.setObjectName("filter_to")
        for editor in (self.start, self.end):
            editor.setCalendarPopup(True)
            editor.setDisplayFormat("yyyy-MM-dd")
        self.language_label, self.language = QLabel(self), QComboBox(self)
        self.language.setObjectName("report_language")
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.report_button = QPushButton(self)
        self.report_button.setObjectName("save_report")
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("export_figures")
        for column, (label, widget) in enumerate(
            (
                (self.area_label, self.area),
                (self.grouping_label, self.grouping),
                (self.weekday_label, self.weekday),
                (self.start_label, self.start),
                (self.end_label, self.end),
            )
        ):
            filters.addWidget(label, 0, column)
            filters.addWidget(widget, 1, column)
        filters.setColumnStretch(5, 1)
        filters.addWidget(self.language_label, 0, 6)
        filters.addWidget(self.language, 1, 6)
        filters.addWidget(self.report_button, 1, 7)
        filters.addWidget(self.export_button, 1, 8)
        layout.addLayout(filters)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("coverage_tabs")
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_grid_tab(), "")
        self.tabs.addTab(self._build_figures_tab(), "")

        self._connect_signals()
        self.retranslate_ui()

    # -- construction ----------------------------------------------------------------------
    def _build_grid_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        self.grid_note = QLabel(tab)
        self.grid_note.setWordWrap(True)
        box.addWidget(self.grid_note)
        splitter = QSplitter(Qt.Orientation.Horizontal, tab)
        left = QWidget(splitter)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView(left)
        self.table.setObjectName("coverage_grid")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.model = CoverageGridModel()
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        left_box.addWidget(self.table, 1)
        legend = QHBoxLayout()
        self.legend_labels: dict[CoverageLevel, tuple[QLabel, QLabel]] = {}
        for level, sample in (
            (CoverageLevel.GAP, "0"),
            (CoverageLevel.COVERED, "1"),
            (CoverageLevel.SEVERAL, "2+"),
        ):
            swatch = QLabel(sample, left)
            swatch.setAlignment(Qt.AlignmentFlag.AlignCenter)
            swatch.setMinimumWidth(36)
            swatch.setStyleSheet(
                f"background: {LEVEL_COLOURS[level]}; color: #1a1a1a; font-weight: bold; "
                "padding: 2px 6px; border: 1px solid #888;"
            )
            text = QLabel(left)
            text.setWordWrap(True)  # a narrow window wraps the legend rather than widening
            legend.addWidget(swatch)
            legend.addWidget(text, 1)
            legend.addSpacing(12)
            self.legend_labels[level] = (swatch, text)
        legend.addStretch(1)
        self.expand_button = QPushButton(left)
        self.expand_button.setObjectName("expand_all")
        self.collapse_button = QPushButton(left)
        self.collapse_button.setObjectName("collapse_all")
        legend.addWidget(self.expand_button)
        legend.addWidget(self.collapse_button)
        left_box.addLayout(legend)
        self.grid_summary = QLabel(left)
        self.grid_summary.setObjectName("grid_summary")
        self.grid_summary.setWordWrap(True)
        left_box.addWidget(self.grid_summary)

        detail = QWidget(splitter)
        detail.setObjectName("cell_detail")
        self.cell_detail = detail
        detail_box = QVBoxLayout(detail)
        detail_box.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel(detail)
        self.detail_title.setObjectName("cell_title")
        self.detail_title.setWordWrap(True)
        font = self.detail_title.font()
        font.setBold(True)
        self.detail_title.setFont(font)
        self.lines_label = QLabel(detail)
        self.lines = QListWidget(detail)
        self.lines.setObjectName("cell_groups")
        self.lines.setWordWrap(True)
        self.alerts_label = QLabel(detail)
        self.alerts = QListWidget(detail)
        self.alerts.setObjectName("cell_alerts")
        self.alerts.setWordWrap(True)
        self.open_alert_button = QPushButton(detail)
        self.open_alert_button.setObjectName("open_alert")
        self.open_alert_button.setEnabled(False)
        detail_box.addWidget(self.detail_title)
        detail_box.addWidget(self.lines_label)
        detail_box.addWidget(self.lines, 2)
        detail_box.addWidget(self.alerts_label)
        detail_box.addWidget(self.alerts, 1)
        detail_box.addWidget(self.open_alert_button)
        splitter.addWidget(left)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.grid_splitter = splitter
        # Room for a group's days, hours and dates to be read on a few lines.
        detail.setMinimumWidth(detail.fontMetrics().averageCharWidth() * 34)
        box.addWidget(splitter, 1)
        return tab

    def _build_figures_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        self.figures_summary = QLabel(tab)
        self.figures_summary.setObjectName("figures_summary")
        self.figures_summary.setWordWrap(True)
        self.figures_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.figures_summary)
        splitter = QSplitter(Qt.Orientation.Horizontal, tab)
        splitter.setObjectName("figures_splitter")
        splitter.setChildrenCollapsible(False)
        self.figures_splitter = splitter
        charts = QWidget(splitter)
        charts.setMinimumWidth(320)
        charts_box = QVBoxLayout(charts)
        charts_box.setContentsMargins(0, 0, 0, 0)
        self.hours_chart = BarChart(charts)
        self.hours_chart.setObjectName("hours_chart")
        self.volunteers_chart = LineChart(charts)
        self.volunteers_chart.setObjectName("volunteers_chart")
        charts_box.addWidget(self.hours_chart, 1)
        charts_box.addWidget(self.volunteers_chart, 1)
        side = QWidget(splitter)
        self.figures_side = side
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        chooser = QHBoxLayout()
        self.table_choice_label, self.table_choice = QLabel(side), QComboBox(side)
        self.table_choice.setObjectName("figure_table_choice")
        chooser.addWidget(self.table_choice_label)
        chooser.addWidget(self.table_choice, 1)
        side_box.addLayout(chooser)
        self.figures_table = QTableView(side)
        self.figures_table.setObjectName("figures_table")
        self.figures_table.verticalHeader().setVisible(False)
        self.figures_table.setAlternatingRowColors(True)
        self.figures_table.setWordWrap(True)
        self.figures_table.horizontalHeader().setStretchLastSection(False)
        self.figures_table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignVCenter
        )
        self.figure_model = FigureTableModel()
        self.figures_table.setModel(self.figure_model)
        side_box.addWidget(self.figures_table, 1)
        self.privacy_note = QLabel(side)
        self.privacy_note.setWordWrap(True)
        side_box.addWidget(self.privacy_note)
        splitter.addWidget(charts)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        box.addWidget(splitter, 1)
        return tab

    def _connect_signals(self) -> None:
        for combo in (self.area, self.grouping, self.weekday):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.start.dateChanged.connect(self._on_filter_changed)
        self.end.dateChanged.connect(self._on_filter_changed)
        self.table.clicked.connect(self._on_cell_clicked)
        self.table.activated.connect(self._on_cell_clicked)
        self.expand_button.clicked.connect(lambda: self.model.expand_all(True))
        self.collapse_button.clicked.connect(lambda: self.model.expand_all(False))
        self.alerts.currentRowChanged.connect(
            lambda row: self.open_alert_button.setEnabled(row >= 0)
        )
        self.alerts.itemActivated.connect(lambda _item: self._on_open_alert_clicked())
        self.open_alert_button.clicked.connect(self._on_open_alert_clicked)
        self.tabs.currentChanged.connect(lambda _i: self._show_figures_if_needed())
        self.table_choice.currentIndexChanged.connect(self._on_table_chosen)
        self.language.currentIndexChanged.connect(self._on_language_chosen)
        self.grid_splitter.splitterMoved.connect(lambda *_a: self._splitters_moved.add("grid"))
        self.figures_splitter.splitterMoved.connect(
            lambda *_a: self._splitters_moved.add("figures")
        )
        self.report_button.clicked.connect(self._on_save_report_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)

    # -- filters ---------------------------------------------------------------------------
    def period(self) -> tuple[dt.date, dt.date]:
        start: dt.date = self.start.date().toPython()  # type: ignore[assignment]
        end: dt.date = self.end.date().toPython()  # type: ignore[assignment]
        return start, end

    def chosen_area(self) -> str | None:
        return self.area.currentData() or None

    def chosen_weekday(self) -> int | None:
        value = self.weekday.currentData()
        return None if value is None or value < 0 else int(value)

    def chosen_grouping(self) -> GridGrouping:
        return GridGrouping(self.grouping.currentData() or GridGrouping.DISTRICT.value)

    def _fill_filters(self) -> None:
        current_area = self.area.currentData()
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItem(_("All areas"), "")
        for named in self._services.coverage.areas():
            self.area.addItem(named.name(), named.key)
        found = self.area.findData(current_area) if current_area else 0
        self.area.setCurrentIndex(max(found, 0))
        self.area.blockSignals(False)

        current = self.grouping.currentData()
        self.grouping.blockSignals(True)
        self.grouping.clear()
        self.grouping.addItem(_("Postcode districts"), GridGrouping.DISTRICT.value)
        self.grouping.addItem(_("Communities and wards"), GridGrouping.COMMUNITY.value)
        self.grouping.setCurrentIndex(max(self.grouping.findData(current), 0) if current else 0)
        self.grouping.blockSignals(False)

        day = self.weekday.currentData()
        self.weekday.blockSignals(True)
        self.weekday.clear()
        self.weekday.addItem(_("Any day"), -1)
        for index in range(7):
            self.weekday.addItem(weekday_name(index), index)
        self.weekday.setCurrentIndex(max(self.weekday.findData(day), 0) if day is not None else 0)
        self.weekday.blockSignals(False)

        # The report is in the language of the screen, as on the command line, until the
        # coordinator picks one; then it stays as picked.
        language = self.language.currentData() if self._language_chosen else current_language()
        self.language.blockSignals(True)
        self.language.clear()
        self.language.addItem(_("English"), "en")
        self.language.addItem(_("Welsh"), "cy")
        self.language.addItem(_("Welsh and English"), "both")
        self.language.setCurrentIndex(max(self.language.findData(language), 0) if language else 0)
        self.language.blockSignals(False)

    def _on_language_chosen(self, *_args: object) -> None:
        self._language_chosen = True

    def _on_filter_changed(self, *_args: object) -> None:
        self.grouping.setEnabled(self.chosen_area() is None)
        self._figures_stale = True
        self.refresh()

    # -- showing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the grid again (and the figures, when their tab is showing)."""
        start, end = self.period()
        if end < start:
            # Numbers for other dates must not stay on screen as if they were for these.
            self.model.clear()
            self._clear_detail()
            self.grid_summary.setText(period_problem(start, end))
            self._figures_stale = True
            self._show_figures_if_needed()
            return
        chosen = self._current_cell()
        try:
            grid = self._services.coverage.grid(
                grouping=self.chosen_grouping(),
                area=self.chosen_area(),
                weekday=self.chosen_weekday(),
                start=start,
                end=end,
            )
        except CvcError as exc:
            self.grid_summary.setText(str(exc))
            return
        self.model.set_grid(grid)
        self._size_columns()
        self._show_grid_summary(grid)
        self._figures_stale = True
        if chosen is not None and self.model.row_of(chosen[0]) is not None:
            self.show_cell(*chosen)
        else:
            self._clear_detail()
        self._show_figures_if_needed()

    def _size_columns(self) -> None:
        grid = self.model.grid
        if grid is None:
            return
        metrics = self.table.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance("▸ " + row.area.name()) for row in grid.rows),
            default=80,
        )
        self.table.setColumnWidth(0, min(max(widest + 24, 90), 260))
        for column, service in enumerate(grid.services, start=1):
            lines = wrap_words(service.name()).split("\n")
            width = max((metrics.horizontalAdvance(line) for line in lines), default=40)
            self.table.setColumnWidth(column, max(width + 14, 48))
        self._fit_splitters()

    def _show_grid_summary(self, grid: CoverageGrid) -> None:
        rows = [row for row in grid.rows if row.depth == 0]
        if not rows:
            self.grid_summary.setText(
                _(
                    "No areas are recorded yet. Areas appear as groups record the services "
                    "they offer and where."
                )
                if grid.grouping == GridGrouping.DISTRICT or grid.area is not None
                else _("No communities or wards are recorded yet. Show postcode districts instead.")
            )
            return
        cells = [cell for row in rows for cell in row.cells]
        gaps = sum(1 for cell in cells if cell.level is CoverageLevel.GAP)
        several = sum(1 for cell in cells if cell.level is CoverageLevel.SEVERAL)
        alerts = sum(cell.alerts for cell in cells)
        self.grid_summary.setText(
            _("{areas}: {gaps} and {several}; {alerts}.").format(
                areas=ngettext("{count} area", "{count} areas", len(rows)).format(
                    count=format_number(len(rows))
                ),
                gaps=ngettext("{count} gap (no group)", "{count} gaps (no group)", gaps).format(
                    count=format_number(gaps)
                ),
                several=ngettext(
                    "{count} place where two or more groups offer the same service",
                    "{count} places where two or more groups offer the same service",
                    several,
                ).format(count=format_number(several)),
                alerts=ngettext(
                    "{count} open overlap alert", "{count} open overlap alerts", alerts
                ).format(count=format_number(alerts)),
            )
        )

    def _current_cell(self) -> tuple[str, str] | None:
        if self._detail is None:
            return None
        return (self._detail.area.key, self._detail.service.key)

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        if index.column() == 0:
            row = self.model.data(index, ROW_ROLE)
            self.model.toggle(index.row())
            if isinstance(row, GridRow):
                found = self.model.row_of(row.area.key)
                if found is not None:
                    self.table.setCurrentIndex(self.model.index(found, 0))
            return
        cell = self.model.data(index, CELL_ROLE)
        if cell:
            self.show_cell(*cell)

    def show_cell(self, area: str, service: str) -> None:
        """List the groups offering `service` in `area` and the overlap alerts between them."""
        start, end = self.period()
        try:
            detail = self._services.coverage.cell(
                area, service, weekday=self.chosen_weekday(), start=start, end=end
            )
        except CvcError as exc:
            show_error(self, exc)
            return
        self._detail = detail
        self.lines.clear()
        self.alerts.clear()
        self.detail_title.setText(
            _("{service} in {area}: {level}").format(
                service=detail.service.name(),
                area=detail.area.name(),
                level=level_text(detail.groups, detail.overlapping),
            )
        )
        for line in detail.lines:
            item = QListWidgetItem(line_text(line))
            item.setData(Qt.ItemDataRole.UserRole, line.group.key)
            self.lines.addItem(item)
        if not detail.lines:
            self.lines.addItem(QListWidgetItem(_("No group offers this service here.")))
        for alert_id in detail.alert_ids:
            try:
                alert = self._services.alerts.get(alert_id)
            except CvcError:
                continue
            reason = alert.reasons[0] if alert.reasons else ""
            item = QListWidgetItem(
                _("Alert {id} ({status}): {reason}").format(
                    id=alert.id, status=alert.status.label, reason=reason
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, alert.id)
            self.alerts.addItem(item)
        if not detail.alert_ids:
            none = QListWidgetItem(_("No open overlap alert about these groups here."))
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.alerts.addItem(none)
        else:
            self.alerts.setCurrentRow(0)
        self.open_alert_button.setEnabled(bool(detail.alert_ids))
        row = self.model.row_of(area)
        grid = self.model.grid
        if row is not None and grid is not None:
            for column, named in enumerate(grid.services, start=1):
                if named.key == service:
                    self.table.setCurrentIndex(self.model.index(row, column))

    def _clear_detail(self) -> None:
        self._detail = None
        self.lines.clear()
        self.alerts.clear()
        self.open_alert_button.setEnabled(False)
        self.detail_title.setText(
            _("Click a number to see the groups there, their days and times, and any alert.")
        )

    def chosen_alert(self) -> int | None:
        item = self.alerts.currentItem()
        if item is None:
            return None
        value = item.data(Qt.ItemDataRole.UserRole)
        return int(value) if isinstance(value, int) else None

    def _on_open_alert_clicked(self) -> None:
        alert_id = self.chosen_alert()
        if alert_id is not None:
            self.alert_requested.emit(alert_id)

    # -- figures ---------------------------------------------------------------------------
    def _show_figures_if_needed(self) -> None:
        if self.tabs.currentIndex() != 1 or not self._figures_stale:
            return
        self.show_figures()

    def _clear_figures(self, message: str) -> None:
        """Say why there are no figures, and take away any for other filters."""
        self._figures = None
        self._figures_stale = True
        self._tables = []
        self.figures_summary.setText(message)
        self.hours_chart.set_data(_("Hours given each month"), [], [], [])
        self.volunteers_chart.set_data(_("Volunteers each month"), [], [])
        self.volunteers_chart.setToolTip("")
        self.table_choice.blockSignals(True)
        self.table_choice.clear()
        self.table_choice.blockSignals(False)
        self.figure_model.set_table(None)

    def show_figures(self) -> None:
        start, end = self.period()
        if end < start:
            self._clear_figures(period_problem(start, end))
            return
        try:
            figures = self._services.figures.figures(start=start, end=end, area=self.chosen_area())
        except CvcError as exc:
            self._clear_figures(str(exc))
            return
        self._figures = figures
        self._figures_stale = False
        self._tables = [t for t in figure_tables(figures) if t.key != "summary"]
        labels = [format_date(month.month, "MMM yy") for month in figures.months]
        self.hours_chart.set_data(
            _("Hours given each month"),
            labels,
            [month.hours.value for month in figures.months],
            [month.hours.text() for month in figures.months],
        )
        self.volunteers_chart.set_data(
            _("Volunteers each month"),
            labels,
            [
                (_("Gave time"), [m.active.value for m in figures.months]),
                (pgettext("figures", "Joined"), [m.new.value for m in figures.months]),
                (pgettext("figures", "Left"), [m.leaving.value for m in figures.months]),
            ],
        )
        self.volunteers_chart.setToolTip(
            "\n".join(
                _("{month}: {active} gave time, {new} joined, {left} left").format(
                    month=label, active=m.active.text(), new=m.new.text(), left=m.leaving.text()
                )
                for label, m in zip(labels, figures.months, strict=True)
            )
        )
        area = figures.area.name() if figures.area is not None else _("All areas")
        self.figures_summary.setText(
            _(
                "{area}, {start} to {end}: {registered} volunteers on the books, {active} gave "
                "time, {new} joined, {left} left; {hours} hours given; {households} households "
                "supported; {groups} groups. Welsh speakers: {welsh}. DBS renewals overdue: "
                "{overdue}; due in the next {days} days: {soon}."
            ).format(
                area=area,
                start=format_date(figures.start),
                end=format_date(figures.end),
                registered=figures.registered.text(),
                active=figures.active.text(),
                new=figures.new.text(),
                left=figures.leaving.text(),
                hours=figures.hours.text(),
                households=figures.households.text(),
                groups=format_number(figures.groups),
                welsh=figures.welsh_speakers.describe(),
                overdue=figures.dbs_overdue.text(),
                days=format_number(figures.dbs_due_days),
                soon=figures.dbs_due_soon.text(),
            )
        )
        chosen = self.table_choice.currentData()
        self.table_choice.blockSignals(True)
        self.table_choice.clear()
        for table in self._tables:
            self.table_choice.addItem(table.title, table.key)
        found = self.table_choice.findData(chosen) if chosen else 0
        self.table_choice.setCurrentIndex(max(found, 0))
        self.table_choice.blockSignals(False)
        self._on_table_chosen()

    def _on_table_chosen(self, *_args: object) -> None:
        key = self.table_choice.currentData()
        table = next((t for t in self._tables if t.key == key), None)
        self.figure_model.set_table(table)
        self._size_figures_table()

    def _size_figures_table(self) -> None:
        """Every column as wide as its contents (a long text column wraps instead), and the
        table's side of the splitter wide enough to show them all without scrolling."""
        view = self.figures_table
        view.resizeColumnsToContents()
        widest_text = view.fontMetrics().averageCharWidth() * 36
        for column in range(self.figure_model.columnCount()):
            if view.columnWidth(column) > widest_text:
                view.setColumnWidth(column, widest_text)
        view.resizeRowsToContents()
        # The charts keep room to be read: in a window too narrow for both, the table scrolls.
        view.setMinimumWidth(min(_table_width(view), 420))
        self._fit_splitters()

    def _fit_splitters(self) -> None:
        """Give each table the width its columns need and the pane beside it the rest, until
        the coordinator moves a splitter by hand."""
        if "grid" not in self._splitters_moved and self.model.grid is not None:
            _fit(self.grid_splitter, 0, _table_width(self.table), self.cell_detail.minimumWidth())
        if "figures" not in self._splitters_moved and self.figure_model.columnCount():
            _fit(self.figures_splitter, 1, _table_width(self.figures_table), 360)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_splitters()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_splitters()

    # -- report and export -----------------------------------------------------------------
    def _suggested_name(self, suffix: str) -> str:
        start, end = self.period()
        area = (self.chosen_area() or "").replace(" ", "")
        parts = ["community-report" if suffix == ".pdf" else "figures", area, f"{start}_{end}"]
        return "-".join(part for part in parts if part) + suffix

    def _on_save_report_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save report as PDF"),
            str(Path.home() / self._suggested_name(".pdf")),
            _("PDF files (*.pdf)"),
        )
        if path:
            self.save_report(Path(path))

    def save_report(self, path: Path) -> Path | None:
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        start, end = self.period()
        area = self.chosen_area()
        language = self.language.currentData() or "en"
        figures = self._services.figures
        try:
            written: Path = run_task(
                self,
                _("Save report as PDF"),
                _("Making the community activity report…"),
                lambda progress, cancelled: figures.save_report(
                    path,
                    start=start,
                    end=end,
                    area=area,
                    language=language,
                    progress=progress,
                    cancel=cancelled,
                ),
            )
        except TaskCancelled:
            self.status_message.emit(_("The report was not saved."))
            return None
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status_message.emit(_("Report saved to {path}.").format(path=written))
        return written

    def _on_export_clicked(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self,
            _("Export figures"),
            str(Path.home() / self._suggested_name(".xlsx")),
            _("Excel workbooks (*.xlsx);;CSV files (*.csv)"),
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_name(target.name + (".csv" if "csv" in chosen else ".xlsx"))
        self.export_figures(target)

    def export_figures(self, path: Path) -> Path | None:
        start, end = self.period()
        area = self.chosen_area()
        figures = self._services.figures
        try:
            written: Path = run_task(
                self,
                _("Export figures"),
                _("Writing the figures…"),
                lambda _progress, _cancelled: figures.export(path, start=start, end=end, area=area),
            )
        except TaskCancelled:
            return None
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status_message.emit(_("Figures saved to {path}.").format(path=written))
        return written

    # -- texts -----------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        label_for(self.area_label, self.area, _("&Area:"))
        label_for(self.grouping_label, self.grouping, _("&Rows:"))
        label_for(self.weekday_label, self.weekday, _("&Day:"))
        label_for(self.start_label, self.start, _("&From:"))
        label_for(self.end_label, self.end, _("&To:"))
        label_for(self.language_label, self.language, _("Report &language:"))
        self.report_button.setText(_("Save report as &PDF…"))
        self.report_button.setAccessibleName(_("Save report as PDF"))
        self.export_button.setText(_("&Export figures…"))
        self.export_button.setAccessibleName(_("Export figures"))
        self.tabs.setTabText(0, _("&Coverage"))
        self.tabs.setTabText(1, _("F&igures"))
        self.grid_note.setText(
            _(
                "How many groups offer each service in each area, on the chosen day and dates. "
                "Click an area to show its postcode sectors; click a number to see the groups."
            )
        )
        for level, (swatch, text) in self.legend_labels.items():
            text.setText(level.label)
            swatch.setAccessibleName(level.label)
        self.expand_button.setText(_("Open all"))
        self.collapse_button.setText(_("Close all"))
        self.table.setAccessibleName(_("Coverage: areas by services"))
        self.lines_label.setText(_("Groups here:"))
        self.lines.setAccessibleName(_("Groups offering the service here"))
        self.alerts_label.setText(_("Overlap alerts:"))
        self.alerts.setAccessibleName(_("Overlap alerts about these groups"))
        self.open_alert_button.setText(_("Show in &Alerts"))
        self.open_alert_button.setAccessibleName(_("Show in Alerts"))
        label_for(self.table_choice_label, self.table_choice, _("&Numbers:"))
        self.figures_table.setAccessibleName(_("Figures"))
        self.privacy_note.setText(
            _(
                "Numbers of people under 5 are shown as “fewer than 5”, here and in the report "
                "and export, so that no one can be identified."
            )
        )
        self._fill_filters()
        self.grouping.setEnabled(self.chosen_area() is None)
        self._figures_stale = True
        self.refresh()

    def reload_choices(self) -> None:
        self._fill_filters()
