"""Edit ▸ Communities and wards… through the dialog's own widgets, on a real database file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from cvcdesk.domain.figures import GridGrouping
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.communities import CommunityData
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.communities_dialog import CommunitiesDialog, CommunityForm
from cvcdesk.ui.main_window import MainWindow, announce_language_change
from cvcdesk.ui.pages.coverage import CoveragePage

W = TypeVar("W", bound=QWidget)
MakeOrganisation = Callable[..., OrganisationRecord]


def on_modal(kind: type[W], action: Callable[[W], None], tries: int = 500) -> None:
    """Run `action` on the next modal `kind` (it blocks in exec(), so from a timer). Whatever
    happens, the dialog is closed so a failing test cannot hang."""

    def poll(left: int) -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind):
            try:
                action(widget)
            finally:
                if widget.isVisible():
                    widget.close()
        elif left:
            QTimer.singleShot(20, lambda: poll(left - 1))

    QTimer.singleShot(0, lambda: poll(tries))


@pytest.fixture
def services(db: Database) -> Services:
    return Services.over(db, actor="tester")


@pytest.fixture
def dialog(qtbot: QtBot, services: Services) -> Iterator[CommunitiesDialog]:
    shown = CommunitiesDialog(services)
    qtbot.addWidget(shown)
    shown.show()
    yield shown


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type like a keyboard would, including Welsh letters QTest cannot send (ŵ, ŷ)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def fill(qtbot: QtBot, form: CommunityForm, **typed: str) -> None:
    for name, text in typed.items():
        edit = getattr(form, name)
        edit.clear()
        type_text(qtbot, edit, text)


def save_button(form: CommunityForm) -> QWidget:
    return form.buttons.button(QDialogButtonBox.StandardButton.Save)


def add_through_the_form(qtbot: QtBot, dialog: CommunitiesDialog, **typed: str) -> list[str]:
    """Click Add…, type into the form and press Save; what the form said, if it refused."""
    said: list[str] = []

    def type_and_save(form: CommunityForm) -> None:
        fill(qtbot, form, **typed)
        said.extend(m for name in ("code", "name_en", "name_cy", "postcodes")
                    for m in form.message(name).messages())  # fmt: skip
        qtbot.mouseClick(save_button(form), Qt.MouseButton.LeftButton)

    on_modal(CommunityForm, type_and_save)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    return said


def test_a_community_added_in_the_form_is_listed(
    qtbot: QtBot, dialog: CommunitiesDialog, services: Services
) -> None:
    assert dialog.rows() == []
    assert dialog.empty.isVisibleTo(dialog)
    assert not dialog.edit_button.isEnabled() and not dialog.remove_button.isEnabled()
    said = add_through_the_form(
        qtbot, dialog, code="pen-llyn", name_en="Llŷn Peninsula", name_cy="Pen Llŷn",
        postcodes="LL53 6, ll537,LL53 8",
    )  # fmt: skip
    assert said == []
    assert dialog.rows() == [
        ["PEN-LLYN", "Llŷn Peninsula", "Pen Llŷn", "LL53 6, LL53 7, LL53 8", "0"]
    ]
    assert dialog.changed
    assert not dialog.empty.isVisibleTo(dialog)
    assert dialog.selected() is not None and dialog.selected().code == "PEN-LLYN"
    assert [r.name_cy for r in services.communities.list()] == ["Pen Llŷn"]


def test_a_bad_postcode_is_shown_beside_the_field_and_nothing_is_saved(
    qtbot: QtBot, dialog: CommunitiesDialog, services: Services
) -> None:
    form = dialog.open_form()
    qtbot.addWidget(form)
    form.show()
    # A new form does not scold fields not yet typed in, but Save waits for them.
    assert all(form.message(name).isHidden() for name in ("code", "name_en", "postcodes"))
    assert not save_button(form).isEnabled()
    fill(qtbot, form, code="TYDDEWI", name_en="St Davids", name_cy="Tyddewi")
    fill(qtbot, form, postcodes="SA62 6, SA62 Q, XX")
    message = form.message("postcodes")
    assert not message.isHidden()
    assert "“SA62 Q”" in message.text() and "“XX”" in message.text()
    assert "SA61 1" in message.text()  # says what is accepted
    assert not save_button(form).isEnabled()
    # Save cannot be forced either (Enter in a field): nothing is written.
    form.save()
    assert form.isVisible() and form.saved is None
    assert services.communities.list() == []
    # Putting it right clears the message and Save can be pressed.
    fill(qtbot, form, postcodes="SA62 6")
    assert message.isHidden() and save_button(form).isEnabled()
    form.reject()
    assert services.communities.list() == [] and dialog.rows() == []


def test_a_code_that_looks_like_a_postcode_or_is_taken_is_refused_as_typed(
    qtbot: QtBot, dialog: CommunitiesDialog, services: Services
) -> None:
    services.communities.create(
        CommunityData("HWLFFORDD", "Haverfordwest", "Hwlffordd", ("SA61 1",))
    )
    dialog.reload()
    said = add_through_the_form(
        qtbot, dialog, code="SA61", name_en="Prendergast", postcodes="SA61 2"
    )
    assert any("looks like a postcode area" in m for m in said)
    said = add_through_the_form(
        qtbot, dialog, code="hwlffordd", name_en="Haverfordwest", postcodes="SA61 2"
    )
    assert any("already the code of Haverfordwest" in m for m in said)
    assert any("already used by the community HWLFFORDD" in m for m in said)
    assert [r.code for r in services.communities.list()] == ["HWLFFORDD"]
    assert len(dialog.rows()) == 1


def test_changing_a_community_keeps_its_code(
    qtbot: QtBot, dialog: CommunitiesDialog, services: Services
) -> None:
    services.communities.create(CommunityData("HWLFFORDD", "Haverfordwest", "", ("SA61 1",)))
    dialog.reload()
    dialog.select("HWLFFORDD")

    def change(form: CommunityForm) -> None:
        assert form.code.isReadOnly() and form.code.text() == "HWLFFORDD"
        assert form.postcodes.text() == "SA61 1"
        fill(qtbot, form, name_cy="Hwlffordd", postcodes="SA61 1, SA61 2")
        qtbot.mouseClick(save_button(form), Qt.MouseButton.LeftButton)

    on_modal(CommunityForm, change)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    assert dialog.rows() == [["HWLFFORDD", "Haverfordwest", "Hwlffordd", "SA61 1, SA61 2", "0"]]


def test_removing_asks_first_saying_how_many_records_use_it(
    qtbot: QtBot,
    dialog: CommunitiesDialog,
    services: Services,
    make_organisation: MakeOrganisation,
) -> None:
    services.communities.create(
        CommunityData("HWLFFORDD", "Haverfordwest", "Hwlffordd", ("SA61 1",))
    )
    services.communities.create(CommunityData("TYDDEWI", "St Davids", "Tyddewi", ("SA62 6",)))
    make_organisation(coverage=(CoverageData("shopping", "HWLFFORDD"),))
    dialog.reload()
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> Callable[[QMessageBox], None]:
        def click(box: QMessageBox) -> None:
            asked.append(box.text())
            box.button(button).click()

        return click

    dialog.select("HWLFFORDD")
    on_modal(QMessageBox, answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "is the area of 1 record (coverage lines: 1; activities: 0)" in asked[-1]
    assert [row[0] for row in dialog.rows()] == ["HWLFFORDD", "TYDDEWI"]

    on_modal(QMessageBox, answer(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert [row[0] for row in dialog.rows()] == ["TYDDEWI"]
    assert [r.code for r in services.communities.list()] == ["TYDDEWI"]

    dialog.select("TYDDEWI")
    on_modal(QMessageBox, answer(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "No coverage line or activity names it" in asked[-1]
    assert dialog.rows() == [] and services.communities.list() == []


def test_the_dialog_follows_a_language_change(
    qtbot: QtBot, dialog: CommunitiesDialog, services: Services
) -> None:
    services.communities.create(
        CommunityData("PEN-LLYN", "Llŷn Peninsula", "Pen Llŷn", ("LL53 6",))
    )
    dialog.reload()
    assert dialog.windowTitle() == "Communities and wards"
    set_language("cy")
    announce_language_change()
    assert dialog.windowTitle() == "Cymunedau a wardiau"
    assert dialog.rows()[0][:3] == ["PEN-LLYN", "Llŷn Peninsula", "Pen Llŷn"]
    set_language("en")
    announce_language_change()


def test_a_community_added_from_the_menu_shows_on_the_coverage_page(
    qtbot: QtBot, db: Database, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Haverfordwest Food Bank", coverage=(CoverageData("food_parcels", "SA61"),)
    )
    window = MainWindow(Services.over(db, actor="tester"))
    qtbot.addWidget(window)
    window.show()
    window.show_page("coverage")
    page = window.page("coverage")
    assert isinstance(page, CoveragePage)
    page.grouping.setCurrentIndex(page.grouping.findData(GridGrouping.COMMUNITY.value))
    assert "No communities or wards are recorded yet" in page.grid_summary.text()
    action = window.communities_action
    assert action in window.edit_menu.actions()
    assert action.text() == "Communities and &wards…"

    def add_one(shown: CommunitiesDialog) -> None:
        add_through_the_form(
            qtbot, shown, code="HWLFFORDD", name_en="Haverfordwest", name_cy="Hwlffordd",
            postcodes="SA61 1, SA61 2",
        )  # fmt: skip
        assert [row[0] for row in shown.rows()] == ["HWLFFORDD"]
        shown.accept()

    on_modal(CommunitiesDialog, add_one)
    action.trigger()
    # The page read the grid again: the community is a row, with the district's food bank.
    assert page.model.row_of("HWLFFORDD") is not None
    grid = page.model.grid
    assert grid is not None
    cell = grid.cell("HWLFFORDD", "food_parcels")
    assert cell is not None and cell.groups == 1
    assert "No communities" not in page.grid_summary.text()
    assert page.area.findData("HWLFFORDD") >= 0  # and it can be picked as the area
