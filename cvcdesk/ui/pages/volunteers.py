"""The Volunteers page: search as you type over every volunteer, filters, Welsh order."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from cvcdesk.domain.enums import VolunteerStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.validation import display_phone
from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRow
from cvcdesk.i18n import _, current_language, format_date, ngettext
from cvcdesk.services.registry import Services
from cvcdesk.services.volunteers import renewal_due_soon
from cvcdesk.ui.common import label_for, show_error
from cvcdesk.ui.pages.records import RecordsPage
from cvcdesk.ui.table_model import Column, PagedTableModel

DBS_DUE_DAYS = 60


@functools.lru_cache(maxsize=4096)
def _phone(e164: str) -> str:
    return display_phone(e164) if e164 else ""


@functools.lru_cache(maxsize=4096)
def _medium_date(day: dt.date, language: str) -> str:
    return format_date(day, "medium")  # in `language`, the current one


def _dbs_due(row: VolunteerRow) -> str:
    if row.dbs_renewal_due is None:
        return ""
    return _medium_date(row.dbs_renewal_due, current_language())


def _consent(row: VolunteerRow) -> str:
    return _("Yes") if row.consent_share else _("No")


def _name(row: VolunteerRow) -> str:
    first = row.known_as or row.first_name
    if row.last_name and first:
        return _("{last_name}, {first_name}").format(last_name=row.last_name, first_name=first)
    return row.last_name or first


COLUMNS: list[Column[VolunteerRow]] = [
    Column("name", lambda: _("Name"), _name, "name", width=26),
    Column("reference", lambda: _("Reference"), lambda r: r.reference, "reference", width=10),
    Column("postcode", lambda: _("Postcode"), lambda r: r.postcode, "postcode", width=9),
    Column("phone", lambda: _("Phone"), lambda r: _phone(r.phone), width=14),
    Column("email", lambda: _("E-mail"), lambda r: r.email, width=28),
    Column("groups", lambda: _("Groups"), lambda r: r.groups, width=24),
    Column("status", lambda: _("Status"), lambda r: r.status.label, "status", width=11),
    Column("dbs", lambda: _("DBS check"), lambda r: r.dbs_level.label, width=11),
    Column("dbs_due", lambda: _("DBS renewal due"), _dbs_due, "dbs_renewal_due", width=16),
    Column("consent", lambda: _("Shares with partners"), _consent, width=18),
]


class VolunteersPage(RecordsPage):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        self._query = VolunteerQuery()
        super().__init__(services, parent)
        self.setObjectName("volunteers_page")
        self.group_label, self.group = QLabel(self), QComboBox(self)
        self.status_label, self.status = QLabel(self), QComboBox(self)
        self.skill_label, self.skill = QLabel(self), QComboBox(self)
        self.area_label, self.area = QLabel(self), QLineEdit(self)
        self.consent_label, self.consent = QLabel(self), QComboBox(self)
        self.dbs_due = QCheckBox(self)
        self.clear_filters = QPushButton(self)
        for name, widget in (
            ("filter_group", self.group),
            ("filter_status", self.status),
            ("filter_skill", self.skill),
            ("filter_area", self.area),
            ("filter_consent", self.consent),
            ("filter_dbs_due", self.dbs_due),
            ("clear_filters", self.clear_filters),
        ):
            widget.setObjectName(name)
        self.area.setMaximumWidth(110)
        self.group.setMinimumContentsLength(16)
        grid = QGridLayout()
        placed = (
            (self.group_label, self.group, 0, 0),
            (self.status_label, self.status, 0, 2),
            (self.skill_label, self.skill, 0, 4),
            (self.area_label, self.area, 1, 0),
            (self.consent_label, self.consent, 1, 2),
        )
        for label, widget, row, column in placed:
            grid.addWidget(label, row, column)
            grid.addWidget(widget, row, column + 1)
        grid.addWidget(self.dbs_due, 1, 4, 1, 2)
        grid.addWidget(self.clear_filters, 1, 6)
        grid.setColumnStretch(7, 1)
        self.filters.addLayout(grid)
        for combo in (self.group, self.status, self.skill, self.consent):
            combo.currentIndexChanged.connect(lambda _i: self.apply_query())
        self.area.textChanged.connect(lambda _t: self._search_timer.start())
        self.dbs_due.toggled.connect(lambda _on: self.apply_query())
        self.clear_filters.clicked.connect(self.reset_filters)
        self.setTabOrder(self.search, self.group)
        self.setTabOrder(self.group, self.status)
        self.setTabOrder(self.status, self.skill)
        self.setTabOrder(self.skill, self.area)
        self.setTabOrder(self.area, self.consent)
        self.setTabOrder(self.consent, self.dbs_due)
        self.setTabOrder(self.dbs_due, self.clear_filters)
        self.setTabOrder(self.clear_filters, self.table)
        self.retranslate_ui()
        self.apply_query()

    # -- model ---------------------------------------------------------------------------
    def create_model(self) -> PagedTableModel[Any]:
        volunteers = self._services.volunteers
        return PagedTableModel(
            COLUMNS,
            count=lambda: volunteers.count(self._query),
            fetch=lambda offset, limit, order, desc: volunteers.list(
                self._query, offset=offset, limit=limit, order=order, descending=desc
            ),
            texts_by_value=True,
            # Two screens of rows: each keystroke in the search reads no more than it shows.
            page_size=64,
        )

    def update_query(self) -> None:
        consent = self.consent.currentData() if self.consent.count() else None
        self._query = VolunteerQuery(
            search=self.search.text().strip(),
            status=VolunteerStatus(self.status.currentData())
            if self.status.currentData()
            else None,
            group_uuid=self.group.currentData() or None,
            skill=self.skill.currentData() or None,
            area=self.area.text().strip().upper() or None,
            dbs_due_before=renewal_due_soon(DBS_DUE_DAYS) if self.dbs_due.isChecked() else None,
            consent_share=None if consent in (None, "") else consent == "yes",
        )

    def reset_filters(self) -> None:
        for combo in (self.group, self.status, self.skill, self.consent):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.area.blockSignals(True)
        self.area.clear()
        self.area.blockSignals(False)
        self.dbs_due.blockSignals(True)
        self.dbs_due.setChecked(False)
        self.dbs_due.blockSignals(False)
        self.apply_query()

    def _fill_combo(self, combo: QComboBox, items: list[tuple[str, str]], everything: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, "")
        for value, text in items:
            combo.addItem(text, value)
        found = combo.findData(current) if current else 0
        combo.setCurrentIndex(max(found, 0))
        combo.blockSignals(False)

    def reload_choices(self) -> None:
        """Fill the filter lists from the database, in the current language."""
        language = current_language()
        groups = self._services.organisations.names(language)
        self._fill_combo(self.group, groups, _("All groups"))
        self._fill_combo(
            self.status, [(s.value, s.label) for s in VolunteerStatus], _("Any status")
        )
        self._fill_combo(self.skill, self._services.volunteers.skills(language), _("Any skill"))
        self._fill_combo(
            self.consent,
            [("yes", _("Consented to sharing")), ("no", _("Not consented"))],
            _("Any consent"),
        )

    # -- texts ---------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        label_for(self.search_label, self.search, _("&Search:"))
        self.search.setPlaceholderText(_("Name, postcode, phone, e-mail or reference"))
        label_for(self.group_label, self.group, _("&Group:"))
        label_for(self.status_label, self.status, _("S&tatus:"))
        label_for(self.skill_label, self.skill, _("S&kill:"))
        label_for(self.area_label, self.area, _("&Area:"))
        self.area.setPlaceholderText(_("e.g. SA62"))
        self.area.setToolTip(_("Postcode district, sector or full postcode"))
        label_for(self.consent_label, self.consent, _("C&onsent:"))
        self.dbs_due.setText(_("DBS &renewal due within {days} days").format(days=DBS_DUE_DAYS))
        self.dbs_due.setAccessibleName(self.dbs_due.text().replace("&", ""))
        self.clear_filters.setText(_("C&lear filters"))
        self.clear_filters.setAccessibleName(_("Clear filters"))
        self.table.setAccessibleName(_("Volunteers"))
        self.reload_choices()
        self.model.retranslate()
        self.result_label.setText(self.result_text(self.model.rowCount()))

    def result_text(self, count: int) -> str:
        return ngettext("{count} volunteer", "{count} volunteers", count).format(count=f"{count:,}")

    def row_name(self, row: Any) -> str:
        return str(row.display_name)

    # -- actions -------------------------------------------------------------------------
    def open_form(self, uuid: str | None) -> QWidget:
        from cvcdesk.ui.forms.volunteer_form import VolunteerForm

        return VolunteerForm(self._services, uuid, self)

    def delete_record(self, uuid: str) -> None:
        self._services.volunteers.delete(uuid)

    # -- data protection ------------------------------------------------------------------
    def export_subject_access(self, path: Path | None = None) -> Path | None:
        """Everything held about the chosen volunteer, as PDF or JSON (a subject access request)."""
        row = self.current_row()
        if row is None:
            self.status_message.emit(_("Choose a row first."))
            return None
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                _("Subject access export"),
                str(Path.home() / f"subject-access-{row.reference or row.uuid[:8]}.pdf"),
                _("PDF (*.pdf);;JSON (*.json)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            written = self._services.privacy.export_subject_access(row.uuid, path)
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status_message.emit(
            _("Everything held about {name} was saved to {path}.").format(
                name=row.display_name, path=written
            )
        )
        return written

    def erase_current(self, *, confirm: bool = True) -> bool:
        """Erase the chosen volunteer's personal details (the right to erasure)."""
        row = self.current_row()
        if row is None:
            self.status_message.emit(_("Choose a row first."))
            return False
        if confirm:
            answer = QMessageBox.warning(
                self,
                _("Erase personal details"),
                _(
                    "Erase every personal detail held about {name}? This cannot be undone. "
                    "A blank record stays so partners learn of the erasure."
                ).format(name=row.display_name),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            result = self._services.privacy.erase(row.uuid)
        except CvcError as exc:
            show_error(self, exc)
            return False
        self.apply_query()
        self.records_changed.emit()
        self.status_message.emit(
            " ".join(part for part in (_("Personal details erased."), result.backups_note) if part)
        )
        return True

    def restore_record(self, uuid: str) -> None:
        self._services.volunteers.restore(uuid)

    def delete_question(self, name: str) -> str:
        return _(
            "Delete the volunteer {name}? You can undo this straight away with Edit ▸ Undo delete."
        ).format(name=name)
