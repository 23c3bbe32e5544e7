"""The Alerts page through its widgets: scan, read the reasons, dismiss, merge and undo."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QRadioButton
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import AlertKind, AlertStatus
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui import merge_dialog
from cvcdesk.ui.merge_dialog import MergeDialog
from cvcdesk.ui.pages.alerts import AlertsPage


@pytest.fixture
def twins(make_volunteer: Callable[..., VolunteerRecord]) -> tuple[VolunteerRecord, ...]:
    """The same man registered twice, once in English and once in Welsh."""
    first = make_volunteer(
        first_name="David",
        last_name="Jones",
        phone="07712 345678",
        email="dai.jones@example.org",
        postcode="SA61 1AB",
    )
    second = make_volunteer(
        first_name="Dafydd",
        last_name="Jones",
        phone="07712345678",
        email="",
        postcode="SA61 1AB",
        notes="Drives on Tuesdays",
    )
    return first, second


def make_page(qtbot: QtBot, db: Database) -> AlertsPage:
    page = AlertsPage(Services.over(db, actor="tester"))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    return page


def test_scan_finds_the_duplicate_and_explains_it(
    qtbot: QtBot, db: Database, twins: tuple[VolunteerRecord, ...]
) -> None:
    page = make_page(qtbot, db)
    assert page.model.rowCount() == 0
    assert "No open alerts" in page.summary.text()
    page.scan_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=20_000)
    alert = page.current_alert()
    assert alert is not None and alert.kind == AlertKind.DUPLICATE_VOLUNTEER
    assert "1 open alert" in page.summary.text()
    reasons = [page.reasons.item(i).text() for i in range(page.reasons.count())]
    assert reasons and any("07712" in r or "phone" in r.lower() for r in reasons)
    records = [page.records.item(i).text() for i in range(page.records.count())]
    assert any("David" in r for r in records) and any("Dafydd" in r for r in records)
    assert page.merge_button.isEnabled()


def test_dismissed_alert_stays_dismissed_after_a_rescan(
    qtbot: QtBot, db: Database, twins: tuple[VolunteerRecord, ...]
) -> None:
    page = make_page(qtbot, db)
    page.scan_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)

    def give_reason() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog):
            dialog.setTextValue("Father and son with the same name")
            dialog.accept()
        else:
            QTimer.singleShot(20, give_reason)

    QTimer.singleShot(0, give_reason)
    page.dismiss_button.click()
    assert page.model.rowCount() == 0  # the list shows open alerts by default
    page.full_scan.setChecked(True)
    page.scan_button.click()
    qtbot.wait(50)
    assert page.model.rowCount() == 0
    page.status.setCurrentIndex(page.status.findData(AlertStatus.DISMISSED.value))
    alert = page.current_alert()
    assert alert is not None and alert.status == AlertStatus.DISMISSED
    assert "Father and son" in page.decision.text()
    assert page.reopen_button.isEnabled()


def test_merge_from_the_alert_and_undo(
    qtbot: QtBot, db: Database, twins: tuple[VolunteerRecord, ...]
) -> None:
    first, second = twins
    services = Services.over(db)
    page = make_page(qtbot, db)
    page.scan_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)

    def merge() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, MergeDialog):
            dialog.merge_button.click()
        else:
            QTimer.singleShot(20, merge)

    QTimer.singleShot(0, merge)
    page.merge_button.click()
    assert services.volunteers.count() == 1
    kept = services.volunteers.list()[0]
    assert kept.phone == "+447712345678"
    assert page.model.rowCount() == 0  # the duplicate alert is resolved by the merge
    assert page.undo_merge_button.isEnabled()
    page.undo_merge_button.click()
    assert services.volunteers.count() == 2
    assert {v.uuid for v in services.volunteers.list()} == {first.uuid, second.uuid}


def test_merge_dialog_shows_conflicts_and_never_lets_empty_win(
    qtbot: QtBot, db: Database, twins: tuple[VolunteerRecord, ...]
) -> None:
    first, second = twins
    dialog = MergeDialog(Services.over(db), first.uuid, second.uuid)
    qtbot.addWidget(dialog)
    choices = dialog.choices()
    # First names differ and both are filled: a real choice, kept record's value by default.
    assert choices["first_name"] == "keep"
    # The e-mail is empty on the other record: the kept one's value stays, not a choice.
    email_other = dialog.findChild(QRadioButton, "email_other")
    assert email_other is None or not email_other.isEnabled()
    # Notes are empty on the kept record and filled on the other: the filled one wins.
    assert choices.get("notes") == "other"


def test_the_merge_dialog_backs_the_database_up_first(
    qtbot: QtBot, db: Database, twins: tuple[VolunteerRecord, ...]
) -> None:
    first, second = twins
    services = Services.over(db)
    dialog = MergeDialog(services, first.uuid, second.uuid)
    qtbot.addWidget(dialog)
    assert "backed up first" in dialog.intro.text()
    dialog.merge_button.click()
    assert dialog.result_keep_uuid == first.uuid
    backup = dialog.result_backup_path
    assert backup is not None and backup.name.endswith("-before-merge.db")
    assert services.backups.verify(backup).reason == "before-merge"
    assert services.volunteers.count() == 1


def test_the_merge_dialog_says_so_and_merges_nothing_when_the_backup_fails(
    qtbot: QtBot,
    db: Database,
    twins: tuple[VolunteerRecord, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = twins
    assert db.path is not None
    (db.path.parent / "backups").write_text("a file where the backups folder should be")
    shown: list[str] = []
    monkeypatch.setattr(
        merge_dialog, "show_error", lambda parent, exc, title=None: shown.append(str(exc))
    )
    services = Services.over(db)
    dialog = MergeDialog(services, first.uuid, second.uuid)
    qtbot.addWidget(dialog)
    dialog.merge_button.click()
    assert len(shown) == 1 and "Nothing was merged" in shown[0]
    assert dialog.result_keep_uuid is None
    assert QApplication.overrideCursor() is None  # the wait cursor is gone again
    assert services.volunteers.count() == 2
