"""Backups and restores of the database file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.restore import restore_database
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.backup import backup_sqlite, integrity_problems, restore_sqlite
from cvcdesk.store.database import Database, opened


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT first_name FROM volunteer ORDER BY first_name").fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def add(db: Database, *first_names: str) -> None:
    service = VolunteerService(db, actor="tester")
    for first_name in first_names:
        service.create(VolunteerData(first_name=first_name, last_name="Rees"))


def assert_healthy(path: Path) -> None:
    assert integrity_problems(path) == []
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def corrupt_copy(source: Path, destination: Path) -> None:
    """A copy of `source` with some of its pages overwritten, as a failing disk leaves them."""
    conn = sqlite3.connect(source)
    try:
        conn.executemany(
            "INSERT INTO setting (key, value) VALUES (?, ?)",
            [(f"filler-{n}", "x" * 100) for n in range(3000)],
        )
        conn.commit()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()
    data = bytearray(source.read_bytes())
    for page in range(pages - 40, pages - 30):
        start = page * page_size + 200
        data[start : start + 500] = b"\xa5" * 500
    destination.write_bytes(bytes(data))


# ---- backups -----------------------------------------------------------------------------


def test_a_backup_of_an_open_database_holds_the_same_rows(db: Database, tmp_path: Path) -> None:
    add(db, "Aled", "Beca", "Carys")
    assert db.path is not None
    copy = backup_sqlite(db.path, tmp_path / "backups" / "monday.db")
    assert copy == tmp_path / "backups" / "monday.db"
    assert names(copy) == ["Aled", "Beca", "Carys"]
    assert not (tmp_path / "backups" / "monday.db.partial").exists()
    # A backup is one self-contained file, fit to carry on a USB stick.
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert_healthy(copy)
    # The live database carries on as before.
    add(db, "Dylan")
    assert names(copy) == ["Aled", "Beca", "Carys"]


def test_a_backup_opens_as_a_cvcdesk_database(db: Database, tmp_path: Path) -> None:
    add(db, "Aled")
    assert db.path is not None
    copy = backup_sqlite(db.path, tmp_path / "copy.db")
    with opened(copy) as restored:
        assert restored.instance_uuid == db.instance_uuid
        assert VolunteerService(restored, actor="tester").count() == 1


def test_a_backup_leaves_out_changes_not_yet_saved(db: Database, tmp_path: Path) -> None:
    add(db, "Aled")
    assert db.path is not None
    writer = sqlite3.connect(db.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE volunteer SET first_name = 'Half-typed'")
        copy = backup_sqlite(db.path, tmp_path / "during-edit.db")
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert names(copy) == ["Aled"]
    assert_healthy(copy)


def test_a_new_backup_replaces_an_older_one_of_the_same_name(db: Database, tmp_path: Path) -> None:
    assert db.path is not None
    target = tmp_path / "latest.db"
    add(db, "Aled")
    backup_sqlite(db.path, target)
    add(db, "Beca")
    backup_sqlite(db.path, target)
    assert names(target) == ["Aled", "Beca"]


def test_backing_up_a_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseError) as caught:
        backup_sqlite(missing, tmp_path / "copy.db")
    assert str(missing) in str(caught.value)
    assert not (tmp_path / "copy.db").exists()


def test_a_damaged_database_is_not_passed_off_as_a_good_backup(
    db_path: Path, tmp_path: Path
) -> None:
    with opened(db_path, removable=True):
        pass
    damaged = tmp_path / "damaged.db"
    corrupt_copy(db_path, damaged)
    assert integrity_problems(damaged)
    with pytest.raises(DatabaseError) as caught:
        backup_sqlite(damaged, tmp_path / "backups" / "copy.db")
    assert str(damaged) in str(caught.value)
    assert not (tmp_path / "backups" / "copy.db").exists()
    assert not (tmp_path / "backups" / "copy.db.partial").exists()


# ---- restores ----------------------------------------------------------------------------


def test_restoring_puts_back_the_data_of_the_backup(db_path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "before-import.db"
    with opened(db_path) as db:
        add(db, "Aled")
        backup_sqlite(db_path, backup)
        add(db, "Beca", "Carys")
    restore_sqlite(backup, db_path)
    assert names(db_path) == ["Aled"]
    assert not Path(str(db_path) + "-wal").exists()
    assert not db_path.with_name(db_path.name + ".restoring").exists()
    with opened(db_path) as db:
        service = VolunteerService(db, actor="tester")
        assert service.count() == 1
        add(db, "Dylan")  # and it is a working database
    assert names(backup) == ["Aled"]  # the backup itself is untouched
    assert_healthy(db_path)


def test_restoring_keeps_the_replaced_database(db_path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "monday.db"
    with opened(db_path) as db:
        add(db, "Aled")
        backup_sqlite(db_path, backup)
        add(db, "Beca")
    kept = restore_database(db_path, backup)
    assert kept is not None
    assert kept.parent == db_path.parent / "backups"
    assert names(kept) == ["Aled", "Beca"]  # nothing typed since Monday is lost
    assert names(db_path) == ["Aled"]
    assert_healthy(kept)
    assert_healthy(db_path)


def test_a_damaged_backup_is_refused_and_the_live_file_is_unchanged(
    db_path: Path, tmp_path: Path
) -> None:
    with opened(db_path, removable=True) as db:
        add(db, "Aled")
    damaged = tmp_path / "damaged.db"
    corrupt_copy(db_path, damaged)
    live = tmp_path / "live.db"
    with opened(live, removable=True) as db:
        add(db, "Beca")
    before = sha256(live)
    with pytest.raises(DatabaseError) as caught:
        restore_sqlite(damaged, live)
    message = str(caught.value)
    assert str(damaged) in message
    assert "damaged" in message
    assert "\n" not in message  # one readable sentence, not SQLite's full report
    assert sha256(live) == before
    assert names(live) == ["Beca"]
    assert not live.with_name(live.name + ".restoring").exists()


def test_a_backup_that_is_not_a_database_is_refused_by_restore(
    db_path: Path, tmp_path: Path
) -> None:
    with opened(db_path) as db:
        add(db, "Aled")
    before = sha256(db_path)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list\n" * 100)
    with pytest.raises(DatabaseError):
        restore_sqlite(not_a_backup, db_path)
    with pytest.raises(DatabaseError) as caught:
        restore_database(db_path, not_a_backup)
    assert str(not_a_backup) in str(caught.value)
    assert sha256(db_path) == before


def test_restoring_from_a_missing_backup_is_refused(db_path: Path, tmp_path: Path) -> None:
    with opened(db_path) as db:
        add(db, "Aled")
    before = sha256(db_path)
    missing = tmp_path / "missing.db"
    with pytest.raises(DatabaseError) as caught:
        restore_sqlite(missing, db_path)
    assert str(missing) in str(caught.value)
    with pytest.raises(DatabaseError):
        restore_database(db_path, missing)
    assert sha256(db_path) == before


def test_restoring_over_a_database_open_in_cvcdesk_is_refused(
    db_path: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "monday.db"
    with opened(db_path) as db:
        add(db, "Aled")
        backup_sqlite(db_path, backup)
    with opened(db_path, exclusive=True) as db:
        add(db, "Beca")
        with pytest.raises(DatabaseError) as caught:
            restore_database(db_path, backup)
        assert "Close it" in str(caught.value)
        assert VolunteerService(db, actor="tester").count() == 2
