"""Partner sync dialogs: add a partner (checking its fingerprint), share settings, and the export
and import wizards.

Every step is a call to the partner and sync services. The slow ones (counting an export,
writing it, checking and applying a file) run off the GUI thread through
:func:`cvcdesk.ui.tasks.run_task`, with progress and Cancel. A refused file or setting is shown
on the page itself with the service's own message, and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from cvcdesk.domain.errors import CvcError, ValidationError
from cvcdesk.domain.syncformat import (
    RECORD_TYPES,
    SharingProfile,
    VolunteerSharing,
    record_type_label,
)
from cvcdesk.i18n import _, current_language, format_number, ngettext
from cvcdesk.services.identity import PartnerIdentity
from cvcdesk.services.partners import FieldsLeaving, PartnerInfo, fields_leaving
from cvcdesk.services.registry import Services
from cvcdesk.services.sync import ExportPreview, ExportResult, ImportPreview, ImportResult
from cvcdesk.ui.common import Retranslating, label_for
from cvcdesk.ui.tasks import TaskCancelled, run_task

SYNC_SUFFIX = ".cvcsync"


# ---- shared pieces ---------------------------------------------------------------------------


def error_text(exc: CvcError) -> str:
    """A refusal as the coordinator reads it: the service's message, every problem listed."""
    if isinstance(exc, ValidationError) and exc.errors:
        return "\n".join(str(problem) for problem in exc.errors)
    return str(exc)


def fingerprint_lines(fingerprint: str) -> str:
    """A fingerprint in two lines of four groups, easy to read out over the phone."""
    groups = fingerprint.split()
    if len(groups) <= 4:
        return fingerprint
    half = (len(groups) + 1) // 2
    return " ".join(groups[:half]) + "\n" + " ".join(groups[half:])


def fingerprint_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(max(font.pointSizeF(), label.font().pointSizeF()) * 1.25)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return label


def problem_label(parent: QWidget) -> QLabel:
    """Where a refusal is written: bold words (never colour alone), selectable, read aloud."""
    label = QLabel(parent)
    label.setObjectName("problem")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setVisible(False)
    return label


def show_problem(label: QLabel, text: str) -> None:
    label.setText(_("Refused: {message}").format(message=text) if text else "")
    label.setAccessibleName(label.text())
    label.setVisible(bool(text))


