"""Recurrence rules for activities: a rule and its exceptions in, the dates of shifts out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.i18n import N_, _, format_date, weekday_name

LOCAL_ZONE = "Europe/London"
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_INTERVAL = 52
LAST = -1  # "the last Friday of the month", "the last day of the month"


class Frequency(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Recurrence:
    """How often an activity repeats, in the few shapes a coordinator picks from.

    - once: only on the activity's start date (and any extra dates);
    - daily: every `interval` days;
    - weekly: on `weekdays` (Monday is 0) every `interval` weeks (2 is fortnightly);
    - monthly by weekday: `week_of_month` (1-5, or -1 for the last) of `weekdays[0]`
      every `interval` months ("the first Tuesday");
    - monthly by date: on `month_day` (1-31, or -1 for the last day); a day a month lacks
      falls on that month's last day, so "the 31st" is 30 April and 28 February.

    `custom` holds an RFC 5545 rule received from a partner that none of these shapes
    describes; it is kept and used as it is.
    """

    frequency: Frequency = Frequency.ONCE
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    week_of_month: int | None = None
    month_day: int | None = None
    custom: str = ""

    @property
    def repeats(self) -> bool:
        return self.frequency is not Frequency.ONCE or bool(self.custom)

    def to_rrule(self) -> str:
        """The RFC 5545 rule stored with the activity ("" for a one-off)."""
        if self.custom:
            return self.custom
        if self.frequency is Frequency.ONCE:
            return ""
        parts = [f"FREQ={self.frequency.value.upper()}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.frequency is Frequency.WEEKLY:
            parts.append("BYDAY=" + ",".join(RRULE_DAYS[d] for d in sorted(set(self.weekdays))))
        elif self.frequency is Frequency.MONTHLY:
            if self.week_of_month is not None and self.weekdays:
                parts.append(f"BYDAY={self.week_of_month}{RRULE_DAYS[self.weekdays[0]]}")
            elif self.month_day is not None:
                if self.month_day > 28:
                    # The last of 28..day that the month has: the day itself or the month's end.
                    days = ",".join(str(d) for d in range(28, self.month_day + 1))
                    parts.append(f"BYMONTHDAY={days};BYSETPOS=-1")
                else:
                    parts.append(f"BYMONTHDAY={self.month_day}")
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, text: str) -> Recurrence:
        """Read a stored rule back; rules of another shape come back as `custom`."""
        body = (text or "").strip()
        if body.upper().startswith("RRULE:"):
            body = body[6:]
        if not body:
            return cls()
        try:
            fields = dict(part.split("=", 1) for part in body.upper().split(";") if part)
        except ValueError:
            return cls(custom=body)
        known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS"}
        try:
            frequency = Frequency(fields.get("FREQ", "").lower())
            interval = int(fields.get("INTERVAL", "1"))
        except ValueError:
            return cls(custom=body)
        if set(fields) - known or frequency is Frequency.ONCE:
            return cls(custom=body)
        byday = [d for d in fields.get("BYDAY", "").split(",") if d]
        if frequency is Frequency.DAILY and not byday and "BYMONTHDAY" not in fields:
            candidate = cls(frequency, interval)
        elif frequency is Frequency.WEEKLY and "BYMONTHDAY" not in fields:
            if not byday or any(d not in RRULE_DAYS for d in byday):
                return cls(custom=body)
            candidate = cls(frequency, interval, tuple(sorted(RRULE_DAYS.index(d) for d in byday)))
        elif frequency is Frequency.MONTHLY and len(byday) == 1 and "BYMONTHDAY" not in fields:
            code, prefix = byday[0][-2:], byday[0][:-2]
            try:
                week = int(prefix)
            except ValueError:
                return cls(custom=body)
            if code not in RRULE_DAYS:
                return cls(custom=body)
            candidate = cls(frequency, interval, (RRULE_DAYS.index(code),), week_of_month=week)
        elif frequency is Frequency.MONTHLY and not byday and "BYMONTHDAY" in fields:
            try:
                days = [int(d) for d in fields["BYMONTHDAY"].split(",")]
            except ValueError:
                return cls(custom=body)
            if len(days) == 1 and "BYSETPOS" not in fields:
                candidate = cls(frequency, interval, month_day=days[0])
            elif fields.get("BYSETPOS") == "-1" and days == list(range(28, days[-1] + 1)):
                candidate = cls(frequency, interval, month_day=days[-1])
            else:
                return cls(custom=body)
        else:
            return cls(custom=body)
        # Only a rule we would write ourselves is read as one of our shapes.
        same = candidate.to_rrule() == body.upper().replace("+", "").replace("INTERVAL=1;", "")
        return candidate if same else cls(custom=body)

    def describe(self, start: dt.date | None = None) -> str:
        """The pattern as a sentence in the current language ("Every other Tuesday")."""
        if self.custom:
            return _("A custom pattern: {rule}").format(rule=self.custom)
        if self.frequency is Frequency.ONCE:
            if start is None:
                return _("Once only")
            return _("Once only, on {date}").format(date=format_date(start, "long"))
        if self.frequency is Frequency.DAILY:
            if self.interval == 1:
                return _("Every day")
            return _("Every {n} days").format(n=self.interval)
        if self.frequency is Frequency.WEEKLY:
            days = _day_list(self.weekdays)
            if self.interval == 1:
                return _("Every week on {days}").format(days=days)
            if self.interval == 2:
                return _("Every other week on {days}").format(days=days)
            return _("Every {n} weeks on {days}").format(n=self.interval, days=days)
        if self.week_of_month is not None and self.weekdays:
            ordinal = _(_ORDINALS.get(self.week_of_month, N_("last")))
            day = weekday_name(self.weekdays[0])
            if self.interval == 1:
                return _("On the {ordinal} {day} of each month").format(ordinal=ordinal, day=day)
            return _("On the {ordinal} {day} of every {n} months").format(
                ordinal=ordinal, day=day, n=self.interval
            )
        if self.month_day == LAST:
            if self.interval == 1:
                return _("On the last day of each month")
            return _("On the last day of every {n} months").format(n=self.interval)
        if self.interval == 1:
            return _("On day {day} of each month").format(day=self.month_day)
        return _("On day {day} of every {n} months").format(day=self.month_day, n=self.interval)


_ORDINALS: dict[int, str] = {
    1: N_("first"),
    2: N_("second"),
    3: N_("third"),
    4: N_("fourth"),
    5: N_("fifth"),
    LAST: N_("last"),
}


def _day_list(days: Iterable[int]) -> str:
    names = [weekday_name(d) for d in sorted(set(days))]
    if len(names) <= 1:
        return "".join(names)
    return _("{days} and {last}").format(days=", ".join(names[:-1]), last=names[-1])


def weekly(*days: int, every: int = 1) -> Recurrence:
    """Every week (or every `every` weeks) on these days; Monday is 0."""
    return Recurrence(Frequency.WEEKLY, every, tuple(sorted(set(days))))


def monthly_on_weekday(week: int, day: int, *, every: int = 1) -> Recurrence:
    """The `week`th (1-5, or -1 for the last) `day` of the month: monthly_on_weekday(1, 1)
    is the first Tuesday."""
    return Recurrence(Frequency.MONTHLY, every, (day,), week_of_month=week)


def monthly_on_day(day: int, *, every: int = 1) -> Recurrence:
    return Recurrence(Frequency.MONTHLY, every, month_day=day)


def clean_recurrence(
    recurrence: Recurrence, start: dt.date, end: dt.date | None
) -> tuple[Recurrence, list[FieldError]]:
    """The rule with gaps filled from the start date, and every problem with it."""
    errors: list[FieldError] = []
    rule = recurrence
    if end is not None and end < start:
        errors.append(
            FieldError(
                "end_date",
                _("The last date ({end}) is before the first ({start}).").format(
                    end=format_date(end), start=format_date(start)
                ),
            )
        )
    if rule.custom:
        try:
            rrulestr(rule.custom, dtstart=dt.datetime.combine(start, dt.time()))
        except (ValueError, TypeError):
            errors.append(
                FieldError(
                    "recurrence",
                    _("The repeat pattern “{rule}” cannot be read.").format(rule=rule.custom),
                )
            )
        return rule, errors
    if rule.frequency is Frequency.ONCE:
        return Recurrence(), errors
    if not 1 <= rule.interval <= MAX_INTERVAL:
        errors.append(
            FieldError(
                "recurrence",
                _("Repeat every 1 to {most}, not {n}.").format(most=MAX_INTERVAL, n=rule.interval),
            )
        )
    if any(not 0 <= d <= 6 for d in rule.weekdays):
        errors.append(FieldError("recurrence", _("A day of the week is not one of the seven.")))
        return rule, errors
    if rule.frequency is Frequency.DAILY:
        rule = Recurrence(Frequency.DAILY, rule.interval)
    elif rule.frequency is Frequency.WEEKLY:
        days = tuple(sorted(set(rule.weekdays))) or (start.weekday(),)
        rule = Recurrence(Frequency.WEEKLY, rule.interval, days)
    elif rule.week_of_month is not None:
        if rule.week_of_month not in _ORDINALS:
            errors.append(
                FieldError(
                    "recurrence",
                    _("Choose the first, second, third, fourth, fifth or last week."),
                )
            )
        day = rule.weekdays[0] if rule.weekdays else start.weekday()
        rule = Recurrence(
            Frequency.MONTHLY, rule.interval, (day,), week_of_month=rule.week_of_month
        )
    else:
        month_day = rule.month_day if rule.month_day is not None else start.day
        if month_day != LAST and not 1 <= month_day <= 31:
            errors.append(
                FieldError(
                    "recurrence",
                    _("A day of the month is from 1 to 31 (it was {day}).").format(day=month_day),
                )
            )
        rule = Recurrence(Frequency.MONTHLY, rule.interval, month_day=month_day)
    return rule, errors


def check_recurrence(recurrence: Recurrence, start: dt.date, end: dt.date | None) -> Recurrence:
    """clean_recurrence, raising ValidationError when anything is wrong."""
    rule, errors = clean_recurrence(recurrence, start, end)
    if errors:
        raise ValidationError(errors)
    return rule


# ---- bank holidays -------------------------------------------------------------------------

_HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": N_("New Year's Day"),
    "Good Friday": N_("Good Friday"),
    "Easter Monday": N_("Easter Monday"),
    "May Day": N_("May Day"),
    "Spring Bank Holiday": N_("Spring Bank Holiday"),
    "Late Summer Bank Holiday": N_("Late Summer Bank Holiday"),
    "Christmas Day": N_("Christmas Day"),
    "Boxing Day": N_("Boxing Day"),
}


@cache
def _holidays_in(year: int) -> dict[dt.date, str]:
    # Imported on first use: the package is large, and starting the app should not wait for it.
    import holidays

    table = holidays.country_holidays("GB", subdiv="WLS", years=year)
    return {day: str(name) for day, name in table.items()}


def bank_holiday(day: dt.date) -> str | None:
    """The name of the Welsh bank holiday on `day` in the current language, or None."""
    name = _holidays_in(day.year).get(day)
    if name is None:
        return None
    observed = name.endswith(" (observed)")
    base = name.removesuffix(" (observed)")
    text = _(_HOLIDAY_NAMES[base]) if base in _HOLIDAY_NAMES else base
    if observed:
        return _("{holiday} (substitute day)").format(holiday=text)
    return text


def is_bank_holiday(day: dt.date) -> bool:
    return day in _holidays_in(day.year)


def bank_holidays(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Welsh bank holidays from `start` to `end` inclusive, named in the current language."""
    found: list[tuple[dt.date, str]] = []
    for year in range(start.year, end.year + 1):
        for day in sorted(_holidays_in(year)):
            if start <= day <= end:
                found.append((day, bank_holiday(day) or ""))
    return found


