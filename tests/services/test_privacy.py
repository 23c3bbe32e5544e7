"""Data protection: subject access (JSON and PDF), erasure that leaves a tombstone and no
trace in the database file, the retention report and consent history."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select, text

from cvcdesk.domain.enums import (
    AlertKind,
    AuditAction,
    ConsentMethod,
    DbsLevel,
    Language,
    VolunteerStatus,
)
from cvcdesk.domain.errors import CvcError, NotFoundError, ValidationError
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import (
    AvailabilitySlot,
    AwayPeriod,
    Membership,
    VolunteerData,
    VolunteerQuery,
    VolunteerRecord,
)
from cvcdesk.services.alerts import AlertService
from cvcdesk.services.merge import MergeService
from cvcdesk.services.privacy import PrivacyService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store import models as m
from cvcdesk.store.database import Database

MakeVolunteer = Callable[..., VolunteerRecord]
MakeOrganisation = Callable[..., OrganisationRecord]
# Distinctive values, so a trace of them anywhere in the database file can be found.
SUBJECT = {
    "first_name": "Gwenllïan",
    "last_name": "Prydderchwyn",
    "known_as": "Gwenno",
    "phone": "07712 918273",
    "email": "gwenllian.prydderchwyn@example.org",
    "address": "Bryn Ŵyn Uchaf",
    "town": "Llanfihangel-y-Pennant",
    "postcode": "LL36 9TN",
    "notes": "Allergic to cats",
    "reference": "GP-4471",
}


@pytest.fixture
def privacy(db: Database) -> PrivacyService:
    return PrivacyService(db, actor="tester")


def book(db: Database, volunteer_uuid: str, group_uuid: str, when: dt.datetime) -> str:
    """A shift on a group's activity with the volunteer booked on it (and their notes)."""
    with db.session_factory.begin() as session:
        volunteer = session.scalar(select(m.Volunteer).where(m.Volunteer.uuid == volunteer_uuid))
        group = session.scalar(select(m.Organisation).where(m.Organisation.uuid == group_uuid))
        stamp = {"origin": db.instance_uuid, "changed_at": db.clock.now()}
        activity = m.Activity(
            organisation=group,
            title_en="Tuesday food run",
            title_cy="Rhediad bwyd dydd Mawrth",
            start_date=when.date(),
            start_time=when.time(),
            end_time=(when + dt.timedelta(hours=2)).time(),
            **stamp,
        )
        shift = m.Shift(
            activity=activity, starts_at=when, ends_at=when + dt.timedelta(hours=2), **stamp
        )
        booking = m.Assignment(
            shift=shift,
            volunteer=volunteer,
            status="attended",
            hours=2.0,
            notes="Gwenno drove the van",
            **stamp,
        )
        session.add_all([activity, shift, booking])
        session.flush()
        return booking.uuid


@pytest.fixture
def subject(
    db: Database,
    volunteers: VolunteerService,
    make_organisation: MakeOrganisation,
) -> VolunteerRecord:
    group = make_organisation(name_en="Happy House", name_cy="Tŷ Hapus")
    data = VolunteerData(
        **SUBJECT,
        date_of_birth=dt.date(1961, 7, 12),
        preferred_language=Language.WELSH,
        consent_share=True,
        consent_method=ConsentMethod.EMAIL,
        consent_date=dt.date(2024, 1, 5),
        dbs_level=DbsLevel.ENHANCED,
        dbs_certificate_number="001234567890",
        skills=("driving", "cooking"),
        availability=(AvailabilitySlot(1, dt.time(9), dt.time(12)),),
        away=(AwayPeriod(dt.date(2024, 8, 1), dt.date(2024, 8, 14), "Eisteddfod"),),
        memberships=(Membership(group.uuid, role="driver", since=dt.date(2020, 4, 1)),),
    )
    record = volunteers.create(data)
    # Consent withdrawn later: the history keeps both.
    from dataclasses import replace

    record = volunteers.update(record.uuid, replace(data, consent_share=False, consent_method=None))
    book(db, record.uuid, group.uuid, dt.datetime(2024, 3, 5, 10, 0))
    return record


