"""Where a Save dialog starts: a receptionist's first "Export…" opened in the program's working
folder (the source checkout). It starts in the documents folder, then where the last file went."""

from __future__ import annotations

from pathlib import Path

from desk_driver import Desk
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from test_desk_tasks import go_to


def _answer_the_save_dialog(seen: list[str], typed: Path | None) -> None:
    """Once the dialog shows: note its folder and suggested name, then save as `typed` (or
    cancel, None)."""

    def answer() -> None:
        found = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QFileDialog) and w.isVisible()
        ]
        if not found:
            QTimer.singleShot(50, answer)
            return
        dialog = found[0]
        seen.append(
            str(Path(dialog.directory().absolutePath()) / Path(dialog.selectedFiles()[0]).name)
        )
        if typed is None:
            dialog.reject()
        else:
            dialog.selectFile(str(typed))
            dialog.accept()

    QTimer.singleShot(50, answer)


def test_the_first_export_starts_in_the_documents_folder_the_next_where_the_last_went(
    desk: Desk, documents_folder: Path, tmp_path: Path
) -> None:
    roster = go_to(desk, "roster")
    seen: list[str] = []
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    _answer_the_save_dialog(seen, elsewhere / "students.csv")
    desk.click(roster.export_button)
    desk.wait_until(lambda: (elsewhere / "students.csv").exists())
    assert seen == [str(documents_folder / "students.csv")]  # not the working folder
    _answer_the_save_dialog(seen, None)
    desk.click(roster.export_button)
    desk.wait_until(lambda: len(seen) == 2)
    assert seen[1] == str(elsewhere / "students.csv")  # where the last file went
