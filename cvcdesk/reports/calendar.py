"""A volunteer's shifts as an iCalendar file, for the phone or computer calendar they use."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event  # type: ignore[import-untyped]

from cvcdesk.domain.recurrence import local_zone_name
from cvcdesk.i18n import N_, _, use_language
from cvcdesk.reports.data import ScheduleDocument

SUMMARY = N_("{activity} ({group})")
CANCELLED = N_("Cancelled: {activity} ({group})")
CONTACT = N_("If you cannot come, call {phone}.")
UID_DOMAIN = "cvcdesk.invalid"


def render_calendar(document: ScheduleDocument, language: str) -> bytes:
    """The schedule as an .ics file in one language; each booking keeps one stable UID, so
    importing a newer file updates events instead of doubling them."""
    calendar = Calendar()
    calendar.add("prodid", "-//cvcdesk//volunteer schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", document.volunteer_name)
    try:
        zone: dt.tzinfo | None = ZoneInfo(local_zone_name())
    except ZoneInfoNotFoundError:
        zone = None
    stamp = dt.datetime.combine(document.letterhead.printed_on, dt.time(), tzinfo=dt.UTC)
    for item in sorted(document.items, key=lambda i: (i.starts_at, i.uid)):
        event = Event()
        event.add("uid", f"{item.uid}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.replace(tzinfo=zone) if zone else item.starts_at)
        event.add("dtend", item.ends_at.replace(tzinfo=zone) if zone else item.ends_at)
        names = {"activity": item.activity.get(language), "group": item.group.get(language)}
        with use_language(language):
            summary = (_(CANCELLED) if item.cancelled else _(SUMMARY)).format(**names)
            contact = _(CONTACT).format(phone=item.contact_phone)
        event.add("summary", summary)
        location = ", ".join(part for part in (item.place, item.postcode) if part)
        if location:
            event.add("location", location)
        if item.contact_phone:
            event.add("description", contact)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    if zone is not None:
        calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
