"""File ▸ Restore from backup… through the dialog."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.registry import Services
from cvcdesk.ui.restore_dialog import RestoreDialog


def person(first: str) -> VolunteerData:
    return VolunteerData(first_name=first, last_name="Jones", postcode="SA61 1AB")


def test_restore_a_backup_brings_the_old_data_back(qtbot: QtBot, tmp_path: Path) -> None:
    services = Services.open(tmp_path / "live.db")
    try:
        services.volunteers.create(person("Bethan"))
        backup = services.backups.before("manual")
        assert backup is not None
        services.volunteers.create(person("Ceri"))
        assert services.volunteers.count() == 2
        dialog = RestoreDialog(services)
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() >= 1
        assert dialog.restore_button.isEnabled()
        dialog.restore(backup.path)
        assert dialog.kept is not None and dialog.kept.exists()
        assert [v.first_name for v in services.volunteers.list()] == ["Bethan"]
    finally:
        services.close()
