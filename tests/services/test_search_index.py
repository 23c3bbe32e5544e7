"""The search index holds live volunteers only, and broad searches page in name order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRecord
from cvcdesk.services import volunteers as volunteers_module
from cvcdesk.services.volunteers import VolunteerService


def test_deleted_volunteers_leave_the_search_and_come_back_on_restore(
    volunteers: VolunteerService, make_volunteer: Callable[..., VolunteerRecord]
) -> None:
    gone = make_volunteer(first_name="Gwenllian", last_name="Morgan")
    make_volunteer(first_name="Gwenda", last_name="Morgan")
    query = VolunteerQuery(search="Gwen")
    assert volunteers.count(query) == 2
    volunteers.delete(gone.uuid)
    assert volunteers.count(query) == 1
    assert [r.first_name for r in volunteers.list(query)] == ["Gwenda"]
    volunteers.restore(gone.uuid)
    assert volunteers.count(query) == 2
    assert sorted(r.first_name for r in volunteers.list(query)) == ["Gwenda", "Gwenllian"]


def test_broad_searches_give_the_same_pages_as_narrow_ones(
    volunteers: VolunteerService,
    make_volunteer: Callable[..., VolunteerRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n, first in enumerate(["Siân", "Sara", "Steffan", "Sion", "Aled", "Sioned", "Seren"]):
        make_volunteer(first_name=first, last_name=f"Surname{n}")
    query = VolunteerQuery(search="S")
    narrow = [r.uuid for r in volunteers.list(query, limit=3, offset=2)]
    everything = [r.uuid for r in volunteers.list(query, limit=None)]
    # Make every search count as broad, so pages come from walking the name index.
    monkeypatch.setattr(volunteers_module, "_WALK_THE_INDEX_ABOVE", 0)
    broad = [r.uuid for r in volunteers.list(query, limit=3, offset=2)]
    assert broad == narrow == everything[2:5]
    assert volunteers.count(query) == len(everything) == 7
