"""Power cuts: a process killed (kill -9) part-way through big changes leaves a sound database.

Each scenario runs the change once to the end in a child process (to learn how long it takes
and what "all of it" looks like), then a few more times from the same starting copy, killing
the child at a random moment while it works. After every kill the database must open, pass
SQLite's integrity, foreign-key and full-text index checks, and hold the whole change or none
of it. The random seed is in every failure message, to replay a run.
"""

from __future__ import annotations

import inspect
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cvcdesk.services.demo import DemoService
from cvcdesk.store.backup import backup_sqlite, integrity_problems
from cvcdesk.store.database import open_database

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kill -9 is a POSIX signal"),
]

# Kills per scenario after the run to the end; set more for a longer soak.
KILLS = int(os.environ.get("CVCDESK_CRASH_KILLS", "2"))
SEED = int(os.environ.get("CVCDESK_CRASH_SEED", str(int(time.time()))))


def prepare(job: str, path: str, journal: str, extra: str) -> tuple[Any, Any]:
    """(database, the work) for one scenario; the same code runs here and in the child.

    Everything it needs is imported inside it, as the child runs its source on its own.
    """
    from pathlib import Path

    from cvcdesk.store.database import open_database

    db = open_database(Path(path), removable=journal == "delete")
    if job == "demo":
        from cvcdesk.services.demo import DemoService

        demo = DemoService(db, actor="crash")
        return db, lambda: demo.generate(volunteers=1500, groups=12, seed=7)
    if job == "merge":
        from cvcdesk.services.merge import MergeService

        merges = MergeService(db, actor="crash")
        pairs = [line.split() for line in Path(extra).read_text().splitlines()]
        return db, lambda: [merges.merge(keep, other) for keep, other in pairs]
    if job == "import":
        from cvcdesk.services.imports import ImportService

        importer = ImportService(db, actor="crash")
        return db, lambda: importer.import_rows(Path(extra), kind="volunteers")
    from cvcdesk.services.sync import SyncService

    # The alert scan that follows an import is a separate step; the import is the change.
    syncing = SyncService(db, actor="crash")
    return db, lambda: syncing.import_file(Path(extra), scan_alerts=False)


# The child prepares, says "go", does the work and says so; the parent kills it in between.
CHILD = (
    "import sys, time\nfrom typing import Any\n"
    + inspect.getsource(prepare)
    + """
db, work = prepare(*sys.argv[1:5])
print("go", flush=True)
work()
print("done", flush=True)
db.close()
"""
)


def run_to_the_end(args: list[str]) -> float:
    """The scenario's work done here, in this process: how many seconds it took."""
    db, work = prepare(*args)
    try:
        started = time.monotonic()
        work()
        return time.monotonic() - started
    finally:
        db.close()


def run_child(args: list[str], kill_after: float) -> bool:
    """Run the child and kill -9 it `kill_after` seconds after it says "go"; did it finish?"""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline().strip()
        if first != "go":
            _out, err = child.communicate(timeout=60)
            raise AssertionError(f"the child did not start: {first!r} {err[-2000:]}")
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
        out, _err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return "done" in out


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def assert_sound(path: Path, journal: str, context: str) -> None:
    """The database opens as cvcdesk opens it and passes every check SQLite has."""
    with open_database(path, removable=journal == "delete") as db:
        assert db.journal_mode == ("DELETE" if journal == "delete" else "WAL")
    assert integrity_problems(path) == [], context
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], context
        for table in ("volunteer", "organisation"):
            # FTS5 compares its index with the rows it indexes; raises if they differ.
            conn.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('integrity-check')")
    finally:
        conn.close()


