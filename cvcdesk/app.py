"""Composition root: settings, database, services, the QApplication and the main window.

Start-up shows the main window first and opens the database once the window has been painted:
the coordinator sees the program at once, whatever the size of the database, and the heavy
imports (SQLAlchemy, the services) and the queries come after. The automatic daily backup then
runs off the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from cvcdesk import __version__
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, set_language, system_language
from cvcdesk.paths import log_dir
from cvcdesk.services.registry import Services
from cvcdesk.ui.main_window import MainWindow
from cvcdesk.ui.qt_translator import install_qt_translator
from cvcdesk.ui.settings import app_settings, remember_file

log = logging.getLogger(__name__)

# Open the database this long after showing the window even if no paint was seen (a window
# that is minimised or on a display that never exposes it).
OPEN_AFTER_MS = 1000


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("cvcdesk")
    app.setOrganizationName("cvcdesk")
    app.setApplicationVersion(__version__)
    install_qt_translator(app)
    return app


def _label_before_opening(target: str) -> str:
    """What the window shows as its database while it opens (never a server address, which
    may hold a password: that is shown once opened, without it)."""
    return "" if "://" in target else str(Path(target))


def start_gui(target: str, *, portable: bool = False, language: str | None = None) -> MainWindow:
    """Show the main window now and open `target` in it as soon as it has been painted.

    If the database cannot be used, a message says why and the event loop ends with 1.
    """
    settings = app_settings()
    chosen = language or str(settings.value("language", "") or "") or system_language()
    set_language(chosen)
    create_application()
    window = MainWindow(database_label=_label_before_opening(target))
    opened: list[bool] = []

    def open_database() -> None:
        if opened:
            return
        opened.append(True)
        try:
            services = Services.open(
                target, exclusive=True, removable=True if portable else None, backup=False
            )
        except CvcError as exc:
            QMessageBox.critical(window, _("cvcdesk"), str(exc))
            QApplication.exit(1)
            return
        except Exception:
            report_unexpected(*sys.exc_info())
            QApplication.exit(1)
            return
        remember_file(settings, Path(services.database_label))
        window.attach(services)
        log.info("database open and shown")
        window.back_up_in_background()

    window.first_painted.connect(open_database)
    window.show()
    QTimer.singleShot(OPEN_AFTER_MS, window, open_database)
    log.info("main window shown")
    return window


def report_unexpected(
    kind: type[BaseException] | None,
    error: BaseException | None,
    trace: TracebackType | None,
    *,
    log_file: Path | None = None,
) -> None:
    """The last resort for a fault in the program itself: the details go to the log file, the
    coordinator gets a message in words (never a stack trace). Every change is one transaction,
    so whatever was under way was saved whole or not at all."""
    if kind is not None and issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error or kind(), trace)
        return
    log.error("unexpected error", exc_info=(kind, error, trace))  # type: ignore[arg-type]
    if QApplication.instance() is None:
        return
    where = log_file or log_dir() / "cvcdesk.log"
    QMessageBox.critical(
        QApplication.activeWindow(),
        _("cvcdesk"),
        _(
            "cvcdesk hit an unexpected problem; nothing was half-saved. You can go on "
            "working. Details are in {log}."
        ).format(log=where),
    )


def run_gui(target: str, *, portable: bool = False, language: str | None = None) -> int:
    """Open the desktop app on `target`; a database that can't be used gets a clear message."""
    log_file = log_dir(portable=portable) / "cvcdesk.log"
    sys.excepthook = lambda kind, error, trace: report_unexpected(
        kind, error, trace, log_file=log_file
    )
    window = start_gui(target, portable=portable, language=language)
    app = create_application()
    try:
        return int(app.exec())
    finally:
        window.close_database()
