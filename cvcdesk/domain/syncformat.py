"""The partner sync file (`.cvcsync`) and identity file: names, version, limits, pure checks.

The format is described for people in docs/sync-format.md; this module is what the program
holds to. Nothing here touches a file or the database: the services read the bytes and hand
them over.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jsonschema

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import N_, _

FORMAT_NAME = "cvcsync"
FORMAT_VERSION: tuple[int, int] = (1, 0)
"""Major.minor. A reader refuses a newer major version and reads any minor version of its
own major (newer minor versions only add optional fields and record types)."""
FILE_SUFFIX = ".cvcsync"

ENVELOPE_FORMAT = "cvcsync-envelope"
IDENTITY_FORMAT = "cvcdesk-identity"
IDENTITY_VERSION = 1

# The parts of a plain file, and of a passphrase-protected one.
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RECORDS = "records.jsonl"
AUDIT = "audit.json"
ENVELOPE = "envelope.json"
PAYLOAD = "payload.bin"
PLAIN_PARTS = (MANIFEST, SIGNATURE, RECORDS, AUDIT)
ENCRYPTED_PARTS = (ENVELOPE, PAYLOAD)

# Record types, in the order a file lists them (what a record points to comes first).
ORGANISATION = "organisation"
COVERAGE = "coverage"
VOLUNTEER = "volunteer"
VOLUNTEER_PSEUDONYM = "volunteer_pseudonym"
MEMBERSHIP = "membership"
ACTIVITY = "activity"
ACTIVITY_REGULAR = "activity_regular"
SHIFT = "shift"
ASSIGNMENT = "assignment"
HOUSEHOLD = "household"
HOUSEHOLD_SUPPORT = "household_support"
ALERT_DECISION = "alert_decision"
RECORD_TYPES: tuple[str, ...] = (
    ORGANISATION,
    COVERAGE,
    VOLUNTEER,
    VOLUNTEER_PSEUDONYM,
    MEMBERSHIP,
    ACTIVITY,
    ACTIVITY_REGULAR,
    SHIFT,
    ASSIGNMENT,
    HOUSEHOLD,
    HOUSEHOLD_SUPPORT,
    ALERT_DECISION,
)

RECORD_TYPE_LABELS: dict[str, str] = {
    ORGANISATION: N_("Groups"),
    COVERAGE: N_("Areas and services groups cover"),
    VOLUNTEER: N_("Volunteers"),
    VOLUNTEER_PSEUDONYM: N_("Volunteers (pseudonymised)"),
    MEMBERSHIP: N_("Volunteers' group memberships"),
    ACTIVITY: N_("Activities"),
    ACTIVITY_REGULAR: N_("Volunteers on an activity's whole pattern"),
    SHIFT: N_("Shifts"),
    ASSIGNMENT: N_("Bookings on shifts"),
    HOUSEHOLD: N_("Households"),
    HOUSEHOLD_SUPPORT: N_("Help given to households"),
    ALERT_DECISION: N_("Alerts dismissed as not a duplicate"),
}


def record_type_label(record_type: str) -> str:
    return _(RECORD_TYPE_LABELS.get(record_type, record_type))


class SyncFileError(CvcError):
    """A sync or identity file was refused; the database was not changed."""


# ---- limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused unread (zip bombs, runaway files)."""

    max_file_bytes: int = 1 << 30  # the file on disk
    max_part_bytes: int = 2 << 30  # one part, unpacked
    max_total_bytes: int = 3 << 30  # all parts, unpacked
    max_ratio: int = 100  # unpacked : packed, for parts larger than ratio_floor
    ratio_floor: int = 1 << 20
    max_parts: int = 8
    max_manifest_bytes: int = 1 << 20
    max_line_bytes: int = 1 << 20  # one record


DEFAULT_LIMITS = Limits()


def part_name_problem(name: str, allowed: tuple[str, ...]) -> str | None:
    """Why a part's name inside the zip is refused, or None when it is one we expect.

    Only the fixed names of the format are accepted, so a path that climbs out of a folder
    ("../x", "/etc/x", "C:\\x") or hides in a folder is refused before anything is read.
    """
    if (
        "/" in name
        or "\\" in name
        or name.startswith(".")
        or ":" in name
        or "\x00" in name
        or ".." in name
    ):
        return _("the file holds a part with an unsafe name, “{name}”").format(name=name[:80])
    if name not in allowed:
        return _("the file holds a part this format does not have, “{name}”").format(name=name[:80])
    return None


# ---- versions ---------------------------------------------------------------------------

_VERSION = re.compile(r"^([0-9]{1,4})\.([0-9]{1,4})$")


def parse_version(text: object) -> tuple[int, int]:
    match = _VERSION.match(text) if isinstance(text, str) else None
    if match is None:
        raise SyncFileError(_("The file does not say which version of the sync format it uses."))
    return int(match.group(1)), int(match.group(2))


