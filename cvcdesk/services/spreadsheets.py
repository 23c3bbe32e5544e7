"""Reading the spreadsheets people bring (CSV, XLSX, ODS) and guessing what each column holds.

CSV files are read as a stream, row by row, so a file of a million rows never sits in memory:
the encoding (UTF-8 with or without a byte-order mark, UTF-16 with one, else Windows-1252) is
settled by one pass over the raw bytes, and the separator (comma, semicolon, tab or bar) is
sniffed from the first lines. XLSX, XLS and ODS workbooks are read with python-calamine.

The first non-blank row is the header. A column is named by its header text, made unique
("Phone", "Phone (2)"); a blank header becomes "Column D". Which field each column fills is
guessed from common English and Welsh headers and can be changed; the mapping a coordinator
settles on is remembered for that header row (a setting keyed by its fingerprint), so the same
group's next spreadsheet maps itself.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import python_calamine
from sqlalchemy import select

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import N_, _, use_language
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.store import models as m

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
Kind = Literal["volunteers", "groups"]
KINDS: tuple[Kind, ...] = ("volunteers", "groups")
ColumnMapping = dict[str, str]
"""Column header -> field name; an empty field name leaves the column out."""

_SAMPLE_BYTES = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_CHECK_EVERY = 2048  # rows between looks at the cancel flag
_DELIMITERS = (",", ";", "\t", "|")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A workbook whose parts would unpack to more than this is refused before it is opened.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
# The csv module refuses longer fields; a binary file read as text trips it quickly.
_FIELD_LIMIT = 1024 * 1024


class SpreadsheetError(CvcError):
    """A file could not be read as a spreadsheet; the message names the file and the place."""


@dataclass(frozen=True)
class SheetInfo:
    """What a first look at a file found: its format, its header row and how to read it."""

    path: Path
    format: str  # "csv", "xlsx", "xls" or "ods"
    headers: tuple[str, ...]  # unique column names, in order
    columns: tuple[str, ...]  # the spreadsheet letter of each column ("A", "B", ...)
    header_row: int  # 1-based row number of the header
    fingerprint: str  # identifies the header row, for remembering its mapping
    sheet_name: str = ""
    sheet_names: tuple[str, ...] = ()
    encoding: str = ""  # CSV only: "utf-8", "utf-8-sig", "utf-16" or "cp1252"
    delimiter: str = ""  # CSV only
    size: int = 0  # bytes

    @property
    def encoding_label(self) -> str:
        return {
            "utf-8": "UTF-8",
            "utf-8-sig": _("UTF-8 with byte-order mark"),
            "utf-16": "UTF-16",
            "cp1252": _("Windows-1252 (Western European)"),
        }.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return {
            ",": _("comma"),
            ";": _("semicolon"),
            "\t": _("tab"),
            "|": _("vertical bar"),
        }.get(self.delimiter, self.delimiter)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-blank data row: its 1-based row number in the file and its cells."""

    number: int
    cells: tuple[CellValue, ...]


# -- cells and columns ---------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value: CellValue) -> str:
    """A cell as text: whole numbers without ".0", dates in ISO form, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _is_blank(cells: Iterable[CellValue]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def header_key(text: str) -> str:
    """Fold a header for comparison: no accents, case, spaces or punctuation ("E-bost": "ebost")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in plain if ch.isalnum())


def _unique_headers(raw: list[CellValue], offset: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    texts = [cell_text(cell) for cell in raw]
    while texts and not texts[-1]:
        texts.pop()  # trailing blank headers are formatting, not columns
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        name = " ".join(text.split()) or _("Column {letter}").format(
            letter=column_letter(index + offset)
        )
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        names.append(name if count == 1 else f"{name} ({count})")
    letters = tuple(column_letter(index + offset) for index in range(len(names)))
    return tuple(names), letters


def fingerprint(headers: Iterable[str]) -> str:
    """The same header row (ignoring case, accents and spacing) always gives the same value."""
    joined = "\x1f".join(header_key(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:40]


# -- opening a file ------------------------------------------------------------------------


def _not_readable(path: Path) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "“{path}” is not a spreadsheet cvcdesk can read. Save it as CSV (UTF-8), "
            "Excel (.xlsx) or OpenDocument (.ods) and try again."
        ).format(path=path.name)
    )


