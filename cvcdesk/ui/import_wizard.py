"""The import wizard: pick a spreadsheet, match its columns, check the rows, import them.

Every step is a call to :class:`cvcdesk.services.imports.ImportService`: the file page inspects
the file, the mapping page shows the suggested mapping, Next on the mapping page runs the
preview and Import on the preview page writes the rows (both off the GUI thread through
:func:`cvcdesk.ui.tasks.run_task`, with progress and Cancel). The result page says what was
imported and which rows were skipped, and why.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from cvcdesk.domain.errors import CvcError
from cvcdesk.i18n import _, format_number
from cvcdesk.services.imports import (
    ImportOptions,
    ImportPreview,
    ImportResult,
    LikelyDuplicate,
    RowDecision,
)
from cvcdesk.services.registry import Services
from cvcdesk.services.spreadsheets import SheetInfo
from cvcdesk.ui.common import Retranslating, label_for, show_error
from cvcdesk.ui.tasks import TaskCancelled, run_task

log = logging.getLogger(__name__)

KINDS = ("volunteers", "groups")
ACCEPT, SKIP = "accept", "skip"  # a duplicate combo's data, else the uuid to merge into


def _kind_label(kind: str) -> str:
    return _("Volunteers") if kind == "volunteers" else _("Groups")


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _table(parent: QWidget, name: str, columns: int) -> QTableWidget:
    table = QTableWidget(parent)
    table.setObjectName(name)
    table.setColumnCount(columns)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


# ---- step 1: the file ------------------------------------------------------------------------


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("file_page")
        self._wizard = wizard
        grid = QGridLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        grid.addWidget(self.intro, 0, 0, 1, 3)

        self.path_label = QLabel(self)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("path")
        self.browse_button = QPushButton(self)
        self.browse_button.setObjectName("browse")
        grid.addWidget(self.path_label, 1, 0)
        grid.addWidget(self.path_edit, 1, 1)
        grid.addWidget(self.browse_button, 1, 2)

        self.kind_label = QLabel(self)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kind")
        for kind in KINDS:
            self.kind_combo.addItem("", kind)
        grid.addWidget(self.kind_label, 2, 0)
        grid.addWidget(self.kind_combo, 2, 1, 1, 2)

        self.sheet_label = QLabel(self)
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.setObjectName("sheet")
        grid.addWidget(self.sheet_label, 3, 0)
        grid.addWidget(self.sheet_combo, 3, 1, 1, 2)

        self.details = QLabel(self)
        self.details.setObjectName("file_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.details, 4, 0, 1, 3)
        grid.setRowStretch(5, 1)
        grid.setColumnStretch(1, 1)

        self.browse_button.clicked.connect(self.browse)
        self.path_edit.editingFinished.connect(self._path_typed)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.sheet_combo.currentIndexChanged.connect(self._sheet_changed)

    def isComplete(self) -> bool:
        return self._wizard.info is not None

    def browse(self) -> None:
        start = self.path_edit.text().strip()
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a spreadsheet to import"),
            str(Path(start).parent) if start else "",
            _("Spreadsheets (*.csv *.xlsx *.ods);;All files (*)"),
        )
        if path:
            self._wizard.set_file(Path(path))

    def _path_typed(self) -> None:
        text = self.path_edit.text().strip()
        current = self._wizard.info
        if not text or (current is not None and str(current.path) == text):
            return
        if text == self._wizard.last_tried:
            return  # already refused: do not repeat the message when focus moves
        self._wizard.set_file(Path(text))

    def _kind_changed(self) -> None:
        self._wizard.kind = str(self.kind_combo.currentData())

    def _sheet_changed(self) -> None:
        info = self._wizard.info
        sheet = self.sheet_combo.currentData()
        if info is not None and sheet and sheet != info.sheet_name:
            self._wizard.set_file(info.path, sheet=str(sheet))

    def show_info(self) -> None:
        info = self._wizard.info
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(self._wizard.kind)))
        self.kind_combo.blockSignals(False)
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        if info is not None:
            if self.path_edit.text().strip() != str(info.path):
                self.path_edit.setText(str(info.path))
            for name in info.sheet_names:
                self.sheet_combo.addItem(name, name)
            self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(info.sheet_name)))
        self.sheet_combo.blockSignals(False)
        many = info is not None and len(info.sheet_names) > 1
        self.sheet_combo.setEnabled(many)
        self.sheet_label.setEnabled(many)
        self.details.setText(self._describe(info))
        self.completeChanged.emit()

    @staticmethod
    def _describe(info: SheetInfo | None) -> str:
        if info is None:
            return _("No file chosen yet.")
        if info.format == "csv":
            how = _("CSV file, {encoding}, values separated by {delimiter}.").format(
                encoding=info.encoding_label, delimiter=info.delimiter_label
            )
        else:
            how = _("{format} workbook, worksheet “{sheet}”.").format(
                format=info.format.upper(), sheet=info.sheet_name
            )
        columns = _("{count} columns, headings in row {row}: {headers}").format(
            count=format_number(len(info.headers)),
            row=format_number(info.header_row),
            headers=", ".join(info.headers),
        )
        return f"{how}\n{columns}"

    def retranslate_ui(self) -> None:
        self.setTitle(_("Choose the file"))
        self.setSubTitle(_("A CSV file, an Excel workbook (.xlsx) or an OpenDocument one (.ods)."))
        self.intro.setText(
            _(
                "The file is only read, never changed. The next steps show which field each "
                "column fills and every row's problems before anything is written."
            )
        )
        label_for(self.path_label, self.path_edit, _("&Spreadsheet file:"))
        self.browse_button.setText(_("Bro&wse…"))
        self.browse_button.setAccessibleName(_("Browse for a spreadsheet file"))
        label_for(self.kind_label, self.kind_combo, _("&Records in the file:"))
        for index in range(self.kind_combo.count()):
            self.kind_combo.setItemText(index, _kind_label(str(self.kind_combo.itemData(index))))
        label_for(self.sheet_label, self.sheet_combo, _("W&orksheet:"))
        self.details.setAccessibleName(_("About the file"))
        self.details.setText(self._describe(self._wizard.info))


# ---- step 2: which field each column fills ---------------------------------------------------


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("mapping_page")
        self._wizard = wizard
        self._filled_for: tuple[object, ...] | None = None
        self._headers: tuple[str, ...] = ()
        self.remembered = False
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setObjectName("mapping_note")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table_label = QLabel(self)
        layout.addWidget(self.table_label)
        self.table = _table(self, "mapping", 2)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        wizard = self._wizard
        info = wizard.info
        if info is None:
            return
        key = (info.path, info.sheet_name, info.fingerprint, wizard.kind)
        if key == self._filled_for:
            return  # back and forth over the same file: keep what the coordinator chose
        try:
            mapping, self.remembered = wizard.services.imports.suggest_mapping(
                info, kind=wizard.kind
            )
        except CvcError as exc:
            show_error(self, exc)
            mapping, self.remembered = {}, False
        self._filled_for = key
        self._headers = info.headers
        self._fill(mapping)
        self._show_note()

    def combo(self, header: str) -> QComboBox:
        widget = self.table.cellWidget(self._headers.index(header), 1)
        assert isinstance(widget, QComboBox)
        return widget

    def mapping(self) -> dict[str, str]:
        """Each column's field ("" for a column left out)."""
        chosen: dict[str, str] = {}
        for row, header in enumerate(self._headers):
            widget = self.table.cellWidget(row, 1)
            if isinstance(widget, QComboBox):
                chosen[header] = str(widget.currentData() or "")
        return chosen

    def set_field(self, header: str, field: str) -> None:
        widget = self.combo(header)
        widget.setCurrentIndex(max(0, widget.findData(field)))

    def _fill(self, mapping: dict[str, str]) -> None:
        fields = self._wizard.services.imports.fields(self._wizard.kind)
        self.table.setRowCount(len(self._headers))
        for row, header in enumerate(self._headers):
            self.table.setItem(row, 0, _item(header))
            combo = QComboBox(self.table)
            combo.setObjectName(f"field_{row}")
            combo.addItem(_("— leave out —"), "")
            for f in fields:
                combo.addItem(f.display, f.name)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(header, ""))))
            combo.setAccessibleName(_("Field for column “{column}”").format(column=header))
            self.table.setCellWidget(row, 1, combo)

    def _show_note(self) -> None:
        if not self._headers:
            self.note.setText("")
        elif self.remembered:
            self.note.setText(
                _(
                    "These columns are matched as you matched them the last time this file "
                    "was imported."
                )
            )
        else:
            self.note.setText(
                _(
                    "cvcdesk guessed which field each column fills from its heading. Check "
                    "them, and choose “leave out” for a column that should not be imported."
                )
            )

    def validatePage(self) -> bool:
        return self._wizard.run_preview()

    def retranslate_ui(self) -> None:
        self.setTitle(_("Match the columns"))
        self.setSubTitle(_("Choose the field each column of the file fills."))
        self.table_label.setText(_("&Columns:"))
        self.table_label.setBuddy(self.table)
        self.table.setAccessibleName(_("Columns and the fields they fill"))
        self.table.setHorizontalHeaderLabels([_("Column in the file"), _("Fills the field")])
        if self._headers:
            self._fill(self.mapping())
        self._show_note()


