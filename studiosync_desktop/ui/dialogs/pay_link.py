"""Pay by link and card setup: a Stripe Checkout address as a QR code, watched until done;
and charging a saved card. What Stripe said (or that it could not be asked) is written in
the dialog itself, in the services' own words: never "Stripe refused" when Stripe was not
asked, never a traceback for an ordinary situation such as a PC without a keyring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.services.stripe_client import StripeUnreachable
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label

POLL_MS = 4000


def qr_pixmap(data: str, size: int = 240) -> QPixmap:
    """The address as a QR code a phone camera reads from the screen."""
    import io

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=8, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class PayLinkDialog(QDialog):
    """Creates the Checkout Session, shows its QR and address, and polls until `finished`
    says it is done ('paid', 'saved', 'expired'); the payment is recorded by the service."""

    finished_with = Signal(str)

    def __init__(
        self,
        title: str,
        intro: str,
        create: Callable[[], Any],
        poll: Callable[[Any], Callable[[], Any]],
        outcome: Callable[[Any], str | None],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.runner, self.presenter = runner, presenter
        self._poll, self._outcome = poll, outcome
        self.link: Any = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.qr = QLabel("Asking Stripe for a payment page…", self)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(260, 260)
        layout.addWidget(self.qr)
        self.url = QLabel("", self)
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url.setWordWrap(True)
        layout.addWidget(self.url)
        self.state = QLabel("", self)
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.problem = error_label(self)
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        self.copy = QPushButton("&Copy address", self)
        self.copy.clicked.connect(self._copy)
        self.check = QPushButton("Check &now", self)
        self.check.clicked.connect(self.poll_now)
        row.addWidget(self.copy)
        row.addWidget(self.check)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll_now)
        self.copy.setEnabled(False)
        self.check.setEnabled(False)
        runner.run(create, on_done=self._created, on_error=self._not_made, key=f"link:{id(self)}")

    def _created(self, link: Any) -> None:
        self.link = link
        if getattr(link, "status", "open") == "paid":
            self.qr.setText("")
            self._polled_outcome("paid")
            return
        self.qr.setPixmap(qr_pixmap(link.url))
        self.url.setText(link.url)
        amount = getattr(link, "amount", 0)
        self.state.setText(
            f"Waiting for {amount:,.2f} {link.currency}… (checked every few seconds)"
            if amount
            else "Waiting for the card to be saved… (checked every few seconds)"
        )
        self.copy.setEnabled(True)
        self.check.setEnabled(True)
        self.timer.start()

    def poll_now(self) -> None:
        if self.link is None:
            return
        self.runner.run(
            self._poll(self.link),
            on_done=self._polled,
            on_error=self._not_checked,
            key=f"poll:{id(self)}",
        )

    def _polled(self, result: Any) -> None:
        self.problem.hide()
        outcome = self._outcome(result)
        if outcome is not None:
            self._polled_outcome(outcome)

    def _polled_outcome(self, outcome: str) -> None:
        self.timer.stop()
        self.check.setEnabled(False)
        self.state.setText(
            {
                "paid": "Paid. The payment is recorded on the invoice.",
                "saved": "The card is saved for this payer.",
                "expired": "This link expired unpaid. Close and make a new one.",
            }.get(outcome, outcome)
        )
        self.finished_with.emit(outcome)

    def _not_made(self, exc: BaseException) -> None:
        """No link to show: said in the dialog (a bug still reaches the crash dialog)."""
        self.intro.hide()  # there is no code to scan: only what happened is left to read
        self.qr.setText("No code to scan.")
        self.state.setText("")
        show_problem(self.problem, exc, self.presenter, self)

    def _not_checked(self, exc: BaseException) -> None:
        """Stripe did not answer a check: said, and checked again at the next tick."""
        if not isinstance(exc, StripeUnreachable):
            self.timer.stop()
        show_problem(self.problem, exc, self.presenter, self)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url.text())

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)


class ChargeCardDialog(QDialog):
    """Charge the balance to a saved card (off-session), or save a new one by QR."""

    charged = Signal(object)

    def __init__(
        self,
        balance_text: str,
        cards: Callable[[], Any],
        charge: Callable[[Any], Callable[[], Any]],
        save_new: Callable[[], None],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Charge a card on file")
        self.setMinimumWidth(420)
        self.runner, self.presenter, self._charge = runner, presenter, charge
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Charge the balance due, {balance_text}, to:", self))
        self.combo = QComboBox(self)
        layout.addWidget(self.combo)
        self.state = QLabel("Loading saved cards…", self)
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.problem = error_label(self)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.go = buttons.addButton("C&harge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setEnabled(False)
        new = buttons.addButton("&Save a new card…", QDialogButtonBox.ButtonRole.ActionRole)

        def save_a_new_card() -> None:
            self.reject()
            save_new()

        new.clicked.connect(save_a_new_card)
        buttons.accepted.connect(self._do_charge)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        runner.run(cards, on_done=self._cards, on_error=self._failed, key=f"cards:{id(self)}")
        self.result: Any = None

    def _cards(self, cards: Any) -> None:
        for c in cards:
            self.combo.addItem(f"{c.brand.title()} ending {c.last_four}", c.id)
        self.state.setText("" if cards else "No card is saved for this payer yet.")
        self.go.setEnabled(bool(cards))

    def _do_charge(self) -> None:
        # Pressing again is safe: the service retries the same attempt with the same keys.
        self.go.setEnabled(False)
        self.problem.hide()
        self.state.setText("Charging… (Stripe is asked once; please wait)")
        self.runner.run(
            self._charge(self.combo.currentData()),
            on_done=self._charged,
            on_error=self._failed,
            key=f"charge:{id(self)}",
        )

    def _charged(self, result: Any) -> None:
        self.result = result
        self.charged.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.go.setEnabled(self.combo.count() > 0)
        self.state.setText("")
        if isinstance(exc, StripeUnreachable):
            self.go.setText("Ask Stripe &again")
        show_problem(self.problem, exc, self.presenter, self)
        self.adjustSize()  # the whole sentence shows, however long


def show_problem(
    line: QLabel, exc: BaseException, presenter: ErrorPresenter, parent: QWidget
) -> None:
    """An ordinary problem (Stripe not answering, no key, a declined card) in the dialog's red
    line; anything else is a bug and goes to the presenter's crash dialog."""
    if isinstance(exc, StudioSyncError):
        line.setText(str(exc))
        line.show()
    else:
        presenter.present(exc, parent=parent)
