"""Scheduling: the one service the screens call for lessons, series, closures and notes.

Each part lives in a module of its own, named for what it holds:

- `schedule_reads`: the week, the booking dialog's choices, a booking's clashes, credits,
  day sheets and a person's lessons for an export (lesson rows: `lesson_rows`);
- `booking_rules`: one lesson booked, changed, moved, marked, cancelled, reopened, deleted;
- `lesson_series`: recurring lessons, one series or a term's timetable at once;
- `studio_closures`: closed days;
- `lesson_notes`: notes, goals and lesson plans;
- `clashes`: what a booking would collide with, in one statement;
- `scheduling_base`: what the parts share (the studio's day, a lesson locked or read, who
  may change it).
"""

from __future__ import annotations

from studiosync_desktop.services.booking_rules import BookingRules
from studiosync_desktop.services.lesson_notes import LessonNotes
from studiosync_desktop.services.lesson_series import LessonSeries
from studiosync_desktop.services.schedule_reads import ScheduleReads
from studiosync_desktop.services.studio_closures import StudioClosures


class SchedulingService(ScheduleReads, BookingRules, LessonSeries, StudioClosures, LessonNotes):
    """Every scheduling call the screens make, on one object (`services.scheduling`)."""
