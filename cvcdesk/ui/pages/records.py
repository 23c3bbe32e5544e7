"""What the Volunteers and Groups pages share: search as you type, a paged table, actions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error
from cvcdesk.ui.table_model import PagedTableModel, apply_column_widths


class RecordsPage(Retranslating, QWidget):
    """A searchable table of records with New, Open, Delete and Undo delete."""

    status_message = Signal(str)
    records_changed = Signal()
    undo_available = Signal(bool)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._deleted: list[tuple[str, str]] = []  # (uuid, display name), last deleted last
        self._layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search_label = QLabel(self)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search_label)
        top.addWidget(self.search, 1)
        self._layout.addLayout(top)
        self.filters = QHBoxLayout()
        self._layout.addLayout(self.filters)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("result_count")
        self.table = QTableView(self)
        self.table.setObjectName("table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self._layout.addWidget(self.table, 1)
        self._layout.addWidget(self.result_label)
        self.model = self.create_model()
        self.table.setModel(self.model)
        apply_column_widths(self.table, self.model.columns)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator)
        self._sort_column, self._sort_order = 0, Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _index: self.edit_current())
        open_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Return), self.table)
        open_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        open_shortcut.activated.connect(self.edit_current)
        # Typing several keys quickly costs one query: the search runs when the event loop is
        # idle again, not once per key.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)
        self._search_timer.timeout.connect(self.apply_query)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._focus_table)

    # -- what subclasses provide --------------------------------------------------------
    def create_model(self) -> PagedTableModel[Any]:
        raise NotImplementedError

    def update_query(self) -> None:
        """Hand the search text and filters to the model's count/fetch functions."""
        raise NotImplementedError

    def result_text(self, count: int) -> str:
        raise NotImplementedError

    def row_uuid(self, row: Any) -> str:
        return str(row.uuid)

    def row_name(self, row: Any) -> str:
        raise NotImplementedError

    def open_form(self, uuid: str | None) -> QWidget:
        raise NotImplementedError

    def delete_record(self, uuid: str) -> None:
        raise NotImplementedError

    def restore_record(self, uuid: str) -> None:
        raise NotImplementedError

    def delete_question(self, name: str) -> str:
        raise NotImplementedError

    def deleted_message(self, name: str) -> str:
        return _("Deleted {name}. Press Ctrl+Z to undo.").format(name=name)

    # -- behaviour ----------------------------------------------------------------------
    def apply_query(self) -> None:
        self._search_timer.stop()
        self.update_query()
        self.model.reload()
        self.result_label.setText(self.result_text(self.model.rowCount()))
        if self.model.rowCount():
            self.table.selectRow(0)

    def refresh(self) -> None:
        current = self.current_uuid()
        self.apply_query()
        if current:
            self.select_uuid(current)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_table(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.is_sortable(column):
            # Put the indicator back: that column cannot be sorted on, so do not pretend.
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self._sort_column, self._sort_order)
            header.blockSignals(False)
            return
        self._sort_column, self._sort_order = column, order

    def current_row(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole)

    def current_uuid(self) -> str | None:
        row = self.current_row()
        return self.row_uuid(row) if row is not None else None

    def select_uuid(self, uuid: str) -> bool:
        found = self.model.row_number_of(lambda row: self.row_uuid(row) == uuid)
        if found is None:
            return False
        self.table.selectRow(found)
        self.table.scrollTo(self.model.index(found, 0))
        return True

    def new_record(self) -> None:
        self._show_form(None)

    def edit_current(self) -> None:
        uuid = self.current_uuid()
        if uuid is None:
            self.status_message.emit(_("Choose a row first."))
            return
        self._show_form(uuid)

    def _show_form(self, uuid: str | None) -> None:
        try:
            form = self.open_form(uuid)
        except CvcError as exc:
            show_error(self, exc)
            return
        saved: list[str] = []
        signal = getattr(form, "saved", None)
        if signal is not None:
            signal.connect(saved.append)
        exec_ = getattr(form, "exec", None)
        if callable(exec_):
            exec_()
        if saved:
            self.apply_query()
            self.select_uuid(saved[-1])
            self.records_changed.emit()

    def delete_current(self, *, confirm: bool = True) -> None:
        row = self.current_row()
        if row is None:
            self.status_message.emit(_("Choose a row first."))
            return
        name = self.row_name(row)
        if confirm:
            answer = QMessageBox.question(
                self,
                _("Delete"),
                self.delete_question(name),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        next_row = self.table.currentIndex().row()
        try:
            self.delete_record(self.row_uuid(row))
        except CvcError as exc:
            show_error(self, exc)
            return
        self._deleted.append((self.row_uuid(row), name))
        self.apply_query()
        if self.model.rowCount():
            self.table.selectRow(min(next_row, self.model.rowCount() - 1))
        self.status_message.emit(self.deleted_message(name))
        self.undo_available.emit(True)
        self.records_changed.emit()

    def can_undo_delete(self) -> bool:
        return bool(self._deleted)

    def undo_delete(self) -> None:
        if not self._deleted:
            return
        uuid, name = self._deleted.pop()
        try:
            self.restore_record(uuid)
        except CvcError as exc:
            show_error(self, exc)
            return
        self.apply_query()
        self.select_uuid(uuid)
        self.status_message.emit(_("Restored {name}.").format(name=name))
        self.undo_available.emit(bool(self._deleted))
        self.records_changed.emit()

    def header_state_key(self) -> str:
        return f"pages/{self.objectName()}/header"
