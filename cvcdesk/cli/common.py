"""What every command shares: the open database, JSON output, one-line refusals."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from cvcdesk.i18n import _
from cvcdesk.services.registry import Services

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


class Context:
    """Opens the database on first use, so `--help` and usage errors never touch it."""

    def __init__(self, *, target: str, portable: bool) -> None:
        self.target = target
        self.portable = portable
        self._services: Services | None = None

    def services(self, *, exclusive: bool = False) -> Services:
        if self._services is None:
            self._services = Services.open(
                self.target, exclusive=exclusive, removable=True if self.portable else None
            )
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None


def whole_number(text: str) -> int:
    """An argparse type: a whole number, or a usage message naming what was typed."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{value}” is not a whole number.").format(value=text)
        ) from None


def non_negative(text: str) -> int:
    """An argparse type: a whole number of 0 or more (limits, hours)."""
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(_("give a number of 0 or more"))
    return value


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(_("give a number of 1 or more"))
    return value


def positive_up_to(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `limit` (sizes that must stay sane)."""

    def parse(text: str) -> int:
        value = positive(text)
        if value > limit:
            raise argparse.ArgumentTypeError(
                _("give a number from 1 to {limit}").format(limit=f"{limit:,}")
            )
        return value

    return parse


def fail(message: str) -> int:
    print(_("cvcdesk: {problem}").format(problem=message), file=sys.stderr)
    return EXIT_REFUSED


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_json_array(items: Iterable[Any]) -> None:
    """A JSON array written item by item, so a 100k-row listing never sits in memory."""
    out = sys.stdout
    first = True
    out.write("[")
    for item in items:
        out.write("\n  " if first else ",\n  ")
        out.write(json.dumps(to_jsonable(item), ensure_ascii=False))
        first = False
    out.write("\n]\n" if not first else "]\n")


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header).rstrip())
    for row in rows:
        print(line.format(*row).rstrip())
