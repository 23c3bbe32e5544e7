"""`cvcdesk areas ...` and the language of messages, run as a real subprocess on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cvcdesk.domain.organisation import CoverageData, OrganisationData
from cvcdesk.services.registry import Services


def run(*args: str, data_dir: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG=lang, LANG="en_GB.UTF-8")
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "county.db"


def areas(db_file: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("--db", str(db_file), "areas", *args, data_dir=tmp_path)


def listed(db_file: Path, tmp_path: Path) -> list[dict[str, object]]:
    result = areas(db_file, tmp_path, "communities", "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def refused_cleanly(result: subprocess.CompletedProcess[str]) -> str:
    """Exit status 1 and one clear line on stderr, never a traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cvcdesk: ")
    return lines[0]


def test_add_list_edit_and_remove_a_community(db_file: Path, tmp_path: Path) -> None:
    result = areas(
        db_file,
        tmp_path,
        "add-community",
        "hwlffordd",
        "--name-en",
        "Haverfordwest",
        "--name-cy",
        "Hwlffordd",
        "--postcodes",
        "SA61 1,sa612, SA62",
    )
    assert result.returncode == 0, result.stderr
    assert "Haverfordwest / Hwlffordd (HWLFFORDD)" in result.stdout
    assert "SA61 1, SA61 2, SA62" in result.stdout

    [row] = listed(db_file, tmp_path)
    assert row["code"] == "HWLFFORDD"
    assert (row["name_en"], row["name_cy"]) == ("Haverfordwest", "Hwlffordd")
    assert row["postcodes"] == ["SA61 1", "SA61 2", "SA62"]
    assert row["uuid"] and row["coverage_lines"] == 0
    table = areas(db_file, tmp_path, "communities")
    assert table.returncode == 0
    header, line = table.stdout.strip().splitlines()
    assert "Code" in header and "Welsh name" in header
    assert line.split()[:3] == ["HWLFFORDD", "Haverfordwest", "Hwlffordd"]

    # Only what is given changes; the Welsh name stays.
    edited = areas(
        db_file, tmp_path, "edit-community", "Hwlffordd", "--name-en", "Haverfordwest town",
        "--postcodes", "SA61 1,SA61 2", "--json",
    )  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    changed = json.loads(edited.stdout)
    assert (changed["name_en"], changed["name_cy"]) == ("Haverfordwest town", "Hwlffordd")
    assert changed["postcodes"] == ["SA61 1", "SA61 2"]
    nothing = areas(db_file, tmp_path, "edit-community", "HWLFFORDD")
    assert nothing.returncode == 2 and "--postcodes" in nothing.stderr

    # The report's --area takes the community by its Welsh name.
    figures = run(
        "--db", str(db_file), "report", "figures", "--area", "Hwlffordd", "--json",
        data_dir=tmp_path,
    )  # fmt: skip
    assert figures.returncode == 0, figures.stderr
    assert "HWLFFORDD" in figures.stdout

    removed = areas(db_file, tmp_path, "remove-community", "HWLFFORDD")
    assert removed.returncode == 0, removed.stderr
    assert "Removed the community Haverfordwest town / Hwlffordd (HWLFFORDD)" in removed.stdout
    assert listed(db_file, tmp_path) == []
    assert "No communities or wards yet" in areas(db_file, tmp_path, "communities").stdout


