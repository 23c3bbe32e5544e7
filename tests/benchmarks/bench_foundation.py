"""The foundation: filling a database with the demo, searching it, opening it, memory.

Keys for filters: `demo` (generate vs bare executemany), `fts` (prefix search), `open` (start to
first query), `memory` (peak RSS of generating).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

from harness import (
    PEAK_RSS,
    Table,
    median,
    megabytes,
    millis,
    run_python,
    seconds,
    timed,
    wall_time_of,
)

from cvcdesk.domain.volunteer import VolunteerQuery
from cvcdesk.services.base import fts_query, search_form
from cvcdesk.services.demo import Batch, DemoGenerator
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import open_database

SEED = 1
DEMO_RATIO_TARGET = 3.0
SEARCH_TARGET_MS = 20.0
OPEN_TARGET_S = 1.0
MEMORY_TARGET_MB = 500.0

# What coordinators type into the search box: first names (with and without accents), surname
# prefixes, name pairs, postcode districts and sectors, phone prefixes, e-mails and references.
QUERIES = [
    "Daf", "Dafydd", "Siân", "Sian", "sio", "Rhy", "Gwen", "Cer", "Llŷr", "Llyr", "Ieu", "Myf",
    "Ang", "Mar", "Eliz", "Chris", "Agn", "Tom",
    "jon", "Jones", "Dav", "Willi", "Evan", "Prit", "Glynd", "ap Daf", "Llew", "Hugh", "Rob",
    "Kowal", "Gruff", "Cadw", "Bev", "Wat",
    "Dafydd Jo", "Siân Wil", "Rhys Ev", "Gwenllian Da", "Owain Pr", "Sarah Th", "Huw Morg",
    "SA61", "SA61 1", "CF10", "LL55", "NP7", "LD3 2", "SY23", "SA611", "CF14 3",
    "077", "07712", "01437", "029 20", "01970 6", "0797",
    "dafydd.jones", "V0012", "G09",
]  # fmt: skip

DEMO_CODE = f"""{PEAK_RSS}
import datetime as dt, json, sys, time
from cvcdesk.services.demo import DemoService
from cvcdesk.store.database import open_database

