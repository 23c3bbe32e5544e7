"""Finding the same volunteer or group registered twice, with the evidence for each pair.

How it works
------------
1. **Read columns, not objects.** Only the columns the comparison needs are selected, for live
   records (tombstones are skipped).
2. **Normalise for comparison only.** Names are folded (case, accents) and given Welsh-aware
   keys (:mod:`cvcdesk.domain.namekeys`: variants and nicknames used both ways, mutations
   undone, patronymics such as "ap Rhys"/"Price"); phones are stored as E.164 and e-mail
   addresses normalised already; postcodes are split into unit and district.
3. **Blocking.** Two records are compared only when they share a blocking key: a phone number;
   an e-mail address; postcode + surname key; postcode + given-name key; date of birth + given
   name; date of birth + surname; date of birth + postcode district; or district + both names'
   keys in either order. One key is enough, so a duplicate with a new phone, a slip in the
   surname or the names swapped round is still compared. A block larger than ``_BLOCK_CAP``
   (an office phone every volunteer gave) is sorted by name and date of birth and each record
   compared with its ``_WINDOW`` neighbours, so the work stays close to linear.
4. **Weighted evidence.** Each comparison adds up weights in bits: log2 of how much likelier
   the observation is for one person registered twice than for two people. The figures are
   reasoned, not fitted; no labelled examples are used.

   - *Date of birth*: the same date +7 (two people share one about once in 20,000); a
     different one -8 (dates are seldom mistyped); one keyboard slip apart (a digit, two
     neighbours, day and month swapped) +1.
   - *Given names* (first name or known-as name, the best reading): the same name by how
     common it is in this register, log2(0.9 / its share), kept within +3 and +7; a variant,
     nickname or mutated form +3; a short form +2; a typing slip +1.5; an initial +1; a
     clearly different name -5.
   - *Surnames*: the same by how common, within +2 and +7 (Jones, one volunteer in fourteen,
     proves little); the same patronymic in another form +2.5; a variant or a slip +2; part of
     a double-barrelled name +1.5; only sounding alike +1; different -3 (surnames change on
     marriage, so this weighs less than a different given name). When the names disagree they
     are also read crosswise (first name against surname), at a cost of 0.5.
   - *Mobile number*: personal, +6.
   - *Household*: a shared landline +4, e-mail address +5, address +4, or just postcode +3.
     Families share all of these, so together they are one piece of evidence: the strongest
     counts in full, the next half, the next a quarter, at most +6.5; and within a household a
     shared surname is expected, so it then counts at most +1.
   - *Against*: different phones -1, different e-mail addresses -1, different districts -2;
     and nothing at all in common to reach them by (no phone, e-mail address or postcode)
     -8. A re-registration nearly always repeats one of them, while two people with one name
     almost never do; so even the same rare name and birthday with different phones and
     e-mail addresses (11.5 at most) stays under the default threshold.

   A family is therefore not flagged (same surname, landline, e-mail and address: the
   household counts once, +6.5 and +1, while a different birthday -8 and given name -5 count
   against), nor twins (+6.5 +1 +7 for the birthday, -5 for the given name: 9.5), nor
   namesakes in one town (same names, but a different birthday and nothing in common).
   A real duplicate with a nickname, a new mobile and no e-mail still has +3 +1 +7 +4 -1 = 14.
5. **Score.** The total goes through a logistic curve to a score between 0 and 1 (8 bits is
   0.5, 12 bits 0.8, 16 bits 0.94). :data:`DEFAULT_VOLUNTEER_THRESHOLD` is 12 bits.

Groups are compared the same way with their own evidence (name in either language, charity and
company numbers, phone, e-mail, website, postcode). They need 7 bits, for example a name spelt
another way (+6) at the same postcode (+3); their scores are shifted so that this, too, is 0.8.

Each finding lists every piece of evidence, for and against, with its weight, as reason codes
with parameters (:class:`~cvcdesk.domain.alerts.Reason`), so it reads in the language of the
day. Nothing personal is ever logged.

An incremental scan (``only=``) counts names over every live record, as a full scan does, but
lets the database pick out only the changed records and those sharing a phone, e-mail address,
postcode, date of birth, or district and name keys with one. Every blocking key holds one of
those, so the blocks it compares are complete, and it finds exactly what a full scan finds for
those records. Each of those look-ups has an index, and the names are counted from the names
index (migration 0006), so such a scan never reads the whole volunteer table: a large scan runs
in a few seconds and one after a day's edits in a fraction of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from cvcdesk.domain.alerts import Finding, Reason, RecordRef, register_reasons
from cvcdesk.domain.enums import AlertKind
from cvcdesk.domain.namekeys import (
    compact_name,
    first_name_keys,
    first_word,
    fold_name,
    radical_name,
    short_form_of,
    sound_key,
    surname_key,
)
from cvcdesk.domain.validation import display_phone
from cvcdesk.i18n import N_
from cvcdesk.services.base import CancelFlag, Cancelled, ProgressCallback
from cvcdesk.store.models import Organisation, Volunteer

# -- scores ---------------------------------------------------------------------------------

_MIDPOINT = 8.0  # bits of evidence for a score of 0.5
_SPREAD = 2.0  # bits per doubling of the odds


def score_of(bits: float) -> float:
    """Bits of evidence -> a score between 0 and 1 (12 bits -> 0.8, 16 -> 0.94, 20 -> 0.98)."""
    return 1.0 / (1.0 + math.exp2(-(bits - _MIDPOINT) / _SPREAD))


def bits_of(score: float) -> float:
    """The inverse of :func:`score_of`."""
    score = min(max(score, 1e-9), 1 - 1e-9)
    return _MIDPOINT + _SPREAD * math.log2(score / (1 - score))


VOLUNTEER_CUTOFF_BITS = 12.0
ORGANISATION_CUTOFF_BITS = 7.0
DEFAULT_VOLUNTEER_THRESHOLD: float = round(score_of(VOLUNTEER_CUTOFF_BITS), 3)  # 0.8
# Group scores are shifted so that their default threshold reads the same as the volunteers'.
_ORGANISATION_SHIFT = VOLUNTEER_CUTOFF_BITS - ORGANISATION_CUTOFF_BITS
DEFAULT_ORGANISATION_THRESHOLD: float = DEFAULT_VOLUNTEER_THRESHOLD

_BLOCK_CAP = 60  # larger blocks are compared by sorted neighbourhood
_WINDOW = 12  # each record in a large block meets this many neighbours on each side
_CHECK_EVERY = 4096  # records or pairs between looks at the cancel flag
_NEARBY_LIMIT = 2000  # changed records an incremental scan names in its queries
# Given names looked up by one query: SQLite reads a long OR as a deep tree, and refuses one
# deeper than 1,000.
_NAMES_PER_QUERY = 200

# -- reasons --------------------------------------------------------------------------------

VOLUNTEER_REASONS: dict[str, str] = {
    "dup.first.same": N_("Same first name {name}"),
    "dup.first.variant": N_("First names {a} and {b} are the same name (variant)"),
    "dup.first.mutation": N_("First names {a} and {b} are the same name (Welsh mutation)"),
    "dup.first.short": N_("First name {a} may be short for {b}"),
    "dup.first.initial": N_("First name {a} fits the initial of {b}"),
    "dup.first.fuzzy": N_("First names {a} ≈ {b} ({score}% alike)"),
    "dup.first.different": N_("Different first names {a} and {b}"),
    "dup.last.same": N_("Same surname {name}"),
    "dup.last.common": N_("Same surname {name}, a common one ({share}% of volunteers)"),
    "dup.last.household": N_("Same surname {name}, as expected in one household"),
    "dup.last.patronymic": N_("Surnames {a} and {b} are the same patronymic"),
    "dup.last.variant": N_("Surnames {a} and {b} are the same name (variant)"),
    "dup.last.fuzzy": N_("Surnames {a} ≈ {b} ({score}% alike)"),
    "dup.last.part": N_("Surname {a} is part of {b}"),
    "dup.last.sound": N_("Surnames {a} and {b} sound alike"),
    "dup.last.different": N_("Different surnames {a} and {b}"),
    "dup.names.swapped": N_("First name and surname are the other way round"),
    "dup.birth.same": N_("Same date of birth {date}"),
    "dup.birth.near": N_("Dates of birth {a} and {b} are one typing slip apart"),
    "dup.birth.different": N_("Different dates of birth {a} and {b}"),
    "dup.phone.mobile": N_("Same mobile number {phone}"),
    "dup.phone.landline": N_("Same landline number {phone}"),
    "dup.phone.different": N_("Different phone numbers"),
    "dup.email.same": N_("Same e-mail address {email}"),
    "dup.email.different": N_("Different e-mail addresses"),
    "dup.address.same": N_("Same address {address}, {postcode}"),
    "dup.postcode.same": N_("Same postcode {postcode}"),
    "dup.postcode.district": N_("Both in postcode district {district}"),
    "dup.postcode.different": N_("Different postcode districts {a} and {b}"),
    "dup.no_link": N_("No phone number, e-mail address or postcode in common"),
}
ORGANISATION_REASONS: dict[str, str] = {
    "dupgroup.name.same": N_("Same name {name}"),
    "dupgroup.name.spacing": N_("Names {a} and {b} differ only in spacing or punctuation"),
    "dupgroup.name.fuzzy": N_("Names {a} ≈ {b} ({score}% alike)"),
    "dupgroup.name.different": N_("Different names {a} and {b}"),
    "dupgroup.charity.same": N_("Same charity number {number}"),
    "dupgroup.charity.different": N_("Different charity numbers {a} and {b}"),
    "dupgroup.company.same": N_("Same company number {number}"),
    "dupgroup.company.different": N_("Different company numbers {a} and {b}"),
    "dupgroup.phone.same": N_("Same phone number {phone}"),
    "dupgroup.phone.different": N_("Different phone numbers"),
    "dupgroup.email.same": N_("Same e-mail address {email}"),
    "dupgroup.email.different": N_("Different e-mail addresses"),
    "dupgroup.website.same": N_("Same website {website}"),
    "dupgroup.postcode.same": N_("Same postcode {postcode}"),
    "dupgroup.postcode.district": N_("Both in postcode district {district}"),
    "dupgroup.postcode.different": N_("Different postcode districts {a} and {b}"),
    "dupgroup.no_link": N_(
        "No phone number, e-mail address, website, registered number or postcode in common"
    ),
}
register_reasons(VOLUNTEER_REASONS)
register_reasons(ORGANISATION_REASONS)

# -- weights (bits) ---------------------------------------------------------------------------

W_BIRTH_SAME = 7.0
W_BIRTH_NEAR = 1.0
W_BIRTH_DIFFERENT = -8.0
W_FIRST_SAME = (3.0, 7.0)  # by how common the name is
W_FIRST_VARIANT = 3.0
W_FIRST_SHORT = 2.0
W_FIRST_INITIAL = 1.0
W_FIRST_FUZZY = 1.5
W_FIRST_DIFFERENT = -5.0
W_LAST_SAME = (2.0, 7.0)
W_LAST_PATRONYMIC = 2.5
W_LAST_VARIANT = 2.0
W_LAST_FUZZY = 2.0
W_LAST_PART = 1.5
W_LAST_SOUND = 1.0
W_LAST_DIFFERENT = -3.0
W_LAST_IN_HOUSEHOLD = 1.0  # a shared surname is expected within one household
W_SWAPPED = -0.5
W_MOBILE = 6.0
W_LANDLINE = 4.0
W_EMAIL = 5.0
W_ADDRESS = 4.0
W_POSTCODE = 3.0
W_HOUSEHOLD_CAP = 6.5
W_DISTRICT = 0.5
W_PHONE_DIFFERENT = -1.0
W_EMAIL_DIFFERENT = -1.0
W_DISTRICT_DIFFERENT = -2.0
W_NO_LINK = -8.0
_COMMON_SHARE = 0.02  # a surname this common is said to be common in its reason
_NAME_M = 0.9  # how often a duplicate repeats a name exactly
_PRIOR_SHARE = 0.01  # a name's share of a register before any are counted
_PRIOR_WEIGHT = 100  # ... worth this many records

_FUZZY_NAME = 0.9  # Jaro-Winkler similarity for a typing slip
# The most the names can add: the same given name and surname, both rare. (Read crosswise they
# count no more, less W_SWAPPED.)
_BEST_NAMES = W_FIRST_SAME[1] + W_LAST_SAME[1]

# -- the records ------------------------------------------------------------------------------

_SPACES_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\d+")
_NOT_ALNUM_RE = re.compile(r"[^0-9a-z]+")


@dataclass(slots=True)
class _Person:
    """A volunteer reduced to what the comparison needs."""

    uuid: str
    first: str  # as typed, for reasons
    last: str
    known_as: str
    firsts: tuple[str, ...]  # folded first word of first name and known-as name
    last_word: str  # folded first word of the surname, to read the names crosswise
    first_keys: frozenset[str]
    last_compact: str
    last_key: str
    last_keys: frozenset[str]  # the surname's key, and its keys as a given name
    name_pairs: frozenset[str]  # both names' keys in either order (see _name_pairs)
    dob: str
    phones: tuple[str, ...]
    email: str
    postcode: str
    district: str
    address: str  # as typed


class _Names(NamedTuple):
    """What :class:`_Prepare` works out once for every record giving the same names."""

    firsts: tuple[str, ...]
    last_word: str
    first_keys: frozenset[str]
    last_compact: str
    last_key: str
    last_keys: frozenset[str]
    pairs: frozenset[str]


@functools.lru_cache(maxsize=4096)
def _address_key(text: str) -> tuple[str, str]:
    """(folded address with its numbers, house number): '12 Lôn Glan Môr' -> ('12longlanmor',
    '12'). Compared only between records in one postcode, where a house number is telling."""
    if not text:
        return "", ""
    folded = _NOT_ALNUM_RE.sub("", fold_name(text) + " " + " ".join(_DIGITS_RE.findall(text)))
    house = _DIGITS_RE.search(text)
    return folded, house.group() if house else ""


def _same_address(a: str, b: str) -> bool:
    if not a or not b:
        return False
    folded_a, house_a = _address_key(a)
    folded_b, house_b = _address_key(b)
    return folded_a == folded_b or (bool(house_a) and house_a == house_b)


def _district(postcode: str) -> str:
    """'SA61 1AB' -> 'SA61': the postcode less its inward code (the last 3 characters)."""
    return postcode[:-4] if len(postcode) > 4 else ""


# Phones (E.164), e-mail addresses and postcodes are stored normalised, as every write is
# validated, so they are compared as stored; e-mail addresses also ignoring the case of ASCII
# letters, as SQL's lower() does. An incremental scan can then let the database pick out the
# records that could match (see _nearby_rows).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _clean_phones(*values: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _clean_email(value: str | None) -> str:
    return (value or "").translate(_ASCII_LOWER)


def _clean_date(value: Any) -> str:
    return str(value) if value else ""


def _is_mobile(phone: str) -> bool:
    return phone.startswith("+447") or phone.startswith("07")


_VOLUNTEER_COLUMNS = (
    Volunteer.uuid,
    Volunteer.first_name,
    Volunteer.last_name,
    Volunteer.known_as,
    type_coerce(Volunteer.date_of_birth, String),
    Volunteer.phone,
    Volunteer.phone_alt,
    Volunteer.email,
    Volunteer.postcode,
    Volunteer.address,
)
# "IS NOT 1", not "IS 0": nearly every record is live, and reading them in table order is
# quicker than through the index on deleted.
_LIVE_VOLUNTEER = Volunteer.deleted.is_not(True)


def _volunteer_rows(session: Session, *where: ColumnElement[bool]) -> Iterator[Sequence[Any]]:
    query = select(*_VOLUNTEER_COLUMNS).where(_LIVE_VOLUNTEER, *where).order_by(Volunteer.id)
    yield from session.connection().execute(query).yield_per(10_000)


def _nearby_rows(
    session: Session, changed: set[str], prepare: _Prepare
) -> tuple[list[Sequence[Any]], Counter[str], Counter[str]]:
    """The changed volunteers' rows and a superset of those that could share a key with them.

    The database picks them by phone, e-mail address, postcode, date of birth and the names
    as typed whose keys could pair with a changed record's, each through an index;
    :func:`_neighbourhood` then applies the exact keys. Also returns how often each first name
    and surname is given, over all live records, from the same query that lists the names
    (which reads the names index, not the table).
    """
    v = Volunteer
    connection = session.connection()
    first_names: Counter[str] = Counter()
    last_names: Counter[str] = Counter()
    names = (
        select(v.first_name, v.known_as, v.last_name, func.count())
        .where(_LIVE_VOLUNTEER)
        .group_by(v.first_name, v.known_as, v.last_name)
    )
    combos: list[tuple[str | None, str | None, str | None, int]] = [
        (first, known_as, last, int(count))
        for first, known_as, last, count in connection.execute(names).all()
    ]
    for first, _known_as, last, count in combos:
        first_names[first or ""] += count
        last_names[last or ""] += count
    mine = [prepare.person(values) for values in _volunteer_rows(session, v.uuid.in_(changed))]
    if not mine:
        return [], first_names, last_names
    wanted = {pair for p in mine for pair in _name_pairs(p.first_keys, p.last_keys)}
    # Names as typed that could pair with a changed record's, by given names.
    near_names: dict[tuple[str | None, str | None], list[str | None]] = {}
    for first, known_as, last, _count in combos:
        first_keys = prepare.first(first or "")[1]
        if known_as:
            first_keys = first_keys | prepare.first(known_as)[1]
        if not wanted.isdisjoint(_name_pairs(first_keys, prepare.last(last or "")[2])):
            near_names.setdefault((first, known_as), []).append(last)
    phones = sorted({phone for p in mine for phone in p.phones})
    emails = sorted({p.email for p in mine if p.email})
    postcodes = sorted({p.postcode for p in mine if p.postcode})
    dates = sorted({p.dob for p in mine if p.dob})
    near: list[ColumnElement[bool]] = [v.uuid.in_(changed)]
    if phones:
        near += [v.phone.in_(phones), v.phone_alt.in_(phones)]
    if emails:
        # Addresses are nearly always stored in lower case already, and found as they are;
        # the few with capitals are in an index of their own (the first test lets SQLite use
        # it). Together: the same records as lower(email) IN emails.
        lower = func.lower(v.email)
        near += [v.email.in_(emails), and_(v.email > "", v.email != lower, lower.in_(emails))]
    if postcodes:
        near.append(v.postcode.in_(postcodes))
    if dates:
        try:  # compared as dates, so the database need not convert every row's
            near.append(v.date_of_birth.in_([dt.date.fromisoformat(d) for d in dates]))
        except ValueError:
            near.append(cast(v.date_of_birth, String).in_(dates))
    # Every condition of the OR can use an index, so the database reads only those records.
    found = dict(_volunteer_rows_by_id(session, or_(*near)))
    if near_names:
        districts = sorted({p.district for p in mine})
        district = func.substr(v.postcode, 1, func.length(v.postcode) - 4)  # as _district
        given = [
            and_(v.first_name == first, v.known_as == known_as, v.last_name.in_(lasts))
            for (first, known_as), lasts in near_names.items()
        ]
        for start in range(0, len(given), _NAMES_PER_QUERY):
            chunk = or_(*given[start : start + _NAMES_PER_QUERY])
            found.update(_volunteer_rows_by_id(session, chunk, district.in_(districts)))
    return [found[key] for key in sorted(found)], first_names, last_names


def _volunteer_rows_by_id(
    session: Session, *where: ColumnElement[bool]
) -> Iterator[tuple[int, Sequence[Any]]]:
    """(id, row) of the live volunteers meeting `where`, rows as :func:`_volunteer_rows` gives."""
    query = select(Volunteer.id, *_VOLUNTEER_COLUMNS).where(_LIVE_VOLUNTEER, *where)
    for row in session.connection().execute(query).all():
        yield row[0], row[1:]


class _Prepare:
    """Turns rows into :class:`_Person`, sharing the work between records with the same names."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, frozenset[str]]] = {}
        self._last: dict[str, tuple[str, str, frozenset[str]]] = {}
        self._names: dict[tuple[str, str, str], _Names] = {}
        self._strings: dict[str, str] = {}
        self._districts: dict[str, str] = {}

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def first(self, name: str) -> tuple[str, frozenset[str]]:
        """(folded first word, variant keys) of a given name."""
        known = self._first.get(name)
        if known is None:
            known = (self._intern(first_word(name)), first_name_keys(name))
            self._first[name] = known
        return known

    def last(self, name: str) -> tuple[str, str, frozenset[str]]:
        """(compact spelling, surname key, keys for pairing with a given name) of a surname."""
        known = self._last.get(name)
        if known is None:
            key = self._intern(surname_key(name))
            known = (
                self._intern(compact_name(name)),
                key,
                frozenset((key, *first_name_keys(name))) if key else frozenset(),
            )
            self._last[name] = known
        return known

    def names(self, first: str, known_as: str, last: str) -> _Names:
        """Everything the comparison and the blocking need from a record's names, once for
        every record giving the same three."""
        names = (first, known_as, last)
        known = self._names.get(names)
        if known is None:
            first_folded, keys = self.first(first)
            firsts: tuple[str, ...] = (first_folded,) if first_folded else ()
            if known_as:
                known_folded, known_keys = self.first(known_as)
                if known_folded and known_folded != first_folded:
                    firsts = (*firsts, known_folded)
                    keys = keys | known_keys
            last_compact, last_key, last_keys = self.last(last)
            known = _Names(
                firsts,
                self.first(last)[0] if last else "",
                keys,
                last_compact,
                last_key,
                last_keys,
                _name_pairs(keys, last_keys),
            )
            self._names[names] = known
        return known

    def district(self, postcode: str) -> str:
        known = self._districts.get(postcode)
        if known is None:
            known = self._districts[postcode] = self._intern(_district(postcode))
        return known

    def person(self, values: Sequence[Any]) -> _Person:
        uuid, first, last, known_as, dob, phone, phone_alt, email, postcode, address = values
        first = first or ""
        last = last or ""
        known_as = known_as or ""
        names = self._names.get((first, known_as, last)) or self.names(first, known_as, last)
        code = postcode or ""
        district = self._districts.get(code)
        if district is None:
            district = self.district(code)
        if phone_alt and phone_alt != phone:
            phones: tuple[str, ...] = (phone, phone_alt) if phone else (phone_alt,)
        else:
            phones = (phone,) if phone else ()
        return _Person(
            uuid,
            first,
            last,
            known_as,
            names.firsts,
            names.last_word,
            names.first_keys,
            names.last_compact,
            names.last_key,
            names.last_keys,
            names.pairs,
            str(dob) if dob else "",
            phones,
            (email.lower() if email.isascii() else email.translate(_ASCII_LOWER)) if email else "",
            code,
            district,
            address.strip() if address else "",
        )


