"""What every page and dialog shares: live retranslation, error messages, accessible labels."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from cvcdesk.domain.errors import CvcError, ValidationError
from cvcdesk.i18n import _


class Retranslating:
    """Mixin for QWidget subclasses: calls ``retranslate_ui()`` whenever the language changes.

    The application re-installs its Qt translator when the coordinator picks another language,
    which makes Qt send ``QEvent.LanguageChange`` to every widget; each page and dialog then
    sets its visible texts again from the catalogue.  Subclasses call ``retranslate_ui()`` once
    at the end of ``__init__`` too.
    """

    def retranslate_ui(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)  # type: ignore[misc]


def label_for(label: QLabel, widget: QWidget, text: str) -> None:
    """Set a label's text and make it the widget's buddy and accessible name (mnemonics work)."""
    label.setText(text)
    label.setBuddy(widget)
    widget.setAccessibleName(text.replace("&", "").rstrip(":").strip())


def show_error(parent: QWidget | None, exc: CvcError, title: str | None = None) -> None:
    """A clear message for a problem the user can act on; never a stack trace."""
    text = str(exc)
    if isinstance(exc, ValidationError):
        text = "\n".join(f"• {problem}" for problem in exc.errors) or text
    QMessageBox.warning(parent, title or _("cvcdesk"), text)
