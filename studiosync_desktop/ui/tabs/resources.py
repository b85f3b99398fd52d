"""Resources tab: the studio's library (files, links, physical copies) and the copies out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.resources import ResourceCheckoutRow, ResourceRow, size_text
from studiosync_desktop.ui.dialogs.resources import LendCopyDialog, ResourceDialog, StudentPicker
from studiosync_desktop.ui.documents import (
    ask_save_path,
    open_with_system,
    save_document,
    tell_saved,
)
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import (
    ALERT,
    CENTER,
    RIGHT,
    Column,
    RowStyle,
    RowTableModel,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab, pane
from studiosync_desktop.ui.tabs.roster import SEARCH_DEBOUNCE_MS
from studiosync_desktop.ui.widgets import RowTableView
from studiosync_desktop.vocabulary import RESOURCE_TYPES

KIND_WORDS = {"pdf": "PDF", "physical": "Book / copy"}


def _what(row: ResourceRow) -> str:
    if row.resource_type == "physical":
        return f"{row.quantity_available} of {row.quantity_total} copies in"
    if row.resource_type == "link":
        return row.external_url
    if row.file_name:
        return f"{row.file_name} ({size_text(row.file_size)})"
    return "No file"


def _who(row: ResourceRow) -> str:
    if row.is_public:
        return "Everyone"
    return (
        f"{row.shared_count} student{'s' if row.shared_count != 1 else ''}"
        if row.shared_count
        else "Staff only"
    )


def _copy_style(row: ResourceCheckoutRow) -> RowStyle | None:
    return RowStyle(foreground=ALERT, bold=True) if row.is_overdue else None


class ResourcesTab(DataTab):
    uses = ("resources",)
    key = "resources"
    title = "Resources"
    noun = ("resource", "resources")
    empty_text = "The library is empty. Add a file, a link or a book with Ctrl+N."
    stretch_column = 0
    select_first = True

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[ResourceRow]] = [
            Column("Title", lambda r: r.title, width=260),
            Column(
                "Kind", lambda r: KIND_WORDS.get(r.resource_type, words(r.resource_type)), width=90
            ),
            Column("Category", lambda r: r.category, width=130),
            Column("Tags", lambda r: ", ".join(r.tags), width=150),
            Column("Shared with", _who, width=120),
            Column("File, link or copies", _what, width=260),
        ]
        super().__init__(context, columns, None, parent)
        self.open_file: Callable[[Path], object] = open_with_system
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search title, category, tags  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.kind = QComboBox(self)
        self.kind.addItem("All kinds", None)
        for k in RESOURCE_TYPES:
            self.kind.addItem(words(k), k)
        self.toolbar.addWidget(self.search)
        self.toolbar.addWidget(self.kind)
        self.toolbar.addStretch(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())

        actions = QHBoxLayout()
        self.add_button(actions, "&Add…", "Ctrl+N", self.add_resource)
        self.add_button(actions, "&Edit…", "Ctrl+E", self.edit_resource)
        self.add_button(actions, "&Open", "Ctrl+O", self.open_resource)
        self.add_button(actions, "&Save a copy…", "Ctrl+Shift+S", self.save_copy)
        self.add_button(actions, "S&hare…", "", self.share)
        self.add_button(actions, "&Lend a copy…", "Ctrl+L", self.lend)
        actions.addStretch(1)
        self.table.activated.connect(lambda _i: self.open_resource())

        self.copies: RowTableModel[ResourceCheckoutRow] = RowTableModel(
            [
                Column("Title", lambda r: r.title, width=240),
                Column("Student", lambda r: r.student_name, width=180),
                Column("Copies", lambda r: r.quantity, RIGHT, width=60),
                Column("Out since", lambda r: self.clock.local(r.checked_out_at).date(), width=110),
                Column("Due", lambda r: r.due_date, width=110),
                Column("", lambda r: "Overdue" if r.is_overdue else "", CENTER, width=80),
            ],
            row_style=_copy_style,
            parent=self,
        )
        self.copies_table = RowTableView(self.copies, self)  # type: ignore[arg-type]
        self.copies_table.stretch(0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("<b>Copies out</b>", self))
        self.add_button(bar, "&Returned", "Ctrl+R", self.return_copy)
        self.add_button(bar, "Lost", "", self.lost)
        bar.addStretch(1)

        self.add_row(actions)
        self.add_pane(pane(self, bar, self.copies_table), "below", (3, 1))

    # --- loading ----------------------------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor = self.services, self.actor
        search, kind = self.search.text(), self.kind.currentData()

        def work() -> tuple[Any, ...]:
            page = services.resources.resources(actor, search, kind, cursor)
            if cursor is not None:
                return page, None
            return page, services.resources.checkouts(actor)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        page, copies = result
        super().show_result(page, appended)
        if copies is not None:
            self.copies.set_rows(copies)
            self.copies_table.show_overlay("" if copies else "No copies out.")

    def focus_widget(self) -> QWidget:
        return self.search  # type to find, then the tab's keys act on the first found

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- actions ----------------------------------------------------------------------------

    def selected(self) -> ResourceRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _fail(self, exc: BaseException) -> None:
        self.presenter.present(exc, parent=self)

    def add_resource(self) -> None:
        self.run_dialog(
            ResourceDialog(self.services, self.actor, self.runner, self.presenter, None, self)
        )

    def edit_resource(self) -> None:
        row = self.selected()
        if row is not None:
            self.run_dialog(
                ResourceDialog(self.services, self.actor, self.runner, self.presenter, row, self)
            )

    def open_resource(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.resource_type == "link" and row.external_url:
            QDesktopServices.openUrl(QUrl(row.external_url))
            return
        if not row.file_name:
            self.summary.setText(f"{row.title} has no file to open.")
            return
        service, actor, rid = self.services.resources, self.actor, row.id

        def work() -> Path:
            stored = service.file(actor, rid)
            return save_document(stored.data, stored.file_name)

        def opened(path: Path) -> None:
            self.summary.setText(tell_saved(self, path, bool(self.open_file(path))))

        self.runner.run(work, on_done=opened, on_error=self._fail)

    def save_copy(self) -> None:
        row = self.selected()
        if row is None or not row.file_name:
            return
        target = ask_save_path(self, "Save a copy", row.file_name)
        if target is None:
            return
        service, actor, rid = self.services.resources, self.actor, row.id

        def work() -> Path:
            path = Path(target)
            path.write_bytes(service.file(actor, rid).data)
            return path

        self.runner.run(
            work,
            on_done=lambda path: self.summary.setText(f"Saved a copy to {path}"),
            on_error=self._fail,
        )

    def share(self) -> None:
        row = self.selected()
        if row is None:
            return
        service, actor, rid = self.services.resources, self.actor, row.id

        def load() -> tuple[Any, Any]:
            return service.students(actor, limit=200), service.shared_with(actor, rid)

        def pick(result: tuple[Any, Any]) -> None:
            people, shared = result
            picker = StudentPicker(people, {p.id for p in shared}, f"Share {row.title}", self)
            if picker.exec():
                chosen = picker.chosen()
                self.runner.run(
                    lambda: service.share(actor, rid, chosen),  # type: ignore[arg-type]
                    on_done=lambda _r: self.reload(),
                    on_error=self._fail,
                )

        self.runner.run(load, on_done=pick, on_error=self._fail)

    def lend(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.resource_type != "physical":
            self.summary.setText(f"{row.title} is not a physical copy: share it instead.")
            return
        self.run_dialog(
            LendCopyDialog(
                self.services,
                self.actor,
                self.runner,
                self.presenter,
                row,
                self.clock.today(),
                self,
            )
        )

    def _copy_action(self, call: Callable[[Any, Actor, Any], Any]) -> None:
        index = self.copies_table.currentIndex()
        if not index.isValid():
            return
        copy = self.copies.row_at(index.row())
        service, actor = self.services.resources, self.actor
        self.runner.run(
            lambda: call(service, actor, copy.id),
            on_done=lambda _r: self.reload(),
            on_error=self._fail,
        )

    def return_copy(self) -> None:
        self._copy_action(lambda s, a, cid: s.return_copy(a, cid))

    def lost(self) -> None:
        self._copy_action(lambda s, a, cid: s.mark_lost(a, cid))
