"""Printing for volunteers: a group's or an area's weekly roster, a sign-in sheet for one shift,
and a volunteer's own schedule (with a calendar file for their phone)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import Context
from cvcdesk.domain.validation import InvalidValue, parse_date
from cvcdesk.i18n import _, current_language, ngettext
from cvcdesk.reports.data import LanguageMode, PrintOptions, RenderedPdf
from cvcdesk.services.roster_printing import RosterPrintService

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


def _week(text: str) -> dt.date:
    """'2025-W10' -> the Monday of ISO week 10 of 2025."""
    match = _WEEK.match(text)
    if match:
        try:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(
        _("“{value}” is not a week. Write the year and week number like 2025-W10.").format(
            value=text
        )
    )


def _date(text: str) -> dt.date:
    try:
        return parse_date(text, field="date")
    except InvalidValue as exc:
        raise argparse.ArgumentTypeError(exc.error.message) from None


def _rows(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(
            _("give a number of rows from 0 to 60 (it was “{value}”)").format(value=text)
        )
    return value


def _print_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        dest="pdf_lang",
        choices=[mode.value for mode in LanguageMode],
        help=_("the document's language: en, cy or both (default: the language in use)"),
    )
    parser.add_argument(
        "--large-print", action="store_true", help=_("large print (16 point text or bigger)")
    )
    parser.add_argument(
        "--landscape",
        action="store_true",
        default=None,
        help=_("turn the page sideways (large print always is)"),
    )
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE.pdf", help=_("the PDF to write")
    )


def register(commands: Any) -> None:
    roster = commands.add_parser(
        "roster", help=_("save a group's or an area's weekly roster as PDF")
    )
    whose = roster.add_mutually_exclusive_group(required=True)
    whose.add_argument("--group", metavar="NAME_OR_UUID", help=_("the group whose roster it is"))
    whose.add_argument(
        "--area",
        metavar="AREA",
        help=_("everyone's shifts in a postcode district or sector, or a community"),
    )
    roster.add_argument(
        "--week", required=True, type=_week, metavar="YYYY-Www", help=_("the week, like 2025-W10")
    )
    _print_options(roster)
    roster.set_defaults(handler=run_roster)

    signin = commands.add_parser(
        "signin-sheet", help=_("save the sign-in sheet for one shift as PDF")
    )
    signin.add_argument("--activity", required=True, metavar="UUID", help=_("the activity"))
    signin.add_argument(
        "--date", required=True, type=_date, metavar="YYYY-MM-DD", help=_("the shift's date")
    )
    signin.add_argument(
        "--walk-ins",
        type=_rows,
        default=8,
        metavar="N",
        help=_("blank rows for people who turn up on the day (default 8)"),
    )
    _print_options(signin)
    signin.set_defaults(handler=run_signin)

    schedule = commands.add_parser(
        "schedule", help=_("save a volunteer's own schedule as PDF, and as a calendar file")
    )
    schedule.add_argument(
        "--volunteer", required=True, metavar="UUID", help=_("the volunteer's id or reference")
    )
    schedule.add_argument(
        "--from", dest="start", required=True, type=_date, metavar="DATE", help=_("the first day")
    )
    schedule.add_argument(
        "--to", dest="end", required=True, type=_date, metavar="DATE", help=_("the last day")
    )
    schedule.add_argument(
        "--ics",
        type=Path,
        metavar="FILE.ics",
        help=_("also write the shifts as a calendar file for a phone or computer"),
    )
    _print_options(schedule)
    schedule.set_defaults(handler=run_schedule)


def _options(args: argparse.Namespace) -> PrintOptions:
    mode = LanguageMode(args.pdf_lang or current_language())
    return PrintOptions(languages=mode, large_print=args.large_print, landscape=args.landscape)


def _wrote(rendered: RenderedPdf, path: Path) -> None:
    print(
        ngettext(
            "Wrote {count} page to {path}.", "Wrote {count} pages to {path}.", rendered.pages
        ).format(count=rendered.pages, path=path)
    )


def run_roster(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    rosters = RosterPrintService(services.database)
    group = services.organisations.find(args.group).uuid if args.group else None
    rendered = rosters.roster_pdf(
        week=args.week, group=group, area=args.area, options=_options(args)
    )
    _wrote(rendered, rosters.save(args.output, rendered))
    return 0


def run_signin(args: argparse.Namespace, context: Context) -> int:
    rosters = RosterPrintService(context.services().database)
    rendered = rosters.signin_pdf(
        activity_uuid=args.activity.strip(),
        day=args.date,
        walk_in_rows=args.walk_ins,
        options=_options(args),
    )
    _wrote(rendered, rosters.save(args.output, rendered))
    return 0


def run_schedule(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    rosters = RosterPrintService(services.database)
    volunteer = services.volunteers.find(args.volunteer).uuid
    options = _options(args)
    rendered = rosters.schedule_pdf(
        volunteer_uuid=volunteer, date_from=args.start, date_to=args.end, options=options
    )
    _wrote(rendered, rosters.save(args.output, rendered))
    if args.ics is not None:
        calendar = rosters.schedule_ics(
            volunteer_uuid=volunteer,
            date_from=args.start,
            date_to=args.end,
            language=options.languages.languages[0],
        )
        path = rosters.save(args.ics, calendar)
        print(_("Wrote the calendar file {path}.").format(path=path))
    return 0