# ---- dates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One date an activity happens on (or was meant to and is cancelled)."""

    day: dt.date
    cancelled: bool = False
    extra: bool = False  # added by hand, outside the pattern


def pattern_dates(
    rule_text: str,
    start: dt.date,
    end: dt.date | None,
    window_from: dt.date,
    window_to: dt.date,
) -> list[dt.date]:
    """The dates the rule produces from `window_from` to `window_to` inclusive, never before
    `start` nor after `end`. A one-off (empty rule) happens on its start date only."""
    lo = max(start, window_from)
    hi = window_to if end is None else min(end, window_to)
    if hi < lo:
        return []
    if not rule_text.strip():
        return [start] if lo <= start <= hi else []
    # Midnight starts: the rule yields dates, so clock changes never move a shift's time.
    rule = rrulestr(rule_text, dtstart=dt.datetime.combine(start, dt.time()), cache=False)
    assert isinstance(rule, rrule)
    return [
        moment.date()
        for moment in rule.between(
            dt.datetime.combine(lo, dt.time()), dt.datetime.combine(hi, dt.time()), inc=True
        )
    ]


def occurrences(
    *,
    rule: str,
    start: dt.date,
    end: dt.date | None,
    window_from: dt.date,
    window_to: dt.date,
    cancelled: Collection[dt.date] = (),
    extra: Collection[dt.date] = (),
    skip_bank_holidays: bool = False,
) -> list[Occurrence]:
    """The dates in the window, in order: the pattern less bank holidays (when asked), with
    extra dates added and cancelled ones kept but marked, so a roster can say so."""
    days = {
        day: Occurrence(day)
        for day in pattern_dates(rule, start, end, window_from, window_to)
        if not (skip_bank_holidays and is_bank_holiday(day))
    }
    for day in extra:
        if window_from <= day <= window_to:
            days[day] = Occurrence(day, extra=True)
    for day in cancelled:
        if day in days:
            days[day] = replace(days[day], cancelled=True)
    return [days[day] for day in sorted(days)]


