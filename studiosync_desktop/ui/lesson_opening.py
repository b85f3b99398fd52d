"""Opening the lesson dialog from a tab: a lesson by id (read off the GUI thread), or a booking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studiosync_desktop.ui.widgets import status_line

if TYPE_CHECKING:
    import uuid
    from zoneinfo import ZoneInfo

    from studiosync_desktop.schemas.scheduling import BookingChoices


def lesson_dialog(tab: Any, choices: BookingChoices, zone: ZoneInfo, **kw: Any) -> Any:
    """The lesson dialog over `tab` (a booking, or `detail=` an existing lesson); the tab
    refreshes once the dialog saved a change."""
    from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog

    dialog = LessonDialog(
        tab.services, tab.actor, tab.runner, tab.presenter, choices, zone, parent=tab, **kw
    )
    dialog.changed.connect(tab.refresh)
    dialog.said.connect(lambda text: status_line(tab, text))
    tab.last_dialog = dialog
    dialog.open()
    return dialog


def open_lesson(tab: Any, choices: BookingChoices, zone: ZoneInfo, lesson_id: uuid.UUID) -> None:
    """Reads the lesson off the GUI thread, then shows it in the lesson dialog."""
    tab.runner.run(
        tab.services.scheduling.lesson,
        tab.actor,
        lesson_id,
        on_done=lambda detail: lesson_dialog(tab, choices, zone, detail=detail),
        on_error=lambda exc: tab.presenter.present(exc, parent=tab),
    )
