"""Cancelling a lesson: the reason and who it is cancelled for, in one small form."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from studiosync_desktop.schemas.scheduling import CancelInput
from studiosync_desktop.ui.widgets import error_label

PARTIES = (
    ("The student (they called)", "student"),
    ("The teacher", "teacher"),
    ("The studio", "studio"),
)


class CancelLessonDialog(QDialog):
    """Type the reason, Enter cancels; "for" says whose side it is (it decides the credit)."""

    def __init__(self, about: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cancel lesson")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("for example: family holiday")
        self.reason.setMaxLength(500)
        self.party = QComboBox(self)
        for text, value in PARTIES:
            self.party.addItem(text, value)
        self.problem = error_label(self, "reason")
        self.reason.textEdited.connect(lambda _t: self.problem.hide())
        form = QFormLayout(self)
        intro = QLabel(about, self)
        intro.setWordWrap(True)
        form.addRow(intro)
        reason_label = QLabel("&Reason", self)
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        form.addRow("", self.problem)
        party_label = QLabel("Cancelled &for", self)
        party_label.setBuddy(self.party)
        form.addRow(party_label, self.party)
        # What it will do about a make-up credit, once the studio's policy is read; until then
        # the policy in general.
        self.forecast = QLabel(
            "The studio's policy decides the make-up credit: a teacher's or the studio's "
            "cancellation earns one; a student's earns one when it is in good time.",
            self,
        )
        self.forecast.setObjectName("credit_forecast")
        self.forecast.setWordWrap(True)
        self._foresee: Callable[[str], str] | None = None
        self.party.currentIndexChanged.connect(lambda _i: self._show_forecast())
        form.addRow(self.forecast)
        buttons = QDialogButtonBox(self)
        ok = buttons.addButton("&Cancel lesson", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.addButton("&Keep it", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept_if_given)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.reason.setFocus()

    def foresee(self, forecast: Callable[[str], str]) -> None:
        """`forecast(party)`: the sentence about the credit for whom it is cancelled."""
        self._foresee = forecast
        self._show_forecast()

    def _show_forecast(self) -> None:
        if self._foresee is not None:
            self.forecast.setText(self._foresee(self.party.currentData()))

    def cancel_input(self) -> CancelInput:
        return CancelInput(reason=self.reason.text().strip(), on_behalf_of=self.party.currentData())

    def _accept_if_given(self) -> None:
        if not self.reason.text().strip():
            self.problem.setText("Type why the lesson is cancelled (the family sees it).")
            self.problem.show()
            self.reason.setFocus()
            return
        self.accept()
