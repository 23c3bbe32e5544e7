"""The Partners and sync page: who this organisation is to partners, whom it exchanges files
with, what each is sent, the last file each way, and the conflicts waiting for a person.

“This organisation” shows the group this database speaks for and the fingerprint of its key,
which partners check by phone, and writes the identity file they add. The Partners tab lists
the partners with their share settings and last exchanges, and opens the add, share settings,
export and import dialogs (cvcdesk.ui.sync_dialogs). The Conflicts tab is the inbox
(cvcdesk.ui.conflicts).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_datetime, format_number, ngettext
from cvcdesk.services.identity import OrganisationIdentity
from cvcdesk.services.partners import Exchange, Exchanges, PartnerInfo
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.conflicts import ConflictsPanel
from cvcdesk.ui.sync_dialogs import (
    AddPartnerDialog,
    ExportWizard,
    ShareSettingsDialog,
    SyncImportWizard,
    fingerprint_label,
    fingerprint_lines,
    profile_summary,
)

NAME, FINGERPRINT, SHARED, CONFLICTS, SENT, TAKEN = range(6)
IDENTITY_SUFFIX = ".cvcid.json"


def sent_text(exchange: Exchange | None, info: PartnerInfo) -> str:
    """The last export: when, and how many records went."""
    at = exchange.at if exchange is not None else info.last_export_at
    if at is None:
        return _("Never")
    when = format_datetime(at, "short")
    if exchange is None:
        return when
    return ngettext("{when}: {count} record", "{when}: {count} records", exchange.records).format(
        when=when, count=format_number(exchange.records)
    )


def taken_text(exchange: Exchange | None, info: PartnerInfo) -> str:
    """The last import: when, and what it changed."""
    at = exchange.at if exchange is not None else info.last_import_at
    if at is None:
        return _("Never")
    when = format_datetime(at, "short")
    if exchange is None:
        return when
    counts = exchange.counts
    parts = [
        ngettext("{count} new", "{count} new", counts.get("new", 0)),
        ngettext("{count} updated", "{count} updated", counts.get("updated", 0)),
        ngettext("{count} conflict", "{count} conflicts", counts.get("conflicts", 0)),
        ngettext("{count} deleted", "{count} deleted", counts.get("deletions", 0)),
    ]
    keys = ("new", "updated", "conflicts", "deletions")
    changes = [
        part.format(count=format_number(counts.get(key, 0)))
        for part, key in zip(parts, keys, strict=True)
        if counts.get(key, 0)
    ]
    if not changes:
        return _("{when}: nothing changed").format(when=when)
    return _("{when}: {changes}").format(when=when, changes=", ".join(changes))


def _item(text: str, *, tooltip: str = "", number: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(tooltip or text)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class PartnersPage(Retranslating, QWidget):
    status_message = Signal(str)
    records_changed = Signal()  # an import changed records
    alerts_changed = Signal()  # an import ran the alert detectors

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partners_page")
        self._services = services
        self._partners: list[PartnerInfo] = []
        self._exchanges: dict[str, Exchanges] = {}
        self._identity: OrganisationIdentity | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_identity())
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("partner_tabs")
        self.tabs.addTab(self._build_partners_tab(), "")
        self.conflicts = ConflictsPanel(services, self.tabs)
        self.tabs.addTab(self.conflicts, "")
        layout.addWidget(self.tabs, 1)
        self._connect_signals()
        self.retranslate_ui()

    # -- building -----------------------------------------------------------------------
    def _build_identity(self) -> QGroupBox:
        self.identity_box = QGroupBox(self)
        self.identity_box.setObjectName("this_organisation")
        grid = QGridLayout(self.identity_box)
        self.organisation_label = QLabel(self.identity_box)
        self.organisation = QComboBox(self.identity_box)
        self.organisation.setObjectName("organisation")
        self.organisation.setMinimumContentsLength(24)
        self.set_organisation_button = QPushButton(self.identity_box)
        self.set_organisation_button.setObjectName("set_organisation")
        self.fingerprint_caption = QLabel(self.identity_box)
        self.fingerprint = fingerprint_label(self.identity_box, "own_fingerprint")
        self.identity_note = QLabel(self.identity_box)
        self.identity_note.setObjectName("identity_note")
        self.identity_note.setWordWrap(True)
        self.save_identity_button = QPushButton(self.identity_box)
        self.save_identity_button.setObjectName("save_identity")
        grid.addWidget(self.organisation_label, 0, 0)
        grid.addWidget(self.organisation, 0, 1)
        grid.addWidget(self.set_organisation_button, 0, 2)
        grid.addWidget(self.fingerprint_caption, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.fingerprint, 1, 1, 1, 2)
        grid.addWidget(self.identity_note, 2, 0, 1, 5)
        grid.addWidget(self.save_identity_button, 0, 4)
        grid.setColumnStretch(3, 1)
        return self.identity_box

    def _build_partners_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        self.partners_summary = QLabel(tab)
        self.partners_summary.setObjectName("partners_summary")
        self.partners_summary.setWordWrap(True)
        layout.addWidget(self.partners_summary)
        self.table = QTableWidget(tab)
        self.table.setObjectName("partners")
        self.table.setColumnCount(6)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(tab)
        self.add_button.setObjectName("add_partner")
        self.remove_button = QPushButton(tab)
        self.remove_button.setObjectName("remove_partner")
        self.share_button = QPushButton(tab)
        self.share_button.setObjectName("share_settings")
        self.export_button = QPushButton(tab)
        self.export_button.setObjectName("export")
        self.import_button = QPushButton(tab)
        self.import_button.setObjectName("import")
        for button in (self.add_button, self.remove_button, self.share_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        return tab

    def _connect_signals(self) -> None:
        self.set_organisation_button.clicked.connect(self._on_set_organisation_clicked)
        self.save_identity_button.clicked.connect(self.save_identity)
        self.add_button.clicked.connect(self.add_partner)
        self.remove_button.clicked.connect(self.remove_partner)
        self.share_button.clicked.connect(self.edit_share_settings)
        self.export_button.clicked.connect(self.export_for_partner)
        self.import_button.clicked.connect(self.import_file)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _item: self.edit_share_settings())
        self.conflicts.conflict_resolved.connect(self._on_conflict_resolved)
        self.conflicts.status_message.connect(self.status_message)

    # -- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        self._show_partners()
        self._show_identity()
        self.conflicts.refresh()
        self._show_tab_titles()

    def _show_identity(self) -> None:
        try:
            self._identity = self._services.identity.identity()
            # A partner's own group (imported from them) is not one this database speaks for.
            theirs = {p.organisation_uuid for p in self._partners}
            names = [
                (uuid, name)
                for uuid, name in self._services.organisations.names()
                if uuid not in theirs or uuid == self._identity.organisation_uuid
            ]
        except CvcError as exc:
            show_error(self, exc)
            return
        identity = self._identity
        self.organisation.blockSignals(True)
        self.organisation.clear()
        if not identity.organisation_uuid:
            self.organisation.addItem(_("— choose this organisation's group —"), "")
        for uuid, name in names:
            self.organisation.addItem(name, uuid)
        found = self.organisation.findData(identity.organisation_uuid or "")
        self.organisation.setCurrentIndex(max(found, 0))
        self.organisation.blockSignals(False)
        self.fingerprint.setText(fingerprint_lines(identity.fingerprint))
        self.fingerprint.setAccessibleName(
            _("Fingerprint of this organisation's key: {fingerprint}").format(
                fingerprint=identity.fingerprint
            )
        )
        if identity.organisation_uuid:
            self.identity_note.setText(
                _(
                    "Partners check this fingerprint when they add {name}: read it to them by "
                    "phone. Save the identity file and give it to them by USB stick or e-mail."
                ).format(name=identity.name)
            )
        else:
            self.identity_note.setText(
                _(
                    "Choose which group this database speaks for, then save the identity file "
                    "for your partners."
                )
            )
        self.save_identity_button.setEnabled(bool(identity.organisation_uuid))
        self.set_organisation_button.setEnabled(bool(names))

    def _show_partners(self) -> None:
        chosen = self.current_partner()
        try:
            self._partners = self._services.partners.list()
            self._exchanges = self._services.partners.last_exchanges()
        except CvcError as exc:
            show_error(self, exc)
            self._partners, self._exchanges = [], {}
        self.table.setRowCount(len(self._partners))
        row_to_select = 0
        for row, info in enumerate(self._partners):
            exchanges = self._exchanges.get(info.uuid, Exchanges(None, None))
            name = QTableWidgetItem(info.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            name.setData(Qt.ItemDataRole.UserRole, info.uuid)
            self.table.setItem(row, NAME, name)
            self.table.setItem(
                row,
                FINGERPRINT,
                _item(fingerprint_lines(info.fingerprint), tooltip=info.fingerprint),
            )
            self.table.setItem(row, SHARED, _item(profile_summary(info.profile)))
            self.table.setItem(row, SENT, _item(sent_text(exchanges.last_export, info)))
            self.table.setItem(row, TAKEN, _item(taken_text(exchanges.last_import, info)))
            conflicts = (
                ngettext("{count} open", "{count} open", info.open_conflicts).format(
                    count=format_number(info.open_conflicts)
                )
                if info.open_conflicts
                else _("None")
            )
            self.table.setItem(row, CONFLICTS, _item(conflicts))
            if chosen is not None and info.uuid == chosen.uuid:
                row_to_select = row
        self._size_columns()
        if self._partners:
            self.table.selectRow(row_to_select)
            self.partners_summary.setText(
                ngettext(
                    "You exchange files with {count} partner. Choose one to export for it or "
                    "change what it is sent.",
                    "You exchange files with {count} partners. Choose one to export for it or "
                    "change what it is sent.",
                    len(self._partners),
                ).format(count=format_number(len(self._partners)))
            )
        else:
            self.partners_summary.setText(
                _(
                    "No partners yet. Add one from the identity file they gave you, after "
                    "checking its fingerprint with them by phone."
                )
            )
        self._update_buttons()

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        widths = {NAME: 26, FINGERPRINT: 22, SHARED: 30, CONFLICTS: 12, SENT: 24, TAKEN: 40}
        self.table.resizeColumnsToContents()
        for column, chars in widths.items():
            width = min(self.table.columnWidth(column), metrics.averageCharWidth() * chars + 16)
            header = self.table.horizontalHeaderItem(column)
            heading = metrics.horizontalAdvance(header.text()) + 24 if header else 0
            self.table.setColumnWidth(column, max(width, heading, metrics.averageCharWidth() * 8))
        self.table.resizeRowsToContents()

    def _show_tab_titles(self) -> None:
        self.tabs.setTabText(0, _("&Partners"))
        count = self.conflicts.count()
        self.tabs.setTabText(
            1,
            _("&Conflicts ({count})").format(count=format_number(count))
            if count
            else _("&Conflicts"),
        )

    def current_partner(self) -> PartnerInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), NAME)
        if item is None:
            return None
        uuid = item.data(Qt.ItemDataRole.UserRole)
        return next((p for p in self._partners if p.uuid == uuid), None)

    def select_partner(self, name: str) -> None:
        for row, info in enumerate(self._partners):
            if info.name == name or info.uuid == name:
                self.table.selectRow(row)
                return

    def _update_buttons(self) -> None:
        chosen = self.current_partner() is not None
        for button in (self.remove_button, self.share_button, self.export_button):
            button.setEnabled(chosen)

    # -- this organisation --------------------------------------------------------------
    def _on_set_organisation_clicked(self) -> None:
        uuid = self.organisation.currentData()
        if not uuid:
            return
        try:
            identity = self._services.identity.set_organisation(str(uuid))
        except CvcError as exc:
            show_error(self, exc)
            return
        self.status_message.emit(
            _("This database now speaks for {name}.").format(name=identity.name)
        )
        self._show_identity()

    def save_identity(self) -> None:
        identity = self._identity
        if identity is None or not identity.organisation_uuid:
            return
        safe = "".join(c if c.isalnum() else "-" for c in identity.name).strip("-").lower()
        start = str(Path.home() / f"{safe or 'cvcdesk'}{IDENTITY_SUFFIX}")
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save our identity file"),
            start,
            _("cvcdesk identity files (*.cvcid.json *.json)"),
        )
        if not path:
            return
        target = Path(path)
        if not target.name.lower().endswith(".json"):
            target = target.with_name(target.name + IDENTITY_SUFFIX)
        try:
            written = self._services.identity.write_identity(target)
        except CvcError as exc:
            show_error(self, exc, _("Save our identity file"))
            return
        self.status_message.emit(
            _("Saved the identity of {name} to {path}. Fingerprint: {fingerprint}").format(
                name=written.name, path=target, fingerprint=written.fingerprint
            )
        )

    # -- partners -----------------------------------------------------------------------
    def add_partner(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the partner's identity file"),
            "",
            _("cvcdesk identity files (*.cvcid.json *.json);;All files (*)"),
        )
        if not path:
            return
        try:
            identity = self._services.partners.inspect(Path(path))
        except CvcError as exc:
            show_error(self, exc, _("Add a partner"))
            return
        dialog = AddPartnerDialog(self._services, Path(path), identity, self)
        self._run_add_dialog(dialog)

    def _run_add_dialog(self, dialog: AddPartnerDialog) -> None:
        dialog.exec()
        added = dialog.added
        dialog.deleteLater()
        if added is None:
            return
        self.status_message.emit(
            _(
                "Added partner {name}. They are sent groups, activities and alert decisions "
                "until you change their share settings."
            ).format(name=added.name)
        )
        self._show_partners()
        self.select_partner(added.uuid)

    def remove_partner(self) -> None:
        info = self.current_partner()
        if info is None:
            return
        answer = QMessageBox.question(
            self,
            _("Remove a partner"),
            _(
                "Stop exchanging files with {name}? Their records stay here; the volunteers "
                "they share pseudonymised are removed, and their open conflicts are dropped."
            ).format(name=info.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self._services.partners.remove(info.uuid)
        except CvcError as exc:
            show_error(self, exc)
            return
        self.status_message.emit(_("Removed partner {name}.").format(name=info.name))
        self.refresh()

    def edit_share_settings(self) -> None:
        info = self.current_partner()
        if info is None:
            return
        dialog = ShareSettingsDialog(self._services, info, self)
        dialog.exec()
        saved = dialog.saved
        dialog.deleteLater()
        if saved is not None:
            self.status_message.emit(_("Saved what {name} is sent.").format(name=saved.name))
            self._show_partners()

    def export_for_partner(self) -> None:
        info = self.current_partner()
        if info is None:
            return
        wizard = ExportWizard(self._services, info, self)
        wizard.exported.connect(lambda result: self._after_export(result.partner_name))
        wizard.exec()
        wizard.deleteLater()

    def _after_export(self, name: str) -> None:
        self.status_message.emit(_("Exported a sync file for {name}.").format(name=name))
        self._show_partners()

    def import_file(self) -> None:
        wizard = SyncImportWizard(self._services, self)
        wizard.imported.connect(lambda _result: self._after_import())
        wizard.exec()
        wizard.deleteLater()

    def _after_import(self) -> None:
        self.refresh()
        self.records_changed.emit()
        self.alerts_changed.emit()
        if self.conflicts.count():
            self.status_message.emit(
                _("Imported. Some records were changed on both sides: see the Conflicts tab.")
            )
        else:
            self.status_message.emit(_("Imported."))

    def _on_conflict_resolved(self, _conflict_id: int) -> None:
        self._show_partners()
        self._show_tab_titles()
        self.records_changed.emit()

    # -- texts --------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.identity_box.setTitle(_("This organisation"))
        label_for(self.organisation_label, self.organisation, _("&Speaks for:"))
        self.set_organisation_button.setText(_("&Use this group"))
        self.set_organisation_button.setAccessibleName(_("Use this group as this organisation"))
        self.fingerprint_caption.setText(_("Fingerprint:"))
        self.save_identity_button.setText(_("Save our &identity file…"))
        self.save_identity_button.setAccessibleName(_("Save our identity file"))
        self.table.setAccessibleName(_("Partners"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Partner"),
                _("Fingerprint"),
                _("What they are sent"),
                _("Open conflicts"),
                _("Last export to them"),
                _("Last import from them"),
            ]
        )
        self.add_button.setText(_("&Add a partner…"))
        self.remove_button.setText(_("&Remove…"))
        self.share_button.setText(_("S&hare settings…"))
        self.export_button.setText(_("&Export for this partner…"))
        self.import_button.setText(_("I&mport a sync file…"))
        for button in (
            self.add_button,
            self.remove_button,
            self.share_button,
            self.export_button,
            self.import_button,
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self.tabs.setAccessibleName(_("Partners and conflicts"))
        self.refresh()
