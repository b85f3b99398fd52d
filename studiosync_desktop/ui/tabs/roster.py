"""Roster tab: students, searched as you type (debounced)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import StudentRow
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import Column
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.task_runner import TaskRunner

SEARCH_DEBOUNCE_MS = 250


class RosterTab(DataTab):
    key = "roster"
    title = "Roster"
    noun = ("student", "students")
    empty_text = "No students match."
    stretch_column = 4

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[StudentRow]] = [
            Column("Name", lambda r: r.name if r.is_active else f"{r.name} (inactive)", width=190),
            Column("Instrument", lambda r: r.instrument, width=110),
            Column("Teacher", lambda r: r.teacher_name, width=160),
            Column("Family", lambda r: r.family_name, width=160),
            Column("Email", lambda r: r.email, width=230),
            Column("Phone", lambda r: r.phone, width=120),
        ]
        super().__init__(services, actor, runner, presenter, columns, None, parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search name, email, phone or instrument  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(340)
        self.show_inactive = QCheckBox("Show &inactive", self)
        self.toolbar.addWidget(self.search)
        self.toolbar.addWidget(self.show_inactive)
        self.toolbar.addStretch(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)
        self.show_inactive.toggled.connect(lambda _on: self.reload())

    def _search_now(self) -> None:
        self._debounce.stop()
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        service, actor = self.services.roster, self.actor
        search, inactive = self.search.text(), self.show_inactive.isChecked()
        return lambda: service.students(
            actor, search=search, cursor=cursor, include_inactive=inactive
        )
