"""Logging to a rotating file in the user's log folder. Never log personal details."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from cvcdesk.paths import log_dir


def setup_logging(*, portable: bool = False, level: int = logging.INFO) -> Path:
    folder = log_dir(portable=portable)
    path = folder / "cvcdesk.log"
    root = logging.getLogger("cvcdesk")
    if any(getattr(h, "_cvcdesk", False) for h in root.handlers):
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._cvcdesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
