"""The Pay tab: a pay period's run by teacher, the selected teacher's lines below.

Admins preview the period (lessons marked so far, adjustments to earlier runs, lines added by
hand), add lines by hand, approve, and print statements, the run's summary and the payroll CSV;
the pay rules and policy are a dialog away. A teacher sees their own statements only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from studiosync_desktop.schemas.teacher_pay import (
    PayLineRow,
    PayPeriod,
    PayRunView,
    TeacherPayTotal,
)
from studiosync_desktop.services.pay_periods import next_period, previous_period
from studiosync_desktop.ui.dialogs.pay import ExtraLineDialog, PayRulesDialog
from studiosync_desktop.ui.documents import ask_save_path
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import Column, RowStyle, RowTableModel, money_column
from studiosync_desktop.ui.tabs.base import DataTab, pane
from studiosync_desktop.ui.widgets import RowTableView
from studiosync_desktop.vocabulary import PAY_ATTENDANCE_NAMES

KIND_WORDS = {"lesson": "Lesson", "adjustment": "Adjustment", "extra": "By hand"}


def _total_style(row: TeacherPayTotal) -> RowStyle | None:
    return RowStyle(bold=True) if row.adjustments or row.extras else None


class PayTab(DataTab):
    uses = ("pay",)
    key = "pay"
    title = "Pay"
    noun = ("teacher", "teachers")
    empty_text = "Nothing to pay in this period."
    stretch_column = 0
    watches = frozenset({"pay_runs", "pay_lines", "pay_rules", "pay_settings"})
    select_first = True  # the first teacher's lines show below at once

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[TeacherPayTotal]] = [
            Column("Teacher", lambda t: t.teacher_name, width=220),
            Column("Lessons", lambda t: t.lessons, width=70),
            Column("Hours taught", lambda t: t.hours, width=100),
            money_column("Lesson pay", lambda t: t.lesson_pay, 110),
            money_column("Adjustments", lambda t: t.adjustments, 110),
            money_column("By hand", lambda t: t.extras, 100),
            money_column("Total", lambda t: t.total, 110),
        ]
        super().__init__(context, columns, _total_style, parent)
        self.view: PayRunView | None = None
        self.lines_of: Any = None  # whose lines are shown below
        self.period: PayPeriod | None = None
        self.anchor = date(2024, 1, 1)
        self.last_dialog: Any = None
        self.previous_button = self.add_button(
            self.toolbar, "◀ &Previous", "Alt+Left", self.previous
        )
        self.period_label = QLabel(self)
        self.period_label.setObjectName("pay_period")
        font = self.period_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.period_label.setFont(font)
        self.period_label.setMinimumWidth(220)
        self.toolbar.addWidget(self.period_label)
        self.next_button = self.add_button(self.toolbar, "&Next ▶", "Alt+Right", self.next)
        self.toolbar.addStretch(1)
        admin = self.actor.is_admin
        if admin:
            self.add_line_button = self.add_button(
                self.toolbar, "&Add line…", "Ctrl+N", self.add_line
            )
            self.approve_button = self.add_button(
                self.toolbar, "A&pprove…", "Ctrl+Shift+A", self.approve
            )
        self.add_button(self.toolbar, "&Statement PDF…", "Ctrl+P", self.statement_pdf)
        if admin:
            self.add_button(self.toolbar, "Run s&ummary PDF…", "Ctrl+U", self.summary_pdf)
            self.add_button(self.toolbar, "Payroll &CSV…", "Ctrl+E", self.payroll_csv)
            self.add_button(self.toolbar, "Pay &rules…", "Ctrl+R", self.rules)
        self.state = QLabel(self)
        self.state.setObjectName("pay_state")
        self.state.setWordWrap(True)
        lines: list[Column[PayLineRow]] = [
            Column("Date", lambda r: self._day(r), width=110),
            Column("Kind", lambda r: KIND_WORDS[r.kind], width=100),
            Column(
                "Lesson or reason",
                lambda r: r.description if r.kind != "extra" else r.reason,
                width=300,
            ),
            Column(
                "Attendance", lambda r: PAY_ATTENDANCE_NAMES.get(r.attendance or "", ""), width=110
            ),
            Column("Rate", lambda r: r.rate_text, width=260),
            money_column("Amount", lambda r: r.amount, 100),
            Column("Why", lambda r: r.reason if r.kind != "extra" else "", width=300),
        ]
        self.lines_model: RowTableModel[PayLineRow] = RowTableModel(lines, parent=self)
        self.lines = RowTableView(self.lines_model, self)  # type: ignore[arg-type]
        self.lines.setObjectName("pay_lines")
        self.lines.stretch(2)
        self.lines_title = QLabel(self)
        self.add_row(self.state)
        self.add_pane(pane(self, self.lines_title, self.lines), "below", (1, 1))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_lines())
        if admin:
            self.add_shortcut("Delete", self.remove_line)

    # --- loading ------------------------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        pay, actor, period, keep = self.services.pay, self.actor, self.period, self.selected_key()

        def work() -> tuple[PayRunView, date, Any, tuple[PayLineRow, ...]]:
            view = pay.view(actor, period or pay.period(actor))
            ids = [t.teacher_id for t in view.teachers]
            teacher = keep if keep in ids else (ids[0] if ids else None)
            lines = pay.lines(actor, view.period, teacher) if teacher is not None else ()
            return view, view.anchor, teacher, lines

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        view, self.anchor, teacher, lines = result
        self.view, self.period = view, view.period
        self.period_label.setText(view.period.label)
        self.model.replace_rows(view.teachers, self.row_key)
        self._total = len(view.teachers)
        self._next_cursor = None
        self.state.setText(self._state_text(view))
        if hasattr(self, "approve_button"):
            self.approve_button.setEnabled(view.status != "approved" and view.is_over)
            self.add_line_button.setEnabled(view.status != "approved")
        self._lines_shown(teacher, lines)

    def row_key(self, row: Any) -> Any:
        return getattr(row, "teacher_id", row)

    def summary_text(self) -> str:
        if self.view is None:
            return ""
        count = len(self.view.teachers)
        return f"{count} teacher{'s' if count != 1 else ''}, {self.view.total:,.2f} in all"

    def _state_text(self, view: PayRunView) -> str:
        if view.status == "approved" and view.approved_at is not None:
            at = view.approved_at.astimezone(ZoneInfo(view.timezone))
            head = (
                f"<b>Approved</b> by {view.approved_by or 'an admin'} on {at:%a} {at.day}"
                f" {at:%b %Y} at {at:%H:%M}: frozen. A later change to one of its lessons"
                " is an adjustment in the next run."
            )
        else:
            head = "<b>Preview</b>: not approved yet; the figures follow the calendar."
            if not view.is_over:
                after = view.period.end + timedelta(days=1)
                head += f" Approve it from {after:%a} {after.day} {after:%b}, once it is over."
        notes = [*view.warnings]
        if view.missing_rules:
            notes.insert(0, "No pay rule for: " + ", ".join(view.missing_rules) + " (Ctrl+R).")
        return head + "".join(f"<br>⚠ {n}" for n in notes)

    def _day(self, line: PayLineRow) -> str:
        if line.lesson_start is None or self.view is None:
            return ""
        day = line.lesson_start.astimezone(ZoneInfo(self.view.timezone))
        return f"{day:%a} {day.day} {day:%b}"

    def selected_teacher(self) -> TeacherPayTotal | None:
        rows = self.table.selectionModel().selectedRows()
        if rows and 0 <= rows[0].row() < self.model.rowCount():
            row: TeacherPayTotal = self.model.row_at(rows[0].row())
            return row
        return None

    def _show_lines(self) -> None:
        """The selected teacher's lines, fetched off the GUI thread (latest wins)."""
        teacher, view = self.selected_teacher(), self.view
        if teacher is None or view is None or teacher.teacher_id == self.lines_of:
            return
        pay, actor, period, who = self.services.pay, self.actor, view.period, teacher.teacher_id
        self.runner.run(
            lambda: pay.lines(actor, period, who),
            on_done=lambda lines: self._lines_shown(who, lines),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"pay-lines:{id(self)}",
        )

    def _lines_shown(self, teacher: Any, lines: tuple[PayLineRow, ...]) -> None:
        self.lines_of = teacher
        self.lines_model.set_rows(lines)
        row = self.model.row_of(teacher, self.row_key) if teacher is not None else -1
        name = self.model.row_at(row).teacher_name if row >= 0 else ""
        self.lines_title.setText(f"<b>{name}</b>: {len(lines)} lines" if name else "")

    # --- periods ------------------------------------------------------------------------

    def previous(self) -> None:
        if self.period is not None:
            self.period = previous_period(self.period, self.anchor)
            self.reload()

    def next(self) -> None:
        if self.period is not None:
            self.period = next_period(self.period, self.anchor)
            self.reload()

    # --- actions ------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.runner.run(
            work, on_done=done, on_error=lambda exc: self.presenter.present(exc, parent=self)
        )

    def add_line(self) -> None:
        if self.period is None:
            return
        pay, actor, period, teacher = (
            self.services.pay,
            self.actor,
            self.period,
            self.selected_teacher(),
        )

        def open_dialog(teachers: Any) -> None:
            dialog = ExtraLineDialog(
                pay,
                actor,
                self.runner,
                self.presenter,
                period,
                teachers,
                teacher.teacher_id if teacher else None,
                parent=self,
            )
            self.last_dialog = dialog
            dialog.finished.connect(lambda _r: self._keys_back())
            self.run_dialog(dialog)

        self._run(lambda: pay.teachers(actor), open_dialog)

    def remove_line(self) -> None:
        rows = self.lines.selectionModel().selectedRows()
        if not rows or self.view is None or self.view.status == "approved":
            return
        line = self.lines_model.row_at(rows[0].row())
        if line.kind != "extra" or line.id is None:
            self.summary.setText("Only a line added by hand can be removed (Delete).")
            return
        pay, actor, line_id = self.services.pay, self.actor, line.id
        self._run(lambda: pay.remove_extra_line(actor, line_id), lambda _r: self.refresh())

    def approve(self) -> None:
        view = self.view
        if view is None or view.status == "approved":
            return
        answer = QMessageBox.question(
            self,
            "Approve pay run",
            f"Approve the pay run of {view.period.label}: {len(view.teachers)} teachers,"
            f" {view.total:,.2f} in all?\n\nIts lines are then frozen for good; a later change"
            " to one of its lessons is paid as an adjustment in the next run.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        pay, actor, period = self.services.pay, self.actor, view.period

        def done(approved: PayRunView) -> None:
            window = self.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(
                    f"Pay run of {approved.period.label} approved: {approved.total:,.2f}.", 10000
                )
            self.refresh()

        self._run(lambda: pay.approve(actor, period), done)

    def _keys_back(self) -> None:
        """After a dialog: the window active again and the table focused, so the tab's keys
        (Ctrl+N, Alt+Left...) work at once."""
        self.activateWindow()
        self.table.setFocus()

    def _after_rules(self) -> None:
        self.refresh()
        self._keys_back()

    def rules(self) -> None:
        dialog = PayRulesDialog(self.services.pay, self.actor, self.runner, self.presenter, self)
        dialog.finished.connect(lambda _r: self._after_rules())
        self.last_dialog = dialog
        dialog.open()

    # --- files --------------------------------------------------------------------------

    def _save(self, title: str, name: str, kind: str, render: Callable[[], bytes]) -> None:
        path = ask_save_path(self, title, name, kind)
        if path:
            self.write_file(path, render)

    def write_file(self, path: Path, render: Callable[[], bytes]) -> None:
        def work() -> Path:
            path.write_bytes(render())
            return path

        self._run(work, lambda p: self.summary.setText(f"Saved {p}"))

    def statement_pdf(self) -> None:
        view, teacher = (
            self.view,
            self.selected_teacher() or (self.model.row_at(0) if self.model.rowCount() else None),
        )
        if view is None or teacher is None:
            return
        if view.status != "approved" or view.run_id is None:
            self.summary.setText("A statement is printed once the run is approved.")
            return
        from studiosync_desktop.reports.pay_pdf import render_statement

        pay, actor, run_id, teacher_id = (
            self.services.pay,
            self.actor,
            view.run_id,
            teacher.teacher_id,
        )
        name = f"pay-{view.period.start:%Y-%m-%d}-{teacher.teacher_name}.pdf"
        self._save(
            "Save pay statement PDF",
            name,
            "PDF (*.pdf)",
            lambda: render_statement(pay.statement(actor, run_id, teacher_id)),
        )

    def summary_pdf(self) -> None:
        if self.period is None:
            return
        from studiosync_desktop.reports.pay_pdf import render_run_summary

        pay, actor, period = self.services.pay, self.actor, self.period
        self._save(
            "Save pay run summary PDF",
            f"pay-run-{period.start:%Y-%m-%d}.pdf",
            "PDF (*.pdf)",
            lambda: render_run_summary(pay.summary(actor, period)),
        )

    def payroll_csv(self) -> None:
        if self.period is None:
            return
        pay, actor, period = self.services.pay, self.actor, self.period
        self._save(
            "Save payroll CSV",
            f"payroll-{period.start:%Y-%m-%d}.csv",
            "CSV (*.csv)",
            lambda: pay.payroll_csv(actor, period).encode("utf-8"),
        )
