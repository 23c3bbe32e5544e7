"""Edit ▸ Communities and wards…: the named communities and wards, the postcodes each holds,
and the form that adds or changes one (checked as it is typed)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.services.communities import (
    CODE_LENGTH,
    NAME_LENGTH,
    CommunityData,
    CommunityRecord,
    CommunityService,
    in_use_message,
    split_postcodes,
)
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import MessageLabel

_FIELDS = ("code", "name_en", "name_cy", "postcodes")


class CommunityForm(Retranslating, QDialog):
    """Add a community (`record` None) or change one: code, names and the postcodes held."""

    def __init__(
        self,
        service: CommunityService,
        record: CommunityRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("community_form")
        self._service = service
        self._record = record
        self.saved: CommunityRecord | None = None
        # On a new community a field says what it lacks once it has been typed in.
        self._touched: set[str] = set(_FIELDS) if record is not None else set()
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        form = QFormLayout()
        layout.addLayout(form)
        self._labels: dict[str, QLabel] = {}
        self._messages: dict[str, MessageLabel] = {}
        self.code = QLineEdit(record.code if record else "", self)
        self.code.setMaxLength(60)
        self.code.setReadOnly(record is not None)
        self.name_en = QLineEdit(record.name_en if record else "", self)
        self.name_en.setMaxLength(NAME_LENGTH + 20)
        self.name_cy = QLineEdit(record.name_cy if record else "", self)
        self.name_cy.setMaxLength(NAME_LENGTH + 20)
        self.postcodes = QLineEdit(", ".join(record.postcodes) if record else "", self)
        for name, edit in zip(
            _FIELDS, (self.code, self.name_en, self.name_cy, self.postcodes), strict=True
        ):
            edit.setObjectName(name)
            self._row(form, name, edit)
            edit.textChanged.connect(lambda _text, name=name: self._typed(name))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.retranslate_ui()
        (self.name_en if record else self.code).setFocus()

    def _row(self, form: QFormLayout, name: str, field: QWidget) -> None:
        label = QLabel(self)
        label.setBuddy(field)
        self._labels[name] = label
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        shown = MessageLabel(holder)
        shown.setObjectName(f"{name}_message")
        column.addWidget(shown)
        self._messages[name] = shown
        form.addRow(label, holder)

    def _typed(self, name: str) -> None:
        self._touched.add(name)
        self.validate()

    def data(self) -> CommunityData:
        return CommunityData(
            code=self.code.text(),
            name_en=self.name_en.text(),
            name_cy=self.name_cy.text(),
            postcodes=split_postcodes(self.postcodes.text()),
        )

    def message(self, field: str) -> MessageLabel:
        return self._messages[field]

    def validate(self) -> bool:
        """Check what is typed; each problem is shown beside its field and Save waits."""
        try:
            problems = self._service.problems(
                self.data(), editing=self._record.code if self._record else None
            )
        except CvcError as exc:
            problems = []
            self.note.setText(str(exc))
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(problem.message)
        for name, shown in self._messages.items():
            shown.set_messages(by_field.get(name, []) if name in self._touched else [])
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problems)
        self._fit_height()
        return not problems

    def _fit_height(self) -> None:
        """Grow to show every line of the messages (a window does not do it by itself)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

    def save(self) -> None:
        self._touched.update(_FIELDS)
        if not self.validate():
            return
        try:
            if self._record is None:
                self.saved = self._service.create(self.data())
            else:
                self.saved = self._service.update(
                    self._record.code, self.data(), expected_version=self._record.version
                )
        except CvcError as exc:
            show_error(self, exc, _("Communities and wards"))
            return
        self.accept()

    def retranslate_ui(self) -> None:
        if self._record is None:
            self.setWindowTitle(_("Add a community or ward"))
        else:
            self.setWindowTitle(
                _("Change {name} ({code})").format(name=self._record.name(), code=self._record.code)
            )
        self.note.setText(
            _(
                "A community or ward holds postcode districts (SA61), sectors (SA61 1) or full "
                "postcodes (SA61 1AB). The Coverage page and the community report can then show "
                "it as one row. Its code cannot be changed later: partners know it by its code."
            )
        )
        texts: dict[str, Callable[[], str]] = {
            "code": lambda: _("&Code:"),
            "name_en": lambda: _("Name in &English:"),
            "name_cy": lambda: _("Name in &Welsh:"),
            "postcodes": lambda: _("&Postcodes held:"),
        }
        for name, text in texts.items():
            label_for(self._labels[name], self._labels[name].buddy(), text())
        self.code.setPlaceholderText(
            _("for example HWLFFORDD (up to {limit} characters)").format(limit=CODE_LENGTH)
        )
        self.name_en.setPlaceholderText(_("for example Haverfordwest"))
        self.name_cy.setPlaceholderText(_("for example Hwlffordd"))
        self.postcodes.setPlaceholderText(_("separated by commas: SA61 1, SA61 2"))
        self.validate()


