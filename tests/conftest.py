"""Shared fixtures. Qt must be told to draw offscreen before anything creates a QApplication."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CVCDESK_LANG", "en")

import datetime as dt
from collections.abc import Callable, Iterator
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
def db(db_path: Path) -> Iterator[Database]:
    """A fresh database file built through the migrations."""
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
