"""Two desks finishing the setup wizard on one empty database: one studio, and a sentence."""

from __future__ import annotations

from desks import desk_databases
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.setup_wizard import SetupWizard
from studiosync_desktop.ui.task_runner import TaskRunner


def _type_setup(qtbot, wizard: SetupWizard, studio: str, first: str) -> None:  # type: ignore[no-untyped-def]
    """As a person fills it: Next, the studio's name, Next, the admin's fields."""
    wizard.show()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(wizard.studio_name, studio)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == SetupWizard.ADMIN_PAGE
    for field, typed in (
        (wizard.first_name, first),
        (wizard.last_name, "Owner"),
        (wizard.email, f"{first.lower()}@studio.example"),
        (wizard.password, "a-good-password"),
        (wizard.password_repeat, "a-good-password"),
    ):
        qtbot.keyClicks(field, typed)


def test_two_desks_finishing_the_wizard_at_once_make_one_studio_and_tell_the_other(
    qtbot, database_url: str, db: Database
) -> None:  # type: ignore[no-untyped-def]
    with desk_databases(database_url, 2) as (one, two):
        wizards = [
            SetupWizard(StudioService(d), TaskRunner(), accounts=AccountService(d))
            for d in (one, two)
        ]
        for w in wizards:
            qtbot.addWidget(w)
        _type_setup(qtbot, wizards[0], "Harmony Music", "Olivia")
        _type_setup(qtbot, wizards[1], "Riverside Music", "Rita")
        for w in wizards:  # both press Finish before either has finished
            qtbot.mouseClick(w.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: (
                sum(w.actor is not None for w in wizards) == 1
                and any(w.admin_page.status.text() for w in wizards)
            ),
            timeout=20000,
        )
        [made] = [w for w in wizards if w.actor is not None]
        [told] = [w for w in wizards if w.actor is None]
        studio = "Harmony Music" if made is wizards[0] else "Riverside Music"
        assert told.admin_page.status.text() == (
            f"This database already has a studio, {studio}, set up from another desk. "
            "Press Finish to open it."
        )
        assert told.admin_page.status.isVisible() and told.isVisible()
        finish = told.button(QWizard.WizardButton.FinishButton)
        with qtbot.waitSignal(told.accepted, timeout=5000):
            qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
        # The app then opens the studio that is there (`app.first_actor`), as after a restart.
        assert told.studio_exists and told.actor is None
    with db.engine.connect() as c:
        assert c.execute(text("SELECT name FROM studios")).scalars().all() == [studio]
        assert c.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