path, volunteers, groups, today = sys.argv[1:5]
db = open_database(path)
start = time.perf_counter()
summary = DemoService(db).generate(
    volunteers=int(volunteers), groups=int(groups), seed=1, today=dt.date.fromisoformat(today)
)
elapsed = time.perf_counter() - start
db.close()
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "volunteers": summary.volunteers}}))
"""

IMPORT_CODE = f"""{PEAK_RSS}
import json
import cvcdesk.services.demo, cvcdesk.store.database
print(json.dumps({{"peak_rss": peak_rss()}}))
"""

OPEN_CODE = """
import sys
from cvcdesk.services.maintenance import MaintenanceService
from cvcdesk.store.database import open_database
db = open_database(sys.argv[1])
MaintenanceService(db).counts()
db.close()
"""

BARE_OPEN_CODE = """
import sqlite3, sys
sqlite3.connect(sys.argv[1]).execute('select count(*) from volunteer').fetchone()
"""

LIST_SQL = (
    "SELECT volunteer.uuid, volunteer.reference, volunteer.first_name, volunteer.last_name, "
    "volunteer.known_as, volunteer.postcode, volunteer.phone, volunteer.email, volunteer.status, "
    "volunteer.dbs_level, volunteer.dbs_renewal_due, volunteer.consent_share FROM volunteer "
    "WHERE volunteer.deleted IS 0 AND volunteer.id IN "
    "(SELECT rowid FROM volunteer_fts WHERE volunteer_fts MATCH ?) "
    "ORDER BY volunteer.sort_key_en, volunteer.id LIMIT ? OFFSET ?"
)
COUNT_SQL = (
    "SELECT count(volunteer.id) FROM volunteer WHERE volunteer.deleted IS 0 AND volunteer.id IN "
    "(SELECT rowid FROM volunteer_fts WHERE volunteer_fts MATCH ?)"
)
BULK_TABLES = ("volunteer", "membership", "volunteer_skill", "availability")


def run(table: Table) -> None:
    if table.wants("demo") or table.wants("memory"):
        demo = demo_database(table)
        if table.wants("demo"):
            bench_demo(table, demo)
        if table.wants("memory"):
            bench_memory(table, demo)
    if table.wants("fts") or table.wants("search"):
        bench_search(table, demo_database(table))
    if table.wants("open"):
        bench_open(table, demo_database(table))


def demo_database(table: Table) -> dict[str, Any]:
    """`cvcdesk demo` in a fresh interpreter, once per run: its time, memory and the file."""
    if "demo" not in table.cache:
        path = table.workdir / "demo.db"
        today = dt.date.today()
        result = run_python(
            table, DEMO_CODE, str(path), str(table.volunteers), str(table.groups), today.isoformat()
        )
        assert result["volunteers"] == table.volunteers
        result.update(path=path, today=today)
        table.cache["demo"] = result
    demo: dict[str, Any] = table.cache["demo"]
    return demo


# -- a. demo generation against bare executemany -------------------------------------------


def bench_demo(table: Table, demo: dict[str, Any]) -> None:
    empty = table.workdir / "empty.db"
    database = open_database(empty)
    origin = database.instance_uuid
    database.close()
    generator = DemoGenerator(
        volunteers=table.volunteers,
        groups=table.groups,
        seed=SEED,
        origin=origin,
        today=demo["today"],
    )
    batches = list(generator.batches())  # collected first, not timed
    name = f"demo: {table.volunteers:,} volunteers, {table.groups} groups"
    plain = bare_load(table, empty, batches, deferred=False)
    ratio = demo["seconds"] / plain
    table.add(
        name,
        seconds(demo["seconds"]),
        seconds(plain),
        baseline_note="sqlite3 executemany",
        target=f"<= {DEMO_RATIO_TARGET:g}x",
        ok=ratio <= DEMO_RATIO_TARGET,
    )
    # The demo builds its indexes after the load; so can the baseline. The ratio is then the
    # cost of making the rows in Python and of SQLAlchemy.
    deferred = bare_load(table, empty, batches, deferred=True)
    table.add(
        f"{name}, same bulk-load method",
        seconds(demo["seconds"]),
        seconds(deferred),
        baseline_note="executemany, indexes after",
        target=f"<= {DEMO_RATIO_TARGET:g}x",
        ok=demo["seconds"] / deferred <= DEMO_RATIO_TARGET,
    )


def bare_load(table: Table, empty: Path, batches: list[Batch], *, deferred: bool) -> float:
    """The same rows with plain sqlite3 in one transaction, with the app's connection pragmas."""
    path = table.workdir / ("bare-deferred.db" if deferred else "bare.db")
    shutil.copyfile(empty, path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        services = dict(connection.execute("SELECT code, id FROM service_type"))
        elapsed, _ = timed(lambda: _load(connection, batches, services, deferred))
        count = connection.execute("SELECT count(*) FROM volunteer").fetchone()[0]
        assert count == table.volunteers, count
    finally:
        connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return elapsed


def _load(
    connection: sqlite3.Connection,
    batches: list[Batch],
    services: dict[str, int],
    deferred: bool,
) -> None:
    connection.execute("BEGIN")
    restore: list[str] = []
    if deferred:
        marks = ", ".join("?" * len(BULK_TABLES))
        objects = connection.execute(
            f"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
            "AND sql IS NOT NULL AND type IN ('index', 'trigger')",
            BULK_TABLES,
        ).fetchall()
        for kind, name, table_name, sql in objects:
            if kind == "trigger":
                if name != f"{table_name}_fts_ai":
                    continue
                restore.append(f"INSERT INTO {table_name}_fts({table_name}_fts) VALUES ('rebuild')")
            connection.execute(f'DROP {kind.upper()} "{name}"')
            restore.append(sql)
    areas: dict[str, int] = {}
    for batch in batches:
        columns, rows = _resolved(connection, batch, services, areas)
        marks = ", ".join("?" * len(columns))
        connection.executemany(
            f"INSERT INTO {batch.table} ({', '.join(columns)}) VALUES ({marks})", rows
        )
    for sql in restore:
        connection.execute(sql)
    connection.execute("COMMIT")


def _resolved(
    connection: sqlite3.Connection,
    batch: Batch,
    services: dict[str, int],
    areas: dict[str, int],
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Service and area codes to ids, as the service does (creating postcode areas)."""
    columns = list(batch.columns)
    if "service_type_code" not in columns:
        return columns, batch.rows
    s_index = columns.index("service_type_code")
    a_index = columns.index("area_code") if "area_code" in columns else None
    columns[s_index] = "service_type_id"
    if a_index is not None:
        columns[a_index] = "area_id"
    rows = []
    for row in batch.rows:
        values = list(row)
        values[s_index] = services[values[s_index]]
        if a_index is not None:
            values[a_index] = _area(connection, values[a_index], areas)
        rows.append(tuple(values))
    return columns, rows


def _area(connection: sqlite3.Connection, code: str, areas: dict[str, int]) -> int:
    parent = None
    for part in [code.split(" ")[0], code] if " " in code else [code]:
        if part not in areas:
            cursor = connection.execute(
                "INSERT INTO area (uuid, origin, changed_at, deleted, version, kind, code, "
                "name_en, name_cy, parent_id) VALUES (?, '', '', 0, 1, ?, ?, ?, ?, ?)",
                (f"bench-{part}", "sector" if " " in part else "district", part, part, part,
                 parent),
            )  # fmt: skip
            assert cursor.lastrowid is not None
            areas[part] = cursor.lastrowid
        parent = areas[part]
    return areas[code]


# -- b. full-text prefix search ---------------------------------------------------------------


def bench_search(table: Table, demo: dict[str, Any]) -> None:
    database = open_database(demo["path"])
    bare = sqlite3.connect(demo["path"])
    try:
        service = VolunteerService(database, actor="bench")

        def app_search(text: str) -> int:
            query = VolunteerQuery(search=text)
            service.list(query, limit=200)
            return service.count(query)

        def bare_search(text: str) -> int:
            match = fts_query(search_form(text))
            bare.execute(LIST_SQL, (match, 200, 0)).fetchall()
            return int(bare.execute(COUNT_SQL, (match,)).fetchone()[0])

        for text in QUERIES:  # warm both caches the same way: once through, untimed
            assert app_search(text) == bare_search(text), text
        app_times = [timed(partial(app_search, text))[0] for text in QUERIES]
        bare_times = [timed(partial(bare_search, text))[0] for text in QUERIES]
    finally:
        bare.close()
        database.close()
    app_median = median(app_times)
    table.add(
        f"search: FTS prefix, list 200 + count, median of {len(QUERIES)}",
        millis(app_median),
        millis(median(bare_times)),
        baseline_note="same MATCH, sqlite3",
        target=f"< {SEARCH_TARGET_MS:g} ms",
        ok=app_median * 1000 < SEARCH_TARGET_MS,
    )
    slowest = max(range(len(QUERIES)), key=lambda i: app_times[i])
    table.add(
        f"search: slowest of those ('{QUERIES[slowest]}')",
        millis(app_times[slowest]),
        millis(bare_times[slowest]),
        baseline_note="same MATCH, sqlite3",
        target="",
        ok=None,
    )


# -- c. opening the database to the first query ------------------------------------------------


def bench_open(table: Table, demo: dict[str, Any]) -> None:
    path = str(demo["path"])
    app = wall_time_of(table, OPEN_CODE, path)
    bare = wall_time_of(table, BARE_OPEN_CODE, path)
    table.add(
        "open: new process to first query (median of 5)",
        seconds(app),
        seconds(bare),
        baseline_note="python -c sqlite3 count",
        target=f"< {OPEN_TARGET_S:g} s",
        ok=app < OPEN_TARGET_S,
    )


# -- d. peak memory -----------------------------------------------------------------------------


def bench_memory(table: Table, demo: dict[str, Any]) -> None:
    baseline = run_python(table, IMPORT_CODE)["peak_rss"]
    peak = megabytes(demo["peak_rss"])
    table.add(
        f"memory: peak RSS generating {table.volunteers:,}",
        peak,
        megabytes(baseline),
        baseline_note="python importing cvcdesk",
        target=f"< {MEMORY_TARGET_MB:g} MB",
        ok=peak.value < MEMORY_TARGET_MB,
    )
