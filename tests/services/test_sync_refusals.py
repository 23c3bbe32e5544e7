"""Bad sync files are refused with a clear message and leave the database exactly as it was:
tampered, truncated, wrongly signed, wrong passphrase, zip bombs, unsafe names, newer versions,
files for someone else, and records that do not hold up."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_sync_helpers import Side, introduce, members, rezip, signer, third_side, two_sides

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.syncformat import SyncFileError

Pair = tuple[Side, Side]


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[Pair]:
    with two_sides(tmp_path) as pair:
        yield pair


@pytest.fixture
def third(tmp_path: Path) -> Iterator[Side]:
    with third_side(tmp_path) as side:
        yield side


def refused(side: Side, path: Path, words: str, **options: Any) -> SyncFileError:
    """Importing `path` is refused, mentioning `words`, and nothing in the database changed."""
    before = side.digest()
    backups = side.path.parent / "backups"
    kept = set(backups.iterdir()) if backups.exists() else set()
    with pytest.raises(SyncFileError) as caught:
        side.take(path, **options)
    assert words in str(caught.value), str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert side.digest() == before
    assert (set(backups.iterdir()) if backups.exists() else set()) == kept
    with pytest.raises(SyncFileError):
        side.services.sync.preview_import(path, **options)
    assert side.digest() == before
    return caught.value


def resigned(
    parts: dict[str, bytes],
    sign: Callable[[bytes], bytes],
    change: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, bytes]:
    """The parts with the manifest's checksums brought up to date and signed again."""
    manifest = json.loads(parts["manifest.json"])
    for name in list(manifest["parts"]):
        data = parts[name]
        manifest["parts"][name]["sha256"] = hashlib.sha256(data).hexdigest()
        manifest["parts"][name]["size"] = len(data)
    if change is not None:
        change(manifest)
    text = json.dumps(manifest).encode()
    return {**parts, "manifest.json": text, "manifest.sig": base64.b64encode(sign(text))}


@pytest.fixture
def exported(sides: Pair, tmp_path: Path) -> Path:
    a, _b = sides
    a.volunteer()
    a.volunteer(
        first_name="Dafydd", last_name="Jones", phone="07712 345600", email="dj@example.org"
    )
    return a.export(tmp_path / "good.cvcsync")


def test_the_good_file_imports(sides: Pair, exported: Path) -> None:
    _a, b = sides
    assert b.take(exported).applied


def test_a_tampered_record_is_refused(sides: Pair, exported: Path, tmp_path: Path) -> None:
    _a, b = sides
    parts = members(exported)
    parts["records.jsonl"] = parts["records.jsonl"].replace(b"Gwenllian", b"Gwenllyan")
    path = rezip(exported, parts, tmp_path / "tampered.cvcsync")
    refused(b, path, "changed after it was signed")


