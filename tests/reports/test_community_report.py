"""The community activity report, read back from the PDF: the figures are there, nobody's name
or postcode is, small counts read "fewer than 5", a withheld month is a gap in its line, and a
Welsh report has Welsh headings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, PolyLine
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select

from cvcdesk.domain.enums import OrganisationKind
from cvcdesk.domain.figures import CommunityReportData, Count, Hours, Named, fewer_than_text
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.i18n import _, format_date, format_number, pgettext, use_language
from cvcdesk.reports import community_report as report
from cvcdesk.reports.common import MARGIN, Texts
from cvcdesk.reports.data import LanguageMode
from cvcdesk.reports.fonts import BOLD, FILES, REGULAR
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


# ---- month by month --------------------------------------------------------------------------

PRIVATE = ("Zebedee", "Quixote", "V0001", "SA61 1AB", "07700", "+44")


def in_welsh(message: str) -> str:
    with use_language("cy"):
        return _(message)


def test_month_table_gives_each_months_volunteers_and_hours(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "en"))
    assert "Volunteers and hours each month" in text
    assert "Month Gave time Joined Left Hours given" in text
    # Six gave time in January; three (withheld) in February; nobody in March. All nine
    # joined before the period and none has left.
    assert "January 2025 6 0 0" in text
    assert "February 2025 fewer than 5 0 0 withheld (fewer than 5 volunteers)" in text
    assert "March 2025 0 0 0 0" in text
    # The numbers on the books are not in the month table.
    assert "January 2025 9" not in text
    # What a blank in a line means, under the chart.
    assert "A gap in a line is a month whose count is fewer than 5 and is withheld." in text
    assert "A month with fewer than 5 volunteers giving time is left blank" not in text
    for private in PRIVATE:
        assert private not in text


def test_welsh_month_table_withholds_in_welsh(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "cy"))
    with use_language("cy"):
        fewer = fewer_than_text()
        joined = pgettext("figures", "Joined")
        hours_withheld = Hours(None, Count(None)).text()
    assert fewer != "fewer than 5"
    header = " ".join(in_welsh(m) for m in (report.MONTH, report.GAVE_TIME))
    assert f"{header} {joined} {in_welsh(report.LEFT)} {in_welsh(report.HOURS)}" in text
    assert "Ionawr 2025 6 0 0" in text
    assert f"Chwefror 2025 {fewer} 0 0 {hours_withheld}" in text
    assert "Mawrth 2025 0 0 0 0" in text
    for private in PRIVATE:
        assert private not in text


def test_bilingual_month_table_has_both_languages(
    db: Database, county: dict[str, Any], tmp_path: Path
) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "both"))
    with use_language("cy"):
        fewer = fewer_than_text()
    assert f"Month / {in_welsh(report.MONTH)}" in text
    assert "January 2025 / Ionawr 2025 6 0 0" in text
    assert f"February 2025 / Chwefror 2025 fewer than 5 / {fewer} 0 0" in text
    for private in PRIVATE:
        assert private not in text


def with_months(
    data: CommunityReportData,
    *,
    hours: list[float | None] | None = None,
    **columns: list[int | None],
) -> CommunityReportData:
    """The report's data with its months' counts replaced, one list of values per field
    (None: withheld as fewer than 5), and their hours (by default 2 for each volunteer who
    gave time); as many months as the lists are long."""
    active = columns["active"]
    first = data.figures.months[0]
    months = []
    for index in range(len(active)):
        day = (START + dt.timedelta(days=31 * index)).replace(day=1)
        values: dict[str, Any] = {
            name: Count.people(n) if n is not None else Count(None)
            for name, n in ((name, column[index]) for name, column in columns.items())
        }
        given = hours[index] if hours is not None else 2.0 * (active[index] or 0)
        values["hours"] = (
            Hours.of(given, active[index] or 0)
            if given is not None and active[index] is not None
            else Hours(None, Count(None))
        )
        months.append(dataclasses.replace(first, month=day, **values))
    figures = dataclasses.replace(data.figures, months=tuple(months))
    return dataclasses.replace(data, figures=figures)


def report_data(db: Database) -> CommunityReportData:
    return FiguresService(db, actor="tester").report_data(start=START, end=END, today=TODAY)


def pdf_text(data: CommunityReportData, mode: LanguageMode, *, large: bool = False) -> str:
    pdf = report.render_community_report(data, mode, large_print=large)
    reader = PdfReader(io.BytesIO(pdf.data))
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def lines_of(drawing: Drawing, colour: Any) -> list[list[float]]:
    """The x positions of the points of each line drawn in `colour`."""

    def walk(group: Group) -> Iterator[Any]:
        for shape in group.contents:
            if isinstance(shape, Group):
                yield from walk(shape)
            else:
                yield shape

    return [
        list(shape.points[0::2])
        for shape in walk(drawing.expandUserNodes())
        if isinstance(shape, PolyLine) and shape.strokeColor == colour
    ]


def month_marks(drawing: Drawing, months: int) -> list[float]:
    """Where each month sits along the chart (the middle of its slot)."""
    chart = next(s for s in drawing.contents if isinstance(s, HorizontalLineChart))
    slot = chart.width / months
    return [chart.x + slot * (index + 0.5) for index in range(months)]


def test_withheld_hours_are_explained_under_their_chart(
    db: Database, county: dict[str, Any]
) -> None:
    data = with_months(
        report_data(db),
        active=[6, None, 0],
        new=[0, 0, 0],
        leaving=[0, 0, 0],
        hours=[12.5, None, 0.0],
    )
    text = pdf_text(data, LanguageMode.ENGLISH)
    assert "January 2025 6 0 0 12.5" in text
    assert "February 2025 fewer than 5 0 0 withheld (fewer than 5 volunteers)" in text
    assert "March 2025 0 0 0 0" in text
    assert (
        "A month with no bar and no number had fewer than 5 volunteers giving time: its hours "
        "are withheld." in text
    )
    welsh = pdf_text(data, LanguageMode.WELSH)
    with use_language("cy"):
        fewer, withheld = fewer_than_text(), Hours(None, Count(None)).text()
    assert f"Ionawr 2025 6 0 0 {format_number(12.5, 'cy')}" in welsh
    assert f"Chwefror 2025 {fewer} 0 0 {withheld}" in welsh


def test_a_series_withheld_every_month_leaves_its_line_blank(
    db: Database, county: dict[str, Any]
) -> None:
    data = with_months(report_data(db), active=[7, 9, 8], new=[None, None, None], leaving=[0, 0, 0])
    text = pdf_text(data, LanguageMode.ENGLISH)
    # The report is made; the legend still names the blank line, and a note says why.
    assert "Volunteers each month" in text
    assert "Volunteers who joined" in text
    assert "No line is drawn for “Volunteers who joined”: every month’s count is withheld." in text
    assert "January 2025 7 fewer than 5 0" in text
    assert "March 2025 8 fewer than 5 0" in text
    drawing = report.volunteers_chart(data, Texts(LanguageMode.ENGLISH), 180 * mm, 10)
    assert lines_of(drawing, report.SERIES[1]) == []
    assert len(lines_of(drawing, report.SERIES[0])) == 1


def test_every_series_withheld_in_a_small_area_still_makes_a_report(
    db: Database, county: dict[str, Any]
) -> None:
    data = with_months(report_data(db), active=[None, None], new=[None, None], leaving=[None, None])
    for mode in LanguageMode:
        text = pdf_text(data, mode)
        assert "Page 1 of" in text or "Tudalen 1 o" in text
    text = pdf_text(data, LanguageMode.ENGLISH)
    for name in ("Volunteers who gave time", "Volunteers who joined", "Volunteers who left"):
        assert f"No line is drawn for “{name}”" in text


def test_a_withheld_month_is_a_gap_in_the_line(db: Database, county: dict[str, Any]) -> None:
    # Gave time: a single shown month, a gap, two shown months, a gap, one more.
    # Joined: one shown month among withheld ones.
    active = [7, None, 8, 9, None, 6]
    data = with_months(
        report_data(db), active=active, new=[None, None, 5, None, None, None], leaving=[0] * 6
    )
    text = pdf_text(data, LanguageMode.ENGLISH)
    assert "A gap in a line is a month whose count is fewer than 5 and is withheld." in text
    assert "February 2025 fewer than 5 fewer than 5 0" in text
    assert "March 2025 8 5 0" in text
    drawing = report.volunteers_chart(data, Texts(LanguageMode.ENGLISH), 180 * mm, 10)
    marks = month_marks(drawing, len(active))
    # Only March to April is joined up: no line crosses February or May, and a month shown on
    # its own (January, June, and March's one joiner) is a mark with no line.
    segments = lines_of(drawing, report.SERIES[0])
    assert segments == [pytest.approx([marks[2], marks[3]])]
    assert lines_of(drawing, report.SERIES[1]) == []


def test_the_month_table_fits_the_page_in_large_print(db: Database, county: dict[str, Any]) -> None:
    data = with_months(
        report_data(db),
        active=[None, 12, 130, None, 6, 8, 9, 10, 11, 12, 13, 1400],
        new=[None] * 12,
        leaving=[0, None] * 6,
    )
    for large in (False, True):
        for mode in LanguageMode:
            pdf = report.render_community_report(data, mode, large_print=large)
            reader = PdfReader(io.BytesIO(pdf.data))
            first = reader.pages[0].mediabox
            assert (float(first.width) > float(first.height)) is large  # landscape
            right = float(first.width) - MARGIN
            words = Texts(mode)
            start, stop = words.each(report.MONTH_TABLE)[0], words.each(report.HOURS_BY_SERVICE)[0]
            language = mode.languages[-1]
            december = format_date(dt.date(2025, 12, 1), "MMMM yyyy", language=language)
            with use_language(language):
                fewer = fewer_than_text()
            table: list[Placed] = []
            for number, page in enumerate(reader.pages):
                placed = [(number, *piece) for piece in placed_text(page)]
                table += placed
            texts = [piece[1] for piece in table]
            heading = next(i for i, t in enumerate(texts) if start in t)
            after = next(i for i, t in enumerate(texts) if i > heading and stop in t)
            table = table[heading + 1 : after]
            assert any(december in piece[1] for piece in table)
            assert any("1,400" in piece[1] for piece in table)
            assert any(fewer in piece[1] for piece in table)
            # Nothing runs past the margin, or into the next column on its line.
            rows: dict[tuple[int, float], list[Placed]] = {}
            for piece in table:
                assert piece[2] >= MARGIN - 1 and piece[3] <= right + 1, (mode, large, piece)
                rows.setdefault((piece[0], round(piece[4])), []).append(piece)
            for line in rows.values():
                line.sort(key=lambda piece: piece[2])
                for before, beside in itertools.pairwise(line):
                    assert before[3] <= beside[2] + 1, (mode, large, before, beside)


Placed = tuple[int, str, float, float, float]  # page, text, where it starts, ends, its height


def placed_text(page: Any) -> list[tuple[str, float, float, float]]:
    """Each piece of text on the page, in the order drawn: where it starts and ends across the
    page (measured in the report's fonts) and how far up the page it is."""
    pieces: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        piece = text.strip()
        if not piece:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = tm[0] * cm[0] + tm[1] * cm[2]
        name = str(font.get("/BaseFont", "")) if font else ""
        width = stringWidth(piece, BOLD if "Bold" in name else REGULAR, size * scale)
        pieces.append((piece, x, x + width, y))

    page.extract_text(visitor_text=visit)
    return pieces


def test_gaps_follow_the_grids_levels(db: Database, county: dict[str, Any], tmp_path: Path) -> None:
    text, _reader = read_pdf(save(db, tmp_path, "en", area="SA61"))
    assert "Possible duplicated effort" in text
    assert "Its colour is explained in the key below." in text
    # Nobody offers transport in SA61; food parcels are offered there.
    gaps = text[text.index("Gaps: services nobody offers") : text.index("Possible duplicated")]
    assert "Transport" in gaps and "Food parcels" not in gaps


def test_welsh_letters_print_in_the_reports_own_font(db: Database, county: dict[str, Any]) -> None:
    data = report_data(db)
    area = Named("CF10", "Tŷ Grŵp", "Tŷ Grŵp")
    data = dataclasses.replace(data, figures=dataclasses.replace(data.figures, area=area))
    pdf = report.render_community_report(data, LanguageMode.WELSH)
    reader = PdfReader(io.BytesIO(pdf.data))
    assert "Tŷ Grŵp —" in reader.pages[0].extract_text()
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in cast(Any, page["/Resources"])["/Font"].values()
    }
    # Only the report's own fonts, which have ŵ and ŷ: none of the built-in ones, which have not.
    ours = tuple("+" + Path(file).stem for file in FILES.values())
    assert fonts and all(name.endswith(ours) for name in fonts), fonts
