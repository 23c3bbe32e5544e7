"""Duplicate volunteers: full and incremental scans, memory, and two baselines from the same run.

Keys for filters: `scan` (full scan of the demo, its peak memory, an incremental scan of 100
changed records), `allpairs` (a 5,000-volunteer demo scanned with blocking against rapidfuzz
comparing every pair of names), `linkage` (precision, recall, F1 and time against the
recordlinkage library on the same demo records: blocking indexes, string comparisons and its
unsupervised ECM classifier). The demo records its true duplicates; every two records of one
person count as a true pair.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from typing import Any

from bench_foundation import demo_database
from harness import PEAK_RSS, Figure, Table, megabytes, run_python, seconds, timed

from cvcdesk.domain.namekeys import fold_name
from cvcdesk.services.demo import DemoService
from cvcdesk.services.duplicates import DEFAULT_VOLUNTEER_THRESHOLD, find_duplicate_volunteers
from cvcdesk.store.database import open_database

SCAN_TARGET_S = 10.0
INCREMENTAL_TARGET_S = 1.0
MEMORY_TARGET_MB = 500.0
PRECISION_TARGET = 0.99
RECALL_TARGET = 0.98
SAMPLE = 5000
CHANGED = 100
ALL_PAIRS_CUTOFF = 90  # token-sort similarity of full names, in per cent

# Shared by the subprocesses: the true pairs of a demo database, and scoring found pairs.
TRUTH = """
import itertools, sqlite3
def true_pairs(path):
    connection = sqlite3.connect(path)
    people = {}
    for duplicate, original in connection.execute(
        "SELECT duplicate_uuid, original_uuid FROM demo_duplicate"
    ):
        people.setdefault(original, {original}).add(duplicate)
    connection.close()
    return {pair for group in people.values() for pair in itertools.combinations(sorted(group), 2)}
def quality(found, truth):
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "found": len(found)}
"""

SCAN_CODE = f"""{PEAK_RSS}
{TRUTH}
import json, random, sqlite3, sys, time
from cvcdesk.services.duplicates import find_duplicate_volunteers
from cvcdesk.store.database import open_database

path, changed = sys.argv[1], int(sys.argv[2])
db = open_database(path)
with db.session_factory() as session:
    start = time.perf_counter()
    findings = find_duplicate_volunteers(session)
    full = time.perf_counter() - start
    peak = peak_rss()
    uuids = [row[0] for row in sqlite3.connect(path).execute("SELECT uuid FROM volunteer")]
    only = set(random.Random(7).sample(uuids, changed))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        incremental = find_duplicate_volunteers(session, only=only)
        times.append(time.perf_counter() - start)
db.close()
expected = sorted(f.pair_key for f in findings if {{r.uuid for r in f.records}} & only)
# The plain read of the same columns, for scale.
start = time.perf_counter()
sqlite3.connect(path).execute(
    "SELECT uuid, first_name, last_name, known_as, date_of_birth, phone, phone_alt, email, "
    "postcode, address FROM volunteer WHERE deleted IS 0 ORDER BY id"
).fetchall()
read = time.perf_counter() - start
found = {{tuple(sorted(r.uuid for r in f.records)) for f in findings}}
result = quality(found, true_pairs(path))
result.update(
    seconds=full, peak_rss=peak, read_seconds=read, incremental_seconds=sorted(times)[1],
    incremental_same=sorted(f.pair_key for f in incremental) == expected,
)
print(json.dumps(result))
"""

# recordlinkage, set up as its documentation suggests for deduplication without training data:
# blocking indexes on the fields that identify a person, string comparisons with thresholds
# for names and address, exact comparisons for the rest, and the ECM classifier.
LINKAGE_CODE = f"""{PEAK_RSS}
{TRUTH}
import json, sqlite3, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import recordlinkage
from recordlinkage.preprocessing import clean

path = sys.argv[1]
start = time.perf_counter()
connection = sqlite3.connect(path)
frame = pd.read_sql_query(
    "SELECT uuid, first_name, last_name, date_of_birth AS dob, phone, email, postcode, address "
    "FROM volunteer WHERE deleted IS 0 ORDER BY id", connection, index_col="uuid",
).replace("", None)
for column in ("first_name", "last_name", "address"):
    frame[column] = clean(frame[column], strip_accents="unicode")
indexer = recordlinkage.Index()
for column in ("postcode", "dob", "phone", "email"):
    indexer.block(column)
