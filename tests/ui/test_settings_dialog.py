"""Tools ▸ Settings… through the dialog's own widgets."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from cvcdesk.domain.organisation import OrganisationData
from cvcdesk.services.registry import Services
from cvcdesk.ui.settings_dialog import SettingsDialog


def test_settings_are_saved_from_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    services = Services.open(tmp_path / "county.db")
    try:
        group = services.organisations.create(OrganisationData(name_en="Ŷnys Môn CVC"))
        logo = tmp_path / "logo.png"
        Image.new("RGB", (30, 30), "green").save(logo)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # A logo that cannot be read: its message shows beside the field and OK is disabled.
        dialog.logo.setText(str(tmp_path / "nothing.png"))
        message = dialog._messages["logo"]
        assert not message.isHidden() and "nothing.png" in message.text()
        assert not ok.isEnabled()
        dialog.logo.setText(str(logo))
        assert message.isHidden() and ok.isEnabled()
        dialog.name_en.setText("Ynys Môn CVC")
        dialog.horizon.setValue(56)
        dialog.every_hours.setValue(0)
        dialog.group.setCurrentIndex(dialog.group.findData(group.uuid))
        ok.click()
        assert dialog.result() == dialog.DialogCode.Accepted
        saved = dialog._settings.read()
        assert (saved.cvc_name_en, saved.logo, saved.horizon_days) == (
            "Ynys Môn CVC",
            str(logo),
            56,
        )
        assert services.backups.settings().interval_hours == 0
        assert services.identity.identity().organisation_uuid == group.uuid
    finally:
        services.close()


def test_the_fingerprint_shows_in_groups_and_copies(qtbot: QtBot, tmp_path: Path) -> None:
    services = Services.open(tmp_path / "county.db")
    try:
        fingerprint = services.identity.identity().fingerprint
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        shown = dialog.fingerprint.text()
        assert shown == fingerprint and len(fingerprint.split()) >= 8  # groups to read out
        dialog.copy_button.click()
        assert QApplication.clipboard().text() == shown
        # Every control can be found by a screen reader.
        for widget in (dialog.name_en, dialog.logo, dialog.horizon, dialog.group):
            assert widget.accessibleName()
    finally:
        services.close()
