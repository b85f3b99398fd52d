"""The generic row table model: Qt's model checks, and rows in / cells out."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt

from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.ui.table_model import (
    ALERT,
    RIGHT,
    Column,
    RowStyle,
    RowTableModel,
    money,
    money_column,
    words,
)


def invoice(number: str | None, total: str, paid: str = "0", overdue: bool = False) -> InvoiceRow:
    t, p = Decimal(total), Decimal(paid)
    return InvoiceRow(
        id=uuid.uuid4(),
        number=number,
        payer_name="Lee family",
        payer_kind="family",
        status="sent" if number else "draft",
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 3, 16),
        total=t,
        amount_paid=p,
        balance=t - p,
        is_overdue=overdue,
    )


COLUMNS: list[Column[InvoiceRow]] = [
    Column("Number", lambda r: r.number or "Draft"),
    Column("Status", lambda r: r.status, formatter=words),
    Column("Due", lambda r: r.due_date),
    money_column("Balance", lambda r: r.balance),
]


def make_model(rows: list[InvoiceRow]) -> RowTableModel[InvoiceRow]:
    return RowTableModel(
        COLUMNS,
        rows,
        row_style=lambda r: RowStyle(foreground=ALERT, bold=True) if r.is_overdue else None,
    )


def cells(model: RowTableModel[InvoiceRow]) -> list[list[str]]:
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_model_passes_qt_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = make_model([invoice("INV-1", "100"), invoice(None, "45.5")])
    qtmodeltester.check(model, force_py=True)
    model.set_rows([invoice("INV-2", "1")])
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        (
            [invoice("INV-1", "1234.5", "234.5"), invoice(None, "45")],
            [
                ["INV-1", "Sent", "16 Mar 2026", "1,000.00"],
                ["Draft", "Draft", "16 Mar 2026", "45.00"],
            ],
        ),
        ([invoice("INV-9", "0.1", "0.1")], [["INV-9", "Sent", "16 Mar 2026", "0.00"]]),
    ],
)
def test_rows_in_cells_out(rows: list[InvoiceRow], expected: list[list[str]]) -> None:
    assert cells(make_model(rows)) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0"), "0.00"), (Decimal("19.999"), "20.00"), (Decimal("-5"), "-5.00"), (None, "")],
)
def test_money_has_two_decimals(value: Decimal | None, text: str) -> None:
    assert money(value) == text


def test_money_is_right_aligned_and_headers_come_from_the_columns() -> None:
    model = make_model([invoice("INV-1", "10")])
    align = model.data(model.index(0, 3), Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(align) & Qt.AlignmentFlag.AlignRight
    assert RIGHT & Qt.AlignmentFlag.AlignRight
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles == ["Number", "Status", "Due", "Balance"]


def test_row_style_colours_overdue_rows_only() -> None:
    model = make_model([invoice("INV-1", "10", overdue=True), invoice("INV-2", "10")])
    red = model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert red is not None and red.color() == ALERT
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is None


def test_set_rows_resets_and_update_row_emits_data_changed(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model([invoice("INV-1", "10"), invoice("INV-2", "20")])
    with qtbot.waitSignal(model.modelReset):
        model.set_rows([invoice("INV-3", "30")])
    assert cells(model)[0][0] == "INV-3"

    model.set_rows([invoice("INV-1", "10"), invoice("INV-2", "20")])
    changed: list[tuple[QModelIndex, QModelIndex]] = []
    model.dataChanged.connect(lambda a, b, _roles=None: changed.append((a, b)))
    model.update_row(1, invoice("INV-2", "20", paid="5"))

    assert [(a.row(), a.column(), b.row(), b.column()) for a, b in changed] == [(1, 0, 1, 3)]
    assert cells(model)[1][3] == "15.00"
    assert model.rowCount() == 2
