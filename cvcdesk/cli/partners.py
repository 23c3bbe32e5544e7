"""`cvcdesk partners ...`: this database's identity, the partners it trusts, what each is sent."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import Context, print_json, print_table
from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
from cvcdesk.i18n import _, format_datetime
from cvcdesk.services.partners import FieldsLeaving, PartnerInfo


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "true", "1", "ie", "do"):
        return True
    if value in ("no", "n", "false", "0", "na", "nac"):
        return False
    raise argparse.ArgumentTypeError(_("write yes or no, not “{value}”").format(value=text))


def register(commands: Any) -> None:
    partners = commands.add_parser(
        "partners", help=_("this organisation's identity and the partners it exchanges with")
    )
    sub = partners.add_subparsers(dest="action", required=True, metavar=_("ACTION"))

    identity = sub.add_parser(
        "identity", help=_("write this organisation's public identity file for partners")
    )
    identity.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    identity.add_argument(
        "--organisation",
        metavar="NAME_OR_UUID",
        help=_("the group this database belongs to (needed the first time)"),
    )
    identity.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    identity.set_defaults(handler=run_identity)

    add = sub.add_parser("add", help=_("trust a partner from its identity file"))
    add.add_argument("file", type=Path, metavar="FILE")
    add.add_argument("--name", metavar="NAME", help=_("what to call the partner here"))
    add.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    add.set_defaults(handler=run_add)

    listing = sub.add_parser("list", help=_("list partners and their last exchanges"))
    listing.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    listing.set_defaults(handler=run_list)

    profile = sub.add_parser(
        "profile", help=_("show or change what a partner is sent, field by field")
    )
    profile.add_argument("name", metavar="NAME")
    profile.add_argument(
        "--volunteers",
        choices=[v.value for v in VolunteerSharing],
        help=_("full (only those who consented), pseudonymised, or none"),
    )
    for option, text in (
        ("--organisations", _("send groups and what they cover: yes or no")),
        ("--activities", _("send activities and shifts: yes or no")),
        ("--households", _("send households (district and private key only): yes or no")),
        ("--alert-decisions", _("send alerts dismissed as not a duplicate: yes or no")),
    ):
        profile.add_argument(option, type=_yes_no, metavar="yes|no", help=text)
    profile.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    profile.set_defaults(handler=run_profile)

    remove = sub.add_parser("remove", help=_("stop exchanging with a partner"))
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run_remove)


def partner_json(info: PartnerInfo) -> dict[str, Any]:
    return {
        "uuid": info.uuid,
        "name": info.name,
        "fingerprint": info.fingerprint,
        "instance": info.instance_uuid,
        "organisation_uuid": info.organisation_uuid or None,
        "profile": info.profile.to_json(),
        "added_at": info.added_at.isoformat(),
        "last_export_at": info.last_export_at.isoformat() if info.last_export_at else None,
        "last_import_at": info.last_import_at.isoformat() if info.last_import_at else None,
        "open_conflicts": info.open_conflicts,
        "pseudonymised_volunteers": info.pseudonymised_volunteers,
    }


def fields_json(items: list[FieldsLeaving]) -> list[dict[str, Any]]:
    return [
        {
            "record_type": item.record_type,
            "label": item.label,
            "fields": [name for name, _label in item.fields],
            "note": item.note,
        }
        for item in items
    ]


def print_fields(items: list[FieldsLeaving]) -> None:
    if not items:
        print(_("Nothing is sent to this partner."))
        return
    for item in items:
        print(f"{item.label}:")
        print("  " + ", ".join(label for _name, label in item.fields))
        if item.note:
            print("  " + item.note)


def run_identity(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    identity = services.identity.write_identity(args.output, organisation=args.organisation)
    if args.json:
        print_json(
            {
                "instance": identity.instance_uuid,
                "organisation_uuid": identity.organisation_uuid,
                "name": identity.name,
                "fingerprint": identity.fingerprint,
                "file": str(args.output),
            }
        )
        return 0
    print(_("Wrote the identity of {name} to {path}.").format(name=identity.name, path=args.output))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=identity.fingerprint))
    print(_("Read the fingerprint to your partner by phone so they can check it when adding you."))
    return 0


def run_add(args: argparse.Namespace, context: Context) -> int:
    info = context.services().partners.add(args.file, name=args.name)
    if args.json:
        print_json(partner_json(info))
        return 0
    print(_("Added partner {name}.").format(name=info.name))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=info.fingerprint))
    print(
        _(
            "Check this fingerprint with {name} by phone or in person before exchanging files. "
            "They are sent groups, activities and decisions on alerts until you change it "
            "(cvcdesk partners profile)."
        ).format(name=info.name)
    )
    return 0


def _when(value: Any) -> str:
    return format_datetime(value, "short") if value else _("never")


def run_list(args: argparse.Namespace, context: Context) -> int:
    partners = context.services().partners.list()
    if args.json:
        print_json([partner_json(p) for p in partners])
        return 0
    if not partners:
        print(_("No partners yet. Add one with “cvcdesk partners add FILE”."))
        return 0
    print_table(
        [_("Name"), _("Fingerprint"), _("Volunteers"), _("Last sent"), _("Last received"),
         _("Conflicts")],
        [
            [
                p.name,
                p.fingerprint,
                p.profile.volunteers.value,
                _when(p.last_export_at),
                _when(p.last_import_at),
                str(p.open_conflicts),
            ]
            for p in partners
        ],
    )  # fmt: skip
    return 0


def run_profile(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    current = services.partners.profile(args.name)
    wanted = SharingProfile(
        organisations=current.organisations if args.organisations is None else args.organisations,
        activities=current.activities if args.activities is None else args.activities,
        households=current.households if args.households is None else args.households,
        alert_decisions=(
            current.alert_decisions if args.alert_decisions is None else args.alert_decisions
        ),
        volunteers=(
            current.volunteers if args.volunteers is None else VolunteerSharing(args.volunteers)
        ),
    )
    changed = wanted != current
    info = services.partners.set_profile(args.name, wanted) if changed else None
    items = services.partners.fields_leaving(args.name)
    if args.json:
        print_json(
            {
                "partner": args.name if info is None else info.name,
                "profile": wanted.to_json(),
                "changed": changed,
                "leaving": fields_json(items),
            }
        )
        return 0
    if changed:
        print(_("Changed what is sent; the next export to this partner will be a full one."))
    print(_("Volunteers: {mode}").format(mode=wanted.volunteers.label))
    print_fields(items)
    return 0


def run_remove(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    info = services.partners.get(args.name)
    services.partners.remove(args.name)
    print(_("Removed partner {name}; their records stay.").format(name=info.name))
    return 0
