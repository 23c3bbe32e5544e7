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
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWS = ("volunteers", "groups", "activities", "alerts", "coverage", "partners", "welcome")
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


def settle() -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()


def save(widget: object, name: str, language: str) -> None:
    target = OUT / f"{name}-{language}.png"
    widget.grab().save(str(target))  # type: ignore[attr-defined]
    print(target.relative_to(OUT.parent.parent))


def dialog_shots(window: object, services: object, language: str) -> None:
    """Tools ▸ Settings… and the roster's print preview."""
    from cvcdesk.ui.settings_dialog import SettingsDialog

    settings = SettingsDialog(services, window)  # type: ignore[arg-type]
    settings.show()
    settle()
    save(settings, "settings", language)
    settings.done(0)
    settings.deleteLater()
    window.show_page("activities")  # type: ignore[attr-defined]
    settle()
    page = window.page("activities")  # type: ignore[attr-defined]
    groups = Counter(a.group_uuid for a in services.activities.list())  # type: ignore[attr-defined]
    page.select_group(groups.most_common(1)[0][0])  # the group with the most activities
    settle()
    preview = page.preview_roster()
    if preview is not None:
        preview.resize(900, 760)
        settle()
        save(preview, "roster-preview", language)
        preview.done(0)
        preview.deleteLater()


def add_partner(work: Path, sample: object) -> None:
    """A partner that has sent one file, so the Partners and sync page has something to show."""
    from cvcdesk.domain.organisation import OrganisationData
    from cvcdesk.services.registry import Services

    partner = Services.open(work / "partner.db")
    council = partner.organisations.create(
        OrganisationData(name_en="Pembrokeshire County Council", name_cy="Cyngor Sir Penfro")
    )
    partner.identity.write_identity(work / "council.id", organisation=council.uuid)
    own = sample.organisations.names()[0][0]  # type: ignore[attr-defined]
    sample.identity.write_identity(work / "cvc.id", organisation=own)  # type: ignore[attr-defined]
    sample.partners.add(work / "council.id")  # type: ignore[attr-defined]
    partner.partners.add(work / "cvc.id")
    sync = partner.sync
    sync.export(partner.partners.list()[0].name, work / "from-council.cvcsync")
    sample.sync.import_file(work / "from-council.cvcsync")  # type: ignore[attr-defined]
    partner.close()


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
    add_partner(work, sample)
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
            settle()
            save(window, view, language)
            if view == "volunteers":
                form_shots(window, services, language)
                dialog_shots(window, services, language)
            window.close()
            window.deleteLater()
            QApplication.processEvents()
            services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
