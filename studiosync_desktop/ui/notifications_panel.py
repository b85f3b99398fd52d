"""The notifications panel: the user's own notifications, newest first; Enter opens the link.

It also raises the due reminders (lessons tomorrow, overdue invoices and checkouts) when
the window opens and every few minutes; the database makes each one exist exactly once,
however many desks do the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.ui.studio_context import StudioContext, UsesContext

if TYPE_CHECKING:
    from studiosync_desktop.schemas.messaging import NotificationList

REMINDER_INTERVAL_MS = 10 * 60 * 1000


class NotificationsPanel(QWidget, UsesContext):
    """A list of notifications; `link_activated(link)` when one is opened."""

    link_activated = Signal(str)
    unread_changed = Signal(int)
    loaded = Signal()
    watches = frozenset({"notifications"})

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("notifications_panel")
        self.context = context  # times in the studio's zone, following its changes
        context.clock.changed.connect(self.reload)
        self.unread = 0
        self.title = QLabel("Notifications", self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.mark_all = QPushButton("Mark all &read", self)
        self.mark_all.clicked.connect(self.mark_all_read)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(3)
        self.setMinimumWidth(320)
        self.list.itemActivated.connect(self._open)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.mark_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        hint = QLabel("Enter or double-click opens the item.", self)
        hint.setEnabled(False)
        layout.addWidget(hint)
        self._bold = QFont(self.list.font())
        self._bold.setBold(True)
        self._reminders = QTimer(self)
        self._reminders.setInterval(REMINDER_INTERVAL_MS)
        self._reminders.timeout.connect(self.raise_reminders)

    def start(self) -> None:
        """First load, the due reminders, and the reminder timer."""
        self.raise_reminders()
        self._reminders.start()

    def raise_reminders(self) -> None:
        service, actor = self.services.notifications, self.actor
        self.runner.run(
            service.raise_due_reminders,
            actor,
            on_done=lambda _raised: self.reload(),
            on_error=lambda exc: self.presenter.present(exc, retry=self.raise_reminders),
        )

    def tables_changed(self, tables: frozenset[str] | None) -> None:
        if tables is None or tables & self.watches:
            self.reload()

    def reload(self) -> None:
        services, actor = self.services, self.actor
        self.runner.run(
            lambda: services.notifications.mine(actor),
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, retry=self.reload),
            key=f"notifications:{id(self)}",
        )

    def _show(self, result: NotificationList) -> None:
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.list.clear()
        for n in result.rows:
            when = self.clock.stamp(n.created_at)
            text = f"{n.title}   ·  {when}\n{n.message}" if n.message else f"{n.title}   ·  {when}"
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, n.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, n.link)
            item.setToolTip(n.link or "")
            if not n.is_read:
                item.setFont(self._bold)
            if n.id == keep:
                self.list.setCurrentItem(item)
        if not result.rows:
            QListWidgetItem("Nothing new.", self.list).setFlags(Qt.ItemFlag.NoItemFlags)
        self.unread = result.unread
        self.title.setText(
            f"Notifications ({result.unread} unread)" if result.unread else "Notifications"
        )
        self.unread_changed.emit(result.unread)
        self.loaded.emit()

    def _open(self, item: QListWidgetItem) -> None:
        notification_id = item.data(Qt.ItemDataRole.UserRole)
        if notification_id is None:
            return
        link = item.data(Qt.ItemDataRole.UserRole + 1) or ""
        service, actor = self.services.notifications, self.actor
        self.runner.run(
            service.mark_read,
            actor,
            [notification_id],
            on_done=lambda _n: self.reload(),
            on_error=lambda exc: self.presenter.present(exc),
        )
        if link:
            self.link_activated.emit(link)

    def mark_all_read(self) -> None:
        service, actor = self.services.notifications, self.actor
        self.runner.run(
            service.mark_read,
            actor,
            on_done=lambda _n: self.reload(),
            on_error=lambda exc: self.presenter.present(exc),
        )
