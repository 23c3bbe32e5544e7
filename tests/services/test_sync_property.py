"""Property: whatever two organisations do to their own and each other's records, exchanging
files both ways (and resolving the conflicts that arise) brings both databases to the same
records."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sync_helpers import Side, introduce, make_side, wire

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.organisation import OrganisationData

MAX_ROUNDS = 8
SHARED_TYPES = ("organisation", "coverage", "volunteer", "membership")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side, Path]]:
    """Two organisations that trust each other and share volunteers in full, opened once; each
    example starts from a pristine copy of both databases (restored in place, so the open
    engines and their statement caches are reused)."""
    folder = tmp_path_factory.mktemp("sync-property")
    a = make_side(folder / "a", "Pembrokeshire CVC", "SA61 1AB", area="SA61")
    b = make_side(folder / "b", "Haverfordwest Mutual Aid", "SA61 2XY", area="SA61 2")
    introduce(a, b)
    pristine = folder / "pristine"
    pristine.mkdir()
    for side in (a, b):
        _copy_database(side.path, pristine / side.path.name)
    yield a, b, pristine
    a.services.close()
    b.services.close()


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy with SQLite's backup API (the target may be open elsewhere)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


people = st.integers(min_value=0, max_value=40)
values = st.integers(min_value=0, max_value=999)
side_names = st.sampled_from("AB")
operations = st.one_of(
    st.tuples(st.just("create"), side_names, values),
    st.tuples(
        st.just("edit"),
        side_names,
        people,
        st.sampled_from(["town", "phone", "email", "first_name", "skills"]),
        values,
    ),
    st.tuples(st.just("delete"), side_names, people),
    st.tuples(st.just("rename"), side_names, people, values),
    st.tuples(st.just("send"), st.sampled_from(["AB", "BA"])),
)


def _edit(side: Side, index: int, name: str, n: int) -> None:
    services = side.services.volunteers
    rows = services.list(limit=None)
    if not rows:
        return
    record = services.get(rows[index % len(rows)].uuid)
    new: dict[str, Any] = {
        "town": f"Tref {n}",
        "phone": f"07712 {n:06d}",
        "email": f"person{n}@example.org",
        "first_name": f"Enw{n}",
        "skills": ("driving",) if n % 2 else ("cooking", "first_aid"),
    }
    services.update(record.uuid, dataclasses.replace(record, **{name: new[name]}))


def _apply(
    sides: dict[str, Side], operation: tuple[Any, ...], folder: Path, count: list[int]
) -> None:
    kind = operation[0]
    try:
        if kind == "create":
            _kind, name, n = operation
            sides[name].volunteer(
                first_name=f"Person{n}", phone=f"07712 {n:06d}", email=f"p{n}.{name}@example.org"
            )
        elif kind == "edit":
            _kind, name, index, field, n = operation
            _edit(sides[name], index, field, n)
        elif kind == "delete":
            _kind, name, index = operation
            rows = sides[name].services.volunteers.list(limit=None)
            if rows:
                sides[name].services.volunteers.delete(rows[index % len(rows)].uuid)
        elif kind == "rename":
            _kind, name, index, n = operation
            groups = sides[name].services.organisations.list(limit=None)
            group = sides[name].services.organisations.get(groups[index % len(groups)].uuid)
            sides[name].services.organisations.update(
                group.uuid, dataclasses.replace(group, name_en=f"Grŵp {n}")
            )
        else:
            _kind, direction = operation
            _send(sides[direction[0]], sides[direction[1]], folder, count)
    except CvcError:
        pass  # an edit of a record that is gone: refused, as in the app


def _send(source: Side, target: Side, folder: Path, count: list[int]) -> int:
    count[0] += 1
    path = folder / f"{count[0]}.cvcsync"
    result = source.services.sync.export(source.partner, path)
    target.take(path, scan_alerts=False)
    return result.records


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    steps=st.lists(operations, max_size=12),
    choices=st.tuples(
        st.sampled_from(["local", "incoming"]), st.sampled_from(["local", "incoming"])
    ),
)
def test_edits_on_both_sides_converge_after_exchanges_both_ways(
    pair: tuple[Side, Side, Path], steps: list[tuple[Any, ...]], choices: tuple[str, str]
) -> None:
    a, b, pristine = pair
    for side in (a, b):
        _copy_database(pristine / side.path.name, side.path)
    sides = {"A": a, "B": b}
    take = {"A": choices[0], "B": choices[1]}
    count = [0]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        a.volunteer(first_name="Gwenllian")
        b.volunteer(first_name="Dai", phone="07712 111111", email="dai@example.org")
        b.services.organisations.create(OrganisationData(name_en="Solva Shop"))
        for operation in steps:
            _apply(sides, operation, folder, count)
        for _round in range(MAX_ROUNDS):
            sent = 0
            for source, target in (("A", "B"), ("B", "A")):
                sent += _send(sides[source], sides[target], folder, count)
                for conflict in sides[target].services.sync.conflicts():
                    sides[target].services.sync.resolve(conflict.id, take=take[target])
            if sent == 0 and not any(s.services.sync.conflicts() for s in sides.values()):
                break
        else:
            pytest.fail(f"no agreement after {MAX_ROUNDS} rounds of exchanges")
    for record_type in SHARED_TYPES:
        here, there = wire(a, record_type), wire(b, record_type)
        for uuid in here.keys() & there.keys():
            assert here[uuid] == there[uuid], (record_type, uuid)
        # A record only one side has was never shared: made and deleted before any exchange.
        for uuid in here.keys() ^ there.keys():
            assert (here.get(uuid) or there[uuid])[0], (record_type, uuid)
