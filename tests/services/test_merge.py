"""Merging two records of the same person (or group): the side-by-side choice, what moves to
the kept record, the tombstone left behind, the audit entry, and undoing it all."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, text

from cvcdesk.domain.alerts import Finding, RecordRef
from cvcdesk.domain.enums import AlertKind, AlertStatus, AuditAction, ConsentMethod, DbsLevel
from cvcdesk.domain.errors import (
    ConflictError,
    CvcError,
    DatabaseError,
    NotFoundError,
    ValidationError,
)
from cvcdesk.domain.organisation import CoverageData, OrganisationRecord
from cvcdesk.domain.volunteer import AvailabilitySlot, AwayPeriod, Membership, VolunteerRecord
from cvcdesk.paths import backups_dir_for
from cvcdesk.services import backups as backups_module
from cvcdesk.services.alerts import AlertService, Detector, ScanContext
from cvcdesk.services.backups import BackupService
from cvcdesk.services.merge import MergeService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
TABLES = (
    "volunteer", "organisation", "membership", "assignment", "volunteer_skill", "availability",
    "away_period", "consent_event", "audit_entry", "alert", "coverage", "activity",
)  # fmt: skip


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as connection:
        return {
            table: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}"))]
            for table in TABLES
        }


def same_data(record: Any) -> Any:
    """A record without what every save changes (its clock value and version)."""
    return replace(record, changed_at="", version=0)


def add(db: Database, row: Any) -> str:
    with db.session_factory.begin() as session:
        row.origin = db.instance_uuid
        row.changed_at = db.clock.now()
        session.add(row)
        session.flush()
        return str(row.uuid)


def row_id(db: Database, model: Any, uuid: str) -> int:
    with db.session_factory() as session:
        return int(session.scalar(select(model.id).where(model.uuid == uuid)))


def shift(db: Database, group: str, start: dt.datetime) -> str:
    activity = add(
        db,
        m.Activity(
            organisation_id=row_id(db, m.Organisation, group),
            title_en="Food run",
            start_date=start.date(),
            start_time=start.time(),
            end_time=(start + dt.timedelta(hours=2)).time(),
        ),
    )
    return add(
        db,
        m.Shift(
            activity_id=row_id(db, m.Activity, activity),
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        ),
    )


def book(db: Database, shift_uuid: str, volunteer: str, status: str = "confirmed") -> str:
    return add(
        db,
        m.Assignment(
            shift_id=row_id(db, m.Shift, shift_uuid),
            volunteer_id=row_id(db, m.Volunteer, volunteer),
            status=status,
        ),
    )


def bookings(db: Database, volunteer: str) -> set[tuple[str, bool, str | None]]:
    """(shift uuid, deleted, replaced_by) of a volunteer's bookings."""
    with db.session_factory() as session:
        return {
            (s, bool(d), r)
            for s, d, r in session.execute(
                select(m.Shift.uuid, m.Assignment.deleted, m.Assignment.replaced_by)
                .join(m.Shift, m.Shift.id == m.Assignment.shift_id)
                .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
                .where(m.Volunteer.uuid == volunteer)
            )
        }


@pytest.fixture
def merge(db: Database) -> MergeService:
    return MergeService(db, actor="coordinator")


