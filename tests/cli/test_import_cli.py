"""`cvcdesk import`, `export … .xlsx`, `oruk export` and `privacy …` run as real commands."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG="en")
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Gwirfoddolwyr"
    sheet.append(["Enw cyntaf", "Cyfenw", "Rhif ffôn", "Cod post", "Cyf", "Nodyn"])
    sheet.append(["Siân", "Glyndŵr", 7712345678, "SA61 1AB", "R1", '=HYPERLINK("x")'])
    sheet.append(["Dafydd", "ap Gwilym", "07712 345679", "SA62 6AB", "R2", ""])
    sheet.append(["Aled", "", "0771", "XX", "R3", ""])
    sheet.append(["Sian", "Glyndwr", "07712 345678", "SA61 1AB", "R4", ""])
    book.save(path)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cvcdesk.db"


def count(db: Path, data_dir: Path) -> int:
    """Live volunteers, read straight from the file (each command start costs seconds)."""
    if not db.exists():
        return 0
    connection = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return int(
            connection.execute("SELECT count(*) FROM volunteer WHERE deleted = 0").fetchone()[0]
        )
    finally:
        connection.close()


def test_import_reports_rows_skips_and_duplicates(tmp_path: Path, db: Path) -> None:
    source = workbook(tmp_path / "gwirfoddolwyr.xlsx")
    before = source.read_bytes()
    dry = run("--db", str(db), "import", "volunteers", str(source), "--dry-run", "--json",
              data_dir=tmp_path)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert (report["dry_run"], report["rows_read"], report["imported"]) == (True, 4, 3)
    assert count(db, tmp_path) == 0

    result = run("--db", str(db), "import", "volunteers", str(source), "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["rows_read"], report["imported"], report["skipped"]) == (4, 3, 1)
    assert report["mapping"]["Rhif ffôn"] == "phone"
    [skipped] = report["skipped_rows"]
    assert skipped["row"] == 4
    columns = {reason["column"] for reason in skipped["reasons"]}
    assert columns == {"Cyfenw", "Rhif ffôn", "Cod post"}
    [duplicate] = report["possible_duplicates"]
    assert (duplicate["row"], duplicate["other_row"]) == (5, 2)
    assert duplicate["reasons"]
    assert count(db, tmp_path) == 3
    assert source.read_bytes() == before

    again = run("--db", str(db), "import", "volunteers", str(source), "--dry-run",
                data_dir=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "Read 4 rows from gwirfoddolwyr.xlsx (sheet “Gwirfoddolwyr”)." in again.stdout
    assert "Nothing was saved (dry run)." in again.stdout
    assert "Row 4, column “Rhif ffôn” (“0771”)" in again.stdout
    assert "Row 2 looks like Siân Glyndŵr, reference R1" in again.stdout


def test_import_with_a_mapping_file_and_groups(tmp_path: Path, db: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_bytes(
        "Organisation;Welsh name;Type;Post code\r\n"
        "Happy House;Tŷ Hapus;Mutual aid;SA61 1AB\r\n".encode("utf-8-sig")
    )
    result = run("--db", str(db), "import", "groups", str(groups), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 1, merged 0, skipped 0." in result.stdout

    people = tmp_path / "people.csv"
    people.write_text("Who,Digits\r\nSiân Glyndŵr,07712 345678\r\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Who": "full_name", "Digits": "phone"}), encoding="utf-8")
    result = run("--db", str(db), "import", "volunteers", str(people), "--mapping", str(mapping),
                 "--group", "Tŷ Hapus", "--json", data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == 1
    connection = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    members = connection.execute(
        "SELECT v.last_name, o.name_en FROM membership ms"
        " JOIN volunteer v ON v.id = ms.volunteer_id"
        " JOIN organisation o ON o.id = ms.organisation_id"
    ).fetchall()
    connection.close()
    assert members == [("Glyndŵr", "Happy House")]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x00\x01\x02junk" * 100, "not a spreadsheet"),
        (b"PK\x03\x04truncated", "damaged or incomplete"),
        (b"Colour,Size\nred,9\n", "No column is set to hold the volunteers' names"),
    ],
)
def test_a_refused_file_is_one_line_on_stderr(
    tmp_path: Path, db: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = run("--db", str(db), "import", "volunteers", str(path), data_dir=tmp_path)
    assert result.returncode == 1
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_mapping_file_and_usage(tmp_path: Path, db: Path) -> None:
    source = workbook(tmp_path / "v.xlsx")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"Enw cyntaf": "shoe_size"}', encoding="utf-8")
    result = run("--db", str(db), "import", "volunteers", str(source), "--mapping", str(mapping),
                 data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert "“shoe_size” is not a field" in result.stderr
    usage = run("--db", str(db), "import", "people", str(source), data_dir=tmp_path)
    assert usage.returncode == 2


def test_export_xlsx_oruk_and_privacy(tmp_path: Path, db: Path) -> None:
    source = workbook(tmp_path / "v.xlsx")
    assert (
        run("--db", str(db), "import", "volunteers", str(source), data_dir=tmp_path).returncode == 0
    )

    out = tmp_path / "volunteers.xlsx"
    result = run("--db", str(db), "export", "volunteers", str(out), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote 3 rows" in result.stdout
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    notes = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "first_name" in header
    assert all(not str(value).startswith("=") for row in notes for value in row if value)

    oruk = tmp_path / "oruk.json"
    result = run("--db", str(db), "oruk", "export", "-o", str(oruk), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(oruk.read_text(encoding="utf-8"))["oruk_version"] == "3.0"

    sar = tmp_path / "sar.json"
    result = run("--db", str(db), "privacy", "sar", "R1", "-o", str(sar), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    held = json.loads(sar.read_text(encoding="utf-8"))
    assert held["volunteer"]["last_name"] == "Glyndŵr"
    pdf = tmp_path / "sar.pdf"
    result = run("--db", str(db), "privacy", "sar", "R1", "-o", str(pdf), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")

    refused = run("--db", str(db), "privacy", "erase", "R1", data_dir=tmp_path)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert count(db, tmp_path) == 3
    erased = run("--db", str(db), "privacy", "erase", "R1", "--yes", "--json", data_dir=tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["uuid"] == held["volunteer"]["uuid"]
    assert count(db, tmp_path) == 2

    retention = run("--db", str(db), "privacy", "retention", "--months", "3", "--json",
                    data_dir=tmp_path)  # fmt: skip
    assert retention.returncode == 0, retention.stderr
    assert json.loads(retention.stdout) == []  # everyone joined today
    bad = run("--db", str(db), "privacy", "retention", "--months", "0", data_dir=tmp_path)
    assert bad.returncode == 2
    missing = run("--db", str(db), "privacy", "sar", "nobody", "-o", str(pdf), data_dir=tmp_path)
    assert missing.returncode == 1 and "nobody" in missing.stderr
