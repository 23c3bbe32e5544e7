"""This database's organisation identity: its group, its Ed25519 key pair and fingerprint.

Where the private key lives
---------------------------
The key pair is made the first time it is needed and kept in the database's own `instance`
row (the 32-byte Ed25519 seed; the X25519 key used to agree per-partnership keys is derived
from it). The identity belongs to the database, not to a PC or a Windows account: a database
copied to the village-hall laptop, run from a USB stick (`--portable`) or restored from a
backup after a PC dies still signs as the same organisation, and partners need not trust a
new key. A key kept in the user-data folder would be lost in each of those cases, and one
encrypted with a key kept beside it would add nothing. The database already holds every
volunteer's personal details, so whoever can read it can do far more harm than sign a file:
protect the file (its folder's permissions, disk encryption, locked backups) and the key is
protected with it. If a copy is lost or stolen, tell partners to remove and re-add this
organisation after a new database identity is made.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cvcdesk.domain.errors import NotFoundError
from cvcdesk.domain.syncformat import (
    IDENTITY_FORMAT,
    IDENTITY_VERSION,
    MAX_IDENTITY_BYTES,
    SyncFileError,
    canonical_json,
    fingerprint,
    parse_identity,
)
from cvcdesk.fileio import atomic_write
from cvcdesk.i18n import _, current_language
from cvcdesk.services.base import ServiceBase
from cvcdesk.store import models as m

_AGREEMENT_INFO = b"cvcdesk x25519 agreement key v1"
_PARTNERSHIP_INFO = b"cvcdesk partnership key v1"


@dataclass(frozen=True)
class KeyPair:
    """This database's private keys, for signing files and agreeing partnership keys."""

    signing: Ed25519PrivateKey
    agreement: X25519PrivateKey

    @property
    def signing_public(self) -> bytes:
        return self.signing.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def agreement_public(self) -> bytes:
        return self.agreement.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_public)


@dataclass(frozen=True)
class OrganisationIdentity:
    """Who this database is, as partners see it."""

    instance_uuid: str
    organisation_uuid: str | None
    name_en: str
    name_cy: str
    fingerprint: str
    signing_key: bytes
    agreement_key: bytes

    @property
    def name(self) -> str:
        """The name in the language in use (the other one when it has only that)."""
        if current_language() == "cy":
            return self.name_cy or self.name_en
        return self.name_en or self.name_cy


@dataclass(frozen=True)
class PartnerIdentity:
    """A partner's identity read from its identity file, its self-signature checked."""

    instance_uuid: str
    organisation_uuid: str | None
    name_en: str
    name_cy: str
    signing_key: bytes
    agreement_key: bytes
    fingerprint: str
    created_at: str


def _from_seed(seed: bytes) -> KeyPair:
    signing = Ed25519PrivateKey.from_private_bytes(seed)
    agreement_seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_AGREEMENT_INFO
    ).derive(seed)
    return KeyPair(signing, X25519PrivateKey.from_private_bytes(agreement_seed))


def load_keys(session: Session) -> KeyPair:
    """This database's keys, made and stored on first use (within the caller's transaction)."""
    instance = session.scalar(select(m.Instance).limit(1))
    if instance is None:  # pragma: no cover - every opened database has its instance row
        raise NotFoundError(_("This database has no identity row; run “cvcdesk check”."))
    if instance.private_key is None or len(instance.private_key) != 32:
        key = Ed25519PrivateKey.generate()
        instance.private_key = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        instance.public_key = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        session.flush()
    return _from_seed(bytes(instance.private_key))


def partnership_key(
    keys: KeyPair, their_agreement_key: bytes, own_instance: str, their_instance: str
) -> bytes:
    """The secret both partners derive on their own (X25519 + HKDF): it keys the hashes of
    pseudonymised volunteers, so only these two can match them."""
    shared = keys.agreement.exchange(X25519PublicKey.from_public_bytes(their_agreement_key))
    salt = "|".join(sorted((own_instance, their_instance))).encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_PARTNERSHIP_INFO).derive(
        shared
    )


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, *, length: int) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise SyncFileError(_("The identity file holds a key that is not readable.")) from None
    if len(data) != length:
        raise SyncFileError(_("The identity file holds a key of the wrong length."))
    return data


