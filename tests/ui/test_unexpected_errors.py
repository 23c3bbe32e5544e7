"""A fault in the program reaches the coordinator as words, and the log file as details."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from cvcdesk.app import report_unexpected


def test_an_unexpected_error_is_a_message_not_a_stack_trace(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    try:
        raise ZeroDivisionError("division by zero in the scan")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.ERROR, logger="cvcdesk"):
            report_unexpected(type(exc), exc, exc.__traceback__, log_file=tmp_path / "c.log")
    assert len(shown) == 1
    assert "unexpected problem" in shown[0] and str(tmp_path / "c.log") in shown[0]
    assert "Traceback" not in shown[0] and "ZeroDivisionError" not in shown[0]
    # The details are kept for whoever supports the coordinator.
    assert any(
        record.exc_info and record.exc_info[0] is ZeroDivisionError for record in caplog.records
    )
