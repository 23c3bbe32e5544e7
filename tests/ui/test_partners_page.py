"""The Partners and sync page, driven offscreen between two real databases: trusting each other
through the add-partner dialog, exporting through the export wizard, importing through the
import wizard, resolving a conflict in the inbox, and a tampered file refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QRadioButton,
    QTableWidget,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.domain.organisation import CoverageData, OrganisationData, OrganisationRecord
from cvcdesk.domain.syncformat import VolunteerSharing
from cvcdesk.domain.volunteer import VolunteerData, VolunteerRecord
from cvcdesk.i18n import _, set_language
from cvcdesk.services.registry import Services
from cvcdesk.ui.pages.partners import PartnersPage
from cvcdesk.ui.sync_dialogs import (
    AddPartnerDialog,
    ExportWizard,
    ShareSettingsDialog,
    SyncImportWizard,
    fingerprint_lines,
)

W = TypeVar("W", bound=QWidget)
PASSPHRASE = "bara brith a paned o de"


@dataclass
class Side:
    name: str
    services: Services
    path: Path
    folder: Path
    group: OrganisationRecord
    page: PartnersPage

    def digest(self) -> str:
        connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            h = hashlib.sha256()
            for (table,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ):
                h.update(table.encode())
                for row in sorted(repr(r) for r in connection.execute(f'SELECT * FROM "{table}"')):
                    h.update(row.encode())
            return h.hexdigest()
        finally:
            connection.close()


def make_side(qtbot: QtBot, folder: Path, name: str, area: str) -> Side:
    folder.mkdir(parents=True)
    path = folder / "cvcdesk.db"
    opened = Services.open(path)
    services = Services.over(opened.database, actor="tester")
    group = services.organisations.create(
        OrganisationData(
            name_en=name,
            name_cy=f"{name} (cy)",
            postcode="SA61 1AB",
            coverage=(CoverageData(service="food_parcels", area=area),),
        )
    )
    page = PartnersPage(services)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    return Side(name, services, path, folder, group, page)


@pytest.fixture
def sides(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    a = make_side(qtbot, tmp_path / "a", "Pembrokeshire CVC", "SA61")
    b = make_side(qtbot, tmp_path / "b", "Haverfordwest Mutual Aid", "SA61 2")
    try:
        yield a, b
    finally:
        a.page.close()
        b.page.close()
        a.services.close()
        b.services.close()


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


def answer_question(button: QMessageBox.StandardButton) -> None:
    def click(box: QMessageBox) -> None:
        box.button(button).click()

    on_modal(QMessageBox, click)


def cells(table: QTableWidget) -> list[list[str]]:
    return [
        [
            (table.item(r, c).text() if table.item(r, c) is not None else "")  # type: ignore[union-attr]
            for c in range(table.columnCount())
        ]
        for r in range(table.rowCount())
    ]


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isEnabled(), widget.objectName()
    if isinstance(widget, QCheckBox | QRadioButton):  # on the box itself, not past the text
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(4, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def next_page(qtbot: QtBot, wizard: QWizard, button: QWizard.WizardButton) -> None:
    click(qtbot, wizard.button(button))


def save_identity(qtbot: QtBot, side: Side, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Through the page: say which group this database speaks for, save the identity file."""
    page = side.page
    assert not page.save_identity_button.isEnabled()  # no group chosen yet
    page.organisation.setCurrentIndex(page.organisation.findData(side.group.uuid))
    click(qtbot, page.set_organisation_button)
    target = side.folder / "identity.cvcid.json"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )
    click(qtbot, page.save_identity_button)
    assert target.exists()
    return target


def add_partner(
    qtbot: QtBot, side: Side, identity_file: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(identity_file), ""))
    )

    def confirm(dialog: AddPartnerDialog) -> None:
        seen["fingerprint"] = dialog.fingerprint.text()
        seen["add_enabled_before"] = dialog.add_button.isEnabled()
        click(qtbot, dialog.confirm)
        click(qtbot, dialog.add_button)

    on_modal(AddPartnerDialog, confirm)
    click(qtbot, side.page.add_button)
    return seen


