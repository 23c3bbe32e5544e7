"""The alert scan as a coordinator runs it: every detector, the alerts stored, over the demo.

Keys for filters: `scan` (a full scan, then an incremental one after 100 real edits, against
the duplicate detector alone on the same records in the same run) and `alerts`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench_foundation import demo_database
from harness import PEAK_RSS, Table, megabytes, run_python, seconds

FULL_TARGET_S = 10.0
INCREMENTAL_TARGET_S = 1.0
EDITS = 100

SCAN_CODE = f"""{PEAK_RSS}
import dataclasses, json, random, sys, time
from cvcdesk.domain.volunteer import VolunteerData, VolunteerQuery
from cvcdesk.services.duplicates import find_duplicate_volunteers
from cvcdesk.services.registry import Services
from cvcdesk.store.database import open_database

db = open_database(sys.argv[1])
services = Services.over(db, actor="bench")
start = time.perf_counter()
with db.session_factory() as session:
    find_duplicate_volunteers(session)
detector_only = time.perf_counter() - start
start = time.perf_counter()
full = services.alerts.scan(full=True)
full_s = time.perf_counter() - start
rows = services.volunteers.list(VolunteerQuery(), limit=None)
random.seed(1)
for row in random.sample(rows, {EDITS}):
    record = services.volunteers.get(row.uuid)
    data = {{f.name: getattr(record, f.name) for f in dataclasses.fields(VolunteerData)}}
    data["notes"] = "Changed for the benchmark"
    services.volunteers.update(row.uuid, VolunteerData(**data), expected_version=record.version)
start = time.perf_counter()
again = services.alerts.scan(full=False)
incremental_s = time.perf_counter() - start
db.close()
print(json.dumps({{
    "detector_only": detector_only, "full": full_s, "incremental": incremental_s,
    "open": sum(full.counts.values()), "changed": again.changed_records, "peak_rss": peak_rss(),
}}))
"""


def run(table: Table) -> None:
    if not (table.wants("scan") or table.wants("alerts")):
        return
    demo = demo_database(table)
    copy = table.workdir / "alerts.db"
    shutil.copyfile(demo["path"], copy)
    result: dict[str, Any] = run_python(table, SCAN_CODE, str(Path(copy)))
    table.add(
        f"alerts: full scan of {table.volunteers:,} volunteers, every detector, "
        f"{result['open']:,} open alerts stored",
        seconds(result["full"]),
        seconds(result["detector_only"]),
        baseline_note="duplicate-volunteer detector alone",
        target=f"< {FULL_TARGET_S:g} s",
        ok=result["full"] < FULL_TARGET_S,
    )
    table.add(
        f"alerts: incremental rescan after {EDITS} edits ({result['changed']} records changed)",
        seconds(result["incremental"]),
        seconds(result["full"]),
        baseline_note="full scan",
        target=f"< {INCREMENTAL_TARGET_S:g} s",
        ok=result["incremental"] < INCREMENTAL_TARGET_S,
    )
    table.add(
        "alerts: peak memory of the scanning process",
        megabytes(result["peak_rss"]),
        None,
        target="< 500 MB",
        ok=result["peak_rss"] / 1e6 < 500,
    )
