"""The desktop window: start to first window shown, and a keystroke in search to results shown.

Keys for filters: `window` (process start to the main window's first paint, against a bare
PySide6 QMainWindow's in the same run; and, for information, to the first page's records
drawn) and `keystroke` (typing in the volunteer search over the demo database, against the
same searches made straight through the service, without Qt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_foundation import demo_database
from harness import Table, median, millis, seconds, subprocess_env

WINDOW_RATIO_TARGET = 2.0
KEYSTROKE_TARGET_MS = 50.0
REPEAT = 7

# What a coordinator types, one key at a time (each prefix is one keystroke's search).
TYPED = ["Dafydd", "Siân Wil", "SA61 1", "07712", "Gwen", "Llew", "CF14", "Rhys Ev", "Jones"]

# Start to first window painted, measured the same way for both programs: the parent notes the
# monotonic clock just before it starts the interpreter (so interpreter start-up and imports
# count), and the child reports the clock once the first paint of its window is done (a
# zero-delay timer after the first Paint event runs after that paint reached the window).
# CLOCK_MONOTONIC (time.perf_counter on Linux) is shared by every process on the machine.
FIRST_PAINT = """
import json, os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer


class FirstPaint(QObject):
    marks = {}

    def __init__(self, then):
        super().__init__()
        self.then = then

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "painted" not in self.marks:
            self.marks["painted"] = 0.0
            QTimer.singleShot(0, self.painted)
        return False

    def painted(self):
        self.marks["painted"] = time.perf_counter()
        self.then()


def finish():
    print(json.dumps(FirstPaint.marks), flush=True)
    os._exit(0)
"""

BARE_WINDOW = (
    FIRST_PAINT
    + """
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
spy = FirstPaint(finish)
app.installEventFilter(spy)
window = QMainWindow()
window.setCentralWidget(QLabel("cvcdesk"))
window.resize(1180, 720)
window.show()
app.exec()
"""
)

# The real start-up path (`cvcdesk --db PATH`), watched from outside: the spy goes on the
# QApplication as the program creates it. After the first paint it also notes when the
# database is open and the first page's records are drawn.
CVCDESK_WINDOW = (
    FIRST_PAINT
    + """
import cvcdesk.app
from PySide6.QtWidgets import QApplication


def records_shown():
    window.repaint()
    FirstPaint.marks["records"] = time.perf_counter()
    finish()


def painted():
    global window
    window = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow")
    window.database_ready.connect(records_shown)


create = cvcdesk.app.create_application


def create_and_watch(argv=None):
    app = create(argv)
    app.installEventFilter(spy)
    return app


spy = FirstPaint(painted)
cvcdesk.app.create_application = create_and_watch
from cvcdesk.cli import main
sys.exit(main(["--db", sys.argv[1]]))
"""
)


def run(table: Table) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if table.wants("window"):
        bench_window(table, demo_database(table)["path"])
    if table.wants("keystroke"):
        bench_keystroke(table, demo_database(table)["path"])


def start_env(table: Table) -> dict[str, str]:
    """As an installed program starts: with compiled bytecode to load (a bundle or a pip
    install has it), kept in the work folder rather than beside the sources."""
    env = subprocess_env(table)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(table.workdir / "pycache")
    return env


def start_times(table: Table, code: str, *args: str, repeat: int) -> list[dict[str, float]]:
    """Seconds from starting a fresh interpreter on `code` to each mark it reports."""
    env = start_env(table)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"start-up failed ({done.returncode}): {done.stderr[-500:]}")
        marks = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append({name: at - start for name, at in marks.items()})
    return runs


def bench_window(table: Table, path: Path) -> None:
    env_note = os.environ.get("QT_QPA_PLATFORM", "")
    # One untimed start of each first writes the bytecode. Then alternate the two so that a
    # busy moment on the machine falls on both alike.
    start_times(table, BARE_WINDOW, repeat=1)
    start_times(table, CVCDESK_WINDOW, str(path), repeat=1)
    bare_runs: list[dict[str, float]] = []
    our_runs: list[dict[str, float]] = []
    for _ in range(REPEAT):
        bare_runs += start_times(table, BARE_WINDOW, repeat=1)
        our_runs += start_times(table, CVCDESK_WINDOW, str(path), repeat=1)
    bare = median([run["painted"] for run in bare_runs])
    ours = median([run["painted"] for run in our_runs])
    records = median([run["records"] for run in our_runs])
    table.add(
        f"start to first window painted ({table.volunteers:,} volunteers, {env_note})",
        seconds(ours),
        seconds(bare),
        target=f"<= {WINDOW_RATIO_TARGET:g}x bare QMainWindow",
        ok=ours <= WINDOW_RATIO_TARGET * bare,
        baseline_note="bare PySide6 QMainWindow",
    )
    table.add(
        "start to the first page's records drawn (database open, counts, first rows)",
        seconds(records),
        seconds(bare),
        target="information",
        ok=None,
        baseline_note="bare PySide6 QMainWindow",
    )


def bench_keystroke(table: Table, path: Path) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest

    from cvcdesk.app import create_application
    from cvcdesk.domain.volunteer import VolunteerQuery
    from cvcdesk.services.registry import Services
    from cvcdesk.ui.pages.volunteers import VolunteersPage

    app = create_application()
    services = Services.open(path)
    try:
        page = VolunteersPage(services)
        page.resize(1180, 700)
        page.show()
        QCoreApplication.processEvents()
        ui_times: list[float] = []
        service_times: list[float] = []
        for text in TYPED:
            page.search.clear()
            QCoreApplication.processEvents()
            for length in range(1, len(text) + 1):
                start = time.perf_counter()
                QTest.keyClick(page.search, text[length - 1])
                app.processEvents()  # the search runs as soon as the event loop is idle
                page.table.viewport().repaint()  # the visible rows are fetched and drawn
                ui_times.append(time.perf_counter() - start)
                query = VolunteerQuery(search=text[:length])
                start = time.perf_counter()
                services.volunteers.count(query)
                services.volunteers.list(query, offset=0, limit=200)
                service_times.append(time.perf_counter() - start)
        ours, bare = median(ui_times), median(service_times)
        slowest = max(ui_times)
        table.add(
            f"keystroke in search to results shown, median of {len(ui_times)} "
            f"(slowest {slowest * 1000:.0f} ms)",
            millis(ours),
            millis(bare),
            target=f"median < {KEYSTROKE_TARGET_MS:g} ms",
            ok=ours * 1000 < KEYSTROKE_TARGET_MS,
            baseline_note="same searches through the service, no Qt",
        )
        page.close()
        page.deleteLater()
    finally:
        services.close()
