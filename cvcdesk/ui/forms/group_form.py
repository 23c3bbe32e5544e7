"""The group form: a group's names, contacts and what it covers where and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from cvcdesk.domain.enums import OrganisationKind, Weekdays
from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.domain.organisation import (
    CoverageData,
    OrganisationData,
    OrganisationRecord,
    clean_organisation,
)
from cvcdesk.domain.validation import (
    InvalidValue,
    display_phone,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    postcode_area_code,
)
from cvcdesk.i18n import _, current_language, format_date, format_time, weekday_name
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import label_for
from cvcdesk.ui.forms.fields import (
    ChoiceCombo,
    EnumCombo,
    LabelText,
    ListEditor,
    Normaliser,
    OptionalDateEdit,
    OptionalTimeEdit,
    ValidatedLineEdit,
    WeekdayPicker,
)
from cvcdesk.ui.forms.record_form import RecordForm


def normalise_area(text: str, *, field: str = "area") -> str:
    """A postcode district, sector or unit in its usual form, or a named community's code."""
    value = (text or "").strip()
    if not value:
        raise InvalidValue(
            FieldError(
                field,
                _(
                    "Give an area: a postcode district (SA61), a sector (SA61 1), "
                    "a full postcode (SA61 1AB) or a community's code."
                ),
            )
        )
    compact = value.replace(" ", "")
    looks_like_postcode = compact[0].isalpha() and any(ch.isdigit() for ch in compact)
    if looks_like_postcode:
        return postcode_area_code(value)
    return value


def _days_text(days: Weekdays) -> str:
    if days == Weekdays.ALL:
        return _("Every day")
    return ", ".join(weekday_name(index, "abbreviated") for index in Weekdays(days).indexes())


def _times_text(start: dt.time | None, end: dt.time | None) -> str:
    if start and end:
        return f"{format_time(start)}–{format_time(end)}"
    if start:
        return _("From {time}").format(time=format_time(start))
    if end:
        return _("Until {time}").format(time=format_time(end))
    return _("Any time")


