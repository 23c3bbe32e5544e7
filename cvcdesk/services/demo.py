"""The demo generator: realistic Welsh sample data, with known duplicates for measuring detection."""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, select, update

from cvcdesk.domain.errors import CvcError
from cvcdesk.domain.names import english_sort_key, person_sort_text, welsh_sort_key
from cvcdesk.i18n import _
from cvcdesk.services import demo_data as words
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback, ServiceBase
from cvcdesk.store import models as m
from cvcdesk.store.derived import search_tokens

DUPLICATE_SHARE = 0.03
FAMILY_SHARE = 0.05
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_MOBILE_PREFIXES = ("074", "075", "077", "078", "079")
_DATETIME = "%Y-%m-%d %H:%M:%S.000000"


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
    phone_national: str
    email: str
    dob: dt.date
    groups: list[int]


class DemoGenerator:
    """Builds the rows; `DemoService.generate` writes them. Same seed, same data."""

    def __init__(
        self, *, volunteers: int, groups: int, seed: int, origin: str, today: dt.date
    ) -> None:
        self.n_volunteers = volunteers
        self.n_groups = groups
        self.rng = random.Random(seed)
        self.origin = origin
        self.today = today
        self._clock = 0
        self.summary: dict[str, int] = {}

    # -- small helpers --------------------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid_module.UUID(int=self.rng.getrandbits(128), version=4))

    def _stamp(self) -> str:
        self._clock += 1
        wall = 1_700_000_000_000 + self._clock
        return f"{wall:015d}-{0:06d}-{self.origin}"

    def _postcode(self, district: str) -> str:
        r = self.rng
        return f"{district} {r.randint(1, 9)}{r.choice(_UNIT_LETTERS)}{r.choice(_UNIT_LETTERS)}"

    def _mobile(self) -> str:
        r = self.rng
        return f"{r.choice(_MOBILE_PREFIXES)}{r.randint(0, 99):02d} {r.randint(200000, 999999)}"

    def _landline(self, area_code: str) -> str:
        r = self.rng
        if area_code == "029":
            return f"029 2{r.randint(0, 999):03d} {r.randint(0, 9999):04d}"
        return f"{area_code} {r.randint(200000, 899999)}"

    @staticmethod
    def _e164(national: str) -> str:
        return "+44" + national.replace(" ", "")[1:]

    def _email(self, first: str, last: str) -> str:
        r = self.rng
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        local = local.translate(str.maketrans("âêîôûŵŷïáéí", "aeiouwyiaei"))
        domain = r.choice(("example.org", "example.com", "example.net", "example.cymru"))
        return f"{local}{r.randint(1, 999)}@{domain}"

    # -- the rows -------------------------------------------------------------------------

    def batches(self, batch_size: int = 5000) -> Iterator[Batch]:
        r = self.rng
        today = self.today
        groups = self._groups()
        # The last value of each group row is a helper (its district index), not a column.
        group_districts = [row[-1] for row in groups.rows]
        groups.rows = [row[:-1] for row in groups.rows]
        yield groups
        yield self._coverage(len(groups.rows), group_districts)

        vol_cols = (
            "id", "uuid", "origin", "changed_at", "deleted", "version", "reference", "first_name",
            "last_name", "known_as", "date_of_birth", "phone", "phone_alt", "email", "address",
            "town", "postcode", "preferred_language", "welsh_fluency", "other_languages",
            "has_car", "can_drive", "emergency_contact_name", "emergency_contact_phone", "status",
            "joined_on", "notes", "consent_share", "consent_date", "consent_method", "dbs_level",
            "dbs_workforce", "dbs_certificate_number", "dbs_issue_date", "dbs_update_service",
            "dbs_checked_by", "dbs_renewal_due", "search_text", "sort_key_en", "sort_key_cy",
            "created_at",
        )  # fmt: skip
        groups_by_district: dict[int, list[int]] = {}
        for index, district in enumerate(group_districts):
            groups_by_district.setdefault(district, []).append(index + 1)
        group_uuids = [row[1] for row in groups.rows]

        n_dupes = int(self.n_volunteers * DUPLICATE_SHARE)
        n_originals = self.n_volunteers - n_dupes
        people: list[_Person] = []
        vols = Batch("volunteer", vol_cols)
        members = Batch("membership", ("uuid", "origin", "changed_at", "deleted", "version",
                                        "volunteer_id", "organisation_id", "role", "since"))
        skills = Batch("volunteer_skill", ("volunteer_id", "skill_code"))
        avail = Batch("availability", ("volunteer_id", "weekday", "start_time", "end_time"))
        truth = Batch("demo_duplicate", ("duplicate_uuid", "original_uuid", "variation"))
        skill_codes = ("driving", "cooking", "first_aid", "welsh_speaker", "befriending",
                       "it_support", "gardening", "admin", "lifting", "food_hygiene")
        created = today.strftime(_DATETIME)
        family_of: _Person | None = None

        def flush() -> Iterator[Batch]:
            for batch in (vols, members, skills, avail, truth):
                if batch.rows:
                    yield Batch(batch.table, batch.columns, batch.rows)
                    batch.rows = []

        def emit(p: _Person, *, reference: str, known_as: str = "", email: str | None = None,
                 phone: str | None = None) -> None:
            district = words.DISTRICTS[p.district]
            welsh = r.random() < 0.3 or p.first in words.WELSH_FIRST
            level = r.choices(("none", "basic", "standard", "enhanced"), (40, 25, 10, 25))[0]
            issue = today - dt.timedelta(days=r.randint(30, 1300)) if level != "none" else None
            renewal = issue + dt.timedelta(days=3 * 365) if issue else None
            consent = r.random() < 0.7
            national = phone if phone is not None else p.phone_national
            e164 = self._e164(national) if national else ""
            mail = p.email if email is None else email
            sort_text = person_sort_text(p.first, p.last)
            vols.rows.append((
                p.id, p.uuid, self.origin, self._stamp(), False, 1, reference, p.first, p.last,
                known_as, p.dob.isoformat(), e164, "", mail, f"{p.house} {p.street}",
                district[1], p.postcode, "cy" if welsh and r.random() < 0.6 else "en",
                r.choice(("fluent", "conversational", "learner")) if welsh else "none", "",
                r.random() < 0.6, r.random() < 0.55, "", "",
                r.choices(("active", "paused", "left"), (85, 10, 5))[0],
                (today - dt.timedelta(days=r.randint(0, 2000))).isoformat(), "",
                consent, (today - dt.timedelta(days=r.randint(0, 900))).isoformat() if consent else None,
                r.choice(("paper_form", "online_form", "phone", "email", "in_person")) if consent else None,
                level, r.choice(("adult", "child", "both")) if level != "none" else None,
                f"{r.randint(10**11, 10**12 - 1):012d}" if level != "none" else "",
                issue.isoformat() if issue else None, r.random() < 0.3 if issue else False,
                group_uuids[p.groups[0] - 1] if issue and p.groups else "",
                renewal.isoformat() if renewal else None,
                search_tokens(national, e164, p.postcode),
                english_sort_key(sort_text), welsh_sort_key(sort_text), created,
            ))  # fmt: skip
            for org in p.groups:
                members.rows.append((self._uuid(), self.origin, self._stamp(), False, 1, p.id, org,
                                     r.choice(("", "", "driver", "coordinator", "helper")),
                                     (today - dt.timedelta(days=r.randint(0, 1500))).isoformat()))
            for code in r.sample(skill_codes, r.randint(0, 3)):
                skills.rows.append((p.id, code))
            for day in r.sample(range(7), r.randint(1, 3)):
                start = r.choice((9, 10, 13, 14, 17))
                avail.rows.append((p.id, day, f"{start:02d}:00:00.000000",
                                   f"{start + r.choice((2, 3, 4)):02d}:00:00.000000"))

        for index in range(n_originals):
            vid = index + 1
            if family_of is not None and r.random() < FAMILY_SHARE:
                # A relative at the same address: same surname, landline and often e-mail.
                base = family_of
                first = r.choice(words.WELSH_FIRST + words.ENGLISH_FIRST)
                person = _Person(vid, self._uuid(), first, base.last, base.district, base.postcode,
                                 base.house, base.street, base.phone_national,
                                 base.email if r.random() < 0.6 else self._email(first, base.last),
                                 dt.date(r.randint(1940, 2006), r.randint(1, 12), r.randint(1, 28)),
                                 list(base.groups))
                family_of = None
            else:
                d = r.randrange(len(words.DISTRICTS))
                first = r.choice(words.WELSH_FIRST if r.random() < 0.5 else words.ENGLISH_FIRST)
                last = r.choices(words.SURNAMES, words.SURNAME_WEIGHTS)[0]
                local = groups_by_district.get(d) or [r.randint(1, len(group_uuids))]
                picks = {r.choice(local)}
                if r.random() < 0.3:
                    picks.add(r.randint(1, len(group_uuids)))
                area_code = words.DISTRICTS[d][3]
                person = _Person(
                    vid, self._uuid(), first, last, d, self._postcode(words.DISTRICTS[d][0]),
                    str(r.randint(1, 120)), r.choice(words.STREETS),
                    self._mobile() if r.random() < 0.8 else self._landline(area_code),
                    self._email(first, last) if r.random() < 0.85 else "",
                    dt.date(r.randint(1940, 2006), r.randint(1, 12), r.randint(1, 28)),
                    sorted(picks),
                )
                if r.random() < 0.1:
                    family_of = person
            people.append(person)
            emit(person, reference=f"V{vid:06d}")
            if len(vols.rows) >= batch_size:
                yield from flush()

        for index in range(n_dupes):
            vid = n_originals + index + 1
            original = r.choice(people)
            dupe, variation, extra = self._variation(original, vid, group_uuids, groups_by_district)
            emit(dupe, reference=f"G{vid:06d}", **extra)
            truth.rows.append((dupe.uuid, original.uuid, variation))
            if len(vols.rows) >= batch_size:
                yield from flush()
        yield from flush()
        self.summary["volunteers"] = self.n_volunteers
        self.summary["duplicates"] = n_dupes
        yield from self._activities(people, len(group_uuids), group_districts)
        yield from self._households(len(group_uuids), group_districts)

    def _variation(
        self,
        p: _Person,
        vid: int,
        group_uuids: list[str],
        groups_by_district: dict[int, list[int]],
    ) -> tuple[_Person, str, dict[str, Any]]:
        """The same person registered again by another group, as people really re-register."""
        r = self.rng
        first, last, email, phone = p.first, p.last, p.email, p.phone_national
        kinds = r.sample(
            ["nickname", "typo", "phone_format", "swapped_names", "missing_email", "accent"],
            r.choice((1, 1, 2)),
        )
        applied: list[str] = []
        for kind in kinds:
            if kind == "nickname" and first in words.NICKNAMES:
                first = r.choice(words.NICKNAMES[first])
            elif kind == "typo" and len(last) > 3:
                spots = [i for i in range(1, len(last) - 1)
                         if last[i].isalpha() and last[i + 1].isalpha() and last[i] != last[i + 1]]
                if not spots:
                    continue
                i = r.choice(spots)
                last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
            elif kind == "swapped_names":
                first, last = last, first
            elif kind == "missing_email":
                email = ""
            elif kind == "accent" and any(ch in first + last for ch in "âêîôûŵŷ"):
                table = str.maketrans("âêîôûŵŷ", "aeiouwy")
                first, last = first.translate(table), last.translate(table)
            elif kind == "phone_format":
                # Typed differently on the form; normalised it is the same number.
                phone = phone.replace(" ", "")
            else:
                continue
            applied.append(kind)
        if not applied:
            email = ""
            applied.append("missing_email")
        other = [g for g in range(1, len(group_uuids) + 1) if g not in p.groups]
        groups = [r.choice(other)] if other else list(p.groups)
        dupe = _Person(vid, self._uuid(), first, last, p.district, p.postcode, p.house, p.street,
                       phone, email, p.dob, groups)
        return dupe, "+".join(applied), {"email": email, "phone": phone}

    def _groups(self) -> Batch:
        r = self.rng
        cols = ("id", "uuid", "origin", "changed_at", "deleted", "version", "name_en", "name_cy",
                "kind", "charity_number", "company_number", "contact_name", "email", "phone",
                "address", "postcode", "website", "notes", "sort_key_en", "sort_key_cy",
                "created_at")
        batch = Batch("organisation", cols)
        used: set[str] = set()
        created = self.today.strftime(_DATETIME)
        for gid in range(1, self.n_groups + 1):
            d = r.randrange(len(words.DISTRICTS))
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
            contact_first = r.choice(words.WELSH_FIRST + words.ENGLISH_FIRST)
            contact_last = r.choices(words.SURNAMES, words.SURNAME_WEIGHTS)[0]
            batch.rows.append((
                gid, self._uuid(), self.origin, self._stamp(), False, 1, name_en, name_cy, kind,
                str(r.randint(1_000_000, 1_199_999)) if r.random() < 0.5 else "", "",
                f"{contact_first} {contact_last}", f"hello@{name_en.split()[0].lower()}{gid}.example.org",
                self._e164(self._landline(area_code)), f"{r.randint(1, 60)} {r.choice(words.STREETS)}",
                self._postcode(district), "", "", english_sort_key(name_en),
                welsh_sort_key(name_cy), created, d,
            ))  # fmt: skip
        self.summary["groups"] = self.n_groups
        return batch

    def _coverage(self, n_groups: int, group_districts: list[int]) -> Batch:
        """What each group covers; neighbours in a district often overlap (as they did)."""
        r = self.rng
        self._areas: dict[str, int] = {}
        area_batch: list[tuple[Any, ...]] = []
        self._area_rows = area_batch
        cols = ("uuid", "origin", "changed_at", "deleted", "version", "organisation_id",
                "service_type_code", "area_code", "weekdays", "start_time", "end_time",
                "start_date", "end_date", "notes")
        batch = Batch("coverage", cols)
        services = list(words.ACTIVITY_TITLES)
        self._group_services: dict[int, list[str]] = {}
        for gid in range(1, n_groups + 1):
            district = words.DISTRICTS[group_districts[gid - 1]][0]
            chosen = r.sample(services[:6] if r.random() < 0.7 else services, r.randint(1, 3))
            self._group_services[gid] = chosen
            for service in chosen:
                area = district if r.random() < 0.6 else f"{district} {r.randint(1, 9)}"
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
        acts = Batch("activity", ("id", "uuid", "origin", "changed_at", "deleted", "version",
                                  "organisation_id", "service_type_code", "area_code", "title_en",
                                  "title_cy", "place", "postcode", "rrule", "start_date",
                                  "start_time", "end_time", "volunteers_needed",
                                  "dbs_level_required", "welsh_required", "skip_bank_holidays",
                                  "notes"))
        shifts = Batch("shift", ("id", "uuid", "origin", "changed_at", "deleted", "version",
                                 "activity_id", "starts_at", "ends_at", "cancelled", "orphaned",
                                 "notes"))
        assigns = Batch("assignment", ("uuid", "origin", "changed_at", "deleted", "version",
                                       "shift_id", "volunteer_id", "status", "hours", "notes"))
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
                    r.choice(("Village hall", "Neuadd y pentref", "Chapel vestry", "Community centre")),
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
                    shifts.rows.append((shift_id, self._uuid(), self.origin, self._stamp(), False,
                                        1, activity_id, starts.strftime(_DATETIME),
                                        ends.strftime(_DATETIME), False, False, ""))
                    past = day < self.today
                    for vid in r.sample(pool, min(len(pool), r.randint(1, needed))):
                        status = (r.choices(("attended", "no_show"), (95, 5))[0] if past
                                  else r.choice(("confirmed", "confirmed", "tentative")))
                        assigns.rows.append((self._uuid(), self.origin, self._stamp(), False, 1,
                                             shift_id, vid, status,
                                             float(length) if status == "attended" else None, ""))
        self.summary.update(activities=activity_id, shifts=shift_id, assignments=len(assigns.rows))
        yield acts
        yield shifts
        yield assigns

    def _households(self, n_groups: int, group_districts: list[int]) -> Iterator[Batch]:
        r = self.rng
        homes = Batch("household", ("id", "uuid", "origin", "changed_at", "deleted", "version",
                                    "reference", "postcode", "house", "match_key", "notes"))
        support = Batch("household_support", ("uuid", "origin", "changed_at", "deleted",
                                              "version", "household_id", "organisation_id",
                                              "service_type_code", "since"))
        count = max(10, n_groups * 20)
        for hid in range(1, count + 1):
            gid = r.randint(1, n_groups)
            district = words.DISTRICTS[group_districts[gid - 1]][0]
            homes.rows.append((hid, self._uuid(), self.origin, self._stamp(), False, 1,
                               f"H{hid:05d}", self._postcode(district), str(r.randint(1, 80)),
                               "", ""))
            service = r.choice(self._group_services.get(gid) or ["food_parcels"])
            helpers = [gid]
            # Now and then a second group in the same district helps the same home.
            if r.random() < 0.05:
                same = [g for g in range(1, n_groups + 1)
                        if group_districts[g - 1] == group_districts[gid - 1] and g != gid]
                if same:
                    helpers.append(r.choice(same))
            for helper in helpers:
                support.rows.append((self._uuid(), self.origin, self._stamp(), False, 1, hid,
                                     helper, service,
                                     (self.today - dt.timedelta(days=r.randint(0, 400))).isoformat()))
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
        with self._read() as session:
            if session.scalar(select(func.count(m.Volunteer.id))) or session.scalar(
                select(func.count(m.Organisation.id))
            ):
                raise CvcError(
                    _("Sample data goes into an empty database only; this one already has records. "
                      "Use “--db” to name a new file.")
                )
        generator = DemoGenerator(
            volunteers=volunteers,
            groups=groups,
            seed=seed,
            origin=self._db.instance_uuid,
            today=today or dt.date.today(),
        )
        metadata = m.Base.metadata
        with self._unit() as session:
            connection = session.connection()
            services = dict(connection.execute(select(m.ServiceType.code, m.ServiceType.id)).all())
            areas: dict[str, int] = {}
            done = 0
            for batch in generator.batches():
                if cancelled is not None and cancelled():
                    raise Cancelled()
                batch = self._resolve(connection, batch, services, areas)
                table: Table = metadata.tables[batch.table]
                if connection.dialect.paramstyle == "qmark":
                    marks = ", ".join("?" * len(batch.columns))
                    sql = f"INSERT INTO {table.name} ({', '.join(batch.columns)}) VALUES ({marks})"
                    connection.exec_driver_sql(sql, batch.rows)
                else:
                    connection.execute(
                        table.insert(), [dict(zip(batch.columns, row, strict=True)) for row in batch.rows]
                    )
                if batch.table == "volunteer":
                    done += len(batch.rows)
                    if progress is not None:
                        progress(done, volunteers)
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

    def _resolve(
        self,
        connection: Any,
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

    def _area_id(self, connection: Any, code: str, areas: dict[str, int]) -> int:
        if code in areas:
            return areas[code]
        parent = None
        parts = [code.split(" ")[0], code] if " " in code else [code]
        for part in parts:
            if part not in areas:
                kind = "district" if " " not in part else "sector"
                result = connection.execute(
                    m.Area.__table__.insert().values(
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
                areas[part] = int(result.inserted_primary_key[0])
            parent = areas[part]
        return areas[code]