def database_bytes(db: Database) -> bytes:
    assert db.path is not None
    data = db.path.read_bytes()
    wal = db.path.with_name(db.path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


# -- subject access ----------------------------------------------------------------------------


def test_subject_access_json_holds_everything(
    privacy: PrivacyService, subject: VolunteerRecord, tmp_path: Path
) -> None:
    found = privacy.subject_access(subject.uuid)
    record = found["volunteer"]
    for name, value in SUBJECT.items():
        expected = "+447712918273" if name == "phone" else value
        assert record[name] == expected, name
    assert record["date_of_birth"] == "1961-07-12"
    assert record["dbs_level"] == "enhanced"
    assert sorted(found["skills"]) == ["cooking", "driving"]
    assert found["availability"] == [{"weekday": 1, "start": "09:00:00", "end": "12:00:00"}]
    assert found["away"][0]["reason"] == "Eisteddfod"
    [membership] = found["memberships"]
    assert (membership["group"], membership["role"]) == ("Happy House", "driver")
    [booking] = found["assignments"]
    assert (booking["activity"], booking["hours"]) == ("Tuesday food run", 2.0)
    assert [c["given"] for c in found["consent_history"]] == [True, False]
    actions = [entry["action"] for entry in found["audit_trail"]]
    assert actions[:2] == ["create", "update"]
    assert found["merged_records"] == []
    path = privacy.export_subject_access(subject.uuid, tmp_path / "sar.json")
    assert json.loads(path.read_text(encoding="utf-8"))["volunteer"]["uuid"] == subject.uuid


def test_subject_access_pdf_is_in_their_language_with_welsh_letters(
    privacy: PrivacyService, subject: VolunteerRecord, tmp_path: Path
) -> None:
    path = privacy.export_subject_access(subject.uuid, tmp_path / "sar.pdf")
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    # Table cells wrap, so compare with the line breaks taken out.
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for value in ("Gwenllïan", "Prydderchwyn", "Bryn Ŵyn Uchaf", "Tŷ Hapus", "07712 918273"):
        assert value in words, value
    assert "Rhediad bwyd dydd Mawrth" in words  # the Welsh title: she prefers Welsh
    assert "Cyfenw" in words  # field labels in Welsh
    english = pypdf.PdfReader(
        io.BytesIO(privacy.subject_access_pdf(subject.uuid, language="en").data)
    )
    assert "Tuesday food run" in " ".join(" ".join(p.extract_text() for p in english.pages).split())


def test_alerts_name_the_volunteer_without_the_other_persons_details(
    db: Database,
    privacy: PrivacyService,
    subject: VolunteerRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    make_volunteer(
        first_name="Gwenllian",
        last_name="Prydderchwyn",
        phone="07712 918273",
        postcode="LL36 9TN",
        email="",
        town="Tywyn",
    )
    AlertService(db, actor="tester").scan(full=True)
    found = privacy.subject_access(subject.uuid)
    [alert] = found["alerts"]
    assert alert["kind"] == AlertKind.DUPLICATE_VOLUNTEER.value
    assert "reasons" not in alert
    assert "Tywyn" not in json.dumps(found, ensure_ascii=False)


def test_records_merged_into_theirs_are_part_of_it(
    db: Database,
    privacy: PrivacyService,
    subject: VolunteerRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    other = make_volunteer(first_name="Gwenno", last_name="Prydderchwyn", town="Aberdyfi")
    MergeService(db, actor="tester").merge(subject.uuid, other.uuid)
    found = privacy.subject_access(subject.uuid)
    [merged] = found["merged_records"]
    assert (merged["uuid"], merged["town"], merged["replaced_by"]) == (
        other.uuid,
        "Aberdyfi",
        subject.uuid,
    )


def test_finding_a_volunteer(
    privacy: PrivacyService, subject: VolunteerRecord, volunteers: VolunteerService
) -> None:
    assert privacy.find("GP-4471") == subject.uuid
    assert privacy.find(subject.uuid) == subject.uuid
    volunteers.delete(subject.uuid)
    assert privacy.find("GP-4471") == subject.uuid  # deleted people still have rights
    with pytest.raises(NotFoundError):
        privacy.find("nobody")
    with pytest.raises(CvcError, match=r"\.pdf or \.json"):
        privacy.export_subject_access(subject.uuid, Path("sar.docx"))


# -- erasure -------------------------------------------------------------------------------------


def test_erasure_blanks_them_everywhere_and_leaves_a_tombstone(
    db: Database,
    privacy: PrivacyService,
    volunteers: VolunteerService,
    subject: VolunteerRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    other = make_volunteer(first_name="Gwenno", last_name="Prydderchwyn", town="Aberdyfi")
    AlertService(db, actor="tester").scan(full=True)
    MergeService(db, actor="tester").merge(subject.uuid, other.uuid)
    make_volunteer(first_name="Gwenllian", last_name="Prydderchwyn", phone="07712 918273")
    AlertService(db, actor="tester").scan(full=True)
    with db.engine.connect() as connection:
        conflict_record = connection.execute(
            text("SELECT uuid FROM volunteer WHERE uuid = :u"), {"u": subject.uuid}
        ).scalar_one()
    with db.session_factory.begin() as session:
        session.add(
            m.Conflict(
                record_type="volunteer",
                record_uuid=conflict_record,
                local=json.dumps({"town": "Llanfihangel-y-Pennant"}),
                incoming=json.dumps({"town": "Tywyn-Prydderchwyn"}),
            )
        )
    before = volunteers.get(subject.uuid, include_deleted=True)
    assert b"Prydderchwyn" in database_bytes(db)

    result = privacy.erase(subject.uuid)

    assert (result.records, result.memberships, result.bookings_kept) == (2, 1, 1)
    assert result.consent_entries == 2
    after = volunteers.get(subject.uuid, include_deleted=True)
    assert after.deleted is True
    assert after.changed_at > before.changed_at  # a newer tombstone: sync passes it on
    assert (after.first_name, after.last_name, after.phone, after.email) == ("", "", "", "")
    assert (after.date_of_birth, after.dbs_level, after.skills) == (None, DbsLevel.NONE, ())
    assert after.status is VolunteerStatus.LEFT
    assert volunteers.get(other.uuid, include_deleted=True).town == ""
    assert volunteers.list(VolunteerQuery(search="Prydderchwyn")) != []  # the third one stays
    assert all(v.uuid != subject.uuid for v in volunteers.list(VolunteerQuery(search="Gwenno")))
    # The erasure is audited with the names of the fields, never their values.
    last = volunteers.history(subject.uuid)[-1]
    assert last["action"] is AuditAction.DELETE
    changes = json.loads(last["changes"])
    assert changes["erased"] == [False, True]
    assert "last_name" in changes["fields"][1]
    # No trace of what was erased is left anywhere in the database file.
    raw = database_bytes(db)
    for value in (
        "Gwenllïan",
        "Gwenno",
        "gwenllian.prydderchwyn",
        "Bryn Ŵyn Uchaf",
        "Llanfihangel-y-Pennant",
        "Allergic to cats",
        "GP-4471",
        "Aberdyfi",
        "Eisteddfod",
        "drove the van",
        "001234567890",
    ):
        assert value.encode() not in raw, value
    # The bookings stay for the figures, without a name.
    found = privacy.subject_access(subject.uuid)
    [booking] = found["assignments"]
    assert (booking["hours"], booking["notes"]) == (2.0, "")
    assert found["consent_history"] == []
    kept = {"source", "row", "import", "erased", "fields", "deleted", "merged_records"}
    for entry in found["audit_trail"]:
        for key, pair in entry["changes"].items():
            assert key in kept or pair == [None, None], (entry["action"], key)
    assert found["sync_conflicts"] == []


def test_erasing_an_unknown_volunteer_changes_nothing(
    privacy: PrivacyService, subject: VolunteerRecord, volunteers: VolunteerService
) -> None:
    with pytest.raises(NotFoundError):
        privacy.erase("00000000-0000-4000-8000-000000000000")
    assert volunteers.get(subject.uuid).last_name == "Prydderchwyn"


def test_the_result_points_at_older_backups(
    db: Database, privacy: PrivacyService, subject: VolunteerRecord
) -> None:
    assert db.path is not None
    folder = db.path.parent / "backups"
    folder.mkdir()
    (folder / "cvcdesk-20240101-before-import.db").write_bytes(b"old")
    result = privacy.erase(subject.uuid)
    assert result.backups_folder == folder
    assert str(folder) in result.backups_note


# -- retention and consent ---------------------------------------------------------------------


def test_retention_lists_volunteers_inactive_for_n_months(
    db: Database,
    privacy: PrivacyService,
    subject: VolunteerRecord,
    make_volunteer: MakeVolunteer,
) -> None:
    recent = make_volunteer(first_name="Aled", last_name="Rees")
    with db.engine.begin() as connection:
        # Backdate the subject's record and history: last shift March 2024.
        connection.execute(
            text("UPDATE volunteer SET created_at = '2023-01-01 09:00:00.000000' WHERE uuid = :u"),
            {"u": subject.uuid},
        )
        connection.execute(
            text("UPDATE audit_entry SET at = '2023-06-01 09:00:00.000000' WHERE record_uuid = :u"),
            {"u": subject.uuid},
        )
    today = dt.date.today()
    months_since = (today.year - 2024) * 12 + today.month - 3
    rows = privacy.retention(months=6, today=today)
    assert [r.uuid for r in rows] == [subject.uuid]
    [row] = rows
    assert (row.last_activity, row.last_activity_kind) == (dt.date(2024, 3, 5), "shift")
    assert row.months_inactive in (months_since, months_since - 1)
    assert row.name == "Gwenno Prydderchwyn"
    assert recent.uuid not in {r.uuid for r in privacy.retention(months=1, today=today)}
    assert privacy.retention(months=months_since + 2, today=today) == []
    with pytest.raises(ValidationError):
        privacy.retention(months=0)


def test_consent_history_oldest_first(privacy: PrivacyService, subject: VolunteerRecord) -> None:
    history = privacy.consent_history(subject.uuid)
    assert [(c.given, c.method) for c in history] == [
        (True, ConsentMethod.EMAIL),
        (False, None),
    ]
    assert history[0].on_date == dt.date(2024, 1, 5)
    assert all(c.recorded_by == "tester" for c in history)