@pytest.fixture
def pair(
    db: Database, make_volunteer: MakeVolunteer, make_organisation: MakeOrganisation
) -> dict[str, Any]:
    """The same woman entered twice, by two groups, with different details."""
    food = make_organisation(name_en="Food bank")
    cars = make_organisation(name_en="Car scheme")
    keep = make_volunteer(
        first_name="Siân",
        last_name="Pritchard",
        known_as="Sian",
        phone="07712 345001",
        email="sian@example.org",
        address="",
        skills=("cooking",),
        memberships=(Membership(food.uuid),),
        availability=(AvailabilitySlot(0, dt.time(9), dt.time(12)),),
    )
    other = make_volunteer(
        first_name="siân ",
        last_name="PRITCHARD",
        known_as="",
        phone="07712 345002",
        email="s.pritchard@example.org",
        address="3 High Street",
        date_of_birth=dt.date(1970, 5, 1),
        dbs_level=DbsLevel.ENHANCED,
        consent_share=True,
        consent_method=ConsentMethod.PAPER_FORM,
        consent_date=dt.date(2024, 2, 1),
        skills=("cooking", "driving"),
        memberships=(Membership(food.uuid, role="packer"), Membership(cars.uuid, role="driver")),
        availability=(
            AvailabilitySlot(0, dt.time(9), dt.time(12)),
            AvailabilitySlot(3, dt.time(14), dt.time(16)),
        ),
        away=(AwayPeriod(dt.date(2025, 8, 1), dt.date(2025, 8, 14), "holiday"),),
    )
    tuesday = shift(db, food.uuid, dt.datetime(2025, 3, 4, 10))
    thursday = shift(db, cars.uuid, dt.datetime(2025, 3, 6, 10))
    book(db, tuesday, keep.uuid)
    book(db, tuesday, other.uuid)  # both records booked on the same shift
    book(db, thursday, other.uuid)
    return {
        "keep": keep,
        "other": other,
        "food": food,
        "cars": cars,
        "tuesday": tuesday,
        "thursday": thursday,
    }


# ---- preview -------------------------------------------------------------------------------


def test_the_preview_shows_conflicts_only_where_both_have_different_values(
    merge: MergeService, pair: dict[str, Any]
) -> None:
    preview = merge.preview(pair["keep"].uuid, pair["other"].uuid)
    lines = {line.field: line for line in preview.fields}
    assert preview.record_type == "volunteer"
    assert preview.keep_name == "Sian Pritchard"
    # Case and spacing do not make a conflict.
    assert not lines["first_name"].conflict and not lines["last_name"].conflict
    # An empty value never counts against a filled one; the filled one is taken by default.
    assert not lines["address"].conflict and lines["address"].default == "other"
    assert not lines["dbs_level"].conflict and lines["dbs_level"].default == "other"
    assert not lines["known_as"].conflict and lines["known_as"].default == "keep"
    # Both filled and different: the coordinator chooses.
    assert lines["phone"].conflict and lines["email"].conflict
    assert lines["phone"].label == "Phone"
    assert {c.field for c in preview.conflicts} == {"phone", "email", "consent_share"}
    assert preview.moves["memberships"] == 2
    assert preview.moves["assignments"] == 2
    assert preview.moves["skills"] == 1


# ---- merge ---------------------------------------------------------------------------------


