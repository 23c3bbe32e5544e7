"""File ▸ Restore from backup…: choose a backup and put it in place of the database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_datetime, format_number
from cvcdesk.services.backups import BackupInfo
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error


class RestoreDialog(Retranslating, QDialog):
    """Lists the database's backups, newest first; restoring keeps the replaced file."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restore_dialog")
        self._services = services
        self.kept: Path | None = None
        self._backups: list[BackupInfo] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(self)
        self.table.setObjectName("backups")
        self.table.setColumnCount(3)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.other_button = QPushButton(self)
        self.other_button.setObjectName("other_file")
        layout.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restore")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.restore_chosen)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.other_button.clicked.connect(lambda: self.restore_other())
        self.resize(760, 420)
        self.retranslate_ui()

    def _fill(self) -> None:
        self._backups = sorted(
            self._services.backups.list(), key=lambda b: b.taken_at, reverse=True
        )
        self.table.setRowCount(len(self._backups))
        for row, backup in enumerate(self._backups):
            cells = (
                format_datetime(backup.taken_at, "medium"),
                backup.description,
                _("{size} kB").format(size=format_number(round(backup.size / 1024))),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self._backups:
            self.table.selectRow(0)
        self.restore_button.setEnabled(bool(self._backups))

    def restore_chosen(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._backups):
            self.restore(self._backups[row].path)

    def restore_other(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, _("Restore from a backup file"), "", _("cvcdesk databases (*.db)")
            )
            if not chosen:
                return
            path = Path(chosen)
        self.restore(path)

    def restore(self, path: Path) -> None:
        try:
            self.kept = self._services.restore_backup(path)
        except CvcError as exc:
            show_error(self, exc)
            return
        self.accept()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Restore from backup"))
        self.intro.setText(
            _(
                "Choose a backup to put in place of the database. The database as it is now "
                "is kept in the backups folder, so nothing is lost."
            )
        )
        self.table.setHorizontalHeaderLabels([_("Taken"), _("Why"), _("Size")])
        self.table.setAccessibleName(_("Backups"))
        self.other_button.setText(_("Restore from &another file…"))
        self.other_button.setAccessibleName(_("Restore from another file"))
        self.restore_button.setText(_("&Restore"))
        self.restore_button.setAccessibleName(_("Restore"))
        self._fill()
