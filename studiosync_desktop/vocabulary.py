"""The allowed values of every status and kind column, shared by models, schemas and screens."""

USER_ROLES = ("admin", "desk", "teacher", "student", "parent")
STAFF_ROLES = ("admin", "desk", "teacher")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

LESSON_TYPES = ("private", "group", "ensemble", "online", "makeup")
LESSON_STATUSES = ("scheduled", "in_progress", "completed", "cancelled", "no_show")
# Cancelled and no-show lessons free their teacher, students and room; these block.
BLOCKING_LESSON_STATUSES = ("scheduled", "in_progress", "completed")
# Pending and confirmed reservations hold their room.
BLOCKING_RESERVATION_STATUSES = ("pending", "confirmed")
RECURRENCE_FREQUENCIES = ("weekly", "biweekly", "monthly")
GOAL_STATUSES = ("active", "achieved", "abandoned")

# 'overdue' is derived (sent or partial, balance due, past the due date), never stored;
# the schema's 'cancelled' is called 'void' because a voided invoice keeps its number.
INVOICE_STATUSES = ("draft", "sent", "partial", "paid", "void")
PAYMENT_METHODS = ("cash", "check", "card", "bank_transfer", "stripe", "account_credit")
PAYMENT_STATUSES = ("pending", "completed", "failed", "refunded", "partially_refunded")
PAYMENT_METHOD_TYPES = ("card", "bank_account")

ITEM_CATEGORIES = ("instrument", "equipment", "sheet-music", "accessories", "other")
ITEM_CONDITIONS = ("excellent", "good", "fair", "needs-repair")
ITEM_STATUSES = ("available", "checked-out", "maintenance", "retired")
# 'overdue' is derived (approved, not returned, due date past), never stored.
CHECKOUT_STATUSES = ("pending", "approved", "returned", "rejected", "cancelled")
RESERVATION_STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")

RESOURCE_TYPES = ("pdf", "audio", "video", "image", "physical", "link", "other")
# 'overdue' is derived here too.
RESOURCE_CHECKOUT_STATUSES = ("checked_out", "returned", "lost")
MAX_RESOURCE_FILE_BYTES = 50 * 1024 * 1024


def words(value: str) -> str:
    """A vocabulary value as people read it: 'checked-out' -> 'Checked out'."""
    text = value.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


# What a teacher may tell the front desk about one of their lessons (studiosync_tell_desk):
# fixed kinds with fixed titles, so a teacher's login cannot send the desk any text or link.
TEACHER_NOTICES = {
    "running_late": "Running late",
    "makeup_requested": "A make-up lesson is wanted",
    "room_problem": "Something in the room needs fixing",
    "call_family": "Please call the family",
}


# Email (the outbox). 'skipped': nobody to send it to, or they opted out (the reason is on
# the row); 'cancelled': by staff, or it stopped mattering (the invoice was paid first).
EMAIL_KINDS = (
    "invoice",
    "credit_note",
    "receipt",
    "statement",
    "overdue_notice",
    "lesson_reminder",
    "lesson_cancelled",
    "lesson_moved",
    "makeup_granted",
    "makeup_expiring",
    "item_due",
    "item_overdue",
    "room_confirmed",
    "test",
    "news",
)
EMAIL_STATUSES = ("queued", "sending", "sent", "failed", "cancelled", "skipped")
SMTP_SECURITY = ("none", "starttls", "tls")


# Privacy: requests about a person's data, and the consents the studio records.
PRIVACY_REQUEST_KINDS = ("export", "erasure")
PRIVACY_REQUEST_STATUSES = ("open", "done", "refused", "withdrawn")
CONSENT_KINDS = ("terms", "privacy_policy", "marketing_email", "recital_photos", "analytics")
CONSENT_NAMES = {
    "terms": "Terms of enrolment",
    "privacy_policy": "Privacy policy",
    "marketing_email": "Marketing emails (news, events, offers)",
    "recital_photos": "Photos at recitals",
    "analytics": "Data used for analytics",
}


# Teacher pay. A pay rule pays by time (money per 30, 45 or 60 minutes), a percent of the
# lesson's rate, or a flat amount per lesson. What a lesson's attendance pays is the studio's
# policy (services/teacher_pay.py decides the attendance from the lesson, in one place).
PAY_PERIODS = ("weekly", "biweekly", "monthly")
PAY_PERIOD_NAMES = {"weekly": "Weekly", "biweekly": "Every two weeks", "monthly": "Monthly"}
PAY_BASES = ("time", "percent", "flat")
PAY_RUN_STATUSES = ("open", "approved")
PAY_LINE_KINDS = ("lesson", "adjustment", "extra")
PAY_ATTENDANCE = ("completed", "late_cancel", "no_show", "studio_cancel", "unpaid")
PAY_ATTENDANCE_NAMES = {
    "completed": "Taught",
    "late_cancel": "Late cancel",
    "no_show": "No-show",
    "studio_cancel": "Studio cancelled",
    "unpaid": "Not paid",
}


def lending_refusal(
    name: str, status: str, is_borrowable: bool, available: int | None = None
) -> str:
    """Why an item can't be lent now, in a sentence ("" when it can): the service refuses
    with it and the Inventory tab says it before the form is filled."""
    if status == "retired":
        return f"{name} is retired and cannot be lent."
    if status == "maintenance":
        return f"{name} is in maintenance and cannot be lent until it is back."
    if not is_borrowable:
        return f"{name} is not for lending (its record says it stays in the studio)."
    if available is not None and available <= 0:
        return f"All of {name} are out: none is left to lend."
    return ""


# The parts of the product a studio may switch off (Tools > Studio parts and hours): their
# tabs, menus, reminders and emails go for everyone; the data stays.
STUDIO_PARTS = {
    "billing": "Billing (invoices, payments, Stripe)",
    "inventory": "Lending (instruments and books)",
    "rooms": "Practice rooms",
    "resources": "Resources (shared files and links)",
    "bands": "Bands and ensembles",
    "messages": "Messages",
}
# The emails each part sends: none of them goes while the part is off.
PART_EMAIL_KINDS = {
    "billing": ("invoice", "credit_note", "receipt", "statement", "overdue_notice"),
    "inventory": ("item_due", "item_overdue"),
    "rooms": ("room_confirmed",),
}
