"""Documents the desk makes or opens (slips, labels, a library file, an email's attachment).

They are saved in this person's documents folder (platformdirs: ~/Documents/StudioSync), never
in a temporary folder that every user of the PC can read. The window says where each one went,
offers to open the folder, and says what to do when no program opens the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from studiosync_desktop.config import AppDirs

NOTE_MS = 30_000  # long enough to read the folder's name and reach for the button
# The folder a file was last saved to or opened from, this session: the next dialog starts there.
_last_folder: list[Path] = []


def documents_folder() -> Path:
    """This person's StudioSync documents folder, made on first use, readable by them only."""
    folder = AppDirs.default().documents
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _start_in(name: str = "") -> str:
    """Where a Save or Open dialog starts: the folder used last this session, else the
    documents folder (never the program's working folder); with `name`, that file there."""
    folder = next((f for f in _last_folder if f.is_dir()), None) or documents_folder()
    return str(folder / Path(name).name) if name else str(folder)


def forget_last_folder() -> None:
    """The next dialog starts in the documents folder again."""
    _last_folder.clear()


def _chosen(path: str) -> Path | None:
    if not path:
        return None
    _last_folder[:] = [Path(path).parent]
    return Path(path)


def ask_save_path(parent: QWidget | None, title: str, name: str, kinds: str = "") -> Path | None:
    """The file the person chose to save to (None: cancelled), starting in `_start_in`."""
    return _chosen(QFileDialog.getSaveFileName(parent, title, _start_in(name), kinds)[0])


def ask_open_path(parent: QWidget | None, title: str, kinds: str = "") -> Path | None:
    """The file the person chose to open (None: cancelled), starting in `_start_in`."""
    return _chosen(QFileDialog.getOpenFileName(parent, title, _start_in(), kinds)[0])


def save_document(data: bytes, name: str) -> Path:
    """Writes `data` as `name` in the documents folder; an existing file is never replaced
    ("slip.pdf", then "slip (2).pdf"). Safe to call off the GUI thread."""
    folder = documents_folder()
    clean = Path(name).name or "document"
    stem, suffix = Path(clean).stem, Path(clean).suffix
    for n in range(1, 10_000):
        path = folder / (clean if n == 1 else f"{stem} ({n}){suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return path
    raise FileExistsError(f"{folder} has too many files called {clean}.")


def open_with_system(path: Path) -> bool:
    """Opens a file or folder in this PC's program for it; False when none did."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def saved_sentence(path: Path, opened: bool) -> str:
    """Where a document went, and what to do when no program opened it."""
    said = f"Saved {path.name} in {path.parent}."
    if opened:
        return said
    return (
        f"{said} No program on this PC opened it: install a PDF viewer, or open the folder "
        "and open or print it from there."
    )


class DocumentNote(QWidget):
    """The status bar's line about the last document: where it is, and Open folder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel(self)
        self.open_folder_button = QPushButton("Open &folder", self)
        self.open_folder_button.setToolTip("Show the folder the document was saved in")
        self.open_folder_button.clicked.connect(self.open_folder)
        # A click (or Alt+F) leaves the keyboard where the person was working.
        self.open_folder_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.open_folder_button)
        self.folder: Path | None = None
        self.open_path = open_with_system  # tests replace it
        self._hide = QTimer(self)
        self._hide.setSingleShot(True)
        self._hide.timeout.connect(self.hide)
        self.hide()

    def show_saved(self, path: Path, opened: bool) -> None:
        self.folder = path.parent
        self.text.setText(saved_sentence(path, opened))
        self.show()
        self._hide.start(NOTE_MS)

    def open_folder(self) -> None:
        if self.folder is not None and not self.open_path(self.folder):
            self.text.setText(f"No file manager opened it: the folder is {self.folder}.")


def tell_saved(widget: QWidget, path: Path, opened: bool) -> str:
    """Says where `path` went in the window's status bar (with Open folder); returns it."""
    note = getattr(widget.window(), "document_note", None)
    if isinstance(note, DocumentNote):
        note.show_saved(path, opened)
    return saved_sentence(path, opened)
