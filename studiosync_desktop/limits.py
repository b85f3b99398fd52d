"""Every range and length a person may type, stated once for the schemas, database and fields.

Two kinds of date range:
- what a person may type (`DAY_SPANS`), relative to today: a birth date within the last 120
  years, a lesson or a due date within ten years of today. The input schemas check these
  (schemas/common.py `Input`) and the Qt date fields offer only them.
- what the database stores at all (`FIRST_DAY` to `LAST_DAY`), fixed: the CHECK constraints of
  migration 0026 on every date a person or the app writes. A fixed range, because a CHECK that
  moved with today would refuse yesterday's rows when a backup is restored next year. It is
  what keeps a screen safe: a week, a month or a person's page computed at either end stays
  far from Python's year 1 and 9999, so no date arithmetic can overflow.

Text: every column has a length (varchar, or a CHECK on `char_length` for `text` columns) and
every input field the same one. NUL cannot be stored in PostgreSQL text at all; the schemas
refuse it, and other invisible control characters, with a sentence next to the field.

Plain data on purpose: migrations import this module, so it imports nothing of the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# -- dates ------------------------------------------------------------------------------------

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
# A read (a week, a month, a year's report) may start this far outside the kept days, so the
# screens work up to either end; further out it is refused before any date arithmetic.
READ_MARGIN = timedelta(days=366)


@dataclass(frozen=True)
class DaySpan:
    """Which days a person may type for one kind of date: `back` and `ahead` of today, in
    days (None: up to today itself, for a date that cannot be in the future)."""

    what: str  # the date in a receptionist's words, for the message
    years_back: int
    years_ahead: int | None

    def first(self, today: date) -> date:
        return max(FIRST_DAY, _years_from(today, -self.years_back))

    def last(self, today: date) -> date:
        if self.years_ahead is None:
            return today
        return min(LAST_DAY, _years_from(today, self.years_ahead))


def _years_from(today: date, years: int) -> date:
    year = today.year + years
    return (
        today.replace(year=year, day=28)
        if (today.month, today.day) == (2, 29)
        else (today.replace(year=year))
    )


BOOKING_YEARS = 10
DAY_SPANS: dict[str, DaySpan] = {
    # Lessons, room bookings, series, closures, due dates, loans: a decade either way.
    "booking": DaySpan("date", BOOKING_YEARS, BOOKING_YEARS),
    "birth": DaySpan("date of birth", 120, None),
    # What happened long ago or soon: an enrolment, an instrument's purchase or service.
    "past": DaySpan("date", 100, 1),
    # Searching the records: anything the database may hold.
    "search": DaySpan("date", 300, 300),
}

# -- text -------------------------------------------------------------------------------------

NAME = 100  # a first or last name, an instrument, a room
TITLE = 200  # a family's, band's or studio's name, a title, a reason kept short
EMAIL = 254
PHONE = 40
ADDRESS = 300
SHORT_NOTE = 500  # a cancellation or void reason, a refund's reason
NOTE = 5000  # notes on a person, a lesson, an invoice, a loan
LONG_TEXT = 20000  # a teacher's bio, a description, a message
DOCUMENT = 200000  # an email template or body, the studio's pages
MACHINE_TEXT = 100000  # what the app wrote from a server's answer (SMTP, Stripe, a feed): a cap
# no real answer reaches, so a writer is never refused
URL = 2000
LIST_ITEM = 100  # one specialty, topic or tag
LIST_ITEMS = 50

# The length CHECK of each `text` column (varchar columns carry theirs in their type).
# login_verifiers.verifier is left out: it is the server's SCRAM verifier, not typed.
TEXT_COLUMNS: dict[str, dict[str, int]] = {
    "account_credits": {"note": SHORT_NOTE},
    "bands": {"notes": NOTE},
    "booking_overrides": {"reasons": MACHINE_TEXT},
    "calendar_feeds": {"url": URL, "last_error": MACHINE_TEXT},
    "checkout_logs": {"notes": NOTE, "return_notes": NOTE},
    "email_outbox": {
        "text_body": DOCUMENT,
        "html_body": DOCUMENT,
        "last_error": MACHINE_TEXT,
    },
    "email_settings": {"last_problem": MACHINE_TEXT},
    "email_templates": {"text_body": DOCUMENT, "html_body": DOCUMENT},
    "families": {"address": ADDRESS},
    "inventory_items": {"notes": NOTE},
    "invoice_events": {"detail": MACHINE_TEXT},
    "invoices": {"notes": NOTE, "void_reason": SHORT_NOTE, "pay_link_url": URL},
    "lesson_notes": {"summary": NOTE, "homework": NOTE},
    "lesson_plans": {"description": LONG_TEXT},
    "lessons": {"cancellation_reason": SHORT_NOTE},
    "messages": {"content": LONG_TEXT},
    "notifications": {"message": NOTE},
    "pay_lines": {"reason": NOTE},
    "payments": {"notes": NOTE},
    "practice_rooms": {"description": NOTE, "equipment": NOTE},
    "privacy_requests": {"outcome": MACHINE_TEXT},
    "resource_checkouts": {"checkout_notes": NOTE, "return_notes": NOTE},
    "resources": {"description": LONG_TEXT},
    "room_reservations": {"notes": NOTE},
    "stripe_attempts": {"reason": SHORT_NOTE, "outcome": MACHINE_TEXT},
    "student_goals": {"description": NOTE},
    "students": {"notes": NOTE},
    "studios": {"description": LONG_TEXT},
    "teachers": {"bio": LONG_TEXT},
}

# Dates and times the database keeps within FIRST_DAY..LAST_DAY: every one a person types,
# and those the app writes from them (a series' generated_until, a credit's expiry).
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "availability_exceptions": ("first_day", "last_day"),
    "checkout_logs": ("checkout_date", "due_date", "return_date"),
    "inventory_items": ("purchase_date", "last_maintenance"),
    "invoices": ("issue_date", "due_date", "period_start", "period_end"),
    "lessons": ("scheduled_start", "scheduled_end", "actual_start", "actual_end"),
    "makeup_credits": ("expires_on",),
    "payments": ("processed_at", "refunded_at"),
    "recurring_patterns": ("start_date", "end_date", "generated_until"),
    "resource_checkouts": ("checked_out_at", "due_date", "returned_at"),
    "room_reservations": ("start_time", "end_time"),
    "student_goals": ("target_date",),
    "students": ("date_of_birth", "enrollment_date", "left_on"),
    "studio_closures": ("closed_on",),
}

# Text and date columns with no CHECK of their own, and why (a test fails for any other):
# the SCRAM verifier is the server's, not typed; the pay periods and the retention day are
# worked out by the app from dates already checked (the pay policy's anchor by its schema).
UNCHECKED: dict[str, tuple[str, ...]] = {
    "login_verifiers": ("verifier",),
    "pay_runs": ("period_start", "period_end"),
    "pay_settings": ("period_anchor",),
    "retention_runs": ("ran_on",),
}

# -- amounts and quantities -------------------------------------------------------------------

MAX_AMOUNT = Decimal("1000000.00")  # a price, rate, payment or refund typed at the desk
MAX_QUANTITY = 100000  # copies of an item, lines, seats
MAX_COUNT = 1000000  # any other whole number typed in a form

# Money columns a person types, kept within -MAX_AMOUNT..MAX_AMOUNT (totals are sums of
# lines and stay within NUMERIC(12,2)).
AMOUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_credits": ("amount",),
    "inventory_items": ("value",),
    "invoice_line_items": ("unit_price",),
    "lessons": ("rate",),
    "payments": ("amount",),
    "practice_rooms": ("hourly_rate",),
    "recurring_patterns": ("rate",),
    "stripe_attempts": ("amount",),
    "teachers": ("hourly_rate",),
}
QUANTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkout_logs": ("quantity",),
    "inventory_items": ("quantity", "low_stock_threshold"),
    "invoice_line_items": ("quantity",),
    "practice_rooms": ("capacity",),
    "resource_checkouts": ("quantity",),
    "resources": ("quantity_total",),
}


# -- the database's CHECK constraints, made from the above (migration 0026) ------------------


@dataclass(frozen=True)
class ColumnCheck:
    """One CHECK constraint of a column, and the sentence a refused value gets."""

    table: str
    column: str
    name: str  # the constraint's name
    sql: str
    message: str


def _day_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def column_checks() -> list[ColumnCheck]:
    """Every length, date range and amount bound the database checks, in a stable order."""
    out: list[ColumnCheck] = []
    for table, lengths in sorted(TEXT_COLUMNS.items()):
        for column, length in sorted(lengths.items()):
            out.append(
                ColumnCheck(
                    table,
                    column,
                    f"ck_{table}_{column}_length",
                    f"char_length({column}) <= {length}",
                    f"Use at most {length:,} characters",
                )
            )
    after = date(LAST_DAY.year + 1, 1, 1)
    for table, columns in sorted(DATE_COLUMNS.items()):
        for column in columns:
            out.append(
                ColumnCheck(
                    table,
                    column,
                    f"ck_{table}_{column}_in_range",
                    f"{column} >= '{FIRST_DAY.isoformat()} 00:00:00+00'"
                    f" AND {column} < '{after.isoformat()} 00:00:00+00'",
                    f"Type a date between {_day_words(FIRST_DAY)} and {_day_words(LAST_DAY)}",
                )
            )
    for table, columns in sorted(AMOUNT_COLUMNS.items()):
        for column in columns:
            out.append(
                ColumnCheck(
                    table,
                    column,
                    f"ck_{table}_{column}_bounded",
                    f"{column} BETWEEN -{MAX_AMOUNT} AND {MAX_AMOUNT}",
                    f"Type an amount of at most {MAX_AMOUNT:,}",
                )
            )
    for table, columns in sorted(QUANTITY_COLUMNS.items()):
        for column in columns:
            out.append(
                ColumnCheck(
                    table,
                    column,
                    f"ck_{table}_{column}_bounded",
                    f"{column} BETWEEN 0 AND {MAX_QUANTITY}",
                    f"Type a number from 0 to {MAX_QUANTITY:,}",
                )
            )
    return out


# -- control characters (migration 0035) ------------------------------------------------------

# The database's own check that a person-typed text holds no C0 control character other than
# tab, new line and carriage return, and no DEL: what the input schemas refuse, refused again
# by PostgreSQL for a write that does not pass through them (psql, a script, a CSV import).
# NUL needs none: PostgreSQL text cannot hold one.
CONTROL_FREE_FUNCTION = "studiosync_control_free"
CONTROL_CHARACTERS = "[\\x01-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]"  # a PostgreSQL regular expression
CONTROL_MESSAGE = "Remove the invisible control characters that were pasted here"

# Text columns without the check, and why (a test fails for any other text column):
NOT_TYPED: dict[str, tuple[str, ...]] = {
    # Written by the database or the app for itself: logins, audit, verifiers.
    "audit_log": ("db_role", "table_name", "action"),
    "audit_pauses": ("xact",),
    "login_verifiers": ("verifier",),
    "users": ("db_role",),
    # Copied from a server's answer (SMTP, Stripe, an outside calendar, a feed): a refusal
    # would lose the answer, and the screens show these as plain text.
    "calendar_feed_events": ("title",),
    "calendar_feeds": ("last_error",),
    "email_outbox": ("message_id", "last_error"),
    "email_settings": ("last_problem",),
    "invoice_events": ("detail",),
    "invoices": ("pay_link_url", "pay_link_session_id"),
    "payment_methods": (
        "brand",
        "last_four",
        "stripe_payment_method_id",
        "stripe_customer_id",
    ),
    "payments": ("transaction_id",),
    "stripe_attempts": ("currency", "stripe_id", "outcome"),
    # Keys the app makes to say something once.
    "notifications": ("dedupe_key",),
    # Copied by the database from a column that has the check (0038: the student's instrument).
    "invoice_line_items": ("instrument",),
    # Kept by the database from the invoice's lines (0052): what a part is shared by, and the
    # lines' instrument again.
    "invoice_shares": ("share_by", "instrument", "largest_instrument"),
}


# The same check over every string (and key) of a JSON column a person types into: a note's
# strengths, a plan's tags, a student's specialties (migration 0044; psql wrote a bell there).
CONTROL_FREE_JSON_FUNCTION = "studiosync_control_free_json"

# JSON columns without it, and why (a test fails for any other JSON column):
NOT_TYPED_JSON: dict[str, tuple[str, ...]] = {
    # A copy of a row as it was or is: its typed columns have their own checks, and an audit
    # that refused would refuse the change it records.
    "audit_log": ("old", "new"),
    # A server's answer, and the retention round's own tally.
    "email_outbox": ("details",),
    "retention_runs": ("summary",),
}


def control_free_check_name(table: str, column: str) -> str:
    return f"ck_{table}_{column}_control_free"


def control_free_column(table: str, constraint: str) -> str | None:
    """The column a control-character check of `table` guards, from the constraint's name."""
    prefix, suffix = f"ck_{table}_", "_control_free"
    if constraint.startswith(prefix) and constraint.endswith(suffix):
        return constraint[len(prefix) : -len(suffix)]
    return None


