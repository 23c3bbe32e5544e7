"""`cvcdesk sync ...`: export to a partner, import a partner's file, and resolve conflicts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cvcdesk.cli.common import Context, print_json, print_table
from cvcdesk.cli.partners import fields_json, print_fields
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.services.sync import ConflictRow, ImportPreview, ImportResult, TypeCounts


def register(commands: Any) -> None:
    sync = commands.add_parser("sync", help=_("exchange records with partners by file"))
    sub = sync.add_subparsers(dest="action", required=True, metavar=_("ACTION"))

    export = sub.add_parser("export", help=_("write a file of changes for a partner"))
    export.add_argument("--partner", required=True, metavar="NAME")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.cvcsync")
    export.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="F",
        help=_("protect the file with the passphrase in this file"),
    )
    export.add_argument(
        "--full", action="store_true", help=_("send everything, not only what changed")
    )
    export.add_argument(
        "--dry-run", action="store_true", help=_("say what would be sent; write nothing")
    )
    export.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    export.set_defaults(handler=run_export)

    imp = sub.add_parser("import", help=_("check and import a partner's file"))
    imp.add_argument("file", type=Path, metavar="FILE.cvcsync")
    imp.add_argument(
        "--passphrase-file", type=Path, metavar="F", help=_("the file holding the passphrase")
    )
    imp.add_argument("--dry-run", action="store_true", help=_("check and count; change nothing"))
    imp.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    imp.set_defaults(handler=run_import)

    conflicts = sub.add_parser(
        "conflicts", help=_("list records changed both here and by a partner")
    )
    conflicts.add_argument("--all", action="store_true", help=_("include resolved conflicts"))
    conflicts.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    conflicts.set_defaults(handler=run_conflicts)

    resolve = sub.add_parser("resolve", help=_("settle a conflict, field by field"))
    resolve.add_argument("conflict", type=int, metavar="CONFLICT_ID")
    resolve.add_argument(
        "--take",
        choices=["local", "incoming", "base"],
        help=_("the side every field not named with --field takes"),
    )
    resolve.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=SIDE",
        help=_("take one field from a side: local, incoming or base"),
    )
    resolve.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    resolve.set_defaults(handler=run_resolve)


def _passphrase(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CvcError(_("There is no passphrase file at “{path}”.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CvcError(
            _("Cannot read the passphrase file “{path}”: {reason}").format(
                path=path, reason=getattr(exc, "strerror", None) or str(exc)
            )
        ) from None
    return text.rstrip("\r\n")


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{done * 100 // max(total, 1)}%", end="", file=sys.stderr, flush=True)


def run_export(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    if args.dry_run:
        preview = services.sync.preview_export(args.partner, full=args.full)
        if args.json:
            print_json(
                {
                    "partner": preview.partner_name,
                    "full": preview.full,
                    "since": preview.since,
                    "counts": preview.counts,
                    "tombstones": preview.tombstones,
                    "left_out_without_consent": preview.left_out_without_consent,
                    "leaving": fields_json(list(preview.fields)),
                }
            )
            return 0
        print(
            _("{n} records would go to {partner}.").format(
                n=preview.records, partner=preview.partner_name
            )
        )
        print_fields(list(preview.fields))
        return 0
    result = services.sync.export(
        args.partner,
        args.output,
        full=args.full,
        passphrase=_passphrase(args.passphrase_file),
        progress=_progress,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print_json(
            {
                "file": str(result.path),
                "partner": result.partner_name,
                "full": result.full,
                "encrypted": result.encrypted,
                "since": result.since,
                "until": result.until,
                "counts": result.counts,
                "records": result.records,
                "tombstones": result.tombstones,
                "left_out_without_consent": result.left_out_without_consent,
                "size": result.size,
            }
        )
        return 0
    print(
        _("Wrote {n} records for {partner} to {path}.").format(
            n=result.records, partner=result.partner_name, path=result.path
        )
    )
    if result.left_out_without_consent:
        print(
            _("{n} volunteers who did not consent to sharing were left out.").format(
                n=result.left_out_without_consent
            )
        )
    return 0


def counts_json(counts: TypeCounts) -> dict[str, Any]:
    return {
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "conflicts": counts.conflicts,
        "deletions": counts.deletions,
        "skipped": counts.skipped,
    }


def preview_json(preview: ImportPreview) -> dict[str, Any]:
    return {
        "file": str(preview.path),
        "partner": preview.partner_name,
        "partner_uuid": preview.partner_uuid,
        "fingerprint": preview.fingerprint,
        "created_at": preview.created_at,
        "since": preview.since,
        "until": preview.until,
        "full": preview.full,
        "encrypted": preview.encrypted,
        **counts_json(preview.totals),
        "by_type": {c.record_type: counts_json(c) for c in preview.counts},
        "warnings": list(preview.warnings),
    }


def run_import(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    result: ImportResult = services.sync.import_file(
        args.file,
        passphrase=_passphrase(args.passphrase_file),
        dry_run=args.dry_run,
        progress=_progress,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    preview = result.preview
    if args.json:
        document = preview_json(preview)
        document["dry_run"] = bool(args.dry_run)
        document["applied"] = result.applied
        if result.alerts is not None:
            document["open_alerts"] = {k.value: n for k, n in result.alerts.counts.items()}
            document["new_alerts"] = result.alerts.new
        print_json(document)
        return 0
    print(
        _("From {partner} (fingerprint {fingerprint}):").format(
            partner=preview.partner_name, fingerprint=preview.fingerprint
        )
    )
    print_table(
        [_("Records"), _("New"), _("Updated"), _("Unchanged"), _("Conflicts"), _("Deleted"),
         _("Left out")],
        [
            [c.label, str(c.new), str(c.updated), str(c.unchanged), str(c.conflicts),
             str(c.deletions), str(c.skipped)]
            for c in (*preview.counts, preview.totals)
        ],
    )  # fmt: skip
    for warning in preview.warnings:
        print(warning)
    if args.dry_run:
        print(_("Nothing was changed (a dry run)."))
    elif not result.applied:
        print(_("Nothing to change: this file was imported before."))
    else:
        print(_("Imported."))
        if preview.totals.conflicts:
            print(_("See the conflicts with “cvcdesk sync conflicts”."))
        if result.alerts is not None and result.alerts.new:
            print(
                _("{n} new alerts of duplicated effort; see “cvcdesk alerts list”.").format(
                    n=result.alerts.new
                )
            )
    return 0


def conflict_json(row: ConflictRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "record_type": row.record_type,
        "uuid": row.record_uuid,
        "title": row.title,
        "partner": row.partner_name,
        "partner_uuid": row.partner_uuid,
        "status": row.status,
        "proposal": row.proposal,
        "created_at": row.created_at.isoformat(),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "base": f.base,
                "local": f.local,
                "incoming": f.incoming,
                "suggested": f.suggested,
            }
            for f in row.fields
        ],
    }


def _print_conflict(row: ConflictRow) -> None:
    print(
        _("#{id} {type}: {title} (with {partner})").format(
            id=row.id, type=row.type_label, title=row.title, partner=row.partner_name
        )
    )
    print_table(
        [_("Field"), _("Base"), _("Here"), _("Theirs"), _("Suggested")],
        [
            [f.label, _shown(f.base), _shown(f.local), _shown(f.incoming), f.suggested]
            for f in row.fields
        ],
    )


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def run_conflicts(args: argparse.Namespace, context: Context) -> int:
    rows = context.services().sync.conflicts(include_resolved=args.all)
    if args.json:
        print_json([conflict_json(row) for row in rows])
        return 0
    if not rows:
        print(_("No conflicts."))
        return 0
    for index, row in enumerate(rows):
        if index:
            print()
        _print_conflict(row)
    return 0


def run_resolve(args: argparse.Namespace, context: Context) -> int:
    choices: dict[str, str] = {}
    for item in args.field:
        name, sep, side = item.partition("=")
        if not sep or not name.strip():
            raise CvcError(_("Write --field as NAME=SIDE, for example --field phone=incoming."))
        choices[name.strip()] = side.strip()
    row = context.services().sync.resolve(args.conflict, choices, take=args.take)
    if args.json:
        print_json(conflict_json(row))
        return 0
    print(
        _("Conflict {id} resolved; the result goes to the partner with the next export.").format(
            id=row.id
        )
    )
    return 0
