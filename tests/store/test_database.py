"""Opening database files: new, reopened, upgraded, locked, and files that are not ours."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.domain.volunteer import VolunteerData, VolunteerQuery
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import (
    APPLICATION_ID,
    alembic_config,
    head_revision,
    is_removable_media,
    open_database,
    opened,
)

OLD_VOLUNTEER_UUID = "11111111-1111-4111-8111-111111111111"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_healthy(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def sql(path: Path, statement: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(statement).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def make_database_at_0001(path: Path) -> None:
    """A file as the first released schema left it, with one volunteer typed in."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.exec_driver_sql(
                "INSERT INTO volunteer (reference, first_name, last_name, known_as, phone, "
                "phone_alt, email, address, town, postcode, preferred_language, welsh_fluency, "
                "other_languages, has_car, can_drive, emergency_contact_name, "
                "emergency_contact_phone, status, notes, consent_share, dbs_level, "
                "dbs_certificate_number, dbs_update_service, dbs_checked_by, search_text, "
                "sort_key_en, sort_key_cy, created_at, uuid, origin, changed_at, deleted, "
                "version) VALUES ('V0001', 'Gwenllian', 'Prydderch', '', '+447712345678', '', "
                "'gwenllian@example.org', '1 Stryd Fawr', 'Abergwaun', 'SA65 9AB', 'cy', "
                "'fluent', '', 1, 1, '', '', 'active', 'Drives on Tuesdays', 0, 'none', '', 0, "
                "'', '', '', '', '2021-04-01 09:00:00', ?, "
                "'22222222-2222-4222-8222-222222222222', '001617267600000-000000-x', 0, 1)",
                (OLD_VOLUNTEER_UUID,),
            )
    finally:
        engine.dispose()


# ---- new and reopened files --------------------------------------------------------------


