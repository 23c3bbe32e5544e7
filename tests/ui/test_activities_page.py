"""The Activities page's roster through its widgets: a group's week of shifts, assigning a
suggested volunteer (asking first when they have problems), the roster and sign-in sheet as
PDF files read back with pypdf, and the roster PDF's own pages sent to a (PDF) printer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import weekly
from cvcdesk.domain.volunteer import AwayPeriod, Membership, VolunteerRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.main_window import announce_language_change
from cvcdesk.ui.pages.activities import ActivitiesPage
from cvcdesk.ui.roster_dialogs import AssignVolunteerDialog
from cvcdesk.ui.roster_print import PdfPages

MONDAY = dt.date(2025, 3, 3)
TUE, THU = 1, 3
MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]


@pytest.fixture
def group(make_organisation: MakeOrganisation) -> OrganisationRecord:
    return make_organisation(name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr")


@pytest.fixture
def activity(db: Database, group: OrganisationRecord) -> str:
    """Food run on Tuesdays and Thursdays, 10:00 to 12:00, two volunteers wanted."""
    data = ActivityData(
        group_uuid=group.uuid,
        title_en="Food run",
        title_cy="Rhediad bwyd",
        postcode="SA61 1AB",
        recurrence=weekly(TUE, THU),
        start_date=MONDAY,
        start_time=dt.time(10),
        end_time=dt.time(12),
        volunteers_needed=2,
    )
    return ActivityService(db, actor="tester").create(data, today=MONDAY).activity.uuid


@pytest.fixture
def member(make_volunteer: MakeVolunteer, group: OrganisationRecord) -> VolunteerRecord:
    return make_volunteer(
        first_name="Gwenllian", last_name="Ŵyn", memberships=(Membership(group.uuid),)
    )


@pytest.fixture
def away_member(make_volunteer: MakeVolunteer, group: OrganisationRecord) -> VolunteerRecord:
    return make_volunteer(
        first_name="Huw",
        last_name="Pŷr",
        memberships=(Membership(group.uuid),),
        away=(AwayPeriod(MONDAY, MONDAY + dt.timedelta(days=6), "holiday"),),
    )


def make_page(qtbot: QtBot, db: Database, group: OrganisationRecord) -> ActivitiesPage:
    page = ActivitiesPage(Services.over(db, actor="tester"))
    qtbot.addWidget(page)
    page.resize(1150, 700)
    page.show()
    assert page.select_group(group.uuid)
    page.set_week(MONDAY + dt.timedelta(days=2))  # any day of the week shows the whole week
    return page


def assign_dialog(qtbot: QtBot, page: ActivitiesPage, row: int = 0) -> AssignVolunteerDialog:
    page.roster.selectRow(row)
    assert page.assign_button.isEnabled()
    dialog = page.make_assign_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def answer_problems(button_name: str) -> list[str]:
    """Press `button_name` in the "Book despite problems?" box when it opens; returns what it
    said, once it has been answered."""
    asked: list[str] = []
    tries = iter(range(500))

    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if (
                isinstance(widget, QMessageBox)
                and widget.objectName() == "confirm_problems"
                and widget.isVisible()
            ):
                asked.append(widget.informativeText())
                for button in widget.buttons():
                    if button.accessibleName() == button_name:
                        button.click()
                        return
        if next(tries, None) is not None:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    return asked


def cell(page: ActivitiesPage, row: int, column: int) -> str:
    item = page.roster.item(row, column)
    assert item is not None
    return item.text()


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_week_shows_the_generated_shifts(
    qtbot: QtBot, db: Database, group: OrganisationRecord, activity: str
) -> None:
    page = make_page(qtbot, db, group)
    assert page.week_start() == MONDAY
    shifts = page.shown_shifts()
    assert [s.starts_at for s in shifts] == [
        dt.datetime(2025, 3, 4, 10),
        dt.datetime(2025, 3, 6, 10),
    ]
    assert page.roster.rowCount() == 2
    assert cell(page, 0, 2) == "Food run"
    assert cell(page, 0, 4) == "0 of 2"
    assert "2 more volunteers needed" in cell(page, 0, 5)
    assert "Llanŵyr Food Bank" in page.roster_heading.text()
    assert "2 shifts this week" in page.roster_summary.text()
    page.next_week.click()
    assert page.week_start() == MONDAY + dt.timedelta(days=7)
    assert [s.starts_at.date() for s in page.shown_shifts()] == [
        dt.date(2025, 3, 11),
        dt.date(2025, 3, 13),
    ]
    page.previous_week.click()
    assert page.week_start() == MONDAY
    # With no group chosen there is no roster to print or book on.
    page.group.setCurrentIndex(0)
    assert page.roster.rowCount() == 0
    assert not page.print_button.isEnabled() and not page.save_button.isEnabled()
    assert not page.assign_button.isEnabled()
    assert page.print_roster() == 0


def test_assigning_a_suggested_volunteer_shows_them_on_the_roster(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    member: VolunteerRecord,
) -> None:
    page = make_page(qtbot, db, group)
    dialog = assign_dialog(qtbot, page)
    names = [s.name for s in dialog.suggestions]
    assert "Gwenllian Ŵyn" in names
    assert dialog.select_volunteer(member.uuid)
    details = dialog.details.toPlainText()
    assert "A member of the group." in details
    assert "No problems found." in details
    with qtbot.waitSignal(dialog.accepted):
        dialog.book_button.click()
    assert page.roster_names() == [["Gwenllian Ŵyn"], []]
    assert cell(page, 0, 3) == "Gwenllian Ŵyn"
    assert cell(page, 0, 4) == "1 of 2"
    # The same booking can be made for the whole pattern from the chosen shift on.
    page.roster.selectRow(1)
    dialog = assign_dialog(qtbot, page, row=1)
    assert dialog.select_volunteer(member.uuid)
    dialog.whole_pattern.setChecked(True)
    with qtbot.waitSignal(dialog.accepted):
        dialog.book_button.click()
    assert page.roster_names() == [["Gwenllian Ŵyn"], ["Gwenllian Ŵyn"]]
    page.next_week.click()
    assert page.roster_names() == [["Gwenllian Ŵyn"], ["Gwenllian Ŵyn"]]


def test_a_problem_assignment_asks_before_saving(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    member: VolunteerRecord,
    away_member: VolunteerRecord,
) -> None:
    page = make_page(qtbot, db, group)
    dialog = assign_dialog(qtbot, page)
    # Someone with a serious problem is suggested last, with the problem shown.
    assert [s.volunteer_uuid for s in dialog.suggestions][-1] == away_member.uuid
    assert dialog.select_volunteer(away_member.uuid)
    assert "holiday" in dialog.details.toPlainText()

    asked = answer_problems("Do not book")
    dialog.book_button.click()
    assert asked and "away" in asked[0] and "holiday" in asked[0]
    assert dialog.isVisible() and dialog.booked is None
    page.refresh_roster()
    assert page.roster_names() == [[], []]

    asked = answer_problems("Book anyway")
    with qtbot.waitSignal(dialog.accepted):
        dialog.book_button.click()
    assert asked
    assert page.roster_names() == [["Huw Pŷr"], []]


def test_save_as_pdf_writes_the_roster_and_the_sign_in_sheet(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    member: VolunteerRecord,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, db, group)
    dialog = assign_dialog(qtbot, page)
    assert dialog.select_volunteer(member.uuid)
    with qtbot.waitSignal(dialog.accepted):
        dialog.book_button.click()

    written = page.save_roster_pdf(tmp_path / "roster")
    assert written == tmp_path / "roster.pdf"
    pages, text = pdf_text(written)
    assert pages == 1
    assert "Gwenllian Ŵyn" in text
    assert "Llanŵyr Food Bank" in text

    page.language.setCurrentIndex(page.language.findData("both"))
    page.large_print.setChecked(True)
    written = page.save_roster_pdf(tmp_path / "bilingual.pdf")
    assert written is not None
    _pages, text = pdf_text(written)
    assert "Gwenllian Ŵyn" in text and "Banc Bwyd Llanŵyr" in text

    page.roster.selectRow(0)
    sheet = page.save_signin_pdf(tmp_path / "sign-in.pdf")
    assert sheet is not None
    _pages, text = pdf_text(sheet)
    assert "Gwenllian Ŵyn" in text and "Food run" in text


def grey_page(data: bytes, dpi: float = 30) -> QImage:
    """The first page of a PDF as a grey picture."""
    pages = PdfPages(data)
    try:
        return pages.image(0, dpi).convertToFormat(QImage.Format.Format_Grayscale8)
    finally:
        pages.close()


def mean_difference(one: QImage, other: QImage) -> float:
    """How far apart two grey pictures of (nearly) the same size are, 0 to 255 a pixel."""
    width, height = min(one.width(), other.width()), min(one.height(), other.height())
    total = 0
    for y in range(height):
        a, b = bytes(one.constScanLine(y))[:width], bytes(other.constScanLine(y))[:width]
        total += sum(abs(p - q) for p, q in zip(a, b, strict=True))
    return total / (width * height)


def test_printing_puts_the_roster_pdf_on_paper(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    member: VolunteerRecord,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, db, group)
    dialog = assign_dialog(qtbot, page)
    assert dialog.select_volunteer(member.uuid)
    with qtbot.waitSignal(dialog.accepted):
        dialog.book_button.click()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)
    assert page.print_roster(printer) == 1
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == 1
    # The sheet shows the very page "Save as PDF" writes: same paper, same picture.
    saved = page.save_roster_pdf(tmp_path / "saved.pdf")
    assert saved is not None
    printed = grey_page((tmp_path / "printed.pdf").read_bytes())
    wanted = grey_page(saved.read_bytes())
    assert abs(printed.width() - wanted.width()) <= 1
    assert abs(printed.height() - wanted.height()) <= 1
    assert mean_difference(printed, wanted) < 4
    blank = QImage(printed.size(), QImage.Format.Format_Grayscale8)
    blank.fill(255)
    assert mean_difference(printed, blank) > 4  # and there is ink on the page


def test_texts_follow_the_language(
    qtbot: QtBot, db: Database, group: OrganisationRecord, activity: str
) -> None:
    page = make_page(qtbot, db, group)
    assert page.assign_button.accessibleName()
    assert page.week.accessibleName() == "Week"
    set_language("cy")
    announce_language_change()
    assert cell(page, 0, 2) == "Rhediad bwyd"
    assert page.chosen_group() == group.uuid
    assert page.week_start() == MONDAY
