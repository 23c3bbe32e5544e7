"""Named communities and wards: a code, English and Welsh names, and the postcodes they hold.

A community is an area (kind "community" or "ward") that holds postcode districts, sectors or
units; the coverage grid, the community report and `--area` can then speak of "Hwlffordd"
rather than of SA61 1 and SA61 2. Its code is how partners and the command line know it, so
it never changes once given; the names and postcodes can. Removing one keeps a tombstone, as
for every shareable record; adding the same code again brings it back.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cvcdesk.domain.enums import AreaKind, AuditAction
from cvcdesk.domain.errors import (
    ConflictError,
    CvcError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.domain.validation import InvalidValue, postcode_area_code
from cvcdesk.i18n import _, current_language, ngettext
from cvcdesk.services.base import ServiceBase
from cvcdesk.services.coverage import postcode_sort_key
from cvcdesk.store import models as m

RECORD_TYPE = "area"
NAMED_KINDS = (AreaKind.COMMUNITY.value, AreaKind.WARD.value)
CODE_LENGTH = 20
NAME_LENGTH = 200
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9-]*$")
# Postcodes in a list are separated by commas, semicolons or new lines (a space belongs to
# the postcode itself: "SA61 1").
_SEPARATORS = re.compile(r"[,;\n\r]+")


@dataclass(frozen=True)
class CommunityData:
    """What a coordinator types for a community; `postcodes` as typed, checked on saving."""

    code: str
    name_en: str = ""
    name_cy: str = ""
    postcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommunityRecord:
    uuid: str
    code: str
    kind: str
    name_en: str
    name_cy: str
    postcodes: tuple[str, ...]
    version: int
    changed_at: str
    coverage_lines: int = 0  # live coverage lines of live groups whose area this is
    activities: int = 0  # live activities of live groups whose area this is

    def name(self, language: str | None = None) -> str:
        if (language or current_language()) == "cy" and self.name_cy:
            return self.name_cy
        return self.name_en or self.name_cy or self.code

    @property
    def in_use(self) -> int:
        return self.coverage_lines + self.activities


class CommunityInUseError(CvcError):
    """A community still named by coverage lines or activities; removing it needs a yes."""

    def __init__(self, record: CommunityRecord) -> None:
        self.record = record
        super().__init__(in_use_message(record))


def in_use_message(record: CommunityRecord) -> str:
    """How many records name this community as their area, in one sentence."""
    return ngettext(
        "{name} ({code}) is the area of {count} record (coverage lines: {coverage}; "
        "activities: {activities}). Once it is removed, that record counts in no area until "
        "it is given another.",
        "{name} ({code}) is the area of {count} records (coverage lines: {coverage}; "
        "activities: {activities}). Once it is removed, those records count in no area until "
        "they are given another.",
        record.in_use,
    ).format(
        name=record.name(),
        code=record.code,
        count=record.in_use,
        coverage=record.coverage_lines,
        activities=record.activities,
    )


def split_postcodes(text: str) -> tuple[str, ...]:
    """'SA61 1, SA61 2;SA62' -> ('SA61 1', 'SA61 2', 'SA62'), as typed (not yet checked)."""
    return tuple(part.strip() for part in _SEPARATORS.split(text or "") if part.strip())


def check_postcodes(items: Iterable[str]) -> tuple[tuple[str, ...], builtins.list[FieldError]]:
    """The postcodes normalised (each once, in the order given) and the problems, if any.

    Every item is a postcode district (SA61), sector (SA61 1) or full postcode (SA61 1AB);
    every item that is not is named in one message.
    """
    good: list[str] = []
    bad: list[str] = []
    for item in items:
        text = item.strip()
        if not text:
            continue
        try:
            code = postcode_area_code(text)
        except InvalidValue:
            if text not in bad:
                bad.append(text)
            continue
        if code not in good:
            good.append(code)
    problems: list[FieldError] = []
    if bad:
        quoted = ", ".join(f"“{item}”" for item in bad)
        problems.append(
            FieldError(
                "postcodes",
                ngettext(
                    "Postcodes: {items} is not a postcode district, sector or full postcode. "
                    "Write each like SA61, SA61 1 or SA61 1AB, separated by commas.",
                    "Postcodes: {items} are not postcode districts, sectors or full postcodes. "
                    "Write each like SA61, SA61 1 or SA61 1AB, separated by commas.",
                    len(bad),
                ).format(items=quoted),
            )
        )
    elif not good:
        problems.append(
            FieldError(
                "postcodes",
                _(
                    "Postcodes: give the postcode districts, sectors or full postcodes the "
                    "community holds, such as SA61 1, SA61 2."
                ),
            )
        )
    return tuple(good), problems


def normal_code(text: str) -> str:
    return (text or "").strip().upper()


def check_form(data: CommunityData) -> builtins.list[FieldError]:
    """The problems that need no database: the code's shape, the names, the postcodes."""
    problems: list[FieldError] = []
    code = normal_code(data.code)
    if not code:
        problems.append(
            FieldError("code", _("Code: give a short code for the community, such as HWLFFORDD."))
        )
    elif _looks_like_postcode(code):
        problems.append(
            FieldError(
                "code",
                _(
                    "Code “{code}” looks like a postcode area, so it could not be told apart "
                    "from one. Use a word such as HWLFFORDD."
                ).format(code=code),
            )
        )
    elif len(code) > CODE_LENGTH or len(code) < 2 or not _CODE_RE.match(code):
        problems.append(
            FieldError(
                "code",
                _(
                    "Code “{code}” is not accepted: use 2 to {limit} letters A to Z, digits "
                    "and hyphens, starting with a letter, such as HWLFFORDD."
                ).format(code=data.code.strip(), limit=CODE_LENGTH),
            )
        )
    name_en, name_cy = data.name_en.strip(), data.name_cy.strip()
    if not name_en and not name_cy:
        problems.append(
            FieldError("name_en", _("Name: give the community's name in English, Welsh or both."))
        )
    for field, value, label in (
        ("name_en", name_en, _("English name")),
        ("name_cy", name_cy, _("Welsh name")),
    ):
        if len(value) > NAME_LENGTH:
            problems.append(
                FieldError(
                    field,
                    _("{field} is too long: at most {limit} characters.").format(
                        field=label, limit=NAME_LENGTH
                    ),
                )
            )
    problems.extend(check_postcodes(data.postcodes)[1])
    return problems


