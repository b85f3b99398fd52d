"""The main window: five tabs over the services, a status bar, and the keyboard paths."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.documents import DocumentNote
from studiosync_desktop.ui.error_presenter import Banner, ErrorPresenter
from studiosync_desktop.ui.mail_status import MailStatus
from studiosync_desktop.ui.notifications_panel import NotificationsPanel
from studiosync_desktop.ui.person_page import PersonPageDialog
from studiosync_desktop.ui.studio_clock import StudioClock
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext
from studiosync_desktop.ui.studio_header import StudioHeader
from studiosync_desktop.ui.tab_pages import (
    TAB_CLASSES,
    TAB_TITLES,
    AfterFirstPaint,
    LazyTabs,
    TabPage,
    put_in_place,
    tab_class,
)
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.undo_history import UndoHistory

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.schemas.studio import StudioBranding, StudioInfo
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.ui.live_updates import LiveUpdates

TAB_KEYS = (
    "today",
    "calendar",
    "roster",
    "invoices",
    "inventory",
    "rooms",
    "messages",
    "resources",
    "users",
    "audit",
    "outbox",
    "pay",
)
# The area (services/permissions.py) each tab needs: a role sees only the tabs it may use.
TAB_AREAS = {
    "today": "schedule",
    "calendar": "schedule",
    "roster": "roster",
    "invoices": "billing",
    "inventory": "inventory",
    "rooms": "rooms",
    "messages": "messages",
    "resources": "resources",
    "users": "users",
    "audit": "audit",
    "outbox": "email",
    "pay": "pay",
}
# The part of the studio (vocabulary.STUDIO_PARTS) a tab belongs to: gone while switched off.
TAB_PARTS = {
    "invoices": "billing",
    "inventory": "inventory",
    "rooms": "rooms",
    "messages": "messages",
    "resources": "resources",
}
# "History…" on a tab's rows (admins): the audit trail's table those rows come from.
HISTORY_TABLES = {
    "calendar": "lessons",
    "roster": "students",
    "invoices": "invoices",
    "inventory": "inventory_items",
    "rooms": "room_reservations",
}
# A figure clicked on Home opens the tab behind it.
FIGURE_TABS = {
    "rooms_today": "rooms",
    "items_due": "inventory",
    "invoices_overdue": "invoices",
    "outstanding": "invoices",
    "revenue_month": "invoices",
    "active_students": "roster",
    "my_students": "roster",
    "lessons_week": "calendar",
    "my_lessons_week": "calendar",
    "unmarked": "calendar",
}
# A bar of a Home chart opens this report (and grouping) for its month.
CHART_REPORTS = {
    "revenue_method": ("revenue", "method"),
    "revenue_teacher": ("revenue", "teacher"),
    "attendance": ("attendance", "teacher"),
    "active_students": ("students", "instrument"),
    "hours": ("teachers", ""),
}
# The command palette's keys (Ctrl+K is Pay by link): free in every tab and natural to reach.
PALETTE_KEYS = "Ctrl+/, Ctrl+Shift+Space"
# A window shown but not painted by then (started minimised) starts its loads anyway.
FIRST_PAINT_WAIT_MS = 1500
# Click-through: studiosync://<kind>/<id> opens this tab (and selects the row when it can).
LINK_TABS = {
    "lesson": "calendar",
    "calendar": "calendar",
    "reservation": "rooms",
    "invoice": "invoices",
    "checkout": "inventory",
    "item": "inventory",
    "thread": "messages",
    "student": "roster",
}


class MainWindow(QMainWindow, UsesContext):
    """Each tab loads its rows the first time it is shown (F5 reloads the current one)."""

    tab_changed = Signal(str)
    # The studio's settings or look, read again after a change on any desk (StudioInfo).
    studio_changed = Signal(object)
    _started: bool  # the window has been shown once (showEvent)

    def __init__(
        self,
        services: Services,
        actor: Actor,
        database_description: str,
        *,
        runner: TaskRunner | None = None,
        presenter: ErrorPresenter | None = None,
        live: LiveUpdates | None = None,
        parts_off: Iterable[str] = (),
        clock: StudioClock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.parts_off = frozenset(parts_off)
        # The one context of this login: what the tabs, panels and dialogs are handed. The
        # clock comes from the studio read at login; without one, the zone in the login's actor.
        self.context = StudioContext(
            services,
            actor,
            runner or TaskRunner(self),
            presenter or ErrorPresenter(parent=self),
            clock if clock is not None else StudioClock(actor.timezone, parent=self),
        )
        self.setWindowTitle("StudioSync")
        self.resize(1280, 800)
        self._first_paint = AfterFirstPaint(self._after_first_paint, self)
        self._painted = False

        self.banner = Banner(self)
        self.presenter.attach(self, lambda: self.banner, self.reload_current)
        self.tab_widget = QTabWidget(self)
        self.tab_widget.setDocumentMode(True)
        # Only the tabs this person's role may use (the database refuses the rest anyway),
        # each built when first shown: a page holds its place in the tab bar until then.
        self._started = False
        self._studio_pending = False
        keys = [key for key in TAB_CLASSES if can(actor, TAB_AREAS[key])]
        self.tabs = LazyTabs(keys, self._build_tab)
        # What the tab bar holds for each key: an empty page until the tab is built.
        self.pages: dict[str, QWidget] = {key: TabPage(key, self) for key in keys}
        for key in keys:
            self.tab_widget.addTab(self.pages[key], TAB_TITLES[key])
        self.header = StudioHeader(self)
        self.tab_widget.setCornerWidget(self.header, Qt.Corner.TopRightCorner)
        self.apply_parts(self.parts_off)
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
        self.document_note = DocumentNote(self)  # where the last slip or file was saved
        self.statusBar().addPermanentWidget(self.document_note)
        # The latest news wins: a line about what was just done ("Returned ...") replaces the
        # note about an earlier document, which otherwise squeezed it out of the bar.
        self.statusBar().messageChanged.connect(
            lambda text: self.document_note.hide() if text else None
        )
        self.statusBar().addPermanentWidget(self.user_label)

        self._notifications_dock()
        self.mail: MailStatus | None = None
        if can(actor, "email"):  # this desk sends the studio's email in the background
            self.mail = MailStatus(self.context, self)
            self.mail.open_outbox.connect(lambda: self.select_tab("outbox"))
        self.live = live
        if live is not None:
            live.tables_changed.connect(self.tables_changed)
            live.connection_changed.connect(self._live_status)

        self._undo_menu()
        self._shortcuts()
        # Nothing is fetched until the window is shown; then each tab on its first showing.
        self.tab_widget.currentChanged.connect(self._on_tab_changed)

    # --- tabs -------------------------------------------------------------------------

    def tab(self, key: str) -> DataTab:
        return self.tabs[key]

    def _build_tab(self, key: str) -> DataTab:
        """The tab, built the first time it is shown (or asked for): its module imported, its
        history keys (admins), its signals wired, the studio's settings as last read."""
        tab = tab_class(key)(self.context)
        tab.setObjectName(f"tab_{key}")
        if can(self.actor, "audit"):
            tab.enable_history(HISTORY_TABLES.get(key, tab.history_table))
        put_in_place(self.tab_widget, self.pages[key], tab)
        self.pages[key] = tab
        self._wire(key, tab)
        studio_changed = getattr(tab, "studio_changed", None)
        if callable(studio_changed) and self.clock.info is not None:
            studio_changed(self.clock.info)
        return tab

    def current_tab(self) -> DataTab:
        page = self.tab_widget.currentWidget()
        assert isinstance(page, TabPage | DataTab)
        return self.tabs[page.key]

    def shows(self, key: str) -> bool:
        """Whether this window shows the tab: the role may use it and the studio uses its part."""
        return key in self.tabs and TAB_PARTS.get(key) not in self.parts_off

    def shown_tabs(self) -> list[str]:
        """The tabs shown, in order: Ctrl+1 is the first of them."""
        return [key for key in self.tabs if self.shows(key)]

    def apply_parts(self, parts_off: Iterable[str]) -> None:
        """Hides the tabs of the parts the studio does not use (their data stays), and numbers
        the rest for Ctrl+1..9 and Ctrl+0."""
        self.parts_off = frozenset(parts_off)
        for key, page in self.pages.items():
            self.tab_widget.setTabVisible(self.tab_widget.indexOf(page), self.shows(key))
        for number, key in enumerate(self.shown_tabs(), start=1):
            keys = f" (Ctrl+{number % 10})" if number <= 10 else ""
            index = self.tab_widget.indexOf(self.pages[key])
            self.tab_widget.setTabToolTip(index, f"{TAB_TITLES[key]}{keys}")
        current = self.tab_widget.currentWidget()
        shown = isinstance(current, TabPage | DataTab) and self.shows(current.key)
        if current is not None and not shown and self.shown_tabs():
            self.select_tab(self.shown_tabs()[0])

    def select_number(self, number: int) -> None:
        """Ctrl+1..9 (and Ctrl+0 for a tenth): the tab in that place among those shown."""
        shown = self.shown_tabs()
        if number <= len(shown):
            self.select_tab(shown[number - 1])

    def select_tab(self, key: str) -> DataTab:
        """Shows the tab; its first load starts when it is first shown."""
        if key not in self.tabs:
            raise ValueError(f"Unknown tab {key!r}: one of {', '.join(TAB_KEYS)}")
        if not self.shows(key):
            raise ValueError(f"The studio does not use the {key} tab's part")
        self.tab_widget.setCurrentWidget(self.pages[key])
        return self.tabs[key]

    def reload_current(self) -> None:
        self.current_tab().reload()

    def _on_tab_changed(self, index: int) -> None:
        page = self.tab_widget.widget(index)
        if isinstance(page, TabPage | DataTab):
            tab = self.tabs[page.key]  # built the first time it is shown
            self._first_load(tab)
            # The keys go where the tab wants them (the roster's search, the calendar's
            # grid), not to whatever Qt moved the focus to while the old tab hid.
            tab.focus_widget().setFocus(Qt.FocusReason.TabFocusReason)
            self.tab_changed.emit(tab.key)

    def _first_load(self, tab: DataTab) -> None:
        """A tab's first load, once the window has painted and the studio is known."""
        ready = self.isVisible() and self._painted and not self._studio_pending
        if ready and not tab.has_loaded and not tab.is_loading:
            tab.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            # Everything waits for the first paint: the person sees the window first (its
            # loads would import and build the services' modules meanwhile, on another thread
            # but under the same interpreter lock). A window shown but never painted (started
            # minimised) starts anyway.
            self.installEventFilter(self._first_paint)
            QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self._after_first_paint)
        self._on_tab_changed(self.tab_widget.currentIndex())

    def _after_first_paint(self) -> None:
        if self._painted or not shiboken6.isValid(self) or not self.isVisible():
            return
        self._painted = True
        # No studio read at login (a window built without one): the first tab loads once
        # the studio's zone and hours are known, so it never shows this PC's dates.
        self._studio_pending = self.clock.info is None
        self.read_studio()  # its look in the header (and its parts, if changed meanwhile)
        page = self.tab_widget.currentWidget()
        if isinstance(page, TabPage | DataTab):
            self._first_load(self.tabs[page.key])
        self._background_start()

    def _background_start(self) -> None:
        """After the first paint and the first tab's load: reminders, the mail queue, the daily
        rounds, the unread count and what Stripe did meanwhile (their modules imported now:
        lazy is the point)."""
        self.notifications.start()  # due reminders, then the first load
        if self.mail is not None:
            self.mail.start()
        if self.actor.is_staff_desk:  # the daily retention round (one desk a day)
            from studiosync_desktop.ui.retention_round import RetentionRound

            self.retention = RetentionRound(self.context, self)
            self.retention.said.connect(lambda t: self.statusBar().showMessage(t, 15000))
            self.retention.start()
        if self.actor.is_staff_desk:  # outside calendars, one desk at a time
            from studiosync_desktop.ui.feed_round import FeedRound

            self.feed_round = FeedRound(self.context, self)
            self.feed_round.said.connect(lambda t: self.statusBar().showMessage(t, 15000))
            self.feed_round.start()
        if self.shows("messages"):
            messages = self.tabs["messages"]
            if not messages.has_loaded and not messages.is_loading:
                messages.reload()  # the unread count on its tab title
        if self.shows("invoices"):  # what Stripe did while no desk was listening
            self.tabs["invoices"].settle_stripe()  # type: ignore[attr-defined]

    # --- live updates and notifications -------------------------------------------------

    def tables_changed(self, tables: frozenset[str] | None) -> None:
        """Changes committed on any desk: every tab that watches one of them refreshes."""
        for tab in self.tabs.built().values():  # a tab not built yet loads fresh when shown
            tab.tables_changed(tables)
        self.notifications.tables_changed(tables)
        if tables is None or "studios" in tables:
            self.read_studio()

    def read_studio(self) -> None:
        """Reads the studio's settings and look again: parts shown, the header, the tabs' hours
        and zone (a change made on another desk arrives here through the live updates)."""
        services, actor = self.services, self.actor
        self.runner.run(
            lambda: (services.studio.info(actor), services.studio.branding(actor)),
            on_done=self._studio_read,
            on_error=lambda _exc: self._studio_known(),  # the tabs' loads say what is wrong
        )

    def _studio_known(self) -> None:
        """The studio was read (or could not be): the first tab's load may start."""
        if self._studio_pending:
            self._studio_pending = False
            self._on_tab_changed(self.tab_widget.currentIndex())

    def _studio_read(self, result: tuple[StudioInfo, StudioBranding]) -> None:
        info, branding = result
        # The one clock first (its zone, hours, grid; the actor's zone): the screens showing
        # dates fetch again in the new zone when it changed.
        self.context.learn_studio(info)
        if frozenset(info.settings.parts_off) != self.parts_off:
            self.apply_parts(info.settings.parts_off)
        self.header.show_branding(branding)
        for tab in self.tabs.built().values():  # one built later reads the clock's info
            studio_changed = getattr(tab, "studio_changed", None)
            if callable(studio_changed):
                studio_changed(info)
        self.studio_changed.emit(info)
        self._studio_known()

    def _live_status(self, up: bool) -> None:
        self.live_label.setText("Live" if up else "Live updates paused: reconnecting…")

    def _notifications_dock(self) -> None:
        self.notifications = NotificationsPanel(self.context, self)
        self.notifications_dock = QDockWidget("Notifications", self)
        self.notifications_dock.setObjectName("notifications_dock")
        self.notifications_dock.setWidget(self.notifications)
        self.notifications_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.notifications_dock)
        self.notifications_dock.hide()
        self.bell = QPushButton("Notifications", self)
        self.bell.setFlat(True)
        self.bell.setToolTip("Show or hide your notifications (Ctrl+Shift+N)")
        self.bell.clicked.connect(self.toggle_notifications)
        self.bell.setMinimumWidth(
            self.bell.fontMetrics().horizontalAdvance("Notifications (999)") + 24
        )
        self.live_label = QLabel("", self)
        self.statusBar().addPermanentWidget(self.live_label)
        self.statusBar().addPermanentWidget(self.bell)
        self.notifications.unread_changed.connect(self._show_unread)
        self.notifications.link_activated.connect(self.open_link)

    def _wire(self, key: str, tab: DataTab) -> None:
        """A tab just built: what it tells the window (status lines, links, counts)."""
        show = self.statusBar().showMessage
        if key == "messages":
            tab.unread_changed.connect(self._show_unread_messages)  # type: ignore[attr-defined]
        elif key == "roster":
            tab.saved.connect(lambda text: show(text, 5000))  # type: ignore[attr-defined]
            tab.open_person.connect(self.open_person_page)  # type: ignore[attr-defined]
        elif key == "today":
            tab.said.connect(lambda text: show(text, 8000))  # type: ignore[attr-defined]
            tab.figure_activated.connect(self._figure_activated)  # type: ignore[attr-defined]
            tab.month_clicked.connect(self._chart_month)  # type: ignore[attr-defined]

    def _figure_activated(self, key: str) -> None:
        """A figure on Home was clicked: the tab that holds what it counts."""
        tab = FIGURE_TABS.get(key)
        if tab is not None and tab in self.tabs:
            self.select_tab(tab)

    def open_reports(self) -> QWidget:
        """The Reports window (F9): one per main window, raised when already open."""
        from studiosync_desktop.ui.reports_window import ReportsWindow

        window = getattr(self, "reports_window", None)
        if window is None:
            window = self.reports_window = ReportsWindow(
                self.services, self.actor, self.runner, self.presenter, self
            )
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _chart_month(self, chart: str, month: date) -> None:
        """A bar of a Home chart: the report behind it, for that month."""
        name, group = CHART_REPORTS.get(chart, ("attendance", ""))
        window = self.open_reports()
        last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        window.choose(name, month, last, group)  # type: ignore[attr-defined]

    def _show_unread(self, count: int) -> None:
        self.bell.setText(f"Notifications ({count})" if count else "Notifications")

    def _show_unread_messages(self, count: int) -> None:
        index = self.tab_widget.indexOf(self.pages["messages"])
        self.tab_widget.setTabText(index, f"Messages ({count})" if count else "Messages")

    def toggle_notifications(self) -> None:
        visible = not self.notifications_dock.isVisible()
        self.notifications_dock.setVisible(visible)
        if visible:
            self.notifications.list.setFocus()

    def open_link(self, link: str) -> None:
        """studiosync://lesson/<id> and friends: the right tab, and the row when it can."""
        kind, _, rest = link.removeprefix("studiosync://").partition("/")
        if kind == "student" and rest:
            self.open_person_page("students", rest)
            return
        tab_key = LINK_TABS.get(kind)
        if tab_key is None or not self.shows(tab_key):
            return
        tab = self.select_tab(tab_key)
        show = getattr(tab, "show_link", None)
        try:
            import uuid

            target: object = uuid.UUID(rest)
        except ValueError:
            target = rest
        if callable(show):
            show(kind, target)
        elif tab.has_loaded:
            tab.select_key(target)
        else:
            tab.loaded.connect(lambda: tab.select_key(target))

    def open_person_page(self, kind: str, row_id: object) -> PersonPageDialog:
        """A person's page, in its own window (several may be open side by side)."""
        import uuid

        dialog = PersonPageDialog(
            self.services,
            self.actor,
            self.runner,
            self.presenter,
            kind,  # type: ignore[arg-type]
            row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id)),
            self,
        )
        dialog.link_activated.connect(self.open_link)
        dialog.setModal(False)
        dialog.show()
        self.last_person_page = dialog
        return dialog

    def _undo_menu(self) -> None:
        """Edit: undo and redo of this desk's calendar changes (Ctrl+Z, Ctrl+Shift+Z)."""
        self.history = UndoHistory(self.context, self)
        self.history.said.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.history.restored.connect(lambda: self.tables_changed(frozenset({"lessons"})))
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.history.undo_action)
        edit.addAction(self.history.redo_action)
        reports = self.menuBar().addMenu("&Reports")
        action = reports.addAction("&Reports…")
        action.setShortcut(QKeySequence("F9"))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(self.open_reports)

    # --- keyboard ---------------------------------------------------------------------

    def _shortcuts(self) -> None:
        # Ctrl+1 ... Ctrl+9, and Ctrl+0 for a tenth tab (an administrator's Audit trail); an
        # eleventh (the Outbox) has no number key.
        for number in range(1, 11):
            self._shortcut(f"Ctrl+{number % 10}", lambda n=number: self.select_number(n))
        for _title, keys, slot in self.window_commands():
            for key in keys.split(", "):
                self._shortcut(key, slot)

    def window_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """The window's own keys (title, keys, what they do): also listed by the palette."""
        return [
            ("Refresh this tab", "F5", self.reload_current),
            ("Back to today", "Ctrl+T", lambda: self._navigate("go_today")),
            ("Previous week or day", "Ctrl+Left, Ctrl+PgUp", lambda: self._navigate("go_previous")),
            ("Next week or day", "Ctrl+Right, Ctrl+PgDown", lambda: self._navigate("go_next")),
            ("Find in this tab", "Ctrl+F", self._focus_search),
            ("Show or hide notifications", "Ctrl+Shift+N", self.toggle_notifications),
            ("Find an action, a person or an invoice", PALETTE_KEYS, self.open_palette),
        ]

    def open_palette(self) -> None:
        """The command palette (Ctrl+/ or Ctrl+Shift+Space): type, Enter runs it."""
        from studiosync_desktop.ui.command_palette import CommandPalette

        previous = getattr(self, "command_palette", None)
        if previous is not None:
            previous.deleteLater()  # one palette at a time, each with today's commands
        self.command_palette = CommandPalette(self)
        self.command_palette.open()

    def _shortcut(self, keys: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)

    def _navigate(self, action: str) -> None:
        """Ctrl+T, Ctrl+Left/Right: the tab's own, else its date navigator's."""
        tab = self.current_tab()
        method = getattr(tab, action, None) or getattr(
            getattr(tab, "navigator", None), action, None
        )
        if callable(method):
            method()

    def _focus_search(self) -> None:
        method = getattr(self.current_tab(), "focus_search", None)
        if callable(method):
            method()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.mail is not None:
            self.mail.stop()
        # Let running service calls finish before the services go away.
        self.runner.wait(5000)
        super().closeEvent(event)
