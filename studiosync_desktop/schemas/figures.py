"""The Home tab's figures and charts: each figure with what it counts, and the months behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from studiosync_desktop.schemas.common import Frozen

FigureUnit = Literal["count", "money", "percent", "hours"]


class Figure(Frozen):
    """One number on the Home tab, the same number in the previous period (None: there is no
    comparison) and `counts`: exactly what it counts, shown as its tooltip."""

    key: str
    label: str
    value: Decimal
    unit: FigureUnit
    counts: str
    previous: Decimal | None = None
    previous_label: str = ""
    detail: str = ""  # a second line ("3 joined, 1 left this month")


class Series(Frozen):
    """One stack of a chart: a name and a value per month (the chart's `months`)."""

    name: str
    values: tuple[Decimal, ...]


class MonthChart(Frozen):
    """Values per calendar month, in stacks (revenue by method, attendance by status...)."""

    key: str
    title: str
    unit: FigureUnit
    counts: str
    months: tuple[date, ...]  # the first day of each month, oldest first
    series: tuple[Series, ...]

    def total(self, index: int) -> Decimal:
        return sum((s.values[index] for s in self.series), Decimal(0))


class HomeFigures(Frozen):
    """What the Home tab shows for one login at one moment (its studio's day `today`)."""

    today: date
    currency: str
    glance: tuple[Figure, ...]  # today at a glance
    figures: tuple[Figure, ...]  # the studio's (or the teacher's own) figures
    charts: tuple[MonthChart, ...]
