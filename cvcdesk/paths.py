"""Where cvcdesk finds its resources and keeps its data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "cvcdesk"
APP_AUTHOR = "cvcdesk"
DEFAULT_DB_NAME = "cvcdesk.db"


def resources_dir() -> Path:
    """The resources folder: beside the package in a source tree, or inside a frozen bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def program_dir() -> Path:
    """The folder the program runs from (the bundle folder, or the source tree)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def user_data_dir(*, portable: bool = False) -> Path:
    """The per-user data folder; in portable mode a folder beside the program."""
    override = os.environ.get("CVCDESK_DATA_DIR")
    if override:
        return Path(override)
    if portable:
        return program_dir() / "cvcdesk-data"
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_database(*, portable: bool = False) -> Path:
    return user_data_dir(portable=portable) / DEFAULT_DB_NAME


def backups_dir_for(database: Path) -> Path:
    """Backups live beside the database so they travel with it (e.g. on a USB stick)."""
    return database.parent / "backups"


def log_dir(*, portable: bool = False) -> Path:
    if portable or os.environ.get("CVCDESK_DATA_DIR"):
        return user_data_dir(portable=portable) / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
