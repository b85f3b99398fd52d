"""Conversations and alerts: message threads, messages and notifications."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studiosync_desktop.models.base import Base, IdMixin, StudioOwnedMixin, TimestampMixin
from studiosync_desktop.models.core import User

thread_participants = Table(
    "thread_participants",
    Base.metadata,
    Column("thread_id", ForeignKey("message_threads.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

message_reads = Table(
    "message_reads",
    Base.metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("read_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class MessageThread(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "message_threads"

    subject: Mapped[str] = mapped_column(String(200))

    participants: Mapped[list[User]] = relationship(secondary=thread_participants)
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.created_at"
    )


class Message(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One message. `is_read` is kept for the schema; `read_by` says who has read it."""

    __tablename__ = "messages"

    thread_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE")
    )
    sender_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    content: Mapped[str] = mapped_column(Text)
    is_read: Mapped[bool] = mapped_column(server_default=text("false"))

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    read_by: Mapped[list[User]] = relationship(secondary=message_reads)

    __table_args__ = (Index("ix_messages_thread_id_created_at", "thread_id", "created_at"),)


class Notification(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, server_default="")
    notification_type: Mapped[str] = mapped_column(String(40), server_default="info")
    is_read: Mapped[bool] = mapped_column(server_default=text("false"))
    link: Mapped[str] = mapped_column(String(500), server_default="")
    # Reminders carry a key ("invoice-overdue:<id>"): raised once per user, whichever desk.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_notifications_user_id_is_read_created_at", "user_id", "is_read", "created_at"),
        UniqueConstraint("user_id", "dedupe_key"),
    )
