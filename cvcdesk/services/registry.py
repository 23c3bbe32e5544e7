"""All the services over one open database, handed to the UI and the CLI together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _
from cvcdesk.services.activities import ActivityService
from cvcdesk.services.alerts import AlertService
from cvcdesk.services.backups import BackupService
from cvcdesk.services.coverage import CoverageService
from cvcdesk.services.demo import DemoService
from cvcdesk.services.exports import ExportService
from cvcdesk.services.figures import FiguresService
from cvcdesk.services.identity import IdentityService
from cvcdesk.services.imports import ImportService
from cvcdesk.services.maintenance import MaintenanceService
from cvcdesk.services.merge import MergeService
from cvcdesk.services.organisations import OrganisationService
from cvcdesk.services.oruk import OpenReferralService
from cvcdesk.services.partners import PartnerService, sync_detectors
from cvcdesk.services.privacy import PrivacyService
from cvcdesk.services.restore import restore_database
from cvcdesk.services.sync import SyncService
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
    coverage: CoverageService
    figures: FiguresService
    imports: ImportService
    oruk: OpenReferralService
    privacy: PrivacyService
    identity: IdentityService
    partners: PartnerService
    sync: SyncService
    backups: BackupService = field(init=False)

    def __post_init__(self) -> None:
        self.backups = BackupService(self.database)

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
            # Partners' pseudonymised volunteers are matched as duplicates too.
            alerts=AlertService(database, actor=actor, detectors=sync_detectors),
            merge=MergeService(database, actor=actor),
            coverage=CoverageService(database, actor=actor),
            figures=FiguresService(database, actor=actor),
            imports=ImportService(database, actor=actor),
            oruk=OpenReferralService(database, actor=actor),
            privacy=PrivacyService(database, actor=actor),
            identity=IdentityService(database, actor=actor),
            partners=PartnerService(database, actor=actor),
            sync=SyncService(database, actor=actor),
        )

    @classmethod
    def open(
        cls, target: str | Path, *, exclusive: bool = False, removable: bool | None = None
    ) -> Services:
        """Open (creating, or backing up and upgrading) the database and build the services.

        An existing database file is backed up automatically, at most once a day (see
        BackupService.on_open; `backups.problem` says if that failed).
        """
        services = cls.over(open_database(target, exclusive=exclusive, removable=removable))
        services.backups.on_open()
        return services

    def restore_backup(self, backup: Path) -> Path | None:
        """Put `backup` in place of this database file and open it again, in place.

        The database is closed, replaced (the file it replaces is kept in the backups
        folder) and opened again: these services then work on the restored data, and every
        page should reload. Returns where the replaced file was kept. A backup that is
        damaged or not a cvcdesk database is refused before anything is closed.
        """
        database = self.database
        if database.path is None or not database.is_sqlite:
            raise DatabaseError(
                _("Restoring from a backup file is for SQLite database files only.")
            )
        self.backups.verify(backup)
        path, exclusive = database.path, database._lock is not None
        removable = database.journal_mode == "DELETE"
        self.close()
        try:
            return restore_database(path, backup)
        finally:
            # Opened again whatever happened: the restored file, or the untouched original.
            reopened = Services.over(open_database(path, exclusive=exclusive, removable=removable))
            self.__dict__.update(reopened.__dict__)

    @property
    def database_label(self) -> str:
        return self.database.label

    @property
    def journal_mode(self) -> str:
        return self.database.journal_mode

    def close(self) -> None:
        self.database.close()
