"""The main window, driven through real widgets offscreen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableView,
)
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import VolunteerStatus
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import Membership, VolunteerData, VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database, open_database
from cvcdesk.ui.main_window import MainWindow
from cvcdesk.ui.pages.volunteers import VolunteersPage
from cvcdesk.ui.pages.welcome import SampleDataDialog
from cvcdesk.ui.tasks import TaskCancelled, run_task


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    main = MainWindow(Services.over(db, actor="tester"))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main


def volunteers_page(window: MainWindow) -> VolunteersPage:
    page = window.page("volunteers")
    assert isinstance(page, VolunteersPage)
    return page


def shown_names(page: VolunteersPage) -> list[str]:
    """The volunteers on the page, top to bottom, as "First Last"."""
    model = page.model
    names = []
    for row in range(model.rowCount()):
        record = model.index(row, 0).data(Qt.ItemDataRole.UserRole)
        names.append(record.display_name)
    return names


def answer_next_message_box(button: QMessageBox.StandardButton) -> None:
    """Click `button` on the next message box that opens (it is modal, so do it from a timer)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        else:
            QTimer.singleShot(20, click)

    QTimer.singleShot(0, click)


def test_status_bar_shows_database_and_counts(
    qtbot: QtBot,
    db: Database,
    db_path: Path,
    make_volunteer: Callable[..., VolunteerRecord],
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    make_volunteer()
    make_volunteer()
    make_organisation()
    main = MainWindow(Services.over(db))
    qtbot.addWidget(main)
    assert main.db_label.text() == str(db_path)
    assert "2 volunteers" in main.counts_label.text()
    assert "1 groups" in main.counts_label.text()
    assert main.navigation.item(0).text() == "Volunteers (2)"
    assert str(db_path) in main.windowTitle()


def test_empty_database_opens_on_the_welcome_page(window: MainWindow) -> None:
    assert window.current_page_key() == "welcome"
    sample = window.welcome.findChild(QPushButton, "load_sample_data")
    spreadsheet = window.welcome.findChild(QPushButton, "import_spreadsheet")
    assert sample is not None and sample.isEnabled()
    assert spreadsheet is not None and spreadsheet.isEnabled()
    assert ".xlsx" in window.welcome.import_note.text()
    window.welcome.empty_button.click()
    assert window.current_page_key() == "volunteers"


def test_load_sample_data_from_the_welcome_page(qtbot: QtBot, window: MainWindow) -> None:
    def fill_and_accept() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SampleDataDialog):
            QTimer.singleShot(20, fill_and_accept)
            return
        dialog.volunteers.setValue(60)
        dialog.groups.setValue(4)
        dialog.accept()

    QTimer.singleShot(0, fill_and_accept)
    window.welcome.sample_button.click()
    qtbot.waitUntil(lambda: window.current_page_key() == "volunteers", timeout=30_000)
    page = volunteers_page(window)
    assert page.model.rowCount() >= 60
    assert window.navigation.item(1).text() == "Groups (4)"
    assert "volunteers" in page.result_label.text()


