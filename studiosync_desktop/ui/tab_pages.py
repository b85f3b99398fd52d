"""The window's tabs, each built (and its module imported) when first shown: start-up builds
only the first tab before the window paints. Lazy is the point of the imports here."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTabWidget, QWidget

if TYPE_CHECKING:
    from studiosync_desktop.ui.tabs.base import DataTab

# Each tab's module under ui/tabs and its class, in the window's order.
TAB_CLASSES = {
    "today": ("today", "TodayTab"),
    "calendar": ("calendar", "CalendarTab"),
    "roster": ("roster", "RosterTab"),
    "invoices": ("invoices", "InvoicesTab"),
    "inventory": ("inventory", "InventoryTab"),
    "rooms": ("rooms", "RoomsTab"),
    "messages": ("messages", "MessagesTab"),
    "resources": ("resources", "ResourcesTab"),
    "users": ("users", "UsersTab"),
    "audit": ("audit", "AuditTab"),
    "outbox": ("outbox", "OutboxTab"),
    "pay": ("pay", "PayTab"),
}
# The tab bar's titles before a tab is built (each class's `title`; a test keeps them equal).
TAB_TITLES = {
    "today": "Home",
    "calendar": "Calendar",
    "roster": "Roster",
    "invoices": "Invoices",
    "inventory": "Inventory",
    "rooms": "Room bookings",
    "messages": "Messages",
    "resources": "Resources",
    "users": "Users",
    "audit": "Audit trail",
    "outbox": "Outbox",
    "pay": "Pay",
}


def tab_class(key: str) -> Callable[..., DataTab]:
    """The tab's class, its module imported now (the first time the tab is shown)."""
    module, name = TAB_CLASSES[key]
    cls: Callable[..., DataTab] = getattr(
        importlib.import_module(f"studiosync_desktop.ui.tabs.{module}"), name
    )
    return cls


class TabPage(QWidget):
    """An empty page holding a tab's place in the tab bar until the tab is first shown."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"page_{key}")


def put_in_place(tabs: QTabWidget, page: QWidget, tab: QWidget) -> None:
    """The built tab takes its page's place (title, tip, shown or not, current or not),
    without the tab bar announcing a change of tab."""
    index = tabs.indexOf(page)
    current = tabs.currentIndex() == index
    blocked = tabs.blockSignals(True)
    try:
        tabs.insertTab(index, tab, tabs.tabText(index))
        tabs.setTabToolTip(index, tabs.tabToolTip(index + 1))
        tabs.setTabVisible(index, tabs.isTabVisible(index + 1))
        tabs.removeTab(index + 1)
        if current:
            tabs.setCurrentIndex(index)
    finally:
        tabs.blockSignals(blocked)
    page.deleteLater()


class LazyTabs(Mapping[str, "DataTab"]):
    """The tabs this person may use, by key; `tabs[key]` builds one the first time (`build`),
    `built()` lists those that exist (live updates and studio changes go only to them)."""

    def __init__(self, keys: list[str], build: Callable[[str], DataTab]) -> None:
        self._keys = keys
        self._build = build
        self._built: dict[str, DataTab] = {}

    def __getitem__(self, key: str) -> DataTab:
        if key not in self._keys:
            raise KeyError(key)
        tab = self._built.get(key)
        if tab is None:
            tab = self._built[key] = self._build(key)
        return tab

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def built(self) -> dict[str, DataTab]:
        return dict(self._built)


class AfterFirstPaint(QObject):
    """Installed on a window: runs `then` once, just after the window's first paint."""

    def __init__(self, then: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._then)  # once this paint is done
        return False