def check_version(document: Mapping[str, Any], *, expected_format: str = FORMAT_NAME) -> None:
    """Refuse a file of another format, or of a newer major version, with a clear sentence."""
    if document.get("format") != expected_format:
        raise SyncFileError(_("This is not a cvcdesk sync file (its manifest names no format)."))
    major, minor = parse_version(document.get("version"))
    if major > FORMAT_VERSION[0]:
        raise SyncFileError(
            _(
                "This file uses sync format version {found}, made by a newer cvcdesk; this "
                "version reads version {major}.x. Install the newer cvcdesk to import it."
            ).format(found=f"{major}.{minor}", major=FORMAT_VERSION[0])
        )
    if major < 1:
        raise SyncFileError(
            _("This file uses sync format version {found}, which is no longer read.").format(
                found=f"{major}.{minor}"
            )
        )


def version_text() -> str:
    return f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}"


# ---- the manifest -----------------------------------------------------------------------

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CLOCK_PATTERN = "^[0-9]{15}-[0-9]{6}-[A-Za-z0-9-]{1,42}$"
_UUID = re.compile(UUID_PATTERN)
_CLOCK = re.compile(CLOCK_PATTERN)
_SHA256 = "^[0-9a-f]{64}$"

_PART_SCHEMA = {
    "type": "object",
    "required": ["sha256", "size"],
    "properties": {
        "sha256": {"type": "string", "pattern": _SHA256},
        "size": {"type": "integer", "minimum": 0},
        "records": {"type": "integer", "minimum": 0},
    },
}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "format",
        "version",
        "created_at",
        "sender",
        "recipient",
        "clock",
        "full",
        "profile",
        "counts",
        "parts",
    ],
    "properties": {
        "format": {"const": FORMAT_NAME},
        "version": {"type": "string", "pattern": _VERSION.pattern},
        "created_at": {"type": "string", "minLength": 10, "maxLength": 40},
        "sender": {
            "type": "object",
            "required": ["instance", "name", "fingerprint"],
            "properties": {
                "instance": {"type": "string", "pattern": UUID_PATTERN},
                "organisation": {"type": ["string", "null"]},
                "name": {"type": "string", "maxLength": 400},
                "fingerprint": {"type": "string", "maxLength": 100},
            },
        },
        "recipient": {
            "type": "object",
            "required": ["instance", "fingerprint"],
            "properties": {
                "instance": {"type": "string", "pattern": UUID_PATTERN},
                "name": {"type": "string", "maxLength": 400},
                "fingerprint": {"type": "string", "maxLength": 100},
            },
        },
        "clock": {
            "type": "object",
            "required": ["since", "until"],
            "properties": {
                "since": {"anyOf": [{"const": ""}, {"type": "string", "pattern": CLOCK_PATTERN}]},
                "until": {"type": "string", "pattern": CLOCK_PATTERN},
            },
        },
        "full": {"type": "boolean"},
        "profile": {"type": "object"},
        "counts": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "parts": {
            "type": "object",
            "required": [RECORDS],
            "propertyNames": {"enum": [RECORDS, AUDIT]},
            "additionalProperties": _PART_SCHEMA,
        },
        "encrypted": {"type": "boolean"},
    },
}

_MANIFEST_VALIDATOR = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as a dict, checked: version first (so a newer file gets the right message),
    then the schema."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SyncFileError(_("The file's manifest is not readable JSON.")) from None
    if not isinstance(document, dict):
        raise SyncFileError(_("The file's manifest is not readable JSON."))
    check_version(document)
    errors = sorted(_MANIFEST_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "manifest"
        raise SyncFileError(
            _("The file's manifest is not valid: {where}: {problem}").format(
                where=where, problem=first.message[:200]
            )
        )
    return document


# ---- envelope of a passphrase-protected file --------------------------------------------

ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "version", "kdf", "cipher"],
    "properties": {
        "format": {"const": ENVELOPE_FORMAT},
        "version": {"type": "string", "pattern": _VERSION.pattern},
        "kdf": {
            "type": "object",
            "required": ["name", "salt", "n", "r", "p"],
            "properties": {
                "name": {"const": "scrypt"},
                "salt": {"type": "string", "minLength": 16, "maxLength": 200},
                "n": {"type": "integer", "minimum": 1024, "maximum": 1 << 20},
                "r": {"type": "integer", "minimum": 1, "maximum": 32},
                "p": {"type": "integer", "minimum": 1, "maximum": 16},
            },
        },
        "cipher": {
            "type": "object",
            "required": ["name", "nonce"],
            "properties": {
                "name": {"const": "AES-256-GCM"},
                "nonce": {"type": "string", "minLength": 16, "maxLength": 40},
            },
        },
    },
}
_ENVELOPE_VALIDATOR = jsonschema.Draft202012Validator(ENVELOPE_SCHEMA)


