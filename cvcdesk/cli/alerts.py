"""Commands over duplicated-effort alerts and merging: scan, list, acknowledge, dismiss, resolve,
merge two records and undo a merge."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator
from enum import Enum
from typing import Any

from cvcdesk.cli.common import (
    EXIT_REFUSED,
    EXIT_USAGE,
    Context,
    non_negative,
    print_json,
    print_json_array,
    print_table,
)
from cvcdesk.domain.enums import AlertKind, AlertStatus, LabelledEnum
from cvcdesk.i18n import _, format_date
from cvcdesk.services.alerts import AlertRow
from cvcdesk.services.merge import MergePreview, move_label
from cvcdesk.services.registry import Services

PAGE = 500

_RECORD_LABELS = {
    "volunteer": lambda: _("volunteer"),
    "organisation": lambda: _("group"),
    "coverage": lambda: _("coverage"),
    "household_support": lambda: _("household help"),
    "assignment": lambda: _("booking"),
    "activity": lambda: _("activity"),
}


def register(commands: Any) -> None:
    alerts = commands.add_parser("alerts", help=_("find and handle duplicated effort"))
    sub = alerts.add_subparsers(dest="action", required=True, metavar=_("ACTION"))

    scan = sub.add_parser("scan", help=_("look for duplicated effort and print counts by kind"))
    scan.add_argument(
        "--full",
        action="store_true",
        help=_("look at every record, not only those changed since the last scan"),
    )
    scan.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    scan.set_defaults(handler=run_scan)

    listing = sub.add_parser("list", help=_("list alerts, strongest first"))
    listing.add_argument("--kind", choices=[k.value for k in AlertKind])
    listing.add_argument("--status", choices=[s.value for s in AlertStatus])
    listing.add_argument("--limit", type=non_negative, metavar="N", help=_("print at most N"))
    listing.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    listing.set_defaults(handler=run_list)

    dismiss = sub.add_parser("dismiss", help=_("mark an alert as not a duplicate"))
    dismiss.add_argument("alert", metavar="ALERT_ID")
    dismiss.add_argument(
        "--reason", required=True, metavar="TEXT", help=_("why this is not a problem")
    )
    dismiss.set_defaults(handler=run_dismiss)

    ack = sub.add_parser("ack", help=_("acknowledge an alert: seen and being dealt with"))
    ack.add_argument("alert", metavar="ALERT_ID")
    ack.set_defaults(handler=run_ack)

    resolve = sub.add_parser("resolve", help=_("mark an alert as dealt with"))
    resolve.add_argument("alert", metavar="ALERT_ID")
    resolve.set_defaults(handler=run_resolve)

    merge = commands.add_parser(
        "merge", help=_("merge two records of the same volunteer or group into one")
    )
    merge.add_argument("keep", metavar="KEEP_UUID", help=_("the record to keep"))
    merge.add_argument(
        "other", nargs="?", metavar="OTHER_UUID", help=_("the record to merge into it")
    )
    merge.add_argument(
        "--prefer-other",
        action="extend",
        nargs="+",
        default=[],
        metavar="FIELD",
        help=_("take these fields from the other record (by default the kept record's win)"),
    )
    merge.add_argument("--yes", action="store_true", help=_("merge without asking"))
    merge.add_argument("--undo", action="store_true", help=_("undo the last merge into KEEP_UUID"))
    merge.set_defaults(handler=run_merge, parser=merge)


# ---- scan and list -------------------------------------------------------------------------


def run_scan(args: argparse.Namespace, context: Context) -> int:
    services = context.services()

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done * 100 // max(total, 1)}%", end="", file=sys.stderr, flush=True)

    result = services.alerts.scan(full=args.full, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print_json(
            {
                "full": result.full,
                "counts": {kind.value: count for kind, count in result.counts.items()},
                "new": result.new,
                "reopened": result.reopened,
                "resolved": result.resolved,
                "changed_records": result.changed_records,
            }
        )
        return 0
    print(_("Open alerts by kind:"))
    print_table(
        [_("Kind"), _("Open")],
        [[kind.label, str(count)] for kind, count in result.counts.items()],
    )
    print(
        _("New: {new}. Opened again: {reopened}. Resolved: {resolved}.").format(
            new=result.new, reopened=result.reopened, resolved=result.resolved
        )
    )
    if result.full:
        print(_("Every record was looked at."))
    else:
        print(
            _("Records changed since the last scan: {count}.").format(count=result.changed_records)
        )
    return 0


def _pages(
    services: Services, kind: AlertKind | None, status: AlertStatus | None, limit: int | None
) -> Iterator[AlertRow]:
    offset = 0
    while limit is None or offset < limit:
        size = PAGE if limit is None else min(PAGE, limit - offset)
        page = services.alerts.list(kind, status, offset, size)
        yield from page
        if len(page) < size:
            return
        offset += len(page)


def alert_json(row: AlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "uuid": row.uuid,
        "kind": row.kind.value,
        "status": row.status.value,
        "score": row.score,
        "reasons": list(row.reasons),
        "records": [
            {
                "type": r.record_type,
                "uuid": r.uuid,
                "reference": r.reference,
                "name": r.name,
                **({"group_uuid": r.group_uuid} if r.group_uuid else {}),
                **({"missing": True} if r.missing else {}),
            }
            for r in row.records
        ],
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decision": row.decision,
    }


def run_list(args: argparse.Namespace, context: Context) -> int:
    services = context.services()
    kind = AlertKind(args.kind) if args.kind else None
    status = AlertStatus(args.status) if args.status else None
    rows = _pages(services, kind, status, args.limit)
    if args.json:
        print_json_array(alert_json(row) for row in rows)
        return 0
    printed = 0
    for row in rows:
        if printed:
            print()
        print(
            _("#{id}  {kind}  {status}  score {score}").format(
                id=row.id, kind=row.kind.label, status=row.status.label, score=f"{row.score:.2f}"
            )
        )
        for reason in row.reasons:
            print(f"    - {reason}")
        for record in row.records:
            label = " ".join(part for part in (record.reference, record.name) if part)
            gone = _(" (deleted)") if record.missing else ""
            named = _RECORD_LABELS.get(record.record_type)
            kind = named() if named else record.record_type
            print(f"    > {kind} {record.uuid}  {label}{gone}".rstrip())
        if row.decision:
            print("    " + _("Decision: {decision}").format(decision=row.decision))
        printed += 1
    if not printed:
        print(_("No alerts match."))
    return 0


# ---- decisions -----------------------------------------------------------------------------


def _decided(row: AlertRow) -> int:
    print(_("Alert {id} is now “{status}”.").format(id=row.id, status=row.status.label))
    return 0


def run_dismiss(args: argparse.Namespace, context: Context) -> int:
    return _decided(context.services().alerts.dismiss(args.alert, args.reason))


def run_ack(args: argparse.Namespace, context: Context) -> int:
    return _decided(context.services().alerts.acknowledge(args.alert))


def run_resolve(args: argparse.Namespace, context: Context) -> int:
    return _decided(context.services().alerts.resolve(args.alert))


# ---- merge ---------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return format_date(value)
    return " ".join(str(value).split())


def _print_preview(preview: MergePreview, prefer_other: set[str]) -> None:
    print(_("Keep:        {name}  {uuid}").format(name=preview.keep_name, uuid=preview.keep_uuid))
    print(_("Merge away:  {name}  {uuid}").format(name=preview.other_name, uuid=preview.other_uuid))
    rows = []
    for line in preview.fields:
        keep, other = _shown(line.keep_value), _shown(line.other_value)
        if not keep and not other:
            continue
        side = "other" if line.field in prefer_other else line.default
        if side == "other" and not other:
            side = "keep"
        if side == "keep" and not keep:
            side = "other"
        if line.conflict:
            note = _("CONFLICT: taking other") if side == "other" else _("CONFLICT: keeping")
        elif not line.differs:
            note = ""
        else:
            note = _("taking other") if side == "other" else ""
        rows.append([line.field, line.label, keep, other, note])
    print()
    print_table([_("Field"), _("Label"), _("Keep"), _("Other"), _("Result")], rows)
    moves = [(key, count) for key, count in preview.moves.items() if count]
    if moves:
        print()
        print(_("Moving to the kept record:"))
        for key, count in moves:
            label = move_label(key)
            print(f"  {label}: {count}")
    if preview.conflicts:
        print()
        print(
            _(
                "Fields marked CONFLICT differ; the kept record's value wins unless you name the "
                "field with --prefer-other."
            )
        )


def run_merge(args: argparse.Namespace, context: Context) -> int:
    parser: argparse.ArgumentParser = args.parser
    if args.undo:
        if args.other or args.prefer_other:
            parser.print_usage(sys.stderr)
            print(
                _("cvcdesk: {problem}").format(problem=_("--undo takes only the kept record's id")),
                file=sys.stderr,
            )
            return EXIT_USAGE
        result = context.services().merge.undo_merge(args.keep)
        print(
            _("The merge was undone: {other} is a separate record again beside {keep}.").format(
                other=result.other_uuid, keep=result.keep_uuid
            )
        )
        return 0
    if not args.other:
        parser.print_usage(sys.stderr)
        print(
            _("cvcdesk: {problem}").format(
                problem=_("give the id of the record to keep and of the one to merge into it")
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    services = context.services()
    preview = services.merge.preview(args.keep, args.other)
    known = [line.field for line in preview.fields]
    unknown = [name for name in args.prefer_other if name not in known]
    if unknown:
        print(
            _("cvcdesk: {problem}").format(
                problem=_("--prefer-other: there is no field “{field}”. Fields: {known}.").format(
                    field=unknown[0], known=", ".join(known)
                )
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    prefer = set(args.prefer_other)
    _print_preview(preview, prefer)
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                _("cvcdesk: {problem}").format(
                    problem=_(
                        "nothing was merged: add --yes to merge without being asked, or run "
                        "the command in a terminal to answer the question."
                    )
                ),
                file=sys.stderr,
            )
            return EXIT_USAGE
        print()
        answer = input(_("Merge these two records? [y/N] ")).strip().lower()
        if answer not in ("y", "yes", _("y"), _("yes")):
            print(_("Nothing was merged."))
            return EXIT_REFUSED
    result = services.merge.merge(
        preview.keep_uuid,
        preview.other_uuid,
        dict.fromkeys(prefer, "other"),
        keep_version=preview.keep_version,
        other_version=preview.other_version,
    )
    print()
    if result.backup_path is not None:
        print(_("The database was backed up first, to {path}.").format(path=result.backup_path))
    print(
        _("Merged {other} into {keep}. To undo: cvcdesk merge --undo {keep}").format(
            other=result.other_uuid, keep=result.keep_uuid
        )
    )
    return 0
