"""A person's page: a window over `PeopleService.page`, with links that open the tabs."""

from __future__ import annotations

import html
import uuid
from datetime import date, datetime

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.roster import PageLine, PersonPage, RosterKind
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.error_presenter import ErrorPresenter
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        if can(actor, "email"):  # what this person (or family's contact) receives by email
            from studiosync_desktop.ui.dialogs.email_settings import open_preferences

            wishes = buttons.addButton(
                "&Email preferences…", QDialogButtonBox.ButtonRole.ActionRole
            )
            wishes.clicked.connect(
                lambda: open_preferences(services, actor, runner, presenter, kind, row_id, self)
            )
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.page: PersonPage | None = None
        runner.run(
            services.people.page,
            actor,
            kind,
            row_id,
            on_done=self._show,
            on_error=lambda exc: presenter.present(exc, parent=self),
        )

    def _show(self, page: PersonPage) -> None:
        self.page = page
        self.setWindowTitle(f"{page.title} ({page.subtitle})")
        self.browser.setHtml(render(page))
        self.loaded.emit()

    def _clicked(self, url: QUrl) -> None:
        self.link_activated.emit(url.toString())
