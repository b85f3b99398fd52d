"""The studio's email work that any desk (or `studiosync mail send-queued`) may run at any
time: queue what fell due, write what was queued, send what is due. Each part is safe to run
on every desk at once; the sending is done by one desk at a time."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.schemas.email import SendReport
from studiosync_desktop.services.email_compose import MailComposer
from studiosync_desktop.services.email_compose import Progress as WriteProgress
from studiosync_desktop.services.email_schedule import MailSchedule
from studiosync_desktop.services.email_sender import MailSender, Progress
from studiosync_desktop.services.email_settings import EmailSettingsService, keyring_password


class JobOutcome(Frozen):
    queued: int = 0
    written: int = 0
    report: SendReport = SendReport()

    @property
    def sentence(self) -> str:
        return self.report.sentence


class MailJobs:
    def __init__(self, schedule: MailSchedule, composer: MailComposer, sender: MailSender) -> None:
        self.schedule = schedule
        self.composer = composer
        self.sender = sender

    @classmethod
    def build(
        cls, db: Database, password: Callable[[uuid.UUID], str | None] = keyring_password
    ) -> MailJobs:
        return cls(
            MailSchedule(db),
            MailComposer(db),
            MailSender(db, EmailSettingsService(db, password=password)),
        )

    def run_once(
        self,
        actor: Actor,
        progress: Progress | None = None,
        writing: WriteProgress | None = None,
    ) -> JobOutcome:
        """Queues what fell due, writes what is queued, then sends (unless another desk is
        sending right now)."""
        queued = self.schedule.queue_due(actor)
        written = self.composer.compose_pending(actor, writing)
        report = self.sender.send_queued(actor, progress=progress)
        return JobOutcome(queued=queued, written=written, report=report)
