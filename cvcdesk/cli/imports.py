"""Commands for spreadsheets in, Open Referral out, and data protection:
`import`, `oruk export` and `privacy sar | erase | retention | consent`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import (
    EXIT_REFUSED,
    Context,
    fail,
    positive,
    print_json,
    print_json_array,
    print_table,
    whole_number,
)
from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.i18n import _, format_date, format_datetime
from cvcdesk.services.imports import ImportOptions, ImportResult, LikelyDuplicate
from cvcdesk.services.spreadsheets import read_mapping_file

SHOWN = 50  # skipped rows and duplicates printed in text mode; --json lists them all


def _months(text: str) -> int:
    value = whole_number(text)
    if not 1 <= value <= 1200:
        raise argparse.ArgumentTypeError(_("give a number of months from 1 to 1200"))
    return value


def register(commands: Any) -> None:
    imp = commands.add_parser(
        "import", help=_("import volunteers or groups from a CSV, XLSX or ODS file")
    )
    imp.add_argument("kind", choices=["volunteers", "groups"])
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.json",
        help=_('which field each column fills, as JSON: {"First name": "first_name", ...}'),
    )
    imp.add_argument(
        "--sheet", metavar="NAME", help=_("the worksheet to read (default: the first)")
    )
    imp.add_argument(
        "--header-row",
        type=positive,
        metavar="N",
        help=_("the row holding the column names (default: found by looking)"),
    )
    imp.add_argument(
        "--group",
        metavar="NAME_OR_UUID",
        help=_("make every imported volunteer a member of this group"),
    )
    imp.add_argument(
        "--consent-method",
        choices=[c.value for c in ConsentMethod],
        help=_("how consent was recorded, for rows that give consent without saying how"),
    )
    imp.add_argument(
        "--dry-run", action="store_true", help=_("check and count everything, save nothing")
    )
    imp.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    imp.set_defaults(handler=run_import)

    oruk = commands.add_parser("oruk", help=_("Open Referral UK exports"))
    osub = oruk.add_subparsers(dest="action", required=True, metavar=_("ACTION"))
    oexport = osub.add_parser(
        "export", help=_("write groups, services, areas and times as Open Referral UK JSON")
    )
    oexport.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.json")
    oexport.set_defaults(handler=run_oruk_export)

    privacy = commands.add_parser("privacy", help=_("data protection: access, erasure, retention"))
    psub = privacy.add_subparsers(dest="action", required=True, metavar=_("ACTION"))
    sar = psub.add_parser("sar", help=_("everything held about one volunteer, as PDF or JSON"))
    sar.add_argument("volunteer", metavar="VOLUNTEER", help=_("the volunteer's id or reference"))
    sar.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf|FILE.json")
    sar.add_argument(
        "--language",
        choices=["en", "cy"],
        help=_("language of the PDF (default: the volunteer's own)"),
    )
    sar.set_defaults(handler=run_sar)
    erase = psub.add_parser("erase", help=_("erase a volunteer's personal details for good"))
    erase.add_argument("volunteer", metavar="VOLUNTEER", help=_("the volunteer's id or reference"))
    erase.add_argument(
        "--yes", action="store_true", help=_("yes, erase them: this cannot be undone")
    )
    erase.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    erase.set_defaults(handler=run_erase)
    retention = psub.add_parser(
        "retention", help=_("volunteers with no shift and no change for N months")
    )
    retention.add_argument("--months", type=_months, required=True, metavar="N")
    retention.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    retention.set_defaults(handler=run_retention)
    consent = psub.add_parser("consent", help=_("a volunteer's history of consent to sharing"))
    consent.add_argument(
        "volunteer", metavar="VOLUNTEER", help=_("the volunteer's id or reference")
    )
    consent.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    consent.set_defaults(handler=run_consent)


# -- import -------------------------------------------------------------------------------------


def run_import(args: argparse.Namespace, context: Context) -> int:
    path = args.file.expanduser().absolute()
    mapping = read_mapping_file(args.mapping.expanduser()) if args.mapping else None
    services = context.services()
    group_uuid = None
    if args.group:
        if args.kind != "volunteers":
            return fail(_("--group applies to volunteers only."))
        group_uuid = services.organisations.find(args.group).uuid
    options = ImportOptions(
        group_uuid=group_uuid,
        consent_method=ConsentMethod(args.consent_method) if args.consent_method else None,
    )
    info = services.imports.inspect(path, sheet=args.sheet, header_row=args.header_row)
    result = services.imports.import_rows(
        info,
        kind=args.kind,
        mapping=mapping,
        options=options,
        dry_run=args.dry_run,
        find_duplicates=True,
    )
    if args.json:
        print_json(_import_json(result))
    else:
        _print_import(result)
    return 0


def _duplicate_json(d: LikelyDuplicate) -> dict[str, Any]:
    data: dict[str, Any] = {"row": d.row, "score": d.score, "reasons": list(d.reasons)}
    if d.uuid:
        data.update(uuid=d.uuid, name=d.name, reference=d.reference, postcode=d.postcode)
    else:
        data["other_row"] = d.other_row
    return data


def _import_json(result: ImportResult) -> dict[str, Any]:
    info = result.info
    return {
        "file": str(info.path),
        "format": info.format,
        "sheet": info.sheet_name or None,
        "encoding": info.encoding or None,
        "kind": result.kind,
        "dry_run": result.dry_run,
        "mapping": result.mapping,
        "rows_read": result.rows_read,
        "imported": result.imported,
        "merged": result.merged,
        "skipped": result.skipped,
        "skipped_rows": [
            {
                "row": s.row,
                "reasons": [
                    {"column": p.column, "value": p.value, "field": p.field, "message": p.message}
                    for p in s.reasons
                ],
            }
            for s in result.skipped_rows
        ],
        "warnings": [str(w) for w in result.warnings],
        "possible_duplicates": [_duplicate_json(d) for d in result.duplicates],
        "possible_duplicates_total": result.duplicates_total,
        "import_id": result.import_id,
        "backup": str(result.backup_path) if result.backup_path else None,
    }


def _print_import(result: ImportResult) -> None:
    info = result.info
    where = info.path.name
    if info.sheet_name:
        where = _("{file} (sheet “{sheet}”)").format(file=where, sheet=info.sheet_name)
    print(_("Read {count} rows from {file}.").format(count=result.rows_read, file=where))
    if result.dry_run:
        print(
            _(
                "Would import {imported}, merge {merged} and skip {skipped}. "
                "Nothing was saved (dry run)."
            ).format(imported=result.imported, merged=result.merged, skipped=result.skipped)
        )
    else:
        print(
            _("Imported {imported}, merged {merged}, skipped {skipped}.").format(
                imported=result.imported, merged=result.merged, skipped=result.skipped
            )
        )
    unmapped = [header for header, name in result.mapping.items() if not name]
    if unmapped:
        print(_("Columns not imported: {columns}.").format(columns=", ".join(unmapped)))
    if result.skipped_rows:
        print()
        print(_("Skipped rows:"))
        for skipped in result.skipped_rows[:SHOWN]:
            for problem in skipped.reasons:
                print(f"  {problem}")
        if result.skipped > SHOWN:
            print(
                "  "
                + _("… and {count} more; --json lists them all.").format(
                    count=result.skipped - SHOWN
                )
            )
    for warning in result.warnings[:SHOWN]:
        print(_("Note: {warning}").format(warning=warning))
    if result.duplicates:
        print()
        print(_("Possible duplicates:"))
        for d in result.duplicates[:SHOWN]:
            reasons = "; ".join(d.reasons)
            if d.uuid:
                who = d.name
                if d.reference:
                    who = _("{name}, reference {reference}").format(name=who, reference=d.reference)
                print(
                    "  "
                    + _("Row {row} looks like {who} ({score}% alike): {reasons}").format(
                        row=d.row, who=who, score=round(d.score * 100), reasons=reasons
                    )
                )
            else:
                print(
                    "  "
                    + _(
                        "Rows {other} and {row} look like the same person ({score}%): {reasons}"
                    ).format(
                        other=d.other_row, row=d.row, score=round(d.score * 100), reasons=reasons
                    )
                )
        if result.duplicates_total > SHOWN:
            print(
                "  "
                + _("… and {count} more; --json lists them all.").format(
                    count=result.duplicates_total - SHOWN
                )
            )
        if not result.dry_run:
            print(_("Run “cvcdesk alerts scan” to list them as alerts to merge or dismiss."))


# -- Open Referral UK ------------------------------------------------------------------------


def run_oruk_export(args: argparse.Namespace, context: Context) -> int:
    path = args.output.expanduser().absolute()
    summary = context.services().oruk.export(path)
    print(
        _(
            "Wrote {groups} groups and {services} services ({areas} service areas, "
            "{schedules} schedules) to {path}."
        ).format(
            groups=summary.organizations,
            services=summary.services,
            areas=summary.service_areas,
            schedules=summary.schedules,
            path=path,
        )
    )
    return 0


# -- privacy ---------------------------------------------------------------------------------


def run_sar(args: argparse.Namespace, context: Context) -> int:
    privacy = context.services().privacy
    uuid = privacy.find(args.volunteer)
    path = privacy.export_subject_access(
        uuid, args.output.expanduser().absolute(), language=args.language
    )
    print(_("Wrote everything held about volunteer {uuid} to {path}.").format(uuid=uuid, path=path))
    return 0


def run_erase(args: argparse.Namespace, context: Context) -> int:
    if not args.yes:
        print(
            _(
                "cvcdesk: erasing blanks this volunteer's personal details for good, here and "
                "(at the next sync) at partners. Add --yes to go ahead."
            ),
            file=sys.stderr,
        )
        return EXIT_REFUSED
    privacy = context.services().privacy
    result = privacy.erase(privacy.find(args.volunteer))
    if args.json:
        print_json(
            {
                "uuid": result.uuid,
                "records": result.records,
                "memberships": result.memberships,
                "bookings_kept": result.bookings_kept,
                "consent_entries": result.consent_entries,
                "audit_entries": result.audit_entries,
                "alerts": result.alerts,
                "backups_folder": str(result.backups_folder) if result.backups_folder else None,
            }
        )
        return 0
    print(
        _(
            "Erased the personal details of volunteer {uuid}: {records} record(s), "
            "{memberships} membership(s) ended, {bookings} booking(s) kept without a name, "
            "{consents} consent entries removed, {audit} history entries cleared of values."
        ).format(
            uuid=result.uuid,
            records=result.records,
            memberships=result.memberships,
            bookings=result.bookings_kept,
            consents=result.consent_entries,
            audit=result.audit_entries,
        )
    )
    if result.backups_note:
        print(result.backups_note)
    return 0


def run_retention(args: argparse.Namespace, context: Context) -> int:
    rows = context.services().privacy.retention(months=args.months)
    if args.json:
        print_json_array(
            {
                "uuid": r.uuid,
                "reference": r.reference,
                "name": r.name,
                "status": r.status.value,
                "last_activity": r.last_activity.isoformat(),
                "last_activity_kind": r.last_activity_kind,
                "months_inactive": r.months_inactive,
            }
            for r in rows
        )
        return 0
    if not rows:
        print(_("No volunteer has been inactive for {months} months.").format(months=args.months))
        return 0
    print_table(
        [_("Reference"), _("Name"), _("Status"), _("Last activity"), _("Months")],
        [
            [
                r.reference,
                r.name,
                r.status.label,
                f"{format_date(r.last_activity)} ({r.last_activity_label})",
                str(r.months_inactive),
            ]
            for r in rows
        ],
    )
    return 0


def run_consent(args: argparse.Namespace, context: Context) -> int:
    privacy = context.services().privacy
    history = privacy.consent_history(privacy.find(args.volunteer))
    if args.json:
        print_json(history)
        return 0
    if not history:
        print(_("No consent to sharing has been recorded for this volunteer."))
        return 0
    print_table(
        [_("Recorded"), _("Consent"), _("Date"), _("How"), _("By")],
        [
            [
                format_datetime(c.recorded_at, "short"),
                _("given") if c.given else _("withdrawn"),
                format_date(c.on_date) if c.on_date else "",
                c.method.label if c.method else "",
                c.recorded_by,
            ]
            for c in history
        ],
    )
    return 0