# -- the size and shape of JSON columns (migration 0055) --------------------------------------

# The most a JSON column a login writes may hold, in bytes of its text (`octet_length(c::text)`;
# the stored size would not do: a long run of one entry compresses to almost nothing). A list
# the schemas accept (LIST_ITEMS entries of LIST_ITEM characters, four bytes each at most, with
# quotes and separators) is about 20 kB; a teacher's psql once stored 40 MB in one row.
LIST_JSON_BYTES = 32_768
JSON_BYTES: dict[str, dict[str, int]] = {
    "availability_exceptions": {"hours": 4_096},
    "email_outbox": {"details": MACHINE_TEXT},
    "email_preferences": {"opted_out": LIST_JSON_BYTES},
    "email_settings": {"enabled_kinds": LIST_JSON_BYTES},
    "lesson_notes": {
        column: LIST_JSON_BYTES
        for column in ("assignments", "challenges", "strengths", "topics_covered")
    },
    "lesson_plans": {
        column: LIST_JSON_BYTES for column in ("activities", "materials", "objectives", "tags")
    },
    "resources": {"tags": LIST_JSON_BYTES},
    "students": {"specialties": LIST_JSON_BYTES},
    "studios": {"layout_data": MACHINE_TEXT, "settings": MACHINE_TEXT},
    "teachers": {"specialties": LIST_JSON_BYTES},
}
# JSON columns no login writes (a test fails for any other uncapped one): the database's own
# copies of rows, and the retention round's tally (written by its definer function).
JSON_UNCAPPED: dict[str, tuple[str, ...]] = {
    "audit_log": ("old", "new"),
    "retention_runs": ("summary",),
}

