"""The `cvcdesk` command run as a real subprocess on real database files."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, data_dir: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG=lang)
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    result = run(
        "--db",
        str(path),
        "demo",
        "--volunteers",
        "300",
        "--groups",
        "8",
        "--seed",
        "7",
        data_dir=folder,
    )
    assert result.returncode == 0, result.stderr
    assert "300 volunteers" in result.stdout
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_volunteers_list_json_prints_every_volunteer(demo_db: Path, tmp_path: Path) -> None:
    result = run("--db", str(demo_db), "volunteers", "list", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 300
    first = rows[0]
    for key in ("uuid", "reference", "first_name", "last_name", "postcode", "status"):
        assert key in first
    assert len({row["uuid"] for row in rows}) == 300


def test_volunteers_search_and_limit(demo_db: Path, tmp_path: Path) -> None:
    everyone = json.loads(
        run("--db", str(demo_db), "volunteers", "list", "--json", data_dir=tmp_path).stdout
    )
    target = next(r for r in everyone if " " not in r["last_name"])
    by_reference = json.loads(
        run(
            "--db",
            str(demo_db),
            "volunteers",
            "list",
            "--search",
            target["reference"],
            "--json",
            data_dir=tmp_path,
        ).stdout
    )
    assert [r["uuid"] for r in by_reference] == [target["uuid"]]
    prefix = target["last_name"][:4]
    found = json.loads(
        run(
            "--db",
            str(demo_db),
            "volunteers",
            "list",
            "--search",
            prefix,
            "--json",
            data_dir=tmp_path,
        ).stdout
    )
    assert target["uuid"] in {r["uuid"] for r in found}
    assert len(found) < len(everyone)
    limited = json.loads(
        run(
            "--db", str(demo_db), "volunteers", "list", "--limit", "5", "--json", data_dir=tmp_path
        ).stdout
    )
    assert [r["uuid"] for r in limited] == [r["uuid"] for r in everyone[:5]]


def test_groups_and_activities_lists(demo_db: Path, tmp_path: Path) -> None:
    groups = json.loads(
        run("--db", str(demo_db), "groups", "list", "--json", data_dir=tmp_path).stdout
    )
    assert len(groups) == 8
    assert all(g["uuid"] and g["name_en"] for g in groups)
    result = run("--db", str(demo_db), "activities", "list", "--json", data_dir=tmp_path)
    activities = json.loads(result.stdout)
    assert activities
    for key in ("uuid", "title", "group_uuid", "group_name", "service", "next_shift"):
        assert key in activities[0]
    one_group = activities[0]["group_name"]
    only = json.loads(
        run(
            "--db",
            str(demo_db),
            "activities",
            "list",
            "--group",
            one_group,
            "--json",
            data_dir=tmp_path,
        ).stdout
    )
    assert only and {a["group_name"] for a in only} == {one_group}


def test_export_volunteers_csv_has_uuid_and_reference(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "volunteers.csv"
    result = run("--db", str(demo_db), "export", "volunteers", str(out), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300
    assert rows[0]["uuid"] and rows[0]["reference"]
    assert not list(tmp_path.glob(".volunteers.csv.*")), "no temporary file left behind"


def test_check_passes_on_a_healthy_database(demo_db: Path, tmp_path: Path) -> None:
    result = run("--db", str(demo_db), "check", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout
    report = json.loads(run("--db", str(demo_db), "check", "--json", data_dir=tmp_path).stdout)
    assert report["ok"] is True
    assert report["counts"]["volunteers"] == 300


@pytest.mark.parametrize("command", [["volunteers", "list"], ["check"], ["groups", "list"]])
def test_a_mistyped_database_path_is_refused_and_nothing_is_made(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "no-such-folder" / "cvcdesk.db"
    result = run("--db", str(typo), *command, data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"cvcdesk: There is no database at “{typo}”. Check the path; “cvcdesk --db PATH demo”, "
        "an import or the desktop app makes a new one."
    ]
    assert not typo.parent.exists()
    empty = run("--db", "", *command, data_dir=tmp_path / "data")
    assert empty.returncode == 1
    assert "give the path of a database file" in empty.stderr


@pytest.mark.parametrize(
    "content",
    [b"name,phone\nDafydd,07700 900123\n", b"\x00\x01garbage" * 100],
    ids=["csv-text", "binary-junk"],
)
def test_a_file_that_is_not_a_database_is_refused_unchanged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-a-database.db"
    path.write_bytes(content)
    before = digest(path)
    result = run("--db", str(path), "volunteers", "list", data_dir=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a cvcdesk database" in result.stderr
    assert digest(path) == before


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "x.db"), "demo", "--volunteers", "many", data_dir=tmp_path)
    assert result.returncode == 2
    assert "many" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists(), "a usage error touches no database"
    assert run("frobnicate", data_dir=tmp_path).returncode == 2


def test_demo_refuses_a_database_that_has_records(demo_db: Path, tmp_path: Path) -> None:
    before = run("--db", str(demo_db), "check", "--json", data_dir=tmp_path).stdout
    result = run("--db", str(demo_db), "demo", "--volunteers", "10", data_dir=tmp_path)
    assert result.returncode == 1
    assert "empty database" in result.stderr
    after = run("--db", str(demo_db), "check", "--json", data_dir=tmp_path).stdout
    assert json.loads(after)["counts"] == json.loads(before)["counts"]


def test_export_to_an_unknown_file_type_is_refused(demo_db: Path, tmp_path: Path) -> None:
    result = run(
        "--db", str(demo_db), "export", "volunteers", str(tmp_path / "v.txt"), data_dir=tmp_path
    )
    assert result.returncode == 1
    assert ".csv" in result.stderr
    assert not (tmp_path / "v.txt").exists()


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    assert (
        run(
            "--db", str(db), "demo", "--volunteers", "20", "--groups", "2", data_dir=tmp_path
        ).returncode
        == 0
    )
    backup = tmp_path / "copy.db"
    result = run("--db", str(db), "backup", "-o", str(backup), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert backup.exists()
    other = tmp_path / "other.db"
    assert (
        run(
            "--db", str(other), "demo", "--volunteers", "5", "--groups", "1", data_dir=tmp_path
        ).returncode
        == 0
    )
    result = run("--db", str(other), "restore", str(backup), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    restored = json.loads(run("--db", str(other), "check", "--json", data_dir=tmp_path).stdout)
    assert restored["counts"]["volunteers"] == 20
    assert list((tmp_path / "backups").glob("other-*-before-restore.db"))


def test_default_database_lives_in_the_user_data_folder(tmp_path: Path) -> None:
    result = run("check", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["database"] == str(tmp_path / "cvcdesk.db")


def test_welsh_output(demo_db: Path, tmp_path: Path) -> None:
    english = run("--db", str(demo_db), "check", data_dir=tmp_path).stdout
    welsh = run("--db", str(demo_db), "--lang", "cy", "check", data_dir=tmp_path).stdout
    assert welsh != english
    assert "All checks passed." not in welsh


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--volunteers", "99999999999", "give a number from 1 to 1,000,000"),
        ("--groups", "100000", "give a number from 1 to 10,000"),
        ("--volunteers", "0", "give a number of 1 or more"),
        ("--seed", "abc", "“abc” is not a whole number."),
    ],
)
def test_demo_refuses_sizes_it_cannot_sensibly_make(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    target = tmp_path / "demo.db"
    result = run("--db", str(target), "demo", option, value, data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"cvcdesk: argument {option}: {message}"
    assert "Traceback" not in result.stderr
    assert not target.exists()
