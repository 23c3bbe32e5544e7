"""Coverage and impact: the grid, the figures, the export and the community activity report on
the demo county (100,000 volunteers and 500 groups by default) with a year of shifts.

Keys for filters: `grid` (the whole county's grid, one day of the week, a cell's groups, against
a bare sqlite3 read of the areas, services and coverage lines), `figures` (a year of figures for
the county and for one district, against a bare sqlite3 read of the same bookings), `export`
(the figures as XLSX, against computing them without a file), `report` (the PDF in English, and
in Welsh and English, against reading the report's data without drawing it). The demo writes
twelve weeks of shifts; forty more weeks are added here by repeating each activity's pattern,
so every figure covers a full year of bookings.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from typing import Any

from harness import Table, median, millis, seconds, timed

from cvcdesk.services.registry import Services

GRID_TARGET_S = 2.0
FIGURES_TARGET_S = 2.0
REPORT_TARGET_S = 5.0
GROUPS_PER_100K = 500
EXTRA_WEEKS = 40
REPEAT = 3
_STAMP = "%Y-%m-%d %H:%M:%S.000000"


def run(table: Table) -> None:
    wanted = [key for key in ("grid", "figures", "export", "report") if table.wants(key)]
    if not wanted:
        return
    county = coverage_database(table)
    services = Services.open(county["path"])
    try:
        start, end = county["start"], county["end"]
        if "grid" in wanted:
            bench_grid(table, services, start, end)
        if "figures" in wanted:
            bench_figures(table, services, county)
        if "export" in wanted:
            bench_export(table, services, start, end)
        if "report" in wanted:
            bench_report(table, services, start, end)
    finally:
        services.close()


def coverage_database(table: Table) -> dict[str, Any]:
    """The demo county with a year of shifts and its alerts scanned, once per run."""
    if "coverage" in table.cache:
        cached: dict[str, Any] = table.cache["coverage"]
        return cached
    groups = max(10, round(table.volunteers * GROUPS_PER_100K / 100_000))
    path = table.workdir / "coverage.db"
    today = dt.date.today()
    services = Services.open(path)
    try:
        made, summary = timed(
            lambda: services.demo.generate(
                volunteers=table.volunteers, groups=groups, seed=11, today=today
            )
        )
        added, (shifts, bookings) = timed(lambda: add_a_year(path))
        scanned, _result = timed(lambda: services.alerts.scan(full=True, today=today))
    finally:
        services.close()
    print(
        f"  coverage county: {summary.volunteers:,} volunteers, {groups} groups, "
        f"{summary.shifts + shifts:,} shifts, {summary.assignments + bookings:,} bookings "
        f"(demo {made:.1f} s, a year of shifts {added:.1f} s, alert scan {scanned:.1f} s)",
        flush=True,
    )
    first = today.replace(day=1)
    start = dt.date(first.year - 1, first.month, 1)
    table.cache["coverage"] = {
        "path": path,
        "groups": groups,
        "start": start,
        "end": today,
        "bookings": summary.assignments + bookings,
    }
    result: dict[str, Any] = table.cache["coverage"]
    return result


def add_a_year(path: Any) -> tuple[int, int]:
    """Repeat each activity's first demo shift (and its bookings) weekly for EXTRA_WEEKS weeks
    before it, so the bookings cover a year."""
    connection = sqlite3.connect(path)
    try:
        origin, stamp = connection.execute(
            "SELECT origin, changed_at FROM shift LIMIT 1"
        ).fetchone()
        firsts = connection.execute(
            "SELECT s.id, s.activity_id, s.starts_at, s.ends_at FROM shift s "
            "WHERE s.starts_at = (SELECT min(starts_at) FROM shift t "
            "WHERE t.activity_id = s.activity_id) ORDER BY s.id"
        ).fetchall()
        booked: dict[int, list[tuple[int, float | None]]] = {}
        for shift_id, volunteer_id, status, hours in connection.execute(
            "SELECT shift_id, volunteer_id, status, hours FROM assignment"
        ):
            booked.setdefault(shift_id, []).append(
                (volunteer_id, hours if status == "attended" else None)
            )
        next_id = int(connection.execute("SELECT max(id) FROM shift").fetchone()[0]) + 1
        shift_rows: list[tuple[Any, ...]] = []
        booking_rows: list[tuple[Any, ...]] = []
        for week in range(1, EXTRA_WEEKS + 1):
            back = dt.timedelta(weeks=week)
            for shift_id, activity_id, starts_at, ends_at in firsts:
                starts = dt.datetime.fromisoformat(starts_at) - back
                ends = dt.datetime.fromisoformat(ends_at) - back
                length = (ends - starts).total_seconds() / 3600
                shift_rows.append(
                    (
                        next_id, str(uuid.uuid4()), origin, stamp, 0, 1, activity_id,
                        starts.strftime(_STAMP), ends.strftime(_STAMP), 0, 0, "",
                    )
                )  # fmt: skip
                for volunteer_id, hours in booked.get(shift_id, ()):
                    booking_rows.append(
                        (
                            str(uuid.uuid4()), origin, stamp, 0, 1, next_id, volunteer_id,
                            "attended", hours if hours is not None else length, "",
                        )
                    )  # fmt: skip
                next_id += 1
        with connection:
            connection.executemany(
                "INSERT INTO shift (id, uuid, origin, changed_at, deleted, version, activity_id, "
                "starts_at, ends_at, cancelled, orphaned, notes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                shift_rows,
            )
            connection.executemany(
                "INSERT INTO assignment (uuid, origin, changed_at, deleted, version, shift_id, "
                "volunteer_id, status, hours, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                booking_rows,
            )
        connection.execute("ANALYZE")
        return len(shift_rows), len(booking_rows)
    finally:
        connection.close()


def best_of(action: Any) -> float:
    """Median wall time of REPEAT runs after a warm-up run (the first read fills SQLite's
    page cache)."""
    return measure(action)[0]


def measure(action: Any) -> tuple[float, float]:
    """(median wall time, median processor time) of REPEAT runs after a warm-up run. On a
    shared machine the processor time shows the work itself when other jobs slow the wall."""
    action()
    walls, cpus = [], []
    for _ in range(REPEAT):
        cpu = time.process_time()
        walls.append(timed(action)[0])
        cpus.append(time.process_time() - cpu)
    return median(walls), median(cpus)


def plain_grid_read(path: Any) -> int:
    """The least any grid needs: every area, service type and live coverage line with its
    group, read with sqlite3 and nothing counted."""
    connection = sqlite3.connect(path)
    try:
        areas = connection.execute(
            "SELECT id, kind, code, name_en, name_cy, parent_id FROM area WHERE deleted = 0"
        ).fetchall()
        services = connection.execute(
            "SELECT id, code, label_en, label_cy FROM service_type WHERE deleted = 0"
        ).fetchall()
        lines = connection.execute(
            "SELECT c.id, c.uuid, o.uuid, o.name_en, o.name_cy, o.kind, c.service_type_id, "
            "c.area_id, c.weekdays, c.start_time, c.end_time, c.start_date, c.end_date "
            "FROM coverage c JOIN organisation o ON o.id = c.organisation_id "
            "WHERE c.deleted = 0 AND o.deleted = 0"
        ).fetchall()
        return len(areas) + len(services) + len(lines)
    finally:
        connection.close()


def bench_grid(table: Table, services: Services, start: dt.date, end: dt.date) -> None:
    coverage = services.coverage
    path = services.database.path
    baseline = best_of(lambda: plain_grid_read(path))
    grid = coverage.grid(start=start, end=end)
    top = grid.top_rows()
    cells = sum(len(row.cells) for row in grid.rows)
    taken = best_of(lambda: coverage.grid(start=start, end=end))
    table.add(
        f"coverage grid: {len(top)} districts, {len(grid.rows)} rows, {cells:,} cells",
        millis(taken),
        millis(baseline),
        baseline_note="sqlite3 read of areas and coverage",
        target=f"< {GRID_TARGET_S:g} s",
        ok=taken < GRID_TARGET_S,
    )
    taken = best_of(lambda: coverage.grid(weekday=1, start=start, end=end))
    table.add(
        "coverage grid, Tuesdays only",
        millis(taken),
        millis(baseline),
        baseline_note="sqlite3 read of areas and coverage",
        target=f"< {GRID_TARGET_S:g} s",
        ok=taken < GRID_TARGET_S,
    )
    busiest = max(
        ((row, service, cell) for row, service, cell in grid.overlaps()),
        key=lambda found: found[2].groups,
        default=None,
    )
    if busiest is not None:
        row, service, cell = busiest
        taken = best_of(lambda: coverage.cell(row.area.key, service.key, start=start, end=end))
        table.add(
            f"a cell's groups and alerts ({cell.groups} groups)",
            millis(taken),
            millis(baseline),
            baseline_note="sqlite3 read of areas and coverage",
            target=f"< {GRID_TARGET_S:g} s",
            ok=taken < GRID_TARGET_S,
        )


def bench_figures(table: Table, services: Services, county: dict[str, Any]) -> None:
    start, end = county["start"], county["end"]
    figures = services.figures

    def plain_read() -> int:
        # The least any figure needs: every booking of the year with its shift and activity.
        connection = sqlite3.connect(county["path"])
        rows = connection.execute(
            "SELECT a.volunteer_id, a.status, a.hours, s.starts_at, s.ends_at, "
            "act.organisation_id, act.service_type_id, act.area_id FROM assignment a "
            "JOIN shift s ON s.id = a.shift_id JOIN activity act ON act.id = s.activity_id "
            "WHERE s.starts_at >= ? AND s.starts_at < ?",
            (start.isoformat(), (end + dt.timedelta(days=1)).isoformat()),
        ).fetchall()
        connection.close()
        return len(rows)

    baseline = best_of(plain_read)
    bookings = plain_read()
    result = figures.figures(start=start, end=end)
    taken, cpu = measure(lambda: figures.figures(start=start, end=end))
    table.add(
        f"figures, a year: {bookings:,} bookings, {len(result.hours_by_group)} groups",
        seconds(taken),
        seconds(baseline),
        baseline_note="sqlite3 read of the bookings",
        target=f"< {FIGURES_TARGET_S:g} s",
        ok=taken < FIGURES_TARGET_S,
    )
    table.add("figures, a year: processor time", seconds(cpu), None, target="", ok=None)
    together = best_of(
        lambda: (
            services.coverage.grid(start=start, end=end),
            figures.figures(start=start, end=end),
        )
    )
    table.add(
        "grid and figures together, a year (the Coverage page)",
        seconds(together),
        seconds(baseline),
        baseline_note="sqlite3 read of the bookings",
        target=f"< {FIGURES_TARGET_S:g} s",
        ok=together < FIGURES_TARGET_S,
    )
    area = max(result.hours_by_area, key=lambda line: line.hours.value or 0.0).item.key
    county_wide = taken
    taken = best_of(lambda: figures.figures(start=start, end=end, area=area))
    table.add(
        f"figures, a year, one district ({area})",
        seconds(taken),
        seconds(county_wide),
        baseline_note="the whole county's",
        target=f"< {FIGURES_TARGET_S:g} s",
        ok=taken < FIGURES_TARGET_S,
    )


def bench_export(table: Table, services: Services, start: dt.date, end: dt.date) -> None:
    path = table.workdir / "figures.xlsx"
    baseline = best_of(lambda: services.figures.figures(start=start, end=end))
    taken = best_of(lambda: services.figures.export(path, start=start, end=end))
    table.add(
        "figures exported as XLSX",
        seconds(taken),
        seconds(baseline),
        baseline_note="the figures, no file",
        target=f"< {REPORT_TARGET_S:g} s",
        ok=taken < REPORT_TARGET_S,
    )


def bench_report(table: Table, services: Services, start: dt.date, end: dt.date) -> None:
    baseline = best_of(lambda: services.figures.report_data(start=start, end=end))
    for language, label in (("en", "English"), ("both", "Welsh and English")):
        path = table.workdir / f"report-{language}.pdf"
        taken, cpu = measure(
            lambda path=path, language=language: services.figures.save_report(
                path, start=start, end=end, language=language
            )
        )
        size = path.stat().st_size
        table.add(
            f"community report PDF, {label} ({size / 1000:.0f} kB)",
            seconds(taken),
            seconds(baseline),
            baseline_note="its data read, not drawn",
            target=f"< {REPORT_TARGET_S:g} s",
            ok=taken < REPORT_TARGET_S,
        )
        table.add(
            f"community report PDF, {label}: processor time", seconds(cpu), None, target="", ok=None
        )
