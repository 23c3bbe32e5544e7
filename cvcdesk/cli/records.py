"""Commands over records: list volunteers, groups and activities; export to CSV or XLSX."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import (
    Context,
    non_negative,
    print_json,
    print_json_array,
    print_table,
    to_jsonable,
)
from cvcdesk.domain.enums import VolunteerStatus
from cvcdesk.domain.validation import display_phone
from cvcdesk.domain.volunteer import VolunteerQuery, VolunteerRow
from cvcdesk.i18n import _, current_language, format_datetime
from cvcdesk.services.registry import Services

PAGE = 1000
# Fixed widths so a long listing streams instead of being measured first.
_ROW_FORMAT = "{:<10}  {:<30}  {:<9}  {:<14}  {}"


def register(commands: Any) -> None:
    volunteers = commands.add_parser("volunteers", help=_("list volunteers"))
    vsub = volunteers.add_subparsers(dest="action", required=True, metavar=_("ACTION"))
    vlist = vsub.add_parser("list", help=_("list volunteers, surname first"))
    vlist.add_argument(
        "--search",
        default="",
        metavar="TEXT",
        help=_("words that start a name, e-mail, phone, postcode or reference"),
    )
    vlist.add_argument("--status", choices=[s.value for s in VolunteerStatus])
    vlist.add_argument("--group", metavar="NAME_OR_UUID", help=_("only members of this group"))
    vlist.add_argument("--limit", type=non_negative, metavar="N", help=_("print at most N"))
    vlist.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    vlist.set_defaults(handler=list_volunteers)

    groups = commands.add_parser("groups", help=_("list groups"))
    gsub = groups.add_subparsers(dest="action", required=True, metavar=_("ACTION"))
    glist = gsub.add_parser("list", help=_("list groups by name"))
    glist.add_argument("--search", default="", metavar="TEXT")
    glist.add_argument("--limit", type=non_negative, metavar="N", help=_("print at most N"))
    glist.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    glist.set_defaults(handler=list_groups)

    activities = commands.add_parser("activities", help=_("list activities"))
    asub = activities.add_subparsers(dest="action", required=True, metavar=_("ACTION"))
    alist = asub.add_parser("list", help=_("list activities and their next shift"))
    alist.add_argument("--group", metavar="NAME_OR_UUID", help=_("only this group's activities"))
    alist.add_argument("--limit", type=non_negative, metavar="N", help=_("print at most N"))
    alist.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    alist.set_defaults(handler=list_activities)

    export = commands.add_parser("export", help=_("export records to a spreadsheet file"))
    export.add_argument("kind", choices=["volunteers", "groups"])
    export.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    export.set_defaults(handler=run_export)


def _pages(services: Services, query: VolunteerQuery, limit: int | None) -> Iterator[VolunteerRow]:
    offset = 0
    while limit is None or offset < limit:
        size = PAGE if limit is None else min(PAGE, limit - offset)
        page = services.volunteers.list(query, offset=offset, limit=size)
        yield from page
        if len(page) < size:
            return
        offset += len(page)


def _volunteer_json(row: VolunteerRow) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(row)
    data.pop("groups", None)
    return data


def list_volunteers(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    group_uuid = services.organisations.find(args.group).uuid if args.group else None
    query = VolunteerQuery(
        search=args.search,
        status=VolunteerStatus(args.status) if args.status else None,
        group_uuid=group_uuid,
    )
    rows = _pages(services, query, args.limit)
    if args.json:
        print_json_array(_volunteer_json(row) for row in rows)
        return 0
    printed = 0
    for row in rows:
        if printed == 0:
            header = (_("Reference"), _("Name"), _("Postcode"), _("Phone"), _("Status"))
            print(_ROW_FORMAT.format(*header).rstrip())
        name = f"{row.last_name}, {row.known_as or row.first_name}"
        phone = display_phone(row.phone) if row.phone else ""
        print(_ROW_FORMAT.format(row.reference, name, row.postcode, phone, row.status.label))
        printed += 1
    if not printed:
        print(_("No volunteers match."))
    return 0


def list_groups(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    rows = services.organisations.list(args.search, limit=args.limit)
    lang = current_language()
    if args.json:
        print_json(rows)
        return 0
    print_table(
        [_("Name"), _("Kind"), _("Postcode"), _("Volunteers")],
        [[g.name(lang), g.kind.label, g.postcode, str(g.volunteers)] for g in rows],
    )
    if not rows:
        print(_("No groups match."))
    return 0


def list_activities(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    group_uuid = services.organisations.find(args.group).uuid if args.group else None
    rows = services.activities.list(group_uuid=group_uuid, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        [_("Activity"), _("Group"), _("Area"), _("Next shift")],
        [
            [
                a.title,
                a.group_name,
                a.area,
                format_datetime(a.next_shift, "short") if a.next_shift else _("none planned"),
            ]
            for a in rows
        ],
    )
    if not rows:
        print(_("No activities yet."))
    return 0


def run_export(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    path = args.file.expanduser().absolute()
    if args.kind == "volunteers":
        count = services.exports.volunteers(path)
    else:
        count = services.exports.groups(path)
    print(_("Wrote {count} rows to {path}.").format(count=count, path=path))
    return 0
