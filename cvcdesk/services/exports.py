"""Exports for spreadsheet users: CSV (UTF-8 with BOM) and XLSX, safe against formula injection.

A cell that begins with = + - @ tab or carriage return would be read by a spreadsheet program as
a formula (or the start of one); such text is written with a leading apostrophe instead. In XLSX
numbers and dates stay numbers and dates, and only text is neutralised. Files are written to a
temporary name and renamed, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.validation import display_phone
from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRecord
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _
from cvcdesk.services.base import ServiceBase
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

VOLUNTEER_COLUMNS: tuple[tuple[str, Callable[[VolunteerRecord], Any]], ...] = (
    ("uuid", lambda v: v.uuid),
    ("reference", lambda v: v.reference),
    ("first_name", lambda v: v.first_name),
    ("last_name", lambda v: v.last_name),
    ("known_as", lambda v: v.known_as),
    ("date_of_birth", lambda v: v.date_of_birth),
    ("phone", lambda v: display_phone(v.phone) if v.phone else ""),
    ("email", lambda v: v.email),
    ("address", lambda v: v.address),
    ("town", lambda v: v.town),
    ("postcode", lambda v: v.postcode),
    ("preferred_language", lambda v: v.preferred_language.value),
    ("welsh_fluency", lambda v: v.welsh_fluency.value),
    ("status", lambda v: v.status.value),
    ("consent_share", lambda v: "yes" if v.consent_share else "no"),
    ("consent_date", lambda v: v.consent_date),
    ("dbs_level", lambda v: v.dbs_level.value),
    ("dbs_renewal_due", lambda v: v.dbs_renewal_due),
    ("skills", lambda v: "; ".join(v.skills)),
    ("groups", lambda v: "; ".join(ms.organisation_name for ms in v.memberships)),
)


def safe_cell(value: Any) -> str:
    """Text for a spreadsheet cell; a leading = + - @ tab or CR is neutralised with a quote."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    text = str(value)
    if text.startswith(_DANGEROUS_START):
        return "'" + text
    return text


# Control characters XML cannot hold (openpyxl refuses them): dropped, not the whole export.
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _xlsx_value(value: Any) -> Any:
    """A value for an XLSX cell: numbers and dates as such, text neutralised and XML-safe."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | dt.date | dt.datetime):
        return value
    return _ILLEGAL_XML.sub("", safe_cell(value))


def write_xlsx(
    path: Path, header: list[str], rows: Iterable[list[Any]], *, sheet_title: str = "Export"
) -> int:
    """Write rows to an Excel workbook in write-only (streaming) mode; returns the row count."""
    if path.suffix.lower() != ".xlsx":
        raise CvcError(_("“{path}”: write the export to a file ending in .xlsx.").format(path=path))
    # openpyxl is imported here, not at the top: loading it slows every command's start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(name))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # text is text, whatever it starts with
            cells.append(cell)
        sheet.append(cells)
        count += 1
    try:
        with atomic_write(path, "wb") as handle:
            workbook.save(cast(IO[bytes], handle))
    except OSError as exc:
        raise CvcError(
            _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return count


EXPORT_SUFFIXES = (".csv", ".xlsx")


def write_table(
    path: Path, header: list[str], rows: Iterable[list[Any]], *, sheet_title: str = "Export"
) -> int:
    """CSV or XLSX, as the file name ends."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(path, header, rows, sheet_title=sheet_title)
    if suffix == ".csv":
        return write_csv(path, header, rows)
    raise CvcError(
        _("“{path}”: write the export to a file ending in .csv or .xlsx.").format(path=path)
    )


def write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    if path.suffix.lower() != ".csv":
        raise CvcError(_("“{path}”: write the export to a file ending in .csv.").format(path=path))
    count = 0
    try:
        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)  # type: ignore[arg-type]
            writer.writerow(header)
            for row in rows:
                writer.writerow([safe_cell(cell) for cell in row])
                count += 1
    except OSError as exc:
        raise CvcError(
            _("Could not write “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return count


GROUP_COLUMNS = ["uuid", "name_en", "name_cy", "kind", "email", "phone", "postcode", "volunteers"]


class ExportService(ServiceBase):
    def volunteers(self, path: Path, query: VolunteerQuery | None = None) -> int:
        """Every volunteer matching the query to .csv or .xlsx (by the file's name), streamed."""
        return write_table(
            path,
            [name for name, _getter in VOLUNTEER_COLUMNS],
            self._volunteer_rows(query),
            sheet_title="Volunteers",
        )

    def groups(self, path: Path) -> int:
        """Every live group to .csv or .xlsx (by the file's name)."""
        return write_table(path, list(GROUP_COLUMNS), self._group_rows(), sheet_title="Groups")

    def volunteers_csv(self, path: Path, query: VolunteerQuery | None = None) -> int:
        """Every volunteer matching the query, streamed; returns the number of rows written."""
        return write_csv(
            path, [name for name, _getter in VOLUNTEER_COLUMNS], self._volunteer_rows(query)
        )

    def volunteers_xlsx(self, path: Path, query: VolunteerQuery | None = None) -> int:
        return write_xlsx(
            path,
            [name for name, _getter in VOLUNTEER_COLUMNS],
            self._volunteer_rows(query),
            sheet_title="Volunteers",
        )

    def groups_csv(self, path: Path) -> int:
        return write_csv(path, list(GROUP_COLUMNS), self._group_rows())

    def groups_xlsx(self, path: Path) -> int:
        return write_xlsx(path, list(GROUP_COLUMNS), self._group_rows(), sheet_title="Groups")

    def _volunteer_rows(self, query: VolunteerQuery | None) -> Iterator[list[Any]]:
        source = VolunteerService(self._db, actor=self._actor)
        for record in source.iter_rows(query):
            yield [getter(record) for _name, getter in VOLUNTEER_COLUMNS]

    def _group_rows(self) -> Iterator[list[Any]]:
        source = OrganisationService(self._db, actor=self._actor)
        offset = 0
        while True:
            page = source.list(offset=offset, limit=1000, language="en")
            if not page:
                return
            for g in page:
                yield [
                    g.uuid,
                    g.name_en,
                    g.name_cy,
                    g.kind.value,
                    g.email,
                    display_phone(g.phone) if g.phone else "",
                    g.postcode,
                    g.volunteers,
                ]
            offset += len(page)
