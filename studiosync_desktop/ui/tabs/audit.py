"""The audit trail, for admins: who changed what and when, newest first, with filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QWidget

from studiosync_desktop.schemas.accounts import AuditFilters, AuditRow
from studiosync_desktop.schemas.common import Page
from studiosync_desktop.ui.audit_columns import audit_columns
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import words
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.widgets import DayField

PAGE_SIZE = 200
# The business tables a receptionist asks about; the audit view filters on one of them.
TABLES = (
    "lessons",
    "recurring_patterns",
    "students",
    "users",
    "teachers",
    "families",
    "invoices",
    "invoice_line_items",
    "payments",
    "inventory_items",
    "checkout_logs",
    "practice_rooms",
    "room_reservations",
    "resources",
    "studios",
)
NO_DATE = QDate(2000, 1, 1)


class AuditTab(DataTab):
    uses = ("accounts",)
    key = "audit"
    title = "Audit trail"
    noun = ("change", "changes")
    empty_text = "No changes match these filters."
    stretch_column = 4

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        super().__init__(context, audit_columns(self.clock), None, parent)
        self.person = QComboBox(self)
        self.person.addItem("Everyone", None)
        self.person.setMinimumWidth(180)
        self.table_filter = QComboBox(self)
        self.table_filter.addItem("All tables", None)
        for name in TABLES:
            self.table_filter.addItem(words(name), name)
        self.day_from = self._date_edit()
        self.day_to = self._date_edit()
        for label, widget in (
            ("&Person:", self.person),
            ("&Table:", self.table_filter),
            ("&From:", self.day_from),
            ("T&o:", self.day_to),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            self.toolbar.addWidget(caption)
            self.toolbar.addWidget(widget)
        self.toolbar.addStretch(1)
        self.person.currentIndexChanged.connect(self._filters_changed)
        self.table_filter.currentIndexChanged.connect(self._filters_changed)
        self.day_from.dateChanged.connect(self._filters_changed)
        self.day_to.dateChanged.connect(self._filters_changed)
        self._people_loaded = False

    def _filters_changed(self, *_: object) -> None:
        # A combo box being destroyed with the window changes its index too: not a new query.
        if self.isVisible() and self.person.currentIndex() >= 0:
            self.reload()

    def _date_edit(self) -> QDateEdit:
        edit = DayField(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd MMM yyyy")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Any day")  # shown at the minimum date: no limit
        edit.setDate(NO_DATE)
        return edit

    @staticmethod
    def _day(edit: QDateEdit) -> date | None:
        value = edit.date()
        return None if value == NO_DATE else date(value.year(), value.month(), value.day())

    def filters(self) -> AuditFilters:
        return AuditFilters(
            user_id=self.person.currentData(),
            table_name=self.table_filter.currentData(),
            day_from=self._day(self.day_from),
            day_to=self._day(self.day_to),
            limit=PAGE_SIZE,
        )

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor = self.services, self.actor
        filters = self.filters()
        want_people = not self._people_loaded

        def work() -> tuple[Any, Page[AuditRow]]:
            people = services.accounts.staff(actor) if want_people else None
            return people, services.accounts.audit(actor, filters, cursor)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        people, page = result
        if people is not None and not self._people_loaded:
            self._people_loaded = True
            self.person.blockSignals(True)
            for person in people:
                self.person.addItem(f"{person.name} ({person.email})", person.id)
            self.person.blockSignals(False)
        super().show_result(page, appended)

    def summary_text(self) -> str:
        count = self.model.rowCount()
        more = " (newest first; Show more for older)" if self._next_cursor else " (newest first)"
        return f"{count:,} {'change' if count == 1 else 'changes'}{more}"
