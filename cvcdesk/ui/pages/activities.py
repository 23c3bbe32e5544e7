"""Activities and rosters: each group's activities and their next shift.

Rosters, shift editing and printed sign-in sheets build on this page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.activity import ActivityRow
from cvcdesk.i18n import _, current_language, format_datetime, format_number, ngettext
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for
from cvcdesk.ui.table_model import Column, PagedTableModel, apply_column_widths


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


class ActivitiesPage(Retranslating, QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activities_page")
        self._services = services
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.group_label, self.group = QLabel(self), QComboBox(self)
        self.group.setObjectName("filter_group")
        self.group.setMinimumContentsLength(20)
        top.addWidget(self.group_label)
        top.addWidget(self.group)
        top.addStretch(1)
        layout.addLayout(top)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableView(self)
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
        layout.addWidget(self.table, 1)
        self.result_label = QLabel(self)
        layout.addWidget(self.result_label)
        self.group.currentIndexChanged.connect(lambda _i: self.refresh())
        self.retranslate_ui()

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

    def retranslate_ui(self) -> None:
        label_for(self.group_label, self.group, _("&Group:"))
        self.note.setText(
            _(
                "Each group's regular activities and their next shift. Rosters, shift "
                "sign-up and printed sign-in sheets are added here."
            )
        )
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

    def reload_choices(self) -> None:
        self._fill_groups()
