"""Consent history: every time a volunteer's consent to sharing was given or withdrawn.

Read-only; reached from the volunteer form's "DBS and consent" tab. The entries come from the
privacy service (oldest first, as recorded) and are shown newest first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_date, format_datetime
from cvcdesk.services.privacy import ConsentRecord
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error


def consent_cells(entry: ConsentRecord) -> list[str]:
    """The texts of one row: when recorded, given or withdrawn, the consent date as entered on
    the form, how consent was recorded, and by whom."""
    return [
        format_datetime(entry.recorded_at, "short"),
        _("Given") if entry.given else _("Withdrawn"),
        format_date(entry.on_date, "medium") if entry.on_date else "",
        entry.method.label if entry.method is not None else _("Not recorded"),
        entry.recorded_by,
    ]


class ConsentHistoryDialog(Retranslating, QDialog):
    """A read-only table of one volunteer's consent history, newest first."""

    def __init__(
        self, services: Services, uuid: str, name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consent_history_dialog")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setSizeGripEnabled(True)
        self._services = services
        self._uuid = uuid
        self._name = name
        self.entries: list[ConsentRecord] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setObjectName("intro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(self)
        self.table.setObjectName("history")
        self.table.setColumnCount(5)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("empty")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.buttons = QDialogButtonBox(self)
        # Our own button, not a standard one: Qt has no Welsh for its standard texts.
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close")
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        try:
            self.entries = list(reversed(services.privacy.consent_history(uuid)))
        except CvcError as exc:
            show_error(parent, exc)
        self.resize(720, 360)
        self.retranslate_ui()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(consent_cells(entry)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.setVisible(bool(self.entries))
        self.empty.setVisible(not self.entries)

    def retranslate_ui(self) -> None:
        if self._name:
            self.setWindowTitle(_("Consent history: {name}").format(name=self._name))
        else:
            self.setWindowTitle(_("Consent history"))
        self.intro.setText(
            _(
                "Every time consent to sharing details with partner organisations was given or "
                "withdrawn, newest first. This history cannot be edited; change the consent on "
                "the form and save to add an entry."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [_("Recorded"), _("Consent"), _("Consent date"), _("How"), _("Recorded by")]
        )
        self.table.setAccessibleName(_("Consent history"))
        self.empty.setText(_("No consent to sharing has been recorded for this volunteer."))
        self.close_button.setText(_("&Close"))
        self.close_button.setAccessibleName(_("Close"))
        self._fill()


def show_consent_history(
    services: Services, uuid: str, name: str = "", parent: QWidget | None = None
) -> None:
    dialog = ConsentHistoryDialog(services, uuid, name, parent)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
