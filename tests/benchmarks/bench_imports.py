"""Importing a spreadsheet: N rows of volunteers from a CSV file, against a bare baseline.

Keys for filters: `import` (ImportService.import_rows of an N-row CSV, the wizard's last step,
against csv.reader + sqlite3 executemany of the same rows into the same volunteer table, its
indexes and search triggers included, in one transaction; target within 4x), `preview` (the
preview, which also writes the rows in a rolled-back transaction and runs the duplicate check;
information only), `importmem` (peak memory importing N/2 and N rows; target: flat). N is the
run's volunteer count (100,000 by default). Every measurement runs in a fresh interpreter on a
fresh database; the CSV is written once per run, with Welsh names, UK mobiles and postcodes.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from harness import PEAK_RSS, Table, megabytes, run_python, seconds

RATIO_TARGET = 4.0  # against the same rows into the same table
MEMORY_RATIO_TARGET = 1.25

FIRST = [
    "Dafydd", "Siân", "Rhys", "Gwenllian", "Owain", "Ffion", "Aled", "Bethan", "Ieuan", "Nia",
    "Llŷr", "Eirlys", "Gareth", "Catrin", "Huw", "Mari", "Tomos", "Elin", "Iolo", "Carys",
]  # fmt: skip
LAST = [
    "Jones", "Davies", "Williams", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
    "Griffiths", "Price", "Glyndŵr", "ap Rhys", "Prydderch", "Llewellyn", "Bowen", "Parry",
    "Rees", "Owen", "Pugh",
]  # fmt: skip
DISTRICTS = ["SA61", "SA62", "SA72", "SA73", "CF10", "CF14", "LL55", "LL77", "SY23", "NP7", "LD3"]
TOWNS = ["Hwlffordd", "Tyddewi", "Penfro", "Caerdydd", "Caernarfon", "Aberystwyth", "Y Fenni"]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SKILLS = ["driving", "cooking", "first aid", "befriending", "gardening", "IT support"]
HEADER = "Ref,First name,Surname,Mobile,E-mail,Address,Town,Post code,Date of birth,Skills"

IMPORT_CODE = f"""{PEAK_RSS}
import json, sys, time
from pathlib import Path
from cvcdesk.services.imports import ImportService
from cvcdesk.store.database import open_database

source, target, mode = sys.argv[1:4]
db = open_database(target)
service = ImportService(db, actor="bench")
start = time.perf_counter()
if mode == "preview":
    result = service.preview(Path(source), kind="volunteers")
    done = result.rows_ok
else:
    result = service.import_rows(Path(source), kind="volunteers")
    done = result.imported
elapsed = time.perf_counter() - start
db.close()
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "rows": done}}))
"""

# The same rows, as they are in the file, straight into the same table: no checks, no
# normalising, no derived columns beyond what the table requires.
BASELINE_CODE = f"""{PEAK_RSS}
import csv, json, sqlite3, sys, time, uuid
from cvcdesk.store.database import open_database

