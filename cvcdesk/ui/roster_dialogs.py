"""Putting a volunteer on a shift: suggestions with their reasons and problems, and a clear
question before anyone with a serious problem (a clash, time away, DBS) is booked."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
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
from cvcdesk.i18n import _, format_date, format_number, format_time, ngettext
from cvcdesk.services.rosters import (
    AssignmentRecord,
    AssignmentRefused,
    PatternBooking,
    Problem,
    RosterService,
    ShiftRecord,
    Suggestion,
)
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import WARNING_SIGN

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