def _os_error(path: Path, exc: OSError) -> SpreadsheetError:
    return SpreadsheetError(
        _("Could not read “{path}”: {reason}").format(
            path=path.name, reason=exc.strerror or str(exc)
        )
    )


def inspect_sheet(
    path: Path, *, sheet: str | None = None, header_row: int | None = None
) -> SheetInfo:
    """Look at a file without changing it: its format, encoding, separator and header row.

    The header is the first row with two or more cells filled (a title above it is passed
    over), or the row numbered `header_row` when given. Raises SpreadsheetError with one clear
    sentence for anything that cannot be read.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise SpreadsheetError(
                _("“{path}” is a folder, not a spreadsheet.").format(path=path.name)
            )
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise SpreadsheetError(_("There is no file “{path}”.").format(path=path)) from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SpreadsheetError(_("“{path}” is empty.").format(path=path.name))
    if head.startswith(_ZIP_MAGIC):
        return _inspect_workbook(path, _zip_format(path), size, sheet, header_row)
    if head.startswith(_OLE2_MAGIC):
        return _inspect_workbook(path, "xls", size, sheet, header_row)
    return _inspect_csv(path, head, size, header_row)


_HEADER_LOOKAHEAD = 20  # non-blank rows looked at for the header


def _find_header(
    rows: Iterable[tuple[int, Sequence[CellValue]]], wanted: int | None, path: Path
) -> tuple[int, list[CellValue]] | None:
    """(row number, cells) of the header row, or None when the sheet has no non-blank row."""
    first: tuple[int, list[CellValue]] | None = None
    seen = 0
    for number, cells in rows:
        if wanted is not None:
            if number < wanted:
                continue
            if number > wanted or _is_blank(cells):
                raise SpreadsheetError(
                    _("Row {row} of “{path}” is empty, so it cannot be the header.").format(
                        row=wanted, path=path.name
                    )
                )
            return number, list(cells)
        if _is_blank(cells):
            continue
        if first is None:
            first = (number, list(cells))
        if sum(1 for cell in cells if cell_text(cell)) >= 2:
            return number, list(cells)
        seen += 1
        if seen >= _HEADER_LOOKAHEAD:
            break
    if wanted is not None:
        raise SpreadsheetError(_("“{path}” has no row {row}.").format(path=path.name, row=wanted))
    return first


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError):
        raise SpreadsheetError(
            _(
                "“{path}” is damaged or incomplete: it cannot be opened as a workbook. "
                "Open it in your spreadsheet program, save it again and retry."
            ).format(path=path.name)
        ) from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            _(
                "“{path}” would unpack to more than {limit} MB, too large to import. "
                "Save the rows you need in a smaller file."
            ).format(path=path.name, limit=MAX_UNPACKED_BYTES // 1_000_000)
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    raise _not_readable(path)


def _inspect_workbook(
    path: Path, fmt: str, size: int, sheet: str | None, header_row: int | None
) -> SheetInfo:
    with _open_workbook(path) as workbook:
        names = tuple(
            meta.name
            for meta in workbook.sheets_metadata
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        )
        visible = tuple(
            meta.name
            for meta in workbook.sheets_metadata
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            and meta.visible == python_calamine.SheetVisibleEnum.Visible
        )
        if sheet is None:
            if not (visible or names):
                raise SpreadsheetError(
                    _("“{path}” has no worksheet to import.").format(path=path.name)
                )
            sheet = (visible or names)[0]
        elif sheet not in names:
            raise SpreadsheetError(
                _("“{path}” has no sheet called “{sheet}”. Its sheets are: {names}.").format(
                    path=path.name, sheet=sheet, names=", ".join(names)
                )
            )
        reader = _SheetReader(workbook, path, sheet)
        found = _find_header(reader.rows(), header_row, path)
        if found is not None:
            number, cells = found
            headers, letters = _unique_headers(cells, reader.first_column)
            return SheetInfo(
                path=path,
                format=fmt,
                headers=headers,
                columns=letters,
                header_row=number,
                fingerprint=fingerprint(headers),
                sheet_name=sheet,
                sheet_names=names,
                size=size,
            )
    raise SpreadsheetError(
        _("The sheet “{sheet}” in “{path}” is empty.").format(sheet=sheet, path=path.name)
    )


class _open_workbook:
    """python-calamine's workbook, with its errors turned into one clear sentence."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._workbook: python_calamine.CalamineWorkbook | None = None

    def __enter__(self) -> python_calamine.CalamineWorkbook:
        try:
            self._workbook = python_calamine.CalamineWorkbook.from_path(str(self._path))
        except python_calamine.PasswordError:
            raise SpreadsheetError(
                _(
                    "“{path}” is protected by a password. Save a copy without the password "
                    "and import that."
                ).format(path=self._path.name)
            ) from None
        except (python_calamine.CalamineError, ValueError):
            raise _damaged(self._path) from None
        except OSError as exc:
            raise _os_error(self._path, exc) from None
        return self._workbook

    def __exit__(self, *exc: object) -> None:
        if self._workbook is not None:
            self._workbook.close()


