"""A person's page: a window over `PeopleService.page`, with links that open the tabs."""

from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.documents import ask_open_path
from studiosync_desktop.ui.widgets import error_label

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.schemas.roster import PageLine, PersonPage, RosterKind
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.privacy_dialogs import PrivacyActions
    from studiosync_desktop.ui.task_runner import TaskRunner


def _when(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%a %d %b %Y %H:%M")  # already in the studio's time zone
    return value.strftime("%d %b %Y")


def render(page: PersonPage) -> str:
    """The page as HTML (the links keep their studiosync:// addresses)."""
    parts = [
        f"<h2 style='margin-bottom:0'>{html.escape(page.title)}</h2>",
        f"<p style='color:gray;margin-top:2px'>{html.escape(page.subtitle)}</p>",
        "<table cellspacing='0' cellpadding='3'>",
    ]
    for label, value in page.facts:
        parts.append(
            f"<tr><td style='color:gray;padding-right:14px'>{html.escape(label)}</td>"
            f"<td>{html.escape(value)}</td></tr>"
        )
    parts.append("</table>")
    for section in page.sections:
        parts.append(f"<h3>{html.escape(section.title)}</h3>")
        if not section.lines:
            parts.append(f"<p style='color:gray'>{html.escape(section.empty_text)}</p>")
            continue
        parts.append("<table cellspacing='0' cellpadding='3' width='100%'>")
        for line in section.lines:
            parts.append(_line(line))
        parts.append("</table>")
    return "".join(parts)


def _line(line: PageLine) -> str:
    label = html.escape(line.text)
    if line.link:
        label = f"<a href='{html.escape(line.link)}'>{label}</a>"
    amount = f"{line.amount:,.2f}" if line.amount is not None else ""
    return (
        f"<tr><td width='170' style='color:gray'>{_when(line.when)}</td><td>{label}</td>"
        f"<td style='color:gray'>{html.escape(line.detail)}</td>"
        f"<td align='right'>{amount}</td></tr>"
    )


class PersonPageDialog(QDialog):
    """Opens on one person; `link_activated(link)` when a line is clicked (or Enter)."""

    link_activated = Signal(str)
    loaded = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        kind: RosterKind,
        row_id: uuid.UUID,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("person_page")
        self.setWindowTitle("Loading…")
        self.resize(820, 720)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._clicked)
        self.status = QLabel(self)
        self.status.setObjectName("person_page_status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.privacy: PrivacyActions | None = None
        if actor.is_staff_desk:  # their data: export, consents, erasure
            self._privacy_buttons(services, actor, runner, presenter, buttons)
        if can(actor, "email"):  # what this person (or family's contact) receives by email
            from studiosync_desktop.ui.dialogs.email_settings import open_preferences

            wishes = buttons.addButton(
                "&Email preferences…", QDialogButtonBox.ButtonRole.ActionRole
            )
            wishes.clicked.connect(
                lambda: open_preferences(services, actor, runner, presenter, kind, row_id, self)
            )
        self.photo = QLabel(self)
        self.photo.setObjectName("person_photo")
        self.photo.hide()
        side = QVBoxLayout()
        side.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        self.photo_buttons: tuple[QPushButton, QPushButton] | None = None
        if actor.is_staff_desk:  # the desk: students' and parents'; an admin: anyone's
            self.photo_buttons = self._photo_buttons(side)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.browser, 1)
        top.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.page: PersonPage | None = None
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.kind, self.row_id = kind, row_id
        self.reload()

    def _privacy_buttons(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        buttons: QDialogButtonBox,
    ) -> None:
        from studiosync_desktop.ui.privacy_dialogs import PrivacyActions

        self.privacy = PrivacyActions(services, actor, runner, presenter, self, self.status.setText)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.privacy_buttons = []
        for text, act in (
            ("E&xport data…", lambda p: self.privacy.export(p.person_id)),
            ("Co&nsents…", lambda p: self.privacy.consents(p.person_id, self.reload)),
            ("Ask to e&rase…", lambda p: self.privacy.ask_erasure(p.person_id, p.title)),
        ):
            button = buttons.addButton(text, role)
            button.setEnabled(False)  # until the page says whose it is
            button.clicked.connect(lambda _c=False, act=act: self.page and act(self.page))
            self.privacy_buttons.append(button)

    def _photo_buttons(self, side: QVBoxLayout) -> tuple[QPushButton, QPushButton]:
        choose = QPushButton("Choose p&hoto…", self)
        choose.setObjectName("choose_photo")
        choose.clicked.connect(self.choose_photo)
        remove = QPushButton("Remove photo", self)
        remove.setObjectName("remove_photo")
        remove.clicked.connect(lambda: self._set_photo(None, "The photo is removed."))
        self.photo_error = error_label(self, "photo")
        self.photo_error.setMaximumWidth(220)
        for widget in (choose, remove, self.photo_error):
            widget.setEnabled(False)  # until the page says whose it is
            side.addWidget(widget)
        # Replaced by tests; the real one asks with the system's file dialog.
        self.ask_picture: Callable[[], Path | None] = self._ask_picture
        return choose, remove

    def choose_photo(self) -> None:
        path = self.ask_picture()
        if path is None:
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.photo_error.setText(f"{path.name} cannot be read: {exc.strerror or exc}.")
            self.photo_error.show()
            return
        self._set_photo(data, "The new photo is on this page and in the roster's list.")

    def _set_photo(self, data: bytes | None, said: str) -> None:
        if self.page is None or self.page.person_id is None:
            return
        self.photo_error.hide()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationFailed):
                self.photo_error.setText(exc.fields.get("photo", str(exc)))
                self.photo_error.show()
            else:
                self.presenter.present(exc, parent=self)

        def done(_result: object) -> None:
            self.status.setText(said)
            self.reload()

        self.runner.run(
            self.services.people.set_photo,
            self.actor,
            self.page.person_id,
            data,
            on_done=done,
            on_error=failed,
        )

    def _ask_picture(self) -> Path | None:
        return ask_open_path(self, "Choose a photo", "Pictures (*.png *.jpg *.jpeg)")

    def reload(self) -> None:
        self.runner.run(
            self.services.people.page,
            self.actor,
            self.kind,
            self.row_id,
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _show(self, page: PersonPage) -> None:
        self.page = page
        self.setWindowTitle(f"{page.title} ({page.subtitle})")
        self.browser.setHtml(render(page))
        for button in getattr(self, "privacy_buttons", ()):
            button.setEnabled(page.person_id is not None)
        self._show_photo(page.photo)
        if self.photo_buttons is not None:
            choose, remove = self.photo_buttons
            choose.setEnabled(page.person_id is not None)
            remove.setEnabled(page.photo is not None)
        self.loaded.emit()

    def _show_photo(self, photo: bytes | None) -> None:
        pixmap = QPixmap()
        if photo and pixmap.loadFromData(photo):
            self.photo.setPixmap(
                pixmap.scaled(
                    120,
                    120,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.photo.show()
        else:
            self.photo.clear()
            self.photo.hide()

    def _clicked(self, url: QUrl) -> None:
        self.link_activated.emit(url.toString())
