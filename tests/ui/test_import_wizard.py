"""The import wizard, driven page by page offscreen and checked through the services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.import_wizard import ImportWizard

CSV_TEXT = (
    "Enw cyntaf,Cyfenw,Rhif ffôn,Cod post\n"
    "Siân,Llŷr,07712 345678,SA61 1AB\n"
    "Gwenllïan,Ŵyn,07712 345679,NOT A POSTCODE\n"
    "Dafydd,ap Gwilym,07712 345670,LL57 2DG\n"
)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.over(db, actor="tester")


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "gwirfoddolwyr.csv"
    path.write_text(CSV_TEXT, encoding="utf-8-sig")
    return path


def open_wizard(qtbot: QtBot, services: Services) -> ImportWizard:
    wizard = ImportWizard(services, kind="volunteers")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def answer_next_message(seen: list[str]) -> None:
    """Note and close the next message box (it is modal, so from a timer)."""

    def close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, close)

    QTimer.singleShot(0, close)


def table_rows(table: QTableWidget) -> list[list[str]]:
    rows = []
    for r in range(table.rowCount()):
        items = [table.item(r, c) for c in range(table.columnCount())]
        rows.append([item.text() if item is not None else "" for item in items])
    return rows


def test_import_through_every_page(qtbot: QtBot, services: Services, csv_file: Path) -> None:
    wizard = open_wizard(qtbot, services)
    assert not wizard.file_page.isComplete()
    assert wizard.set_file(csv_file)
    assert wizard.file_page.isComplete()
    assert wizard.file_page.path_edit.text() == str(csv_file)
    assert "Enw cyntaf" in wizard.file_page.details.text()

    wizard.next()
    assert wizard.currentId() == ImportWizard.MAPPING
    mapping = wizard.mapping_page.mapping()
    assert mapping["Enw cyntaf"] == "first_name"
    assert mapping["Cyfenw"] == "last_name"
    assert mapping["Cod post"] == "postcode"
    assert mapping["Rhif ffôn"] == "phone"
    assert wizard.mapping_page.combo("Enw cyntaf").currentText() == "First name"
    assert "guessed" in wizard.mapping_page.note.text()

    wizard.next()  # runs the preview
    assert wizard.currentId() == ImportWizard.PREVIEW
    assert wizard.preview is not None and wizard.preview.rows_read == 3
    problems = table_rows(wizard.preview_page.problems)
    assert len(problems) == 1
    row, column, value, message = problems[0]
    assert (row, column, value) == ("3", "Cod post", "NOT A POSTCODE")
    assert "postcode" in message.casefold()
    assert "2 can be imported" in wizard.preview_page.summary.text()
    assert services.volunteers.count() == 0  # the preview writes nothing

    written: list[int] = []
    wizard.imported.connect(written.append)
    wizard.next()  # imports
    assert wizard.currentId() == ImportWizard.RESULT
    assert services.volunteers.count() == 2
    assert written == [2]
    assert "2 new records imported" in wizard.result_page.summary.text()
    skipped = table_rows(wizard.result_page.skipped)
    assert skipped[0][0] == "3" and "NOT A POSTCODE" in skipped[0][1]
    assert csv_file.read_text(encoding="utf-8-sig") == CSV_TEXT  # never modified

    # The mapping is remembered for the next file with the same columns.
    second = open_wizard(qtbot, services)
    second.set_file(csv_file)
    second.next()
    assert second.mapping_page.remembered
    assert "last time" in second.mapping_page.note.text()


def test_a_changed_mapping_is_used(qtbot: QtBot, services: Services, csv_file: Path) -> None:
    wizard = open_wizard(qtbot, services)
    wizard.set_file(csv_file)
    wizard.next()
    wizard.mapping_page.set_field("Cod post", "")  # leave the postcodes out
    wizard.next()
    assert wizard.preview is not None and wizard.preview.rows_ok == 3
    assert "Cod post" in wizard.preview_page.summary.text()
    wizard.next()
    assert services.volunteers.count() == 3


def test_likely_duplicates_can_be_skipped_or_merged(
    qtbot: QtBot,
    services: Services,
    csv_file: Path,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    held = make_volunteer(first_name="Siân", last_name="Llŷr", phone="07712 345678")
    make_volunteer(first_name="Dafydd", last_name="ap Gwilym", phone="07712 345670")
    wizard = open_wizard(qtbot, services)
    wizard.set_file(csv_file)
    wizard.next()
    wizard.next()
    page = wizard.preview_page
    duplicates = table_rows(page.duplicates)
    assert [row[0] for row in duplicates] == ["2", "4"]
    assert "Siân Llŷr" in duplicates[0][1]
    siân = page.decision_combo(2)
    assert siân.currentData() == "accept"
    siân.setCurrentIndex(siân.findData(held.uuid))
    dafydd = page.decision_combo(4)
    dafydd.setCurrentIndex(dafydd.findData("skip"))
    assert set(page.decisions()) == {2, 4}
    wizard.next()
    assert services.volunteers.count() == 2  # one merged, one skipped, the bad row skipped
    assert wizard.outcome is not None
    assert (wizard.outcome.imported, wizard.outcome.merged) == (0, 1)


def test_a_junk_file_is_refused_with_a_message(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    junk = tmp_path / "volunteers.xlsx"
    junk.write_bytes(bytes(range(256)) * 20)
    wizard = open_wizard(qtbot, services)
    seen: list[str] = []
    answer_next_message(seen)
    assert wizard.set_file(junk) is False
    assert seen and "volunteers.xlsx" in seen[0]
    assert "Traceback" not in seen[0]
    assert not wizard.file_page.isComplete()
    assert wizard.currentId() == ImportWizard.FILE
    assert services.volunteers.count() == 0
    assert junk.read_bytes() == bytes(range(256)) * 20


def test_a_workbook_sheet_can_be_chosen(qtbot: QtBot, services: Services, tmp_path: Path) -> None:
    path = tmp_path / "grwpiau.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Nodiadau"
    notes.append(["Nodyn", "Dyddiad"])
    notes.append(["Dim byd", "heddiw"])
    people = book.create_sheet("Gwirfoddolwyr")
    people.append(["First name", "Surname", "Post code"])
    people.append(["Rhodri", "Morgan", "CF10 1AA"])
    book.save(path)

    wizard = open_wizard(qtbot, services)
    assert wizard.set_file(path)
    combo = wizard.file_page.sheet_combo
    assert combo.isEnabled() and combo.count() == 2
    combo.setCurrentIndex(combo.findData("Gwirfoddolwyr"))
    assert wizard.info is not None and wizard.info.sheet_name == "Gwirfoddolwyr"
    wizard.next()
    assert wizard.mapping_page.mapping()["First name"] == "first_name"
    wizard.next()
    wizard.next()
    assert services.volunteers.count() == 1


def test_controls_are_named_and_retranslate(
    qtbot: QtBot, services: Services, csv_file: Path
) -> None:
    wizard = open_wizard(qtbot, services)
    wizard.set_file(csv_file)
    wizard.next()
    wizard.next()
    english = wizard.preview_page.title()
    for page in (wizard.file_page, wizard.mapping_page, wizard.preview_page):
        for kind in (QAbstractButton, QComboBox, QLineEdit, QTableWidget):
            for widget in page.findChildren(kind):
                assert isinstance(widget, QWidget)
                if not widget.objectName().startswith("qt_"):  # Qt's own corner button
                    assert widget.accessibleName(), widget.objectName()
    for which in (ImportWizard.WizardButton.NextButton, ImportWizard.WizardButton.CommitButton):
        assert "&" in wizard.buttonText(which) and wizard.button(which).accessibleName()
    set_language("cy")
    wizard.retranslate_ui()
    assert wizard.preview_page.title()
    assert wizard.mapping_page.mapping()["Enw cyntaf"] == "first_name"  # choices kept
    set_language("en")
    wizard.retranslate_ui()
    assert wizard.preview_page.title() == english
