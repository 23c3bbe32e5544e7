"""Fuzzing the spreadsheet importer: whatever file arrives, no crash, no partial write.

Bounded hypothesis runs over raw bytes, CSV text and XLSX cells. Every outcome is either an
import whose rows all arrived in one transaction, or a refusal that names the problem
(a CvcError) and leaves the database exactly as it was. For longer runs see
tools/fuzz_importers.py (atheris).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cvcdesk.domain.errors import CvcError
from cvcdesk.services.imports import ImportService
from cvcdesk.store.database import open_database

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing is kept between runs; failures print their example
)

HEADERS = [
    "First name", "Surname", "Name", "Mobile", "Phone", "E-mail", "Email", "Post code",
    "Postcode", "Town", "Group", "DBS", "Joined", "Car", "Consent", "Enw", "Ffôn", "Notes",
    "Charity number", "Group name", "",
]  # fmt: skip
cell_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "07712 345678", "+44 7712 345678", "SA61 1AB", "sa611ab", "2024-02-30", "31/12/2023",
            "yes", "no", "enhanced", "=HYPERLINK(\"x\")", "Siân Glyndŵr", "a@b", "\u0000",
            "\ufeff", "  ", "1e309", "-0", "NaN",
        ]
    ),
)  # fmt: skip


def name_columns(kind: str) -> st.SearchStrategy[list[str]]:
    """Columns that hold names, so most examples get past the mapping to the rows."""
    if kind == "volunteers":
        return st.sampled_from([["Name"], ["First name", "Surname"], ["Enw"], []])
    return st.sampled_from([["Group name"], ["Name"], []])


def digest(path: Path) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ):
            for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{table}"')):
                h.update(row.encode())
        return h.hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pristine") / "pristine.db"
    open_database(path).close()
    return path


@pytest.fixture
def fresh(pristine: Path) -> Iterator[Path]:
    """A folder per test; each example takes its own copy of the empty database in it."""
    with tempfile.TemporaryDirectory(prefix="cvcdesk-fuzz-") as folder:
        yield Path(folder)


def attempt(pristine: Path, folder: Path, sheet: Path, kind: str) -> None:
    """Import `sheet` into a copy of the empty database and check the outcome's promise."""
    db_path = folder / f"{sheet.stem}.db"
    shutil.copy(pristine, db_path)
    before = digest(db_path)
    with open_database(db_path) as db:
        service = ImportService(db, actor="fuzz")
        try:
            result = service.import_rows(sheet, kind=kind)
        except CvcError as exc:
            event(f"refused: {str(exc)[:60]}")  # --hypothesis-show-statistics lists them
            assert str(exc).strip(), "a refusal must say what is wrong"
            assert "Traceback" not in str(exc)
            assert digest(db_path) == before  # nothing half-written
            return
        table = "volunteer" if kind == "volunteers" else "organisation"
        with db.engine.connect() as connection:
            held = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    event("imported" if result.imported else "nothing to import")
    assert result.rows_read >= result.imported + result.skipped
    assert held == result.imported  # every accepted row, and nothing else
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@FUZZ
@given(
    data=st.binary(max_size=3000),
    suffix=st.sampled_from([".csv", ".xlsx", ".ods", ".xls", ".txt", ""]),
    kind=st.sampled_from(["volunteers", "groups"]),
)
def test_any_bytes_are_imported_or_refused_cleanly(
    pristine: Path, fresh: Path, data: bytes, suffix: str, kind: str
) -> None:
    sheet = fresh / f"bytes{suffix}"
    sheet.write_bytes(data)
    attempt(pristine, fresh, sheet, kind)


@FUZZ
@given(
    data=st.data(),
    extra=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12)), max_size=6),
    rows=st.lists(st.lists(cell_text, max_size=9), max_size=15),
    separator=st.sampled_from([",", ",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    kind=st.sampled_from(["volunteers", "groups"]),
)
def test_any_csv_text_is_imported_or_refused_cleanly(
    pristine: Path,
    fresh: Path,
    data: st.DataObject,
    extra: list[str],
    rows: list[list[str]],
    separator: str,
    encoding: str,
    kind: str,
) -> None:
    header = data.draw(name_columns(kind)) + extra

    def line(cells: list[str]) -> str:
        return separator.join('"' + c.replace('"', '""') + '"' if c else "" for c in cells)

    text = "\r\n".join(line(cells) for cells in [header, *rows])
    sheet = fresh / "sheet.csv"
    sheet.write_bytes(text.encode(encoding, errors="replace"))
    attempt(pristine, fresh, sheet, kind)


xlsx_cell = st.one_of(
    st.none(),
    cell_text,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)


@FUZZ
@given(
    data=st.data(),
    extra=st.lists(st.sampled_from(HEADERS), max_size=6),
    rows=st.lists(st.lists(xlsx_cell, max_size=9), max_size=12),
    kind=st.sampled_from(["volunteers", "groups"]),
)
def test_any_xlsx_cells_are_imported_or_refused_cleanly(
    pristine: Path,
    fresh: Path,
    data: st.DataObject,
    extra: list[str],
    rows: list[list[object]],
    kind: str,
) -> None:
    from openpyxl import Workbook

    header = data.draw(name_columns(kind)) + extra
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in [header, *rows]:
        # A worksheet's XML cannot hold control characters: no spreadsheet has them.
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        )
    path = fresh / "sheet.xlsx"
    book.save(path)
    attempt(pristine, fresh, path, kind)
