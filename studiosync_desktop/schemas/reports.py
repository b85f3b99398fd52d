"""Reports: what a report is (its name, period and filters) and the table it makes."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from studiosync_desktop.schemas.common import Frozen, typed_text
from studiosync_desktop.schemas.figures import Series

ColumnKind = Literal["text", "money", "count", "percent", "hours", "date", "id"]
Cell = str | int | Decimal | date | None


class ReportColumn(Frozen):
    key: str
    title: str
    kind: ColumnKind = "text"


class ReportChart(Frozen):
    """Bars per category (a month, a teacher), one set per series."""

    title: str
    kind: Literal["money", "count", "hours", "percent"]
    categories: tuple[str, ...]
    series: tuple[Series, ...]


class ReportRequest(Frozen):
    """What to report: a period (both days included) and the filters that apply."""

    name: str
    first: date
    last: date
    group: str = ""  # revenue: teacher, method or instrument; attendance: student or teacher
    teacher_id: uuid.UUID | None = None
    instrument: str = Field(default="", max_length=100)  # a student's instrument, exactly
    payer: str = Field(default="", max_length=200)  # part of the payer's name, any case

    @field_validator("instrument", "payer")
    @classmethod
    def _typed(cls, value: str) -> str:
        """The filters are said in the report's files (their first line): a pasted control
        character would make an XLSX no spreadsheet opens, so it is refused here."""
        return typed_text(value)


class ReportTable(Frozen):
    """A report's rows for its period: columns declared once, a total row where it adds up."""

    name: str
    title: str
    first: date
    last: date
    counts: str  # what the rows count, said once (shown under the table and in the PDF)
    narrowed: str = ""  # the filters chosen, in words ("Instrument: Piano"), '' for none
    columns: tuple[ReportColumn, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    chart: ReportChart | None = None
    currency: str = "USD"
    studio_name: str = ""
    locale: str = "en_US"


class ReportInfo(Frozen):
    """A report as the list shows it: its name (the command line's), title and filters."""

    name: str
    title: str
    description: str
    groups: tuple[str, ...] = ()
    filters: tuple[Literal["teacher", "instrument", "payer"], ...] = ()  # what narrows the rows
    staff_only: bool = False  # money reports: the desk and admins
    admin_only: bool = False  # teacher pay
