"""Who may do what to which table: the permission matrix, written once as data.

Role x table x operation, with the columns an UPDATE may touch where they are narrower than
the row, and which rows (a name from `ROWS`). The migrations grant exactly this
(`grant_statements`), docs/permissions.md and the README's "Logins and roles" table are
rendered from it (`studiosync_desktop.permission_docs`), and tests/test_permission_matrix.py
tries every cell on a real server as each role. Which rows a role sees is enforced by the
row-level security policies of the migrations; `ROWS` says in words what each policy allows.

Plain data on purpose: migrations import this module, so it imports nothing of the app.
A new table goes here in the same change that creates it, or the matrix test fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

ROLES = ("admin", "desk", "teacher")
OPERATIONS = ("select", "insert", "update", "delete")
# The PostgreSQL group role of each staff role; every login is a member of exactly one.
GROUP = {role: f"studiosync_{role}" for role in ROLES}

# Which rows an operation reaches, in words; the policies of the migrations make them true.
ROWS: dict[str, str] = {
    "all": "every row",
    "studio": "their studio's",
    "people": "students and parents (people without a login) of their studio",
    "colleagues_and_students": (
        "their own, their studio's staff, and the people of the students they teach"
    ),
    "own_teaching": "theirs as the teacher (their lessons, series, notes and plans)",
    "own_students": "the students they teach (primary teacher, or a lesson together), and theirs",
    "public_or_own": "shared ones and their own",
    "own_and_shared": "their own, and the studio's and rooms' (those of no teacher)",
    "threads": "the message threads they take part in",
    "threads_and_new": (
        "the message threads they take part in, and a thread just started (until its first"
        " participant is added)"
    ),
    "sent_by_them": "in their threads, sent by themselves",
    "joining": "to threads they take part in (or themselves to a thread they start)",
    "own": "their own",
    "own_and_reminders": (
        "their own, and the studio's reminders (lessons tomorrow, overdue invoices and loans)"
    ),
    "drafts": "draft invoices only (an issued invoice is voided or credited, never deleted)",
    "own_or_default": "their own and the studio's default",
}


@dataclass(frozen=True)
class Allow:
    """One operation allowed: on which rows, and (UPDATE) which columns; None: every one."""

    rows: str
    columns: tuple[str, ...] | None = None


Grants = Mapping[str, Allow]  # operation -> what is allowed


@dataclass(frozen=True)
class Table:
    area: str  # what the table is part of, in the docs' words
    holds: str  # one line: what a row is
    admin: Grants
    desk: Grants
    teacher: Grants

    def grants(self, role: str) -> Grants:
        grants: Grants = getattr(self, role)
        return grants


def ops(spec: str, rows: str = "studio", **narrower: Allow) -> dict[str, Allow]:
    """`ops("SIU")`: select, insert and update of the studio's rows; keywords override one."""
    letters = {"S": "select", "I": "insert", "U": "update", "D": "delete"}
    out = {letters[c]: Allow(rows) for c in spec}
    out.update(narrower)
    return out


NONE: Grants = {}

# What a teacher changes on their own lessons: attendance, actual times and the lesson plan.
# Never rate, student, band, teacher, studio, times, room or series (the desk's job); a
# trigger keeps the status rules (migration 0014).
TEACHER_LESSON_COLUMNS = ("status", "actual_start", "actual_end", "lesson_plan_id")
NOTE_COLUMNS = (
    "summary",
    "topics_covered",
    "assignments",
    "strengths",
    "challenges",
    "homework",
    "visible_to_student",
    "visible_to_parent",
)
GOAL_COLUMNS = ("title", "description", "target_date", "status", "progress_percentage")
PLAN_COLUMNS = (
    "title",
    "description",
    "specialty",
    "duration_minutes",
    "objectives",
    "materials",
    "activities",
    "tags",
    "is_public",
)
# A payment is changed only by a refund; its amount, method and day are what was taken.
PAYMENT_COLUMNS = ("status", "refunded_amount", "refunded_at", "notes")
# A Stripe attempt keeps what was asked (invoice, kind, amount, card, who); only how it ended
# changes: Stripe's id for it, its status, the payment it recorded, what happened, and when.
STRIPE_ATTEMPT_COLUMNS = ("stripe_id", "status", "payment_id", "outcome", "settled_at")

# What an admin changes of the studio: every detail, policy and setting, never its id or
# `one_per_database` (the database's one-studio rule, migration 0013, is not the admin's).
STUDIO_COLUMNS = (
    "name",
    "slug",
    "description",
    "website",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "country",
    "postal_code",
    "logo",
    "logo_mime_type",
    "theme_color",
    "timezone",
    "currency",
    "settings",
    "layout_data",
    "is_active",
)

