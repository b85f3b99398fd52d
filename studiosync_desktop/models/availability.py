"""When teachers work and are busy elsewhere: weekly hours, dated exceptions, outside calendars."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Computed, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_array,
)


class TeacherHours(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One stretch of a teacher's working week (a day may have several; none: not working)."""

    __tablename__ = "teacher_hours"

    teacher_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 Monday .. 6 Sunday
    start_time: Mapped[time]
    end_time: Mapped[time]

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        ExcludeConstraint(
            ("teacher_id", "="),
            ("weekday", "="),
            (text("tsrange(DATE '2000-01-03' + start_time, DATE '2000-01-03' + end_time)"), "&&"),
            name="ex_teacher_hours_no_overlap",
            using="gist",
        ),
    )


class AvailabilityException(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """Dated days on which other hours hold: time off (no hours) or a different schedule.

    `hours` is a list of ["HH:MM", "HH:MM"] that holds on every day of the span instead of
    the weekly hours.
    """

    __tablename__ = "availability_exceptions"

    teacher_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date]
    last_day: Mapped[date]
    hours: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    reason: Mapped[str] = mapped_column(String(200), server_default="")

    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="last_after_first"),
        CheckConstraint("last_day - first_day <= 366", name="at_most_a_year"),
        CheckConstraint("jsonb_typeof(hours) = 'array'", name="hours_is_array"),
        ExcludeConstraint(
            ("teacher_id", "="),
            (text("daterange(first_day, last_day, '[]')"), "&&"),
            name="ex_availability_exceptions_no_overlap",
            using="gist",
        ),
    )


class CalendarFeed(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """An outside iCalendar feed: a teacher's, a room's, or the whole studio's (neither)."""

    __tablename__ = "calendar_feeds"

    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("practice_rooms.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7), server_default="#8a8f98")
    # Empty for a feed imported from a file (it is not fetched again).
    url: Mapped[str] = mapped_column(Text, server_default="")
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    last_attempt_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, server_default="")
    event_count: Mapped[int] = mapped_column(server_default=text("0"))
    # Whether it is fetched (the desk may not read `url` itself: 0037).
    has_address: Mapped[bool] = mapped_column(Computed("url <> ''", persisted=True))

    __table_args__ = (
        CheckConstraint("num_nonnulls(teacher_id, room_id) <= 1", name="one_owner"),
        CheckConstraint("url = '' OR url ~ '^https?://'", name="url_http"),
        CheckConstraint("colour ~ '^#[0-9A-Fa-f]{6}$'", name="colour_hex"),
        CheckConstraint("length(name) > 0", name="name_given"),
    )


class CalendarFeedEvent(IdMixin, StudioOwnedMixin, Base):
    """A busy stretch read from a feed (one row per occurrence); replaced at every sync."""

    __tablename__ = "calendar_feed_events"

    feed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    # The feed's teacher, copied so a teacher's row rule and busy look-ups need no join.
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    starts: Mapped[datetime]
    ends: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(server_default=text("false"))
    # Only admins and the teacher themselves read titles (the desk sees "Busy").
    title: Mapped[str] = mapped_column(String(300), server_default="")

    __table_args__ = (
        CheckConstraint("ends > starts", name="ends_after_starts"),
        Index("ix_calendar_feed_events_feed_id_ends", "feed_id", "ends"),
        Index("ix_calendar_feed_events_teacher_id_ends", "teacher_id", "ends"),
    )


class BookingOverride(StudioOwnedMixin, Base):
    """A booking made outside a teacher's hours or over an outside event, and who said yes."""

    __tablename__ = "booking_overrides"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    reasons: Mapped[str] = mapped_column(Text)
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
