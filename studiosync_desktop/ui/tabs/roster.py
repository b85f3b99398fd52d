"""Roster tab: students, families, teachers and bands, searched as you type (debounced).

Alt+S/F/T/B switch the view; Ctrl+N adds, Enter or Ctrl+E edits, Ctrl+D deactivates (or
reactivates) the selected row. Deactivated rows stay on file; "Show inactive" lists them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.roster import RosterKind, Saved
from studiosync_desktop.schemas.studio import StudioInfo
from studiosync_desktop.ui.dialogs.roster import TITLES, RosterDialog
from studiosync_desktop.ui.documents import ask_open_path, ask_save_path
from studiosync_desktop.ui.roster_import import ImportPreviewDialog
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import ALERT, Column, RowStyle, money_column
from studiosync_desktop.ui.tabs.base import DataTab

SEARCH_DEBOUNCE_MS = 200


def _name(r: Any) -> str:
    return r.name if r.is_active else f"{r.name} (inactive)"


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


VIEWS: dict[RosterKind, tuple[tuple[str, str], list[Column[Any]], int]] = {
    "students": (
        ("student", "students"),
        [
            Column("Name", _name, width=190, picture=lambda r: r.photo),
            Column("Instrument", lambda r: r.instrument, width=110),
            Column("Teacher", lambda r: r.teacher_name, width=160),
            Column("Family", lambda r: r.family_name, width=160),
            Column("Email", lambda r: r.email, width=230),
            Column("Phone", lambda r: r.phone, width=130),
        ],
        4,
    ),
    "families": (
        ("family", "families"),
        [
            Column("Family", _name, width=200),
            Column("Billing contact", lambda r: r.contact_name, width=180),
            Column("Students", lambda r: r.student_count, width=80),
            Column("Billing email", lambda r: r.billing_email, width=240),
            Column("Phone", lambda r: r.phone, width=130),
        ],
        3,
    ),
    "teachers": (
        ("teacher", "teachers"),
        [
            Column("Name", _name, width=180, picture=lambda r: r.photo),
            Column("Specialties", lambda r: r.specialties, width=200),
            money_column("Hourly rate", lambda r: r.hourly_rate, width=100),
            Column("Buffer (min)", lambda r: r.booking_buffer_minutes, width=90),
            Column("Accepting students", lambda r: r.is_accepting_students, formatter=_yes),
            Column("Students", lambda r: r.student_count, width=80),
            Column("Email", lambda r: r.email, width=220),
            Column("Phone", lambda r: r.phone, width=130),
        ],
        6,
    ),
    "bands": (
        ("band", "bands"),
        [
            Column("Band", _name, width=200),
            Column("Contact", lambda r: r.contact_name, width=180),
            Column("Members", lambda r: r.member_count, width=80),
            Column("Email", lambda r: r.email, width=220),
            Column("Phone", lambda r: r.phone, width=130),
            Column("City", lambda r: r.city, width=120),
        ],
        3,
    ),
}
VIEW_LABELS = {
    "students": "&Students",
    "families": "&Families",
    "teachers": "&Teachers",
    "bands": "&Bands",
}


def _row_style(row: Any) -> RowStyle | None:
    return None if row.is_active else RowStyle(foreground=ALERT.darker(110))


class RosterTab(DataTab):
    uses = ("roster", "roster_csv")
    key = "roster"
    title = "Roster"
    noun = ("student", "students")
    empty_text = "No students match."
    stretch_column = 4
    select_first = True  # Ctrl+O, Ctrl+E act on the best match as soon as it shows
    watches = frozenset({"students", "families", "teachers", "bands", "users", "band_members"})

    saved = Signal(str)  # the status line of a save ("Added Sam Lee.")
    open_person = Signal(str, object)  # kind, id: the person page (Ctrl+O)

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(context, VIEWS["students"][1], _row_style, parent)
        self.view: RosterKind = "students"
        self.last_dialog: QDialog | None = None  # the last dialog opened (tests drive it)
        self.view_buttons = QButtonGroup(self)
        for kind, label in VIEW_LABELS.items():
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setObjectName(f"view_{kind}")
            button.setToolTip(f"Show {kind} ({label.replace('&', 'Alt+')[:5]})")
            self.view_buttons.addButton(button)
            button.clicked.connect(lambda _on, kind=kind: self.set_view(kind))
            self.toolbar.addWidget(button)
            if kind == "students":
                button.setChecked(True)
        self.toolbar.addSpacing(12)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search name, email, phone or instrument  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(250)
        self.show_inactive = QCheckBox("Show &inactive", self)
        self.new_button = QPushButton("&Add…", self)
        self.new_button.setToolTip("Add (Ctrl+N)")
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setToolTip("Edit the selected row (Enter or Ctrl+E)")
        self.active_button = QPushButton("&Deactivate", self)
        self.active_button.setToolTip("Deactivate or reactivate the selected row (Ctrl+D)")
        self.page_button = QPushButton("&Page", self)
        self.page_button.setToolTip("Open the person's page (Ctrl+O)")
        self.toolbar.addWidget(self.search)
        self.toolbar.addWidget(self.show_inactive)
        self.toolbar.addStretch(1)
        self.import_button = QPushButton("Im&port…", self)
        self.import_button.setToolTip("Add students from a CSV file, after a preview")
        self.export_button = QPushButton("E&xport…", self)
        self.export_button.setToolTip("Save every student, with family and contacts, as CSV")
        for b in (
            self.new_button,
            self.edit_button,
            self.active_button,
            self.page_button,
            self.import_button,
            self.export_button,
        ):
            self.toolbar.addWidget(b)
        self.import_button.clicked.connect(lambda: self.import_csv())
        self.export_button.clicked.connect(lambda: self.export_csv())
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        # Enter or Down in the search box: into the results, on the best match.
        self.search.returnPressed.connect(self._search_now)
        self.search.installEventFilter(self)
        self._into_results = False
        self.loaded.connect(self._arrived)
        self.show_inactive.toggled.connect(lambda _on: self.reload())
        self.new_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.active_button.clicked.connect(self.toggle_active)
        self.page_button.clicked.connect(self._open_page)
        self.table.activated.connect(lambda _index: self.edit())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        for keys, slot in (
            ("Ctrl+N", self.add),
            ("Ctrl+E", self.edit),
            ("Ctrl+D", self.toggle_active),
            ("Ctrl+O", self._open_page),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
        self._update_buttons()

    # --- views ------------------------------------------------------------------------------

    def studio_changed(self, info: StudioInfo) -> None:
        """A studio without bands lists none (their records stay)."""
        bands = self.findChild(QPushButton, "view_bands")
        uses_bands = info.settings.uses("bands")
        if bands is not None:
            bands.setVisible(uses_bands)
        if not uses_bands and self.view == "bands":
            self.set_view("students")

    def set_view(self, kind: RosterKind) -> None:
        if kind == self.view:
            return
        self.view = kind
        noun, columns, stretch = VIEWS[kind]
        self.noun = noun
        self.empty_text = f"No {noun[1]} match."
        for button in self.view_buttons.buttons():
            button.setChecked(button.objectName() == f"view_{kind}")
        self._next_cursor = None
        self.model.set_columns(columns)
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for i, column in enumerate(columns):
            header.setSectionResizeMode(i, header.ResizeMode.Interactive)
            self.table.setColumnWidth(
                i, max(metrics.horizontalAdvance(column.title) + 32, column.width or 0)
            )
        self.table.stretch(stretch)
        self.reload()

    def _search_now(self) -> None:
        """Enter: the results of what is typed (looked up now if still waiting), the best
        match selected and the keys in the list (Enter again edits, Ctrl+O the page)."""
        self._into_results = True
        if self._debounce.isActive():
            self._debounce.stop()
            self.reload()
        elif not self.is_loading:
            self._arrived()

    def _arrived(self) -> None:
        if not self._into_results:
            return
        self._into_results = False
        if self.model.rowCount():
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            self.table.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self._search_now()
            return True
        return super().eventFilter(watched, event)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_widget(self) -> QWidget:
        return self.search  # Ctrl+3, then type a name: the keys go to the search

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        service, actor = self.services.roster, self.actor
        search, inactive = self.search.text(), self.show_inactive.isChecked()
        method = getattr(service, self.view)
        return lambda: method(actor, search=search, cursor=cursor, include_inactive=inactive)

    # --- actions ----------------------------------------------------------------------------

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(rows[0].row())

    def _update_buttons(self) -> None:
        row = self.selected()
        can_change = self.actor.role in ("admin", "desk")
        self.new_button.setEnabled(can_change)
        self.edit_button.setEnabled(row is not None and can_change)
        self.active_button.setEnabled(row is not None and can_change)
        self.page_button.setEnabled(row is not None)
        self.active_button.setText(
            "Re&activate" if row is not None and not row.is_active else "&Deactivate"
        )

    def add(self) -> None:
        self._open_dialog(None)

    def edit(self) -> None:
        row = self.selected()
        if row is not None:
            self._open_dialog(row.id)

    def _open_dialog(self, row_id: uuid.UUID | None) -> None:
        if self.actor.role not in ("admin", "desk"):
            return
        kind, roster, actor = self.view, self.services.roster, self.actor
        form = {
            "students": roster.student_form,
            "families": roster.family_form,
            "teachers": roster.teacher_form,
            "bands": roster.band_form,
        }[kind]

        def load() -> tuple[Any, Any]:
            return roster.choices(actor), (form(actor, row_id) if row_id else None)

        self.runner.run(
            load,
            on_done=lambda result: self._show_dialog(kind, row_id, *result),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"roster-form:{id(self)}",
        )

    def _show_dialog(
        self, kind: RosterKind, row_id: uuid.UUID | None, choices: Any, initial: Any
    ) -> None:
        roster, actor = self.services.roster, self.actor
        save: Callable[[Actor, Any, uuid.UUID | None], Saved] = {
            "students": roster.save_student,
            "families": roster.save_family,
            "teachers": roster.save_teacher,
            "bands": roster.save_band,
        }[kind]
        dialog = RosterDialog(
            kind,
            choices,
            lambda data, rid: save(actor, data, rid),
            self.runner,
            self.presenter,
            initial=initial,
            row_id=row_id,
            parent=self,
        )
        self.last_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_value is not None:
            self.saved.emit(dialog.result_value.message)
            self._after_save(dialog.result_value.id)

    def _after_save(self, row_id: uuid.UUID) -> None:
        self._keep = (row_id, self.table.verticalScrollBar().value())
        self._start(None, quiet=True)

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None or self.actor.role not in ("admin", "desk"):
            return
        noun = TITLES[self.view]
        if row.is_active and self.presenter.interactive:
            answer = QMessageBox.question(
                self,
                f"Deactivate {noun}",
                f"Deactivate {row.name}? They stay on file (with their history) and can be "
                "reactivated from “Show inactive”.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        service, actor, kind = self.services.roster, self.actor, self.view
        self.runner.run(
            service.set_active,
            actor,
            kind,
            row.id,
            not row.is_active,
            on_done=self._saved_one,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _saved_one(self, saved: Saved) -> None:
        self.saved.emit(saved.message)
        self._after_save(saved.id)

    # --- CSV ------------------------------------------------------------------------------

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            path = str(
                ask_save_path(self, "Export the roster", "students.csv", "CSV (*.csv)") or ""
            )
        if not path:
            return
        service, actor = self.services.roster_csv, self.actor

        def export() -> int:
            data = service.export_csv(actor)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(data)
            return data.count("\n") - 1

        self.runner.run(
            export,
            on_done=lambda n: self.saved.emit(f"Exported {n} students to {path}."),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def import_csv(self, path: str | None = None) -> None:
        if path is None:
            found = ask_open_path(self, "Import students", "CSV (*.csv);;All files (*)")
            path = str(found or "")
        if not path:
            return
        service, actor = self.services.roster_csv, self.actor

        def preview() -> tuple[str, Any]:
            with open(path, encoding="utf-8-sig") as f:
                data = f.read()
            return data, service.preview(actor, data)

        self.runner.run(
            preview,
            on_done=lambda result: self._show_preview(*result),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _show_preview(self, data: str, preview: Any) -> None:
        dialog = ImportPreviewDialog(preview, self)
        self.last_dialog = dialog
        if self.presenter.interactive and dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if not preview.ok:
            return
        service, actor = self.services.roster_csv, self.actor
        self.runner.run(
            service.import_csv,
            actor,
            data,
            on_done=self._imported,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _open_page(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_person.emit(self.view, row.id)

    def _imported(self, count: int) -> None:
        self.saved.emit(f"Imported {count} students.")
        self.reload()