def test_a_merge_keeps_the_chosen_fields_and_fills_gaps(
    db: Database, merge: MergeService, volunteers: VolunteerService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    merge.merge(keep.uuid, other.uuid, {"phone": "other", "known_as": "other"})
    kept = volunteers.get(keep.uuid)
    assert kept.phone == other.phone  # chosen
    assert kept.email == keep.email  # conflict left to the default: the kept record's
    assert kept.known_as == "Sian"  # the other is empty: empty never overwrites filled
    assert kept.address == "3 High Street"  # a gap filled from the other record
    assert kept.date_of_birth == dt.date(1970, 5, 1)
    assert kept.dbs_level == DbsLevel.ENHANCED
    assert kept.first_name == "Siân" and kept.last_name == "Pritchard"
    assert kept.skills == ("cooking", "driving")
    assert {(s.weekday, s.start) for s in kept.availability} == {(0, dt.time(9)), (3, dt.time(14))}
    assert [a.reason for a in kept.away] == ["holiday"]


def test_memberships_bookings_and_history_move_and_the_other_becomes_a_tombstone(
    db: Database, merge: MergeService, volunteers: VolunteerService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    result = merge.merge(keep.uuid, other.uuid)
    kept = volunteers.get(keep.uuid)
    roles = {ms.organisation_uuid: ms.role for ms in kept.memberships}
    assert roles == {pair["food"].uuid: "packer", pair["cars"].uuid: "driver"}
    # Both were on Tuesday's shift: the kept booking stays and the other is folded into it.
    live = {s for s, deleted, _ in bookings(db, keep.uuid) if not deleted}
    assert live == {pair["tuesday"], pair["thursday"]}
    [(shift_uuid, deleted, replaced_by)] = bookings(db, other.uuid)
    assert (shift_uuid, deleted) == (pair["tuesday"], True) and replaced_by
    tomb = volunteers.get(other.uuid, include_deleted=True)
    assert tomb.deleted and tomb.replaced_by == keep.uuid
    with pytest.raises(NotFoundError):
        volunteers.get(other.uuid)
    history = volunteers.history(keep.uuid)
    assert [h["action"] for h in history].count(AuditAction.CREATE) == 2  # both records' origins
    merges = [h for h in history if h["action"] == AuditAction.MERGE]
    assert len(merges) == 1
    changes = json.loads(merges[0]["changes"])
    assert changes["merged_from"] == [None, other.uuid]
    assert changes["moved"][1]["assignments"] == 2 and changes["moved"][1]["memberships"] == 2
    assert volunteers.history(other.uuid) == []
    assert result.moved["history"] >= 1


def test_the_duplicate_alert_is_resolved_by_the_merge_and_reopened_by_undo(
    db: Database, merge: MergeService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]

    def same_person(
        session: Any, only: Collection[str] | None, progress: Any, cancel: Any, c: ScanContext
    ) -> list[Finding]:
        refs = (RecordRef("volunteer", keep.uuid), RecordRef("volunteer", other.uuid))
        alive = session.scalar(select(m.Volunteer.deleted).where(m.Volunteer.uuid == other.uuid))
        return [] if alive else [Finding(AlertKind.DUPLICATE_VOLUNTEER, refs, 0.97, ())]

    alerts = AlertService(
        db,
        actor="coordinator",
        detectors=lambda: [
            Detector(AlertKind.DUPLICATE_VOLUNTEER, same_person, lambda s, c: set(c))
        ],
    )
    alerts.scan()
    [alert] = alerts.list(AlertKind.DUPLICATE_VOLUNTEER)
    merge.merge(keep.uuid, other.uuid)
    resolved = alerts.get(alert.id)
    assert resolved.status == AlertStatus.RESOLVED
    assert resolved.decision == "The two records were merged."
    alerts.scan()
    assert alerts.get(alert.id).status == AlertStatus.RESOLVED
    merge.undo_merge(keep.uuid)
    assert alerts.get(alert.id).status == AlertStatus.OPEN


def test_undo_restores_both_records_exactly(
    db: Database, merge: MergeService, volunteers: VolunteerService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    before = {uuid: volunteers.get(uuid) for uuid in (keep.uuid, other.uuid)}
    booked = {uuid: bookings(db, uuid) for uuid in (keep.uuid, other.uuid)}
    history = {uuid: volunteers.history(uuid) for uuid in (keep.uuid, other.uuid)}
    merge.merge(keep.uuid, other.uuid, {"phone": "other"})
    undone = merge.undo_merge(keep.uuid)
    assert (undone.keep_uuid, undone.other_uuid) == (keep.uuid, other.uuid)
    for uuid in (keep.uuid, other.uuid):
        assert same_data(volunteers.get(uuid)) == same_data(before[uuid])
        assert bookings(db, uuid) == booked[uuid]
        # The history is back where it was, followed by the merge and its undoing.
        restored = volunteers.history(uuid)
        assert restored[: len(history[uuid])] == history[uuid]
    assert [h["action"] for h in volunteers.history(keep.uuid)][-2:] == [
        AuditAction.MERGE,
        AuditAction.RESTORE,
    ]
    with db.session_factory() as session:
        consent_owner = session.scalar(
            select(m.Volunteer.uuid).join(
                m.ConsentEvent, m.ConsentEvent.volunteer_id == m.Volunteer.id
            )
        )
    assert consent_owner == other.uuid
    with pytest.raises(NotFoundError, match="no merge to undo"):
        merge.undo_merge(keep.uuid)


def test_undo_is_refused_once_the_kept_record_has_changed(
    db: Database, merge: MergeService, volunteers: VolunteerService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    merge.merge(keep.uuid, other.uuid)
    current = volunteers.get(keep.uuid)
    volunteers.update(keep.uuid, replace(current, notes="Prefers Welsh on the phone"))
    before = snapshot(db)
    with pytest.raises(ConflictError, match=keep.uuid):
        merge.undo_merge(keep.uuid)
    assert snapshot(db) == before


# ---- refusals ------------------------------------------------------------------------------


def test_bad_merges_are_refused_and_change_nothing(
    db: Database,
    merge: MergeService,
    pair: dict[str, Any],
    make_organisation: MakeOrganisation,
) -> None:
    keep, other = pair["keep"], pair["other"]
    before = snapshot(db)
    with pytest.raises(CvcError, match="cannot be merged with itself"):
        merge.merge(keep.uuid, keep.uuid)
    with pytest.raises(NotFoundError, match="no-such-id"):
        merge.preview(keep.uuid, "no-such-id")
    with pytest.raises(CvcError, match="not the same kind of record"):
        merge.merge(keep.uuid, pair["food"].uuid)
    with pytest.raises(ValidationError, match="no field “shoe_size”"):
        merge.merge(keep.uuid, other.uuid, {"shoe_size": "other"})
    with pytest.raises(ValidationError, match="not “theirs”"):
        merge.merge(keep.uuid, other.uuid, {"phone": "theirs"})
    preview = merge.preview(keep.uuid, other.uuid)
    with pytest.raises(ConflictError, match=other.uuid):
        merge.merge(
            keep.uuid,
            other.uuid,
            keep_version=preview.keep_version,
            other_version=preview.other_version - 1,
        )
    assert snapshot(db) == before
    merge.merge(keep.uuid, other.uuid)
    with pytest.raises(CvcError, match="already merged into"):
        merge.merge(pair["keep"].uuid, other.uuid)


# ---- the backup first ----------------------------------------------------------------------


def live_in_file(path: Any, uuids: Collection[str]) -> set[str]:
    """Which of these volunteers are live (not deleted) in a database file, read directly."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(uuids))
        rows = connection.execute(
            f"SELECT uuid FROM volunteer WHERE deleted = 0 AND uuid IN ({marks})", tuple(uuids)
        )
        return {row[0] for row in rows}
    finally:
        connection.close()


def sqlite_file(db: Database) -> Any:
    """The database file, for the tests of the backup a merge takes (SQLite only)."""
    if db.path is None:
        pytest.skip("a database server keeps its own backups")
    return db.path


def test_a_merge_leaves_a_checked_backup_of_the_database_as_it_was(
    db: Database, merge: MergeService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    result = merge.merge(keep.uuid, other.uuid)
    if db.path is None:  # a database server: its own backups (pg_dump) do this job
        assert result.backup_path is None
        return
    folder = backups_dir_for(db.path)
    backup = result.backup_path
    assert backup is not None and backup.is_file()
    assert backup.parent == folder and backup.name.endswith("-before-merge.db")
    backups = BackupService(db)
    info = backups.verify(backup)  # a cvcdesk database that passes integrity_check
    assert info.reason == "before-merge"
    assert [i.path for i in backups.list() if i.reason == "before-merge"] == [backup]
    # The copy holds both records as they were before the merge; the database only the kept.
    assert live_in_file(backup, {keep.uuid, other.uuid}) == {keep.uuid, other.uuid}
    assert live_in_file(db.path, {keep.uuid, other.uuid}) == {keep.uuid}


def test_each_merge_takes_its_own_backup_and_undo_keeps_them(
    db: Database, merge: MergeService, pair: dict[str, Any], make_volunteer: MakeVolunteer
) -> None:
    keep, other = pair["keep"], pair["other"]
    sqlite_file(db)
    third = make_volunteer(first_name="Sian", last_name="Pritchard", phone="07712 345003")
    first = merge.merge(keep.uuid, other.uuid)
    second = merge.merge(keep.uuid, third.uuid)
    assert first.backup_path is not None and second.backup_path is not None
    assert first.backup_path != second.backup_path  # never overwritten, even within a second
    merge.undo_merge(keep.uuid)
    assert first.backup_path.is_file() and second.backup_path.is_file()


def test_a_merge_is_refused_and_changes_nothing_when_the_backup_fails(
    db: Database, merge: MergeService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    path = sqlite_file(db)
    blocker = backups_dir_for(path)
    blocker.write_text("a file where the backups folder should be")  # no folder can be made
    before = snapshot(db)
    with pytest.raises(DatabaseError, match="Nothing was merged") as refused:
        merge.merge(keep.uuid, other.uuid)
    assert "could not be backed up" in str(refused.value)
    assert snapshot(db) == before
    assert live_in_file(path, {keep.uuid, other.uuid}) == {keep.uuid, other.uuid}


def test_a_backup_that_fails_its_check_stops_the_merge(
    db: Database, pair: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    keep, other = pair["keep"], pair["other"]
    sqlite_file(db)

    def damaged_copy(source: Any, target: Any) -> Any:
        raise DatabaseError("The backup failed its check: page 7 is never used")

    monkeypatch.setattr(backups_module, "backup_sqlite", damaged_copy)
    merge = MergeService(db, actor="coordinator")
    before = snapshot(db)
    with pytest.raises(DatabaseError, match="page 7 is never used"):
        merge.merge(keep.uuid, other.uuid)
    assert snapshot(db) == before


def test_a_refused_merge_takes_no_backup(
    db: Database, merge: MergeService, pair: dict[str, Any]
) -> None:
    keep, other = pair["keep"], pair["other"]
    sqlite_file(db)
    preview = merge.preview(keep.uuid, other.uuid)
    with pytest.raises(CvcError):
        merge.merge(keep.uuid, keep.uuid)
    with pytest.raises(ValidationError):
        merge.merge(keep.uuid, other.uuid, {"shoe_size": "other"})
    with pytest.raises(ConflictError):
        merge.merge(keep.uuid, other.uuid, other_version=preview.other_version - 1)
    assert [i for i in BackupService(db).list() if i.reason == "before-merge"] == []


# ---- groups --------------------------------------------------------------------------------


def test_two_groups_merge_with_their_coverage_members_and_activities_and_undo(
    db: Database,
    merge: MergeService,
    make_organisation: MakeOrganisation,
    make_volunteer: MakeVolunteer,
) -> None:
    organisations = OrganisationService(db, actor="tester")
    volunteers = VolunteerService(db, actor="tester")
    keep = make_organisation(
        name_en="Tenby Larder", name_cy="", phone="", email="hello@larder.example.org"
    )
    other = make_organisation(
        name_en="Tenby larder ",
        name_cy="Pantri Dinbych-y-pysgod",
        phone="01834 842000",
        email="info@larder.example.org",
        coverage=(CoverageData(service="food_parcels", area="SA70"),),
    )
    both = make_volunteer(memberships=(Membership(keep.uuid), Membership(other.uuid, role="chair")))
    checked = make_volunteer(dbs_level=DbsLevel.BASIC, dbs_checked_by=other.uuid)
    run = shift(db, other.uuid, dt.datetime(2025, 3, 4, 10))
    before = {u: organisations.get(u) for u in (keep.uuid, other.uuid)}
    members_before = volunteers.get(both.uuid)

    preview = merge.preview(keep.uuid, other.uuid)
    assert preview.record_type == "organisation"
    assert {c.field for c in preview.conflicts} == {"email"}
    result = merge.merge(keep.uuid, other.uuid)
    assert result.moved["coverage"] == 1 and result.moved["activities"] == 1
    kept = organisations.get(keep.uuid)
    assert kept.phone == "+441834842000"
    assert kept.name_cy == "Pantri Dinbych-y-pysgod"
    assert [c.area for c in kept.coverage] == ["SA70"]
    assert [(ms.organisation_uuid, ms.role) for ms in volunteers.get(both.uuid).memberships] == [
        (keep.uuid, "chair")
    ]
    assert volunteers.get(checked.uuid).dbs_checked_by == keep.uuid
    with db.session_factory() as session:
        owner = session.scalar(
            select(m.Organisation.uuid)
            .join(m.Activity, m.Activity.organisation_id == m.Organisation.id)
            .join(m.Shift, m.Shift.activity_id == m.Activity.id)
            .where(m.Shift.uuid == run)
        )
    assert owner == keep.uuid
    assert organisations.get(other.uuid, include_deleted=True).replaced_by == keep.uuid

    merge.undo_merge(keep.uuid)
    for uuid in (keep.uuid, other.uuid):
        assert same_data(organisations.get(uuid)) == same_data(before[uuid])
    assert same_data(volunteers.get(both.uuid)) == same_data(members_before)
    assert volunteers.get(checked.uuid).dbs_checked_by == other.uuid
