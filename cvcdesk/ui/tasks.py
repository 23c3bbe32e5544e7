"""Long work (sample data, scans, imports) off the GUI thread, with a cancellable progress dialog.

The work function runs in a QThread and receives a progress callback and a cancel flag; the
dialog's Cancel button sets the flag and the service rolls its transaction back.  While the
work runs a local event loop keeps the window painting and responsive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_number
from cvcdesk.services.base import Cancelled

log = logging.getLogger(__name__)

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class TaskCancelled(Exception):
    """The coordinator pressed Cancel; nothing was written."""


class _Worker(QObject):
    progressed = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, cancel: threading.Event) -> None:
        super().__init__()
        self._work = work
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._cancel.is_set)
        except Exception as exc:  # handed to the GUI thread, which decides what the user sees
            self.failed.emit(exc)
        else:
            self.done.emit(result)


class _Bridge(QObject):
    """Receives the worker's signals in the GUI thread and drives the dialog."""

    def __init__(self, dialog: QProgressDialog, label: str, cancel: threading.Event) -> None:
        super().__init__()
        self.dialog, self.label, self.cancel = dialog, label, cancel
        self.loop = QEventLoop()
        self.outcome: dict[str, Any] = {}

    @Slot(int, int)
    def on_progress(self, done: int, total: int) -> None:
        if total > 0 and not self.cancel.is_set():
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
            self.dialog.setLabelText(
                _("{label}\n{done} of {total}").format(
                    label=self.label, done=format_number(done), total=format_number(total)
                )
            )

    @Slot(object)
    def on_done(self, result: object) -> None:
        self.outcome["result"] = result
        self.loop.quit()

    @Slot(object)
    def on_failed(self, exc: object) -> None:
        self.outcome["error"] = exc
        self.loop.quit()

    @Slot()
    def on_cancel(self) -> None:
        self.cancel.set()
        self.dialog.setLabelText(_("Cancelling…"))
        self.dialog.show()  # QProgressDialog hides itself on cancel; keep it until work stops


def run_task(parent: QWidget | None, title: str, label: str, work: Work) -> Any:
    """Run `work(progress, cancelled)` in a worker thread while a progress dialog shows.

    Returns the work's result; raises TaskCancelled when the user cancelled, or the CvcError
    the work raised.  Any other exception is logged and turned into a CvcError.
    """
    cancel = threading.Event()
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setAccessibleName(title)
    thread = QThread()
    worker = _Worker(work, cancel)
    worker.moveToThread(thread)
    bridge = _Bridge(dialog, label, cancel)  # lives in the GUI thread: its slots run there
    worker.progressed.connect(bridge.on_progress)
    worker.done.connect(bridge.on_done)
    worker.failed.connect(bridge.on_failed)
    dialog.canceled.connect(bridge.on_cancel)
    thread.started.connect(worker.run)
    thread.start()
    dialog.show()
    bridge.loop.exec()
    thread.quit()
    thread.wait()
    dialog.canceled.disconnect(bridge.on_cancel)
    dialog.hide()
    dialog.deleteLater()
    outcome = bridge.outcome
    error = outcome.get("error")
    if error is not None:
        if isinstance(error, Cancelled):
            raise TaskCancelled()
        if isinstance(error, CvcError):
            raise error
        log.error("background task failed", exc_info=error)  # type: ignore[arg-type]
        raise CvcError(
            _("Something went wrong and nothing was changed. The details are in the log file.")
        )
    return outcome.get("result")
