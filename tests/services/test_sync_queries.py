"""What the Partners page asks the services: an identity file read before it is trusted, the last
exchange each way, whether a file needs a passphrase, and how alerts name a partner's
pseudonymised volunteer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_sync_helpers import Side, third_side, two_sides

from cvcdesk.domain.enums import AlertKind
from cvcdesk.domain.syncformat import SharingProfile, SyncFileError, VolunteerSharing
from cvcdesk.services.partners import Exchanges

Pair = tuple[Side, Side]


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[Pair]:
    with two_sides(tmp_path) as pair:
        yield pair


def test_an_identity_file_is_read_without_being_trusted(sides: Pair, tmp_path: Path) -> None:
    a, _b = sides
    with third_side(tmp_path) as c:
        before = {p.name for p in a.services.partners.list()}
        seen = a.services.partners.inspect(c.identity_file)
        assert seen.name_en == "Milford Haven Foodbank"
        assert seen.fingerprint == c.services.identity.identity().fingerprint
        assert {p.name for p in a.services.partners.list()} == before
    with pytest.raises(SyncFileError, match="own identity"):
        a.services.partners.inspect(a.identity_file)
    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    with pytest.raises(SyncFileError):
        a.services.partners.inspect(broken)


def test_the_last_exchange_each_way_with_its_counts(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    partner = a.services.partners.get(a.partner).uuid
    assert a.services.partners.last_exchanges() == {partner: Exchanges(None, None)}
    a.volunteer()
    a.export(tmp_path / "1.cvcsync")
    b.take(tmp_path / "1.cvcsync")
    sent = a.services.partners.last_exchanges()[partner]
    assert sent.last_import is None
    assert sent.last_export is not None
    assert sent.last_export.file == "1.cvcsync"
    assert sent.last_export.counts == {"organisation": 1, "coverage": 1, "volunteer": 1}
    assert sent.last_export.records == 3
    taken = b.services.partners.last_exchanges()[b.services.partners.get(b.partner).uuid]
    assert taken.last_export is None
    assert taken.last_import is not None
    assert taken.last_import.file == "1.cvcsync"
    assert taken.last_import.counts == {"new": 3, "updated": 0, "conflicts": 0, "deletions": 0}
    # A change of share profile is not an export.
    a.services.partners.set_profile(a.partner, SharingProfile())
    again = a.services.partners.last_exchanges()[partner]
    assert again.last_export == sent.last_export


def test_a_protected_file_is_recognised_before_it_is_opened(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    plain = a.export(tmp_path / "plain.cvcsync", full=True)
    locked = a.export(tmp_path / "locked.cvcsync", full=True, passphrase="bara brith a the")
    assert not b.services.sync.needs_passphrase(plain)
    assert b.services.sync.needs_passphrase(locked)
    junk = tmp_path / "junk.cvcsync"
    junk.write_bytes(b"not a zip")
    assert not b.services.sync.needs_passphrase(junk)
    assert not b.services.sync.needs_passphrase(tmp_path / "missing.cvcsync")


def test_alerts_name_a_partners_pseudonymised_volunteer_not_missing(
    sides: Pair, tmp_path: Path
) -> None:
    a, b = sides
    a.services.partners.set_profile(
        a.partner, SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED)
    )
    a.volunteer(email="sian.pm@example.org", postcode="SA62 5XY")
    b.take(a.export(tmp_path / "1.cvcsync"))
    b.volunteer(first_name="Sian", last_name="Morgan", email="sian.pm@example.org")
    b.services.alerts.scan(full=True)
    [alert] = b.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, None, 0, 10)
    shared = next(r for r in alert.records if r.record_type == "partner_volunteer")
    assert not shared.missing
    assert shared.name == "Volunteer shared by Pembrokeshire CVC (pseudonymised, SA62)"
    # Once the partner is removed, its pseudonymised volunteers are gone: shown as such.
    b.services.partners.remove(b.partner)
    [after] = b.services.alerts.list(AlertKind.DUPLICATE_VOLUNTEER, None, 0, 10)
    gone = next(r for r in after.records if r.record_type == "partner_volunteer")
    assert gone.missing
    assert "former partner" in gone.name
