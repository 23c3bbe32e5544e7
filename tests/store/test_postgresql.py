"""Several coordinators on one PostgreSQL database: the same app, migrations and services.

The server is the throwaway one tests/conftest.py starts on loopback; without it these tests
are skipped with the reason.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cvcdesk.domain.clock import HybridClock
from cvcdesk.domain.errors import ConflictError, DatabaseError
from cvcdesk.domain.organisation import OrganisationData
from cvcdesk.domain.volunteer import VolunteerData, VolunteerQuery, VolunteerRecord
from cvcdesk.services.alerts import AlertService
from cvcdesk.services.backups import BackupService
from cvcdesk.services.demo import DemoService
from cvcdesk.services.maintenance import MaintenanceService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database, head_revision, open_database

postgresql = pytest.mark.postgresql
both = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=postgresql)], indirect=True
)
# For tests on the server alone that use the `db` fixture.
server_only = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=postgresql)], indirect=True
)


def plain_url(url: str) -> str:
    """The address as a coordinator types it, without naming the driver."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def second(db: Database) -> Iterator[Database]:
    """The same database opened again: a second coordinator's PC."""
    other = open_database(db.url if db.path is None else db.path)
    yield other
    other.close()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`cvcdesk ARGS` run in this process: (exit status, stdout, stderr)."""
    from cvcdesk.cli import main

    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# ---- opening --------------------------------------------------------------------------------


@postgresql
def test_a_postgresql_address_opens_through_the_same_migrations(postgresql_database: str) -> None:
    with open_database(plain_url(postgresql_database)) as db:
        assert db.engine.dialect.name == "postgresql"
        assert db.path is None
        assert not db.is_sqlite
        report = MaintenanceService(db, actor="tester").check()
        assert report.ok, report
        assert report.revision == head_revision()
        with db.engine.connect() as connection:
            tables = set(
                connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).scalars()
            )
        assert {"volunteer", "organisation", "alembic_version", "instance"} <= tables
        assert not {name for name in tables if name.endswith("_fts")}  # SQLite's own index
        first_identity = db.instance_uuid
    with open_database(postgresql_database) as again:
        assert again.instance_uuid == first_identity


@postgresql
def test_coordinators_opening_a_new_database_at_once_share_one_identity(
    postgresql_server: Any,
) -> None:
    url = postgresql_server.create_database("opened_at_once")
    try:
        opened: list[Database] = []
        errors: list[BaseException] = []
        start = threading.Barrier(3)

        def open_it() -> None:
            start.wait()
            try:
                opened.append(open_database(url))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert len({db.instance_uuid for db in opened}) == 1
        rows = postgresql_server.execute("SELECT count(*) FROM instance", database="opened_at_once")
        assert rows == [(1,)]
        for db in opened:
            db.close()
    finally:
        postgresql_server.drop_database("opened_at_once")


@postgresql
def test_a_database_sorting_by_language_rules_is_refused_clearly(postgresql_server: Any) -> None:
    url = postgresql_server.create_database(
        "sorted_by_language", options="LOCALE_PROVIDER = icu ICU_LOCALE = 'en-GB'"
    )
    try:
        with pytest.raises(DatabaseError) as caught:
            open_database(url)
        message = str(caught.value)
        assert "sorted_by_language" in message
        assert "createdb --template=template0 --locale=C.UTF-8" in message
        assert "\n" not in message
        # Nothing was created in it.
        tables = postgresql_server.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            database="sorted_by_language",
        )
        assert tables == [(0,)]
    finally:
        postgresql_server.drop_database("sorted_by_language")


@postgresql
def test_a_database_from_a_newer_cvcdesk_is_refused(
    postgresql_server: Any, postgresql_database: str
) -> None:
    open_database(postgresql_database).close()
    name = postgresql_database.rsplit("/", 1)[1]
    postgresql_server.execute("UPDATE alembic_version SET version_num = '9999'", database=name)
    with pytest.raises(DatabaseError) as caught:
        open_database(postgresql_database)
    assert "newer version" in str(caught.value)


def test_an_unreachable_server_and_a_missing_driver_get_one_clear_line() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql://cvcdesk@127.0.0.1:1/cvcdesk")
    assert str(caught.value).startswith("Cannot open the database server:")
    assert "\n" not in str(caught.value)
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql+pg8000://cvcdesk@127.0.0.1:1/cvcdesk")
    assert "“pg8000” is not installed" in str(caught.value)


# ---- two coordinators editing ---------------------------------------------------------------


def _data(record: VolunteerRecord, **changes: Any) -> VolunteerData:
    values = {name: getattr(record, name) for name in VolunteerData.__dataclass_fields__}
    values.update(changes)
    return VolunteerData(**values)


@both
def test_the_second_save_of_the_same_record_is_refused_and_nothing_is_lost(
    db: Database, second: Database
) -> None:
    mine, theirs = VolunteerService(db, actor="ceri"), VolunteerService(second, actor="dewi")
    created = mine.create(VolunteerData(first_name="Nia", last_name="Ellis", postcode="SA61 1AB"))
    # Both coordinators open the form on version 1.
    opened_by_me, opened_by_them = mine.get(created.uuid), theirs.get(created.uuid)
    saved = theirs.update(
        created.uuid,
        _data(opened_by_them, phone="07712 345678"),
        expected_version=opened_by_them.version,
    )
    assert saved.version == created.version + 1
    with pytest.raises(ConflictError) as caught:
        mine.update(
            created.uuid,
            _data(opened_by_me, notes="Drives on Tuesdays"),
            expected_version=opened_by_me.version,
        )
    message = str(caught.value)
    assert "Nia Ellis was changed by someone else" in message
    assert "not saved" in message
    now = mine.get(created.uuid)
    assert now.phone == "+447712345678"  # their change is kept
    assert now.notes == ""  # mine was refused whole, not half-applied
    assert now.version == saved.version
    assert [entry["actor"] for entry in mine.history(created.uuid)] == ["ceri", "dewi"]


@server_only
def test_two_saves_at_the_same_moment_one_wins_one_is_refused(
    db: Database, second: Database
) -> None:
    created = VolunteerService(db, actor="ceri").create(
        VolunteerData(first_name="Nia", last_name="Ellis")
    )
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def save(name: str, database: Database, notes: str) -> None:
        service = VolunteerService(database, actor=name)
        start.wait()
        try:
            results[name] = service.update(
                created.uuid, _data(created, notes=notes), expected_version=created.version
            )
        except ConflictError as exc:
            results[name] = exc

    threads = [
        threading.Thread(target=save, args=("ceri", db, "from Ceri")),
        threading.Thread(target=save, args=("dewi", second, "from Dewi")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted(type(value).__name__ for value in results.values())
    assert outcomes == ["ConflictError", "VolunteerRecord"]
    winner = next(v for v in results.values() if isinstance(v, VolunteerRecord))
    final = VolunteerService(db).get(created.uuid)
    assert final.notes == winner.notes
    assert final.version == created.version + 1


@server_only
def test_changes_stay_in_order_when_the_coordinators_clocks_disagree(
    db: Database, second: Database
) -> None:
    # The second PC's clock is an hour slow; its later change must still sort later.
    second.clock = HybridClock(second.instance_uuid, wall_clock=lambda: time.time() - 3600)
    mine, theirs = VolunteerService(db, actor="ceri"), VolunteerService(second, actor="dewi")
    first = mine.create(VolunteerData(first_name="Aled", last_name="Rees"))
    later = theirs.create(VolunteerData(first_name="Beca", last_name="Rees"))
    latest = mine.create(VolunteerData(first_name="Carys", last_name="Rees"))
    assert first.changed_at < later.changed_at < latest.changed_at


# ---- search without SQLite's full-text index ------------------------------------------------


@both
def test_search_folds_accents_and_capitals_and_matches_starts_of_words(
    db: Database, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    make_volunteer(first_name="Siân", last_name="Glyndŵr", email="sian.g@example.cymru")
    make_volunteer(first_name="SIAN", last_name="PRICE", phone="07713 900333", postcode="CF10 3NQ")
    make_volunteer(first_name="Lowri", last_name="Ap Rhys", reference="MA-017")
    gone = make_volunteer(first_name="Sian", last_name="Gone")
    service = VolunteerService(db, actor="tester")
    service.delete(gone.uuid)

    def found(typed: str) -> set[str]:
        rows = service.list(VolunteerQuery(search=typed), limit=None)
        assert service.count(VolunteerQuery(search=typed)) == len(rows)
        return {row.last_name for row in rows}

    assert found("sian") == {"Glyndŵr", "PRICE"}
    assert found("SIÂN glynd") == {"Glyndŵr"}
    assert found("glyndwr") == {"Glyndŵr"}
    assert found("sian.g@example") == {"Glyndŵr"}
    assert found("rhys") == {"Ap Rhys"}
    assert found("hys") == set()  # the start of a word, not any part of one
    assert found("07713900333") == {"PRICE"}
    assert found("cf103nq") == {"PRICE"}
    assert found("ma-017") == {"Ap Rhys"}
    assert found("100% (x)") == set()
    organisations = OrganisationService(db, actor="tester")
    organisations.create(OrganisationData(name_en="Food Bank", name_cy="Banc Bwyd Tŷ Ddewi"))
    assert [row.name_en for row in organisations.list("ty ddew")] == ["Food Bank"]
    assert organisations.count("banc") == 1


@server_only
def test_sample_data_alerts_and_counts_work_on_the_server(db: Database) -> None:
    summary = DemoService(db, actor="tester").generate(volunteers=200, groups=6, seed=5)
    counts = MaintenanceService(db, actor="tester").counts()
    assert counts.volunteers == summary.volunteers
    assert counts.groups == summary.groups
    result = AlertService(db, actor="tester").scan()
    assert sum(result.counts.values()) > 0
    service = VolunteerService(db, actor="tester")
    with db.engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT uuid, sort_key_cy FROM volunteer")).all())
    # The server compares the Welsh sort keys as SQLite does, code point by code point.
    listed = [keys[row.uuid] for row in service.list(limit=None, order="name", language="cy")]
    assert len(listed) == counts.volunteers
    assert listed == sorted(listed)
    assert service.count(VolunteerQuery(search=service.list(limit=1)[0].first_name)) >= 1


# ---- files and the command line --------------------------------------------------------------


@server_only
def test_backups_to_files_are_left_to_the_server(db: Database, tmp_path: Path) -> None:
    backups = BackupService(db, actor="tester")
    assert not backups.available
    assert backups.before("merge") is None
    assert backups.on_open() is None
    assert backups.list() == []
    assert backups.configure(keep_days=9).keep_days == 9
    with pytest.raises(DatabaseError):
        MaintenanceService(db, actor="tester").backup(tmp_path / "copy.db")


@postgresql
def test_the_command_line_works_on_a_server_address(
    postgresql_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = plain_url(postgresql_database)
    status, _out, err = cli(capsys, "--db", url, "demo", "--volunteers", "40", "--groups", "3")
    assert status == 0, err
    status, out, err = cli(capsys, "--db", url, "volunteers", "list", "--json")
    assert status == 0, err
    assert len(json.loads(out)) >= 40
    status, out, err = cli(capsys, "--db", url, "check", "--json")
    assert status == 0, err
    assert json.loads(out)["ok"] is True
    for args in (("restore", "copy.db"), ("backup", "-o", "copy.db")):
        status, out, err = cli(capsys, "--db", url, *args)
        assert status == 1
        assert err.count("\n") == 1 and "Traceback" not in err
    status, out, err = cli(capsys, "--db", url, "backups", "list")
    assert status == 0
    assert "server" in out


@postgresql
def test_partner_files_and_spreadsheets_go_in_and_out_of_a_server_database(
    postgresql_database: str, tmp_path: Path
) -> None:
    from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
    from cvcdesk.services.registry import Services

    server = Services.over(open_database(postgresql_database), actor="ceri")
    office = Services.over(open_database(tmp_path / "office.db"), actor="dewi")
    try:
        for services, name in ((server, "server"), (office, "office")):
            group = services.organisations.create(OrganisationData(name_en=f"{name} group"))
            services.identity.write_identity(tmp_path / f"{name}.json", organisation=group.uuid)
        to_office = server.partners.add(tmp_path / "office.json").name
        to_server = office.partners.add(tmp_path / "server.json").name
        profile = SharingProfile(volunteers=VolunteerSharing.FULL)
        server.partners.set_profile(to_office, profile)
        office.partners.set_profile(to_server, profile)
        sheet = tmp_path / "volunteers.csv"
        sheet.write_text("Name,Mobile\nSiân Glyndŵr,07712 345600\nAled Rees,07712 345601\n")
        assert server.imports.import_rows(sheet, kind="volunteers").imported == 2
        server.sync.export(to_office, tmp_path / "to-office.cvcsync", full=True)
        assert office.sync.import_file(tmp_path / "to-office.cvcsync").applied
        office.organisations.create(OrganisationData(name_en="Tenby Food Bank"))
        office.sync.export(to_server, tmp_path / "to-server.cvcsync")
        assert server.sync.import_file(tmp_path / "to-server.cvcsync").applied
        assert [row.name_en for row in server.organisations.list("tenby")] == ["Tenby Food Bank"]
    finally:
        server.close()
        office.close()