# -- blocking ---------------------------------------------------------------------------------

KeyFunction = Callable[[Any], Iterable[str]]


def _phones(p: _Person) -> Iterable[str]:
    return p.phones


def _email(p: _Person) -> Iterable[str]:
    return (p.email,) if p.email else ()


def _postcode_surname(p: _Person) -> Iterable[str]:
    return (f"{p.postcode}|{p.last_key}",) if p.postcode and p.last_key else ()


def _postcode_first(p: _Person) -> Iterable[str]:
    return [f"{p.postcode}|{k}" for k in p.first_keys] if p.postcode else ()


def _birth_first(p: _Person) -> Iterable[str]:
    return [f"{p.dob}|{k}" for k in p.first_keys] if p.dob else ()


def _birth_surname(p: _Person) -> Iterable[str]:
    return (f"{p.dob}|{p.last_key}",) if p.dob and p.last_key else ()


def _birth_district(p: _Person) -> Iterable[str]:
    return (f"{p.dob}|{p.district}",) if p.dob and p.district else ()


def _names_district(p: _Person) -> Iterable[str]:
    return [f"{p.district}|{pair}" for pair in p.name_pairs]


def _volunteer_keys() -> list[KeyFunction]:
    """One function per kind of blocking key; each gives a record's keys of that kind.

    :func:`_volunteer_pairs` finds the same pairs as these do, quicker.
    """
    return [
        _phones,
        _email,
        _postcode_surname,
        _postcode_first,
        _birth_first,
        _birth_surname,
        _birth_district,
        _names_district,
    ]


