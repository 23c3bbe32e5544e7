"""`cvcdesk roster`, `signin-sheet` and `schedule` (DESIGN §8): the files they write, and exit
status 0 for success, 1 for refused input, 2 for usage mistakes."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from icalendar import Calendar

from cvcdesk.cli import main
from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.domain.organisation import OrganisationData
from cvcdesk.domain.recurrence import weekly
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.activities import ActivityData, ActivityService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.rosters import RosterService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import open_database

TODAY = dt.date(2025, 3, 3)


@pytest.fixture
def world(db_path: Path) -> dict[str, str]:
    """A group with a Tuesday food run and two volunteers on it, in a closed database file."""
    db = open_database(db_path)
    try:
        group = OrganisationService(db).create(
            OrganisationData(
                name_en="Llanŵyr Food Bank", name_cy="Banc Bwyd Llanŵyr", phone="01437 123456"
            )
        )
        activity = (
            ActivityService(db)
            .create(
                ActivityData(
                    group_uuid=group.uuid,
                    title_en="Food run",
                    title_cy="Rhediad bwyd",
                    place="Neuadd",
                    recurrence=weekly(1),
                    start_date=TODAY,
                    start_time=dt.time(10),
                    end_time=dt.time(12),
                ),
                today=TODAY,
            )
            .activity
        )
        volunteers = VolunteerService(db)
        gwen = volunteers.create(
            VolunteerData(
                first_name="Gwenllian",
                last_name="Ŵyn",
                reference="V0042",
                phone="07712 345678",
                consent_share=True,
                consent_method=ConsentMethod.PAPER_FORM,
                consent_date=TODAY,
            )
        )
        dai = volunteers.create(
            VolunteerData(first_name="Dai", last_name="Rhŷs", phone="07712 345999")
        )
        rosters = RosterService(db)
        rosters.assign_pattern(activity.uuid, gwen.uuid, today=TODAY)
        first = ActivityService(db).shifts(activity.uuid)[0]
        rosters.assign(first.uuid, dai.uuid)
    finally:
        db.close()
    return {"db": str(db_path), "group": group.uuid, "activity": activity.uuid, "gwen": gwen.uuid}


def text_of(path: Path) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_roster_writes_the_weeks_pdf(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "roster.pdf"
    code = main(
        [
            "--db",
            world["db"],
            "roster",
            "--group",
            "Llanŵyr Food Bank",
            "--week",
            "2025-W10",
            "-o",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == f"Wrote 1 page to {out}."
    text = text_of(out)[0]
    assert "Gwenllian Ŵyn 07712 345678" in text
    assert "Dai Rhŷs via coordinator" in text
    assert "345999" not in text
    assert "Page 1 of 1" in text


def test_roster_in_both_languages_and_large_print(world: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "both.pdf"
    args = ["--db", world["db"], "roster", "--group", world["group"], "--week", "2025-W10"]
    assert main([*args, "--lang", "both", "--large-print", "-o", str(out)]) == 0
    text = " ".join(text_of(out))
    assert "Name / Enw" in text and "Food run / Rhediad bwyd" in text
    page = pypdf.PdfReader(out).pages[0]
    assert page.mediabox.width > page.mediabox.height
    welsh = tmp_path / "cy.pdf"
    assert main([*args, "--lang", "cy", "-o", str(welsh)]) == 0
    assert "Enw" in text_of(welsh)[0]


def test_roster_refusals_and_usage_mistakes(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "r.pdf")
    base = ["--db", world["db"], "roster"]
    assert main([*base, "--group", "Nobody", "--week", "2025-W10", "-o", out]) == 1
    assert "No group has the name or id “Nobody”" in capsys.readouterr().err
    assert main([*base, "--group", world["group"], "--week", "2025-13", "-o", out]) == 2
    assert "is not a week" in capsys.readouterr().err
    assert main([*base, "--group", world["group"], "--week", "2025-W54", "-o", out]) == 2
    assert main([*base, "--group", world["group"], "--week", "2025-W10"]) == 2
    assert main([*base, "--week", "2025-W10", "-o", out]) == 2  # neither a group nor an area
    assert not Path(out).exists()


def test_signin_sheet(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "signin.pdf"
    args = ["--db", world["db"], "signin-sheet", "--activity", world["activity"]]
    assert main([*args, "--date", "2025-03-04", "--walk-ins", "3", "-o", str(out)]) == 0
    text = text_of(out)[0]
    assert "Gwenllian Ŵyn" in text and "Dai Rhŷs" in text
    assert text.count("Walk-in") == 3
    capsys.readouterr()
    assert main([*args, "--date", "2025-03-05", "-o", str(out)]) == 1
    assert "has no shift on" in capsys.readouterr().err
    assert main([*args, "--date", "yesterday", "-o", str(out)]) == 2
    assert (
        main(
            [
                "--db",
                world["db"],
                "signin-sheet",
                "--activity",
                "nope",
                "--date",
                "2025-03-04",
                "-o",
                str(out),
            ]
        )
        == 1
    )


def test_schedule_with_a_calendar_file(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, ics = tmp_path / "schedule.pdf", tmp_path / "schedule.ics"
    code = main(
        [
            "--db", world["db"], "schedule", "--volunteer", "V0042",
            "--from", "2025-03-01", "--to", "2025-03-31", "-o", str(pdf), "--ics", str(ics),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    text = text_of(pdf)[0]
    assert "Volunteering schedule: Gwenllian Ŵyn" in text
    assert text.count("Food run") == 4
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == 4
    assert "Wrote the calendar file" in capsys.readouterr().out
    assert (
        main(
            [
                "--db",
                world["db"],
                "schedule",
                "--volunteer",
                "nobody",
                "--from",
                "2025-03-01",
                "--to",
                "2025-03-31",
                "-o",
                str(pdf),
            ]
        )
        == 1
    )


def test_the_installed_command_runs_it(world: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "roster.pdf"
    env = dict(os.environ, CVCDESK_DATA_DIR=str(tmp_path / "data"), CVCDESK_LANG="en")
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cvcdesk",
            "--db",
            world["db"],
            "roster",
            "--group",
            world["group"],
            "--week",
            "2025-W11",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
