"""What a day grid draws: a feed's blocks (lessons, room bookings), its columns, a busy
hour's tile; and what a feed says about its blocks (how they look, which ones move)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter

if TYPE_CHECKING:
    import uuid
    from collections.abc import Hashable
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from studiosync_desktop.ui.week_layout import HourCount


class Block(Protocol):
    """What a feed hands the grid: a lesson, a room booking."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def status(self) -> str: ...


B = TypeVar("B", bound=Block)
B_in = TypeVar("B_in", bound=Block, contravariant=True)


class DayFeed(Protocol[B_in]):
    """How a feed's blocks look and behave on the grid."""

    noun: tuple[str, str]  # what a block is ("lesson", "lessons"): busy hours count them

    def colour(self, block: B_in) -> QColor: ...

    def words(self, block: B_in) -> tuple[str, list[str], str]:
        """Who (after the time), the lines under it, and a status word ("" when usual)."""
        ...

    def describe(self, block: B_in, zone: ZoneInfo) -> str:
        """The block in words (its tooltip), its times in `zone`."""
        ...

    def short(self, block: B_in) -> str:
        """A block in a busy hour's tile (a first name)."""
        ...

    def faded(self, block: B_in) -> bool: ...

    def movable(self, block: B_in) -> bool: ...


@dataclass(frozen=True)
class GridColumn:
    key: Hashable
    title: str
    day: date
    bookable: bool = True  # False: shown (its bookings too) but nothing new starts there


@dataclass(frozen=True)
class MoreChip(Generic[B]):
    """A busy hour of one column, counted ("8 lessons") rather than squeezed side by side."""

    col: int
    rect: QRect
    count: HourCount[B]

    @property
    def hour(self) -> datetime:
        return self.count.hour

    @property
    def rows(self) -> tuple[B, ...]:
        return self.count.rows


@dataclass(frozen=True)
class Shade:
    """Time a column is taken by something that is not one of the feed's blocks (a practice
    booking in a room's column of Today): shaded and named, never dragged or opened.

    With a `hatch` colour it is drawn hatched across the whole column *behind* the blocks
    (the whole studio's outside calendars in the week), which take clicks over it; `tip` is
    its tooltip where no block is."""

    key: Hashable
    start: datetime
    end: datetime
    text: str
    hatch: str = ""
    tip: str = ""


def paint_hatched(p: QPainter, rect: QRect, seen: QRect, shade: Shade, back: QColor) -> None:
    """A hatched shade (`Shade.hatch`), named at the top and the bottom of `seen`, its part in
    view: lessons drawn over its start, or a day scrolled past it, still leave a name to read."""
    tint = QColor(shade.hatch)
    tint.setAlpha(45)
    p.fillRect(rect, tint)
    p.fillRect(rect, QBrush(QColor(shade.hatch), Qt.BrushStyle.BDiagPattern))
    if seen.isEmpty():
        return
    metrics = p.fontMetrics()
    line = metrics.height() + 2
    tops = {seen.top(), seen.bottom() - line} if seen.height() > 3 * line else {seen.top()}
    text = metrics.elidedText(shade.text, Qt.TextElideMode.ElideRight, seen.width() - 10)
    backing = QColor(back)
    backing.setAlpha(215)  # the name readable over the hatch, in light and dark palettes
    for top in sorted(tops):
        box = QRect(seen.left() + 2, top + 1, metrics.horizontalAdvance(text) + 6, line - 1)
        p.fillRect(box, backing)
        p.drawText(box.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