def test_a_new_database_is_marked_as_ours_and_has_the_current_schema(db_path: Path) -> None:
    with opened(db_path) as db:
        assert db.path == db_path
        assert db.backup_path is None  # nothing to back up in a new file
        instance = db.instance_uuid
    assert sql(db_path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert sql(db_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    tables = {row[0] for row in sql(db_path, "SELECT name FROM sqlite_master")}
    assert {"volunteer", "organisation", "volunteer_fts", "instance"} <= tables
    assert sql(db_path, "SELECT uuid FROM instance") == [(instance,)]
    assert sql(db_path, "SELECT count(*) FROM service_type")[0][0] >= 10
    assert_healthy(db_path)


def test_a_new_database_is_created_in_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "Documents" / "CVC" / "cvcdesk.db"
    with opened(path) as db:
        assert db.path == path
    assert path.is_file()
    assert_healthy(path)


def test_an_empty_file_becomes_a_new_database(db_path: Path) -> None:
    db_path.touch()
    with opened(db_path):
        pass
    assert sql(db_path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert_healthy(db_path)


def test_reopening_keeps_the_data_and_the_identity(db_path: Path) -> None:
    with opened(db_path) as db:
        service = VolunteerService(db, actor="tester")
        first = service.create(VolunteerData(first_name="Aled", last_name="Rees"))
        instance = db.instance_uuid
    with opened(db_path) as db:
        service = VolunteerService(db, actor="tester")
        assert db.instance_uuid == instance
        assert db.backup_path is None  # already current: no upgrade, no backup
        assert service.get(first.uuid).display_name == "Aled Rees"
        # The clock carries on: a change made now sorts after the one made before.
        second = service.create(VolunteerData(first_name="Beca", last_name="Rees"))
        assert second.changed_at > first.changed_at
    assert not (db_path.parent / "backups").exists()
    assert_healthy(db_path)


def test_asking_for_a_database_that_is_not_there_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseError) as caught:
        open_database(path, create=False)
    assert str(path) in str(caught.value)
    assert not path.exists()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    with pytest.raises(DatabaseError) as caught:
        open_database(folder)
    assert "folder" in str(caught.value)
    assert str(folder) in str(caught.value)


# ---- files that are refused unchanged ----------------------------------------------------


def _refused(path: Path) -> str:
    before = sha256(path)
    with pytest.raises(DatabaseError) as caught:
        open_database(path)
    assert sha256(path) == before, "a refused file must not be changed"
    message = str(caught.value)
    assert str(path) in message
    assert "Traceback" not in message
    return message


def test_a_file_that_is_not_sqlite_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "volunteers.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    message = _refused(path)
    assert "not a cvcdesk database" in message
    assert "not changed" in message


def test_a_damaged_sqlite_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    message = _refused(path)
    assert "cannot be read as a database" in message


def test_an_sqlite_file_of_another_program_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    sql(path, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    sql(path, "INSERT INTO moz_places (url) VALUES ('https://example.org')")
    message = _refused(path)
    assert "another program" in message
    assert sql(path, "SELECT url FROM moz_places") == [("https://example.org",)]


def test_an_empty_sqlite_file_stamped_by_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sql(path, "PRAGMA application_id=1234")
    message = _refused(path)
    assert "another program" in message
    assert sql(path, "PRAGMA application_id") == [(1234,)]


def test_a_database_from_a_newer_cvcdesk_is_refused_unchanged(db_path: Path) -> None:
    with opened(db_path):
        pass
    sql(db_path, "UPDATE alembic_version SET version_num = '9999_future'")
    message = _refused(db_path)
    assert "newer version of cvcdesk" in message
    assert "9999_future" in message
    assert head_revision() in message
    assert sql(db_path, "SELECT version_num FROM alembic_version") == [("9999_future",)]


# ---- one program at a time ---------------------------------------------------------------


def test_a_second_exclusive_open_is_refused_while_the_first_is_open(db_path: Path) -> None:
    first = open_database(db_path, exclusive=True)
    try:
        with pytest.raises(DatabaseError) as caught:
            open_database(db_path, exclusive=True)
        message = str(caught.value)
        assert str(db_path) in message
        assert "already open" in message
        # The first window carries on working.
        VolunteerService(first, actor="tester").create(
            VolunteerData(first_name="Aled", last_name="Rees")
        )
    finally:
        first.close()
    # Once it is closed the file opens again.
    with opened(db_path, exclusive=True) as again:
        assert VolunteerService(again, actor="tester").count() == 1
    assert_healthy(db_path)


def test_another_process_is_refused_while_the_file_is_open(db_path: Path) -> None:
    script = (
        "import sys\n"
        "from cvcdesk.domain.errors import DatabaseError\n"
        "from cvcdesk.store.database import open_database\n"
        "try:\n"
        "    open_database(sys.argv[1], exclusive=True).close()\n"
        "except DatabaseError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    env = {**os.environ, "CVCDESK_LANG": "en"}
    with opened(db_path, exclusive=True):
        result = subprocess.run(
            [sys.executable, "-c", script, str(db_path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )
    assert result.returncode == 3, result.stderr
    assert "already open" in result.stdout
    assert str(db_path) in result.stdout
    after = subprocess.run(
        [sys.executable, "-c", script, str(db_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert after.returncode == 0, after.stdout + after.stderr


# ---- journal mode ------------------------------------------------------------------------


def test_a_database_on_a_normal_disk_uses_wal(db_path: Path) -> None:
    assert not is_removable_media(db_path.parent)
    with opened(db_path) as db:
        assert db.journal_mode == "WAL"
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert sql(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_a_database_on_a_usb_stick_keeps_no_wal_file(db_path: Path) -> None:
    with opened(db_path, removable=True) as db:
        assert db.journal_mode == "DELETE"
        VolunteerService(db, actor="tester").create(
            VolunteerData(first_name="Aled", last_name="Rees")
        )
        assert not Path(str(db_path) + "-wal").exists()
    assert sql(db_path, "PRAGMA journal_mode") == [("delete",)]
    assert_healthy(db_path)


# ---- upgrading an older file -------------------------------------------------------------


def test_upgrading_an_older_database_backs_it_up_and_keeps_its_data(db_path: Path) -> None:
    make_database_at_0001(db_path)
    original = sha256(db_path)
    with opened(db_path) as db:
        assert db.backup_path is not None
        backup = db.backup_path
        assert backup.parent == db_path.parent / "backups"
        assert "0001" in backup.name
        service = VolunteerService(db, actor="tester")
        old = service.get(OLD_VOLUNTEER_UUID)
        assert (old.first_name, old.last_name, old.postcode) == (
            "Gwenllian",
            "Prydderch",
            "SA65 9AB",
        )
        assert old.phone == "+447712345678"
        assert old.notes == "Drives on Tuesdays"
        # Full-text search, added by the upgrade, finds the volunteer typed in before it.
        for typed in ("Gwenllian", "prydd", "gwenllian@example.org"):
            found = service.list(VolunteerQuery(search=typed))
            assert [row.uuid for row in found] == [OLD_VOLUNTEER_UUID], typed
        # Reference data arrives with the upgrade.
        assert service.skills()
    assert sql(db_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    # The backup is the file exactly as it was before the upgrade.
    assert sql(backup, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert sql(backup, "SELECT first_name FROM volunteer") == [("Gwenllian",)]
    assert sql(backup, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert original != sha256(db_path)
    assert_healthy(backup)
    assert_healthy(db_path)


def test_an_upgraded_database_opens_again_without_another_backup(db_path: Path) -> None:
    make_database_at_0001(db_path)
    with opened(db_path):
        pass
    with opened(db_path) as db:
        assert db.backup_path is None
        assert VolunteerService(db, actor="tester").count() == 1
    assert len(list((db_path.parent / "backups").iterdir())) == 1
    assert_healthy(db_path)


def test_the_upgrade_backup_can_go_to_a_chosen_folder(db_path: Path, tmp_path: Path) -> None:
    make_database_at_0001(db_path)
    chosen = tmp_path / "safe place"
    with opened(db_path, backups_dir=chosen) as db:
        assert db.backup_path is not None
        assert db.backup_path.parent == chosen
        assert db.backup_path.is_file()
    assert not (db_path.parent / "backups").exists()


def test_an_upgraded_volunteer_can_be_edited_and_found_by_the_new_details(db_path: Path) -> None:
    make_database_at_0001(db_path)
    with opened(db_path) as db:
        service = VolunteerService(db, actor="tester")
        old = service.get(OLD_VOLUNTEER_UUID)
        changed = service.update(
            old.uuid, VolunteerData(first_name="Gwen", last_name="Prydderch", postcode="SA61 1AB")
        )
        assert changed.version == old.version + 1
        assert [r.uuid for r in service.list(VolunteerQuery(search="Gwen SA611AB"))] == [old.uuid]
        assert service.list(VolunteerQuery(search="Gwenllian")) == []
    assert_healthy(db_path)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="an administrator can write anywhere"
)
def test_a_read_only_older_database_is_refused_not_half_upgraded(db_path: Path) -> None:
    make_database_at_0001(db_path)
    db_path.chmod(0o444)
    try:
        message = _refused(db_path)
        assert "read-only" in message
    finally:
        db_path.chmod(0o644)


def test_a_failing_statement_keeps_personal_details_out_of_its_message(db_path: Path) -> None:
    # Error messages end up in log files: the values a statement carried must not be in them.
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    database = open_database(db_path)
    try:
        with pytest.raises(DBAPIError) as failed, database.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": "Siân Ŵyn"}
            )
        assert "Siân" not in str(failed.value)
        assert "hidden" in str(failed.value)  # SQLAlchemy says the parameters were hidden
    finally:
        database.close()
