"""The Home tab's charts (QtCharts): stacked bars per calendar month. This module is imported
only when the charts are first shown, so the Qt charting library never slows the start-up."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QToolButton, QVBoxLayout, QWidget

from studiosync_desktop.schemas.figures import MonthChart, Series


def bar_chart(
    title: str,
    categories: list[str],
    series: tuple[Series, ...],
    on_click: Callable[[int], None] | None = None,
) -> QChart:
    """Stacked bars per category, a set per series (the Home's months, a report's rows)."""
    bars = QStackedBarSeries()
    for s in series:
        bar = QBarSet(s.name)
        bar.append([float(v) for v in s.values])
        bars.append(bar)
    if on_click is not None:
        bars.clicked.connect(lambda index, _bar: on_click(index))
    qchart = QChart()
    qchart.setTitle(title)
    qchart.addSeries(bars)
    qchart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    axis = QBarCategoryAxis()
    axis.append(categories)
    values = QValueAxis()
    values.setLabelFormat("%.0f")
    totals = [sum(float(s.values[i]) for s in series) for i in range(len(categories))]
    values.setRange(min(0.0, *totals) if totals else 0.0, (max(totals, default=0) * 1.1) or 1)
    values.applyNiceNumbers()
    qchart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    qchart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(axis)
    bars.attachAxis(values)
    qchart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    qchart.legend().setVisible(len(series) > 1)
    return qchart


def month_chart(chart: MonthChart, on_click: Callable[[date], None] | None = None) -> QChart:
    """A stacked bar per month, the months along the bottom ("Jan '26" where a year starts)."""
    names = [
        f"{m:%b} '{m:%y}" if m.month == 1 or i == 0 else f"{m:%b}"
        for i, m in enumerate(chart.months)
    ]
    click = (lambda i: on_click(chart.months[i])) if on_click is not None else None
    return bar_chart(chart.title, names, chart.series, click)


class HomeCharts(QWidget):
    """Two by two charts; revenue switches between by method and by teacher (Alt+Y, Alt+E).
    Clicking a bar asks for the report behind it, for that month."""

    month_clicked = Signal(str, date)  # chart key, first day of the month
    wanted = Signal(str)  # a chart read only when asked for (revenue by teacher)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout()
        self.views: dict[str, QChartView] = {}
        self.charts: dict[str, MonthChart] = {}
        self.revenue_by = QButtonGroup(self)
        bar = QWidget(self)
        row = QGridLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        for column, (text, key) in enumerate(
            (("Revenue b&y method", "revenue_method"), ("Revenue by t&eacher", "revenue_teacher"))
        ):
            button = QToolButton(bar)
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(column == 0)
            button.setProperty("chart", key)
            self.revenue_by.addButton(button)
            row.addWidget(button, 0, column)
        row.setColumnStretch(2, 1)
        self.revenue_by.setExclusive(True)
        self.revenue_by.buttonClicked.connect(lambda _b: self._switched())
        self.switch_bar = bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        layout.addLayout(self.grid, 1)

    def show_charts(self, charts: tuple[MonthChart, ...]) -> None:
        self.charts = {c.key: c for c in charts}
        self.switch_bar.setVisible("revenue_method" in self.charts)
        self._draw(charts)
        if self.revenue_key() == "revenue_teacher":
            self.wanted.emit("revenue_teacher")  # refreshed with the rest

    def add_chart(self, chart: MonthChart) -> None:
        """A chart read on request (revenue by teacher) joins the others."""
        self.charts[chart.key] = chart
        self._draw((chart,))

    def _month_clicked(self, key: str, month: date) -> None:
        self.month_clicked.emit(key, month)

    def _draw(self, charts: tuple[MonthChart, ...]) -> None:
        for chart in charts:
            key = chart.key
            view = self.views.get(key)
            if view is None:
                view = QChartView(self)
                view.setObjectName(f"chart_{key}")
                view.setRenderHint(QPainter.RenderHint.Antialiasing)
                self.views[key] = view
            view.setChart(month_chart(chart, functools.partial(self._month_clicked, key)))
            view.setToolTip(chart.counts)
        self._place()

    def revenue_key(self) -> str:
        checked = self.revenue_by.checkedButton()
        return str(checked.property("chart")) if checked is not None else "revenue_method"

    def _switched(self) -> None:
        if self.revenue_key() == "revenue_teacher" and "revenue_teacher" not in self.views:
            self.wanted.emit("revenue_teacher")
        self._place()

    def _place(self) -> None:
        hidden = {"revenue_teacher" if self.revenue_key() == "revenue_method" else "revenue_method"}
        shown = [k for k in self.views if k not in hidden]
        for key, view in self.views.items():
            self.grid.removeWidget(view)
            view.setVisible(key not in hidden)
        for n, key in enumerate(shown):
            self.grid.addWidget(self.views[key], n // 2, n % 2)
