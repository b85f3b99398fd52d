"""Teacher availability and outside calendars.

Reviewed by hand.

- `teacher_hours`: a teacher's working week, several stretches a day; the exclusion
  constraint keeps the stretches of one day from overlapping.
- `availability_exceptions`: dated days with other hours (none: time off); one exception
  per teacher and day (exclusion constraint).
- `calendar_feeds`: outside iCalendar feeds of a teacher, a room or the whole studio.
- `calendar_feed_events`: the busy stretches read from a feed, replaced at each sync. The
  desk may not read their titles (a teacher's private calendar): its SELECT grant leaves
  the column out; admins and the teacher read them.
- `booking_overrides`: a lesson booked outside hours or over an outside event, and who
  confirmed it.

A teacher reads and writes their own hours, exceptions and feeds (and reads the studio's and
rooms' feeds); the desk and admins everything of their studio.

Revision ID: 0025_availability
Revises: 0024_students_left_on
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0025_availability"
down_revision: str | Sequence[str] | None = "0024_students_left_on"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "studiosync_admin, studiosync_desk"
STUDIO = "studio_id = (SELECT app_studio_id())"
OWN = f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())"
OWN_OR_SHARED = f"{STUDIO} AND (teacher_id IS NULL OR teacher_id = (SELECT app_teacher_id()))"
TABLES = (
    "teacher_hours",
    "availability_exceptions",
    "calendar_feeds",
    "calendar_feed_events",
    "booking_overrides",
)
AUDITED = ("teacher_hours", "availability_exceptions", "calendar_feeds", "booking_overrides")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def _id() -> list[sa.Column]:
    return [
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _create_tables() -> None:
    op.create_table(
        "teacher_hours",
        *_id(),
        sa.Column("teacher_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_teacher_hours_weekday_range")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_teacher_hours_end_after_start")),
        _fk("teacher_hours", "studio_id", "studios", "CASCADE"),
        _fk("teacher_hours", "teacher_id", "teachers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_hours")),
    )
    op.execute(
        "ALTER TABLE teacher_hours ADD CONSTRAINT ex_teacher_hours_no_overlap EXCLUDE USING gist"
        " (teacher_id WITH =, weekday WITH =,"
        " tsrange(DATE '2000-01-03' + start_time, DATE '2000-01-03' + end_time) WITH &&)"
    )
    op.create_table(
        "availability_exceptions",
        *_id(),
        sa.Column("teacher_id", sa.UUID(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column(
            "hours",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "last_day >= first_day", name=op.f("ck_availability_exceptions_last_after_first")
        ),
        sa.CheckConstraint(
            "last_day - first_day <= 366", name=op.f("ck_availability_exceptions_at_most_a_year")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(hours) = 'array'", name=op.f("ck_availability_exceptions_hours_is_array")
        ),
        _fk("availability_exceptions", "studio_id", "studios", "CASCADE"),
        _fk("availability_exceptions", "teacher_id", "teachers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    op.execute(
        "ALTER TABLE availability_exceptions ADD CONSTRAINT ex_availability_exceptions_no_overlap"
        " EXCLUDE USING gist (teacher_id WITH =, daterange(first_day, last_day, '[]') WITH &&)"
    )
    op.create_table(
        "calendar_feeds",
        *_id(),
        sa.Column("teacher_id", sa.UUID(), nullable=True),
        sa.Column("room_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("colour", sa.String(length=7), server_default="#8a8f98", nullable=False),
        sa.Column("url", sa.Text(), server_default="", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("event_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "num_nonnulls(teacher_id, room_id) <= 1", name=op.f("ck_calendar_feeds_one_owner")
        ),
        sa.CheckConstraint(
            "url = '' OR url ~ '^https?://'", name=op.f("ck_calendar_feeds_url_http")
        ),
        sa.CheckConstraint(
            "colour ~ '^#[0-9A-Fa-f]{6}$'", name=op.f("ck_calendar_feeds_colour_hex")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_calendar_feeds_name_given")),
        _fk("calendar_feeds", "studio_id", "studios", "CASCADE"),
        _fk("calendar_feeds", "teacher_id", "teachers", "CASCADE"),
        _fk("calendar_feeds", "room_id", "practice_rooms", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
    )
    op.create_table(
        "calendar_feed_events",
        *_id(),
        sa.Column("feed_id", sa.UUID(), nullable=False),
        sa.Column("teacher_id", sa.UUID(), nullable=True),
        sa.Column("starts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_day", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("title", sa.String(length=300), server_default="", nullable=False),
        sa.CheckConstraint("ends > starts", name=op.f("ck_calendar_feed_events_ends_after_starts")),
        _fk("calendar_feed_events", "studio_id", "studios", "CASCADE"),
        _fk("calendar_feed_events", "feed_id", "calendar_feeds", "CASCADE"),
        _fk("calendar_feed_events", "teacher_id", "teachers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed_events")),
    )
    op.create_table(
        "booking_overrides",
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("lesson_id", sa.UUID(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("confirmed_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "confirmed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _fk("booking_overrides", "studio_id", "studios", "CASCADE"),
        _fk("booking_overrides", "lesson_id", "lessons", "CASCADE"),
        _fk("booking_overrides", "confirmed_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("lesson_id", name=op.f("pk_booking_overrides")),
    )
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_studio_id"), table, ["studio_id"])
    for table in (
        "teacher_hours",
        "availability_exceptions",
        "calendar_feeds",
        "calendar_feed_events",
    ):
        op.create_index(op.f(f"ix_{table}_teacher_id"), table, ["teacher_id"])
    op.create_index(op.f("ix_calendar_feeds_room_id"), "calendar_feeds", ["room_id"])
    op.create_index(
        "ix_calendar_feed_events_feed_id_ends", "calendar_feed_events", ["feed_id", "ends"]
    )
    op.create_index(
        "ix_calendar_feed_events_teacher_id_ends", "calendar_feed_events", ["teacher_id", "ends"]
    )


def _secure() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY staff_studio ON {table} AS PERMISSIVE FOR ALL TO {STAFF}"
            f" USING ({STUDIO}) WITH CHECK ({STUDIO})"
        )
    for table in (
        "teacher_hours",
        "availability_exceptions",
        "calendar_feeds",
        "calendar_feed_events",
    ):
        op.execute(
            f"CREATE POLICY teacher_own ON {table} AS PERMISSIVE FOR ALL TO studiosync_teacher"
            f" USING ({OWN}) WITH CHECK ({OWN})"
        )
    for table in ("calendar_feeds", "calendar_feed_events"):
        op.execute(
            f"CREATE POLICY teacher_reads_shared ON {table} AS PERMISSIVE FOR SELECT"
            f" TO studiosync_teacher USING ({OWN_OR_SHARED})"
        )
    columns = {
        table: set(
            op.get_bind()
            .execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = :t"
                ),
                {"t": table},
            )
            .scalars()
        )
        for table in TABLES
    }
    for statement in grant_statements(columns):
        op.execute(statement)


def _triggers() -> None:
    for table in ("teacher_hours", "availability_exceptions", "calendar_feeds"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
    for table in (
        "teacher_hours",
        "availability_exceptions",
        "calendar_feeds",
        "calendar_feed_events",
    ):
        op.execute(f"""
        CREATE TRIGGER {table}_live_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        CREATE TRIGGER {table}_live_update AFTER UPDATE ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        CREATE TRIGGER {table}_live_delete AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        """)
    for table in AUDITED:
        key = "lesson_id" if table == "booking_overrides" else "id"
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            if table == "calendar_feeds" and event == "UPDATE":
                continue  # every sync writes its time: adding and removing feeds is what counts
            op.execute(
                f"CREATE TRIGGER trg_{table}_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('{key}')"
            )


def upgrade() -> None:
    _create_tables()
    _secure()
    _triggers()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
