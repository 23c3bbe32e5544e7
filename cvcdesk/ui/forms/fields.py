"""Field widgets the forms are built from; each shows its own problem as text beside it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTime, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.enums import LabelledEnum, Weekdays
from cvcdesk.domain.validation import InvalidValue
from cvcdesk.domain.volunteer import AvailabilitySlot
from cvcdesk.i18n import _, babel_locale, current_language, format_time, weekday_name

WARNING_SIGN = "⚠"

Normaliser = Callable[[str], str]
LabelText = Callable[[], str]


def warning_text(messages: Sequence[str]) -> str:
    """Problems as plain text, each marked with a warning sign so colour is never needed."""
    return "\n".join(f"{WARNING_SIGN} {message}" for message in messages)


def qt_date_format(language: str | None = None) -> str:
    """The locale's short numeric date pattern as a Qt display format, always with 4-digit years."""
    pattern = babel_locale(language).date_formats["short"].pattern
    return re.sub(r"y+", "yyyy", pattern)


def qt_locale(language: str | None = None) -> QLocale:
    if (language or current_language()) == "cy":
        return QLocale(QLocale.Language.Welsh, QLocale.Country.UnitedKingdom)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def to_qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def to_qtime(value: dt.time) -> QTime:
    return QTime(value.hour, value.minute, value.second)


def from_qtime(value: QTime) -> dt.time:
    return dt.time(value.hour(), value.minute(), value.second())


def plain_name(text: str) -> str:
    """A label's text without its mnemonic marker or trailing colon (for accessible names)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":").strip()


class MessageLabel(QLabel):
    """A field's problems, in words with a warning sign; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.palette()
        dark_theme = palette.color(QPalette.ColorRole.Window).lightness() < 128
        palette.setColor(
            QPalette.ColorRole.WindowText, QColor("#ff9e9e" if dark_theme else "#a4262c")
        )
        self.setPalette(palette)
        self._messages: list[str] = []
        self.setHidden(True)

    def set_messages(self, messages: Sequence[str]) -> None:
        self._messages = [message for message in messages if message]
        text = warning_text(self._messages)
        if text != self.text():
            self.setText(text)
        self.setHidden(not self._messages)

    def messages(self) -> list[str]:
        return list(self._messages)


