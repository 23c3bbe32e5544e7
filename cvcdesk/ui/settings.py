"""Window layout and recent files, kept in an INI file beside the user's data.

Keeping it in the data folder (not the registry or ~/.config) means portable mode carries the
layout on the USB stick, and each test run gets its own file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from cvcdesk.paths import user_data_dir

MAX_RECENT = 8


def app_settings() -> QSettings:
    folder = user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "cvcdesk.ini"), QSettings.Format.IniFormat)


def recent_files(settings: QSettings) -> list[Path]:
    value = settings.value("recent/files", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [Path(str(item)) for item in value or []]


def remember_file(settings: QSettings, path: Path) -> list[Path]:
    """Put `path` first in the recent list (no repeats, at most MAX_RECENT)."""
    path = path.resolve()
    files = [path] + [p for p in recent_files(settings) if p.resolve() != path]
    files = files[:MAX_RECENT]
    settings.setValue("recent/files", [str(p) for p in files])
    return files