# An admin closes a request by hand (refused, withdrawn); an erasure is done by its function.
PRIVACY_REQUEST_COLUMNS = ("status", "outcome", "done_at", "done_by_id")

# The desk sees that a teacher is busy elsewhere, and in which calendar, never the title.
FEED_EVENT_COLUMNS = ("id", "studio_id", "feed_id", "teacher_id", "starts", "ends", "all_day")
# A feed's columns but its address: a private iCal address is a password (0037). The address
# is read through studiosync_feed_urls(), by an admin, its teacher, or (room and studio
# feeds) the desk.
FEED_COLUMNS = (
    "id", "studio_id", "teacher_id", "room_id", "name", "colour", "enabled", "last_attempt_at",
    "last_synced_at", "last_error", "event_count", "created_at", "updated_at", "has_address",
)  # fmt: skip
# What the desk and a teacher change of a feed: its name, colour, on or off, and the sync's
# bookkeeping. Never whose feed it is or its address (0057: moved to no teacher, a teacher's
# feed would give the desk its address); an admin, who reads every address, may.
FEED_STATE_COLUMNS = (
    "name", "colour", "enabled", "last_attempt_at", "last_synced_at", "last_error", "event_count",
)  # fmt: skip
OWN_FEEDS = ops(
    "ID",
    "own_teaching",
    select=Allow("own_and_shared", FEED_COLUMNS),
    update=Allow("own_teaching", FEED_STATE_COLUMNS),
)
OWN_FEED_EVENTS = ops("ID", "own_teaching", select=Allow("own_and_shared"))

# A lesson moved outside hours again is confirmed again: who said yes, when, over what (0040).
OVERRIDE_COLUMNS = ("reasons", "confirmed_by_id", "confirmed_at")

STAFF_READS_ALL = ops("S", "all")
THREADS = ops("U", "threads", select=Allow("threads_and_new"), insert=Allow("studio"))

