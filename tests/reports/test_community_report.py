"""The community activity report, read back from the PDF: the figures are there, nobody's name
or postcode is, small counts read "fewer than 5", and a Welsh report has Welsh headings."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cvcdesk.domain.enums import OrganisationKind
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import _, use_language
from cvcdesk.reports import community_report as report
from cvcdesk.reports.data import LanguageMode
from cvcdesk.services.alerts import AlertService, overlap_detectors
from cvcdesk.services.figures import FiguresService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeOrganisation = Callable[..., OrganisationRecord]
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
TODAY = dt.date(2025, 4, 15)
HEADINGS = (report.TITLE, report.SUMMARY, report.BY_MONTH, report.COVERAGE, report.ALERTS)


def add(db: Database, *rows: Any) -> None:
    with db.session_factory.begin() as session:
        for row in rows:
            row.origin = db.instance_uuid
            row.changed_at = db.clock.now()
            session.add(row)


@pytest.fixture
def county(db: Database, make_organisation: MakeOrganisation) -> dict[str, Any]:
    """Two groups giving food parcels in SA61 (an overlap), nobody giving transport; 9
    volunteers in SA61, 6 of whom gave 2 hours in January and 3 in February."""
    bank = make_organisation(
        name_en="Haverfordwest Food Bank",
        name_cy="Banc Bwyd Hwlffordd",
        kind=OrganisationKind.SOCIAL_ENTERPRISE,
        coverage=(CoverageData(service="food_parcels", area="SA61"),),
    )
    make_organisation(
        name_en="Prendergast Mutual Aid",
        name_cy="Cymorth Cydfuddiannol Prendergast",
        kind=OrganisationKind.MUTUAL_AID,
        coverage=(CoverageData(service="food_parcels", area="SA61 1"),),
    )
    people = [
        m.Volunteer(
            first_name="Zebedee",
            last_name=f"Quixote{n}",
            reference=f"V{n:04d}",
            postcode="SA61 1AB",
            phone=f"+4477009001{n:02d}",
            joined_on=dt.date(2024, 6, 1),
            welsh_fluency="fluent" if n < 5 else "none",
        )
        for n in range(9)
    ]
    add(db, *people)
    with db.session_factory() as session:
        group_id = session.scalar(select(m.Organisation.id).where(m.Organisation.uuid == bank.uuid))
        service_id = session.scalar(
            select(m.ServiceType.id).where(m.ServiceType.code == "food_parcels")
        )
        area_id = session.scalar(select(m.Area.id).where(m.Area.code == "SA61"))
    activity = m.Activity(
        organisation_id=group_id,
        service_type_id=service_id,
        area_id=area_id,
        title_en="Food run",
        start_date=START,
        start_time=dt.time(10),
        end_time=dt.time(12),
    )
    add(db, activity)
    for day, who in ((dt.date(2025, 1, 6), people[:6]), (dt.date(2025, 2, 3), people[:3])):
        start = dt.datetime.combine(day, dt.time(10))
        shift = m.Shift(
            activity_id=activity.id, starts_at=start, ends_at=start + dt.timedelta(hours=2)
        )
        add(db, shift)
        add(
            db,
            *(m.Assignment(shift_id=shift.id, volunteer_id=p.id, status="attended") for p in who),
        )
    AlertService(db, actor="tester", detectors=overlap_detectors).scan(full=True, today=TODAY)
    return {"bank": bank}


def read_pdf(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def save(db: Database, tmp_path: Path, language: str, area: str | None = None) -> Path:
    service = FiguresService(db, actor="tester")
    return service.save_report(
        tmp_path / f"report-{language}.pdf",
        start=START,
        end=END,
        area=area,
        language=language,
        today=TODAY,
    )


def test_english_report_has_the_figures_and_no_personal_data(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, reader = read_pdf(save(db, tmp_path, "en"))
    assert len(reader.pages) >= 2
    assert reader.metadata is not None and reader.metadata.title == "Community activity report"
    assert "Community activity report" in text
    assert "All areas — 1 January 2025 to 31 March 2025" in text
    assert "Volunteers on the books at the end of the period 9" in text
    assert "Volunteers who gave time 6" in text
    assert "Hours given 18" in text
    # Counts under 5 never appear as numbers.
    assert "Volunteers who speak Welsh withheld (small numbers)" in text
    assert "fewer than 5" in text
    # The grid names the overlap and the gaps.
    assert "Who offers what, where" in text
    assert "Haverfordwest Food Bank, Prendergast Mutual Aid" in text
    assert "Transport" in text and "Gaps: services nobody offers" in text
    assert "Open duplicated-effort alerts by kind" in text
    assert "Groups covering the same area" in text
    # Charts: month labels along the axis, the bar's figure above it.
    assert "Jan 25" in text and "Feb 25" in text and "Mar 25" in text
    assert "Hours given each month" in text and "Volunteers each month" in text
    assert "Community group" not in text  # only the kinds there are
    assert "Social enterprise" in text and "Mutual aid" in text
    for private in ("Zebedee", "Quixote", "V0001", "SA61 1AB", "07700", "+44"):
        assert private not in text
    assert "Page 1 of" in text


def test_welsh_report_has_welsh_headings(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "cy"))
    for heading in HEADINGS:
        with use_language("cy"):
            welsh = _(heading)
        assert welsh in text
        if welsh != heading:
            assert heading not in text
    assert "Ionawr" in text  # dates in Welsh
    assert "Parseli bwyd" in text  # service labels in Welsh
    assert "Banc Bwyd Hwlffordd" in text  # group names in Welsh
    assert "Haverfordwest Food Bank" not in text
    assert "Zebedee" not in text and "Quixote" not in text


def test_bilingual_report_has_both_languages(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "both"))
    assert "Food parcels" in text and "Parseli bwyd" in text
    assert "January" in text and "Ionawr" in text
    assert "Haverfordwest Food Bank" in text and "Banc Bwyd Hwlffordd" in text


def test_report_for_one_area_lists_its_sectors(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "en", area="SA61"))
    assert "SA61 — 1 January 2025 to 31 March 2025" in text
    assert "SA61 1" in text


def test_render_returns_pages(db: Database, county: dict[str, Any]) -> None:
    data = FiguresService(db, actor="tester").report_data(start=START, end=END, today=TODAY)
    pdf = report.render_community_report(data, LanguageMode.ENGLISH)
    assert pdf.data.startswith(b"%PDF")
    assert pdf.pages == len(PdfReader(io.BytesIO(pdf.data)).pages)


def test_an_empty_database_still_makes_a_report(db: Database, tmp_path: Path) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "en"))
    assert "No areas are recorded yet." in text
    assert "No hours were recorded in this period." in text
