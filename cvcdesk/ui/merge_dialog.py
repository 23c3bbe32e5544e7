"""Merge two records side by side: choose per field, see what moves, merge in one step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.enums import LabelledEnum
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_date, format_number
from cvcdesk.services.merge import MergePreview, move_label
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error


def display_value(value: Any) -> str:
    """A field's value as a coordinator reads it (labels, local dates, Yes/No)."""
    if value is None or value == "" or value == () or value == []:
        return "—"
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return format_date(value, "medium")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(display_value(v) for v in value)
    return str(value)


class MergeDialog(Retranslating, QDialog):
    """Keep one record, fold the other into it; the other becomes a tombstone."""

    def __init__(
        self, services: Services, first_uuid: str, second_uuid: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("merge_dialog")
        self._services = services
        self.result_keep_uuid: str | None = None
        self.result_backup_path: Path | None = None  # the copy taken before merging
        self._groups: dict[str, QButtonGroup] = {}
        self.preview: MergePreview = services.merge.preview(first_uuid, second_uuid)
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.swap_button = QPushButton(self)
        self.swap_button.setObjectName("swap")
        layout.addWidget(self.swap_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget(self)
        self.table.setObjectName("fields")
        self.table.setColumnCount(3)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        layout.addWidget(self.table, 1)
        self.moves = QLabel(self)
        self.moves.setObjectName("moves")
        self.moves.setWordWrap(True)
        layout.addWidget(self.moves)
        self.buttons = QDialogButtonBox(self)
        self.merge_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setObjectName("do_merge")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.do_merge)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.swap_button.clicked.connect(self.swap)
        self.resize(900, 620)
        self.retranslate_ui()

    def _fill(self) -> None:
        preview = self.preview
        shown = [f for f in preview.fields if f.differs or f.conflict]
        self.table.setRowCount(len(shown))
        self._groups = {}
        for row, choice in enumerate(shown):
            label = QTableWidgetItem(choice.label)
            label.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, label)
            group = QButtonGroup(self.table)
            for column, side, value in (
                (1, "keep", choice.keep_value),
                (2, "other", choice.other_value),
            ):
                button = QRadioButton(display_value(value), self.table)
                button.setObjectName(f"{choice.field}_{side}")
                button.setAccessibleName(
                    _("{field}: {value}").format(field=choice.label, value=display_value(value))
                )
                button.setChecked(side == choice.default)
                # Only real conflicts are a choice: an empty value never beats a filled one.
                button.setEnabled(choice.conflict)
                group.addButton(button)
                button.setProperty("side", side)
                self.table.setCellWidget(row, column, button)
            self._groups[choice.field] = group
        moved = [
            _("{what}: {count}").format(what=move_label(key), count=format_number(count))
            for key, count in preview.moves.items()
            if count
        ]
        self.moves.setText(
            _("Moves to the kept record: {moves}.").format(moves="; ".join(moved))
            if moved
            else _("Nothing else needs to move.")
        )

    def choices(self) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for field, group in self._groups.items():
            button = group.checkedButton()
            if button is not None:
                chosen[field] = str(button.property("side"))
        return chosen

    def swap(self) -> None:
        try:
            self.preview = self._services.merge.preview(
                self.preview.other_uuid, self.preview.keep_uuid
            )
        except CvcError as exc:
            show_error(self, exc)
            return
        self.retranslate_ui()

    def do_merge(self) -> None:
        preview = self.preview
        # The database is backed up first, which takes a moment on a large one.
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = self._services.merge.merge(
                preview.keep_uuid,
                preview.other_uuid,
                self.choices(),
                keep_version=preview.keep_version,
                other_version=preview.other_version,
            )
        except CvcError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        self.result_keep_uuid = result.keep_uuid
        self.result_backup_path = result.backup_path
        self.accept()

    def retranslate_ui(self) -> None:
        preview = self.preview
        self.setWindowTitle(_("Merge two records"))
        self.intro.setText(
            _(
                "Keep “{keep}” and fold “{other}” into it. Where both have a value, choose "
                "which to keep; an empty value never replaces a filled one. “{other}” stays "
                "as a pointer to the kept record, and the merge can be undone."
            ).format(keep=preview.keep_name, other=preview.other_name)
            + " "
            + _("The database is backed up first.")
        )
        self.swap_button.setText(_("&Keep the other record instead"))
        self.swap_button.setAccessibleName(_("Keep the other record instead"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Field"),
                _("Kept: {name}").format(name=preview.keep_name),
                _("Merged in: {name}").format(name=preview.other_name),
            ]
        )
        self.table.setAccessibleName(_("Fields to choose"))
        self.merge_button.setText(_("&Merge"))
        self.merge_button.setAccessibleName(_("Merge"))
        self._fill()