candidates = indexer.index(frame)
compare = recordlinkage.Compare()
compare.string("first_name", "first_name", method="jarowinkler", threshold=0.85)
compare.string("last_name", "last_name", method="jarowinkler", threshold=0.85)
compare.exact("dob", "dob")
compare.exact("postcode", "postcode")
compare.exact("phone", "phone")
compare.exact("email", "email")
compare.string("address", "address", method="levenshtein", threshold=0.85)
features = compare.compute(candidates, frame)
links = recordlinkage.ECMClassifier().fit_predict(features)
elapsed = time.perf_counter() - start
found = {{tuple(sorted(pair)) for pair in links}}
result = quality(found, true_pairs(path))
result.update(seconds=elapsed, peak_rss=peak_rss(), candidates=len(candidates))
print(json.dumps(result))
"""


def run(table: Table) -> None:
    wants_scan = table.wants("scan")
    wants_linkage = table.wants("linkage")
    if wants_scan or wants_linkage:
        demo = demo_database(table)
        scan = run_python(table, SCAN_CODE, str(demo["path"]), str(CHANGED))
        other = linkage(table, demo) if wants_linkage else None
        if wants_scan:
            bench_scan(table, scan, other)
        if other is not None:
            bench_linkage(table, scan, other)
    if table.wants("allpairs"):
        bench_all_pairs(table)


def percent(value: float) -> Figure:
    return Figure(round(value * 100, 2), "%")


# -- a. the full scan, its memory, and an incremental scan -------------------------------------


def bench_scan(table: Table, scan: dict[str, Any], other: dict[str, Any] | None) -> None:
    n = f"{table.volunteers:,}"
    table.add(
        f"duplicates: full scan of {n} volunteers",
        seconds(scan["seconds"]),
        seconds(scan["read_seconds"]),
        baseline_note="sqlite3 reading the same columns",
        target=f"< {SCAN_TARGET_S:g} s",
        ok=scan["seconds"] < SCAN_TARGET_S,
    )
    table.add(
        f"duplicates: incremental scan, {CHANGED} changed of {n} (median of 3)",
        seconds(scan["incremental_seconds"]),
        seconds(scan["seconds"]),
        baseline_note="full scan",
        target=f"< {INCREMENTAL_TARGET_S:g} s, same as full",
        ok=scan["incremental_seconds"] < INCREMENTAL_TARGET_S and scan["incremental_same"],
    )
    table.add(
        f"duplicates: peak RSS of the full scan of {n}",
        megabytes(scan["peak_rss"]),
        None if other is None else megabytes(other["peak_rss"]),
        baseline_note="" if other is None else "recordlinkage on the same records",
        target=f"< {MEMORY_TARGET_MB:g} MB",
        ok=scan["peak_rss"] / 1_000_000 < MEMORY_TARGET_MB,
    )


# -- b. quality and time against recordlinkage ---------------------------------------------------


def linkage(table: Table, demo: dict[str, Any]) -> dict[str, Any]:
    try:
        import recordlinkage  # noqa: F401 - only to say clearly when the bench extra is missing
    except ImportError:
        print("  recordlinkage is not installed: pip install -e '.[bench]'", file=sys.stderr)
        raise
    return run_python(table, LINKAGE_CODE, str(demo["path"]))


def bench_linkage(table: Table, scan: dict[str, Any], other: dict[str, Any]) -> None:
    note = "recordlinkage, ECM"
    table.add(
        "duplicates: precision at the default threshold",
        percent(scan["precision"]),
        percent(other["precision"]),
        baseline_note=note,
        target=f">= {PRECISION_TARGET:.0%}",
        ok=scan["precision"] >= PRECISION_TARGET,
    )
    table.add(
        "duplicates: recall at the default threshold",
        percent(scan["recall"]),
        percent(other["recall"]),
        baseline_note=note,
        target=f">= {RECALL_TARGET:.0%}",
        ok=scan["recall"] >= RECALL_TARGET,
    )
    table.add(
        "duplicates: F1",
        percent(scan["f1"]),
        percent(other["f1"]),
        baseline_note=note,
        target="above recordlinkage",
        ok=scan["f1"] > other["f1"],
    )
    table.add(
        f"duplicates: time, {table.volunteers:,} volunteers",
        seconds(scan["seconds"]),
        seconds(other["seconds"]),
        baseline_note=f"{note}, {other['candidates']:,} candidate pairs",
        target="faster than recordlinkage",
        ok=scan["seconds"] < other["seconds"],
    )


# -- c. blocking against comparing every pair -----------------------------------------------------


def bench_all_pairs(table: Table) -> None:
    from rapidfuzz import fuzz, process

    path = table.workdir / "duplicates-sample.db"
    database = open_database(path)
    try:
        DemoService(database, actor="bench").generate(
            volunteers=SAMPLE, groups=max(3, SAMPLE // 300), seed=1, today=dt.date.today()
        )
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT uuid, first_name, last_name FROM volunteer ORDER BY id"
            ).all()
            truth_rows = connection.exec_driver_sql(
                "SELECT duplicate_uuid, original_uuid FROM demo_duplicate"
            ).all()
        with database.session_factory() as session:
            blocked, findings = timed(lambda: find_duplicate_volunteers(session))
    finally:
        database.close()
    people: dict[str, set[str]] = {}
    for duplicate, original in truth_rows:
        people.setdefault(original, {original}).add(duplicate)
    truth = {p for group in people.values() for p in itertools.combinations(sorted(group), 2)}
    found = {tuple(sorted(r.uuid for r in f.records)) for f in findings}
    assert all(f.score >= DEFAULT_VOLUNTEER_THRESHOLD for f in findings)

    uuids = [uuid for uuid, _first, _last in rows]
    names = [fold_name(f"{first} {last}") for _uuid, first, last in rows]
    # Every pair of full names (each pair twice, as cdist fills the whole matrix), one thread.
    elapsed, matrix = timed(
        lambda: process.cdist(
            names, names, scorer=fuzz.token_sort_ratio, score_cutoff=ALL_PAIRS_CUTOFF, workers=1
        )
    )
    hits = set()
    for i, j in zip(*matrix.nonzero(), strict=True):
        if i < j:
            hits.add(tuple(sorted((uuids[i], uuids[j]))))
    base = _quality(hits, truth)
    mine = _quality(found, truth)
    table.add(
        f"duplicates: {SAMPLE:,} volunteers, blocked scan (F1 {mine:.0%})",
        seconds(blocked),
        seconds(elapsed),
        baseline_note=f"rapidfuzz all pairs, names >= {ALL_PAIRS_CUTOFF}%, F1 {base:.0%}",
        target="faster than all pairs",
        ok=blocked < elapsed,
    )


def _quality(found: set[Any], truth: set[Any]) -> float:
    hits = len(found & truth)
    if not hits:
        return 0.0
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall)