def _name_pairs(first_keys: frozenset[str], last_keys: frozenset[str]) -> frozenset[str]:
    """Both names' keys in either order, so "Davies Dafydd" meets "Dafydd Davies"."""
    return frozenset(
        f"{k}|{other}" if k <= other else f"{other}|{k}" for k in first_keys for other in last_keys
    )


def _sort_key(p: Any) -> tuple[str, ...]:
    if isinstance(p, _Person):
        return (p.last_key, min(p.first_keys, default=""), p.dob, p.postcode, p.uuid)
    assert isinstance(p, _Group)
    return (p.compacts[0] if p.compacts else "", p.postcode, p.uuid)


def _block_pairs(members: list[int], records: list[Any]) -> Iterator[tuple[int, int]]:
    """The pairs to compare within one block: all of them, or sorted neighbours if it is big."""
    if len(members) <= _BLOCK_CAP:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]
        return
    ordered = sorted(members, key=lambda i: _sort_key(records[i]))
    for x in range(len(ordered)):
        for y in range(x + 1, min(x + 1 + _WINDOW, len(ordered))):
            yield ordered[x], ordered[y]


def _candidate_pairs(
    records: list[Any],
    key_functions: list[KeyFunction],
    only: set[int] | None,
    cancel: CancelFlag | None,
) -> list[tuple[int, int]]:
    """Pairs (i < j) sharing at least one blocking key; with `only`, pairs touching those."""
    n = len(records)
    seen: set[int] = set()
    for keys_of in key_functions:
        wanted: set[str] | None = None
        if only is not None:
            wanted = {key for i in only for key in keys_of(records[i])}
            if not wanted:
                continue
        blocks: dict[str, list[int]] = {}
        for i, record in enumerate(records):
            if cancel is not None and i % _CHECK_EVERY == 0 and cancel():
                raise Cancelled()
            for key in keys_of(record):
                if wanted is not None and key not in wanted:
                    continue
                members = blocks.get(key)
                if members is None:
                    blocks[key] = [i]
                elif members[-1] != i:
                    members.append(i)
        for members in blocks.values():
            if len(members) < 2:
                continue
            for i, j in _block_pairs(members, records):
                if only is not None and i not in only and j not in only:
                    continue
                seen.add(i * n + j if i < j else j * n + i)
    return [divmod(code, n) for code in sorted(seen)]


