"""Undo and redo of calendar changes at one desk.

Every change this desk makes to one lesson (a move, a resize, a cancellation, a status, a
"this lesson only" edit) is recorded by `JournaledScheduling` as the lesson before and after,
with the lesson's version after (`updated_at`, which the database sets on every change).
`LessonUndo.revert` puts the lesson back, in one transaction that locks it first, only while
its version is still the one recorded: once anyone else changed it, the undo is refused with
a sentence saying so, and nothing is written. Redo is reverting the revert.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied
from studiosync_desktop.models import (
    Band,
    InvoiceLineItem,
    Lesson,
    MakeupCredit,
    Student,
    Studio,
    Teacher,
    User,
)
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.lesson_changes import LessonChange, LessonState
from studiosync_desktop.schemas.scheduling import CancelInput, LessonDetail, LessonInput
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.booking_rules import TEACHER_TRANSITIONS
from studiosync_desktop.services.change_journal import ChangeJournal
from studiosync_desktop.services.clashes import find_clashes
from studiosync_desktop.services.lesson_change import STATUS_WORDS
from studiosync_desktop.services.lesson_rows import who_name
from studiosync_desktop.services.outside_hours import record_confirmation, require_confirmed
from studiosync_desktop.services.permissions import require, require_started
from studiosync_desktop.services.reading import (
    studio_settings,
    studio_today,
    studio_zone,
)
from studiosync_desktop.services.recurrence import Occurrence
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.together import read_together
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import BLOCKING_LESSON_STATUSES

T = TypeVar("T")


class JournaledScheduling(SchedulingService):
    """The scheduling service, recording each single-lesson change in the journal."""

    def __init__(self, db: Database, journal: ChangeJournal) -> None:
        super().__init__(db)
        self.journal = journal

    @unit_of_work
    def update_lesson(
        self, actor: Actor, lesson_id: uuid.UUID, data: LessonInput | Mapping[str, Any]
    ) -> LessonDetail:
        parent = super().update_lesson
        return self._recorded(actor, lesson_id, lambda: parent(actor, lesson_id, data))

    @unit_of_work
    def set_status(self, actor: Actor, lesson_id: uuid.UUID, status: str) -> LessonDetail:
        parent = super().set_status
        return self._recorded(actor, lesson_id, lambda: parent(actor, lesson_id, status))

    @unit_of_work
    def cancel(
        self, actor: Actor, lesson_id: uuid.UUID, data: CancelInput | Mapping[str, Any]
    ) -> LessonDetail:
        parent = super().cancel
        return self._recorded(actor, lesson_id, lambda: parent(actor, lesson_id, data))

    @unit_of_work
    def reopen(self, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        parent = super().reopen
        return self._recorded(actor, lesson_id, lambda: parent(actor, lesson_id))

    def _recorded(self, actor: Actor, lesson_id: uuid.UUID, change: Callable[[], T]) -> T:
        before = read_state(self._db, actor, lesson_id)
        result = change()
        after = read_state(self._db, actor, lesson_id)
        if before is not None and after is not None and not before[0].same_as(after[0]):
            self.journal.record(
                actor, LessonChange(before=before[0], after=after[0], timezone=after[1])
            )
        return result


class LessonUndo:
    """Puts a lesson back as it was before a recorded change, if nothing changed it since."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @unit_of_work
    def revert(
        self, actor: Actor, change: LessonChange, accept_outside: bool = False
    ) -> LessonChange:
        """Undoes `change` (or redoes it, given the change its undo made): the lesson goes
        back to `change.before`. Refused, with nothing written, when the lesson changed since
        (its version is no longer `change.after.version`), was deleted, is on an invoice, or
        its old time is taken now; outside the teacher's hours or over an outside event it
        needs a yes (`accept_outside`, recorded), as every booking does. Returns the change
        this made (what redo reverts)."""
        require(actor, "schedule")
        with self._db.session() as s:
            row = s.get(Lesson, change.lesson_id, with_for_update=True)
            whose = f"{change.before.who}'s lesson" if change.before.who else "The lesson"
            if row is None or row.studio_id != actor.studio_id:
                raise NotFound(f"{whose} was deleted since: there is nothing to put back.")
            if actor.role == "teacher" and row.teacher_id != _own_teacher(s, actor):
                raise PermissionDenied("Teachers change their own lessons only.")
            zone = studio_zone(s, actor)
            if row.updated_at != change.after.version:
                at = row.updated_at.astimezone(zone)
                raise Conflict(
                    f"{whose} was changed again at {at:%H:%M} (at another desk, or in another "
                    "window), so it is left as it is now: undoing would overwrite that change."
                )
            before = _state(s, row.id)
            _put_back(s, actor, row, change.before, accept_outside)
            s.flush()
            after = _state(s, row.id)
        return LessonChange(before=before, after=after, timezone=zone.key)


def read_state(db: Database, actor: Actor, lesson_id: uuid.UUID) -> tuple[LessonState, str] | None:
    """The lesson now and the studio's time zone, if the lesson is in the actor's studio: both
    reads in one round trip (`together.read_together`)."""
    with db.read_session() as s:
        found, state = read_together(
            s,
            [
                select(Studio.timezone)
                .join(Lesson, Lesson.studio_id == Studio.id)
                .where(Lesson.id == lesson_id, Studio.id == actor.studio_id),
                _state_query(lesson_id),
            ],
        )
    if not found or not state:
        return None
    return LessonState.model_validate(state[0]._asdict()), found[0].timezone


