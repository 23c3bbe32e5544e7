"""`cvcdesk alerts ...` and `cvcdesk merge ...` run as real subprocesses on real database files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

KINDS = {
    "duplicate_volunteer",
    "duplicate_organisation",
    "coverage_overlap",
    "household_overlap",
    "double_booking",
    "dbs_problem",
}


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG="en")
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,  # not a terminal: nobody can answer a question
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("alerts-demo")
    path = folder / "demo.db"
    result = run(
        "--db", str(path), "demo", "--volunteers", "300", "--groups", "8", "--seed", "7",
        data_dir=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "county.db"
    shutil.copy(demo_db, copy)
    return copy


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def alerts_json(db: Path, tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    result = run("--db", str(db), "alerts", "list", "--json", *extra, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def refused(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    """Refused with the given exit status and one clear line, never a traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert words in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("cvcdesk: ")


def duplicate_pair(db: Path) -> tuple[str, str]:
    """A volunteer the demo entered twice: (original, duplicate)."""
    with sqlite3.connect(db) as conn:
        original, duplicate = conn.execute(
            "SELECT d.original_uuid, d.duplicate_uuid FROM demo_duplicate d "
            "JOIN volunteer a ON a.uuid = d.original_uuid "
            "JOIN volunteer b ON b.uuid = d.duplicate_uuid "
            "WHERE a.deleted = 0 AND b.deleted = 0 ORDER BY d.duplicate_uuid LIMIT 1"
        ).fetchone()
    return str(original), str(duplicate)


