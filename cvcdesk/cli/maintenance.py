"""Commands that look after the database: demo data, check, backup and restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import (
    EXIT_REFUSED,
    Context,
    fail,
    non_negative,
    positive,
    positive_up_to,
    print_json,
    print_table,
    whole_number,
)
from cvcdesk.i18n import _, format_datetime, ngettext
from cvcdesk.services.restore import restore_database
from cvcdesk.store.database import database_file


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help=_("fill an empty database with realistic sample data"))
    # A county has tens of thousands of volunteers; ten times that is the most a demo makes.
    demo.add_argument("--volunteers", type=positive_up_to(1_000_000), default=500, metavar="N")
    demo.add_argument("--groups", type=positive_up_to(10_000), default=20, metavar="M")
    demo.add_argument("--seed", type=whole_number, default=1, metavar="S")
    demo.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    demo.set_defaults(handler=run_demo)

    check = commands.add_parser("check", help=_("check the database's integrity and schema"))
    check.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    check.set_defaults(handler=run_check)

    backup = commands.add_parser("backup", help=_("write a checked copy of the database"))
    backup.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    backup.set_defaults(handler=run_backup)

    restore = commands.add_parser("restore", help=_("replace the database with a backup"))
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=run_restore)

    backups = commands.add_parser(
        "backups", help=_("the automatic backups kept beside the database")
    )
    actions = backups.add_subparsers(dest="backups_command", metavar=_("ACTION"), required=True)
    listing = actions.add_parser("list", help=_("list the automatic backups, newest first"))
    listing.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    listing.set_defaults(handler=run_backups_list)
    settings = actions.add_parser(
        "settings", help=_("show or change how often backups are taken and how long kept")
    )
    settings.add_argument(
        "--keep-days", type=positive, metavar="N", help=_("keep backups for N days")
    )
    settings.add_argument(
        "--every-hours",
        type=non_negative,
        metavar="H",
        help=_("back up on opening at most every H hours (0: every time)"),
    )
    settings.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    settings.set_defaults(handler=run_backups_settings)


def run_demo(args: argparse.Namespace, context: Context) -> int:
    services = context.services(exclusive=True)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    summary = services.demo.generate(
        volunteers=args.volunteers, groups=args.groups, seed=args.seed, progress=progress
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print_json(summary)
    else:
        print(
            _(
                "Added {volunteers} volunteers ({duplicates} registered twice on purpose), "
                "{groups} groups, {activities} activities with {shifts} shifts, and "
                "{households} households to {db}."
            ).format(
                volunteers=summary.volunteers,
                duplicates=summary.duplicates,
                groups=summary.groups,
                activities=summary.activities,
                shifts=summary.shifts,
                households=summary.households,
                db=services.database_label,
            )
        )
    return 0


def run_check(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    for warning in (services.database.warning, services.backups.problem):
        if warning:
            print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    report = services.maintenance.check()
    counts = services.maintenance.counts()
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "database": services.database_label,
                "journal_mode": services.journal_mode,
                "schema_revision": report.revision,
                "expected_revision": report.head,
                "integrity": report.integrity,
                "foreign_keys": report.foreign_keys,
                "schema": report.schema,
                "counts": counts,
            }
        )
    else:
        print(_("Database: {db}").format(db=services.database_label))
        print(
            _("Schema: {found} (this version expects {head})").format(
                found=report.revision, head=report.head
            )
        )
        print(
            _("Volunteers: {volunteers}, groups: {groups}, activities: {activities}").format(
                volunteers=counts.volunteers, groups=counts.groups, activities=counts.activities
            )
        )
        for problem in report.integrity + report.foreign_keys + report.schema:
            print(_("Problem: {problem}").format(problem=problem))
        print(_("All checks passed.") if report.ok else _("The database has problems (above)."))
    return 0 if report.ok else EXIT_REFUSED


def run_backup(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    written = services.maintenance.backup(args.output.expanduser().absolute())
    print(_("Backup written to {path} and checked.").format(path=written))
    return 0


def run_restore(args: argparse.Namespace, context: Context) -> int:
    target = database_file(context.target)
    if target is None:
        return fail(
            _(
                "Restoring from a backup file is for SQLite database files only; restore a "
                "database server with its own tools (pg_restore)."
            )
        )
    database = target.expanduser().absolute()
    kept = restore_database(database, args.file.expanduser().absolute())
    print(_("Restored {db} from {backup}.").format(db=database, backup=args.file))
    if kept is not None:
        print(_("The database it replaced was kept as {path}.").format(path=kept))
    return 0


def run_backups_list(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    found = services.backups.list()
    if args.json:
        print_json(
            [
                {
                    "path": str(info.path),
                    "taken_at": info.taken_at,
                    "reason": info.reason,
                    "description": info.description,
                    "size": info.size,
                }
                for info in found
            ]
        )
        return 0
    if not services.backups.available:
        print(_("This database is on a server: back it up with the server's own tools."))
        return 0
    if not found:
        print(_("No backups yet in {folder}.").format(folder=services.backups.folder))
        return 0
    print_table(
        [_("Taken"), _("Why"), _("Size"), _("File")],
        [
            [
                format_datetime(info.taken_at, "short"),
                info.description,
                _("{size} kB").format(size=max(1, round(info.size / 1024))),
                str(info.path),
            ]
            for info in found
        ],
    )
    return 0


def run_backups_settings(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    if args.keep_days is not None or args.every_hours is not None:
        chosen = services.backups.configure(
            keep_days=args.keep_days, interval_hours=args.every_hours
        )
    else:
        chosen = services.backups.settings()
    if args.json:
        print_json(
            {
                "keep_days": chosen.keep_days,
                "interval_hours": chosen.interval_hours,
                "folder": str(services.backups.folder or ""),
            }
        )
        return 0
    print(
        ngettext(
            "Backups are kept for {days} day.",
            "Backups are kept for {days} days.",
            chosen.keep_days,
        ).format(days=chosen.keep_days)
    )
    if chosen.interval_hours:
        print(
            ngettext(
                "A backup is taken when the database opens, at most once an hour.",
                "A backup is taken when the database opens, at most every {hours} hours.",
                chosen.interval_hours,
            ).format(hours=chosen.interval_hours)
        )
    else:
        print(_("A backup is taken every time the database opens."))
    return 0
