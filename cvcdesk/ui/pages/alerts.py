"""The Alerts page: where effort is duplicated, why the program thinks so, and what to do.

Counts by kind at the top, a list of alerts (strongest first) filtered by kind and status, and
beside it the chosen alert's reasons, the records it is about (each can be opened), and the
actions: merge the two records, acknowledge, dismiss with a reason, mark resolved, reopen.
Scans run off the GUI thread with progress and cancel.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.enums import AlertKind, AlertStatus
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_datetime, format_number, ngettext
from cvcdesk.services.alerts import AlertRecordRow, AlertRow
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.table_model import Column, PagedTableModel, apply_column_widths
from cvcdesk.ui.tasks import TaskCancelled, run_task

MERGEABLE = (AlertKind.DUPLICATE_VOLUNTEER, AlertKind.DUPLICATE_ORGANISATION)
PARTNER_VOLUNTEER = "partner_volunteer"  # a partner's volunteer, shared pseudonymised


def _records(row: AlertRow) -> str:
    return " · ".join(record_text(r) for r in row.records)


def record_text(record: AlertRecordRow) -> str:
    name = record.name or record.uuid[:8]
    text = f"{name} ({record.reference})" if record.reference else name
    if record.missing:
        text = _("{record} (no longer here)").format(record=text)
    return text


COLUMNS: list[Column[AlertRow]] = [
    Column("kind", lambda: _("Kind"), lambda r: r.kind.label, width=22),
    Column("status", lambda: _("Status"), lambda r: r.status.label, width=12),
    Column(
        "score",
        lambda: _("Strength"),
        lambda r: f"{round(r.score * 100)}%",
        width=8,
        align_right=True,
    ),
    Column("records", lambda: _("Records"), _records, width=44),
    Column(
        "reason", lambda: _("Main reason"), lambda r: r.reasons[0] if r.reasons else "", width=50
    ),
]


class AlertsPage(Retranslating, QWidget):
    status_message = Signal(str)
    alerts_changed = Signal()
    records_changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alerts_page")
        self._services = services
        self._last_merge: str | None = None  # kept uuid of the merge that can be undone
        layout = QVBoxLayout(self)

        self.summary = QLabel(self)
        self.summary.setObjectName("alert_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        top = QHBoxLayout()
        self.kind_label, self.kind = QLabel(self), QComboBox(self)
        self.kind.setObjectName("filter_kind")
        self.status_label, self.status = QLabel(self), QComboBox(self)
        self.status.setObjectName("filter_status")
        self.scan_button = QPushButton(self)
        self.scan_button.setObjectName("scan")
        self.full_scan = QCheckBox(self)
        self.full_scan.setObjectName("full_scan")
        for widget in (self.kind_label, self.kind, self.status_label, self.status):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.full_scan)
        top.addWidget(self.scan_button)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableView(splitter)
        self.table.setObjectName("table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        alerts = services.alerts
        self.model: PagedTableModel[AlertRow] = PagedTableModel(
            COLUMNS,
            count=lambda: alerts.count(self._kind(), self._status()),
            fetch=lambda offset, limit, _order, _desc: alerts.list(
                self._kind(), self._status(), offset, limit
            ),
        )
        self.table.setModel(self.model)
        apply_column_widths(self.table, COLUMNS)

        detail = QWidget(splitter)
        detail.setObjectName("alert_detail")
        grid = QGridLayout(detail)
        self.title = QLabel(detail)
        self.title.setObjectName("alert_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.reasons_label, self.reasons = QLabel(detail), QListWidget(detail)
        self.reasons.setObjectName("alert_reasons")
        self.reasons.setWordWrap(True)
        self.records_label, self.records = QLabel(detail), QListWidget(detail)
        self.records.setObjectName("alert_records")
        self.decision = QLabel(detail)
        self.decision.setObjectName("alert_decision")
        self.decision.setWordWrap(True)
        self.open_button = QPushButton(detail)
        self.open_button.setObjectName("open_record")
        self.merge_button = QPushButton(detail)
        self.merge_button.setObjectName("merge")
        self.ack_button = QPushButton(detail)
        self.ack_button.setObjectName("acknowledge")
        self.dismiss_button = QPushButton(detail)
        self.dismiss_button.setObjectName("dismiss")
        self.resolve_button = QPushButton(detail)
        self.resolve_button.setObjectName("resolve")
        self.reopen_button = QPushButton(detail)
        self.reopen_button.setObjectName("reopen")
        self.undo_merge_button = QPushButton(detail)
        self.undo_merge_button.setObjectName("undo_merge")
        self.undo_merge_button.setEnabled(False)
        grid.addWidget(self.title, 0, 0, 1, 3)
        grid.addWidget(self.reasons_label, 1, 0, 1, 3)
        grid.addWidget(self.reasons, 2, 0, 1, 3)
        grid.addWidget(self.records_label, 3, 0, 1, 3)
        grid.addWidget(self.records, 4, 0, 1, 3)
        grid.addWidget(self.open_button, 5, 0)
        grid.addWidget(self.merge_button, 5, 1)
        grid.addWidget(self.undo_merge_button, 5, 2)
        grid.addWidget(self.ack_button, 6, 0)
        grid.addWidget(self.dismiss_button, 6, 1)
        grid.addWidget(self.resolve_button, 6, 2)
        grid.addWidget(self.reopen_button, 7, 0)
        grid.addWidget(self.decision, 8, 0, 1, 3)
        grid.setRowStretch(2, 2)
        grid.setRowStretch(4, 1)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.result_label = QLabel(self)
        layout.addWidget(self.result_label)

        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.scan_button.clicked.connect(self.scan)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_current())
        self.records.itemActivated.connect(lambda _item: self.open_record())
        self.open_button.clicked.connect(self.open_record)
        self.merge_button.clicked.connect(self.merge_current)
        self.undo_merge_button.clicked.connect(self.undo_merge)
        self.ack_button.clicked.connect(lambda: self._decide("acknowledge"))
        self.dismiss_button.clicked.connect(self.dismiss_current)
        self.resolve_button.clicked.connect(lambda: self._decide("resolve"))
        self.reopen_button.clicked.connect(lambda: self._decide("reopen"))
        self.retranslate_ui()
        self.refresh()

    # -- filters ------------------------------------------------------------------------
    def _kind(self) -> AlertKind | None:
        value = self.kind.currentData()
        return AlertKind(value) if value else None

    def _status(self) -> AlertStatus | None:
        value = self.status.currentData()
        return AlertStatus(value) if value else None

    def _fill_filters(self) -> None:
        counts = self._services.alerts.counts_by_kind()
        current_kind = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItem(_("All kinds"), "")
        for kind in AlertKind:
            self.kind.addItem(
                _("{kind} ({count} open)").format(
                    kind=kind.label, count=format_number(counts.get(kind, 0))
                ),
                kind.value,
            )
        self.kind.setCurrentIndex(max(self.kind.findData(current_kind), 0) if current_kind else 0)
        self.kind.blockSignals(False)
        current_status = self.status.currentData() if self.status.count() else "open"
        self.status.blockSignals(True)
        self.status.clear()
        self.status.addItem(_("Any status"), "")
        for status in AlertStatus:
            self.status.addItem(status.label, status.value)
        found = self.status.findData(current_status)
        self.status.setCurrentIndex(found if found >= 0 else 0)
        self.status.blockSignals(False)
        total = sum(counts.values())
        parts = [
            _("{kind}: {count}").format(kind=kind.label, count=format_number(counts[kind]))
            for kind in AlertKind
            if counts.get(kind)
        ]
        if total:
            self.summary.setText(
                ngettext(
                    "{count} open alert. {details}",
                    "{count} open alerts. {details}",
                    total,
                ).format(count=format_number(total), details=" · ".join(parts))
            )
        else:
            self.summary.setText(
                _("No open alerts. Press Scan for duplicates to look for duplicated effort.")
            )

    # -- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.current_alert()
        self._fill_filters()
        self.model.reload()
        count = self.model.rowCount()
        self.result_label.setText(
            ngettext("{count} alert shown", "{count} alerts shown", count).format(
                count=format_number(count)
            )
        )
        row = 0
        if current is not None:
            found = self.model.row_number_of(lambda r: r.id == current.id)
            row = found if found is not None else 0
        if count:
            self.table.selectRow(min(row, count - 1))
        self.show_current()

    def show_alert(self, alert_id: int) -> None:
        """Show one alert whatever its kind and status (from a link on another page)."""
        for combo in (self.kind, self.status):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.refresh()
        found = self.model.row_number_of(lambda r: r.id == alert_id)
        if found is None:
            for offset in range(0, self.model.rowCount(), self.model.PAGE_SIZE):
                self.model.row_at(offset)
                found = self.model.row_number_of(lambda r: r.id == alert_id)
                if found is not None:
                    break
        if found is not None:
            self.table.selectRow(found)
            self.show_current()

    def current_alert(self) -> AlertRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row())

    def show_current(self) -> None:
        alert = self.current_alert()
        self.reasons.clear()
        self.records.clear()
        if alert is None:
            self.title.setText(_("Choose an alert to see why it was raised."))
            self.decision.setText("")
            for button in (
                self.open_button,
                self.merge_button,
                self.ack_button,
                self.dismiss_button,
                self.resolve_button,
                self.reopen_button,
            ):
                button.setEnabled(False)
            return
        self.title.setText(
            _("{kind} — {status}, strength {score}%").format(
                kind=alert.kind.label, status=alert.status.label, score=round(alert.score * 100)
            )
        )
        for reason in alert.reasons:
            self.reasons.addItem(QListWidgetItem(f"• {reason}"))
        for record in alert.records:
            item = QListWidgetItem(record_text(record))
            item.setData(Qt.ItemDataRole.UserRole, record)
            self.records.addItem(item)
        if self.records.count():
            self.records.setCurrentRow(0)
        decided = ""
        if alert.decided_at is not None:
            decided = _("Decided by {who} on {when}. {decision}").format(
                who=alert.decided_by or _("someone"),
                when=format_datetime(alert.decided_at, "medium"),
                decision=alert.decision,
            )
        self.decision.setText(decided)
        live = alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
        self.open_button.setEnabled(bool(alert.records))
        self.merge_button.setEnabled(
            live
            and alert.kind in MERGEABLE
            and not any(r.missing or r.record_type == PARTNER_VOLUNTEER for r in alert.records)
        )
        self.ack_button.setEnabled(alert.status == AlertStatus.OPEN)
        self.dismiss_button.setEnabled(live)
        self.resolve_button.setEnabled(live)
        self.reopen_button.setEnabled(not live)

    # -- actions ------------------------------------------------------------------------
    def scan(self) -> None:
        full = self.full_scan.isChecked()
        alerts = self._services.alerts
        try:
            result = run_task(
                self,
                _("Scan for duplicates"),
                _("Looking for duplicated effort…"),
                lambda progress, cancelled: alerts.scan(full, progress, cancelled),
            )
        except TaskCancelled:
            self.status_message.emit(_("Scan cancelled; nothing was changed."))
            return
        except CvcError as exc:
            show_error(self, exc)
            return
        self.status_message.emit(
            _("Scan finished: {new} new, {resolved} resolved, {open} open.").format(
                new=format_number(result.new),
                resolved=format_number(result.resolved),
                open=format_number(sum(result.counts.values())),
            )
        )
        self.refresh()
        self.alerts_changed.emit()

    def _decide(self, action: str, reason: str = "") -> None:
        alert = self.current_alert()
        if alert is None:
            return
        alerts = self._services.alerts
        try:
            if action == "dismiss":
                alerts.dismiss(alert.id, reason)
            else:
                getattr(alerts, action)(alert.id)
        except CvcError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.alerts_changed.emit()

    def dismiss_current(self) -> None:
        alert = self.current_alert()
        if alert is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            _("Dismiss alert"),
            _("Why is this not a problem? (for example: “Mother and daughter, same name”)"),
            QLineEdit.EchoMode.Normal,
        )
        if ok:
            self._decide("dismiss", reason)

    def _chosen_record(self) -> AlertRecordRow | None:
        item = self.records.currentItem()
        if item is None:
            return None
        record = item.data(Qt.ItemDataRole.UserRole)
        return record if isinstance(record, AlertRecordRow) else None

    def open_record(self) -> None:
        record = self._chosen_record()
        if record is None or record.missing:
            return
        if record.record_type == PARTNER_VOLUNTEER:
            self.status_message.emit(
                _(
                    "A partner shares this volunteer pseudonymised, without name or contact "
                    "details: ask the partner about them, or dismiss the alert if it is not the "
                    "same person."
                )
            )
            return
        try:
            if record.record_type == "volunteer":
                from cvcdesk.ui.forms import VolunteerForm

                form: Any = VolunteerForm(self._services, record.uuid, self)
            elif record.record_type == "organisation" or record.group_uuid:
                from cvcdesk.ui.forms import GroupForm

                uuid = record.uuid if record.record_type == "organisation" else record.group_uuid
                form = GroupForm(self._services, uuid, self)
            else:
                self.status_message.emit(_("This kind of record cannot be opened here yet."))
                return
        except CvcError as exc:
            show_error(self, exc)
            return
        saved: list[str] = []
        form.saved.connect(saved.append)
        form.exec()
        if saved:
            self.records_changed.emit()
            self.refresh()

    def merge_current(self) -> None:
        alert = self.current_alert()
        if alert is None or alert.kind not in MERGEABLE or len(alert.records) != 2:
            return
        from cvcdesk.ui.merge_dialog import MergeDialog

        first, second = alert.records
        try:
            dialog = MergeDialog(self._services, first.uuid, second.uuid, self)
        except CvcError as exc:
            show_error(self, exc)
            return
        if dialog.exec() and dialog.result_keep_uuid:
            self._last_merge = dialog.result_keep_uuid
            self.undo_merge_button.setEnabled(True)
            message = _("Merged. You can undo the merge from this page.")
            if dialog.result_backup_path is not None:
                backed_up = _("The database was backed up first, to {path}.")
                message += " " + backed_up.format(path=dialog.result_backup_path)
            self.status_message.emit(message)
            self.refresh()
            self.alerts_changed.emit()
            self.records_changed.emit()

    def undo_merge(self) -> None:
        if not self._last_merge:
            return
        try:
            self._services.merge.undo_merge(self._last_merge)
        except CvcError as exc:
            show_error(self, exc)
            return
        self._last_merge = None
        self.undo_merge_button.setEnabled(False)
        self.status_message.emit(_("The merge was undone: both records are back as they were."))
        self.refresh()
        self.alerts_changed.emit()
        self.records_changed.emit()

    # -- texts --------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        label_for(self.kind_label, self.kind, _("&Kind:"))
        label_for(self.status_label, self.status, _("S&tatus:"))
        self.scan_button.setText(_("&Scan for duplicates"))
        self.scan_button.setAccessibleName(_("Scan for duplicates"))
        self.full_scan.setText(_("&Full scan (look at every record again)"))
        self.full_scan.setAccessibleName(_("Full scan"))
        self.reasons_label.setText(_("Why:"))
        self.reasons.setAccessibleName(_("Reasons"))
        self.records_label.setText(_("Records:"))
        self.records.setAccessibleName(_("Records the alert is about"))
        self.open_button.setText(_("&Open record"))
        self.merge_button.setText(_("&Merge…"))
        self.undo_merge_button.setText(_("&Undo merge"))
        self.ack_button.setText(_("A&cknowledge"))
        self.dismiss_button.setText(_("&Not a problem…"))
        self.resolve_button.setText(_("Mark &resolved"))
        self.reopen_button.setText(_("Re&open"))
        for button in (
            self.open_button,
            self.merge_button,
            self.undo_merge_button,
            self.ack_button,
            self.dismiss_button,
            self.resolve_button,
            self.reopen_button,
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self.table.setAccessibleName(_("Alerts"))
        if (
            self.kind.count()
        ):  # after the first build: labels, counts and reasons in the new language
            self.refresh()
