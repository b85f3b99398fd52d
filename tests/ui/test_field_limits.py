"""The forms show their limits: a text field takes no more than its column keeps, a date field
offers the days the schema accepts, and a field's red line goes once the field is changed."""

from __future__ import annotations

from datetime import date

from factories import Maker
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit

from studiosync_desktop import limits
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import ClosureInput
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.calendar_extras import ClosuresDialog
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.dialogs.roster import RosterDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner


def _student_dialog(qtbot, services: Services, admin: Actor) -> RosterDialog:  # type: ignore[no-untyped-def]
    dialog = RosterDialog(
        "students",
        services.roster.choices(admin),
        lambda data, rid: services.roster.save_student(admin, data, rid),
        TaskRunner(),
        ErrorPresenter(interactive=False),
    )
    qtbot.addWidget(dialog)
    return dialog


def test_a_text_field_takes_no_more_than_its_column_keeps(
    qtbot, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    dialog = _student_dialog(qtbot, services, admin)
    first = dialog.form.editor("first_name")
    assert isinstance(first, QLineEdit)
    assert first.maxLength() == 100
    first.setFocus()
    qtbot.keyClicks(first, "x" * 150)
    assert first.text() == "x" * 100
    notes = dialog.form.editor("notes")
    assert isinstance(notes, QPlainTextEdit)
    assert f"{limits.NOTE:,}" in notes.toolTip()
    assert date.today().isoformat() in dialog.form.editor("date_of_birth").toolTip()


def test_a_message_goes_once_its_field_is_changed(
    qtbot, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    dialog = _student_dialog(qtbot, services, admin)
    birth = dialog.form.editor("date_of_birth")
    assert isinstance(birth, QLineEdit)
    qtbot.keyClicks(dialog.form.editor("first_name"), "Maya")
    qtbot.keyClicks(birth, "0001-01-01")
    dialog.submit()
    assert "today" in dialog.form.error("date_of_birth").text()
    assert not dialog.form.error("first_name").isVisibleTo(dialog)
    qtbot.keyClick(birth, Qt.Key.Key_Backspace)
    assert dialog.form.error("date_of_birth").text() == ""
    assert not dialog.form.error("date_of_birth").isVisibleTo(dialog)


def test_a_closed_day_is_picked_within_ten_years(
    qtbot, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    dialog = ClosuresDialog(services, admin, TaskRunner(), ErrorPresenter(interactive=False), today)
    qtbot.addWidget(dialog)
    span = limits.DAY_SPANS["booking"]
    first, last = span.first(today), span.last(today)
    assert dialog.date.minimumDate() == QDate(first.year, first.month, first.day)
    assert dialog.date.maximumDate() == QDate(last.year, last.month, last.day)
    dialog.date.setDate(QDate(1, 1, 1))
    assert dialog.date.date().year() == first.year
    assert dialog.reason.maxLength() == 200


def test_a_schema_form_shows_its_limits_and_clears_a_message_on_typing(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FormDialog("Closed day", ClosureInput, TaskRunner(), ErrorPresenter(interactive=False))
    qtbot.addWidget(dialog)
    reason = dialog.form.text("reason", "&Reason")
    day = dialog.form.calendar_day("closed_on", "&Date", date.today())
    assert reason.maxLength() == 200
    assert day.maximumDate().year() == date.today().year + limits.BOOKING_YEARS
    dialog.form.show_errors({"reason": "Remove the invisible control characters"})
    error = dialog.findChild(QLabel, "error_reason")
    assert error is not None and error.text()
    qtbot.keyClicks(reason, "Snow day")
    assert error.text() == ""