class ValidatedLineEdit(QWidget):
    """A line edit that checks what is typed as it is typed, with the problem shown below it.

    ``normalise`` is one of the domain's ``normalise_*`` functions (it raises InvalidValue with
    the message to show); ``display`` turns the normalised value into the form people read, and
    is applied when they leave the field.  The form adds the record-wide problems for this field
    (a required name, say) with ``set_external_errors``.
    """

    changed = Signal()

    def __init__(
        self,
        normalise: Normaliser | None = None,
        *,
        display: Callable[[str], str] | None = None,
        required: LabelText | None = None,
        max_length: int = 200,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._normalise = normalise
        self._display = display
        self._required = required
        self._own = ""
        self._external: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setMaxLength(max_length)
        self.message = MessageLabel(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.setFocusProxy(self.edit)
        # A label buddy only takes focus when the buddy itself accepts it; the proxy gets it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.editingFinished.connect(self._tidy)
        self._validate()

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def setObjectName(self, name: str) -> None:
        super().setObjectName(f"{name}_field")
        self.edit.setObjectName(name)
        self.message.setObjectName(f"{name}_message")

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        shown = text
        if text and self._display is not None:
            try:
                shown = self._display(text)
            except (InvalidValue, ValueError):
                shown = text
        self.edit.setText(shown)

    def value(self) -> str:
        """The normalised value when it is valid, otherwise what was typed (trimmed)."""
        text = self.edit.text().strip()
        if text and self._normalise is not None:
            try:
                return self._normalise(text)
            except InvalidValue:
                return text
        return text

    def error(self) -> str:
        return self._own

    def is_valid(self) -> bool:
        return not self._own

    def messages(self) -> list[str]:
        return self.message.messages()

    def set_external_errors(self, messages: Sequence[str]) -> None:
        self._external = list(messages)
        self._show()

    def retranslate_ui(self) -> None:
        self._validate()

    def _on_text_changed(self) -> None:
        self._validate()
        self.changed.emit()

    def _validate(self) -> None:
        text = self.edit.text().strip()
        own = ""
        if not text:
            if self._required is not None:
                own = _("{field} is required.").format(field=self._required())
        elif self._normalise is not None:
            try:
                self._normalise(text)
            except InvalidValue as exc:
                own = exc.error.message
        self._own = own
        self._show()

    def _show(self) -> None:
        messages = [self._own] if self._own else []
        messages += [m for m in self._external if m and m not in messages]
        self.message.set_messages(messages)
        self.edit.setAccessibleDescription(" ".join(messages))

    def _tidy(self) -> None:
        """Show a valid value in its usual form once the coordinator leaves the field."""
        text = self.edit.text().strip()
        if not text or self._normalise is None or self._own:
            return
        value = self._normalise(text)
        shown = self._display(value) if self._display is not None else value
        if shown != self.edit.text():
            self.edit.setText(shown)


class _OptionalEdit(QWidget):
    """A tick box that says whether a value is given, then the editor for the value."""

    changed = Signal()

    def __init__(self, editor: QDateEdit | QTimeEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(self)
        self.editor = editor
        self.editor.setParent(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.editor)
        layout.addStretch(1)
        self.editor.setMinimumWidth(self.editor.fontMetrics().horizontalAdvance("00/00/00000") + 48)
        self.setFocusProxy(self.check)
        # A label buddy only takes focus when the buddy itself accepts it; the proxy gets it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._name = ""
        self._updating = False
        self._remembered: Any = None
        self.editor.setEnabled(False)
        self.check.toggled.connect(self._on_toggled)
        self.editor.dateTimeChanged.connect(self._on_edited)

    # subclasses: how the editor's value maps to a Python value
    def _editor_value(self) -> Any:
        raise NotImplementedError

    def _set_editor_value(self, value: Any) -> None:
        raise NotImplementedError

    def _set_empty(self) -> None:
        raise NotImplementedError

    def _is_empty(self) -> bool:
        raise NotImplementedError

    def _default(self) -> Any:
        raise NotImplementedError

    def _check_text(self, name: str) -> str:
        raise NotImplementedError

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self._name = name
        self.editor.setAccessibleName(name)
        text = self._check_text(name)
        self.check.setAccessibleName(text)
        self.check.setToolTip(text)

    def setObjectName(self, name: str) -> None:
        super().setObjectName(f"{name}_field")
        self.editor.setObjectName(name)
        self.check.setObjectName(f"{name}_given")

    def value(self) -> Any:
        if not self.check.isChecked() or self._is_empty():
            return None
        return self._editor_value()

    def set_value(self, value: Any) -> None:
        self._updating = True
        try:
            self._remembered = value
            if value is None:
                self.check.setChecked(False)
                self._set_empty()
                self.editor.setEnabled(False)
            else:
                self.check.setChecked(True)
                self._set_editor_value(value)
                self.editor.setEnabled(True)
        finally:
            self._updating = False
        self.changed.emit()

    def retranslate_ui(self) -> None:
        if self._name:
            self.setAccessibleName(self._name)

    def _on_toggled(self, on: bool) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            if on:
                self._set_editor_value(self._remembered or self._default())
            else:
                current = self._editor_value() if not self._is_empty() else None
                self._remembered = current or self._remembered
                self._set_empty()
            self.editor.setEnabled(on)
        finally:
            self._updating = False
        self.changed.emit()

    def _on_edited(self) -> None:
        if self._updating:
            return
        if self._is_empty() and self.check.isChecked():
            # Stepping down to the very first value means "none", as the editor then says.
            self._updating = True
            try:
                self.check.setChecked(False)
                self.editor.setEnabled(False)
            finally:
                self._updating = False
        self.changed.emit()


class OptionalDateEdit(_OptionalEdit):
    """A date that may be left out ("No date"), shown in the current locale's format."""

    _EMPTY = QDate(1899, 12, 31)

    def __init__(self, parent: QWidget | None = None) -> None:
        editor = QDateEdit()
        editor.setCalendarPopup(True)
        editor.setMinimumDate(self._EMPTY)
        editor.setMaximumDate(QDate(2199, 12, 31))
        super().__init__(editor, parent)
        self._set_empty()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        editor = self._date_editor()
        editor.setSpecialValueText(_("No date"))
        editor.setDisplayFormat(qt_date_format())
        editor.setLocale(qt_locale())
        super().retranslate_ui()

    def _date_editor(self) -> QDateEdit:
        assert isinstance(self.editor, QDateEdit)
        return self.editor

    def _editor_value(self) -> dt.date:
        return from_qdate(self._date_editor().date())

    def _set_editor_value(self, value: dt.date) -> None:
        self._date_editor().setDate(to_qdate(value))

    def _set_empty(self) -> None:
        self._date_editor().setDate(self._EMPTY)

    def _is_empty(self) -> bool:
        return bool(self._date_editor().date() == self._EMPTY)

    def _default(self) -> dt.date:
        return dt.date.today()

    def _check_text(self, name: str) -> str:
        return _("{field}: give a date").format(field=name)

    def value(self) -> dt.date | None:
        result: dt.date | None = super().value()
        return result


class OptionalTimeEdit(_OptionalEdit):
    """A time of day that may be left out ("Any time")."""

    _EMPTY = QTime(0, 0)

    def __init__(self, default: dt.time, parent: QWidget | None = None) -> None:
        editor = QTimeEdit()
        editor.setMinimumTime(self._EMPTY)
        self._default_time = default
        super().__init__(editor, parent)
        self._set_empty()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        editor = self._time_editor()
        editor.setSpecialValueText(_("Any time"))
        editor.setDisplayFormat("HH:mm")
        editor.setLocale(qt_locale())
        super().retranslate_ui()

    def _time_editor(self) -> QTimeEdit:
        assert isinstance(self.editor, QTimeEdit)
        return self.editor

    def _editor_value(self) -> dt.time:
        return from_qtime(self._time_editor().time())

    def _set_editor_value(self, value: dt.time) -> None:
        self._time_editor().setTime(to_qtime(value))

    def _set_empty(self) -> None:
        self._time_editor().setTime(self._EMPTY)

    def _is_empty(self) -> bool:
        return bool(self._time_editor().time() == self._EMPTY)

    def _default(self) -> dt.time:
        return self._default_time

    def _check_text(self, name: str) -> str:
        return _("{field}: give a time").format(field=name)

    def value(self) -> dt.time | None:
        result: dt.time | None = super().value()
        return result


class DateEdit(QDateEdit):
    """A date that must be given, with a calendar and the current locale's format."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("00/00/00000") + 48)
        self.setMinimumDate(QDate(1900, 1, 1))
        self.setMaximumDate(QDate(2199, 12, 31))
        self.set_value(dt.date.today())
        self.retranslate_ui()

    def value(self) -> dt.date:
        return from_qdate(self.date())

    def set_value(self, value: dt.date) -> None:
        self.setDate(to_qdate(value))

    def retranslate_ui(self) -> None:
        self.setDisplayFormat(qt_date_format())
        self.setLocale(qt_locale())


class EnumCombo(QComboBox):
    """The members of a LabelledEnum by their translated labels, optionally with "none"."""

    def __init__(
        self,
        enum: type[LabelledEnum],
        *,
        none_label: LabelText | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._members: list[LabelledEnum] = list(enum)
        self._none_label = none_label
        if none_label is not None:
            self.addItem("")
        for member in self._members:
            self.addItem(member.label)
        self.retranslate_ui()

    @property
    def _offset(self) -> int:
        return 1 if self._none_label is not None else 0

    def value(self) -> Any:
        index = self.currentIndex() - self._offset
        return self._members[index] if 0 <= index < len(self._members) else None

    def set_value(self, member: LabelledEnum | None) -> None:
        if member is None or member not in self._members:
            self.setCurrentIndex(0)
        else:
            self.setCurrentIndex(self._members.index(member) + self._offset)

    def retranslate_ui(self) -> None:
        if self._none_label is not None:
            self.setItemText(0, self._none_label())
        for index, member in enumerate(self._members):
            self.setItemText(index + self._offset, member.label)


class ChoiceCombo(QComboBox):
    """(code, label) choices such as groups or services, optionally with "none"."""

    def __init__(self, *, none_label: LabelText | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._none_label = none_label
        self._codes: list[str | None] = []
        self.set_choices([])

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Replace the choices, keeping the current one (and any unknown current code)."""
        current = self.value()
        current_label = self.currentText()
        blocked = self.blockSignals(True)
        try:
            self.clear()
            self._codes = []
            if self._none_label is not None:
                self.addItem(self._none_label())
                self._codes.append(None)
            for code, label in choices:
                self.addItem(label)
                self._codes.append(code)
            if current is not None and current not in self._codes:
                self.addItem(current_label or current)
                self._codes.append(current)
            self._select(current)
        finally:
            self.blockSignals(blocked)

    def value(self) -> str | None:
        index = self.currentIndex()
        return self._codes[index] if 0 <= index < len(self._codes) else None

    def set_value(self, code: str | None, label: str = "") -> None:
        if code is not None and code not in self._codes:
            self.addItem(label or code)
            self._codes.append(code)
        self._select(code)

    def codes(self) -> list[str]:
        return [code for code in self._codes if code is not None]

    def retranslate_ui(self) -> None:
        if self._none_label is not None and self._codes and self._codes[0] is None:
            self.setItemText(0, self._none_label())

    def _select(self, code: str | None) -> None:
        if code in self._codes:
            self.setCurrentIndex(self._codes.index(code))
        elif self._codes:
            self.setCurrentIndex(0)


class WeekdayPicker(QWidget):
    """A tick box for each day of the week, Monday first."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        for index in range(7):
            box = QCheckBox(self)
            box.setObjectName(f"weekday_{index}")
            box.toggled.connect(self.changed)
            layout.addWidget(box)
            self.boxes.append(box)
        layout.addStretch(1)
        self.setFocusProxy(self.boxes[0])
        # A label buddy only takes focus when the buddy itself accepts it; the proxy gets it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.retranslate_ui()

    def value(self) -> Weekdays:
        return Weekdays.from_indexes([i for i, box in enumerate(self.boxes) if box.isChecked()])

    def set_value(self, days: Weekdays) -> None:
        wanted = set(Weekdays(days).indexes())
        for index, box in enumerate(self.boxes):
            blocked = box.blockSignals(True)
            box.setChecked(index in wanted)
            box.blockSignals(blocked)
        self.changed.emit()

    def retranslate_ui(self) -> None:
        for index, box in enumerate(self.boxes):
            box.setText(weekday_name(index, "abbreviated"))
            box.setAccessibleName(weekday_name(index, "wide"))


class AvailabilityGrid(QWidget):
    """A week of hours: tick the hours a volunteer can help; runs of hours become time slots.

    Click a cell (or drag across cells) to tick or clear hours; with the keyboard, arrows move
    and Space ticks the current hour, Shift+Space the whole day.  Times the grid cannot show
    (not on the hour, or outside it) are kept as they are and listed beneath it.
    """

    FIRST_HOUR = 7
    LAST_HOUR = 22  # the grid ends at 22:00
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = _HourTable(7, self.LAST_HOUR - self.FIRST_HOUR, self)
        self.table.setObjectName("availability")
        self.table.toggled.connect(self._on_toggled)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setObjectName("availability_other_times")
        self.clear_other = QPushButton(self)
        self.clear_other.setAutoDefault(False)
        self.clear_other.clicked.connect(self._on_clear_other)
        self.message = MessageLabel(self)
        self.message.setObjectName("availability_message")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        other = QHBoxLayout()
        other.addWidget(self.note, 1)
        other.addWidget(self.clear_other)
        layout.addLayout(other)
        layout.addWidget(self.message)
        self.setFocusProxy(self.table)
        # A label buddy only takes focus when the buddy itself accepts it; the proxy gets it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._other: list[AvailabilitySlot] = []
        self._name = ""
        self._show_other()
        self.retranslate_ui()

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self._name = name
        self.table.setAccessibleName(name)

    def hours(self) -> range:
        return range(self.FIRST_HOUR, self.LAST_HOUR)

    def is_available(self, weekday: int, hour: int) -> bool:
        return self.table.is_on(weekday, hour - self.FIRST_HOUR)

    def set_available(self, weekday: int, hour: int, available: bool = True) -> None:
        if self.table.set_on(weekday, hour - self.FIRST_HOUR, available):
            self._describe(weekday, hour - self.FIRST_HOUR)
            self.changed.emit()

    def value(self) -> tuple[AvailabilitySlot, ...]:
        slots: list[AvailabilitySlot] = list(self._other)
        for day in range(7):
            start: int | None = None
            for column in range(self.table.columnCount() + 1):
                on = column < self.table.columnCount() and self.table.is_on(day, column)
                if on and start is None:
                    start = column
                elif not on and start is not None:
                    slots.append(
                        AvailabilitySlot(
                            day,
                            dt.time(self.FIRST_HOUR + start),
                            dt.time(self.FIRST_HOUR + column),
                        )
                    )
                    start = None
        return tuple(sorted(slots, key=lambda s: (s.weekday, s.start, s.end)))

    def set_value(self, slots: Sequence[AvailabilitySlot]) -> None:
        self.table.clear_all()
        self._other = []
        for slot in slots:
            if self._fits(slot):
                for hour in range(slot.start.hour, slot.end.hour):
                    self.table.set_on(slot.weekday, hour - self.FIRST_HOUR, True)
            else:
                self._other.append(slot)
        self._show_other()
        self._describe_all()
        self.changed.emit()

    def set_messages(self, messages: Sequence[str]) -> None:
        self.message.set_messages(messages)

    def retranslate_ui(self) -> None:
        self.table.setVerticalHeaderLabels([weekday_name(i, "wide") for i in range(7)])
        self.table.setHorizontalHeaderLabels([f"{hour:02d}" for hour in self.hours()])
        for column, hour in enumerate(self.hours()):
            header = self.table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(
                    _("{start} to {end}").format(
                        start=format_time(dt.time(hour)), end=format_time(dt.time(hour + 1))
                    )
                )
        self.table.setAccessibleDescription(
            _(
                "A grid of days and hours. Arrow keys move; Space ticks or clears an hour; "
                "Shift+Space ticks or clears the whole day."
            )
        )
        self.clear_other.setText(_("Clear &other times"))
        self.clear_other.setAccessibleName(plain_name(_("Clear &other times")))
        self._describe_all()
        self._show_other()
        if self._name:
            self.table.setAccessibleName(self._name)

    # ---- helpers -------------------------------------------------------------------------

    def _fits(self, slot: AvailabilitySlot) -> bool:
        def on_the_hour(t: dt.time) -> bool:
            return t.minute == 0 and t.second == 0 and t.microsecond == 0

        return (
            0 <= slot.weekday <= 6
            and on_the_hour(slot.start)
            and on_the_hour(slot.end)
            and self.FIRST_HOUR <= slot.start.hour < slot.end.hour <= self.LAST_HOUR
        )

    def _on_toggled(self, row: int, column: int) -> None:
        self._describe(row, column)
        self.changed.emit()

    def _on_clear_other(self) -> None:
        self._other = []
        self._show_other()
        self.changed.emit()

    def _show_other(self) -> None:
        if not self._other:
            self.note.clear()
            self.note.setHidden(True)
            self.clear_other.setHidden(True)
            return
        times = "; ".join(
            f"{weekday_name(s.weekday, 'wide')} {format_time(s.start)}–{format_time(s.end)}"
            for s in self._other
        )
        self.note.setText(
            _("Also available at times the grid cannot show: {times}.").format(times=times)
        )
        self.note.setHidden(False)
        self.clear_other.setHidden(False)

    def _describe(self, row: int, column: int) -> None:
        item = self.table.item(row, column)
        if item is None:
            return
        hour = self.FIRST_HOUR + column
        values = {
            "day": weekday_name(row, "wide"),
            "start": format_time(dt.time(hour)),
            "end": format_time(dt.time(hour + 1)) if hour + 1 < 24 else "24:00",
        }
        if self.table.is_on(row, column):
            text = _("{day}, {start} to {end}: available").format(**values)
        else:
            text = _("{day}, {start} to {end}: not available").format(**values)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        item.setToolTip(text)

    def _describe_all(self) -> None:
        for row in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                self._describe(row, column)


class _HourTable(QTableWidget):
    """The cells of the availability grid: a tick and a shaded background mark an hour."""

    toggled = Signal(int, int)
    _ON_BRUSH = QColor("#cde9cf")
    _MARK = "✓"

    def __init__(self, rows: int, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(rows, columns, parent)
        self._painting: bool | None = None
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(24)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._toggle_column)
        rows_header = self.verticalHeader()
        rows_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rows_header.setSectionsClickable(True)
        rows_header.sectionClicked.connect(self._toggle_row)
        for row in range(rows):
            for column in range(columns):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, False)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
        height = header.sizeHint().height() + 2 * self.frameWidth()
        height += sum(rows_header.sectionSizeHint(row) for row in range(rows))
        self.setFixedHeight(height)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def is_on(self, row: int, column: int) -> bool:
        item = self.item(row, column)
        return item is not None and bool(item.data(Qt.ItemDataRole.UserRole))

    def set_on(self, row: int, column: int, on: bool) -> bool:
        """Tick or clear one hour; True when that changed it."""
        item = self.item(row, column)
        if item is None or self.is_on(row, column) == on:
            return False
        item.setData(Qt.ItemDataRole.UserRole, on)
        item.setText(self._MARK if on else "")
        # An empty brush stands for "no background" (the style's own colours).
        item.setBackground(QBrush(self._ON_BRUSH) if on else QBrush())
        item.setForeground(QBrush(QColor("#1b1b1b")) if on else self.palette().text())
        return True

    def clear_all(self) -> None:
        for row in range(self.rowCount()):
            for column in range(self.columnCount()):
                self.set_on(row, column, False)

    def _flip(self, row: int, column: int, on: bool) -> None:
        if self.set_on(row, column, on):
            self.toggled.emit(row, column)

    def _toggle_row(self, row: int) -> None:
        on = not all(self.is_on(row, c) for c in range(self.columnCount()))
        for column in range(self.columnCount()):
            self._flip(row, column, on)

    def _toggle_column(self, column: int) -> None:
        on = not all(self.is_on(r, column) for r in range(self.rowCount()))
        for row in range(self.rowCount()):
            self._flip(row, column, on)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index.isValid():
            self._painting = not self.is_on(index.row(), index.column())
            self._flip(index.row(), index.column(), self._painting)
            self.setCurrentCell(index.row(), index.column())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._painting is not None and event.buttons() & Qt.MouseButton.LeftButton:
            index = self.indexAt(event.position().toPoint())
            if index.isValid():
                self._flip(index.row(), index.column(), self._painting)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._painting is not None:
            self._painting = None
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Select):
            row, column = self.currentRow(), self.currentColumn()
            if row < 0 or column < 0:
                row, column = 0, 0
                self.setCurrentCell(row, column)
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._toggle_row(row)
            else:
                self._flip(row, column, not self.is_on(row, column))
            event.accept()
            return
        super().keyPressEvent(event)


class ListEditor(QWidget):
    """A table of entries (away periods, memberships, coverage lines) with an editor beneath.

    Choose a row to load it into the editor; Add puts the editor's entry in the table, Update
    replaces the chosen row, Remove (or Delete) takes it out.  Subclasses say what the columns
    hold and how the editor reads and shows one entry; ``read_editor`` raises InvalidValue with
    the message to show when the entry cannot be added.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[Any] = []
        self._name = ""
        self._touched = False
        self.table = QTableWidget(0, len(self.headers()), self)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(110)
        self.editor = QFormLayout()
        self.editor.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.add_button = QPushButton(self)
        self.update_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        for button in (self.add_button, self.update_button, self.remove_button):
            button.setAutoDefault(False)
        self.message = MessageLabel(self)
        self.list_message = MessageLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.list_message)
        layout.addLayout(self.editor)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.update_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.setFocusProxy(self.table)
        # A label buddy only takes focus when the buddy itself accepts it; the proxy gets it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.update_button.clicked.connect(self._on_update_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)

    # ---- what subclasses provide ----------------------------------------------------------

    def headers(self) -> list[str]:
        raise NotImplementedError

    def cells(self, entry: Any) -> list[str]:
        raise NotImplementedError

    def read_editor(self) -> Any:
        raise NotImplementedError

    def write_editor(self, entry: Any) -> None:
        raise NotImplementedError

    def same_entry(self, old: Any, new: Any) -> bool:
        """When Add should replace an entry instead of adding a second one."""
        return False

    def carry_over(self, old: Any, new: Any) -> Any:
        """What an updated entry keeps from the one it replaces (an id, say)."""
        return new

    def retranslate_editor(self) -> None:
        """Set the editor's label texts."""

    # ---- public --------------------------------------------------------------------------

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self._name = name
        self.table.setAccessibleName(name)

    def entries(self) -> list[Any]:
        return list(self._entries)

    def set_entries(self, entries: Sequence[Any]) -> None:
        self._entries = list(entries)
        self._refill()
        self.changed.emit()

    def set_list_messages(self, messages: Sequence[str]) -> None:
        self.list_message.set_messages(messages)

    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels(self.headers())
        for button, text in (
            (self.add_button, _("&Add")),
            (self.update_button, _("&Update selected")),
            (self.remove_button, _("Re&move selected")),
        ):
            button.setText(text)
            button.setAccessibleName(plain_name(text))
        self.retranslate_editor()
        self._refill()
        self.editor_changed()
        if self._name:
            self.table.setAccessibleName(self._name)

    def editor_edited(self) -> None:
        """Slot for the editor's widgets: from now on say what is wrong with the entry."""
        self._touched = True
        self.editor_changed()

    def editor_changed(self) -> None:
        """Check the editor's entry and say what is wrong, enabling Add and Update if nothing."""
        try:
            self.read_editor()
        except InvalidValue as exc:
            problem = exc.error.message
        else:
            problem = ""
        self.message.set_messages([problem] if problem and self._touched else [])
        self.add_button.setToolTip(problem)
        self.add_button.setEnabled(not problem)
        self.update_button.setEnabled(not problem and self.selected_row() >= 0)
        self.remove_button.setEnabled(self.selected_row() >= 0)

    def add(self) -> bool:
        """Add the editor's entry (replacing one it stands for); False if it cannot be read."""
        try:
            entry = self.read_editor()
        except InvalidValue:
            return False
        for index, old in enumerate(self._entries):
            if self.same_entry(old, entry):
                self._entries[index] = self.carry_over(old, entry)
                self._refill(select=index)
                break
        else:
            self._entries.append(entry)
            self._refill(select=len(self._entries) - 1)
        self.changed.emit()
        return True

    # ---- slots ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.table.hasFocus() and self.selected_row() >= 0:
            self._on_remove_clicked()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_selection_changed(self) -> None:
        row = self.selected_row()
        if 0 <= row < len(self._entries):
            self.write_editor(self._entries[row])
        self.editor_changed()

    def _on_add_clicked(self) -> None:
        self.add()

    def _on_update_clicked(self) -> None:
        row = self.selected_row()
        try:
            entry = self.read_editor()
        except InvalidValue:
            return
        if not 0 <= row < len(self._entries):
            return
        self._entries[row] = self.carry_over(self._entries[row], entry)
        # An update that now stands for another entry replaces that one too.
        self._entries = [
            e for i, e in enumerate(self._entries) if i == row or not self.same_entry(e, entry)
        ]
        self._refill(select=min(row, len(self._entries) - 1))
        self.changed.emit()

    def _on_remove_clicked(self) -> None:
        row = self.selected_row()
        if not 0 <= row < len(self._entries):
            return
        del self._entries[row]
        self._refill(select=min(row, len(self._entries) - 1) if self._entries else None)
        self.changed.emit()

    def _refill(self, select: int | None = None) -> None:
        keep = self.selected_row() if select is None else select
        blocked = self.table.blockSignals(True)
        try:
            self.table.clearSelection()
            self.table.setRowCount(len(self._entries))
            for row, entry in enumerate(self._entries):
                for column, text in enumerate(self.cells(entry)):
                    item = QTableWidgetItem(text)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    self.table.setItem(row, column, item)
            if 0 <= keep < len(self._entries):
                self.table.selectRow(keep)
        finally:
            self.table.blockSignals(blocked)
        self.editor_changed()
