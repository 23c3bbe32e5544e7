"""Fuzzing the partner sync importer: whatever file arrives, no crash, no partial write.

Bounded hypothesis runs over damaged files (bytes flipped, cut short, grown) and over files
whose records or manifest were changed and then signed again with the partner's real key, so
the checks behind the signature get bad input too. Every outcome is an import that passed all
checks, or a refusal naming the problem (a CvcError) that leaves the database exactly as it
was. For longer runs see tools/fuzz_importers.py (atheris).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_sync_helpers import digest, introduce, make_side, members, rezip, signer

from cvcdesk.domain.errors import CvcError
from cvcdesk.services.registry import Services
from cvcdesk.store.database import open_database

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "volunteer", "organisation", "membership", "2024-02-30", "x" * 5000]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=8,
)


@dataclass
class Exchange:
    """A good file from a partner, the receiving database before it, and the partner's key."""

    good: Path
    receiver: Path
    sign: Callable[[bytes], bytes]


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    folder = tmp_path_factory.mktemp("exchange")
    a = make_side(folder / "a", "Pembrokeshire CVC", "SA61 1AB", area="SA61")
    b = make_side(folder / "b", "Haverfordwest Mutual Aid", "SA61 2XY", area="SA61 2")
    try:
        introduce(a, b)
        a.volunteer()
        a.volunteer(
            first_name="Dafydd", last_name="Jones", phone="07712 345600", email="dj@example.org"
        )
        good = a.export(folder / "good.cvcsync")
        sign = signer(a)
    finally:
        a.services.close()
        b.services.close()
    yield Exchange(good, b.path, sign)


def resigned(parts: dict[str, bytes], sign: Callable[[bytes], bytes]) -> dict[str, bytes]:
    """The parts with the manifest's sizes and checksums brought up to date, signed again."""
    try:
        manifest = json.loads(parts["manifest.json"])
        for name, entry in manifest["parts"].items():
            if name in parts and isinstance(entry, dict):
                entry["sha256"] = hashlib.sha256(parts[name]).hexdigest()
                entry["size"] = len(parts[name])
        text = json.dumps(manifest).encode()
    except (ValueError, KeyError, TypeError, AttributeError):
        text = parts["manifest.json"]  # a manifest the change broke is signed as it is
    return {**parts, "manifest.json": text, "manifest.sig": base64.b64encode(sign(text))}


def attempt(exchange: Exchange, path: Path) -> None:
    """Import `path` into a copy of the receiving database; check the outcome's promise."""
    with tempfile.TemporaryDirectory(prefix="cvcdesk-fuzz-") as folder:
        copy = Path(folder) / "receiver.db"
        shutil.copy(exchange.receiver, copy)
        before = digest(copy)
        services = Services.over(open_database(copy), actor="fuzz")
        try:
            try:
                services.sync.import_file(path)
            except CvcError as exc:
                event(f"refused: {str(exc)[:60]}")  # --hypothesis-show-statistics lists them
                assert str(exc).strip() and "Traceback" not in str(exc)
                assert digest(copy) == before  # nothing half-written
                backups = copy.parent / "backups"
                assert not backups.exists() or not list(backups.iterdir())
                return
        finally:
            services.close()
        event("imported")
        conn = sqlite3.connect(copy)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()


@FUZZ
@given(st.data())
def test_damaged_files_are_refused_cleanly(
    exchange: Exchange, tmp_path: Path, data: st.DataObject
) -> None:
    raw = bytearray(exchange.good.read_bytes())
    how = data.draw(st.sampled_from(["flip", "cut", "grow", "splice"]))
    where = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    if how == "flip":
        for offset in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8)):
            raw[offset] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        del raw[where:]
    elif how == "grow":
        raw[where:where] = data.draw(st.binary(min_size=1, max_size=200))
    else:
        raw[where : where + 50] = data.draw(st.binary(max_size=50))
    path = tmp_path / "damaged.cvcsync"
    path.write_bytes(bytes(raw))
    attempt(exchange, path)


@FUZZ
@given(st.data())
def test_changed_records_signed_again_are_imported_or_refused_cleanly(
    exchange: Exchange, tmp_path: Path, data: st.DataObject
) -> None:
    parts = members(exchange.good)
    lines = parts["records.jsonl"].splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["field", "drop-field", "top", "text", "twice", "drop"]))
    record: Any = json.loads(lines[index])
    if how == "field" and isinstance(record.get("fields"), dict) and record["fields"]:
        name = data.draw(st.sampled_from(sorted(record["fields"])))
        record["fields"][name] = data.draw(json_values)
    elif how == "drop-field" and isinstance(record.get("fields"), dict) and record["fields"]:
        del record["fields"][data.draw(st.sampled_from(sorted(record["fields"])))]
    elif how == "top":
        key = data.draw(st.sampled_from([*sorted(record), "extra"]))
        record[key] = data.draw(json_values)
    if how == "text":
        lines[index] = data.draw(st.binary(max_size=120)) + b"\n"
    elif how == "twice":
        lines.insert(index, lines[index])
    elif how == "drop":
        del lines[index]
    else:
        lines[index] = (json.dumps(record) + "\n").encode()
    parts["records.jsonl"] = b"".join(lines)
    path = rezip(exchange.good, resigned(parts, exchange.sign), tmp_path / "changed.cvcsync")
    attempt(exchange, path)


@FUZZ
@given(key=st.sampled_from(["format", "version", "sender", "recipient", "clock", "counts",
                            "parts", "created", "extra"]),
       value=json_values, drop=st.booleans())  # fmt: skip
def test_changed_manifests_signed_again_are_refused_or_read_cleanly(
    exchange: Exchange, tmp_path: Path, key: str, value: Any, drop: bool
) -> None:
    parts = members(exchange.good)
    manifest = json.loads(parts["manifest.json"])
    if drop:
        manifest.pop(key, None)
    else:
        manifest[key] = value
    text = json.dumps(manifest).encode()
    parts = {**parts, "manifest.json": text, "manifest.sig": base64.b64encode(exchange.sign(text))}
    attempt(exchange, rezip(exchange.good, parts, tmp_path / "manifest.cvcsync"))
