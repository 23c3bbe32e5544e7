"""Activities and rosters: a group's week of shifts and who is on them, putting volunteers on
shifts and recording how each booking went (status and hours), and the printed papers: the
group's roster, a roster for an area, a sign-in sheet and a volunteer's own schedule.

The Roster tab shows the chosen group's week (Monday to Sunday) built from the services, and
below it the bookings on the chosen shift.  Every paper is a PDF from RosterPrintService
(ReportLab, made off the GUI thread); the preview and the printer get that same PDF's pages
rendered by PDFium (see pdf_preview and roster_print).  The Activities tab lists each group's
activities and their next shift.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCursor
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.activity import ActivityRow
from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import (
    _,
    current_language,
    format_date,
    format_datetime,
    format_number,
    format_time,
    ngettext,
)
from cvcdesk.reports.data import PrintOptions, RenderedPdf
from cvcdesk.services.registry import Services
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.rosters import AssignmentRecord, RosterService, ShiftRecord, monday_of
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import from_qdate, qt_date_format, qt_locale, to_qdate
from cvcdesk.ui.pdf_preview import PdfPreviewDialog, open_in_viewer, with_pdf_suffix
from cvcdesk.ui.roster_dialogs import (
    STATUS_ORDER,
    AreaRosterDialog,
    AssignVolunteerDialog,
    BookingDialog,
    PrintOptionsBox,
    ScheduleDialog,
    booking_text,
)
from cvcdesk.ui.roster_print import PdfPages, print_with_dialog
from cvcdesk.ui.table_model import Column, PagedTableModel, apply_column_widths
from cvcdesk.ui.tasks import TaskCancelled, run_task

SHIFT_ROLE = Qt.ItemDataRole.UserRole
BOOKING_ROLE = Qt.ItemDataRole.UserRole
# People who count towards the places a shift needs (declined and no-show ones do not).
_FILLING = (AssignmentStatus.CONFIRMED, AssignmentStatus.TENTATIVE, AssignmentStatus.ATTENDED)


def _title(row: ActivityRow) -> str:
    if current_language() == "cy" and row.title_cy:
        return row.title_cy
    return row.title or row.title_cy


def _next(row: ActivityRow) -> str:
    return (
        format_datetime(row.next_shift, "EEE d MMM y, HH:mm")
        if row.next_shift
        else _("None planned")
    )


COLUMNS: list[Column[ActivityRow]] = [
    Column("title", lambda: _("Activity"), _title, width=26),
    Column("group", lambda: _("Group"), lambda r: r.group_name, width=30),
    Column("service", lambda: _("Service"), lambda r: r.service, width=26),
    Column("area", lambda: _("Area"), lambda r: r.area, width=7),
    Column("place", lambda: _("Place"), lambda r: r.place, width=20),
    Column("next", lambda: _("Next shift"), _next, width=22),
]

ROSTER_HEADERS: tuple[Callable[[], str], ...] = (
    lambda: _("Day"),
    lambda: _("Time"),
    lambda: _("Activity"),
    lambda: _("Volunteers"),
    lambda: _("Places"),
    lambda: _("Notes"),
)


def _file_part(text: str) -> str:
    """A piece of a suggested file name: letters, digits and hyphens."""
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-").lower()[:40] or "roster"


class ActivitiesPage(Retranslating, QWidget):
    status_message = Signal(str)
    roster_changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activities_page")
        self._services = services
        actor = getattr(services.activities, "_actor", None)
        self._rosters: RosterService = getattr(services, "rosters", None) or RosterService(
            services.database, actor=actor
        )
        self._printing: RosterPrintService = getattr(
            services, "printing", None
        ) or RosterPrintService(services.database, actor=actor)
        self._shifts: list[tuple[ShiftRecord, list[AssignmentRecord]]] = []
        self.preview: PdfPreviewDialog | None = None  # the preview open now, if any
        self.schedule_dialog: ScheduleDialog | None = None
        self.area_dialog: AreaRosterDialog | None = None
        layout = QVBoxLayout(self)

        # -- group and week --------------------------------------------------------------
        top = QHBoxLayout()
        self.group_label, self.group = QLabel(self), QComboBox(self)
        self.group.setObjectName("filter_group")
        self.group.setMinimumContentsLength(20)
        top.addWidget(self.group_label)
        top.addWidget(self.group)
        top.addSpacing(16)
        self.week_label, self.week = QLabel(self), QDateEdit(self)
        self.week.setObjectName("week")
        self.week.setCalendarPopup(True)
        self.week.setDate(to_qdate(dt.date.today()))
        self.previous_week = QPushButton(self)
        self.previous_week.setObjectName("previous_week")
        self.this_week = QPushButton(self)
        self.this_week.setObjectName("this_week")
        self.next_week = QPushButton(self)
        self.next_week.setObjectName("next_week")
        for widget in (
            self.week_label,
            self.week,
            self.previous_week,
            self.this_week,
            self.next_week,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        layout.addLayout(top)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        layout.addWidget(self.tabs, 1)

        # -- the roster ------------------------------------------------------------------
        roster = QWidget(self.tabs)
        roster_layout = QVBoxLayout(roster)
        self.roster_heading = QLabel(roster)
        self.roster_heading.setObjectName("roster_heading")
        self.roster_heading.setWordWrap(True)
        heading_font = self.roster_heading.font()
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.15)
        self.roster_heading.setFont(heading_font)
        roster_layout.addWidget(self.roster_heading)
        self.roster = QTableWidget(0, len(ROSTER_HEADERS), roster)
        self.roster.setObjectName("roster")
        self.roster.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roster.setAlternatingRowColors(True)
        self.roster.setWordWrap(True)
        self.roster.setTabKeyNavigation(False)
        self.roster.verticalHeader().setVisible(False)
        header = self.roster.horizontalHeader()
        for column, mode in enumerate(
            (
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Interactive,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Interactive,
            )
        ):
            header.setSectionResizeMode(column, mode)
        metrics = self.roster.fontMetrics()
        header.resizeSection(2, metrics.averageCharWidth() * 26)
        header.resizeSection(5, metrics.averageCharWidth() * 30)
        self.roster.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.split = QSplitter(Qt.Orientation.Vertical, roster)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.roster)
        people = QWidget(self.split)
        people_layout = QVBoxLayout(people)
        people_layout.setContentsMargins(0, 0, 0, 0)
        self.bookings_label = QLabel(people)
        people_layout.addWidget(self.bookings_label)
        self.bookings = QTableWidget(0, 3, people)
        self.bookings.setObjectName("bookings")
        self.bookings.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.bookings.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bookings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.bookings.setTabKeyNavigation(False)
        self.bookings.setAlternatingRowColors(True)
        self.bookings.verticalHeader().setVisible(False)
        self.bookings.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        people_header = self.bookings.horizontalHeader()
        people_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            people_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        people_layout.addWidget(self.bookings, 1)
        self.split.addWidget(people)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        roster_layout.addWidget(self.split, 1)
        self.roster_summary = QLabel(roster)
        self.roster_summary.setWordWrap(True)
        roster_layout.addWidget(self.roster_summary)

        shift_row = QHBoxLayout()
        self.assign_button = QPushButton(roster)
        self.assign_button.setObjectName("assign")
        self.booking_button = QPushButton(roster)
        self.booking_button.setObjectName("booking")
        self.signin_button = QPushButton(roster)
        self.signin_button.setObjectName("signin_pdf")
        shift_row.addWidget(self.assign_button)
        shift_row.addWidget(self.booking_button)
        shift_row.addWidget(self.signin_button)
        shift_row.addStretch(1)
        roster_layout.addLayout(shift_row)

        self.print_box = QGroupBox(roster)
        print_layout = QVBoxLayout(self.print_box)
        print_row = QHBoxLayout()
        self.print_options_box = PrintOptionsBox(self.print_box)
        self.language = self.print_options_box.language
        self.large_print = self.print_options_box.large_print
        self.orientation = self.print_options_box.orientation
        self.preview_button = QPushButton(self.print_box)
        self.preview_button.setObjectName("preview")
        self.open_button = QPushButton(self.print_box)
        self.open_button.setObjectName("open_pdf")
        self.save_button = QPushButton(self.print_box)
        self.save_button.setObjectName("save_pdf")
        self.print_button = QPushButton(self.print_box)
        self.print_button.setObjectName("print")
        print_row.addWidget(self.print_options_box)
        print_row.addStretch(1)
        for button in (self.preview_button, self.open_button, self.save_button, self.print_button):
            print_row.addWidget(button)
        print_layout.addLayout(print_row)
        other_row = QHBoxLayout()
        self.other_label = QLabel(self.print_box)
        self.schedule_button = QPushButton(self.print_box)
        self.schedule_button.setObjectName("schedule")
        self.area_button = QPushButton(self.print_box)
        self.area_button.setObjectName("area_roster")
        other_row.addWidget(self.other_label)
        other_row.addWidget(self.schedule_button)
        other_row.addWidget(self.area_button)
        other_row.addStretch(1)
        print_layout.addLayout(other_row)
        roster_layout.addWidget(self.print_box)
        self.tabs.addTab(roster, "")

        # -- the activities --------------------------------------------------------------
        listing = QWidget(self.tabs)
        listing_layout = QVBoxLayout(listing)
        self.note = QLabel(listing)
        self.note.setWordWrap(True)
        listing_layout.addWidget(self.note)
        self.table = QTableView(listing)
        self.table.setObjectName("table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        activities = services.activities
        self.model: PagedTableModel[Any] = PagedTableModel(
            COLUMNS,
            count=lambda: activities.count(group_uuid=self.group.currentData() or None),
            fetch=lambda offset, limit, _order, _desc: activities.list(
                group_uuid=self.group.currentData() or None, offset=offset, limit=limit
            ),
        )
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        apply_column_widths(self.table, COLUMNS)
        listing_layout.addWidget(self.table, 1)
        self.result_label = QLabel(listing)
        listing_layout.addWidget(self.result_label)
        self.tabs.addTab(listing, "")

        # -- wiring ----------------------------------------------------------------------
        self.group.currentIndexChanged.connect(lambda _i: self.refresh())
        self.week.dateChanged.connect(lambda _d: self.refresh_roster())
        self.previous_week.clicked.connect(lambda: self.move_week(-1))
        self.next_week.clicked.connect(lambda: self.move_week(1))
        self.this_week.clicked.connect(lambda: self.set_week(dt.date.today()))
        self.roster.itemSelectionChanged.connect(self._shift_chosen)
        self.roster.itemDoubleClicked.connect(lambda _item: self.assign_volunteer())
        self.roster.customContextMenuRequested.connect(self._roster_menu)
        self.bookings.itemSelectionChanged.connect(self._update_buttons)
        self.bookings.activated.connect(lambda _index: self.edit_booking())
        self.bookings.customContextMenuRequested.connect(self._bookings_menu)
        self.assign_button.clicked.connect(self.assign_volunteer)
        self.booking_button.clicked.connect(lambda: self.edit_booking())
        self.signin_button.clicked.connect(lambda: self.preview_signin())
        self.preview_button.clicked.connect(lambda: self.preview_roster())
        self.open_button.clicked.connect(self.open_roster_pdf)
        self.save_button.clicked.connect(lambda: self.save_roster_pdf())
        self.print_button.clicked.connect(lambda: self.print_roster())
        self.schedule_button.clicked.connect(lambda: self.print_schedule())
        self.area_button.clicked.connect(lambda: self.print_area_roster())
        self.retranslate_ui()

    # -- choices -------------------------------------------------------------------------
    def _fill_groups(self) -> None:
        language = current_language()
        current = self.group.currentData()
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(_("All groups"), "")
        for uuid, name in self._services.organisations.names(language):
            self.group.addItem(name, uuid)
        self.group.setCurrentIndex(max(self.group.findData(current), 0) if current else 0)
        self.group.blockSignals(False)

    def chosen_group(self) -> str | None:
        return self.group.currentData() or None

    def select_group(self, group_uuid: str) -> bool:
        index = self.group.findData(group_uuid)
        if index < 0:
            return False
        self.group.setCurrentIndex(index)
        return True

    def week_start(self) -> dt.date:
        return monday_of(from_qdate(self.week.date()))

    def set_week(self, day: dt.date) -> None:
        self.week.setDate(to_qdate(day))

    def move_week(self, weeks: int) -> None:
        self.set_week(from_qdate(self.week.date()) + dt.timedelta(weeks=weeks))

    def print_options(self) -> PrintOptions:
        return self.print_options_box.options()

    # -- the roster ----------------------------------------------------------------------
    def refresh_roster(self) -> None:
        """Read the chosen group's week again and show it."""
        chosen = self.current_shift()
        group = self.chosen_group()
        start = self.week_start()
        end = start + dt.timedelta(days=6)
        self._shifts = []
        try:
            if group is not None:
                shifts: list[ShiftRecord] = []
                for activity in self._services.activities.list(group_uuid=group):
                    shifts.extend(
                        self._services.activities.shifts(
                            activity.uuid, date_from=start, date_to=end
                        )
                    )
                shifts.sort(key=lambda s: (s.starts_at, s.title.casefold(), s.uuid))
                self._shifts = [(s, self._rosters.assignments(s.uuid)) for s in shifts]
        except CvcError as exc:
            show_error(self, exc)
        self._fill_roster()
        if chosen is not None:
            self.select_shift(chosen.uuid)
        self._fill_bookings()
        self._update_texts_for_week()
        self._update_buttons()

    def _fill_roster(self) -> None:
        self.roster.setRowCount(len(self._shifts))
        for row, (shift, people) in enumerate(self._shifts):
            on = [p for p in people if p.status in _FILLING]
            names = [
                p.volunteer_name
                if p.status is AssignmentStatus.CONFIRMED
                else _("{name} ({status})").format(name=p.volunteer_name, status=p.status.label)
                for p in people
            ]
            notes: list[str] = []
            if shift.cancelled:
                notes.append(_("Shift cancelled"))
            elif shift.orphaned:
                notes.append(_("No longer planned: check with the coordinator"))
            elif len(on) < shift.volunteers_needed:
                missing = shift.volunteers_needed - len(on)
                notes.append(
                    ngettext(
                        "{n} more volunteer needed", "{n} more volunteers needed", missing
                    ).format(n=format_number(missing))
                )
            cells = (
                format_date(shift.starts_at.date(), "EEE d MMM"),
                f"{format_time(shift.starts_at.time())}–{format_time(shift.ends_at.time())}",
                shift.title,
                "\n".join(names) or "—",
                _("{booked} of {needed}").format(
                    booked=format_number(len(on)), needed=format_number(shift.volunteers_needed)
                ),
                "; ".join(notes),
            )
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(SHIFT_ROLE, shift.uuid)
                if column == 3 and not names:
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, _("Nobody booked"))
                if column == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if shift.cancelled or shift.orphaned:
                    font = item.font()
                    font.setStrikeOut(shift.cancelled and column < 4)
                    font.setItalic(True)
                    item.setFont(font)
                self.roster.setItem(row, column, item)
        self.roster.resizeRowsToContents()

    def roster_names(self) -> list[list[str]]:
        """Who is on each shift shown, in order (for tests and screen readers' summaries)."""
        return [[p.volunteer_name for p in people] for _shift, people in self._shifts]

    def shown_shifts(self) -> list[ShiftRecord]:
        return [shift for shift, _people in self._shifts]

    def current_shift(self) -> ShiftRecord | None:
        rows = self.roster.selectionModel().selectedRows() if self.roster.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self._shifts[row][0] if 0 <= row < len(self._shifts) else None

    def select_shift(self, shift_uuid: str) -> bool:
        for row, (shift, _people) in enumerate(self._shifts):
            if shift.uuid == shift_uuid:
                self.roster.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        has_group = self.chosen_group() is not None
        shift = self.current_shift()
        self.assign_button.setEnabled(shift is not None and not shift.cancelled)
        self.booking_button.setEnabled(self.current_booking() is not None)
        self.signin_button.setEnabled(shift is not None)
        for button in (self.preview_button, self.open_button, self.save_button, self.print_button):
            button.setEnabled(has_group)

    # -- bookings on the chosen shift ----------------------------------------------------
    def _shift_chosen(self) -> None:
        self._fill_bookings()
        self._update_buttons()

    def shift_bookings(self) -> list[AssignmentRecord]:
        """Everyone booked on the chosen shift (declined too), as the bookings list shows."""
        rows = self.roster.selectionModel().selectedRows() if self.roster.selectionModel() else []
        if not rows or not 0 <= rows[0].row() < len(self._shifts):
            return []
        return list(self._shifts[rows[0].row()][1])

    def _fill_bookings(self) -> None:
        chosen = self.current_booking()
        people = self.shift_bookings()
        self.bookings.setRowCount(len(people))
        for row, person in enumerate(people):
            hours = (
                format_number(person.hours)
                if person.status is AssignmentStatus.ATTENDED and person.hours is not None
                else ""
            )
            for column, value in enumerate((person.volunteer_name, person.status.label, hours)):
                item = QTableWidgetItem(value)
                item.setData(BOOKING_ROLE, person.uuid)
                if column == 0:
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, booking_text(person))
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.bookings.setItem(row, column, item)
        if chosen is not None:
            self.select_booking(chosen.uuid)
        shift = self.current_shift()
        if shift is None:
            text = _("Choose a shift above to see who is booked on it.")
        elif not people:
            text = _("Nobody is booked on this shift yet.")
        else:
            text = ngettext(
                "{count} booking on {shift}:", "{count} bookings on {shift}:", len(people)
            ).format(
                count=format_number(len(people)),
                shift=_("{activity}, {date}").format(
                    activity=shift.title, date=format_date(shift.starts_at.date(), "EEE d MMM")
                ),
            )
        label_for(self.bookings_label, self.bookings, text)
        self.bookings.setAccessibleName(_("Bookings on the chosen shift"))

    def current_booking(self) -> AssignmentRecord | None:
        model = self.bookings.selectionModel()
        rows = model.selectedRows() if model else []
        people = self.shift_bookings()
        if not rows or not 0 <= rows[0].row() < len(people):
            return None
        return people[rows[0].row()]

    def select_booking(self, assignment_uuid: str) -> bool:
        for row, person in enumerate(self.shift_bookings()):
            if person.uuid == assignment_uuid:
                self.bookings.selectRow(row)
                return True
        return False

    def booking_table(self) -> list[tuple[str, str, str]]:
        """The bookings list as shown: name, status and hours (for tests and summaries)."""
        return [
            tuple(  # type: ignore[misc]
                (self.bookings.item(row, c).text() if self.bookings.item(row, c) else "")
                for c in range(3)
            )
            for row in range(self.bookings.rowCount())
        ]

    def set_booking_status(
        self,
        status: AssignmentStatus,
        record: AssignmentRecord | None = None,
        *,
        hours: float | None = None,
    ) -> AssignmentRecord | None:
        """Mark a booking (the chosen one by default); attended takes the shift's length
        unless `hours` is given."""
        record = record or self.current_booking()
        if record is None:
            return None
        try:
            saved = self._rosters.set_status(
                record.uuid, status, hours=hours, expected_version=record.version
            )
        except CvcError as exc:
            show_error(self, exc, _("Booking not changed"))
            self.refresh_roster()
            return None
        self._after_status(saved)
        return saved

    def make_booking_dialog(self, record: AssignmentRecord | None = None) -> BookingDialog | None:
        record = record or self.current_booking()
        if record is None:
            return None
        dialog = BookingDialog(self._rosters, record, self)
        dialog.accepted.connect(lambda: dialog.saved and self._after_status(dialog.saved))
        return dialog

    def edit_booking(self, record: AssignmentRecord | None = None) -> None:
        """Status and hours of a booking (the chosen one by default), in a dialog."""
        dialog = self.make_booking_dialog(record)
        if dialog is None:
            return
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.exec()
        dialog.deleteLater()

    def unassign(self, record: AssignmentRecord | None = None, *, ask: bool = True) -> bool:
        """Take a volunteer off a shift (the chosen booking by default), after asking."""
        record = record or self.current_booking()
        if record is None:
            return False
        if ask:
            box = QMessageBox(self)
            box.setObjectName("confirm_unassign")
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(_("Take off the shift?"))
            box.setText(
                _("Take {name} off {activity} on {date}?").format(
                    name=record.volunteer_name,
                    activity=record.activity_title,
                    date=format_date(record.starts_at.date(), "full"),
                )
            )
            box.setInformativeText(
                _("To keep a record that they could not come, mark the booking declined instead.")
            )
            yes = box.addButton(_("&Take off"), QMessageBox.ButtonRole.AcceptRole)
            no = box.addButton(_("&Keep the booking"), QMessageBox.ButtonRole.RejectRole)
            yes.setAccessibleName(_("Take off"))
            no.setAccessibleName(_("Keep the booking"))
            box.setDefaultButton(no)
            box.setEscapeButton(no)
            box.exec()
            if box.clickedButton() is not yes:
                return False
        try:
            self._rosters.unassign(record.uuid, expected_version=record.version)
        except CvcError as exc:
            show_error(self, exc, _("Booking not changed"))
            self.refresh_roster()
            return False
        self.refresh_roster()
        self.roster_changed.emit()
        self.status_message.emit(
            _("{name} is off {activity} on {date}.").format(
                name=record.volunteer_name,
                activity=record.activity_title,
                date=format_date(record.starts_at.date(), "EEE d MMM"),
            )
        )
        return True

    def _after_status(self, saved: AssignmentRecord) -> None:
        self.refresh_roster()
        self.select_booking(saved.uuid)
        self.roster_changed.emit()
        self.status_message.emit(
            _("{booking} ({activity}, {date}).").format(
                booking=booking_text(saved),
                activity=saved.activity_title,
                date=format_date(saved.starts_at.date(), "EEE d MMM"),
            )
        )

    def _status_actions(self, menu: QMenu, record: AssignmentRecord) -> None:
        """Each status as a checkable item, the current one ticked; then the dialog."""
        choices = QActionGroup(menu)
        choices.setExclusive(True)
        for status in STATUS_ORDER:
            action = QAction(status.label, menu, checkable=True)
            action.setObjectName(f"status_{status.value}")
            action.setChecked(record.status is status)
            action.triggered.connect(
                lambda _checked=False, s=status, r=record: self.set_booking_status(s, r)
            )
            choices.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        edit = menu.addAction(_("Status and &hours…"))
        edit.setObjectName("edit_booking")
        edit.triggered.connect(lambda _checked=False, r=record: self.edit_booking(r))
        remove = menu.addAction(_("&Take off the shift…"))
        remove.setObjectName("unassign")
        remove.triggered.connect(lambda _checked=False, r=record: self.unassign(r))

    def bookings_menu(self, record: AssignmentRecord | None = None) -> QMenu | None:
        """The context menu of a booking (for the bookings list and tests)."""
        record = record or self.current_booking()
        if record is None:
            return None
        menu = QMenu(self)
        menu.setObjectName("booking_menu")
        menu.setAccessibleName(booking_text(record))
        self._status_actions(menu, record)
        return menu

    def roster_menu(self) -> QMenu | None:
        """The context menu of a shift: assign, the sign-in sheet, and each booking."""
        shift = self.current_shift()
        if shift is None:
            return None
        menu = QMenu(self)
        menu.setObjectName("roster_menu")
        assign = menu.addAction(_("&Assign volunteer…"))
        assign.setEnabled(not shift.cancelled)
        assign.triggered.connect(lambda _checked=False: self.assign_volunteer())
        signin = menu.addAction(_("&Sign-in sheet…"))
        signin.triggered.connect(lambda _checked=False: self.preview_signin())
        people = self.shift_bookings()
        if people:
            menu.addSeparator()
        for person in people:
            sub = menu.addMenu(booking_text(person).replace("&", "&&"))
            sub.setObjectName(f"booking_{person.uuid}")
            self._status_actions(sub, person)
        return menu

    def _popup_position(self, table: QTableWidget, pos: QPoint) -> QPoint:
        """Where the menu opens: at the mouse, or by the chosen row when asked from the
        keyboard (the menu key or Shift+F10)."""
        by_mouse = table.viewport().mapFromGlobal(QCursor.pos()) == pos
        index = table.indexAt(pos)
        if by_mouse and index.isValid():
            table.selectRow(index.row())
            return table.viewport().mapToGlobal(pos)
        rows = table.selectionModel().selectedRows() if table.selectionModel() else []
        if rows:
            rect = table.visualRect(rows[0])
            return table.viewport().mapToGlobal(rect.bottomLeft())
        return table.viewport().mapToGlobal(pos)

    def _roster_menu(self, pos: QPoint) -> None:
        where = self._popup_position(self.roster, pos)
        menu = self.roster_menu()
        if menu is not None:
            menu.exec(where)
            menu.deleteLater()

    def _bookings_menu(self, pos: QPoint) -> None:
        where = self._popup_position(self.bookings, pos)
        menu = self.bookings_menu()
        if menu is not None:
            menu.exec(where)
            menu.deleteLater()

    def can_print(self) -> bool:
        """Whether Print has something to print (a group is chosen)."""
        return self.chosen_group() is not None

    def _update_texts_for_week(self) -> None:
        start = self.week_start()
        end = start + dt.timedelta(days=6)
        _year, number, _day = start.isocalendar()
        week = _("Week {number}, {start} to {end}").format(
            number=number, start=format_date(start, "EEE d MMM"), end=format_date(end, "full")
        )
        if self.chosen_group() is None:
            self.roster_heading.setText(week)
            self.roster_summary.setText(
                _(
                    "Choose a group above to see its roster for the week, assign volunteers "
                    "and print."
                )
            )
            return
        self.roster_heading.setText(
            _("{group}: {week}").format(group=self.group.currentText(), week=week)
        )
        total = len(self._shifts)
        short = sum(
            1
            for shift, people in self._shifts
            if not shift.cancelled
            and not shift.orphaned
            and sum(1 for p in people if p.status in _FILLING) < shift.volunteers_needed
        )
        text = ngettext("{count} shift this week", "{count} shifts this week", total).format(
            count=format_number(total)
        )
        if short:
            text += " · " + ngettext(
                "{count} needs more volunteers", "{count} need more volunteers", short
            ).format(count=format_number(short))
        if not total:
            text = _("No shifts this week. Add activities to the group to plan shifts.")
        self.roster_summary.setText(text)

    # -- assigning -----------------------------------------------------------------------
    def make_assign_dialog(self) -> AssignVolunteerDialog | None:
        """The suggestions for the chosen shift; the roster reloads when someone is booked."""
        shift = self.current_shift()
        if shift is None:
            return None
        try:
            record = self._rosters.shift(shift.uuid)
        except CvcError as exc:
            show_error(self, exc)
            self.refresh_roster()
            return None
        dialog = AssignVolunteerDialog(self._rosters, record, self)
        dialog.accepted.connect(lambda: self._after_booking(dialog))
        return dialog

    def assign_volunteer(self) -> None:
        dialog = self.make_assign_dialog()
        if dialog is None:
            return
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.exec()
        dialog.deleteLater()

    def _after_booking(self, dialog: AssignVolunteerDialog) -> None:
        booked = dialog.booked
        self.refresh_roster()
        self.roster_changed.emit()
        if isinstance(booked, AssignmentRecord):
            self.status_message.emit(
                _("{name} is booked on {activity}.").format(
                    name=booked.volunteer_name, activity=booked.activity_title
                )
            )
        elif booked is not None:
            self.status_message.emit(
                ngettext(
                    "{name} is booked on {count} shift of the pattern.",
                    "{name} is booked on {count} shifts of the pattern.",
                    len(booked.booked),
                ).format(
                    name=booked.regular.volunteer_name, count=format_number(len(booked.booked))
                )
            )

    # -- PDFs ----------------------------------------------------------------------------
    def _suggested_name(self, kind: str, day: dt.date | None = None) -> str:
        group = _file_part(self.group.currentText())
        if day is None:
            year, week, _day = self.week_start().isocalendar()
            return f"{kind}-{group}-{year}-W{week:02d}.pdf"
        return f"{kind}-{group}-{day.isoformat()}.pdf"

    def _render(
        self, title: str, label: str, make: Callable[[], RenderedPdf]
    ) -> RenderedPdf | None:
        """A PDF made off the GUI thread behind a progress dialog; None if cancelled or
        refused (the reason is shown)."""
        try:
            rendered: RenderedPdf = run_task(self, title, label, lambda _p, _c: make())
        except TaskCancelled:
            return None
        except CvcError as exc:
            show_error(self, exc)
            return None
        return rendered

    def render_roster_pdf(self) -> RenderedPdf | None:
        """The chosen group's week as a PDF, made off the GUI thread; None if cancelled."""
        group = self.chosen_group()
        if group is None:
            return None
        week, options, printing = self.week_start(), self.print_options(), self._printing
        return self._render(
            _("Roster"),
            _("Making the roster…"),
            lambda: printing.roster_pdf(week=week, group=group, options=options),
        )

    def render_area_roster_pdf(
        self, area: str, week: dt.date, options: PrintOptions
    ) -> RenderedPdf | None:
        """Every group's shifts in an area (a code such as SA61) that week, as a PDF."""
        printing = self._printing
        return self._render(
            _("Roster"),
            _("Making the roster…"),
            lambda: printing.roster_pdf(week=week, area=area, options=options),
        )

    def render_schedule_pdf(
        self, volunteer_uuid: str, date_from: dt.date, date_to: dt.date, options: PrintOptions
    ) -> RenderedPdf | None:
        """A volunteer's own shifts from `date_from` to `date_to`, as a PDF."""
        printing = self._printing
        return self._render(
            _("Volunteer's schedule"),
            _("Making the schedule…"),
            lambda: printing.schedule_pdf(
                volunteer_uuid=volunteer_uuid,
                date_from=date_from,
                date_to=date_to,
                options=options,
            ),
        )

    def save_roster_pdf(self, path: Path | None = None) -> Path | None:
        """Save the week's roster as PDF; asks where when `path` is None."""
        if self.chosen_group() is None:
            return None
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                _("Save roster as PDF"),
                str(Path.home() / self._suggested_name("roster")),
                _("PDF files (*.pdf)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        rendered = self.render_roster_pdf()
        if rendered is None:
            return None
        return self._write(with_pdf_suffix(path), rendered)

    def open_roster_pdf(self) -> Path | None:
        """Write the roster to a temporary file and open it in the system's PDF viewer."""
        if self.chosen_group() is None:
            return None
        rendered = self.render_roster_pdf()
        if rendered is None:
            return None
        try:
            written, opened = open_in_viewer(
                rendered, self._suggested_name("roster"), self._printing.save
            )
        except CvcError as exc:
            show_error(self, exc)
            return None
        if not opened:
            self.status_message.emit(
                _("No PDF viewer opened the roster. It is saved at {path}.").format(path=written)
            )
        return written

    def save_signin_pdf(self, path: Path | None = None) -> Path | None:
        """Save the chosen shift's sign-in sheet as PDF; asks where when `path` is None."""
        shift = self.current_shift()
        if shift is None:
            return None
        day = shift.starts_at.date()
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                _("Save sign-in sheet as PDF"),
                str(Path.home() / self._suggested_name("sign-in", day)),
                _("PDF files (*.pdf)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        rendered = self.render_signin_pdf(shift)
        if rendered is None:
            return None
        return self._write(with_pdf_suffix(path), rendered)

    def render_signin_pdf(self, shift: ShiftRecord) -> RenderedPdf | None:
        """The shift's sign-in sheet as a PDF, made off the GUI thread."""
        day, options, printing = shift.starts_at.date(), self.print_options(), self._printing
        return self._render(
            _("Sign-in sheet"),
            _("Making the sign-in sheet…"),
            lambda: printing.signin_pdf(
                activity_uuid=shift.activity_uuid, day=day, options=options
            ),
        )

    def preview_signin(self) -> PdfPreviewDialog | None:
        """The chosen shift's sign-in sheet, to print or save from the preview."""
        shift = self.current_shift()
        if shift is None:
            return None
        rendered = self.render_signin_pdf(shift)
        if rendered is None:
            return None
        return self.show_preview(
            rendered,
            title=_("Sign-in sheet: {activity}, {date}").format(
                activity=shift.title, date=format_date(shift.starts_at.date(), "EEE d MMM")
            ),
            file_name=self._suggested_name("sign-in", shift.starts_at.date()),
        )

    def _write(self, path: Path, rendered: RenderedPdf) -> Path | None:
        try:
            written = self._printing.save(path, rendered)
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status_message.emit(
            ngettext(
                "Saved {pages} page to {path}.",
                "Saved {pages} pages to {path}.",
                rendered.pages,
            ).format(pages=format_number(rendered.pages), path=written)
        )
        return written

    # -- preview -------------------------------------------------------------------------
    def show_preview(
        self, rendered: RenderedPdf, *, title: str, file_name: str
    ) -> PdfPreviewDialog | None:
        """Open the preview of `rendered` (window-modal, without blocking); it stays in
        `self.preview` until closed."""
        if self.preview is not None:
            self.preview.close()
        try:
            dialog = PdfPreviewDialog(
                rendered, title=title, file_name=file_name, save=self._printing.save, parent=self
            )
        except CvcError as exc:
            show_error(self, exc)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.printed.connect(
            lambda pages: self.status_message.emit(
                ngettext(
                    "Sent {pages} page to the printer.", "Sent {pages} pages to the printer.", pages
                ).format(pages=format_number(pages))
            )
        )
        dialog.saved.connect(
            lambda path: self.status_message.emit(_("Saved to {path}.").format(path=path))
        )
        dialog.finished.connect(lambda _result: self._preview_closed(dialog))
        self.preview = dialog
        dialog.open()
        return dialog

    def _preview_closed(self, dialog: PdfPreviewDialog) -> None:
        if self.preview is dialog:
            self.preview = None

    def preview_roster(self) -> PdfPreviewDialog | None:
        """The chosen group's week, as it will print."""
        if self.chosen_group() is None:
            self.status_message.emit(_("Choose a group to preview its roster."))
            return None
        rendered = self.render_roster_pdf()
        if rendered is None:
            return None
        return self.show_preview(
            rendered,
            title=_("Roster: {group}").format(group=self.group.currentText()),
            file_name=self._suggested_name("roster"),
        )

    def print_schedule(self) -> ScheduleDialog:
        """Ask for a volunteer and dates; the schedule's preview opens when they are chosen."""
        dialog = ScheduleDialog(self._services.volunteers, self, options=self.print_options())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._preview_schedule(dialog))
        dialog.finished.connect(lambda _r: setattr(self, "schedule_dialog", None))
        self.schedule_dialog = dialog
        dialog.open()
        return dialog

    def _preview_schedule(self, dialog: ScheduleDialog) -> PdfPreviewDialog | None:
        volunteer = dialog.chosen_volunteer()
        if volunteer is None:
            return None
        # Everything is read before the PDF is made: the dialog goes once it has closed.
        start, end = dialog.period()
        name, options = dialog.chosen_name(), dialog.print_options.options()
        rendered = self.render_schedule_pdf(volunteer, start, end, options)
        if rendered is None:
            return None
        return self.show_preview(
            rendered,
            title=_("Schedule: {name}").format(name=name),
            file_name=f"schedule-{_file_part(name)}-{start.isoformat()}.pdf",
        )

    def print_area_roster(self) -> AreaRosterDialog:
        """Ask for an area and a week; the roster's preview opens when they are chosen."""
        try:
            areas = [(a.key, a.name()) for a in self._services.coverage.areas()]
        except CvcError as exc:
            show_error(self, exc)
            areas = []
        dialog = AreaRosterDialog(areas, self, week=self.week_start(), options=self.print_options())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._preview_area_roster(dialog))
        dialog.finished.connect(lambda _r: setattr(self, "area_dialog", None))
        self.area_dialog = dialog
        dialog.open()
        return dialog

    def _preview_area_roster(self, dialog: AreaRosterDialog) -> PdfPreviewDialog | None:
        # Everything is read before the PDF is made: the dialog goes once it has closed.
        area, week = dialog.chosen_area(), dialog.week_start()
        options, shown = dialog.print_options.options(), dialog.area.currentText()
        rendered = self.render_area_roster_pdf(area, week, options)
        if rendered is None:
            return None
        year, number, _day = week.isocalendar()
        return self.show_preview(
            rendered,
            title=_("Roster: {area}").format(area=shown),
            file_name=f"roster-{_file_part(area)}-{year}-W{number:02d}.pdf",
        )

    # -- printing ------------------------------------------------------------------------
    def print_roster(self, printer: QPrinter | None = None) -> int:
        """Print the chosen group's week: the roster PDF's own pages. With no `printer`, the
        system print dialog asks which printer; returns the pages printed (0 when nothing
        was printed)."""
        if self.chosen_group() is None:
            self.status_message.emit(_("Choose a group to print its roster."))
            return 0
        rendered = self.render_roster_pdf()
        if rendered is None:
            return 0
        pages: PdfPages | None = None
        try:
            pages = PdfPages(rendered)
            sent = print_with_dialog(
                self,
                pages,
                document_name=self._suggested_name("roster").removesuffix(".pdf"),
                title=_("Print roster"),
                printer=printer,
            )
        except CvcError as exc:
            show_error(self, exc)
            return 0
        finally:
            if pages is not None:
                pages.close()
        if sent:
            self.status_message.emit(
                ngettext(
                    "Sent {pages} page to the printer.", "Sent {pages} pages to the printer.", sent
                ).format(pages=format_number(sent))
            )
        return sent

    # -- texts ---------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        label_for(self.group_label, self.group, _("&Group:"))
        label_for(self.week_label, self.week, _("&Week:"))
        editor = self.week.findChild(QLineEdit)
        if editor is not None:  # the date's text box, which screen readers reach too
            editor.setAccessibleName(self.week.accessibleName())
        self.week.setLocale(qt_locale())
        self.week.setDisplayFormat(qt_date_format())
        for button, text, name in (
            (self.previous_week, _("◀ Previous wee&k"), _("Previous week")),
            (self.this_week, _("Th&is week"), _("This week")),
            (self.next_week, _("Ne&xt week ▶"), _("Next week")),
            (self.assign_button, _("&Assign volunteer…"), _("Assign a volunteer to the shift")),
            (
                self.booking_button,
                _("Status and &hours…"),
                _("Change the chosen booking's status or hours"),
            ),
            (
                self.signin_button,
                _("&Sign-in sheet…"),
                _("Preview the shift's sign-in sheet to print or save it"),
            ),
            (self.preview_button, _("Pre&view…"), _("Preview the roster as it will print")),
            (self.open_button, _("&Open PDF"), _("Open the roster PDF in the PDF viewer")),
            (self.save_button, _("Save as P&DF…"), _("Save the roster as PDF")),
            (self.print_button, _("&Print…"), _("Print the roster")),
            (
                self.schedule_button,
                _("Vo&lunteer's schedule…"),
                _("Print a volunteer's own schedule"),
            ),
            (self.area_button, _("Roster for an a&rea…"), _("Print a roster for an area")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.tabs.setTabText(0, _("&Roster"))
        self.tabs.setTabText(1, _("A&ctivities"))
        self.tabs.setAccessibleName(_("Roster and activities"))
        self.print_box.setTitle(_("Printing"))
        self.other_label.setText(_("Other papers:"))
        self.roster.setAccessibleName(_("Roster for the week"))
        self.roster.setAccessibleDescription(
            _("The menu key or Shift+F10 opens the shift's menu: assign, sign-in sheet, bookings.")
        )
        self.roster.setHorizontalHeaderLabels([header() for header in ROSTER_HEADERS])
        self.bookings.setHorizontalHeaderLabels([_("Name"), _("Status"), _("Hours")])
        self.bookings.setAccessibleDescription(
            _(
                "Enter changes the booking's status and hours; the menu key marks it confirmed, "
                "tentative, declined, attended or no-show."
            )
        )
        self.note.setText(_("Each group's regular activities and their next shift."))
        self.table.setAccessibleName(_("Activities"))
        self._fill_groups()
        self.refresh()

    def refresh(self) -> None:
        self.model.reload()
        count = self.model.rowCount()
        self.result_label.setText(
            ngettext("{count} activity", "{count} activities", count).format(
                count=format_number(count)
            )
        )
        self.refresh_roster()

    def reload_choices(self) -> None:
        self._fill_groups()
        self.refresh_roster()
