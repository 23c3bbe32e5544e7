"""The group form, driven through its widgets offscreen and checked through services."""

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
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import OrganisationKind, Weekdays
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import set_language, translations
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.forms import GroupForm

# ---- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def services(db: Database) -> Services:
    return Services.over(db, actor="tester")


def open_form(qtbot: QtBot, services: Services, uuid: str | None = None) -> GroupForm:
    form = GroupForm(services, uuid)
    # Hidden first, so closing at the end of a test never asks about unsaved changes.
    qtbot.addWidget(form, before_close_func=lambda widget: widget.hide())
    form.show()
    qtbot.waitExposed(form)
    return form


def show_tab(form: GroupForm, name: str) -> None:
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


def save(qtbot: QtBot, form: GroupForm) -> str:
    assert form.save_button.isEnabled(), form.problems()
    with qtbot.waitSignal(form.saved, timeout=5000) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    uuid = blocker.args[0]
    assert isinstance(uuid, str)
    return uuid


def choose_service(form: GroupForm, label: str) -> None:
    combo = form.coverage.service
    index = combo.findText(label)
    assert index >= 0, label
    combo.setCurrentIndex(index)


def untick_day(qtbot: QtBot, form: GroupForm, index: int) -> None:
    box = form.findChild(QCheckBox, f"weekday_{index}")
    assert box is not None and box.isChecked()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not box.isChecked()


# ---- tests -----------------------------------------------------------------------------------


def test_a_group_with_two_coverage_lines_saves_and_reloads(
    qtbot: QtBot, services: Services
) -> None:
    form = open_form(qtbot, services)
    assert not form.save_button.isEnabled()
    type_text(qtbot, line(form, "name_en"), "Narberth Food Bank")
    type_text(qtbot, line(form, "name_cy"), "Banc Bwyd Arberth – Tŷ Hafan")
    form.kind.setCurrentIndex(form.kind.findText("Mutual aid group"))
    show_tab(form, "contact")
    type_text(qtbot, line(form, "phone"), "01834 860000")
    type_text(qtbot, line(form, "postcode"), "sa67 7aa")

    show_tab(form, "coverage")
    coverage = form.coverage
    choose_service(form, "Food parcels")
    type_text(qtbot, line(form, "coverage_area"), "sa67")
    untick_day(qtbot, form, 5)
    untick_day(qtbot, form, 6)
    coverage.start_time.set_value(dt.time(9))
    coverage.end_time.set_value(dt.time(12, 30))
    qtbot.mouseClick(coverage.add_button, Qt.MouseButton.LeftButton)

    choose_service(form, "Shopping")
    retype(qtbot, line(form, "coverage_area"), "SA67 8")
    coverage.days.set_value(Weekdays.SAT)
    coverage.start_time.set_value(None)
    coverage.end_time.set_value(None)
    coverage.start_date.set_value(dt.date(2025, 1, 6))
    coverage.end_date.set_value(dt.date(2025, 3, 31))
    type_text(qtbot, line(form, "coverage_notes"), "Saturday shop run")
    qtbot.keyClick(line(form, "coverage_notes"), Qt.Key.Key_Return)  # Enter adds, never saves
    assert form.isVisible()
    assert coverage.table.rowCount() == 2

    uuid = save(qtbot, form)

    record = services.organisations.get(uuid)
    assert record.name_cy == "Banc Bwyd Arberth – Tŷ Hafan"
    assert record.kind is OrganisationKind.MUTUAL_AID
    assert (record.phone, record.postcode) == ("+441834860000", "SA67 7AA")
    lines = {line.service: line for line in record.coverage}
    assert set(lines) == {"food_parcels", "shopping"}
    food, shop = lines["food_parcels"], lines["shopping"]
    assert (food.area, food.weekdays) == ("SA67", Weekdays.ALL & ~Weekdays.SAT & ~Weekdays.SUN)
    assert (food.start_time, food.end_time, food.start_date) == (dt.time(9), dt.time(12, 30), None)
    assert (shop.area, shop.weekdays, shop.notes) == ("SA67 8", Weekdays.SAT, "Saturday shop run")
    assert (shop.start_date, shop.end_date) == (dt.date(2025, 1, 6), dt.date(2025, 3, 31))

    again = open_form(qtbot, services, uuid)
    assert again.coverage.table.rowCount() == 2
    assert not again.has_unsaved_changes()
    save(qtbot, again)
    assert services.organisations.get(uuid) == record  # nothing changed, nothing rewritten


