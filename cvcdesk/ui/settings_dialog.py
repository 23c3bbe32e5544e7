"""Tools ▸ Settings…: what prints on paper, alert and planning windows, backups, and who this
database is to partners (its group and key fingerprint)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.services.activities import MAX_HORIZON_DAYS
from cvcdesk.services.registry import Services
from cvcdesk.services.settings import MAX_DBS_DUE_DAYS, Preferences, SettingsService
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import MessageLabel
from cvcdesk.ui.sync_dialogs import fingerprint_label

_NO_GROUP = ""


class SettingsDialog(Retranslating, QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self._services = services
        self._settings = SettingsService(services.database)
        self._stored = self._settings.read()
        self._organisation = ""
        self._fingerprint = ""
        self._identity_problem = ""
        try:
            identity = services.identity.identity()
        except CvcError as exc:
            self._identity_problem = str(exc)
        else:
            self._organisation = identity.organisation_uuid or _NO_GROUP
            self._fingerprint = identity.fingerprint

        layout = QVBoxLayout(self)
        self._labels: dict[str, QLabel] = {}
        self._messages: dict[str, MessageLabel] = {}

        # -- printed pages
        self.printing_box = QGroupBox(self)
        printing = QFormLayout(self.printing_box)
        self.name_en = QLineEdit(self._stored.cvc_name_en, self.printing_box)
        self.name_en.setObjectName("cvc_name_en")
        self.name_cy = QLineEdit(self._stored.cvc_name_cy, self.printing_box)
        self.name_cy.setObjectName("cvc_name_cy")
        self.logo = QLineEdit(self._stored.logo, self.printing_box)
        self.logo.setObjectName("logo")
        self.logo_button = QPushButton(self.printing_box)
        self.logo_button.setObjectName("choose_logo")
        self.logo_button.clicked.connect(self.choose_logo)
        logo_row = QWidget(self.printing_box)
        logo_layout = QHBoxLayout(logo_row)
        logo_layout.setContentsMargins(0, 0, 0, 0)
        logo_layout.addWidget(self.logo, 1)
        logo_layout.addWidget(self.logo_button)
        self._row(printing, "cvc_name_en", self.name_en)
        self._row(printing, "cvc_name_cy", self.name_cy)
        self._row(printing, "logo", logo_row, buddy=self.logo)
        layout.addWidget(self.printing_box)

        # -- alerts and planning
        self.planning_box = QGroupBox(self)
        planning = QFormLayout(self.planning_box)
        self.dbs_days = self._spin("dbs_due_days", 0, MAX_DBS_DUE_DAYS, self._stored.dbs_due_days)
        self.horizon = self._spin("horizon_days", 7, MAX_HORIZON_DAYS, self._stored.horizon_days)
        self._row(planning, "dbs_due_days", self.dbs_days)
        self._row(planning, "horizon_days", self.horizon)
        layout.addWidget(self.planning_box)

        # -- backups
        self.backups_box = QGroupBox(self)
        backups = QFormLayout(self.backups_box)
        self.keep_days = self._spin("backup_keep_days", 1, 3650, self._stored.backup_keep_days)
        self.every_hours = self._spin(
            "backup_interval_hours", 0, 24 * 366, self._stored.backup_interval_hours
        )
        self._row(backups, "backup_keep_days", self.keep_days)
        self._row(backups, "backup_interval_hours", self.every_hours)
        self.backup_folder = QLabel(str(services.backups.folder or ""), self.backups_box)
        self.backup_folder.setObjectName("backup_folder")
        self.backup_folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_folder.setWordWrap(True)
        self._row(backups, "backup_folder", self.backup_folder, message=False)
        layout.addWidget(self.backups_box)

        # -- this organisation
        self.identity_box = QGroupBox(self)
        identity_form = QFormLayout(self.identity_box)
        self.group = QComboBox(self.identity_box)
        self.group.setObjectName("organisation")
        self._row(identity_form, "organisation", self.group, message=False)
        self.fingerprint = fingerprint_label(self.identity_box, "fingerprint")
        self.fingerprint.setText(self._fingerprint)
        self.copy_button = QPushButton(self.identity_box)
        self.copy_button.setObjectName("copy_fingerprint")
        self.copy_button.clicked.connect(self.copy_fingerprint)
        fingerprint_row = QWidget(self.identity_box)
        fingerprint_layout = QHBoxLayout(fingerprint_row)
        fingerprint_layout.setContentsMargins(0, 0, 0, 0)
        fingerprint_layout.addWidget(self.fingerprint, 1)
        fingerprint_layout.addWidget(self.copy_button)
        self._row(identity_form, "fingerprint", fingerprint_row, buddy=self.copy_button)
        self.identity_note = QLabel(self.identity_box)
        self.identity_note.setWordWrap(True)
        identity_form.addRow(self.identity_note)
        layout.addWidget(self.identity_box)
        self.identity_box.setEnabled(not self._identity_problem)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for edit in (self.name_en, self.name_cy, self.logo):
            edit.textChanged.connect(lambda _text: self.validate())
        for spin in (self.dbs_days, self.horizon, self.keep_days, self.every_hours):
            spin.valueChanged.connect(lambda _value: self.validate())
        self.setMinimumWidth(680)
        self.retranslate_ui()
        self.validate()

    # -- building ------------------------------------------------------------------------
    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(min(max(value, low), high))
        return spin

    def _row(
        self,
        form: QFormLayout,
        name: str,
        field: QWidget,
        *,
        buddy: QWidget | None = None,
        message: bool = True,
    ) -> None:
        label = QLabel(self)
        self._labels[name] = label
        label.setProperty("buddy_name", name)
        label.setBuddy(buddy or field)
        if not message:
            form.addRow(label, field)
            return
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(field)
        shown = MessageLabel(holder)
        shown.setObjectName(f"{name}_message")
        column.addWidget(shown)
        self._messages[name] = shown
        form.addRow(label, holder)

    # -- reading and checking ------------------------------------------------------------
    def preferences(self) -> Preferences:
        return Preferences(
            cvc_name_en=self.name_en.text(),
            cvc_name_cy=self.name_cy.text(),
            logo=self.logo.text(),
            dbs_due_days=self.dbs_days.value(),
            horizon_days=self.horizon.value(),
            backup_keep_days=self.keep_days.value(),
            backup_interval_hours=self.every_hours.value(),
        )

    def validate(self) -> bool:
        problems = self._settings.problems(self.preferences())
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(problem.message)
        for name, shown in self._messages.items():
            shown.set_messages(by_field.get(name, []))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
        return not problems

    # -- actions -------------------------------------------------------------------------
    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose a logo"), self.logo.text(), _("Images (*.png *.jpg *.jpeg)")
        )
        if path:
            self.logo.setText(path)

    def copy_fingerprint(self) -> None:
        QApplication.clipboard().setText(self._fingerprint)

    def save(self) -> None:
        if not self.validate():
            return
        chosen = str(self.group.currentData() or _NO_GROUP)
        try:
            self._stored = self._settings.save(self.preferences())
            if chosen and chosen != self._organisation:
                self._services.identity.set_organisation(chosen)
                self._organisation = chosen
        except CvcError as exc:
            show_error(self, exc, _("Settings"))
            return
        self.accept()

    # -- language ------------------------------------------------------------------------
    def _fill_groups(self) -> None:
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(_("(not chosen yet)"), _NO_GROUP)
        for uuid, name in self._services.organisations.names():
            self.group.addItem(name, uuid)
        index = self.group.findData(self._organisation)
        self.group.setCurrentIndex(max(index, 0))
        self.group.blockSignals(False)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Settings"))
        self.printing_box.setTitle(_("Printed pages"))
        self.planning_box.setTitle(_("Alerts and planning"))
        self.backups_box.setTitle(_("Backups"))
        self.identity_box.setTitle(_("This organisation, as partners see it"))
        texts: dict[str, Callable[[], str]] = {
            "cvc_name_en": lambda: _("CVC's name in &English:"),
            "cvc_name_cy": lambda: _("CVC's name in &Welsh:"),
            "logo": lambda: _("&Logo:"),
            "dbs_due_days": lambda: _("Warn before a &DBS renewal is due (days):"),
            "horizon_days": lambda: _("&Plan shifts ahead (days):"),
            "backup_keep_days": lambda: _("&Keep backups for (days):"),
            "backup_interval_hours": lambda: _("Back up on opening at most every (&hours):"),
            "backup_folder": lambda: _("Backups folder:"),
            "organisation": lambda: _("This database belongs to &group:"),
            "fingerprint": lambda: _("Key fingerprint:"),
        }
        for name, text in texts.items():
            label = self._labels[name]
            buddy = label.buddy()
            label_for(label, buddy if buddy is not None else label, text())
        self.every_hours.setSpecialValueText(_("every time it opens"))
        self.logo_button.setText(_("C&hoose…"))
        self.logo_button.setAccessibleName(_("Choose a logo"))
        self.copy_button.setText(_("&Copy"))
        self.copy_button.setAccessibleName(_("Copy the key fingerprint"))
        self.fingerprint.setAccessibleName(_("Key fingerprint"))
        self.backup_folder.setAccessibleName(_("Backups folder"))
        if self._identity_problem:
            self.identity_note.setText(self._identity_problem)
        else:
            self.identity_note.setText(
                _(
                    "Partners check this fingerprint when they add you. Read it out to them "
                    "by phone or in person; never trust one sent in the same e-mail as the file."
                )
            )
        self._fill_groups()
        self.validate()


def show_settings(services: Services, parent: QWidget | None = None) -> bool:
    """Open the Settings dialog; True when the coordinator saved."""
    dialog = SettingsDialog(services, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted
