"""Edit ▸ Data protection ▸ Retention report: volunteers inactive for N months.

The list comes from the privacy service (no shift and no change to the record for the chosen
number of months). From here a coordinator opens a volunteer, saves the list as CSV or XLSX
(through the export service, so no cell can start a formula) and erases the personal details
of the chosen volunteers after confirming; each erased volunteer stays as a blank tombstone
that sync passes on to partners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.i18n import _, current_language, format_date, format_number, ngettext
from cvcdesk.services.exports import write_table
from cvcdesk.services.privacy import RetentionRow
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.table_model import Column, PagedTableModel, apply_column_widths
from cvcdesk.ui.tasks import TaskCancelled, run_task

DEFAULT_MONTHS = 24


@dataclass
class _Erasure:
    erased: int = 0
    note: str = ""  # where earlier backups still hold the details
    stopped: bool = False  # the coordinator cancelled part-way
    failure: CvcError | None = None


MAX_MONTHS = 1200


def reason_text(row: RetentionRow) -> str:
    """Why the volunteer is listed, as a sentence ("No shift for 26 months")."""
    months = row.months_inactive
    if row.last_activity_kind == "shift":
        text = ngettext(
            "Last shift {months} month ago; no change to the record since",
            "Last shift {months} months ago; no change to the record since",
            months,
        )
    elif row.last_activity_kind == "joined":
        text = ngettext(
            "Joined {months} month ago; no shift and no change since",
            "Joined {months} months ago; no shift and no change since",
            months,
        )
    else:
        text = ngettext(
            "Record last changed {months} month ago; no shift since",
            "Record last changed {months} months ago; no shift since",
            months,
        )
    return text.format(months=format_number(months))


def _name(row: RetentionRow) -> str:
    return row.name or _("(no name)")


COLUMNS: list[Column[RetentionRow]] = [
    Column("name", lambda: _("Name"), _name, "name", width=26),
    Column("reference", lambda: _("Reference"), lambda r: r.reference, "reference", width=10),
    Column("status", lambda: _("Status"), lambda r: r.status.label, "status", width=10),
    Column(
        "last_activity",
        lambda: _("Last activity"),
        lambda r: format_date(r.last_activity, "medium"),
        "last_activity",
        width=14,
    ),
    Column("reason", lambda: _("Reason"), reason_text, "reason", width=48),
]


def _sort_key(order: str) -> Any:
    name_key = welsh_sort_key if current_language() == "cy" else english_sort_key
    keys: dict[str, Any] = {
        "name": lambda r: (name_key(r.name), r.uuid),
        "reference": lambda r: (r.reference.casefold(), name_key(r.name)),
        "status": lambda r: (r.status.label, name_key(r.name)),
        "last_activity": lambda r: (r.last_activity, name_key(r.name)),
        "reason": lambda r: (r.last_activity_kind, -r.months_inactive, name_key(r.name)),
    }
    return keys.get(order, keys["last_activity"])


class RetentionDialog(Retranslating, QDialog):
    """The retention report: choose the months, see who is listed, act on them."""

    records_changed = Signal()  # volunteers were erased

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retention_dialog")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setSizeGripEnabled(True)
        self._services = services
        self._rows: list[RetentionRow] = []
        self._sorted: list[RetentionRow] = []
        self._order = ("last_activity", False)
        self._loaded = False
        self.erased = 0  # how many volunteers were erased from this dialog

        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setObjectName("intro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        top = QHBoxLayout()
        self.months_label = QLabel(self)
        self.months = QSpinBox(self)
        self.months.setObjectName("months")
        self.months.setRange(1, MAX_MONTHS)
        self.months.setValue(DEFAULT_MONTHS)
        self.months.setKeyboardTracking(False)
        top.addWidget(self.months_label)
        top.addWidget(self.months)
        top.addStretch(1)
        layout.addLayout(top)

        self.table = QTableView(self)
        self.table.setObjectName("table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        self.model: PagedTableModel[RetentionRow] = PagedTableModel(
            COLUMNS,
            count=lambda: len(self._sorted),
            fetch=self._fetch,
            default_sort="last_activity",
        )
        self.table.setModel(self.model)
        apply_column_widths(self.table, COLUMNS)
        header.setSortIndicator(3, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        layout.addWidget(self.table, 1)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("result_count")
        layout.addWidget(self.count_label)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        # Our own buttons, not standard ones: Qt has no Welsh for its standard texts.
        self.buttons = QDialogButtonBox(self)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open_volunteer")
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("export")
        self.erase_button = QPushButton(self)
        self.erase_button.setObjectName("erase")
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close")
        for button in (self.open_button, self.export_button, self.erase_button):
            button.setAutoDefault(False)
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(lambda: self.open_current())
        self.export_button.clicked.connect(lambda: self.export())
        self.erase_button.clicked.connect(lambda: self.erase_selected())
        layout.addWidget(self.buttons)

        # Stepping through the months quickly costs one query, when the typing stops.
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(250)
        self._reload_timer.timeout.connect(self.reload)
        self.months.valueChanged.connect(lambda _v: self._reload_timer.start())

        self.resize(900, 520)
        self.retranslate_ui()  # loads the list too

    # -- the list ----------------------------------------------------------------------------
    def _fetch(self, offset: int, limit: int, _order: str, _descending: bool) -> list[RetentionRow]:
        return self._sorted[offset : offset + limit]

    def _resort(self) -> None:
        order, descending = self._order
        self._sorted = sorted(self._rows, key=_sort_key(order), reverse=descending)

    def _on_sort(self, column: int, order: Qt.SortOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._order = (COLUMNS[column].key, order == Qt.SortOrder.DescendingOrder)
        self._resort()
        self.model.reload()
        self._update_buttons()

    def reload(self) -> None:
        """Ask the privacy service again for the chosen number of months."""
        self._reload_timer.stop()
        months = self.months.value()
        try:
            # About a second over 100,000 volunteers: off the GUI thread, like every long read.
            self._rows = run_task(
                self,
                _("Retention report"),
                _("Looking for volunteers with no activity…"),
                lambda _progress, _cancelled: self._services.privacy.retention(months=months),
            )
        except TaskCancelled:
            self._rows = []
        except CvcError as exc:
            show_error(self, exc)
            self._rows = []
        self._resort()
        self.model.reload()
        self.count_label.setText(self._count_text())
        self._update_buttons()

    def rows(self) -> list[RetentionRow]:
        """The volunteers listed, in the order shown."""
        return list(self._sorted)

    def selected_rows(self) -> list[RetentionRow]:
        chosen = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self._sorted[i] for i in chosen if 0 <= i < len(self._sorted)]

    def select_uuids(self, uuids: set[str]) -> None:
        """Select the rows of these volunteers (for tests and tools)."""
        self.table.clearSelection()
        selection = self.table.selectionModel()
        for number, row in enumerate(self._sorted):
            if row.uuid in uuids:
                index = self.model.index(number, 0)
                selection.select(
                    index,
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )

    def _count_text(self) -> str:
        months = self.months.value()
        count = len(self._rows)
        if not count:
            return ngettext(
                "No volunteer has been inactive for {months} month or more.",
                "No volunteer has been inactive for {months} months or more.",
                months,
            ).format(months=format_number(months))
        return ngettext(
            "{count} volunteer inactive for {months} months or more.",
            "{count} volunteers inactive for {months} months or more.",
            count,
        ).format(count=format_number(count), months=format_number(months))

    def _update_buttons(self) -> None:
        chosen = len(self.selected_rows())
        self.open_button.setEnabled(chosen == 1)
        self.erase_button.setEnabled(chosen > 0)
        self.export_button.setEnabled(bool(self._rows))

    # -- actions -------------------------------------------------------------------------------
    def open_current(self) -> None:
        """Open the chosen volunteer's form; the list is read again when it closes."""
        chosen = self.selected_rows()
        if len(chosen) != 1:
            return
        from cvcdesk.ui.forms.volunteer_form import VolunteerForm

        try:
            form = VolunteerForm(self._services, chosen[0].uuid, self)
        except CvcError as exc:
            show_error(self, exc)
            return
        form.exec()
        self.reload()

    def export(self, path: Path | None = None) -> Path | None:
        """Save the list as .xlsx or .csv (asks where when `path` is None)."""
        if path is None:
            chosen, chosen_filter = QFileDialog.getSaveFileName(
                self,
                _("Export the retention report"),
                str(Path.home() / "retention-report.xlsx"),
                _("Excel workbook (*.xlsx);;CSV files (*.csv)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() not in (".csv", ".xlsx"):
                path = path.with_suffix(".csv" if "csv" in chosen_filter.lower() else ".xlsx")
        header = [
            _("Id"),
            _("Reference"),
            _("Name"),
            _("Status"),
            _("Last activity"),
            _("Months inactive"),
            _("Reason"),
        ]
        rows = [
            [
                r.uuid,
                r.reference,
                r.name,
                r.status.label,
                r.last_activity,
                r.months_inactive,
                reason_text(r),
            ]
            for r in self._sorted
        ]
        try:
            count = write_table(path, header, rows, sheet_title=_("Retention"))
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.message.setText(
            ngettext(
                "{count} volunteer saved to {path}.", "{count} volunteers saved to {path}.", count
            ).format(count=format_number(count), path=path)
        )
        return path

    def erase_selected(self) -> int:
        """Erase the chosen volunteers' personal details after asking; returns how many."""
        chosen = self.selected_rows()
        if not chosen:
            return 0
        if len(chosen) == 1:
            question = _(
                "Erase every personal detail held about {name}? This cannot be undone. "
                "A blank record stays so partners learn of the erasure."
            ).format(name=_name(chosen[0]))
        else:
            question = ngettext(
                "Erase every personal detail held about {count} volunteer? This cannot be "
                "undone. A blank record stays for each so partners learn of the erasure.",
                "Erase every personal detail held about these {count} volunteers? This cannot "
                "be undone. A blank record stays for each so partners learn of the erasure.",
                len(chosen),
            ).format(count=format_number(len(chosen)))
        answer = QMessageBox.question(
            self,
            _("Erase personal details"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return 0
        uuids = [row.uuid for row in chosen]
        try:
            if len(uuids) == 1:
                QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
                try:
                    outcome = self._erase(uuids, lambda _done, _total: None, lambda: False)
                finally:
                    QGuiApplication.restoreOverrideCursor()
            else:
                outcome = run_task(
                    self,
                    _("Erase personal details"),
                    _("Erasing personal details…"),
                    lambda progress, cancelled: self._erase(uuids, progress, cancelled),
                )
        except CvcError as exc:  # something unforeseen: the list, read again, shows who is left
            outcome = _Erasure(failure=exc)
        erased, note, failure = outcome.erased, outcome.note, outcome.failure
        if failure is not None:
            show_error(self, failure)
        if erased:
            self.erased += erased
            self.records_changed.emit()
        self.reload()
        done = ngettext(
            "Personal details of {count} volunteer erased.",
            "Personal details of {count} volunteers erased.",
            erased,
        ).format(count=format_number(erased))
        stopped = ""
        if outcome.stopped:
            stopped = _("Stopped before the rest, as asked; they were not changed.")
        self.message.setText(" ".join(part for part in (done, stopped, note) if part))
        return erased

    def _erase(
        self,
        uuids: list[str],
        progress: Callable[[int, int], None],
        cancelled: Callable[[], bool],
    ) -> _Erasure:
        """Erase one volunteer after another (each its own transaction, so the ones erased stay
        erased if a later one fails or the coordinator cancels)."""
        outcome = _Erasure()
        for number, uuid in enumerate(uuids):
            if cancelled():
                outcome.stopped = True
                break
            progress(number, len(uuids))
            try:
                result = self._services.privacy.erase(uuid)
            except CvcError as exc:
                outcome.failure = exc
                break
            outcome.erased += 1
            outcome.note = result.backups_note or outcome.note
        progress(outcome.erased, len(uuids))
        return outcome

    # -- texts ---------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Retention report"))
        self.intro.setText(
            _(
                "Volunteers with no shift and no change to their record for the chosen number "
                "of months. Check with their groups, then erase the details you no longer need "
                "to keep: a blank record stays so partners learn of the erasure."
            )
        )
        label_for(
            self.months_label, self.months, _("&Months without a shift or a change to the record:")
        )
        self.table.setAccessibleName(_("Inactive volunteers"))
        self.open_button.setText(_("&Open volunteer…"))
        self.open_button.setAccessibleName(_("Open volunteer"))
        self.export_button.setText(_("&Export list…"))
        self.export_button.setAccessibleName(_("Export list"))
        self.erase_button.setText(_("E&rase selected…"))
        self.erase_button.setAccessibleName(_("Erase selected"))
        self.close_button.setText(_("&Close"))
        self.close_button.setAccessibleName(_("Close"))
        # The list is read once here; on a language change only its texts and order follow.
        if self._loaded:
            self._resort()
            self.model.retranslate()
            self.count_label.setText(self._count_text())
        else:
            self._loaded = True
            self.reload()


def show_retention_report(services: Services, parent: QWidget | None = None) -> None:
    """Show the retention report; when volunteers were erased and the parent has a
    ``refresh()`` (the main window), it is called so the pages show the change."""
    dialog = RetentionDialog(services, parent)
    refresh = getattr(parent, "refresh", None)
    if callable(refresh):
        dialog.records_changed.connect(refresh)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
