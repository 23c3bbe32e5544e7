"""`cvcdesk settings`: show or change the database's settings (printing, alerts, planning,
backups) — the same ones as Tools ▸ Settings… in the app."""

from __future__ import annotations

import argparse
from dataclasses import asdict, replace
from typing import Any

from cvcdesk.cli.common import Context, print_json, print_table, whole_number
from cvcdesk.i18n import _, ngettext
from cvcdesk.services.settings import LABELS, Preferences, SettingsService

# option name -> Preferences field
_OPTIONS = {
    "cvc_name_en": "--cvc-name-en",
    "cvc_name_cy": "--cvc-name-cy",
    "logo": "--logo",
    "dbs_due_days": "--dbs-due-days",
    "horizon_days": "--horizon-days",
    "backup_keep_days": "--backup-keep-days",
    "backup_interval_hours": "--backup-every-hours",
}


def register(commands: Any) -> None:
    settings = commands.add_parser(
        "settings",
        help=_("show or change the database's settings (printing, alerts, planning, backups)"),
    )
    settings.add_argument("--cvc-name-en", metavar="TEXT", help=_("the CVC's name in English"))
    settings.add_argument("--cvc-name-cy", metavar="TEXT", help=_("the CVC's name in Welsh"))
    settings.add_argument(
        "--logo", metavar="FILE", help=_('a PNG or JPEG logo for printed pages ("" for none)')
    )
    settings.add_argument(
        "--dbs-due-days",
        type=whole_number,
        metavar="N",
        help=_("warn N days before a DBS check is due for renewal"),
    )
    settings.add_argument(
        "--horizon-days", type=whole_number, metavar="N", help=_("plan shifts N days ahead")
    )
    settings.add_argument(
        "--backup-keep-days", type=whole_number, metavar="N", help=_("keep backups for N days")
    )
    settings.add_argument(
        "--backup-every-hours",
        type=whole_number,
        metavar="H",
        help=_("back up on opening at most every H hours (0: every time)"),
    )
    settings.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    settings.set_defaults(handler=run_settings)


def run_settings(args: argparse.Namespace, context: Context) -> int:
    service = SettingsService(context.services().database)
    current = service.read()
    changes = {
        field: getattr(args, option[2:].replace("-", "_"))
        for field, option in _OPTIONS.items()
        if getattr(args, option[2:].replace("-", "_")) is not None
    }
    chosen: Preferences = service.save(replace(current, **changes)) if changes else current
    if args.json:
        print_json(asdict(chosen))
        return 0
    if changes:
        print(_("Settings saved."))
    print_table(
        [_("Setting"), _("Value")],
        [[LABELS[field](), _shown(field, getattr(chosen, field))] for field in _OPTIONS],
    )
    return 0


def _shown(field: str, value: str | int) -> str:
    if isinstance(value, str):
        return value or _("(not set)")
    if field == "backup_interval_hours":
        if value == 0:
            return _("every time the database opens")
        return ngettext("{hours} hour", "{hours} hours", value).format(hours=value)
    return ngettext("{days} day", "{days} days", value).format(days=value)
