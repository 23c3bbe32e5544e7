"""Partner sync: exporting and importing every volunteer of the demo, against a bare json +
sqlite3 executemany of the same rows in the same run, and peak memory.

Keys for filters: `sync` (everything here), `export`, `import`. The demo's volunteers are all
marked as consenting (so every one of them leaves in full) and its memberships are left out,
so both sides move exactly the same volunteer rows with their skills, availability and away
periods. Each measurement runs in a fresh interpreter, so its peak memory is its own.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from bench_foundation import demo_database
from harness import PEAK_RSS, Figure, Table, megabytes, run_python, seconds

from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
from cvcdesk.services.registry import Services
from cvcdesk.services.sync_records import FULL_VOLUNTEER_COLUMNS
from cvcdesk.store.database import open_database

RATIO_TARGET = 3.0
MEMORY_TARGET_MB = 500.0
PARTNER = "Receiving CVC"

EXPORT_CODE = f"""{PEAK_RSS}
import json, sys, time
from pathlib import Path
from cvcdesk.services.registry import Services
services = Services.open(sys.argv[1])
start = time.perf_counter()
result = services.sync.export(sys.argv[2], Path(sys.argv[3]))
elapsed = time.perf_counter() - start
services.close()
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "records": result.records,
                   "size": result.size}}))
"""

IMPORT_CODE = f"""{PEAK_RSS}
import json, sys, time
from pathlib import Path
from cvcdesk.services.registry import Services
services = Services.open(sys.argv[1])
start = time.perf_counter()
result = services.sync.import_file(Path(sys.argv[2]), scan_alerts=False)
elapsed = time.perf_counter() - start
peak = peak_rss()
start = time.perf_counter()
scan = services.alerts.scan(full=True)
scanned = time.perf_counter() - start
start = time.perf_counter()
again = services.sync.import_file(Path(sys.argv[2]), scan_alerts=False)
repeat = time.perf_counter() - start
services.close()
print(json.dumps({{"seconds": elapsed, "peak_rss": peak, "new": result.preview.totals.new,
                   "scan": scanned, "repeat": repeat, "repeat_applied": again.applied}}))
"""

# The same rows, written and read the plainest way: SELECT, json.dumps, a file; json.loads,
# executemany into the same schema (search index triggers included), children by id.
_COLUMNS = ("uuid", "origin", "changed_at", "deleted", "replaced_by", *FULL_VOLUNTEER_COLUMNS)

BARE_EXPORT_CODE = f"""{PEAK_RSS}
import json, sqlite3, sys, time
from collections import defaultdict
columns = {list(_COLUMNS)!r}
start = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
children = {{}}
for name, sql in (
    ("skills", "SELECT volunteer_id, skill_code FROM volunteer_skill"),
    ("availability", "SELECT volunteer_id, weekday, start_time, end_time FROM availability"),
    ("away", "SELECT volunteer_id, start_date, end_date FROM away_period"),
):
    found = defaultdict(list)
    for row in db.execute(sql):
        found[row[0]].append(row[1] if len(row) == 2 else list(row[1:]))
    children[name] = found
count = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in db.execute("SELECT id, " + ", ".join(columns) + " FROM volunteer"):
        record = dict(zip(columns, row[1:]))
        for name, found in children.items():
            record[name] = found.get(row[0], [])
        out.write(json.dumps(record, ensure_ascii=False) + "\\n")
        count += 1
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "records": count}}))
"""

BARE_IMPORT_CODE = f"""{PEAK_RSS}
import json, sqlite3, sys, time
columns = {list(_COLUMNS)!r}
start = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
rows, skills, slots, away = [], [], [], []
with open(sys.argv[2], encoding="utf-8") as source:
    for line in source:
        record = json.loads(line)
        rows.append([record[c] for c in columns])
        skills += [(record["uuid"], s) for s in record["skills"]]
        slots += [(record["uuid"], *s) for s in record["availability"]]
        away += [(record["uuid"], *a) for a in record["away"]]
