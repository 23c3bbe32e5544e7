"""The Conflicts inbox: records changed both here and by a partner since the last exchange.

For one conflict each differing field shows its value at the last exchange, here, and from the
partner side by side; the coordinator picks which to keep, field by field, and resolves it. The
result is a new version here, sent to the partner with the next export. Nothing is dropped:
until it is resolved the record keeps the values it has here.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_datetime, format_number, ngettext
from cvcdesk.services.registry import Services
from cvcdesk.services.sync import ConflictField, ConflictRow
from cvcdesk.ui.common import Retranslating, show_error

LOCAL, INCOMING, BASE = "local", "incoming", "base"
FIELD, BEFORE, HERE, THEIRS, CHANGED, KEEP = range(6)


def value_text(value: Any) -> str:
    """A stored value as a person reads it: lists joined, yes/no, a dash for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "; ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    if isinstance(value, float | int):
        return format_number(value)
    text = str(value)
    return text if len(text) < 2000 else json.dumps(text)[:2000] + "…"


def changed_text(field: ConflictField) -> str:
    """Who changed a field since the last exchange, in words (never colour alone)."""
    if field.changed_here and field.changed_there:
        return _("Both sides")
    if field.changed_here:
        return _("Here")
    if field.changed_there:
        return _("Partner")
    return _("Neither")


def conflict_heading(row: ConflictRow) -> str:
    partner = row.partner_name or _("a partner")
    if row.proposal:
        return _("{title} ({type}): a change {partner} proposes to your record").format(
            type=row.type_label, title=row.title, partner=partner
        )
    return _("{title} ({type}): changed here and by {partner}").format(
        type=row.type_label, title=row.title, partner=partner
    )


