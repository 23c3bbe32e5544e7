"""Reports for the council: the community activity report as PDF, and the figures behind it
as JSON, CSV or XLSX."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import Context, print_json, print_table
from cvcdesk.domain.figures import ActivityFigures, disclosure_text, small_count_text
from cvcdesk.domain.validation import InvalidValue, parse_date
from cvcdesk.i18n import _, current_language, format_date, pgettext
from cvcdesk.services.figures import REPORT_LANGUAGES, default_period, figures_json


def _date(text: str) -> dt.date:
    try:
        return parse_date(text, field="date")
    except InvalidValue as exc:
        raise argparse.ArgumentTypeError(exc.error.message) from None


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report", help=_("the community activity report and its figures, for the council")
    )
    sub = report.add_subparsers(dest="report", required=True, metavar=_("REPORT"))

    coverage = sub.add_parser(
        "coverage",
        help=_("save the community activity report (coverage, gaps, overlaps, figures) as PDF"),
    )
    _period_arguments(coverage)
    coverage.add_argument(
        "--lang",
        dest="report_lang",
        choices=list(REPORT_LANGUAGES),
        help=_("the report's language: en, cy or both (default: the language in use)"),
    )
    coverage.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE.pdf", help=_("the PDF to write")
    )
    coverage.set_defaults(handler=run_coverage)

    figures = sub.add_parser(
        "figures",
        help=_("volunteers, hours, households and groups in a period, small counts withheld"),
    )
    _period_arguments(figures)
    out = figures.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=_("print the figures as JSON"))
    out.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE.csv|FILE.xlsx",
        help=_("save the figures as CSV or XLSX for a spreadsheet"),
    )
    figures.set_defaults(handler=run_figures)


def _period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--area",
        metavar="AREA",
        help=_("a postcode district or sector, or a community's code (default: every area)"),
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=_date,
        metavar="DATE",
        help=_("the first day (default: the first of the month a year ago)"),
    )
    parser.add_argument(
        "--to", dest="end", type=_date, metavar="DATE", help=_("the last day (default: today)")
    )


def _period(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    """The period asked for; a start after today with no end is a one-day period."""
    default_start, default_end = default_period()
    start = args.start or default_start
    end = args.end or (max(default_end, start) if args.start is not None else default_end)
    return start, end


def run_coverage(args: argparse.Namespace, context: Context) -> int:
    period = _period(args)
    language = args.report_lang or current_language()
    path = context.services().figures.save_report(
        args.output, start=period[0], end=period[1], area=args.area, language=language
    )
    print(_("Report saved to {path}.").format(path=path))
    return 0


def run_figures(args: argparse.Namespace, context: Context) -> int:
    period = _period(args)
    figures_service = context.services().figures
    if args.output is not None:
        path = figures_service.export(args.output, start=period[0], end=period[1], area=args.area)
        print(_("Figures saved to {path}.").format(path=path))
        return 0
    figures = figures_service.figures(start=period[0], end=period[1], area=args.area)
    if args.json:
        print_json(figures_json(figures))
        return 0
    _print_figures(figures)
    return 0


def _print_figures(f: ActivityFigures) -> None:
    area = f.area.name() if f.area is not None else _("All areas")
    print(
        _("{area}, {start} to {end}").format(
            area=area, start=format_date(f.start, "long"), end=format_date(f.end, "long")
        )
    )
    print_table(
        [_("Figure"), _("Number")],
        [
            [_("Volunteers on the books at the end"), f.registered.text()],
            [_("Volunteers who gave time"), f.active.text()],
            [_("Volunteers who joined"), f.new.text()],
            [_("Volunteers who left"), f.leaving.text()],
            [_("Hours given"), f.hours.text()],
            [_("Households supported"), f.households.text()],
            [_("Volunteers who speak Welsh"), f.welsh_speakers.describe()],
            [_("DBS renewals overdue"), f.dbs_overdue.text()],
            [_("Groups"), str(f.groups)],
        ],
    )
    print()
    print_table(
        [
            _("Month"),
            _("Gave time"),
            pgettext("figures", "Joined"),
            pgettext("figures", "Left"),
            _("Hours given"),
        ],
        [
            [
                format_date(month.month, "MMM y"),
                month.active.text(),
                month.new.text(),
                month.leaving.text(),
                month.hours.text(),
            ]
            for month in f.months
        ],
    )
    print()
    print(small_count_text())
    print(disclosure_text())
