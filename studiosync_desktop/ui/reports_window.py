"""The Reports window (F9, or Reports > Reports…): pick a report and a period, see its table
and chart, export it to CSV, XLSX or PDF (a long export shows its progress and can stop), or
print it. Reading and writing run off the GUI thread."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.reports.report_pdf import cell_text, render_report
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.reports import ReportColumn, ReportInfo, ReportTable
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.periods import PERIOD_NAMES, named_period
from studiosync_desktop.services.report_files import ExportCancelled, write_rows
from studiosync_desktop.ui.documents import ask_save_path
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span
from studiosync_desktop.ui.studio_clock import today_in
from studiosync_desktop.ui.table_model import LEFT, RIGHT, Column, RowStyle, RowTableModel
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DayField, RowTableView

GROUP_WORDS = {
    "month": "By month",
    "teacher": "By teacher",
    "instrument": "By instrument",
    "method": "By payment method",
    "student": "By student",
}
TOTAL_STYLE = RowStyle(bold=True)
# Reports whose rows can run to tens of thousands: exported straight from the database.
STREAMED = ("lessons", "financial", "users", "student-list")


def _column(index: int, column: ReportColumn) -> Column[tuple[Any, ...]]:
    """The table's column `index`: figures on the right, written as the files write them."""

    def value(row: tuple[Any, ...]) -> Any:
        return row[index]

    def shown(value: Any) -> str:
        return cell_text(value, column)

    numeric = column.kind in ("money", "count", "hours", "percent")
    return Column(column.title, value, RIGHT if numeric else LEFT, shown)


class _Progress(QObject):
    """Rows written so far, from the export's thread to the progress dialog."""

    moved = Signal(int)


