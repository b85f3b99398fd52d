"""The main window: five tabs over the services, a status bar, and the keyboard paths."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import Banner, ErrorPresenter
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.tabs.calendar import CalendarTab
from studiosync_desktop.ui.tabs.inventory import InventoryTab
from studiosync_desktop.ui.tabs.invoices import InvoicesTab
from studiosync_desktop.ui.tabs.rooms import RoomsTab
from studiosync_desktop.ui.tabs.roster import RosterTab
from studiosync_desktop.ui.task_runner import TaskRunner

TAB_KEYS = ("calendar", "roster", "invoices", "inventory", "rooms")


class MainWindow(QMainWindow):
    """Each tab loads its rows the first time it is shown (F5 reloads the current one)."""

    tab_changed = Signal(str)

    def __init__(
        self,
        services: Services,
        actor: Actor,
        database_description: str,
        *,
        runner: TaskRunner | None = None,
        presenter: ErrorPresenter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        self.runner = runner or TaskRunner(self)
        self.presenter = presenter or ErrorPresenter(parent=self)
        self.setWindowTitle("StudioSync")
        self.resize(1280, 800)

        self.banner = Banner(self)
        self.presenter.attach(self, lambda: self.banner)
        self.tab_widget = QTabWidget(self)
        self.tab_widget.setDocumentMode(True)
        args = (services, actor, self.runner, self.presenter)
        self.tabs: dict[str, DataTab] = {
            "calendar": CalendarTab(*args),
            "roster": RosterTab(*args),
            "invoices": InvoicesTab(*args),
            "inventory": InventoryTab(*args),
            "rooms": RoomsTab(*args),
        }
        for number, (key, tab) in enumerate(self.tabs.items(), start=1):
            self.tab_widget.addTab(tab, tab.title)
            self.tab_widget.setTabToolTip(number - 1, f"{tab.title} (Ctrl+{number})")
            tab.setObjectName(f"tab_{key}")
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tab_widget, 1)
        self.setCentralWidget(central)

        self.database_label = QLabel(f"Database: {database_description}", self)
        self.user_label = QLabel(f"Signed in as {actor.name} ({actor.role})", self)
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)

        self._shortcuts()
        # Nothing is fetched until the window is shown; then each tab on its first showing.
        self.tab_widget.currentChanged.connect(self._on_tab_changed)

    # --- tabs -------------------------------------------------------------------------

    def tab(self, key: str) -> DataTab:
        return self.tabs[key]

    def current_tab(self) -> DataTab:
        widget = self.tab_widget.currentWidget()
        assert isinstance(widget, DataTab)
        return widget

    def select_tab(self, key: str) -> DataTab:
        """Shows the tab; its first load starts when it is first shown."""
        if key not in self.tabs:
            raise ValueError(f"Unknown tab {key!r}: one of {', '.join(TAB_KEYS)}")
        tab = self.tabs[key]
        self.tab_widget.setCurrentWidget(tab)
        return tab

    def reload_current(self) -> None:
        self.current_tab().reload()

    def _on_tab_changed(self, index: int) -> None:
        tab = self.tab_widget.widget(index)
        if isinstance(tab, DataTab):
            if self.isVisible() and not tab.has_loaded and not tab.is_loading:
                tab.reload()
            self.tab_changed.emit(tab.key)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._on_tab_changed(self.tab_widget.currentIndex())

    # --- keyboard ---------------------------------------------------------------------

    def _shortcuts(self) -> None:
        for number, key in enumerate(self.tabs, start=1):
            self._shortcut(f"Ctrl+{number}", lambda key=key: self.select_tab(key))
        self._shortcut("F5", self.reload_current)
        self._shortcut("Ctrl+T", lambda: self._navigate("go_today"))
        self._shortcut("Ctrl+Left", lambda: self._navigate("go_previous"))
        self._shortcut("Ctrl+Right", lambda: self._navigate("go_next"))
        self._shortcut("Ctrl+PgUp", lambda: self._navigate("go_previous"))
        self._shortcut("Ctrl+PgDown", lambda: self._navigate("go_next"))
        self._shortcut("Ctrl+F", self._focus_search)

    def _shortcut(self, keys: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)

    def _navigate(self, action: str) -> None:
        method = getattr(self.current_tab(), action, None)
        if callable(method):
            method()

    def _focus_search(self) -> None:
        method = getattr(self.current_tab(), "focus_search", None)
        if callable(method):
            method()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Let running service calls finish before the services go away.
        self.runner.wait(5000)
        super().closeEvent(event)
