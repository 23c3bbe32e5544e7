"""Qt's own texts (dialog buttons, context menus) follow the app's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextEdit,
    QWizard,
    QWizardPage,
)
from pytestqt.qtbot import QtBot

from cvcdesk.i18n import pgettext, set_language, use_language
from cvcdesk.ui.qt_translator import (
    QT_STRINGS,
    CatalogueTranslator,
    install_qt_translator,
    qt_locale,
)

Button = QDialogButtonBox.StandardButton

WELSH_LINE_EDIT_MENU = [
    "&Dadwneud",
    "&Ailwneud",
    "&Torri",
    "&Copïo",
    "&Gludo",
    "Dileu",
    "Dewis y cyfan",
]
ENGLISH_LINE_EDIT_MENU = ["&Undo", "&Redo", "Cu&t", "&Copy", "&Paste", "Delete", "Select All"]


@pytest.fixture
def translator(qapp: QApplication) -> Iterator[CatalogueTranslator]:
    default_locale = QLocale()
    installed = install_qt_translator(qapp)
    yield installed
    QCoreApplication.removeTranslator(installed)
    installed.setParent(None)
    QLocale.setDefault(default_locale)


def menu_texts(widget: QLineEdit | QTextEdit) -> list[str]:
    menu = widget.createStandardContextMenu()
    try:
        # Drop the "\tCtrl+Z" shortcut text Qt appends to each entry.
        return [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    finally:
        menu.deleteLater()


def box_texts(box: QDialogButtonBox, *buttons: Button) -> list[str]:
    texts = []
    for which in buttons:
        button = box.button(which)
        assert button is not None
        texts.append(button.text())
    return texts


def test_dialog_buttons_in_welsh(qtbot: QtBot, translator: CatalogueTranslator) -> None:
    set_language("cy")
    box = QDialogButtonBox(Button.Ok | Button.Cancel | Button.Yes | Button.No)
    qtbot.addWidget(box)
    texts = box_texts(box, Button.Ok, Button.Cancel, Button.Yes, Button.No)
    assert texts == ["Iawn", "Canslo", "&Ie", "&Na"]


def test_dialog_buttons_in_english(qtbot: QtBot, translator: CatalogueTranslator) -> None:
    set_language("en")
    box = QDialogButtonBox(Button.Ok | Button.Cancel)
    qtbot.addWidget(box)
    assert box_texts(box, Button.Ok, Button.Cancel) == ["OK", "Cancel"]


def test_switching_language_retranslates_open_dialogs(
    qtbot: QtBot, translator: CatalogueTranslator
) -> None:
    box = QDialogButtonBox(Button.Ok | Button.Cancel)
    qtbot.addWidget(box)
    assert box_texts(box, Button.Ok, Button.Cancel) == ["OK", "Cancel"]
    set_language("cy")
    translator.refresh()
    qtbot.waitUntil(lambda: box_texts(box, Button.Ok, Button.Cancel) == ["Iawn", "Canslo"])
    set_language("en")
    translator.refresh()
    qtbot.waitUntil(lambda: box_texts(box, Button.Ok, Button.Cancel) == ["OK", "Cancel"])


def test_line_edit_context_menu(qtbot: QtBot, translator: CatalogueTranslator) -> None:
    edit = QLineEdit("Aberteifi")
    qtbot.addWidget(edit)
    set_language("cy")
    assert menu_texts(edit) == WELSH_LINE_EDIT_MENU
    set_language("en")
    assert menu_texts(edit) == ENGLISH_LINE_EDIT_MENU


def test_text_edit_context_menu(qtbot: QtBot, translator: CatalogueTranslator) -> None:
    edit = QTextEdit("Aberteifi")
    qtbot.addWidget(edit)
    set_language("cy")
    assert menu_texts(edit) == WELSH_LINE_EDIT_MENU
    set_language("en")
    assert menu_texts(edit) == ENGLISH_LINE_EDIT_MENU


def test_message_box_and_wizard(qtbot: QtBot, translator: CatalogueTranslator) -> None:
    set_language("cy")
    box = QMessageBox()
    qtbot.addWidget(box)
    box.setText("Neges")
    box.setDetailedText("Manylion")
    texts = {b.text() for b in box.findChildren(QPushButton)}
    assert "Dangos manylion..." in texts
    wizard = QWizard()
    qtbot.addWidget(wizard)
    wizard.addPage(QWizardPage())
    assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Nesaf >"
    assert wizard.buttonText(QWizard.WizardButton.BackButton) == "< &Yn ôl"
    assert wizard.buttonText(QWizard.WizardButton.FinishButton) == "&Gorffen"


@pytest.mark.parametrize(("context", "source"), QT_STRINGS)
def test_every_listed_qt_string_is_welsh(
    translator: CatalogueTranslator, context: str, source: str
) -> None:
    with use_language("cy"):
        welsh = pgettext("qt:" + context, source)
        assert QCoreApplication.translate(context, source) == welsh
    assert QCoreApplication.translate(context, source) == source


def test_unknown_strings_fall_back_to_qt(translator: CatalogueTranslator) -> None:
    set_language("cy")
    assert QCoreApplication.translate("QPlatformTheme", "No such text") == "No such text"
    assert translator.translate("QPlatformTheme", "No such text") is None
    # Qt reads its layout direction from this string; it must stay untranslated.
    assert QCoreApplication.translate("QGuiApplication", "QT_LAYOUT_DIRECTION") == (
        "QT_LAYOUT_DIRECTION"
    )


def test_refresh_sets_the_welsh_locale_for_dates(translator: CatalogueTranslator) -> None:
    set_language("cy")
    translator.refresh()
    assert QLocale().language() == QLocale.Language.Welsh
    assert QLocale().monthName(1) == "Ionawr"
    assert qt_locale("en").monthName(1) == "January"
