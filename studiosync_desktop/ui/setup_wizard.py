"""First start of an empty database: set up the studio and its admin, or load the demo."""

from __future__ import annotations

import contextlib
import os
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from studiosync_desktop.errors import StudioSyncError, ValidationFailed
from studiosync_desktop.schemas.accounts import PasswordChange
from studiosync_desktop.schemas.common import Actor, validation_failed
from studiosync_desktop.schemas.studio import StudioSetup
from studiosync_desktop.services.studio import StudioAlreadySetUp, StudioService
from studiosync_desktop.ui.forms import FieldErrors

if TYPE_CHECKING:
    from collections.abc import Mapping

    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.ui.task_runner import TaskRunner

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "JPY", "INR")
STUDIO_FIELDS = ("studio_name", "timezone", "currency", "tax_rate_percent")
ADMIN_FIELDS = ("admin_first_name", "admin_last_name", "admin_email")
PASSWORD_FIELDS = ("admin_password", "admin_password_repeat")


def system_timezone() -> str:
    """This PC's IANA zone name (Europe/London), or UTC when it cannot be told."""
    names = zoneinfo.available_timezones()
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = str(Path("/etc/localtime").resolve())
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    try:
        from PySide6.QtCore import QTimeZone

        candidates.append(bytes(QTimeZone.systemTimeZoneId().data()).decode())
    except (ImportError, UnicodeDecodeError):
        pass
    return next((c for c in candidates if c in names), "UTC")


class _ChoicePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Welcome to StudioSync")
        self.setSubTitle("This database is empty. How would you like to start?")
        self.new_studio = QRadioButton("&Set up my studio", self)
        self.new_studio.setChecked(True)
        self.demo = QRadioButton(
            "&Load the demo studio (teachers, students, lessons, invoices)", self
        )
        self.server = QRadioButton(
            "&Connect this PC to the studio's server (the studio already uses StudioSync)", self
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.new_studio)
        layout.addWidget(self.demo)
        layout.addWidget(self.server)
        layout.addStretch(1)
        # setFinalPage (not an isFinalPage override) makes QWizard swap Next for Finish now.
        self.new_studio.toggled.connect(lambda on: self.setFinalPage(not on))

    def nextId(self) -> int:
        return SetupWizard.STUDIO_PAGE if self.new_studio.isChecked() else -1


class _StudioPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Your studio")
        self.setSubTitle("These appear on invoices; an administrator changes them later in Tools.")
        form = QFormLayout(self)
        w = wizard
        w.studio_name = QLineEdit(self)
        w.timezone = QComboBox(self)
        w.timezone.setEditable(True)
        w.timezone.addItems(sorted(zoneinfo.available_timezones()))
        w.timezone.setCurrentText(system_timezone())
        completer = QCompleter(w.timezone.model(), w.timezone)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        w.timezone.setCompleter(completer)
        w.currency = QComboBox(self)
        w.currency.setEditable(True)
        w.currency.addItems(CURRENCIES)
        w.currency.setCurrentText("USD")
        w.tax_rate = QLineEdit("0", self)
        w.errors.add(form, "Studio &name:", "studio_name", w.studio_name, self)
        w.errors.add(form, "&Time zone:", "timezone", w.timezone, self)
        w.errors.add(form, "&Currency:", "currency", w.currency, self)
        w.errors.add(form, "Ta&x rate (%):", "tax_rate_percent", w.tax_rate, self)

    def validatePage(self) -> bool:
        return self._wizard.check(STUDIO_FIELDS)


