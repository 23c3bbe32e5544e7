"""The volunteer form: every detail of one volunteer, checked as it is typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from cvcdesk.domain.enums import (
    ConsentMethod,
    DbsLevel,
    DbsWorkforce,
    Language,
    VolunteerStatus,
    WelshFluency,
)
from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.domain.organisation import OrganisationRow
from cvcdesk.domain.validation import (
    InvalidValue,
    display_phone,
    normalise_email,
    normalise_phone,
    normalise_postcode,
)
from cvcdesk.domain.volunteer import (
    AwayPeriod,
    Membership,
    VolunteerData,
    VolunteerRecord,
    clean_volunteer,
    field_label,
)
from cvcdesk.i18n import _, current_language, format_date
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import label_for
from cvcdesk.ui.forms.fields import (
    AvailabilityGrid,
    ChoiceCombo,
    DateEdit,
    EnumCombo,
    LabelText,
    ListEditor,
    Normaliser,
    OptionalDateEdit,
    ValidatedLineEdit,
)
from cvcdesk.ui.forms.record_form import RecordForm


def _date_text(value: dt.date | None) -> str:
    return format_date(value) if value is not None else ""


class MembershipEditor(ListEditor):
    """The groups a volunteer belongs to, with their role and since/until dates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._groups: dict[str, OrganisationRow] = {}
        self.group = ChoiceCombo(parent=self)
        self.group.setObjectName("membership_group")
        self.role = ValidatedLineEdit(max_length=100, parent=self)
        self.role.setObjectName("membership_role")
        self.since = OptionalDateEdit(self)
        self.since.setObjectName("membership_since")
        self.until = OptionalDateEdit(self)
        self.until.setObjectName("membership_until")
        self._labels = [QLabel(self) for _index in range(4)]
        for label, widget in zip(
            self._labels, (self.group, self.role, self.since, self.until), strict=True
        ):
            self.editor.addRow(label, widget)
        self.group.currentIndexChanged.connect(self.editor_edited)
        self.role.changed.connect(self.editor_edited)
        self.role.edit.returnPressed.connect(self.add)
        self.since.changed.connect(self.editor_edited)
        self.until.changed.connect(self.editor_edited)

    def set_groups(self, groups: Sequence[OrganisationRow]) -> None:
        self._groups = {group.uuid: group for group in groups}
        self._relabel_groups()

    def headers(self) -> list[str]:
        return [_("Group"), _("Role"), _("Since"), _("Until")]

    def cells(self, entry: Membership) -> list[str]:
        return [
            self._group_name(entry.organisation_uuid, entry.organisation_name),
            entry.role,
            _date_text(entry.since),
            _date_text(entry.until),
        ]

    def read_editor(self) -> Membership:
        code = self.group.value()
        if code is None:
            raise InvalidValue(
                FieldError("memberships", _("There are no groups yet. Add a group first."))
            )
        since, until = self.since.value(), self.until.value()
        if since and until and until < since:
            raise InvalidValue(
                FieldError("memberships", _("The end date is before the start date."))
            )
        group = self._groups.get(code)
        return Membership(
            organisation_uuid=code,
            role=self.role.value(),
            since=since,
            until=until,
            organisation_name=group.name_en if group else self.group.currentText(),
        )

    def write_editor(self, entry: Membership) -> None:
        self.group.set_value(
            entry.organisation_uuid,
            self._group_name(entry.organisation_uuid, entry.organisation_name),
        )
        self.role.set_text(entry.role)
        self.since.set_value(entry.since)
        self.until.set_value(entry.until)

    def same_entry(self, old: Membership, new: Membership) -> bool:
        return old.organisation_uuid == new.organisation_uuid

    def carry_over(self, old: Membership, new: Membership) -> Membership:
        if new.organisation_uuid == old.organisation_uuid and old.organisation_name:
            return Membership(
                organisation_uuid=new.organisation_uuid,
                role=new.role,
                since=new.since,
                until=new.until,
                organisation_name=old.organisation_name,
            )
        return new

    def retranslate_editor(self) -> None:
        texts = (_("&Group:"), _("&Role:"), _("S&ince:"), _("U&ntil:"))
        for label, widget, text in zip(
            self._labels, (self.group, self.role, self.since, self.until), texts, strict=True
        ):
            label_for(label, widget, text)
        self.role.retranslate_ui()
        self.since.retranslate_ui()
        self.until.retranslate_ui()
        self._relabel_groups()

    def _relabel_groups(self) -> None:
        language = current_language()
        choices = sorted(
            ((uuid, group.name(language)) for uuid, group in self._groups.items()),
            key=lambda choice: choice[1].casefold(),
        )
        self.group.set_choices(choices)

    def _group_name(self, uuid: str, fallback: str) -> str:
        group = self._groups.get(uuid)
        return group.name(current_language()) if group else (fallback or uuid)


