"""Message threads between staff, teachers and families: list, read, compose, reply, unread.

Teachers see the threads they take part in; the front desk (admin and desk staff) shares one
inbox and sees every thread of the studio, and whoever replies joins the thread. "Read" is
per user (`message_reads`, the schema's `read_by`); opening a thread marks its messages read
for the reader only. The "new message"
notification is raised by a database trigger (migration 0006_roster).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, ValidationFailed
from studiosync_desktop.models import (
    Message,
    MessageThread,
    User,
    message_reads,
    thread_participants,
)
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.messaging import (
    ComposeInput,
    MessageRow,
    Recipient,
    ReplyInput,
    ThreadRow,
    ThreadView,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.unit_of_work import unit_of_work

SNIPPET = 90


def _visible_threads(actor: Actor) -> Any:
    """The ids of the threads this user may read."""
    if actor.is_staff_desk:
        return select(MessageThread.id).where(MessageThread.studio_id == actor.studio_id)
    return select(thread_participants.c.thread_id).where(
        thread_participants.c.user_id == actor.user_id
    )


def _unread_condition(actor: Actor) -> Any:
    return and_(
        Message.sender_id.is_distinct_from(actor.user_id),
        ~exists().where(
            message_reads.c.message_id == Message.id, message_reads.c.user_id == actor.user_id
        ),
    )


class MessagingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def threads(self, actor: Actor, limit: int = 200) -> tuple[ThreadRow, ...]:
        """The user's threads, latest activity first, with their unread counts."""
        require(actor, "messages")
        mine = _visible_threads(actor)
        last = (
            select(
                Message.thread_id,
                Message.content,
                Message.created_at,
                full_name(User.first_name, User.last_name).label("sender"),
                func.row_number()
                .over(partition_by=Message.thread_id, order_by=Message.created_at.desc())
                .label("rn"),
            )
            .outerjoin(User, User.id == Message.sender_id)
            .where(Message.thread_id.in_(mine))
            .subquery()
        )
        unread = (
            select(Message.thread_id, func.count().label("n"))
            .where(Message.thread_id.in_(mine), _unread_condition(actor))
            .group_by(Message.thread_id)
            .subquery()
        )
        pu = aliased(User)
        names = (
            select(
                thread_participants.c.thread_id,
                func.string_agg(full_name(pu.first_name, pu.last_name), literal(", ")).label(
                    "names"
                ),
            )
            .join(pu, pu.id == thread_participants.c.user_id)
            .where(thread_participants.c.thread_id.in_(mine), pu.id != actor.user_id)
            .group_by(thread_participants.c.thread_id)
            .subquery()
        )
        query = (
            select(
                MessageThread.id,
                MessageThread.subject,
                func.coalesce(names.c.names, "").label("participants"),
                func.coalesce(last.c.sender, "").label("last_sender"),
                func.coalesce(last.c.content, "").label("content"),
                func.coalesce(last.c.created_at, MessageThread.created_at).label("last_at"),
                func.coalesce(unread.c.n, 0).label("unread"),
            )
            .outerjoin(last, and_(last.c.thread_id == MessageThread.id, last.c.rn == 1))
            .outerjoin(unread, unread.c.thread_id == MessageThread.id)
            .outerjoin(names, names.c.thread_id == MessageThread.id)
            .where(MessageThread.id.in_(mine), MessageThread.studio_id == actor.studio_id)
            .order_by(func.coalesce(last.c.created_at, MessageThread.created_at).desc())
            .limit(limit)
        )
        with self._db.read_session() as s:
            return tuple(
                ThreadRow(
                    id=r.id,
                    subject=r.subject,
                    participants=r.participants,
                    last_sender=r.last_sender,
                    last_snippet=" ".join(r.content.split())[:SNIPPET],
                    last_at=r.last_at,
                    unread=r.unread,
                )
                for r in s.execute(query)
            )

    def unread_count(self, actor: Actor) -> int:
        require(actor, "messages")
        with self._db.read_session() as s:
            mine = _visible_threads(actor)
            n = s.scalar(
                select(func.count()).where(Message.thread_id.in_(mine), _unread_condition(actor))
            )
            return int(n or 0)

    @unit_of_work
    def open_thread(self, actor: Actor, thread_id: uuid.UUID) -> ThreadView:
        """The thread's messages, oldest first; marks them read for the acting user."""
        require(actor, "messages")
        with self._db.session() as s:
            thread = self._thread(s, actor, thread_id)
            rows = s.execute(
                select(
                    Message.id,
                    Message.sender_id,
                    Message.content,
                    Message.created_at,
                    func.coalesce(full_name(User.first_name, User.last_name), "").label("sender"),
                )
                .outerjoin(User, User.id == Message.sender_id)
                .where(Message.thread_id == thread_id)
                .order_by(Message.created_at, Message.id)
            ).all()
            unread = [r.id for r in rows if r.sender_id != actor.user_id]
            if unread:
                s.execute(
                    insert(message_reads)
                    .values([{"message_id": m, "user_id": actor.user_id} for m in unread])
                    .on_conflict_do_nothing()
                )
            people = s.execute(
                select(full_name(User.first_name, User.last_name))
                .join(thread_participants, thread_participants.c.user_id == User.id)
                .where(thread_participants.c.thread_id == thread_id)
                .order_by(User.last_name, User.first_name)
            ).scalars()
            return ThreadView(
                id=thread.id,
                subject=thread.subject,
                participants=tuple(people),
                messages=tuple(
                    MessageRow(
                        id=r.id,
                        sender_name=r.sender or "(former user)",
                        content=r.content,
                        sent_at=r.created_at,
                        is_mine=r.sender_id == actor.user_id,
                    )
                    for r in rows
                ),
            )

    @unit_of_work
    def compose(self, actor: Actor, data: ComposeInput | dict[str, Any]) -> uuid.UUID:
        """A new thread with its first message; returns the thread's id."""
        require(actor, "messages")
        form = parse_input(ComposeInput, data)
        with self._db.session() as s:
            people = set(form.participant_ids) | {actor.user_id}
            found = set(
                s.scalars(
                    select(User.id).where(User.id.in_(people), User.studio_id == actor.studio_id)
                )
            )
            if found != people:
                raise ValidationFailed({"participant_ids": "Someone chosen is not in this studio."})
            thread = MessageThread(studio_id=actor.studio_id, subject=form.subject)
            s.add(thread)
            s.flush()
            s.execute(
                thread_participants.insert(),
                [{"thread_id": thread.id, "user_id": u} for u in sorted(people)],
            )
            s.add(
                Message(
                    studio_id=actor.studio_id,
                    thread_id=thread.id,
                    sender_id=actor.user_id,
                    content=form.content,
                )
            )
            return thread.id

    @unit_of_work
    def reply(
        self, actor: Actor, thread_id: uuid.UUID, data: ReplyInput | dict[str, Any]
    ) -> uuid.UUID:
        require(actor, "messages")
        form = parse_input(ReplyInput, data)
        with self._db.session() as s:
            thread = self._thread(s, actor, thread_id, lock=True)
            message = Message(
                studio_id=actor.studio_id,
                thread_id=thread.id,
                sender_id=actor.user_id,
                content=form.content,
            )
            s.add(message)
            # Whoever answers joins the thread, and so hears about the next message.
            s.execute(
                insert(thread_participants)
                .values(thread_id=thread.id, user_id=actor.user_id)
                .on_conflict_do_nothing()
            )
            thread.updated_at = func.now()
            s.flush()
            return message.id

    def recipients(self, actor: Actor) -> tuple[Recipient, ...]:
        """Who can be written to: staff, teachers and parents of the studio (not oneself)."""
        require(actor, "messages")
        with self._db.read_session() as s:
            rows = s.execute(
                select(User.id, full_name(User.first_name, User.last_name), User.role)
                .where(
                    User.studio_id == actor.studio_id,
                    User.is_active,
                    User.id != actor.user_id,
                    User.role.in_(("admin", "desk", "teacher", "parent")),
                )
                .order_by(User.role, User.last_name, User.first_name)
            ).all()
            return tuple(Recipient(id=i, label=f"{n} ({r})") for i, n, r in rows)

    @staticmethod
    def _thread(
        s: Session, actor: Actor, thread_id: uuid.UUID, lock: bool = False
    ) -> MessageThread:
        query = select(MessageThread).where(
            MessageThread.id == thread_id,
            MessageThread.studio_id == actor.studio_id,
            MessageThread.id.in_(_visible_threads(actor)),
        )
        if lock:
            query = query.with_for_update()
        thread = s.scalars(query).first()
        if thread is None:
            raise NotFound("This conversation is not one of yours, or it was removed.")
        return thread
