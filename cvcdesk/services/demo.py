"""The demo generator: realistic Welsh sample data, with known duplicates to measure detection."""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuid_module
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.orm import Session

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.services import demo_data as words
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.store import models as m
from cvcdesk.store.derived import organisation_sort_keys, search_tokens, volunteer_sort_keys

T = TypeVar("T")

DUPLICATE_SHARE = 0.03
FAMILY_SHARE = 0.05  # chance that the next volunteer is a relative of a waiting family
FAMILY_HEAD_SHARE = 0.1  # chance that a volunteer's household will register a relative too
NEIGHBOUR_SHARE = 0.25  # chance that a group sets up in a district another group already serves
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_DATETIME = "%Y-%m-%d %H:%M:%S.000000"
_ACCENTS = "âêîôûŵŷ"
_UNACCENT = str.maketrans("âêîôûŵŷïáéí", "aeiouwyiaei", " '")
_DBS_RENEWAL_DAYS = 3 * 365
# Version 4 uuids from the seeded generator: the same bits uuid.UUID(int=..., version=4) sets.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)
# Tables that get most of the rows. On SQLite their secondary indexes and full-text index are
# built once after the rows are in, which is several times faster than row by row.
_BULK_TABLES = ("volunteer", "membership", "volunteer_skill", "availability")
_SKILL_CODES = ("driving", "cooking", "first_aid", "welsh_speaker", "befriending",
                "it_support", "gardening", "admin", "lifting", "food_hygiene")  # fmt: skip
_CONSENT_METHODS = ("paper_form", "online_form", "phone", "email", "in_person")
_FLUENCY = ("fluent", "conversational", "learner")
_WORKFORCE = ("adult", "child", "both")
_ROLES = ("", "", "driver", "coordinator", "helper")
_PLACES = ("Village hall", "Neuadd y pentref", "Chapel vestry", "Community centre")
_EMAIL_DOMAINS = ("example.org", "example.com", "example.net", "example.cymru")
_VOLUNTEER_COLUMNS = (
    "id", "uuid", "origin", "changed_at", "deleted", "version", "reference", "first_name",
    "last_name", "known_as", "date_of_birth", "phone", "phone_alt", "email", "address",
    "town", "postcode", "preferred_language", "welsh_fluency", "other_languages",
    "has_car", "can_drive", "emergency_contact_name", "emergency_contact_phone", "status",
    "joined_on", "notes", "consent_share", "consent_date", "consent_method", "dbs_level",
    "dbs_workforce", "dbs_certificate_number", "dbs_issue_date", "dbs_update_service",
    "dbs_checked_by", "dbs_renewal_due", "search_text", "sort_key_en", "sort_key_cy",
    "created_at",
)  # fmt: skip
_MEMBERSHIP_COLUMNS = (
    "uuid", "origin", "changed_at", "deleted", "version", "volunteer_id", "organisation_id", "role",
    "since",
)  # fmt: skip
_ORGANISATION_COLUMNS = (
    "id", "uuid", "origin", "changed_at", "deleted", "version", "name_en", "name_cy", "kind",
    "charity_number", "company_number", "contact_name", "email", "phone", "address", "postcode",
    "website", "notes", "sort_key_en", "sort_key_cy", "created_at",
)  # fmt: skip
_COVERAGE_COLUMNS = (
    "uuid", "origin", "changed_at", "deleted", "version", "organisation_id", "service_type_code",
    "area_code", "weekdays", "start_time", "end_time", "start_date", "end_date", "notes",
)  # fmt: skip
_ACTIVITY_COLUMNS = (
    "id", "uuid", "origin", "changed_at", "deleted", "version", "organisation_id",
    "service_type_code", "area_code", "title_en", "title_cy", "place", "postcode", "rrule",
    "start_date", "start_time", "end_time", "volunteers_needed", "dbs_level_required",
    "welsh_required", "skip_bank_holidays", "notes",
)  # fmt: skip
_SHIFT_COLUMNS = (
    "id", "uuid", "origin", "changed_at", "deleted", "version", "activity_id", "starts_at",
    "ends_at", "cancelled", "orphaned", "notes",
)  # fmt: skip
_ASSIGNMENT_COLUMNS = (
    "uuid", "origin", "changed_at", "deleted", "version", "shift_id", "volunteer_id", "status",
    "hours", "notes",
)  # fmt: skip
_HOUSEHOLD_COLUMNS = (
    "id", "uuid", "origin", "changed_at", "deleted", "version", "reference", "postcode", "house",
    "match_key", "notes",
)  # fmt: skip
_SUPPORT_COLUMNS = (
    "uuid", "origin", "changed_at", "deleted", "version", "household_id", "organisation_id",
    "service_type_code", "since",
)  # fmt: skip