def parse_envelope(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SyncFileError(_("The file's encryption header is not readable.")) from None
    if not isinstance(document, dict):
        raise SyncFileError(_("The file's encryption header is not readable."))
    check_version(document, expected_format=ENVELOPE_FORMAT)
    if next(_ENVELOPE_VALIDATOR.iter_errors(document), None) is not None:
        raise SyncFileError(_("The file's encryption header is not valid."))
    return document


# ---- records ----------------------------------------------------------------------------

_RECORD_KEYS = frozenset(
    {"type", "uuid", "origin", "changed_at", "deleted", "replaced_by", "fields"}
)


@dataclass(frozen=True, slots=True)
class WireRecord:
    """One line of records.jsonl: the envelope every shared record carries, and its fields."""

    type: str
    uuid: str
    origin: str
    changed_at: str
    deleted: bool
    replaced_by: str | None
    fields: dict[str, Any]
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "uuid": self.uuid,
            "origin": self.origin,
            "changed_at": self.changed_at,
            "deleted": self.deleted,
            "replaced_by": self.replaced_by,
            "fields": self.fields,
        }


def record_line(record: WireRecord, fields: str | None = None) -> bytes:
    """One line of records.jsonl; `fields` is the fields' JSON when already made."""
    if fields is None:
        fields = json.dumps(record.fields, ensure_ascii=False, separators=(",", ":"))
    plain = (
        f"{record.type}{record.uuid}{record.origin}{record.changed_at}{record.replaced_by or ''}"
    )
    if _PLAIN.match(plain):
        # Ids and clock values need no escaping: written directly, it is much quicker.
        replaced = "null" if record.replaced_by is None else f'"{record.replaced_by}"'
        head = (
            f'{{"type":"{record.type}","uuid":"{record.uuid}","origin":"{record.origin}",'
            f'"changed_at":"{record.changed_at}","deleted":{"true" if record.deleted else "false"},'
            f'"replaced_by":{replaced}}}'
        )
    else:
        head = json.dumps(
            {
                "type": record.type,
                "uuid": record.uuid,
                "origin": record.origin,
                "changed_at": record.changed_at,
                "deleted": record.deleted,
                "replaced_by": record.replaced_by,
            },
            separators=(",", ":"),
        )
    return f'{head[:-1]},"fields":{fields}}}\n'.encode()


_PLAIN = re.compile(r"^[A-Za-z0-9_-]*$")


def parse_record(line: bytes, number: int) -> WireRecord:
    """One line of records.jsonl, checked for shape; field values are checked by their type."""

    def refuse(problem: str) -> SyncFileError:
        return SyncFileError(
            _("Line {line} of the file's records is not valid: {problem}").format(
                line=number, problem=problem
            )
        )

    try:
        value = json.loads(line)
    except ValueError:
        raise refuse(_("it is not JSON")) from None
    if not isinstance(value, dict):
        raise refuse(_("it is not a record"))
    unknown = set(value) - _RECORD_KEYS
    if unknown:
        raise refuse(_("unknown key “{key}”").format(key=sorted(unknown)[0][:40]))
    kind, uuid, origin = value.get("type"), value.get("uuid"), value.get("origin")
    changed_at, deleted = value.get("changed_at"), value.get("deleted", False)
    replaced_by, fields = value.get("replaced_by"), value.get("fields", {})
    if not isinstance(kind, str) or not kind or len(kind) > 40:
        raise refuse(_("it has no record type"))
    if not isinstance(uuid, str) or not _UUID.match(uuid):
        raise refuse(_("its id is not a UUID"))
    if not isinstance(origin, str) or not _UUID.match(origin):
        raise refuse(_("its origin is not a UUID"))
    if not isinstance(changed_at, str) or not _CLOCK.match(changed_at):
        raise refuse(_("its clock value is not valid"))
    if not isinstance(deleted, bool):
        raise refuse(_("“deleted” is not true or false"))
    if replaced_by is not None and (
        not isinstance(replaced_by, str) or not _UUID.match(replaced_by)
    ):
        raise refuse(_("“replaced_by” is not a UUID"))
    if not isinstance(fields, dict):
        raise refuse(_("its fields are not an object"))
    return WireRecord(kind, uuid, origin, changed_at, deleted, replaced_by, fields, number)


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def is_clock(value: object) -> bool:
    return isinstance(value, str) and _CLOCK.match(value) is not None


def clock_instance(changed_at: str) -> str:
    """The instance whose clock issued a value: who made that change."""
    return changed_at[23:] if len(changed_at) > 23 else ""


# ---- share profiles ---------------------------------------------------------------------