class _AdminPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Your administrator account")
        self.setSubTitle("The person who manages the studio in StudioSync.")
        form = QFormLayout(self)
        w = wizard
        w.first_name = QLineEdit(self)
        w.last_name = QLineEdit(self)
        w.email = QLineEdit(self)
        w.errors.add(form, "&First name:", "admin_first_name", w.first_name, self)
        w.errors.add(form, "&Last name:", "admin_last_name", w.last_name, self)
        w.errors.add(form, "&Email:", "admin_email", w.email, self)
        w.password = QLineEdit(self)
        w.password_repeat = QLineEdit(self)
        for field in (w.password, w.password_repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        w.errors.add(form, "&Password:", "admin_password", w.password, self)
        w.errors.add(form, "&Repeat password:", "admin_password_repeat", w.password_repeat, self)
        hint = QLabel("You log in with this email and password (at least 10 characters).", self)
        hint.setWordWrap(True)
        form.addRow(hint)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        # Room for three lines: a wrapped label set later is not given its height by the form.
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow(self.status)

    def validatePage(self) -> bool:
        return self._wizard.create_studio()


class SetupWizard(QWizard):
    """`exec()`; then `.wants_demo` is True (the caller builds the demo), `.wants_server` is
    True (the caller asks for the server's address) or `.actor` is set."""

    CHOICE_PAGE, STUDIO_PAGE, ADMIN_PAGE = 0, 1, 2

    studio_name: QLineEdit
    timezone: QComboBox
    currency: QComboBox
    tax_rate: QLineEdit
    first_name: QLineEdit
    last_name: QLineEdit
    email: QLineEdit
    password: QLineEdit
    password_repeat: QLineEdit

    def __init__(
        self,
        studio_service: StudioService,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        accounts: AccountService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up StudioSync")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.resize(620, 460)
        self._service = studio_service
        self._runner = runner
        # The owner's connection: it creates the first admin's login role.
        self._accounts = accounts
        self.errors = FieldErrors()
        self.actor: Actor | None = None
        self._studio_made: Actor | None = None
        # Another desk set up the studio first: Finish then opens theirs (the caller logs in).
        self.studio_exists = False
        self._creating = False
        self.choice_page = _ChoicePage(self)
        self.studio_page = _StudioPage(self)
        self.admin_page = _AdminPage(self)
        self.setPage(self.CHOICE_PAGE, self.choice_page)
        self.setPage(self.STUDIO_PAGE, self.studio_page)
        self.setPage(self.ADMIN_PAGE, self.admin_page)

    @property
    def wants_demo(self) -> bool:
        return self.choice_page.demo.isChecked()

    @property
    def wants_server(self) -> bool:
        return self.choice_page.server.isChecked()

    def values(self) -> dict[str, Any]:
        return {
            "studio_name": self.studio_name.text(),
            "timezone": self.timezone.currentText().strip(),
            "currency": self.currency.currentText().strip().upper(),
            "tax_rate_percent": self.tax_rate.text().strip() or "0",
            "admin_email": self.email.text().strip(),
            "admin_first_name": self.first_name.text(),
            "admin_last_name": self.last_name.text(),
        }

    def validate(self) -> tuple[StudioSetup | None, Mapping[str, str]]:
        try:
            return StudioSetup.model_validate(self.values()), {}
        except ValidationError as exc:
            return None, validation_failed(exc).fields

    def password_errors(self) -> Mapping[str, str]:
        """The admin's password, checked with the schema every password change uses."""
        try:
            PasswordChange.model_validate(
                {"new_password": self.password.text(), "repeat": self.password_repeat.text()}
            )
        except ValidationError as exc:
            fields = validation_failed(exc).fields
            return {
                "admin_password": fields.get("new_password", ""),
                "admin_password_repeat": fields.get("repeat", ""),
            }
        return {}

    def check(self, names: tuple[str, ...]) -> bool:
        """Validates with `StudioSetup` and shows the messages of the fields in `names`."""
        _, fields = self.validate()
        return not self.errors.show(fields, names)

    def error_text(self, name: str) -> str:
        return self.errors.labels[name].text()

    def create_studio(self) -> bool:
        """Validates, then creates the studio off the GUI thread; the wizard closes when done."""
        if self.actor is not None or self.studio_exists:
            return True  # created: QWizard.done() validates the page once more on accept()
        if self._creating:
            return False
        setup, fields = self.validate()
        shown = self.errors.show(fields, ADMIN_FIELDS)
        shown = self.errors.show(self.password_errors(), PASSWORD_FIELDS) or shown
        if setup is None or shown:
            if not shown:  # a problem on the studio page: go back there to show it
                self.back()
                self.errors.show(fields, STUDIO_FIELDS)
            return False
        self._creating = True
        self.admin_page.status.setText("Creating the studio…")
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self._runner.run(
            self._set_up, setup, self.password.text(), on_done=self._created, on_error=self._failed
        )
        return False

    def _set_up(self, setup: StudioSetup, password: str) -> Actor:
        """On a worker thread: the studio, then the admin's login (they chose the password).

        Two transactions (the login is a server role): when the login fails, the studio made
        is kept, and pressing Finish again only makes the login."""
        actor = self._studio_made or self._service.set_up(setup)
        self._studio_made = actor
        if self._accounts is not None:
            self._accounts.invite(
                actor,
                {
                    "email": str(setup.admin_email),
                    "first_name": setup.admin_first_name,
                    "last_name": setup.admin_last_name,
                    "role": "admin",
                    "password": password,
                },
                one_time=False,
            )
        return actor

    def _created(self, actor: Actor) -> None:
        self._creating = False
        self.actor = actor
        self.admin_page.status.setText("")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._creating = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if isinstance(exc, StudioAlreadySetUp):
            self.studio_exists = True
            self.admin_page.status.setText(f"{exc} Press Finish to open it.")
        elif isinstance(exc, ValidationFailed):
            self.errors.show(exc.fields, ADMIN_FIELDS)
            self.errors.show(exc.fields, STUDIO_FIELDS)
            self.admin_page.status.setText(exc.fields.get("", ""))
        elif isinstance(exc, StudioSyncError):
            self.admin_page.status.setText(str(exc))
        else:
            self.admin_page.status.setText("The studio could not be created.")
            raise exc