source, target, table = sys.argv[1:4]
open_database(target).close()
connection = sqlite3.connect(target, isolation_level=None)
if table == "plain":  # the same columns with no index, constraint or trigger at all
    connection.execute(
        "CREATE TABLE plain AS SELECT * FROM volunteer WHERE 0"
    )
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA synchronous=NORMAL")
columns = (
    "uuid, origin, changed_at, deleted, version, reference, first_name, last_name, known_as, "
    "date_of_birth, phone, phone_alt, email, address, town, postcode, preferred_language, "
    "welsh_fluency, other_languages, has_car, can_drive, emergency_contact_name, "
    "emergency_contact_phone, status, notes, consent_share, dbs_level, dbs_certificate_number, "
    "dbs_update_service, dbs_checked_by, search_text, sort_key_en, sort_key_cy, created_at"
)
sql = f"INSERT INTO {{table}} ({{columns}}) VALUES ({{', '.join('?' * 34)}})"
start = time.perf_counter()
with open(source, newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    next(reader)
    rows = (
        (str(uuid.uuid4()), "bench", "0", 0, 1, ref, first, last, "", dob, phone, "", email,
         address, town, postcode, "en", "none", "", 0, 0, "", "", "active", "", 0, "none", "",
         0, "", "", "", "", "2025-01-01 00:00:00.000000")
        for ref, first, last, phone, email, address, town, postcode, dob, _skills in reader
    )
    connection.execute("BEGIN")
    connection.executemany(sql, rows)
    connection.execute("COMMIT")
elapsed = time.perf_counter() - start
count = connection.execute(f"SELECT count(*) FROM {{table}}").fetchone()[0]
connection.close()
print(json.dumps({{"seconds": elapsed, "peak_rss": peak_rss(), "rows": count}}))
"""


def write_csv(path: Path, rows: int, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\r\n")
        for n in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            mobile = f"077{rnd.randint(10, 99)} {rnd.randint(0, 999_999):06d}"
            email = f"volunteer{n}@{rnd.choice(['example.org', 'example.com', 'example.net'])}"
            postcode = (
                f"{rnd.choice(DISTRICTS)} {rnd.randint(1, 9)}{rnd.choice(LETTERS)}"
                f"{rnd.choice(LETTERS)}"
            )
            born = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(1940, 2004)}"
            skills = "; ".join(rnd.sample(SKILLS, rnd.randint(0, 2)))
            handle.write(
                f"V{n:06d},{first},{last},{mobile},{email},{rnd.randint(1, 200)} Heol y Bryn,"
                f"{rnd.choice(TOWNS)},{postcode},{born},{skills}\r\n"
            )
    return path


def source(table: Table, rows: int) -> Path:
    key = f"imports-csv-{rows}"
    if key not in table.cache:
        table.cache[key] = write_csv(table.workdir / f"volunteers-{rows}.csv", rows)
    path: Path = table.cache[key]
    return path


def measure(table: Table, code: str, csv_path: Path, name: str, *args: str) -> dict[str, Any]:
    target = table.workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return run_python(table, code, str(csv_path), str(target), *args)


def run(table: Table) -> None:
    n = table.volunteers
    label = f"{n:,}"
    imported: dict[str, Any] | None = None
    if table.wants("import") or table.wants("importmem"):
        path = source(table, n)
        imported = measure(table, IMPORT_CODE, path, "import-full", "import")
        if imported["rows"] != n:
            raise RuntimeError(f"imported {imported['rows']} of {n} rows")
    if table.wants("import") and imported is not None:
        bare = measure(table, BASELINE_CODE, source(table, n), "import-bare", "volunteer")
        ratio = imported["seconds"] / bare["seconds"]
        table.add(
            f"imports: {label}-row CSV, import_rows (checked, one transaction)",
            seconds(imported["seconds"]),
            seconds(bare["seconds"]),
            baseline_note="csv + sqlite3 executemany, same rows and table",
            target=f"within {RATIO_TARGET:g}x",
            ok=ratio <= RATIO_TARGET,
        )
        plain = measure(table, BASELINE_CODE, source(table, n), "import-plain", "plain")
        table.add(
            f"imports: {label}-row CSV, the same bare insert into a table without indexes",
            seconds(plain["seconds"]),
            seconds(bare["seconds"]),
            baseline_note="into the volunteer table",
            target="information",
            ok=None,
        )
    if table.wants("preview"):
        preview = measure(table, IMPORT_CODE, source(table, n), "import-preview", "preview")
        table.add(
            f"imports: {label}-row CSV, preview with duplicate check",
            seconds(preview["seconds"]),
            seconds(imported["seconds"]) if imported else None,
            baseline_note="import_rows" if imported else "",
            target="information",
            ok=None,
        )
    if table.wants("importmem") and imported is not None:
        half = n // 2
        smaller = measure(table, IMPORT_CODE, source(table, half), "import-half", "import")
        ratio = imported["peak_rss"] / smaller["peak_rss"]
        table.add(
            f"imports: peak memory importing {label} rows",
            megabytes(imported["peak_rss"]),
            megabytes(smaller["peak_rss"]),
            baseline_note=f"importing {half:,} rows",
            target=f"flat: within {MEMORY_RATIO_TARGET:g}x",
            ok=ratio <= MEMORY_RATIO_TARGET,
        )