def _damaged(path: Path) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "“{path}” is damaged or incomplete: it cannot be opened as a workbook. "
            "Open it in your spreadsheet program, save it again and retry."
        ).format(path=path.name)
    )


class _SheetReader:
    def __init__(self, workbook: python_calamine.CalamineWorkbook, path: Path, sheet: str) -> None:
        self._path = path
        try:
            self._sheet = workbook.get_sheet_by_name(sheet)
        except (python_calamine.CalamineError, ValueError):
            raise _damaged(path) from None
        start = self._sheet.start
        # Rows come from the top of the sheet; columns from the first one holding data.
        self.first_column = start[1] if start else 0
        self.height = (self._sheet.end[0] + 1) if self._sheet.end else 0

    def rows(self) -> Iterator[tuple[int, tuple[CellValue, ...]]]:
        try:
            for index, cells in enumerate(self._sheet.iter_rows()):
                yield index + 1, tuple(cells)
        except (python_calamine.CalamineError, ValueError):
            raise _damaged(self._path) from None


# -- CSV -------------------------------------------------------------------------------------


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-16 or UTF-8 by byte-order mark; else UTF-8 if every byte decodes; else cp1252."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    has_bom = head.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    lines = 0
    cp1252_problem: int | None = None
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SCAN_CHUNK):
                if b"\x00" in chunk:
                    raise _not_readable(path)
                if utf8:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
                if cp1252_problem is None:
                    found = _CP1252_UNDEFINED.search(chunk)
                    if found:
                        cp1252_problem = lines + chunk.count(b"\n", 0, found.start()) + 1
                lines += chunk.count(b"\n")
            if utf8:
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8 = False
    except OSError as exc:
        raise _os_error(path, exc) from None
    if utf8:
        return "utf-8-sig" if has_bom else "utf-8"
    if cp1252_problem is not None:
        raise SpreadsheetError(
            _(
                "“{path}”, line {line}: the text is neither UTF-8 nor Windows-1252. "
                "Save the file as “CSV UTF-8” and try again."
            ).format(path=path.name, line=cp1252_problem)
        )
    return "cp1252"