class ReportsWindow(QDialog):
    """One report at a time; Enter or F5 runs it with the period and group chosen."""

    shown = Signal()  # a report's table and chart are on screen

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.setWindowTitle("Reports")
        self.resize(1180, 760)
        self.table: ReportTable | None = None
        self.reports = QListWidget(self)
        self.reports.setObjectName("report_list")
        for info in services.reports.available(actor):
            item = QListWidgetItem(info.title, self.reports)
            item.setData(Qt.ItemDataRole.UserRole, info)
            item.setToolTip(info.description)
        self.reports.setMaximumWidth(230)
        self.reports.currentItemChanged.connect(lambda *_: self._report_changed())

        self.period = QComboBox(self)
        for key, words in PERIOD_NAMES.items():
            self.period.addItem(words, key)
        self.period.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.first = DayField(self)
        self.last = DayField(self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            limit_span(edit, "search")
            edit.dateChanged.connect(lambda _d: self._dates_edited())
        self.group = QComboBox(self)
        self.run_button = QPushButton("&Show", self)
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Show the report for the period (Enter, F5)")
        self.run_button.clicked.connect(self.run_report)
        bar = QHBoxLayout()
        for text, widget in (("&Period", self.period), ("&From", self.first), ("&To", self.last)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget)
        self.group_label = QLabel("&Group", self)
        self.group_label.setBuddy(self.group)
        bar.addWidget(self.group_label)
        bar.addWidget(self.group)
        self.teacher = QComboBox(self)
        self.teacher.addItem("All teachers", None)
        self.teacher.setToolTip("Only this teacher's rows")
        self.teacher_label = QLabel("T&eacher", self)
        self.teacher_label.setBuddy(self.teacher)
        bar.addStretch(1)
        bar.addWidget(self.run_button)
        narrow = QHBoxLayout()  # the filters, under the period: those the report has
        narrow.addWidget(self.teacher_label)
        narrow.addWidget(self.teacher)
        if actor.is_staff_desk:  # a teacher's reports are their own rows already
            runner.run(services.scheduling.choices, actor, on_done=self._fill_teachers)
        self._filters(narrow)
        narrow.addStretch(1)

        self.model: RowTableModel[tuple[Any, ...]] = RowTableModel(
            [], row_style=lambda r: TOTAL_STYLE if r and r[0] == "Total" else None
        )
        self.view = RowTableView(self.model, self)  # type: ignore[arg-type]
        self.view.setObjectName("report_table")
        self.chart_host = QWidget(self)
        QVBoxLayout(self.chart_host).setContentsMargins(0, 0, 0, 0)
        self.pages = QTabWidget(self)
        self.pages.addTab(self.view, "T&able")
        self.pages.addTab(self.chart_host, "C&hart")
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.counts.setEnabled(False)
        self.status = QLabel(self)

        buttons = self._file_buttons()

        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addLayout(narrow)
        column.addWidget(self.pages, 1)
        column.addWidget(self.counts)
        column.addLayout(buttons)
        split = QSplitter(self)
        split.addWidget(self.reports)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._setting_period = False
        self.period.setCurrentIndex(0)
        self._period_changed()
        self.reports.setCurrentRow(0)
        self._enable_files(False)

    def _filters(self, bar: QHBoxLayout) -> None:
        """The instrument (the students') and the payer (part of the name, Enter shows)."""
        self.instrument = QComboBox(self)
        self.instrument.addItem("All instruments", "")
        self.instrument.setToolTip("Only the rows of this instrument's students")
        self.instrument_label = QLabel("&Instrument", self)
        self.instrument_label.setBuddy(self.instrument)
        self.runner.run(self.services.reports.instruments, self.actor, on_done=self._instruments)
        self.payer = QLineEdit(self)
        self.payer.setMinimumWidth(220)
        self.payer.setPlaceholderText("All payers")
        self.payer.setMaxLength(200)
        self.payer.setToolTip("Only the payers (family, band or student) whose name has this")
        self.payer.returnPressed.connect(self.run_report)
        self.payer_label = QLabel("Pa&yer", self)
        self.payer_label.setBuddy(self.payer)
        for widget in (self.instrument_label, self.instrument, self.payer_label, self.payer):
            bar.addWidget(widget)

    def _instruments(self, names: tuple[str, ...]) -> None:
        for name in names:
            self.instrument.addItem(name, name)

    def _file_buttons(self) -> QHBoxLayout:
        """Export (CSV, XLSX, PDF) and Print, each with its keys; the status at the end."""
        buttons = QHBoxLayout()
        self.export_buttons: dict[str, QPushButton] = {}
        for text, suffix, keys in (
            ("Export &CSV…", ".csv", "Ctrl+Shift+C"),
            ("Export &XLSX…", ".xlsx", "Ctrl+Shift+X"),
            ("Export P&DF…", ".pdf", "Ctrl+Shift+P"),
        ):
            button = QPushButton(text, self)
            button.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys})")
            button.clicked.connect(lambda _c=False, s=suffix: self.export(s))
            QShortcut(QKeySequence(keys), self).activated.connect(lambda s=suffix: self.export(s))
            self.export_buttons[suffix] = button
            buttons.addWidget(button)
        self.print_button = QPushButton("P&rint…", self)
        self.print_button.setToolTip("Print the report (Ctrl+P)")
        self.print_button.clicked.connect(self.print_report)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_report)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.run_report)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        return buttons

    # --- choosing ----------------------------------------------------------------------

    def info(self) -> ReportInfo | None:
        item = self.reports.currentItem()
        info = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return info if isinstance(info, ReportInfo) else None

    def choose(
        self, name: str, first: date | None = None, last: date | None = None, group: str = ""
    ) -> None:
        """Selects report `name` (a custom period, a grouping) and shows it: the Home's
        charts use it."""
        self.reports.blockSignals(True)
        for row in range(self.reports.count()):
            info = self.reports.item(row).data(Qt.ItemDataRole.UserRole)
            if info.name == name:
                self.reports.setCurrentRow(row)
        self.reports.blockSignals(False)
        self._fill_groups()
        if group and self.group.findData(group) >= 0:
            self.group.setCurrentIndex(self.group.findData(group))
        if first is not None and last is not None:
            self._set_dates(first, last)
            self.period.blockSignals(True)
            self.period.setCurrentIndex(self.period.findData("custom"))
            self.period.blockSignals(False)
        self.run_report()

    def _report_changed(self) -> None:
        self._fill_groups()
        self.run_report()

    def _fill_groups(self) -> None:
        info = self.info()
        self.group.clear()
        for g in info.groups if info is not None else ():
            self.group.addItem(GROUP_WORDS.get(g, g), g)
        self.group.setVisible(bool(self.group.count()))
        self.group_label.setVisible(bool(self.group.count()))
        filters = info.filters if info is not None else ()
        by_teacher = self.actor.is_staff_desk and "teacher" in filters
        for widgets, shown in (
            ((self.teacher, self.teacher_label), by_teacher),
            ((self.instrument, self.instrument_label), "instrument" in filters),
            ((self.payer, self.payer_label), "payer" in filters),
        ):
            for widget in widgets:
                widget.setVisible(shown)

    def _fill_teachers(self, choices: Any) -> None:
        for t in choices.teachers:
            self.teacher.addItem(t.name, t.id)

    def _period_changed(self) -> None:
        key = self.period.currentData()
        if key != "custom":
            self._set_dates(*named_period(key, today_in(self.actor.timezone)))

    def _set_dates(self, first: date, last: date) -> None:
        self._setting_period = True
        self.first.setDate(QDate(first.year, first.month, first.day))
        self.last.setDate(QDate(last.year, last.month, last.day))
        self._setting_period = False

    def _dates_edited(self) -> None:
        if not self._setting_period:
            self.period.blockSignals(True)
            self.period.setCurrentIndex(self.period.findData("custom"))
            self.period.blockSignals(False)

    def request(self) -> dict[str, Any]:
        info = self.info()
        assert info is not None
        return {
            "name": info.name,
            "first": self.first.date().toPython(),
            "last": self.last.date().toPython(),
            "group": self.group.currentData() or "",
            "teacher_id": None if self.teacher.isHidden() else self.teacher.currentData(),
            "instrument": "" if self.instrument.isHidden() else self.instrument.currentData(),
            "payer": "" if self.payer.isHidden() else self.payer.text().strip(),
        }

    # --- showing -----------------------------------------------------------------------

    def run_report(self) -> None:
        if self.info() is None:
            return
        self.status.setText("Reading…")
        self.runner.run(
            self.services.reports.run,
            self.actor,
            self.request(),
            on_done=self.show_table,
            on_error=self._failed,
            key="report",
        )

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("")
        fields = self.presenter.present(exc, retry=self.run_report, parent=self)
        if fields:
            self.status.setText(" ".join(fields.values()))

    def show_table(self, table: ReportTable) -> None:
        self.table = table
        columns = [_column(i, c) for i, c in enumerate(table.columns)]
        rows = table.rows + ((table.totals,) if table.totals is not None else ())
        self.model.set_columns(columns, rows)
        self.view.resizeColumnsToContents()
        self.counts.setText(f"{table.narrowed}. {table.counts}" if table.narrowed else table.counts)
        total = f"{len(table.rows):,} row{'' if len(table.rows) == 1 else 's'}"
        money = any(c.kind == "money" for c in table.columns)
        self.status.setText(f"{total}" + (f", amounts in {table.currency}" if money else ""))
        self._show_chart(table)
        self._enable_files(True)
        self.shown.emit()

    def _show_chart(self, table: ReportTable) -> None:
        layout = self.chart_host.layout()
        assert layout is not None
        while layout.count():
            old = layout.takeAt(0)
            widget = old.widget() if old is not None else None
            if widget is not None:
                widget.deleteLater()
        self.pages.setTabEnabled(1, table.chart is not None)
        if table.chart is None:
            return
        from PySide6.QtCharts import QChartView  # loaded with the first chart

        from studiosync_desktop.ui.home_charts import bar_chart

        view = QChartView(
            bar_chart(table.chart.title, list(table.chart.categories), table.chart.series)
        )
        view.setObjectName("report_chart")
        layout.addWidget(view)

    def _enable_files(self, on: bool) -> None:
        for button in (*self.export_buttons.values(), self.print_button):
            button.setEnabled(on)

    # --- files and printing ------------------------------------------------------------

    def export(self, suffix: str, path: Path | None = None) -> None:
        """Asks where (unless `path`), then writes the file off the GUI thread."""
        if self.table is None:
            return
        request = self.request()
        if path is None:
            name = f"{request['name']}-{request['first']}-{request['last']}{suffix}"
            chosen = ask_save_path(self, "Export the report", name, f"*{suffix}")
            if chosen is None:
                return
            path = chosen.with_suffix(suffix)
        if suffix == ".pdf":
            table = self.table
            work: Any = lambda: path.write_bytes(  # noqa: E731
                render_report(table, table.studio_name, table.locale)
            )
            self.runner.run(work, on_done=lambda _r: self._saved(path), on_error=self._failed)
            return
        self._export_rows(path, request)

    def _export_rows(self, path: Path, request: dict[str, Any]) -> None:
        """Rows straight from the database for the long lists, with progress and Cancel."""
        stop = threading.Event()
        progress = QProgressDialog("Exporting…", "Cancel", 0, 0, self)
        progress.setWindowTitle("Export")
        progress.setMinimumDuration(300)
        progress.canceled.connect(stop.set)
        signals = _Progress(self)
        signals.moved.connect(lambda n: progress.setLabelText(f"{n:,} rows written…"))
        reports, actor, table = self.services.reports, self.actor, self.table
        assert table is not None

        def moved(n: int) -> bool:
            signals.moved.emit(n)
            return not stop.is_set()

        def work() -> int:
            if request["name"] in STREAMED:
                rows = reports.stream(actor, request)
                return write_rows(
                    path, table.title, table.columns, rows, None, moved, table.narrowed
                )
            return write_rows(
                path, table.title, table.columns, table.rows, table.totals, moved, table.narrowed
            )

        def done(_count: int) -> None:
            progress.close()
            self._saved(path)

        def failed(exc: BaseException) -> None:
            progress.close()
            if isinstance(exc, ExportCancelled):
                self.status.setText(str(exc))
            else:
                self._failed(exc)

        self.exporting = self.runner.run(work, on_done=done, on_error=failed)
        self.export_progress = progress
        self.export_stop = stop

    def _saved(self, path: Path) -> None:
        self.status.setText(f"Saved {path.name} in {path.parent}.")

    def html(self) -> str:
        """The report as an HTML table, for printing."""
        t = self.table
        assert t is not None
        head = "".join(f"<th>{escape(c.title)}</th>" for c in t.columns)
        rows = t.rows + ((t.totals,) if t.totals is not None else ())
        body = "".join(
            "<tr>"
            + "".join(
                f"<td align={'right' if isinstance(v, int | Decimal) else 'left'}>"
                f"{escape(cell_text(v, c))}</td>"
                for v, c in zip(r, t.columns, strict=True)
            )
            + "</tr>"
            for r in rows
        )
        return (
            f"<h3>{escape(t.studio_name)}: {escape(t.title)}</h3>"
            f"<p>{t.first:%d %B %Y} to {t.last:%d %B %Y}"
            f"{escape(' · ' + t.narrowed) if t.narrowed else ''}</p><p><small>{escape(t.counts)}"
            f"</small></p><table cellspacing=0 cellpadding=3><tr>{head}</tr>{body}</table>"
        )

    def print_report(self) -> None:
        if self.table is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setHtml(self.html())
        document.print_(printer)
        self.status.setText("Sent to the printer.")