MATRIX: dict[str, Table] = {
    # -- the studio and its people -------------------------------------------------------
    "alembic_version": Table(
        "system", "the schema revision", STAFF_READS_ALL, STAFF_READS_ALL, STAFF_READS_ALL
    ),
    "studios": Table(
        "studio",
        "the studio: details, policies and settings",
        ops("S", update=Allow("studio", STUDIO_COLUMNS)),
        ops("S"),
        ops("S"),
    ),
    "users": Table(
        "roster",
        "a person: staff, students and parents",
        ops("SIU"),
        ops("S", insert=Allow("people"), update=Allow("people")),
        ops("S", "colleagues_and_students"),
    ),
    "teachers": Table("roster", "a teacher's profile", ops("SIU"), ops("SIU"), ops("S")),
    "students": Table(
        "roster", "a student's record", ops("SIU"), ops("SIU"), ops("S", "own_students")
    ),
    "families": Table("roster", "a family", ops("SIU"), ops("SIU"), ops("S", "own_students")),
    "bands": Table("roster", "a band", ops("SIU"), ops("SIU"), ops("S")),
    "band_members": Table("roster", "who plays in a band", ops("SID"), ops("SID"), ops("S")),
    # -- the schedule --------------------------------------------------------------------
    "lessons": Table(
        "schedule",
        "a lesson on the calendar",
        ops("SIUD"),
        ops("SIUD"),
        ops("S", "own_teaching", update=Allow("own_teaching", TEACHER_LESSON_COLUMNS)),
    ),
    "recurring_patterns": Table(
        "schedule", "a series of lessons", ops("SIU"), ops("SIU"), ops("S", "own_teaching")
    ),
    "lesson_attendance": Table(
        "schedule",
        "who is in which lesson (kept by the database)",
        ops("S"),
        ops("S"),
        ops("S", "own_teaching"),
    ),
    "studio_closures": Table(
        "schedule", "a day the studio is closed", ops("SID"), ops("SID"), ops("S")
    ),
    "makeup_credits": Table(
        "schedule",
        "a make-up lesson owed to a student",
        ops("SIUD"),
        ops("SIUD"),
        ops("S", "own_students"),
    ),
    # -- availability: working hours, outside calendars ---------------------------------
    "teacher_hours": Table(
        "availability",
        "a stretch of a teacher's working week",
        ops("SIUD"),
        ops("SIUD"),
        ops("SIUD", "own_teaching"),
    ),
    "availability_exceptions": Table(
        "availability",
        "dated days of a teacher with other hours (time off, a different week)",
        ops("SIUD"),
        ops("SIUD"),
        ops("SIUD", "own_teaching"),
    ),
    "calendar_feeds": Table(
        "availability",
        "an outside iCalendar feed of a teacher, a room or the studio",
        ops("SIUD"),
        ops(
            "ID",
            select=Allow("studio", FEED_COLUMNS),
            update=Allow("studio", FEED_STATE_COLUMNS),
        ),
        OWN_FEEDS,
    ),
    "calendar_feed_events": Table(
        "availability",
        "a busy time read from an outside calendar (replaced at each sync)",
        ops("SID"),
        ops("ID", select=Allow("studio", FEED_EVENT_COLUMNS)),
        OWN_FEED_EVENTS,
    ),
    "booking_overrides": Table(
        "availability",
        "a lesson booked outside hours or over an outside event, and who confirmed it",
        ops("SI", update=Allow("studio", OVERRIDE_COLUMNS)),
        ops("SI", update=Allow("studio", OVERRIDE_COLUMNS)),
        NONE,
    ),
    # -- teaching ------------------------------------------------------------------------
    "lesson_notes": Table(
        "teaching",
        "a teacher's note on a lesson",
        ops("SIUD"),
        ops("S"),
        ops("SID", "own_teaching", update=Allow("own_teaching", NOTE_COLUMNS)),
    ),
    "student_goals": Table(
        "teaching",
        "a student's goal",
        ops("SIUD"),
        ops("S"),
        ops("SID", "own_students", update=Allow("own_students", GOAL_COLUMNS)),
    ),
    "lesson_plans": Table(
        "teaching",
        "a lesson plan",
        ops("SIUD"),
        ops("S"),
        ops(
            "ID",
            "own_teaching",
            select=Allow("public_or_own"),
            update=Allow("own_teaching", PLAN_COLUMNS),
        ),
    ),
    # -- rooms ---------------------------------------------------------------------------
    "practice_rooms": Table("rooms", "a practice room", ops("SIU"), ops("SIU"), ops("S")),
    "room_reservations": Table("rooms", "a practice-room booking", ops("SIU"), ops("SIU"), NONE),
    # A teacher learns that a room is busy from room_busy(), never whose lesson holds it.
    "room_occupancy": Table(
        "rooms", "which booking holds a room when (kept by the database)", ops("S"), ops("S"), NONE
    ),
    # -- lending -------------------------------------------------------------------------
    "inventory_items": Table("lending", "an instrument or item", ops("SIU"), ops("SIU"), NONE),
    "checkout_logs": Table("lending", "an item lent out", ops("SIU"), ops("SIU"), NONE),
    "resources": Table(
        "resources", "a file, link or book of the library", ops("SIU"), ops("SIU"), ops("S")
    ),
    "resource_shares": Table(
        "resources", "a resource shared with a student", ops("SID"), ops("SID"), ops("S")
    ),
    "resource_checkouts": Table(
        "resources", "a library copy lent out", ops("SIU"), ops("SIU"), NONE
    ),
    # -- messages ------------------------------------------------------------------------
    "message_threads": Table(
        "messages",
        "a conversation",
        THREADS,
        THREADS,
        THREADS,
    ),
    "thread_participants": Table(
        "messages",
        "who is in a conversation",
        ops("S", "threads", insert=Allow("joining")),
        ops("S", "threads", insert=Allow("joining")),
        ops("S", "threads", insert=Allow("joining")),
    ),
    "messages": Table(
        "messages",
        "a message",
        ops("S", "threads", insert=Allow("sent_by_them")),
        ops("S", "threads", insert=Allow("sent_by_them")),
        ops("S", "threads", insert=Allow("sent_by_them")),
    ),
    "message_reads": Table(
        "messages", "who read a message when", ops("SI", "own"), ops("SI", "own"), ops("SI", "own")
    ),
    # Teachers raise notifications only through studiosync_tell_desk() (fixed kinds).
    "notifications": Table(
        "messages",
        "a notification for one person",
        ops("S", "own_and_reminders", insert=Allow("studio"), update=Allow("own", ("is_read",))),
        ops("S", "own_and_reminders", insert=Allow("studio"), update=Allow("own", ("is_read",))),
        ops("S", "own", update=Allow("own", ("is_read",))),
    ),
    # -- billing: issued money records are never deleted -----------------------------------
    "invoices": Table(
        "billing",
        "an invoice or credit note",
        ops("SIU", delete=Allow("drafts")),
        ops("SIU", delete=Allow("drafts")),
        NONE,
    ),
    # Lines of an issued invoice are frozen by a trigger (0004); a draft's may change.
    "invoice_line_items": Table("billing", "a line of an invoice", ops("SIUD"), ops("SIUD"), NONE),
    # Written only by the lines' triggers (0052): what revenue by teacher or instrument shares.
    "invoice_shares": Table(
        "billing",
        "an invoice's part by teacher or by instrument (kept by the database)",
        ops("S"),
        ops("S"),
        NONE,
    ),
    "invoice_events": Table(
        "billing", "an entry of an invoice's history", ops("SI"), ops("SI"), NONE
    ),
    "invoice_number_counters": Table(
        "billing", "the last invoice number of a year", ops("SIU"), ops("SIU"), NONE
    ),
    "payments": Table(
        "billing",
        "money received (refunds are recorded on it)",
        ops("SI", update=Allow("studio", PAYMENT_COLUMNS)),
        ops("SI", update=Allow("studio", PAYMENT_COLUMNS)),
        NONE,
    ),
    "payment_methods": Table("billing", "a saved card", ops("SIU"), ops("SIU"), NONE),
    "stripe_attempts": Table(
        "billing",
        "a card charge, pay link or refund asked of Stripe, written before Stripe is asked",
        ops("SI", update=Allow("studio", STRIPE_ATTEMPT_COLUMNS)),
        ops("SI", update=Allow("studio", STRIPE_ATTEMPT_COLUMNS)),
        NONE,
    ),
    "account_credits": Table(
        "billing", "an entry of a payer's credit ledger", ops("SI"), ops("SI"), NONE
    ),
    # -- teacher pay: admins only; a teacher reads the policy, their rules and their lines.
    # An approved run and its lines are frozen for every role by triggers (0022).
    "pay_settings": Table(
        "pay",
        "the studio's pay policy: pay period, what missed lessons pay",
        ops("SIU"),
        NONE,
        ops("S"),
    ),
    "pay_rules": Table(
        "pay",
        "how lessons pay a teacher (or every teacher: the studio's default)",
        ops("SIUD"),
        NONE,
        ops("S", "own_or_default"),
    ),
    "pay_runs": Table(
        "pay", "a pay period's run: open, then approved (frozen)", ops("SIUD"), NONE, ops("S")
    ),
    "pay_lines": Table(
        "pay",
        "a line of a pay run: a lesson, an adjustment, or a line added by hand",
        ops("SIUD"),
        NONE,
        ops("S", "own_teaching"),
    ),
    # Kept for restores (0019): written by the password functions, read by the owner only.
    "login_verifiers": Table(
        "system", "a staff login's password verifier, for restores", NONE, NONE, NONE
    ),
    # -- the audit trail: written by triggers, read by admins, changed by nobody ---------
    "audit_log": Table("audit", "one change anyone made", ops("S"), NONE, NONE),
    # -- email: the front desk's outbox; the mail server and wording are the admins' -------
    "email_outbox": Table(
        "email", "one email, queued once per meaning", ops("SIU"), ops("SIU"), NONE
    ),
    "email_attachments": Table("email", "a file sent with an email", ops("SI"), ops("SI"), NONE),
    "email_settings": Table(
        "email",
        "the studio's mail server (its password is in the keyring) and email policies",
        ops("SIU"),
        # A desk that meets a server problem while sending notes it for every desk to see.
        ops("S", update=Allow("studio", ("last_problem", "last_problem_at"))),
        NONE,
    ),
    "email_templates": Table(
        "email", "an administrator's wording of one kind of email", ops("SIUD"), ops("S"), NONE
    ),
    "email_preferences": Table(
        "email",
        "what one person receives by email, and their quiet hours",
        ops("SIU"),
        ops("SIU"),
        NONE,
    ),
    # -- privacy: requests, consents, retention ------------------------------------------
    # The desk records requests (and every export it makes); only admins close them, and an
    # erasure is carried out by studiosync_erase_person() alone.
    "privacy_requests": Table(
        "privacy",
        "a request about a person's data: an export made, or an erasure asked for",
        ops("SI", update=Allow("studio", PRIVACY_REQUEST_COLUMNS)),
        ops("SI"),
        NONE,
    ),
    "consents": Table(
        "privacy",
        "a consent given or withdrawn (the latest per person and kind holds)",
        ops("SI"),
        ops("SI"),
        NONE,
    ),
    "retention_runs": Table(
        "privacy",
        "the day's retention round and what it removed (written by the round itself)",
        ops("S"),
        ops("S"),
        NONE,
    ),
    # Written only by the privacy functions, as the owner: nobody may pause the audit trail.
    "audit_pauses": Table(
        "audit", "a privacy function's transaction, which the audit trail skips", NONE, NONE, NONE
    ),
}

