"""All the services over one open database, handed to the UI and the CLI together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cvcdesk.services.activities import ActivityService
from cvcdesk.services.alerts import AlertService
from cvcdesk.services.coverage import CoverageService
from cvcdesk.services.demo import DemoService
from cvcdesk.services.exports import ExportService
from cvcdesk.services.figures import FiguresService
from cvcdesk.services.imports import ImportService
from cvcdesk.services.maintenance import MaintenanceService
from cvcdesk.services.merge import MergeService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.oruk import OpenReferralService
from cvcdesk.services.privacy import PrivacyService
from cvcdesk.services.roster_printing import RosterPrintService
from cvcdesk.services.rosters import RosterService
from cvcdesk.services.volunteers import VolunteerService
from cvcdesk.store.database import Database, open_database


@dataclass
class Services:
    database: Database
    volunteers: VolunteerService
    organisations: OrganisationService
    activities: ActivityService
    maintenance: MaintenanceService
    demo: DemoService
    exports: ExportService
    alerts: AlertService
    merge: MergeService
    rosters: RosterService
    printing: RosterPrintService
    coverage: CoverageService
    figures: FiguresService
    imports: ImportService
    oruk: OpenReferralService
    privacy: PrivacyService

    @classmethod
    def over(cls, database: Database, *, actor: str | None = None) -> Services:
        return cls(
            database=database,
            volunteers=VolunteerService(database, actor=actor),
            organisations=OrganisationService(database, actor=actor),
            activities=ActivityService(database, actor=actor),
            maintenance=MaintenanceService(database, actor=actor),
            demo=DemoService(database, actor=actor),
            exports=ExportService(database, actor=actor),
            alerts=AlertService(database, actor=actor),
            merge=MergeService(database, actor=actor),
            rosters=RosterService(database, actor=actor),
            printing=RosterPrintService(database, actor=actor),
            coverage=CoverageService(database, actor=actor),
            figures=FiguresService(database, actor=actor),
            imports=ImportService(database, actor=actor),
            oruk=OpenReferralService(database, actor=actor),
            privacy=PrivacyService(database, actor=actor),
        )

    @classmethod
    def open(
        cls, target: str | Path, *, exclusive: bool = False, removable: bool | None = None
    ) -> Services:
        """Open (creating, or backing up and upgrading) the database and build the services."""
        return cls.over(open_database(target, exclusive=exclusive, removable=removable))

    @property
    def database_label(self) -> str:
        return self.database.label

    @property
    def journal_mode(self) -> str:
        return self.database.journal_mode

    def close(self) -> None:
        self.database.close()
