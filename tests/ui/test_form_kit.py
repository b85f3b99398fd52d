"""The form kit's dialog when the studio's server goes away: nothing typed is lost."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.rooms import RoomDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner


def test_a_save_the_server_never_answers_keeps_the_form_open_with_what_was_typed(
    qtbot, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    dead = Database("postgresql://postgres@127.0.0.1:1/nowhere", pool_pre_ping=False)
    presenter = ErrorPresenter(interactive=False)
    runner = TaskRunner()
    dialog = RoomDialog(Services.build(dead), admin, runner, presenter)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.form.editor("name"), "Room C")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    with qtbot.waitSignal(presenter.shown, timeout=20000) as said:
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert said.args[0] == "banner"  # the presenter's banner with Retry, not a crash
    qtbot.waitUntil(save.isEnabled, timeout=5000)  # Save can be pressed again
    assert dialog.isVisible() and dialog.result_value is None
    assert dialog.form.values()["name"] == "Room C"
    assert not dialog.form.error("name").isVisibleTo(dialog)
    runner.wait(5000)
    dead.dispose()
