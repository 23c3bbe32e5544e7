"""`cvcdesk settings`: show and change the database's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cvcdesk.cli import main


def test_settings_are_shown_changed_and_refused_clearly(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    assert main(["--db", db, "--lang", "en", "settings"]) == 0
    shown = capsys.readouterr().out
    assert "Keep backups for" in shown and "30 days" in shown
    assert main(["--db", db, "settings", "--cvc-name-cy", "CGG Ŵy", "--horizon-days", "28"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "settings", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["cvc_name_cy"] == "CGG Ŵy" and saved["horizon_days"] == 28
    # Two bad values: both named, exit status 1, and the good one beside them not saved.
    code = main(
        ["--db", db, "--lang", "en", "settings", "--cvc-name-en", "New name",
         "--dbs-due-days", "999", "--backup-keep-days", "0"]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "DBS renewal" in err and "999" in err and "Keep backups for" in err
    assert "Traceback" not in err
    assert main(["--db", db, "settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cvc_name_en"] == ""


def test_a_number_that_is_not_one_is_a_usage_mistake(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path), "settings", "--horizon-days", "lots"]) == 2
    assert "lots" in capsys.readouterr().err
