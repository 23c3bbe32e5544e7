"""The main window, driven through real widgets offscreen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.main_window import MainWindow


def make_window(qtbot: QtBot, db: Database) -> MainWindow:
    window = MainWindow(Services.over(db, actor="tester"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def label(window: MainWindow, name: str) -> str:
    widget = window.findChild(QLabel, name)
    assert widget is not None, name
    return widget.text()


def test_window_shows_the_database_and_its_counts(
    qtbot: QtBot,
    db: Database,
    db_path: Path,
    make_volunteer: Callable[..., VolunteerRecord],
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    make_volunteer()
    make_volunteer()
    make_organisation()
    window = make_window(qtbot, db)
    assert label(window, "database_path") == str(db_path)
    assert label(window, "count_volunteers") == "2"
    assert label(window, "count_groups") == "1"
    assert str(db_path) in window.windowTitle()


def test_refresh_picks_up_new_records(
    qtbot: QtBot, db: Database, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    window = make_window(qtbot, db)
    assert label(window, "count_volunteers") == "0"
    make_volunteer()
    window.refresh()
    assert label(window, "count_volunteers") == "1"


def test_switching_to_welsh_changes_visible_labels(qtbot: QtBot, db: Database) -> None:
    window = make_window(qtbot, db)
    english_menu = window.menuBar().actions()[0].text()
    english_status = window.statusBar().currentMessage()
    window.switch_language("cy")
    assert window.menuBar().actions()[0].text() != english_menu
    assert window.statusBar().currentMessage() != english_status
    window.switch_language("en")
    assert window.menuBar().actions()[0].text() == english_menu


def test_every_count_has_an_accessible_name(qtbot: QtBot, db: Database) -> None:
    window = make_window(qtbot, db)
    for name in ("count_volunteers", "count_groups", "count_activities", "count_shifts"):
        widget = window.findChild(QLabel, name)
        assert widget is not None and widget.accessibleName()
