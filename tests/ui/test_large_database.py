"""The volunteer table over 100,000 volunteers: it pages, it never loads everyone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database, open_database
from cvcdesk.ui.pages.volunteers import VolunteersPage

VOLUNTEERS = 100_000


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("big") / "big.db"
    database = open_database(path)
    Services.over(database).demo.generate(volunteers=VOLUNTEERS, groups=300)
    yield database
    database.close()


@pytest.mark.slow
def test_model_reports_every_row_but_holds_only_a_few_pages(qtbot: QtBot, big_db: Database) -> None:
    page = VolunteersPage(Services.over(big_db))
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    model = page.model
    total = model.rowCount()
    assert total == VOLUNTEERS
    assert model.cached_rows() <= model.PAGE_SIZE * 2
    # Jump to the end as a user dragging the scroll bar would: only the pages seen are read.
    page.table.scrollToBottom()
    qtbot.wait(10)
    last = model.row_at(total - 1)
    assert last is not None
    assert model.cached_rows() <= model.PAGE_SIZE * model.MAX_PAGES
    assert model.pages_fetched <= 6


@pytest.mark.slow
def test_search_as_you_type_over_100k(qtbot: QtBot, big_db: Database) -> None:
    page = VolunteersPage(Services.over(big_db))
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClicks(page.search, "Gwy")
    qtbot.waitUntil(lambda: 0 < page.model.rowCount() < VOLUNTEERS)
    first = page.model.row_at(0)
    assert first is not None
    assert any(
        part.lower().startswith("gwy")
        for part in (first.first_name, first.last_name, first.known_as, first.email)
    )
