"""Rosters, sign-in sheets and schedules on paper.

The PDF that ReportLab made is the one document: PDFium (through pypdfium2) renders its pages
to images, for the preview on screen and, at the printer's resolution, for the printer.  What
is printed is therefore exactly what "Save as PDF…" writes, in English, Welsh or both, with
the embedded font that has ŵ and ŷ.  PDFium is not thread-safe: a document is rendered on the
GUI thread only.
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import Iterator
from contextlib import suppress

import pypdfium2 as pdfium
from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _
from cvcdesk.reports.data import RenderedPdf

POINTS_PER_INCH = 72.0
# Sharp text on office printers without spooling hundreds of megabytes a page.
MAX_PRINT_DPI = 300

_open_documents: weakref.WeakSet[PdfPages] = weakref.WeakSet()


@atexit.register
def _close_open_documents() -> None:
    """A preview still open when the program ends lets go of its PDF quietly."""
    for pages in list(_open_documents):
        pages.close()


class PdfPages:
    """A PDF's pages, rendered to images on request."""

    def __init__(self, data: bytes | RenderedPdf) -> None:
        self.data = data.data if isinstance(data, RenderedPdf) else data
        try:
            self._pdf = pdfium.PdfDocument(self.data)
            self._sizes = [self._pdf[index].get_size() for index in range(len(self._pdf))]
        except pdfium.PdfiumError as exc:
            raise CvcError(
                _("The PDF could not be read for the preview: {problem}").format(problem=exc)
            ) from exc
        _open_documents.add(self)

    def __len__(self) -> int:
        return len(self._sizes)

    def size(self, index: int) -> QSizeF:
        """The page's size in points (1/72 inch)."""
        width, height = self._sizes[index]
        return QSizeF(width, height)

    def is_landscape(self, index: int) -> bool:
        width, height = self._sizes[index]
        return width > height

    def image(self, index: int, dpi: float, *, for_printer: bool = False) -> QImage:
        """Page `index` (from 0) as an image at `dpi` dots per inch, on white."""
        page = self._pdf[index]
        try:
            bitmap = page.render(
                scale=dpi / POINTS_PER_INCH,
                prefer_bgrx=True,
                rev_byteorder=True,
                fill_color=(255, 255, 255, 255),
                may_draw_forms=False,
                **({"optimize_mode": "print"} if for_printer else {}),
            )
        except pdfium.PdfiumError as exc:
            raise CvcError(
                _("Page {page} could not be drawn: {problem}").format(page=index + 1, problem=exc)
            ) from exc
        try:
            return QImage(
                bitmap.buffer,
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGBX8888,
            ).copy()  # the bitmap's memory goes when it is closed
        finally:
            bitmap.close()
            page.close()

    def close(self) -> None:
        _open_documents.discard(self)
        with suppress(Exception):
            self._pdf.close()


def _page_range(printer: QPrinter, count: int) -> Iterator[int]:
    """The pages (from 0) the print dialog chose: all, a range, or the current one."""
    first, last = 1, count
    if printer.printRange() == QPrinter.PrintRange.PageRange:
        first = max(printer.fromPage(), 1)
        last = min(printer.toPage() or count, count)
    return iter(range(first - 1, last))


def _fit_page(printer: QPrinter, pages: PdfPages) -> None:
    """Paper as the PDF's first page: A4 stays A4, and portrait or landscape as it is."""
    width, height = pages.size(0).width(), pages.size(0).height()
    size = QPageSize(
        QSizeF(min(width, height), max(width, height)),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )
    orientation = (
        QPageLayout.Orientation.Landscape
        if pages.is_landscape(0)
        else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(
        QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    )


def print_pdf(printer: QPrinter, pages: PdfPages) -> int:
    """Print the pages the printer's range asks for (all by default), each rendered at the
    printer's resolution (at most MAX_PRINT_DPI) and laid on the whole sheet, as the PDF
    keeps its own margins. Returns the number of pages sent."""
    if not len(pages):
        return 0
    wanted = list(_page_range(printer, len(pages)))
    if not wanted:
        return 0
    printer.setFullPage(True)
    dpi = float(min(printer.resolution(), MAX_PRINT_DPI))
    painter = QPainter()
    if not painter.begin(printer):
        raise CvcError(_("The printer could not be started. Check that it is ready."))
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for done, index in enumerate(wanted):
            if done:
                printer.newPage()
            image = pages.image(index, dpi, for_printer=True)
            paper = printer.paperRect(QPrinter.Unit.DevicePixel)
            scale = min(paper.width() / image.width(), paper.height() / image.height())
            width, height = image.width() * scale, image.height() * scale
            target = QRectF(
                (paper.width() - width) / 2, (paper.height() - height) / 2, width, height
            )
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(wanted)


def print_with_dialog(
    parent: QWidget | None,
    pages: PdfPages,
    *,
    document_name: str,
    title: str,
    printer: QPrinter | None = None,
) -> int:
    """Print `pages`; with no `printer` the system print dialog asks which printer, how many
    copies and which pages. Returns the pages sent (0 when cancelled)."""
    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(document_name)
        if len(pages):
            _fit_page(printer, pages)
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(title)
        dialog.setMinMax(1, max(len(pages), 1))
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
    elif len(pages):
        _fit_page(printer, pages)
    return print_pdf(printer, pages)
