"""Home, the desk's opening tab: the studio's figures (each saying what it counts) above the
day, F6 for the charts, and a figure's click opening the tab behind it."""

from __future__ import annotations

from desk_driver import Desk
from PySide6.QtCore import Qt

from studiosync_desktop.ui.tabs.today import TodayTab


def _home(desk: Desk) -> TodayTab:
    tab = desk.window.current_tab()
    assert isinstance(tab, TodayTab)
    desk.wait_until(lambda: tab.figures is not None)
    return tab


def test_home_shows_the_figures_of_the_service_with_what_each_counts(desk: Desk) -> None:
    tab = _home(desk)
    assert desk.window.tab_widget.tabText(0) == "Home"
    expected = desk.services.figures.home(desk.person.actor)
    shown = tab.strip.cards
    assert list(shown) == [f.key for f in (*expected.glance, *expected.figures)]
    revenue = next(f for f in expected.figures if f.key == "revenue_month")
    card = shown["revenue_month"]
    assert card.value.text() == f"{revenue.value:,.2f}"
    assert card.toolTip().startswith(revenue.counts) and expected.currency in card.toolTip()
    assert all(c.isVisible() and c.toolTip() for c in shown.values())


def test_f6_shows_the_charts_and_switches_revenue_by_teacher(desk: Desk) -> None:
    tab = _home(desk)
    desk.key(Qt.Key.Key_F6)
    desk.wait_until(lambda: tab.charts is not None and tab.charts.isVisible())
    views = tab.charts.views
    assert views["revenue_method"].isVisible()
    assert "revenue_teacher" not in views  # read only when asked for
    assert views["attendance"].isVisible() and views["active_students"].isVisible()
    desk.click_button("Revenue by teacher")
    desk.wait_until(lambda: "revenue_teacher" in views and views["revenue_teacher"].isVisible())
    assert not views["revenue_method"].isVisible()
    names = [s.label() for s in views["revenue_teacher"].chart().series()[0].barSets()]
    assert names and all(n for n in names)
    desk.key(Qt.Key.Key_F6)
    desk.wait_until(lambda: tab.splitter.isVisible())


def test_clicking_the_overdue_invoices_opens_the_invoices(desk: Desk) -> None:
    tab = _home(desk)
    desk.click(tab.strip.cards["invoices_overdue"])
    desk.wait_until(lambda: desk.window.current_tab().key == "invoices")
