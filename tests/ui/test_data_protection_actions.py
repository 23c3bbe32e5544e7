"""Data-protection actions on a volunteer, from the Volunteers page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from cvcdesk.domain.volunteer import VolunteerRecord
from cvcdesk.services.registry import Services
from cvcdesk.store.database import Database
from cvcdesk.ui.pages.volunteers import VolunteersPage


def test_subject_access_export_and_erasure(
    qtbot: QtBot,
    db: Database,
    tmp_path: Path,
    make_volunteer: Callable[..., VolunteerRecord],
) -> None:
    person = make_volunteer(first_name="Gwenllian", last_name="Ŵyn", email="gwen@example.org")
    services = Services.over(db, actor="tester")
    page = VolunteersPage(services)
    qtbot.addWidget(page)
    page.table.selectRow(0)

    pdf = page.export_subject_access(tmp_path / "sar.pdf")
    assert pdf is not None
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Gwenllian" in text and "Ŵyn" in text

    data = json.loads(Path(page.export_subject_access(tmp_path / "sar.json")).read_text("utf-8"))
    assert "gwen@example.org" in json.dumps(data, ensure_ascii=False)

    assert page.erase_current(confirm=False)
    assert services.volunteers.count() == 0
    erased = services.volunteers.get(person.uuid, include_deleted=True)
    assert "Gwenllian" not in (erased.first_name, erased.known_as)
    assert erased.email == ""
