"""`cvcdesk report coverage|figures` run as real subprocesses on a demo database."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader


def run(*args: str, data_dir: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG=lang)
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-demo")
    path = folder / "demo.db"
    made = run(
        "--db", str(path), "demo", "--volunteers", "300", "--groups", "8", "--seed", "7",
        data_dir=folder,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    scanned = run("--db", str(path), "alerts", "scan", data_dir=folder)
    assert scanned.returncode == 0, scanned.stderr
    return path


def a_district(db: Path) -> str:
    """A postcode district the demo's groups cover."""
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT a.code FROM coverage c JOIN area a ON a.id = c.area_id "
            "WHERE a.kind = 'district' ORDER BY a.code LIMIT 1"
        ).fetchone()
    return str(row[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert words in result.stderr


def test_figures_json_is_one_document(demo_db: Path, tmp_path: Path) -> None:
    before = digest(demo_db)
    today = dt.date.today()
    start = (today - dt.timedelta(days=90)).isoformat()
    result = run(
        "--db", str(demo_db), "report", "figures", "--from", start, "--to", today.isoformat(),
        "--json", data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["from"] == start and document["to"] == today.isoformat()
    assert document["area"] is None
    assert isinstance(document["volunteers"]["registered"], int)
    assert document["volunteers"]["registered"] > 200
    assert isinstance(document["hours"], float) and document["hours"] > 0
    assert len(document["months"]) in (4, 5)
    assert set(document["open_alerts_by_kind"]) == {
        "duplicate_volunteer",
        "duplicate_organisation",
        "coverage_overlap",
        "household_overlap",
        "double_booking",
        "dbs_problem",
    }
    for value in (m["active"] for m in document["months"]):
        assert value == "<5" or value == 0 or value >= 5
    for private in ("first_name", "last_name", "email", "+44", "reference"):
        assert private not in result.stdout
    assert digest(demo_db) == before  # reading figures changes nothing


def test_figures_for_an_area_as_text(demo_db: Path, tmp_path: Path) -> None:
    district = a_district(demo_db)
    result = run(
        "--db", str(demo_db), "report", "figures", "--area", district.lower(), data_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{district}, ")
    assert "Hours given" in result.stdout
    # The rules for withheld numbers, each in one sentence, under the figures.
    last = result.stdout.rstrip().splitlines()[-2:]
    assert "“fewer than 5”" in last[0]
    assert "worked out by subtracting" in last[1] and "rounded to the nearest 10" in last[1]
    welsh = run(
        "--db", str(demo_db), "--lang", "cy", "report", "figures", "--area", district,
        data_dir=tmp_path,
    )  # fmt: skip
    assert welsh.returncode == 0, welsh.stderr
    assert "Dyddiad ymuno" not in welsh.stdout


def districts(db: Path, limit: int) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT DISTINCT a.code FROM coverage c JOIN area a ON a.id = c.area_id "
            "WHERE a.kind = 'district' ORDER BY a.code LIMIT ?",
            (limit,),
        ).fetchall()
    return [str(row[0]) for row in rows]


def withheld(value: object) -> bool:
    return value in ("<5", "withheld")


def check_no_subtraction(document: dict[str, Any]) -> None:
    """In the published figures, no withheld number is the total less the numbers shown."""
    months = document["months"]
    flows = [month[key] for month in months for key in ("new", "leaving")]
    if any(withheld(value) for value in flows):
        assert document["volunteers"]["on_books_rounded_to"] == 10
        stocks = [month["registered"] for month in months]
        stocks.append(document["volunteers"]["registered"])
        assert all(withheld(n) or n % 10 == 0 for n in stocks), stocks
    for key in ("new", "leaving"):
        column = [month[key] for month in months]
        if not withheld(document["volunteers"][key]):
            assert sum(withheld(value) for value in column) != 1, (key, column)
    sets = {
        "months": [month["hours"] for month in months],
        **{key: [line["hours"] for line in document[key]] for key in (
            "hours_by_group", "hours_by_service", "hours_by_area"
        )},
    }  # fmt: skip
    for name, values in sets.items():
        if not withheld(document["hours"]):
            assert sum(withheld(value) for value in values) != 1, (name, values)
    households = [line["households"] for line in document["households_by_service"]]
    if not withheld(document["households"]):
        assert sum(withheld(value) for value in households) != 1, households
    assert not isinstance(document["volunteers"]["welsh_speakers_percent"], str) or (
        document["volunteers"]["welsh_speakers_percent"] in ("", "withheld")
    )


def test_no_withheld_number_comes_back_by_subtraction(demo_db: Path, tmp_path: Path) -> None:
    checked = 0
    for area in (None, *districts(demo_db, 4)):
        where = ("--area", area) if area else ()
        result = run(
            "--db", str(demo_db), "report", "figures", *where, "--json", data_dir=tmp_path
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        check_no_subtraction(document)
        checked += 1
    assert checked >= 2


def test_an_areas_coverage_sheet_holds_its_sectors(demo_db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(demo_db) as connection:
        found = connection.execute(
            "SELECT code FROM area WHERE kind = 'sector' AND NOT deleted ORDER BY code LIMIT 1"
        ).fetchone()
    assert found is not None
    district = str(found[0]).partition(" ")[0]
    path = tmp_path / "area.xlsx"
    result = run(
        "--db", str(demo_db), "report", "figures", "--area", district, "-o", str(path),
        data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    book = load_workbook(path, read_only=True)
    rows = list(book["Coverage"].iter_rows(values_only=True))
    book.close()
    assert rows[0][:2] == ("Area", "Part of")
    assert rows[1][:2] == (district, None)
    sectors = [row for row in rows[2:] if row[1] == district]
    assert sectors and all(str(row[0]).startswith(f"{district} ") for row in sectors)


def test_figures_to_csv_and_xlsx(demo_db: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "figures.csv"
    result = run("--db", str(demo_db), "report", "figures", "-o", str(csv_path), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["section", "code", "name", "measure", "value"]
    assert {row[0] for row in rows[1:]} >= {"summary", "months", "hours_by_group", "coverage"}
    xlsx_path = tmp_path / "figures.xlsx"
    result = run(
        "--db", str(demo_db), "--lang", "cy", "report", "figures", "-o", str(xlsx_path),
        data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    book = load_workbook(xlsx_path, read_only=True)
    assert len(book.sheetnames) == 10
    months = next(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert "Dyddiad ymuno" not in months  # the number joining, not a volunteer's date joined
    notes = list(book[book.sheetnames[-1]].iter_rows(min_row=2, values_only=True))
    assert [code for code, _note in notes] == ["small_counts", "withheld"]
    book.close()


def test_coverage_report_in_welsh_and_english(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    result = run(
        "--db", str(demo_db), "report", "coverage", "--area", a_district(demo_db), "--lang", "both",
        "-o", str(path), data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Community activity report" in text
    assert "Parseli bwyd" in text and "Food parcels" in text


def test_coverage_report_refusals(demo_db: Path, tmp_path: Path) -> None:
    refused(
        run(
            "--db",
            str(demo_db),
            "report",
            "coverage",
            "--area",
            "XX99",
            "-o",
            str(tmp_path / "r.pdf"),
            data_dir=tmp_path,
        ),
        1,
        "There is no area “XX99”",
    )
    refused(
        run(
            "--db",
            str(demo_db),
            "report",
            "coverage",
            "--from",
            "2025-03-01",
            "--to",
            "2025-01-01",
            "-o",
            str(tmp_path / "r.pdf"),
            data_dir=tmp_path,
        ),
        1,
        "before it starts",
    )
    refused(
        run(
            "--db",
            str(demo_db),
            "report",
            "coverage",
            "-o",
            str(tmp_path / "r.txt"),
            data_dir=tmp_path,
        ),
        1,
        ".pdf",
    )
    assert not (tmp_path / "r.pdf").exists()


def test_usage_errors_exit_2(demo_db: Path, tmp_path: Path) -> None:
    refused(
        run("--db", str(demo_db), "report", "figures", "--from", "soon", data_dir=tmp_path),
        2,
        "is not a date",
    )
    refused(run("--db", str(demo_db), "report", "coverage", data_dir=tmp_path), 2, "-o")
    refused(
        run(
            "--db",
            str(demo_db),
            "report",
            "coverage",
            "--lang",
            "fr",
            "-o",
            "x.pdf",
            data_dir=tmp_path,
        ),
        2,
        "invalid choice",
    )
    refused(
        run("--db", str(demo_db), "report", "figures", "--json", "-o", "x.csv", data_dir=tmp_path),
        2,
        "not allowed",
    )
