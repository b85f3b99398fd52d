"""A person's page: a window over `PeopleService.page`, with links that open the tabs."""

from __future__ import annotations

import html
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.roster import PageLine, PersonPage, RosterKind
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner

if TYPE_CHECKING:
    from studiosync_desktop.ui.privacy_dialogs import PrivacyActions


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
        top = QHBoxLayout()
        top.addWidget(self.browser, 1)
        top.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
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
