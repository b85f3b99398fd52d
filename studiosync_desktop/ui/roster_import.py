"""Roster CSV import: the preview (every row, its problems) before anything is written."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.services.roster_csv import ImportPreview
from studiosync_desktop.ui.widgets import ERROR_STYLE


class ImportPreviewDialog(QDialog):
    """Shows each row and its problems; Import is offered only when every row is fine."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import students: preview")
        self.resize(820, 560)
        count = len(preview.rows)
        if preview.ok:
            text = f"{count} students are ready to import."
            if preview.new_families:
                text += f" New families: {', '.join(preview.new_families)}."
        else:
            text = (
                f"{preview.error_count} of {count} rows have problems. Nothing will be imported "
                "until the file is corrected."
            )
        self.headline = QLabel(text, self)
        self.headline.setWordWrap(True)
        if not preview.ok:
            self.headline.setStyleSheet(ERROR_STYLE)
        self.table = QTableWidget(count, 4, self)
        self.table.setHorizontalHeaderLabels(("Line", "Student", "Family", "Problems"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, row in enumerate(preview.rows):
            problems = "; ".join(f"{field}: {message}" for field, message in row.errors)
            for c, value in enumerate((str(row.line), row.name, row.family, problems or "OK")):
                self.table.setItem(i, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = self.buttons.addButton(
            f"&Import {count} students", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(preview.ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
