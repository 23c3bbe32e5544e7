"""Spreadsheets in and out: real CSV, XLSX and ODS files as people save them, broken ones, a
million-row CSV read as a stream, and XLSX/CSV exports read back for formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import psutil
import pytest

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import Membership, VolunteerRecord
from cvcdesk.services.exports import VOLUNTEER_COLUMNS, ExportService
from cvcdesk.services.spreadsheets import (
    MappingMemory,
    SpreadsheetError,
    check_mapping,
    column_letter,
    count_rows,
    fingerprint,
    guess_mapping,
    inspect_sheet,
    iter_rows,
    read_mapping_file,
)
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
WELSH_HEADER = ["Enw cyntaf", "Cyfenw", "Rhif ffôn", "Cod post", "E-bost", "Cyf"]


def write_bytes(path: Path, text: str, encoding: str, *, bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


def write_ods(path: Path, rows: list[list[str]], sheet: str = "Taflen1") -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice would save it (one sheet)."""
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            "</table:table-cell>"
            for value in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{cells}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest)
    return path


def welsh_workbook(path: Path) -> Path:
    """A workbook as a group's coordinator keeps it: a title, the header on row 3 from column B,
    phone numbers typed as numbers (Excel drops the leading 0), real dates, a blank row."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Gwirfoddolwyr"
    sheet["B1"] = "Grŵp Cymorth Tŷ Ddewi"
    for offset, header in enumerate(["Enw cyntaf", "Cyfenw", "Rhif ffôn", "Dyddiad geni"]):
        sheet.cell(row=3, column=2 + offset, value=header)
    sheet.append([None, "Siân", "Glyndŵr", 7712345678, dt.date(1980, 2, 3)])
    sheet.append([])
    sheet.append([None, "Dafydd", "ap Gwilym", "07712 345679", dt.datetime(1975, 5, 6)])
    hidden = book.create_sheet("Nodiadau")
    hidden["A1"] = "Nodyn"
    book.save(path)
    return path


# -- CSV encodings and separators --------------------------------------------------------------


def test_utf8_with_bom_and_semicolons_and_welsh_headers(tmp_path: Path) -> None:
    text = ";".join(WELSH_HEADER) + "\r\nSiân;Glyndŵr;07712 345678;SA61 1AB;sian@example.org;R1\r\n"
    path = write_bytes(tmp_path / "gwirfoddolwyr.csv", text, "utf-8", bom=b"\xef\xbb\xbf")
    info = inspect_sheet(path)
    assert (info.format, info.encoding, info.delimiter) == ("csv", "utf-8-sig", ";")
    assert info.headers == tuple(WELSH_HEADER)  # no BOM glued to the first header
    assert info.header_row == 1
    [row] = list(iter_rows(info))
    assert row.number == 2
    assert row.cells == ("Siân", "Glyndŵr", "07712 345678", "SA61 1AB", "sian@example.org", "R1")
    assert guess_mapping(info.headers, "volunteers") == {
        "Enw cyntaf": "first_name",
        "Cyfenw": "last_name",
        "Rhif ffôn": "phone",
        "Cod post": "postcode",
        "E-bost": "email",
        "Cyf": "reference",
    }


def test_windows_1252_with_commas(tmp_path: Path) -> None:
    # Windows-1252 has â and ô (Siân, Môn) but no ŵ or ŷ: that is what Excel on Windows writes.
    text = (
        'First name,Surname,Mobile,Post code,Ref\r\nSiân,"Jones, Môn",07712 345678,LL77 7AB,7\r\n'
    )
    path = write_bytes(tmp_path / "volunteers.csv", text, "cp1252")
    info = inspect_sheet(path)
    assert (info.encoding, info.delimiter) == ("cp1252", ",")
    [row] = list(iter_rows(info))
    assert row.cells == ("Siân", "Jones, Môn", "07712 345678", "LL77 7AB", "7")


def test_utf8_without_bom_and_tabs(tmp_path: Path) -> None:
    text = "Enw\tCod post\nGruffydd ab Ifan\tSA62 6AB\nEirlys Ŷr\tSA62 6AA\n"
    path = write_bytes(tmp_path / "tabs.csv", text, "utf-8")
    info = inspect_sheet(path)
    assert (info.encoding, info.delimiter) == ("utf-8", "\t")
    assert [row.cells for row in iter_rows(info)] == [
        ("Gruffydd ab Ifan", "SA62 6AB"),
        ("Eirlys Ŷr", "SA62 6AA"),
    ]


def test_utf16_unicode_text_as_excel_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("Enw cyntaf\tCyfenw\r\nSiân\tGlyndŵr\r\n".encode("utf-16"))
    info = inspect_sheet(path)
    assert (info.encoding, info.delimiter) == ("utf-16", "\t")
    assert [row.cells for row in iter_rows(info)] == [("Siân", "Glyndŵr")]


def test_quoted_cells_with_line_breaks_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    text = 'Name,Notes\r\nAled,"first line\r\nsecond line"\r\n\r\nBethan,none\r\n'
    info = inspect_sheet(write_bytes(tmp_path / "notes.csv", text, "utf-8"))
    rows = list(iter_rows(info))
    assert [(r.number, r.cells[0]) for r in rows] == [(2, "Aled"), (4, "Bethan")]
    assert rows[0].cells[1] == "first line\r\nsecond line"


def test_blank_and_repeated_headers_get_names(tmp_path: Path) -> None:
    text = "\n\nPhone,,Phone,Notes,,\n07712 345678,x,01437 765432,n,,\n"
    info = inspect_sheet(write_bytes(tmp_path / "odd.csv", text, "utf-8"))
    assert info.header_row == 3
    assert info.headers == ("Phone", "Column B", "Phone (2)", "Notes")
    assert info.columns == ("A", "B", "C", "D")
    assert guess_mapping(info.headers, "volunteers") == {
        "Phone": "phone",
        "Column B": "",
        "Phone (2)": "phone_alt",
        "Notes": "notes",
    }


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_with_the_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"Name,Town\nAled,Tregaron\nBethan,Aber\x81ystwyth\n")
    with pytest.raises(SpreadsheetError) as raised:
        inspect_sheet(path)
    message = str(raised.value)
    assert "broken.csv" in message and "line 3" in message and "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (bytes(range(256)) * 40, "not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "not a spreadsheet"),
    ],
)
def test_empty_files_and_binary_junk_are_refused(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "volunteers.csv"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError) as raised:
        inspect_sheet(path)
    assert words in str(raised.value)
    assert "volunteers.csv" in str(raised.value)
    assert "Traceback" not in str(raised.value)
    assert path.read_bytes() == content


def test_a_missing_file_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SpreadsheetError, match="There is no file"):
        inspect_sheet(tmp_path / "nowhere.csv")
    with pytest.raises(SpreadsheetError, match="folder"):
        inspect_sheet(tmp_path)


def test_a_header_alone_has_no_rows(tmp_path: Path) -> None:
    info = inspect_sheet(write_bytes(tmp_path / "h.csv", "First name,Surname\n", "utf-8"))
    assert info.headers == ("First name", "Surname")
    assert list(iter_rows(info)) == []


# -- workbooks -------------------------------------------------------------------------------


def test_xlsx_written_by_openpyxl(tmp_path: Path) -> None:
    path = welsh_workbook(tmp_path / "gwirfoddolwyr.xlsx")
    before = path.read_bytes()
    info = inspect_sheet(path)
    assert (info.format, info.sheet_name) == ("xlsx", "Gwirfoddolwyr")
    assert info.sheet_names == ("Gwirfoddolwyr", "Nodiadau")
    assert info.header_row == 3  # the title in B1 is passed over
    assert info.headers == ("Enw cyntaf", "Cyfenw", "Rhif ffôn", "Dyddiad geni")
    assert info.columns == ("B", "C", "D", "E")
    rows = list(iter_rows(info))
    assert [row.number for row in rows] == [4, 6]  # blank row 5 skipped, numbers the sheet's
    assert rows[0].cells == ("Siân", "Glyndŵr", 7712345678, dt.date(1980, 2, 3))
    assert rows[1].cells[:3] == ("Dafydd", "ap Gwilym", "07712 345679")
    assert path.read_bytes() == before
    # The coordinator can say which row is the header.
    title = inspect_sheet(path, header_row=1)
    assert title.headers == ("Grŵp Cymorth Tŷ Ddewi",)
    with pytest.raises(SpreadsheetError, match=r"Row 2 .* is empty"):
        inspect_sheet(path, header_row=2)


def test_xlsx_with_the_header_on_the_first_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Enw cyntaf", "Cyfenw", "Rhif ffôn", "Dyddiad geni"])
    sheet.append(["Siân", "Glyndŵr", 7712345678, dt.date(1980, 2, 3)])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    info = inspect_sheet(path)
    assert info.headers == ("Enw cyntaf", "Cyfenw", "Rhif ffôn", "Dyddiad geni")
    assert guess_mapping(info.headers, "volunteers") == {
        "Enw cyntaf": "first_name",
        "Cyfenw": "last_name",
        "Rhif ffôn": "phone",
        "Dyddiad geni": "date_of_birth",
    }
    [row] = list(iter_rows(info))
    assert (row.number, row.cells[0]) == (2, "Siân")


def test_another_sheet_can_be_chosen_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    path = welsh_workbook(tmp_path / "book.xlsx")
    assert inspect_sheet(path, sheet="Nodiadau").headers == ("Nodyn",)
    with pytest.raises(SpreadsheetError) as raised:
        inspect_sheet(path, sheet="Volunteers")
    assert "Gwirfoddolwyr, Nodiadau" in str(raised.value)


def test_ods(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "gwirfoddolwyr.ods",
        [["Enw cyntaf", "Cyfenw", "Cod post"], ["Siân", "Glyndŵr", "SA61 1AB"]],
    )
    info = inspect_sheet(path)
    assert (info.format, info.sheet_name) == ("ods", "Taflen1")
    assert [row.cells for row in iter_rows(info)] == [("Siân", "Glyndŵr", "SA61 1AB")]


def test_a_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    whole = welsh_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SpreadsheetError) as raised:
        inspect_sheet(path)
    assert "damaged or incomplete" in str(raised.value)
    assert "cut.xlsx" in str(raised.value)


def test_a_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SpreadsheetError, match="not a spreadsheet"):
        inspect_sheet(path)


# -- mappings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("First name", "first_name"),
        ("Forename", "first_name"),
        ("Enw Cyntaf", "first_name"),
        ("Surname", "last_name"),
        ("CYFENW", "last_name"),
        ("Mobile", "phone"),
        ("Mobile No.", "phone"),
        ("Rhif ffôn", "phone"),
        ("Rhif ffon symudol", "phone"),
        ("Home phone", "phone_alt"),
        ("E-mail", "email"),
        ("E-bost", "email"),
        ("Post code", "postcode"),
        ("Cod post", "postcode"),
        ("Ref", "reference"),
        ("Cyfeirnod", "reference"),
        ("Date of birth", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Dyddiad geni", "date_of_birth"),
        ("Next of kin", "emergency_contact_name"),
        ("DBS", "dbs_level"),
        ("DBS expiry", "dbs_renewal_due"),
        ("Car?", "has_car"),
        ("Skills", "skills"),
        ("Sgiliau", "skills"),
        ("Name", "full_name"),
        ("Enw", "full_name"),
        ("Consent", "consent_share"),
        ("Cymraeg", "welsh_fluency"),
        ("Iaith", "preferred_language"),
        ("Volunteer's mobile number", "phone"),
        ("Favourite colour", ""),
    ],
)
def test_volunteer_headers_in_english_and_welsh(header: str, field: str) -> None:
    assert guess_mapping([header], "volunteers") == {header: field}


def test_group_headers() -> None:
    headers = ["Organisation", "Enw Cymraeg", "Type", "Charity No.", "Gwefan", "Cod post"]
    assert guess_mapping(headers, "groups") == {
        "Organisation": "name_en",
        "Enw Cymraeg": "name_cy",
        "Type": "kind",
        "Charity No.": "charity_number",
        "Gwefan": "website",
        "Cod post": "postcode",
    }


def test_a_name_column_gives_way_to_separate_name_columns() -> None:
    mapping = guess_mapping(
        ["Name", "First name", "Surname", "Address 1", "Address 2"], "volunteers"
    )
    assert mapping == {
        "Name": "",
        "First name": "first_name",
        "Surname": "last_name",
        "Address 1": "address",
        "Address 2": "address",
    }


def test_check_mapping_names_what_is_wrong() -> None:
    headers = ["First name", "Mobile", "Phone"]
    with pytest.raises(CvcError, match="“shoe_size” is not a field"):
        check_mapping(headers, {"First name": "shoe_size"}, "volunteers")
    with pytest.raises(CvcError, match="“Mobile” and “Phone” both fill"):
        check_mapping(headers, {"Mobile": "phone", "Phone": "phone"}, "volunteers")
    with pytest.raises(CvcError, match="column “Ffôn” that the file does not have"):
        check_mapping(headers, {"Ffôn": "phone"}, "volunteers")
    assert check_mapping(headers, {"Mobile": "phone", "Phone": "ignore"}, "volunteers") == {
        "First name": "",
        "Mobile": "phone",
        "Phone": "",
    }


def test_mapping_files(tmp_path: Path) -> None:
    good = tmp_path / "mapping.json"
    good.write_text(json.dumps({"Enw cyntaf": "first_name", "Nodyn": None}), encoding="utf-8")
    assert read_mapping_file(good) == {"Enw cyntaf": "first_name", "Nodyn": ""}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CvcError, match="not a JSON mapping file"):
        read_mapping_file(bad)
    wrong = tmp_path / "list.json"
    wrong.write_text('["first_name"]', encoding="utf-8")
    with pytest.raises(CvcError, match="one JSON object"):
        read_mapping_file(wrong)
    with pytest.raises(CvcError, match="no mapping file"):
        read_mapping_file(tmp_path / "missing.json")


def test_fingerprint_ignores_case_accents_and_spacing() -> None:
    assert fingerprint(["Rhif ffôn", "Cod post"]) == fingerprint(["RHIF FFON", "Cod  post"])
    assert fingerprint(["Rhif ffôn", "Cod post"]) != fingerprint(["Cod post", "Rhif ffôn"])


def test_a_mapping_is_remembered_for_its_header_row(tmp_path: Path, db: Database) -> None:
    memory = MappingMemory(db, actor="tester")
    first = inspect_sheet(write_bytes(tmp_path / "a.csv", "Enw,Rhif\nSiân,07712 345678\n", "utf-8"))
    mapping, remembered = memory.suggest("volunteers", first)
    assert (mapping, remembered) == ({"Enw": "full_name", "Rhif": ""}, False)
    memory.remember("volunteers", first, {"Enw": "full_name", "Rhif": "phone"})
    # Next month's file from the same group: same header row, other rows.
    second = inspect_sheet(
        write_bytes(tmp_path / "b.csv", "ENW,Rhif\nAled,07712 000000\n", "utf-8")
    )
    assert memory.suggest("volunteers", second) == ({"ENW": "full_name", "Rhif": "phone"}, True)
    assert memory.suggest("groups", second)[1] is False  # remembered per kind too


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


# -- a million rows ----------------------------------------------------------------------------


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


@pytest.mark.slow
def test_a_million_row_csv_is_read_as_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("First name;Surname;Mobile;Post code\n")
        for n in range(1_000_000):
            handle.write(f"Siân;Glyndŵr{n};07712 {n % 1_000_000:06d};SA61 1AB\n")
    assert path.stat().st_size > 40_000_000
    info = inspect_sheet(path)
    assert info.delimiter == ";"
    start = peak = _rss()
    count = 0
    last = None
    for row in iter_rows(info):
        count += 1
        last = row
        if count % 50_000 == 0:
            peak = max(peak, _rss())
    assert count == 1_000_000
    assert last is not None and last.number == 1_000_001
    # The file is over 40 MB; reading it must not hold it (or its rows) in memory.
    assert peak - start < 30_000_000, f"memory grew by {(peak - start) / 1e6:.0f} MB"
    assert count_rows(info, stop_after=200_000) == 200_001


def test_counting_rows_stops_early_and_uses_the_file_size(tmp_path: Path) -> None:
    text = "Name\n" + "".join(f"Person {n}\n\n" for n in range(30))
    info = inspect_sheet(write_bytes(tmp_path / "c.csv", text, "utf-8"))
    assert count_rows(info, stop_after=100) <= 61  # an upper bound is enough when small
    assert count_rows(info, stop_after=10) == 11


# -- exports read back ----------------------------------------------------------------------

DANGEROUS = [
    '=HYPERLINK("http://example.com","click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _xlsx_rows(path: Path) -> list[list[object]]:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_xlsx_export_neutralises_formulas(
    tmp_path: Path, db: Database, make_volunteer: MakeVolunteer, dangerous: str
) -> None:
    make_volunteer(known_as=dangerous, address=dangerous, town=dangerous, reference=dangerous)
    path = tmp_path / "volunteers.xlsx"
    assert ExportService(db, actor="tester").volunteers(path) == 1
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == [name for name, _getter in VOLUNTEER_COLUMNS]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    for column in ("known_as", "address", "town", "reference"):
        cell = row[column]
        assert cell.data_type == "s", column  # text, never a formula
        # Saving a volunteer trims spaces, tabs and line ends; what is left is still neutralised.
        assert cell.value == "'" + dangerous.strip()
    assert row["first_name"].value == "Dafydd"
    # Nothing in the file is a formula.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_csv_export_neutralises_formulas(
    tmp_path: Path, db: Database, make_volunteer: MakeVolunteer, dangerous: str
) -> None:
    make_volunteer(known_as=dangerous, notes=dangerous)
    path = tmp_path / "volunteers.csv"
    ExportService(db, actor="tester").volunteers(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["known_as"] == "'" + dangerous.strip()


def test_xlsx_export_keeps_welsh_letters_dates_and_numbers(
    tmp_path: Path,
    db: Database,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    group = make_organisation(name_en="Tŷ Hapus", name_cy="Tŷ Hapus")
    make_volunteer(
        first_name="Siân",
        last_name="Glyndŵr",
        town="Tŷ Ddewi",
        date_of_birth=dt.date(1980, 2, 3),
        memberships=(Membership(group.uuid),),
    )
    exports = ExportService(db, actor="tester")
    path = tmp_path / "volunteers.xlsx"
    exports.volunteers(path)
    rows = _xlsx_rows(path)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["first_name"], record["last_name"], record["town"]) == (
        "Siân",
        "Glyndŵr",
        "Tŷ Ddewi",
    )
    assert record["date_of_birth"] == dt.datetime(1980, 2, 3)  # a real date cell
    assert record["groups"] == "Tŷ Hapus"
    groups = tmp_path / "groups.xlsx"
    assert exports.groups(groups) == 1
    rows = _xlsx_rows(groups)
    assert rows[1][1] == "Tŷ Hapus" and rows[1][-1] == 1  # the member count is a number
    # And the file reads back in as a spreadsheet to import.
    info = inspect_sheet(path)
    assert info.headers[:4] == ("uuid", "reference", "first_name", "last_name")
    assert guess_mapping(info.headers, "volunteers")["first_name"] == "first_name"


def test_exports_refuse_other_file_types_and_leave_nothing(tmp_path: Path, db: Database) -> None:
    exports = ExportService(db, actor="tester")
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("volunteers.xls", "volunteers.ods", "volunteers"):
        with pytest.raises(CvcError, match=r"\.csv or \.xlsx"):
            exports.volunteers(folder / name)
    with pytest.raises(CvcError, match=r"\.xlsx"):
        exports.volunteers_xlsx(folder / "v.csv")
    assert list(folder.iterdir()) == []


def test_a_group_sheet_with_two_phone_columns_keeps_the_second_for_a_person() -> None:
    # Groups have one phone; the second column is left out rather than guessed as "other phone".
    assert guess_mapping(["Group name", "Mobile", "Ffôn"], "groups") == {
        "Group name": "name_en",
        "Mobile": "phone",
        "Ffôn": "",
    }
