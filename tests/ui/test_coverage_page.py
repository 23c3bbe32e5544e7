"""The Coverage and impact page through its widgets: the grid with numbers and colours, a
cell's groups and alert, the filters, the figures with their charts, the report and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import AlertKind, OrganisationKind, Weekdays
from cvcdesk.domain.figures import LEVEL_COLOURS, CoverageLevel
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.alerts import AlertService, overlap_detectors
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.main_window import announce_language_change
from cvcdesk.ui.pages.coverage import CoveragePage, wrap_words

MakeOrganisation = Callable[..., OrganisationRecord]


@pytest.fixture
def county(db: Database, make_organisation: MakeOrganisation) -> None:
    make_organisation(
        name_en="Haverfordwest Food Bank",
        kind=OrganisationKind.SOCIAL_ENTERPRISE,
        coverage=(
            CoverageData(
                service="food_parcels",
                area="SA61",
                weekdays=Weekdays.MON | Weekdays.TUE,
                start_time=dt.time(9),
                end_time=dt.time(12),
            ),
        ),
    )
    make_organisation(
        name_en="Prendergast Mutual Aid",
        kind=OrganisationKind.MUTUAL_AID,
        coverage=(CoverageData(service="food_parcels", area="SA61 1", weekdays=Weekdays.MON),),
    )
    make_organisation(
        name_en="Tenby Good Neighbours",
        coverage=(CoverageData(service="shopping", area="SA70"),),
    )
    AlertService(db, actor="tester", detectors=overlap_detectors).scan(full=True)


def make_page(qtbot: QtBot, db: Database) -> CoveragePage:
    page = CoveragePage(Services.over(db, actor="tester"))
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    return page


def index_of(page: CoveragePage, area: str, service: str) -> QModelIndex:
    grid = page.model.grid
    assert grid is not None
    row = page.model.row_of(area)
    assert row is not None
    column = 1 + [s.key for s in grid.services].index(service)
    return page.model.index(row, column)


def click(qtbot: QtBot, page: CoveragePage, index: QModelIndex) -> None:
    page.table.scrollTo(index)
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_models_follow_the_rules(
    qtbot: QtBot, db: Database, county: None, qtmodeltester: Any
) -> None:
    page = make_page(qtbot, db)
    qtmodeltester.check(page.model)
    page.tabs.setCurrentIndex(1)
    qtmodeltester.check(page.figure_model)


def test_every_cell_shows_its_number_and_a_colour_for_its_level(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    model = page.model
    assert [model.data(model.index(r, 0)).strip() for r in range(model.rowCount())] == [
        "▸ SA61",
        "SA70",
    ]
    for area, service, shown, level in (
        ("SA61", "food_parcels", "2", CoverageLevel.SEVERAL),
        ("SA61", "transport", "0", CoverageLevel.GAP),
        ("SA70", "shopping", "1", CoverageLevel.COVERED),
    ):
        index = index_of(page, area, service)
        assert model.data(index) == shown  # the number is always there, not colour alone
        brush = model.data(index, Qt.ItemDataRole.BackgroundRole)
        assert isinstance(brush, QBrush)
        assert brush.color().name().lower() == LEVEL_COLOURS[level].lower()
    tip = model.data(index_of(page, "SA61", "food_parcels"), Qt.ItemDataRole.ToolTipRole)
    assert "possible duplication" in tip and "1 of them covers only part" in tip
    assert "1 open overlap alert" in tip
    assert "gap" in model.data(index_of(page, "SA61", "transport"), Qt.ItemDataRole.ToolTipRole)
    assert page.grid_summary.text() == (
        "2 areas: 18 gaps (no group) and 1 place where two or more groups offer the same "
        "service; 1 open overlap alert."
    )
    assert wrap_words("Prescription collection") == "Prescription\ncollection"


def test_clicking_an_area_opens_its_sectors(qtbot: QtBot, db: Database, county: None) -> None:
    page = make_page(qtbot, db)
    click(qtbot, page, page.model.index(0, 0))
    assert page.model.rowCount() == 3
    assert page.model.data(page.model.index(1, 0)).strip() == "SA61 1"
    assert page.model.data(index_of(page, "SA61 1", "food_parcels")) == "2"
    click(qtbot, page, page.model.index(0, 0))
    assert page.model.rowCount() == 2
    page.expand_button.click()
    assert page.model.rowCount() == 3
    page.collapse_button.click()
    assert page.model.rowCount() == 2


def test_clicking_a_cell_lists_the_groups_and_the_overlap_alert(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    click(qtbot, page, index_of(page, "SA61", "food_parcels"))
    assert "Food parcels in SA61" in page.detail_title.text()
    lines = [page.lines.item(i).text() for i in range(page.lines.count())]
    assert len(lines) == 2
    assert lines[0].startswith("Haverfordwest Food Bank: Mon, Tue, 09:00 to 12:00")
    assert "covers all of SA61" in lines[0]
    assert lines[1].startswith("Prendergast Mutual Aid: Mon, any time")
    assert "covers part of it: SA61 1" in lines[1]
    [alert] = AlertService(db).list(AlertKind.COVERAGE_OVERLAP)
    assert page.alerts.count() == 1
    assert page.alerts.item(0).text().startswith(f"Alert {alert.id} (Open): ")
    assert page.open_alert_button.isEnabled()
    with qtbot.waitSignal(page.alert_requested) as signal:
        page.open_alert_button.click()
    assert signal.args == [alert.id]
    click(qtbot, page, index_of(page, "SA61", "transport"))
    assert page.lines.item(0).text() == "No group offers this service here."
    assert not page.open_alert_button.isEnabled()


def test_the_day_filter_changes_the_counts(qtbot: QtBot, db: Database, county: None) -> None:
    page = make_page(qtbot, db)
    page.weekday.setCurrentIndex(page.weekday.findData(1))  # Tuesday
    assert page.model.data(index_of(page, "SA61", "food_parcels")) == "1"
    page.weekday.setCurrentIndex(page.weekday.findData(2))  # Wednesday: a gap
    assert page.model.data(index_of(page, "SA61", "food_parcels")) == "0"
    page.area.setCurrentIndex(page.area.findData("SA70"))
    assert page.model.rowCount() == 1
    assert not page.grouping.isEnabled()


def test_the_date_filter(qtbot: QtBot, db: Database, county: None) -> None:
    page = make_page(qtbot, db)
    page.end.setDate(QDate(2000, 1, 1))
    assert "ends before it starts" in page.grid_summary.text()
    page.start.setDate(QDate(1999, 1, 1))
    assert page.model.data(index_of(page, "SA61", "food_parcels")) == "2"


def test_figures_tab_draws_charts_beside_the_numbers(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    page.tabs.setCurrentIndex(1)
    assert page._figures is not None
    months = len(page._figures.months)
    assert months in (12, 13)
    assert len(page.hours_chart.values) == months
    assert len(page.volunteers_chart.series) == 3
    assert "3 groups" in page.figures_summary.text()
    assert page.figure_model.rowCount() == months  # the numbers by month
    page.table_choice.setCurrentIndex(page.table_choice.findData("groups_by_kind"))
    kinds = {
        page.figure_model.data(page.figure_model.index(r, 0))
        for r in range(page.figure_model.rowCount())
    }
    assert kinds == {"Community group", "Mutual aid group", "Social enterprise"}
    image = page.hours_chart.grab()
    assert not image.isNull() and image.width() > 100


def test_save_report_and_export(qtbot: QtBot, db: Database, county: None, tmp_path: Path) -> None:
    page = make_page(qtbot, db)
    page.language.setCurrentIndex(page.language.findData("cy"))
    written = page.save_report(tmp_path / "report")
    assert written == tmp_path / "report.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    exported = page.export_figures(tmp_path / "figures.csv")
    assert exported is not None and exported.read_text(encoding="utf-8-sig").startswith("section")


def test_welsh(qtbot: QtBot, db: Database, county: None) -> None:
    page = make_page(qtbot, db)
    set_language("cy")
    announce_language_change()
    grid = page.model.grid
    assert grid is not None
    food = page.model.headerData(1, Qt.Orientation.Horizontal)
    assert food == "Parseli bwyd"
    assert page.weekday.itemText(1) == "Dydd Llun"
