"""First start on an empty database: load sample data, import a spreadsheet, or begin empty."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_number
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.tasks import TaskCancelled, run_task


class SampleDataDialog(Retranslating, QDialog):
    """How much sample data to make."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sample_data_dialog")
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.volunteers_label, self.volunteers = QLabel(self), QSpinBox(self)
        self.volunteers.setRange(10, 200_000)
        self.volunteers.setSingleStep(1000)
        self.volunteers.setValue(5_000)
        self.volunteers.setGroupSeparatorShown(True)
        self.groups_label, self.groups = QLabel(self), QSpinBox(self)
        self.groups.setRange(1, 2_000)
        self.groups.setValue(60)
        form.addRow(self.volunteers_label, self.volunteers)
        form.addRow(self.groups_label, self.groups)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Load sample data"))
        self.intro.setText(
            _(
                "Sample data is made up: invented volunteers, groups, activities and rosters "
                "across Wales, with some deliberate duplicates so the alerts have something "
                "to find. Use it to learn the program, not for real work."
            )
        )
        label_for(self.volunteers_label, self.volunteers, _("&Volunteers:"))
        label_for(self.groups_label, self.groups, _("&Groups:"))


def load_sample_data(parent: QWidget, services: Services, volunteers: int, groups: int) -> bool:
    """Generate sample data off the GUI thread with a cancellable progress dialog."""

    def work(progress: object, cancelled: object) -> object:
        return services.demo.generate(
            volunteers=volunteers,
            groups=groups,
            progress=progress,  # type: ignore[arg-type]
            cancelled=cancelled,  # type: ignore[arg-type]
        )

    try:
        run_task(
            parent,
            _("Load sample data"),
            _("Making {volunteers} volunteers and {groups} groups…").format(
                volunteers=format_number(volunteers), groups=format_number(groups)
            ),
            work,
        )
    except TaskCancelled:
        return False
    except CvcError as exc:
        show_error(parent, exc)
        return False
    return True


class WelcomePage(Retranslating, QWidget):
    """Shown instead of the lists while the database holds no volunteers and no groups."""

    data_loaded = Signal()
    start_empty = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_page")
        self._services = services
        outer = QVBoxLayout(self)
        column = QWidget(self)
        column.setObjectName("welcome_column")
        # About 70 characters wide in the user's font, so wrapped text keeps its full height.
        self._column_width = column.fontMetrics().averageCharWidth() * 70
        column.setFixedWidth(self._column_width)
        layout = QVBoxLayout(column)
        layout.setSpacing(12)
        self.heading = QLabel(column)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        self.body = QLabel(column)
        self.body.setWordWrap(True)
        self.sample_button = QPushButton(column)
        self.sample_button.setObjectName("load_sample_data")
        self.import_button = QPushButton(column)
        self.import_button.setObjectName("import_spreadsheet")
        self.import_note = QLabel(column)
        self.import_note.setObjectName("import_note")
        self.import_note.setWordWrap(True)
        self.empty_button = QPushButton(column)
        self.empty_button.setObjectName("start_empty")
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addSpacing(8)
        layout.addWidget(self.sample_button)
        layout.addWidget(self.import_button)
        layout.addWidget(self.import_note)
        layout.addWidget(self.empty_button)
        outer.addStretch(1)
        outer.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.sample_button.clicked.connect(self.ask_for_sample_data)
        self.import_button.clicked.connect(self.import_spreadsheet)
        self.empty_button.clicked.connect(self.start_empty.emit)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.heading.setText(_("Welcome to cvcdesk"))
        self.body.setText(
            _(
                "This database is empty. Load sample data to try the program, import the "
                "spreadsheet you keep your volunteers in, or start with an empty list and add "
                "people and groups yourself."
            )
        )
        self.sample_button.setText(_("&Load sample data…"))
        self.sample_button.setAccessibleName(_("Load sample data"))
        self.import_button.setText(_("&Import a spreadsheet…"))
        self.import_button.setAccessibleName(_("Import a spreadsheet"))
        self.import_note.setText(
            _(
                "CSV, Excel (.xlsx) or LibreOffice (.ods): you match the columns, see every "
                "problem before anything is saved, and choose what to do with likely duplicates."
            )
        )
        for label in (self.body, self.import_note):
            # Wrapped labels get the height their text needs at the column's width.
            label.setMinimumHeight(label.heightForWidth(self._column_width))
        self.empty_button.setText(_("&Start with an empty database"))
        self.empty_button.setAccessibleName(_("Start with an empty database"))

    def import_spreadsheet(self) -> None:
        from cvcdesk.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self._services, "volunteers", self)
        written: list[int] = []
        wizard.imported.connect(written.append)
        wizard.exec()
        if written and written[-1]:
            self.data_loaded.emit()

    def ask_for_sample_data(self) -> None:
        dialog = SampleDataDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if load_sample_data(self, self._services, dialog.volunteers.value(), dialog.groups.value()):
            self.data_loaded.emit()

    def refresh(self) -> None:
        pass
