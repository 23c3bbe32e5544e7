"""Composition root: settings, database, services, the QApplication and the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from cvcdesk import __version__
from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, set_language, system_language
from cvcdesk.services.registry import Services
from cvcdesk.ui.main_window import MainWindow
from cvcdesk.ui.qt_translator import install_qt_translator
from cvcdesk.ui.settings import app_settings, remember_file

log = logging.getLogger(__name__)


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


def run_gui(target: str, *, portable: bool = False, language: str | None = None) -> int:
    """Open the desktop app on `target`; a database that can't be used gets a clear message."""
    settings = app_settings()
    chosen = language or str(settings.value("language", "") or "") or system_language()
    set_language(chosen)
    app = create_application()
    try:
        services = Services.open(target, exclusive=True, removable=True if portable else None)
    except CvcError as exc:
        QMessageBox.critical(None, _("cvcdesk"), str(exc))
        return 1
    remember_file(settings, Path(services.database_label))
    window = MainWindow(services)
    window.show()
    log.info("main window shown")
    try:
        return int(app.exec())
    finally:
        services.close()
