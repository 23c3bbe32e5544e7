"""The main window: the database in use and what it holds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.i18n import _, current_language, format_number, set_language
from cvcdesk.services.registry import Services


class MainWindow(QMainWindow):
    language_changed = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self.setObjectName("MainWindow")
        self.resize(900, 600)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        self._heading = QLabel(central)
        self._heading.setObjectName("heading")
        font = self._heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self._heading.setFont(font)
        layout.addWidget(self._heading)
        form = QFormLayout()
        self._db_caption, self._db_value = QLabel(central), QLabel(central)
        self._db_value.setObjectName("database_path")
        self._db_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._count_captions: dict[str, QLabel] = {}
        self._count_values: dict[str, QLabel] = {}
        form.addRow(self._db_caption, self._db_value)
        for key in ("volunteers", "groups", "activities", "shifts"):
            caption, value = QLabel(central), QLabel(central)
            value.setObjectName(f"count_{key}")
            caption.setBuddy(value)
            self._count_captions[key], self._count_values[key] = caption, value
            form.addRow(caption, value)
        layout.addLayout(form)
        layout.addStretch(1)
        self.setCentralWidget(central)

        self._file_menu = self.menuBar().addMenu("")
        self._refresh_action = QAction(self)
        self._refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self._quit_action = QAction(self)
        self._quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self._file_menu.addAction(self._refresh_action)
        self._file_menu.addSeparator()
        self._file_menu.addAction(self._quit_action)
        self._language_menu = self.menuBar().addMenu("")
        self._language_group = QActionGroup(self)
        self._language_actions: dict[str, QAction] = {}
        for code in ("en", "cy"):
            action = QAction(self)
            action.setCheckable(True)
            action.setData(code)
            self._language_group.addAction(action)
            self._language_menu.addAction(action)
            self._language_actions[code] = action

        self._connect_signals()
        self.retranslate_ui()
        self.refresh()

    def _connect_signals(self) -> None:
        self._refresh_action.triggered.connect(self.refresh)
        self._quit_action.triggered.connect(self.close)
        self._language_group.triggered.connect(self._on_language_chosen)

    def _on_language_chosen(self, action: QAction) -> None:
        self.switch_language(str(action.data()))

    def switch_language(self, language: str) -> None:
        set_language(language)
        self.retranslate_ui()
        self.refresh()
        self.language_changed.emit(language)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(
            _("cvcdesk — {database}").format(database=self._services.database_label)
        )
        self._heading.setText(_("Coordinator's desk"))
        self._db_caption.setText(_("Database:"))
        captions = {
            "volunteers": _("&Volunteers:"),
            "groups": _("&Groups:"),
            "activities": _("&Activities:"),
            "shifts": _("&Shifts:"),
        }
        for key, text in captions.items():
            self._count_captions[key].setText(text)
            self._count_values[key].setAccessibleName(text.replace("&", "").rstrip(":"))
        self._db_value.setAccessibleName(_("Database file"))
        self._file_menu.setTitle(_("&File"))
        self._refresh_action.setText(_("&Refresh"))
        self._quit_action.setText(_("&Quit"))
        self._language_menu.setTitle(_("&Language"))
        self._language_actions["en"].setText(_("&English"))
        self._language_actions["cy"].setText(_("&Cymraeg (Welsh)"))
        self._language_actions[current_language()].setChecked(True)

    def refresh(self) -> None:
        self._db_value.setText(self._services.database_label)
        counts = self._services.maintenance.counts()
        for key, value in (
            ("volunteers", counts.volunteers),
            ("groups", counts.groups),
            ("activities", counts.activities),
            ("shifts", counts.shifts),
        ):
            self._count_values[key].setText(format_number(value))
        self.statusBar().showMessage(
            _("{volunteers} volunteers in {groups} groups").format(
                volunteers=format_number(counts.volunteers), groups=format_number(counts.groups)
            )
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