def _weighted(*pairs: tuple[str, int]) -> tuple[str, ...]:
    """A table to draw from uniformly that gives each value its weight (cheaper than choices)."""
    return tuple(value for value, weight in pairs for _ in range(weight))


_DBS_LEVELS = _weighted(("none", 40), ("basic", 25), ("standard", 10), ("enhanced", 25))
_STATUSES = _weighted(("active", 85), ("paused", 10), ("left", 5))
_SURNAME_DRAW = tuple(
    name
    for name, weight in zip(words.SURNAMES, words.SURNAME_WEIGHTS, strict=True)
    for _ in range(weight)
)
_FIRST_NAMES = (*words.WELSH_FIRST, *words.ENGLISH_FIRST)
_WELSH_FIRST = frozenset(words.WELSH_FIRST)


@dataclass(frozen=True)
class DemoSummary:
    volunteers: int
    groups: int
    duplicates: int
    activities: int
    shifts: int
    assignments: int
    households: int


@dataclass
class Batch:
    """Rows for one table, as tuples in the order of `columns`."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Person:
    id: int
    uuid: str
    first: str
    last: str
    district: int
    postcode: str
    house: str
    street: str
    phone_national: str  # as a coordinator would display it: "07712 345678"
    email: str
    dob: str  # ISO date
    groups: list[int]


class DemoGenerator:
    """Builds the rows; `DemoService.generate` writes them. Same seed, same data."""

    def __init__(
        self, *, volunteers: int, groups: int, seed: int, origin: str, today: dt.date
    ) -> None:
        self.n_volunteers = volunteers
        self.n_groups = groups
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self._bits = self.rng.getrandbits
        self.origin = origin
        self.today = today
        self._clock = 0
        self.summary: dict[str, int] = {}
        self._group_services: dict[int, list[str]] = {}
        # ISO dates `days` before today, drawn from hundreds of thousands of times.
        self._days_ago = [(today - dt.timedelta(days=days)).isoformat() for days in range(2001)]
        self._email_locals: dict[tuple[str, str], str] = {}

    # -- small helpers --------------------------------------------------------------------

    def _pick(self, seq: Sequence[T]) -> T:
        return seq[int(self._random() * len(seq))]

    def _between(self, low: int, high: int) -> int:
        """A whole number from low to high inclusive."""
        return low + int(self._random() * (high - low + 1))

    def _uuid(self) -> str:
        h = f"{(self._bits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _stamp(self) -> str:
        self._clock += 1
        return f"{1_700_000_000_000 + self._clock:015d}-000000-{self.origin}"

    def _postcode(self, district: str) -> str:
        pick = self._pick
        return f"{district} {self._between(1, 9)}{pick(_UNIT_LETTERS)}{pick(_UNIT_LETTERS)}"

    def _mobile(self) -> str:
        return f"{self._pick(words.MOBILE_PREFIXES)} {self._between(200000, 999999)}"

    def _landline(self, area_code: str) -> str:
        if area_code == "029":
            return f"029 2{self._between(0, 999):03d} {self._between(0, 9999):04d}"
        return f"{area_code} {self._between(200000, 899999)}"

    def _dob(self) -> str:
        b = self._between
        return f"{b(1940, 2006)}-{b(1, 12):02d}-{b(1, 28):02d}"

    @staticmethod
    def _e164(national: str) -> str:
        return "+44" + national.replace(" ", "")[1:]

    def _email(self, first: str, last: str) -> str:
        key = (first, last)
        local = self._email_locals.get(key)
        if local is None:
            local = f"{first}.{last}".lower().translate(_UNACCENT)
            self._email_locals[key] = local
        return f"{local}{self._between(1, 999)}@{self._pick(_EMAIL_DOMAINS)}"

    # -- the rows -------------------------------------------------------------------------

    def batches(self, batch_size: int = 5000) -> Iterator[Batch]:
        rand = self._random
        between = self._between
        pick = self._pick
        new_uuid = self._uuid
        stamp = self._stamp
        days_ago = self._days_ago
        origin = self.origin
        today = self.today
        groups = self._groups()
        # The last value of each group row is a helper (its district index), not a column.
        group_districts = [row[-1] for row in groups.rows]
        groups.rows = [row[:-1] for row in groups.rows]
        yield groups
        yield self._coverage(len(groups.rows), group_districts)

        groups_by_district: dict[int, list[int]] = {}
        for index, district in enumerate(group_districts):
            groups_by_district.setdefault(district, []).append(index + 1)
        group_uuids = [row[1] for row in groups.rows]
        n_groups = len(group_uuids)
        # Renewal is three years after issue; issues are 30 to 1300 days ago.
        renewals = [
            (today + dt.timedelta(days=_DBS_RENEWAL_DAYS - days)).isoformat()
            for days in range(1301)
        ]

        n_dupes = int(self.n_volunteers * DUPLICATE_SHARE)
        n_originals = self.n_volunteers - n_dupes
        people: list[_Person] = []
        vols = Batch("volunteer", _VOLUNTEER_COLUMNS)
        members = Batch("membership", _MEMBERSHIP_COLUMNS)
        skills = Batch("volunteer_skill", ("volunteer_id", "skill_code"))
        avail = Batch("availability", ("volunteer_id", "weekday", "start_time", "end_time"))
        truth = Batch("demo_duplicate", ("duplicate_uuid", "original_uuid", "variation"))
        created = today.strftime(_DATETIME)
        family_of: _Person | None = None

        def flush() -> Iterator[Batch]:
            for batch in (vols, members, skills, avail, truth):
                if batch.rows:
                    yield Batch(batch.table, batch.columns, batch.rows)
                    batch.rows = []

        def emit(p: _Person, reference: str) -> None:
            district = words.DISTRICTS[p.district]
            welsh = rand() < 0.3 or p.first in _WELSH_FIRST
            level = pick(_DBS_LEVELS)
            consent = rand() < 0.7
            national = p.phone_national
            e164 = self._e164(national) if national else ""
            sort_en, sort_cy = volunteer_sort_keys(p.first, p.last)
            if level == "none":
                workforce = issue = renewal = None
                certificate, update_service, checked_by = "", False, ""
            else:
                issued_days = between(30, 1300)
                workforce = pick(_WORKFORCE)
                certificate = f"{between(10**11, 10**12 - 1):012d}"
                issue, renewal = days_ago[issued_days], renewals[issued_days]
                update_service = rand() < 0.3
                checked_by = group_uuids[p.groups[0] - 1] if p.groups else ""
            vols.rows.append((
                p.id, p.uuid, origin, stamp(), False, 1, reference, p.first, p.last,
                "", p.dob, e164, "", p.email, f"{p.house} {p.street}",
                district[1], p.postcode, "cy" if welsh and rand() < 0.6 else "en",
                pick(_FLUENCY) if welsh else "none", "",
                rand() < 0.6, rand() < 0.55, "", "",
                pick(_STATUSES), days_ago[between(0, 2000)], "",
                consent, days_ago[between(0, 900)] if consent else None,
                pick(_CONSENT_METHODS) if consent else None,
                level, workforce, certificate, issue, update_service, checked_by, renewal,
                search_tokens(national, e164, p.postcode), sort_en, sort_cy, created,
            ))  # fmt: skip
            for org in p.groups:
                members.rows.append((
                    new_uuid(), origin, stamp(), False, 1, p.id, org, pick(_ROLES),
                    days_ago[between(0, 1500)],
                ))  # fmt: skip
            chosen: list[str] = []
            for _index in range(between(0, 3)):
                code = pick(_SKILL_CODES)
                if code not in chosen:
                    chosen.append(code)
                    skills.rows.append((p.id, code))
            days: list[int] = []
            for _index in range(between(1, 3)):
                day = between(0, 6)
                if day not in days:
                    days.append(day)
                    start = pick((9, 10, 13, 14, 17))
                    end = start + between(2, 4)
                    avail.rows.append(
                        (p.id, day, f"{start:02d}:00:00.000000", f"{end:02d}:00:00.000000")
                    )

        for index in range(n_originals):
            vid = index + 1
            if family_of is not None and rand() < FAMILY_SHARE:
                # A relative at the same address: same surname and home phone, often the same
                # e-mail. Not a duplicate: detection must tell them apart.
                base = family_of
                first = pick(_FIRST_NAMES)
                while first == base.first:
                    first = pick(_FIRST_NAMES)
                person = _Person(
                    id=vid,
                    uuid=new_uuid(),
                    first=first,
                    last=base.last,
                    district=base.district,
                    postcode=base.postcode,
                    house=base.house,
                    street=base.street,
                    phone_national=base.phone_national,
                    email=base.email if rand() < 0.6 else self._email(first, base.last),
                    dob=self._dob(),
                    groups=list(base.groups),
                )
                family_of = None
            else:
                d = int(rand() * len(words.DISTRICTS))
                first = pick(words.WELSH_FIRST if rand() < 0.5 else words.ENGLISH_FIRST)
                last = pick(_SURNAME_DRAW)
                local = groups_by_district.get(d)
                picks = [pick(local) if local else between(1, n_groups)]
                if rand() < 0.3:
                    extra = between(1, n_groups)
                    if extra not in picks:
                        picks.append(extra)
                head = rand() < FAMILY_HEAD_SHARE
                area_code = words.DISTRICTS[d][3]
                person = _Person(
                    id=vid,
                    uuid=new_uuid(),
                    first=first,
                    last=last,
                    district=d,
                    postcode=self._postcode(words.DISTRICTS[d][0]),
                    house=str(between(1, 120)),
                    street=pick(words.STREETS),
                    # A household's shared number is its landline; most others give a mobile.
                    phone_national=(
                        self._landline(area_code) if head or rand() < 0.2 else self._mobile()
                    ),
                    email=self._email(first, last) if rand() < 0.85 else "",
                    dob=self._dob(),
                    groups=sorted(picks),
                )
                if head:
                    family_of = person
            people.append(person)
            emit(person, f"V{vid:06d}")
            if len(vols.rows) >= batch_size:
                yield from flush()

        for index in range(n_dupes):
            vid = n_originals + index + 1
            original = pick(people)
            dupe, variation = self._variation(original, vid, n_groups, groups_by_district)
            emit(dupe, f"G{vid:06d}")
            truth.rows.append((dupe.uuid, original.uuid, variation))
            if len(vols.rows) >= batch_size:
                yield from flush()
        yield from flush()
        self.summary["volunteers"] = self.n_volunteers
        self.summary["duplicates"] = n_dupes
        yield from self._activities(people, n_groups, group_districts)
        yield from self._households(n_groups, group_districts)

    def _variation(
        self,
        p: _Person,
        vid: int,
        n_groups: int,
        groups_by_district: dict[int, list[int]],
    ) -> tuple[_Person, str]:
        """The same person registered again by another group, as people really re-register."""
        r = self.rng
        first, last, email, phone = p.first, p.last, p.email, p.phone_national
        kinds = r.sample(
            [
                "nickname",
                "typo",
                "phone_format",
                "other_phone",
                "swapped_names",
                "missing_email",
                "accent",
            ],
            r.choice((1, 1, 2)),
        )
        applied: list[str] = []
        for kind in kinds:
            if kind == "nickname" and first in words.NICKNAMES:
                first = r.choice(words.NICKNAMES[first])
            elif kind == "typo" and len(last) > 3:
                spots = [
                    i
                    for i in range(1, len(last) - 1)
                    if last[i].isalpha() and last[i + 1].isalpha() and last[i] != last[i + 1]
                ]
                if not spots:
                    continue
                i = r.choice(spots)
                last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
            elif kind == "swapped_names":
                first, last = last, first
            elif kind == "missing_email" and email:
                email = ""
            elif kind == "accent" and any(ch in _ACCENTS for ch in first + last):
                table = str.maketrans(_ACCENTS, "aeiouwy")
                first, last = first.translate(table), last.translate(table)
            elif kind == "phone_format" and phone:
                # Typed without spaces or as +44 on the form: stored normalised, the same number.
                pass
            elif kind == "other_phone":
                # Gave their mobile this time (or a new one).
                phone = self._mobile()
            else:
                continue
            applied.append(kind)
        if not applied:
            email = ""
            applied.append("missing_email")
        # Registered again by another group, usually one near home.
        nearby = [g for g in groups_by_district.get(p.district, ()) if g not in p.groups]
        if nearby and self._random() < 0.7:
            groups = [self._pick(nearby)]
        elif n_groups > len(p.groups):
            other = self._between(1, n_groups)
            while other in p.groups:
                other = self._between(1, n_groups)
            groups = [other]
        else:
            groups = list(p.groups)
        dupe = replace(
            p, id=vid, uuid=self._uuid(), first=first, last=last, phone_national=phone,
            email=email, groups=groups,
        )  # fmt: skip
        return dupe, "+".join(applied)

    def _groups(self) -> Batch:
        r = self.rng
        batch = Batch("organisation", _ORGANISATION_COLUMNS)
        used: set[str] = set()
        created = self.today.strftime(_DATETIME)
        districts: list[int] = []
        for gid in range(1, self.n_groups + 1):
            # Groups cluster: a town often has two groups doing much the same (group 2 always
            # shares group 1's district, so even a small demo has overlapping coverage).
            if districts and (gid == 2 or r.random() < NEIGHBOUR_SHARE):
                d = r.choice(districts)
            else:
                d = r.randrange(len(words.DISTRICTS))
            districts.append(d)
            district, town, town_cy, area_code = words.DISTRICTS[d]
            for _attempt in range(20):
                en, cy, kind = r.choice(words.GROUP_PATTERNS)
                name_en = en.format(town=town)
                if name_en not in used:
                    break
                name_en = f"{name_en} ({district})"
                if name_en not in used:
                    break
            else:
                name_en = f"{en.format(town=town)} {gid}"
            used.add(name_en)
            name_cy = cy.format(town_cy=town_cy)
            if name_en.endswith(f"({district})"):
                name_cy = f"{name_cy} ({district})"
            elif name_en.endswith(f" {gid}"):
                name_cy = f"{name_cy} {gid}"
            contact = f"{r.choice(_FIRST_NAMES)} {r.choice(_SURNAME_DRAW)}"
            email = f"hello@{name_en.split()[0].lower()}{gid}.example.org"
            address = f"{r.randint(1, 60)} {r.choice(words.STREETS)}"
            batch.rows.append((
                gid, self._uuid(), self.origin, self._stamp(), False, 1, name_en, name_cy, kind,
                str(r.randint(1_000_000, 1_199_999)) if r.random() < 0.5 else "", "",
                contact, email, self._e164(self._landline(area_code)), address,
                self._postcode(district), "", "", *organisation_sort_keys(name_en, name_cy),
                created, d,
            ))  # fmt: skip
        self.summary["groups"] = self.n_groups
        return batch

    def _coverage(self, n_groups: int, group_districts: list[int]) -> Batch:
        """What each group covers; neighbours in a district often overlap (as they did)."""
        r = self.rng
        batch = Batch("coverage", _COVERAGE_COLUMNS)
        services = list(words.ACTIVITY_TITLES)
        by_district: dict[int, list[int]] = {}
        for gid in range(1, n_groups + 1):
            d = group_districts[gid - 1]
            district = words.DISTRICTS[d][0]
            chosen = r.sample(services[:6] if r.random() < 0.7 else services, r.randint(1, 3))
            overlapping: set[str] = set()
            neighbours = by_district.setdefault(d, [])
            if neighbours and (len(neighbours) == 1 or r.random() < 0.6):
                # The same service as a group already working here, over the whole district.
                shared = r.choice(self._group_services[r.choice(neighbours)])
                overlapping.add(shared)
                if shared not in chosen:
                    chosen.append(shared)
            neighbours.append(gid)
            self._group_services[gid] = chosen
            for service in chosen:
                whole = service in overlapping or r.random() < 0.6
                area = district if whole else f"{district} {r.randint(1, 9)}"
                days = r.choice((127, 31, 1 | 4 | 16, 2 | 8, 96))
                start = r.choice((None, 9, 10, 13))
                batch.rows.append((
                    self._uuid(), self.origin, self._stamp(), False, 1, gid, service, area, days,
                    f"{start:02d}:00:00.000000" if start else None,
                    f"{start + 3:02d}:00:00.000000" if start else None,
                    (self.today - dt.timedelta(days=r.randint(30, 900))).isoformat(), None, "",
                ))  # fmt: skip
        return batch

    def _activities(
        self, people: list[_Person], n_groups: int, group_districts: list[int]
    ) -> Iterator[Batch]:
        r = self.rng
        members_of: dict[int, list[int]] = {}
        for p in people:
            for g in p.groups:
                members_of.setdefault(g, []).append(p.id)
        acts = Batch("activity", _ACTIVITY_COLUMNS)
        shifts = Batch("shift", _SHIFT_COLUMNS)
        assigns = Batch("assignment", _ASSIGNMENT_COLUMNS)
        start_week = self.today - dt.timedelta(days=self.today.weekday() + 28)
        activity_id = shift_id = 0
        for gid in range(1, n_groups + 1):
            district = words.DISTRICTS[group_districts[gid - 1]]
            for service in self._group_services.get(gid, [])[:2]:
                activity_id += 1
                weekday = r.randrange(5)
                hour = r.choice((9, 10, 13, 14, 18))
                length = r.choice((2, 3))
                title_en, title_cy = words.ACTIVITY_TITLES[service]
                needed = r.randint(2, 4)
                day_code = ("MO", "TU", "WE", "TH", "FR")[weekday]
                acts.rows.append((
                    activity_id, self._uuid(), self.origin, self._stamp(), False, 1, gid, service,
                    district[0], title_en, title_cy,
                    r.choice(_PLACES),
                    self._postcode(district[0]), f"FREQ=WEEKLY;BYDAY={day_code}",
                    start_week.isoformat(), f"{hour:02d}:00:00.000000",
                    f"{hour + length:02d}:00:00.000000", needed,
                    r.choice(("none", "none", "basic", "enhanced")), r.random() < 0.2, True, "",
                ))  # fmt: skip
                pool = members_of.get(gid, [])
                for week in range(12):
                    shift_id += 1
                    day = start_week + dt.timedelta(days=7 * week + weekday)
                    starts = dt.datetime.combine(day, dt.time(hour))
                    ends = starts + dt.timedelta(hours=length)
                    shifts.rows.append(
                        (
                            shift_id,
                            self._uuid(),
                            self.origin,
                            self._stamp(),
                            False,
                            1,
                            activity_id,
                            starts.strftime(_DATETIME),
                            ends.strftime(_DATETIME),
                            False,
                            False,
                            "",
                        )
                    )
                    past = day < self.today
                    for vid in r.sample(pool, min(len(pool), r.randint(1, needed))):
                        status = (
                            r.choices(("attended", "no_show"), (95, 5))[0]
                            if past
                            else r.choice(("confirmed", "confirmed", "tentative"))
                        )
                        assigns.rows.append(
                            (
                                self._uuid(),
                                self.origin,
                                self._stamp(),
                                False,
                                1,
                                shift_id,
                                vid,
                                status,
                                float(length) if status == "attended" else None,
                                "",
                            )
                        )
        self.summary.update(activities=activity_id, shifts=shift_id, assignments=len(assigns.rows))
        yield acts
        yield shifts
        yield assigns

    def _households(self, n_groups: int, group_districts: list[int]) -> Iterator[Batch]:
        r = self.rng
        homes = Batch("household", _HOUSEHOLD_COLUMNS)
        support = Batch("household_support", _SUPPORT_COLUMNS)
        by_district: dict[int, list[int]] = {}
        for gid, district_index in enumerate(group_districts, start=1):
            by_district.setdefault(district_index, []).append(gid)
        count = max(10, n_groups * 20)
        for hid in range(1, count + 1):
            gid = r.randint(1, n_groups)
            district = words.DISTRICTS[group_districts[gid - 1]][0]
            homes.rows.append(
                (
                    hid,
                    self._uuid(),
                    self.origin,
                    self._stamp(),
                    False,
                    1,
                    f"H{hid:05d}",
                    self._postcode(district),
                    str(r.randint(1, 80)),
                    "",
                    "",
                )
            )
            service = r.choice(self._group_services.get(gid) or ["food_parcels"])
            helpers = [gid]
            # Now and then a second group in the same district helps the same home.
            if r.random() < 0.05:
                same = [g for g in by_district[group_districts[gid - 1]] if g != gid]
                if same:
                    helpers.append(r.choice(same))
            for helper in helpers:
                support.rows.append(
                    (
                        self._uuid(),
                        self.origin,
                        self._stamp(),
                        False,
                        1,
                        hid,
                        helper,
                        service,
                        self._days_ago[r.randint(0, 400)],
                    )
                )
        self.summary["households"] = count
        yield homes
        yield support


class DemoService(ServiceBase):
    def generate(
        self,
        *,
        volunteers: int,
        groups: int,
        seed: int = 1,
        progress: ProgressCallback | None = None,
        cancelled: CancelFlag | None = None,
        today: dt.date | None = None,
    ) -> DemoSummary:
        """Fill an empty database with sample data in one transaction (all or nothing)."""
        if volunteers < 1 or groups < 1:
            raise CvcError(_("Ask for at least one volunteer and one group."))
        generator = DemoGenerator(
            volunteers=volunteers,
            groups=groups,
            seed=seed,
            origin=self._db.instance_uuid,
            today=today or dt.date.today(),
        )
        metadata = m.Base.metadata
        with self._unit() as session:
            self._refuse_records(session)
            connection = session.connection()
            services = dict(connection.execute(select(m.ServiceType.code, m.ServiceType.id)).all())
            areas: dict[str, int] = {}
            deferred = _defer_indexes(connection) if self._db.is_sqlite else []
            done = 0
            for batch in generator.batches():
                if cancelled is not None and cancelled():
                    raise Cancelled()
                batch = self._resolve(connection, batch, services, areas)
                if connection.dialect.paramstyle == "qmark":
                    marks = ", ".join("?" * len(batch.columns))
                    sql = f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) VALUES ({marks})"
                    connection.exec_driver_sql(sql, batch.rows)
                else:
                    table: Table = metadata.tables[batch.table]
                    connection.execute(
                        table.insert(),
                        [dict(zip(batch.columns, row, strict=True)) for row in batch.rows],
                    )
                if batch.table == "volunteer":
                    done += len(batch.rows)
                    if progress is not None:
                        progress(done, volunteers)
            if cancelled is not None and cancelled():
                raise Cancelled()
            self._communities(connection)
            _rebuild_indexes(connection, deferred)
            # Let this database's clock move past every stamp the generator handed out.
            self._db.clock.observe(generator._stamp())
            session.execute(update(m.Instance).values(clock=self._db.clock.last()))
        s = generator.summary
        return DemoSummary(
            volunteers=s["volunteers"],
            groups=s["groups"],
            duplicates=s["duplicates"],
            activities=s["activities"],
            shifts=s["shifts"],
            assignments=s["assignments"],
            households=s["households"],
        )

    @staticmethod
    def _refuse_records(session: Session) -> None:
        if session.scalar(select(func.count(m.Volunteer.id))) or session.scalar(
            select(func.count(m.Organisation.id))
        ):
            raise CvcError(
                _(
                    "Sample data goes into an empty database only; this one already has records. "
                    "Use “--db” to name a new file."
                )
            )

    def _communities(self, connection: Connection) -> None:
        """The named communities of the demo's towns, so coverage can be read by community.

        Drawn from no random stream: the volunteers, groups and duplicates a seed gives stay
        exactly the same.
        """
        for code, name_en, name_cy, postcodes in words.COMMUNITIES:
            result = connection.execute(
                insert(m.Area).values(
                    uuid=str(uuid_module.uuid4()),
                    origin=self._db.instance_uuid,
                    changed_at=self._db.clock.now(),
                    deleted=False,
                    version=1,
                    kind="community",
                    code=code,
                    name_en=name_en,
                    name_cy=name_cy,
                    parent_id=None,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            connection.execute(
                insert(m.AreaPostcode),
                [{"area_id": int(key[0]), "postcode": postcode} for postcode in postcodes],
            )

    def _resolve(
        self,
        connection: Connection,
        batch: Batch,
        services: dict[str, int],
        areas: dict[str, int],
    ) -> Batch:
        """Swap service and area codes for their ids, creating postcode areas as needed."""
        cols = list(batch.columns)
        if "service_type_code" not in cols:
            return batch
        s_index = cols.index("service_type_code")
        a_index = cols.index("area_code") if "area_code" in cols else None
        cols[s_index] = "service_type_id"
        if a_index is not None:
            cols[a_index] = "area_id"
        rows = []
        for row in batch.rows:
            values = list(row)
            values[s_index] = services[values[s_index]]
            if a_index is not None:
                values[a_index] = self._area_id(connection, values[a_index], areas)
            rows.append(tuple(values))
        return Batch(batch.table, tuple(cols), rows)

    def _area_id(self, connection: Connection, code: str, areas: dict[str, int]) -> int:
        if code in areas:
            return areas[code]
        parent = None
        parts = [code.split(" ")[0], code] if " " in code else [code]
        for part in parts:
            if part not in areas:
                existing = connection.execute(select(m.Area.id).where(m.Area.code == part)).scalar()
                if existing is not None:
                    areas[part] = int(existing)
                    parent = areas[part]
                    continue
                kind = "district" if " " not in part else "sector"
                result = connection.execute(
                    insert(m.Area).values(
                        uuid=str(uuid_module.uuid4()),
                        origin=self._db.instance_uuid,
                        changed_at=self._db.clock.now(),
                        deleted=False,
                        version=1,
                        kind=kind,
                        code=part,
                        name_en=part,
                        name_cy=part,
                        parent_id=parent,
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                areas[part] = int(key[0])
            parent = areas[part]
        return areas[code]


# -- bulk loading on SQLite -----------------------------------------------------------------


def _defer_indexes(connection: Connection) -> list[str]:
    """Drop the bulk tables' secondary indexes and full-text insert triggers for the load.

    Returns the statements that put them back. Everything happens inside the demo's one
    transaction, so a cancel or a crash rolls the schema back along with the rows. Only the
    tables' full-text triggers are touched: any other trigger still fires for every row.
    """
    marks = ", ".join("?" * len(_BULK_TABLES))
    objects = connection.exec_driver_sql(
        f"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
        "AND sql IS NOT NULL AND type IN ('index', 'trigger')",
        _BULK_TABLES,
    ).all()
    names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    restore: list[str] = []
    for kind, name, table, sql in objects:
        if kind == "trigger":
            if name != f"{table}_fts_ai" or f"{table}_fts" not in names:
                continue
            # The content table was empty, so rebuilding the index from it is exact.
            restore.append(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
        connection.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
        restore.append(sql)
    return restore


def _rebuild_indexes(connection: Connection, statements: list[str]) -> None:
    for sql in statements:
        connection.exec_driver_sql(sql)