# ---- step 3: problems and likely duplicates --------------------------------------------------


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("preview_page")
        self._wizard = wizard
        self._duplicate_rows: list[int] = []
        self.setCommitPage(True)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("preview_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.problems_label = QLabel(self)
        layout.addWidget(self.problems_label)
        self.problems = _table(self, "problems", 4)
        layout.addWidget(self.problems, 2)
        self.duplicates_label = QLabel(self)
        layout.addWidget(self.duplicates_label)
        self.duplicates = _table(self, "duplicates", 4)
        layout.addWidget(self.duplicates, 1)

    def initializePage(self) -> None:
        self._fill()

    def _fill(self) -> None:
        preview = self._wizard.preview
        if preview is None:
            return
        self.summary.setText(self._summary(preview))
        self.problems.setRowCount(len(preview.problems))
        for row, problem in enumerate(preview.problems):
            message = problem.message
            if not problem.blocking:
                message = _("{message} (a warning: the row is still imported)").format(
                    message=message
                )
            for column, text in enumerate(
                (format_number(problem.row), problem.column, problem.value, message)
            ):
                self.problems.setItem(row, column, _item(text))
        choices = {row: self.decision_data(row) for row in self._duplicate_rows}
        by_row: dict[int, list[LikelyDuplicate]] = {}
        for duplicate in preview.duplicates:
            by_row.setdefault(duplicate.row, []).append(duplicate)
        self._duplicate_rows = sorted(by_row)
        self.duplicates.setRowCount(len(self._duplicate_rows))
        for index, source_row in enumerate(self._duplicate_rows):
            found = by_row[source_row]
            self.duplicates.setItem(index, 0, _item(format_number(source_row)))
            self.duplicates.setItem(index, 1, _item("\n".join(self._describe(d) for d in found)))
            reasons = sorted({reason for d in found for reason in d.reasons})
            self.duplicates.setItem(index, 2, _item("; ".join(reasons)))
            combo = QComboBox(self.duplicates)
            combo.setObjectName(f"decision_{source_row}")
            combo.addItem(_("Import as new"), ACCEPT)
            combo.addItem(_("Skip this row"), SKIP)
            for d in found:
                if d.uuid:
                    combo.addItem(_("Merge into {name}").format(name=self._describe(d)), d.uuid)
            combo.setAccessibleName(
                _("What to do with row {row}").format(row=format_number(source_row))
            )
            combo.setCurrentIndex(max(0, combo.findData(choices.get(source_row, ACCEPT))))
            self.duplicates.setCellWidget(index, 3, combo)
        self.duplicates.resizeRowsToContents()
        has = bool(self._duplicate_rows)
        self.duplicates.setVisible(has)
        self.duplicates_label.setVisible(has)

    @staticmethod
    def _describe(duplicate: LikelyDuplicate) -> str:
        if not duplicate.uuid and duplicate.other_row is not None:
            return _("row {row} of this file").format(row=format_number(duplicate.other_row))
        details = ", ".join(p for p in (duplicate.reference, duplicate.postcode) if p)
        name = duplicate.name or _("(no name)")
        return f"{name} ({details})" if details else name

    @staticmethod
    def _summary(preview: ImportPreview) -> str:
        parts = [
            _(
                "{read} rows read: {ok} can be imported and {bad} have problems and will be "
                "skipped."
            ).format(
                read=format_number(preview.rows_read),
                ok=format_number(preview.rows_ok),
                bad=format_number(preview.rows_with_problems),
            )
        ]
        if preview.problems_total > len(preview.problems):
            parts.append(
                _("The first {shown} of {total} problems are listed.").format(
                    shown=format_number(len(preview.problems)),
                    total=format_number(preview.problems_total),
                )
            )
        if preview.unmapped:
            parts.append(
                _("Columns left out: {columns}.").format(columns=", ".join(preview.unmapped))
            )
        if preview.duplicates_total:
            parts.append(
                _(
                    "{count} rows look like records already held or like other rows: choose "
                    "below what to do with each."
                ).format(count=format_number(preview.duplicates_total))
            )
        parts.append(_("Nothing has been written yet."))
        return "\n".join(parts)

    def decision_data(self, source_row: int) -> str:
        index = self._duplicate_rows.index(source_row)
        widget = self.duplicates.cellWidget(index, 3)
        return str(widget.currentData()) if isinstance(widget, QComboBox) else ACCEPT

    def decision_combo(self, source_row: int) -> QComboBox:
        widget = self.duplicates.cellWidget(self._duplicate_rows.index(source_row), 3)
        assert isinstance(widget, QComboBox)
        return widget

    def decisions(self) -> dict[int, RowDecision]:
        chosen: dict[int, RowDecision] = {}
        for source_row in self._duplicate_rows:
            data = self.decision_data(source_row)
            if data == SKIP:
                chosen[source_row] = RowDecision.skip()
            elif data != ACCEPT:
                chosen[source_row] = RowDecision.merge(data)
        return chosen

    def validatePage(self) -> bool:
        return self._wizard.run_import(self.decisions())

    def retranslate_ui(self) -> None:
        self.setTitle(_("Check the rows"))
        self.setSubTitle(_("Rows with problems are skipped; nothing is written until you import."))
        self.problems_label.setText(_("&Problems:"))
        self.problems_label.setBuddy(self.problems)
        self.problems.setAccessibleName(_("Problems found in the rows"))
        self.problems.setHorizontalHeaderLabels(
            [_("Row"), _("Column"), _("Value"), _("What is wrong")]
        )
        self.duplicates_label.setText(_("&Likely duplicates:"))
        self.duplicates_label.setBuddy(self.duplicates)
        self.duplicates.setAccessibleName(_("Rows that look like records already held"))
        self.duplicates.setHorizontalHeaderLabels(
            [_("Row"), _("Looks like"), _("Why"), _("What to do")]
        )
        self._fill()


# ---- step 4: what happened -------------------------------------------------------------------


class ResultPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("result_page")
        self._wizard = wizard
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("result_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.skipped_label = QLabel(self)
        layout.addWidget(self.skipped_label)
        self.skipped = _table(self, "skipped", 2)
        layout.addWidget(self.skipped, 1)

    def initializePage(self) -> None:
        self._fill()

    def _fill(self) -> None:
        result = self._wizard.outcome
        if result is None:
            return
        parts = [
            _("{imported} new records imported, {merged} merged into existing records.").format(
                imported=format_number(result.imported), merged=format_number(result.merged)
            ),
            _("{skipped} of {read} rows skipped.").format(
                skipped=format_number(result.skipped), read=format_number(result.rows_read)
            ),
        ]
        if result.backup_path is not None:
            parts.append(
                _("The database was backed up first, to {path}.").format(path=result.backup_path)
            )
        self.summary.setText("\n".join(parts))
        self.skipped.setRowCount(len(result.skipped_rows))
        for index, skipped in enumerate(result.skipped_rows):
            reasons = "; ".join(str(reason) for reason in skipped.reasons) or _(
                "You chose to skip it."
            )
            self.skipped.setItem(index, 0, _item(format_number(skipped.row)))
            self.skipped.setItem(index, 1, _item(reasons))
        has = bool(result.skipped_rows)
        self.skipped.setVisible(has)
        self.skipped_label.setVisible(has)

    def retranslate_ui(self) -> None:
        self.setTitle(_("Imported"))
        self.setSubTitle(_("What was written, and the rows left out."))
        self.skipped_label.setText(_("&Skipped rows:"))
        self.skipped_label.setBuddy(self.skipped)
        self.skipped.setAccessibleName(_("Rows skipped, with the reasons"))
        self.skipped.setHorizontalHeaderLabels([_("Row"), _("Why it was skipped")])
        self._fill()


# ---- the wizard ------------------------------------------------------------------------------


class ImportWizard(Retranslating, QWizard):
    """File, mapping, preview, result. `imported` carries the number of records written."""

    imported = Signal(int)

    FILE, MAPPING, PREVIEW, RESULT = range(4)

    def __init__(
        self, services: Services, kind: str = "volunteers", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import_wizard")
        self.services = services
        self.kind = kind if kind in KINDS else "volunteers"
        self.info: SheetInfo | None = None
        self.preview: ImportPreview | None = None
        self.outcome: ImportResult | None = None
        self.last_tried = ""
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.result_page = ResultPage(self)
        self.setPage(self.FILE, self.file_page)
        self.setPage(self.MAPPING, self.mapping_page)
        self.setPage(self.PREVIEW, self.preview_page)
        self.setPage(self.RESULT, self.result_page)
        self.resize(820, 600)
        self.retranslate_ui()
        self.file_page.show_info()

    # -- the steps' work -------------------------------------------------------------------

    def set_file(self, path: Path | str, *, sheet: str | None = None) -> bool:
        """Inspect `path` (a worksheet of it); on a file that cannot be read, say why."""
        path = Path(path)
        self.last_tried = str(path)
        try:
            info = self.services.imports.inspect(path, sheet=sheet)
        except CvcError as exc:
            self.info = None
            show_error(self, exc, _("Import a spreadsheet"))
        except Exception:  # a reader's own error: never a traceback on screen
            log.exception("could not inspect %s", path)
            self.info = None
            show_error(
                self,
                CvcError(
                    _(
                        "“{name}” is not a spreadsheet cvcdesk can read. Save it as CSV "
                        "(UTF-8), Excel (.xlsx) or OpenDocument (.ods) and try again."
                    ).format(name=path.name)
                ),
                _("Import a spreadsheet"),
            )
        else:
            self.info = info
        self.preview = None
        self.file_page.show_info()
        return self.info is not None

    def run_preview(self) -> bool:
        info, kind = self.info, self.kind
        if info is None:
            return False
        mapping = self.mapping_page.mapping()
        imports = self.services.imports
        try:
            self.preview = run_task(
                self,
                _("Check the rows"),
                _("Checking every row of “{name}”…").format(name=info.path.name),
                lambda progress, cancelled: imports.preview(
                    info,
                    kind=kind,
                    mapping=mapping,
                    options=ImportOptions(),
                    progress=progress,
                    cancel=cancelled,
                ),
            )
        except TaskCancelled:
            return False
        except CvcError as exc:
            show_error(self, exc, _("Import a spreadsheet"))
            return False
        return True

    def run_import(self, decisions: dict[int, RowDecision]) -> bool:
        info, kind, preview = self.info, self.kind, self.preview
        if info is None or preview is None:
            return False
        imports = self.services.imports
        try:
            result: ImportResult = run_task(
                self,
                _("Import"),
                _("Importing “{name}”…").format(name=info.path.name),
                lambda progress, cancelled: imports.import_rows(
                    info,
                    kind=kind,
                    mapping=preview.mapping,
                    decisions=decisions,
                    options=ImportOptions(),
                    progress=progress,
                    cancel=cancelled,
                ),
            )
        except TaskCancelled:
            return False
        except CvcError as exc:
            show_error(self, exc, _("Import a spreadsheet"))
            return False
        self.outcome = result
        self.imported.emit(result.imported + result.merged)
        return True

    # -- texts ------------------------------------------------------------------------------

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Import from a spreadsheet"))
        self.setAccessibleName(_("Import a spreadsheet"))
        buttons = (
            (QWizard.WizardButton.BackButton, _("< &Back"), _("Back")),
            (QWizard.WizardButton.NextButton, _("&Next >"), _("Next")),
            (QWizard.WizardButton.CommitButton, _("&Import"), _("Import")),
            (QWizard.WizardButton.FinishButton, _("&Finish"), _("Finish")),
            (QWizard.WizardButton.CancelButton, _("Cancel"), _("Cancel")),
        )
        for which, text, name in buttons:
            self.setButtonText(which, text)
            self.button(which).setAccessibleName(name)
        for page in (self.file_page, self.mapping_page, self.preview_page, self.result_page):
            page.retranslate_ui()
