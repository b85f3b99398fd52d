"""Inventory tab: items, searched as you type; low stock highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLineEdit, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import ItemRow
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import (
    CENTER,
    RIGHT,
    WARN_BG,
    Column,
    RowStyle,
    money_column,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.tabs.roster import SEARCH_DEBOUNCE_MS
from studiosync_desktop.ui.task_runner import TaskRunner


def _item_style(row: ItemRow) -> RowStyle | None:
    return RowStyle(background=WARN_BG) if row.is_low_stock else None


class InventoryTab(DataTab):
    key = "inventory"
    title = "Inventory"
    noun = ("item", "items")
    empty_text = "No items match."
    stretch_column = 0

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[ItemRow]] = [
            Column("Item", lambda r: r.name, width=220),
            Column("Category", lambda r: r.category, formatter=words, width=110),
            Column(
                "Available", lambda r: f"{r.available_quantity} of {r.quantity}", RIGHT, width=90
            ),
            Column("Stock", lambda r: "Low" if r.is_low_stock else "", CENTER, width=60),
            Column("Condition", lambda r: r.condition, formatter=words, width=110),
            Column("Status", lambda r: r.status, formatter=words, width=110),
            Column("Location", lambda r: r.location, width=150),
            Column("Serial number", lambda r: r.serial_number, width=130),
            money_column("Value", lambda r: r.value),
        ]
        super().__init__(services, actor, runner, presenter, columns, _item_style, parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search item, serial number or location  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(340)
        self.toolbar.addWidget(self.search)
        self.toolbar.addStretch(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)

    def _search_now(self) -> None:
        self._debounce.stop()
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def summary_text(self) -> str:
        text = super().summary_text()
        low = sum(1 for r in self.model.rows if r.is_low_stock)
        return f"{text} · {low} low on stock" if low else text

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        service, actor, search = self.services.inventory, self.actor, self.search.text()
        return lambda: service.items(actor, search=search, cursor=cursor)
