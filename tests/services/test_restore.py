"""Restoring from a backup: the backup's data comes back, and what it replaced is kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.maintenance import MaintenanceService
from cvcdesk.services.restore import restore_database
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import open_database


def add(path: Path, *first_names: str) -> None:
    with open_database(path) as database:
        service = VolunteerService(database, actor="tester")
        for name in first_names:
            service.create(VolunteerData(first_name=name, last_name="Morgan"))


def people(path: Path) -> set[str]:
    with open_database(path) as database:
        return {row.first_name for row in VolunteerService(database).list(limit=None)}


def backup(path: Path, destination: Path) -> Path:
    with open_database(path) as database:
        return MaintenanceService(database).backup(destination)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    return tmp_path / "office" / "cvcdesk.db"


def test_restore_brings_back_the_backup_and_keeps_the_replaced_file(
    tmp_path: Path, live: Path
) -> None:
    add(live, "Anwen", "Bedwyr")
    saved = backup(live, tmp_path / "usb" / "monday.db")
    add(live, "Carwyn")
    assert people(live) == {"Anwen", "Bedwyr", "Carwyn"}

    kept = restore_database(live, saved)

    assert people(live) == {"Anwen", "Bedwyr"}
    assert kept is not None
    assert kept.is_file()
    assert kept.parent == live.parent / "backups"
    assert people(kept) == {"Anwen", "Bedwyr", "Carwyn"}
    # The backup itself is untouched and can be restored again.
    assert people(saved) == {"Anwen", "Bedwyr"}
    with open_database(live) as database:
        assert MaintenanceService(database).check().ok
    assert not any(p.name.endswith((".restoring", ".partial")) for p in live.parent.iterdir())


def test_work_after_a_restore_is_saved_normally(tmp_path: Path, live: Path) -> None:
    add(live, "Anwen")
    saved = backup(live, tmp_path / "monday.db")
    add(live, "Bedwyr")
    restore_database(live, saved)
    add(live, "Dilys")
    assert people(live) == {"Anwen", "Dilys"}


def test_restoring_twice_keeps_both_replaced_files(tmp_path: Path, live: Path) -> None:
    add(live, "Anwen")
    saved = backup(live, tmp_path / "monday.db")
    add(live, "Bedwyr")
    first = restore_database(live, saved)
    add(live, "Carwyn")
    second = restore_database(live, saved)
    assert first is not None and second is not None
    assert first != second
    assert people(first) == {"Anwen", "Bedwyr"}
    assert people(second) == {"Anwen", "Carwyn"}


def test_restore_where_there_was_no_database_yet(tmp_path: Path, live: Path) -> None:
    add(tmp_path / "old.db", "Anwen")
    saved = backup(tmp_path / "old.db", tmp_path / "monday.db")
    assert restore_database(live, saved) is None
    assert people(live) == {"Anwen"}


def test_a_missing_backup_is_refused(tmp_path: Path, live: Path) -> None:
    add(live, "Anwen")
    with pytest.raises(DatabaseError) as raised:
        restore_database(live, tmp_path / "nowhere.db")
    assert "nowhere.db" in str(raised.value)
    assert people(live) == {"Anwen"}


@pytest.mark.parametrize(
    "content",
    [b"", b"name,phone\nAnwen,07712 345678\n", b"SQLite format 3\x00" + b"\x00" * 200],
)
def test_a_file_that_is_not_a_cvcdesk_backup_is_refused(
    tmp_path: Path, live: Path, content: bytes
) -> None:
    add(live, "Anwen")
    wrong = tmp_path / "wrong.db"
    wrong.write_bytes(content)
    before = live.read_bytes()
    with pytest.raises(DatabaseError) as raised:
        restore_database(live, wrong)
    assert "wrong.db" in str(raised.value)
    assert live.read_bytes() == before
    assert people(live) == {"Anwen"}


def test_another_programs_database_is_refused(tmp_path: Path, live: Path) -> None:
    add(live, "Anwen")
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    with pytest.raises(DatabaseError):
        restore_database(live, other)
    assert people(live) == {"Anwen"}


def test_a_database_open_in_cvcdesk_is_not_restored_over(tmp_path: Path, live: Path) -> None:
    add(live, "Anwen")
    saved = backup(live, tmp_path / "monday.db")
    add(live, "Bedwyr")
    with open_database(live, exclusive=True):
        with pytest.raises(DatabaseError) as raised:
            restore_database(live, saved)
        assert "Close it" in str(raised.value)
    assert people(live) == {"Anwen", "Bedwyr"}
