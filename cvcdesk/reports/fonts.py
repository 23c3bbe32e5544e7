"""The TrueType font embedded in every PDF: ReportLab's built-in fonts have no ŵ or ŷ."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.paths import resources_dir

REGULAR = "CvcSans"
BOLD = "CvcSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
LICENCE = "LICENSE-DejaVu.txt"

_lock = threading.Lock()
_registered = False


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; (regular, bold) font names."""
    global _registered
    with _lock:
        if not _registered:
            for name, filename in FILES.items():
                path = fonts_dir() / filename
                if not path.is_file():
                    raise CvcError(
                        _(
                            "The font file {path} is missing, so nothing can be printed. "
                            "Reinstall cvcdesk to put it back."
                        ).format(path=path)
                    )
                pdfmetrics.registerFont(TTFont(name, str(path)))
            # <b> in a paragraph picks the bold face; there is no italic, so it stays upright.
            for family in (REGULAR, BOLD):
                for bold in (0, 1):
                    for italic in (0, 1):
                        addMapping(
                            family, bold, italic, BOLD if bold or family == BOLD else REGULAR
                        )
            _registered = True
    return REGULAR, BOLD
