"""Welsh for Qt's own standard strings (dialog buttons, context menus, file dialogs).

Qt ships no Welsh translation of its widgets, so the texts Qt draws itself (OK, Cancel,
Undo, Copy, Paste, the file dialog's labels ...) come from our one gettext catalogue
instead. Each is stored in cy.po under the message context ``"qt:" + <Qt context>``, e.g.
``msgctxt "qt:QPlatformTheme"``, ``msgid "Cancel"``. ``QT_STRINGS`` below lists every Qt
string we translate; ``make translations`` extracts them with their contexts.

Qt asks its translators again only when a ``QEvent.LanguageChange`` arrives. Removing and
reinstalling a translator sends one to the application and every top-level window (which
pass it on to their children), so after ``set_language()`` the app calls
``CatalogueTranslator.refresh()``: Qt's own widgets (button boxes, wizards ...) then
retranslate themselves, and menus Qt builds on demand (a line edit's context menu) pick up
the new language the next time they open.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from cvcdesk.i18n import SOURCE_LANGUAGE, current_language
from cvcdesk.i18n import pgettext as catalogue_pgettext

QT_CONTEXT_PREFIX = "qt:"

_QT_LOCALES = {
    "en": (QLocale.Language.English, QLocale.Country.UnitedKingdom),
    "cy": (QLocale.Language.Welsh, QLocale.Country.UnitedKingdom),
}


class _Marker:
    """Marks a Qt string for extraction (pybabel's pgettext keyword) without translating it."""

    @staticmethod
    def pgettext(context: str, source: str) -> tuple[str, str]:
        return context.removeprefix(QT_CONTEXT_PREFIX), source


_mark = _Marker()

# (Qt context, source text) exactly as Qt 6 asks for them; the Welsh is in cy.po.
QT_STRINGS: tuple[tuple[str, str], ...] = (
    # QPlatformTheme
    _mark.pgettext("qt:QPlatformTheme", "OK"),
    _mark.pgettext("qt:QPlatformTheme", "Save"),
    _mark.pgettext("qt:QPlatformTheme", "Save All"),
    _mark.pgettext("qt:QPlatformTheme", "Open"),
    _mark.pgettext("qt:QPlatformTheme", "&Yes"),
    _mark.pgettext("qt:QPlatformTheme", "Yes to &All"),
    _mark.pgettext("qt:QPlatformTheme", "&No"),
    _mark.pgettext("qt:QPlatformTheme", "N&o to All"),
    _mark.pgettext("qt:QPlatformTheme", "Abort"),
    _mark.pgettext("qt:QPlatformTheme", "Retry"),
    _mark.pgettext("qt:QPlatformTheme", "Ignore"),
    _mark.pgettext("qt:QPlatformTheme", "Close"),
    _mark.pgettext("qt:QPlatformTheme", "Cancel"),
    _mark.pgettext("qt:QPlatformTheme", "Discard"),
    _mark.pgettext("qt:QPlatformTheme", "Help"),
    _mark.pgettext("qt:QPlatformTheme", "Apply"),
    _mark.pgettext("qt:QPlatformTheme", "Reset"),
    _mark.pgettext("qt:QPlatformTheme", "Restore Defaults"),
    # QGnomeTheme
    _mark.pgettext("qt:QGnomeTheme", "&OK"),
    _mark.pgettext("qt:QGnomeTheme", "&Save"),
    _mark.pgettext("qt:QGnomeTheme", "&Cancel"),
    _mark.pgettext("qt:QGnomeTheme", "&Close"),
    _mark.pgettext("qt:QGnomeTheme", "Close without Saving"),
    # QLineEdit
    _mark.pgettext("qt:QLineEdit", "&Undo"),
    _mark.pgettext("qt:QLineEdit", "&Redo"),
    _mark.pgettext("qt:QLineEdit", "Cu&t"),
    _mark.pgettext("qt:QLineEdit", "&Copy"),
    _mark.pgettext("qt:QLineEdit", "&Paste"),
    _mark.pgettext("qt:QLineEdit", "Delete"),
    _mark.pgettext("qt:QLineEdit", "Select All"),
    # QWidgetTextControl
    _mark.pgettext("qt:QWidgetTextControl", "&Undo"),
    _mark.pgettext("qt:QWidgetTextControl", "&Redo"),
    _mark.pgettext("qt:QWidgetTextControl", "Cu&t"),
    _mark.pgettext("qt:QWidgetTextControl", "&Copy"),
    _mark.pgettext("qt:QWidgetTextControl", "Copy &Link Location"),
    _mark.pgettext("qt:QWidgetTextControl", "&Paste"),
    _mark.pgettext("qt:QWidgetTextControl", "Delete"),
    _mark.pgettext("qt:QWidgetTextControl", "Select All"),
    # QAbstractSpinBox
    _mark.pgettext("qt:QAbstractSpinBox", "&Select All"),
    _mark.pgettext("qt:QAbstractSpinBox", "&Step up"),
    _mark.pgettext("qt:QAbstractSpinBox", "Step &down"),
    # QMessageBox
    _mark.pgettext("qt:QMessageBox", "Show Details..."),
    _mark.pgettext("qt:QMessageBox", "Hide Details..."),
    # QWizard
    _mark.pgettext("qt:QWizard", "< &Back"),
    _mark.pgettext("qt:QWizard", "&Next >"),
    _mark.pgettext("qt:QWizard", "&Next"),
    _mark.pgettext("qt:QWizard", "&Finish"),
    _mark.pgettext("qt:QWizard", "Cancel"),
    _mark.pgettext("qt:QWizard", "&Help"),
    _mark.pgettext("qt:QWizard", "Help"),
    _mark.pgettext("qt:QWizard", "Go Back"),
    _mark.pgettext("qt:QWizard", "Continue"),
    _mark.pgettext("qt:QWizard", "Commit"),
    _mark.pgettext("qt:QWizard", "Done"),
    # QFileDialog
    _mark.pgettext("qt:QFileDialog", "&Look in:"),
    _mark.pgettext("qt:QFileDialog", "File &name:"),
    _mark.pgettext("qt:QFileDialog", "Files of &type:"),
    _mark.pgettext("qt:QFileDialog", "&Open"),
    _mark.pgettext("qt:QFileDialog", "&Save"),
    _mark.pgettext("qt:QFileDialog", "&Choose"),
    _mark.pgettext("qt:QFileDialog", "Open"),
    _mark.pgettext("qt:QFileDialog", "Save As"),
    _mark.pgettext("qt:QFileDialog", "All Files (*)"),
    _mark.pgettext("qt:QFileDialog", "All files (*)"),
    _mark.pgettext("qt:QFileDialog", "Directory:"),
    _mark.pgettext("qt:QFileDialog", "Directories"),
    _mark.pgettext("qt:QFileDialog", "Files"),
    _mark.pgettext("qt:QFileDialog", "Find Directory"),
    _mark.pgettext("qt:QFileDialog", "Back"),
    _mark.pgettext("qt:QFileDialog", "Forward"),
    _mark.pgettext("qt:QFileDialog", "Parent Directory"),
    _mark.pgettext("qt:QFileDialog", "Go back"),
    _mark.pgettext("qt:QFileDialog", "Go forward"),
    _mark.pgettext("qt:QFileDialog", "Go to the parent directory"),
    _mark.pgettext("qt:QFileDialog", "Create New Folder"),
    _mark.pgettext("qt:QFileDialog", "Create a New Folder"),
    _mark.pgettext("qt:QFileDialog", "New Folder"),
    _mark.pgettext("qt:QFileDialog", "&New Folder"),
    _mark.pgettext("qt:QFileDialog", "List View"),
    _mark.pgettext("qt:QFileDialog", "Detail View"),
    _mark.pgettext("qt:QFileDialog", "Change to list view mode"),
    _mark.pgettext("qt:QFileDialog", "Change to detail view mode"),
    _mark.pgettext("qt:QFileDialog", "Sidebar"),
    _mark.pgettext("qt:QFileDialog", "List of places and bookmarks"),
    _mark.pgettext("qt:QFileDialog", "Recent Places"),
    _mark.pgettext("qt:QFileDialog", "Remove"),
    _mark.pgettext("qt:QFileDialog", "Delete"),
    _mark.pgettext("qt:QFileDialog", "&Rename"),
    _mark.pgettext("qt:QFileDialog", "&Delete"),
    _mark.pgettext("qt:QFileDialog", "Show &hidden files"),
    _mark.pgettext("qt:QFileDialog", "Show "),
    _mark.pgettext("qt:QFileDialog", "%1 already exists.\nDo you want to replace it?"),
    _mark.pgettext(
        "qt:QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."
    ),
    _mark.pgettext(
        "qt:QFileDialog",
        "%1\nDirectory not found.\nPlease verify the correct directory name was given.",
    ),
    _mark.pgettext("qt:QFileDialog", "'%1' is write protected.\nDo you want to delete it anyway?"),
    _mark.pgettext("qt:QFileDialog", "Are you sure you want to delete '%1'?"),
    _mark.pgettext("qt:QFileDialog", "Could not delete directory."),
    # QFileSystemModel
    _mark.pgettext("qt:QFileSystemModel", "Name"),
    _mark.pgettext("qt:QFileSystemModel", "Size"),
    _mark.pgettext("qt:QFileSystemModel", "Type"),
    _mark.pgettext("qt:QFileSystemModel", "Kind"),
    _mark.pgettext("qt:QFileSystemModel", "Date Modified"),
    _mark.pgettext("qt:QFileSystemModel", "Computer"),
    _mark.pgettext("qt:QFileSystemModel", "My Computer"),
    # QAbstractFileIconProvider
    _mark.pgettext("qt:QAbstractFileIconProvider", "Drive"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "File"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "Folder"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "File Folder"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "Shortcut"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "Alias"),
    _mark.pgettext("qt:QAbstractFileIconProvider", "Unknown"),
    # QScrollBar
    _mark.pgettext("qt:QScrollBar", "Scroll here"),
    _mark.pgettext("qt:QScrollBar", "Left edge"),
    _mark.pgettext("qt:QScrollBar", "Top"),
    _mark.pgettext("qt:QScrollBar", "Right edge"),
    _mark.pgettext("qt:QScrollBar", "Bottom"),
    _mark.pgettext("qt:QScrollBar", "Page left"),
    _mark.pgettext("qt:QScrollBar", "Page up"),
    _mark.pgettext("qt:QScrollBar", "Page right"),
    _mark.pgettext("qt:QScrollBar", "Page down"),
    _mark.pgettext("qt:QScrollBar", "Scroll left"),
    _mark.pgettext("qt:QScrollBar", "Scroll up"),
    _mark.pgettext("qt:QScrollBar", "Scroll right"),
    _mark.pgettext("qt:QScrollBar", "Scroll down"),
    # QProgressDialog
    _mark.pgettext("qt:QProgressDialog", "Cancel"),
    # QInputDialog
    _mark.pgettext("qt:QInputDialog", "Enter a value:"),
)


class CatalogueTranslator(QTranslator):
    """A QTranslator that answers Qt from the gettext catalogue in the current language.

    English is Qt's source language, so in English (and for any string the catalogue does
    not translate) it answers ``None``: Qt treats that as "no translation" and shows its own
    text. (An empty string would not do: Qt would show an empty label.) The disambiguation
    Qt passes for a few strings is not needed, since the context and source text are enough
    to tell our strings apart.
    """

    def translate(  # type: ignore[override]
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        if current_language() == SOURCE_LANGUAGE or not context or not source_text:
            return None
        translated = catalogue_pgettext(QT_CONTEXT_PREFIX + context, source_text)
        return translated if translated != source_text else None

    def isEmpty(self) -> bool:
        return False

    def refresh(self) -> None:
        """Make Qt show the current language: call this after ``set_language()``.

        Sets the default QLocale (month and day names in calendars and date edits created
        from now on), then removes and reinstalls this translator, which sends
        ``QEvent.LanguageChange`` to the application and all its windows.
        """
        QLocale.setDefault(qt_locale())
        QCoreApplication.removeTranslator(self)
        QCoreApplication.installTranslator(self)


def qt_locale(language: str | None = None) -> QLocale:
    """The QLocale for one of our languages (the current one by default)."""
    qt_language, territory = _QT_LOCALES.get(language or current_language(), _QT_LOCALES["en"])
    return QLocale(qt_language, territory)


def install_qt_translator(app: QCoreApplication) -> CatalogueTranslator:
    """Install the catalogue translator on ``app`` (which owns it) and return it."""
    translator = CatalogueTranslator(app)
    QLocale.setDefault(qt_locale())
    app.installTranslator(translator)
    return translator
