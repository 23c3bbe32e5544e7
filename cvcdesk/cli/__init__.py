"""The `cvcdesk` command: parses arguments, calls services, prints. No sub-command opens the app."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from cvcdesk import __version__
from cvcdesk.cli.common import EXIT_REFUSED, EXIT_USAGE, Context, fail
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, normalise_language, set_language, system_language
from cvcdesk.logs import setup_logging
from cvcdesk.paths import default_database

log = logging.getLogger("cvcdesk.cli")


def command_modules() -> tuple[ModuleType, ...]:
    """The modules that add the sub-commands (imported only when a command line needs them:
    opening the desktop app does not pay for reports, spreadsheets and sync)."""
    from cvcdesk.cli import (
        alerts,
        areas,
        imports,
        maintenance,
        partners,
        records,
        report,
        rosters,
        settings,
        sync,
    )

    return (maintenance, records, alerts, report, rosters, imports, partners, sync, settings, areas)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(_("cvcdesk: {problem}").format(problem=message), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


class _NotJustOptions(Exception):
    pass


class _QuietParser(argparse.ArgumentParser):
    """Reads the options alone and says nothing: anything else is left to the full parser."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotJustOptions(message)


def _options_parser(*, quick: bool = False) -> argparse.ArgumentParser:
    """The options that come before any command (`quick`: without help and version)."""
    parser = (_QuietParser if quick else _Parser)(
        prog="cvcdesk",
        description=_("The coordinator's desk for County Voluntary Councils."),
        epilog=_("With no command, cvcdesk opens the desktop app."),
        add_help=not quick,
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=_("the database file or address (default: the one in your user-data folder)"),
    )
    parser.add_argument(
        "--portable",
        action="store_true",
        help=_("keep the database beside the program (for a USB stick)"),
    )
    parser.add_argument("--lang", choices=["en", "cy"], help=_("language: en or cy"))
    if not quick:
        parser.add_argument("--version", action="version", version=f"cvcdesk {__version__}")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _options_parser()
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)
    for module in command_modules():
        module.register(commands)
    return parser


def _desktop_args(args_list: Sequence[str]) -> argparse.Namespace | None:
    """The options when the command line only opens the desktop app (no command, no help),
    read without importing every command's module; None when the full parser is needed."""
    try:
        args, rest = _options_parser(quick=True).parse_known_args(list(args_list))
    except _NotJustOptions:
        return None
    if rest:
        return None
    args.command = None
    return args


def _is_option(typed: str, option: str) -> bool:
    """`typed` names `option`, in full or shortened as argparse allows ("--la" for "--lang")."""
    return len(typed) > 2 and typed.startswith("--") and option.startswith(typed)


def _language_from(argv: Sequence[str]) -> str:
    """The language of the messages: a `--lang` among the options before the command (the
    last one wins, as argparse reads them), else the system's. A command's own `--lang` (the
    language of a report or roster) does not change the messages."""
    chosen: str | None = None
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--" or not arg.startswith("-") or arg == "-":
            break  # the command starts here
        typed, has_value, value = arg.partition("=")
        if _is_option(typed, "--lang"):
            if has_value:
                chosen = value
            elif index + 1 < len(argv):
                chosen = argv[index + 1]
                index += 1
        elif _is_option(typed, "--db") and not has_value:
            index += 1  # its value, which may well start with a dash
        index += 1
    return normalise_language(chosen) if chosen is not None else system_language()


# Commands that may start a new database file (they fill it or set it up). Every other command
# refuses a --db path that does not exist, so a mistyped path is never silently made into an
# empty database.
_CREATING_COMMANDS = frozenset(
    {"demo", "import", "restore", "sync", "settings", "areas", "partners"}
)


def _missing_database(args: argparse.Namespace) -> str | None:
    """Why the --db given cannot be used by this command, or None when it can."""
    if args.db is None:
        return None
    if not args.db.strip():
        return _("--db: give the path of a database file.")
    if args.command in _CREATING_COMMANDS or "://" in args.db or Path(args.db).exists():
        return None
    return _(
        "There is no database at “{path}”. Check the path; “cvcdesk --db PATH demo”, an "
        "import or the desktop app makes a new one."
    ).format(path=args.db)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    set_language(_language_from(args_list))
    desktop = _desktop_args(args_list)
    try:
        args = desktop if desktop is not None else build_parser().parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command is not None and (problem := _missing_database(args)) is not None:
        return fail(problem)
    target = args.db or str(default_database(portable=args.portable))
    log_file = setup_logging(portable=args.portable)
    if args.command is None:
        from cvcdesk.app import run_gui

        return run_gui(target, portable=args.portable, language=args.lang)
    context = Context(target=target, portable=args.portable)
    try:
        return int(args.handler(args, context) or 0)
    except CvcError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail(_("Stopped."))
    except BrokenPipeError:
        return 0
    except Exception:
        log.exception("unexpected error in command %s", args.command)
        return fail(
            _(
                "cvcdesk hit an unexpected problem and stopped; nothing was half-saved. "
                "Details are in {log}."
            ).format(log=log_file)
        )
    finally:
        context.close()


__all__ = ["EXIT_REFUSED", "EXIT_USAGE", "Path", "build_parser", "main"]