class AwayEditor(ListEditor):
    """Periods when a volunteer is away (holiday, illness), each with a reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start = DateEdit(self)
        self.start.setObjectName("away_start")
        self.end = DateEdit(self)
        self.end.setObjectName("away_end")
        self.reason = ValidatedLineEdit(max_length=200, parent=self)
        self.reason.setObjectName("away_reason")
        self._labels = [QLabel(self) for _index in range(3)]
        for label, widget in zip(self._labels, (self.start, self.end, self.reason), strict=True):
            self.editor.addRow(label, widget)
        self.start.dateChanged.connect(self.editor_edited)
        self.end.dateChanged.connect(self.editor_edited)
        self.reason.changed.connect(self.editor_edited)
        self.reason.edit.returnPressed.connect(self.add)

    def headers(self) -> list[str]:
        return [_("From"), _("To"), _("Reason")]

    def cells(self, entry: AwayPeriod) -> list[str]:
        return [format_date(entry.start), format_date(entry.end), entry.reason]

    def read_editor(self) -> AwayPeriod:
        start, end = self.start.value(), self.end.value()
        if end < start:
            raise InvalidValue(FieldError("away", _("The end date is before the start date.")))
        return AwayPeriod(start, end, self.reason.value())

    def write_editor(self, entry: AwayPeriod) -> None:
        self.start.set_value(entry.start)
        self.end.set_value(entry.end)
        self.reason.set_text(entry.reason)

    def retranslate_editor(self) -> None:
        texts = (_("&From:"), _("&To:"), _("R&eason:"))
        for label, widget, text in zip(
            self._labels, (self.start, self.end, self.reason), texts, strict=True
        ):
            label_for(label, widget, text)
        self.start.retranslate_ui()
        self.end.retranslate_ui()
        self.reason.retranslate_ui()


class VolunteerForm(RecordForm):
    """Add or change a volunteer.  ``uuid`` None makes a new volunteer.

    Raises NotFoundError (a CvcError) when ``uuid`` names no volunteer.
    """

    saved = Signal(str)  # uuid of the saved volunteer

    def __init__(
        self, services: Services, uuid: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("VolunteerForm")
        self._services = services
        self._uuid = uuid
        self._record: VolunteerRecord | None = services.volunteers.get(uuid) if uuid else None
        self._version: int | None = self._record.version if self._record else None
        self._lines: dict[str, ValidatedLineEdit] = {}
        self._skill_items: dict[str, QListWidgetItem] = {}
        self._build()
        self._groups = services.organisations.list(limit=None)
        self.memberships.set_groups(self._groups)
        self._load_groups_for_dbs()
        self._load_skills()
        self._load(self._record or VolunteerData(first_name="", last_name=""))
        self._connect_signals()
        self._finish_setup(first=self._lines["first_name"])
        self.resize(860, 660)

    # ---- building ------------------------------------------------------------------------

    def _line(
        self,
        form_layout: QFormLayout,
        name: str,
        text: LabelText,
        *,
        normalise: Normaliser | None = None,
        display: Callable[[str], str] | None = None,
        required: bool = False,
        max_length: int = 200,
    ) -> ValidatedLineEdit:
        edit = ValidatedLineEdit(
            normalise,
            display=display,
            required=(lambda: field_label(name)) if required else None,
            max_length=max_length,
        )
        edit.setObjectName(name)
        self._add_row(form_layout, name, text, edit, errors=edit.set_external_errors)
        self._lines[name] = edit
        return edit

    def _build(self) -> None:
        person = self._add_tab(lambda: _("Person"), "person")
        self._line(person, "reference", lambda: _("&Reference:"), max_length=60)
        self._line(person, "first_name", lambda: _("&First name:"), required=True)
        self._line(person, "last_name", lambda: _("Sur&name:"), required=True)
        self._line(person, "known_as", lambda: _("&Known as:"))
        self.date_of_birth = OptionalDateEdit()
        self._add_row(
            person,
            "date_of_birth",
            lambda: _("Date of &birth:"),
            self.date_of_birth,
            with_message=True,
        )
        self.status = EnumCombo(VolunteerStatus)
        self._add_row(person, "status", lambda: _("S&tatus:"), self.status)
        self.joined_on = OptionalDateEdit()
        self._add_row(person, "joined_on", lambda: _("&Joined:"), self.joined_on)
        self.left_on = OptionalDateEdit()
        self._add_row(person, "left_on", lambda: _("&Left on:"), self.left_on, with_message=True)

        contact = self._add_tab(lambda: _("Contact"), "contact")
        self._line(
            contact,
            "phone",
            lambda: _("&Phone:"),
            normalise=normalise_phone,
            display=display_phone,
            max_length=30,
        )
        self._line(
            contact,
            "phone_alt",
            lambda: _("&Other phone:"),
            normalise=normalise_phone,
            display=display_phone,
            max_length=30,
        )
        self._line(
            contact, "email", lambda: _("&E-mail:"), normalise=normalise_email, max_length=254
        )
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(self.address.fontMetrics().lineSpacing() * 4 + 12)
        self._add_row(contact, "address", lambda: _("&Address:"), self.address)
        self._line(contact, "town", lambda: _("To&wn:"))
        self._line(
            contact,
            "postcode",
            lambda: _("Post&code:"),
            normalise=normalise_postcode,
            max_length=10,
        )
        self._line(contact, "emergency_contact_name", lambda: _("E&mergency contact:"))
        self._line(
            contact,
            "emergency_contact_phone",
            lambda: _("Emergency contact p&hone:"),
            normalise=normalise_phone,
            display=display_phone,
            max_length=30,
        )

        languages = self._add_tab(lambda: _("Languages and skills"), "languages")
        self.preferred_language = EnumCombo(Language)
        self._add_row(
            languages,
            "preferred_language",
            lambda: _("Preferred &language:"),
            self.preferred_language,
        )
        self.welsh_fluency = EnumCombo(WelshFluency)
        self._add_row(languages, "welsh_fluency", lambda: _("&Welsh:"), self.welsh_fluency)
        self._line(languages, "other_languages", lambda: _("&Other languages:"))
        self.has_car = QCheckBox()
        self._add_check_row(languages, "has_car", lambda: _("Has a &car"), self.has_car)
        self.can_drive = QCheckBox()
        self._add_check_row(languages, "can_drive", lambda: _("Can &drive"), self.can_drive)
        self.skills = QListWidget()
        self.skills.setObjectName("skills")
        self.skills.setMinimumHeight(160)
        self._add_row(languages, "skills", lambda: _("S&kills:"), self.skills, with_message=True)

        availability = self._add_tab(lambda: _("Availability"), "availability", fill=True)
        self.availability = AvailabilityGrid()
        self._add_row(
            availability,
            "availability",
            lambda: _("&Weekly availability:"),
            self.availability,
            errors=self.availability.set_messages,
        )
        self.away = AwayEditor()
        self.away.setObjectName("away")
        self._add_row(
            availability,
            "away",
            lambda: _("Away &periods:"),
            self.away,
            errors=self.away.set_list_messages,
        )

        groups = self._add_tab(lambda: _("Groups"), "groups", fill=True)
        self.memberships = MembershipEditor()
        self.memberships.setObjectName("memberships")
        self._add_row(
            groups,
            "memberships",
            lambda: _("Groups this volunteer &belongs to:"),
            self.memberships,
            errors=self.memberships.set_list_messages,
        )

        checks = self._add_tab(lambda: _("DBS and consent"), "checks")
        self.dbs_level = EnumCombo(DbsLevel)
        self._add_row(checks, "dbs_level", lambda: _("DBS &level:"), self.dbs_level)
        self.dbs_workforce = EnumCombo(DbsWorkforce, none_label=lambda: _("Not recorded"))
        self._add_row(checks, "dbs_workforce", lambda: _("DBS wor&kforce:"), self.dbs_workforce)
        self._line(
            checks,
            "dbs_certificate_number",
            lambda: _("DBS certificate &number:"),
            max_length=20,
        )
        self.dbs_issue_date = OptionalDateEdit()
        self._add_row(
            checks,
            "dbs_issue_date",
            lambda: _("DBS &issue date:"),
            self.dbs_issue_date,
            with_message=True,
        )
        self.dbs_update_service = QCheckBox()
        self._add_check_row(
            checks,
            "dbs_update_service",
            lambda: _("On the DBS &Update Service"),
            self.dbs_update_service,
        )
        self.dbs_checked_by = ChoiceCombo(none_label=lambda: _("Not recorded"))
        self._add_row(checks, "dbs_checked_by", lambda: _("DBS seen &by:"), self.dbs_checked_by)
        self.dbs_renewal_due = OptionalDateEdit()
        self._add_row(
            checks, "dbs_renewal_due", lambda: _("DBS rene&wal due:"), self.dbs_renewal_due
        )
        self.consent_share = QCheckBox()
        self._add_check_row(
            checks,
            "consent_share",
            lambda: _("C&onsents to sharing with partners"),
            self.consent_share,
        )
        self.consent_date = OptionalDateEdit()
        self._add_row(checks, "consent_date", lambda: _("Consent &date:"), self.consent_date)
        self.consent_method = EnumCombo(ConsentMethod, none_label=lambda: _("Not recorded"))
        self._add_row(
            checks,
            "consent_method",
            lambda: _("How consent was &recorded:"),
            self.consent_method,
            with_message=True,
        )
        self.consent_history_button = QPushButton()
        self.consent_history_button.setObjectName("consent_history")
        self.consent_history_button.setAutoDefault(False)
        self.consent_history_button.clicked.connect(self.show_consent_history)
        history_row = QHBoxLayout()
        history_row.addWidget(self.consent_history_button)
        history_row.addStretch(1)
        checks.addRow(QLabel(checks.parentWidget()), history_row)

        notes = self._add_tab(lambda: _("Notes"), "notes", fill=True)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self._add_row(notes, "notes", lambda: _("&Notes:"), self.notes)

    def _connect_signals(self) -> None:
        for edit in self._lines.values():
            edit.changed.connect(self._on_changed)
        for combo in (
            self.status,
            self.preferred_language,
            self.welsh_fluency,
            self.dbs_level,
            self.dbs_workforce,
            self.dbs_checked_by,
            self.consent_method,
        ):
            combo.currentIndexChanged.connect(self._on_changed)
        for dates in (
            self.date_of_birth,
            self.joined_on,
            self.left_on,
            self.dbs_issue_date,
            self.dbs_renewal_due,
            self.consent_date,
        ):
            dates.changed.connect(self._on_changed)
        for box in (self.has_car, self.can_drive, self.dbs_update_service, self.consent_share):
            box.toggled.connect(self._on_changed)
        self.address.textChanged.connect(self._on_changed)
        self.notes.textChanged.connect(self._on_changed)
        self.skills.itemChanged.connect(self._on_changed)
        self.availability.changed.connect(self._on_changed)
        self.away.changed.connect(self._on_changed)
        self.memberships.changed.connect(self._on_changed)
        self.consent_share.toggled.connect(self._on_consent_toggled)

    # ---- loading -------------------------------------------------------------------------

    def _load_groups_for_dbs(self) -> None:
        language = current_language()
        self.dbs_checked_by.set_choices(
            sorted(
                ((group.uuid, group.name(language)) for group in self._groups),
                key=lambda choice: choice[1].casefold(),
            )
        )

    def _load_skills(self) -> None:
        blocked = self.skills.blockSignals(True)
        try:
            for code, label in self._services.volunteers.skills():
                item = self._skill_items.get(code)
                if item is None:
                    item = QListWidgetItem(label, self.skills)
                    item.setFlags(
                        Qt.ItemFlag.ItemIsEnabled
                        | Qt.ItemFlag.ItemIsSelectable
                        | Qt.ItemFlag.ItemIsUserCheckable
                    )
                    item.setData(Qt.ItemDataRole.UserRole, code)
                    item.setCheckState(Qt.CheckState.Unchecked)
                    self._skill_items[code] = item
                else:
                    item.setText(label)
        finally:
            self.skills.blockSignals(blocked)

    def _load(self, data: VolunteerData) -> None:
        for name, edit in self._lines.items():
            edit.set_text(getattr(data, name))
        self.date_of_birth.set_value(data.date_of_birth)
        self.status.set_value(data.status)
        self.joined_on.set_value(data.joined_on)
        self.left_on.set_value(data.left_on)
        self.address.setPlainText(data.address)
        self.preferred_language.set_value(data.preferred_language)
        self.welsh_fluency.set_value(data.welsh_fluency)
        self.has_car.setChecked(data.has_car)
        self.can_drive.setChecked(data.can_drive)
        blocked = self.skills.blockSignals(True)
        try:
            for code in data.skills:
                if code not in self._skill_items:
                    # A skill this database does not list (from a partner, say): keep it.
                    item = QListWidgetItem(code, self.skills)
                    item.setFlags(
                        Qt.ItemFlag.ItemIsEnabled
                        | Qt.ItemFlag.ItemIsSelectable
                        | Qt.ItemFlag.ItemIsUserCheckable
                    )
                    item.setData(Qt.ItemDataRole.UserRole, code)
                    self._skill_items[code] = item
            for code, item in self._skill_items.items():
                checked = code in data.skills
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        finally:
            self.skills.blockSignals(blocked)
        self.availability.set_value(data.availability)
        self.away.set_entries(data.away)
        self.memberships.set_entries(data.memberships)
        self.dbs_level.set_value(data.dbs_level)
        self.dbs_workforce.set_value(data.dbs_workforce)
        self.dbs_issue_date.set_value(data.dbs_issue_date)
        self.dbs_update_service.setChecked(data.dbs_update_service)
        self.dbs_checked_by.set_value(data.dbs_checked_by or None)
        self.dbs_renewal_due.set_value(data.dbs_renewal_due)
        self.consent_share.setChecked(data.consent_share)
        self.consent_date.set_value(data.consent_date)
        self.consent_method.set_value(data.consent_method)
        self.notes.setPlainText(data.notes)

    def _on_consent_toggled(self, on: bool) -> None:
        if on and self.consent_date.value() is None:
            self.consent_date.set_value(dt.date.today())

    # ---- RecordForm ----------------------------------------------------------------------

    def checked_skills(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                code
                for code, item in self._skill_items.items()
                if item.checkState() == Qt.CheckState.Checked
            )
        )

    def _collect(self) -> VolunteerData:
        line = {name: edit.value() for name, edit in self._lines.items()}
        return VolunteerData(
            first_name=line["first_name"],
            last_name=line["last_name"],
            known_as=line["known_as"],
            reference=line["reference"],
            date_of_birth=self.date_of_birth.value(),
            phone=line["phone"],
            phone_alt=line["phone_alt"],
            email=line["email"],
            address=self.address.toPlainText().strip(),
            town=line["town"],
            postcode=line["postcode"],
            preferred_language=self.preferred_language.value() or Language.ENGLISH,
            welsh_fluency=self.welsh_fluency.value() or WelshFluency.NONE,
            other_languages=line["other_languages"],
            has_car=self.has_car.isChecked(),
            can_drive=self.can_drive.isChecked(),
            emergency_contact_name=line["emergency_contact_name"],
            emergency_contact_phone=line["emergency_contact_phone"],
            status=self.status.value() or VolunteerStatus.ACTIVE,
            joined_on=self.joined_on.value(),
            left_on=self.left_on.value(),
            notes=self.notes.toPlainText().strip(),
            consent_share=self.consent_share.isChecked(),
            consent_date=self.consent_date.value(),
            consent_method=self.consent_method.value(),
            dbs_level=self.dbs_level.value() or DbsLevel.NONE,
            dbs_workforce=self.dbs_workforce.value(),
            dbs_certificate_number=line["dbs_certificate_number"],
            dbs_issue_date=self.dbs_issue_date.value(),
            dbs_update_service=self.dbs_update_service.isChecked(),
            dbs_checked_by=self.dbs_checked_by.value() or "",
            dbs_renewal_due=self.dbs_renewal_due.value(),
            skills=self.checked_skills(),
            availability=self.availability.value(),
            away=tuple(self.away.entries()),
            memberships=tuple(self.memberships.entries()),
        )

    def _check(self, data: VolunteerData) -> list[FieldError]:
        try:
            clean_volunteer(data)
        except ValidationError as exc:
            return exc.errors
        return []

    def _store(self, data: VolunteerData) -> VolunteerRecord:
        if self._uuid is None:
            return self._services.volunteers.create(data)
        return self._services.volunteers.update(self._uuid, data, expected_version=self._version)

    def _saved(self, record: VolunteerRecord) -> None:
        self._record = record
        self._uuid = record.uuid
        self._version = record.version
        self._update_history_button()

    def show_consent_history(self) -> None:
        """Every time consent was given or withdrawn (as saved), read-only."""
        if self._uuid is None:
            return
        from cvcdesk.ui.consent_history import show_consent_history

        name = self._record.display_name if self._record else ""
        show_consent_history(self._services, self._uuid, name, self)

    def _title(self) -> str:
        if self._record is None:
            return _("New volunteer")
        return _("Volunteer: {name}").format(name=self._record.display_name)

    def _not_saved_title(self) -> str:
        return _("The volunteer was not saved")

    def _retranslate_fields(self) -> None:
        for edit in self._lines.values():
            edit.retranslate_ui()
        for combo in (
            self.status,
            self.preferred_language,
            self.welsh_fluency,
            self.dbs_level,
            self.dbs_workforce,
            self.consent_method,
            self.dbs_checked_by,
        ):
            combo.retranslate_ui()
        for dates in (
            self.date_of_birth,
            self.joined_on,
            self.left_on,
            self.dbs_issue_date,
            self.dbs_renewal_due,
            self.consent_date,
        ):
            dates.retranslate_ui()
        self._load_groups_for_dbs()
        self._load_skills()
        self.availability.retranslate_ui()
        self.away.retranslate_ui()
        self.memberships.retranslate_ui()
        self.skills.setAccessibleDescription(_("Space ticks or clears the chosen skill."))
        self.consent_history_button.setText(_("Consent &history…"))
        self.consent_history_button.setAccessibleName(_("Consent history"))
        self._update_history_button()

    def _update_history_button(self) -> None:
        saved = self._uuid is not None
        self.consent_history_button.setEnabled(saved)
        self.consent_history_button.setToolTip(
            _("Every time consent was given or withdrawn")
            if saved
            else _("Save the volunteer first")
        )

    @property
    def uuid(self) -> str | None:
        """The volunteer being edited (set once a new one is saved)."""
        return self._uuid

    def line_edit(self, name: str) -> QLineEdit:
        """The line edit for a field, e.g. ``"postcode"`` (for tests and tools)."""
        return self._lines[name].edit