db.executemany(
    "INSERT INTO volunteer (" + ", ".join(columns) + ", emergency_contact_name, "
    "emergency_contact_phone, notes, dbs_certificate_number, search_text, sort_key_en, "
    "sort_key_cy, version, created_at) VALUES (" + ", ".join("?" * len(columns))
    + ", '', '', '', '', '', '', '', 1, CURRENT_TIMESTAMP)",
    rows,
)
ids = dict(db.execute("SELECT uuid, id FROM volunteer"))
db.executemany("INSERT INTO volunteer_skill VALUES (?, ?)", [(ids[u], s) for u, s in skills])
db.executemany(
    "INSERT INTO availability (volunteer_id, weekday, start_time, end_time) VALUES (?, ?, ?, ?)",
    [(ids[u], *rest) for u, *rest in slots],
)
db.executemany(
    "INSERT INTO away_period (volunteer_id, start_date, end_date, reason) VALUES (?, ?, ?, '')",
    [(ids[u], *rest) for u, *rest in away],
)
db.commit()
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "records": len(rows)}}))
"""


def run(table: Table) -> None:
    if not (table.wants("sync") or table.wants("export") or table.wants("import")):
        return
    setup = _prepare(table)
    exported = run_python(table, EXPORT_CODE, str(setup["sender"]), PARTNER, str(setup["file"]))
    bare_export = run_python(
        table, BARE_EXPORT_CODE, str(setup["bare_source"]), str(setup["bare_file"])
    )
    n = table.volunteers
    if table.wants("export") or table.wants("sync"):
        _ratio_row(table, f"sync export: {n:,} volunteers", exported, bare_export)
        table.add(
            "sync export: peak memory",
            megabytes(exported["peak_rss"]),
            megabytes(bare_export["peak_rss"]),
            baseline_note="bare",
            target=f"<= {MEMORY_TARGET_MB:.0f} MB",
            ok=exported["peak_rss"] / 1e6 <= MEMORY_TARGET_MB,
        )
        table.add(
            "sync export: file size",
            megabytes(exported["size"]),
            megabytes(Path(setup["bare_file"]).stat().st_size),
            baseline_note="plain JSON lines",
            target="info",
            ok=None,
        )
    if table.wants("import") or table.wants("sync"):
        imported = run_python(table, IMPORT_CODE, str(setup["receiver"]), str(setup["file"]))
        bare_import = run_python(
            table, BARE_IMPORT_CODE, str(setup["bare_target"]), str(setup["bare_file"])
        )
        assert imported["new"] >= n, imported
        _ratio_row(table, f"sync import: {n:,} volunteers", imported, bare_import)
        table.add(
            "sync import: peak memory",
            megabytes(imported["peak_rss"]),
            megabytes(bare_import["peak_rss"]),
            baseline_note="bare",
            target=f"<= {MEMORY_TARGET_MB:.0f} MB",
            ok=imported["peak_rss"] / 1e6 <= MEMORY_TARGET_MB,
        )
        table.add(
            "sync import: same file again (nothing changes)",
            seconds(imported["repeat"]),
            None,
            target="no change",
            ok=not imported["repeat_applied"],
        )
        table.add(
            "sync import: alert scan afterwards (full)",
            seconds(imported["scan"]),
            None,
            target="info",
            ok=None,
        )


def _ratio_row(table: Table, name: str, ours: dict[str, Any], bare: dict[str, Any]) -> None:
    ratio = ours["seconds"] / max(bare["seconds"], 1e-9)
    table.add(
        name,
        seconds(ours["seconds"]),
        seconds(bare["seconds"]),
        baseline_note="json + sqlite3 executemany",
        target=f"<= {RATIO_TARGET:g}x",
        ok=ratio <= RATIO_TARGET,
    )


def _prepare(table: Table) -> dict[str, Any]:
    """Two databases that trust each other (not timed): the demo as the sender, with every
    volunteer consenting and no memberships, and an empty receiver."""
    if "sync" in table.cache:
        cached: dict[str, Any] = table.cache["sync"]
        return cached
    demo = demo_database(table)
    folder = table.workdir / "sync"
    folder.mkdir(exist_ok=True)
    sender, receiver = folder / "sender.db", folder / "receiver.db"
    shutil.copy(demo["path"], sender)
    connection = sqlite3.connect(sender)
    connection.execute(
        "UPDATE volunteer SET consent_share = 1, consent_method = 'paper_form' "
        "WHERE consent_share = 0"
    )
    connection.execute("DELETE FROM membership")
    connection.commit()
    connection.close()
    a = Services.open(sender)
    b = Services.open(receiver)
    group = a.organisations.list(limit=1)[0]
    a.identity.write_identity(folder / "sender.id", organisation=group.uuid)
    from cvcdesk.domain.organisation import OrganisationData

    own = b.organisations.create(OrganisationData(name_en=PARTNER))
    b.identity.write_identity(folder / "receiver.id", organisation=own.uuid)
    a.partners.add(folder / "receiver.id", name=PARTNER)
    b.partners.add(folder / "sender.id")
    a.partners.set_profile(
        PARTNER,
        SharingProfile(
            organisations=False,
            activities=False,
            households=False,
            alert_decisions=False,
            volunteers=VolunteerSharing.FULL,
        ),
    )
    a.close()
    b.close()
    bare_target = folder / "bare-target.db"
    open_database(bare_target).close()  # the same schema, empty
    setup = {
        "sender": sender,
        "receiver": receiver,
        "file": folder / "volunteers.cvcsync",
        "bare_source": sender,
        "bare_file": folder / "volunteers.jsonl",
        "bare_target": bare_target,
    }
    table.cache["sync"] = setup
    return setup


__all__ = ["Figure", "run"]
