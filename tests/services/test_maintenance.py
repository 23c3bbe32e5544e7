"""Whole-database counts, checks and backups, as `cvcdesk check` and `backup` show them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.domain.organisation import OrganisationData, OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.services.maintenance import Counts, MaintenanceService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database, head_revision, open_database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]


@pytest.fixture
def maintenance(db: Database) -> MaintenanceService:
    return MaintenanceService(db, actor="tester")


def add_activity(db: Database, group: OrganisationRecord, shifts: int) -> str:
    """An activity with its shifts, as the roster pages will make them."""
    with db.session_factory.begin() as session:
        organisation = session.query(m.Organisation).filter_by(uuid=group.uuid).one()
        activity = m.Activity(
            organisation=organisation,
            title_en="Tuesday food run",
            start_date=dt.date(2025, 1, 7),
            start_time=dt.time(10),
            end_time=dt.time(12),
            origin=db.instance_uuid,
            changed_at=db.clock.now(),
        )
        session.add(activity)
        for week in range(shifts):
            day = dt.datetime(2025, 1, 7, 10) + dt.timedelta(weeks=week)
            session.add(
                m.Shift(
                    activity=activity,
                    starts_at=day,
                    ends_at=day + dt.timedelta(hours=2),
                    origin=db.instance_uuid,
                    changed_at=db.clock.now(),
                )
            )
        session.flush()
        return activity.uuid


def add_alert(db: Database, pair_key: str, status: str) -> None:
    with db.session_factory.begin() as session:
        session.add(
            m.Alert(
                kind="duplicate_volunteer",
                pair_key=pair_key,
                status=status,
                origin=db.instance_uuid,
                changed_at=db.clock.now(),
            )
        )


def test_an_empty_database_counts_nothing(maintenance: MaintenanceService) -> None:
    assert maintenance.counts() == Counts(
        volunteers=0, groups=0, activities=0, shifts=0, open_alerts=0
    )


def test_counts_follow_creates_and_deletes(
    db: Database,
    maintenance: MaintenanceService,
    volunteers: VolunteerService,
    organisations: OrganisationService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
) -> None:
    people = [make_volunteer() for _ in range(4)]
    groups = [make_organisation() for _ in range(3)]
    add_activity(db, groups[0], shifts=5)
    add_alert(db, "a|b", "open")
    add_alert(db, "c|d", "open")
    add_alert(db, "e|f", "dismissed")
    assert maintenance.counts() == Counts(
        volunteers=4, groups=3, activities=1, shifts=5, open_alerts=2
    )

    volunteers.delete(people[0].uuid)
    organisations.delete(groups[2].uuid)
    counts = maintenance.counts()
    assert (counts.volunteers, counts.groups) == (3, 2)
    assert counts.volunteers == volunteers.count()
    assert counts.groups == organisations.count()

    volunteers.restore(people[0].uuid)
    assert maintenance.counts().volunteers == 4


def test_a_healthy_database_passes_its_check(
    maintenance: MaintenanceService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    report = maintenance.check()
    assert report.ok
    assert report.integrity == []
    assert report.foreign_keys == []
    assert report.schema == []
    assert report.revision == report.head == head_revision()


def test_the_check_names_rows_pointing_at_missing_records(
    db: Database, maintenance: MaintenanceService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    assert db.path is not None
    # Another program wrote to the file without foreign-key checks.
    connection = sqlite3.connect(db.path)
    try:
        connection.execute(
            "INSERT INTO volunteer_skill (volunteer_id, skill_code) VALUES (999, 'driving')"
        )
        connection.commit()
    finally:
        connection.close()
    report = maintenance.check()
    assert not report.ok
    [problem] = report.foreign_keys
    assert "volunteer_skill" in problem
    assert "volunteer" in problem.replace("volunteer_skill", "")


def test_a_stray_table_is_named_in_words(
    db: Database, maintenance: MaintenanceService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    assert db.path is not None
    connection = sqlite3.connect(db.path)
    try:
        connection.execute("CREATE TABLE stray (x)")
        connection.commit()
    finally:
        connection.close()
    report = maintenance.check()
    assert not report.ok
    assert report.schema == ["Table “stray” is not part of cvcdesk."]


def test_a_damaged_file_is_reported_with_the_way_back(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    database = open_database(path)
    organisations = OrganisationService(database)
    for number in range(400):
        organisations.create(
            OrganisationData(name_en=f"Grŵp {number} " + "x" * 150, notes="y" * 300)
        )
    database.close()
    size = path.stat().st_size
    with path.open("r+b") as handle:  # another program scribbled over the middle of the file
        for offset in range(size // 3, size // 3 + 4096 * 8, 4096):
            handle.seek(offset + 100)
            handle.write(b"\xde\xad\xbe\xef" * 200)
    database = open_database(path)
    try:
        report = MaintenanceService(database).check()
    finally:
        database.close()
    assert not report.ok
    assert report.integrity, "SQLite's findings are reported, not lost in a crash"
    assert "cvcdesk restore FILE" in report.integrity[-1]


def test_backup_opens_with_the_same_counts(
    tmp_path: Path,
    maintenance: MaintenanceService,
    volunteers: VolunteerService,
    make_volunteer: MakeVolunteer,
    make_organisation: MakeOrganisation,
    db: Database,
) -> None:
    group = make_organisation(name_cy="Grŵp Tŷ Ddewi")
    people = [make_volunteer(first_name="Siân") for _ in range(6)]
    volunteers.delete(people[0].uuid)
    add_activity(db, group, shifts=3)
    add_alert(db, "a|b", "open")
    expected = maintenance.counts()

    written = maintenance.backup(tmp_path / "backups" / "copy.db")
    assert written == tmp_path / "backups" / "copy.db"
    assert written.is_file()
    assert sorted(p.name for p in written.parent.iterdir()) == ["copy.db"]

    # Work after the backup does not reach it.
    make_volunteer()
    assert maintenance.counts().volunteers == expected.volunteers + 1

    with open_database(written) as copy:
        assert MaintenanceService(copy).counts() == expected
        assert MaintenanceService(copy).check().ok
        restored = VolunteerService(copy)
        assert {row.uuid for row in restored.list()} == {p.uuid for p in people[1:]}
        assert restored.get(people[1].uuid) == volunteers.get(people[1].uuid)
        assert OrganisationService(copy).get(group.uuid).name_cy == "Grŵp Tŷ Ddewi"


def test_backup_over_an_older_backup_replaces_it(
    tmp_path: Path, maintenance: MaintenanceService, make_volunteer: MakeVolunteer
) -> None:
    target = tmp_path / "copy.db"
    make_volunteer()
    maintenance.backup(target)
    make_volunteer()
    maintenance.backup(target)
    with open_database(target) as copy:
        assert MaintenanceService(copy).counts().volunteers == 2


def test_backup_onto_a_folder_is_refused_clearly(
    tmp_path: Path, maintenance: MaintenanceService, make_volunteer: MakeVolunteer
) -> None:
    make_volunteer()
    folder = tmp_path / "already-a-folder"
    folder.mkdir()
    with pytest.raises(DatabaseError) as raised:
        maintenance.backup(folder)
    assert str(folder) in str(raised.value)
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
