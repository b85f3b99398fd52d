"""All services of one database, handed to the UI by the composition root; each is built,
and its module imported, when first used (start-up imports only what the first screen needs)."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from studiosync_desktop.db import Database

if TYPE_CHECKING:
    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.services.availability import AvailabilityService
    from studiosync_desktop.services.billing import BillingService
    from studiosync_desktop.services.calendar_feeds import CalendarFeedService
    from studiosync_desktop.services.change_journal import ChangeJournal
    from studiosync_desktop.services.email_jobs import MailJobs
    from studiosync_desktop.services.email_news import NewsService
    from studiosync_desktop.services.email_outbox import OutboxService
    from studiosync_desktop.services.email_preferences import PreferenceService
    from studiosync_desktop.services.email_settings import EmailSettingsService
    from studiosync_desktop.services.email_statement import StatementMailer
    from studiosync_desktop.services.email_templates import TemplateService
    from studiosync_desktop.services.find_time import FindTimeService
    from studiosync_desktop.services.ical_export import IcalExportService
    from studiosync_desktop.services.inventory import InventoryService
    from studiosync_desktop.services.invoicing import InvoicingService
    from studiosync_desktop.services.lesson_changes import LessonUndo
    from studiosync_desktop.services.messaging import MessagingService
    from studiosync_desktop.services.notifications import NotificationService
    from studiosync_desktop.services.payments import PaymentService
    from studiosync_desktop.services.people import PeopleService
    from studiosync_desktop.services.privacy import PrivacyService
    from studiosync_desktop.services.privacy_export import PrivacyExportService
    from studiosync_desktop.services.quick_find import QuickFind
    from studiosync_desktop.services.resources import ResourceService
    from studiosync_desktop.services.rooms import RoomService
    from studiosync_desktop.services.roster import RosterService
    from studiosync_desktop.services.roster_csv import RosterCsvService
    from studiosync_desktop.services.scheduling import SchedulingService
    from studiosync_desktop.services.statements import StatementService
    from studiosync_desktop.services.stripe_payments import StripePayments
    from studiosync_desktop.services.studio import StudioService
    from studiosync_desktop.services.studio_figures import StudioFigures
    from studiosync_desktop.services.studio_reports import ReportService
    from studiosync_desktop.services.teacher_pay import TeacherPayService
    from studiosync_desktop.services.today import TodayService

T = TypeVar("T")


def _cls(module: str, name: str) -> Any:
    """A service class, its module imported now: lazy is the point (start-up time)."""
    return getattr(importlib.import_module(f"studiosync_desktop.services.{module}"), name)


def _plain(module: str, name: str) -> Callable[[Services], Any]:
    return lambda services: _cls(module, name)(services.db)


class _Lazy(Generic[T]):
    """A service built once, on first use (from any thread: one build under the lock)."""

    def __init__(self, make: Callable[[Services], T]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, services: None, owner: type) -> _Lazy[T]: ...
    @overload
    def __get__(self, services: Services, owner: type) -> T: ...
    def __get__(self, services: Services | None, owner: type) -> _Lazy[T] | T:
        if services is None:
            return self
        built = services.__dict__.get(self.name)
        if built is None:
            with services._lock:
                built = services.__dict__.get(self.name)
                if built is None:
                    built = services.__dict__[self.name] = self.make(services)
        return built


class Services:
    """One of each service over `db`; `build(db, stripe=...)` puts a given one in place (tests
    point Stripe at their local server)."""

    def __init__(self, db: Database, **given: object) -> None:
        self.db = db
        self._lock = threading.RLock()
        unknown = set(given) - set(SERVICE_NAMES)
        if unknown:
            raise TypeError(f"Services has no {', '.join(sorted(unknown))}")
        self.__dict__.update(given)

    @classmethod
    def build(cls, db: Database, **given: object) -> Services:
        return cls(db, **given)

    studio: _Lazy[StudioService] = _Lazy(_plain("studio", "StudioService"))
    scheduling: _Lazy[SchedulingService] = _Lazy(
        lambda s: _cls("lesson_changes", "JournaledScheduling")(s.db, s.journal)
    )
    roster: _Lazy[RosterService] = _Lazy(_plain("roster", "RosterService"))
    billing: _Lazy[BillingService] = _Lazy(_plain("billing", "BillingService"))
    inventory: _Lazy[InventoryService] = _Lazy(_plain("inventory", "InventoryService"))
    rooms: _Lazy[RoomService] = _Lazy(_plain("rooms", "RoomService"))
    invoicing: _Lazy[InvoicingService] = _Lazy(_plain("invoicing", "InvoicingService"))
    payments: _Lazy[PaymentService] = _Lazy(_plain("payments", "PaymentService"))
    stripe: _Lazy[StripePayments] = _Lazy(_plain("stripe_payments", "StripePayments"))
    statements: _Lazy[StatementService] = _Lazy(_plain("statements", "StatementService"))
    messaging: _Lazy[MessagingService] = _Lazy(_plain("messaging", "MessagingService"))
    notifications: _Lazy[NotificationService] = _Lazy(
        _plain("notifications", "NotificationService")
    )
    people: _Lazy[PeopleService] = _Lazy(_plain("people", "PeopleService"))
    roster_csv: _Lazy[RosterCsvService] = _Lazy(_plain("roster_csv", "RosterCsvService"))
    resources: _Lazy[ResourceService] = _Lazy(_plain("resources", "ResourceService"))
    ical: _Lazy[IcalExportService] = _Lazy(_plain("ical_export", "IcalExportService"))
    accounts: _Lazy[AccountService] = _Lazy(_plain("accounts", "AccountService"))
    outbox: _Lazy[OutboxService] = _Lazy(_plain("email_outbox", "OutboxService"))
    email_settings: _Lazy[EmailSettingsService] = _Lazy(
        _plain("email_settings", "EmailSettingsService")
    )
    email_templates: _Lazy[TemplateService] = _Lazy(_plain("email_templates", "TemplateService"))
    email_preferences: _Lazy[PreferenceService] = _Lazy(
        _plain("email_preferences", "PreferenceService")
    )
    news: _Lazy[NewsService] = _Lazy(_plain("email_news", "NewsService"))
    mail_jobs: _Lazy[MailJobs] = _Lazy(lambda s: _cls("email_jobs", "MailJobs").build(s.db))
    statement_mail: _Lazy[StatementMailer] = _Lazy(
        lambda s: _cls("email_statement", "StatementMailer")(s.db, s.statements)
    )
    today: _Lazy[TodayService] = _Lazy(_plain("today", "TodayService"))
    figures: _Lazy[StudioFigures] = _Lazy(
        lambda s: _cls("studio_figures", "StudioFigures")(s.db, s.pay)
    )
    reports: _Lazy[ReportService] = _Lazy(
        lambda s: _cls("studio_reports", "ReportService")(s.db, s.pay)
    )
    # This desk's single-lesson changes, heard by its undo history (one journal per session).
    journal: _Lazy[ChangeJournal] = _Lazy(lambda _s: _cls("change_journal", "ChangeJournal")())
    undo: _Lazy[LessonUndo] = _Lazy(_plain("lesson_changes", "LessonUndo"))
    quick_find: _Lazy[QuickFind] = _Lazy(
        lambda s: _cls("quick_find", "QuickFind")(s.roster, s.billing)
    )
    privacy: _Lazy[PrivacyService] = _Lazy(_plain("privacy", "PrivacyService"))
    privacy_export: _Lazy[PrivacyExportService] = _Lazy(
        _plain("privacy_export", "PrivacyExportService")
    )
    pay: _Lazy[TeacherPayService] = _Lazy(_plain("teacher_pay", "TeacherPayService"))
    availability: _Lazy[AvailabilityService] = _Lazy(_plain("availability", "AvailabilityService"))
    calendars: _Lazy[CalendarFeedService] = _Lazy(
        lambda s: _cls("calendar_feeds", "CalendarFeedService")(
            s.db, _cls("feed_fetch", "FetchPolicy").from_environment()
        )
    )
    find_time: _Lazy[FindTimeService] = _Lazy(_plain("find_time", "FindTimeService"))


SERVICE_NAMES = tuple(k for k, v in vars(Services).items() if isinstance(v, _Lazy))
