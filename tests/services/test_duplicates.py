"""Duplicate volunteers and groups: found on the demo's known duplicates, explained, and never
families or namesakes on that alone."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, text

from cvcdesk.domain.alerts import Finding
from cvcdesk.domain.enums import AlertKind
from cvcdesk.domain.organisation import OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.i18n import use_language
from cvcdesk.services import duplicates
from cvcdesk.services.base import Cancelled
from cvcdesk.services.demo import DemoService
from cvcdesk.services.duplicates import (
    DEFAULT_ORGANISATION_THRESHOLD,
    DEFAULT_VOLUNTEER_THRESHOLD,
    ORGANISATION_REASONS,
    VOLUNTEER_REASONS,
    bits_of,
    find_duplicate_organisations,
    find_duplicate_volunteers,
    score_of,
)
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database, open_database

MakeVolunteer = Callable[..., VolunteerRecord]
# For tests of the database's part of a scan, run on the test server too when it is there.
both_backends = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
MakeOrganisation = Callable[..., OrganisationRecord]
TODAY = dt.date(2026, 3, 2)
DEMO_VOLUNTEERS = 10_000
DEMO_GROUPS = 30


@dataclass(frozen=True)
class Demo:
    database: Database
    findings: list[Finding]  # full scan at a low threshold, to look below the default too
    true_pairs: set[tuple[str, str]]
    variation: dict[tuple[str, str], str]


def pair(finding: Finding) -> tuple[str, str]:
    a, b = sorted(ref.uuid for ref in finding.records)
    return a, b


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("duplicates")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CVCDESK_DATA_DIR", str(folder / "user-data"))
        database = open_database(folder / "demo.db")
        DemoService(database, actor="tester").generate(
            volunteers=DEMO_VOLUNTEERS, groups=DEMO_GROUPS, seed=1, today=TODAY
        )
        with database.engine.connect() as connection:
            truth = list(
                connection.execute(
                    text("SELECT duplicate_uuid, original_uuid, variation FROM demo_duplicate")
                )
            )
        # The generator may register one person several times: every two records of one
        # person are a true pair, whichever was the original.
        people: dict[str, set[str]] = {}
        variation: dict[tuple[str, str], str] = {}
        for duplicate, original, kind in truth:
            people.setdefault(original, {original}).add(duplicate)
            a, b = sorted((duplicate, original))
            variation[a, b] = kind
        true_pairs = {
            (a, b)
            for records in people.values()
            for a, b in itertools.combinations(sorted(records), 2)
        }
        with database.session_factory() as session:
            findings = find_duplicate_volunteers(session, threshold=0.05)
        yield Demo(database, findings, true_pairs, variation)
        database.close()


def flagged(findings: list[Finding], threshold: float = DEFAULT_VOLUNTEER_THRESHOLD) -> set[Any]:
    return {pair(f) for f in findings if f.score >= threshold}


# -- quality on the demo ---------------------------------------------------------------------


def test_demo_duplicates_are_found_with_high_precision_and_recall(demo: Demo) -> None:
    found = flagged(demo.findings)
    hits = found & demo.true_pairs
    precision = len(hits) / len(found)
    recall = len(hits) / len(demo.true_pairs)
    missed = sorted({demo.variation.get(p, "chain") for p in demo.true_pairs - found})
    wrong = len(found - demo.true_pairs)
    print(f"precision {precision:.4f} recall {recall:.4f} ({wrong} wrong, missed: {missed})")
    assert len(demo.true_pairs) >= int(DEMO_VOLUNTEERS * 0.03)
    assert precision >= 0.99
    assert recall >= 0.98


def test_every_kind_of_variation_is_found(demo: Demo) -> None:
    found = flagged(demo.findings)
    kinds = {kind for p, v in demo.variation.items() if p in found for kind in v.split("+")}
    assert kinds >= {"nickname", "typo", "other_phone", "swapped_names", "missing_email"}


def test_demo_families_are_not_flagged(demo: Demo) -> None:
    # Relatives the generator put at one address: same surname, landline, often e-mail.
    with demo.database.engine.connect() as connection:
        families = {
            tuple(sorted(row))
            for row in connection.execute(
                text(
                    "SELECT a.uuid, b.uuid FROM volunteer a JOIN volunteer b "
                    "ON a.phone = b.phone AND a.postcode = b.postcode "
                    "AND a.last_name = b.last_name AND a.first_name != b.first_name "
                    "AND a.id < b.id"
                )
            )
        }
    families -= demo.true_pairs
    assert len(families) >= 20
    assert not families & flagged(demo.findings)


def test_demo_namesakes_in_one_town_are_not_flagged(demo: Demo) -> None:
    with demo.database.engine.connect() as connection:
        namesakes = {
            tuple(sorted(row))
            for row in connection.execute(
                text(
                    "SELECT a.uuid, b.uuid FROM volunteer a JOIN volunteer b "
                    "ON a.first_name = b.first_name AND a.last_name = b.last_name "
                    "AND a.town = b.town AND a.id < b.id "
                    "AND a.date_of_birth != b.date_of_birth"
                )
            )
        }
    namesakes -= demo.true_pairs
    assert len(namesakes) >= 100
    assert not namesakes & flagged(demo.findings)


def test_findings_explain_themselves(demo: Demo) -> None:
    registered = set(VOLUNTEER_REASONS)
    for finding in demo.findings:
        assert finding.kind is AlertKind.DUPLICATE_VOLUNTEER
        assert [ref.record_type for ref in finding.records] == ["volunteer", "volunteer"]
        assert 0.0 <= finding.score <= 1.0
        assert finding.reasons
        for reason in finding.reasons:
            assert reason.code in registered
            sentence = reason.text()
            assert sentence != reason.code and "{" not in sentence
        # The weights are the whole of the evidence: they add up to the score.
        total = sum(reason.weight for reason in finding.reasons)
        assert score_of(total) == pytest.approx(finding.score, abs=1e-3)


def test_reasons_read_in_welsh_too(demo: Demo) -> None:
    finding = max(demo.findings, key=lambda f: f.score)
    with use_language("cy"):
        sentences = [reason.text() for reason in finding.reasons]
    assert all(sentences) and not any("{" in s for s in sentences)


def test_an_incremental_scan_equals_the_full_scan_for_those_records(demo: Demo) -> None:
    with demo.database.engine.connect() as connection:
        uuids = [row[0] for row in connection.execute(text("SELECT uuid FROM volunteer"))]
    rng = random.Random(4)
    changed = set(rng.sample(uuids, 300))
    # Make sure some true duplicates and some families are among the changed records.
    changed.update(a for a, _b in itertools.islice(sorted(demo.true_pairs), 0, 40))
    with demo.database.session_factory() as session:
        incremental = find_duplicate_volunteers(session, only=changed, threshold=0.05)
    expected = [f for f in demo.findings if {r.uuid for r in f.records} & changed]
    assert len(expected) >= 40
    assert sorted(incremental, key=lambda f: f.pair_key) == sorted(
        expected, key=lambda f: f.pair_key
    )


def test_many_changed_records_are_scanned_the_same_way(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past a limit an incremental scan reads every record instead of naming them in a query.
    monkeypatch.setattr(duplicates, "_NEARBY_LIMIT", 10)
    changed = {uuid for f in demo.findings[:30] for uuid in (f.records[0].uuid,)}
    with demo.database.session_factory() as session:
        incremental = find_duplicate_volunteers(session, only=changed, threshold=0.05)
    expected = [f for f in demo.findings if {r.uuid for r in f.records} & changed]
    assert sorted(incremental, key=lambda f: f.pair_key) == sorted(
        expected, key=lambda f: f.pair_key
    )


def test_namesakes_looked_up_in_several_queries_give_the_same_findings(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The changed records' namesakes are looked up so many given names per query.
    monkeypatch.setattr(duplicates, "_NAMES_PER_QUERY", 3)
    changed = {f.records[1].uuid for f in demo.findings[:60]}
    with demo.database.session_factory() as session:
        incremental = find_duplicate_volunteers(session, only=changed, threshold=0.05)
    expected = [f for f in demo.findings if {r.uuid for r in f.records} & changed]
    assert sorted(incremental, key=lambda f: f.pair_key) == sorted(
        expected, key=lambda f: f.pair_key
    )


def test_an_incremental_scan_reads_indexes_not_the_whole_table(demo: Demo) -> None:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    engine = demo.database.engine
    changed = {f.records[0].uuid for f in demo.findings[:50]}
    event.listen(engine, "before_cursor_execute", record)
    try:
        with demo.database.session_factory() as session:
            find_duplicate_volunteers(session, only=changed)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            for line in (row[3] for row in plan):
                # Counting live records per name reads the names index alone.
                if line.startswith("SCAN volunteer"):
                    assert "COVERING INDEX ix_volunteer_names" in line, (line, statement)


def test_incremental_scan_of_nothing_finds_nothing(demo: Demo) -> None:
    with demo.database.session_factory() as session:
        assert find_duplicate_volunteers(session, only=[]) == []
        assert find_duplicate_volunteers(session, only=["no-such-uuid"]) == []


def test_a_higher_threshold_reports_fewer(demo: Demo) -> None:
    with demo.database.session_factory() as session:
        default = find_duplicate_volunteers(session)
        strict = find_duplicate_volunteers(session, threshold=0.99)
    assert {pair(f) for f in default} == flagged(demo.findings)
    assert len(strict) < len(default)
    assert all(f.score >= 0.99 for f in strict)
    assert default == sorted(default, key=lambda f: (-f.score, f.pair_key))


def test_progress_and_cancel(demo: Demo) -> None:
    seen: list[tuple[int, int]] = []
    with demo.database.session_factory() as session:
        find_duplicate_volunteers(session, progress=lambda done, total: seen.append((done, total)))
        assert seen[-1][0] == seen[-1][1] > 0
        assert [done for done, _total in seen] == sorted(done for done, _total in seen)
        calls: list[int] = []

        def cancel() -> bool:
            calls.append(1)
            return len(calls) > 3

        with pytest.raises(Cancelled):
            find_duplicate_volunteers(session, cancel=cancel)


def test_scores_and_bits_are_inverse() -> None:
    assert bits_of(DEFAULT_VOLUNTEER_THRESHOLD) == pytest.approx(12.0, abs=0.05)
    for bits in (-10.0, 0.0, 7.5, 12.0, 25.0):
        assert bits_of(score_of(bits)) == pytest.approx(bits, abs=1e-6)
    assert DEFAULT_ORGANISATION_THRESHOLD == DEFAULT_VOLUNTEER_THRESHOLD == 0.8


# -- people made by hand -----------------------------------------------------------------------


def scan(db: Database, **options: Any) -> list[Finding]:
    with db.session_factory() as session:
        return find_duplicate_volunteers(session, **options)


def codes(finding: Finding) -> set[str]:
    return {reason.code for reason in finding.reasons}


def texts(finding: Finding) -> list[str]:
    return [reason.text() for reason in finding.reasons]


def only_pair(db: Database, a: VolunteerRecord, b: VolunteerRecord) -> Finding:
    findings = [f for f in scan(db) if {r.uuid for r in f.records} == {a.uuid, b.uuid}]
    assert len(findings) == 1, "expected the pair to be flagged"
    return findings[0]


def home(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "address": "12 Heol y Dŵr",
        "postcode": "SA61 2AB",
        "town": "Haverfordwest",
    }
    values.update(overrides)
    return values


def test_a_family_sharing_landline_email_and_address_is_not_flagged(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    family = dict(home(), phone="01437 765432", email="teulu.jones@example.org", last_name="Jones")
    make_volunteer(first_name="Gareth", date_of_birth=dt.date(1961, 5, 2), **family)
    make_volunteer(first_name="Siân", date_of_birth=dt.date(1963, 8, 19), **family)
    make_volunteer(first_name="Owain", date_of_birth=dt.date(1994, 1, 7), **family)
    assert scan(db) == []


def test_father_and_son_with_variants_of_one_name_are_not_flagged(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    family = dict(home(), phone="01437 765432", email="davies.home@example.org")
    make_volunteer(
        first_name="David", last_name="Davies", date_of_birth=dt.date(1950, 3, 1), **family
    )
    make_volunteer(
        first_name="Dafydd", last_name="Davies", date_of_birth=dt.date(1979, 6, 9), **family
    )
    assert scan(db) == []


def test_twins_are_not_flagged(db: Database, make_volunteer: MakeVolunteer) -> None:
    twins = dict(
        home(), phone="01437 765432", last_name="Cadwaladr", date_of_birth=dt.date(2001, 4, 4)
    )
    make_volunteer(first_name="Rhys", **twins)
    make_volunteer(first_name="Rhian", **twins)
    assert scan(db) == []


def test_namesakes_in_one_town_are_not_flagged(db: Database, make_volunteer: MakeVolunteer) -> None:
    town = {"first_name": "Dafydd", "last_name": "Jones", "town": "Haverfordwest"}
    make_volunteer(postcode="SA61 1AB", date_of_birth=dt.date(1958, 2, 3), **town)
    make_volunteer(postcode="SA61 2DE", date_of_birth=dt.date(1987, 11, 23), **town)
    # Without dates of birth, and with nothing to reach them by in common, too.
    make_volunteer(postcode="SA61 3FG", **town)
    make_volunteer(postcode="SA61 4HJ", **town)
    assert scan(db) == []


def test_a_nickname_with_the_same_mobile_is_flagged_and_explained(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    a = make_volunteer(first_name="Dafydd", last_name="Pritchard", phone="07712 345678", **home())
    b = make_volunteer(first_name="Dai", last_name="Pritchard", phone="+44 7712 345678", **home())
    finding = only_pair(db, a, b)
    assert finding.kind is AlertKind.DUPLICATE_VOLUNTEER
    assert finding.score >= DEFAULT_VOLUNTEER_THRESHOLD
    sentences = texts(finding)
    assert "First names Dafydd and Dai are the same name (variant)" in sentences
    assert "Same mobile number 07712 345678" in sentences
    assert "Same address 12 Heol y Dŵr, SA61 2AB" in sentences
    assert "Different e-mail addresses" in sentences  # the factory gives each their own


def test_patronymic_surnames_and_a_shared_email_are_flagged(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    born = dt.date(1972, 10, 28)
    a = make_volunteer(
        first_name="Siân", last_name="ap Rhys", email="sian@example.cymru", date_of_birth=born
    )
    b = make_volunteer(
        first_name="Jane",
        last_name="Price",
        email="sian@example.cymru",
        date_of_birth=born,
        postcode="SA62 5XY",
    )
    finding = only_pair(db, a, b)
    assert {"dup.first.variant", "dup.last.patronymic", "dup.birth.same"} <= codes(finding)
    assert "Surnames ap Rhys and Price are the same patronymic" in texts(finding)
    assert "Same date of birth 1972-10-28" in texts(finding)


def test_a_mutated_first_name_is_flagged(db: Database, make_volunteer: MakeVolunteer) -> None:
    born = dt.date(1990, 2, 20)
    a = make_volunteer(first_name="Bethan", last_name="Morgan", date_of_birth=born, **home())
    b = make_volunteer(first_name="Fethan", last_name="Morgan", date_of_birth=born, **home())
    finding = only_pair(db, a, b)
    assert "First names Bethan and Fethan are the same name (Welsh mutation)" in texts(finding)


def test_swapped_names_and_a_surname_slip_are_flagged(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    born = dt.date(1966, 2, 6)
    a = make_volunteer(first_name="Gethin", last_name="Kowalski", date_of_birth=born, **home())
    b = make_volunteer(first_name="Kwoalski", last_name="Gethin", date_of_birth=born, **home())
    finding = only_pair(db, a, b)
    assert "dup.names.swapped" in codes(finding)
    assert any(s.startswith("Surnames Kowalski ≈ Kwoalski (") for s in texts(finding))


def test_evidence_against_is_listed_too(db: Database, make_volunteer: MakeVolunteer) -> None:
    born = dt.date(1981, 7, 14)
    a = make_volunteer(first_name="Llinos", last_name="Humphreys", date_of_birth=born, **home())
    b = make_volunteer(first_name="Llinos", last_name="Humphreys", date_of_birth=born, **home())
    finding = only_pair(db, a, b)
    assert "dup.phone.different" in codes(finding)  # the factory gives each a new mobile
    assert any(reason.weight < 0 for reason in finding.reasons)


def test_deleted_records_are_skipped(
    db: Database, make_volunteer: MakeVolunteer, volunteers: VolunteerService
) -> None:
    born = dt.date(1975, 5, 5)
    a = make_volunteer(first_name="Tomos", last_name="Parry", date_of_birth=born, **home())
    b = make_volunteer(first_name="Twm", last_name="Parry", date_of_birth=born, **home())
    assert len(scan(db)) == 1
    volunteers.delete(b.uuid)
    assert scan(db) == []
    assert scan(db, only=[a.uuid, b.uuid]) == []


def test_an_incremental_scan_compares_with_unchanged_records(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    born = dt.date(1948, 12, 1)
    a = make_volunteer(first_name="Gwilym", last_name="Lloyd", date_of_birth=born, **home())
    b = make_volunteer(first_name="William", last_name="Lloyd", date_of_birth=born, **home())
    make_volunteer(first_name="Nia", last_name="Lloyd", date_of_birth=dt.date(1950, 1, 1), **home())
    full = scan(db)
    assert len(full) == 1
    assert scan(db, only=[b.uuid]) == full
    assert scan(db, only=[a.uuid]) == full


@both_backends
def test_an_address_stored_with_capitals_meets_its_lower_case_form(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    # Only the e-mail address leads from one to the other: no phone, postcode district or
    # date of birth in common.
    a = make_volunteer(
        first_name="Siân", last_name="Evans", email="Sian.Evans@Example.org", postcode="SA61 2AB"
    )
    b = make_volunteer(
        first_name="Sian", last_name="Evans", email="sian.evans@example.org", postcode="CF10 1AA"
    )
    assert a.email == "Sian.Evans@example.org"  # the domain is normalised, the rest kept
    full = scan(db, threshold=0.05)
    assert [{r.uuid for r in f.records} for f in full] == [{a.uuid, b.uuid}]
    assert "dup.email.same" in codes(full[0])
    assert scan(db, only=[a.uuid], threshold=0.05) == full
    assert scan(db, only=[b.uuid], threshold=0.05) == full


@both_backends
def test_an_incremental_scan_finds_namesakes_in_the_district(
    db: Database, make_volunteer: MakeVolunteer
) -> None:
    # Only the names (a variant of the given name) and the postcode district are shared: so
    # little that the pair is shown only when every score is.
    lowest = 1e-9
    a = make_volunteer(first_name="Gwilym", last_name="Lloyd", postcode="SA61 1AB")
    b = make_volunteer(first_name="William", last_name="Lloyd", postcode="SA61 2XY")
    make_volunteer(first_name="William", last_name="Lloyd", postcode="CF10 1AA")
    full = scan(db, threshold=lowest)
    assert [{r.uuid for r in f.records} for f in full] == [{a.uuid, b.uuid}]
    assert scan(db, only=[a.uuid], threshold=lowest) == full
    assert scan(db, only=[b.uuid], threshold=lowest) == full


# -- groups --------------------------------------------------------------------------------------


def scan_groups(db: Database, **options: Any) -> list[Finding]:
    with db.session_factory() as session:
        return find_duplicate_organisations(session, **options)


def test_the_same_group_spelt_two_ways_is_flagged(
    db: Database, make_organisation: MakeOrganisation
) -> None:
    a = make_organisation(name_en="Aberystwyth Food Bank", name_cy="", postcode="SY23 1AB")
    b = make_organisation(name_en="Aberystwyth Foodbank", name_cy="", postcode="SY23 1AB")
    c = make_organisation(name_en="Aberystwyth Mutual Aid", name_cy="", postcode="SY23 1AB")
    make_organisation(name_en="Aberystwyth Food Bank (SY23)", name_cy="", postcode="SY23 4XY")
    findings = scan_groups(db)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.kind is AlertKind.DUPLICATE_ORGANISATION
    assert {ref.uuid for ref in finding.records} == {a.uuid, b.uuid}
    assert [ref.record_type for ref in finding.records] == ["organisation", "organisation"]
    sentences = [reason.text() for reason in finding.reasons]
    assert (
        "Names Aberystwyth Food Bank and Aberystwyth Foodbank differ only in spacing or "
        "punctuation" in sentences
    )
    assert "Same postcode SY23 1AB" in sentences
    assert {r.code for r in finding.reasons} <= set(ORGANISATION_REASONS)
    assert finding.score >= DEFAULT_ORGANISATION_THRESHOLD
    assert scan_groups(db, only=[b.uuid]) == findings
    assert scan_groups(db, only=[c.uuid]) == []
    assert len(scan_groups(db, threshold=0.01)) > 1


def test_a_group_entered_in_welsh_meets_its_english_record(
    db: Database, make_organisation: MakeOrganisation
) -> None:
    a = make_organisation(
        name_en="Tenby Food Bank",
        name_cy="Banc Bwyd Dinbych-y-pysgod",
        postcode="SA70 7AB",
        charity_number="1123456",
    )
    b = make_organisation(
        name_en="Banc Bwyd Dinbych y Pysgod",
        name_cy="",
        postcode="SA70 8DW",
        charity_number="1123456",
    )
    findings = scan_groups(db)
    assert [{r.uuid for r in f.records} for f in findings] == [{a.uuid, b.uuid}]
    assert "Same charity number 1123456" in [reason.text() for reason in findings[0].reasons]


def test_different_charity_numbers_keep_groups_apart(
    db: Database, make_organisation: MakeOrganisation
) -> None:
    make_organisation(
        name_en="Friends of Tenby", name_cy="", postcode="SA70 7AB", charity_number="1000001"
    )
    make_organisation(
        name_en="Friends of Tenby", name_cy="", postcode="SA70 7AB", charity_number="1000002"
    )
    assert scan_groups(db) == []


def test_demo_groups_are_not_flagged(demo: Demo) -> None:
    with demo.database.session_factory() as session:
        assert find_duplicate_organisations(session) == []


def test_organisations_service_records_are_used_as_stored(
    db: Database, organisations: OrganisationService, make_organisation: MakeOrganisation
) -> None:
    a = make_organisation(
        name_en="Cwmbran Good Neighbours", name_cy="", postcode="NP44 1AA", phone="01633 123456"
    )
    b = make_organisation(
        name_en="Cwmbrân Good Neighbours", name_cy="", postcode="NP44 2BB", phone="01633123456"
    )
    assert [{r.uuid for r in f.records} for f in scan_groups(db)] == [{a.uuid, b.uuid}]
    organisations.delete(b.uuid)
    assert scan_groups(db) == []


# ---- the quicker blocking gives exactly the blocks' pairs -----------------------------------


def crowded_people(count: int, seed: int) -> list[Any]:
    """Volunteers drawn from few names, postcodes, birthdays and phones, so that many groups
    are larger than the block cap and are compared by sorted neighbourhood."""
    rng = random.Random(seed)
    firsts = ["Dafydd", "David", "Dai", "Siân", "Sian", "Jane", "Rhys", "Rees", "Gareth", "", "D"]
    lasts = ["Jones", "Davies", "ap Rhys", "Price", "Evans", "Williams-Jones", "Rhys", ""]
    postcodes = ["SA61 1AB", "SA61 2CD", "SA62 3EF", "LL55 4GH", ""]
    dates = ["1970-05-01", "1970-01-05", "1985-12-24", "2001-07-07", ""]
    phones = ["+447700900001", "+441437700002", "+447700900003", "", ""]
    prepare = duplicates._Prepare()
    people = []
    for i in range(count):
        first, last = rng.choice(firsts), rng.choice(lasts)
        known_as = rng.choice(["", "", "Dai", "Sian"])
        phone = rng.choice(phones) or (f"+4477009{i:05d}" if rng.random() < 0.5 else "")
        alt = rng.choice(phones) if rng.random() < 0.2 else ""
        email = rng.choice(["", "", "family@example.org", f"p{i}@example.org"])
        values = (
            f"uuid-{i:05d}", first, last, known_as, rng.choice(dates) or None, phone or None,
            alt or None, email or None, rng.choice(postcodes) or None, "",
        )  # fmt: skip
        people.append(prepare.person(values))
    return people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_blocking_gives_the_same_pairs_as_the_blocking_keys(seed: int) -> None:
    people = crowded_people(1500, seed)
    keys = duplicates._volunteer_keys()
    big = {
        len(members)
        for keys_of in keys
        for members in _blocks(people, keys_of).values()
        if len(members) > duplicates._BLOCK_CAP
    }
    assert big, "the data should have blocks over the cap"
    assert duplicates._volunteer_pairs(people, None, None) == duplicates._candidate_pairs(
        people, keys, None, None
    )
    rng = random.Random(seed)
    for size in (1, 10, 200):
        only = set(rng.sample(range(len(people)), size))
        assert duplicates._volunteer_pairs(people, only, None) == duplicates._candidate_pairs(
            people, keys, only, None
        )


def _blocks(people: list[Any], keys_of: Callable[[Any], Any]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = {}
    for i, person in enumerate(people):
        for key in keys_of(person):
            blocks.setdefault(key, []).append(i)
    return blocks


def test_the_quick_look_never_drops_a_pair_the_full_weighing_keeps() -> None:
    """The bound taken before weighing a pair with nothing in common is never below its total."""
    people = crowded_people(600, 4)
    stats = duplicates._NameStats(len(people), collections.Counter(), collections.Counter())
    for a, b in itertools.combinations(people[:300], 2):
        total = duplicates._compare_people(a, b, stats, True).total
        for cutoff in (4.0, 8.0, duplicates.VOLUNTEER_CUTOFF_BITS, 16.0):
            quick = duplicates._compare_people(a, b, stats, False, cutoff).total
            if total >= cutoff:
                assert quick == pytest.approx(total), (a.uuid, b.uuid, cutoff)
            else:
                assert quick < cutoff