def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    db_file: Path, tmp_path: Path
) -> None:
    assert (
        areas(
            db_file, tmp_path, "add-community", "TYDDEWI", "--name-en", "St Davids",
            "--postcodes", "SA62 6",
        ).returncode
        == 0
    )  # fmt: skip
    before = listed(db_file, tmp_path)
    line = refused_cleanly(
        areas(
            db_file, tmp_path, "add-community", "SA62", "--name-en", "Solva",
            "--postcodes", "SA62 6,XX 1,SA62 9ZZZ,SA62 5",
        )
    )  # fmt: skip
    assert "Code “SA62” looks like a postcode area" in line
    assert "“XX 1”, “SA62 9ZZZ” are not postcode districts" in line
    line = refused_cleanly(
        areas(
            db_file, tmp_path, "add-community", "tyddewi", "--name-cy", "Tyddewi",
            "--postcodes", "SA62 6",
        )
    )  # fmt: skip
    assert "Code “TYDDEWI” is already the code of St Davids." in line
    line = refused_cleanly(
        areas(db_file, tmp_path, "add-community", "SOLFACH", "--postcodes", "SA62 6")
    )
    assert "Name: give the community's name in English, Welsh or both." in line
    line = refused_cleanly(
        areas(db_file, tmp_path, "edit-community", "TYDDEWI", "--postcodes", "St Davids")
    )
    assert "“St Davids” is not a postcode district" in line
    line = refused_cleanly(areas(db_file, tmp_path, "remove-community", "SOLFACH"))
    assert "no community or ward “SOLFACH”" in line
    assert listed(db_file, tmp_path) == before


def test_removing_a_community_in_use_needs_yes(db_file: Path, tmp_path: Path) -> None:
    assert (
        areas(
            db_file, tmp_path, "add-community", "DINBYCH-Y-PYSGOD", "--name-en", "Tenby",
            "--name-cy", "Dinbych-y-pysgod", "--postcodes", "SA70 7,SA70 8",
        ).returncode
        == 0
    )  # fmt: skip
    services = Services.open(db_file)
    try:
        services.organisations.create(
            OrganisationData(
                name_en="Tenby Good Neighbours",
                coverage=(
                    CoverageData("shopping", "DINBYCH-Y-PYSGOD"),
                    CoverageData("transport", "dinbych-y-pysgod"),
                ),
            )
        )
    finally:
        services.close()
    line = refused_cleanly(areas(db_file, tmp_path, "remove-community", "Tenby"))
    assert "is the area of 2 records (coverage lines: 2; activities: 0)" in line
    assert "add --yes" in line
    [row] = listed(db_file, tmp_path)
    assert row["coverage_lines"] == 2
    removed = areas(db_file, tmp_path, "remove-community", "Tenby", "--yes", "--json")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["code"] == "DINBYCH-Y-PYSGOD"
    assert listed(db_file, tmp_path) == []


def test_a_commands_own_lang_option_leaves_the_messages_in_english(
    db_file: Path, tmp_path: Path
) -> None:
    assert areas(db_file, tmp_path, "communities").returncode == 0  # starts the database
    assert db_file.exists()
    pdf = str(tmp_path / "report.pdf")
    report = ("report", "coverage", "--area", "XX99", "-o", pdf)
    # The report's own --lang is the language of the PDF, not of the messages.
    line = refused_cleanly(
        run("--db", str(db_file), *report[:2], "--lang", "cy", *report[2:], data_dir=tmp_path)
    )
    assert "There is no area “XX99”" in line
    line = refused_cleanly(run("--db", str(db_file), *report, "--lang=cy", data_dir=tmp_path))
    assert "There is no area “XX99”" in line
    # Given before the command, it is the language of the messages.
    for options in (["--lang", "cy"], ["--lang=cy"], ["--db", str(db_file), "--la", "cy"]):
        if "--db" not in options:
            options = ["--db", str(db_file), *options]
        line = refused_cleanly(run(*options, *report, data_dir=tmp_path))
        assert "Nid oes ardal “XX99”" in line, options
    # The last one given before the command wins, and the system's language is the default.
    line = refused_cleanly(
        run("--lang", "cy", "--db", str(db_file), "--lang", "en", *report, data_dir=tmp_path)
    )
    assert "There is no area" in line
    line = refused_cleanly(run("--db", str(db_file), *report, data_dir=tmp_path, lang="cy"))
    assert "Nid oes ardal" in line
    assert not Path(pdf).exists()