def _volunteer_pairs(
    people: list[_Person], only: set[int] | None, cancel: CancelFlag | None
) -> list[tuple[int, int]]:
    """The pairs :func:`_candidate_pairs` gives with :func:`_volunteer_keys`, found quicker.

    Rather than build every key of every kind as text, records are grouped once by phone,
    e-mail address, postcode, date of birth and district. The keys made of a postcode, a date
    of birth or a district and names are then looked for within those groups: in a group no
    larger than ``_BLOCK_CAP`` each of its blocks is small too, so every pair in the group that
    shares such a key is compared, which is exactly what the blocks would give. A larger group
    has its blocks built as they would be, sorted neighbourhoods and all.
    """
    n = len(people)
    seen: set[int] = set()
    # A key's members: a record's position while it is the only one, then a list of them
    # (most keys have one record, and an int takes much less room than a list).
    by_phone: dict[str, int | list[int]] = {}
    by_email: dict[str, int | list[int]] = {}
    by_postcode: dict[str, int | list[int]] = {}
    by_birth: dict[str, int | list[int]] = {}
    by_district: dict[str, int | list[int]] = {}
    for i, p in enumerate(people):
        if i % _CHECK_EVERY == 0 and cancel is not None and cancel():
            raise Cancelled()
        keyed = [(by_phone, key) for key in p.phones]  # distinct already
        for groups, key in ((by_email, p.email), (by_postcode, p.postcode), (by_birth, p.dob)):
            if key:
                keyed.append((groups, key))
        if p.name_pairs:
            keyed.append((by_district, p.district))
        for groups, key in keyed:
            members = groups.get(key)
            if members is None:
                groups[key] = i
            elif isinstance(members, int):
                groups[key] = [members, i]
            else:
                members.append(i)

    def wanted(groups: dict[str, int | list[int]]) -> list[list[int]]:
        """The groups of two or more; with `only`, those holding one of them."""
        if only is None:
            return [members for members in groups.values() if not isinstance(members, int)]
        return [
            members
            for members in groups.values()
            if not isinstance(members, int) and not only.isdisjoint(members)
        ]

    def add(pairs: Iterable[tuple[int, int]]) -> None:
        for i, j in pairs:
            if only is None or i in only or j in only:
                seen.add(i * n + j if i < j else j * n + i)

    def blocks(members: list[int], *key_functions: KeyFunction) -> None:
        """Build the blocks of a large group as :func:`_candidate_pairs` would."""
        for keys_of in key_functions:
            found: dict[str, list[int]] = {}
            for i in members:
                for key in keys_of(people[i]):
                    block = found.get(key)
                    if block is None:
                        found[key] = [i]
                    elif block[-1] != i:
                        block.append(i)
            for block in found.values():
                if len(block) > 1:
                    add(_block_pairs(block, people))

    for members in wanted(by_phone) + wanted(by_email):
        add(_block_pairs(members, people))
    for count, members in enumerate(wanted(by_postcode)):
        if count % _CHECK_EVERY == 0 and cancel is not None and cancel():
            raise Cancelled()
        if len(members) > _BLOCK_CAP:
            blocks(members, _postcode_surname, _postcode_first)
            continue
        for x, i in enumerate(members):
            a = people[i]
            for j in members[x + 1 :]:
                b = people[j]
                if (
                    (a.last_key and a.last_key == b.last_key)
                    or not a.first_keys.isdisjoint(b.first_keys)
                ) and (only is None or i in only or j in only):
                    seen.add(i * n + j if i < j else j * n + i)
    for count, members in enumerate(wanted(by_birth)):
        if count % _CHECK_EVERY == 0 and cancel is not None and cancel():
            raise Cancelled()
        if len(members) > _BLOCK_CAP:
            blocks(members, _birth_first, _birth_surname, _birth_district)
            continue
        for x, i in enumerate(members):
            a = people[i]
            for j in members[x + 1 :]:
                b = people[j]
                if (
                    (a.last_key and a.last_key == b.last_key)
                    or (a.district and a.district == b.district)
                    or not a.first_keys.isdisjoint(b.first_keys)
                ) and (only is None or i in only or j in only):
                    seen.add(i * n + j if i < j else j * n + i)
    for members in wanted(by_district):  # the names' keys, within each district
        if cancel is not None and cancel():
            raise Cancelled()
        found: dict[str, list[int]] = {}
        for i in members:
            for pair in people[i].name_pairs:
                block = found.get(pair)
                if block is None:
                    found[pair] = [i]
                else:
                    block.append(i)
        for block in found.values():
            if len(block) == 2:
                i, j = block
                if only is None or i in only or j in only:
                    seen.add(i * n + j)
            elif len(block) > 2:
                add(_block_pairs(block, people))
    return [divmod(code, n) for code in sorted(seen)]


