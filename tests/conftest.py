"""Shared fixtures. Qt must be told to draw offscreen before anything creates a QApplication."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CVCDESK_LANG", "en")

import contextlib
import datetime as dt
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cvcdesk.domain.organisation import OrganisationData, OrganisationRecord
from cvcdesk.domain.volunteer import VolunteerData, VolunteerRecord
from cvcdesk.i18n import set_language
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database, open_database


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own user-data folder and starts in English."""
    monkeypatch.setenv("CVCDESK_DATA_DIR", str(tmp_path / "user-data"))
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cvcdesk.db"


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database `db` is: "sqlite" unless a test is run on both (see below)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db(request: pytest.FixtureRequest, db_path: Path, backend: str) -> Iterator[Database]:
    """A fresh database built through the migrations: a file, or on the test server."""
    if backend == "postgresql":
        database = open_database(request.getfixturevalue("postgresql_database"))
    else:
        database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def volunteers(db: Database) -> VolunteerService:
    return VolunteerService(db, actor="tester")


@pytest.fixture
def organisations(db: Database) -> OrganisationService:
    return OrganisationService(db, actor="tester")


@pytest.fixture
def make_volunteer(volunteers: VolunteerService) -> Callable[..., VolunteerRecord]:
    counter = iter(range(1, 1_000_000))

    def factory(**overrides: Any) -> VolunteerRecord:
        n = next(counter)
        values: dict[str, Any] = {
            "first_name": "Dafydd",
            "last_name": f"Jones{n}",
            "phone": f"07712 3{n % 100000:05d}",
            "email": f"dafydd{n}@example.org",
            "postcode": "SA61 1AB",
            "joined_on": dt.date(2024, 1, 1),
        }
        values.update(overrides)
        return volunteers.create(VolunteerData(**values))

    return factory


@pytest.fixture
def make_organisation(organisations: OrganisationService) -> Callable[..., OrganisationRecord]:
    counter = iter(range(1, 1_000_000))

    def factory(**overrides: Any) -> OrganisationRecord:
        n = next(counter)
        values: dict[str, Any] = {
            "name_en": f"Group {n}",
            "name_cy": f"Grŵp {n}",
            "postcode": "SA61 1AB",
        }
        values.update(overrides)
        return organisations.create(OrganisationData(**values))

    return factory


# ---- PostgreSQL: a throwaway server on loopback ---------------------------------------------
#
# Several coordinators share one database on a PostgreSQL server. The services' tests below run
# on SQLite and again on a real server that the test run starts itself from Debian's
# postgresql package (make test installs it as root), in a temporary folder, on 127.0.0.1.
# Where it cannot be had, those runs are skipped and say why.

