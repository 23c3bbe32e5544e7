"""The Groups page: every organisation with its kind, contacts and number of volunteers.

Groups number in the hundreds, so the page loads the matching rows once per search and sorts
them here (Welsh alphabetical order when the UI is Welsh); the table still pages through them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from cvcdesk.domain.names import english_sort_key, welsh_sort_key
from cvcdesk.domain.organisation import OrganisationRow
from cvcdesk.i18n import _, current_language, format_number, ngettext
from cvcdesk.services.registry import Services
from cvcdesk.ui.common import label_for
from cvcdesk.ui.pages.records import RecordsPage
from cvcdesk.ui.pages.volunteers import _phone
from cvcdesk.ui.table_model import Column, PagedTableModel


def _name(row: OrganisationRow) -> str:
    return row.name(current_language())


COLUMNS: list[Column[OrganisationRow]] = [
    Column("name", lambda: _("Name"), _name, "name", width=34),
    Column("kind", lambda: _("Kind"), lambda r: r.kind.label, "kind", width=18),
    Column("postcode", lambda: _("Postcode"), lambda r: r.postcode, "postcode", width=9),
    Column("phone", lambda: _("Phone"), lambda r: _phone(r.phone), width=14),
    Column("email", lambda: _("E-mail"), lambda r: r.email, width=30),
    Column(
        "volunteers",
        lambda: _("Volunteers"),
        lambda r: format_number(r.volunteers),
        "volunteers",
        align_right=True,
    ),
]


class GroupsPage(RecordsPage):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        self._rows: list[OrganisationRow] = []
        self._sorted: dict[tuple[str, bool], list[OrganisationRow]] = {}
        super().__init__(services, parent)
        self.setObjectName("groups_page")
        self.retranslate_ui()
        self.apply_query()

    def create_model(self) -> PagedTableModel[Any]:
        return PagedTableModel(COLUMNS, count=self._load, fetch=self._page)

    def _load(self) -> int:
        self._rows = self._services.organisations.list(
            self.search.text().strip(), limit=None, language=current_language()
        )
        self._sorted = {}
        return len(self._rows)

    def _page(self, offset: int, limit: int, order: str, descending: bool) -> list[OrganisationRow]:
        key = (order, descending)
        if key not in self._sorted:
            name_key = welsh_sort_key if current_language() == "cy" else english_sort_key
            keys = {
                "name": lambda r: (name_key(_name(r)),),
                "kind": lambda r: (r.kind.label.casefold(), name_key(_name(r))),
                "postcode": lambda r: (r.postcode, name_key(_name(r))),
                "volunteers": lambda r: (r.volunteers, name_key(_name(r))),
            }
            self._sorted[key] = sorted(
                self._rows, key=keys.get(order, keys["name"]), reverse=descending
            )
        return self._sorted[key][offset : offset + limit]

    def update_query(self) -> None:
        pass  # _load reads the search box itself

    def retranslate_ui(self) -> None:
        label_for(self.search_label, self.search, _("&Search:"))
        self.search.setPlaceholderText(_("Group name (English or Welsh), postcode or e-mail"))
        self.table.setAccessibleName(_("Groups"))
        self.model.retranslate()
        self.result_label.setText(self.result_text(self.model.rowCount()))

    def result_text(self, count: int) -> str:
        return ngettext("{count} group", "{count} groups", count).format(count=format_number(count))

    def row_name(self, row: Any) -> str:
        return _name(row)

    def open_form(self, uuid: str | None) -> QWidget:
        from cvcdesk.ui.forms.group_form import GroupForm

        return GroupForm(self._services, uuid, self)

    def delete_record(self, uuid: str) -> None:
        self._services.organisations.delete(uuid)

    def restore_record(self, uuid: str) -> None:
        self._services.organisations.restore(uuid)

    def delete_question(self, name: str) -> str:
        return _(
            "Delete the group {name}? Its volunteers stay on the list. You can undo this "
            "straight away with Edit ▸ Undo delete."
        ).format(name=name)