class CommunitiesDialog(Retranslating, QDialog):
    """The communities and wards, with buttons to add, change and remove them."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("communities_dialog")
        self._service = services.communities
        self._records: list[CommunityRecord] = []
        self.changed = False
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("communities_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        layout.addWidget(self.table, 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("communities_empty")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("add_community")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("edit_community")
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("remove_community")
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.add_button, self.edit_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.resize(860, 480)
        self.retranslate_ui()

    # -- the list ------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Read the communities again, keeping (or moving to) the chosen one."""
        chosen_now = self.selected()
        current = select or (chosen_now.code if chosen_now is not None else None)
        try:
            self._records = self._service.list()
        except CvcError as exc:
            show_error(self, exc, _("Communities and wards"))
            self._records = []
        self.table.setRowCount(len(self._records))
        for index, record in enumerate(self._records):
            values = (
                record.code,
                record.name_en,
                record.name_cy,
                ", ".join(record.postcodes),
                str(record.in_use),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if column == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(index, column, item)
        chosen = next((i for i, r in enumerate(self._records) if r.code == current), None)
        if chosen is not None:
            self.table.selectRow(chosen)
        else:
            self.table.clearSelection()
        self.empty.setVisible(not self._records)
        self._update_buttons()

    def rows(self) -> list[list[str]]:
        """What the table shows, row by row."""
        rows = []
        for r in range(self.table.rowCount()):
            items = (self.table.item(r, c) for c in range(self.table.columnCount()))
            rows.append([item.text() if item is not None else "" for item in items])
        return rows

    def selected(self) -> CommunityRecord | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._records):
            return None
        return self._records[rows[0].row()]

    def select(self, code: str) -> None:
        for index, record in enumerate(self._records):
            if record.code == code:
                self.table.selectRow(index)
                return

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    # -- actions -------------------------------------------------------------------------
    def open_form(self, record: CommunityRecord | None = None) -> CommunityForm:
        """The add or change form (not yet shown), for `record` or a new community."""
        return CommunityForm(self._service, record, self)

    def add(self) -> None:
        form = self.open_form()
        if form.exec() == QDialog.DialogCode.Accepted and form.saved is not None:
            self.changed = True
            self.reload(select=form.saved.code)

    def edit_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        form = self.open_form(record)
        if form.exec() == QDialog.DialogCode.Accepted and form.saved is not None:
            self.changed = True
            self.reload(select=form.saved.code)

    def remove_question(self, record: CommunityRecord) -> str:
        """What the coordinator is asked before `record` is removed."""
        if record.in_use:
            return _("{problem}\n\nRemove {name} ({code}) anyway?").format(
                problem=in_use_message(record), name=record.name(), code=record.code
            )
        return _(
            "Remove {name} ({code})? No coverage line or activity names it as its area. "
            "Adding the code {code} again brings it back."
        ).format(name=record.name(), code=record.code)

    def remove_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        try:
            # Read again: a group may have named it since the list was read.
            record = self._service.get(record.code)
        except CvcError as exc:
            show_error(self, exc, _("Communities and wards"))
            self.reload()
            return
        answer = QMessageBox.question(
            self,
            _("Remove a community or ward"),
            self.remove_question(record),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self._service.delete(record.code, force=True)
        except CvcError as exc:
            show_error(self, exc, _("Communities and wards"))
            return
        self.changed = True
        self.reload()

    # -- language ------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Communities and wards"))
        self.intro.setText(
            _(
                "Named communities and wards, and the postcodes each holds. The Coverage page "
                "shows them when you group its rows by “Communities and wards”, and reports "
                "accept their code or name as the area."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [_("Code"), _("English name"), _("Welsh name"), _("Postcodes"), _("Records using it")]
        )
        self.table.setAccessibleName(_("Communities and wards"))
        self.empty.setText(_("No communities or wards yet. Add one to see coverage by community."))
        self.add_button.setText(_("&Add…"))
        self.add_button.setAccessibleName(_("Add a community or ward"))
        self.edit_button.setText(_("&Change…"))
        self.edit_button.setAccessibleName(_("Change the chosen community or ward"))
        self.remove_button.setText(_("&Remove…"))
        self.remove_button.setAccessibleName(_("Remove the chosen community or ward"))
        self.reload()


def show_communities(services: Services, parent: QWidget | None = None) -> bool:
    """Open Communities and wards; True when a community was added, changed or removed."""
    dialog = CommunitiesDialog(services, parent)
    dialog.exec()
    return dialog.changed