# Other hours of an availability exception: a list of ["HH:MM", "HH:MM"] pairs, each starting
# before it ends, at most this many (a stretch every half hour of the day).
EXCEPTION_HOURS = 48
HOURS_SHAPE_FUNCTION = "studiosync_hours_pairs"
HOURS_SHAPE_CHECK = "ck_availability_exceptions_hours_pairs"


def json_size_checks() -> list[ColumnCheck]:
    """The size cap of every JSON column a login writes, in a stable order."""
    return [
        ColumnCheck(
            table,
            column,
            f"ck_{table}_{column}_size",
            f'octet_length("{column}"::text) <= {size}',
            "This holds more than the studio database keeps: shorten it",
        )
        for table, sizes in sorted(JSON_BYTES.items())
        for column, size in sorted(sizes.items())
    ]


# -- the shape of JSON columns (migration 0060) -----------------------------------------------

# What the app reads from each JSON column a login writes, checked by the database: a flat list
# of strings (a note's assignments, a plan's tags, a student's specialties, the kinds of email),
# or an object whose values are scalars or lists of scalars (a studio's settings and layout, an
# email's details); an exception's hours are pairs (0055). A teacher's psql nested a note's
# assignments 3,000 deep within the size cap, and every read of the note (and of its audit copy)
# raised RecursionError. A JSON column of JSON_BYTES without its shape fails a test.
STRING_LIST_FUNCTION = "studiosync_string_list"
FLAT_OBJECT_FUNCTION = "studiosync_flat_object"
JSON_OBJECTS: dict[str, tuple[str, ...]] = {
    "email_outbox": ("details",),
    "studios": ("layout_data", "settings"),
}


def json_shape_checks() -> list[ColumnCheck]:
    """The shape check of every JSON column a login writes but the hours (0055's pairs)."""
    out: list[ColumnCheck] = []
    for table, sizes in sorted(JSON_BYTES.items()):
        for column in sorted(sizes):
            if (table, column) == ("availability_exceptions", "hours"):
                continue
            flat = column in JSON_OBJECTS.get(table, ())
            function = FLAT_OBJECT_FUNCTION if flat else STRING_LIST_FUNCTION
            out.append(
                ColumnCheck(
                    table,
                    column,
                    f"ck_{table}_{column}_shape",
                    f'{function}("{column}")',
                    "Give a list of words" if not flat else "StudioSync cannot read this",
                )
            )
    return out
