"""The pieces under the sync file: its pure format checks, reading values the quick way, and
the derived columns an import makes, which must match what every other save makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvcdesk.domain.syncformat import (
    FORMAT_VERSION,
    PLAIN_PARTS,
    SharingProfile,
    SyncFileError,
    VolunteerSharing,
    WireRecord,
    check_version,
    clock_instance,
    parse_manifest,
    parse_record,
    part_name_problem,
    record_line,
)
from cvcdesk.domain.validation import display_phone
from cvcdesk.services import sync_records
from cvcdesk.store import models as m
from cvcdesk.store.derived import volunteer_search_text, volunteer_sort_keys

NAME_LETTERS = "abcdefghijklmnopqrstuvwxyzâêîôûŵŷàáèéïÅØßŁłABCDLRTWY -'’.,0123456789"
names = st.text(alphabet=NAME_LETTERS, max_size=24)
UUID = "12345678-1234-4234-8234-123456789012"
CLOCK = "001700000000000-000001-" + UUID


@settings(max_examples=300, deadline=None)
@given(first=names, last=names)
def test_quick_sort_keys_match_the_stores(first: str, last: str) -> None:
    assert sync_records.sort_keys(first, last) == volunteer_sort_keys(first, last)


@pytest.mark.parametrize(
    "number",
    [
        "+447712345678", "+447912000111", "+447112345678", "+447512345678", "+447012345678",
        "+447612345678", "+441437776000", "+442920123456", "+441970612345", "+353861234567",
        "+447400123456", "+448001234567",
    ],
)  # fmt: skip
def test_quick_phone_layout_matches_display_phone(number: str) -> None:
    assert sync_records.national_phone(number) == display_phone(number)


UK_PREFIXES = [
    "113", "114", "115", "116", "117", "118", "121", "131", "141", "151", "161", "191",
    "1437", "1970", "1239", "1348", "1267", "1554", "1792", "1633", "1248", "1286", "1745",
    "13873", "15242", "15394", "16973", "17683", "19467", "1387", "1697", "20", "23", "24",
    "28", "29", "300", "330", "345", "800", "808", "845", "870", "70", "76", "56", "55",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.sampled_from(UK_PREFIXES),
    rest=st.integers(min_value=0, max_value=99_999_999),
    extra=st.integers(min_value=-1, max_value=1),
)
def test_cached_phone_layouts_match_display_phone(prefix: str, rest: int, extra: int) -> None:
    digits = (prefix + f"{rest:08d}")[: 10 + extra]
    number = "+44" + digits
    assert sync_records.national_phone(number) == display_phone(number)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["71", "72", "73", "74", "75", "77", "78", "79"]),
    rest=st.integers(min_value=0, max_value=99_999_999),
    postcode=st.sampled_from(["", "SA61 1AB", "CF10 3NQ", "LL55 4UL"]),
)
def test_quick_search_text_matches_the_stores(prefix: str, rest: int, postcode: str) -> None:
    phone = f"+44{prefix}{rest:08d}"
    assert sync_records.search_text(phone, "", postcode) == volunteer_search_text(
        phone, "", postcode
    )
    assert sync_records.search_text("", phone, postcode) == volunteer_search_text(
        "", phone, postcode
    )


@pytest.mark.parametrize("micro", [0, 500_000])
def test_dates_and_times_read_as_the_iso_form_they_were_saved_with(db: Any, micro: int) -> None:
    starts = dt.datetime(2030, 3, 5, 10, 15, 30, micro)
    with db.session_factory.begin() as session:
        group = m.Organisation(name_en="G", kind="cvc", origin="o", changed_at="c")
        session.add(group)
        session.flush()
        activity = m.Activity(
            organisation_id=group.id,
            title_en="Food run",
            start_date=dt.date(2030, 3, 5),
            start_time=dt.time(10, 15, 30, micro),
            end_time=dt.time(12, 0),
            origin="o",
            changed_at="c",
        )
        session.add(activity)
        session.flush()
        session.add(
            m.Shift(
                activity_id=activity.id,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                origin="o",
                changed_at="c",
            )
        )
    with db.session_factory() as session:
        [shift] = sync_records.read(session, sync_records.TYPES["shift"])
        [read_activity] = sync_records.read(session, sync_records.TYPES["activity"])
    assert shift.fields["starts_at"] == starts.isoformat()
    assert shift.fields["cancelled"] is False
    assert read_activity.fields["start_time"] == dt.time(10, 15, 30, micro).isoformat()
    assert read_activity.fields["start_date"] == "2030-03-05"
    assert read_activity.fields["organisation"] == group.uuid


def test_a_record_line_reads_back_as_itself() -> None:
    record = WireRecord("volunteer", UUID, UUID, CLOCK, False, None, {"first_name": 'Siân "Ŵ"'})
    assert parse_record(record_line(record), 7) == WireRecord(
        "volunteer", UUID, UUID, CLOCK, False, None, {"first_name": 'Siân "Ŵ"'}, 7
    )
    assert clock_instance(CLOCK) == UUID


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"[1, 2]", "not a record"),
        (b'{"type": "volunteer"}', "not a UUID"),
        (b'{"type": "", "uuid": "x"}', "no record type"),
        (
            b'{"type": "volunteer", "uuid": "%s", "origin": "%s", "changed_at": "yesterday"}'
            % (UUID.encode(), UUID.encode()),
            "clock value",
        ),
        (
            b'{"type": "volunteer", "uuid": "%s", "origin": "%s", "changed_at": "%s", '
            b'"deleted": "no"}' % (UUID.encode(), UUID.encode(), CLOCK.encode()),
            "deleted",
        ),
        (
            b'{"type": "volunteer", "uuid": "%s", "origin": "%s", "changed_at": "%s", '
            b'"colour": "red"}' % (UUID.encode(), UUID.encode(), CLOCK.encode()),
            "unknown key",
        ),
    ],
)
def test_record_lines_that_do_not_hold_up_are_refused(line: bytes, words: str) -> None:
    with pytest.raises(SyncFileError, match=words) as caught:
        parse_record(line, 3)
    assert "Line 3" in str(caught.value)


def test_only_the_formats_own_part_names_are_accepted() -> None:
    for name in PLAIN_PARTS:
        assert part_name_problem(name, PLAIN_PARTS) is None
    for name in ("../records.jsonl", "/manifest.json", "a/b", "..", "C:x", ".hidden"):
        assert "unsafe" in str(part_name_problem(name, PLAIN_PARTS))
    assert "does not have" in str(part_name_problem("other.txt", PLAIN_PARTS))


def test_versions_newer_in_major_are_refused_and_in_minor_read() -> None:
    major, minor = FORMAT_VERSION
    check_version({"format": "cvcsync", "version": f"{major}.{minor + 3}"})
    with pytest.raises(SyncFileError, match="newer cvcdesk"):
        check_version({"format": "cvcsync", "version": f"{major + 1}.0"})
    with pytest.raises(SyncFileError, match="does not say"):
        check_version({"format": "cvcsync", "version": 1})
    with pytest.raises(SyncFileError, match="not a cvcdesk sync file"):
        check_version({"format": "zip", "version": "1.0"})
    with pytest.raises(SyncFileError, match="not readable JSON"):
        parse_manifest(b"\xff\xfe")


def test_profiles_send_only_what_they_name() -> None:
    assert SharingProfile(volunteers=VolunteerSharing.NONE).record_types() == (
        "organisation", "coverage", "activity", "shift", "alert_decision",
    )  # fmt: skip
    full = SharingProfile(volunteers=VolunteerSharing.FULL, households=True).record_types()
    assert {"volunteer", "membership", "assignment", "household"} <= set(full)
    assert "volunteer_pseudonym" not in full
    pseudo = SharingProfile(volunteers=VolunteerSharing.PSEUDONYMISED).record_types()
    assert "volunteer_pseudonym" in pseudo and "volunteer" not in pseudo
    assert "assignment" not in pseudo


def test_decoding_checks_each_field_and_names_the_place() -> None:
    rt = sync_records.TYPES["organisation"]
    fields = {"name_en": "Grŵp", "kind": "mutual_aid"}
    good = WireRecord("organisation", UUID, UUID, CLOCK, False, None, fields, 4)
    decoded = sync_records.decode(rt, good)
    assert decoded.fields["name_en"] == "Grŵp" and decoded.fields["website"] == ""
    no_kind = WireRecord("organisation", UUID, UUID, CLOCK, False, None, {"name_en": "G"}, 4)
    with pytest.raises(SyncFileError, match="kind"):
        sync_records.decode(rt, no_kind)
    for fields, words in (
        ({"name_en": 5, "kind": "cvc"}, "not a valid str"),
        ({"name_en": "x" * 201, "kind": "cvc"}, "longer than 200"),
        ({"name_en": "G", "kind": "pirate ship"}, "is not one of"),
        ({"name_en": None, "kind": "cvc"}, "a value is needed"),
    ):
        bad = WireRecord("organisation", UUID, UUID, CLOCK, False, None, fields, 9)
        with pytest.raises(SyncFileError, match=words) as caught:
            sync_records.decode(rt, bad)
        text = str(caught.value)
        assert "Line 9" in text and ("name_en" in text or "kind" in text)
    shift = sync_records.TYPES["shift"]
    when = {"activity": UUID, "starts_at": "2030-03-05T10:00:00", "ends_at": "soon"}
    with pytest.raises(SyncFileError, match="ends_at"):
        sync_records.decode(shift, WireRecord("shift", UUID, UUID, CLOCK, False, None, when, 2))
