"""Teacher pay dialogs: a line by hand, a pay rule, the studio's pay policy, and the rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.teacher_pay import (
    ExtraLineInput,
    PayPeriod,
    PayPolicy,
    PayRuleInput,
    PayRuleRow,
)
from studiosync_desktop.services.teacher_pay import TeacherPayService
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import Column, RowTableModel
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import RowTableView
from studiosync_desktop.vocabulary import LESSON_TYPES, PAY_PERIOD_NAMES, PAY_PERIODS

Teachers = Sequence[tuple[uuid.UUID, str]]
BASIS_NAMES = {
    "time": "By time (an amount per 30, 45 or 60 minutes)",
    "percent": "A percent of the lesson's rate",
    "flat": "A flat amount per lesson",
}


def _teacher_combo(parent: QWidget, teachers: Teachers, first: str | None) -> QComboBox:
    combo = QComboBox(parent)
    if first is not None:
        combo.addItem(first, None)
    for teacher_id, name in teachers:
        combo.addItem(name, teacher_id)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class ExtraLineDialog(FormDialog):
    """A line by hand in the period's run: whom, how much (negative: a deduction), and why."""

    def __init__(
        self,
        pay: TeacherPayService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        period: PayPeriod,
        teachers: Teachers,
        teacher_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Add a pay line: {period.label}", ExtraLineInput, runner, presenter, parent
        )
        self.set_intro(
            "Admin time, a bonus or a correction, paid with this period's run. A negative"
            " amount takes money off (an overpayment, say)."
        )
        self.teacher = _teacher_combo(self, teachers, None)
        self.form.add("teacher_id", "&Teacher", self.teacher, self.teacher.currentData)
        if teacher_id is not None:
            _select(self.teacher, teacher_id)
        self.amount = self.form.money("amount", "&Amount", Decimal(0))
        self.form.text("reason", "&Reason", "", "e.g. Recital evening, 3 hours")
        self.form.save = lambda line: pay.add_extra_line(actor, period, line)
        self.amount.setFocus()
        self.amount.selectAll()


class RuleDialog(FormDialog):
    """A pay rule: for whom (or the studio's default), which lessons, and how they pay."""

    def __init__(
        self,
        pay: TeacherPayService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        teachers: Teachers,
        rule: PayRuleRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New pay rule" if rule is None else f"Pay rule: {rule.teacher_name}",
            PayRuleInput,
            runner,
            presenter,
            parent,
        )
        self.set_intro(
            "The most specific rule pays a lesson: the teacher's rule for its lesson type,"
            " then the teacher's own, then the studio's default for the type, then the default."
        )
        self.teacher = _teacher_combo(self, teachers, "Studio default (every teacher)")
        self.form.add("teacher_id", "&Teacher", self.teacher, self.teacher.currentData)
        self.kind = QComboBox(self)
        self.kind.addItem("Every lesson type", None)
        for value in LESSON_TYPES:
            self.kind.addItem(value.capitalize(), value)
        self.form.add("lesson_type", "&Lessons", self.kind, self.kind.currentData)
        self.basis = QComboBox(self)
        for value, name in BASIS_NAMES.items():
            self.basis.addItem(name, value)
        self.form.add("basis", "&Pays", self.basis, self.basis.currentData)
        self.amount = self.form.money(
            "amount", "&Amount (or percent)", rule.amount if rule else Decimal(40)
        )
        self.per = QComboBox(self)
        for minutes in (60, 45, 30):
            self.per.addItem(f"per {minutes} minutes", minutes)
        self.form.add("per_minutes", "Pe&r", self.per, self._per)
        if rule is not None:
            _select(self.teacher, rule.teacher_id)
            _select(self.kind, rule.lesson_type)
            _select(self.basis, rule.basis)
            _select(self.per, rule.per_minutes)
        self.basis.currentIndexChanged.connect(self._basis_changed)
        self._basis_changed()
        rule_id = rule.id if rule is not None else None
        self.form.save = lambda data: pay.save_rule(actor, data, rule_id)
        self.teacher.setFocus()

    def _per(self) -> int | None:
        return self.per.currentData() if self.basis.currentData() == "time" else None

    def _basis_changed(self, *_: object) -> None:
        self.per.setEnabled(self.basis.currentData() == "time")


