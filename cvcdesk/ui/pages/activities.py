"""Activities and rosters: a group's week of shifts and who is on them, putting volunteers on
shifts, and the roster and sign-in sheets as PDF files or on the printer.

The Roster tab shows the chosen group's week (Monday to Sunday) built from the services; the
PDFs come from RosterPrintService (ReportLab, rendered off the GUI thread), and printing lays
the same roster data out again with Qt (see roster_print), as the PDF cannot be rasterised
without QtPdf.  The Activities tab lists each group's activities and their next shift.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
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
from cvcdesk.reports.data import LanguageMode, PrintOptions, RenderedPdf
from cvcdesk.services.registry import Services
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.rosters import AssignmentRecord, RosterService, ShiftRecord, monday_of
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import from_qdate, qt_date_format, qt_locale, to_qdate
from cvcdesk.ui.roster_dialogs import AssignVolunteerDialog
from cvcdesk.ui.roster_print import print_roster_document
from cvcdesk.ui.table_model import Column, PagedTableModel, apply_column_widths
from cvcdesk.ui.tasks import TaskCancelled, run_task

SHIFT_ROLE = Qt.ItemDataRole.UserRole
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


def _with_pdf_suffix(path: Path) -> Path:
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


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
        self._temp_dir: Path | None = None
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
        roster_layout.addWidget(self.roster, 1)
        self.roster_summary = QLabel(roster)
        self.roster_summary.setWordWrap(True)
        roster_layout.addWidget(self.roster_summary)

        shift_row = QHBoxLayout()
        self.assign_button = QPushButton(roster)
        self.assign_button.setObjectName("assign")
        self.signin_button = QPushButton(roster)
        self.signin_button.setObjectName("signin_pdf")
        shift_row.addWidget(self.assign_button)
        shift_row.addWidget(self.signin_button)
        shift_row.addStretch(1)
        roster_layout.addLayout(shift_row)

        self.print_box = QGroupBox(roster)
        print_row = QHBoxLayout(self.print_box)
        self.language_label, self.language = QLabel(self.print_box), QComboBox(self.print_box)
        self.language.setObjectName("print_language")
        self.large_print = QCheckBox(self.print_box)
        self.large_print.setObjectName("large_print")
        self.open_button = QPushButton(self.print_box)
        self.open_button.setObjectName("open_pdf")
        self.save_button = QPushButton(self.print_box)
        self.save_button.setObjectName("save_pdf")
        self.print_button = QPushButton(self.print_box)
        self.print_button.setObjectName("print")
        print_row.addWidget(self.language_label)
        print_row.addWidget(self.language)
        print_row.addWidget(self.large_print)
        print_row.addStretch(1)
        for button in (self.open_button, self.save_button, self.print_button):
            print_row.addWidget(button)
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
        self.roster.itemSelectionChanged.connect(self._update_buttons)
        self.roster.itemDoubleClicked.connect(lambda _item: self.assign_volunteer())
        self.assign_button.clicked.connect(self.assign_volunteer)
        self.signin_button.clicked.connect(lambda: self.save_signin_pdf())
        self.open_button.clicked.connect(self.open_roster_pdf)
        self.save_button.clicked.connect(lambda: self.save_roster_pdf())
        self.print_button.clicked.connect(lambda: self.print_roster())
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._remove_temp_files)
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

    def _fill_languages(self) -> None:
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
        return PrintOptions(
            languages=LanguageMode(self.language.currentData() or LanguageMode.ENGLISH.value),
            large_print=self.large_print.isChecked(),
        )

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
        self.signin_button.setEnabled(shift is not None)
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(has_group)

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

    def render_roster_pdf(self) -> RenderedPdf | None:
        """The chosen group's week as a PDF, made off the GUI thread; None if cancelled."""
        group = self.chosen_group()
        if group is None:
            return None
        week, options, printing = self.week_start(), self.print_options(), self._printing
        try:
            rendered: RenderedPdf = run_task(
                self,
                _("Roster"),
                _("Making the roster…"),
                lambda _progress, _cancelled: printing.roster_pdf(
                    week=week, group=group, options=options
                ),
            )
        except TaskCancelled:
            return None
        except CvcError as exc:
            show_error(self, exc)
            return None
        return rendered

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
        return self._write(_with_pdf_suffix(path), rendered)

    def open_roster_pdf(self) -> Path | None:
        """Write the roster to a temporary file and open it in the system's PDF viewer."""
        if self.chosen_group() is None:
            return None
        rendered = self.render_roster_pdf()
        if rendered is None:
            return None
        if self._temp_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="cvcdesk-roster-"))
        written = self._write(self._temp_dir / self._suggested_name("roster"), rendered, quiet=True)
        if written is not None and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(written))):
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
        options, printing = self.print_options(), self._printing
        try:
            rendered: RenderedPdf = run_task(
                self,
                _("Sign-in sheet"),
                _("Making the sign-in sheet…"),
                lambda _progress, _cancelled: printing.signin_pdf(
                    activity_uuid=shift.activity_uuid, day=day, options=options
                ),
            )
        except TaskCancelled:
            return None
        except CvcError as exc:
            show_error(self, exc)
            return None
        return self._write(_with_pdf_suffix(path), rendered)

    def _write(self, path: Path, rendered: RenderedPdf, *, quiet: bool = False) -> Path | None:
        try:
            written = self._printing.save(path, rendered)
        except CvcError as exc:
            show_error(self, exc)
            return None
        if not quiet:
            self.status_message.emit(
                ngettext(
                    "Saved {pages} page to {path}.",
                    "Saved {pages} pages to {path}.",
                    rendered.pages,
                ).format(pages=format_number(rendered.pages), path=written)
            )
        return written

    def _remove_temp_files(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    # -- printing ------------------------------------------------------------------------
    def print_roster(self, printer: QPrinter | None = None) -> int:
        """Print the chosen group's week. With no `printer`, the system print dialog asks
        which printer; returns the pages printed (0 when nothing was printed)."""
        group = self.chosen_group()
        if group is None:
            self.status_message.emit(_("Choose a group to print its roster."))
            return 0
        options = self.print_options()
        try:
            document = self._printing.roster_document(week=self.week_start(), group=group)
        except CvcError as exc:
            show_error(self, exc)
            return 0
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(self._suggested_name("roster").removesuffix(".pdf"))
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle(_("Print roster"))
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return 0
        try:
            pages = print_roster_document(printer, document, options)
        except CvcError as exc:
            show_error(self, exc)
            return 0
        self.status_message.emit(
            ngettext(
                "Sent {pages} page to the printer.", "Sent {pages} pages to the printer.", pages
            ).format(pages=format_number(pages))
        )
        return pages

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
                self.signin_button,
                _("&Sign-in sheet as PDF…"),
                _("Save the shift's sign-in sheet as PDF"),
            ),
            (self.open_button, _("&Open PDF"), _("Open the roster PDF in the PDF viewer")),
            (self.save_button, _("Save as P&DF…"), _("Save the roster as PDF")),
            (self.print_button, _("&Print…"), _("Print the roster")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.tabs.setTabText(0, _("&Roster"))
        self.tabs.setTabText(1, _("A&ctivities"))
        self.tabs.setAccessibleName(_("Roster and activities"))
        self.print_box.setTitle(_("Printed roster"))
        label_for(self.language_label, self.language, _("Lang&uage:"))
        self._fill_languages()
        self.large_print.setText(_("Large &print (16 pt)"))
        self.large_print.setAccessibleName(_("Large print (16 pt)"))
        self.roster.setAccessibleName(_("Roster for the week"))
        self.roster.setHorizontalHeaderLabels([header() for header in ROSTER_HEADERS])
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
