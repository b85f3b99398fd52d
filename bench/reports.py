"""Home figures and reports on the large studio, as the desk's own login (row security on):
the Home tab's figures and charts, revenue for three years by month and teacher, and the XLSX
of a year of lessons (about 90,000 rows) written from the database as it streams."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.core import Context, Result, figure, service_time
from bench.desk_path import DESK, desk_figure, person
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.report_files import write_rows


def _home(services: Services, actor: Actor, _ctx: Context) -> Any:
    return services.figures.home(actor)


def _revenue(services: Services, actor: Actor, ctx: Context) -> Any:
    last = ctx.today
    first = date(last.year - 3, last.month, 1)
    return services.reports.run(
        actor, {"name": "revenue", "first": first, "last": last, "group": "teacher"}
    )


desk_figure("reports_home_figures_and_charts", 150.0, _home, None, latency_target=None)


@figure("reports_home_paint", "ms", 100.0)
def home_paint(ctx: Context) -> Result:
    """The Home's figures and charts painted from the desk's figures of the large studio:
    new cards and charts made, laid out at 1400 x 900 and drawn once (offscreen), as when Home
    first shows them. QtCharts is loaded before (the tab loads it once, when first shown)."""
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from studiosync_desktop.ui.home_charts import HomeCharts
    from studiosync_desktop.ui.home_figures import FigureStrip

    app = QApplication.instance() or QApplication([])
    who = person(ctx, DESK)
    home = Services.build(who.db).figures.home(who.actor)

    def paint() -> None:
        page = QWidget()
        page.resize(1400, 900)
        strip, charts = FigureStrip(page), HomeCharts(page)
        column = QVBoxLayout(page)
        column.addWidget(strip)
        column.addWidget(charts, 1)
        strip.show_figures((*home.glance, *home.figures), home.currency)
        charts.show_charts(home.charts)
        page.grab()
        page.deleteLater()
        app.processEvents()

    return Result(service_time(paint), "desk", None, None)


desk_figure("reports_revenue_3y_by_month_teacher", 300.0, _revenue, None, latency_target=None)


@figure("reports_lessons_year_xlsx", "ms", 3000.0)
def lessons_xlsx(ctx: Context) -> Result:
    """A year of lessons (the busiest twelve months of the demo) to XLSX, as the desk."""
    who = person(ctx, DESK)
    services = Services.build(who.db)
    last = ctx.today + timedelta(days=180)
    request = {"name": "lessons", "first": last - timedelta(days=364), "last": last}
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "lessons.xlsx"
        started = time.perf_counter()
        rows = write_rows(
            target,
            "Lessons",
            services.reports.columns(who.actor, request),
            services.reports.stream(who.actor, request),
            progress=lambda _n: True,
        )
        took = (time.perf_counter() - started) * 1000
    print(f"reports_lessons_year_xlsx: {rows:,} rows", file=sys.stderr)
    return Result(took, "desk", None, None)