def _sniff_delimiter(sample: str) -> str:
    """The separator that splits the first lines into the same, largest number of fields."""
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut short
    text = "\n".join(line for line in lines[:50] if line.strip())
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(1 for row in rows if len(row) == width)
        score = (same, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for progress through a file read as a stream."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


class _CsvStream:
    def __init__(self, path: Path, encoding: str, delimiter: str) -> None:
        self.path = path
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise _os_error(path, exc) from None
        self.counter = _CountingReader(raw)
        buffered = io.BufferedReader(self.counter, buffer_size=1 << 16)
        self.text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
        self.reader = csv.reader(self.text, delimiter=delimiter)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, cells in enumerate(self.reader, start=1):
                yield number, cells
        except csv.Error as exc:
            raise SpreadsheetError(
                _("“{path}”, row {row}: {reason}. Check the file is a CSV file.").format(
                    path=self.path.name, row=number + 1, reason=str(exc)
                )
            ) from None
        except UnicodeDecodeError:
            raise SpreadsheetError(
                _(
                    "“{path}”, row {row}: the text is neither UTF-8 nor Windows-1252. "
                    "Save the file as “CSV UTF-8” and try again."
                ).format(path=self.path.name, row=number + 1)
            ) from None
        except OSError as exc:
            raise _os_error(self.path, exc) from None

    def close(self) -> None:
        self.text.close()


def _inspect_csv(path: Path, head: bytes, size: int, header_row: int | None) -> SheetInfo:
    encoding = _detect_encoding(path, head)
    sample = head.decode(encoding, errors="ignore")
    if encoding == "utf-8-sig":
        sample = sample.lstrip("\ufeff")
    delimiter = _sniff_delimiter(sample)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    stream = _CsvStream(path, encoding, delimiter)
    try:
        found = _find_header(stream.rows(), header_row, path)
    finally:
        stream.close()
    if found is None:
        raise SpreadsheetError(_("“{path}” is empty.").format(path=path.name))
    number, cells = found
    headers, letters = _unique_headers(cells, 0)
    return SheetInfo(
        path=path,
        format="csv",
        headers=headers,
        columns=letters,
        header_row=number,
        fingerprint=fingerprint(headers),
        encoding=encoding,
        delimiter=delimiter,
        size=size,
    )


# -- reading rows ------------------------------------------------------------------------------


def iter_rows(
    info: SheetInfo,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> Iterator[SheetRow]:
    """Every non-blank row below the header, streamed; reads the file again on each call.

    Progress is reported in bytes read for CSV files and in rows for workbooks.
    Raises SpreadsheetError for a row that cannot be read, Cancelled when asked to stop.
    """
    if info.format == "csv":
        yield from _csv_rows(info, progress, cancel)
    else:
        yield from _workbook_rows(info, progress, cancel)


def _csv_rows(
    info: SheetInfo, progress: ProgressCallback | None, cancel: CancelFlag | None
) -> Iterator[SheetRow]:
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    stream = _CsvStream(info.path, info.encoding, info.delimiter)
    total = max(info.size, 1)
    try:
        for number, cells in stream.rows():
            if number % _CHECK_EVERY == 0:
                if cancel is not None and cancel():
                    raise Cancelled()
                if progress is not None:
                    progress(min(stream.counter.count, total), total)
            if number <= info.header_row or _is_blank(cells):
                continue
            yield SheetRow(number, tuple(cells))
    finally:
        stream.close()
    if progress is not None:
        progress(total, total)


def _workbook_rows(
    info: SheetInfo, progress: ProgressCallback | None, cancel: CancelFlag | None
) -> Iterator[SheetRow]:
    with _open_workbook(info.path) as workbook:
        reader = _SheetReader(workbook, info.path, info.sheet_name)
        total = max(reader.height, 1)
        for number, cells in reader.rows():
            if number % _CHECK_EVERY == 0:
                if cancel is not None and cancel():
                    raise Cancelled()
                if progress is not None:
                    progress(min(number, total), total)
            if number <= info.header_row or _is_blank(cells):
                continue
            yield SheetRow(number, cells)
    if progress is not None:
        progress(total, total)


def count_rows(info: SheetInfo, *, stop_after: int, cancel: CancelFlag | None = None) -> int:
    """How many non-blank rows lie below the header, counting no further than stop_after + 1.

    Cheap when the file is clearly small enough: its lines (or the sheet's height) are an upper
    bound, and only a file that might be too long is read row by row.
    """
    if info.format == "csv":
        lines = 0
        try:
            with info.path.open("rb") as handle:
                while chunk := handle.read(_SCAN_CHUNK):
                    lines += chunk.count(b"\n")
        except OSError as exc:
            raise _os_error(info.path, exc) from None
        if lines + 1 - info.header_row <= stop_after:
            return max(lines + 1 - info.header_row, 0)
    else:
        with _open_workbook(info.path) as workbook:
            height = _SheetReader(workbook, info.path, info.sheet_name).height
        if height - info.header_row <= stop_after:
            return max(height - info.header_row, 0)
    count = 0
    for _row in iter_rows(info, cancel=cancel):
        count += 1
        if count > stop_after:
            break
    return count


# -- the fields a column can fill ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """A field a spreadsheet column can fill, with the headers that usually mean it."""

    name: str
    label: str  # English source text; show it through `_`
    synonyms: tuple[str, ...] = ()
    many_columns: bool = False  # several columns may be joined into it (address lines ...)

    @property
    def display(self) -> str:
        return _(self.label)


def _fields(*fields: ImportField) -> dict[str, ImportField]:
    return {f.name: f for f in fields}


def _field(name: str, label: str, words: str, *, many_columns: bool = False) -> ImportField:
    """A field and the headers that mean it, given as folded words separated by spaces."""
    return ImportField(name, label, tuple(words.split()), many_columns)


VOLUNTEER_IMPORT_FIELDS: dict[str, ImportField] = _fields(
    _field(
        "reference",
        N_("Reference"),
        """
        ref refno reference referencenumber referenceno volunteerref volunteerreference
        volunteerid volunteerno volunteernumber membershipno memberno idno cyf cyfeirnod
        rhifcyfeirnod rhifgwirfoddolwr
    """,
    ),
    _field(
        "full_name",
        N_("Full name (first name and surname together)"),
        """
        name fullname volunteername volunteer nameofvolunteer enw enwllawn enwgwirfoddolwr
        gwirfoddolwr
    """,
    ),
    _field(
        "first_name",
        N_("First name"),
        """
        firstname forename forenames givenname givennames first christianname enwcyntaf
        enwbedydd enwau enwcyntafenw
    """,
    ),
    _field(
        "last_name",
        N_("Surname"),
        """
        surname lastname familyname last secondname cyfenw enwolaf enwteulu
    """,
    ),
    _field(
        "known_as",
        N_("Known as"),
        """
        knownas preferredname nickname prefersname adnabyddirfel enwarferol llysenw galwerfi
    """,
    ),
    _field(
        "date_of_birth",
        N_("Date of birth"),
        """
        dob dateofbirth birthdate birthday born dyddiadgeni penblwydd
    """,
    ),
    _field(
        "phone",
        N_("Phone"),
        """
        phone mobile mobilephone mobileno mobilenumber mob telephone tel telno telephoneno
        telephonenumber phoneno phonenumber contactnumber contactno contactphone mobiletel cell
        rhiffon ffon ffonsymudol rhiffonsymudol symudol rhifffon rhifffonsymudol rhifsymudol
    """,
    ),
    _field(
        "phone_alt",
        N_("Other phone"),
        """
        landline homephone hometel homenumber otherphone altphone alternativephone
        alternativenumber phone2 telephone2 secondphone daytimephone workphone ffoncartref
        rhiffoncartref ffonarall llinelldir
    """,
    ),
    _field(
        "email",
        N_("E-mail"),
        """
        email emailaddress mail contactemail ebost cyfeiriadebost ebostio
    """,
    ),
    _field(
        "address",
        N_("Address"),
        """
        address address1 address2 address3 addressline1 addressline2 addressline3 street
        streetaddress houseandstreet housenameornumber housenumber house cyfeiriad cyfeiriad1
        cyfeiriad2 stryd llinell1 llinell2
    """,
        many_columns=True,
    ),
    _field(
        "town",
        N_("Town"),
        """
        town city towncity village locality tref pentref trefpentref trefneubentref dinas
    """,
    ),
    _field(
        "postcode",
        N_("Postcode"),
        """
        postcode postalcode zip zipcode pc codpost codpostio
    """,
    ),
    _field(
        "preferred_language",
        N_("Preferred language"),
        """
        language preferredlanguage languagepreference iaith iaithddewisol dewisiaith
        iaithgyswllt
    """,
    ),
    _field(
        "welsh_fluency",
        N_("Welsh"),
        """
        welsh welshspeaker speakswelsh welshlevel welshfluency welshlanguage cymraeg
        siaradcymraeg lefelcymraeg gallusiaradcymraeg
    """,
    ),
    _field(
        "other_languages",
        N_("Other languages"),
        """
        otherlanguages languagesspoken ieithoedderaill ieithoedd
    """,
    ),
    _field(
        "has_car",
        N_("Has a car"),
        """
        car hascar owncar caraccess accesstoacar carowner caranddo carar
    """,
    ),
    _field(
        "can_drive",
        N_("Can drive"),
        """
        driver driving candrive drivinglicence drivinglicense licence gyrrwr gallugyrru
        trwyddedyrru yngyrru
    """,
    ),
    _field(
        "emergency_contact_name",
        N_("Emergency contact"),
        """
        emergencycontact emergencycontactname nextofkin nok nokname perthynasagosaf
        cyswlltargyfwng cysylltiadbrys
    """,
    ),
    _field(
        "emergency_contact_phone",
        N_("Emergency contact phone"),
        """
        emergencycontactphone emergencycontactnumber emergencyphone emergencynumber emergencytel
        nextofkinphone nextofkinnumber nokphone noktel noknumber ffonargyfwng rhiffonargyfwng
        rhifargyfwng
    """,
    ),
    _field(
        "status",
        N_("Status"),
        """
        status volunteerstatus statws cyflwr
    """,
    ),
    _field(
        "joined_on",
        N_("Joined"),
        """
        joined datejoined joineddate joinedon startdate started registered dateregistered
        registrationdate ymunodd dyddiadymuno dyddiadcofrestru
    """,
    ),
    _field(
        "left_on",
        N_("Left on"),
        """
        left dateleft leftdate lefton enddate finished gadawodd dyddiadgadael
    """,
    ),
    _field(
        "notes",
        N_("Notes"),
        """
        notes note comments comment remarks additionalinfo information nodiadau nodyn sylwadau
    """,
        many_columns=True,
    ),
    _field(
        "consent_share",
        N_("Consents to sharing with partners"),
        """
        consent consenttoshare sharingconsent gdprconsent gdpr canshare sharedetails
        consentgiven caniatad caniatadirannu cydsyniad cydsyniadirannu
    """,
    ),
    _field(
        "consent_date",
        N_("Consent date"),
        """
        consentdate dateofconsent consentgivenon dyddiadcaniatad dyddiadcydsyniad
    """,
    ),
    _field(
        "consent_method",
        N_("How consent was recorded"),
        """
        consentmethod howconsented consentrecorded consentrecordedby consentvia
        sutcafoddcaniatad
    """,
    ),
    _field(
        "dbs_level",
        N_("DBS level"),
        """
        dbs dbslevel dbscheck dbstype levelofdbs crb lefeldbs gwiriaddbs
    """,
    ),
    _field(
        "dbs_workforce",
        N_("DBS workforce"),
        """
        dbsworkforce workforce gweithlu
    """,
    ),
    _field(
        "dbs_certificate_number",
        N_("DBS certificate number"),
        """
        dbsnumber dbsno dbscertificate dbscertificatenumber dbscertno dbscertificateno
        certificatenumber rhiftystysgrifdbs rhifdbs
    """,
    ),
    _field(
        "dbs_issue_date",
        N_("DBS issue date"),
        """
        dbsdate dbsissued dbsissuedate dbsissuedon dateofdbs dbsdateissued dyddiaddbs
    """,
    ),
    _field(
        "dbs_update_service",
        N_("On the DBS Update Service"),
        """
        updateservice dbsupdateservice onupdateservice gwasanaethdiweddarudbs
    """,
    ),
    _field(
        "dbs_renewal_due",
        N_("DBS renewal due"),
        """
        dbsrenewal dbsrenewaldue dbsrenewaldate dbsexpiry dbsexpires dbsexpirydate dbsdue
        adnewydddbs
    """,
    ),
    _field(
        "skills",
        N_("Skills"),
        """
        skills skill skillsinterests interests canhelpwith sgiliau sgil diddordebau
    """,
        many_columns=True,
    ),
    _field(
        "groups",
        N_("Groups"),
        """
        group groups organisation organisations organization volunteersfor grwp grwpiau
        sefydliad mudiad mudiadau
    """,
        many_columns=True,
    ),
)

GROUP_IMPORT_FIELDS: dict[str, ImportField] = _fields(
    _field(
        "name_en",
        N_("Name (English)"),
        """
        name groupname nameofgroup organisation organisationname organization organizationname
        group englishname nameenglish enwsaesneg enw enwgrwp enwmudiad
    """,
    ),
    _field(
        "name_cy",
        N_("Name (Welsh)"),
        """
        welshname namewelsh nameincymraeg enwcymraeg enwyngnghymraeg
    """,
    ),
    _field(
        "kind",
        N_("Kind"),
        """
        kind type category grouptype organisationtype kindofgroup math mathogrwp categori
    """,
    ),
    _field(
        "charity_number",
        N_("Charity number"),
        """
        charitynumber charityno registeredcharitynumber charity charityreg rhifelusen elusen
    """,
    ),
    _field(
        "company_number",
        N_("Company number"),
        """
        companynumber companyno companiesnumber companyreg rhifcwmni cwmni
    """,
    ),
    _field(
        "contact_name",
        N_("Contact name"),
        """
        contact contactname contactperson keycontact maincontact cyswllt enwcyswllt
        personcyswllt
    """,
    ),
    _field(
        "email",
        N_("E-mail"),
        """
        email emailaddress contactemail ebost cyfeiriadebost
    """,
    ),
    _field(
        "phone",
        N_("Phone"),
        """
        phone telephone tel telno phonenumber contactnumber contactphone mobile ffon rhiffon
        rhifffon
    """,
    ),
    _field(
        "address",
        N_("Address"),
        """
        address address1 address2 address3 addressline1 addressline2 street cyfeiriad
    """,
        many_columns=True,
    ),
    _field(
        "postcode",
        N_("Postcode"),
        """
        postcode postalcode zip codpost
    """,
    ),
    _field(
        "website",
        N_("Website"),
        """
        website web webaddress url site gwefan cyfeiriadgwefan
    """,
    ),
    _field(
        "notes",
        N_("Notes"),
        """
        notes note comments description about nodiadau sylwadau disgrifiad
    """,
        many_columns=True,
    ),
)


def import_fields(kind: str) -> dict[str, ImportField]:
    if kind == "volunteers":
        return VOLUNTEER_IMPORT_FIELDS
    if kind == "groups":
        return GROUP_IMPORT_FIELDS
    raise CvcError(_("Import “volunteers” or “groups”, not “{kind}”.").format(kind=kind))


def _synonym_table(kind: str) -> dict[str, str]:
    """Folded header -> field: the field's own name, its labels in both languages, synonyms."""
    table: dict[str, str] = {}
    fields = import_fields(kind)
    for field in fields.values():
        for text in field.synonyms:
            table.setdefault(header_key(text), field.name)
    for field in fields.values():
        table.setdefault(header_key(field.name), field.name)
        table.setdefault(header_key(field.label), field.name)
        with use_language("cy"):
            table.setdefault(header_key(_(field.label)), field.name)
    return table


# Words found inside longer headers ("Volunteer's mobile no.", "Cod post y cartref").
_CONTAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "volunteers": (
        ("emergency", "emergency_contact_name"),
        ("nextofkin", "emergency_contact_name"),
        ("email", "email"),
        ("ebost", "email"),
        ("postcode", "postcode"),
        ("codpost", "postcode"),
        ("mobile", "phone"),
        ("symudol", "phone"),
        ("phone", "phone"),
        ("ffon", "phone"),
        ("surname", "last_name"),
        ("cyfenw", "last_name"),
        ("firstname", "first_name"),
        ("forename", "first_name"),
        ("enwcyntaf", "first_name"),
        ("dbs", "dbs_level"),
        ("birth", "date_of_birth"),
        ("address", "address"),
        ("cyfeiriad", "address"),
        ("skill", "skills"),
        ("sgil", "skills"),
        ("note", "notes"),
        ("consent", "consent_share"),
    ),
    "groups": (
        ("email", "email"),
        ("ebost", "email"),
        ("postcode", "postcode"),
        ("codpost", "postcode"),
        ("phone", "phone"),
        ("ffon", "phone"),
        ("charity", "charity_number"),
        ("company", "company_number"),
        ("website", "website"),
        ("gwefan", "website"),
        ("address", "address"),
        ("contact", "contact_name"),
        ("welsh", "name_cy"),
        ("cymraeg", "name_cy"),
    ),
}


def guess_mapping(headers: Iterable[str], kind: str) -> ColumnMapping:
    """A first guess at which field each column fills ("" for columns left out)."""
    fields = import_fields(kind)
    table = _synonym_table(kind)
    mapping: ColumnMapping = {}
    taken: set[str] = set()
    for header in headers:
        key = header_key(re.sub(r"\s*\(\d+\)$", "", header))
        field = table.get(key, "")
        if not field:
            field = next((f for word, f in _CONTAINS[kind] if word in key), "")
        if field and field in taken and not fields[field].many_columns:
            # A second phone column is the other phone; anything else is left for a person.
            second = field == "phone" and "phone_alt" in fields and "phone_alt" not in taken
            field = "phone_alt" if second else ""
        if field == "phone_alt" and ("phone_alt" in taken or "phone_alt" not in fields):
            field = ""
        mapping[header] = field
        if field:
            taken.add(field)
    if kind == "volunteers" and {"first_name", "last_name"} <= taken:
        # Separate name columns say more than a "Name" column beside them.
        for header, field in mapping.items():
            if field == "full_name":
                mapping[header] = ""
    return mapping


def check_mapping(headers: Iterable[str], mapping: Mapping[str, str], kind: str) -> ColumnMapping:
    """The mapping for exactly these headers, or CvcError naming what is wrong with it.

    Columns the mapping does not mention are left out; a field may take one column only,
    except the ones that join several (address lines, notes, skills, groups).
    """
    fields = import_fields(kind)
    header_list = list(headers)
    known = set(header_list)
    unknown_headers = [h for h in mapping if h not in known]
    if unknown_headers:
        raise CvcError(
            _("The mapping names a column “{column}” that the file does not have.").format(
                column=unknown_headers[0]
            )
        )
    result: ColumnMapping = {}
    used: dict[str, str] = {}
    for header in header_list:
        field = (mapping.get(header) or "").strip()
        if field in ("ignore", "-"):
            field = ""
        if field and field not in fields:
            raise CvcError(
                _(
                    "Column “{column}”: “{field}” is not a field cvcdesk can import. "
                    "Use one of: {fields}."
                ).format(column=header, field=field, fields=", ".join(fields))
            )
        if field and field in used and not fields[field].many_columns:
            raise CvcError(
                _(
                    "Columns “{first}” and “{second}” both fill “{field}”; choose one of them."
                ).format(first=used[field], second=header, field=fields[field].display)
            )
        if field:
            used.setdefault(field, header)
        result[header] = field
    return result


def read_mapping_file(path: Path) -> ColumnMapping:
    """A mapping saved as JSON: {"Column header": "field_name", ...}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CvcError(_("There is no mapping file “{path}”.").format(path=path)) from None
    except OSError as exc:
        raise CvcError(
            _("Could not read “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CvcError(
            _("“{path}” is not a JSON mapping file ({reason}).").format(path=path, reason=exc)
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str | None) for k, v in data.items()
    ):
        raise CvcError(
            _(
                "“{path}” must hold one JSON object of column header to field name, "
                'like {{"First name": "first_name"}}.'
            ).format(path=path)
        )
    return {k: v or "" for k, v in data.items()}


# -- remembering mappings ----------------------------------------------------------------------

_SETTING_PREFIX = "import.mapping"


def mapping_setting_key(kind: str, info_or_fingerprint: SheetInfo | str) -> str:
    value = (
        info_or_fingerprint.fingerprint
        if isinstance(info_or_fingerprint, SheetInfo)
        else info_or_fingerprint
    )
    return f"{_SETTING_PREFIX}.{kind}.{value}"


class MappingMemory(ServiceBase):
    """The mapping settled on for each header row, kept as a setting in the database."""

    def recall(self, kind: str, info: SheetInfo) -> ColumnMapping | None:
        with self._read() as session:
            text = session.scalar(
                select(m.Setting.value).where(m.Setting.key == mapping_setting_key(kind, info))
            )
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        # The fingerprint ignores case, accents and spacing, so match the headers the same way.
        by_key = {header_key(k): v for k, v in data.items() if isinstance(v, str)}
        try:
            return check_mapping(
                info.headers, {h: by_key.get(header_key(h), "") for h in info.headers}, kind
            )
        except CvcError:
            return None  # the field list changed since; guess again

    def remember(self, kind: str, info: SheetInfo, mapping: Mapping[str, str]) -> None:
        clean = check_mapping(info.headers, mapping, kind)
        with self._unit() as session:
            session.merge(
                m.Setting(
                    key=mapping_setting_key(kind, info),
                    value=json.dumps(clean, ensure_ascii=False),
                )
            )

    def suggest(self, kind: str, info: SheetInfo) -> tuple[ColumnMapping, bool]:
        """The remembered mapping for this header row if there is one, else a guess.

        Returns (mapping, remembered).
        """
        remembered = self.recall(kind, info)
        if remembered is not None:
            return remembered, True
        return guess_mapping(info.headers, kind), False
