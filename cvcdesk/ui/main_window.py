"""The main window: navigation, the pages, menus, toolbar, status bar and window layout.

The window can be shown before its database is open (`MainWindow()`, then `attach(services)`),
so the desktop app paints its window at once and reads the database after. Pages are built
the first time they are shown: only the page in view pays for its imports and queries.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, current_language, format_number, set_language
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import Retranslating, show_error
from cvcdesk.ui.qt_translator import CatalogueTranslator, install_qt_translator
from cvcdesk.ui.settings import app_settings, recent_files, remember_file

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from cvcdesk.services.maintenance import Counts
    from cvcdesk.ui.pages.records import RecordsPage
    from cvcdesk.ui.pages.volunteers import VolunteersPage
    from cvcdesk.ui.pages.welcome import WelcomePage

log = logging.getLogger(__name__)


# -- the pages, each made (and its module imported) the first time it is shown -------------
def _volunteers_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.volunteers import VolunteersPage

    return VolunteersPage(services, parent)


def _groups_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.groups import GroupsPage

    return GroupsPage(services, parent)


def _activities_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.activities import ActivitiesPage

    return ActivitiesPage(services, parent)


def _alerts_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.alerts import AlertsPage

    return AlertsPage(services, parent)


def _coverage_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.coverage import CoveragePage

    return CoveragePage(services, parent)


def _partners_page(services: Services, parent: QWidget) -> QWidget:
    from cvcdesk.ui.pages.partners import PartnersPage

    return PartnersPage(services, parent)


# In navigation order: (services, parent) -> the page.
PAGE_FACTORIES: dict[str, Callable[[Services, QWidget], QWidget]] = {
    "volunteers": _volunteers_page,
    "groups": _groups_page,
    "activities": _activities_page,
    "alerts": _alerts_page,
    "coverage": _coverage_page,
    "partners": _partners_page,
}
PAGES = tuple(PAGE_FACTORIES)
RECORD_PAGES = ("volunteers", "groups")


class OpeningPage(QWidget):
    """What the window shows while its database opens.

    Like everything the window builds before its first paint, it leaves PySide6's `Qt`
    namespace alone: making that namespace's enums costs tens of milliseconds, paid after
    the window is up instead (see MainWindow.attach)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opening_page")
        self.label = QLabel(self)
        self.label.setObjectName("opening_text")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.label)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.addStretch(1)
        column.addLayout(row)
        column.addStretch(2)


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
    # The database is open and the page in view shows its records (start-up, another file).
    database_ready = Signal()
    # The window has been painted once: the desktop app opens its database after this.
    first_painted = Signal()
    # The automatic backup made when a database opens has finished ("" or what went wrong).
    backup_finished = Signal(str)

    def __init__(self, services: Services | None = None, *, database_label: str = "") -> None:
        """The window over `services`; without them it shows that the database is opening
        (give them later with `attach`)."""
        super().__init__()
        self._services: Services | None = None
        self._database_label = database_label
        self.setObjectName("MainWindow")
        self.resize(1180, 720)
        self._settings = app_settings()
        self._pages: dict[str, QWidget] = {}
        self._welcome: WelcomePage | None = None
        self._counts: Counts | None = None
        self._empty_start = False
        self._backup_thread: threading.Thread | None = None

        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(0, 0))
        self.navigation.setMinimumWidth(190)
        for _key in PAGES:
            self.navigation.addItem(QListWidgetItem())
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        self.opening_page = OpeningPage(self.stack)
        self.stack.addWidget(self.opening_page)
        # QSplitter(parent) and setShortcut() make PySide6 build its `Qt` enums to choose an
        # overload (see OpeningPage); these equivalents do not. setCentralWidget reparents.
        self.splitter = QSplitter()
        self.splitter.setObjectName("splitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 970])
        self.setCentralWidget(self.splitter)

        self.db_label = QLabel(self)
        self.db_label.setObjectName("database_path")
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("counts")
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.db_label)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self.navigation.currentRowChanged.connect(self._on_navigate)
        self.backup_finished.connect(self._on_backup_finished)
        self.installEventFilter(self)  # for first_painted
        self._restore_layout()
        self.retranslate_ui()
        self._update_actions()
        if services is not None:
            self.attach(services)

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
            action.setShortcuts([QKeySequence(shortcut)])
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
        self.retention_action = a("retention_report", self.retention_report)
        self.communities_action = a("communities", self.open_communities)
        self.settings_action = a("settings", self.open_settings)
        self.print_action = a("print", self.print_current, QKeySequence.StandardKey.Print)
        self.quit_action = a("quit", self.close, QKeySequence.StandardKey.Quit)
        self.new_action = a("new_record", self.new_record, QKeySequence.StandardKey.New)
        self.edit_action = a("edit_record", self.edit_record, "Ctrl+E")
        self.save_action = a("save", self.save, QKeySequence.StandardKey.Save)
        self.delete_action = a("delete_record", self.delete_record, QKeySequence.StandardKey.Delete)
        self.undo_action = a("undo_delete", self.undo_delete, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.find_action = a("find", self.focus_search, QKeySequence.StandardKey.Find)
        self.refresh_action = a("refresh", self.refresh, QKeySequence.StandardKey.Refresh)
        self.sample_action = a("load_sample_data", self.ask_for_sample_data)
        self.about_action = a("about", self.about)
        self.page_actions: dict[str, QAction] = {}
        for number, key in enumerate(PAGES, start=1):
            self.page_actions[key] = a(f"go_{key}", partial(self.show_page, key), f"Ctrl+{number}")
        # What needs an open database (greyed out while it opens).
        self._database_actions = [
            self.open_db_action,
            self.new_db_action,
            self.backup_action,
            self.restore_action,
            self.import_action,
            self.export_action,
            self.sar_action,
            self.erase_action,
            self.retention_action,
            self.communities_action,
            self.settings_action,
            self.refresh_action,
            self.sample_action,
            *self.page_actions.values(),
        ]
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
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.communities_action)
        self.privacy_menu = self.edit_menu.addMenu("")
        self.privacy_menu.addAction(self.sar_action)
        self.privacy_menu.addAction(self.erase_action)
        self.privacy_menu.addAction(self.retention_action)
        self.view_menu = bar.addMenu("")
        for key in PAGES:
            self.view_menu.addAction(self.page_actions[key])
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.refresh_action)
        self.tools_menu = bar.addMenu("")
        self.tools_menu.addAction(self.sample_action)
        self.tools_menu.addSeparator()
        self.tools_menu.addAction(self.settings_action)
        self.language_menu = bar.addMenu("")
        for code in ("en", "cy"):
            self.language_menu.addAction(self.language_actions[code])
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.about_action)

    def _create_toolbar(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("main_toolbar")
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
        self.addToolBar(self.toolbar)  # at the top

    # -- the database ----------------------------------------------------------------------
    def attach(self, services: Services, *, page: str | None = None) -> None:
        """Work on `services` (at start, or after another database was opened or restored):
        the pages are made afresh, the one in view (`page`, else the last one used) at once."""
        self._finish_setup()
        self._services = services
        self._database_label = services.database_label
        self._counts = services.maintenance.counts()
        self._empty_start = False
        self._reset_pages()
        self.retranslate_ui()
        if page is None:
            last = str(self._settings.value("window/page", "volunteers"))
            page = last if last in PAGES else "volunteers"
        self.show_page(page)
        self.database_ready.emit()

    def _finish_setup(self) -> None:
        """What uses PySide6's `Qt` namespace, left until after the first paint."""
        from PySide6.QtCore import Qt

        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the main window has no database yet")
        return self._services

    def back_up_in_background(self) -> None:
        """The automatic backup on opening (at most once a day), off the GUI thread: copying a
        large database takes seconds and the window must not freeze meanwhile."""
        services = self._services
        if services is None:
            return
        self.wait_for_backup()

        def work() -> None:
            problem = ""
            try:
                services.backups.on_open()
                problem = services.backups.problem
            except Exception:  # a backup must never take the program down
                log.exception("automatic backup failed")
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                self.backup_finished.emit(problem)

        self._backup_thread = threading.Thread(target=work, name="backup-on-open")
        self._backup_thread.start()

    def wait_for_backup(self) -> None:
        """Let an automatic backup still running finish (before the database closes)."""
        thread, self._backup_thread = self._backup_thread, None
        if thread is not None:
            thread.join()

    def _on_backup_finished(self, problem: str) -> None:
        if problem:
            self.statusBar().showMessage(problem, 15000)

    def close_database(self) -> None:
        """Close the database (the program is ending)."""
        self.wait_for_backup()
        if self._services is not None:
            self._services.close()

    def _reset_pages(self) -> None:
        """Forget every page made over the previous services; they are made again on demand."""
        self.stack.setCurrentWidget(self.opening_page)
        for page in (*self._pages.values(), self._welcome):
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self._pages = {}
        self._welcome = None

    def _make_page(self, key: str) -> QWidget:
        from cvcdesk.ui.pages.records import RecordsPage

        page = PAGE_FACTORIES[key](self.services, self.stack)
        self._pages[key] = page
        self.stack.addWidget(page)
        status_message = getattr(page, "status_message", None)
        if status_message is not None:
            status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        if isinstance(page, RecordsPage):
            page.records_changed.connect(self._on_records_changed)
            page.undo_available.connect(lambda _on: self._update_actions())
            header = self._settings.value(f"pages/{key}/header")
            if header is not None:
                page.table.horizontalHeader().restoreState(header)
        if key == "alerts":
            from cvcdesk.ui.pages.alerts import AlertsPage

            assert isinstance(page, AlertsPage)
            page.alerts_changed.connect(self._on_records_changed)
            page.records_changed.connect(self._on_alert_records_changed)
        elif key == "coverage":
            from cvcdesk.ui.pages.coverage import CoveragePage

            assert isinstance(page, CoveragePage)
            page.alert_requested.connect(self._show_alert)
        elif key == "partners":
            from cvcdesk.ui.pages.partners import PartnersPage

            assert isinstance(page, PartnersPage)
            # An imported file changes records and alerts: every page made so far reads again.
            page.records_changed.connect(self.refresh)
        return page

    @property
    def welcome(self) -> WelcomePage:
        """The first-start page shown while the database holds no volunteers and no groups."""
        if self._welcome is None:
            from cvcdesk.ui.pages.welcome import WelcomePage

            self._welcome = WelcomePage(self.services, self.stack)
            self._welcome.data_loaded.connect(self._after_sample_data)
            self._welcome.start_empty.connect(lambda: self.show_page("volunteers", force=True))
            self.stack.addWidget(self._welcome)
        return self._welcome

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.Paint:
            # Once is enough; then emit after this paint has reached the screen.
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.first_painted.emit)
        return False

    # -- navigation ----------------------------------------------------------------------
    def current_page_key(self) -> str:
        widget = self.stack.currentWidget()
        for key, page in self._pages.items():
            if page is widget:
                return key
        return "welcome" if widget is not None and widget is self._welcome else ""

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def page(self, key: str) -> QWidget:
        """The page for `key` (made now if it has not been shown yet)."""
        if key == "welcome":
            return self.welcome
        page = self._pages.get(key)
        return page if page is not None else self._make_page(key)

    def built_pages(self) -> dict[str, QWidget]:
        """The pages made so far, by key."""
        return dict(self._pages)

    def show_page(self, key: str, *, force: bool = False) -> None:
        if force:
            self._empty_start = True
        row = PAGES.index(key) if key in PAGES else 0
        if self.navigation.currentRow() != row:
            self.navigation.setCurrentRow(row)  # calls _on_navigate
        else:
            self._on_navigate(row)

    def _on_navigate(self, row: int) -> None:
        if row < 0 or self._services is None:
            return
        key = PAGES[row]
        if key in RECORD_PAGES and self._database_is_empty():
            self.stack.setCurrentWidget(self.welcome)
        else:
            self.stack.setCurrentWidget(self.page(key))
        self._update_actions()

    def _database_is_empty(self) -> bool:
        if self._empty_start or self._counts is None:
            return False
        return self._counts.volunteers == 0 and self._counts.groups == 0

    def _records_page(self) -> RecordsPage | None:
        if self.current_page_key() not in RECORD_PAGES:
            return None
        from cvcdesk.ui.pages.records import RecordsPage

        page = self.stack.currentWidget()
        return page if isinstance(page, RecordsPage) else None

    def _update_actions(self) -> None:
        attached = self._services is not None
        for action in self._database_actions:
            action.setEnabled(attached)
        page = self._records_page()
        for action in (self.new_action, self.edit_action, self.delete_action, self.find_action):
            action.setEnabled(page is not None)
        self.undo_action.setEnabled(page is not None and page.can_undo_delete())
        self.save_action.setEnabled(False)  # forms own Save; nothing unsaved in the lists
        self.print_action.setEnabled(self.current_page_key() == "activities")

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
        if self.current_page_key() == "activities":
            from cvcdesk.ui.pages.activities import ActivitiesPage

            if isinstance(page, ActivitiesPage) and page.can_print():
                page.print_roster()
                return
        self.statusBar().showMessage(
            _("Choose a group's week on Activities and rosters to print its roster."), 5000
        )

    def refresh(self) -> None:
        """Read the database again: the counts, and the pages made so far (the others read it
        when they are first shown)."""
        if self._services is None:
            return
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
        from cvcdesk.ui.pages.alerts import AlertsPage

        self.show_page("alerts")
        page = self.page("alerts")
        if isinstance(page, AlertsPage):
            page.show_alert(alert_id)

    def _on_alert_records_changed(self) -> None:
        """A merge or an edit from the Alerts page: the lists must show it too."""
        from cvcdesk.ui.pages.records import RecordsPage

        for key in RECORD_PAGES:
            page = self._pages.get(key)
            if isinstance(page, RecordsPage):
                page.refresh()
        self._on_records_changed()

    def _on_records_changed(self) -> None:
        if self._services is None:
            return
        self._counts = self._services.maintenance.counts()
        self._show_counts()

    def _show_counts(self) -> None:
        counts = self._counts
        label = self._database_label
        self.db_label.setText(label)
        self.db_label.setToolTip(_("Database file: {path}").format(path=label) if label else "")
        self.db_label.setAccessibleName(_("Database file"))
        if counts is None:
            self.counts_label.setText("")
        else:
            self.counts_label.setText(
                _("{volunteers} volunteers · {groups} groups · {activities} activities").format(
                    volunteers=format_number(counts.volunteers),
                    groups=format_number(counts.groups),
                    activities=format_number(counts.activities),
                )
            )
        self.counts_label.setAccessibleName(self.counts_label.text())
        texts = self._navigation_texts()
        numbers = {}
        if counts is not None:
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
            if counts is not None:  # the same words as shown, with the count
                from PySide6.QtCore import Qt

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
        from cvcdesk.ui.pages.welcome import SampleDataDialog, load_sample_data

        counts = self.services.maintenance.counts()
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
            self, self.services, dialog.volunteers.value(), dialog.groups.value()
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
            str(Path(self._database_label).parent),
            _("cvcdesk databases (*.db);;All files (*)"),
        )
        if path:
            self.open_database(Path(path))

    def open_database(self, path: Path) -> bool:
        """Switch to another database file; the current one stays open if that fails."""
        try:
            services = Services.open(path, exclusive=True, backup=False)
        except CvcError as exc:
            show_error(self, exc)
            return False
        old = self._services
        self.wait_for_backup()
        if old is not None:
            old.close()
        remember_file(self._settings, path)
        self.attach(services, page="volunteers")
        self.back_up_in_background()
        self.database_changed.emit(str(path))
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self._settings)
        current = Path(self._database_label)
        shown = [p for p in files if p != current]
        if not shown:
            empty = self.recent_menu.addAction(_("No other recent databases"))
            empty.setEnabled(False)
            return
        for number, path in enumerate(shown, start=1):
            action = self.recent_menu.addAction(f"&{number} {path}")
            action.triggered.connect(lambda _c=False, p=path: self.open_database(p))

    def save_backup(self) -> None:
        suggested = Path(self._database_label).with_suffix(".backup.db").name
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Back up the database"), str(Path.home() / suggested), _("Backups (*.db)")
        )
        if not path:
            return
        try:
            written = self.services.maintenance.backup(Path(path))
        except CvcError as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(_("Backup saved to {path}.").format(path=written), 8000)

    def import_spreadsheet(self) -> None:
        from cvcdesk.ui.import_wizard import ImportWizard

        kind = "groups" if self.current_page_key() == "groups" else "volunteers"
        wizard = ImportWizard(self.services, kind, self)
        written: list[int] = []
        wizard.imported.connect(written.append)
        wizard.exec()
        if written and written[-1]:
            self.refresh()
            self.show_page("groups" if kind == "groups" else "volunteers")

    def restore_from_backup(self) -> None:
        from cvcdesk.ui.restore_dialog import RestoreDialog

        self.wait_for_backup()
        dialog = RestoreDialog(self.services, self)
        if dialog.exec():
            self.attach(self.services, page="volunteers")
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
            count = self.services.exports.volunteers(target)
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
        from cvcdesk.ui.pages.volunteers import VolunteersPage

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

    def retention_report(self) -> None:
        from cvcdesk.ui.retention_dialog import show_retention_report

        show_retention_report(self.services, self)

    def open_communities(self) -> None:
        from cvcdesk.ui.communities_dialog import show_communities

        if show_communities(self.services, self):
            # The Coverage page's rows and area choices read them afresh.
            self.refresh()

    def open_settings(self) -> None:
        from cvcdesk.ui.settings_dialog import show_settings

        if show_settings(self.services, self):
            self.statusBar().showMessage(_("Settings saved."), 5000)
            self.refresh()

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
        label = self._database_label
        self.setWindowTitle(
            _("cvcdesk — {database}").format(database=label) if label else _("cvcdesk")
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
            (
                self.retention_action,
                _("&Retention report…"),
                _("Volunteers with no activity for a number of months"),
            ),
            (
                self.communities_action,
                _("Communities and &wards…"),
                _("Named communities and wards, and the postcodes each holds"),
            ),
            (
                self.settings_action,
                _("&Settings…"),
                _("The CVC's printed name and logo, alerts, planning, backups and key"),
            ),
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
        self.opening_page.label.setText(_("Opening the database…"))
        self.navigation.setAccessibleName(_("Pages"))
        self.stack.setAccessibleName(_("Current page"))
        self._show_counts()

    # -- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        """The window's size and place and the splitter (the page comes with the database)."""
        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        splitter = self._settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        if self._services is not None:
            key = PAGES[max(self.navigation.currentRow(), 0)]
            self._settings.setValue("window/page", key)
        # Only the lists that were shown can have changed their columns.
        for name, page in self._pages.items():
            from cvcdesk.ui.pages.records import RecordsPage

            if isinstance(page, RecordsPage):
                self._settings.setValue(
                    f"pages/{name}/header", page.table.horizontalHeader().saveState()
                )
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        event.accept()
