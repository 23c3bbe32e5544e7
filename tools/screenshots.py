"""Screenshots of the main views with sample data, in English and Welsh, for the README.

    make screenshots            (runs this under Xvfb: a real X server, real fonts)

Writes docs/screenshots/<view>-<language>.png. The sample data is made in a temporary folder
with a fixed seed and date, so the pictures change only when the program does.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWS = ("volunteers", "groups", "activities", "alerts", "welcome")
SIZE = (1280, 760)


def form_shots(window: object, services: object, language: str) -> None:
    """The volunteer and group forms, opened on the first record of each list."""
    from PySide6.QtWidgets import QApplication

    from cvcdesk.ui.forms import GroupForm, VolunteerForm

    volunteer = services.volunteers.list(limit=1)[0]  # type: ignore[attr-defined]
    group = services.organisations.list(limit=1)[0]  # type: ignore[attr-defined]
    for name, form in (
        ("volunteer-form", VolunteerForm(services, volunteer.uuid, window)),  # type: ignore[arg-type]
        ("group-form", GroupForm(services, group.uuid, window)),  # type: ignore[arg-type]
    ):
        form.show()
        for _ in range(20):
            QApplication.processEvents()
        target = OUT / f"{name}-{language}.png"
        form.grab().save(str(target))
        print(target.relative_to(OUT.parent.parent))
        form.done(0)
        form.deleteLater()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="cvcdesk-shots-"))
    os.environ["CVCDESK_DATA_DIR"] = str(work / "user-data")

    from PySide6.QtWidgets import QApplication

    from cvcdesk.app import create_application
    from cvcdesk.i18n import set_language
    from cvcdesk.services.registry import Services
    from cvcdesk.ui.main_window import MainWindow, announce_language_change

    create_application()
    OUT.mkdir(parents=True, exist_ok=True)
    sample = Services.open(work / "sample.db")
    sample.demo.generate(volunteers=2000, groups=40, seed=7, today=dt.date(2026, 11, 25))
    sample.close()
    empty = Services.open(work / "empty.db")
    empty.close()

    for language in ("en", "cy"):
        set_language(language)
        announce_language_change()
        for view in VIEWS:
            path = work / ("empty.db" if view == "welcome" else "sample.db")
            services = Services.open(path, exclusive=True)
            window = MainWindow(services)
            window.resize(*SIZE)
            window.show()
            window.show_page("volunteers" if view == "welcome" else view)
            for _ in range(20):
                QApplication.processEvents()
            target = OUT / f"{view}-{language}.png"
            window.grab().save(str(target))
            print(target.relative_to(OUT.parent.parent))
            if view == "volunteers":
                form_shots(window, services, language)
            window.close()
            window.deleteLater()
            QApplication.processEvents()
            services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
