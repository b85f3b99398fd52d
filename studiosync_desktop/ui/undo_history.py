"""This desk's undo and redo of calendar changes (Ctrl+Z, Ctrl+Shift+Z), off the GUI thread.

Not Qt's QUndoStack: an undo here is a database call that runs later on a worker and may be
refused (someone else changed the lesson since), while QUndoStack takes every undo as done
the moment it is asked. Two plain lists, moved only once the database said yes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from studiosync_desktop.errors import DatabaseUnavailable, NeedsConfirmation
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.schemas.lesson_changes import LessonChange

# How many changes back this desk can go.
DEPTH = 30


class UndoHistory(QObject, UsesContext):
    """`said` is the line for the status bar ("Undone: moved Sam Lee's lesson ..."),
    `restored` tells the window the calendar changed (its tabs refresh)."""

    said = Signal(str)
    restored = Signal()
    _heard = Signal(object)  # a change recorded on a worker thread, delivered on the GUI's

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.undo_stack: list[LessonChange] = []
        self.redo_stack: list[LessonChange] = []
        self.busy = False
        self.last_question: QMessageBox | None = None  # the open "put back anyway?" box
        self._heard.connect(self._record)
        context.services.journal.listen(self._hear)
        self.undo_action = QAction("&Undo", parent)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", parent)
        self.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.redo_action.triggered.connect(self.redo)
        self._show()

    # --- recording ------------------------------------------------------------------------

    def _hear(self, actor: Actor, change: LessonChange) -> None:
        # Worker thread: only hand it over. By user: the actor's zone may have been read anew.
        if actor.user_id == self.actor.user_id:
            self._heard.emit(change)

    def _record(self, change: LessonChange) -> None:
        self.undo_stack.append(change)
        del self.undo_stack[:-DEPTH]
        self.redo_stack.clear()  # a new change: what was undone before can't be redone
        self._show()

    # --- undo and redo --------------------------------------------------------------------

    def undo(self) -> None:
        self._revert(self.undo_stack, self.redo_stack, "Undone", "undo")

    def redo(self) -> None:
        self._revert(self.redo_stack, self.undo_stack, "Redone", "redo")

    def _revert(
        self,
        source: list[LessonChange],
        target: list[LessonChange],
        done: str,
        verb: str,
        anyway: bool = False,
    ) -> None:
        if self.busy:
            return
        if not source:
            self.said.emit(f"Nothing to {verb} at this desk.")
            return
        change = source[-1]
        self.busy = True

        def finished(result: LessonChange) -> None:
            self.busy = False
            source.pop()
            target.append(result)
            self._show()
            said = change if done == "Undone" else result
            self.said.emit(f"{done}: {said.describe()}.")
            self.restored.emit()

        def refused(exc: BaseException) -> None:
            self.busy = False
            if isinstance(exc, NeedsConfirmation):  # the same yes as any booking there
                self._ask_outside(exc, lambda: self._revert(source, target, done, verb, True))
                return
            if not isinstance(exc, DatabaseUnavailable):  # the server may come back: keep it
                source.pop()  # the lesson moved on: this step can never apply again
                self._show()
                self.said.emit(f"Can't {verb}: {exc}")
            window = self.parent()
            self.presenter.present(exc, parent=window if isinstance(window, QWidget) else None)

        self.runner.run(
            self.services.undo.revert, self.actor, change, anyway,
            on_done=finished, on_error=refused,
        )  # fmt: skip

    def _ask_outside(self, exc: NeedsConfirmation, again: Callable[[], None]) -> None:
        """Outside the teacher's hours or over an outside event: put it back anyway (the yes
        is recorded with the lesson), or leave it where it is (the step stays to try again)."""
        window = self.parent()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Outside the teacher's hours",
            f"{exc}\n\nPut the lesson back there anyway?",
            QMessageBox.StandardButton.Cancel,
            window if isinstance(window, QWidget) else None,
        )
        anyway = box.addButton("Put back &anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(anyway)
        self.last_question = box

        def answered(_result: int) -> None:
            if box.clickedButton() is anyway:
                again()
            else:
                self.said.emit("Left as it is: the lesson stays where it is now.")

        box.finished.connect(answered)
        box.open()

    # --- showing --------------------------------------------------------------------------

    def _show(self) -> None:
        """The Edit menu says what Ctrl+Z and Ctrl+Shift+Z would do."""
        for action, stack, verb in (
            (self.undo_action, self.undo_stack, "&Undo"),
            (self.redo_action, self.redo_stack, "&Redo"),
        ):
            action.setEnabled(bool(stack))
            # The redo list holds what each undo did: redoing does it the other way round.
            step = (
                (stack[-1] if stack is self.undo_stack else stack[-1].reversed()) if stack else None
            )
            what = step.describe() if step is not None else ""
            action.setText(f"{verb} {what}" if what else verb)
            action.setToolTip(what or "Nothing to change back at this desk")
