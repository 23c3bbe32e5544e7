"""Putting a volunteer on a shift: suggestions with their reasons and problems, and a clear
question before anyone with a serious problem (a clash, time away, DBS) is booked; a
booking's status and hours; and choosing what to print (a volunteer's schedule, an area's
roster) with the print options."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.recurrence import elapsed_hours
from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRow
from cvcdesk.i18n import _, current_language, format_date, format_number, format_time, ngettext
from cvcdesk.reports.data import LanguageMode, PrintOptions
from cvcdesk.services.rosters import (
    AssignmentRecord,
    AssignmentRefused,
    PatternBooking,
    Problem,
    RosterService,
    ShiftRecord,
    Suggestion,
    monday_of,
)
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import WARNING_SIGN, from_qdate, qt_date_format, qt_locale, to_qdate

SUGGESTION_ROLE = Qt.ItemDataRole.UserRole


def shift_text(shift: ShiftRecord) -> str:
    """“Food run, Tuesday 4 March 2025, 10:00–12:00”."""
    return _("{activity}, {date}, {start}–{end}").format(
        activity=shift.title,
        date=format_date(shift.starts_at.date(), "full"),
        start=format_time(shift.starts_at.time()),
        end=format_time(shift.ends_at.time()),
    )


def problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"{WARNING_SIGN} {p.message}" for p in problems)


def confirm_problems(parent: QWidget | None, name: str, problems: Sequence[Problem]) -> bool:
    """Ask before booking someone despite serious problems; No is the default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Book despite problems?"))
    box.setText(_("{name} has problems with this booking:").format(name=name))
    box.setInformativeText(problems_text(problems) + "\n\n" + _("Book them anyway?"))
    yes = box.addButton(_("&Book anyway"), QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(_("&Do not book"), QMessageBox.ButtonRole.RejectRole)
    yes.setAccessibleName(_("Book anyway"))
    no.setAccessibleName(_("Do not book"))
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.setObjectName("confirm_problems")
    box.exec()
    return box.clickedButton() is yes


class AssignVolunteerDialog(Retranslating, QDialog):
    """Suggestions for one shift, best first; the chosen one's reasons and problems beside."""

    def __init__(
        self, rosters: RosterService, shift: ShiftRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assign_volunteer_dialog")
        self._rosters = rosters
        self.shift = shift
        self.suggestions: list[Suggestion] = []
        self.booked: AssignmentRecord | PatternBooking | None = None
        layout = QVBoxLayout(self)
        self.shift_label = QLabel(self)
        self.shift_label.setWordWrap(True)
        self.shift_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.shift_label)
        self.list_label = QLabel(self)
        layout.addWidget(self.list_label)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("suggestions")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTabKeyNavigation(False)
        layout.addWidget(self.table, 2)
        self.details_label = QLabel(self)
        layout.addWidget(self.details_label)
        self.details = QTextBrowser(self)
        self.details.setObjectName("details")
        layout.addWidget(self.details, 1)
        options = QHBoxLayout()
        self.status_label, self.status = QLabel(self), QComboBox(self)
        options.addWidget(self.status_label)
        options.addWidget(self.status)
        self.whole_pattern = QCheckBox(self)
        self.whole_pattern.setObjectName("whole_pattern")
        options.addWidget(self.whole_pattern, 1)
        layout.addLayout(options)
        self.buttons = QDialogButtonBox(self)
        self.book_button = QPushButton(self)
        self.book_button.setObjectName("book")
        self.book_button.setDefault(True)
        self.buttons.addButton(self.book_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self.book_button.clicked.connect(self.book_selected)
        self.buttons.rejected.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.table.itemDoubleClicked.connect(lambda _item: self.book_selected())
        self.resize(720, 560)
        self.retranslate_ui()
        self.load()

    # -- data ----------------------------------------------------------------------------
    def load(self) -> None:
        try:
            self.suggestions = self._rosters.suggest(self.shift.uuid, limit=25)
        except CvcError as exc:
            show_error(self, exc)
            self.suggestions = []
        self._fill()

    def _fill(self) -> None:
        chosen = self.selected()
        self.table.setRowCount(len(self.suggestions))
        for row, suggestion in enumerate(self.suggestions):
            name = suggestion.name
            if suggestion.problems:
                name = f"{WARNING_SIGN} {name}" if suggestion.serious else name
            cells = (
                name,
                suggestion.reference,
                format_number(round(suggestion.hours_this_month, 1)),
            )
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(SUGGESTION_ROLE, suggestion.volunteer_uuid)
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 0 and suggestion.serious:
                    item.setToolTip(problems_text(suggestion.problems))
                self.table.setItem(row, column, item)
        if not (chosen and self.select_volunteer(chosen.volunteer_uuid)) and self.suggestions:
            self.table.selectRow(0)
        self._show_details()

    def selected(self) -> Suggestion | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.suggestions[row] if 0 <= row < len(self.suggestions) else None

    def select_volunteer(self, volunteer_uuid: str) -> bool:
        for row, suggestion in enumerate(self.suggestions):
            if suggestion.volunteer_uuid == volunteer_uuid:
                self.table.selectRow(row)
                return True
        return False

    def _show_details(self) -> None:
        suggestion = self.selected()
        self.book_button.setEnabled(suggestion is not None)
        if suggestion is None:
            self.details.setPlainText(
                _("Nobody to suggest: no active members of the group or volunteers nearby.")
                if not self.suggestions
                else ""
            )
            return
        lines = [suggestion.name, ""]
        if suggestion.reasons:
            lines.append(_("Why they suit:"))
            lines.extend(f"• {reason}" for reason in suggestion.reasons)
        if suggestion.problems:
            lines.append("")
            lines.append(_("Problems:"))
            lines.append(problems_text(suggestion.problems))
        else:
            lines.append("")
            lines.append(_("No problems found."))
        self.details.setPlainText("\n".join(lines))

    # -- booking -------------------------------------------------------------------------
    def book_selected(self) -> AssignmentRecord | PatternBooking | None:
        """Book the chosen volunteer; asks first when they have serious problems."""
        suggestion = self.selected()
        if suggestion is None:
            return None
        status = AssignmentStatus(self.status.currentData() or AssignmentStatus.CONFIRMED.value)
        try:
            if self.whole_pattern.isChecked():
                result: AssignmentRecord | PatternBooking | None = self._book_pattern(
                    suggestion, status
                )
            else:
                result = self._book_one(suggestion, status)
        except CvcError as exc:
            show_error(self, exc, _("Not booked"))
            return None
        if result is not None:
            self.booked = result
            self.accept()
        return result

    def _book_one(
        self, suggestion: Suggestion, status: AssignmentStatus
    ) -> AssignmentRecord | None:
        try:
            return self._rosters.assign(self.shift.uuid, suggestion.volunteer_uuid, status=status)
        except AssignmentRefused as refused:
            if not confirm_problems(self, suggestion.name, refused.problems):
                return None
            return self._rosters.assign(
                self.shift.uuid, suggestion.volunteer_uuid, status=status, accept_problems=True
            )

    def _book_pattern(
        self, suggestion: Suggestion, status: AssignmentStatus
    ) -> PatternBooking | None:
        since = self.shift.starts_at.date()
        try:
            booking = self._rosters.assign_pattern(
                self.shift.activity_uuid, suggestion.volunteer_uuid, status=status, since=since
            )
        except AssignmentRefused as refused:
            if not confirm_problems(self, suggestion.name, refused.problems):
                return None
            return self._rosters.assign_pattern(
                self.shift.activity_uuid,
                suggestion.volunteer_uuid,
                status=status,
                since=since,
                accept_problems=True,
            )
        if booking.skipped:
            problems = [
                Problem(
                    p.kind,
                    f"{format_date(skipped.shift.starts_at.date())}: {p.message}",
                )
                for skipped in booking.skipped
                for p in skipped.problems
                if p.serious
            ]
            if confirm_problems(self, suggestion.name, problems):
                booking = self._rosters.assign_pattern(
                    self.shift.activity_uuid,
                    suggestion.volunteer_uuid,
                    status=status,
                    since=since,
                    accept_problems=True,
                )
        return booking

    # -- texts ---------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Assign a volunteer"))
        self.setAccessibleName(_("Assign a volunteer"))
        self.shift_label.setText(
            shift_text(self.shift)
            + "\n"
            + ngettext(
                "{booked} of {needed} volunteer booked.",
                "{booked} of {needed} volunteers booked.",
                self.shift.volunteers_needed,
            ).format(
                booked=format_number(self.shift.booked),
                needed=format_number(self.shift.volunteers_needed),
            )
        )
        label_for(self.list_label, self.table, _("&Suggested volunteers, best first:"))
        self.table.setHorizontalHeaderLabels([_("Name"), _("Reference"), _("Hours this month")])
        label_for(self.details_label, self.details, _("&Why they suit, and any problems:"))
        current = self.status.currentData()
        self.status.clear()
        for status in (AssignmentStatus.CONFIRMED, AssignmentStatus.TENTATIVE):
            self.status.addItem(status.label, status.value)
        self.status.setCurrentIndex(max(self.status.findData(current), 0) if current else 0)
        label_for(self.status_label, self.status, _("S&tatus:"))
        self.whole_pattern.setText(_("Book on the &whole pattern from this date"))
        self.whole_pattern.setAccessibleName(_("Book on the whole pattern from this date"))
        self.book_button.setText(_("&Book"))
        self.book_button.setAccessibleName(_("Book"))
        self.cancel_button.setText(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))
        self.table.setAccessibleName(_("Suggested volunteers"))
        self.details.setAccessibleName(_("Why they suit, and any problems"))
        if self.suggestions:
            self._fill()


# ---- a booking's status and hours ------------------------------------------------------------

STATUS_ORDER = (
    AssignmentStatus.CONFIRMED,
    AssignmentStatus.TENTATIVE,
    AssignmentStatus.DECLINED,
    AssignmentStatus.ATTENDED,
    AssignmentStatus.NO_SHOW,
)


def booking_text(record: AssignmentRecord) -> str:
    """“Gwenllian Ŵyn: attended, 2 hours” — how a booking reads in a list or to a screen
    reader."""
    if record.status is AssignmentStatus.ATTENDED and record.hours is not None:
        return ngettext(
            "{name}: {status}, {hours} hour",
            "{name}: {status}, {hours} hours",
            record.hours,
        ).format(
            name=record.volunteer_name,
            status=record.status.label,
            hours=format_number(record.hours),
        )
    return _("{name}: {status}").format(name=record.volunteer_name, status=record.status.label)


class BookingDialog(Retranslating, QDialog):
    """Change one booking's status, and the hours given when the volunteer attended."""

    def __init__(
        self, rosters: RosterService, record: AssignmentRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("booking_dialog")
        self._rosters = rosters
        self.record = record
        self.saved: AssignmentRecord | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        form = QFormLayout()
        self.status_label, self.status = QLabel(self), QComboBox(self)
        self.status.setObjectName("status")
        form.addRow(self.status_label, self.status)
        self.hours_label, self.hours = QLabel(self), QDoubleSpinBox(self)
        self.hours.setObjectName("hours")
        self.hours.setRange(0.0, 24.0)
        self.hours.setDecimals(2)
        self.hours.setSingleStep(0.25)
        form.addRow(self.hours_label, self.hours)
        layout.addLayout(form)
        self.hours_note = QLabel(self)
        self.hours_note.setWordWrap(True)
        layout.addWidget(self.hours_note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.status.currentIndexChanged.connect(lambda _i: self._status_changed())
        self.hours.setValue(
            record.hours
            if record.hours is not None
            else elapsed_hours(record.starts_at, record.ends_at)
        )
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.retranslate_ui()
        self.set_status(record.status)
        self.status.setFocus()

    def chosen_status(self) -> AssignmentStatus:
        return AssignmentStatus(self.status.currentData() or self.record.status.value)

    def set_status(self, status: AssignmentStatus) -> None:
        self.status.setCurrentIndex(max(self.status.findData(status.value), 0))
        self._status_changed()

    def _status_changed(self) -> None:
        attended = self.chosen_status() is AssignmentStatus.ATTENDED
        self.hours.setEnabled(attended)
        self.hours_label.setEnabled(attended)

    def save(self) -> AssignmentRecord | None:
        status = self.chosen_status()
        hours = self.hours.value() if status is AssignmentStatus.ATTENDED else None
        try:
            self.saved = self._rosters.set_status(
                self.record.uuid, status, hours=hours, expected_version=self.record.version
            )
        except CvcError as exc:
            show_error(self, exc, _("Booking not changed"))
            return None
        self.accept()
        return self.saved

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Booking: {name}").format(name=self.record.volunteer_name))
        self.setAccessibleName(_("Status and hours of a booking"))
        self.summary.setText(
            _("{name} on {shift}").format(
                name=self.record.volunteer_name,
                shift=_("{activity}, {date}, {start}–{end}").format(
                    activity=self.record.activity_title,
                    date=format_date(self.record.starts_at.date(), "full"),
                    start=format_time(self.record.starts_at.time()),
                    end=format_time(self.record.ends_at.time()),
                ),
            )
        )
        current = self.status.currentData() or self.record.status.value
        self.status.blockSignals(True)
        self.status.clear()
        for status in STATUS_ORDER:
            self.status.addItem(status.label, status.value)
        self.status.setCurrentIndex(max(self.status.findData(current), 0))
        self.status.blockSignals(False)
        label_for(self.status_label, self.status, _("S&tatus:"))
        label_for(self.hours_label, self.hours, _("&Hours given:"))
        self.hours.setSuffix(" " + _("h"))
        self.hours_note.setText(
            _("Hours are kept for attended shifts; the shift's length is filled in to start.")
        )
        self.save_button.setText(_("&Save"))
        self.save_button.setAccessibleName(_("Save"))
        self.cancel_button.setText(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))


# ---- print options shared by the roster, the area roster and the schedule --------------------


class PrintOptionsBox(Retranslating, QWidget):
    """Language (English, Welsh or both), large print, and portrait or landscape."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.language_label, self.language = QLabel(self), QComboBox(self)
        self.language.setObjectName("print_language")
        self.large_print = QCheckBox(self)
        self.large_print.setObjectName("large_print")
        self.orientation_label, self.orientation = QLabel(self), QComboBox(self)
        self.orientation.setObjectName("orientation")
        for combo in (self.language, self.orientation):  # Welsh names are longer
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for widget in (
            self.language_label,
            self.language,
            self.large_print,
            self.orientation_label,
            self.orientation,
        ):
            row.addWidget(widget)
        self.retranslate_ui()

    def options(self) -> PrintOptions:
        turn = self.orientation.currentData()
        return PrintOptions(
            languages=LanguageMode(self.language.currentData() or LanguageMode.ENGLISH.value),
            large_print=self.large_print.isChecked(),
            landscape=None if turn in (None, "") else turn == "landscape",
        )

    def set_options(self, options: PrintOptions) -> None:
        self.language.setCurrentIndex(max(self.language.findData(options.languages.value), 0))
        self.large_print.setChecked(options.large_print)
        turn = "" if options.landscape is None else "landscape" if options.landscape else "portrait"
        self.orientation.setCurrentIndex(max(self.orientation.findData(turn), 0))

    def retranslate_ui(self) -> None:
        current = self.language.currentData() or (
            LanguageMode.WELSH.value if current_language() == "cy" else LanguageMode.ENGLISH.value
        )
        self.language.blockSignals(True)
        self.language.clear()
        self.language.addItem(_("English"), LanguageMode.ENGLISH.value)
        self.language.addItem(_("Welsh"), LanguageMode.WELSH.value)
        self.language.addItem(_("English and Welsh side by side"), LanguageMode.BOTH.value)
        self.language.setCurrentIndex(max(self.language.findData(current), 0))
        self.language.blockSignals(False)
        label_for(self.language_label, self.language, _("Lang&uage:"))
        self.large_print.setText(_("Large &print (16 pt)"))
        self.large_print.setAccessibleName(_("Large print (16 pt)"))
        turn = self.orientation.currentData() or ""
        self.orientation.blockSignals(True)
        self.orientation.clear()
        self.orientation.addItem(_("Automatic"), "")
        self.orientation.addItem(_("Portrait"), "portrait")
        self.orientation.addItem(_("Landscape"), "landscape")
        self.orientation.setCurrentIndex(max(self.orientation.findData(turn), 0))
        self.orientation.blockSignals(False)
        label_for(self.orientation_label, self.orientation, _("Pag&e:"))
        self.orientation.setToolTip(_("Automatic: landscape for large print, portrait otherwise."))


def _date_edit(parent: QWidget, name: str, day: dt.date) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDate(to_qdate(day))
    return edit


def _format_date_edit(edit: QDateEdit) -> None:
    edit.setLocale(qt_locale())
    edit.setDisplayFormat(qt_date_format())
    editor = edit.findChild(QLineEdit)
    if editor is not None:  # the date's text box, which screen readers reach too
        editor.setAccessibleName(edit.accessibleName())


# ---- a volunteer's own schedule ---------------------------------------------------------------

VOLUNTEER_ROLE = Qt.ItemDataRole.UserRole
MATCHES_SHOWN = 50


def _print_choices(
    dialog: QDialog, layout: QVBoxLayout, options: PrintOptions | None
) -> tuple[PrintOptionsBox, QDialogButtonBox, QPushButton, QPushButton]:
    """The print options and the Preview / Cancel buttons at the foot of a paper's dialog."""
    box = PrintOptionsBox(dialog)
    if options is not None:
        box.set_options(options)
    layout.addWidget(box)
    buttons = QDialogButtonBox(dialog)
    preview = QPushButton(dialog)
    preview.setObjectName("preview")
    preview.setDefault(True)
    buttons.addButton(preview, QDialogButtonBox.ButtonRole.AcceptRole)
    cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    layout.addWidget(buttons)
    return box, buttons, preview, cancel


class ScheduleDialog(Retranslating, QDialog):
    """Pick a volunteer by name (a page of matches at a time, never the whole list) and the
    dates, then preview their schedule."""

    def __init__(
        self,
        volunteers: VolunteerService,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
        options: PrintOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_dialog")
        self._volunteers = volunteers
        self.matches: list[VolunteerRow] = []
        self._total = 0
        start = monday_of(today or dt.date.today())
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.search_label, self.search = QLabel(self), QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search_label)
        layout.addWidget(self.search)
        self.results = QListWidget(self)
        self.results.setObjectName("results")
        layout.addWidget(self.results, 1)
        self.result_note = QLabel(self)
        self.result_note.setObjectName("result_note")
        self.result_note.setWordWrap(True)
        layout.addWidget(self.result_note)
        dates = QHBoxLayout()
        self.from_label = QLabel(self)
        self.date_from = _date_edit(self, "date_from", start)
        self.to_label = QLabel(self)
        self.date_to = _date_edit(self, "date_to", start + dt.timedelta(days=27))
        for widget in (self.from_label, self.date_from, self.to_label, self.date_to):
            dates.addWidget(widget)
        dates.addStretch(1)
        layout.addLayout(dates)
        self.print_options, self.buttons, self.preview_button, self.cancel_button = _print_choices(
            self, layout, options
        )
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.find)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.results.itemSelectionChanged.connect(self._update_buttons)
        self.results.itemDoubleClicked.connect(lambda _i: self._accept_if_ready())
        self.buttons.accepted.connect(self._accept_if_ready)
        self.buttons.rejected.connect(self.reject)
        self.resize(560, 520)
        self.retranslate_ui()
        self.find()
        self.search.setFocus()

    # -- finding -------------------------------------------------------------------------
    def _search_now(self) -> None:
        self._search_timer.stop()
        self.find()
        if self.results.count():
            self.results.setFocus()

    def find(self, text: str | None = None) -> list[VolunteerRow]:
        """Show the first MATCHES_SHOWN active volunteers matching the search, by name."""
        if text is not None:
            self.search.blockSignals(True)
            self.search.setText(text)
            self.search.blockSignals(False)
        query = VolunteerQuery(search=self.search.text().strip())
        chosen = self.chosen_volunteer()
        try:
            self.matches = self._volunteers.list(query, limit=MATCHES_SHOWN)
            self._total = (
                self._volunteers.count(query)
                if len(self.matches) >= MATCHES_SHOWN
                else len(self.matches)
            )
        except CvcError as exc:
            show_error(self, exc)
            self.matches, self._total = [], 0
        self.results.clear()
        for row in self.matches:
            details = ", ".join(part for part in (row.reference, row.postcode) if part)
            text = f"{row.display_name} ({details})" if details else row.display_name
            item = QListWidgetItem(text, self.results)
            item.setData(VOLUNTEER_ROLE, row.uuid)
        if self.matches:
            self.results.setCurrentRow(
                next((i for i, r in enumerate(self.matches) if r.uuid == chosen), 0)
            )
        self._show_count()
        self._update_buttons()
        return self.matches

    def _show_count(self) -> None:
        shown = len(self.matches)
        if not shown:
            self.result_note.setText(_("Nobody matches. Try part of the name or a reference."))
        elif self._total > shown:
            self.result_note.setText(
                _(
                    "Showing the first {shown} of {total} matches. Type more of the name to "
                    "narrow them down."
                ).format(shown=format_number(shown), total=format_number(self._total))
            )
        else:
            self.result_note.setText(
                ngettext("{count} match", "{count} matches", shown).format(
                    count=format_number(shown)
                )
            )

    def select_volunteer(self, volunteer_uuid: str) -> bool:
        for row in range(self.results.count()):
            item = self.results.item(row)
            if item.data(VOLUNTEER_ROLE) == volunteer_uuid:
                self.results.setCurrentRow(row)
                return True
        return False

    def chosen_volunteer(self) -> str | None:
        item = self.results.currentItem()
        return str(item.data(VOLUNTEER_ROLE)) if item is not None and item.isSelected() else None

    def chosen_name(self) -> str:
        uuid = self.chosen_volunteer()
        return next((r.display_name for r in self.matches if r.uuid == uuid), "")

    def period(self) -> tuple[dt.date, dt.date]:
        return from_qdate(self.date_from.date()), from_qdate(self.date_to.date())

    def set_period(self, start: dt.date, end: dt.date) -> None:
        self.date_from.setDate(to_qdate(start))
        self.date_to.setDate(to_qdate(end))

    def _update_buttons(self) -> None:
        self.preview_button.setEnabled(self.chosen_volunteer() is not None)

    def _accept_if_ready(self) -> None:
        start, end = self.period()
        if self.chosen_volunteer() is None:
            return
        if end < start:
            QMessageBox.warning(
                self,
                _("Volunteer's schedule"),
                _("The last date ({end}) is before the first ({start}).").format(
                    end=format_date(end), start=format_date(start)
                ),
            )
            self.date_to.setFocus()
            return
        self.accept()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Print a volunteer's schedule"))
        self.setAccessibleName(_("Print a volunteer's schedule"))
        self.intro.setText(
            _(
                "Find the volunteer, choose the dates, then preview their own shifts to print "
                "or save."
            )
        )
        label_for(self.search_label, self.search, _("&Find a volunteer (name or reference):"))
        self.search.setPlaceholderText(_("Name or reference"))
        self.results.setAccessibleName(_("Matching volunteers"))
        label_for(self.from_label, self.date_from, _("&From:"))
        label_for(self.to_label, self.date_to, _("&To:"))
        for edit in (self.date_from, self.date_to):
            _format_date_edit(edit)
        self.preview_button.setText(_("Pre&view…"))
        self.preview_button.setAccessibleName(_("Preview the schedule"))
        self.cancel_button.setText(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))
        self._show_count()