def export_through_wizard(
    qtbot: QtBot,
    side: Side,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    passphrase: str | None = None,
) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )

    def drive(wizard: ExportWizard) -> None:
        preview = wizard.preview_page
        seen["counts"] = cells(preview.counts)
        seen["volunteer_fields"] = preview.fields.field_names("volunteer")
        seen["summary"] = preview.summary.text()
        next_page(qtbot, wizard, QWizard.WizardButton.NextButton)
        save = wizard.save_page
        if passphrase is not None:
            click(qtbot, save.protect)
            qtbot.keyClicks(save.passphrase, passphrase)
            qtbot.keyClicks(save.repeat, passphrase + "x")
            next_page(qtbot, wizard, QWizard.WizardButton.CommitButton)
            seen["mismatch"] = save.problem.text()
            save.repeat.clear()
            qtbot.keyClicks(save.repeat, passphrase)
        click(qtbot, save.browse)
        next_page(qtbot, wizard, QWizard.WizardButton.CommitButton)
        seen["result"] = wizard.result_page.summary.text()
        next_page(qtbot, wizard, QWizard.WizardButton.FinishButton)

    on_modal(ExportWizard, drive)
    click(qtbot, side.page.export_button)
    return seen


def import_through_wizard(
    qtbot: QtBot,
    side: Side,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    passphrase: str | None = None,
) -> dict[str, Any]:
    """Choose the file, preview it, import it; stops on the file page if it is refused."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(path), ""))
    )

    def drive(wizard: SyncImportWizard) -> None:
        page = wizard.file_page
        click(qtbot, page.browse)
        seen["protected"] = page.passphrase.isEnabled()
        if passphrase is not None:
            qtbot.keyClicks(page.passphrase, passphrase)
        next_page(qtbot, wizard, QWizard.WizardButton.NextButton)
        if wizard.currentId() != wizard.PREVIEW:
            seen["refused"] = page.problem.text()
            seen["refused_visible"] = page.problem.isVisible()
            click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))
            return
        seen["preview"] = cells(wizard.preview_page.counts)
        seen["preview_summary"] = wizard.preview_page.summary.text()
        next_page(qtbot, wizard, QWizard.WizardButton.CommitButton)
        seen["result"] = wizard.result_page.summary.text()
        next_page(qtbot, wizard, QWizard.WizardButton.FinishButton)

    on_modal(SyncImportWizard, drive)
    click(qtbot, side.page.import_button)
    return seen


def volunteer(side: Side, **overrides: Any) -> VolunteerRecord:
    values: dict[str, Any] = {
        "first_name": "Gwenllian",
        "last_name": "Prydderch",
        "phone": "07712 345678",
        "email": "gwenllian@example.org",
        "postcode": "SA61 1AB",
        "consent_share": True,
        "consent_method": ConsentMethod.PAPER_FORM,
        "consent_date": dt.date(2024, 1, 1),
    }
    values.update(overrides)
    return side.services.volunteers.create(VolunteerData(**values))


def trust_each_other(qtbot: QtBot, a: Side, b: Side, monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = save_identity(qtbot, a, monkeypatch)
    b_file = save_identity(qtbot, b, monkeypatch)
    seen = add_partner(qtbot, a, b_file, monkeypatch)
    assert seen["add_enabled_before"] is False
    assert seen["fingerprint"] == fingerprint_lines(b.services.identity.identity().fingerprint)
    add_partner(qtbot, b, a_file, monkeypatch)


def share_volunteers_in_full(qtbot: QtBot, side: Side) -> list[str]:
    seen: list[str] = []

    def drive(dialog: ShareSettingsDialog) -> None:
        assert "volunteer" not in [
            dialog.fields.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)  # type: ignore[union-attr]
            for i in range(dialog.fields.topLevelItemCount())
        ]
        click(qtbot, dialog.volunteer_buttons[VolunteerSharing.FULL])
        seen.extend(dialog.fields.field_names("volunteer"))
        click(qtbot, dialog.save_button)

    on_modal(ShareSettingsDialog, drive)
    click(qtbot, side.page.share_button)
    return seen


# ---- the tests ---------------------------------------------------------------------------------


def test_trust_export_import_and_resolve_a_conflict_through_the_page(
    qtbot: QtBot, sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, b = sides
    own = a.services.identity.identity().fingerprint
    assert a.page.fingerprint.text() == fingerprint_lines(own)
    assert a.page.fingerprint.text().count("\n") == 1  # two lines of four groups

    trust_each_other(qtbot, a, b, monkeypatch)
    assert [p.name for p in a.services.partners.list()] == ["Haverfordwest Mutual Aid"]
    assert [p.name for p in b.services.partners.list()] == ["Pembrokeshire CVC"]
    row = cells(a.page.table)[0]
    assert row[0] == "Haverfordwest Mutual Aid"
    assert row[1].replace("\n", " ") == b.services.identity.identity().fingerprint
    assert row[3] == "None"
    assert row[4] == row[5] == "Never"

    # What leaves, field by field, before and after sharing volunteers.
    fields = share_volunteers_in_full(qtbot, a)
    assert "phone" in fields and "notes" not in fields
    assert a.services.partners.get(a.page.current_partner().uuid).profile.volunteers == (  # type: ignore[union-attr]
        VolunteerSharing.FULL
    )
    assert "volunteers who consented" in cells(a.page.table)[0][2]

    v = volunteer(a)
    first = tmp_path / "to-b-1.cvcsync"
    exported = export_through_wizard(qtbot, a, first, monkeypatch, passphrase=PASSPHRASE)
    assert "phone" in exported["volunteer_fields"]
    assert ["Volunteers", "1"] in exported["counts"]
    assert exported["counts"][-1] == ["All records", "3"]
    assert "not the same" in exported["mismatch"]
    assert "Wrote 3 records for Haverfordwest Mutual Aid" in exported["result"]
    assert "passphrase" in exported["result"]
    assert first.exists()
    assert a.services.sync.needs_passphrase(first)
    assert "3 records" in cells(a.page.table)[0][4]

    taken = import_through_wizard(qtbot, b, first, monkeypatch, passphrase=PASSPHRASE)
    assert taken["protected"] is True
    assert taken["preview"][-1] == ["All records", "3", "0", "0", "0", "0", "0"]
    assert "Nothing has been written yet" in taken["preview_summary"]
    assert "3 new" in taken["result"]
    assert b.services.volunteers.get(v.uuid).first_name == "Gwenllian"
    assert cells(b.page.table)[0][5].endswith(": 3 new")
    # A's group is now held at B too, but B cannot say it speaks for a partner's group.
    assert b.services.organisations.get(a.group.uuid).name_en == "Pembrokeshire CVC"
    assert b.page.organisation.findData(a.group.uuid) == -1
    assert b.page.organisation.currentData() == b.group.uuid

    # Both sides change the same volunteer: B the phone, A the e-mail address and the town.
    mine = b.services.volunteers.get(v.uuid)
    b.services.volunteers.update(v.uuid, dataclasses.replace(mine, phone="07712 900555"))
    theirs = a.services.volunteers.get(v.uuid)
    a.services.volunteers.update(
        v.uuid, dataclasses.replace(theirs, email="gwen@example.cymru", town="Tyddewi")
    )
    second = tmp_path / "to-b-2.cvcsync"
    export_through_wizard(qtbot, a, second, monkeypatch)
    taken = import_through_wizard(qtbot, b, second, monkeypatch)
    assert taken["protected"] is False
    assert taken["preview"][-1][4] == "1"  # one conflict
    assert "1 held as conflicts" in taken["result"]
    assert cells(b.page.table)[0][5].endswith(": 1 conflict")
    assert b.services.volunteers.get(v.uuid).phone == "+447712900555"  # not overwritten

    page = b.page
    assert page.tabs.tabText(1) == "&Conflicts (1)"
    assert cells(page.table)[0][3] == "1 open"
    page.tabs.setCurrentIndex(1)
    inbox = page.conflicts
    assert inbox.list.count() == 1
    assert "Gwenllian Prydderch" in inbox.title.text()
    shown = {r[0]: r[1:5] for r in cells(inbox.fields)}
    assert shown["Phone"] == ["+447712345678", "+447712900555", "+447712345678", "Here"]
    assert shown["Town"][3] == "Partner"
    # The suggestions: each side's own change; the coordinator takes the partner's phone back.
    assert inbox.keep_combo("phone").currentData() == "local"
    assert inbox.keep_combo("town").currentData() == "incoming"
    inbox.keep_combo("phone").setCurrentIndex(inbox.keep_combo("phone").findData("incoming"))
    with qtbot.waitSignal(inbox.conflict_resolved):
        click(qtbot, inbox.resolve_button)
    now = b.services.volunteers.get(v.uuid)
    assert (now.phone, now.email, now.town) == (
        "+447712345678",
        "gwen@example.cymru",
        "Tyddewi",
    )
    assert b.services.sync.conflicts() == []
    assert inbox.list.count() == 0
    assert page.tabs.tabText(1) == "&Conflicts"
    assert cells(page.table)[0][3] == "None"


def test_a_tampered_or_locked_file_is_refused_with_a_clear_message_and_changes_nothing(
    qtbot: QtBot, sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, b = sides
    trust_each_other(qtbot, a, b, monkeypatch)
    a.services.organisations.create(OrganisationData(name_en="Neyland Lunch Club"))
    path = tmp_path / "good.cvcsync"
    a.services.sync.export(a.page.current_partner().uuid, path)  # type: ignore[union-attr]
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["records.jsonl"] = parts["records.jsonl"].replace(b"Neyland", b"Nayland")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    tampered = tmp_path / "tampered.cvcsync"
    tampered.write_bytes(buffer.getvalue())

    before = b.digest()
    seen = import_through_wizard(qtbot, b, tampered, monkeypatch)
    assert seen["refused_visible"]
    assert seen["refused"].startswith("Refused: ")
    assert "was changed after it was signed" in seen["refused"]
    assert "Nothing was imported" in seen["refused"]
    assert b.digest() == before
    assert cells(b.page.table)[0][5] == "Never"

    # A protected file with the wrong passphrase: the same, with the service's words.
    locked = tmp_path / "locked.cvcsync"
    a.services.sync.export(a.page.current_partner().uuid, locked, passphrase=PASSPHRASE)  # type: ignore[union-attr]
    seen = import_through_wizard(qtbot, b, locked, monkeypatch, passphrase="not the passphrase")
    assert seen["protected"] is True
    assert "passphrase does not open" in seen["refused"]
    assert b.digest() == before


def test_a_partner_can_be_removed_and_its_own_identity_is_not_added(
    qtbot: QtBot, sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = sides
    a_file = save_identity(qtbot, a, monkeypatch)
    b_file = save_identity(qtbot, b, monkeypatch)
    seen: list[str] = []

    def read(box: QMessageBox) -> None:
        seen.append(box.text())
        box.accept()

    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(a_file), ""))
    )
    on_modal(QMessageBox, read)
    click(qtbot, a.page.add_button)
    assert seen and "own identity" in seen[0]
    assert a.services.partners.list() == []

    add_partner(qtbot, a, b_file, monkeypatch)
    assert a.page.table.rowCount() == 1
    answer_question(QMessageBox.StandardButton.Yes)
    click(qtbot, a.page.remove_button)
    assert a.services.partners.list() == []
    assert a.page.table.rowCount() == 0
    assert not a.page.export_button.isEnabled()


INTERNAL = (
    "QTabBar",
    "QScrollBar",
    "QWidget",
    "QHeaderView",
    "QSplitterHandle",
    "QToolButton",
    "QComboBoxListView",  # a combo's pop-up list: the combo itself carries the name
)


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls reachable by keyboard without an accessible name, and buttons without a
    mnemonic (Cancel excepted: Escape is its key)."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        kind = widget.metaObject().className()
        if isinstance(widget, QLabel) or kind in INTERNAL:
            continue
        if widget.objectName().startswith("qt_") and kind != "QPushButton":
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if not widget.accessibleName():
            problems.append(f"{kind} {widget.objectName()}: no accessible name")
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if text not in ("", _("Cancel")) and "&" not in text:
            problems.append(f"{kind} {widget.objectName()}: no mnemonic in {widget.text()!r}")
    return problems


def test_every_control_has_an_accessible_name_and_a_mnemonic_in_english_and_welsh(
    qtbot: QtBot, sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, b = sides
    trust_each_other(qtbot, a, b, monkeypatch)
    partner = a.page.current_partner()
    assert partner is not None
    identity = a.services.partners.inspect(b.folder / "identity.cvcid.json")
    for language in ("en", "cy"):
        set_language(language)
        a.page.retranslate_ui()
        assert unnamed_controls(a.page) == [], language
        dialogs: list[QWidget] = [
            AddPartnerDialog(a.services, b.folder / "identity.cvcid.json", identity, None),
            ShareSettingsDialog(a.services, partner, None),
            ExportWizard(a.services, partner, None),
            SyncImportWizard(a.services, None),
        ]
        for dialog in dialogs:
            qtbot.addWidget(dialog)
            assert unnamed_controls(dialog) == [], (language, dialog.objectName())
    set_language("en")


def test_the_alerts_list_names_a_partners_pseudonymised_volunteer(
    qtbot: QtBot, sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cvcdesk.domain.syncformat import SharingProfile
    from cvcdesk.ui.pages.alerts import AlertsPage

    a, b = sides
    trust_each_other(qtbot, a, b, monkeypatch)
    partner = a.page.current_partner()
    assert partner is not None
    a.services.partners.set_profile(
        partner.uuid, SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    )
    volunteer(a, email="sian.pm@example.org", postcode="SA62 5XY")
    path = tmp_path / "pseudonyms.cvcsync"
    a.services.sync.export(partner.uuid, path)
    import_through_wizard(qtbot, b, path, monkeypatch)
    volunteer(b, first_name="Sian", last_name="Morgan", email="sian.pm@example.org")
    b.services.alerts.scan(full=True)

    page = AlertsPage(b.services)
    qtbot.addWidget(page)
    page.table.selectRow(0)
    page.show_current()
    texts = [page.records.item(i).text() for i in range(page.records.count())]
    assert "Volunteer shared by Pembrokeshire CVC (pseudonymised, SA62)" in texts
    assert not any("no longer here" in text for text in texts)
    assert not page.merge_button.isEnabled()  # a pseudonym is never merged into a person
    page.records.setCurrentRow(texts.index(next(t for t in texts if "shared by" in t)))
    with qtbot.waitSignal(page.status_message) as message:
        page.open_record()
    assert "pseudonymised" in message.args[0]


def test_the_page_follows_a_change_of_language(qtbot: QtBot, sides: tuple[Side, Side]) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    a, _b = sides
    page = a.page

    def headers(table: QTableWidget) -> list[str]:
        return [
            table.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
            for c in range(table.columnCount())
        ]

    assert "Fingerprint" in headers(page.table)
    set_language("cy")
    try:
        QCoreApplication.sendEvent(page, QEvent(QEvent.Type.LanguageChange))
        assert "Ôl bys" in headers(page.table)
        assert "Maes" in headers(page.conflicts.fields)
    finally:
        set_language("en")
