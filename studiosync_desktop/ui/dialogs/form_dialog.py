"""The one dialog around a form: an intro, the fields, a line for general refusals, Save.

Saving runs the service call on the task runner; a `ValidationFailed` from the service lands
next to its fields, other errors go to the error presenter, and the dialog stays open so
nothing typed is lost. Nothing is half-written: each service call is one transaction.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.forms import Form
from studiosync_desktop.ui.task_runner import TaskRunner


class FormDialog(QDialog):
    """A `Form` with Save and Cancel; `saved(result)` and `result_value` once it is saved."""

    saved = Signal(object)

    def __init__(
        self,
        title: str,
        schema: type[BaseModel],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
        *,
        ok_text: str = "",
        scrolling: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.runner = runner
        self.presenter = presenter
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.hide()
        layout.addWidget(self.intro)
        self.form = Form(schema, runner, presenter, self)
        if scrolling:  # a long form (a student's): the fields scroll, the buttons stay
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            host = QWidget(scroll)  # the rows keep their height; the space left is below them
            column = QVBoxLayout(host)
            column.addWidget(self.form)
            column.addStretch(1)
            scroll.setWidget(host)
            layout.addWidget(scroll, 1)
        else:
            layout.addWidget(self.form)
        self.general_error = self.form.errors.general
        assert self.general_error is not None
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        if ok_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(ok_text)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.form.busy.connect(lambda running: self.buttons.setEnabled(not running))
        self.form.saved.connect(self._saved)
        self.setMinimumWidth(460)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    def submit(self) -> None:
        """What Save does: check the fields, then save on the task runner."""
        self.form.submit()

    def _saved(self, result: Any) -> None:
        self.result_value = result
        self.saved.emit(result)
        self.accept()
