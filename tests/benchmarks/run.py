"""Run the benchmarks and print one table: `make bench`, or `make bench ARGS="--quick fts"`.

    python tests/benchmarks/run.py [NAME ...] [--volunteers N | --quick] [--keep]

Every `bench_*.py` file in this folder is a benchmark module with `run(table)`. NAME filters
pick modules or single benchmarks by part of their name (`foundation`, `demo`, `fts`, `open`,
`memory`). Benchmarks work in a temporary folder that is removed afterwards, and always exit 0:
they report figures, they do not fail the build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from harness import Table  # noqa: E402 - found next to this script

DEFAULT_VOLUNTEERS = 100_000
QUICK_VOLUNTEERS = 10_000
GROUPS_PER_VOLUNTEER = 300 / 100_000  # `cvcdesk demo --volunteers 100000 --groups 300`


def discover() -> list[Path]:
    return sorted(HERE.glob("bench_*.py"))


def load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name contains one")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--volunteers", type=int, default=DEFAULT_VOLUNTEERS, metavar="N")
    size.add_argument(
        "--quick",
        action="store_const",
        const=QUICK_VOLUNTEERS,
        dest="volunteers",
        help=f"{QUICK_VOLUNTEERS} volunteers",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder and say where")
    args = parser.parse_args(argv)
    if args.volunteers < 100:
        parser.error("--volunteers must be at least 100")
    groups = max(3, round(args.volunteers * GROUPS_PER_VOLUNTEER))

    workdir = Path(tempfile.mkdtemp(prefix="cvcdesk-bench-"))
    table = Table(
        volunteers=args.volunteers, groups=groups, workdir=workdir, filters=tuple(args.names)
    )
    os.environ.setdefault("CVCDESK_LANG", "en")
    os.environ["CVCDESK_DATA_DIR"] = str(workdir / "user-data")
    started = time.perf_counter()
    try:
        for path in discover():
            table.module = path.stem.removeprefix("bench_")
            print(f"{path.name}:", file=sys.stderr, flush=True)
            try:
                module = load(path)
                module.run(table)  # type: ignore[attr-defined]
            except Exception as exc:  # one broken module must not hide the others' figures
                table.error(f"{table.module} (module)", exc)
    except KeyboardInterrupt:
        print("interrupted; printing what was measured", file=sys.stderr)
    finally:
        if args.keep:
            print(f"work folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"cvcdesk benchmarks, {args.volunteers:,} volunteers and {groups} groups; "
        f"{dt.date.today().isoformat()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {time.perf_counter() - started:.0f} s in all"
    )
    if table.rows:
        print(table.render())
    else:
        print("no benchmark matched " + " ".join(args.names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
