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
from cvcdesk.i18n import format_date, set_language
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
    assert page.grid_summary.text().startswith("The period ends on 1 Jan 2000, before it starts")
    assert page.model.rowCount() == 0  # no numbers left from other dates
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


def cell_colour(page: CoveragePage, area: str, service: str) -> str:
    brush = page.model.data(index_of(page, area, service), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(brush, QBrush)
    return brush.color().name().lower()


def test_groups_in_different_parts_of_a_district_read_as_covered_not_duplicated(
    qtbot: QtBot, db: Database, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Maindee Meals", coverage=(CoverageData(service="hot_meals", area="NP20 1"),)
    )
    make_organisation(
        name_en="Pill Kitchen", coverage=(CoverageData(service="hot_meals", area="NP20 4"),)
    )
    page = make_page(qtbot, db)
    index = index_of(page, "NP20", "hot_meals")
    assert page.model.data(index) == "2"  # both groups work in NP20
    assert cell_colour(page, "NP20", "hot_meals") == LEVEL_COLOURS[CoverageLevel.COVERED].lower()
    tip = page.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tip == "NP20, Hot meals: 2 groups in different parts, no overlap"
    assert page.model.data(index, Qt.ItemDataRole.AccessibleTextRole) == tip
    assert "0 places where two or more groups offer the same service" in (page.grid_summary.text())
    swatch, legend = page.legend_labels[CoverageLevel.COVERED]
    assert swatch.text() == "1"
    assert legend.text() == "1: one group, or groups in different parts (no overlap)"
    click(qtbot, page, index)
    assert page.detail_title.text() == (
        "Hot meals in NP20: 2 groups in different parts, no overlap"
    )
    assert [page.lines.item(i).text().split(":")[0] for i in range(page.lines.count())] == [
        "Maindee Meals",
        "Pill Kitchen",
    ]
    # A third group in one of those sectors does overlap.
    make_organisation(
        name_en="Pill Soup Run", coverage=(CoverageData(service="hot_meals", area="NP20 4AB"),)
    )
    page.refresh()
    assert page.model.data(index_of(page, "NP20", "hot_meals")) == "3"
    assert cell_colour(page, "NP20", "hot_meals") == LEVEL_COLOURS[CoverageLevel.SEVERAL].lower()
    assert page.model.data(index_of(page, "NP20", "hot_meals"), Qt.ItemDataRole.ToolTipRole) == (
        "NP20, Hot meals: 3 groups, 2 of them in the same place: possible duplication "
        "(3 of them cover only part of the area.)"
    )


def test_dates_the_wrong_way_round_clear_the_figures_and_say_why(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    page.tabs.setCurrentIndex(1)
    assert page.figure_model.rowCount() > 0 and page.hours_chart.values
    start = page.period()[0]
    page.end.setDate(QDate(start.year, start.month, start.day).addDays(-3))
    end = page.period()[1]
    message = (
        f"The period ends on {format_date(end)}, before it starts on {format_date(start)}. "
        "Choose a “To” date on or after the “From” date."
    )
    assert page.figures_summary.text() == message
    # No numbers for other dates are left on screen as if they were for these.
    assert page.figure_model.rowCount() == 0 and page.table_choice.count() == 0
    assert page.hours_chart.values == [] and page.volunteers_chart.series == []
    assert page._figures is None
    assert page.grid_summary.text() == message and page.model.rowCount() == 0
    page.end.setDate(QDate(start.year + 1, start.month, 1))
    assert "3 groups" in page.figures_summary.text()
    assert page.figure_model.rowCount() > 0 and page.model.rowCount() == 2


def test_the_figures_table_shows_every_column_beside_the_charts(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    page.tabs.setCurrentIndex(1)
    qtbot.waitExposed(page.figures_table)
    view, model = page.figures_table, page.figure_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert [h.replace("\n", " ") for h in headers] == [
        "Month name",
        "Volunteers on the books",
        "Volunteers who gave time",
        "Joined",
        "Left",
        "Hours given",
    ]
    assert view.horizontalScrollBar().maximum() == 0  # nothing hidden to the right
    for column in range(model.columnCount()):
        text = model.data(model.index(0, column))
        assert view.columnWidth(column) >= view.fontMetrics().horizontalAdvance(text)
    assert page.volunteers_chart.series[1][0] == "Joined"
    assert page.volunteers_chart.series[2][0] == "Left"


def test_the_report_language_follows_the_screen_until_chosen(
    qtbot: QtBot, db: Database, county: None
) -> None:
    page = make_page(qtbot, db)
    assert page.language.currentData() == "en"
    set_language("cy")
    announce_language_change()
    assert page.language.currentData() == "cy"
    assert page.language.currentText() == "Cymraeg"
    set_language("en")
    announce_language_change()
    assert page.language.currentData() == "en"
    page.language.setCurrentIndex(page.language.findData("both"))
    set_language("cy")
    announce_language_change()
    assert page.language.currentData() == "both"  # the coordinator's choice stays
    welsh_page = make_page(qtbot, db)
    assert welsh_page.language.currentData() == "cy"


def test_acknowledged_overlap_alerts_still_count_dismissed_ones_do_not(
    qtbot: QtBot, db: Database, county: None
) -> None:
    alerts = AlertService(db, actor="tester")
    [alert] = alerts.list(AlertKind.COVERAGE_OVERLAP)
    alerts.acknowledge(alert.id)
    page = make_page(qtbot, db)
    assert page.grid_summary.text().endswith("; 1 open overlap alert.")
    tip = page.model.data(index_of(page, "SA61", "food_parcels"), Qt.ItemDataRole.ToolTipRole)
    assert "1 open overlap alert" in tip
    click(qtbot, page, index_of(page, "SA61", "food_parcels"))
    assert page.alerts.item(0).text().startswith(f"Alert {alert.id} (Acknowledged): ")
    alerts.dismiss(alert.id, "They split the streets between them")
    page.refresh()
    assert page.grid_summary.text().endswith("; 0 open overlap alerts.")
    assert page.alerts.item(0).text() == "No open overlap alert about these groups here."
