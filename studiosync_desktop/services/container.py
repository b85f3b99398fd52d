"""All services of one database, built once by the composition root and handed to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from studiosync_desktop.db import Database
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.availability import AvailabilityService
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.calendar_feeds import CalendarFeedService
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.email_news import NewsService
from studiosync_desktop.services.email_outbox import OutboxService
from studiosync_desktop.services.email_preferences import PreferenceService
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.email_statement import StatementMailer
from studiosync_desktop.services.email_templates import TemplateService
from studiosync_desktop.services.feed_fetch import FetchPolicy
from studiosync_desktop.services.find_time import FindTimeService
from studiosync_desktop.services.ical_export import IcalExportService
from studiosync_desktop.services.inventory import InventoryService
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.lesson_changes import (
    ChangeJournal,
    JournaledScheduling,
    LessonUndo,
)
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


@dataclass(frozen=True)
class Services:
    studio: StudioService
    scheduling: SchedulingService
    roster: RosterService
    billing: BillingService
    inventory: InventoryService
    rooms: RoomService
    invoicing: InvoicingService
    payments: PaymentService
    stripe: StripePayments
    statements: StatementService
    messaging: MessagingService
    notifications: NotificationService
    people: PeopleService
    roster_csv: RosterCsvService
    resources: ResourceService
    ical: IcalExportService
    accounts: AccountService
    outbox: OutboxService
    email_settings: EmailSettingsService
    email_templates: TemplateService
    email_preferences: PreferenceService
    news: NewsService
    mail_jobs: MailJobs
    statement_mail: StatementMailer
    today: TodayService
    figures: StudioFigures
    reports: ReportService
    # This desk's single-lesson changes, heard by its undo history (one journal per session).
    journal: ChangeJournal
    undo: LessonUndo
    quick_find: QuickFind
    privacy: PrivacyService
    privacy_export: PrivacyExportService
    pay: TeacherPayService
    availability: AvailabilityService
    calendars: CalendarFeedService
    find_time: FindTimeService

    @classmethod
    def build(cls, db: Database) -> Services:
        journal = ChangeJournal()
        roster, billing = RosterService(db), BillingService(db)
        pay = TeacherPayService(db)
        return cls(
            studio=StudioService(db),
            scheduling=JournaledScheduling(db, journal),
            roster=roster,
            billing=billing,
            inventory=InventoryService(db),
            rooms=RoomService(db),
            invoicing=InvoicingService(db),
            payments=PaymentService(db),
            stripe=StripePayments(db),
            statements=StatementService(db),
            messaging=MessagingService(db),
            notifications=NotificationService(db),
            people=PeopleService(db),
            roster_csv=RosterCsvService(db),
            resources=ResourceService(db),
            ical=IcalExportService(db),
            accounts=AccountService(db),
            outbox=OutboxService(db),
            email_settings=EmailSettingsService(db),
            email_templates=TemplateService(db),
            email_preferences=PreferenceService(db),
            news=NewsService(db),
            mail_jobs=MailJobs.build(db),
            statement_mail=StatementMailer(db, StatementService(db)),
            today=TodayService(db),
            figures=StudioFigures(db, pay),
            reports=ReportService(db, pay),
            journal=journal,
            undo=LessonUndo(db),
            quick_find=QuickFind(roster, billing),
            privacy=PrivacyService(db),
            privacy_export=PrivacyExportService(db),
            pay=pay,
            availability=AvailabilityService(db),
            calendars=CalendarFeedService(db, FetchPolicy.from_environment()),
            find_time=FindTimeService(db),
        )
