"""Exports for spreadsheet users: CSV (UTF-8 with BOM, safe against formula injection)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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


class ExportService(ServiceBase):
    def volunteers_csv(self, path: Path, query: VolunteerQuery | None = None) -> int:
        """Every volunteer matching the query, streamed; returns the number of rows written."""
        source = VolunteerService(self._db, actor=self._actor)
        rows = (
            [getter(record) for _name, getter in VOLUNTEER_COLUMNS]
            for record in source.iter_rows(query)
        )
        return write_csv(path, [name for name, _getter in VOLUNTEER_COLUMNS], rows)

    def groups_csv(self, path: Path) -> int:
        source = OrganisationService(self._db, actor=self._actor)
        header = ["uuid", "name_en", "name_cy", "kind", "email", "phone", "postcode", "volunteers"]

        def rows() -> Iterable[list[Any]]:
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

        return write_csv(path, header, rows())
