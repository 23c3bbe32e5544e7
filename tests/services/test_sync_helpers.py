"""What the partner-sync tests share: two organisations' databases that trust each other, a
digest of every row, and ways to build records and files. (No tests here.)"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.domain.organisation import CoverageData, OrganisationData, OrganisationRecord
from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
from cvcdesk.domain.volunteer import AvailabilitySlot, AwayPeriod, VolunteerData, VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.services.sync import ImportResult
from cvcdesk.services.sync_records import TYPES, read


@dataclass
class Side:
    """One organisation: its services, database file and own group."""

    name: str
    services: Services
    path: Path
    group: OrganisationRecord
    identity_file: Path
    partner: str = ""  # what this side calls the other

    def volunteer(self, **overrides: Any) -> VolunteerRecord:
        values: dict[str, Any] = {
            "first_name": "Gwenllian",
            "last_name": "Prydderch",
            "phone": "07712 345678",
            "email": "gwenllian@example.org",
            "postcode": "SA61 1AB",
            "date_of_birth": dt.date(1980, 5, 17),
            "consent_share": True,
            "consent_method": ConsentMethod.PAPER_FORM,
            "consent_date": dt.date(2024, 1, 1),
            "skills": ("driving",),
            "availability": (
                AvailabilitySlot(1, dt.time(9, 30), dt.time(12, 0)),
                AvailabilitySlot(3, dt.time(14, 0), dt.time(16, 45)),
            ),
            "away": (AwayPeriod(dt.date(2030, 8, 1), dt.date(2030, 8, 14), "Holiday"),),
        }
        values.update(overrides)
        return self.services.volunteers.create(VolunteerData(**values))

    def export(self, path: Path, **options: Any) -> Path:
        self.services.sync.export(self.partner, path, **options)
        return path

    def take(self, path: Path, **options: Any) -> ImportResult:
        return self.services.sync.import_file(path, **options)

    def digest(self) -> str:
        return digest(self.path)


def digest(path: Path) -> str:
    """SHA-256 of every row of every table, so 'unchanged' means exactly that."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        h = hashlib.sha256()
        for table in tables:
            h.update(table.encode())
            rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
            for row in sorted(repr(r) for r in rows):
                h.update(row.encode())
        return h.hexdigest()
    finally:
        connection.close()


def make_side(folder: Path, name: str, postcode: str, *, area: str) -> Side:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.split()[0].lower()}.db"
    services = Services.open(path)
    services = Services.over(services.database, actor="tester")
    group = services.organisations.create(
        OrganisationData(
            name_en=name,
            postcode=postcode,
            coverage=(CoverageData(service="food_parcels", area=area),),
        )
    )
    identity_file = folder / f"{name.split()[0].lower()}.identity.json"
    services.identity.write_identity(identity_file, organisation=group.uuid)
    return Side(name, services, path, group, identity_file)


def introduce(a: Side, b: Side, *, volunteers: VolunteerSharing = VolunteerSharing.FULL) -> None:
    a.partner = a.services.partners.add(b.identity_file).name
    b.partner = b.services.partners.add(a.identity_file).name
    profile = SharingProfile(volunteers=volunteers, households=True)
    a.services.partners.set_profile(a.partner, profile)
    b.services.partners.set_profile(b.partner, profile)


@contextlib.contextmanager
def two_sides(folder: Path) -> Iterator[tuple[Side, Side]]:
    """A county CVC and a mutual aid group that trust each other and share volunteers in full."""
    a = make_side(folder / "a", "Pembrokeshire CVC", "SA61 1AB", area="SA61")
    b = make_side(folder / "b", "Haverfordwest Mutual Aid", "SA61 2XY", area="SA61 2")
    try:
        introduce(a, b)
        yield a, b
    finally:
        a.services.close()
        b.services.close()


@contextlib.contextmanager
def third_side(folder: Path) -> Iterator[Side]:
    """A third organisation, not yet a partner of anyone."""
    c = make_side(folder / "c", "Milford Haven Foodbank", "SA73 1AA", area="SA73")
    try:
        yield c
    finally:
        c.services.close()


def wire(side: Side, record_type: str) -> dict[str, Any]:
    """Every record of a type as a file would carry it: uuid -> (deleted, replaced_by, fields)."""
    rt = TYPES[record_type]
    with side.services.database.session_factory() as session:
        return {
            s.uuid: (s.deleted, s.replaced_by, None if s.deleted else s.fields)
            for s in read(session, rt)
        }


def members(path: Path) -> dict[str, bytes]:
    """Every part of a sync file, unpacked."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(path: Path, parts: dict[str, bytes], out: Path | None = None) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    target = out or path
    target.write_bytes(buffer.getvalue())
    return target


def signer(side: Side) -> Callable[[bytes], bytes]:
    from cvcdesk.services.identity import load_keys

    with side.services.database.session_factory() as session:
        keys = load_keys(session)
    return keys.signing.sign
