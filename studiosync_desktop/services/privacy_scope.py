"""Which rows of each table are about one person: what their data export holds.

Every table of the models is listed here, with the rows about a person (SQL over the table as
`t`) or the reason it holds nothing of anyone's (tests/services/test_privacy_export.py fails for
a table missing here, and for a column pointing at a person that no entry considers). The
parameters: `:user` (the person), `:students`, `:teachers` (their student and teacher records),
`:families` (the families they are the contact of) and `:email`.
"""

from __future__ import annotations

from dataclasses import dataclass

MY_STUDENTS = "t.student_id = ANY(:students)"
MY_INVOICES = (
    "(SELECT id FROM invoices WHERE student_id = ANY(:students) OR family_id = ANY(:families))"
)
MY_LESSONS = (
    "(SELECT id FROM lessons WHERE student_id = ANY(:students) OR teacher_id = ANY(:teachers)"
    " OR band_id IN (SELECT band_id FROM band_members WHERE user_id = :user))"
)
MY_THREADS = "(SELECT thread_id FROM thread_participants WHERE user_id = :user)"
PAYER = "(t.student_id = ANY(:students) OR t.family_id = ANY(:families))"


@dataclass(frozen=True)
class Scope:
    """`where`: the rows about the person (None: the table holds nobody's data, `why`)."""

    title: str
    where: str | None
    why: str = ""


def about(title: str, where: str) -> Scope:
    return Scope(title, where)


def nobody(why: str) -> Scope:
    return Scope("", None, why)


