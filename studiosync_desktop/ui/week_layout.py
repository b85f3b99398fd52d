"""Where a column's blocks go: side by side while they fit, else a count per hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

FADED = ("cancelled", "no_show")


class Timed(Protocol):
    """What a day grid draws: a lesson, a room booking (anything with a span and a status)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def status(self) -> str: ...


T = TypeVar("T", bound=Timed)


@dataclass(frozen=True)
class Placed(Generic[T]):
    """A block drawn: lane `lane` of `lanes` side by side."""

    row: T
    lane: int
    lanes: int


@dataclass(frozen=True)
class HourCount(Generic[T]):
    """The blocks of a busy hour, counted instead of squeezed: [top, bottom) is the part of
    the hour the busy stretch covers; `short` names one (a student's first name)."""

    hour: datetime
    top: datetime
    bottom: datetime
    rows: tuple[T, ...]
    short: Callable[[T], str]

    @property
    def taking_place(self) -> tuple[T, ...]:
        return tuple(r for r in self.rows if r.status not in FADED)

    def headline(self) -> str:
        """ "8 lessons", "7 lessons · 1 cancelled": what the tile says first."""
        held = len(self.taking_place)
        parts = [f"{held} lesson{'' if held == 1 else 's'}"]
        for status, word in (("cancelled", "cancelled"), ("no_show", "no-show")):
            n = sum(r.status == status for r in self.rows)
            if n:
                parts.append(f"{n} {word}")
        return " \N{MIDDLE DOT} ".join(parts)

    def names(self) -> list[str]:
        """Who comes, in order of start (and name)."""
        ordered = sorted(self.taking_place, key=lambda r: (r.start, self.short(r)))
        return [self.short(r) for r in ordered]


def fit_names(names: Sequence[str], lines: int, width: Callable[[str], float], room: float) -> str:
    """`names` comma-separated on at most `lines` lines of `room` pixels; what does not fit
    ends the last line as "+N" (a tile never cuts a name in half)."""
    rows: list[list[str]] = [[]]
    for i, name in enumerate(names):
        row = rows[-1]
        if not row or width(", ".join([*row, name]) + ",") <= room:
            row.append(name)
            continue
        if len(rows) < max(1, lines):
            rows.append([name])
            continue
        hidden = len(names) - i
        while row and width(", ".join(row) + f" +{hidden}") > room:
            row.pop()
            hidden += 1
        rows[-1] = [*row[:-1], f"{row[-1]} +{hidden}"] if row else [f"+{hidden}"]
        break
    return ",\n".join(", ".join(row) for row in rows if row)


def lay_out(
    lessons: Sequence[T],
    fits: int,
    local: Callable[[datetime], datetime],
    short: Callable[[T], str],
) -> tuple[list[Placed[T]], list[HourCount[T]]]:
    """Blocks for each stretch of overlapping lessons that fits `fits` lanes side by side; a
    busier stretch is counted per hour (its tile opens the day, a column per teacher).

    One busy afternoon no longer makes the quiet morning of the same day narrow: each
    stretch gets the lanes it needs."""
    placed: list[Placed[T]] = []
    counts: list[HourCount[T]] = []
    for stretch in overlapping_stretches(lessons):
        lanes_of, lanes = side_by_side(stretch)
        if lanes <= fits:
            placed.extend(Placed(r, lane, lanes) for lane, r in lanes_of)
            continue
        first = min(r.start for r in stretch)
        last = max(r.end for r in stretch)
        by_hour: dict[datetime, list[T]] = {}
        for r in stretch:
            by_hour.setdefault(
                local(r.start).replace(minute=0, second=0, microsecond=0), []
            ).append(r)
        for hour, rows in sorted(by_hour.items()):
            top = max(hour, local(first))
            bottom = min(hour + timedelta(hours=1), local(last))
            counts.append(HourCount(hour, top, max(bottom, top), tuple(rows), short))
    return placed, counts


def overlapping_stretches(lessons: Sequence[T]) -> list[list[T]]:
    """Blocks grouped into stretches of time where each overlaps the one before it."""
    stretches: list[list[T]] = []
    end: datetime | None = None
    for r in sorted(lessons, key=lambda x: (x.start, x.end)):
        if end is None or r.start >= end:
            stretches.append([r])
            end = r.end
        else:
            stretches[-1].append(r)
            end = max(end, r.end)
    return stretches


def side_by_side(lessons: Sequence[T]) -> tuple[list[tuple[int, T]], int]:
    """(lane, lesson) for lessons that overlap (the first free lane, in order of start;
    lessons that take place before cancelled ones), and how many lanes that takes."""
    ends: list[datetime] = []
    placed: list[tuple[int, T]] = []
    order = sorted(lessons, key=lambda x: (x.start, x.status in FADED, x.end))
    for r in order:
        lane = next((i for i, end in enumerate(ends) if end <= r.start), len(ends))
        if lane == len(ends):
            ends.append(r.end)
        else:
            ends[lane] = r.end
        placed.append((lane, r))
    return placed, len(ends)