def read_identity_file(path: Path) -> PartnerIdentity:
    """A partner's identity file, refused unless it is well formed and signed by its own key."""
    try:
        size = path.stat().st_size
        if size > MAX_IDENTITY_BYTES:
            raise SyncFileError(
                _("“{path}” is too large to be a cvcdesk identity file.").format(path=path)
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SyncFileError(_("There is no file at “{path}”.").format(path=path)) from None
    except IsADirectoryError:
        raise SyncFileError(_("“{path}” is a folder, not a file.").format(path=path)) from None
    except OSError as exc:
        raise SyncFileError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    document = parse_identity(data)
    signature = _unb64(document["signature"], length=64)
    signing_key = _unb64(document["signing_key"], length=32)
    agreement_key = _unb64(document["agreement_key"], length=32)
    signed = {k: v for k, v in document.items() if k != "signature"}
    if not verify_signature(signing_key, signature, canonical_json(signed)):
        raise SyncFileError(
            _(
                "The identity file “{path}” was changed after it was written (its signature "
                "does not match). Ask the partner for a fresh copy."
            ).format(path=path)
        )
    organisation = document["organisation"]
    return PartnerIdentity(
        instance_uuid=document["instance"],
        organisation_uuid=organisation.get("uuid") or None,
        name_en=organisation["name_en"].strip(),
        name_cy=(organisation.get("name_cy") or "").strip(),
        signing_key=signing_key,
        agreement_key=agreement_key,
        fingerprint=fingerprint(signing_key),
        created_at=str(document.get("created_at", "")),
    )


class IdentityService(ServiceBase):
    def identity(self) -> OrganisationIdentity:
        """This database's identity; the key pair is made on first use."""
        with self._unit() as session:
            return self._identity(session, load_keys(session))

    def set_organisation(self, key: str) -> OrganisationIdentity:
        """Say which group this database belongs to (by name or id)."""
        with self._unit() as session:
            organisation = _find_group(session, key)
            instance = session.scalar(select(m.Instance).limit(1))
            assert instance is not None
            instance.organisation_uuid = organisation.uuid
            session.flush()
            return self._identity(session, load_keys(session))

    def write_identity(
        self, path: Path, *, organisation: str | None = None
    ) -> OrganisationIdentity:
        """Write the public identity file partners add; with `organisation`, set the group
        first. Refused while this database belongs to no group."""
        with self._unit() as session:
            instance = session.scalar(select(m.Instance).limit(1))
            assert instance is not None
            if organisation:
                instance.organisation_uuid = _find_group(session, organisation).uuid
                session.flush()
            keys = load_keys(session)
            identity = self._identity(session, keys)
            if not identity.organisation_uuid or not identity.name:
                raise NotFoundError(
                    _(
                        "Say which group this database belongs to first, for example "
                        "“cvcdesk partners identity --organisation NAME -o FILE”."
                    )
                )
            document: dict[str, object] = {
                "format": IDENTITY_FORMAT,
                "version": IDENTITY_VERSION,
                "instance": identity.instance_uuid,
                "organisation": {
                    "uuid": identity.organisation_uuid,
                    "name_en": identity.name_en or identity.name_cy,
                    "name_cy": identity.name_cy,
                },
                "signing_key": _b64(keys.signing_public),
                "agreement_key": _b64(keys.agreement_public),
                "fingerprint": keys.fingerprint,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            document["signature"] = _b64(keys.signing.sign(canonical_json(document)))
            try:
                with atomic_write(path, "w", encoding="utf-8") as handle:
                    cast(IO[str], handle).write(
                        json.dumps(document, ensure_ascii=False, indent=2) + "\n"
                    )
            except OSError as exc:
                raise SyncFileError(
                    _("Cannot write “{path}”: {reason}").format(path=path, reason=exc.strerror)
                ) from None
            return identity

    # ---- helpers -------------------------------------------------------------------------

    def _identity(self, session: Session, keys: KeyPair) -> OrganisationIdentity:
        instance = session.scalar(select(m.Instance).limit(1))
        assert instance is not None
        name_en = name_cy = ""
        if instance.organisation_uuid:
            row = session.execute(
                select(m.Organisation.name_en, m.Organisation.name_cy).where(
                    m.Organisation.uuid == instance.organisation_uuid
                )
            ).first()
            if row is not None:
                name_en, name_cy = row
        return OrganisationIdentity(
            instance_uuid=instance.uuid,
            organisation_uuid=instance.organisation_uuid,
            name_en=name_en,
            name_cy=name_cy,
            fingerprint=keys.fingerprint,
            signing_key=keys.signing_public,
            agreement_key=keys.agreement_public,
        )


def _find_group(session: Session, key: str) -> m.Organisation:
    text = key.strip()
    if not text:
        raise NotFoundError(_("Give a group's name or id."))
    row = session.scalar(
        select(m.Organisation).where(
            m.Organisation.deleted.is_(False),
            or_(
                m.Organisation.uuid == text,
                func.lower(m.Organisation.name_en) == text.lower(),
                func.lower(m.Organisation.name_cy) == text.lower(),
            ),
        )
    )
    if row is None:
        raise NotFoundError(_("No group has the name or id “{key}”.").format(key=text))
    return row
