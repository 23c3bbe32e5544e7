"""The database's settings, read and saved together (SettingsService)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from cvcdesk.domain.errors import ValidationError
from cvcdesk.services.activities import ActivityService
from cvcdesk.services.alerts import AlertService
from cvcdesk.services.backups import BackupService
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.settings import Preferences, SettingsService
from cvcdesk.store.database import Database


def test_a_new_database_has_the_defaults(db: Database) -> None:
    assert SettingsService(db).read() == Preferences(
        dbs_due_days=AlertService(db).dbs_due_days(),
        horizon_days=91,
        backup_keep_days=30,
        backup_interval_hours=24,
    )


def test_saved_settings_reach_every_service(db: Database, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "navy").save(logo)
    chosen = Preferences(
        cvc_name_en="  Pembrokeshire   Association of Voluntary Services ",
        cvc_name_cy="Cymdeithas Gwasanaethau Gwirfoddol Sir Benfro",
        logo=str(logo),
        dbs_due_days=60,
        horizon_days=120,
        backup_keep_days=90,
        backup_interval_hours=0,
    )
    saved = SettingsService(db).save(chosen)
    assert saved.cvc_name_en == "Pembrokeshire Association of Voluntary Services"
    printing = RosterPrintService(db).print_settings()
    assert printing.cvc_name_cy == "Cymdeithas Gwasanaethau Gwirfoddol Sir Benfro"
    assert printing.logo == str(logo)
    assert AlertService(db).dbs_due_days() == 60
    assert ActivityService(db).horizon_days() == 120
    backups = BackupService(db).settings()
    assert (backups.keep_days, backups.interval_hours) == (90, 0)


def test_bad_values_are_all_named_and_nothing_is_saved(db: Database, tmp_path: Path) -> None:
    service = SettingsService(db)
    before = service.read()
    bad = replace(
        before,
        cvc_name_en="Ŵyr CVC",
        logo=str(tmp_path / "missing.png"),
        dbs_due_days=400,
        horizon_days=3,
        backup_keep_days=0,
    )
    with pytest.raises(ValidationError) as refused:
        service.save(bad)
    fields = {problem.field for problem in refused.value.errors}
    assert fields == {"logo", "dbs_due_days", "horizon_days", "backup_keep_days"}
    assert all(problem.where for problem in refused.value.errors)  # each names its place
    assert "missing.png" in str(refused.value.errors[0])
    assert service.read() == before  # the good name was not saved on its own either
