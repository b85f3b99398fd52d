"""Resource dialogs: add or edit a library entry, share it with students, lend a copy."""

from __future__ import annotations

import mimetypes
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.inventory import PersonOption
from studiosync_desktop.schemas.resources import (
    MAX_FILE_TEXT,
    ResourceForm,
    ResourceLend,
    ResourceRow,
    size_text,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.documents import ask_open_path
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import PersonPicker
from studiosync_desktop.vocabulary import MAX_RESOURCE_FILE_BYTES, RESOURCE_TYPES

KIND_BY_MIME = {"application/pdf": "pdf", "audio": "audio", "video": "video", "image": "image"}


def kind_of(path: Path) -> tuple[str, str]:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    kind = KIND_BY_MIME.get(mime) or KIND_BY_MIME.get(mime.split("/")[0]) or "other"
    return kind, mime


class ResourceDialog(FormDialog):
    """Add an entry (with a file chosen from disk, a link or physical copies) or edit one."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        row: ResourceRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Add to the library" if row is None else f"Edit {row.title}",
            ResourceForm,
            runner,
            presenter,
            parent,
        )
        self.path: Path | None = None
        self.title_edit = self.form.text("title", "&Title", row.title if row else "")
        self.kind = self.form.choice(
            "resource_type", "&Kind", RESOURCE_TYPES, row.resource_type if row else "pdf"
        )
        if row is not None:
            self.kind.setEnabled(False)
        file_row = QWidget(self)
        box = QHBoxLayout(file_row)
        box.setContentsMargins(0, 0, 0, 0)
        self.file_label = QLabel(
            f"{row.file_name} ({size_text(row.file_size)})" if row and row.file_name else "No file",
            self,
        )
        choose = QPushButton("C&hoose file…", self)
        choose.clicked.connect(self.choose_file)
        box.addWidget(self.file_label, 1)
        box.addWidget(choose)
        self.form.add("file", "&File", file_row, lambda: None, sent=False)
        self.form.text("external_url", "&Web address", row.external_url if row else "", "https://…")
        self.form.text("category", "&Category", row.category if row else "", "e.g. Scales, Theory")
        self.form.text("tags", "Ta&gs", ", ".join(row.tags) if row else "", "comma separated")
        self.form.notes("description", "&Description", row.description if row else "")
        self.form.number("quantity_total", "C&opies (physical)", row.quantity_total if row else 0)
        self.form.number(
            "checkout_duration_days",
            "&Lend for (days)",
            row.checkout_duration_days if row else 14,
            1,
            365,
        )
        self.form.flag(
            "is_public", "", row.is_public if row else False, "&Public: every student sees it"
        )
        self.set_intro(f"Files are stored in the studio database, up to {MAX_FILE_TEXT} each.")
        library = services.resources
        if row is None:

            def create(form: ResourceForm) -> ResourceRow:
                data = self.path.read_bytes() if self.path is not None else None
                name = self.path.name if self.path is not None else ""
                mime = kind_of(self.path)[1] if self.path is not None else ""
                return library.create(actor, form, file_name=name, file_data=data, mime_type=mime)

            self.form.save = create
        else:
            rid = row.id
            self.form.save = lambda form: library.update(actor, rid, form)
        self.title_edit.setFocus()

    def choose_file(self) -> None:
        path = ask_open_path(self, "Choose a file for the library")
        if path:
            self.set_file(path)

    def set_file(self, path: Path) -> None:
        size = path.stat().st_size
        if size > MAX_RESOURCE_FILE_BYTES:
            self.form.show_errors(
                {
                    "file": f"{path.name} is {size_text(size)}; the library accepts files up to "
                    f"{MAX_FILE_TEXT}. Share a link to larger files instead."
                }
            )
            return
        self.form.show_errors({})
        self.path = path
        kind, _mime = kind_of(path)
        self.kind.setCurrentIndex(RESOURCE_TYPES.index(kind))
        self.file_label.setText(f"{path.name} ({size_text(size)})")
        if not self.title_edit.text():
            self.title_edit.setText(path.stem.replace("-", " ").replace("_", " ").title())


class StudentPicker(QDialog):
    """A checkable list of students, filtered as you type: who a resource is shared with."""

    def __init__(
        self,
        people: tuple[PersonOption, ...],
        chosen: set[object],
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(420, 480)
        layout = QVBoxLayout(self)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by name or email")
        self.list = QListWidget(self)
        for p in people:
            item = QListWidgetItem(f"{p.name}  ·  {p.email}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.filter.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(QLabel("Tick the students who may see this resource:", self))
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def _filter(self, text: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(text.lower() not in item.text().lower())

    def chosen(self) -> list[object]:
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]


class LendCopyDialog(FormDialog):
    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        row: ResourceRow,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Lend {row.title}", ResourceLend, runner, presenter, parent)
        self.set_intro(f"{row.quantity_available} of {row.quantity_total} copies available.")
        self.form.extra = {"resource_id": row.id}
        library = services.resources
        self.student = PersonPicker(
            runner,
            presenter,
            lambda typed: library.students(actor, typed),
            lambda p: f"{p.name}  ·  {p.email}",
            self,
        )
        self.form.add("student_id", "&Student", self.student, self.student.person_id)
        self.form.number("quantity", "&Copies", 1, 0, max(row.quantity_total, 1))
        self.form.calendar_day(
            "due_date", "&Due back", today + timedelta(days=row.checkout_duration_days)
        )
        self.form.notes("checkout_notes", "Notes", "")
        self.form.save = lambda form: library.lend(actor, form)
        self.student.setFocus()