def test_search_as_you_type_narrows_the_list(
    qtbot: QtBot, window: MainWindow, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Gwyneth", last_name="Hughes")
    make_volunteer(first_name="Gwion", last_name="Price")
    make_volunteer(first_name="Siân", last_name="Roberts")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    assert page.model.rowCount() == 3
    window.find_action.trigger()
    assert page.search.hasFocus()
    qtbot.keyClicks(page.search, "Gwy")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert shown_names(page) == ["Gwyneth Hughes"]
    assert page.result_label.text() == "1 volunteer"
    page.search.clear()
    qtbot.keyClicks(page.search, "sian")  # accents do not matter when searching
    qtbot.waitUntil(lambda: shown_names(page) == ["Siân Roberts"])


def test_the_groups_column_shows_each_volunteers_groups(
    qtbot: QtBot,
    window: MainWindow,
    make_volunteer: Callable[..., VolunteerRecord],
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    food = make_organisation(name_en="Food Bank", name_cy="Banc Bwyd")
    make_volunteer(first_name="Aled", memberships=(Membership(food.uuid),))
    make_volunteer(first_name="Bethan")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    qtbot.waitExposed(page.table)
    column = [c.key for c in page.model.columns].index("groups")
    shown = {
        page.model.index(row, 0).data(): page.model.index(row, column).data()
        for row in range(page.model.rowCount())
    }
    assert [groups for name, groups in shown.items() if name.endswith("Aled")] == ["Food Bank"]
    assert [groups for name, groups in shown.items() if name.endswith("Bethan")] == [""]
    assert page.table.columnWidth(column) > 0 and not page.table.isColumnHidden(column)
    window.language_actions["cy"].trigger()
    try:
        aled = next(
            r for r in range(page.model.rowCount()) if "Aled" in page.model.index(r, 0).data()
        )
        assert page.model.index(aled, column).data() == "Banc Bwyd"
    finally:
        window.language_actions["en"].trigger()


def test_filters_narrow_the_list(
    qtbot: QtBot,
    window: MainWindow,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    make_volunteer(first_name="Aled", status=VolunteerStatus.ACTIVE, postcode="SA62 5AA")
    make_volunteer(first_name="Bethan", status=VolunteerStatus.PAUSED, postcode="LL55 4TT")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    page.status.setCurrentIndex(page.status.findData(VolunteerStatus.PAUSED.value))
    assert [name.split()[0] for name in shown_names(page)] == ["Bethan"]
    page.reset_filters()
    qtbot.keyClicks(page.area, "SA62")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert shown_names(page)[0].startswith("Aled")


def test_welsh_order_and_labels_follow_the_language(
    qtbot: QtBot, window: MainWindow, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Llinos", last_name="Lewis")
    make_volunteer(first_name="Lowri", last_name="Lewis")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    assert [n.split()[0] for n in shown_names(page)] == ["Llinos", "Lowri"]
    english = {
        "menu": window.menuBar().actions()[0].text(),
        "header": page.model.headerData(0, Qt.Orientation.Horizontal),
        "nav": window.navigation.item(0).text(),
        "search": page.search_label.text(),
    }
    window.language_actions["cy"].trigger()
    assert window.menuBar().actions()[0].text() != english["menu"]
    assert page.model.headerData(0, Qt.Orientation.Horizontal) != english["header"]
    assert window.navigation.item(0).text() != english["nav"]
    assert page.search_label.text() != english["search"]
    # In Welsh "ll" is one letter, after "l": Lowri comes before Llinos.
    assert [n.split()[0] for n in shown_names(page)] == ["Lowri", "Llinos"]
    window.language_actions["en"].trigger()
    assert window.menuBar().actions()[0].text() == english["menu"]


def test_delete_then_undo(
    qtbot: QtBot, window: MainWindow, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Aled", last_name="Jones")
    make_volunteer(first_name="Bethan", last_name="Jones")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    page.table.selectRow(0)
    answer_next_message_box(QMessageBox.StandardButton.Yes)
    window.delete_action.trigger()
    assert shown_names(page) == ["Bethan Jones"]
    assert "Aled Jones" in window.statusBar().currentMessage()
    assert window.undo_action.isEnabled()
    assert window.navigation.item(0).text() == "Volunteers (1)"
    window.undo_action.trigger()
    assert shown_names(page) == ["Aled Jones", "Bethan Jones"]
    assert not window.undo_action.isEnabled()
    assert window.navigation.item(0).text() == "Volunteers (2)"


def test_delete_asks_first_and_no_keeps_the_record(
    window: MainWindow, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Aled", last_name="Jones")
    window.refresh()
    window.show_page("volunteers")
    page = volunteers_page(window)
    page.table.selectRow(0)
    answer_next_message_box(QMessageBox.StandardButton.No)
    window.delete_action.trigger()
    assert shown_names(page) == ["Aled Jones"]


def test_window_layout_is_remembered(
    qtbot: QtBot, db: Database, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer()
    first = MainWindow(Services.over(db))
    qtbot.addWidget(first)
    first.show()
    first.show_page("groups")
    first.close()
    second = MainWindow(Services.over(db))
    qtbot.addWidget(second)
    second.show()
    assert second.current_page_key() == "groups"
    # Only the page in view is made, so the window can be as narrow as that page allows
    # (the test screen is 800 pixels wide).
    assert second.built_pages().keys() == {"groups"}
    second.resize(780, 560)
    size = (second.width(), second.height())
    second.close()
    third = MainWindow(Services.over(db))
    qtbot.addWidget(third)
    third.show()
    assert third.current_page_key() == "groups"
    assert (third.width(), third.height()) == size == (780, 560)


def test_opening_another_database_and_recent_files(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    other_path = tmp_path / "other.db"
    other = open_database(other_path)
    Services.over(other).volunteers  # noqa: B018 - a second, separate database
    other.close()
    assert window.open_database(other_path)
    assert window.db_label.text() == str(other_path)
    assert str(other_path) in window.windowTitle()
    assert window.open_database(tmp_path / "cvcdesk.db") is True
    window._fill_recent_menu()
    texts = [action.text() for action in window.recent_menu.actions()]
    assert any(str(other_path) in text for text in texts)


def test_a_file_that_is_not_a_database_is_refused_and_the_current_one_stays(
    window: MainWindow, tmp_path: Path, db_path: Path
) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("shopping list", encoding="utf-8")
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, read_and_close)

    QTimer.singleShot(0, read_and_close)
    assert window.open_database(bogus) is False
    assert seen and "notes.db" in seen[0]
    assert "Traceback" not in seen[0]
    assert window.db_label.text() == str(db_path)
    assert bogus.read_text(encoding="utf-8") == "shopping list"


def test_partners_page_shows_this_databases_fingerprint(window: MainWindow) -> None:
    from cvcdesk.ui.pages.partners import PartnersPage

    window.show_page("partners")
    assert window.current_page_key() == "partners"
    page = window.page("partners")
    assert isinstance(page, PartnersPage)
    fingerprint = window.services.identity.identity().fingerprint
    shown = " ".join(label.text() for label in page.findChildren(QLabel))
    assert fingerprint.split()[0] in shown and fingerprint.split()[-1] in shown


def test_settings_and_retention_report_are_in_the_menus(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cvcdesk.ui import retention_dialog, settings_dialog

    opened: list[str] = []
    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", lambda self: opened.append("s"))
    monkeypatch.setattr(
        retention_dialog, "show_retention_report", lambda services, parent: opened.append("r")
    )
    assert window.settings_action in window.tools_menu.actions()
    assert window.retention_action in window.privacy_menu.actions()
    window.settings_action.trigger()
    window.retention_action.trigger()
    assert opened == ["s", "r"]


def test_shortcuts(window: MainWindow) -> None:
    expected = {
        window.new_action: "Ctrl+N",
        window.find_action: "Ctrl+F",
        window.print_action: "Ctrl+P",
        window.save_action: "Ctrl+S",
        window.refresh_action: "F5",
        window.delete_action: "Del",
        window.undo_action: "Ctrl+Z",
    }
    for action, keys in expected.items():
        assert action.shortcut().toString() == keys, action.objectName()


def test_every_control_has_an_accessible_name(
    window: MainWindow, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer()
    window.refresh()
    for key in ("volunteers", "groups", "activities"):
        window.show_page(key)
        page = window.page(key)
        for kind in (QLineEdit, QComboBox, QCheckBox, QAbstractButton, QTableView, QListWidget):
            for widget in page.findChildren(kind):
                if widget.isVisibleTo(window) and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                    assert widget.accessibleName(), f"{key}: {widget.objectName() or kind}"


def test_long_work_runs_off_the_gui_thread_and_can_be_cancelled(
    qtbot: QtBot, window: MainWindow
) -> None:
    seen: list[bool] = []

    def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> int:
        seen.append(threading.current_thread() is threading.main_thread())
        progress(1, 2)
        return 42

    assert run_task(window, "Test", "Working", work) == 42
    assert seen == [False]

    def press_cancel() -> None:
        from PySide6.QtWidgets import QProgressDialog

        shown = [d for d in window.findChildren(QProgressDialog) if d.isVisible()]
        if shown:
            cancel_button = shown[0].findChild(QPushButton)
            assert cancel_button is not None
            cancel_button.click()
        else:
            QTimer.singleShot(10, press_cancel)

    QTimer.singleShot(0, press_cancel)
    services = window.services
    with pytest.raises(TaskCancelled):
        run_task(
            window,
            "Sample",
            "Making",
            lambda progress, cancelled: services.demo.generate(
                volunteers=20_000, groups=50, progress=progress, cancelled=cancelled
            ),
        )
    assert services.maintenance.counts().volunteers == 0


def test_coverage_and_impact_is_in_the_navigation(window: MainWindow) -> None:
    window.show_page("coverage")
    assert window.current_page_key() == "coverage"
    assert window.navigation.item(4).text() == "Coverage and impact"


def test_the_window_shows_before_its_database_opens(
    qtbot: QtBot, db: Database, db_path: Path, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer()
    main = MainWindow(database_label=str(db_path))
    qtbot.addWidget(main)
    with qtbot.waitSignal(main.first_painted):
        main.show()
    assert main.current_page() is main.opening_page
    assert not main.new_action.isEnabled() and not main.export_action.isEnabled()
    assert str(db_path) in main.windowTitle()
    with qtbot.waitSignal(main.database_ready):
        main.attach(Services.over(db))
    assert main.current_page_key() == "volunteers"
    assert main.navigation.item(0).text() == "Volunteers (1)"
    assert main.new_action.isEnabled() and main.export_action.isEnabled()


def test_pages_are_made_when_first_shown(window: MainWindow) -> None:
    window.welcome.empty_button.click()
    assert window.built_pages().keys() == {"volunteers"}
    window.show_page("activities")
    assert window.built_pages().keys() == {"volunteers", "activities"}
    assert window.page("coverage").objectName()  # made on demand for whoever asks
    assert "coverage" in window.built_pages()
    window.refresh()  # only the pages made so far read the database again


def test_start_gui_opens_the_database_after_the_first_paint(qtbot: QtBot, tmp_path: Path) -> None:
    from cvcdesk.app import start_gui

    path = tmp_path / "start.db"
    services = Services.open(path)
    services.volunteers  # noqa: B018 - made, then closed: an existing database
    services.close()
    window = start_gui(str(path), language="en")
    qtbot.addWidget(window)
    assert window.current_page() is window.opening_page
    with qtbot.waitSignal(window.database_ready, timeout=20_000):
        pass
    assert window.db_label.text() == str(path)
    assert window.current_page_key() in ("welcome", "volunteers")
    window.wait_for_backup()
    window.close()
    window.close_database()


def test_the_daily_backup_runs_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    Services.open(path).close()  # created: a new database is not backed up
    services = Services.open(path, exclusive=True, backup=False)
    main = MainWindow(services)
    qtbot.addWidget(main)
    with qtbot.waitSignal(main.backup_finished, timeout=20_000) as finished:
        main.back_up_in_background()
    assert finished.args == [""]
    assert [info.reason for info in services.backups.list()] == ["opened"]
    main.close_database()


def test_the_desktop_start_imports_no_database_or_report_library_before_its_window(
    tmp_path: Path,
) -> None:
    """The window paints first: SQLAlchemy, ReportLab, spreadsheets, sync and the services
    wait until it is up (each costs start-up time the coordinator would stare at)."""
    import json
    import os
    import subprocess
    import sys

    code = """
import json, sys
import cvcdesk.app as app_module
from cvcdesk.ui.main_window import MainWindow
app = app_module.create_application()
window = MainWindow(database_label="x.db")
window.show()
app.processEvents()
heavy = ("sqlalchemy", "alembic", "reportlab", "openpyxl", "python_calamine", "cryptography",
         "rapidfuzz", "holidays", "icalendar", "jsonschema", "phonenumbers", "cvcdesk.store",
         "cvcdesk.reports", "cvcdesk.services.volunteers", "cvcdesk.ui.pages.volunteers")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m in heavy)))
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CVCDESK_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", "import cvcdesk.cli\n" + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_no_command_opens_the_desktop_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import cvcdesk.app
    from cvcdesk.cli import main

    opened: list[tuple[str, bool, str | None]] = []

    def run_gui(target: str, *, portable: bool = False, language: str | None = None) -> int:
        opened.append((target, portable, language))
        return 0

    monkeypatch.setattr(cvcdesk.app, "run_gui", run_gui)
    assert main(["--db", str(tmp_path / "a.db"), "--lang", "en"]) == 0
    assert opened == [(str(tmp_path / "a.db"), False, "en")]


def test_after_a_restore_the_window_shows_the_restored_data(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    services = Services.open(path, exclusive=True, backup=False)
    first = services.volunteers.create(VolunteerData(first_name="Aled", last_name="Jones"))
    backup = services.backups.before("manual")
    assert backup is not None
    services.volunteers.create(VolunteerData(first_name="Bethan", last_name="Jones"))
    main = MainWindow(services)
    qtbot.addWidget(main)
    main.show_page("volunteers")
    assert main.navigation.item(0).text() == "Volunteers (2)"
    old_page = volunteers_page(main)
    services.restore_backup(backup.path)  # what the Restore dialog does
    main.attach(services, page="volunteers")
    page = volunteers_page(main)
    assert page is not old_page
    assert shown_names(page) == ["Aled Jones"]
    assert services.volunteers.get(first.uuid).first_name == "Aled"
    assert main.navigation.item(0).text() == "Volunteers (1)"
    main.close_database()
