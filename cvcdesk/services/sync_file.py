"""The `.cvcsync` container: writing it (signed, optionally passphrase-protected, atomically) and
opening it safely (zip bombs, unsafe part names, damaged or cut-short files, wrong passphrase).

A plain file is a ZIP of `manifest.json`, `manifest.sig`, `records.jsonl` and `audit.json`.
A protected file is a ZIP of `envelope.json` (scrypt parameters, AES-GCM nonce) and
`payload.bin` (the plain file, encrypted with AES-256-GCM; the envelope is authenticated with
it). Nothing here knows about the database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.domain.syncformat import (
    AUDIT,
    DEFAULT_LIMITS,
    ENCRYPTED_PARTS,
    ENVELOPE,
    ENVELOPE_FORMAT,
    MANIFEST,
    PAYLOAD,
    PLAIN_PARTS,
    RECORDS,
    SIGNATURE,
    Limits,
    SyncFileError,
    parse_envelope,
    parse_manifest,
    part_name_problem,
    version_text,
)
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _

MIN_PASSPHRASE = 10
SCRYPT_N = 1 << 15
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_MAX_MEMORY = 256 << 20
_CHUNK = 1 << 20
COMPRESS_LEVEL = 1  # JSON lines pack well even so, several times quicker than the default


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            [
                FieldError(
                    "passphrase",
                    _(
                        "A passphrase must have at least {n} characters; a few unrelated words "
                        "are easy to read out over the phone and hard to guess."
                    ).format(n=MIN_PASSPHRASE),
                )
            ]
        )


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


# ---- writing ------------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """Counts and hashes what is written through it into a zip part."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.sha256.update(view)
        self.size += len(view)
        self.target.write(view)
        return len(view)


def _part(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_plain(
    handle: IO[bytes],
    records: Iterable[bytes],
    audit: bytes,
    make_manifest: Callable[[dict[str, dict[str, Any]]], dict[str, Any]],
    sign: Callable[[bytes], bytes],
) -> None:
    with zipfile.ZipFile(
        handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    ) as archive:
        with archive.open(RECORDS, "w", force_zip64=True) as part:
            hashing = _Hashing(part)
            count = 0
            buffer: list[bytes] = []
            pending = 0
            for line in records:
                buffer.append(line)
                pending += len(line)
                count += 1
                if pending >= _CHUNK:
                    hashing.write(b"".join(buffer))
                    buffer, pending = [], 0
            if buffer:
                hashing.write(b"".join(buffer))
        parts = {
            RECORDS: {
                "sha256": hashing.sha256.hexdigest(),
                "size": hashing.size,
                "records": count,
            },
            AUDIT: _part(audit),
        }
        archive.writestr(AUDIT, audit)
        manifest = json.dumps(make_manifest(parts), ensure_ascii=False, indent=1).encode("utf-8")
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, base64.b64encode(sign(manifest)) + b"\n")


