"""A form's field shows what it may hold (the schema's limits), and its red line goes once the
field is changed: one place for every form built from a schema."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QTimeEdit,
    QWidget,
)

from studiosync_desktop import limits
from studiosync_desktop.schemas.common import field_limits

if TYPE_CHECKING:
    from pydantic import BaseModel


def show_limits(widget: QWidget, schema: type[BaseModel], name: str) -> None:
    """`widget` takes no more than `schema.name` accepts, and says so."""
    found = field_limits(schema, name)
    if found.max_length is not None:
        up_to = f"Up to {found.max_length:,} characters"
        if isinstance(widget, QLineEdit):
            widget.setMaxLength(found.max_length)
            widget.setToolTip(up_to)
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            widget.setToolTip(up_to)
            if not widget.placeholderText():
                widget.setPlaceholderText(up_to)
    if found.first_day is not None and found.last_day is not None:
        limit_days(widget, found.first_day, found.last_day)
    if found.high is not None and isinstance(widget, QLineEdit):
        low = found.low if found.low is not None else -found.high
        widget.setToolTip(f"From {low:,} to {found.high:,}")


def limit_days(widget: QWidget, first: date, last: date) -> None:
    """A date field offers only [first, last]; a typed date field says the range."""
    if isinstance(widget, QTimeEdit):
        return  # a time of day (a booking's start): a date range would reset it to 00:00
    if isinstance(widget, QDateTimeEdit):  # QDateEdit too
        widget.setDateRange(qdate(first), qdate(last))
        widget.setToolTip(f"From {first:%d %b %Y} to {last:%d %b %Y}")
    elif isinstance(widget, QLineEdit):
        widget.setToolTip(f"A date from {first.isoformat()} to {last.isoformat()}")


def limit_span(widget: QDateEdit | QDateTimeEdit, kind: str = "booking") -> None:
    """A date field offers the days `limits.DAY_SPANS[kind]` allows from today."""
    span = limits.DAY_SPANS[kind]
    today = date.today()
    limit_days(widget, span.first(today), span.last(today))


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def clear_on_change(widget: QWidget, error: QLabel) -> None:
    """The field's red line goes as soon as the field is changed (typed, picked, ticked)."""

    def clear(*_args: object) -> None:
        if error.isVisible() or error.text():
            error.clear()
            error.hide()

    if isinstance(widget, QLineEdit):
        widget.textEdited.connect(clear)
    elif isinstance(widget, QPlainTextEdit | QTextEdit):
        widget.textChanged.connect(clear)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(clear)
        widget.editTextChanged.connect(clear)
    elif isinstance(widget, QDateTimeEdit):
        widget.dateTimeChanged.connect(clear)
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.valueChanged.connect(clear)
    elif isinstance(widget, QAbstractButton):
        widget.toggled.connect(clear)
    else:
        for edit in widget.findChildren(QLineEdit):
            edit.textEdited.connect(clear)
