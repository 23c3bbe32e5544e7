"""Organisation identity and keys, trusting partners, share profiles and the fields that leave,
and the keyed hashes of pseudonymised volunteers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from test_sync_helpers import Side, make_side, third_side, two_sides

from cvcdesk.domain.errors import NotFoundError, ValidationError
from cvcdesk.domain.syncformat import (
    SharingProfile,
    SyncFileError,
    VolunteerSharing,
    fingerprint,
)
from cvcdesk.services.identity import load_keys, partnership_key
from cvcdesk.services.partners import fields_leaving
from cvcdesk.services.registry import Services
from cvcdesk.services.sync_records import pseudonym_keys
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


def test_the_key_pair_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "cvc.db"
    services = Services.open(path)
    first = services.identity.identity()
    again = services.identity.identity()
    services.close()
    reopened = Services.open(path)
    assert reopened.identity.identity().fingerprint == first.fingerprint == again.fingerprint
    assert first.fingerprint == fingerprint(first.signing_key)
    assert len(first.fingerprint.split()) == 8
    reopened.close()


def test_the_identity_file_needs_a_group_and_holds_no_secret(tmp_path: Path) -> None:
    services = Services.open(tmp_path / "cvc.db")
    with pytest.raises(NotFoundError, match="which group"):
        services.identity.write_identity(tmp_path / "id.json")
    assert not (tmp_path / "id.json").exists()
    with pytest.raises(NotFoundError, match="No group"):
        services.identity.write_identity(tmp_path / "id.json", organisation="Nobody")
    side_a = make_side(tmp_path / "a", "Ceredigion CVC", "SY23 1AB", area="SY23")
    document = json.loads(side_a.identity_file.read_text())
    assert document["organisation"]["name_en"] == "Ceredigion CVC"
    assert document["fingerprint"] == side_a.services.identity.identity().fingerprint
    with side_a.services.database.session_factory() as session:
        keys = load_keys(session)
        secret = keys.signing.private_bytes_raw()
    text = side_a.identity_file.read_bytes()
    assert secret.hex().encode() not in text and secret not in text
    import base64

    assert base64.b64encode(secret) not in text
    services.close()
    side_a.services.close()


def test_adding_a_partner_trusts_its_key_and_shows_the_fingerprint(sides: Pair) -> None:
    a, b = sides
    [info] = a.services.partners.list()
    assert info.name == "Haverfordwest Mutual Aid"
    assert info.fingerprint == b.services.identity.identity().fingerprint
    assert info.instance_uuid == b.services.database.instance_uuid
    assert info.organisation_uuid == b.group.uuid
    assert a.services.partners.get(info.name.upper()) == info
    assert a.services.partners.get(info.uuid) == info
    # Adding the same identity again only refreshes it.
    again = a.services.partners.add(b.identity_file)
    assert again.uuid == info.uuid
    assert len(a.services.partners.list()) == 1


def test_a_partners_own_identity_a_changed_file_and_a_new_key_are_refused(
    sides: Pair, third: Side, tmp_path: Path
) -> None:
    a, b = sides
    with pytest.raises(SyncFileError, match="own identity"):
        a.services.partners.add(a.identity_file)
    document = json.loads(b.identity_file.read_text())
    document["organisation"]["name_en"] = "Someone Else"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    with pytest.raises(SyncFileError, match="changed after it was written"):
        a.services.partners.add(changed)
    # A file whose parts were swapped in from another identity fails its own signature.
    other = json.loads(third.identity_file.read_text())
    other["instance"] = document["instance"]
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(other))
    with pytest.raises(SyncFileError, match="changed after it was written"):
        a.services.partners.add(forged)
    # The same database presenting a new key is refused until the partner is removed.
    with b.services.database.session_factory.begin() as session:
        session.execute(update(m.Instance).values(private_key=None))
    b.services.identity.write_identity(tmp_path / "new-key.json")
    with pytest.raises(SyncFileError, match="different key"):
        a.services.partners.add(tmp_path / "new-key.json")
    with pytest.raises(SyncFileError, match="not a cvcdesk identity"):
        a.services.partners.add(a.path)
    with pytest.raises(SyncFileError, match="no file"):
        a.services.partners.add(tmp_path / "missing.json")
    assert len(a.services.partners.list()) == 1


def test_two_partners_cannot_share_a_name(sides: Pair, third: Side) -> None:
    a, _b = sides
    with pytest.raises(ValidationError, match="already called"):
        a.services.partners.add(third.identity_file, name="Haverfordwest Mutual Aid")
    assert a.services.partners.add(third.identity_file, name="Foodbank").name == "Foodbank"


def test_a_new_partner_gets_no_volunteers_until_the_profile_says_so(
    sides: Pair, third: Side
) -> None:
    a, _b = sides
    info = a.services.partners.add(third.identity_file)
    assert info.profile == SharingProfile()
    assert info.profile.volunteers == VolunteerSharing.NONE
    leaving = {item.record_type for item in a.services.partners.fields_leaving(info.name)}
    assert leaving == {"organisation", "coverage", "activity", "shift", "alert_decision"}


def test_changing_the_profile_makes_the_next_export_full(sides: Pair, tmp_path: Path) -> None:
    a, _b = sides
    a.services.sync.export(a.partner, tmp_path / "1.cvcsync")
    assert a.services.partners.get(a.partner).last_export_clock
    profile = SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    info = a.services.partners.set_profile(a.partner, profile)
    assert info.profile == profile
    assert info.last_export_clock == ""
    assert a.services.sync.preview_export(a.partner).full


def test_the_export_preview_lists_exactly_which_fields_leave() -> None:
    full = {
        i.record_type: i for i in fields_leaving(SharingProfile(volunteers=VolunteerSharing.FULL))
    }
    volunteer = [name for name, _label in full["volunteer"].fields]
    for kept_home in ("notes", "emergency_contact_name", "emergency_contact_phone",
                      "dbs_certificate_number", "search_text"):  # fmt: skip
        assert kept_home not in volunteer
    assert {"first_name", "phone", "email", "skills", "availability"} <= set(volunteer)
    assert "consented" in full["volunteer"].note
    pseudo = fields_leaving(SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED))
    [item] = [i for i in pseudo if i.record_type == "volunteer_pseudonym"]
    names = [name for name, _label in item.fields]
    assert names == [
        "uuid", "origin", "changed_at", "deleted", "replaced_by", "district", "skills",
        "availability", "email_hash", "phone_hash", "name_hash",
    ]  # fmt: skip
    assert not any(i.record_type == "volunteer" for i in pseudo)
    labels = dict(item.fields)
    assert labels["district"] == "Postcode district"
    households = fields_leaving(SharingProfile(households=True))
    [house] = [i for i in households if i.record_type == "household"]
    assert "house" not in [name for name, _label in house.fields]
    assert (
        fields_leaving(SharingProfile(organisations=False, activities=False, alert_decisions=False))
        == []
    )


def test_profiles_survive_a_round_trip_through_json() -> None:
    profile = SharingProfile(households=True, volunteers=VolunteerSharing.FULL)
    assert SharingProfile.from_json(profile.to_json()) == profile
    assert SharingProfile.from_json("nonsense") == SharingProfile()
    assert (
        SharingProfile.from_json({"volunteers": "everything"}).volunteers == VolunteerSharing.NONE
    )


def test_both_partners_derive_the_same_partnership_key_and_no_one_else_does(
    sides: Pair, third: Side
) -> None:
    a, b = sides

    def keys(side: Side):  # type: ignore[no-untyped-def]
        with side.services.database.session_factory() as session:
            return load_keys(session)

    ka, kb, kc = keys(a), keys(b), keys(third)
    ia, ib, ic = (s.services.database.instance_uuid for s in (a, b, third))
    ab = partnership_key(ka, kb.agreement_public, ia, ib)
    assert ab == partnership_key(kb, ka.agreement_public, ib, ia)
    assert ab != partnership_key(kc, ka.agreement_public, ic, ia)
    assert len(ab) == 32


def test_pseudonym_hashes_match_the_same_person_only_under_the_same_key() -> None:
    key, other_key = b"k" * 32, b"o" * 32
    one = pseudonym_keys(
        key,
        email="Sian@Example.org ",
        phone="+44 7712 345678",
        first_name="Siân",
        last_name="Prydderch",
        date_of_birth=dt.date(1980, 5, 17),
    )
    same = pseudonym_keys(
        key,
        email="sian@example.org",
        phone="+447712345678",
        first_name="SIAN",
        last_name="prydderch",
        date_of_birth="1980-05-17",
    )
    assert one == same
    assert len(one.email) == 64 and one.email != one.phone != one.name
    elsewhere = pseudonym_keys(
        other_key,
        email="sian@example.org",
        phone="+447712345678",
        first_name="Sian",
        last_name="Prydderch",
        date_of_birth=dt.date(1980, 5, 17),
    )
    assert {one.email, one.phone, one.name}.isdisjoint(
        {elsewhere.email, elsewhere.phone, elsewhere.name}
    )
    no_birthday = pseudonym_keys(
        key, email="", phone="", first_name="Sian", last_name="Prydderch", date_of_birth=None
    )
    assert no_birthday.name == no_birthday.email == no_birthday.phone == ""


def test_removing_a_partner_drops_its_pseudonyms_and_open_conflicts(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    a.services.partners.set_profile(
        a.partner, SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    )
    a.volunteer()
    b.take(a.export(tmp_path / "1.cvcsync"))
    assert b.services.partners.get(b.partner).pseudonymised_volunteers == 1
    b.services.partners.remove(b.partner)
    assert b.services.partners.list() == []
    with pytest.raises(NotFoundError, match="No partner"):
        b.services.partners.get(a.group.name_en)