# Database functions that are a role's only door to something; everything else the app calls
# (app_user_id() and the like) only tells a caller about themselves and stays open.
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "studiosync_create_login(uuid, text, text, text)": (("admin",), "give a person a login"),
    "studiosync_set_staff_role(uuid, text)": (("admin",), "change a login's role"),
    "studiosync_set_login_enabled(uuid, boolean)": (
        ("admin",),
        "deactivate or reactivate a login",
    ),
    "studiosync_reset_password(uuid, text)": (("admin",), "set a one-time password"),
    "room_busy(timestamp with time zone, timestamp with time zone)": (
        ROLES,
        "when the studio's rooms are busy: room, start and end, nothing about whose booking",
    ),
    "studiosync_advisory_locks_for_staff()": (
        (),
        "close PostgreSQL's advisory locks to teachers (the owner, as a superuser)",
    ),
    "studiosync_restore_login(uuid, text)": (
        (),
        "make a restored database's login again with its own password (the owner, after a restore)",
    ),
    "studiosync_erase_person(uuid)": (
        ("admin",),
        "carry out an erasure request: anonymise the person for good, money records kept",
    ),
    "studiosync_erasure_blockers(uuid)": (
        ("admin", "desk"),
        "why a person cannot be erased yet (coming lessons, lent items, a balance)",
    ),
    "studiosync_person_audit(uuid)": (
        ("admin", "desk"),
        "the audit trail's entries about one person's records, for their data export",
    ),
    "studiosync_apply_retention()": (
        ("admin", "desk"),
        "the day's retention round of the studio, by its settings, once a day",
    ),
    "studiosync_feed_urls(uuid[])": (
        ROLES,
        "the secret addresses of outside calendars: an admin's all, a teacher's own, the desk's"
        " of room and studio calendars only",
    ),
    "studiosync_set_teacher_zone(uuid, text)": (
        ROLES,
        "set a teacher's own time zone (a teacher: their own; checked against the server's)",
    ),
    "studiosync_tell_desk(uuid, text)": (
        ("teacher",),
        "a teacher tells the front desk about their own lesson, in one of a few fixed kinds",
    ),
}