def skipped_bank_holidays(
    *,
    rule: str,
    start: dt.date,
    end: dt.date | None,
    window_from: dt.date,
    window_to: dt.date,
) -> list[tuple[dt.date, str]]:
    """Dates the pattern falls on that are bank holidays (left out when the activity skips
    them), with the holiday's name."""
    return [
        (day, bank_holiday(day) or "")
        for day in pattern_dates(rule, start, end, window_from, window_to)
        if is_bank_holiday(day)
    ]


def shift_times(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """Wall-clock start and end of a shift on `day`; an end at or before the start is the next
    morning (an overnight shift)."""
    starts_at = dt.datetime.combine(day, start)
    ends_at = dt.datetime.combine(day, end)
    if ends_at <= starts_at:
        ends_at += dt.timedelta(days=1)
    return starts_at, ends_at


@cache
def _local_zone() -> dt.tzinfo | None:
    try:
        return ZoneInfo(LOCAL_ZONE)
    except ZoneInfoNotFoundError:
        return None


def elapsed_hours(starts_at: dt.datetime, ends_at: dt.datetime) -> float:
    """Hours actually worked between two wall-clock times in Wales: a night shift over the
    spring clock change is an hour shorter than its times suggest, over the autumn one longer."""
    zone = _local_zone()
    if zone is None:
        seconds = (ends_at - starts_at).total_seconds()
    else:
        begin = starts_at.replace(tzinfo=zone).astimezone(dt.UTC)
        finish = ends_at.replace(tzinfo=zone).astimezone(dt.UTC)
        seconds = (finish - begin).total_seconds()
    return round(max(seconds, 0.0) / 3600, 2)


def local_zone_name() -> str:
    return LOCAL_ZONE
