"""Portable mode: the app and its database on a USB stick, and folders that cannot be written."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.backups import BackupService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import database as store_database
from cvcdesk.store.database import folder_writable, is_removable_media, open_database, opened


def fake_mounts(monkeypatch: pytest.MonkeyPatch, mounts: str) -> None:
    real_read_text = Path.read_text

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if str(self) == "/proc/mounts":
            return mounts
        return real_read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", read_text)


@pytest.mark.skipif(not Path("/proc/mounts").exists(), reason="reads Linux's mount table")
def test_sticks_and_memory_cards_are_recognised_from_the_mount_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_mounts(
        monkeypatch,
        "/dev/sda1 / ext4 rw 0 0\n"
        "/dev/sdb1 /media/ceri/CVC\\040STICK vfat rw 0 0\n"
        "/dev/sdc1 /run/media/dewi/DATA ext4 rw 0 0\n"
        "/dev/sdd1 /srv/share exfat rw 0 0\n",
    )
    assert is_removable_media(Path("/media/ceri/CVC STICK/cvcdesk-data"))
    assert is_removable_media(Path("/run/media/dewi/DATA/cvcdesk"))
    assert is_removable_media(Path("/srv/share/cvcdesk"))
    assert not is_removable_media(Path("/home/ceri/cvcdesk"))


def test_portable_mode_keeps_no_wal_file_and_saves_with_full_sync(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcdesk.cli import main

    stick = tmp_path / "stick" / "cvcdesk-data" / "cvcdesk.db"
    assert (
        main(["--portable", "--db", str(stick), "demo", "--volunteers", "5", "--groups", "1"]) == 0
    )
    assert main(["--portable", "--db", str(stick), "check", "--json"]) == 0
    out, _err = capsys.readouterr()
    report = json.loads(out[out.index("{") :])
    assert report["journal_mode"] == "DELETE"
    assert not Path(str(stick) + "-wal").exists()
    conn = sqlite3.connect(stick)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    with opened(stick, removable=True) as db, db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    # Its backups travel with it, on the stick.
    assert list((stick.parent / "backups").glob("cvcdesk-*-opened.db"))


def test_a_folder_that_can_be_written_is_recognised(tmp_path: Path) -> None:
    assert folder_writable(tmp_path)
    assert not folder_writable(tmp_path / "missing")
    assert list(tmp_path.iterdir()) == []  # the test file is cleared away


@pytest.fixture
def unwritable(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    """A database with a volunteer, in a folder that cannot be written from now on (as on a
    write-protected stick; as root a real one cannot be made, so the check is told so)."""
    with opened(db_path) as db:
        VolunteerService(db, actor="tester").create(VolunteerData(first_name="Aled", last_name="R"))
    folder = db_path.parent.resolve()
    real = store_database.folder_writable
    monkeypatch.setattr(
        store_database,
        "folder_writable",
        lambda path: False if Path(path).resolve() == folder else real(path),
    )
    return db_path


def test_a_database_in_a_folder_that_cannot_be_written_opens_read_only_with_a_warning(
    unwritable: Path,
) -> None:
    with open_database(unwritable, exclusive=True) as db:
        assert db.read_only
        assert str(unwritable.parent) in db.warning
        assert "reading only" in db.warning
        service = VolunteerService(db, actor="tester")
        assert [row.first_name for row in service.list()] == ["Aled"]
        with pytest.raises(DatabaseError) as caught:
            service.create(VolunteerData(first_name="Beca", last_name="R"))
        assert str(caught.value) == db.warning
        assert BackupService(db).on_open() is None  # nowhere to write one
    leftovers = {p.name for p in unwritable.parent.iterdir()}
    assert leftovers == {unwritable.name}  # no lock, journal, -wal or -shm file was attempted


def test_the_command_line_warns_when_the_database_cannot_be_written(
    unwritable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcdesk.cli import main

    assert main(["--portable", "--db", str(unwritable), "check"]) == 0
    _out, err = capsys.readouterr()
    assert "cannot write to the folder" in err
    status = main(["--db", str(unwritable), "demo", "--volunteers", "1", "--groups", "1"])
    _out, err = capsys.readouterr()
    assert status == 1
    assert "cannot write to the folder" in err
    assert "Traceback" not in err


def test_a_new_database_in_a_folder_that_cannot_be_written_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(store_database, "folder_writable", lambda _path: False)
    with pytest.raises(DatabaseError) as caught:
        open_database(tmp_path / "new.db")
    assert "cannot make a new database" in str(caught.value)
    assert not (tmp_path / "new.db").exists()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="an administrator can write anywhere"
)
def test_a_really_read_only_folder_opens_read_only(db_path: Path) -> None:
    with opened(db_path) as db:
        VolunteerService(db, actor="tester").create(VolunteerData(first_name="Aled", last_name="R"))
    db_path.parent.chmod(0o555)
    try:
        with open_database(db_path) as db:
            assert db.read_only
            assert VolunteerService(db, actor="tester").count() == 1
    finally:
        db_path.parent.chmod(0o755)
