"""The volunteer form, driven through its widgets offscreen and checked through services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import ConsentMethod, DbsLevel, VolunteerStatus
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import AvailabilitySlot, AwayPeriod, Membership, VolunteerRecord
from cvcdesk.i18n import set_language, translations
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.forms import VolunteerForm
from cvcdesk.ui.forms.record_form import LeaveChoice

# ---- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def services(db: Database) -> Services:
    return Services.over(db, actor="tester")


def open_form(qtbot: QtBot, services: Services, uuid: str | None = None) -> VolunteerForm:
    form = VolunteerForm(services, uuid)
    # Hidden first, so closing at the end of a test never asks about unsaved changes.
    qtbot.addWidget(form, before_close_func=lambda widget: widget.hide())
    form.show()
    qtbot.waitExposed(form)
    return form


def show_tab(form: VolunteerForm, name: str) -> None:
    page = form.findChild(QWidget, f"{name}_tab")
    assert page is not None, name
    form.tabs.setCurrentWidget(page)


def line(form: QWidget, name: str) -> QLineEdit:
    widget = form.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def message(form: QWidget, name: str) -> QLabel:
    widget = form.findChild(QLabel, f"{name}_message")
    assert widget is not None, name
    return widget


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type like a keyboard would, including Welsh letters QTest cannot send (ŵ, ŷ)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def retype(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    type_text(qtbot, widget, text)


def answer_next_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click ``button`` on the next message box that opens, noting what it said."""

    def click(tries: int = 50) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(f"{box.text()}\n{box.informativeText()}")
            target = box.button(button)
            assert target is not None
            target.click()
        elif tries:
            QTimer.singleShot(20, lambda: click(tries - 1))

    QTimer.singleShot(0, click)


def save(qtbot: QtBot, form: VolunteerForm) -> str:
    assert form.save_button.isEnabled(), form.problems()
    with qtbot.waitSignal(form.saved, timeout=5000) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    uuid = blocker.args[0]
    assert isinstance(uuid, str)
    return uuid


def fill_names(qtbot: QtBot, form: VolunteerForm, first: str = "Sian", last: str = "Llyr") -> None:
    type_text(qtbot, line(form, "first_name"), first)
    type_text(qtbot, line(form, "last_name"), last)


# ---- creating and editing --------------------------------------------------------------------