def crash_repeatedly(
    tmp_path: Path,
    start: Path,
    args: Callable[[Path], list[str]],
    journal: str,
    check: Callable[[Path, str], None],
) -> None:
    """Run to the end once, then until KILLS runs were killed by kill -9 inside the work."""
    rng = random.Random(SEED)
    full = tmp_path / "full.db"
    shutil.copy(start, full)
    estimate = run_to_the_end(args(full))
    check(full, f"seed {SEED}, run to the end")
    killed_inside = attempts = 0
    while killed_inside < KILLS and attempts < 3 * KILLS:
        copy = tmp_path / f"killed-{attempts}.db"
        shutil.copy(start, copy)
        delay = estimate * rng.uniform(0.05, 0.95)
        context = f"seed {SEED}, attempt {attempts}, killed after {delay:.3f}s"
        if run_child(args(copy), kill_after=delay):
            estimate *= 0.6  # this run was quicker than the first: aim earlier
        else:
            killed_inside += 1
        attempts += 1
        assert_sound(copy, journal, context)
        check(copy, context)
    assert killed_inside, f"seed {SEED}: every run finished before it could be killed"


# ---- a large demo generation: one transaction ----------------------------------------------


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_killed_demo_generation_leaves_all_of_it_or_none(tmp_path: Path, journal: str) -> None:
    start = tmp_path / "start.db"
    open_database(start, removable=journal == "delete").close()
    empty = table_counts(start)
    complete: dict[str, dict[str, int]] = {}

    def check(path: Path, context: str) -> None:
        counts = table_counts(path)
        if not complete:
            assert counts["volunteer"] >= 1500
            complete["counts"] = counts
        assert counts in (empty, complete["counts"]), context

    crash_repeatedly(tmp_path, start, lambda p: ["demo", str(p), journal, ""], journal, check)


# ---- a large batch of merges: one transaction each, in order ------------------------------


@pytest.fixture(scope="module")
def duplicated_county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[str]]]:
    """A county of demo volunteers, and the pairs the generator registered twice on purpose."""
    folder = tmp_path_factory.mktemp("county")
    path = folder / "county.db"
    with open_database(path) as db:
        DemoService(db, actor="setup").generate(volunteers=2000, groups=12, seed=11)
    start = folder / "start.db"
    backup_sqlite(path, start)
    conn = sqlite3.connect(start)
    try:
        pairs = conn.execute(
            "SELECT d.original_uuid, d.duplicate_uuid FROM demo_duplicate d "
            "JOIN volunteer a ON a.uuid = d.original_uuid "
            "JOIN volunteer b ON b.uuid = d.duplicate_uuid ORDER BY d.duplicate_uuid"
        ).fetchall()
    finally:
        conn.close()
    # Each record in one pair only, so every merge stands on its own.
    seen: set[str] = set()
    chosen = []
    for keep, other in pairs:
        if not {keep, other} & seen:
            seen |= {keep, other}
            chosen.append([keep, other])
    return start, chosen[:30]


def test_a_killed_batch_of_merges_leaves_each_merge_whole_or_not_begun(
    tmp_path: Path, duplicated_county: tuple[Path, list[list[str]]]
) -> None:
    start, pairs = duplicated_county
    assert len(pairs) >= 20
    pair_file = tmp_path / "pairs.txt"
    pair_file.write_text("\n".join(" ".join(pair) for pair in pairs))
    conn = sqlite3.connect(start)
    try:
        members_before = {
            other: conn.execute(
                "SELECT count(*) FROM membership m JOIN volunteer v ON v.id = m.volunteer_id "
                "WHERE v.uuid = ? AND m.deleted = 0",
                (other,),
            ).fetchone()[0]
            for _keep, other in pairs
        }
    finally:
        conn.close()

    def check(path: Path, context: str) -> None:
        conn = sqlite3.connect(path)
        try:
            merged = []
            for keep, other in pairs:
                deleted, replaced_by = conn.execute(
                    "SELECT deleted, replaced_by FROM volunteer WHERE uuid = ?", (other,)
                ).fetchone()
                live_members = conn.execute(
                    "SELECT count(*) FROM membership m JOIN volunteer v ON v.id = m.volunteer_id "
                    "WHERE v.uuid = ? AND m.deleted = 0",
                    (other,),
                ).fetchone()[0]
                if deleted:
                    assert replaced_by == keep, context
                    assert live_members == 0, context
                else:
                    assert replaced_by is None, context
                    assert live_members == members_before[other], context
                merged.append(bool(deleted))
            # Merges run one after another: those done are a prefix of the list.
            done = merged.count(True)
            assert merged == [True] * done + [False] * (len(pairs) - done), context
            # The history entry (which also holds what undo needs) came with each merge.
            audits = conn.execute(
                "SELECT count(*) FROM audit_entry WHERE action = 'merge'"
            ).fetchone()[0]
            assert audits == done, context
        finally:
            conn.close()

    crash_repeatedly(
        tmp_path, start, lambda p: ["merge", str(p), "wal", str(pair_file)], "wal", check
    )