def allowed(table: str, role: str, operation: str) -> Allow | None:
    return MATRIX[table].grants(role).get(operation)


def cells() -> Iterator[tuple[str, str, str, Allow]]:
    """(table, role, operation, allow) for every allowed cell, in a stable order."""
    for table in sorted(MATRIX):
        for role in ROLES:
            grants = MATRIX[table].grants(role)
            for operation in OPERATIONS:
                if operation in grants:
                    yield table, role, operation, grants[operation]


def grant_statements(existing: Mapping[str, set[str]]) -> list[str]:
    """REVOKE then GRANT, table by table, for the tables (and columns) that exist now.

    `existing`: table -> its columns. A migration that runs before a table of the matrix
    exists skips it; the migration that creates it (or a later one) grants it.
    """
    groups = ", ".join(GROUP.values())
    out: list[str] = []
    for table in sorted(MATRIX):
        if table not in existing:
            continue
        out.append(f"REVOKE ALL ON {table} FROM PUBLIC, {groups}")
        for role in ROLES:
            for operation, allow in MATRIX[table].grants(role).items():
                verb = operation.upper()
                if allow.columns is None:
                    out.append(f"GRANT {verb} ON {table} TO {GROUP[role]}")
                    continue
                columns = [c for c in allow.columns if c in existing[table]]
                if columns:
                    out.append(f"GRANT {verb} ({', '.join(columns)}) ON {table} TO {GROUP[role]}")
    return out


def function_grant_statements() -> list[str]:
    """EXECUTE on each door function for its roles only, for the functions that exist now.

    A migration that runs before a function of `FUNCTIONS` exists skips it (the statements
    check at run time); the migration that creates it applies these again.
    """
    groups = ", ".join(GROUP.values())
    out: list[str] = []
    for signature, (roles, _why) in FUNCTIONS.items():
        grants = [f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC, {groups}"]
        grants += [f"GRANT EXECUTE ON FUNCTION {signature} TO {GROUP[r]}" for r in roles]
        body = " ".join(f"EXECUTE '{g}';" for g in grants)
        out.append(
            f"DO $$ BEGIN IF to_regprocedure('{signature}') IS NOT NULL THEN {body} END IF; END $$"
        )
    return out