def test_create_a_volunteer_through_the_form(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    assert not form.save_button.isEnabled()
    fill_names(qtbot, form, "Siân", "Llŷr")
    show_tab(form, "contact")
    type_text(qtbot, line(form, "phone"), "07712 345678")
    type_text(qtbot, line(form, "email"), "sian@example.org")
    type_text(qtbot, line(form, "postcode"), "sa61 1ab")

    uuid = save(qtbot, form)

    record = services.volunteers.get(uuid)
    assert (record.first_name, record.last_name) == ("Siân", "Llŷr")
    assert record.phone == "+447712345678"
    assert record.email == "sian@example.org"
    assert record.postcode == "SA61 1AB"
    assert record.status is VolunteerStatus.ACTIVE
    assert form.result() == QDialog.DialogCode.Accepted
    assert not form.isVisible()


def test_edit_phone_membership_skill_and_availability(
    qtbot: QtBot,
    services: Services,
    make_volunteer: Callable[..., VolunteerRecord],
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    group = make_organisation(name_en="Narberth Mutual Aid", name_cy="Cymorth Arberth")
    volunteer = make_volunteer(first_name="Dafydd", phone="07712 300001")
    driving = dict((label, code) for code, label in services.volunteers.skills())["Driving"]
    form = open_form(qtbot, services, volunteer.uuid)
    assert not form.has_unsaved_changes()

    show_tab(form, "contact")
    retype(qtbot, line(form, "phone"), "01437 123456")

    show_tab(form, "groups")
    combo = form.findChild(QComboBox, "membership_group")
    assert combo is not None
    combo.setCurrentIndex(combo.findText("Narberth Mutual Aid"))
    type_text(qtbot, line(form, "membership_role"), "Driver")
    qtbot.mouseClick(form.memberships.add_button, Qt.MouseButton.LeftButton)
    assert form.memberships.table.rowCount() == 1

    show_tab(form, "languages")
    skills = form.findChild(QListWidget, "skills")
    assert skills is not None
    item = skills.findItems("Driving", Qt.MatchFlag.MatchExactly)[0]
    skills.setCurrentItem(item)
    qtbot.keyClick(skills, Qt.Key.Key_Space)
    assert item.checkState() == Qt.CheckState.Checked

    show_tab(form, "availability")
    table = form.availability.table
    tuesday_ten = table.visualItemRect(table.item(1, 10 - form.availability.FIRST_HOUR))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=tuesday_ten.center())
    table.setCurrentCell(1, 11 - form.availability.FIRST_HOUR)
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert form.has_unsaved_changes()

    save(qtbot, form)

    record = services.volunteers.get(volunteer.uuid)
    assert record.phone == "+441437123456"
    assert record.skills == (driving,)
    assert record.availability == (AvailabilitySlot(1, dt.time(10), dt.time(12)),)
    assert [(m.organisation_uuid, m.role) for m in record.memberships] == [(group.uuid, "Driver")]
    assert record.version > volunteer.version


def test_every_detail_survives_opening_and_saving_unchanged(
    qtbot: QtBot,
    services: Services,
    make_volunteer: Callable[..., VolunteerRecord],
    make_organisation: Callable[..., OrganisationRecord],
) -> None:
    group = make_organisation()
    volunteer = make_volunteer(
        reference="PEM-0042",
        known_as="Dai",
        date_of_birth=dt.date(1961, 3, 1),
        phone_alt="01437 765432",
        address="2 Stryd y Farchnad",
        town="Arberth",
        other_languages="Polish",
        has_car=True,
        emergency_contact_name="Mair",
        emergency_contact_phone="07712 900123",
        notes="Prefers mornings.",
        consent_share=True,
        consent_date=dt.date(2024, 2, 1),
        consent_method=ConsentMethod.PAPER_FORM,
        dbs_level=DbsLevel.ENHANCED,
        dbs_certificate_number="001234567890",
        dbs_issue_date=dt.date(2023, 6, 1),
        dbs_update_service=True,
        dbs_checked_by=group.uuid,
        dbs_renewal_due=dt.date(2026, 6, 1),
        skills=("driving", "a_skill_from_a_partner"),
        availability=(
            AvailabilitySlot(0, dt.time(9), dt.time(12)),
            AvailabilitySlot(3, dt.time(10, 30), dt.time(13)),
        ),
        away=(AwayPeriod(dt.date(2025, 7, 1), dt.date(2025, 7, 14), "Holiday"),),
        memberships=(Membership(group.uuid, "Driver", dt.date(2023, 5, 1)),),
    )
    form = open_form(qtbot, services, volunteer.uuid)
    assert not form.has_unsaved_changes()
    assert form.is_valid(), form.problems()
    assert "10:30" in form.availability.note.text()

    save(qtbot, form)

    assert services.volunteers.get(volunteer.uuid) == volunteer


# ---- checks as you type ----------------------------------------------------------------------


def test_a_bad_postcode_shows_its_message_and_blocks_save(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    fill_names(qtbot, form)
    assert form.save_button.isEnabled()
    show_tab(form, "contact")
    postcode = line(form, "postcode")

    type_text(qtbot, postcode, "CF99 ZZZ9")

    shown = message(form, "postcode")
    assert not shown.isHidden()
    assert shown.parent() is postcode.parent()  # beside the field, not in a dialog
    assert "CF99 ZZZ9" in shown.text() and "postcode" in shown.text().lower()
    assert shown.text().startswith("⚠")
    assert postcode.accessibleDescription()
    assert not form.save_button.isEnabled()
    assert form.tabs.tabText(form.tabs.currentIndex()).startswith("⚠")

    retype(qtbot, postcode, "CF10 1AA")

    assert shown.isHidden()
    assert form.save_button.isEnabled()
    uuid = save(qtbot, form)
    assert services.volunteers.get(uuid).postcode == "CF10 1AA"


def test_a_bad_phone_shows_its_message_and_blocks_save(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    fill_names(qtbot, form)
    show_tab(form, "contact")
    phone = line(form, "phone")

    type_text(qtbot, phone, "0123")

    shown = message(form, "phone")
    assert not shown.isHidden()
    assert "0123" in shown.text() and "phone" in shown.text().lower()
    assert not form.save_button.isEnabled()

    retype(qtbot, phone, "07712 345678")
    assert shown.isHidden()
    assert form.save_button.isEnabled()


def test_required_names_say_so_until_given(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)

    assert message(form, "first_name").text() == "⚠ First name is required."
    assert message(form, "last_name").text() == "⚠ Surname is required."
    assert not form.save_button.isEnabled()
    assert "2 problems" in form.summary.text()

    type_text(qtbot, line(form, "first_name"), "Sian")
    assert message(form, "first_name").isHidden()
    assert not form.save_button.isEnabled()

    type_text(qtbot, line(form, "last_name"), "Llyr")
    assert form.save_button.isEnabled()
    assert form.summary.isHidden()


def test_consent_needs_to_say_how_it_was_recorded(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    fill_names(qtbot, form)
    show_tab(form, "checks")

    qtbot.keyClick(form.consent_share, Qt.Key.Key_Space)

    assert form.consent_date.value() == dt.date.today()
    assert "consent" in message(form, "consent_method").text().lower()
    assert not form.save_button.isEnabled()

    form.consent_method.setCurrentIndex(form.consent_method.findText("Paper form"))
    assert message(form, "consent_method").isHidden()
    uuid = save(qtbot, form)
    saved = services.volunteers.get(uuid)
    assert saved.consent_share and saved.consent_method is ConsentMethod.PAPER_FORM


def test_an_away_period_that_ends_before_it_starts_cannot_be_added(
    qtbot: QtBot, services: Services
) -> None:
    form = open_form(qtbot, services)
    fill_names(qtbot, form)
    show_tab(form, "availability")
    away = form.away

    away.start.set_value(dt.date(2025, 8, 10))
    away.end.set_value(dt.date(2025, 8, 1))
    assert not away.add_button.isEnabled()
    assert "before the start date" in away.message.text()

    away.end.set_value(dt.date(2025, 8, 20))
    type_text(qtbot, line(form, "away_reason"), "Eisteddfod")
    qtbot.keyClick(line(form, "away_reason"), Qt.Key.Key_Return)  # Enter adds, never saves
    assert form.isVisible()
    assert away.table.rowCount() == 1

    uuid = save(qtbot, form)
    assert services.volunteers.get(uuid).away == (
        AwayPeriod(dt.date(2025, 8, 10), dt.date(2025, 8, 20), "Eisteddfod"),
    )


# ---- leaving and refusals --------------------------------------------------------------------


def test_cancelling_a_changed_form_asks_first(
    qtbot: QtBot, services: Services, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    volunteer = make_volunteer(first_name="Dafydd")
    form = open_form(qtbot, services, volunteer.uuid)
    known_as = line(form, "known_as")
    type_text(qtbot, known_as, "Dai")
    seen: list[str] = []

    answer_next_box(QMessageBox.StandardButton.Cancel, seen)  # "Keep editing"
    qtbot.mouseClick(form.cancel_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1 and "Save the changes" in seen[0]
    assert form.isVisible()
    assert known_as.text() == "Dai"

    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert len(seen) == 2
    assert not form.isVisible()
    assert form.result() == QDialog.DialogCode.Rejected
    assert services.volunteers.get(volunteer.uuid).known_as == ""


def test_choosing_save_when_leaving_saves(
    qtbot: QtBot, services: Services, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    volunteer = make_volunteer()
    form = open_form(qtbot, services, volunteer.uuid)
    type_text(qtbot, line(form, "known_as"), "Dai")
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Save, seen)

    with qtbot.waitSignal(form.saved):
        form.close()

    assert seen and not form.isVisible()
    assert services.volunteers.get(volunteer.uuid).known_as == "Dai"


def test_the_prompt_can_be_asked_directly_and_only_when_something_changed(
    qtbot: QtBot, services: Services, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    volunteer = make_volunteer()
    form = open_form(qtbot, services, volunteer.uuid)
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Discard, seen)

    form.reject()  # nothing changed: closes without asking

    assert not form.isVisible()
    QTimer.singleShot(0, lambda: None)
    qtbot.wait(50)
    assert seen == []

    form.show()
    type_text(qtbot, line(form, "town"), "Tenby")
    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    assert form.ask_about_unsaved_changes() is LeaveChoice.DISCARD


def test_someone_elses_save_is_reported_and_nothing_is_lost(
    qtbot: QtBot, services: Services, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    volunteer = make_volunteer(first_name="Dafydd")
    form = open_form(qtbot, services, volunteer.uuid)
    services.volunteers.update(volunteer.uuid, replace(volunteer, town="Tenby"))
    type_text(qtbot, line(form, "known_as"), "Dai")
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Ok, seen)

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    assert len(seen) == 1 and "changed by someone else" in seen[0]
    assert form.isVisible()
    assert line(form, "known_as").text() == "Dai"
    stored = services.volunteers.get(volunteer.uuid)
    assert (stored.town, stored.known_as) == ("Tenby", "")


# ---- language and keyboard -------------------------------------------------------------------


def test_switching_to_welsh_retranslates_the_open_form(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form(qtbot, services)
    label = form.findChild(QLabel, "first_name_label")
    assert label is not None and label.text() == "&First name:"
    # The Welsh catalogue is filled separately; give this test its own entries to look for.
    catalogue = translations("cy")
    monkeypatch.setitem(catalogue._catalog, "&First name:", "&Enw cyntaf:")  # type: ignore[attr-defined]
    monkeypatch.setitem(catalogue._catalog, "Person", "Person (cy)")  # type: ignore[attr-defined]

    set_language("cy")
    QCoreApplication.sendEvent(form, QEvent(QEvent.Type.LanguageChange))

    assert label.text() == "&Enw cyntaf:"
    assert line(form, "first_name").accessibleName() == "Enw cyntaf"
    assert "Person (cy)" in form.tabs.tabText(0)
    days = form.availability.table.verticalHeaderItem(0)
    assert days is not None and days.text() == "Dydd Llun"  # dates and days from the locale

    set_language("en")
    QCoreApplication.sendEvent(form, QEvent(QEvent.Type.LanguageChange))
    assert label.text() == "&First name:"


def test_every_control_has_an_accessible_name_and_labels_have_buddies(
    qtbot: QtBot, services: Services, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    make_organisation()
    form = open_form(qtbot, services)
    missing = []
    for widget in form.findChildren(QWidget):
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        parent = widget.parentWidget()
        internal = False
        while parent is not None and parent is not form:
            if isinstance(parent, QAbstractSpinBox | QComboBox):
                internal = True
            parent = parent.parentWidget()
        if not internal and not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert missing == []
    for label in form.findChildren(QLabel):
        if "&" in label.text():
            assert label.buddy() is not None, label.text()


def test_mnemonics_move_the_focus(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)

    qtbot.keyClick(form, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)

    assert QApplication.focusWidget() is line(form, "last_name")
