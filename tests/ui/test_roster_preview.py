"""The printed papers from the Activities page through its widgets: a volunteer's schedule
(found with the search box), a roster for an area, and the preview of the PDF's real pages
(page N of M, zoom, print, save), with every saved PDF read back with pypdf."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import weekly
from cvcdesk.domain.volunteer import Membership, VolunteerRecord
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.registry import Services
from cvcdesk.services.rosters import RosterService
from cvcdesk.store.database import Database
from cvcdesk.ui.pages.activities import ActivitiesPage
from cvcdesk.ui.pdf_preview import FIT_WIDTH, PdfPreviewDialog
from cvcdesk.ui.roster_dialogs import MATCHES_SHOWN

MONDAY = dt.date(2025, 3, 3)
TUE, THU = 1, 3
MakeVolunteer = Callable[..., VolunteerRecord]


@pytest.fixture
def group(make_organisation: Callable[..., OrganisationRecord]) -> OrganisationRecord:
    return make_organisation(name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr")


def add_activity(db: Database, group: OrganisationRecord, **changes: object) -> str:
    fields: dict[str, object] = {
        "group_uuid": group.uuid,
        "title_en": "Food run",
        "title_cy": "Rhediad bwyd",
        "postcode": "SA61 1AB",
        "recurrence": weekly(TUE, THU),
        "start_date": MONDAY,
        "start_time": dt.time(10),
        "end_time": dt.time(12),
        "volunteers_needed": 2,
        **changes,
    }
    data = ActivityData(**fields)  # type: ignore[arg-type]
    return ActivityService(db, actor="tester").create(data, today=MONDAY).activity.uuid


@pytest.fixture
def activity(db: Database, group: OrganisationRecord) -> str:
    return add_activity(db, group)


@pytest.fixture
def dafydd(make_volunteer: MakeVolunteer, group: OrganisationRecord) -> VolunteerRecord:
    return make_volunteer(
        first_name="Dafydd",
        last_name="Llŷr",
        reference="V-0042",
        memberships=(Membership(group.uuid),),
    )


@pytest.fixture
def gwenllian(make_volunteer: MakeVolunteer, group: OrganisationRecord) -> VolunteerRecord:
    return make_volunteer(
        first_name="Gwenllian", last_name="Ŵyn", memberships=(Membership(group.uuid),)
    )


def make_page(qtbot: QtBot, db: Database, group: OrganisationRecord) -> ActivitiesPage:
    page = ActivitiesPage(Services.over(db, actor="tester"))
    qtbot.addWidget(page)
    page.resize(1150, 760)
    page.show()
    assert page.select_group(group.uuid)
    page.set_week(MONDAY)
    return page


def book_fortnight(db: Database, page: ActivitiesPage, *volunteers: VolunteerRecord) -> None:
    """Book the volunteers on every shift of this week and the next."""
    rosters = RosterService(db, actor="tester")
    for _week in range(2):
        for shift in page.shown_shifts():
            for volunteer in volunteers:
                rosters.assign(shift.uuid, volunteer.uuid)
        page.next_week.click()
    page.set_week(MONDAY)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


class Viewer(QObject):
    """Stands in for the system's PDF viewer."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def wait_for_preview(qtbot: QtBot, page: ActivitiesPage) -> PdfPreviewDialog:
    qtbot.waitUntil(lambda: page.preview is not None and page.preview.isVisible())
    preview = page.preview
    assert preview is not None
    qtbot.waitUntil(lambda: bool(preview.drawn_pages()))
    return preview


