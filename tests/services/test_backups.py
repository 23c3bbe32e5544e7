"""Automatic backups: taken on opening and before big changes, checked, listed, pruned, restored."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cvcdesk.domain.errors import DatabaseError, ValidationError
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.backups import KEEP_AT_LEAST, BackupService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.backup import integrity_problems
from cvcdesk.store.database import Database, open_database, opened

MONDAY = dt.datetime(2026, 11, 23, 9, 0, 0)


class Clock:
    def __init__(self, at: dt.datetime = MONDAY) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT first_name FROM volunteer ORDER BY 1")]
    finally:
        conn.close()


def add(db: Database, *first_names: str) -> None:
    service = VolunteerService(db, actor="tester")
    for first_name in first_names:
        service.create(VolunteerData(first_name=first_name, last_name="Rees"))


@pytest.fixture
def existing(db_path: Path) -> Iterator[Database]:
    """A database with a volunteer in it, opened again (as on a later day)."""
    with opened(db_path) as first:
        add(first, "Aled")
    database = open_database(db_path)
    yield database
    database.close()


def test_a_new_database_is_not_backed_up_on_opening(db: Database) -> None:
    backups = BackupService(db, now=Clock())
    assert db.created
    assert backups.on_open() is None
    assert backups.list() == []
    assert db.path is not None
    assert not (db.path.parent / "backups").exists()


def test_opening_backs_up_at_most_once_per_interval(existing: Database) -> None:
    clock = Clock()
    backups = BackupService(existing, now=clock)
    first = backups.on_open()
    assert first is not None
    assert first.reason == "opened"
    assert first.path.parent == existing.path.parent / "backups"  # type: ignore[union-attr]
    assert names(first.path) == ["Aled"]
    assert integrity_problems(first.path) == []
    clock.at += dt.timedelta(hours=5)
    assert backups.on_open() is None  # the same day: one is enough
    clock.at += dt.timedelta(hours=20)
    second = backups.on_open()
    assert second is not None
    assert [info.path for info in backups.list()] == [second.path, first.path]


def test_the_interval_and_days_kept_can_be_changed(existing: Database) -> None:
    clock = Clock()
    backups = BackupService(existing, now=clock)
    assert backups.settings().keep_days == 30
    assert backups.settings().interval_hours == 24
    chosen = backups.configure(keep_days=7, interval_hours=0)
    assert (chosen.keep_days, chosen.interval_hours) == (7, 0)
    # Kept in the database, so every PC opening it agrees.
    assert BackupService(existing).settings() == chosen
    assert backups.on_open() is not None
    assert backups.on_open() is not None  # 0: every time it opens
    with pytest.raises(ValidationError) as caught:
        backups.configure(keep_days=0, interval_hours=-1)
    assert {error.field for error in caught.value.errors} == {"keep_days", "interval_hours"}
    assert backups.settings() == chosen


def test_a_backup_before_a_merge_is_always_taken_and_holds_the_data_as_it_was(
    existing: Database,
) -> None:
    clock = Clock()
    backups = BackupService(existing, now=clock)
    assert backups.on_open() is not None
    taken = backups.before("merge")
    again = backups.before("merge")  # the same second: a second file, not an overwrite
    assert taken is not None and again is not None
    assert taken.path != again.path
    assert taken.reason == "before-merge"
    assert taken.description == "Before merging two records"
    add(existing, "Beca")
    assert names(taken.path) == ["Aled"]
    assert len(backups.list()) == 3
    with pytest.raises(ValueError):
        backups.before("Merge two people!")


def test_old_backups_are_pruned_but_the_newest_few_always_stay(existing: Database) -> None:
    clock = Clock()
    backups = BackupService(existing, now=clock)
    backups.configure(keep_days=10)
    old = backups.before("import")
    assert old is not None
    folder = old.path.parent
    stem = existing.path.stem  # type: ignore[union-attr]
    for days in (40, 30, 20, 12, 11):
        stamp = (MONDAY - dt.timedelta(days=days)).strftime("%Y%m%d-%H%M%S")
        shutil.copy(old.path, folder / f"{stem}-{stamp}-opened.db")
    unrelated = [folder / "my own copy.db", folder / f"other-{MONDAY:%Y%m%d-%H%M%S}-opened.db"]
    for path in unrelated:
        shutil.copy(old.path, path)
    assert len(backups.list()) == 6
    removed = backups.prune()
    kept = backups.list()
    assert len(kept) == KEEP_AT_LEAST == 3  # today's and the two from 11 and 12 days ago
    assert kept[0].path == old.path
    assert len(removed) == 3
    assert all(path.exists() for path in unrelated)  # files that are not ours stay
    # Months away from the office: nothing recent, yet the newest copies are never deleted.
    clock.at += dt.timedelta(days=200)
    backups.prune()
    assert len(backups.list()) == KEEP_AT_LEAST


def test_the_list_includes_upgrade_and_restore_copies(existing: Database) -> None:
    backups = BackupService(existing, now=Clock())
    folder = backups.folder
    assert folder is not None
    folder.mkdir()
    stem = existing.path.stem  # type: ignore[union-attr]
    source = backups.before("sync")
    assert source is not None
    shutil.copy(source.path, folder / f"{stem}-20261101-080000-before-upgrade-from-0003.db")
    shutil.copy(source.path, folder / f"{stem}-20261102-080000-2-before-restore.db")
    listed = {info.reason: info.description for info in backups.list()}
    assert listed == {
        "before-sync": "Before importing a partner's sync file",
        "before-upgrade-from-0003": "Before upgrading from schema 0003",
        "before-restore": "Before restoring another backup",
    }


def test_a_failed_automatic_backup_does_not_stop_the_database_opening(
    existing: Database,
) -> None:
    assert existing.path is not None
    (existing.path.parent / "backups").write_text("a file where the folder should be")
    backups = BackupService(existing, now=Clock())
    assert backups.on_open() is None
    assert "backup" in backups.problem
    add(existing, "Beca")  # the database itself works
    with pytest.raises(DatabaseError):
        backups.before("merge")  # a change that asked for a backup must not go ahead


def test_verify_refuses_damaged_files_and_files_that_are_not_ours(
    existing: Database, tmp_path: Path
) -> None:
    backups = BackupService(existing, now=Clock())
    good = backups.before("merge")
    assert good is not None
    assert backups.verify(good.path).path == good.path
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 200)
    damaged = tmp_path / "damaged.db"
    shutil.copy(good.path, damaged)
    conn = sqlite3.connect(damaged)
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
    data = bytearray(damaged.read_bytes())
    for page in range(pages - 40, pages - 30):  # pages a failing disk scribbled over
        data[page * page_size + 200 : page * page_size + 700] = b"\xa5" * 500
    damaged.write_bytes(bytes(data))
    for path in (notes, damaged, tmp_path / "missing.db"):
        with pytest.raises(DatabaseError) as caught:
            backups.verify(path)
        assert str(path) in str(caught.value)


def test_restoring_a_backup_in_place_brings_the_data_back_and_keeps_the_newer_file(
    db_path: Path,
) -> None:
    from cvcdesk.services.registry import Services

    with opened(db_path) as first:
        add(first, "Aled")
    services = Services.open(db_path, exclusive=True)
    try:
        taken = services.backups.before("merge")
        assert taken is not None
        services.volunteers.create(VolunteerData(first_name="Beca", last_name="Rees"))
        kept = services.restore_backup(taken.path)
        assert kept is not None and kept.exists()
        assert names(kept) == ["Aled", "Beca"]  # nothing typed since is lost
        # The same object now works on the restored data, still holding the lock.
        assert [r.first_name for r in services.volunteers.list()] == ["Aled"]
        assert services.database.read_only is False
        with pytest.raises(DatabaseError):
            open_database(db_path, exclusive=True)
        reasons = {info.reason for info in services.backups.list()}
        assert "before-restore" in reasons
        # A damaged backup is refused before anything is closed.
        bad = db_path.parent / "bad.db"
        bad.write_text("not a database")
        with pytest.raises(DatabaseError):
            services.restore_backup(bad)
        assert services.volunteers.count() == 1
    finally:
        services.close()
