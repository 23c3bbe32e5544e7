"""The main window: navigation, the pages, menus, toolbar, status bar and window layout."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, current_language, format_number, set_language
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error
from cvcdesk.ui.pages.activities import ActivitiesPage
from cvcdesk.ui.pages.alerts import AlertsPage
from cvcdesk.ui.pages.coverage import CoveragePage
from cvcdesk.ui.pages.groups import GroupsPage
from cvcdesk.ui.pages.placeholder import EmptyStatePage
from cvcdesk.ui.pages.records import RecordsPage
from cvcdesk.ui.pages.volunteers import VolunteersPage
from cvcdesk.ui.pages.welcome import SampleDataDialog, WelcomePage, load_sample_data
from cvcdesk.ui.qt_translator import CatalogueTranslator, install_qt_translator
from cvcdesk.ui.settings import app_settings, recent_files, remember_file

log = logging.getLogger(__name__)

PAGES = ("volunteers", "groups", "activities", "alerts", "coverage", "partners")


def announce_language_change() -> None:
    """Make every widget retranslate now (Qt sends LanguageChange to the whole tree)."""
    app = QApplication.instance()
    if app is None:
        return
    translator = app.findChild(CatalogueTranslator)
    if translator is None:
        translator = install_qt_translator(app)
    translator.refresh()
    # Deliver the LanguageChange events now, so the caller sees the new texts at once.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)


class MainWindow(Retranslating, QMainWindow):
    language_changed = Signal(str)
    database_changed = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self.setObjectName("MainWindow")
        self.resize(1180, 720)
        self._settings = app_settings()
        self._pages: dict[str, QWidget] = {}
        self._counts = services.maintenance.counts()
        self._empty_start = False

        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(0, 0))
        self.navigation.setMinimumWidth(190)
        for key in PAGES:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.navigation.addItem(item)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        self.splitter = QSplitter(self)
        self.splitter.setObjectName("splitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 970])
        self.setCentralWidget(self.splitter)

        self.db_label = QLabel(self)
        self.db_label.setObjectName("database_path")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("counts")
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.db_label)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self.navigation.currentRowChanged.connect(self._on_navigate)
        self._build_pages()
        self.retranslate_ui()
        # The pages loaded themselves as they were built and retranslate_ui showed the counts:
        # no second round of queries at start-up.
        self._restore_layout()

    # -- construction --------------------------------------------------------------------
    def _action(
        self,
        name: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        a = self._action
        self.new_db_action = a("new_database", self.new_database)
        self.open_db_action = a("open_database", self.open_database_dialog)
        self.backup_action = a("backup", self.save_backup, "Ctrl+Shift+S")
        self.restore_action = a("restore_backup", self.restore_from_backup)
        self.import_action = a("import_spreadsheet", self.import_spreadsheet)
        self.export_action = a("export_volunteers", self.export_volunteers)
        self.sar_action = a("subject_access", self.subject_access)
        self.erase_action = a("erase_volunteer", self.erase_volunteer)
        self.print_action = a("print", self.print_current, QKeySequence.StandardKey.Print)
        self.quit_action = a("quit", self.close, QKeySequence.StandardKey.Quit)
        self.new_action = a("new_record", self.new_record, QKeySequence.StandardKey.New)
        self.edit_action = a("edit_record", self.edit_record, "Ctrl+E")
        self.save_action = a("save", self.save, QKeySequence.StandardKey.Save)
        self.delete_action = a("delete_record", self.delete_record, QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_action = a("undo_delete", self.undo_delete, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.find_action = a("find", self.focus_search, QKeySequence.StandardKey.Find)
        self.refresh_action = a("refresh", self.refresh, QKeySequence.StandardKey.Refresh)
        self.sample_action = a("load_sample_data", self.ask_for_sample_data)
        self.about_action = a("about", self.about)
        self.page_actions: dict[str, QAction] = {}
        for number, key in enumerate(PAGES, start=1):
            self.page_actions[key] = a(
                f"go_{key}", lambda key=key: self.show_page(key), f"Ctrl+{number}"
            )
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code in ("en", "cy"):
            action = QAction(self)
            action.setObjectName(f"language_{code}")
            action.setCheckable(True)
            action.setData(code)
            self.language_group.addAction(action)
            self.language_actions[code] = action
        self.language_group.triggered.connect(
            lambda action: self.switch_language(str(action.data()))
        )

    def _create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addAction(self.new_db_action)
        self.file_menu.addAction(self.open_db_action)
        self.recent_menu = self.file_menu.addMenu("")
        self.recent_menu.setObjectName("recent_menu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.backup_action)
        self.file_menu.addAction(self.restore_action)
        self.file_menu.addAction(self.import_action)
        self.file_menu.addAction(self.export_action)
        self.file_menu.addAction(self.print_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = bar.addMenu("")
        for action in (self.new_action, self.edit_action, self.save_action, self.delete_action):
            self.edit_menu.addAction(action)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_action)
        self.privacy_menu = self.edit_menu.addMenu("")
        self.privacy_menu.addAction(self.sar_action)
        self.privacy_menu.addAction(self.erase_action)
        self.view_menu = bar.addMenu("")
        for key in PAGES:
            self.view_menu.addAction(self.page_actions[key])
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.refresh_action)
        self.tools_menu = bar.addMenu("")
        self.tools_menu.addAction(self.sample_action)
        self.language_menu = bar.addMenu("")
        for code in ("en", "cy"):
            self.language_menu.addAction(self.language_actions[code])
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.about_action)

    def _create_toolbar(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setMovable(False)
        for action in (
            self.new_action,
            self.edit_action,
            self.delete_action,
            self.undo_action,
        ):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.find_action)
        self.toolbar.addAction(self.refresh_action)
        self.toolbar.addAction(self.print_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _build_pages(self) -> None:
        """(Re)create every page over the current services (after opening another database)."""
        while self.stack.count():
            widget = self.stack.widget(0)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        services = self._services
        volunteers = VolunteersPage(services, self.stack)
        groups = GroupsPage(services, self.stack)
        activities = ActivitiesPage(services, self.stack)
        alerts = AlertsPage(services, self.stack)
        alerts.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        alerts.alerts_changed.connect(self._on_records_changed)
        alerts.records_changed.connect(self._on_alert_records_changed)
        activities.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        coverage = CoveragePage(services, self.stack)
        coverage.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        coverage.alert_requested.connect(self._show_alert)
        partners = EmptyStatePage(
            "partners_page",
            lambda: _("Partners and sync"),
            lambda: _(
                "Partners and sync will let you exchange records with other CVCs, the "
                "council and the health board by USB stick or e-mail, sharing only what "
                "volunteers have agreed to share."
            ),
            self.stack,
        )
        self.welcome = WelcomePage(services, self.stack)
        self.welcome.data_loaded.connect(self._after_sample_data)
        self.welcome.start_empty.connect(lambda: self.show_page("volunteers", force=True))
        self._pages = {
            "volunteers": volunteers,
            "groups": groups,
            "activities": activities,
            "alerts": alerts,
            "coverage": coverage,
            "partners": partners,
        }
        for page in (*self._pages.values(), self.welcome):
            self.stack.addWidget(page)
        for page in (volunteers, groups):
            page.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            page.records_changed.connect(self._on_records_changed)
            page.undo_available.connect(lambda _on: self._update_actions())
        self._empty_start = False

    # -- navigation ----------------------------------------------------------------------
    def current_page_key(self) -> str:
        widget = self.stack.currentWidget()
        for key, page in self._pages.items():
            if page is widget:
                return key
        return "welcome"

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def page(self, key: str) -> QWidget:
        return self.welcome if key == "welcome" else self._pages[key]

    def show_page(self, key: str, *, force: bool = False) -> None:
        if force:
            self._empty_start = True
        row = PAGES.index(key) if key in PAGES else 0
        if self.navigation.currentRow() != row:
            self.navigation.setCurrentRow(row)  # calls _on_navigate
        else:
            self._on_navigate(row)

    def _on_navigate(self, row: int) -> None:
        if row < 0:
            return
        key = PAGES[row]
        if key in ("volunteers", "groups") and self._database_is_empty():
            self.stack.setCurrentWidget(self.welcome)
        else:
            self.stack.setCurrentWidget(self._pages[key])
        self._update_actions()

    def _database_is_empty(self) -> bool:
        if self._empty_start:
            return False
        return self._counts.volunteers == 0 and self._counts.groups == 0

    def _records_page(self) -> RecordsPage | None:
        page = self.stack.currentWidget()
        return page if isinstance(page, RecordsPage) else None

    def _update_actions(self) -> None:
        page = self._records_page()
        for action in (self.new_action, self.edit_action, self.delete_action, self.find_action):
            action.setEnabled(page is not None)
        self.undo_action.setEnabled(page is not None and page.can_undo_delete())
        self.save_action.setEnabled(False)  # forms own Save; nothing unsaved in the lists
        page_now = self.stack.currentWidget()
        self.print_action.setEnabled(isinstance(page_now, ActivitiesPage))

    # -- actions -------------------------------------------------------------------------
    def new_record(self) -> None:
        page = self._records_page()
        if page is not None:
            page.new_record()

    def edit_record(self) -> None:
        page = self._records_page()
        if page is not None:
            page.edit_current()

    def delete_record(self) -> None:
        page = self._records_page()
        if page is not None:
            page.delete_current()

    def undo_delete(self) -> None:
        page = self._records_page()
        if page is not None:
            page.undo_delete()
            self._update_actions()

    def focus_search(self) -> None:
        page = self._records_page()
        if page is not None:
            page.focus_search()

    def save(self) -> None:
        self.statusBar().showMessage(_("Every change is saved as soon as a form is saved."), 5000)

    def print_current(self) -> None:
        page = self.current_page()
        if isinstance(page, ActivitiesPage) and page.can_print():
            page.print_roster()
        else:
            self.statusBar().showMessage(
                _("Choose a group's week on Activities and rosters to print its roster."), 5000
            )

    def refresh(self) -> None:
        self._counts = self._services.maintenance.counts()
        for page in self._pages.values():
            reload_choices = getattr(page, "reload_choices", None)
            if callable(reload_choices):
                reload_choices()
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self._show_counts()
        self._on_navigate(self.navigation.currentRow())

    def _show_alert(self, alert_id: int) -> None:
        self.show_page("alerts")
        page = self._pages["alerts"]
        if isinstance(page, AlertsPage):
            page.show_alert(alert_id)

    def _on_alert_records_changed(self) -> None:
        """A merge or an edit from the Alerts page: the lists must show it too."""
        for key in ("volunteers", "groups"):
            page = self._pages[key]
            if isinstance(page, RecordsPage):
                page.refresh()
        self._on_records_changed()

    def _on_records_changed(self) -> None:
        self._counts = self._services.maintenance.counts()
        self._show_counts()

    def _show_counts(self) -> None:
        counts = self._counts
        self.db_label.setText(self._services.database_label)
        self.db_label.setToolTip(
            _("Database file: {path}").format(path=self._services.database_label)
        )
        self.db_label.setAccessibleName(_("Database file"))
        self.counts_label.setText(
            _("{volunteers} volunteers · {groups} groups · {activities} activities").format(
                volunteers=format_number(counts.volunteers),
                groups=format_number(counts.groups),
                activities=format_number(counts.activities),
            )
        )
        self.counts_label.setAccessibleName(self.counts_label.text())
        texts = self._navigation_texts()
        numbers = {
            "volunteers": counts.volunteers,
            "groups": counts.groups,
            "activities": counts.activities,
            "alerts": counts.open_alerts,
        }
        for row, key in enumerate(PAGES):
            item = self.navigation.item(row)
            text = texts[key]
            if key in numbers:
                text = _("{page} ({count})").format(page=text, count=format_number(numbers[key]))
            item.setText(text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)

    def _navigation_texts(self) -> dict[str, str]:
        return {
            "volunteers": _("Volunteers"),
            "groups": _("Groups"),
            "activities": _("Activities and rosters"),
            "alerts": _("Alerts"),
            "coverage": _("Coverage and impact"),
            "partners": _("Partners and sync"),
        }

    def ask_for_sample_data(self) -> None:
        counts = self._services.maintenance.counts()
        if counts.volunteers or counts.groups:
            QMessageBox.information(
                self,
                _("Load sample data"),
                _(
                    "Sample data can only be loaded into an empty database, so it never mixes "
                    "with real records. Use File ▸ New database… first."
                ),
            )
            return
        dialog = SampleDataDialog(self)
        if dialog.exec() and load_sample_data(
            self, self._services, dialog.volunteers.value(), dialog.groups.value()
        ):
            self._after_sample_data()

    def _after_sample_data(self) -> None:
        self.refresh()
        self.show_page("volunteers")
        self.statusBar().showMessage(_("Sample data loaded."), 8000)

    # -- files ---------------------------------------------------------------------------
    def new_database(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("New database"), str(Path.home() / "cvcdesk.db"), _("cvcdesk databases (*.db)")
        )
        if path:
            target = Path(path)
            if target.suffix == "":
                target = target.with_suffix(".db")
            if target.exists():
                show_error(
                    self,
                    CvcError(
                        _("{path} already exists. Choose Open database… to use it.").format(
                            path=target
                        )
                    ),
                )
                return
            self.open_database(target)

    def open_database_dialog(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Open database"),
            str(Path(self._services.database_label).parent),
            _("cvcdesk databases (*.db);;All files (*)"),
        )
        if path:
            self.open_database(Path(path))

    def open_database(self, path: Path) -> bool:
        """Switch to another database file; the current one stays open if that fails."""
        try:
            services = Services.open(path, exclusive=True)
        except CvcError as exc:
            show_error(self, exc)
            return False
        old, self._services = self._services, services
        old.close()
        self._empty_start = False
        remember_file(self._settings, path)
        self._build_pages()
        self.retranslate_ui()
        self.refresh()
        self.show_page("volunteers")
        self.database_changed.emit(str(path))
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self._settings)
        current = Path(self._services.database_label)
        shown = [p for p in files if p != current]
        if not shown:
            empty = self.recent_menu.addAction(_("No other recent databases"))
            empty.setEnabled(False)
            return
        for number, path in enumerate(shown, start=1):
            action = self.recent_menu.addAction(f"&{number} {path}")
            action.triggered.connect(lambda _c=False, p=path: self.open_database(p))

    def save_backup(self) -> None:
        suggested = Path(self._services.database_label).with_suffix(".backup.db").name
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Back up the database"), str(Path.home() / suggested), _("Backups (*.db)")
        )
        if not path:
            return
        try:
            written = self._services.maintenance.backup(Path(path))
        except CvcError as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(_("Backup saved to {path}.").format(path=written), 8000)

    def import_spreadsheet(self) -> None:
        from cvcdesk.ui.import_wizard import ImportWizard

        kind = "groups" if self.current_page_key() == "groups" else "volunteers"
        wizard = ImportWizard(self._services, kind, self)
        written: list[int] = []
        wizard.imported.connect(written.append)
        wizard.exec()
        if written and written[-1]:
            self.refresh()
            self.show_page("groups" if kind == "groups" else "volunteers")

    def restore_from_backup(self) -> None:
        from cvcdesk.ui.restore_dialog import RestoreDialog

        dialog = RestoreDialog(self._services, self)
        if dialog.exec():
            self._build_pages()
            self.retranslate_ui()
            self.refresh()
            self.show_page("volunteers")
            self.statusBar().showMessage(
                _("Backup restored. The database as it was is kept at {path}.").format(
                    path=dialog.kept or ""
                ),
                10000,
            )

    def export_volunteers(self) -> None:
        path, chosen_filter = QFileDialog.getSaveFileName(
            self,
            _("Export volunteers"),
            str(Path.home() / "volunteers.xlsx"),
            _("Excel workbook (*.xlsx);;CSV files (*.csv)"),
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_suffix(".csv" if "csv" in chosen_filter.lower() else ".xlsx")
        try:
            count = self._services.exports.volunteers(target)
        except CvcError as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(
            _("{count} volunteers exported to {path}.").format(
                count=format_number(count), path=target
            ),
            8000,
        )

    def _volunteers_page(self) -> VolunteersPage | None:
        page = self._pages.get("volunteers")
        if self.current_page_key() != "volunteers" or not isinstance(page, VolunteersPage):
            self.statusBar().showMessage(
                _("Choose a volunteer on the Volunteers page first."), 5000
            )
            return None
        return page

    def subject_access(self) -> None:
        page = self._volunteers_page()
        if page is not None:
            page.export_subject_access()

    def erase_volunteer(self) -> None:
        page = self._volunteers_page()
        if page is not None and page.erase_current():
            self._on_records_changed()

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About cvcdesk"),
            _(
                "cvcdesk {version}\nThe coordinator's desk for County Voluntary Councils: "
                "volunteers, groups, rosters and partner sync."
            ).format(version=QApplication.applicationVersion()),
        )

    # -- language ------------------------------------------------------------------------
    def switch_language(self, language: str) -> None:
        if language == current_language():
            return
        set_language(language)
        self._settings.setValue("language", language)
        announce_language_change()
        self.language_changed.emit(language)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(
            _("cvcdesk — {database}").format(database=self._services.database_label)
        )
        texts: list[tuple[QAction, str, str]] = [
            (self.new_db_action, _("&New database…"), ""),
            (self.open_db_action, _("&Open database…"), ""),
            (self.backup_action, _("&Back up the database…"), ""),
            (self.restore_action, _("Res&tore from backup…"), ""),
            (self.import_action, _("&Import a spreadsheet…"), ""),
            (self.export_action, _("E&xport volunteers…"), _("As CSV or Excel (.xlsx)")),
            (self.sar_action, _("&Subject access export…"), ""),
            (self.erase_action, _("&Erase personal details…"), ""),
            (self.print_action, _("&Print…"), _("Print the current roster or sign-in sheet")),
            (self.quit_action, _("&Quit"), ""),
            (self.new_action, _("&New"), _("Add a new record to this list")),
            (self.edit_action, _("&Open"), _("Open the chosen record")),
            (self.save_action, _("&Save"), ""),
            (self.delete_action, _("&Delete"), _("Delete the chosen record")),
            (self.undo_action, _("&Undo delete"), _("Bring back the record deleted last")),
            (self.find_action, _("&Find"), _("Go to the search box")),
            (self.refresh_action, _("&Refresh"), _("Read the database again")),
            (self.sample_action, _("&Load sample data…"), ""),
            (self.about_action, _("&About cvcdesk"), ""),
        ]
        for action, text, tip in texts:
            action.setText(text)
            action.setToolTip(tip or text.replace("&", "").rstrip("…"))
            action.setStatusTip(tip)
        nav = self._navigation_texts()
        for key, action in self.page_actions.items():
            action.setText(nav[key])
        self.recent_menu.setTitle(_("Open &recent"))
        self.privacy_menu.setTitle(_("Data &protection"))
        self.file_menu.setTitle(_("&File"))
        self.edit_menu.setTitle(_("&Edit"))
        self.view_menu.setTitle(_("&View"))
        self.tools_menu.setTitle(_("&Tools"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.language_actions["en"].setText(_("&English"))
        self.language_actions["cy"].setText(_("&Cymraeg (Welsh)"))
        self.language_actions[current_language()].setChecked(True)
        self.toolbar.setWindowTitle(_("Toolbar"))
        self.navigation.setAccessibleName(_("Pages"))
        self.stack.setAccessibleName(_("Current page"))
        self._show_counts()

    # -- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        splitter = self._settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        for key in ("volunteers", "groups"):
            header = self._settings.value(f"pages/{key}/header")
            page = self._pages[key]
            if header is not None and isinstance(page, RecordsPage):
                page.table.horizontalHeader().restoreState(header)
        last = str(self._settings.value("window/page", "volunteers"))
        self.show_page(last if last in PAGES else "volunteers")

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        key = PAGES[max(self.navigation.currentRow(), 0)]
        self._settings.setValue("window/page", key)
        for name in ("volunteers", "groups"):
            page = self._pages[name]
            if isinstance(page, RecordsPage):
                self._settings.setValue(
                    f"pages/{name}/header", page.table.horizontalHeader().saveState()
                )
        self._settings.sync()

    @property
    def services(self) -> Services:
        return self._services

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        event.accept()
