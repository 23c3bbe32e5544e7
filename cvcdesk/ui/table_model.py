"""A read-only table model that pages through a service instead of holding every row.

The row count comes from one COUNT query; rows are fetched a page at a time when the view
asks for them, and only a bounded number of pages stay in memory, so a 100,000-volunteer
database costs a few hundred rows of memory however far the coordinator scrolls.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: a key, a header (translated when shown) and how to display a row's value."""

    key: str
    header: Callable[[], str]
    display: Callable[[Row], str]
    sort_key: str | None = None  # the service's order name; None = not sortable
    align_right: bool = False
    width: int = 12  # starting width in average characters (the user's widths are remembered)


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    PAGE_SIZE = 200
    MAX_PAGES = 12
    MAX_KEPT_TEXTS = 50_000

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        count: Callable[[], int],
        fetch: Callable[[int, int, str, bool], list[Row]],
        *,
        default_sort: str = "name",
        texts_by_value: bool = False,
        page_size: int | None = None,
    ) -> None:
        """`texts_by_value`: the rows are hashable values and a cell's text depends on its row
        and the language only, so formatted texts are kept by row across searches (typing a
        search shows many of the same people again; their dates and phone numbers are not
        formatted twice). Otherwise texts are kept until the next reload.

        `page_size`: rows read per query (a smaller first page shows search results sooner;
        each later page is one more quick query as the coordinator scrolls)."""
        super().__init__()
        if page_size is not None:
            self.PAGE_SIZE = page_size
        self._columns = list(columns)
        self._count_fn = count
        self._fetch_fn = fetch
        self._rows = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._texts: dict[tuple[int, int], str] = {}
        self._texts_by_value = texts_by_value
        self._value_texts: dict[tuple[Row, int], str] = {}
        self._order = default_sort
        self._descending = False
        self._loaded = False
        self.pages_fetched = 0  # for tests and benchmarks: how many queries the view caused

    # -- what the view asks -------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].header()
            if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].sort_key:
                return self._columns[section].header()
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    _WANTED_ROLES = frozenset(
        (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.UserRole,
        )
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks for a dozen roles per cell on every paint: answer the ones we do not
        # use before touching any row.
        if role not in self._WANTED_ROLES or not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.UserRole:
            return row
        # Formatting (dates, labels, phone numbers) is done once per row and kept, not done
        # again on every repaint.
        if self._texts_by_value:
            value_key = (row, index.column())
            text = self._value_texts.get(value_key)
            if text is None:
                text = column.display(row)
                if len(self._value_texts) >= self.MAX_KEPT_TEXTS:
                    self._value_texts.clear()
                self._value_texts[value_key] = text
            return text
        key = (index.row(), index.column())
        text = self._texts.get(key)
        if text is None:
            text = column.display(row)
            self._texts[key] = text
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._columns[column].sort_key if 0 <= column < len(self._columns) else None
        if key is None:
            return
        wanted = (key, order == Qt.SortOrder.DescendingOrder)
        if wanted == (self._order, self._descending):
            return
        self._order, self._descending = wanted
        if self._loaded:
            self.reload()

    @property
    def columns(self) -> list[Column[Row]]:
        return list(self._columns)

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(self._columns) and self._columns[column].sort_key is not None

    # -- for pages ----------------------------------------------------------------------
    def row_at(self, row: int) -> Row | None:
        if not 0 <= row < self._rows:
            return None
        page_no, offset = divmod(row, self.PAGE_SIZE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch_fn(
                page_no * self.PAGE_SIZE, self.PAGE_SIZE, self._order, self._descending
            )
            self.pages_fetched += 1
            self._pages[page_no] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
                self._texts.clear()  # rare: only after scrolling far; rebuilt as rows show
        else:
            self._pages.move_to_end(page_no)
        return page[offset] if offset < len(page) else None

    def cached_rows(self) -> int:
        return sum(len(page) for page in self._pages.values())

    def reload(self) -> None:
        """Count again and forget cached pages (after a search, filter, sort or edit)."""
        self.beginResetModel()
        self._pages.clear()
        self._texts.clear()
        self._rows = self._count_fn()
        self._loaded = True
        self.endResetModel()

    def retranslate(self) -> None:
        """Headers and displayed values follow the language (labels, dates, Welsh order)."""
        self._value_texts.clear()
        if self._loaded:
            self.reload()
        if self._columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)

    def row_number_of(self, predicate: Callable[[Row], bool]) -> int | None:
        """The row of the first cached row matching `predicate` (used to reselect after edits)."""
        for page_no, page in self._pages.items():
            for offset, row in enumerate(page):
                if predicate(row):
                    return page_no * self.PAGE_SIZE + offset
        return None


def apply_column_widths(view: QTableView, columns: Sequence[Column[Any]]) -> None:
    """Starting widths that fit typical values in the current font (follows its size)."""
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    for section, column in enumerate(columns):
        header.resizeSection(section, metrics.averageCharWidth() * column.width + 16)
