"""The error presenter's decisions, the excepthooks, and the setup wizard."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from studiosync_desktop.db import Database
from studiosync_desktop.errors import (
    Conflict,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.error_presenter import ErrorPresenter, install_excepthooks
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.setup_wizard import SetupWizard
from studiosync_desktop.ui.task_runner import TaskRunner


def test_validation_errors_go_back_to_the_form_inline(presenter: ErrorPresenter) -> None:
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, text: shown.append((kind, text)))

    fields = presenter.present(ValidationFailed({"admin_email": "Not an email"}), inline=True)

    assert fields == {"admin_email": "Not an email"}
    assert shown[0][0] == "inline"


def test_conflicts_and_permissions_are_message_boxes(presenter: ErrorPresenter) -> None:
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, text: shown.append((kind, text)))
    for exc in (Conflict("Room B is booked"), PermissionDenied("No"), NotFound("Gone")):
        assert presenter.present(exc) == {}
    assert [kind for kind, _ in shown] == ["message"] * 3
    assert shown[0][1] == "Room B is booked"


def test_a_file_that_cannot_be_written_or_read_is_a_message_not_a_crash(
    presenter: ErrorPresenter, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, text: shown.append((kind, text)))
    try:
        (tmp_path / "no-such-folder" / "invoice.pdf").write_bytes(b"%PDF")
    except OSError as exc:
        presenter.present(exc)
    try:
        b"\xff\xfeName;Phone".decode("utf-8")
    except UnicodeDecodeError as exc:
        presenter.present(exc)
    assert [kind for kind, _ in shown] == ["message", "message"]
    assert "invoice.pdf" in shown[0][1] and "No such file" in shown[0][1]
    assert "CSV UTF-8" in shown[1][1]


def test_unreachable_database_shows_a_banner_with_retry(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    retried: list[bool] = []
    window.show()
    window.presenter.present(
        DatabaseUnavailable("Cannot reach it"), retry=lambda: retried.append(True)
    )

    assert window.banner.isVisible()
    assert window.banner.label.text() == "Cannot reach it"
    window.banner.retry_button.click()
    assert retried == [True]
    assert not window.banner.isVisible()


def test_a_lost_server_met_by_a_background_round_still_offers_retry(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window.show()
    reloads: list[bool] = []
    window.current_tab().reload = lambda: reloads.append(True)  # type: ignore[method-assign]
    window.presenter.present(DatabaseUnavailable("The studio's server does not answer"))

    assert window.banner.retry_button.isVisible()
    qtbot.mouseClick(window.banner.retry_button, Qt.MouseButton.LeftButton)
    assert reloads == [True]


def test_a_tab_whose_server_is_gone_shows_the_banner(qtbot, admin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dead = Database("postgresql://postgres@127.0.0.1:1/nowhere", pool_pre_ping=False)
    presenter = ErrorPresenter(interactive=False)
    w = MainWindow(Services.build(dead), admin, "nowhere", runner=TaskRunner(), presenter=presenter)
    qtbot.addWidget(w)
    with qtbot.waitSignal(presenter.shown, timeout=20000) as blocker:
        w.show()
    assert blocker.args[0] == "banner"
    assert w.banner.isVisible() and w.banner.retry_button.isVisible()
    # The first banner may come from the notifications or messages load: wait for the tab's.
    qtbot.waitUntil(lambda: "F5" in w.current_tab().summary.text(), timeout=20000)
    w.runner.wait(5000)
    dead.dispose()


def test_bugs_are_logged_with_details(presenter: ErrorPresenter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "logs" / "crash.log"
    presenter.log_path = log
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, text: shown.append((kind, text)))
    try:
        raise ZeroDivisionError("oops")
    except ZeroDivisionError as exc:
        presenter.present(exc)

    assert shown == [("crash", "ZeroDivisionError: oops")]
    assert "Traceback" in log.read_text() and "ZeroDivisionError: oops" in log.read_text()


def test_excepthooks_send_uncaught_errors_to_the_presenter(
    qtbot, presenter: ErrorPresenter, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    old_sys, old_thread = sys.excepthook, threading.excepthook
    try:
        install_excepthooks(presenter, tmp_path / "crash.log")
        with qtbot.waitSignal(presenter.shown, timeout=5000) as blocker:
            t = threading.Thread(target=lambda: 1 / 0)
            t.start()
            t.join()
        assert blocker.args == ["crash", "ZeroDivisionError: division by zero"]
        assert "ZeroDivisionError" in (tmp_path / "crash.log").read_text()
    finally:
        sys.excepthook, threading.excepthook = old_sys, old_thread


def fill_wizard(wizard: SetupWizard, email: str) -> None:
    wizard.show()
    wizard.next()
    assert wizard.currentId() == SetupWizard.STUDIO_PAGE
    wizard.studio_name.setText("Riverside Music")
    wizard.timezone.setCurrentText("Europe/London")
    wizard.currency.setCurrentText("GBP")
    wizard.tax_rate.setText("20")
    wizard.next()
    assert wizard.currentId() == SetupWizard.ADMIN_PAGE
    wizard.first_name.setText("Rita")
    wizard.last_name.setText("River")
    wizard.email.setText(email)
    wizard.password.setText("a-good-password")
    wizard.password_repeat.setText("a-good-password")


def test_setup_wizard_refuses_a_bad_email_next_to_the_field(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    wizard = SetupWizard(StudioService(db), TaskRunner())
    qtbot.addWidget(wizard)
    fill_wizard(wizard, "rita-at-example")

    assert not wizard.validateCurrentPage()
    assert "email" in wizard.error_text("admin_email").lower()
    assert wizard.errors.labels["admin_email"].isVisible()
    assert wizard.error_text("admin_first_name") == ""
    assert StudioService(db).is_empty()


def test_setup_wizard_refuses_a_bad_time_zone_on_the_studio_page(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    wizard = SetupWizard(StudioService(db), TaskRunner())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.studio_name.setText("Riverside Music")
    wizard.timezone.setCurrentText("Mars/Olympus")
    wizard.next()

    assert wizard.currentId() == SetupWizard.STUDIO_PAGE
    assert "time zone" in wizard.error_text("timezone")


def test_setup_wizard_refuses_a_short_or_mistyped_password(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    wizard = SetupWizard(StudioService(db), TaskRunner())
    qtbot.addWidget(wizard)
    fill_wizard(wizard, "rita@riverside.example")
    wizard.password.setText("short")
    wizard.password_repeat.setText("shorter")

    assert not wizard.validateCurrentPage()
    assert "at least 10" in wizard.error_text("admin_password")
    wizard.password.setText("a-good-password")
    assert not wizard.validateCurrentPage()
    assert wizard.error_text("admin_password_repeat") == "The two passwords differ"


def test_setup_wizard_creates_the_studio_and_its_admin(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.services.accounts import AccountService

    wizard = SetupWizard(StudioService(db), TaskRunner(), accounts=AccountService(db))
    qtbot.addWidget(wizard)
    fill_wizard(wizard, "rita@riverside.example")

    with qtbot.waitSignal(wizard.accepted, timeout=10000):
        wizard.validateCurrentPage()

    assert wizard.actor is not None and wizard.actor.name == "Rita River"
    assert not wizard.wants_demo
    info = StudioService(db).info(wizard.actor)
    assert (info.name, info.timezone, info.currency) == ("Riverside Music", "Europe/London", "GBP")
    assert str(info.settings.tax_rate_percent) == "20"
    # The admin can log in with the password they chose, and is not asked to change it.
    (admin,) = AccountService(db).staff(wizard.actor)
    assert admin.login_role and admin.is_active and not admin.must_change_password


def test_a_failed_admin_login_keeps_the_studio_and_finish_only_makes_the_login(
    qtbot, db: Database
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from studiosync_desktop.errors import Conflict
    from studiosync_desktop.services.accounts import AccountService

    class RefusesOnce(AccountService):
        refused = False

        def invite(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not self.refused:
                self.refused = True
                raise Conflict("The server refused to create the login.")
            return super().invite(*args, **kwargs)

    wizard = SetupWizard(StudioService(db), TaskRunner(), accounts=RefusesOnce(db))
    qtbot.addWidget(wizard)
    fill_wizard(wizard, "rita@riverside.example")
    wizard.validateCurrentPage()
    qtbot.waitUntil(lambda: "refused" in wizard.admin_page.status.text(), timeout=10000)
    assert wizard.actor is None
    with qtbot.waitSignal(wizard.accepted, timeout=10000):
        wizard.validateCurrentPage()  # Finish again
    with db.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM studios")).scalar_one() == 1
    (admin,) = AccountService(db).staff(wizard.actor)  # type: ignore[arg-type]
    assert admin.login_role and admin.is_active


def test_setup_wizard_offers_the_demo_studio(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    wizard = SetupWizard(StudioService(db), TaskRunner())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choice_page.demo.setChecked(True)

    assert wizard.choice_page.isFinalPage()
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.wants_demo and wizard.actor is None
