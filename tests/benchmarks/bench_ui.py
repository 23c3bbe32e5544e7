"""The desktop window: start to first window shown, and a keystroke in search to results shown.

Keys for filters: `window` (start to first window, against a bare PySide6 QMainWindow start in
the same run) and `keystroke` (typing in the volunteer search over the demo database, against
the same searches made straight through the service, without Qt).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench_foundation import demo_database
from harness import Table, median, millis, seconds, wall_time_of

WINDOW_RATIO_TARGET = 2.0
KEYSTROKE_TARGET_MS = 50.0

# What a coordinator types, one key at a time (each prefix is one keystroke's search).
TYPED = ["Dafydd", "Siân Wil", "SA61 1", "07712", "Gwen", "Llew", "CF14", "Rhys Ev", "Jones"]

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("cvcdesk"))
window.resize(1180, 720)
window.show()
app.processEvents()
"""

CVCDESK_WINDOW = """
import sys
from cvcdesk.app import create_application
from cvcdesk.services.registry import Services
from cvcdesk.ui.main_window import MainWindow
app = create_application()
services = Services.open(sys.argv[1], exclusive=True)
window = MainWindow(services)
window.show()
app.processEvents()
services.close()
"""


def run(table: Table) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if table.wants("window"):
        bench_window(table, demo_database(table)["path"])
    if table.wants("keystroke"):
        bench_keystroke(table, demo_database(table)["path"])


def bench_window(table: Table, path: Path) -> None:
    env_note = os.environ.get("QT_QPA_PLATFORM", "")
    bare = wall_time_of(table, BARE_WINDOW, repeat=5)
    ours = wall_time_of(table, CVCDESK_WINDOW, str(path), repeat=5)
    table.add(
        f"start to first window shown ({table.volunteers:,} volunteers, {env_note})",
        seconds(ours),
        seconds(bare),
        target=f"<= {WINDOW_RATIO_TARGET:g}x bare QMainWindow",
        ok=ours <= WINDOW_RATIO_TARGET * bare,
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
