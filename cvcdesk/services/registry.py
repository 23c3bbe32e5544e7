"""All the services over one open database, handed to the UI and the CLI together.

Each service is made, and its module imported, the first time it is asked for: opening the
desktop app pays only for the services its first page uses, not for ReportLab, spreadsheet
readers, the sync format and the rest. Importing this module costs next to nothing.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cvcdesk.domain.errors import DatabaseError
from cvcdesk.i18n import _

if TYPE_CHECKING:
    from cvcdesk.services.activities import ActivityService
    from cvcdesk.services.alerts import AlertService
    from cvcdesk.services.backups import BackupService
    from cvcdesk.services.communities import CommunityService
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
    from cvcdesk.services.partners import PartnerService
    from cvcdesk.services.privacy import PrivacyService
    from cvcdesk.services.sync import SyncService
    from cvcdesk.services.volunteers import VolunteerService
    from cvcdesk.store.database import Database


class Services:
    """The services over `database`, each made on first use and then kept."""

    def __init__(self, database: Database, *, actor: str | None = None) -> None:
        self.database = database
        self.actor = actor

    @classmethod
    def over(cls, database: Database, *, actor: str | None = None) -> Services:
        return cls(database, actor=actor)

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        exclusive: bool = False,
        removable: bool | None = None,
        backup: bool = True,
    ) -> Services:
        """Open (creating, or backing up and upgrading) the database and build the services.

        An existing database file is backed up automatically, at most once a day (see
        BackupService.on_open; `backups.problem` says if that failed). With `backup=False`
        the caller does that itself later (the desktop app, off the GUI thread, once its
        window is up).
        """
        from cvcdesk.store.database import open_database

        services = cls.over(open_database(target, exclusive=exclusive, removable=removable))
        if backup:
            services.backups.on_open()
        return services

    # -- the services, made on first use -------------------------------------------------
    @cached_property
    def volunteers(self) -> VolunteerService:
        from cvcdesk.services.volunteers import VolunteerService

        return VolunteerService(self.database, actor=self.actor)

    @cached_property
    def organisations(self) -> OrganisationService:
        from cvcdesk.services.organisations import OrganisationService

        return OrganisationService(self.database, actor=self.actor)

    @cached_property
    def activities(self) -> ActivityService:
        from cvcdesk.services.activities import ActivityService

        return ActivityService(self.database, actor=self.actor)

    @cached_property
    def communities(self) -> CommunityService:
        from cvcdesk.services.communities import CommunityService

        return CommunityService(self.database, actor=self.actor)

    @cached_property
    def maintenance(self) -> MaintenanceService:
        from cvcdesk.services.maintenance import MaintenanceService

        return MaintenanceService(self.database, actor=self.actor)

    @cached_property
    def demo(self) -> DemoService:
        from cvcdesk.services.demo import DemoService

        return DemoService(self.database, actor=self.actor)

    @cached_property
    def exports(self) -> ExportService:
        from cvcdesk.services.exports import ExportService

        return ExportService(self.database, actor=self.actor)

    @cached_property
    def alerts(self) -> AlertService:
        from cvcdesk.services.alerts import AlertService
        from cvcdesk.services.partners import sync_detectors

        # Partners' pseudonymised volunteers are matched as duplicates too.
        return AlertService(self.database, actor=self.actor, detectors=sync_detectors)

    @cached_property
    def merge(self) -> MergeService:
        from cvcdesk.services.merge import MergeService

        return MergeService(self.database, actor=self.actor)

    @cached_property
    def coverage(self) -> CoverageService:
        from cvcdesk.services.coverage import CoverageService

        return CoverageService(self.database, actor=self.actor)

    @cached_property
    def figures(self) -> FiguresService:
        from cvcdesk.services.figures import FiguresService

        return FiguresService(self.database, actor=self.actor)

    @cached_property
    def imports(self) -> ImportService:
        from cvcdesk.services.imports import ImportService

        return ImportService(self.database, actor=self.actor)

    @cached_property
    def oruk(self) -> OpenReferralService:
        from cvcdesk.services.oruk import OpenReferralService

        return OpenReferralService(self.database, actor=self.actor)

    @cached_property
    def privacy(self) -> PrivacyService:
        from cvcdesk.services.privacy import PrivacyService

        return PrivacyService(self.database, actor=self.actor)

    @cached_property
    def identity(self) -> IdentityService:
        from cvcdesk.services.identity import IdentityService

        return IdentityService(self.database, actor=self.actor)

    @cached_property
    def partners(self) -> PartnerService:
        from cvcdesk.services.partners import PartnerService

        return PartnerService(self.database, actor=self.actor)

    @cached_property
    def sync(self) -> SyncService:
        from cvcdesk.services.sync import SyncService

        return SyncService(self.database, actor=self.actor)

    @cached_property
    def backups(self) -> BackupService:
        from cvcdesk.services.backups import BackupService

        return BackupService(self.database)

    # -- the database as a whole ---------------------------------------------------------
    def restore_backup(self, backup: Path) -> Path | None:
        """Put `backup` in place of this database file and open it again, in place.

        The database is closed, replaced (the file it replaces is kept in the backups
        folder) and opened again: these services then work on the restored data, and every
        page should reload. Returns where the replaced file was kept. A backup that is
        damaged or not a cvcdesk database is refused before anything is closed.
        """
        from cvcdesk.services.restore import restore_database
        from cvcdesk.store.database import open_database

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
            # The services made so far worked on the closed database: they are made afresh.
            reopened = open_database(path, exclusive=exclusive, removable=removable)
            actor = self.actor
            self.__dict__.clear()
            self.database, self.actor = reopened, actor

    @property
    def database_label(self) -> str:
        return self.database.label

    @property
    def journal_mode(self) -> str:
        return self.database.journal_mode

    def close(self) -> None:
        self.database.close()
