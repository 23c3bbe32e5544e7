"""Exchanging records between two organisations' databases by file: round trips, idempotence,
ownership and conflicts, deletions, erasure and merges, consent and pseudonyms, alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from test_sync_helpers import Side, introduce, members, third_side, two_sides, wire

from cvcdesk.domain.enums import AlertKind, AlertStatus, ConsentMethod
from cvcdesk.domain.errors import CvcError, ValidationError
from cvcdesk.domain.organisation import CoverageData, OrganisationData
from cvcdesk.domain.syncformat import SharingProfile, SyncFileError, VolunteerSharing
from cvcdesk.domain.volunteer import Membership
from cvcdesk.store import models as m

Pair = tuple[Side, Side]


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[Pair]:
    with two_sides(tmp_path) as pair:
        yield pair


@pytest.fixture
def third(tmp_path: Path) -> Iterator[Side]:
    with third_side(tmp_path) as side:
        yield side


def test_round_trip_a_exports_b_imports_b_edits_a_imports_back(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    siân = a.volunteer(
        memberships=(Membership(organisation_uuid=a.group.uuid, role="driver"),),
    )
    result = b.take(a.export(tmp_path / "a1.cvcsync"))
    assert result.applied
    totals = result.preview.totals
    # A's group, its coverage line, the volunteer and the membership.
    assert (totals.new, totals.conflicts, totals.skipped) == (4, 0, 0)
    copy = b.services.volunteers.get(siân.uuid)
    assert (copy.first_name, copy.last_name, copy.phone, copy.skills) == (
        "Gwenllian",
        "Prydderch",
        "+447712345678",
        ("driving",),
    )
    assert copy.origin == a.services.database.instance_uuid
    assert copy.changed_at == siân.changed_at  # the owner's clock value travels unchanged
    assert [ms.organisation_uuid for ms in copy.memberships] == [a.group.uuid]
    assert b.services.organisations.get(a.group.uuid).name_en == "Pembrokeshire CVC"

    # B edits its own group and registers a volunteer of its own; then sends them to A.
    group = b.services.organisations.get(b.group.uuid)
    b.services.organisations.update(b.group.uuid, dataclasses.replace(group, phone="01437 776000"))
    dai = b.volunteer(
        first_name="Dai", last_name="Rees", phone="07712 900123", email="dai@example.org"
    )
    back = a.take(b.export(tmp_path / "b1.cvcsync"))
    assert back.applied
    assert back.preview.totals.conflicts == 0
    assert a.services.organisations.get(b.group.uuid).phone == "+441437776000"
    assert a.services.volunteers.get(dai.uuid).first_name == "Dai"
    # A's own records came back unchanged, or not at all: nothing of A's changed.
    assert a.services.volunteers.get(siân.uuid).changed_at == siân.changed_at
    for record_type in ("organisation", "coverage", "volunteer", "membership"):
        assert wire(a, record_type) == wire(b, record_type), record_type


def test_importing_the_same_file_twice_changes_nothing(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    a.volunteer()
    path = a.export(tmp_path / "a1.cvcsync")
    assert b.take(path).applied
    before = b.digest()
    again = b.take(path)
    assert not again.applied
    assert again.preview.totals.new == again.preview.totals.updated == 0
    assert again.preview.totals.unchanged == 3
    assert again.backup_path is None
    assert b.digest() == before


def test_an_older_file_after_a_newer_one_changes_nothing(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    v = a.volunteer()
    old = a.export(tmp_path / "old.cvcsync")
    a.services.volunteers.update(v.uuid, dataclasses.replace(v, town="Hwlffordd"))
    new = a.export(tmp_path / "new.cvcsync", full=True)
    assert b.take(new).applied
    before = b.digest()
    late = b.take(old)
    assert not late.applied
    assert late.preview.totals.unchanged == 3
    assert b.digest() == before
    assert b.services.volunteers.get(v.uuid).town == "Hwlffordd"


def test_a_dry_run_counts_and_changes_nothing(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    a.volunteer()
    path = a.export(tmp_path / "a1.cvcsync")
    before = b.digest()
    preview = b.services.sync.preview_import(path)
    assert (preview.totals.new, preview.totals.updated, preview.totals.conflicts) == (3, 0, 0)
    assert {c.record_type: c.new for c in preview.counts} == {
        "organisation": 1,
        "coverage": 1,
        "volunteer": 1,
    }
    assert preview.partner_name == b.partner
    assert b.digest() == before
    assert b.take(path).preview.totals == preview.totals


def test_an_incremental_export_sends_only_what_changed(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    v = a.volunteer()
    assert a.services.sync.export(a.partner, tmp_path / "1.cvcsync").records == 3
    assert a.services.sync.export(a.partner, tmp_path / "2.cvcsync").records == 0
    a.services.volunteers.update(v.uuid, dataclasses.replace(v, town="Abergwaun"))
    third_file = a.services.sync.export(a.partner, tmp_path / "3.cvcsync")
    assert third_file.counts == {"volunteer": 1}
    assert third_file.since and not third_file.full
    for name in ("1", "2", "3"):
        b.take(tmp_path / f"{name}.cvcsync")
    assert b.services.volunteers.get(v.uuid).town == "Abergwaun"


def test_a_record_changed_on_both_sides_is_held_as_a_conflict_and_resolved_field_by_field(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    v = a.volunteer()
    b.take(a.export(tmp_path / "1.cvcsync"))
    # B changes the phone of A's volunteer; A changes the e-mail address and the town.
    mine = b.services.volunteers.get(v.uuid)
    b.services.volunteers.update(v.uuid, dataclasses.replace(mine, phone="07712 900555"))
    a.services.volunteers.update(
        v.uuid, dataclasses.replace(v, email="gwen@example.cymru", town="Tyddewi")
    )
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.conflicts == 1
    held = b.services.volunteers.get(v.uuid)
    assert held.phone == "+447712900555"  # not overwritten
    assert held.email == "gwenllian@example.org"
    [conflict] = b.services.sync.conflicts()
    assert conflict.record_uuid == v.uuid and not conflict.proposal
    assert conflict.title == "Gwenllian Prydderch"
    fields = {f.name: f for f in conflict.fields}
    assert set(fields) == {"phone", "email", "town"}
    assert (fields["phone"].base, fields["phone"].local, fields["phone"].incoming) == (
        "+447712345678",
        "+447712900555",
        "+447712345678",
    )
    assert fields["phone"].suggested == "local"
    assert fields["email"].suggested == "incoming"
    # Importing the same file again does not add a second conflict.
    b.take(tmp_path / "2.cvcsync")
    assert len(b.services.sync.conflicts()) == 1

    settled = b.services.sync.resolve(conflict.id, {"town": "local"})
    assert settled.status == "resolved"
    assert b.services.sync.conflicts() == []
    now = b.services.volunteers.get(v.uuid)
    assert (now.phone, now.email, now.town) == ("+447712900555", "gwen@example.cymru", "")

    # B's resolution goes back to A as a proposal: A owns the record, so A decides.
    back = a.take(b.export(tmp_path / "3.cvcsync"))
    assert back.preview.totals.conflicts == 1
    [proposal] = a.services.sync.conflicts()
    assert proposal.proposal
    assert a.services.volunteers.get(v.uuid).phone == "+447712345678"
    a.services.sync.resolve(proposal.id, take="incoming")
    final = b.take(a.export(tmp_path / "4.cvcsync"))
    # B already has exactly these values, so nothing needs to go.
    assert final.preview.totals.changes == 0
    assert wire(a, "volunteer") == wire(b, "volunteer")
    assert a.services.volunteers.get(v.uuid).phone == "+447712900555"


def test_resolving_refuses_unknown_fields_and_sides(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    v = a.volunteer()
    b.take(a.export(tmp_path / "1.cvcsync"))
    b.services.volunteers.update(v.uuid, dataclasses.replace(v, town="Trefdraeth"))
    a.services.volunteers.update(v.uuid, dataclasses.replace(v, town="Nanhyfer"))
    b.take(a.export(tmp_path / "2.cvcsync"))
    [conflict] = b.services.sync.conflicts()
    with pytest.raises(ValidationError, match="not a field"):
        b.services.sync.resolve(conflict.id, {"shoe_size": "local"})
    with pytest.raises(ValidationError, match="Choose"):
        b.services.sync.resolve(conflict.id, take="mine")
    with pytest.raises(CvcError, match="no conflict"):
        b.services.sync.resolve(9999)
    b.services.sync.resolve(conflict.id, take="incoming")
    assert b.services.volunteers.get(v.uuid).town == "Nanhyfer"
    with pytest.raises(ValidationError, match="already resolved"):
        b.services.sync.resolve(conflict.id)


def test_only_the_owner_changes_a_record_a_partners_edit_is_a_proposal(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    b.take(a.export(tmp_path / "1.cvcsync"))
    group = b.services.organisations.get(a.group.uuid)
    b.services.organisations.update(a.group.uuid, dataclasses.replace(group, name_en="Renamed"))
    result = a.take(b.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.conflicts == 1
    assert a.services.organisations.get(a.group.uuid).name_en == "Pembrokeshire CVC"
    [proposal] = a.services.sync.conflicts()
    assert proposal.proposal and proposal.record_type == "organisation"
    assert [f.name for f in proposal.fields] == ["name_en"]


def test_deletions_propagate_as_tombstones(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    extra = a.services.organisations.create(
        OrganisationData(
            name_en="Neyland Lunch Club",
            postcode="SA73 1TP",
            coverage=(CoverageData(service="hot_meals", area="SA73 1"),),
        )
    )
    b.take(a.export(tmp_path / "1.cvcsync"))
    assert not b.services.organisations.get(extra.uuid).deleted
    a.services.organisations.delete(extra.uuid)
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.deletions == 1
    assert b.services.organisations.get(extra.uuid, include_deleted=True).deleted


def test_a_volunteer_who_withdraws_consent_is_erased_at_the_partner(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    v = a.volunteer(notes="Prefers mornings")
    b.take(a.export(tmp_path / "1.cvcsync"))
    mine = b.services.volunteers.get(v.uuid)
    b.services.volunteers.update(v.uuid, dataclasses.replace(mine, town="Solfach"))
    a.services.volunteers.update(
        v.uuid, dataclasses.replace(v, consent_share=False, consent_method=None)
    )
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.deletions == 1
    assert any("erased" in w for w in result.preview.warnings)
    gone = b.services.volunteers.get(v.uuid, include_deleted=True)
    assert gone.deleted
    assert (gone.first_name, gone.last_name, gone.phone, gone.email, gone.town) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert gone.skills == ()
    history = json.dumps(b.services.volunteers.history(v.uuid), default=str)
    assert "Gwenllian" not in history and "Solfach" not in history
    assert b.services.volunteers.count() == 0
    # At A the volunteer is still there, only no longer shared.
    assert a.services.volunteers.get(v.uuid).first_name == "Gwenllian"


def test_volunteers_who_did_not_consent_never_leave_in_full_mode(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    a.volunteer()
    a.volunteer(
        first_name="Bethan",
        last_name="Llwyd-Owen",
        phone="07712 900777",
        email="bethan.secret@example.org",
        consent_share=False,
        consent_method=None,
    )
    preview = a.services.sync.preview_export(a.partner)
    assert preview.left_out_without_consent == 1
    path = a.export(tmp_path / "1.cvcsync")
    raw = path.read_bytes() + b"".join(members(path).values())
    for secret in (b"Bethan", b"Llwyd-Owen", b"447712900777", b"bethan.secret"):
        assert secret not in raw
    assert b"Gwenllian" in b"".join(members(path).values())
    b.take(path)
    assert [r.first_name for r in b.services.volunteers.list()] == ["Gwenllian"]


def test_pseudonymised_mode_leaks_no_names_phones_or_emails_and_still_matches(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    a.services.partners.set_profile(
        a.partner, SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    )
    siân = a.volunteer(
        first_name="Siân",
        last_name="Prydderch-Morgan",
        email="sian.pm@example.org",
        postcode="SA62 5XY",
    )
    a.volunteer(
        first_name="Rhodri",
        last_name="ap Iorwerth",
        phone="07712 900321",
        email="rhodri@example.org",
        postcode="SA62 5XY",
        consent_share=False,
        consent_method=None,
    )
    path = a.export(tmp_path / "1.cvcsync")
    unpacked = b"".join(members(path).values())
    raw = path.read_bytes() + unpacked
    for secret in (
        "Siân", "Prydderch", "sian.pm", "Rhodri", "Iorwerth", "rhodri@", "447712345678",
        # Whole numbers only: a bare "07712" also turns up inside clock stamps' digits.
        "07712900321", "07712 900321", "447712900321", "SA62 5XY", "1980-05-17",
    ):  # fmt: skip
        assert secret.encode() not in raw, secret
    assert b'"district":"SA62"' in unpacked
    result = b.take(path)
    assert {c.record_type: c.new for c in result.preview.counts}["volunteer_pseudonym"] == 2
    assert b.services.volunteers.count() == 0
    assert b.services.partners.get(b.partner).pseudonymised_volunteers == 2

    # B registers the same person (same e-mail) itself: a duplicate alert, never a merge.
    b.volunteer(
        first_name="Sian", last_name="Morgan", phone="07712 900999", email="sian.pm@example.org"
    )
    b.services.alerts.scan(full=True)
    alerts = b.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, None, 0, 10)
    assert len(alerts) == 1
    assert {r.record_type for r in alerts[0].records} == {"volunteer", "partner_volunteer"}
    assert siân.uuid in {r.uuid for r in alerts[0].records}
    assert "pseudonymised" in alerts[0].reasons[0]
    assert b.services.volunteers.count() == 1


def test_switching_from_full_to_pseudonymised_erases_the_details_sent_before(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    v = a.volunteer()
    b.take(a.export(tmp_path / "1.cvcsync"))
    assert b.services.volunteers.count() == 1
    a.services.partners.set_profile(
        a.partner, SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    )
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    counts = {c.record_type: c for c in result.preview.counts}
    assert counts["volunteer"].deletions == 1
    assert counts["volunteer_pseudonym"].new == 1
    assert b.services.volunteers.get(v.uuid, include_deleted=True).first_name == ""
    a.services.partners.set_profile(a.partner, SharingProfile(volunteers=VolunteerSharing.NONE))
    b.take(a.export(tmp_path / "3.cvcsync"))
    assert b.services.partners.get(b.partner).pseudonymised_volunteers == 0


def test_merges_propagate_with_replaced_by(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    keep = a.volunteer(memberships=(Membership(organisation_uuid=a.group.uuid),))
    other = a.volunteer(
        first_name="Gwen",
        phone="07712 345699",
        email="gwen.p@example.org",
        memberships=(Membership(organisation_uuid=a.group.uuid, role="cook"),),
    )
    b.take(a.export(tmp_path / "1.cvcsync"))
    a.services.merge.merge(keep.uuid, other.uuid)
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.conflicts == 0
    merged_away = b.services.volunteers.get(other.uuid, include_deleted=True)
    assert merged_away.deleted and merged_away.replaced_by == keep.uuid
    assert wire(a, "volunteer") == wire(b, "volunteer") or all(
        wire(a, "volunteer")[u][:2] == wire(b, "volunteer")[u][:2] for u in wire(b, "volunteer")
    )
    assert wire(a, "membership") == wire(b, "membership")


def test_a_dismissed_alert_travels_and_is_not_raised_again(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    a.volunteer()
    a.volunteer(first_name="Gwenllian", phone="07712 345670", email="gwen.twin@example.org")
    a.services.alerts.scan(full=True)
    [alert] = a.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, None, 0, 10)
    a.services.alerts.dismiss(alert.id, "Twins, not the same person")
    result = b.take(a.export(tmp_path / "1.cvcsync"))
    assert {c.record_type: c.new for c in result.preview.counts}["alert_decision"] == 1
    [copy] = b.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, None, 0, 10)
    assert copy.status == AlertStatus.DISMISSED
    assert copy.decided_by == b.partner
    assert "Twins" in copy.decision
    b.services.alerts.scan(full=True)
    assert b.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, AlertStatus.OPEN, 0, 10) == []


def test_after_an_import_overlaps_across_organisations_are_alerts(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    v = a.volunteer()
    b.take(a.export(tmp_path / "1.cvcsync"))
    # Both groups deliver food parcels in SA61 2: A covers all of SA61.
    coverage = b.services.alerts.list(AlertKind.COVERAGE_OVERLAP, AlertStatus.OPEN, 0, 10)
    assert len(coverage) == 1
    assert {r.group_uuid for r in coverage[0].records} == {a.group.uuid, b.group.uuid}
    # A books the shared volunteer for Tuesday 10-12; B books them for 11-13 the same day.
    start = dt.datetime(2030, 3, 5, 10, 0)
    _book(a, v.uuid, a.group.uuid, start, start + dt.timedelta(hours=2))
    result = b.take(a.export(tmp_path / "2.cvcsync"))
    assert result.preview.totals.skipped == 0
    _book(b, v.uuid, b.group.uuid, start + dt.timedelta(hours=1), start + dt.timedelta(hours=3))
    b.services.alerts.scan(full=True)
    [booking] = b.services.alerts.list(AlertKind.DOUBLE_BOOKING, AlertStatus.OPEN, 0, 10)
    assert "two groups" in " ".join(booking.reasons)


def _book(side: Side, volunteer: str, group: str, start: dt.datetime, end: dt.datetime) -> None:
    db = side.services.database
    with db.session_factory.begin() as session:
        org_id = session.scalar(select(m.Organisation.id).where(m.Organisation.uuid == group))
        vol_id = session.scalar(select(m.Volunteer.id).where(m.Volunteer.uuid == volunteer))
        stamp = {"origin": db.instance_uuid}
        activity = m.Activity(
            organisation_id=org_id,
            title_en="Food run",
            start_date=start.date(),
            start_time=start.time(),
            end_time=end.time(),
            changed_at=db.clock.now(),
            **stamp,
        )
        session.add(activity)
        session.flush()
        shift = m.Shift(
            activity_id=activity.id,
            starts_at=start,
            ends_at=end,
            changed_at=db.clock.now(),
            **stamp,
        )
        session.add(shift)
        session.flush()
        session.add(
            m.Assignment(shift_id=shift.id, volunteer_id=vol_id, changed_at=db.clock.now(), **stamp)
        )


def test_a_passphrase_protected_file_round_trips(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    a.volunteer()
    path = a.export(tmp_path / "1.cvcsync", passphrase="correct horse battery staple")
    unpacked = b"".join(members(path).values())
    assert b"Gwenllian" not in unpacked and b"manifest" not in unpacked
    result = b.take(path, passphrase="correct horse battery staple")
    assert result.applied and result.preview.encrypted
    with pytest.raises(ValidationError, match="at least"):
        a.services.sync.export(a.partner, tmp_path / "2.cvcsync", passphrase="short")
    assert not (tmp_path / "2.cvcsync").exists()


def test_records_of_a_third_organisation_are_never_relayed(
    sides: Pair, third: Side, tmp_path: Path
) -> None:
    _a, b = sides
    to_a = b.partner
    introduce(b, third)
    c_partner, b.partner = b.partner, to_a
    c_volunteer = third.volunteer(
        first_name="Carys", email="carys@example.org", phone="07712 900888"
    )
    b.take(third.export(tmp_path / "c.cvcsync"))
    assert b.services.volunteers.get(c_volunteer.uuid).first_name == "Carys"
    assert c_partner != b.partner
    path = b.export(tmp_path / "b.cvcsync")
    assert b"Carys" not in b"".join(members(path).values())


def test_partner_list_shows_the_last_exchange_both_ways(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    b.take(a.export(tmp_path / "1.cvcsync"))
    [info] = b.services.partners.list()
    assert info.last_import_at is not None and info.last_export_at is None
    [info] = a.services.partners.list()
    assert info.last_export_at is not None and info.last_import_at is None


def test_a_file_from_an_unknown_database_or_a_missing_file_is_refused(
    sides: Pair, tmp_path: Path
) -> None:
    a, _b = sides
    with pytest.raises(SyncFileError, match="no file"):
        a.services.sync.import_file(tmp_path / "nothing.cvcsync")
    with pytest.raises(CvcError, match="No partner"):
        a.services.sync.export("Nobody", tmp_path / "x.cvcsync")


def test_consent_is_needed_even_when_the_volunteer_was_entered_with_consent_later(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    v = a.volunteer(consent_share=False, consent_method=None)
    b.take(a.export(tmp_path / "1.cvcsync"))
    assert b.services.volunteers.count() == 0
    a.services.volunteers.update(
        v.uuid, dataclasses.replace(v, consent_share=True, consent_method=ConsentMethod.PHONE)
    )
    b.take(a.export(tmp_path / "2.cvcsync"))
    assert b.services.volunteers.get(v.uuid).first_name == "Gwenllian"