# -- comparing two volunteers -------------------------------------------------------------------


class _Evidence:
    """Collects weights, and the reasons behind them when asked to explain."""

    __slots__ = ("explain", "reasons", "total")

    def __init__(self, explain: bool) -> None:
        self.explain = explain
        self.total = 0.0
        self.reasons: list[Reason] = []

    def add(self, code: str, weight: float, **params: str) -> None:
        self.total += weight
        if self.explain:
            self.reasons.append(Reason(code, params, weight))


def _percent(similarity: float) -> str:
    return str(round(similarity * 100))


class _NameStats:
    """How common each given name and surname is in the register: common names prove less."""

    def __init__(self, n: int, first_names: Counter[str], last_names: Counter[str]) -> None:
        """`first_names` and `last_names`: how many live records give each, as typed."""
        self.n = n
        self.first: Counter[str] = Counter()
        for name, count in first_names.items():
            self.first[first_word(name)] += count
        self.last: Counter[str] = Counter()
        for name, count in last_names.items():
            self.last[compact_name(name)] += count
        self._first_weights: dict[str, float] = {}
        self._last_weights: dict[str, tuple[float, str]] = {}

    def _share(self, count: int) -> float:
        return (count + _PRIOR_SHARE * _PRIOR_WEIGHT) / (self.n + _PRIOR_WEIGHT)

    def _weight(self, count: int, bounds: tuple[float, float]) -> float:
        bits = math.log2(_NAME_M / self._share(count))
        return min(max(bits, bounds[0]), bounds[1])

    def first_weight(self, folded: str) -> float:
        """The weight of two records giving this (folded) first name."""
        weight = self._first_weights.get(folded)
        if weight is None:
            weight = self._weight(self.first.get(folded, 0), W_FIRST_SAME)
            self._first_weights[folded] = weight
        return weight

    def last_weight(self, surname: str) -> tuple[float, str]:
        """The weight of two records giving this surname, and its share in per cent if common."""
        known = self._last_weights.get(surname)
        if known is None:
            count = self.last.get(compact_name(surname), 0)
            common = ""
            if self.n and count / self.n >= _COMMON_SHARE:
                common = str(round(100 * count / self.n))
            known = (self._weight(count, W_LAST_SAME), common)
            self._last_weights[surname] = known
        return known


# Levels of agreement between two names, best first.
_SAME, _VARIANT, _MUTATION, _PATRONYMIC, _SHORT, _PART, _FUZZY, _INITIAL, _SOUND, _DIFFERENT = (
    range(10)
)


@dataclass(frozen=True, slots=True)
class _NameMatch:
    level: int
    similarity: float = 0.0


_first_cache: dict[tuple[str, str], _NameMatch] = {}
_last_cache: dict[tuple[str, str], _NameMatch] = {}