# ---- a weekly roster for an area -------------------------------------------------------------


class AreaRosterDialog(Retranslating, QDialog):
    """Choose an area (a postcode district, sector or named community) and a week, then
    preview the roster of every group's shifts there."""

    def __init__(
        self,
        areas: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        week: dt.date | None = None,
        options: PrintOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("area_roster_dialog")
        self._areas = list(areas)
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.area_label, self.area = QLabel(self), QComboBox(self)
        self.area.setObjectName("area")
        self.area.setEditable(True)
        self.area.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.area.setMinimumContentsLength(24)
        for code, name in self._areas:
            self.area.addItem(name if name == code else f"{name} ({code})", code)
        completer = self.area.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.area.setCurrentIndex(-1)
        form.addRow(self.area_label, self.area)
        self.week_label = QLabel(self)
        self.week = _date_edit(self, "week", week or dt.date.today())
        form.addRow(self.week_label, self.week)
        layout.addLayout(form)
        self.print_options, self.buttons, self.preview_button, self.cancel_button = _print_choices(
            self, layout, options
        )
        self.buttons.accepted.connect(self._accept_if_ready)
        self.buttons.rejected.connect(self.reject)
        self.area.editTextChanged.connect(lambda _t: self._update_buttons())
        self.area.currentIndexChanged.connect(lambda _i: self._update_buttons())
        self.retranslate_ui()
        self._update_buttons()
        self.area.setFocus()

    def chosen_area(self) -> str:
        """The chosen area's code, or what was typed (a postcode district such as SA61)."""
        text = self.area.currentText().strip()
        index = self.area.currentIndex()
        if index >= 0 and self.area.itemText(index) == text:
            return str(self.area.itemData(index))
        found = self.area.findText(text, Qt.MatchFlag.MatchFixedString)
        return str(self.area.itemData(found)) if found >= 0 else text

    def set_area(self, code: str) -> None:
        index = self.area.findData(code)
        if index >= 0:
            self.area.setCurrentIndex(index)
        else:
            self.area.setEditText(code)

    def week_start(self) -> dt.date:
        return monday_of(from_qdate(self.week.date()))

    def _update_buttons(self) -> None:
        self.preview_button.setEnabled(bool(self.area.currentText().strip()))

    def _accept_if_ready(self) -> None:
        if self.chosen_area():
            self.accept()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Print a roster for an area"))
        self.setAccessibleName(_("Print a roster for an area"))
        self.intro.setText(
            _(
                "Every group's shifts in the area that week, on one roster. Choose an area "
                "from the list or type a postcode district such as SA61."
            )
        )
        label_for(self.area_label, self.area, _("&Area:"))
        label_for(self.week_label, self.week, _("&Week of:"))
        _format_date_edit(self.week)
        self.preview_button.setText(_("Pre&view…"))
        self.preview_button.setAccessibleName(_("Preview the roster"))
        self.cancel_button.setText(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))
