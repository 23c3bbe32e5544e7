"""A PDF's real pages on screen before it goes to the printer or a file.

The pages are PDFium renderings of the very PDF that is printed or saved (see roster_print),
drawn only as they scroll into view, so a long roster opens at once.  From the preview the
coordinator prints (the system print dialog), saves the PDF, or opens it in the system's own
PDF viewer.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QKeySequence,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_number, ngettext
from cvcdesk.reports.data import RenderedPdf
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.roster_print import POINTS_PER_INCH, PdfPages, print_with_dialog

ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
FIT_WIDTH = "width"
FIT_PAGE = "page"
PAGE_GAP = 16
KEEP_NEARBY = 2  # pages kept drawn either side of those in view

Saver = Callable[[Path, RenderedPdf], Path]

_temp_dir: Path | None = None


def _temporary_folder() -> Path:
    """One folder for PDFs opened in the system viewer, removed when the program ends."""
    global _temp_dir
    if _temp_dir is None:
        _temp_dir = Path(tempfile.mkdtemp(prefix="cvcdesk-pdf-"))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_remove_temporary_folder)
    return _temp_dir


def _remove_temporary_folder() -> None:
    global _temp_dir
    if _temp_dir is not None:
        shutil.rmtree(_temp_dir, ignore_errors=True)
        _temp_dir = None


def with_pdf_suffix(path: Path) -> Path:
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def open_in_viewer(rendered: RenderedPdf, file_name: str, save: Saver) -> tuple[Path, bool]:
    """Write the PDF to a temporary file and ask the system to open it; returns the file and
    whether a viewer took it."""
    written = save(_temporary_folder() / with_pdf_suffix(Path(file_name)).name, rendered)
    return written, QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))


class _PageView(QLabel):
    """One page: white paper with a thin edge; its image is drawn when it comes into view."""

    def __init__(self, index: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.index = index
        self.drawn_at: float | None = None  # the zoom its pixmap was drawn at
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.white)
        self.setPalette(palette)
        self.setStyleSheet("QLabel { border: 1px solid #8a8f98; }")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)


class PdfPreviewDialog(Retranslating, QDialog):
    """The pages of one PDF, page N of M, zoom, and Print… / Save as PDF… / Open."""

    printed = Signal(int)
    saved = Signal(Path)

    def __init__(
        self,
        rendered: RenderedPdf,
        *,
        title: str,
        file_name: str,
        save: Saver,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pdf_preview")
        self.rendered = rendered
        self.title = title
        self.file_name = file_name
        self._save = save
        self.pages = PdfPages(rendered)
        self._zoom = 1.0
        self._fit: str | None = FIT_WIDTH
        self._views: list[_PageView] = []
        layout = QVBoxLayout(self)

        # -- page and zoom ---------------------------------------------------------------
        bar = QHBoxLayout()
        self.previous_page = QPushButton(self)
        self.previous_page.setObjectName("previous_page")
        self.page_label, self.page = QLabel(self), QSpinBox(self)
        self.page.setObjectName("page")
        self.page.setRange(1, max(len(self.pages), 1))
        self.page_count = QLabel(self)
        self.page_count.setObjectName("page_count")
        self.next_page = QPushButton(self)
        self.next_page.setObjectName("next_page")
        for widget in (self.previous_page, self.page_label, self.page, self.page_count):
            bar.addWidget(widget)
        bar.addWidget(self.next_page)
        bar.addStretch(1)
        self.zoom_out = QPushButton(self)
        self.zoom_out.setObjectName("zoom_out")
        self.zoom_label, self.zoom = QLabel(self), QComboBox(self)
        self.zoom.setObjectName("zoom")
        self.zoom_in = QPushButton(self)
        self.zoom_in.setObjectName("zoom_in")
        for button in (self.zoom_out, self.zoom_in):
            button.setFixedWidth(button.fontMetrics().height() * 3)
        for widget in (self.zoom_label, self.zoom_out, self.zoom, self.zoom_in):
            bar.addWidget(widget)
        layout.addLayout(bar)

        # -- the pages -------------------------------------------------------------------
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("pages")
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setBackgroundRole(QPalette.ColorRole.Dark)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sheet = QWidget(self.scroll)
        self.sheet.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for index in range(len(self.pages)):
            self._views.append(_PageView(index, self.sheet))
        self.scroll.setWidget(self.sheet)
        layout.addWidget(self.scroll, 1)

        # -- actions ---------------------------------------------------------------------
        self.buttons = QDialogButtonBox(self)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("print")
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("save_pdf")
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open_pdf")
        for button in (self.print_button, self.save_button, self.open_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        # -- wiring ----------------------------------------------------------------------
        self.previous_page.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.next_page.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.page.valueChanged.connect(self._page_chosen)
        self.zoom.activated.connect(self._zoom_chosen)
        self.zoom_in.clicked.connect(lambda: self.step_zoom(1))
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.scroll.horizontalScrollBar().valueChanged.connect(lambda _v: self._schedule_draw())
        self.print_button.clicked.connect(lambda: self.print_pages())
        self.save_button.clicked.connect(lambda: self.save_pdf())
        self.open_button.clicked.connect(self.open_in_viewer)
        self.buttons.rejected.connect(self.reject)
        pages = self.pages  # closed however the dialog goes, even with its parent
        self.finished.connect(lambda _r: pages.close())
        self.destroyed.connect(lambda *_args: pages.close())
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, lambda: self.step_zoom(1)),
            (QKeySequence("Ctrl+="), lambda: self.step_zoom(1)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self.step_zoom(-1)),
            (QKeySequence.StandardKey.Print, lambda: self.print_pages()),
            (QKeySequence.StandardKey.Save, lambda: self.save_pdf()),
            (QKeySequence("Alt+PgUp"), lambda: self.go_to_page(self.current_page() - 1)),
            (QKeySequence("Alt+PgDown"), lambda: self.go_to_page(self.current_page() + 1)),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self.draw_visible)
        self.resize(900, 820)
        self.retranslate_ui()
        self._layout_pages()
        self.scroll.setFocus()

    # -- pages ---------------------------------------------------------------------------
    def page_count_value(self) -> int:
        return len(self.pages)

    def current_page(self) -> int:
        return self.page.value()

    def go_to_page(self, number: int) -> None:
        """Show page `number` (from 1) at the top."""
        if not self._views:
            return
        number = min(max(number, 1), len(self._views))
        view = self._views[number - 1]
        self.scroll.verticalScrollBar().setValue(max(view.y() - PAGE_GAP // 2, 0))
        self._set_page_number(number)
        self._schedule_draw()

    def _page_chosen(self, number: int) -> None:
        view = self._views[number - 1] if 0 < number <= len(self._views) else None
        if view is not None:
            self.scroll.verticalScrollBar().setValue(max(view.y() - PAGE_GAP // 2, 0))
        self._update_status()

    def _set_page_number(self, number: int) -> None:
        self.page.blockSignals(True)
        self.page.setValue(number)
        self.page.blockSignals(False)
        self._update_status()

    def _scrolled(self, _value: int) -> None:
        """The page number follows the page that fills most of the view."""
        top = self.scroll.verticalScrollBar().value()
        middle = top + self.scroll.viewport().height() // 3
        for view in self._views:
            if view.y() + view.height() + PAGE_GAP >= middle:
                self._set_page_number(view.index + 1)
                break
        self._schedule_draw()

    # -- zoom ----------------------------------------------------------------------------
    def zoom_factor(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float | str) -> None:
        """A factor (1.0 = actual size) or FIT_WIDTH / FIT_PAGE."""
        if isinstance(zoom, str):
            self._fit = zoom
        else:
            self._fit = None
            self._zoom = min(max(zoom, ZOOMS[0]), ZOOMS[-1])
        self._layout_pages()

    def step_zoom(self, direction: int) -> None:
        if direction > 0:
            bigger = [z for z in ZOOMS if z > self._zoom + 0.01]
            self.set_zoom(bigger[0] if bigger else ZOOMS[-1])
        else:
            smaller = [z for z in ZOOMS if z < self._zoom - 0.01]
            self.set_zoom(smaller[-1] if smaller else ZOOMS[0])

    def _zoom_chosen(self, index: int) -> None:
        value = self.zoom.itemData(index)
        self.set_zoom(value if isinstance(value, str) else float(value))

    def _screen_dpi(self) -> float:
        return float(self.logicalDpiY() or 96)

    def _fitted_zoom(self) -> float:
        if not self._views or self._fit is None:
            return self._zoom
        first = self.pages.size(0)
        dpi = self._screen_dpi()
        page_w = first.width() / POINTS_PER_INCH * dpi
        page_h = first.height() / POINTS_PER_INCH * dpi
        room_w = self.scroll.viewport().width() - 2 * PAGE_GAP
        if self.scroll.verticalScrollBar().isHidden():
            room_w -= self.scroll.verticalScrollBar().sizeHint().width()
        zoom = room_w / page_w
        if self._fit == FIT_PAGE:
            zoom = min(zoom, (self.scroll.viewport().height() - 2 * PAGE_GAP) / page_h)
        return min(max(zoom, 0.2), ZOOMS[-1])

    def _layout_pages(self) -> None:
        """Size and place every page for the zoom; the pages in view are drawn next."""
        keep = self.current_page()
        self._zoom = self._fitted_zoom()
        dpi = self._screen_dpi() * self._zoom
        y, widest = PAGE_GAP, 0
        sizes = []
        for view in self._views:
            size = self.pages.size(view.index)
            w = round(size.width() / POINTS_PER_INCH * dpi)
            h = round(size.height() / POINTS_PER_INCH * dpi)
            sizes.append((w, h))
            widest = max(widest, w)
        for view, (w, h) in zip(self._views, sizes, strict=True):
            view.setGeometry(PAGE_GAP + (widest - w) // 2, y, w, h)
            if view.drawn_at is not None and abs(view.drawn_at - self._zoom) > 1e-6:
                view.setPixmap(QPixmap())
                view.drawn_at = None
            y += h + PAGE_GAP
        self.sheet.resize(widest + 2 * PAGE_GAP, y)
        self._show_zoom()
        if self._views:
            self.go_to_page(keep)

    def _show_zoom(self) -> None:
        self.zoom.blockSignals(True)
        index = self.zoom.findData(self._fit) if self._fit else -1
        if index < 0:
            index = next(
                (i for i in range(self.zoom.count()) if self.zoom.itemData(i) == self._zoom), -1
            )
        if index < 0:
            self.zoom.setEditText("")
        self.zoom.setCurrentIndex(index)
        self.zoom.blockSignals(False)
        self.zoom.setToolTip(
            _("Zoom: {percent}%").format(percent=format_number(round(self._zoom * 100)))
        )
        self.zoom_in.setEnabled(self._zoom < ZOOMS[-1] - 0.01)
        self.zoom_out.setEnabled(self._zoom > ZOOMS[0] + 0.01)

    # -- drawing -------------------------------------------------------------------------
    def _schedule_draw(self) -> None:
        self._draw_timer.start()

    def visible_pages(self) -> list[int]:
        """The pages (from 1) in view now."""
        top = self.scroll.verticalScrollBar().value()
        seen = QRect(0, top, self.sheet.width(), self.scroll.viewport().height())
        return [v.index + 1 for v in self._views if v.geometry().intersects(seen)]

    def draw_visible(self) -> None:
        """Draw the pages in view (and the next ones); forget those far away."""
        shown = self.visible_pages()
        if not shown:
            return
        low, high = shown[0] - 1 - KEEP_NEARBY, shown[-1] - 1 + KEEP_NEARBY
        ratio = self.devicePixelRatioF()
        dpi = self._screen_dpi() * self._zoom * ratio
        for view in self._views:
            if low <= view.index <= high:
                if view.drawn_at is None:
                    try:
                        image = self.pages.image(view.index, dpi)
                    except CvcError as exc:
                        view.setText(str(exc))
                        view.drawn_at = self._zoom
                        continue
                    pixmap = QPixmap.fromImage(image)
                    pixmap.setDevicePixelRatio(ratio)
                    view.setPixmap(pixmap)
                    view.drawn_at = self._zoom
            elif view.drawn_at is not None:
                view.setPixmap(QPixmap())
                view.drawn_at = None

    def drawn_pages(self) -> list[int]:
        return [v.index + 1 for v in self._views if v.drawn_at is not None]

    def page_image(self, number: int) -> QPixmap:
        """Page `number`'s picture as shown (drawing it if it was not yet)."""
        view = self._views[number - 1]
        if view.drawn_at is None:
            self.go_to_page(number)
            self.draw_visible()
        return view.pixmap()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit is not None:
            self._layout_pages()
        self._schedule_draw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._layout_pages()
        self._schedule_draw()

    # -- actions -------------------------------------------------------------------------
    def print_pages(self, printer: QPrinter | None = None) -> int:
        """Print through the system print dialog (or on `printer`); returns pages sent."""
        try:
            sent = print_with_dialog(
                self,
                self.pages,
                document_name=Path(self.file_name).stem,
                title=_("Print {title}").format(title=self.title),
                printer=printer,
            )
        except CvcError as exc:
            show_error(self, exc)
            return 0
        if sent:
            self.status.setText(
                ngettext(
                    "Sent {pages} page to the printer.", "Sent {pages} pages to the printer.", sent
                ).format(pages=format_number(sent))
            )
            self.printed.emit(sent)
        return sent

    def save_pdf(self, path: Path | None = None) -> Path | None:
        """Save the PDF; asks where when `path` is None."""
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                _("Save as PDF"),
                str(Path.home() / self.file_name),
                _("PDF files (*.pdf)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            written = self._save(with_pdf_suffix(path), self.rendered)
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status.setText(
            ngettext(
                "Saved {pages} page to {path}.",
                "Saved {pages} pages to {path}.",
                self.rendered.pages,
            ).format(pages=format_number(self.rendered.pages), path=written)
        )
        self.saved.emit(written)
        return written

    def open_in_viewer(self) -> Path | None:
        try:
            written, opened = open_in_viewer(self.rendered, self.file_name, self._save)
        except CvcError as exc:
            show_error(self, exc)
            return None
        self.status.setText(
            _("Opened in the PDF viewer.")
            if opened
            else _("No PDF viewer opened the file. It is saved at {path}.").format(path=written)
        )
        return written

    # -- texts ---------------------------------------------------------------------------
    def _update_status(self) -> None:
        count = len(self._views)
        text = _("Page {page} of {pages}").format(
            page=format_number(self.current_page() if count else 0), pages=format_number(count)
        )
        self.scroll.setAccessibleDescription(text)
        self.previous_page.setEnabled(self.current_page() > 1)
        self.next_page.setEnabled(self.current_page() < count)
        self.setWindowTitle(
            _("{title} — preview, {position}").format(title=self.title, position=text)
        )

    def retranslate_ui(self) -> None:
        self.setAccessibleName(_("Print preview"))
        label_for(self.page_label, self.page, _("Pa&ge"))
        self.page_count.setText(_("of {pages}").format(pages=format_number(len(self._views))))
        for button, text, name in (
            (self.previous_page, _("◀ P&revious page"), _("Previous page")),
            (self.next_page, _("&Next page ▶"), _("Next page")),
            (self.zoom_out, "−", _("Zoom out")),
            (self.zoom_in, "+", _("Zoom in")),
            (self.print_button, _("&Print…"), _("Print")),
            (self.save_button, _("&Save as PDF…"), _("Save as PDF")),
            (self.open_button, _("&Open in PDF viewer"), _("Open in the system's PDF viewer")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.close_button.setText(_("&Close"))
        self.close_button.setAccessibleName(_("Close"))
        label_for(self.zoom_label, self.zoom, _("&Zoom:"))
        self.zoom.blockSignals(True)
        self.zoom.clear()
        self.zoom.addItem(_("Fit width"), FIT_WIDTH)
        self.zoom.addItem(_("Whole page"), FIT_PAGE)
        for zoom in ZOOMS:
            self.zoom.addItem(
                _("{percent}%").format(percent=format_number(round(zoom * 100))), zoom
            )
        self.zoom.blockSignals(False)
        self._show_zoom()
        self.scroll.setAccessibleName(_("Pages of {title}").format(title=self.title))
        for view in self._views:
            view.setAccessibleName(
                _("Page {page} of {pages}").format(
                    page=format_number(view.index + 1), pages=format_number(len(self._views))
                )
            )
        self._update_status()