def _compare_given(a: str, b: str) -> _NameMatch:
    """Two folded given names (first words)."""
    pair = (a, b) if a <= b else (b, a)
    known = _first_cache.get(pair)
    if known is not None:
        return known
    if a == b:
        match = _NameMatch(_SAME, 1.0)
    elif radical_name(a) == radical_name(b):
        match = _NameMatch(_MUTATION, 1.0)
    elif not first_name_keys(a).isdisjoint(first_name_keys(b)):
        match = _NameMatch(_VARIANT, 1.0)
    elif short_form_of(a, b):
        match = _NameMatch(_SHORT, 1.0)
    else:
        similarity = JaroWinkler.normalized_similarity(a, b)
        if _is_slip(a, b, similarity):
            match = _NameMatch(_FUZZY, similarity)
        elif (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
            match = _NameMatch(_INITIAL, 1.0)
        else:
            match = _NameMatch(_DIFFERENT, similarity)
    if len(_first_cache) < 200_000:
        _first_cache[pair] = match
    return match


def _is_slip(a: str, b: str, similarity: float) -> bool:
    """One typing slip: a swap of neighbours, or one letter wrong in a longer name."""
    if min(len(a), len(b)) < 3:
        return False
    if similarity >= _FUZZY_NAME:
        return True
    distance = OSA.distance(a, b)
    if distance != 1:
        return False
    return Levenshtein.distance(a, b) == 2 or min(len(a), len(b)) >= 6


def _compare_surnames(a: str, b: str) -> _NameMatch:
    """Two surnames as typed."""
    pair = (a, b) if a <= b else (b, a)
    known = _last_cache.get(pair)
    if known is not None:
        return known
    ca, cb = compact_name(a), compact_name(b)
    if not ca or not cb:
        match = _NameMatch(-1)
    elif ca == cb:
        match = _NameMatch(_SAME, 1.0)
    elif surname_key(a) == surname_key(b):
        level = _PATRONYMIC if surname_key(a).startswith("ap ") else _VARIANT
        match = _NameMatch(level, 1.0)
    else:
        similarity = JaroWinkler.normalized_similarity(ca, cb)
        words_a, words_b = fold_name(a).split(), fold_name(b).split()
        if _is_slip(ca, cb, similarity):
            match = _NameMatch(_FUZZY, similarity)
        elif (len(words_a) > 1 and cb in words_a) or (len(words_b) > 1 and ca in words_b):
            match = _NameMatch(_PART, 1.0)
        elif sound_key(a) == sound_key(b) and len(sound_key(a)) >= 2:
            match = _NameMatch(_SOUND, similarity)
        else:
            match = _NameMatch(_DIFFERENT, similarity)
    if len(_last_cache) < 200_000:
        _last_cache[pair] = match
    return match


def _given_evidence(
    a_names: tuple[tuple[str, str], ...],
    b_names: tuple[tuple[str, str], ...],
    stats: _NameStats,
    ev: _Evidence,
) -> bool:
    """Given names: (folded, as typed) pairs, first name then known-as name.

    Returns False when they are clearly different names.
    """
    if not a_names or not b_names:
        return True
    best: tuple[int, float, str, str, str, str] | None = None
    for fa, ta in a_names:
        for fb, tb in b_names:
            match = _compare_given(fa, fb)
            option = (match.level, -match.similarity, fa, ta, fb, tb)
            if best is None or option < best:
                best = option
    assert best is not None
    level, negative_similarity, fa, ta, fb, tb = best
    if level == _SAME:
        ev.add("dup.first.same", stats.first_weight(fa), name=ta)
    elif level == _MUTATION:
        ev.add("dup.first.mutation", W_FIRST_VARIANT, a=ta, b=tb)
    elif level == _VARIANT:
        ev.add("dup.first.variant", W_FIRST_VARIANT, a=ta, b=tb)
    elif level == _SHORT:
        short, long = (ta, tb) if len(fa) < len(fb) else (tb, ta)
        ev.add("dup.first.short", W_FIRST_SHORT, a=short, b=long)
    elif level == _FUZZY:
        ev.add("dup.first.fuzzy", W_FIRST_FUZZY, a=ta, b=tb, score=_percent(-negative_similarity))
    elif level == _INITIAL:
        short, long = (ta, tb) if len(fa) < len(fb) else (tb, ta)
        ev.add("dup.first.initial", W_FIRST_INITIAL, a=short, b=long)
    else:
        ev.add("dup.first.different", W_FIRST_DIFFERENT, a=ta, b=tb)
        return False
    return True


def _surname_evidence(a: str, b: str, stats: _NameStats, household: bool, ev: _Evidence) -> bool:
    """Surnames as typed. Returns False when they are clearly different names."""
    if not a or not b:
        return True
    match = _compare_surnames(a, b)
    if match.level < 0:
        return True
    cap = W_LAST_IN_HOUSEHOLD if household else 100.0
    if match.level == _SAME:
        weight, common = stats.last_weight(a)
        if household and weight > cap:
            ev.add("dup.last.household", cap, name=a)
        elif common and ev.explain:
            ev.add("dup.last.common", weight, name=a, share=common)
        else:
            ev.add("dup.last.same", weight, name=a)
    elif match.level == _PATRONYMIC:
        ev.add("dup.last.patronymic", min(W_LAST_PATRONYMIC, cap), a=a, b=b)
    elif match.level == _VARIANT:
        ev.add("dup.last.variant", min(W_LAST_VARIANT, cap), a=a, b=b)
    elif match.level == _FUZZY:
        ev.add("dup.last.fuzzy", min(W_LAST_FUZZY, cap), a=a, b=b, score=_percent(match.similarity))
    elif match.level == _PART:
        short, long = (a, b) if len(a) < len(b) else (b, a)
        ev.add("dup.last.part", min(W_LAST_PART, cap), a=short, b=long)
    elif match.level == _SOUND:
        ev.add("dup.last.sound", min(W_LAST_SOUND, cap), a=a, b=b)
    else:
        ev.add("dup.last.different", W_LAST_DIFFERENT, a=a, b=b)
        return False
    return True


def _names_of(p: _Person) -> tuple[tuple[str, str], ...]:
    names: list[tuple[str, str]] = []
    if p.firsts:
        names.append((p.firsts[0], p.first))
        if len(p.firsts) > 1:
            names.append((p.firsts[1], p.known_as))
    return tuple(names)


def _near_date(a: str, b: str) -> bool:
    """One slip: a digit wrong, two neighbours swapped, or day and month the other way round."""
    if len(a) != 10 or len(b) != 10:
        return False
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    return OSA.distance(a, b) == 1


def _compare_people(
    a: _Person, b: _Person, stats: _NameStats, explain: bool, cutoff: float | None = None
) -> _Evidence:
    """Weigh the evidence that two volunteers are one person.

    With `cutoff` (and not explaining), stops early once the names could not lift the total
    to it; the total is then only known to be below the cutoff.
    """
    phones_a, phones_b = a.phones, b.phones
    shared_phones: tuple[str, ...] = ()
    if phones_a and phones_b:
        if len(phones_a) == 1 and len(phones_b) == 1:  # nearly always
            if phones_a[0] == phones_b[0]:
                shared_phones = phones_a
        else:
            shared_phones = tuple(phone for phone in phones_a if phone in phones_b)
    if (
        cutoff is not None
        and not explain
        and not shared_phones
        and not (a.email and a.email == b.email)
        and not (a.postcode and a.postcode == b.postcode)
    ):
        # Nothing to reach them by (most pairs the names or a birthday put together): at best
        # the birthday, the district and both names count, less "no link". Only a pair that
        # could still reach the cutoff is weighed in full.
        birth = 0.0
        if a.dob and b.dob:
            birth = W_BIRTH_SAME if a.dob == b.dob else max(W_BIRTH_NEAR, W_BIRTH_DIFFERENT)
        bound = birth + max(W_DISTRICT, 0.0) + W_NO_LINK + _BEST_NAMES
        if bound < cutoff:
            below = _Evidence(False)
            below.total = bound
            return below
    ev = _Evidence(explain)

    # Contact and place first: whether they share a household decides how a surname counts.
    household: list[tuple[float, str, dict[str, str]]] = []
    mobile = landline = None  # the first shared of each
    for phone in shared_phones:
        if _is_mobile(phone):
            mobile = mobile or phone
        else:
            landline = landline or phone
    if landline is not None:
        phone = display_phone(landline) if explain else ""
        household.append((W_LANDLINE, "dup.phone.landline", {"phone": phone}))
    same_email = bool(a.email) and a.email == b.email
    if same_email:
        household.append((W_EMAIL, "dup.email.same", {"email": a.email}))
    same_postcode = bool(a.postcode) and a.postcode == b.postcode
    if same_postcode:
        if _same_address(a.address, b.address):
            params = {"address": a.address, "postcode": a.postcode}
            household.append((W_ADDRESS, "dup.address.same", params))
        else:
            household.append((W_POSTCODE, "dup.postcode.same", {"postcode": a.postcode}))

    if a.dob and b.dob:
        if a.dob == b.dob:
            ev.add("dup.birth.same", W_BIRTH_SAME, date=a.dob)
        elif _near_date(a.dob, b.dob):
            ev.add("dup.birth.near", W_BIRTH_NEAR, a=a.dob, b=b.dob)
        else:
            ev.add("dup.birth.different", W_BIRTH_DIFFERENT, a=a.dob, b=b.dob)
    if mobile is not None:
        ev.add("dup.phone.mobile", W_MOBILE, phone=display_phone(mobile) if explain else "")
    elif a.phones and b.phones and not shared_phones:
        ev.add("dup.phone.different", W_PHONE_DIFFERENT)
    # The household counts once: the strongest sign in full, the next half, and so on.
    household.sort(key=lambda item: -item[0])
    room = W_HOUSEHOLD_CAP
    for rank, (weight, code, params) in enumerate(household):
        share = min(weight / (2**rank), room)
        room -= share
        ev.add(code, share, **params)
    if a.email and b.email and not same_email:
        ev.add("dup.email.different", W_EMAIL_DIFFERENT)
    if not same_postcode and a.district and b.district:
        if a.district == b.district:
            ev.add("dup.postcode.district", W_DISTRICT, district=a.district)
        else:
            ev.add("dup.postcode.different", W_DISTRICT_DIFFERENT, a=a.district, b=b.district)
    if not shared_phones and not same_email and not same_postcode:
        ev.add("dup.no_link", W_NO_LINK)

    if cutoff is not None and not explain:
        best_names = W_FIRST_SAME[1] + (W_LAST_IN_HOUSEHOLD if household else W_LAST_SAME[1])
        if ev.total + best_names < cutoff:
            return ev

    # Names, straight and, when they disagree, crosswise; the better reading is kept.
    straight = _Evidence(explain)
    agree = _given_evidence(_names_of(a), _names_of(b), stats, straight)
    agree &= _surname_evidence(a.last, b.last, stats, bool(household), straight)
    names = straight
    if not agree and a.first and a.last and b.first and b.last:
        crossed = _Evidence(explain)
        crossed.add("dup.names.swapped", W_SWAPPED)
        if a.firsts and b.last_word:
            _given_evidence(((a.firsts[0], a.first),), ((b.last_word, b.last),), stats, crossed)
        _surname_evidence(a.last, b.first, stats, bool(household), crossed)
        if crossed.total > straight.total + 1.0:
            names = crossed
    ev.total += names.total
    ev.reasons[:0] = names.reasons  # names first, then birth, contact and place
    return ev


# -- organisations ------------------------------------------------------------------------------

_GENERIC_HOSTS = frozenset({
    "facebook.com", "instagram.com", "twitter.com", "x.com", "linktr.ee", "sites.google.com",
    "wordpress.com", "wixsite.com", "justgiving.com", "gofundme.com", "youtube.com",
})  # fmt: skip
_AND_RE = re.compile(r"\s*(&|\+)\s*")

W_GROUP_NAME_SAME = 7.0
W_GROUP_NAME_SPACING = 6.0
W_GROUP_NAME_CLOSE = 4.0  # 90% alike or more
W_GROUP_NAME_NEAR = 2.0  # 80% alike or more
W_GROUP_NAME_DIFFERENT = -4.0  # under 60% alike
W_GROUP_NUMBER_SAME = 8.0
W_GROUP_NUMBER_DIFFERENT = -8.0
W_GROUP_CONTACT = 4.0
W_GROUP_POSTCODE = 3.0


@dataclass(slots=True)
class _Group:
    uuid: str
    names: tuple[str, ...]  # as typed, English then Welsh
    folded: tuple[str, ...]
    compacts: tuple[str, ...]
    charity: str
    company: str
    phone: str
    email: str
    website: str
    postcode: str
    district: str


def _website(value: str) -> str:
    text = (value or "").strip().casefold()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.removeprefix("www.")
    host, _slash, path = text.partition("/")
    if not host:
        return ""
    if host in _GENERIC_HOSTS or any(host.endswith("." + g) for g in _GENERIC_HOSTS):
        first = path.split("/", 1)[0].split("?", 1)[0]
        return f"{host}/{first}" if first else ""
    return host


def _group_name(text: str) -> str:
    return fold_name(_AND_RE.sub(" and ", text))


def _prepare_group(values: tuple[Any, ...]) -> _Group:
    (uuid, name_en, name_cy, charity, company, phone, email, website, postcode) = values
    names = tuple(dict.fromkeys(n.strip() for n in (name_en or "", name_cy or "") if n.strip()))
    folded = tuple(_group_name(n) for n in names)
    code = postcode or ""
    return _Group(
        uuid=uuid,
        names=names,
        folded=folded,
        compacts=tuple(f.replace(" ", "") for f in folded),
        charity=_NOT_ALNUM_RE.sub("", (charity or "").casefold()),
        company=_NOT_ALNUM_RE.sub("", (company or "").casefold()),
        phone=_SPACES_RE.sub("", phone or ""),
        email=(email or "").strip().casefold(),
        website=_website(website or ""),
        postcode=code,
        district=_district(code),
    )


def _group_keys() -> list[KeyFunction]:
    def numbers(g: _Group) -> Iterable[str]:
        return [f"{kind}|{n}" for kind, n in (("c", g.charity), ("o", g.company)) if n]

    def contact(g: _Group) -> Iterable[str]:
        return [
            f"{kind}|{v}" for kind, v in (("p", g.phone), ("e", g.email), ("w", g.website)) if v
        ]

    def postcode(g: _Group) -> Iterable[str]:
        return (g.postcode,) if g.postcode else ()

    def name(g: _Group) -> Iterable[str]:
        keys = set(g.compacts)
        keys.update(" ".join(sorted(f.split())) for f in g.folded)
        return keys

    def district(g: _Group) -> Iterable[str]:
        return (g.district,) if g.district else ()

    return [numbers, contact, postcode, name, district]


def _group_pairs(
    groups: list[_Group], only: set[int] | None, cancel: CancelFlag | None
) -> list[tuple[int, int]]:
    return _candidate_pairs(groups, _group_keys(), only, cancel)


def _compare_groups(a: _Group, b: _Group, cutoff: float | None) -> _Evidence:
    ev = _Evidence(cutoff is None)
    best: tuple[float, str, str, str] | None = None  # (similarity, kind, a, b)
    for name_a, fold_a, compact_a in zip(a.names, a.folded, a.compacts, strict=True):
        for name_b, fold_b, compact_b in zip(b.names, b.folded, b.compacts, strict=True):
            if fold_a == fold_b:
                option = (2.0, "same", name_a, name_b)
            elif compact_a == compact_b:
                option = (1.5, "spacing", name_a, name_b)
            else:
                similarity = fuzz.token_sort_ratio(fold_a, fold_b) / 100
                similarity = max(similarity, fuzz.ratio(compact_a, compact_b) / 100)
                option = (similarity, "fuzzy", name_a, name_b)
            if best is None or option[0] > best[0]:
                best = option
    if best is not None:
        similarity, kind, name_a, name_b = best
        if kind == "same":
            ev.add("dupgroup.name.same", W_GROUP_NAME_SAME, name=name_a)
        elif kind == "spacing":
            ev.add("dupgroup.name.spacing", W_GROUP_NAME_SPACING, a=name_a, b=name_b)
        elif similarity >= 0.9:
            ev.add(
                "dupgroup.name.fuzzy", W_GROUP_NAME_CLOSE, a=name_a, b=name_b,
                score=_percent(similarity),
            )  # fmt: skip
        elif similarity >= 0.8:
            ev.add(
                "dupgroup.name.fuzzy", W_GROUP_NAME_NEAR, a=name_a, b=name_b,
                score=_percent(similarity),
            )  # fmt: skip
        elif similarity < 0.6:
            ev.add("dupgroup.name.different", W_GROUP_NAME_DIFFERENT, a=name_a, b=name_b)
    linked = False
    for kind, va, vb in (("charity", a.charity, b.charity), ("company", a.company, b.company)):
        if va and vb:
            if va == vb:
                linked = True
                ev.add(f"dupgroup.{kind}.same", W_GROUP_NUMBER_SAME, number=va.upper())
            else:
                ev.add(
                    f"dupgroup.{kind}.different", W_GROUP_NUMBER_DIFFERENT,
                    a=va.upper(), b=vb.upper(),
                )  # fmt: skip
    if a.phone and a.phone == b.phone:
        linked = True
        ev.add("dupgroup.phone.same", W_GROUP_CONTACT, phone=display_phone(a.phone))
    elif a.phone and b.phone:
        ev.add("dupgroup.phone.different", W_PHONE_DIFFERENT)
    if a.email and a.email == b.email:
        linked = True
        ev.add("dupgroup.email.same", W_GROUP_CONTACT, email=a.email)
    elif a.email and b.email:
        ev.add("dupgroup.email.different", W_EMAIL_DIFFERENT)
    if a.website and a.website == b.website:
        linked = True
        ev.add("dupgroup.website.same", W_GROUP_CONTACT, website=a.website)
    if a.postcode and a.postcode == b.postcode:
        linked = True
        ev.add("dupgroup.postcode.same", W_GROUP_POSTCODE, postcode=a.postcode)
    elif a.district and b.district:
        if a.district == b.district:
            ev.add("dupgroup.postcode.district", W_DISTRICT, district=a.district)
        else:
            ev.add("dupgroup.postcode.different", W_DISTRICT_DIFFERENT, a=a.district, b=b.district)
    if not linked:
        ev.add("dupgroup.no_link", W_NO_LINK)
    return ev


def _group_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    o = Organisation
    query = (
        select(
            o.uuid,
            o.name_en,
            o.name_cy,
            o.charity_number,
            o.company_number,
            o.phone,
            o.email,
            o.website,
            o.postcode,
        )
        .where(o.deleted.is_(False))
        .order_by(o.id)
    )
    for row in session.connection().execute(query).yield_per(10_000):
        yield tuple(row)


# -- the scan -----------------------------------------------------------------------------------


def _scan(
    records: list[Any],
    *,
    record_type: str,
    kind: AlertKind,
    candidates: Callable[[list[Any], set[int] | None, CancelFlag | None], list[tuple[int, int]]],
    compare: Callable[[Any, Any, float | None], _Evidence],
    threshold: float | None,
    default_bits: float,
    shift: float,
    only_rows: set[int] | None,
    progress: ProgressCallback | None,
    cancel: CancelFlag | None,
) -> list[Finding]:
    """Compare the pairs the blocking keys give (with `only_rows`, those touching them).

    A pair is reported when its evidence reaches `default_bits`, or the bits `threshold`
    stands for; its score is that of its bits plus `shift`.
    """
    # Less a hair, so that a pair scoring exactly the threshold (after rounding) is kept.
    cutoff = default_bits if threshold is None else bits_of(threshold) - shift - 1e-6
    n = len(records)
    total = 2 * n
    if only_rows is not None and not only_rows:
        if progress is not None:
            progress(total, total)
        return []
    pairs = candidates(records, only_rows, cancel)
    if progress is not None:
        progress(n, total)
    findings: list[Finding] = []
    for done, (i, j) in enumerate(pairs):
        if done % _CHECK_EVERY == 0:
            if cancel is not None and cancel():
                raise Cancelled()
            if progress is not None and done:
                progress(n + n * done // len(pairs), total)
        a, b = records[i], records[j]
        if compare(a, b, cutoff).total < cutoff:
            continue
        evidence = compare(a, b, None)
        findings.append(
            Finding(
                kind=kind,
                records=(RecordRef(record_type, a.uuid), RecordRef(record_type, b.uuid)),
                score=round(score_of(evidence.total + shift), 4),
                reasons=tuple(evidence.reasons),
            )
        )
    if progress is not None:
        progress(total, total)
    findings.sort(key=lambda f: (-f.score, f.pair_key))
    return findings


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the scan builds its many small objects.

    None of them form cycles, yet each collection walks them all: on 100,000 volunteers the
    collector alone would add about half to the scan's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def find_duplicate_volunteers(
    session: Session,
    *,
    only: Collection[str] | None = None,
    threshold: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """Pairs of live volunteers that look like one person registered twice.

    `only`: uuids of records changed since the last scan; then only findings involving at least
    one of them are returned (each compared with every live record). `threshold`: the least
    score reported (default :data:`DEFAULT_VOLUNTEER_THRESHOLD`). Raises Cancelled.
    """
    with _collector_paused():
        prepare = _Prepare()
        first_names: Counter[str] = Counter()
        last_names: Counter[str] = Counter()
        people: list[_Person] = []
        only_rows: set[int] | None = None
        if only is None:
            for row, values in enumerate(_volunteer_rows(session)):
                if cancel is not None and row % _CHECK_EVERY == 0 and cancel():
                    raise Cancelled()
                first_names[values[1] or ""] += 1
                last_names[values[2] or ""] += 1
                people.append(prepare.person(values))
            n = len(people)
        else:
            changed = set(only)
            if len(changed) <= _NEARBY_LIMIT:
                rows, first_names, last_names = _nearby_rows(session, changed, prepare)
            else:  # too many to name in a query: read everything
                rows = list(_volunteer_rows(session))
                first_names.update(values[1] or "" for values in rows)
                last_names.update(values[2] or "" for values in rows)
            if cancel is not None and cancel():
                raise Cancelled()
            n = sum(first_names.values())
            people, only_rows = _neighbourhood(rows, changed, prepare)
        stats = _NameStats(n, first_names, last_names)

        def compare(a: _Person, b: _Person, cutoff: float | None) -> _Evidence:
            """With a cutoff: a quick first look; without: the full explanation."""
            return _compare_people(a, b, stats, cutoff is None, cutoff)

        return _scan(
            people,
            record_type="volunteer",
            kind=AlertKind.DUPLICATE_VOLUNTEER,
            candidates=_volunteer_pairs,
            compare=compare,
            threshold=threshold,
            default_bits=VOLUNTEER_CUTOFF_BITS,
            shift=0.0,
            only_rows=only_rows,
            progress=progress,
            cancel=cancel,
        )


def _neighbourhood(
    rows: list[Sequence[Any]], changed: set[str], prepare: _Prepare
) -> tuple[list[_Person], set[int]]:
    """The changed volunteers and every record that could share a blocking key with one.

    Every blocking key holds a phone, an e-mail address, a postcode, a date of birth, or a
    district with both names' keys, so a record sharing none of those with any changed record
    cannot meet one and is not even prepared. The blocks that matter are then complete, so they
    are compared exactly as in a full scan. Returns (people, positions of the changed ones).
    """
    mine = [prepare.person(values) for values in rows if values[0] in changed]
    phones = {phone for p in mine for phone in p.phones}
    emails = {p.email for p in mine if p.email}
    postcodes = {p.postcode for p in mine if p.postcode}
    dates = {p.dob for p in mine if p.dob}
    name_pairs: dict[str, set[str]] = {}
    for p in mine:
        name_pairs.setdefault(p.district, set()).update(_name_pairs(p.first_keys, p.last_keys))
    pairs_of: dict[tuple[str, str, str], frozenset[str]] = {}  # names as typed -> their pairs
    people: list[_Person] = []
    positions: set[int] = set()
    for values in rows:
        uuid, first, last, known_as, dob, phone, phone_alt, email, postcode, _address = values
        code = postcode or ""
        if not (
            uuid in changed
            or code in postcodes
            or (dob and _clean_date(dob) in dates)
            or (phone and phone in phones)
            or (phone_alt and phone_alt in phones)
            or (email and _clean_email(email) in emails)
        ):
            wanted = name_pairs.get(_district(code))
            if wanted is None:
                continue
            names = (first or "", known_as or "", last or "")
            pairs = pairs_of.get(names)
            if pairs is None:
                first_keys = prepare.first(names[0])[1]
                if known_as:
                    first_keys = first_keys | prepare.first(known_as)[1]
                pairs = _name_pairs(first_keys, prepare.last(names[2])[2])
                pairs_of[names] = pairs
            if wanted.isdisjoint(pairs):
                continue
        if uuid in changed:
            positions.add(len(people))
        people.append(prepare.person(values))
    return people, positions


def find_duplicate_organisations(
    session: Session,
    *,
    only: Collection[str] | None = None,
    threshold: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
) -> list[Finding]:
    """Pairs of live groups that look like one group registered twice (see the volunteers')."""
    with _collector_paused():
        groups = [_prepare_group(values) for values in _group_rows(session)]
        only_rows = None
        if only is not None:
            wanted = set(only)
            only_rows = {i for i, g in enumerate(groups) if g.uuid in wanted}
        return _scan(
            groups,
            record_type="organisation",
            kind=AlertKind.DUPLICATE_ORGANISATION,
            candidates=_group_pairs,
            compare=_compare_groups,
            threshold=threshold,
            default_bits=ORGANISATION_CUTOFF_BITS,
            shift=_ORGANISATION_SHIFT,
            only_rows=only_rows,
            progress=progress,
            cancel=cancel,
        )
