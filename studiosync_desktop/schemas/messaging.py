"""Messages and notifications: thread list, reading pane, compose/reply, the notification panel."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, field_validator

from studiosync_desktop.schemas.common import Frozen, Input


class ThreadRow(Frozen):
    id: uuid.UUID
    subject: str
    participants: str
    last_sender: str
    last_snippet: str
    last_at: datetime
    unread: int


class MessageRow(Frozen):
    id: uuid.UUID
    sender_name: str
    content: str
    sent_at: datetime
    is_mine: bool


class ThreadView(Frozen):
    id: uuid.UUID
    subject: str
    participants: tuple[str, ...]
    messages: tuple[MessageRow, ...]


class ComposeInput(Input):
    """A new thread: its subject, who is in it (besides the sender) and the first message."""

    subject: str = Field(min_length=1, max_length=200)
    participant_ids: tuple[uuid.UUID, ...] = Field(min_length=1)
    content: str = Field(min_length=1, max_length=20_000)

    @field_validator("participant_ids", mode="before")
    @classmethod
    def _someone(cls, value: object) -> object:
        if isinstance(value, list | tuple) and not value:
            raise ValueError("choose at least one person to write to")
        return value


class ReplyInput(Input):
    content: str = Field(min_length=1, max_length=20_000)


class Recipient(Frozen):
    id: uuid.UUID
    label: str


class NotificationRow(Frozen):
    id: uuid.UUID
    title: str
    message: str
    notification_type: str
    is_read: bool
    link: str
    created_at: datetime


class NotificationList(Frozen):
    rows: tuple[NotificationRow, ...]
    unread: int


class RemindersRaised(Frozen):
    """How many reminders this call raised (0 when another desk already raised them)."""

    lessons_tomorrow: int
    invoices_overdue: int
    checkouts_overdue: int

    @property
    def total(self) -> int:
        return self.lessons_tomorrow + self.invoices_overdue + self.checkouts_overdue
