"""The database's own settings in one place: what prints on paper, alert and planning windows,
and how long backups are kept.

They are stored in the database (the `setting` table), so they travel with it to another PC;
the window layout and the chosen language live in the user's own settings file instead.
Saving checks every value first and writes them all in one transaction, or none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cvcdesk.domain.errors import FieldError, ValidationError
from cvcdesk.i18n import _
from cvcdesk.reports.common import check_logo
from cvcdesk.services.activities import SETTING_HORIZON_DAYS, ActivityService, horizon_problem
from cvcdesk.services.alerts import SETTING_DBS_DUE_DAYS, AlertService
from cvcdesk.services.backups import (
    SETTING_BACKUP_INTERVAL,
    SETTING_BACKUP_KEEP_DAYS,
    BackupService,
    backup_settings_problems,
)
from cvcdesk.services.base import ServiceBase
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.rosters import SETTING_CVC_NAME_CY, SETTING_CVC_NAME_EN, SETTING_LOGO
from cvcdesk.store import models as m

MAX_DBS_DUE_DAYS = 366
MAX_NAME_LENGTH = 200


@dataclass(frozen=True, kw_only=True)
class Preferences:
    cvc_name_en: str = ""  # printed at the top of rosters, sign-in sheets and reports
    cvc_name_cy: str = ""
    logo: str = ""  # a PNG or JPEG file printed beside the name, or ""
    dbs_due_days: int = 0  # warn this many days before a DBS check is due for renewal
    horizon_days: int = 91  # shifts are planned this far ahead
    backup_keep_days: int = 30
    backup_interval_hours: int = 24  # 0: a backup every time the database opens


# Each field's label, for messages that name the place.
LABELS = {
    "cvc_name_en": lambda: _("CVC's name in English"),
    "cvc_name_cy": lambda: _("CVC's name in Welsh"),
    "logo": lambda: _("Logo"),
    "dbs_due_days": lambda: _("Warn before a DBS renewal is due"),
    "horizon_days": lambda: _("Plan shifts ahead"),
    "backup_keep_days": lambda: _("Keep backups for"),
    "backup_interval_hours": lambda: _("Back up every"),
}


class SettingsService(ServiceBase):
    def read(self) -> Preferences:
        printing = RosterPrintService(self._db).print_settings()
        backups = BackupService(self._db).settings()
        return Preferences(
            cvc_name_en=printing.cvc_name_en,
            cvc_name_cy=printing.cvc_name_cy,
            logo=printing.logo,
            dbs_due_days=AlertService(self._db).dbs_due_days(),
            horizon_days=ActivityService(self._db).horizon_days(),
            backup_keep_days=backups.keep_days,
            backup_interval_hours=backups.interval_hours,
        )

    def problems(self, preferences: Preferences) -> list[FieldError]:
        """Every value that would be refused, each naming its field (for messages as you type)."""
        p = _clean(preferences)
        found: list[FieldError] = []
        for name in ("cvc_name_en", "cvc_name_cy"):
            if len(getattr(p, name)) > MAX_NAME_LENGTH:
                found.append(
                    FieldError(
                        name,
                        _("Keep the name under {most} characters.").format(most=MAX_NAME_LENGTH),
                    )
                )
        if p.logo and not check_logo(p.logo):
            found.append(
                FieldError(
                    "logo",
                    _("The logo “{path}” cannot be read. Choose a PNG or JPEG image.").format(
                        path=p.logo
                    ),
                )
            )
        if not 0 <= p.dbs_due_days <= MAX_DBS_DUE_DAYS:
            found.append(
                FieldError(
                    "dbs_due_days",
                    _("Give a number of days from 0 to 366 (it was {days}).").format(
                        days=p.dbs_due_days
                    ),
                )
            )
        horizon = horizon_problem(p.horizon_days)
        if horizon is not None:
            found.append(horizon)
        renamed = {"keep_days": "backup_keep_days", "interval_hours": "backup_interval_hours"}
        for problem in backup_settings_problems(p.backup_keep_days, p.backup_interval_hours):
            found.append(FieldError(renamed[problem.field], problem.message))
        return [replace(problem, where=LABELS[problem.field]()) for problem in found]

    def save(self, preferences: Preferences) -> Preferences:
        """Check every value and store them all together; ValidationError names each refusal."""
        clean = _clean(preferences)
        problems = self.problems(clean)
        if problems:
            raise ValidationError(problems)
        values = {
            SETTING_CVC_NAME_EN: clean.cvc_name_en,
            SETTING_CVC_NAME_CY: clean.cvc_name_cy,
            SETTING_LOGO: clean.logo,
            SETTING_DBS_DUE_DAYS: str(clean.dbs_due_days),
            SETTING_HORIZON_DAYS: str(clean.horizon_days),
            SETTING_BACKUP_KEEP_DAYS: str(clean.backup_keep_days),
            SETTING_BACKUP_INTERVAL: str(clean.backup_interval_hours),
        }
        with self._unit() as session:
            for key, value in values.items():
                session.merge(m.Setting(key=key, value=value))
        return self.read()


def _clean(preferences: Preferences) -> Preferences:
    return replace(
        preferences,
        cvc_name_en=" ".join(preferences.cvc_name_en.split()),
        cvc_name_cy=" ".join(preferences.cvc_name_cy.split()),
        logo=preferences.logo.strip(),
    )