def test_updating_a_coverage_line_keeps_its_identity(
    qtbot: QtBot, services: Services, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    group = make_organisation(
        coverage=(CoverageData(service="befriending_phone", area="SA61"),),
    )
    old_uuid = group.coverage[0].uuid
    form = open_form(qtbot, services, group.uuid)
    show_tab(form, "coverage")
    form.coverage.table.selectRow(0)
    assert line(form, "coverage_area").text() == "SA61"

    retype(qtbot, line(form, "coverage_area"), "SA62")
    qtbot.mouseClick(form.coverage.update_button, Qt.MouseButton.LeftButton)
    save(qtbot, form)

    [kept] = services.organisations.get(group.uuid).coverage
    assert (kept.uuid, kept.area) == (old_uuid, "SA62")


def test_removing_a_coverage_line(
    qtbot: QtBot, services: Services, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    group = make_organisation(
        coverage=(
            CoverageData(service="shopping", area="SA61"),
            CoverageData(service="food_parcels", area="SA62"),
        ),
    )
    form = open_form(qtbot, services, group.uuid)
    show_tab(form, "coverage")
    form.coverage.table.selectRow(0)
    qtbot.mouseClick(form.coverage.remove_button, Qt.MouseButton.LeftButton)
    assert form.coverage.table.rowCount() == 1
    save(qtbot, form)
    assert len(services.organisations.get(group.uuid).coverage) == 1


def test_a_bad_area_cannot_be_added(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    show_tab(form, "coverage")
    assert form.coverage.message.isHidden()  # nothing typed yet: no scolding

    type_text(qtbot, line(form, "coverage_area"), "SA6Z 9")

    assert not form.coverage.add_button.isEnabled()
    assert "SA6Z 9" in message(form, "coverage_area").text()
    retype(qtbot, line(form, "coverage_area"), "SA61 1")
    assert form.coverage.add_button.isEnabled()
    untick = [form.findChild(QCheckBox, f"weekday_{i}") for i in range(7)]
    for box in untick:
        assert box is not None
        box.setChecked(False)
    assert not form.coverage.add_button.isEnabled()
    assert "day" in form.coverage.message.text()


def test_a_bad_postcode_shows_its_message_and_blocks_save(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    type_text(qtbot, line(form, "name_en"), "Tenby Mutual Aid")
    show_tab(form, "contact")
    postcode = line(form, "postcode")

    type_text(qtbot, postcode, "CF99 ZZZ9")

    shown = message(form, "postcode")
    assert not shown.isHidden() and "CF99 ZZZ9" in shown.text()
    assert not form.save_button.isEnabled()
    retype(qtbot, postcode, "SA70 7BU")
    assert shown.isHidden()
    assert form.save_button.isEnabled()


def test_a_welsh_name_alone_is_enough(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    assert message(form, "name_en").text() == "⚠ Name (English) is required."
    assert not form.save_button.isEnabled()

    type_text(qtbot, line(form, "name_cy"), "Cyfeillion Llanŵst")

    assert message(form, "name_en").isHidden()
    uuid = save(qtbot, form)
    assert services.organisations.get(uuid).name_cy == "Cyfeillion Llanŵst"


def test_closing_a_changed_form_asks_first(
    qtbot: QtBot, services: Services, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    group = make_organisation(name_en="Fishguard Friends")
    form = open_form(qtbot, services, group.uuid)
    show_tab(form, "notes")
    form.notes.setFocus()
    type_text(qtbot, form.notes, "Meets on Tuesdays.")
    seen: list[str] = []

    answer_next_box(QMessageBox.StandardButton.Cancel, seen)
    form.close()
    assert seen and form.isVisible()

    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    form.close()
    assert len(seen) == 2 and not form.isVisible()
    assert services.organisations.get(group.uuid).notes == ""


def test_someone_elses_save_is_reported(
    qtbot: QtBot, services: Services, make_organisation: Callable[..., OrganisationRecord]
) -> None:
    group = make_organisation(name_en="Fishguard Friends")
    form = open_form(qtbot, services, group.uuid)
    services.organisations.update(group.uuid, replace(group, website="https://example.org"))
    type_text(qtbot, line(form, "charity_number"), "1234567")
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Ok, seen)

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    assert seen and "changed by someone else" in seen[0]
    assert form.isVisible() and line(form, "charity_number").text() == "1234567"
    assert services.organisations.get(group.uuid).charity_number == ""


def test_switching_to_welsh_retranslates_the_open_form(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form(qtbot, services)
    label = form.findChild(QLabel, "name_en_label")
    assert label is not None and label.text() == "Name in &English:"
    catalogue = translations("cy")
    monkeypatch.setitem(catalogue._catalog, "Name in &English:", "Enw yn &Saesneg:")  # type: ignore[attr-defined]
    monkeypatch.setitem(catalogue._catalog, "&Save", "&Cadw")  # type: ignore[attr-defined]

    set_language("cy")
    QCoreApplication.sendEvent(form, QEvent(QEvent.Type.LanguageChange))

    assert label.text() == "Enw yn &Saesneg:"
    assert form.save_button.text() == "&Cadw"
    monday = form.findChild(QCheckBox, "weekday_0")
    assert monday is not None and monday.text() == "Llun"


def test_every_control_has_an_accessible_name(qtbot: QtBot, services: Services) -> None:
    form = open_form(qtbot, services)
    missing = []
    for widget in form.findChildren(QWidget):
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        owner = widget.parentWidget()
        internal = False
        while owner is not None and owner is not form:
            internal = internal or isinstance(owner, QAbstractSpinBox | QComboBox)
            owner = owner.parentWidget()
        if not internal and not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert missing == []