def _dates_text(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{format_date(start)} – {format_date(end)}"
    if start:
        return _("From {date}").format(date=format_date(start))
    if end:
        return _("Until {date}").format(date=format_date(end))
    return _("Ongoing")


class CoverageEditor(ListEditor):
    """What a group covers: each line a service, an area, days, times and dates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services: dict[str, str] = {}
        self.service = ChoiceCombo(parent=self)
        self.service.setObjectName("coverage_service")
        self.area = ValidatedLineEdit(normalise_area, max_length=60, parent=self)
        self.area.setObjectName("coverage_area")
        self.days = WeekdayPicker(self)
        self.days.setObjectName("coverage_days")
        self.days.set_value(Weekdays.ALL)
        self.start_time = OptionalTimeEdit(dt.time(9), self)
        self.start_time.setObjectName("coverage_start_time")
        self.end_time = OptionalTimeEdit(dt.time(17), self)
        self.end_time.setObjectName("coverage_end_time")
        self.start_date = OptionalDateEdit(self)
        self.start_date.setObjectName("coverage_start_date")
        self.end_date = OptionalDateEdit(self)
        self.end_date.setObjectName("coverage_end_date")
        self.notes = ValidatedLineEdit(max_length=400, parent=self)
        self.notes.setObjectName("coverage_notes")
        times = QWidget(self)
        times_layout = QHBoxLayout(times)
        times_layout.setContentsMargins(0, 0, 0, 0)
        times_layout.addWidget(self.start_time)
        times_layout.addWidget(QLabel("–", times))
        times_layout.addWidget(self.end_time)
        times_layout.addStretch(1)
        times.setFocusProxy(self.start_time)
        dates = QWidget(self)
        dates_layout = QHBoxLayout(dates)
        dates_layout.setContentsMargins(0, 0, 0, 0)
        dates_layout.addWidget(self.start_date)
        dates_layout.addWidget(QLabel("–", dates))
        dates_layout.addWidget(self.end_date)
        dates_layout.addStretch(1)
        dates.setFocusProxy(self.start_date)
        self._labels = [QLabel(self) for _index in range(6)]
        self._targets: list[QWidget] = [
            self.service,
            self.area,
            self.days,
            self.start_time,
            self.start_date,
            self.notes,
        ]
        rows: list[QWidget] = [self.service, self.area, self.days, times, dates, self.notes]
        for label, widget in zip(self._labels, rows, strict=True):
            self.editor.addRow(label, widget)
        self.service.currentIndexChanged.connect(self.editor_edited)
        self.area.changed.connect(self.editor_edited)
        self.days.changed.connect(self.editor_edited)
        for optional in (self.start_time, self.end_time, self.start_date, self.end_date):
            optional.changed.connect(self.editor_edited)
        self.notes.changed.connect(self.editor_edited)
        self.area.edit.returnPressed.connect(self.add)
        self.notes.edit.returnPressed.connect(self.add)

    def set_services(self, services: list[tuple[str, str]]) -> None:
        self._services = dict(services)
        self.service.set_choices(services)

    def headers(self) -> list[str]:
        return [_("Service"), _("Area"), _("Days"), _("Times"), _("Dates"), _("Notes")]

    def cells(self, entry: CoverageData) -> list[str]:
        return [
            self._services.get(entry.service, entry.service),
            entry.area,
            _days_text(entry.weekdays),
            _times_text(entry.start_time, entry.end_time),
            _dates_text(entry.start_date, entry.end_date),
            entry.notes,
        ]

    def read_editor(self) -> CoverageData:
        area = normalise_area(self.area.text())
        line = CoverageData(
            service=self.service.value() or "",
            area=area,
            weekdays=self.days.value(),
            start_time=self.start_time.value(),
            end_time=self.end_time.value(),
            start_date=self.start_date.value(),
            end_date=self.end_date.value(),
            notes=self.notes.value(),
        )
        try:
            clean_organisation(OrganisationData(name_en="-", coverage=(line,)))
        except ValidationError as exc:
            raise InvalidValue(FieldError("coverage", exc.errors[0].message)) from None
        return line

    def write_editor(self, entry: CoverageData) -> None:
        self.service.set_value(entry.service, self._services.get(entry.service, ""))
        self.area.set_text(entry.area)
        self.days.set_value(entry.weekdays)
        self.start_time.set_value(entry.start_time)
        self.end_time.set_value(entry.end_time)
        self.start_date.set_value(entry.start_date)
        self.end_date.set_value(entry.end_date)
        self.notes.set_text(entry.notes)

    def carry_over(self, old: CoverageData, new: CoverageData) -> CoverageData:
        return replace(new, uuid=old.uuid)

    def retranslate_editor(self) -> None:
        texts = (
            _("Ser&vice:"),
            _("A&rea:"),
            _("Da&ys:"),
            _("&Times:"),
            _("&Dates:"),
            _("N&otes:"),
        )
        for label, widget, text in zip(self._labels, self._targets, texts, strict=True):
            label_for(label, widget, text)
        self.start_time.setAccessibleName(_("Start time"))
        self.end_time.setAccessibleName(_("End time"))
        self.start_date.setAccessibleName(_("Start date"))
        self.end_date.setAccessibleName(_("End date"))
        self.area.edit.setPlaceholderText(_("SA61, SA61 1 or SA61 1AB"))
        for widget in (self.area, self.notes):
            widget.retranslate_ui()
        self.days.retranslate_ui()
        for optional in (self.start_time, self.end_time, self.start_date, self.end_date):
            optional.retranslate_ui()
        self.service.retranslate_ui()


class GroupForm(RecordForm):
    """Add or change a group.  ``uuid`` None makes a new group.

    Raises NotFoundError (a CvcError) when ``uuid`` names no group.
    """

    saved = Signal(str)  # uuid of the saved group

    def __init__(
        self, services: Services, uuid: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GroupForm")
        self._services = services
        self._uuid = uuid
        self._record: OrganisationRecord | None = services.organisations.get(uuid) if uuid else None
        self._version: int | None = self._record.version if self._record else None
        self._lines: dict[str, ValidatedLineEdit] = {}
        self._build()
        self.coverage.set_services(services.organisations.services())
        self._load(self._record or OrganisationData(name_en=""))
        self._connect_signals()
        self._finish_setup(first=self._lines["name_en"])
        self.resize(820, 620)

    # ---- building ------------------------------------------------------------------------

    def _line(
        self,
        form_layout: QFormLayout,
        name: str,
        text: LabelText,
        *,
        normalise: Normaliser | None = None,
        display: Callable[[str], str] | None = None,
        max_length: int = 200,
    ) -> ValidatedLineEdit:
        edit = ValidatedLineEdit(normalise, display=display, max_length=max_length)
        edit.setObjectName(name)
        self._add_row(form_layout, name, text, edit, errors=edit.set_external_errors)
        self._lines[name] = edit
        return edit

    def _build(self) -> None:
        group = self._add_tab(lambda: _("Group"), "group")
        self._line(group, "name_en", lambda: _("Name in &English:"))
        self._line(group, "name_cy", lambda: _("Name in &Welsh:"))
        self.kind = EnumCombo(OrganisationKind)
        self._add_row(group, "kind", lambda: _("&Kind:"), self.kind)
        self._line(group, "charity_number", lambda: _("C&harity number:"), max_length=40)
        self._line(group, "company_number", lambda: _("Com&pany number:"), max_length=40)
        self._line(group, "website", lambda: _("Webs&ite:"), max_length=400)

        contact = self._add_tab(lambda: _("Contact"), "contact")
        self._line(contact, "contact_name", lambda: _("&Contact name:"))
        self._line(
            contact, "email", lambda: _("&E-mail:"), normalise=normalise_email, max_length=254
        )
        self._line(
            contact,
            "phone",
            lambda: _("&Phone:"),
            normalise=normalise_phone,
            display=display_phone,
            max_length=30,
        )
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(self.address.fontMetrics().lineSpacing() * 4 + 12)
        self._add_row(contact, "address", lambda: _("&Address:"), self.address)
        self._line(
            contact,
            "postcode",
            lambda: _("P&ostcode:"),
            normalise=normalise_postcode,
            max_length=10,
        )

        coverage = self._add_tab(lambda: _("Coverage"), "coverage", fill=True)
        self.coverage = CoverageEditor()
        self.coverage.setObjectName("coverage")
        self._add_row(
            coverage,
            "coverage",
            lambda: _("Coverage &lines:"),
            self.coverage,
            errors=self.coverage.set_list_messages,
        )

        notes = self._add_tab(lambda: _("Notes"), "notes", fill=True)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self._add_row(notes, "notes", lambda: _("&Notes:"), self.notes)

    def _connect_signals(self) -> None:
        for edit in self._lines.values():
            edit.changed.connect(self._on_changed)
        self.kind.currentIndexChanged.connect(self._on_changed)
        self.address.textChanged.connect(self._on_changed)
        self.notes.textChanged.connect(self._on_changed)
        self.coverage.changed.connect(self._on_changed)

    def _load(self, data: OrganisationData) -> None:
        for name, edit in self._lines.items():
            edit.set_text(getattr(data, name))
        self.kind.set_value(data.kind)
        self.address.setPlainText(data.address)
        self.notes.setPlainText(data.notes)
        self.coverage.set_entries(data.coverage)

    # ---- RecordForm ----------------------------------------------------------------------

    def _collect(self) -> OrganisationData:
        line = {name: edit.value() for name, edit in self._lines.items()}
        return OrganisationData(
            name_en=line["name_en"],
            name_cy=line["name_cy"],
            kind=self.kind.value() or OrganisationKind.COMMUNITY_GROUP,
            charity_number=line["charity_number"],
            company_number=line["company_number"],
            contact_name=line["contact_name"],
            email=line["email"],
            phone=line["phone"],
            address=self.address.toPlainText().strip(),
            postcode=line["postcode"],
            website=line["website"],
            notes=self.notes.toPlainText().strip(),
            coverage=tuple(self.coverage.entries()),
        )

    def _check(self, data: OrganisationData) -> list[FieldError]:
        try:
            clean_organisation(data)
        except ValidationError as exc:
            return exc.errors
        return []

    def _store(self, data: OrganisationData) -> OrganisationRecord:
        if self._uuid is None:
            return self._services.organisations.create(data)
        return self._services.organisations.update(self._uuid, data, expected_version=self._version)

    def _saved(self, record: OrganisationRecord) -> None:
        self._record = record
        self._uuid = record.uuid
        self._version = record.version

    def _title(self) -> str:
        if self._record is None:
            return _("New group")
        return _("Group: {name}").format(name=self._record.name(current_language()))

    def _not_saved_title(self) -> str:
        return _("The group was not saved")

    def _retranslate_fields(self) -> None:
        for edit in self._lines.values():
            edit.retranslate_ui()
        self.kind.retranslate_ui()
        self.coverage.set_services(self._services.organisations.services())
        self.coverage.retranslate_ui()

    @property
    def uuid(self) -> str | None:
        """The group being edited (set once a new one is saved)."""
        return self._uuid

    def line_edit(self, name: str) -> QLineEdit:
        """The line edit for a field, e.g. ``"postcode"`` (for tests and tools)."""
        return self._lines[name].edit