def test_scan_prints_counts_by_kind_and_list_prints_every_alert(db: Path, tmp_path: Path) -> None:
    result = run("--db", str(db), "alerts", "scan", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary["counts"]) == KINDS
    assert summary["full"] is True
    assert summary["counts"]["coverage_overlap"] >= 1  # the demo's neighbouring groups
    total = sum(summary["counts"].values())
    assert summary["new"] == total

    rows = alerts_json(db, tmp_path)
    assert len(rows) == total
    for row in rows:
        assert isinstance(row["id"], int)
        assert row["kind"] in KINDS and row["status"] == "open"
        assert isinstance(row["score"], float)
        assert row["reasons"] and all(isinstance(r, str) and r for r in row["reasons"])
        for record in row["records"]:
            assert {"type", "uuid", "reference"} <= set(record)
    assert any(r["type"] == "volunteer" and r["reference"] for row in rows for r in row["records"])
    coverage = alerts_json(db, tmp_path, "--kind", "coverage_overlap", "--limit", "1")
    assert len(coverage) == 1 and coverage[0]["kind"] == "coverage_overlap"

    text = run("--db", str(db), "alerts", "scan", data_dir=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Groups covering the same area" in text.stdout
    assert "Records changed since the last scan: " in text.stdout
    listing = run(
        "--db", str(db), "alerts", "list", "--kind", "coverage_overlap", data_dir=tmp_path
    )
    assert listing.returncode == 0
    assert f"#{coverage[0]['id']}  Groups covering the same area  Open" in listing.stdout
    assert coverage[0]["reasons"][0] in listing.stdout


def test_acknowledge_and_dismiss_by_number(db: Path, tmp_path: Path) -> None:
    assert run("--db", str(db), "alerts", "scan", data_dir=tmp_path).returncode == 0
    first, second = alerts_json(db, tmp_path, "--limit", "2")
    ack = run("--db", str(db), "alerts", "ack", str(first["id"]), data_dir=tmp_path)
    assert ack.returncode == 0, ack.stderr
    assert ack.stdout.strip() == f"Alert {first['id']} is now “Acknowledged”."
    dismiss = run(
        "--db", str(db), "alerts", "dismiss", str(second["id"]), "--reason", "Mother and son",
        data_dir=tmp_path,
    )  # fmt: skip
    assert dismiss.returncode == 0, dismiss.stderr
    rescan = run("--db", str(db), "alerts", "scan", "--full", "--json", data_dir=tmp_path)
    assert json.loads(rescan.stdout)["reopened"] == 0
    [kept] = [r for r in alerts_json(db, tmp_path, "--status", "dismissed")]
    assert kept["id"] == second["id"] and kept["decision"] == "Mother and son"
    assert [r["id"] for r in alerts_json(db, tmp_path, "--status", "acknowledged")] == [first["id"]]


def test_bad_alert_commands_are_refused_and_change_nothing(db: Path, tmp_path: Path) -> None:
    assert run("--db", str(db), "alerts", "scan", data_dir=tmp_path).returncode == 0
    [row] = alerts_json(db, tmp_path, "--limit", "1")
    before = digest(db)
    refused(
        run("--db", str(db), "alerts", "dismiss", str(row["id"]), "--reason", " ",
            data_dir=tmp_path),
        1,
        f"Say why alert {row['id']} is not a problem",
    )  # fmt: skip
    refused(
        run("--db", str(db), "alerts", "ack", "999999", data_dir=tmp_path),
        1,
        "There is no alert “999999”",
    )
    refused(
        run("--db", str(db), "alerts", "dismiss", str(row["id"]), data_dir=tmp_path),
        2,
        "--reason",
    )
    refused(
        run("--db", str(db), "alerts", "list", "--kind", "gossip", data_dir=tmp_path),
        2,
        "invalid choice",
    )
    assert digest(db) == before


def test_merge_asks_first_and_is_refused_without_a_terminal(db: Path, tmp_path: Path) -> None:
    keep, other = duplicate_pair(db)
    before = digest(db)
    result = run("--db", str(db), "merge", keep, other, data_dir=tmp_path)
    refused(result, 2, "add --yes")
    assert "Keep:" in result.stdout and "Merge away:" in result.stdout  # the preview was shown
    assert digest(db) == before


def test_merge_with_yes_then_undo(db: Path, tmp_path: Path) -> None:
    keep, other = duplicate_pair(db)

    def listed() -> set[str]:
        result = run("--db", str(db), "volunteers", "list", "--json", data_dir=tmp_path)
        return {row["uuid"] for row in json.loads(result.stdout)}

    assert {keep, other} <= listed()
    merged = run(
        "--db", str(db), "merge", keep, other, "--prefer-other", "phone", "--yes",
        data_dir=tmp_path,
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    assert f"Merged {other} into {keep}." in merged.stdout
    assert f"cvcdesk merge --undo {keep}" in merged.stdout
    assert other not in listed() and keep in listed()

    undone = run("--db", str(db), "merge", "--undo", keep, data_dir=tmp_path)
    assert undone.returncode == 0, undone.stderr
    assert {keep, other} <= listed()
    refused(run("--db", str(db), "merge", "--undo", keep, data_dir=tmp_path), 1, "no merge to undo")


def test_merge_backs_the_database_up_first(db: Path, tmp_path: Path) -> None:
    keep, other = duplicate_pair(db)
    folder = db.parent / "backups"
    merged = run("--db", str(db), "merge", keep, other, "--yes", data_dir=tmp_path)
    assert merged.returncode == 0, merged.stderr
    copies = sorted(folder.glob("county-*-before-merge.db"))
    assert len(copies) == 1
    assert f"backed up first, to {copies[0]}" in merged.stdout
    # A real SQLite copy that passes its check, holding both records as they were.
    connection = sqlite3.connect(f"{copies[0].as_uri()}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        live = {
            row[0]
            for row in connection.execute(
                "SELECT uuid FROM volunteer WHERE deleted = 0 AND uuid IN (?, ?)", (keep, other)
            )
        }
    finally:
        connection.close()
    assert live == {keep, other}


def test_merge_is_refused_when_the_backup_cannot_be_made(db: Path, tmp_path: Path) -> None:
    keep, other = duplicate_pair(db)
    (db.parent / "backups").write_text("a file where the backups folder should be")
    before = digest(db)
    result = run("--db", str(db), "merge", keep, other, "--yes", data_dir=tmp_path)
    refused(result, 1, "Nothing was merged: the database could not be backed up first")
    assert digest(db) == before


def test_bad_merges_are_refused_and_change_nothing(db: Path, tmp_path: Path) -> None:
    keep, other = duplicate_pair(db)
    before = digest(db)
    refused(
        run("--db", str(db), "merge", keep, keep, "--yes", data_dir=tmp_path),
        1,
        "cannot be merged with itself",
    )
    refused(
        run("--db", str(db), "merge", keep, "no-such-record", "--yes", data_dir=tmp_path),
        1,
        "no-such-record",
    )
    refused(
        run("--db", str(db), "merge", keep, other, "--prefer-other", "shoe_size", "--yes",
            data_dir=tmp_path),
        2,
        "no field “shoe_size”",
    )  # fmt: skip
    refused(run("--db", str(db), "merge", keep, data_dir=tmp_path), 2, "give the id")
    assert digest(db) == before