def ink(image: QImage) -> int:
    """How many of a picture's sampled pixels are dark (text, lines)."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return sum(
        1
        for y in range(0, grey.height(), 3)
        for value in bytes(grey.constScanLine(y))[: grey.width() : 3]
        if value < 128
    )


def test_a_volunteers_schedule_is_found_by_name_previewed_and_saved(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    dafydd: VolunteerRecord,
    gwenllian: VolunteerRecord,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, db, group)
    book_fortnight(db, page, dafydd, gwenllian)
    page.schedule_button.click()
    dialog = page.schedule_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.preview_button.isEnabled() or dialog.chosen_volunteer() is not None
    dialog.search.setText("Llŷr")  # as typed: the list follows after a short pause
    qtbot.waitUntil(lambda: [r.uuid for r in dialog.matches] == [dafydd.uuid])
    item = dialog.results.item(0)
    assert item is not None and item.text().startswith("Dafydd Llŷr (V-0042")
    assert dialog.chosen_volunteer() == dafydd.uuid
    assert dialog.search.accessibleName() == "Find a volunteer (name or reference)"
    dialog.set_period(MONDAY, MONDAY + dt.timedelta(days=13))
    dialog.preview_button.click()
    preview = wait_for_preview(qtbot, page)
    assert preview.page_count_value() == 1
    assert "Page 1 of 1" in preview.windowTitle()
    assert "Dafydd Llŷr" in preview.windowTitle()

    saved = preview.save_pdf(tmp_path / "schedule")
    assert saved == tmp_path / "schedule.pdf"
    pages, text = pdf_text(saved)
    assert pages == 1
    assert "Volunteering schedule: Dafydd Llŷr" in text
    for day in ("4 March 2025", "6 March 2025", "11 March 2025", "13 March 2025"):
        assert day in text, day
    assert "Food run" in text
    assert "Gwenllian" not in text  # only their own shifts
    assert "Sent" not in preview.status.text() and "Saved 1 page" in preview.status.text()

    # "Open in PDF viewer" hands the system a temporary copy of the same PDF.
    viewer = Viewer()
    QDesktopServices.setUrlHandler("file", viewer, "open")
    try:
        opened = preview.open_in_viewer()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened is not None and opened.name.startswith("schedule-dafydd-ll")
    assert viewer.urls == [QUrl.fromLocalFile(str(opened))]
    assert opened.read_bytes() == saved.read_bytes()
    shutil.rmtree(opened.parent)  # the program removes it when it ends
    assert preview.status.text() == "Opened in the PDF viewer."
    preview.close()
    qtbot.waitUntil(lambda: page.preview is None)


def test_the_volunteer_search_shows_one_page_of_matches(
    qtbot: QtBot, db: Database, group: OrganisationRecord, make_volunteer: MakeVolunteer
) -> None:
    for number in range(MATCHES_SHOWN + 5):
        make_volunteer(first_name=f"Person{number:02d}", last_name="Pritchard")
    page = make_page(qtbot, db, group)
    dialog = page.print_schedule()
    qtbot.addWidget(dialog)
    matches = dialog.find("Pritchard")
    assert len(matches) == MATCHES_SHOWN == dialog.results.count()
    assert f"first {MATCHES_SHOWN} of {MATCHES_SHOWN + 5}" in dialog.result_note.text()
    assert dialog.find("Person07 Pritchard")[0].first_name == "Person07"
    assert dialog.find("nobody-has-this-name") == []
    assert not dialog.preview_button.isEnabled()
    assert "Nobody matches" in dialog.result_note.text()
    dialog.reject()


def test_the_preview_shows_every_page_of_a_long_roster(
    qtbot: QtBot, db: Database, group: OrganisationRecord, tmp_path: Path
) -> None:
    add_activity(db, group, recurrence=weekly(0, 1, 2, 3, 4, 5, 6), volunteers_needed=40)
    page = make_page(qtbot, db, group)
    page.preview_button.click()
    preview = wait_for_preview(qtbot, page)
    saved = preview.save_pdf(tmp_path / "roster.pdf")
    assert saved is not None
    pages, text = pdf_text(saved)
    assert pages > 3
    assert "Volunteer needed" in text
    assert preview.page_count_value() == pages == preview.page.maximum()
    assert preview.page_count.text() == f"of {pages}"
    assert preview.current_page() == 1 and not preview.previous_page.isEnabled()
    # Pages are drawn as they come into view, not all at once.
    assert 1 in preview.drawn_pages() and pages not in preview.drawn_pages()
    first = preview.page_image(1)
    assert not first.isNull() and ink(first.toImage()) > 50

    preview.next_page.click()
    assert preview.current_page() == 2
    assert f"Page 2 of {pages}" in preview.windowTitle()
    preview.page.setValue(pages)
    qtbot.waitUntil(lambda: pages in preview.drawn_pages())
    assert not preview.next_page.isEnabled()

    preview.set_zoom(1.0)
    width = preview.sheet.width()
    preview.zoom_in.click()
    assert preview.zoom_factor() == 1.25 and preview.sheet.width() > width
    preview.zoom_out.click()
    preview.zoom_out.click()
    assert preview.zoom_factor() == 0.75 and preview.sheet.width() < width
    preview.set_zoom(FIT_WIDTH)
    assert preview.zoom.currentData() == FIT_WIDTH

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(72)
    assert preview.print_pages(printer) == pages
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == pages
    assert f"Sent {pages} pages" in preview.status.text()


def test_landscape_and_large_print_reach_the_preview_and_the_paper(
    qtbot: QtBot, db: Database, group: OrganisationRecord, activity: str, tmp_path: Path
) -> None:
    page = make_page(qtbot, db, group)
    page.orientation.setCurrentIndex(page.orientation.findData("landscape"))
    preview = page.preview_roster()
    assert preview is not None
    assert preview.pages.is_landscape(0)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "landscape.pdf"))
    printer.setResolution(72)
    assert preview.print_pages(printer) == 1
    box = pypdf.PdfReader(tmp_path / "landscape.pdf").pages[0].mediabox
    assert (round(box.width), round(box.height)) == (842, 595)  # A4 on its side
    page.orientation.setCurrentIndex(page.orientation.findData("portrait"))
    page.large_print.setChecked(True)
    preview = page.preview_roster()
    assert preview is not None
    assert not preview.pages.is_landscape(0)
    preview.close()


def test_a_roster_for_an_area_is_previewed_and_saved(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    dafydd: VolunteerRecord,
    make_organisation: Callable[..., OrganisationRecord],
    tmp_path: Path,
) -> None:
    other = make_organisation(name_en="Hwlffordd Helpers", name_cy="Helpwyr Hwlffordd")
    add_activity(db, other, title_en="Prescriptions", title_cy="Presgripsiynau")
    add_activity(db, other, title_en="Far away", postcode="LL55 1AA")
    page = make_page(qtbot, db, group)
    book_fortnight(db, page, dafydd)
    page.area_button.click()
    dialog = page.area_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.area.accessibleName() == "Area"
    assert not dialog.preview_button.isEnabled()
    dialog.set_area("SA61")
    dialog.week.setDate(dialog.week.date().addDays(0))
    assert dialog.chosen_area() == "SA61" and dialog.week_start() == MONDAY
    dialog.print_options.language.setCurrentIndex(dialog.print_options.language.findData("both"))
    dialog.preview_button.click()
    preview = wait_for_preview(qtbot, page)
    saved = preview.save_pdf(tmp_path / "area.pdf")
    assert saved is not None
    _pages, text = pdf_text(saved)
    for expected in (
        "SA61",
        "Food run",
        "Rhediad bwyd",
        "Prescriptions",
        "Llanŵyr Food Bank",
        "Hwlffordd Helpers",
        "Dafydd Llŷr",
    ):
        assert expected in text, expected
    assert "Far away" not in text


def test_a_sign_in_sheet_is_previewed_from_the_shift(
    qtbot: QtBot,
    db: Database,
    group: OrganisationRecord,
    activity: str,
    dafydd: VolunteerRecord,
    tmp_path: Path,
) -> None:
    page = make_page(qtbot, db, group)
    book_fortnight(db, page, dafydd)
    assert not page.signin_button.isEnabled()
    page.roster.selectRow(1)
    page.signin_button.click()
    preview = wait_for_preview(qtbot, page)
    assert preview.page_count_value() == 1
    assert "Sign-in sheet: Food run, Thu 6 Mar" in preview.windowTitle()
    saved = preview.save_pdf(tmp_path / "sign-in.pdf")
    assert saved is not None
    _pages, text = pdf_text(saved)
    assert "Dafydd Llŷr" in text and "Food run" in text
    preview.close()