class VolunteerSharing(StrEnum):
    FULL = "full"  # volunteers who consented, with their details
    PSEUDONYMISED = "pseudonymised"  # everyone, as keyed hashes: no name or contact details
    NONE = "none"

    @property
    def label(self) -> str:
        return _(_SHARING_LABELS[self])


_SHARING_LABELS = {
    VolunteerSharing.FULL: N_("In full, only volunteers who consented to sharing"),
    VolunteerSharing.PSEUDONYMISED: N_("Pseudonymised: no names or contact details"),
    VolunteerSharing.NONE: N_("Not shared"),
}


@dataclass(frozen=True)
class SharingProfile:
    """What goes to one partner. New partners get only groups, activities and decisions."""

    organisations: bool = True
    activities: bool = True
    households: bool = False
    alert_decisions: bool = True
    volunteers: VolunteerSharing = VolunteerSharing.NONE

    def to_json(self) -> dict[str, Any]:
        return {
            "organisations": self.organisations,
            "activities": self.activities,
            "households": self.households,
            "alert_decisions": self.alert_decisions,
            "volunteers": self.volunteers.value,
        }

    @classmethod
    def from_json(cls, value: object) -> SharingProfile:
        if not isinstance(value, dict):
            return cls()
        default = cls()
        try:
            volunteers = VolunteerSharing(value.get("volunteers", default.volunteers.value))
        except ValueError:
            volunteers = VolunteerSharing.NONE
        return cls(
            organisations=bool(value.get("organisations", default.organisations)),
            activities=bool(value.get("activities", default.activities)),
            households=bool(value.get("households", default.households)),
            alert_decisions=bool(value.get("alert_decisions", default.alert_decisions)),
            volunteers=volunteers,
        )

    def record_types(self) -> tuple[str, ...]:
        """The record types this profile sends, in file order."""
        wanted: set[str] = {ALERT_DECISION} if self.alert_decisions else set()
        if self.organisations:
            wanted |= {ORGANISATION, COVERAGE}
        if self.volunteers == VolunteerSharing.FULL:
            wanted |= {VOLUNTEER, MEMBERSHIP}
        elif self.volunteers == VolunteerSharing.PSEUDONYMISED:
            wanted |= {VOLUNTEER_PSEUDONYM}
        if self.activities:
            wanted |= {ACTIVITY, SHIFT}
            if self.volunteers == VolunteerSharing.FULL:
                wanted |= {ASSIGNMENT, ACTIVITY_REGULAR}
        if self.households:
            wanted |= {HOUSEHOLD, HOUSEHOLD_SUPPORT}
        return tuple(t for t in RECORD_TYPES if t in wanted)


# ---- identities -------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def fingerprint(public_key: bytes) -> str:
    """What two coordinators read to each other to check a key: 32 hex digits in 8 groups."""
    digest = hashlib.sha256(public_key).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


IDENTITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "format",
        "version",
        "instance",
        "organisation",
        "signing_key",
        "agreement_key",
        "signature",
    ],
    "properties": {
        "format": {"const": IDENTITY_FORMAT},
        "version": {"type": "integer", "minimum": 1},
        "instance": {"type": "string", "pattern": UUID_PATTERN},
        "organisation": {
            "type": "object",
            "required": ["name_en"],
            "properties": {
                "uuid": {"type": ["string", "null"]},
                "name_en": {"type": "string", "minLength": 1, "maxLength": 200},
                "name_cy": {"type": "string", "maxLength": 200},
            },
        },
        "signing_key": {"type": "string", "minLength": 40, "maxLength": 60},
        "agreement_key": {"type": "string", "minLength": 40, "maxLength": 60},
        "fingerprint": {"type": "string", "maxLength": 100},
        "created_at": {"type": "string", "maxLength": 40},
        "signature": {"type": "string", "minLength": 80, "maxLength": 100},
    },
}
_IDENTITY_VALIDATOR = jsonschema.Draft202012Validator(IDENTITY_SCHEMA)
MAX_IDENTITY_BYTES = 64 * 1024


def parse_identity(data: bytes) -> dict[str, Any]:
    """An identity file's JSON, checked for shape (the signature is checked by the caller)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SyncFileError(_("This is not a cvcdesk identity file (it is not JSON).")) from None
    if not isinstance(document, dict) or document.get("format") != IDENTITY_FORMAT:
        raise SyncFileError(_("This is not a cvcdesk identity file."))
    version = document.get("version")
    if isinstance(version, int) and version > IDENTITY_VERSION:
        raise SyncFileError(
            _(
                "This identity file was written by a newer cvcdesk (version {found}); install "
                "the newer cvcdesk to read it."
            ).format(found=version)
        )
    errors = sorted(_IDENTITY_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "identity"
        raise SyncFileError(
            _("The identity file is not valid: {where}: {problem}").format(
                where=where, problem=errors[0].message[:200]
            )
        )
    return document
