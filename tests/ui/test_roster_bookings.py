"""A booking's status and hours from the roster: the bookings list under the week, its
context menu (also from the keyboard), and the Status and hours dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import AssignmentStatus
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.recurrence import weekly
from cvcdesk.domain.volunteer import Membership, VolunteerRecord
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.registry import Services
from cvcdesk.services.rosters import RosterService
from cvcdesk.store.database import Database
from cvcdesk.ui.pages.activities import ActivitiesPage
from cvcdesk.ui.roster_dialogs import BookingDialog

MONDAY = dt.date(2025, 3, 3)
TUE, THU = 1, 3


@pytest.fixture
def group(make_organisation: Callable[..., OrganisationRecord]) -> OrganisationRecord:
    return make_organisation(name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr")


@pytest.fixture
def activity(db: Database, group: OrganisationRecord) -> str:
    data = ActivityData(
        group_uuid=group.uuid,
        title_en="Food run",
        title_cy="Rhediad bwyd",
        postcode="SA61 1AB",
        recurrence=weekly(TUE, THU),
        start_date=MONDAY,
        start_time=dt.time(10),
        end_time=dt.time(12, 30),
        volunteers_needed=2,
    )
    return ActivityService(db, actor="tester").create(data, today=MONDAY).activity.uuid


@pytest.fixture
def member(
    make_volunteer: Callable[..., VolunteerRecord], group: OrganisationRecord
) -> VolunteerRecord:
    return make_volunteer(
        first_name="Gwenllian", last_name="Ŵyn", memberships=(Membership(group.uuid),)
    )


@pytest.fixture
def page(
    qtbot: QtBot, db: Database, group: OrganisationRecord, activity: str, member: VolunteerRecord
) -> ActivitiesPage:
    """The group's week with Gwenllian booked (confirmed) on Tuesday's food run."""
    page = ActivitiesPage(Services.over(db, actor="tester"))
    qtbot.addWidget(page)
    page.resize(1150, 760)
    page.show()
    assert page.select_group(group.uuid)
    page.set_week(MONDAY)
    tuesday = page.shown_shifts()[0]
    RosterService(db, actor="tester").assign(tuesday.uuid, member.uuid)
    page.refresh_roster()
    return page


def roster_cell(page: ActivitiesPage, row: int, column: int) -> str:
    item = page.roster.item(row, column)
    assert item is not None
    return item.text()


def answer_booking_dialog(
    status: AssignmentStatus, hours: float | None = None
) -> list[BookingDialog]:
    """When the Status and hours dialog opens, choose `status` (and `hours`) and save."""
    seen: list[BookingDialog] = []
    tries = iter(range(500))

    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, BookingDialog) and widget.isVisible():
                seen.append(widget)
                widget.set_status(status)
                if hours is not None:
                    widget.hours.setValue(hours)
                widget.save_button.click()
                return
        if next(tries, None) is not None:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    return seen


def test_choosing_a_shift_lists_its_bookings(page: ActivitiesPage) -> None:
    assert page.booking_table() == []
    assert not page.booking_button.isEnabled()
    page.roster.selectRow(0)
    assert page.booking_table() == [("Gwenllian Ŵyn", "Confirmed", "")]
    assert "1 booking on Food run" in page.bookings_label.text()
    page.bookings.selectRow(0)
    assert page.booking_button.isEnabled()
    assert page.booking_button.accessibleName()
    name = page.bookings.item(0, 0)
    assert name is not None
    assert name.data(Qt.ItemDataRole.AccessibleTextRole) == "Gwenllian Ŵyn: Confirmed"
    page.roster.selectRow(1)
    assert page.booking_table() == []
    assert "Nobody is booked" in page.bookings_label.text()


def test_the_context_menu_marks_a_booking(page: ActivitiesPage, db: Database) -> None:
    page.roster.selectRow(0)
    page.bookings.selectRow(0)
    menu = page.bookings_menu()
    assert menu is not None
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    assert set(actions) >= {
        "status_confirmed",
        "status_tentative",
        "status_declined",
        "status_attended",
        "status_no_show",
        "edit_booking",
    }
    assert actions["status_confirmed"].isChecked()
    actions["status_tentative"].trigger()
    assert page.booking_table() == [("Gwenllian Ŵyn", "Tentative", "")]
    assert roster_cell(page, 0, 3) == "Gwenllian Ŵyn (Tentative)"
    assert roster_cell(page, 0, 4) == "1 of 2"

    # Declined frees the place; the shift's own menu holds each booking's statuses too.
    roster_menu = page.roster_menu()
    assert roster_menu is not None
    submenus = [a.menu() for a in roster_menu.actions() if a.menu() is not None]
    assert [m.title() for m in submenus] == ["Gwenllian Ŵyn: Tentative"]
    declined = next(a for a in submenus[0].actions() if a.objectName() == "status_declined")
    declined.trigger()
    assert page.booking_table() == [("Gwenllian Ŵyn", "Declined", "")]
    assert roster_cell(page, 0, 4) == "0 of 2"
    assert "2 more volunteers needed" in roster_cell(page, 0, 5)

    # Attended from the menu takes the shift's length as the hours given.
    page.bookings.selectRow(0)
    menu = page.bookings_menu()
    assert menu is not None
    next(a for a in menu.actions() if a.objectName() == "status_attended").trigger()
    assert page.booking_table() == [("Gwenllian Ŵyn", "Attended", "2.5")]
    assert roster_cell(page, 0, 3) == "Gwenllian Ŵyn (Attended)"
    [record] = RosterService(db).assignments(page.shown_shifts()[0].uuid)
    assert record.status is AssignmentStatus.ATTENDED and record.hours == 2.5


def test_status_and_hours_from_the_keyboard(
    qtbot: QtBot, page: ActivitiesPage, db: Database, member: VolunteerRecord
) -> None:
    page.roster.setFocus()
    page.roster.selectRow(0)
    page.bookings.setFocus()
    page.bookings.selectRow(0)
    seen = answer_booking_dialog(AssignmentStatus.ATTENDED, hours=1.75)
    qtbot.keyClick(page.bookings, Qt.Key.Key_Return)
    assert seen, "Enter on a booking opens the Status and hours dialog"
    dialog = seen[0]
    assert dialog.status.accessibleName() == "Status"
    assert dialog.hours.accessibleName() == "Hours given"
    assert page.booking_table() == [("Gwenllian Ŵyn", "Attended", "1.75")]
    assert page.current_booking() is not None  # the same booking stays chosen
    hours = RosterService(db).hours(member.uuid, date_from=MONDAY, date_to=MONDAY.replace(day=9))
    assert hours == 1.75

    # Hours belong to attended shifts only: the box is off for the other statuses.
    dialog = page.make_booking_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.hours.isEnabled() and dialog.hours.value() == 1.75
    dialog.set_status(AssignmentStatus.NO_SHOW)
    assert not dialog.hours.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    assert page.booking_table() == [("Gwenllian Ŵyn", "Did not attend", "")]


def test_a_booking_changed_elsewhere_is_not_overwritten(
    qtbot: QtBot, page: ActivitiesPage, db: Database
) -> None:
    page.roster.selectRow(0)
    page.bookings.selectRow(0)
    dialog = page.make_booking_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    record = page.current_booking()
    assert record is not None
    RosterService(db, actor="someone else").set_status(record.uuid, AssignmentStatus.TENTATIVE)
    dialog.set_status(AssignmentStatus.DECLINED)
    refused: list[str] = []

    def close_message() -> None:
        box = QApplication.activeModalWidget()
        if box is not None and box is not dialog:
            refused.append(box.windowTitle())
            box.close()
        else:
            QTimer.singleShot(10, close_message)

    QTimer.singleShot(0, close_message)
    assert dialog.save() is None
    assert refused == ["Booking not changed"]
    page.refresh_roster()
    assert page.booking_table() == [("Gwenllian Ŵyn", "Tentative", "")]


# A real popup menu: the offscreen platform says it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_the_menu_key_opens_the_chosen_bookings_menu(
    qtbot: QtBot, page: ActivitiesPage, db: Database
) -> None:
    page.roster.selectRow(0)
    page.bookings.setFocus()
    page.bookings.selectRow(0)
    chosen: list[str] = []

    def choose_attended() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            chosen.append(menu.objectName())
            for action in menu.actions():
                if action.objectName() == "status_attended":
                    action.trigger()
            menu.close()
        else:
            QTimer.singleShot(10, choose_attended)

    QTimer.singleShot(0, choose_attended)
    # What the window sends the focused list for the menu key or Shift+F10.
    where = page.bookings.visualRect(page.bookings.model().index(0, 0)).center()
    QApplication.sendEvent(
        page.bookings,
        QContextMenuEvent(
            QContextMenuEvent.Reason.Keyboard, where, page.bookings.mapToGlobal(where)
        ),
    )
    assert chosen == ["booking_menu"]
    assert page.booking_table() == [("Gwenllian Ŵyn", "Attended", "2.5")]


def test_taking_a_volunteer_off_a_shift_asks_first(qtbot: QtBot, page: ActivitiesPage) -> None:
    page.roster.selectRow(0)
    page.bookings.selectRow(0)
    menu = page.bookings_menu()
    assert menu is not None
    take_off = next(a for a in menu.actions() if a.objectName() == "unassign")

    def answer(button_name: str) -> list[str]:
        asked: list[str] = []
        tries = iter(range(500))

        def press() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox) and box.objectName() == "confirm_unassign":
                asked.append(box.text())
                for button in box.buttons():
                    if button.accessibleName() == button_name:
                        button.click()
                        return
            if next(tries, None) is not None:
                QTimer.singleShot(10, press)

        QTimer.singleShot(0, press)
        return asked

    asked = answer("Keep the booking")
    take_off.trigger()
    assert asked == ["Take Gwenllian Ŵyn off Food run on Tuesday, 4 March 2025?"]
    assert page.booking_table() == [("Gwenllian Ŵyn", "Confirmed", "")]

    asked = answer("Take off")
    take_off.trigger()
    assert asked
    assert page.booking_table() == []
    assert roster_cell(page, 0, 3) == "—"
    assert roster_cell(page, 0, 4) == "0 of 2"
