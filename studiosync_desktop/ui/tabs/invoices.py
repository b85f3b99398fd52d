"""Invoices tab: every invoice with its status, totals and balance; overdue ones in red."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import (
    ALERT,
    CENTER,
    Column,
    RowStyle,
    money_column,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.task_runner import TaskRunner

STATUS_FILTERS = (
    ("All invoices", None),
    ("Overdue", "overdue"),
    ("Draft", "draft"),
    ("Sent", "sent"),
    ("Partly paid", "partial"),
    ("Paid", "paid"),
    ("Void", "void"),
)


def invoice_status(row: InvoiceRow) -> str:
    if row.is_overdue:
        return "Overdue"
    return "Partly paid" if row.status == "partial" else words(row.status)


def _invoice_style(row: InvoiceRow) -> RowStyle | None:
    return RowStyle(foreground=ALERT, bold=True) if row.is_overdue else None


class InvoicesTab(DataTab):
    key = "invoices"
    title = "Invoices"
    noun = ("invoice", "invoices")
    empty_text = "No invoices to show."

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[InvoiceRow]] = [
            Column("Number", lambda r: r.number or "Draft", width=120),
            Column("Payer", lambda r: r.payer_name, width=200),
            Column("Billed to", lambda r: r.payer_kind, CENTER, words, width=80),
            Column("Status", invoice_status, CENTER, width=100),
            Column("Issued", lambda r: r.issue_date, width=110),
            Column("Due", lambda r: r.due_date, width=110),
            money_column("Total", lambda r: r.total),
            money_column("Paid", lambda r: r.amount_paid),
            money_column("Balance", lambda r: r.balance),
        ]
        super().__init__(services, actor, runner, presenter, columns, _invoice_style, parent)
        self.status_filter = QComboBox(self)
        for text, value in STATUS_FILTERS:
            self.status_filter.addItem(text, value)
        label = QLabel("&Show:", self)
        label.setBuddy(self.status_filter)
        self.toolbar.addWidget(label)
        self.toolbar.addWidget(self.status_filter)
        self.toolbar.addStretch(1)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        service, actor = self.services.billing, self.actor
        status = self.status_filter.currentData()
        return lambda: service.invoices(actor, cursor=cursor, status=status)
