"""The studio's email in the background of this desk: every minute (and at start) it queues
what fell due, writes what was queued and sends what is due, off the GUI thread; the status
bar says what needs attention (a failed email, a mail server that is down) and, while invoice
emails are being written, how far it is."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QProgressBar, QPushButton

from studiosync_desktop.errors import DatabaseUnavailable, StudioSyncError
from studiosync_desktop.schemas.email import MailHealth
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext
from studiosync_desktop.ui.widgets import ERROR_STYLE

INTERVAL_MS = 60_000
FIRST_MS = 5_000


class _Progress(QObject):
    """Emitted on the worker thread, delivered on the GUI thread (queued by Qt)."""

    writing = Signal(int, int)


class MailStatus(QObject, UsesContext):
    open_outbox = Signal()
    checked = Signal(object)  # MailHealth, after each round

    def __init__(
        self,
        context: StudioContext,
        window: QMainWindow,
    ) -> None:
        super().__init__(window)
        self.context, self._window = context, window
        self.label = QPushButton("", window)
        self.label.setObjectName("mail_status")
        self.label.setFlat(True)
        self.label.setStyleSheet(ERROR_STYLE)
        self.label.setToolTip("Open the Outbox")
        self.label.hide()
        self.label.clicked.connect(self.open_outbox.emit)
        self.bar = QProgressBar(window)
        self.bar.setObjectName("mail_progress")
        self.bar.setMaximumWidth(260)
        self.bar.setFormat("Writing emails %v of %m")
        self.bar.hide()
        window.statusBar().addPermanentWidget(self.bar)
        window.statusBar().addPermanentWidget(self.label)
        self._progress = _Progress(self)
        self._progress.writing.connect(self._writing)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.tick)
        self.busy = False
        self.health = MailHealth()

    def start(self) -> None:
        QTimer.singleShot(FIRST_MS, self.tick)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def tick(self) -> None:
        """One round (skipped while the last one still runs)."""
        if self.busy:
            return
        self.busy = True
        jobs, outbox, actor = self.services.mail_jobs, self.services.outbox, self.actor
        report = self._progress.writing.emit

        def work() -> MailHealth:
            if outbox.health(actor).set_up:
                jobs.run_once(actor, writing=report)
            return outbox.health(actor)

        self.runner.run(work, on_done=self._checked, on_error=self._failed, key="mail-status")

    def check(self) -> None:
        """Says again what needs attention (after an email was sent from the Outbox by hand)."""
        outbox, actor = self.services.outbox, self.actor
        self.runner.run(
            lambda: outbox.health(actor),
            on_done=self.show,
            on_error=self._failed,
            key="mail-health",
        )

    def _gone(self) -> bool:
        """The window closed while a round ran: its results go nowhere."""
        return not (shiboken6.isValid(self.bar) and shiboken6.isValid(self.label))

    def _writing(self, done: int, total: int) -> None:
        if self._gone():
            return
        self.bar.setVisible(total > 20 and done < total)
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    def _checked(self, health: MailHealth) -> None:
        self.busy = False
        if self._gone():
            return
        self.bar.hide()
        self.show(health)

    def show(self, health: MailHealth) -> None:
        if self._gone():
            return
        self.health = health
        sentence = health.sentence
        self.label.setText(sentence if len(sentence) <= 70 else sentence[:67] + "…")
        self.label.setToolTip(f"{sentence}\nClick to open the Outbox." if sentence else "")
        self.label.setVisible(bool(sentence))
        self.checked.emit(health)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if self._gone():
            return
        self.bar.hide()
        if isinstance(exc, DatabaseUnavailable):
            return  # the window's banner says so; the next round tries again
        if isinstance(exc, StudioSyncError):  # a sentence: shown where email problems show
            self.show(self.health.model_copy(update={"last_problem": str(exc)}))
            return
        self.presenter.present(exc, parent=self._window)  # a bug: the crash dialog and its log
