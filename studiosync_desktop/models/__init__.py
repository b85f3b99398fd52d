"""SQLAlchemy ORM models of the StudioSync schema; importing this package registers them all."""

from studiosync_desktop.models.audit import AuditEntry
from studiosync_desktop.models.availability import (
    AvailabilityException,
    BookingOverride,
    CalendarFeed,
    CalendarFeedEvent,
    TeacherHours,
)
from studiosync_desktop.models.base import Base
from studiosync_desktop.models.billing import (
    AccountCredit,
    Invoice,
    InvoiceEvent,
    InvoiceLineItem,
    InvoiceNumberCounter,
    Payment,
    PaymentMethod,
    invoice_shares,
)
from studiosync_desktop.models.core import (
    Band,
    Family,
    Student,
    Studio,
    Teacher,
    User,
    band_members,
)
from studiosync_desktop.models.email import (
    EmailAttachment,
    EmailMessage,
    EmailPreference,
    EmailSettings,
    EmailTemplate,
)
from studiosync_desktop.models.inventory import (
    CheckoutLog,
    InventoryItem,
    PracticeRoom,
    RoomReservation,
    room_occupancy,
)
from studiosync_desktop.models.lessons import (
    Lesson,
    LessonNote,
    LessonPlan,
    RecurringPattern,
    StudentGoal,
    lesson_attendance,
)
from studiosync_desktop.models.logins import LoginVerifier
from studiosync_desktop.models.messaging import (
    Message,
    MessageThread,
    Notification,
    message_reads,
    thread_participants,
)
from studiosync_desktop.models.pay import PayLine, PayRule, PayRun, PaySettings
from studiosync_desktop.models.privacy import AuditPause, Consent, PrivacyRequest, RetentionRun
from studiosync_desktop.models.resources import Resource, ResourceCheckout, resource_shares
from studiosync_desktop.models.scheduling import MakeupCredit, StudioClosure
from studiosync_desktop.models.stripe import StripeAttempt

__all__ = [
    "AccountCredit",
    "AuditEntry",
    "AuditPause",
    "AvailabilityException",
    "Band",
    "Base",
    "BookingOverride",
    "CalendarFeed",
    "CalendarFeedEvent",
    "CheckoutLog",
    "Consent",
    "EmailAttachment",
    "EmailMessage",
    "EmailPreference",
    "EmailSettings",
    "EmailTemplate",
    "Family",
    "InventoryItem",
    "Invoice",
    "InvoiceEvent",
    "InvoiceLineItem",
    "InvoiceNumberCounter",
    "Lesson",
    "LessonNote",
    "LessonPlan",
    "LoginVerifier",
    "MakeupCredit",
    "Message",
    "MessageThread",
    "Notification",
    "PayLine",
    "PayRule",
    "PayRun",
    "PaySettings",
    "Payment",
    "PaymentMethod",
    "PracticeRoom",
    "PrivacyRequest",
    "RecurringPattern",
    "Resource",
    "ResourceCheckout",
    "RetentionRun",
    "RoomReservation",
    "StripeAttempt",
    "Student",
    "StudentGoal",
    "Studio",
    "StudioClosure",
    "Teacher",
    "TeacherHours",
    "User",
    "band_members",
    "invoice_shares",
    "lesson_attendance",
    "message_reads",
    "resource_shares",
    "room_occupancy",
    "thread_participants",
]