# Service test modules whose tests taking `db` run on both databases ([sqlite] and
# [postgresql]); a test there that needs the SQLite file itself (db.path) is named below.
BOTH_BACKENDS = ("test_volunteers.py", "test_organisations.py", "test_alerts.py", "test_merge.py")
SQLITE_ONLY = {
    # Copies the database file part-way through scanning.
    "test_incremental_rescans_end_where_a_full_scan_would",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: runs against the throwaway PostgreSQL test server"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = metafunc.definition.path
    if (
        "db" in metafunc.fixturenames
        and path.parent.name == "services"
        and path.name in BOTH_BACKENDS
        and metafunc.definition.originalname not in SQLITE_ONLY
    ):
        metafunc.parametrize(
            "backend",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
            indirect=True,
        )


@dataclass
class PostgresqlServer:
    """A running throwaway cluster; `user` may create and drop databases."""

    host: str
    port: int
    user: str
    version: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=database, autocommit=True
        ) as connection:
            cursor = connection.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []

    def create_database(self, name: str, *, template: str = "template0", options: str = "") -> str:
        strategy = " STRATEGY = FILE_COPY" if self.version >= 150000 else ""
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy} {options}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgresql_bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_postgresql(folder: Path) -> tuple[PostgresqlServer | None, str]:
    """Start a cluster in `folder`; (server, "") or (None, why not)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "the PostgreSQL driver psycopg is not installed (pip install -e '.[dev]')"
    bin_dir = _postgresql_bin()
    if bin_dir is None:
        return None, (
            "PostgreSQL is not installed (Debian package postgresql: `make test` installs it "
            "when run as root)"
        )
    prefix: list[str] = []
    if os.geteuid() == 0:
        # The server refuses to run as root: the cluster belongs to the unprivileged "nobody".
        runuser = shutil.which("runuser")
        if runuser is None:
            return None, "running as root and `runuser` is missing to start PostgreSQL as nobody"
        account = pwd.getpwnam("nobody")
        os.chown(folder, account.pw_uid, account.pw_gid)
        prefix = [runuser, "-u", "nobody", "--"]
    data, log = folder / "data", folder / "server.log"
    user = "cvcdesk"

    def step(*command: str) -> str:
        """Nothing when it worked; else the last line of what went wrong."""
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, cwd=folder, timeout=120,
            check=False,
        )  # fmt: skip
        if result.returncode == 0:
            return ""
        detail = (result.stderr or result.stdout).strip().splitlines()
        if log.exists():
            detail += log.read_text(errors="replace").strip().splitlines()
        return (detail or ["?"])[-1]

    problem = step(
        str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    port, attempts = 0, 3
    while not problem:
        port = _free_port()
        problem = step(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-h 127.0.0.1 -p {port} -k {folder} -F -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=60", "start",
        )  # fmt: skip
        attempts -= 1
        if problem and attempts and ("port" in problem or "address" in problem):
            problem = ""  # another test run took the port first: try another
            continue
        break
    if problem:
        return None, f"PostgreSQL could not be started: {problem}"
    version = int(
        subprocess.run(
            [str(bin_dir / "postgres"), "-V"], capture_output=True, text=True, check=False
        )
        .stdout.split()[-1]
        .split(".")[0]
    )
    return PostgresqlServer("127.0.0.1", port, user, version * 10000), ""


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgresqlServer]:
    base = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None  # nobody reaches it
    folder = Path(tempfile.mkdtemp(prefix="cvcdesk-pg-", dir=base))
    server, why_not = _start_postgresql(folder)
    try:
        if server is None:
            pytest.skip(f"PostgreSQL tests skipped: {why_not}")
        yield server
    finally:
        if server is not None:
            bin_dir = _postgresql_bin()
            assert bin_dir is not None
            prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    [*prefix, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m",
                     "immediate", "-w", "stop"],
                    capture_output=True, timeout=60, check=False,
                )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


# Rows the migrations put in: put back after each test empties the database.
_REFERENCE_TABLES = ("alembic_version", "service_type", "skill")


@dataclass
class _SharedDatabase:
    name: str
    reference: dict[str, tuple[list[str], list[tuple[Any, ...]]]]


@pytest.fixture(scope="session")
def postgresql_shared(postgresql_server: PostgresqlServer) -> _SharedDatabase:
    """One migrated database that tests take turns with, emptied after each (quicker than
    a new database per test)."""
    import psycopg

    name = "cvcdesk_tests"
    open_database(postgresql_server.create_database(name)).close()
    reference = {}
    with psycopg.connect(
        host=postgresql_server.host,
        port=postgresql_server.port,
        user=postgresql_server.user,
        dbname=name,
    ) as connection:
        for table in _REFERENCE_TABLES:
            cursor = connection.execute(f"SELECT * FROM {table}")
            assert cursor.description is not None
            reference[table] = ([col.name for col in cursor.description], cursor.fetchall())
    return _SharedDatabase(name, reference)


def _empty_database(server: PostgresqlServer, shared: _SharedDatabase) -> None:
    import psycopg

    from cvcdesk.store.models import Base

    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=shared.name
    ) as connection:
        # Children before parents; alembic_version and the reference rows are put back whole.
        for table in [*reversed(Base.metadata.sorted_tables)]:
            connection.execute(f"DELETE FROM {table.name}")
        connection.execute("DELETE FROM alembic_version")
        for table, (columns, rows) in shared.reference.items():
            marks = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    rows,
                )


@pytest.fixture
def postgresql_database(
    postgresql_server: PostgresqlServer, postgresql_shared: _SharedDatabase
) -> Iterator[str]:
    """The address of an empty, migrated database on the test server, for this test alone."""
    yield postgresql_server.url(postgresql_shared.name)
    _empty_database(postgresql_server, postgresql_shared)