def write_sync_file(
    path: Path,
    records: Iterable[bytes],
    *,
    audit: bytes,
    make_manifest: Callable[[dict[str, dict[str, Any]]], dict[str, Any]],
    sign: Callable[[bytes], bytes],
    passphrase: str | None = None,
) -> int:
    """Write the file to a temporary name beside `path` and rename it into place; its size.

    `records` yields the lines of records.jsonl; `make_manifest` is given the parts' sizes and
    checksums once they are written and returns the manifest; `sign` signs its bytes.
    """
    try:
        if passphrase is None:
            with atomic_write(path, "wb") as handle:
                _write_plain(cast(IO[bytes], handle), records, audit, make_manifest, sign)
        else:
            check_passphrase(passphrase)
            inner = io.BytesIO()
            _write_plain(inner, records, audit, make_manifest, sign)
            salt, nonce = os.urandom(16), os.urandom(12)
            envelope = json.dumps(
                {
                    "format": ENVELOPE_FORMAT,
                    "version": version_text(),
                    "kdf": {
                        "name": "scrypt",
                        "salt": base64.b64encode(salt).decode("ascii"),
                        "n": SCRYPT_N,
                        "r": SCRYPT_R,
                        "p": SCRYPT_P,
                    },
                    "cipher": {
                        "name": "AES-256-GCM",
                        "nonce": base64.b64encode(nonce).decode("ascii"),
                    },
                },
                indent=1,
            ).encode("utf-8")
            key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
            sealed = AESGCM(key).encrypt(nonce, inner.getvalue(), envelope)
            del inner
            with (
                atomic_write(path, "wb") as handle,
                zipfile.ZipFile(
                    cast(IO[bytes], handle),
                    "w",
                    compression=zipfile.ZIP_STORED,  # encrypted bytes do not compress
                ) as archive,
            ):
                archive.writestr(ENVELOPE, envelope)
                archive.writestr(PAYLOAD, sealed)
    except OSError as exc:
        raise SyncFileError(
            _("Cannot write “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return path.stat().st_size


# ---- reading ------------------------------------------------------------------------------


@dataclass
class OpenedFile:
    """A sync file that passed the container checks; the manifest is read, not yet trusted."""

    path: Path
    archive: zipfile.ZipFile
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    encrypted: bool
    limits: Limits

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _damaged(path: Path) -> SyncFileError:
    return SyncFileError(
        _(
            "“{name}” is damaged or incomplete (it may have been cut short while copying). "
            "Ask for the file again."
        ).format(name=path.name)
    )


def _refused(path: Path, problem: str) -> SyncFileError:
    return SyncFileError(
        _("“{name}” was refused: {problem}. Nothing was imported.").format(
            name=path.name, problem=problem
        )
    )


def _check_archive(
    path: Path, archive: zipfile.ZipFile, allowed: tuple[str, ...], limits: Limits
) -> None:
    """Refuse unsafe names, unexpected parts, and parts that unpack too large (zip bombs),
    before anything is unpacked."""
    infos = archive.infolist()
    if len(infos) > limits.max_parts:
        raise _refused(path, _("it holds too many parts ({count})").format(count=len(infos)))
    names: set[str] = set()
    total = 0
    for info in infos:
        problem = part_name_problem(info.filename, allowed)
        if problem is not None:
            raise _refused(path, problem)
        if info.filename in names:
            raise _refused(path, _("it holds the part “{name}” twice").format(name=info.filename))
        names.add(info.filename)
        if info.is_dir() or info.flag_bits & 0x1:
            raise _refused(path, _("it holds a folder or a zip-encrypted part"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refused(path, _("it uses a kind of compression this version does not read"))
        if info.file_size > limits.max_part_bytes:
            raise _refused(path, _("a part would unpack to more than the safe size"))
        total += info.file_size
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _refused(
                path,
                _(
                    "a part would unpack to over {ratio} times its packed size, as a "
                    "“zip bomb” does"
                ).format(ratio=limits.max_ratio),
            )
    if total > limits.max_total_bytes:
        raise _refused(path, _("its parts would unpack to more than the safe size"))


def read_part(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A whole part, never more than `limit` bytes (whatever its header claims)."""
    try:
        with archive.open(name) as part:
            data = part.read(limit + 1)
    except KeyError:
        raise _refused(path, _("the part “{name}” is missing").format(name=name)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise _damaged(path) from None
    if len(data) > limit:
        raise _refused(path, _("the part “{name}” is too large").format(name=name))
    return data


def _open_zip(path: Path, source: str | IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        raise _damaged(path) from None
    except OSError as exc:
        raise SyncFileError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def open_sync_file(
    path: Path, *, passphrase: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> OpenedFile:
    """Open a sync file: container checks, decryption, and the manifest's version and schema.
    The caller checks the signature, then the checksums (`verify_parts`)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SyncFileError(_("There is no file at “{path}”.").format(path=path)) from None
    except OSError as exc:
        raise SyncFileError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    if path.is_dir():
        raise SyncFileError(_("“{path}” is a folder, not a file.").format(path=path))
    if size > limits.max_file_bytes:
        raise _refused(path, _("it is larger than any sync file this version accepts"))
    archive = _open_zip(path, str(path))
    encrypted = False
    try:
        names = set(archive.namelist())
        if ENVELOPE in names or PAYLOAD in names:
            _check_archive(path, archive, ENCRYPTED_PARTS, limits)
            envelope_bytes = read_part(path, archive, ENVELOPE, 64 * 1024)
            envelope = parse_envelope(envelope_bytes)
            sealed = read_part(path, archive, PAYLOAD, limits.max_file_bytes)
            archive.close()
            if passphrase is None:
                raise SyncFileError(
                    _(
                        "“{name}” is protected with a passphrase; give it (with "
                        "--passphrase-file) to import the file."
                    ).format(name=path.name)
                )
            kdf, cipher = envelope["kdf"], envelope["cipher"]
            if 128 * kdf["n"] * kdf["r"] > _SCRYPT_MAX_MEMORY:
                raise _refused(path, _("its encryption settings ask for too much memory"))
            try:
                salt = base64.b64decode(kdf["salt"], validate=True)
                nonce = base64.b64decode(cipher["nonce"], validate=True)
                key = _derive(passphrase, salt, kdf["n"], kdf["r"], kdf["p"])
                plain = AESGCM(key).decrypt(nonce, sealed, envelope_bytes)
            except (InvalidTag, ValueError):
                raise SyncFileError(
                    _(
                        "The passphrase does not open “{name}” (or the file was changed after "
                        "it was written). Check the passphrase with the partner who sent it."
                    ).format(name=path.name)
                ) from None
            del sealed
            encrypted = True
            archive = _open_zip(path, io.BytesIO(plain))
        _check_archive(path, archive, PLAIN_PARTS, limits)
        names = set(archive.namelist())
        for required in (MANIFEST, SIGNATURE, RECORDS):
            if required not in names:
                raise _refused(path, _("the part “{name}” is missing").format(name=required))
        manifest_bytes = read_part(path, archive, MANIFEST, limits.max_manifest_bytes)
        signature_text = read_part(path, archive, SIGNATURE, 1024)
        manifest = parse_manifest(manifest_bytes)
        try:
            signature = base64.b64decode(signature_text.strip(), validate=True)
        except ValueError:
            signature = b""
        if len(signature) != 64:
            raise _refused(path, _("its signature is not readable"))
    except BaseException:
        archive.close()
        raise
    return OpenedFile(path, archive, manifest, manifest_bytes, signature, encrypted, limits)


def verify_parts(opened: OpenedFile) -> None:
    """Every part the manifest lists is there with its size and SHA-256, and nothing else."""
    path, archive, parts = opened.path, opened.archive, opened.manifest["parts"]
    present = set(archive.namelist()) - {MANIFEST, SIGNATURE}
    extra = present - set(parts)
    if extra:
        raise _refused(
            path,
            _("it holds a part its manifest does not list, “{name}”").format(name=sorted(extra)[0]),
        )
    for name, expected in parts.items():
        if name not in present:
            raise _refused(path, _("the part “{name}” is missing").format(name=name))
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(name) as part:
                while chunk := part.read(_CHUNK):
                    size += len(chunk)
                    if size > expected["size"]:
                        break
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise _damaged(path) from None
        if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
            raise SyncFileError(
                _(
                    "“{name}” was changed after it was signed: its part “{part}” does not match "
                    "its checksum. Nothing was imported; ask for the file again."
                ).format(name=path.name, part=name)
            )


def record_lines(opened: OpenedFile) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of records.jsonl; a line longer than the limit is refused."""
    limit = opened.limits.max_line_bytes
    try:
        with opened.archive.open(RECORDS) as part:
            number = 0
            while True:
                line = part.readline(limit + 1)
                if not line:
                    return
                number += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    raise _refused(
                        opened.path, _("line {line} of its records is too long").format(line=number)
                    )
                if line.strip():
                    yield number, line
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise _damaged(opened.path) from None


def read_audit(opened: OpenedFile) -> dict[str, Any]:
    if AUDIT not in opened.manifest["parts"]:
        return {}
    data = read_part(opened.path, opened.archive, AUDIT, opened.limits.max_manifest_bytes)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