def whole_or_none(before: dict[str, int]) -> Callable[[Path, str], None]:
    """A check that every table's row count is as before, or as after the run to the end."""
    complete: dict[str, dict[str, int]] = {}

    def check(path: Path, context: str) -> None:
        counts = table_counts(path)
        if not complete:
            assert counts != before, "the run to the end changed nothing"
            complete["counts"] = counts
        assert counts in (before, complete["counts"]), context

    return check


# ---- a large spreadsheet import: one transaction -------------------------------------------


def test_a_killed_spreadsheet_import_leaves_all_of_it_or_none(tmp_path: Path) -> None:
    pytest.importorskip("cvcdesk.services.imports")
    sheet = tmp_path / "mutual-aid.csv"
    rows = ["First name,Surname,Mobile,E-mail,Post code"]
    rows += [
        f"Person{n},Jones{n % 97},07712 {300000 + n},p{n}@example.org,SA61 {1 + n % 9}AB"
        for n in range(3000)
    ]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    start = tmp_path / "start.db"
    open_database(start).close()
    check = whole_or_none(table_counts(start))
    crash_repeatedly(tmp_path, start, lambda p: ["import", str(p), "wal", str(sheet)], "wal", check)


# ---- a large partner sync file: one transaction --------------------------------------------


@pytest.fixture(scope="module")
def partner_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a database that trusts a partner, a large file from that partner to it)."""
    pytest.importorskip("cvcdesk.services.sync")
    from cvcdesk.domain.organisation import OrganisationData
    from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
    from cvcdesk.services.registry import Services

    folder = tmp_path_factory.mktemp("partners")
    sender = Services.over(open_database(folder / "sender.db"), actor="setup")
    receiver = Services.over(open_database(folder / "receiver.db"), actor="setup")
    try:
        sender.demo.generate(volunteers=1500, groups=10, seed=13)
        own = sender.organisations.list(limit=1)[0].uuid
        sender.identity.write_identity(folder / "sender.json", organisation=own)
        group = receiver.organisations.create(OrganisationData(name_en="Receiving CVC"))
        receiver.identity.write_identity(folder / "receiver.json", organisation=group.uuid)
        partner = sender.partners.add(folder / "receiver.json").name
        receiver.partners.add(folder / "sender.json")
        sender.partners.set_profile(
            partner, SharingProfile(volunteers=VolunteerSharing.FULL, households=True)
        )
        sync_file = folder / "to-receiver.cvcsync"
        sender.sync.export(partner, sync_file, full=True)
    finally:
        sender.close()
        receiver.close()
    start = folder / "start.db"
    backup_sqlite(folder / "receiver.db", start)
    return start, sync_file


def test_a_killed_sync_import_leaves_all_of_it_or_none(
    tmp_path: Path, partner_file: tuple[Path, Path]
) -> None:
    start, sync_file = partner_file
    check = whole_or_none(table_counts(start))
    crash_repeatedly(
        tmp_path, start, lambda p: ["sync", str(p), "wal", str(sync_file)], "wal", check
    )
