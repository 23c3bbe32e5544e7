"""Recurrence rules give the dates a coordinator expects: month ends, "the first Tuesday",
fortnights, Welsh bank holidays left out, and shifts that keep their wall-clock time when the
clocks change."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cvcdesk.domain.errors import ValidationError
from cvcdesk.domain.recurrence import (
    LAST,
    Frequency,
    Occurrence,
    Recurrence,
    bank_holiday,
    bank_holidays,
    check_recurrence,
    clean_recurrence,
    elapsed_hours,
    is_bank_holiday,
    monthly_on_day,
    monthly_on_weekday,
    occurrences,
    pattern_dates,
    shift_times,
    skipped_bank_holidays,
    weekly,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
D = dt.date


def dates(rule: Recurrence, start: D, until: D, *, end: D | None = None) -> list[D]:
    return pattern_dates(rule.to_rrule(), start, end, start, until)


# ---- weekly and fortnightly --------------------------------------------------------------


def test_weekly_on_tuesdays_starts_on_the_first_tuesday_on_or_after_the_start() -> None:
    got = dates(weekly(TUE), D(2025, 3, 1), D(2025, 3, 31))
    assert got == [D(2025, 3, 4), D(2025, 3, 11), D(2025, 3, 18), D(2025, 3, 25)]


def test_fortnightly_counts_fortnights_from_the_week_the_activity_starts() -> None:
    rule = weekly(TUE, THU, every=2)
    got = dates(rule, D(2025, 3, 3), D(2025, 4, 4))
    assert got == [
        D(2025, 3, 4),
        D(2025, 3, 6),
        D(2025, 3, 18),
        D(2025, 3, 20),
        D(2025, 4, 1),
        D(2025, 4, 3),
    ]
    # Starting a week later shifts every fortnight by a week.
    assert dates(rule, D(2025, 3, 10), D(2025, 3, 31))[:2] == [D(2025, 3, 11), D(2025, 3, 13)]


def test_a_window_in_the_middle_keeps_the_fortnight_of_the_start_date() -> None:
    rule = weekly(MON, every=2).to_rrule()
    got = pattern_dates(rule, D(2025, 1, 6), None, D(2025, 6, 1), D(2025, 6, 30))
    assert got == [D(2025, 6, 9), D(2025, 6, 23)]
    assert all((day - D(2025, 1, 6)).days % 14 == 0 for day in got)


def test_the_end_date_is_the_last_possible_day() -> None:
    got = dates(weekly(FRI), D(2025, 3, 1), D(2025, 12, 31), end=D(2025, 3, 21))
    assert got == [D(2025, 3, 7), D(2025, 3, 14), D(2025, 3, 21)]


def test_a_one_off_happens_on_its_start_date_only() -> None:
    assert pattern_dates("", D(2025, 5, 5), None, D(2025, 1, 1), D(2025, 12, 31)) == [D(2025, 5, 5)]
    assert pattern_dates("", D(2025, 5, 5), None, D(2025, 6, 1), D(2025, 12, 31)) == []


def test_every_other_day() -> None:
    rule = Recurrence(Frequency.DAILY, 2)
    assert dates(rule, D(2025, 2, 26), D(2025, 3, 4)) == [
        D(2025, 2, 26),
        D(2025, 2, 28),
        D(2025, 3, 2),
        D(2025, 3, 4),
    ]


# ---- monthly -----------------------------------------------------------------------------


def test_the_first_tuesday_of_each_month() -> None:
    got = dates(monthly_on_weekday(1, TUE), D(2025, 1, 1), D(2025, 6, 30))
    assert got == [
        D(2025, 1, 7),
        D(2025, 2, 4),
        D(2025, 3, 4),
        D(2025, 4, 1),
        D(2025, 5, 6),
        D(2025, 6, 3),
    ]
    assert all(day.weekday() == TUE and day.day <= 7 for day in got)


def test_the_last_friday_of_each_month() -> None:
    got = dates(monthly_on_weekday(LAST, FRI), D(2025, 1, 1), D(2025, 4, 30))
    assert got == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 28), D(2025, 4, 25)]


def test_a_fifth_wednesday_only_comes_in_months_that_have_one() -> None:
    got = dates(monthly_on_weekday(5, WED), D(2025, 1, 1), D(2025, 6, 30))
    assert got == [D(2025, 1, 29), D(2025, 4, 30)]


def test_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    got = dates(monthly_on_day(31), D(2025, 1, 1), D(2025, 6, 30))
    assert got == [
        D(2025, 1, 31),
        D(2025, 2, 28),
        D(2025, 3, 31),
        D(2025, 4, 30),
        D(2025, 5, 31),
        D(2025, 6, 30),
    ]


def test_the_30th_in_a_leap_year_february_is_the_29th() -> None:
    got = dates(monthly_on_day(30), D(2024, 1, 1), D(2024, 3, 31))
    assert got == [D(2024, 1, 30), D(2024, 2, 29), D(2024, 3, 30)]


def test_the_last_day_of_each_month() -> None:
    got = dates(monthly_on_day(LAST), D(2024, 1, 15), D(2024, 4, 30))
    assert got == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)]


def test_monthly_without_a_day_takes_the_start_date_and_keeps_month_ends() -> None:
    rule = check_recurrence(Recurrence(Frequency.MONTHLY), D(2025, 1, 31), None)
    assert rule.month_day == 31
    assert dates(rule, D(2025, 1, 31), D(2025, 3, 31)) == [
        D(2025, 1, 31),
        D(2025, 2, 28),
        D(2025, 3, 31),
    ]


def test_every_three_months() -> None:
    got = dates(monthly_on_day(15, every=3), D(2025, 1, 1), D(2025, 12, 31))
    assert got == [D(2025, 1, 15), D(2025, 4, 15), D(2025, 7, 15), D(2025, 10, 15)]


# ---- bank holidays, exceptions -----------------------------------------------------------


def test_welsh_bank_holidays_are_known() -> None:
    assert is_bank_holiday(D(2025, 4, 21))  # Easter Monday
    assert is_bank_holiday(D(2025, 8, 25))  # Wales keeps the English late summer holiday
    assert not is_bank_holiday(D(2025, 8, 4))  # Scotland's, not Wales's
    assert not is_bank_holiday(D(2025, 3, 17))  # St Patrick's day is Northern Ireland's
    assert bank_holiday(D(2025, 12, 25)) == "Christmas Day"
    assert bank_holiday(D(2026, 12, 28)) == "Boxing Day (substitute day)"
    assert [day for day, _name in bank_holidays(D(2025, 5, 1), D(2025, 5, 31))] == [
        D(2025, 5, 5),
        D(2025, 5, 26),
    ]


def test_bank_holidays_are_left_out_when_the_activity_skips_them() -> None:
    mondays = weekly(MON).to_rrule()
    window = {"start": D(2025, 4, 1), "end": None, "window_from": D(2025, 4, 1)}
    kept = occurrences(rule=mondays, window_to=D(2025, 5, 31), skip_bank_holidays=True, **window)
    all_mondays = occurrences(rule=mondays, window_to=D(2025, 5, 31), **window)
    skipped = {D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26)}
    assert {o.day for o in all_mondays} - {o.day for o in kept} == skipped
    assert not any(is_bank_holiday(o.day) for o in kept)
    named = skipped_bank_holidays(rule=mondays, window_to=D(2025, 5, 31), **window)
    assert named == [
        (D(2025, 4, 21), "Easter Monday"),
        (D(2025, 5, 5), "May Day"),
        (D(2025, 5, 26), "Spring Bank Holiday"),
    ]


def test_a_substitute_bank_holiday_is_skipped_too() -> None:
    mondays = weekly(MON).to_rrule()
    got = occurrences(
        rule=mondays,
        start=D(2026, 12, 1),
        end=None,
        window_from=D(2026, 12, 20),
        window_to=D(2027, 1, 10),
        skip_bank_holidays=True,
    )
    assert [o.day for o in got] == [D(2026, 12, 21), D(2027, 1, 4)]  # 28 Dec is Boxing Day's


def test_extra_dates_are_added_even_on_a_bank_holiday_and_cancelled_dates_are_marked() -> None:
    got = occurrences(
        rule=weekly(MON).to_rrule(),
        start=D(2025, 4, 1),
        end=None,
        window_from=D(2025, 4, 1),
        window_to=D(2025, 4, 30),
        cancelled={D(2025, 4, 14)},
        extra={D(2025, 4, 21), D(2025, 4, 23)},
        skip_bank_holidays=True,
    )
    assert got == [
        Occurrence(D(2025, 4, 7)),
        Occurrence(D(2025, 4, 14), cancelled=True),
        Occurrence(D(2025, 4, 21), extra=True),
        Occurrence(D(2025, 4, 23), extra=True),
        Occurrence(D(2025, 4, 28)),
    ]


# ---- clock changes -----------------------------------------------------------------------


def test_shifts_keep_their_wall_clock_time_over_the_clock_change_weekends() -> None:
    sundays = pattern_dates(
        weekly(SUN).to_rrule(), D(2025, 3, 1), None, D(2025, 3, 1), D(2025, 11, 2)
    )
    assert D(2025, 3, 30) in sundays and D(2025, 10, 26) in sundays
    for day in (D(2025, 3, 30), D(2025, 10, 26)):
        starts, ends = shift_times(day, dt.time(10), dt.time(12))
        assert (starts, ends) == (
            dt.datetime.combine(day, dt.time(10)),
            dt.datetime.combine(day, dt.time(12)),
        )
        assert elapsed_hours(starts, ends) == 2.0


def test_a_night_shift_over_a_clock_change_is_an_hour_shorter_or_longer() -> None:
    spring = shift_times(D(2025, 3, 29), dt.time(22), dt.time(6))
    autumn = shift_times(D(2025, 10, 25), dt.time(22), dt.time(6))
    ordinary = shift_times(D(2025, 6, 14), dt.time(22), dt.time(6))
    assert spring[1] == dt.datetime(2025, 3, 30, 6)  # ends the next morning
    assert elapsed_hours(*spring) == 7.0
    assert elapsed_hours(*autumn) == 9.0
    assert elapsed_hours(*ordinary) == 8.0


def test_a_saturday_weekly_pattern_never_skips_or_doubles_at_a_clock_change() -> None:
    got = pattern_dates(
        weekly(SAT, SUN).to_rrule(), D(2025, 10, 18), None, D(2025, 10, 18), D(2025, 11, 2)
    )
    assert got == [
        D(2025, 10, 18),
        D(2025, 10, 19),
        D(2025, 10, 25),
        D(2025, 10, 26),
        D(2025, 11, 1),
        D(2025, 11, 2),
    ]


# ---- rules as text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (weekly(TUE), "FREQ=WEEKLY;BYDAY=TU"),
        (weekly(TUE, THU, every=2), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"),
        (monthly_on_weekday(1, TUE), "FREQ=MONTHLY;BYDAY=1TU"),
        (monthly_on_weekday(LAST, FRI), "FREQ=MONTHLY;BYDAY=-1FR"),
        (monthly_on_day(15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (monthly_on_day(31), "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"),
        (Recurrence(), ""),
    ],
)
def test_rules_are_stored_as_rfc_5545_text_and_read_back(rule: Recurrence, text: str) -> None:
    assert rule.to_rrule() == text
    assert Recurrence.from_rrule(text) == rule


def test_a_partners_rule_of_another_shape_is_kept_as_it_is() -> None:
    rule = Recurrence.from_rrule("FREQ=WEEKLY;COUNT=3;BYDAY=MO")
    assert rule.custom == "FREQ=WEEKLY;COUNT=3;BYDAY=MO"
    assert rule.to_rrule() == rule.custom
    assert dates(rule, D(2025, 3, 3), D(2025, 12, 31)) == [
        D(2025, 3, 3),
        D(2025, 3, 10),
        D(2025, 3, 17),
    ]
    assert Recurrence.from_rrule("FREQ=MONTHLY;BYDAY=+1TU") == monthly_on_weekday(1, TUE)


shapes = st.one_of(
    st.builds(
        lambda days, every: weekly(*days, every=every),
        st.sets(st.integers(0, 6), min_size=1),
        st.integers(1, 52),
    ),
    st.builds(
        lambda week, day, every: monthly_on_weekday(week, day, every=every),
        st.sampled_from([1, 2, 3, 4, 5, LAST]),
        st.integers(0, 6),
        st.integers(1, 12),
    ),
    st.builds(
        lambda day, every: monthly_on_day(day, every=every),
        st.one_of(st.integers(1, 31), st.just(LAST)),
        st.integers(1, 12),
    ),
    st.builds(lambda every: Recurrence(Frequency.DAILY, every), st.integers(1, 30)),
)


@given(shapes, st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
def test_every_shape_round_trips_and_stays_inside_its_window(rule: Recurrence, start: D) -> None:
    assert Recurrence.from_rrule(rule.to_rrule()) == rule
    window_to = start + dt.timedelta(days=120)
    got = pattern_dates(rule.to_rrule(), start, None, start, window_to)
    assert got == sorted(set(got))
    assert all(start <= day <= window_to for day in got)
    if rule.frequency is Frequency.WEEKLY:
        assert all(day.weekday() in rule.weekdays for day in got)


def test_descriptions_read_as_sentences() -> None:
    assert weekly(TUE).describe() == "Every week on Tuesday"
    assert weekly(TUE, THU, every=2).describe() == "Every other week on Tuesday and Thursday"
    assert weekly(MON, WED, FRI).describe() == "Every week on Monday, Wednesday and Friday"
    assert monthly_on_weekday(1, TUE).describe() == "On the first Tuesday of each month"
    assert (
        monthly_on_weekday(LAST, FRI, every=2).describe() == "On the last Friday of every 2 months"
    )
    assert monthly_on_day(LAST).describe() == "On the last day of each month"
    assert Recurrence().describe(D(2025, 5, 5)) == "Once only, on 5 May 2025"


def test_rules_that_cannot_work_are_refused_with_every_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        check_recurrence(Recurrence(Frequency.WEEKLY, 0, (TUE,)), D(2025, 3, 1), D(2025, 2, 1))
    fields = {error.field for error in caught.value.errors}
    assert fields == {"recurrence", "end_date"}
    _rule, errors = clean_recurrence(Recurrence(custom="FREQ=SOMETIMES"), D(2025, 3, 1), None)
    assert errors and "cannot be read" in errors[0].message
    _rule, errors = clean_recurrence(monthly_on_day(32), D(2025, 3, 1), None)
    assert errors


def test_a_weekly_rule_without_days_takes_the_start_dates_weekday() -> None:
    rule = check_recurrence(Recurrence(Frequency.WEEKLY), D(2025, 3, 5), None)
    assert rule.weekdays == (WED,)