def _state(s: Session, lesson_id: uuid.UUID) -> LessonState:
    row = s.execute(_state_query(lesson_id)).mappings().one()
    return LessonState.model_validate(dict(row))


def _state_query(lesson_id: uuid.UUID) -> Select[Any]:
    person = aliased(User)
    return (
        select(
            Lesson.id,
            Lesson.updated_at.label("version"),
            who_name(person).label("who"),
            Lesson.scheduled_start.label("start"),
            Lesson.scheduled_end.label("end"),
            Lesson.rate,
            Lesson.teacher_id,
            Lesson.room_id,
            Lesson.student_id,
            Lesson.band_id,
            Lesson.location,
            Lesson.lesson_type,
            Lesson.status,
            Lesson.actual_start,
            Lesson.actual_end,
            Lesson.cancellation_reason,
            Lesson.cancelled_on_behalf_of,
        )
        .outerjoin(Student, Student.id == Lesson.student_id)
        .outerjoin(person, person.id == Student.user_id)
        .outerjoin(Band, Band.id == Lesson.band_id)
        .where(Lesson.id == lesson_id)
    )


def _own_teacher(s: Session, actor: Actor) -> uuid.UUID | None:
    return s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))


def _put_back(
    s: Session, actor: Actor, row: Lesson, target: LessonState, accept_outside: bool = False
) -> None:
    """`row` (locked) as `target`: its time, people, room, rate and status, with what goes
    with the status (a cancellation's make-up credit leaves or comes back with it)."""
    whose = f"{target.who}'s lesson" if target.who else "The lesson"
    cancelling = target.status == "cancelled" and row.status != "cancelled"
    uncancelling = row.status == "cancelled" and target.status != "cancelled"
    if (cancelling or uncancelling) and "makeup" in (row.lesson_type, target.lesson_type):
        raise Conflict(
            f"{whose} is a make-up lesson: its credit went with it, so it can't be put back. "
            "Book it again instead."
        )
    if actor.role == "teacher" and target.status != row.status:
        if target.status not in TEACHER_TRANSITIONS[row.status] or "cancelled" in (
            row.status,
            target.status,
        ):
            raise PermissionDenied(
                f"{whose} can't go back to {STATUS_WORDS[target.status]} from your login: "
                "taking back a mark or a cancellation is for the front desk."
            )
        require_started(target.start, studio_zone(s, actor))
    billed = s.scalar(select(exists().where(InvoiceLineItem.billed_lesson_id == row.id)))
    if billed:
        raise Conflict(f"{whose} is on an invoice now, so it stays as it is.")
    if target.status in BLOCKING_LESSON_STATUSES and (
        row.status not in BLOCKING_LESSON_STATUSES
        or (row.teacher_id, row.student_id, row.band_id, row.room_id)
        != (target.teacher_id, target.student_id, target.band_id, target.room_id)
        or (row.scheduled_start, row.scheduled_end) != (target.start, target.end)
    ):
        occurrence = Occurrence(
            target.teacher_id,
            target.student_id,
            target.band_id,
            target.room_id,
            target.start,
            target.end,
        )
        zone = studio_zone(s, actor)
        clashes = find_clashes(s, actor.studio_id, zone, [occurrence], [row.id])
        if clashes:
            raise Conflict(f"{whose} can't go back: {clashes[0][1].message}")
        # Outside the teacher's hours (or over an outside event): the yes is asked and kept.
        reasons = require_confirmed(s, actor, zone, [occurrence], accept_outside)
        record_confirmation(s, actor, row.id, reasons)
    if uncancelling:
        _take_back_credit(s, row, whose)
        row.cancelled_at = None
        row.cancelled_by_id = None
        row.is_late_cancel = False
    row.scheduled_start, row.scheduled_end = target.start, target.end
    row.rate, row.location, row.lesson_type = target.rate, target.location, target.lesson_type
    row.teacher_id, row.room_id = target.teacher_id, target.room_id
    row.student_id, row.band_id = target.student_id, target.band_id
    if not cancelling:
        row.status = target.status
        row.cancellation_reason = target.cancellation_reason
        row.cancelled_on_behalf_of = target.cancelled_on_behalf_of
    row.actual_start, row.actual_end = target.actual_start, target.actual_end
    s.flush()
    if cancelling:  # the same cancellation again: late or not and the credit by today's rules
        credits.cancel_where(
            s,
            "id = :lesson_id",
            {"lesson_id": row.id},
            studio_id=actor.studio_id,
            user_id=actor.user_id,
            reason=target.cancellation_reason or "Cancelled",
            party=target.cancelled_on_behalf_of or "student",
            settings=studio_settings(s, actor.studio_id),
            today=studio_today(s, actor),
        )


def _take_back_credit(s: Session, row: Lesson, whose: str) -> None:
    """The make-up credit the cancellation gave leaves with it, unless it was used already."""
    used = s.scalar(
        select(MakeupCredit.used_by_lesson_id).where(
            MakeupCredit.source_lesson_id == row.id, MakeupCredit.used_by_lesson_id.is_not(None)
        )
    )
    if used is not None:
        raise Conflict(
            f"{whose} gave a make-up credit that was used for a make-up lesson already: "
            "cancel that make-up lesson first."
        )
    s.execute(delete(MakeupCredit).where(MakeupCredit.source_lesson_id == row.id))
