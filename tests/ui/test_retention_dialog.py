"""The retention report dialog and the consent history dialog, on a real SQLite database."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.domain.volunteer import VolunteerData, VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.store import models as m
from cvcdesk.store.database import Database
from cvcdesk.ui.consent_history import ConsentHistoryDialog
from cvcdesk.ui.forms.volunteer_form import VolunteerForm
from cvcdesk.ui.retention_dialog import RetentionDialog, show_retention_report

MakeVolunteer = Callable[..., VolunteerRecord]
TODAY = dt.date.today()


def backdate(db: Database, volunteer: VolunteerRecord, when: dt.date) -> None:
    """Make the volunteer look as if nothing has happened to them since `when`."""
    moment = dt.datetime.combine(when, dt.time(9))
    with db.engine.begin() as connection:
        connection.execute(
            update(m.Volunteer)
            .where(m.Volunteer.uuid == volunteer.uuid)
            .values(created_at=moment, joined_on=when - relativedelta(years=1))
        )
        connection.execute(
            update(m.AuditEntry).where(m.AuditEntry.record_uuid == volunteer.uuid).values(at=moment)
        )


@pytest.fixture
def people(db: Database, make_volunteer: MakeVolunteer) -> dict[str, VolunteerRecord]:
    """Three volunteers: nothing for 3 years, nothing for 8 months, and one who joined today."""
    old = make_volunteer(first_name="Gwenllïan", last_name="Prydderch", reference="GP-1")
    lapsed = make_volunteer(first_name="Aled", last_name="Rhys", reference="AR-2")
    recent = make_volunteer(first_name="Siôn", last_name="Ŵyn", reference="SW-3")
    backdate(db, old, TODAY - relativedelta(years=3))
    backdate(db, lapsed, TODAY - relativedelta(months=8))
    return {"old": old, "lapsed": lapsed, "recent": recent}


@pytest.fixture
def services(db: Database) -> Services:
    return Services.over(db, actor="tester")


@pytest.fixture
def dialog(qtbot: QtBot, services: Services, people: dict[str, VolunteerRecord]) -> RetentionDialog:
    widget = RetentionDialog(services)
    qtbot.addWidget(widget)
    return widget


def listed(dialog: RetentionDialog) -> list[str]:
    return [row.uuid for row in dialog.rows()]


def cell(dialog: RetentionDialog, row: int, column: int) -> str:
    return str(dialog.model.data(dialog.model.index(row, column)))


def choose_months(qtbot: QtBot, dialog: RetentionDialog, months: int) -> None:
    dialog.months.setValue(months)
    qtbot.waitUntil(lambda: not dialog._reload_timer.isActive())


def test_only_volunteers_inactive_for_the_chosen_months_are_listed(
    qtbot: QtBot, dialog: RetentionDialog, people: dict[str, VolunteerRecord]
) -> None:
    assert dialog.months.value() == 24
    assert listed(dialog) == [people["old"].uuid]
    assert dialog.model.rowCount() == 1
    assert cell(dialog, 0, 0) == "Gwenllïan Prydderch"
    assert cell(dialog, 0, 1) == "GP-1"
    assert cell(dialog, 0, 4).startswith("Record last changed 36 months ago")
    assert dialog.count_label.text() == "1 volunteer inactive for 24 months or more."

    choose_months(qtbot, dialog, 6)
    assert listed(dialog) == [people["old"].uuid, people["lapsed"].uuid]  # oldest first
    assert "8 months ago" in cell(dialog, 1, 4)

    choose_months(qtbot, dialog, 48)
    assert listed(dialog) == []
    assert dialog.count_label.text() == "No volunteer has been inactive for 48 months or more."
    assert not dialog.export_button.isEnabled()
    assert people["recent"].uuid not in listed(dialog)


def test_sorting_by_name_follows_the_header(
    qtbot: QtBot, dialog: RetentionDialog, people: dict[str, VolunteerRecord]
) -> None:
    choose_months(qtbot, dialog, 6)
    dialog.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    assert [cell(dialog, r, 0) for r in range(2)] == ["Aled Rhys", "Gwenllïan Prydderch"]
    dialog.select_uuids({people["lapsed"].uuid})
    assert [r.uuid for r in dialog.selected_rows()] == [people["lapsed"].uuid]


def test_erasing_after_confirming_leaves_a_tombstone(
    qtbot: QtBot,
    dialog: RetentionDialog,
    services: Services,
    people: dict[str, VolunteerRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    choose_months(qtbot, dialog, 6)
    old = people["old"]
    asked: list[str] = []

    def answer(answer: QMessageBox.StandardButton) -> Callable[..., QMessageBox.StandardButton]:
        def question(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
            asked.append(text)
            return answer

        return question

    dialog.select_uuids({old.uuid})
    assert dialog.erase_button.isEnabled() and dialog.open_button.isEnabled()

    # "No" changes nothing.
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    assert "Gwenllïan Prydderch" in asked[-1]
    assert old.uuid in listed(dialog)
    assert not services.volunteers.get(old.uuid).deleted

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(dialog.records_changed, timeout=5000):
        qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    assert listed(dialog) == [people["lapsed"].uuid]
    assert dialog.erased == 1
    assert dialog.message.text().startswith("Personal details of 1 volunteer erased.")
    tombstone = services.volunteers.get(old.uuid, include_deleted=True)
    assert tombstone.deleted
    assert (tombstone.first_name, tombstone.last_name, tombstone.reference) == ("", "", "")
    assert tombstone.email == "" and tombstone.phone == ""
    # The other volunteers are untouched.
    assert services.volunteers.get(people["lapsed"].uuid).first_name == "Aled"
    assert services.volunteers.count() == 2


def test_erasing_several_at_once_asks_once(
    qtbot: QtBot,
    dialog: RetentionDialog,
    services: Services,
    people: dict[str, VolunteerRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    choose_months(qtbot, dialog, 6)
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog.select_uuids({people["old"].uuid, people["lapsed"].uuid})
    assert not dialog.open_button.isEnabled()  # opens one volunteer at a time
    assert dialog.erase_selected() == 2
    assert len(asked) == 1 and "these 2 volunteers" in asked[0]
    assert listed(dialog) == []
    assert services.volunteers.count() == 1


def test_a_cancelled_or_failed_erasure_keeps_the_ones_already_done(
    qtbot: QtBot,
    dialog: RetentionDialog,
    services: Services,
    people: dict[str, VolunteerRecord],
) -> None:
    old, lapsed = people["old"].uuid, people["lapsed"].uuid
    steps: list[tuple[int, int]] = []
    asked = iter([False, True])
    outcome = dialog._erase(
        [old, lapsed], lambda done, total: steps.append((done, total)), lambda: next(asked)
    )
    assert (outcome.erased, outcome.stopped, outcome.failure) == (1, True, None)
    assert steps == [(0, 2), (1, 2)]
    assert services.volunteers.get(old, include_deleted=True).deleted
    assert not services.volunteers.get(lapsed).deleted

    outcome = dialog._erase(["no-such-volunteer", lapsed], lambda *_a: None, lambda: False)
    assert outcome.erased == 0 and outcome.failure is not None
    assert not services.volunteers.get(lapsed).deleted


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_writes_the_list(
    qtbot: QtBot,
    dialog: RetentionDialog,
    people: dict[str, VolunteerRecord],
    tmp_path: Path,
    suffix: str,
) -> None:
    choose_months(qtbot, dialog, 6)
    path = dialog.export(tmp_path / f"retention{suffix}")
    assert path == tmp_path / f"retention{suffix}"
    if suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True).active
        assert sheet is not None
        rows: list[list[Any]] = [list(r) for r in sheet.iter_rows(values_only=True)]
        last_activity = rows[1][4]
        assert isinstance(last_activity, dt.datetime)  # a real date cell, not text
        assert last_activity.date() == TODAY - relativedelta(years=3)
        assert rows[1][5] == 36
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [list(r) for r in csv.reader(handle)]
        assert rows[1][4] == (TODAY - relativedelta(years=3)).isoformat()
        assert rows[1][5] == "36"
    assert rows[0] == [
        "Id",
        "Reference",
        "Name",
        "Status",
        "Last activity",
        "Months inactive",
        "Reason",
    ]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (people["old"].uuid, "GP-1", "Gwenllïan Prydderch"),
        (people["lapsed"].uuid, "AR-2", "Aled Rhys"),
    ]
    assert "2 volunteers saved to" in dialog.message.text()


def test_export_refuses_another_kind_of_file(
    dialog: RetentionDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: shown.append(text))
    assert dialog.export(tmp_path / "retention.pdf") is None
    assert shown and ".csv or .xlsx" in shown[0]
    assert list(tmp_path.glob("retention*")) == []


def test_open_shows_the_volunteer_and_reads_the_list_again(
    dialog: RetentionDialog, people: dict[str, VolunteerRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str | None] = []

    def fake_exec(form: VolunteerForm) -> int:
        opened.append(form.uuid)
        return 0

    monkeypatch.setattr(VolunteerForm, "exec", fake_exec)
    dialog.select_uuids({people["old"].uuid})
    dialog.open_current()
    assert opened == [people["old"].uuid]


def test_show_retention_report_refreshes_the_parent_after_an_erasure(
    qtbot: QtBot,
    services: Services,
    people: dict[str, VolunteerRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QWidget

    class Parent(QWidget):
        refreshed = 0

        def refresh(self) -> None:
            self.refreshed += 1

    parent = Parent()
    qtbot.addWidget(parent)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)

    def run(dialog: RetentionDialog) -> int:
        dialog.select_uuids({people["old"].uuid})
        dialog.erase_selected()
        return 0

    monkeypatch.setattr(RetentionDialog, "exec", run)
    show_retention_report(services, parent)
    assert parent.refreshed == 1


def test_the_dialog_follows_the_language(
    qtbot: QtBot, dialog: RetentionDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from cvcdesk.i18n import set_language, translations

    def header(column: int) -> str:
        return str(dialog.model.headerData(column, Qt.Orientation.Horizontal))

    # The Welsh catalogue is filled separately; give this test its own entries to look for.
    catalogue = translations("cy")
    for english, welsh in (("Retention report", "Adroddiad cadw"), ("&Close", "Ca&u")):
        monkeypatch.setitem(catalogue._catalog, english, welsh)  # type: ignore[attr-defined]
    queries: list[int] = []
    real = dialog._services.privacy.retention

    def counting(**kw: Any) -> Any:
        queries.append(1)
        return real(**kw)

    monkeypatch.setattr(dialog._services.privacy, "retention", counting)

    set_language("cy")
    try:
        QCoreApplication.sendEvent(dialog, QEvent(QEvent.Type.LanguageChange))
        assert dialog.windowTitle() == "Adroddiad cadw"
        assert dialog.close_button.text() == "Ca&u"
        assert header(0) == "Enw"
        assert dialog.model.rowCount() == 1  # the same list, not read again
        assert queries == []
    finally:
        set_language("en")
        QCoreApplication.sendEvent(dialog, QEvent(QEvent.Type.LanguageChange))
    assert dialog.windowTitle() == "Retention report"
    assert header(0) == "Name"


def test_a_screenshot_of_the_dialog(qtbot: QtBot, dialog: RetentionDialog, tmp_path: Path) -> None:
    choose_months(qtbot, dialog, 6)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "retention.png"))


# -- consent history -------------------------------------------------------------------------


def test_consent_history_is_reached_from_the_volunteer_form(
    qtbot: QtBot,
    services: Services,
    make_volunteer: MakeVolunteer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = make_volunteer(
        first_name="Nia",
        last_name="Bowen",
        consent_share=True,
        consent_date=dt.date(2024, 1, 5),
        consent_method=ConsentMethod.EMAIL,
    )
    record = services.volunteers.get(person.uuid)
    data = VolunteerData(
        **{
            name: getattr(record, name)
            for name in VolunteerData.__dataclass_fields__
            if name != "consent_share"
        },
        consent_share=False,
    )
    services.volunteers.update(person.uuid, data, expected_version=record.version)

    form = VolunteerForm(services, person.uuid)
    qtbot.addWidget(form)
    assert form.consent_history_button.isEnabled()
    shown: list[ConsentHistoryDialog] = []

    def fake_exec(dialog: ConsentHistoryDialog) -> int:
        shown.append(dialog)
        return 0

    monkeypatch.setattr(ConsentHistoryDialog, "exec", fake_exec)
    qtbot.mouseClick(form.consent_history_button, Qt.MouseButton.LeftButton)
    (history,) = shown
    assert history.windowTitle() == "Consent history: Nia Bowen"
    assert history.table.rowCount() == 2
    texts = [
        [
            item.text() if (item := history.table.item(r, c)) is not None else ""
            for c in range(history.table.columnCount())
        ]
        for r in range(history.table.rowCount())
    ]
    # Newest first: withdrawn, then given by e-mail on 5 January 2024.
    assert texts[0][1] == "Withdrawn"
    assert texts[1][1] == "Given"
    assert texts[1][2] == "5 Jan 2024"
    assert texts[1][3] == ConsentMethod.EMAIL.label
    assert texts[1][4] == "tester"
    # Read-only: no cell can be edited.
    assert history.table.editTriggers() == history.table.EditTrigger.NoEditTriggers


def test_a_new_volunteer_has_no_history_to_show_yet(
    qtbot: QtBot, services: Services, make_volunteer: MakeVolunteer
) -> None:
    form = VolunteerForm(services, None)
    qtbot.addWidget(form)
    assert not form.consent_history_button.isEnabled()
    person = make_volunteer(first_name="Ifan", last_name="Morgan")
    history = ConsentHistoryDialog(services, person.uuid, "Ifan Morgan")
    qtbot.addWidget(history)
    assert history.table.rowCount() == 0
    assert history.empty.text().startswith("No consent to sharing has been recorded")