SCOPES: dict[str, Scope] = {
    "users": about("Identity and contact", "t.id = :user"),
    "students": about("Enrolment", "t.id = ANY(:students)"),
    "teachers": about("Teacher profile", "t.id = ANY(:teachers)"),
    "families": about("Families they are the contact of", "t.id = ANY(:families)"),
    "bands": about(
        "Bands",
        "t.id IN (SELECT band_id FROM band_members WHERE user_id = :user)"
        " OR t.primary_contact_id = :user",
    ),
    "band_members": about("Band memberships", "t.user_id = :user"),
    "lessons": about("Lessons", f"t.id IN {MY_LESSONS}"),
    "recurring_patterns": about(
        "Series of lessons", "t.student_id = ANY(:students) OR t.teacher_id = ANY(:teachers)"
    ),
    "lesson_attendance": nobody("kept by the database from lessons and bands (in the export)"),
    "room_occupancy": nobody("kept by the database from lessons and room bookings"),
    "studio_closures": nobody("the studio's closed days"),
    "makeup_credits": about("Make-up credits", MY_STUDENTS),
    "lesson_notes": about(
        "Lesson notes and homework shown to them",
        "t.lesson_id IN (SELECT id FROM lessons WHERE student_id = ANY(:students))"
        " AND t.visible_to_student",
    ),
    "student_goals": about("Goals", MY_STUDENTS),
    "lesson_plans": about("Lesson plans they wrote", "t.teacher_id = ANY(:teachers)"),
    "practice_rooms": nobody("the studio's rooms"),
    "room_reservations": about("Practice-room bookings", "t.student_id = :user"),
    "inventory_items": nobody("the studio's instruments and items"),
    "checkout_logs": about("Items lent to them", "t.student_id = :user"),
    "resources": about("Library entries they added", "t.uploaded_by_id = :user"),
    "resource_shares": about("Library entries shared with them", MY_STUDENTS),
    "resource_checkouts": about("Library copies lent to them", MY_STUDENTS),
    "message_threads": about("Conversations", f"t.id IN {MY_THREADS}"),
    "thread_participants": about("Conversations they are in", "t.user_id = :user"),
    "messages": about("Messages sent and received", f"t.thread_id IN {MY_THREADS}"),
    "message_reads": about("Messages they read", "t.user_id = :user"),
    "notifications": about("Notifications", "t.user_id = :user"),
    "invoices": about("Invoices", PAYER),
    "invoice_line_items": about(
        "Invoice lines",
        f"t.invoice_id IN {MY_INVOICES} OR t.lesson_id IN "
        "(SELECT id FROM lessons WHERE student_id = ANY(:students))",
    ),
    "invoice_shares": nobody("kept by the database from invoice lines (in the export)"),
    "invoice_events": about("Invoice history", f"t.invoice_id IN {MY_INVOICES}"),
    "invoice_number_counters": nobody("the studio's invoice numbering"),
    "payments": about("Payments", f"t.invoice_id IN {MY_INVOICES}"),
    "payment_methods": about("Saved cards (the last four digits)", PAYER),
    "stripe_attempts": about("Card payments asked of Stripe", f"t.invoice_id IN {MY_INVOICES}"),
    "account_credits": about("Account credit", PAYER),
    "audit_log": about(
        "Changes to their records",
        # Read through studiosync_person_audit() (the desk may not read the trail itself).
        "t.row_id IN (SELECT :user UNION ALL SELECT unnest(CAST(:students AS uuid[]))"
        " UNION ALL SELECT unnest(CAST(:teachers AS uuid[]))"
        " UNION ALL SELECT unnest(CAST(:families AS uuid[])))",
    ),
    "email_outbox": about(
        "Emails sent to them", "t.person_id = :user OR lower(t.recipient) = lower(:email)"
    ),
    "email_attachments": about(
        "Files sent with those emails",
        "t.message_id IN (SELECT id FROM email_outbox"
        " WHERE person_id = :user OR lower(recipient) = lower(:email))",
    ),
    "email_settings": nobody("the studio's mail server"),
    "email_templates": nobody("the studio's wording of its emails"),
    "email_preferences": about("Email preferences", "t.user_id = :user"),
    "privacy_requests": about("Requests about their data", "t.person_id = :user"),
    "consents": about("Consents", "t.user_id = :user"),
    "retention_runs": nobody("the studio's retention rounds"),
    "audit_pauses": nobody("a privacy function's bookkeeping"),
    "studios": nobody("the studio itself"),
    "teacher_hours": about("Working hours", "t.teacher_id = ANY(:teachers)"),
    "availability_exceptions": about("Time off and other hours", "t.teacher_id = ANY(:teachers)"),
    "calendar_feeds": about("Outside calendars", "t.teacher_id = ANY(:teachers)"),
    "calendar_feed_events": about("Outside calendar events", "t.teacher_id = ANY(:teachers)"),
    "booking_overrides": about("Lessons booked outside hours", f"t.lesson_id IN {MY_LESSONS}"),
    "pay_settings": nobody("the studio's pay policy"),
    "pay_runs": nobody("the studio's pay periods"),
    "pay_rules": about("Pay rules", "t.teacher_id = ANY(:teachers)"),
    "pay_lines": about("Pay", "t.teacher_id = ANY(:teachers)"),
    "login_verifiers": nobody(
        "a staff login's password verifier: given to nobody, removed when they are erased"
    ),
}

# Columns pointing at a person that record who did something (the desk member who took a
# payment) or whom a row concerns besides its subject (a student's primary teacher): not a
# reason to put the row in that person's export.
ACTOR_COLUMNS = {
    "created_by_id",
    "recorded_by_id",
    "done_by_id",
    "ran_by_id",
    "processed_by_id",
    "approved_by_id",
    "confirmed_by_id",
    "booked_by_id",
    "cancelled_by_id",
    "actor_id",
    "sender_id",
    "primary_teacher_id",
    # Whose family a student is in, who set a goal or wrote a note: rows about the student.
    "students.family_id",
    "student_goals.teacher_id",
    "lesson_notes.teacher_id",
    # The teacher of a lesson line is copied by the database from its lesson (revenue by teacher):
    # the line is about its payer and student, exported with them.
    "invoice_line_items.teacher_id",
}
# The columns the person's own ids come from (`:students`, `:teachers`, `:families`).
PERSON_KEYS = {"students.user_id", "teachers.user_id", "families.primary_contact_id"}
# Tables the database keeps from others (their rows are exported through those others), and
# what is never given out (a password verifier), though it goes when the person is erased.
DERIVED = {"lesson_attendance", "room_occupancy", "login_verifiers", "invoice_shares"}
# Columns not exported: derived, or files kept beside the JSON.
LEFT_OUT_COLUMNS = {"search_text", "avatar", "avatar_thumb", "file", "content", "logo"}
