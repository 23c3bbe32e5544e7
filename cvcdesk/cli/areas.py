"""`cvcdesk areas ...`: the named communities and wards, and the postcodes each holds — the
same ones as Edit ▸ Communities and wards… in the app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cvcdesk.cli.common import EXIT_REFUSED, EXIT_USAGE, Context, fail, print_json, print_table
from cvcdesk.domain.errors import ValidationError
from cvcdesk.i18n import _
from cvcdesk.services.communities import (
    CommunityData,
    CommunityInUseError,
    CommunityRecord,
    in_use_message,
    split_postcodes,
)


def register(commands: Any) -> None:
    areas = commands.add_parser(
        "areas", help=_("named communities and wards, and the postcodes each holds")
    )
    sub = areas.add_subparsers(dest="action", required=True, metavar=_("ACTION"))

    listing = sub.add_parser("communities", help=_("list the communities and wards"))
    listing.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    listing.set_defaults(handler=run_communities)

    add = sub.add_parser(
        "add-community", help=_("add a community or ward and the postcodes it holds")
    )
    add.add_argument("code", metavar="CODE", help=_("a short code of letters, such as HWLFFORDD"))
    _name_and_postcode_options(add)
    add.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    add.set_defaults(handler=run_add)

    edit = sub.add_parser(
        "edit-community", help=_("change a community's names or the postcodes it holds")
    )
    edit.add_argument("code", metavar="CODE", help=_("the community's code or name"))
    _name_and_postcode_options(edit)
    edit.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    edit.set_defaults(handler=run_edit, parser=edit)

    remove = sub.add_parser("remove-community", help=_("remove a community or ward"))
    remove.add_argument("code", metavar="CODE", help=_("the community's code or name"))
    remove.add_argument(
        "--yes",
        action="store_true",
        help=_("remove it even if coverage lines or activities name it as their area"),
    )
    remove.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    remove.set_defaults(handler=run_remove)


def _name_and_postcode_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name-en", metavar="TEXT", help=_("the name in English"))
    parser.add_argument("--name-cy", metavar="TEXT", help=_("the name in Welsh"))
    parser.add_argument(
        "--postcodes",
        metavar='"SA61 1,SA61 2,SA62"',
        help=_("the postcode districts, sectors or full postcodes it holds, separated by commas"),
    )


def community_json(record: CommunityRecord) -> dict[str, Any]:
    return {
        "uuid": record.uuid,
        "code": record.code,
        "kind": record.kind,
        "name_en": record.name_en,
        "name_cy": record.name_cy,
        "postcodes": list(record.postcodes),
        "coverage_lines": record.coverage_lines,
        "activities": record.activities,
    }


def _refused(exc: ValidationError) -> int:
    """Every problem on one line, each a sentence of its own."""
    return fail(" ".join(str(error) for error in exc.errors) or str(exc))


def _names(record: CommunityRecord) -> str:
    names = [name for name in (record.name_en, record.name_cy) if name]
    if len(names) == 2 and names[0] == names[1]:
        names = names[:1]
    return " / ".join(names)


def run_communities(args: argparse.Namespace, context: Context) -> int:
    records = context.services().communities.list()
    if args.json:
        print_json([community_json(record) for record in records])
        return 0
    if not records:
        print(
            _(
                "No communities or wards yet. Add one with “cvcdesk areas add-community CODE "
                '--name-en NAME --name-cy NAME --postcodes "SA61 1,SA61 2"”.'
            )
        )
        return 0
    print_table(
        [_("Code"), _("English name"), _("Welsh name"), _("Postcodes"), _("Records using it")],
        [[r.code, r.name_en, r.name_cy, ", ".join(r.postcodes), str(r.in_use)] for r in records],
    )
    return 0


def run_add(args: argparse.Namespace, context: Context) -> int:
    data = CommunityData(
        code=args.code,
        name_en=args.name_en or "",
        name_cy=args.name_cy or "",
        postcodes=split_postcodes(args.postcodes or ""),
    )
    try:
        record = context.services().communities.create(data)
    except ValidationError as exc:
        return _refused(exc)
    if args.json:
        print_json(community_json(record))
        return 0
    print(
        _("Added the community {names} ({code}), holding {postcodes}.").format(
            names=_names(record), code=record.code, postcodes=", ".join(record.postcodes)
        )
    )
    return 0


def run_edit(args: argparse.Namespace, context: Context) -> int:
    if args.name_en is None and args.name_cy is None and args.postcodes is None:
        args.parser.print_usage(sys.stderr)
        print(
            _("cvcdesk: {problem}").format(
                problem=_("nothing to change: give --name-en, --name-cy or --postcodes")
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    service = context.services().communities
    current = service.get(args.code)
    data = CommunityData(
        code=current.code,
        name_en=current.name_en if args.name_en is None else args.name_en,
        name_cy=current.name_cy if args.name_cy is None else args.name_cy,
        postcodes=(
            current.postcodes if args.postcodes is None else split_postcodes(args.postcodes)
        ),
    )
    try:
        record = service.update(current.code, data, expected_version=current.version)
    except ValidationError as exc:
        return _refused(exc)
    if args.json:
        print_json(community_json(record))
        return 0
    if record.version == current.version:
        print(
            _("Nothing changed: {names} ({code}) already has those names and postcodes.").format(
                names=_names(record), code=record.code
            )
        )
        return 0
    print(
        _("Saved the community {names} ({code}), holding {postcodes}.").format(
            names=_names(record), code=record.code, postcodes=", ".join(record.postcodes)
        )
    )
    return 0


def run_remove(args: argparse.Namespace, context: Context) -> int:
    service = context.services().communities
    record = service.get(args.code)
    force = args.yes
    if record.in_use and not force:
        if not sys.stdin.isatty():
            return fail(
                _("{problem} Nothing was removed: add --yes to remove it anyway.").format(
                    problem=in_use_message(record)
                )
            )
        print(in_use_message(record))
        answer = input(_("Remove it anyway? [y/N] ")).strip().lower()
        if answer not in ("y", "yes", _("y"), _("yes")):
            print(_("Nothing was removed."))
            return EXIT_REFUSED
        force = True
    try:
        removed = service.delete(record.code, force=force)
    except CommunityInUseError as exc:
        # Someone named it as an area since it was read.
        return fail(
            _("{problem} Nothing was removed: add --yes to remove it anyway.").format(
                problem=str(exc)
            )
        )
    if args.json:
        print_json(community_json(removed))
        return 0
    print(
        _(
            "Removed the community {names} ({code}). Adding the code {code} again brings it back."
        ).format(names=_names(removed), code=removed.code)
    )
    return 0