def test_a_changed_manifest_no_longer_matches_its_signature(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    _a, b = sides
    parts = members(exported)
    manifest = json.loads(parts["manifest.json"])
    manifest["counts"]["volunteer"] = 99
    parts["manifest.json"] = json.dumps(manifest).encode()
    path = rezip(exported, parts, tmp_path / "manifest.cvcsync")
    refused(b, path, "signature")


def test_a_file_signed_with_another_key_is_refused(
    sides: Pair, third: Side, exported: Path, tmp_path: Path
) -> None:
    _a, b = sides
    parts = resigned(members(exported), signer(third))
    path = rezip(exported, parts, tmp_path / "forged.cvcsync")
    message = refused(b, path, "does not match the key of")
    assert b.partner in str(message)


def test_a_truncated_file_is_refused(sides: Pair, exported: Path, tmp_path: Path) -> None:
    _a, b = sides
    data = exported.read_bytes()
    for size in (len(data) // 2, len(data) - 10, 30):
        path = tmp_path / f"cut-{size}.cvcsync"
        path.write_bytes(data[:size])
        refused(b, path, "damaged or incomplete")


def test_a_file_that_is_not_a_sync_file_is_refused(sides: Pair, tmp_path: Path) -> None:
    _a, b = sides
    path = tmp_path / "notes.cvcsync"
    path.write_text("Dear partner, here are our updates.")
    refused(b, path, "damaged or incomplete")


def test_a_wrong_or_missing_passphrase_is_refused(sides: Pair, tmp_path: Path) -> None:
    a, b = sides
    a.volunteer()
    path = a.export(tmp_path / "locked.cvcsync", passphrase="Bara brith a phaned")
    refused(b, path, "passphrase does not open", passphrase="Bara brith a phanad")
    refused(b, path, "protected with a passphrase")
    parts = members(path)
    parts["payload.bin"] = parts["payload.bin"][:-1] + bytes([parts["payload.bin"][-1] ^ 1])
    refused(b, rezip(path, parts, tmp_path / "flipped.cvcsync"), "passphrase does not open",
            passphrase="Bara brith a phaned")  # fmt: skip
    assert b.take(path, passphrase="Bara brith a phaned").applied


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    _a, b = sides
    parts = members(exported)
    parts["records.jsonl"] = b"\n" * (60 << 20)  # 60 MB that packs into about 60 kB
    path = rezip(exported, parts, tmp_path / "bomb.cvcsync")
    assert path.stat().st_size < 1 << 20
    refused(b, path, "zip bomb")


def test_unsafe_or_unexpected_part_names_are_refused(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    _a, b = sides
    for name in (
        "../../evil.txt",
        "/etc/cron.d/evil",
        "..\\..\\evil.bat",
        "C:evil",
        "x/manifest.json",
    ):
        parts = {**members(exported), name: b"boo"}
        path = rezip(exported, parts, tmp_path / "traversal.cvcsync")
        refused(b, path, "unsafe name")
    parts = {**members(exported), "extra.txt": b"hello"}
    refused(b, rezip(exported, parts, tmp_path / "extra.cvcsync"), "does not have")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_file_with_too_many_parts_or_a_part_twice_is_refused(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    _a, b = sides
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members(exported).items():
            archive.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("records.jsonl", b"")
    path = tmp_path / "twice.cvcsync"
    path.write_bytes(buffer.getvalue())
    refused(b, path, "twice")


def test_a_newer_major_version_is_refused_with_a_clear_message(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    a, b = sides

    def newer(manifest: dict[str, Any]) -> None:
        manifest["version"] = "2.0"
        manifest["something_new"] = {"x": 1}

    parts = resigned(members(exported), signer(a), newer)
    path = rezip(exported, parts, tmp_path / "v2.cvcsync")
    refused(b, path, "newer cvcdesk")


def test_a_newer_minor_version_is_read(sides: Pair, exported: Path, tmp_path: Path) -> None:
    a, b = sides

    def minor(manifest: dict[str, Any]) -> None:
        manifest["version"] = "1.7"
        manifest["something_new"] = {"x": 1}

    parts = resigned(members(exported), signer(a), minor)
    assert b.take(rezip(exported, parts, tmp_path / "v17.cvcsync")).applied


def test_a_manifest_that_breaks_the_schema_is_refused(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    a, b = sides

    def broken(manifest: dict[str, Any]) -> None:
        manifest["clock"]["until"] = "yesterday"

    parts = resigned(members(exported), signer(a), broken)
    refused(b, rezip(exported, parts, tmp_path / "schema.cvcsync"), "clock/until")


def test_a_file_for_another_database_is_refused(sides: Pair, third: Side, exported: Path) -> None:
    a, _b = sides
    introduce(third, a)
    refused(third, exported, "not for this database")


def test_a_file_from_someone_who_is_not_a_partner_is_refused(sides: Pair, exported: Path) -> None:
    _a, b = sides
    b.services.partners.remove(b.partner)
    refused(b, exported, "not one of your partners")


def test_a_record_that_does_not_hold_up_rolls_back_the_whole_file(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    a, b = sides
    parts = members(exported)
    lines = parts["records.jsonl"].splitlines(keepends=True)
    last = json.loads(lines[-1])
    assert last["type"] == "volunteer"
    last["fields"]["status"] = "on holiday"
    lines[-1] = (json.dumps(last) + "\n").encode()
    parts["records.jsonl"] = b"".join(lines)
    path = rezip(exported, resigned(parts, signer(a)), tmp_path / "bad-record.cvcsync")
    message = refused(b, path, f"Line {len(lines)}")
    assert "status" in str(message) and "on holiday" in str(message)


def test_a_record_twice_in_one_file_is_refused(sides: Pair, exported: Path, tmp_path: Path) -> None:
    a, b = sides
    parts = members(exported)
    lines = parts["records.jsonl"].splitlines(keepends=True)
    parts["records.jsonl"] = b"".join([*lines, lines[-1]])
    path = rezip(exported, resigned(parts, signer(a)), tmp_path / "twice.cvcsync")
    refused(b, path, "repeats")


def test_a_record_line_that_is_not_json_is_refused(
    sides: Pair, exported: Path, tmp_path: Path
) -> None:
    a, b = sides
    parts = members(exported)
    parts["records.jsonl"] = parts["records.jsonl"] + b'{"type": "volunteer", "uuid": \n'
    path = rezip(exported, resigned(parts, signer(a)), tmp_path / "json.cvcsync")
    refused(b, path, "is not JSON")


def test_refusals_are_user_errors_not_crashes(sides: Pair, tmp_path: Path) -> None:
    _a, b = sides
    folder = tmp_path / "a-folder.cvcsync"
    folder.mkdir()
    with pytest.raises(CvcError, match="folder"):
        b.take(folder)