def _item(text: str, tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(tooltip or text)
    return item


class ConflictsPanel(Retranslating, QWidget):
    """The inbox: open conflicts on the left, the chosen one's fields on the right."""

    conflict_resolved = Signal(int)
    status_message = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflicts_panel")
        self._services = services
        self._rows: list[ConflictRow] = []
        self._shown: ConflictRow | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("conflicts_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.list_label = QLabel(left)
        self.list = QListWidget(left)
        self.list.setObjectName("conflicts")
        self.list.setWordWrap(True)
        left_layout.addWidget(self.list_label)
        left_layout.addWidget(self.list, 1)
        right = QWidget(splitter)
        grid = QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(right)
        self.title.setObjectName("conflict_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.explain = QLabel(right)
        self.explain.setObjectName("conflict_explain")
        self.explain.setWordWrap(True)
        self.fields_label = QLabel(right)
        self.fields = QTableWidget(right)
        self.fields.setObjectName("conflict_fields")
        self.fields.setColumnCount(6)
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.setTabKeyNavigation(False)
        self.fields.setWordWrap(True)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        buttons = QHBoxLayout()
        self.keep_here = QPushButton(right)
        self.keep_here.setObjectName("keep_all_here")
        self.take_theirs = QPushButton(right)
        self.take_theirs.setObjectName("take_all_theirs")
        self.resolve_button = QPushButton(right)
        self.resolve_button.setObjectName("resolve_conflict")
        buttons.addWidget(self.keep_here)
        buttons.addWidget(self.take_theirs)
        buttons.addStretch(1)
        buttons.addWidget(self.resolve_button)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.explain, 1, 0)
        grid.addWidget(self.fields_label, 2, 0)
        grid.addWidget(self.fields, 3, 0)
        grid.addLayout(buttons, 4, 0)
        grid.setRowStretch(3, 1)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        layout.addWidget(splitter, 1)
        self._connect_signals()
        self.retranslate_ui()

    def _connect_signals(self) -> None:
        self.list.currentRowChanged.connect(lambda _row: self.show_current())
        self.keep_here.clicked.connect(lambda: self._choose_all(LOCAL))
        self.take_theirs.clicked.connect(lambda: self._choose_all(INCOMING))
        self.resolve_button.clicked.connect(self._on_resolve_clicked)

    # -- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.current_id()
        try:
            self._rows = self._services.sync.conflicts()
        except CvcError as exc:
            show_error(self, exc)
            self._rows = []
        self.list.blockSignals(True)
        self.list.clear()
        chosen = 0
        for index, row in enumerate(self._rows):
            item = QListWidgetItem(self._list_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setToolTip(conflict_heading(row))
            self.list.addItem(item)
            if row.id == current:
                chosen = index
        self.list.blockSignals(False)
        if self._rows:
            self.list.setCurrentRow(chosen)
        self._show_summary()
        self.show_current()

    def count(self) -> int:
        return len(self._rows)

    def _list_text(self, row: ConflictRow) -> str:
        changes = ngettext("{count} field", "{count} fields", len(row.fields)).format(
            count=format_number(len(row.fields))
        )
        if row.proposal:
            return _("{type}: {title}\nProposed by {partner} · {fields}").format(
                type=row.type_label, title=row.title, partner=row.partner_name, fields=changes
            )
        return _("{type}: {title}\nWith {partner} · {fields}").format(
            type=row.type_label, title=row.title, partner=row.partner_name, fields=changes
        )

    def _show_summary(self) -> None:
        if self._rows:
            self.summary.setText(
                ngettext(
                    "{count} record waits for you to choose which values to keep.",
                    "{count} records wait for you to choose which values to keep.",
                    len(self._rows),
                ).format(count=format_number(len(self._rows)))
            )
        else:
            self.summary.setText(
                _(
                    "No conflicts. A conflict appears when a record was changed both here and "
                    "by a partner since your last exchange; nothing is overwritten until you "
                    "choose."
                )
            )

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        if item is None:
            return None
        value = item.data(Qt.ItemDataRole.UserRole)
        return int(value) if value is not None else None

    def current(self) -> ConflictRow | None:
        wanted = self.current_id()
        return next((row for row in self._rows if row.id == wanted), None)

    def select(self, conflict_id: int) -> None:
        for index in range(self.list.count()):
            if self.list.item(index).data(Qt.ItemDataRole.UserRole) == conflict_id:
                self.list.setCurrentRow(index)
                return

    def show_current(self) -> None:
        row = self.current()
        self._shown = row
        self.fields.setRowCount(0)
        has = row is not None
        for widget in (self.keep_here, self.take_theirs, self.resolve_button, self.fields):
            widget.setEnabled(has)
        if row is None:
            self.title.setText(_("Choose a conflict to compare its values.") if self._rows else "")
            self.explain.setText("")
            return
        self.title.setText(conflict_heading(row))
        if row.proposal:
            explain = _(
                "This record is yours; {partner} changed it on {when}. Take their values only "
                "if they are right: yours are kept until you resolve."
            )
        else:
            explain = _(
                "This record was changed here and by {partner} (file of {when}) since your last "
                "exchange. Until you resolve, it keeps the values it has here."
            )
        self.explain.setText(
            explain.format(
                partner=row.partner_name or _("a partner"),
                when=format_datetime(row.created_at, "short"),
            )
        )
        self.fields.setRowCount(len(row.fields))
        for index, field in enumerate(row.fields):
            self.fields.setItem(index, FIELD, _item(field.label, field.name))
            self.fields.setItem(index, BEFORE, _item(value_text(field.base)))
            self.fields.setItem(index, HERE, _item(value_text(field.local)))
            self.fields.setItem(index, THEIRS, _item(value_text(field.incoming)))
            self.fields.setItem(index, CHANGED, _item(changed_text(field)))
            combo = QComboBox(self.fields)
            combo.setObjectName(f"keep_{field.name}")
            combo.addItem(_("Here"), LOCAL)
            combo.addItem(_("Partner"), INCOMING)
            combo.addItem(_("Before"), BASE)
            combo.setCurrentIndex(max(0, combo.findData(field.suggested)))
            combo.setAccessibleName(_("Value to keep for {field}").format(field=field.label))
            self.fields.setCellWidget(index, KEEP, combo)
        self.fields.resizeColumnsToContents()
        metrics = self.fields.fontMetrics()
        for column in (BEFORE, HERE, THEIRS):
            width = min(self.fields.columnWidth(column), metrics.averageCharWidth() * 32)
            self.fields.setColumnWidth(column, width)
        self.fields.resizeRowsToContents()

    # -- choosing -----------------------------------------------------------------------
    def keep_combo(self, field: str) -> QComboBox:
        row = self._shown
        assert row is not None
        index = [f.name for f in row.fields].index(field)
        widget = self.fields.cellWidget(index, KEEP)
        assert isinstance(widget, QComboBox)
        return widget

    def choices(self) -> dict[str, str]:
        row = self._shown
        if row is None:
            return {}
        chosen: dict[str, str] = {}
        for index, field in enumerate(row.fields):
            widget = self.fields.cellWidget(index, KEEP)
            if isinstance(widget, QComboBox):
                chosen[field.name] = str(widget.currentData())
        return chosen

    def _choose_all(self, side: str) -> None:
        row = self._shown
        if row is None:
            return
        for index in range(len(row.fields)):
            widget = self.fields.cellWidget(index, KEEP)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(side)))

    def _on_resolve_clicked(self) -> None:
        row = self._shown
        if row is None:
            return
        try:
            self._services.sync.resolve(row.id, self.choices())
        except CvcError as exc:
            show_error(self, exc, _("Resolve a conflict"))
            return
        self.status_message.emit(
            _("Resolved {title}; the values you kept go to {partner} with the next export.").format(
                title=row.title, partner=row.partner_name or _("the partner")
            )
        )
        self.refresh()
        self.conflict_resolved.emit(row.id)

    # -- texts --------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.list_label.setText(_("&Open conflicts:"))
        self.list_label.setBuddy(self.list)
        self.list.setAccessibleName(_("Open conflicts"))
        self.fields_label.setText(_("&Values, field by field:"))
        self.fields_label.setBuddy(self.fields)
        self.fields.setAccessibleName(_("Values before, here and from the partner"))
        self.fields.setHorizontalHeaderLabels(
            [
                _("Field"),
                _("Before (last exchange)"),
                _("Here"),
                _("From the partner"),
                _("Changed by"),
                _("Keep"),
            ]
        )
        self.keep_here.setText(_("Keep all &here"))
        self.keep_here.setAccessibleName(_("Keep every value as it is here"))
        self.take_theirs.setText(_("&Take all from the partner"))
        self.take_theirs.setAccessibleName(_("Take every value from the partner"))
        self.resolve_button.setText(_("&Resolve with these values"))
        self.resolve_button.setAccessibleName(_("Resolve with these values"))
        self.refresh()