def profile_summary(profile: SharingProfile) -> str:
    """What a partner is sent, in a few words for the partners table."""
    parts = []
    if profile.organisations:
        parts.append(_("groups"))
    if profile.activities:
        parts.append(_("activities"))
    if profile.households:
        parts.append(_("households"))
    if profile.alert_decisions:
        parts.append(_("alert decisions"))
    if profile.volunteers == VolunteerSharing.FULL:
        parts.append(_("volunteers who consented, in full"))
    elif profile.volunteers == VolunteerSharing.PSEUDONYMISED:
        parts.append(_("volunteers pseudonymised"))
    if not parts:
        return _("Nothing")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _item(text: str, *, number: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(parent: QWidget, name: str, columns: int) -> QTableWidget:
    """A read-only table whose first column (the kind of record) takes the spare width."""
    table = QTableWidget(parent)
    table.setObjectName(name)
    table.setColumnCount(columns)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    return table


class FieldsTree(QTreeWidget):
    """Which record types leave and, under each, exactly which fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fields_leaving")
        self.setColumnCount(1)
        self.setHeaderHidden(True)
        # Long labels scroll sideways rather than being cut short with an ellipsis.
        self.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.header().setStretchLastSection(False)
        self._items: Sequence[FieldsLeaving] = ()

    def set_items(self, items: Sequence[FieldsLeaving]) -> None:
        self._items = tuple(items)
        self.clear()
        if not items:
            self.addTopLevelItem(QTreeWidgetItem([_("Nothing is sent to this partner.")]))
            return
        for leaving in items:
            top = QTreeWidgetItem(
                [
                    ngettext(
                        "{type}: {count} field", "{type}: {count} fields", len(leaving.fields)
                    ).format(type=leaving.label, count=format_number(len(leaving.fields)))
                ]
            )
            top.setData(0, Qt.ItemDataRole.UserRole, leaving.record_type)
            top.setToolTip(0, top.text(0))
            if leaving.note:
                note = QTreeWidgetItem([leaving.note])
                note.setToolTip(0, leaving.note)
                font = note.font(0)
                font.setItalic(True)
                note.setFont(0, font)
                top.addChild(note)
            for name, label in leaving.fields:
                child = QTreeWidgetItem([label])
                child.setData(0, Qt.ItemDataRole.UserRole, name)
                child.setToolTip(0, name)
                top.addChild(child)
            self.addTopLevelItem(top)
        self.expandAll()

    def field_names(self, record_type: str) -> list[str]:
        """The fields of one record type that leave (for tests and screen readers)."""
        for leaving in self._items:
            if leaving.record_type == record_type:
                return [name for name, _label in leaving.fields]
        return []


def _wizard_buttons(wizard: QWizard, commit: str) -> None:
    buttons = (
        (QWizard.WizardButton.BackButton, _("< &Back"), _("Back")),
        (QWizard.WizardButton.NextButton, _("&Next >"), _("Next")),
        (QWizard.WizardButton.CommitButton, commit, commit.replace("&", "")),
        (QWizard.WizardButton.FinishButton, _("&Finish"), _("Finish")),
        (QWizard.WizardButton.CancelButton, _("Cancel"), _("Cancel")),
    )
    for which, text, name in buttons:
        wizard.setButtonText(which, text)
        wizard.button(which).setAccessibleName(name)


# ---- adding a partner ------------------------------------------------------------------------


class AddPartnerDialog(Retranslating, QDialog):
    """Shows a partner's identity file and its fingerprint; adds the partner only once the
    coordinator confirms the fingerprint matches what the partner read out."""

    partner_added = Signal(object)  # PartnerInfo

    def __init__(
        self, services: Services, path: Path, identity: PartnerIdentity, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("add_partner_dialog")
        self._services = services
        self._path = path
        self.identity = identity
        self.added: PartnerInfo | None = None
        grid = QGridLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        grid.addWidget(self.intro, 0, 0, 1, 2)
        self.fingerprint_caption = QLabel(self)
        self.fingerprint = fingerprint_label(self, "partner_fingerprint")
        grid.addWidget(self.fingerprint_caption, 1, 0, 1, 2)
        grid.addWidget(self.fingerprint, 2, 0, 1, 2)
        self.how = QLabel(self)
        self.how.setWordWrap(True)
        grid.addWidget(self.how, 3, 0, 1, 2)
        self.name_label, self.name_edit = QLabel(self), QLineEdit(self)
        self.name_edit.setObjectName("partner_name")
        self.name_edit.setMaxLength(200)
        self.name_edit.setText(identity.name_en or identity.name_cy)
        grid.addWidget(self.name_label, 4, 0)
        grid.addWidget(self.name_edit, 4, 1)
        self.confirm = QCheckBox(self)
        self.confirm.setObjectName("fingerprint_matches")
        grid.addWidget(self.confirm, 5, 0, 1, 2)
        self.problem = problem_label(self)
        grid.addWidget(self.problem, 6, 0, 1, 2)
        self.buttons = QDialogButtonBox(self)
        self.add_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("add")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        grid.addWidget(self.buttons, 7, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self._connect_signals()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.retranslate_ui()
        self._on_confirm_toggled()

    def _connect_signals(self) -> None:
        self.confirm.toggled.connect(self._on_confirm_toggled)
        self.buttons.accepted.connect(self._on_add_clicked)
        self.buttons.rejected.connect(self.reject)

    def _on_confirm_toggled(self, *_args: object) -> None:
        self.add_button.setEnabled(self.confirm.isChecked())

    def _on_add_clicked(self) -> None:
        if not self.confirm.isChecked():
            return
        try:
            info = self._services.partners.add(self._path, name=self.name_edit.text().strip())
        except CvcError as exc:
            show_problem(self.problem, error_text(exc))
            return
        self.added = info
        self.partner_added.emit(info)
        self.accept()

    def retranslate_ui(self) -> None:
        identity = self.identity
        names = name = identity.name_en or identity.name_cy
        if identity.name_cy and identity.name_cy != identity.name_en:
            names = _("{english} / {welsh}").format(
                english=identity.name_en, welsh=identity.name_cy
            )
            if current_language() == "cy":
                name = identity.name_cy
        self.setWindowTitle(_("Add a partner"))
        self.setAccessibleName(_("Add a partner"))
        self.intro.setText(
            _("The identity file “{file}” is from {name}.").format(file=self._path.name, name=names)
        )
        self.fingerprint_caption.setText(_("Its fingerprint:"))
        self.fingerprint.setText(fingerprint_lines(identity.fingerprint))
        self.fingerprint.setAccessibleName(
            _("Fingerprint of {name}: {fingerprint}").format(
                name=names, fingerprint=identity.fingerprint
            )
        )
        self.how.setText(
            _(
                "Phone {name} on a number you already know and ask them to read out the "
                "fingerprint shown on their Partners and sync page. Add them only if every group "
                "of letters and digits matches: a file from someone else would let them send "
                "you records as if they were {name}."
            ).format(name=name)
        )
        label_for(self.name_label, self.name_edit, _("Call the partner &here:"))
        self.confirm.setText(_("The fingerprint &matches what they read out"))
        self.confirm.setAccessibleName(_("The fingerprint matches what the partner read out"))
        self.add_button.setText(_("&Add partner"))
        self.add_button.setAccessibleName(_("Add partner"))
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))


# ---- share settings --------------------------------------------------------------------------


class ShareSettingsDialog(Retranslating, QDialog):
    """What one partner is sent: record types, and volunteers in full, pseudonymised or not at
    all; the fields that leave are listed as the choices change."""

    def __init__(self, services: Services, partner: PartnerInfo, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("share_settings_dialog")
        self._services = services
        self._partner = partner
        self.saved: PartnerInfo | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        columns = QHBoxLayout()
        choices = QVBoxLayout()
        self.types_box = QGroupBox(self)
        types = QVBoxLayout(self.types_box)
        self.organisations = QCheckBox(self.types_box)
        self.organisations.setObjectName("share_organisations")
        self.activities = QCheckBox(self.types_box)
        self.activities.setObjectName("share_activities")
        self.households = QCheckBox(self.types_box)
        self.households.setObjectName("share_households")
        self.decisions = QCheckBox(self.types_box)
        self.decisions.setObjectName("share_alert_decisions")
        for box in (self.organisations, self.activities, self.households, self.decisions):
            types.addWidget(box)
        choices.addWidget(self.types_box)
        self.volunteers_box = QGroupBox(self)
        volunteers = QVBoxLayout(self.volunteers_box)
        self.volunteer_group = QButtonGroup(self)
        self.volunteer_buttons: dict[VolunteerSharing, QRadioButton] = {}
        for sharing in (
            VolunteerSharing.NONE,
            VolunteerSharing.PSEUDONYMISED,
            VolunteerSharing.FULL,
        ):
            button = QRadioButton(self.volunteers_box)
            button.setObjectName(f"volunteers_{sharing.value}")
            self.volunteer_group.addButton(button)
            self.volunteer_buttons[sharing] = button
            volunteers.addWidget(button)
        choices.addWidget(self.volunteers_box)
        choices.addStretch(1)
        columns.addLayout(choices, 2)
        leaving = QVBoxLayout()
        self.fields_label = QLabel(self)
        self.fields = FieldsTree(self)
        leaving.addWidget(self.fields_label)
        leaving.addWidget(self.fields, 1)
        columns.addLayout(leaving, 3)
        layout.addLayout(columns, 1)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.problem = problem_label(self)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self._show_profile(partner.profile)
        self._connect_signals()
        self.retranslate_ui()
        self.resize(900, 560)

    def _connect_signals(self) -> None:
        for box in (self.organisations, self.activities, self.households, self.decisions):
            box.toggled.connect(self._on_choice_changed)
        self.volunteer_group.buttonToggled.connect(self._on_choice_changed)
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)

    def _show_profile(self, profile: SharingProfile) -> None:
        self.organisations.setChecked(profile.organisations)
        self.activities.setChecked(profile.activities)
        self.households.setChecked(profile.households)
        self.decisions.setChecked(profile.alert_decisions)
        self.volunteer_buttons[profile.volunteers].setChecked(True)

    def profile(self) -> SharingProfile:
        volunteers = next(
            (s for s, b in self.volunteer_buttons.items() if b.isChecked()), VolunteerSharing.NONE
        )
        return SharingProfile(
            organisations=self.organisations.isChecked(),
            activities=self.activities.isChecked(),
            households=self.households.isChecked(),
            alert_decisions=self.decisions.isChecked(),
            volunteers=volunteers,
        )

    def _on_choice_changed(self, *_args: object) -> None:
        self.fields.set_items(fields_leaving(self.profile()))

    def _on_save_clicked(self) -> None:
        try:
            self.saved = self._services.partners.set_profile(self._partner.uuid, self.profile())
        except CvcError as exc:
            show_problem(self.problem, error_text(exc))
            return
        self.accept()

    def retranslate_ui(self) -> None:
        name = self._partner.name
        self.setWindowTitle(_("Share settings for {partner}").format(partner=name))
        self.setAccessibleName(self.windowTitle())
        self.intro.setText(
            _(
                "Choose what goes to {partner} in each export. Only records this organisation "
                "made leave; a partner's own records go back to it only when you changed them."
            ).format(partner=name)
        )
        self.types_box.setTitle(_("Records to send"))
        self.organisations.setText(_("&Groups and the areas and services they cover"))
        self.activities.setText(_("&Activities and their shifts"))
        self.households.setText(_("&Households (postcode district and a private key only)"))
        self.decisions.setText(_("Alerts &dismissed as not a duplicate"))
        self.volunteers_box.setTitle(_("Volunteers"))
        texts = {
            VolunteerSharing.NONE: _("&Not shared"),
            VolunteerSharing.PSEUDONYMISED: _(
                "&Pseudonymised: everyone, with no names or contact details"
            ),
            VolunteerSharing.FULL: _("In f&ull: only volunteers who consented to sharing"),
        }
        for sharing, button in self.volunteer_buttons.items():
            button.setText(texts[sharing])
        for widget in (
            self.organisations,
            self.activities,
            self.households,
            self.decisions,
            *self.volunteer_buttons.values(),
        ):
            widget.setAccessibleName(widget.text().replace("&", ""))
        self.fields_label.setText(_("&Fields that leave:"))
        self.fields_label.setBuddy(self.fields)
        self.fields.setAccessibleName(_("Fields that leave, by kind of record"))
        self.note.setText(
            _(
                "A change here makes the next export to {partner} a full one, so they get what "
                "they may now see and erase what they may no longer keep."
            ).format(partner=name)
        )
        self.save_button.setText(_("&Save"))
        self.save_button.setAccessibleName(_("Save"))
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))
        self._on_choice_changed()


# ---- the export wizard -----------------------------------------------------------------------


class ExportPreviewPage(QWizardPage):
    def __init__(self, wizard: ExportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("export_preview_page")
        self._wizard = wizard
        layout = QVBoxLayout(self)
        self.full = QCheckBox(self)
        self.full.setObjectName("full")
        layout.addWidget(self.full)
        self.summary = QLabel(self)
        self.summary.setObjectName("export_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        columns = QHBoxLayout()
        counts = QVBoxLayout()
        self.counts_label = QLabel(self)
        self.counts = _table(self, "export_counts", 2)
        counts.addWidget(self.counts_label)
        counts.addWidget(self.counts, 1)
        columns.addLayout(counts, 2)
        fields = QVBoxLayout()
        self.fields_label = QLabel(self)
        self.fields = FieldsTree(self)
        fields.addWidget(self.fields_label)
        fields.addWidget(self.fields, 1)
        columns.addLayout(fields, 3)
        layout.addLayout(columns, 1)
        self.problem = problem_label(self)
        layout.addWidget(self.problem)
        self.full.toggled.connect(self._on_full_toggled)

    def initializePage(self) -> None:
        if self._wizard.preview is None:
            self._wizard.run_preview()
        self._fill()

    def isComplete(self) -> bool:
        return self._wizard.preview is not None

    def _on_full_toggled(self, _checked: bool) -> None:
        self._wizard.run_preview()
        self._fill()

    def _fill(self) -> None:
        preview = self._wizard.preview
        show_problem(self.problem, self._wizard.problem)
        if preview is None:
            self.summary.setText("")
            self.counts.setRowCount(0)
            self.fields.set_items([])
            self.completeChanged.emit()
            return
        self.summary.setText(self._summary(preview))
        order = {record_type: index for index, record_type in enumerate(RECORD_TYPES)}
        rows = sorted(preview.counts.items(), key=lambda item: (order.get(item[0], 99), item[0]))
        self.counts.setRowCount(len(rows) + 1)
        for index, (record_type, count) in enumerate(rows):
            self.counts.setItem(index, 0, _item(record_type_label(record_type)))
            self.counts.setItem(index, 1, _item(format_number(count), number=True))
        self.counts.setItem(len(rows), 0, _item(_("All records")))
        self.counts.setItem(len(rows), 1, _item(format_number(preview.records), number=True))
        self.fields.set_items(preview.fields)
        self.completeChanged.emit()

    @staticmethod
    def _summary(preview: ExportPreview) -> str:
        if preview.full:
            how = _("Everything {partner} may see goes, whatever was sent before.").format(
                partner=preview.partner_name
            )
        else:
            how = _("Only what changed since the last export to {partner} goes.").format(
                partner=preview.partner_name
            )
        parts = [
            how,
            ngettext(
                "{count} record would go, {tombstones} of them deletions.",
                "{count} records would go, {tombstones} of them deletions.",
                preview.records,
            ).format(
                count=format_number(preview.records),
                tombstones=format_number(preview.tombstones),
            ),
        ]
        if preview.left_out_without_consent:
            parts.append(
                ngettext(
                    "{count} volunteer who did not consent to sharing is left out.",
                    "{count} volunteers who did not consent to sharing are left out.",
                    preview.left_out_without_consent,
                ).format(count=format_number(preview.left_out_without_consent))
            )
        return "\n".join(parts)

    def retranslate_ui(self) -> None:
        self.setTitle(_("What goes to {partner}").format(partner=self._wizard.partner.name))
        self.setSubTitle(_("The records and exactly which of their fields leave this database."))
        self.full.setText(_("Send &everything, not only the changes since the last export"))
        self.full.setAccessibleName(_("Send everything"))
        self.counts_label.setText(_("&Records:"))
        self.counts_label.setBuddy(self.counts)
        self.counts.setAccessibleName(_("Records that would go, by kind"))
        self.counts.setHorizontalHeaderLabels([_("Kind of record"), _("Records")])
        self.fields_label.setText(_("Fields that &leave:"))
        self.fields_label.setBuddy(self.fields)
        self.fields.setAccessibleName(_("Fields that leave, by kind of record"))
        self._fill()


class ExportSavePage(QWizardPage):
    def __init__(self, wizard: ExportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("export_save_page")
        self._wizard = wizard
        self.setCommitPage(True)
        grid = QGridLayout(self)
        self.protect = QCheckBox(self)
        self.protect.setObjectName("protect")
        grid.addWidget(self.protect, 0, 0, 1, 3)
        self.passphrase_label, self.passphrase = QLabel(self), QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.repeat_label, self.repeat = QLabel(self), QLineEdit(self)
        self.repeat.setObjectName("passphrase_again")
        for edit in (self.passphrase, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(self.passphrase_label, 1, 0)
        grid.addWidget(self.passphrase, 1, 1, 1, 2)
        grid.addWidget(self.repeat_label, 2, 0)
        grid.addWidget(self.repeat, 2, 1, 1, 2)
        self.passphrase_note = QLabel(self)
        self.passphrase_note.setWordWrap(True)
        grid.addWidget(self.passphrase_note, 3, 0, 1, 3)
        self.path_label, self.path_edit = QLabel(self), QLineEdit(self)
        self.path_edit.setObjectName("export_path")
        self.browse = QPushButton(self)
        self.browse.setObjectName("browse")
        grid.addWidget(self.path_label, 4, 0)
        grid.addWidget(self.path_edit, 4, 1)
        grid.addWidget(self.browse, 4, 2)
        self.problem = problem_label(self)
        grid.addWidget(self.problem, 5, 0, 1, 3)
        grid.setRowStretch(6, 1)
        grid.setColumnStretch(1, 1)
        self.protect.toggled.connect(self._on_protect_toggled)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.path_edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        self._on_protect_toggled(False)

    def _on_protect_toggled(self, checked: bool) -> None:
        for widget in (self.passphrase_label, self.passphrase, self.repeat_label, self.repeat):
            widget.setEnabled(checked)

    def _on_browse_clicked(self) -> None:
        start = self.path_edit.text().strip() or str(self._wizard.default_path())
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the sync file for {partner}").format(partner=self._wizard.partner.name),
            start,
            _("cvcdesk sync files (*.cvcsync)"),
        )
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def chosen_path(self) -> Path:
        path = Path(self.path_edit.text().strip()).expanduser()
        if path.suffix.lower() != SYNC_SUFFIX:
            path = path.with_name(path.name + SYNC_SUFFIX)
        return path

    def validatePage(self) -> bool:
        passphrase: str | None = None
        if self.protect.isChecked():
            passphrase = self.passphrase.text()
            if passphrase != self.repeat.text():
                show_problem(
                    self.problem, _("The two passphrases are not the same; type them again.")
                )
                return False
        ok = self._wizard.run_export(self.chosen_path(), passphrase)
        show_problem(self.problem, self._wizard.problem)
        return ok

    def retranslate_ui(self) -> None:
        self.setTitle(_("Protect and save the file"))
        self.setSubTitle(
            _("The file is signed, so {partner} can tell it is from you and unchanged.").format(
                partner=self._wizard.partner.name
            )
        )
        self.protect.setText(_("&Protect the file with a passphrase"))
        self.protect.setAccessibleName(_("Protect the file with a passphrase"))
        label_for(self.passphrase_label, self.passphrase, _("Pass&phrase:"))
        label_for(self.repeat_label, self.repeat, _("Passphrase &again:"))
        self.passphrase_note.setText(
            _(
                "Use at least ten characters; a few unrelated words are easy to read out. Tell "
                "{partner} the passphrase by phone, never in the same e-mail as the file."
            ).format(partner=self._wizard.partner.name)
        )
        label_for(self.path_label, self.path_edit, _("Save &to:"))
        self.browse.setText(_("Bro&wse…"))
        self.browse.setAccessibleName(_("Choose where to save the sync file"))


class ExportResultPage(QWizardPage):
    def __init__(self, wizard: ExportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("export_result_page")
        self._wizard = wizard
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("export_result")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self._fill()

    def _fill(self) -> None:
        result = self._wizard.result
        if result is None:
            self.summary.setText("")
            return
        parts = [
            ngettext(
                "Wrote {count} record for {partner} to {path}.",
                "Wrote {count} records for {partner} to {path}.",
                result.records,
            ).format(
                count=format_number(result.records), partner=result.partner_name, path=result.path
            )
        ]
        if result.encrypted:
            parts.append(
                _("The file is protected with your passphrase: tell {partner} it by phone.").format(
                    partner=result.partner_name
                )
            )
        else:
            parts.append(_("The file is signed but not protected with a passphrase."))
        if result.left_out_without_consent:
            parts.append(
                ngettext(
                    "{count} volunteer who did not consent to sharing was left out.",
                    "{count} volunteers who did not consent to sharing were left out.",
                    result.left_out_without_consent,
                ).format(count=format_number(result.left_out_without_consent))
            )
        parts.append(
            _("Send the file by USB stick or e-mail; {partner} imports it in cvcdesk.").format(
                partner=result.partner_name
            )
        )
        self.summary.setText("\n\n".join(parts))
        self.summary.setAccessibleName(self.summary.text())

    def retranslate_ui(self) -> None:
        self.setTitle(_("Exported"))
        self.setSubTitle(_("What was written."))
        self._fill()


class ExportWizard(Retranslating, QWizard):
    """Preview what goes, protect and save, result. `exported` carries the ExportResult."""

    exported = Signal(object)

    PREVIEW, SAVE, RESULT = range(3)

    def __init__(
        self, services: Services, partner: PartnerInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export_wizard")
        self.services = services
        self.partner = partner
        self.preview: ExportPreview | None = None
        self.result: ExportResult | None = None
        self.problem = ""
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.preview_page = ExportPreviewPage(self)
        self.save_page = ExportSavePage(self)
        self.result_page = ExportResultPage(self)
        self.setPage(self.PREVIEW, self.preview_page)
        self.setPage(self.SAVE, self.save_page)
        self.setPage(self.RESULT, self.result_page)
        self.save_page.path_edit.setText(str(self.default_path()))
        self.resize(860, 600)
        self.retranslate_ui()

    def default_path(self) -> Path:
        safe = "".join(c if c.isalnum() else "-" for c in self.partner.name).strip("-").lower()
        stamp = dt.date.today().isoformat()
        return Path.home() / f"{safe or 'partner'}-{stamp}{SYNC_SUFFIX}"

    def run_preview(self) -> bool:
        sync, key = self.services.sync, self.partner.uuid
        full = self.preview_page.full.isChecked()
        try:
            self.preview = run_task(
                self,
                _("Export for {partner}").format(partner=self.partner.name),
                _("Counting what would go…"),
                lambda _progress, _cancelled: sync.preview_export(key, full=full),
            )
        except TaskCancelled:
            self.preview = None
            self.problem = _("Cancelled; nothing was written.")
            return False
        except CvcError as exc:
            self.preview = None
            self.problem = error_text(exc)
            return False
        self.problem = ""
        return True

    def run_export(self, path: Path, passphrase: str | None) -> bool:
        sync, key = self.services.sync, self.partner.uuid
        full = self.preview_page.full.isChecked()
        try:
            result: ExportResult = run_task(
                self,
                _("Export for {partner}").format(partner=self.partner.name),
                _("Writing “{name}”…").format(name=path.name),
                lambda progress, cancelled: sync.export(
                    key,
                    path,
                    full=full,
                    passphrase=passphrase,
                    progress=progress,
                    cancel=cancelled,
                ),
            )
        except TaskCancelled:
            self.problem = _("Cancelled; nothing was written.")
            return False
        except CvcError as exc:
            self.problem = error_text(exc)
            return False
        self.problem = ""
        self.result = result
        self.exported.emit(result)
        return True

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Export for {partner}").format(partner=self.partner.name))
        self.setAccessibleName(self.windowTitle())
        _wizard_buttons(self, _("&Export"))
        for page in (self.preview_page, self.save_page, self.result_page):
            page.retranslate_ui()


# ---- the import wizard -----------------------------------------------------------------------


class ImportFilePage(QWizardPage):
    def __init__(self, wizard: SyncImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("import_file_page")
        self._wizard = wizard
        grid = QGridLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        grid.addWidget(self.intro, 0, 0, 1, 3)
        self.path_label, self.path_edit = QLabel(self), QLineEdit(self)
        self.path_edit.setObjectName("import_path")
        self.browse = QPushButton(self)
        self.browse.setObjectName("browse")
        grid.addWidget(self.path_label, 1, 0)
        grid.addWidget(self.path_edit, 1, 1)
        grid.addWidget(self.browse, 1, 2)
        self.passphrase_label, self.passphrase = QLabel(self), QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(self.passphrase_label, 2, 0)
        grid.addWidget(self.passphrase, 2, 1, 1, 2)
        self.protected_note = QLabel(self)
        self.protected_note.setObjectName("protected_note")
        self.protected_note.setWordWrap(True)
        grid.addWidget(self.protected_note, 3, 0, 1, 3)
        self.problem = problem_label(self)
        grid.addWidget(self.problem, 4, 0, 1, 3)
        grid.setRowStretch(5, 1)
        grid.setColumnStretch(1, 1)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.path_edit.textChanged.connect(self._on_path_changed)
        self.passphrase.textChanged.connect(lambda _t: self.completeChanged.emit())
        self._protected = False

    def _on_browse_clicked(self) -> None:
        start = self.path_edit.text().strip()
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a partner's sync file"),
            str(Path(start).parent) if start else "",
            _("cvcdesk sync files (*.cvcsync);;All files (*)"),
        )
        if path:
            self.path_edit.setText(path)

    def _on_path_changed(self, _text: str) -> None:
        path = self.chosen_path()
        self._protected = path is not None and self._wizard.services.sync.needs_passphrase(path)
        self._wizard.preview = None
        show_problem(self.problem, "")
        self._show_protected()
        self.completeChanged.emit()

    def _show_protected(self) -> None:
        self.passphrase.setEnabled(self._protected)
        self.passphrase_label.setEnabled(self._protected)
        if self.chosen_path() is None:
            self.protected_note.setText("")
        elif self._protected:
            self.protected_note.setText(
                _("This file is protected with a passphrase: type the one the partner told you.")
            )
        else:
            self.protected_note.setText(_("This file is not protected with a passphrase."))

    def chosen_path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def isComplete(self) -> bool:
        return self.chosen_path() is not None and (
            not self._protected or bool(self.passphrase.text())
        )

    def validatePage(self) -> bool:
        path = self.chosen_path()
        if path is None:
            return False
        passphrase = self.passphrase.text() if self._protected else None
        ok = self._wizard.run_preview(path, passphrase)
        show_problem(self.problem, self._wizard.problem)
        return ok

    def retranslate_ui(self) -> None:
        self.setTitle(_("Choose the partner's file"))
        self.setSubTitle(
            _("A .cvcsync file a partner made for this organisation, by USB stick or e-mail.")
        )
        self.intro.setText(
            _(
                "The file is checked first: that it comes from a partner you added, is signed "
                "by them and unchanged. The next step shows what it would change; nothing is "
                "written until you import."
            )
        )
        label_for(self.path_label, self.path_edit, _("&Sync file:"))
        self.browse.setText(_("Bro&wse…"))
        self.browse.setAccessibleName(_("Choose a sync file"))
        label_for(self.passphrase_label, self.passphrase, _("Pass&phrase:"))
        self._show_protected()


class ImportPreviewPage(QWizardPage):
    COLUMNS = 7

    def __init__(self, wizard: SyncImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("import_preview_page")
        self._wizard = wizard
        self.setCommitPage(True)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.counts_label = QLabel(self)
        layout.addWidget(self.counts_label)
        self.counts = _table(self, "import_counts", self.COLUMNS)
        layout.addWidget(self.counts, 1)
        self.warnings = QLabel(self)
        self.warnings.setObjectName("import_warnings")
        self.warnings.setWordWrap(True)
        layout.addWidget(self.warnings)
        self.problem = problem_label(self)
        layout.addWidget(self.problem)

    def initializePage(self) -> None:
        show_problem(self.problem, "")
        self._fill()

    def _fill(self) -> None:
        preview = self._wizard.preview
        if preview is None:
            self.summary.setText("")
            self.counts.setRowCount(0)
            self.warnings.setText("")
            return
        self.summary.setText(self._summary(preview))
        fill_counts(self.counts, preview)
        self.warnings.setText("\n".join(f"• {w}" for w in preview.warnings))
        self.warnings.setVisible(bool(preview.warnings))

    @staticmethod
    def _summary(preview: ImportPreview) -> str:
        parts = [
            _("From {partner} (fingerprint {fingerprint}).").format(
                partner=preview.partner_name, fingerprint=preview.fingerprint
            )
        ]
        if preview.full:
            parts.append(
                _("The file holds everything {partner} shares with you.").format(
                    partner=preview.partner_name
                )
            )
        else:
            parts.append(
                _("The file holds what changed at {partner} since their last export.").format(
                    partner=preview.partner_name
                )
            )
        totals = preview.totals
        if totals.changes:
            parts.append(
                _(
                    "Importing would add {new}, update {updated}, delete {deletions} and hold "
                    "{conflicts} as conflicts for you to resolve; {unchanged} are unchanged."
                ).format(
                    new=format_number(totals.new),
                    updated=format_number(totals.updated),
                    deletions=format_number(totals.deletions),
                    conflicts=format_number(totals.conflicts),
                    unchanged=format_number(totals.unchanged),
                )
            )
        else:
            parts.append(_("Nothing would change: this database already has all of it."))
        parts.append(_("Nothing has been written yet. The database is backed up before importing."))
        return "\n".join(parts)

    def validatePage(self) -> bool:
        ok = self._wizard.run_import()
        show_problem(self.problem, self._wizard.problem)
        return ok

    def retranslate_ui(self) -> None:
        self.setTitle(_("What the file would change"))
        self.setSubTitle(_("Checked, signed and unchanged. Nothing has been written yet."))
        self.counts_label.setText(_("&Records:"))
        self.counts_label.setBuddy(self.counts)
        self.counts.setAccessibleName(_("What the file would change, by kind of record"))
        self.counts.setHorizontalHeaderLabels(count_headers())
        self._fill()


def count_headers() -> list[str]:
    return [
        _("Kind of record"),
        _("New"),
        _("Updated"),
        _("Unchanged"),
        _("Conflicts"),
        _("Deleted"),
        _("Left out"),
    ]


def fill_counts(table: QTableWidget, preview: ImportPreview) -> None:
    rows = [*preview.counts, preview.totals]
    table.setRowCount(len(rows))
    for index, counts in enumerate(rows):
        label = _("All records") if counts is preview.totals else counts.label
        values = (
            counts.new,
            counts.updated,
            counts.unchanged,
            counts.conflicts,
            counts.deletions,
            counts.skipped,
        )
        table.setItem(index, 0, _item(label))
        for column, value in enumerate(values, start=1):
            table.setItem(index, column, _item(format_number(value), number=True))


class ImportResultPage(QWizardPage):
    def __init__(self, wizard: SyncImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("import_result_page")
        self._wizard = wizard
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("import_result")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.counts = _table(self, "result_counts", ImportPreviewPage.COLUMNS)
        layout.addWidget(self.counts, 1)

    def initializePage(self) -> None:
        self._fill()

    def _fill(self) -> None:
        result = self._wizard.outcome
        if result is None:
            self.summary.setText("")
            self.counts.setRowCount(0)
            return
        preview, totals = result.preview, result.preview.totals
        if not result.applied:
            parts = [_("Nothing changed: this database already had everything in the file.")]
        else:
            parts = [
                _(
                    "Imported from {partner}: {new} new, {updated} updated, {deletions} deleted, "
                    "{conflicts} held as conflicts."
                ).format(
                    partner=preview.partner_name,
                    new=format_number(totals.new),
                    updated=format_number(totals.updated),
                    deletions=format_number(totals.deletions),
                    conflicts=format_number(totals.conflicts),
                )
            ]
        if result.applied and totals.conflicts:
            parts.append(
                ngettext(
                    "{count} record was changed both here and by {partner}: choose the values "
                    "to keep on the Conflicts tab.",
                    "{count} records were changed both here and by {partner}: choose the "
                    "values to keep on the Conflicts tab.",
                    totals.conflicts,
                ).format(count=format_number(totals.conflicts), partner=preview.partner_name)
            )
        if result.alerts is not None and result.alerts.new:
            parts.append(
                ngettext(
                    "{count} new alert of duplicated effort: see the Alerts page.",
                    "{count} new alerts of duplicated effort: see the Alerts page.",
                    result.alerts.new,
                ).format(count=format_number(result.alerts.new))
            )
        if result.backup_path is not None:
            parts.append(
                _("The database was backed up first, to {path}.").format(path=result.backup_path)
            )
        self.summary.setText("\n\n".join(parts))
        self.summary.setAccessibleName(self.summary.text())
        fill_counts(self.counts, preview)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Imported"))
        self.setSubTitle(_("What the file changed."))
        self.counts.setAccessibleName(_("What the file changed, by kind of record"))
        self.counts.setHorizontalHeaderLabels(count_headers())
        self._fill()


class SyncImportWizard(Retranslating, QWizard):
    """Choose a partner's file, see what it would change, import it. `imported` carries the
    ImportResult once it was applied."""

    imported = Signal(object)

    FILE, PREVIEW, RESULT = range(3)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_import_wizard")
        self.services = services
        self.preview: ImportPreview | None = None
        self.outcome: ImportResult | None = None
        self.problem = ""
        self._path: Path | None = None
        self._passphrase: str | None = None
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.file_page = ImportFilePage(self)
        self.preview_page = ImportPreviewPage(self)
        self.result_page = ImportResultPage(self)
        self.setPage(self.FILE, self.file_page)
        self.setPage(self.PREVIEW, self.preview_page)
        self.setPage(self.RESULT, self.result_page)
        self.resize(860, 600)
        self.retranslate_ui()

    def run_preview(self, path: Path, passphrase: str | None) -> bool:
        sync = self.services.sync
        try:
            self.preview = run_task(
                self,
                _("Import a sync file"),
                _("Checking “{name}”…").format(name=path.name),
                lambda progress, cancelled: sync.preview_import(
                    path, passphrase=passphrase, progress=progress, cancel=cancelled
                ),
            )
        except TaskCancelled:
            self.preview = None
            self.problem = _("Cancelled; nothing was imported.")
            return False
        except CvcError as exc:
            self.preview = None
            self.problem = error_text(exc)
            return False
        self.problem = ""
        self._path, self._passphrase = path, passphrase
        return True

    def run_import(self) -> bool:
        path, passphrase, sync = self._path, self._passphrase, self.services.sync
        if path is None or self.preview is None:
            return False
        try:
            result: ImportResult = run_task(
                self,
                _("Import a sync file"),
                _("Importing “{name}”…").format(name=path.name),
                lambda progress, cancelled: sync.import_file(
                    path, passphrase=passphrase, progress=progress, cancel=cancelled
                ),
            )
        except TaskCancelled:
            self.problem = _("Cancelled; nothing was imported.")
            return False
        except CvcError as exc:
            self.problem = error_text(exc)
            return False
        self.problem = ""
        self.outcome = result
        if result.applied:
            self.imported.emit(result)
        return True

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Import a sync file"))
        self.setAccessibleName(_("Import a sync file"))
        _wizard_buttons(self, _("&Import"))
        for page in (self.file_page, self.preview_page, self.result_page):
            page.retranslate_ui()
