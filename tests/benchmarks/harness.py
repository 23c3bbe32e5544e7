"""A small benchmark harness: a table of measured figures against baselines from the same run.

Each `bench_*.py` module next to this file has `run(table)`. It asks `table.wants(key)` before
each measurement (so name filters on the command line can pick benchmarks), measures, and adds
rows with `table.add(...)`. Benchmarks report; they never fail the build.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNITS = {"s": "{:.2f} s", "ms": "{:.1f} ms", "MB": "{:.0f} MB", "x": "{:.2f}x"}


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str

    def __str__(self) -> str:
        return UNITS.get(self.unit, "{:g} " + self.unit).format(self.value)


def seconds(value: float) -> Figure:
    return Figure(value, "s")


def millis(value_seconds: float) -> Figure:
    return Figure(value_seconds * 1000, "ms")


def megabytes(value_bytes: float) -> Figure:
    return Figure(value_bytes / 1_000_000, "MB")


@dataclass(frozen=True)
class Row:
    name: str
    measured: str
    baseline: str
    ratio: str
    target: str
    result: str


@dataclass
class Table:
    """Where benchmarks put their rows, and what they share: settings, a work folder, a cache."""

    volunteers: int
    groups: int
    workdir: Path
    filters: Sequence[str] = ()
    rows: list[Row] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    module: str = ""

    def wants(self, key: str) -> bool:
        """True when no filter was given, or one names this module or this benchmark."""
        if not self.filters:
            return True
        names = (self.module.lower(), key.lower())
        return any(f.lower() in name for f in self.filters for name in names)

    def add(
        self,
        name: str,
        measured: Figure,
        baseline: Figure | None,
        *,
        target: str,
        ok: bool | None,
        baseline_note: str = "",
    ) -> None:
        """One result. `ok` None means the row is information only (no target to meet)."""
        ratio = ""
        if baseline is not None and baseline.value > 0 and baseline.unit == measured.unit:
            ratio = f"{measured.value / baseline.value:.2f}x"
        base_text = "" if baseline is None else str(baseline)
        if baseline_note:
            base_text = f"{base_text} ({baseline_note})" if base_text else baseline_note
        result = "info" if ok is None else ("pass" if ok else "FAIL")
        self.rows.append(Row(name, str(measured), base_text, ratio, target, result))
        print(f"  {name}: {measured}  [{result}]", file=sys.stderr, flush=True)

    def error(self, name: str, exc: BaseException) -> None:
        traceback.print_exception(exc, file=sys.stderr)
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:60]
        self.rows.append(Row(name, "error", message, "", "", "ERROR"))

    def render(self) -> str:
        header = Row("Benchmark", "Measured", "Baseline (same run)", "Ratio", "Target", "Result")
        table = [header, *self.rows]
        widths = [max(len(getattr(r, f)) for r in table) for f in Row.__dataclass_fields__]
        lines = []
        for index, row in enumerate(table):
            cells = [getattr(row, f) for f in Row.__dataclass_fields__]
            # Text columns to the left, figures to the right.
            padded = [
                c.ljust(w) if i in (0, 2, 4, 5) else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            lines.append(" | ".join(padded).rstrip())
            if index == 0:
                lines.append("-+-".join("-" * w for w in widths))
        return "\n".join(lines)


# -- measuring helpers ---------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def subprocess_env(table: Table) -> dict[str, str]:
    env = dict(os.environ)
    env["CVCDESK_DATA_DIR"] = str(table.workdir / "user-data")
    env["CVCDESK_LANG"] = "en"
    return env


def run_python(table: Table, code: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=subprocess_env(table),
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"subprocess failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wall_time_of(table: Table, code: str, *args: str, repeat: int = 5) -> float:
    """Median wall time of a fresh interpreter running `code`, start to exit."""
    env = subprocess_env(table)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            env=env,
            timeout=300,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return median(times)


# Peak resident memory of the interpreter this runs in, in bytes. resource.getrusage's ru_maxrss
# is the portable figure, but Linux carries it over from the parent through fork and exec (a
# child of a 400 MB benchmark process starts at 400 MB), so there the process's own high-water
# mark, VmHWM in /proc/self/status, is read instead. macOS reports ru_maxrss in bytes.
PEAK_RSS = """
import resource, sys
def peak_rss():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
"""
