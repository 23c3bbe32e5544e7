"""Commands that look after the database: demo data, check, backup and restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import EXIT_REFUSED, Context, print_json
from cvcdesk.i18n import _
from cvcdesk.services.restore import restore_database


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{value}” is not a whole number.").format(value=text)
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("give a number of 1 or more"))
    return value


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help=_("fill an empty database with realistic sample data"))
    demo.add_argument("--volunteers", type=_positive, default=500, metavar="N")
    demo.add_argument("--groups", type=_positive, default=20, metavar="M")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
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
    database = Path(context.target).expanduser().absolute()
    kept = restore_database(database, args.file.expanduser().absolute())
    print(_("Restored {db} from {backup}.").format(db=database, backup=args.file))
    if kept is not None:
        print(_("The database it replaced was kept as {path}.").format(path=kept))
    return 0