def _area_name(row: m.Area) -> str:
    if current_language() == "cy" and row.name_cy:
        return row.name_cy
    return row.name_en or row.name_cy or row.code


def _looks_like_postcode(code: str) -> bool:
    try:
        postcode_area_code(code)
    except InvalidValue:
        return False
    return True


class CommunityService(ServiceBase):
    """List, add, change and remove named communities and wards."""

    def list(self, *, language: str | None = None) -> builtins.list[CommunityRecord]:
        """Every live community and ward, in alphabetical order of its name."""
        lang = language or current_language()
        key = welsh_sort_key if lang == "cy" else english_sort_key
        with self._read() as session:
            rows = list(
                session.scalars(
                    select(m.Area).where(m.Area.kind.in_(NAMED_KINDS), m.Area.deleted.is_(False))
                )
            )
            records = self._records(session, rows)
        return sorted(records, key=lambda r: (key(r.name(lang)), r.code))

    def get(self, key: str) -> CommunityRecord:
        """A live community by its code, or by its English or Welsh name."""
        with self._read() as session:
            row = self._find(session, key)
            return self._records(session, [row])[0]

    def problems(
        self, data: CommunityData, *, editing: str | None = None
    ) -> builtins.list[FieldError]:
        """Everything wrong with `data`, including a code or name another community has.

        `editing` is the code of the community being changed (its own names are no clash).
        """
        problems = check_form(data)
        with self._read() as session:
            problems.extend(self._clashes(session, data, editing))
        return problems

    def create(self, data: CommunityData) -> CommunityRecord:
        """Add a community; a code that was removed before brings that community back."""
        with self._unit() as session:
            problems = check_form(data) + self._clashes(session, data, None)
            if problems:
                raise ValidationError(problems)
            code = normal_code(data.code)
            postcodes = check_postcodes(data.postcodes)[0]
            row = session.scalars(
                select(m.Area).where(func.upper(m.Area.code) == code).order_by(m.Area.id)
            ).first()
            if row is None:
                row = m.Area(kind=AreaKind.COMMUNITY.value, code=code, parent_id=None)
                session.add(row)
                action, before = AuditAction.CREATE, None
            else:
                # Only a removed community can have this code (the clash check said so).
                action, before = AuditAction.RESTORE, self._records(session, [row])[0]
                row.deleted = False
            changes = self._changes(row, data, postcodes, before)
            if before is not None:
                changes["deleted"] = (True, False)
            self._write(session, row, data, postcodes)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=action,
                changes=changes,
            )
            session.flush()
            return self._records(session, [row])[0]

    def update(
        self, key: str, data: CommunityData, *, expected_version: int | None = None
    ) -> CommunityRecord:
        """Change a community's names and postcodes; its code stays (partners know it by it)."""
        with self._unit() as session:
            row = self._find(session, key)
            if normal_code(data.code) and normal_code(data.code) != row.code.upper():
                raise ValidationError(
                    [
                        FieldError(
                            "code",
                            _(
                                "Code: a community's code cannot be changed ({code}); partners "
                                "and saved reports know it by its code. Add a new community "
                                "instead."
                            ).format(code=row.code),
                        )
                    ]
                )
            data = CommunityData(row.code, data.name_en, data.name_cy, data.postcodes)
            problems = [p for p in check_form(data) if p.field != "code"]
            problems += self._clashes(session, data, row.code)
            if problems:
                raise ValidationError(problems)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(
                    _(
                        "{name} was changed by someone else since you opened it. Your changes "
                        "were not saved; reopen the record to see theirs."
                    ).format(name=_area_name(row))
                )
            before = self._records(session, [row])[0]
            postcodes = check_postcodes(data.postcodes)[0]
            changes = self._changes(row, data, postcodes, before)
            if not changes:
                return before
            self._write(session, row, data, postcodes)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.UPDATE,
                changes=changes,
            )
            session.flush()
            return self._records(session, [row])[0]

    def delete(self, key: str, *, force: bool = False) -> CommunityRecord:
        """Remove a community (a tombstone). One still named by coverage lines or activities
        is refused with CommunityInUseError, which says how many, unless `force`."""
        with self._unit() as session:
            row = self._find(session, key)
            record = self._records(session, [row])[0]
            if record.in_use and not force:
                raise CommunityInUseError(record)
            row.deleted = True
            self._stamp(row)
            self._audit(
                session,
                record_type=RECORD_TYPE,
                record_uuid=row.uuid,
                action=AuditAction.DELETE,
                changes={"deleted": (False, True)},
            )
            session.flush()
            return record

    # ---- helpers -------------------------------------------------------------------------

    @staticmethod
    def _changes(
        row: m.Area, data: CommunityData, postcodes: Sequence[str], before: CommunityRecord | None
    ) -> dict[str, tuple[object, object]]:
        """What saving `data` changes, for the audit trail (empty: nothing)."""
        changes: dict[str, tuple[object, object]] = {}
        if before is None:
            changes["code"] = (None, row.code)
        for name, value in (("name_en", data.name_en.strip()), ("name_cy", data.name_cy.strip())):
            old = getattr(before, name) if before is not None else None
            if old != value and (before is not None or value):
                changes[name] = (old, value)
        old_postcodes = before.postcodes if before is not None else ()
        if sorted(old_postcodes) != sorted(postcodes):
            changes["postcodes"] = (
                ", ".join(old_postcodes) if before is not None else None,
                ", ".join(postcodes),
            )
        return changes

    def _write(
        self, session: Session, row: m.Area, data: CommunityData, postcodes: Sequence[str]
    ) -> None:
        """Set the names and postcodes and stamp the row with the database's clock."""
        row.name_en, row.name_cy = data.name_en.strip(), data.name_cy.strip()
        self._stamp(row)
        session.flush()
        held = {
            p.postcode: p
            for p in session.scalars(select(m.AreaPostcode).where(m.AreaPostcode.area_id == row.id))
        }
        for postcode, link in held.items():
            if postcode not in postcodes:
                session.delete(link)
        for postcode in postcodes:
            if postcode not in held:
                session.add(m.AreaPostcode(area_id=row.id, postcode=postcode))
        session.flush()

    def _find(self, session: Session, key: str) -> m.Area:
        text = (key or "").strip()
        if not text:
            raise NotFoundError(_("Give a community's code or name."))
        live = select(m.Area).where(m.Area.kind.in_(NAMED_KINDS), m.Area.deleted.is_(False))
        row = session.scalar(live.where(m.Area.code == text))
        if row is None:
            found = list(
                session.scalars(
                    live.where(
                        or_(
                            func.upper(m.Area.code) == text.upper(),
                            func.lower(m.Area.name_en) == text.lower(),
                            func.lower(m.Area.name_cy) == text.lower(),
                        )
                    ).limit(2)
                )
            )
            if len(found) == 1:
                row = found[0]
            elif found:
                raise NotFoundError(
                    _("More than one community is called “{key}”; give its code.").format(key=text)
                )
        if row is None:
            raise NotFoundError(
                _(
                    "There is no community or ward “{key}”. “cvcdesk areas communities” lists them."
                ).format(key=text)
            )
        return row

    def _clashes(
        self, session: Session, data: CommunityData, editing: str | None
    ) -> builtins.list[FieldError]:
        """A code or a name that another live community already has."""
        problems: list[FieldError] = []
        code = normal_code(data.code)
        others = [
            row
            for row in session.scalars(
                select(m.Area).where(m.Area.kind.in_(NAMED_KINDS), m.Area.deleted.is_(False))
            )
            if editing is None or row.code.upper() != editing.upper()
        ]
        if editing is None and code:
            taken = next((row for row in others if row.code.upper() == code), None)
            if taken is not None:
                problems.append(
                    FieldError(
                        "code",
                        _("Code “{code}” is already the code of {name}.").format(
                            code=code, name=_area_name(taken)
                        ),
                    )
                )
            elif session.scalar(
                select(m.Area.kind).where(
                    func.upper(m.Area.code) == code, m.Area.kind.not_in(NAMED_KINDS)
                )
            ):
                problems.append(
                    FieldError(
                        "code",
                        _("Code “{code}” is already the code of another area.").format(code=code),
                    )
                )
        for field, value, label in (
            ("name_en", data.name_en.strip(), _("English name")),
            ("name_cy", data.name_cy.strip(), _("Welsh name")),
        ):
            if not value:
                continue
            folded = value.casefold()
            taken = next(
                (
                    row
                    for row in others
                    if folded
                    in (row.name_en.casefold(), row.name_cy.casefold(), row.code.casefold())
                ),
                None,
            )
            if taken is not None:
                problems.append(
                    FieldError(
                        field,
                        _(
                            "{field} “{name}” is already used by the community {code}; give "
                            "this one a name of its own."
                        ).format(field=label, name=value, code=taken.code),
                    )
                )
        return problems

    def _records(self, session: Session, rows: Sequence[m.Area]) -> builtins.list[CommunityRecord]:
        ids = [row.id for row in rows]
        if not ids:
            return []
        held: dict[int, list[str]] = {area_id: [] for area_id in ids}
        for area_id, postcode in session.execute(
            select(m.AreaPostcode.area_id, m.AreaPostcode.postcode)
            .where(m.AreaPostcode.area_id.in_(ids))
            .order_by(m.AreaPostcode.area_id)
        ):
            held[area_id].append(postcode)
        coverage, activities = (
            _uses_by_area(session, model, ids) for model in (m.Coverage, m.Activity)
        )
        return [
            CommunityRecord(
                uuid=row.uuid,
                code=row.code,
                kind=row.kind,
                name_en=row.name_en,
                name_cy=row.name_cy,
                postcodes=tuple(sorted(held[row.id], key=postcode_sort_key)),
                version=row.version,
                changed_at=row.changed_at,
                coverage_lines=int(coverage.get(row.id, 0)),
                activities=int(activities.get(row.id, 0)),
            )
            for row in rows
        ]


def _uses_by_area(
    session: Session, model: type[m.Coverage] | type[m.Activity], ids: list[int]
) -> dict[int | None, int]:
    """How many live records of `model` (of live groups) name each of these areas."""
    return {
        area_id: int(count)
        for area_id, count in session.execute(
            select(model.area_id, func.count())
            .join(m.Organisation, m.Organisation.id == model.organisation_id)
            .where(
                model.area_id.in_(ids),
                model.deleted.is_(False),
                m.Organisation.deleted.is_(False),
            )
            .group_by(model.area_id)
        )
    }
