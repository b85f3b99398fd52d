"""The studio's email work that any desk (or `studiosync mail send-queued`) may run at any
time: send what is due. Each part is safe to run on every desk at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.schemas.email import SendReport
from studiosync_desktop.services.email_sender import MailSender, Progress
from studiosync_desktop.services.email_settings import EmailSettingsService, keyring_password


class JobOutcome(Frozen):
    report: SendReport

    @property
    def sentence(self) -> str:
        return self.report.sentence


class MailJobs:
    def __init__(self, sender: MailSender) -> None:
        self.sender = sender

    @classmethod
    def build(
        cls, db: Database, password: Callable[[uuid.UUID], str | None] = keyring_password
    ) -> MailJobs:
        return cls(MailSender(db, EmailSettingsService(db, password=password)))

    def run_once(self, actor: Actor, progress: Progress | None = None) -> JobOutcome:
        """Sends the email that is due (unless another desk is sending right now)."""
        return JobOutcome(report=self.sender.send_queued(actor, progress=progress))
