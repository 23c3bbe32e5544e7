"""What the volunteer and group forms share: tabs of labelled fields, live checks, Save."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError, FieldError, ValidationError
from cvcdesk.i18n import _, ngettext
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.forms.fields import WARNING_SIGN, MessageLabel, plain_name

LabelText = Callable[[], str]


class LeaveChoice(enum.Enum):
    """What the coordinator chose when leaving a form with unsaved changes."""

    SAVE = "save"
    DISCARD = "discard"
    STAY = "stay"


@dataclass
class _Row:
    label: QLabel
    widget: QWidget
    text: LabelText


class RecordForm(Retranslating, QDialog):
    """A dialog editing one record: tabs of labelled fields, problems shown beside each field
    as they arise, Save enabled only when the record would be accepted, and a prompt before
    unsaved changes are thrown away.

    Subclasses build their tabs with ``_add_tab`` and ``_add_row``, then call ``_finish_setup``;
    they provide ``_collect`` (the record from the widgets), ``_check`` (the domain's problems),
    ``_store`` (the services call) and ``_title``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setSizeGripEnabled(True)
        self._rows: list[_Row] = []
        self._tab_titles: list[LabelText] = []
        self._tab_of: dict[str, int] = {}
        self._error_setters: dict[str, Callable[[list[str]], None]] = {}
        self._checks: list[tuple[QCheckBox, LabelText]] = []
        self._initial: Any = None
        self._valid = False
        self._problems: list[FieldError] = []

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("sections")
        self.summary = MessageLabel(self)
        self.summary.setObjectName("summary")
        self.general = MessageLabel(self)
        self.general.setObjectName("general_message")
        self.buttons = QDialogButtonBox(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.general)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        # The buttons are made in _finish_setup, after the fields, so Tab reaches them last.
        self.save_button: QPushButton
        self.cancel_button: QPushButton
        self._save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)

    # ---- for subclasses ------------------------------------------------------------------

    def _collect(self) -> Any:
        raise NotImplementedError

    def _check(self, data: Any) -> list[FieldError]:
        raise NotImplementedError

    def _store(self, data: Any) -> Any:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _not_saved_title(self) -> str:
        raise NotImplementedError

    def _retranslate_fields(self) -> None:
        """Texts that are not row labels: combo items, tick boxes, tables, field widgets."""

    def _add_tab(self, title: LabelText, name: str, *, fill: bool = False) -> QFormLayout:
        """A tab holding a form; ``fill`` lets its last field take the spare height."""
        page = QWidget()
        page.setObjectName(f"{name}_page")
        outer = QVBoxLayout(page)
        form = QFormLayout()
        outer.addLayout(form, 1 if fill else 0)
        if not fill:
            outer.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        scroll = QScrollArea()
        scroll.setObjectName(f"{name}_tab")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(page)
        self.tabs.addTab(scroll, "")
        self._tab_titles.append(title)
        return form

    def _add_row(
        self,
        form: QFormLayout,
        name: str,
        text: LabelText,
        widget: QWidget,
        *,
        errors: Callable[[list[str]], None] | None = None,
        with_message: bool = False,
    ) -> QWidget:
        """A labelled field: the label is its buddy and gives its accessible name.

        ``errors`` shows the record-wide problems for ``name``; ``with_message`` puts a
        message label under a widget that has none of its own.
        """
        label = QLabel(form.parentWidget())
        label.setObjectName(f"{name}_label")
        if not widget.objectName():
            widget.setObjectName(name)
        field: QWidget = widget
        if with_message:
            field = QWidget(form.parentWidget())
            box = QVBoxLayout(field)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(widget)
            message = MessageLabel(field)
            message.setObjectName(f"{name}_message")
            box.addWidget(message)
            field.setFocusProxy(widget)
            errors = message.set_messages
        form.addRow(label, field)
        self._rows.append(_Row(label, widget, text))
        self._tab_of[name] = self.tabs.count() - 1
        if errors is not None:
            self._error_setters[name] = errors
        return widget

    def _add_check_row(self, form: QFormLayout, name: str, text: LabelText, box: QCheckBox) -> None:
        """A tick box that carries its own text, in the field column."""
        box.setObjectName(name)
        spacer = QLabel(form.parentWidget())
        form.addRow(spacer, box)
        self._tab_of[name] = self.tabs.count() - 1
        self._checks.append((box, text))

    def _finish_setup(self, first: QWidget | None = None) -> None:
        """Connect the shared signals, set every text, and remember the record as loaded.

        ``first`` is the field the cursor starts in.
        """
        # Our own buttons, not standard ones: a button box resets the texts of standard buttons
        # to Qt's catalogue on a language change, which has no Welsh.
        self.save_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setObjectName("save")
        self.cancel_button.setObjectName("cancel")
        for button in (self.save_button, self.cancel_button):
            # Enter in a field must not save and close a long form by surprise.
            button.setAutoDefault(False)
            button.setDefault(False)
        if first is not None:
            self.tabs.setCurrentIndex(0)
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self._save_shortcut.activated.connect(self._on_save_clicked)
        self.retranslate_ui()
        self._initial = self._collect()
        self._revalidate()

    # ---- public --------------------------------------------------------------------------

    def is_valid(self) -> bool:
        return self._valid

    def problems(self) -> list[FieldError]:
        return list(self._problems)

    def has_unsaved_changes(self) -> bool:
        return self._initial is not None and self._collect() != self._initial

    def save(self) -> bool:
        """Save through the services; on a refusal say why and keep everything as typed."""
        if not self._valid:
            return False
        data = self._collect()
        try:
            record = self._store(data)
        except CvcError as exc:
            if isinstance(exc, ValidationError):
                self._apply_problems(exc.errors)
            show_error(self, exc, self._not_saved_title())
            return False
        self._saved(record)
        self._initial = self._collect()
        self.setWindowModified(False)
        self.saved.emit(record.uuid)  # type: ignore[attr-defined]
        self.accept()
        return True

    def _saved(self, record: Any) -> None:
        """Remember what was stored (its uuid and version) before the dialog closes."""

    def ask_about_unsaved_changes(self) -> LeaveChoice:
        """Ask whether to save, throw away or keep editing the changes."""
        box = QMessageBox(self)
        box.setObjectName("unsaved_changes")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self._title())
        box.setText(_("Save the changes you made?"))
        buttons = [QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Cancel]
        if self._valid:
            box.setInformativeText(_("If you discard them, they are lost."))
            buttons.insert(0, QMessageBox.StandardButton.Save)
        else:
            box.setInformativeText(
                _(
                    "They cannot be saved until the problems shown on the form are fixed. "
                    "If you discard them, they are lost."
                )
            )
        texts = {
            QMessageBox.StandardButton.Save: _("&Save"),
            QMessageBox.StandardButton.Discard: _("&Discard changes"),
            QMessageBox.StandardButton.Cancel: _("&Keep editing"),
        }
        for which in buttons:
            button = box.addButton(which)
            assert button is not None
            button.setText(texts[which])
            button.setAccessibleName(plain_name(texts[which]))
        box.setDefaultButton(buttons[0] if self._valid else QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        choice = box.standardButton(clicked) if clicked is not None else None
        box.deleteLater()
        if choice == QMessageBox.StandardButton.Save:
            return LeaveChoice.SAVE
        if choice == QMessageBox.StandardButton.Discard:
            return LeaveChoice.DISCARD
        return LeaveChoice.STAY

    def reject(self) -> None:
        """Cancel, Escape and closing the window come here: ask before losing changes."""
        if self.isVisible() and self.has_unsaved_changes():
            choice = self.ask_about_unsaved_changes()
            if choice is LeaveChoice.STAY:
                return
            if choice is LeaveChoice.SAVE:
                self.save()
                return
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._on_save_clicked()
            event.accept()
            return
        super().keyPressEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self._title() + "[*]")
        for row in self._rows:
            label_for(row.label, row.widget, row.text())
        for box, text in self._checks:
            box.setText(text())
            box.setAccessibleName(plain_name(text()))
        self.tabs.setAccessibleName(_("Sections of the form"))
        self.tabs.tabBar().setAccessibleName(_("Sections of the form"))
        self.save_button.setText(_("&Save"))
        self.save_button.setAccessibleName(plain_name(_("&Save")))
        self.save_button.setToolTip(_("Save and close (Ctrl+S)"))
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))
        self._retranslate_fields()
        self._revalidate()

    # ---- checking ------------------------------------------------------------------------

    def _on_changed(self) -> None:
        self._revalidate()

    def _revalidate(self) -> None:
        if self._initial is None:
            return
        data = self._collect()
        self._apply_problems(self._check(data))
        self.setWindowModified(data != self._initial)

    def _apply_problems(self, problems: Sequence[FieldError]) -> None:
        self._problems = list(problems)
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(str(problem))
        for name, setter in self._error_setters.items():
            setter(by_field.get(name, []))
        self.general.set_messages(
            [
                m
                for name, found in by_field.items()
                if name not in self._error_setters
                for m in found
            ]
        )
        self._valid = not problems
        self.save_button.setEnabled(self._valid)
        count = len(problems)
        self.summary.set_messages(
            [
                ngettext(
                    "There is {count} problem to fix before you can save.",
                    "There are {count} problems to fix before you can save.",
                    count,
                ).format(count=count)
            ]
            if count
            else []
        )
        bad_tabs = {self._tab_of[name] for name in by_field if name in self._tab_of}
        for index, title in enumerate(self._tab_titles):
            text = title()
            self.tabs.setTabText(index, f"{WARNING_SIGN} {text}" if index in bad_tabs else text)
            self.tabs.setTabToolTip(
                index,
                _("This section has a problem to fix.") if index in bad_tabs else "",
            )

    def _on_save_clicked(self) -> None:
        if self.save_button.isEnabled():
            self.save()
