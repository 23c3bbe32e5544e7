"""A page whose feature is still to come: it says plainly what will be there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cvcdesk.ui.common import Retranslating


class EmptyStatePage(Retranslating, QWidget):
    def __init__(
        self,
        name: str,
        heading: Callable[[], str],
        text: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._heading_text, self._body_text = heading, text
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.heading = QLabel(self)
        self.heading.setObjectName("empty_heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.body = QLabel(self)
        self.body.setObjectName("empty_text")
        self.body.setWordWrap(True)
        self._text_width = self.body.fontMetrics().averageCharWidth() * 70
        self.body.setFixedWidth(self._text_width)
        for label in (self.heading, self.body):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
            label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.heading.setText(self._heading_text())
        self.body.setText(self._body_text())
        self.body.setMinimumHeight(self.body.heightForWidth(self._text_width))
        self.heading.setAccessibleName(self._heading_text())
        self.body.setAccessibleName(self._body_text())

    def refresh(self) -> None:
        pass