class PolicyDialog(FormDialog):
    """The studio's pay policy: the period, and what lessons that did not happen pay."""

    def __init__(
        self,
        pay: TeacherPayService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        policy: PayPolicy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Pay policy", PayPolicy, runner, presenter, parent)
        self.set_intro(
            "Completed lessons always pay in full. For the others, the percent of the"
            " lesson's pay: 0 pays nothing, 100 pays in full. The lesson's attendance, as"
            " marked on the calendar, decides (the same as on its invoice)."
        )
        period = QComboBox(self)
        for value in PAY_PERIODS:
            period.addItem(PAY_PERIOD_NAMES[value], value)
        _select(period, policy.period)
        self.form.add("period", "Pay &period", period, period.currentData)
        self.form.calendar_day("period_anchor", "Weeks count &from", policy.period_anchor)
        self.form.money(
            "late_cancel_percent", "&Late cancel by the student (%)", policy.late_cancel_percent
        )
        self.form.money("no_show_percent", "&No-show (%)", policy.no_show_percent)
        self.form.money(
            "studio_cancel_percent", "&Cancelled by the studio (%)", policy.studio_cancel_percent
        )
        self.form.save = lambda data: pay.save_policy(actor, data)
        period.setFocus()


class PayRulesDialog(QDialog):
    """Every pay rule of the studio; add (Ctrl+N), edit (Enter), delete (Delete); the policy."""

    def __init__(
        self,
        pay: TeacherPayService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pay rules and policy")
        self.resize(760, 460)
        self.pay, self.actor, self.runner, self.presenter = pay, actor, runner, presenter
        self.teachers: Teachers = ()
        self.policy = PayPolicy()
        columns: list[Column[PayRuleRow]] = [
            Column("Teacher", lambda r: r.teacher_name, width=220),
            Column("Lessons", lambda r: (r.lesson_type or "every type").capitalize(), width=120),
            Column("Pays", lambda r: r.text, width=300),
        ]
        self.model: RowTableModel[PayRuleRow] = RowTableModel(columns, parent=self)
        self.table = RowTableView(self.model, self)  # type: ignore[arg-type]
        self.table.stretch(2)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.policy_label = QLabel(self)
        self.policy_label.setWordWrap(True)
        bar = QHBoxLayout()
        for text, keys, slot in (
            ("&New rule…", "Ctrl+N", self.new),
            ("&Edit…", "Return", self.edit),
            ("&Delete", "Delete", self.delete),
            ("Pay &policy…", "Ctrl+P", self.edit_policy),
        ):
            button = QPushButton(text, self)
            button.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys})")
            button.clicked.connect(slot)
            button.setShortcut(keys)
            bar.addWidget(button)
        bar.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.policy_label)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.last_dialog: QDialog | None = None
        self.reload()

    def reload(self) -> None:
        pay, actor = self.pay, self.actor
        self.runner.run(
            lambda: (pay.rules(actor), pay.teachers(actor), pay.policy(actor)),
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _show(self, result: Any) -> None:
        rules, self.teachers, self.policy = result
        self.model.replace_rows(rules, lambda r: r.id)
        p = self.policy
        self.policy_label.setText(
            f"<b>{PAY_PERIOD_NAMES[p.period]}</b> pay periods. Completed lessons pay in full;"
            f" a late cancel pays {p.late_cancel_percent.normalize():f}%, a no-show"
            f" {p.no_show_percent.normalize():f}%, a studio cancellation"
            f" {p.studio_cancel_percent.normalize():f}%; other cancellations nothing."
        )
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self.table.setFocus()

    def selected(self) -> PayRuleRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _open(self, dialog: FormDialog) -> None:
        def closed(_result: int) -> None:
            if dialog.result_value is not None:
                self.reload()

        dialog.finished.connect(closed)
        self.last_dialog = dialog
        dialog.open()

    def new(self) -> None:
        args = (self.pay, self.actor, self.runner, self.presenter, self.teachers)
        self._open(RuleDialog(*args, parent=self))

    def edit(self) -> None:
        rule = self.selected()
        if rule is not None:
            args = (self.pay, self.actor, self.runner, self.presenter, self.teachers)
            self._open(RuleDialog(*args, rule=rule, parent=self))

    def edit_policy(self) -> None:
        args = (self.pay, self.actor, self.runner, self.presenter, self.policy)
        self._open(PolicyDialog(*args, parent=self))

    def delete(self) -> None:
        rule = self.selected()
        if rule is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete pay rule",
            f"Delete the rule for {rule.teacher_name} ({rule.text})? Approved runs keep what"
            " they paid; previews use the next rule that applies.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        pay, actor = self.pay, self.actor
        self.runner.run(
            lambda: pay.delete_rule(actor, rule.id),
            on_done=lambda _r: self.reload(),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )
