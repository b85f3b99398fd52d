"""Booking rules: one lesson booked, changed, moved, marked, cancelled, reopened or deleted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.models import (
    InvoiceLineItem,
    MakeupCredit,
    Student,
    Teacher,
    User,
)
from studiosync_desktop.schemas.common import Actor, parse_input, parse_value
from studiosync_desktop.schemas.scheduling import (
    BatchCancelInput,
    BatchCancelResult,
    CancelInput,
    LessonDetail,
    LessonInput,
)
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.clashes import refuse_clashes
from studiosync_desktop.services.lesson_booking import book_lesson
from studiosync_desktop.services.lesson_change import STATUS_WORDS, change_lesson
from studiosync_desktop.services.permissions import may_reopen, require, require_started
from studiosync_desktop.services.reading import full_name, studio_zone
from studiosync_desktop.services.recurrence import Occurrence
from studiosync_desktop.services.scheduling_base import SchedulingPart, StudioFacts, lesson_rate
from studiosync_desktop.services.unit_of_work import unit_of_work

# Status rules: what each status may become. Back to 'scheduled' is `reopen`: admins', and
# the desk's for a check-in (a lesson in progress is never stuck: completed, a no-show, or
# taken back). A checked-in student who never came is a no-show.
TRANSITIONS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"in_progress", "completed", "cancelled", "no_show"}),
    "in_progress": frozenset({"completed", "no_show"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}
# A teacher's login takes a check-in on to completed only (the database's lessons_teacher_rules):
# a no-show after a check-in, as taking one back, is the front desk's.
TEACHER_TRANSITIONS: dict[str, frozenset[str]] = {
    **TRANSITIONS,
    "in_progress": frozenset({"completed"}),
}


class BookingRules(SchedulingPart):
    """Single lessons: booking, status rules (status, cancellation, make-up credits)."""

    @unit_of_work
    def create_lesson(self, actor: Actor, data: LessonInput | Mapping[str, Any]) -> LessonDetail:
        """Books one lesson; a make-up lesson uses one of the student's credits.

        BEGIN, one statement (`lesson_booking.BOOK_SQL`: the checks, the insert and the
        names the dialog shows) and COMMIT: three round trips."""
        self._require_desk(actor)
        lesson = parse_input(LessonInput, data)
        with self._db.session() as s:
            return book_lesson(s, actor, studio_zone(s, actor), lesson)

    @unit_of_work
    def update_lesson(
        self, actor: Actor, lesson_id: uuid.UUID, data: LessonInput | Mapping[str, Any]
    ) -> LessonDetail:
        """Edits or reschedules one scheduled lesson ("this lesson only" for a series)."""
        self._require_desk(actor)
        lesson = parse_input(LessonInput, data)

        # BEGIN, one statement (`lesson_change.CHANGE`) and COMMIT, as booking one lesson.
        with self._db.session() as s:
            return change_lesson(s, actor, studio_zone(s, actor), lesson_id, lesson)

    def move_lesson(
        self,
        actor: Actor,
        lesson_id: uuid.UUID,
        start: datetime,
        end: datetime,
        accept_outside: bool = False,
        keep_rate: bool = False,
    ) -> LessonDetail:
        """Drag and drop: a new start and end, everything else kept; a new length takes the
        teacher's rate for it unless `keep_rate` (the calendar asks first: `price_after_move`)."""
        current = self.lesson(actor, lesson_id)
        return self.update_lesson(
            actor,
            lesson_id,
            dict(
                teacher_id=current.teacher_id,
                student_id=current.student_id,
                band_id=current.band_id,
                room_id=current.room_id,
                lesson_type=current.lesson_type,
                start=start,
                end=end,
                location=current.location,
                rate=(
                    None
                    if (end - start) != (current.end - current.start) and not keep_rate
                    else current.rate
                ),
                accept_outside=accept_outside,
            ),
        )

    def price_after_move(
        self, actor: Actor, lesson_id: uuid.UUID, start: datetime, end: datetime
    ) -> tuple[Decimal, Decimal]:
        """(the lesson's price now, its price at the new times): a new length is priced at the
        teacher's hourly rate, which the desk is asked about before anything is saved."""
        require(actor, "schedule")
        current = self.lesson(actor, lesson_id)
        if (end - start) == (current.end - current.start):
            return current.rate, current.rate
        with self._db.read_session() as s:
            hourly = s.scalar(select(Teacher.hourly_rate).where(Teacher.id == current.teacher_id))
        minutes = int((end - start).total_seconds() // 60)
        return current.rate, lesson_rate(None, hourly, minutes)

    @unit_of_work
    def set_status(self, actor: Actor, lesson_id: uuid.UUID, status: str) -> LessonDetail:
        """scheduled -> in_progress -> completed, or scheduled -> no_show (cancel: `cancel`)."""
        require(actor, "schedule")
        status = parse_value("status", str, status)
        if status == "cancelled":
            raise ValidationFailed({"status": "Cancel with a reason (the Cancel button)."})
        if status == "scheduled":
            raise ValidationFailed({"status": "Use Reopen (administrators) to go back."})

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_desk(s, actor, row)
            require_started(row.scheduled_start, studio_zone(s, actor), status)
            rules = TEACHER_TRANSITIONS if actor.role == "teacher" else TRANSITIONS
            if status not in rules.get(row.status, frozenset()):
                raise Conflict(
                    f"A lesson that is {STATUS_WORDS[row.status]} can't become "
                    f"{STATUS_WORDS.get(status, status)}."
                )
            row.status = status
            now = datetime.now(row.scheduled_start.tzinfo)
            if status == "in_progress":
                row.actual_start = now
            if status == "completed":
                row.actual_start = row.actual_start or row.scheduled_start
                row.actual_end = (
                    max(now, row.actual_start) if row.actual_start <= now else row.scheduled_end
                )

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def cancel(
        self, actor: Actor, lesson_id: uuid.UUID, data: CancelInput | Mapping[str, Any]
    ) -> LessonDetail:
        """Cancels with a reason; late inside the notice period; a credit when policy says."""
        self._require_desk(actor)
        why = parse_input(CancelInput, data)

        def work(s: Session) -> None:
            studio, status = self._studio_and_status(s, actor, lesson_id)
            if status != "scheduled":
                raise Conflict(f"This lesson is {STATUS_WORDS[status]}: it can't be cancelled.")
            credits.cancel_where(
                s,
                "id = :lesson_id",
                {"lesson_id": lesson_id},
                studio_id=actor.studio_id,
                user_id=actor.user_id,
                reason=why.reason,
                party=why.on_behalf_of,
                settings=studio.settings,
                today=studio.today(),
            )

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def batch_cancel(
        self, actor: Actor, data: BatchCancelInput | Mapping[str, Any]
    ) -> BatchCancelResult:
        """Cancels every scheduled lesson starting in the window (a snow day), in one step."""
        self._require_desk(actor)
        window = parse_input(BatchCancelInput, data)
        where = "scheduled_start >= :w_start AND scheduled_start < :w_end"
        params: dict[str, object] = {"w_start": window.start, "w_end": window.end}
        if window.teacher_id is not None:
            where += " AND teacher_id = :w_teacher"
            params["w_teacher"] = window.teacher_id
        if window.room_id is not None:
            where += " AND room_id = :w_room"
            params["w_room"] = window.room_id

        def work(s: Session) -> BatchCancelResult:
            studio = self._studio(s, actor)
            cancelled, late, issued = credits.cancel_where(
                s,
                where,
                params,
                studio_id=actor.studio_id,
                user_id=actor.user_id,
                reason=window.reason,
                party=window.on_behalf_of,
                settings=studio.settings,
                today=studio.today(),
            )
            return BatchCancelResult(cancelled=cancelled, late=late, credits_issued=issued)

        return self._in_session(work)

    @unit_of_work
    def reopen(self, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        """Back to scheduled: admins a completed, cancelled or no-show lesson, and the desk
        or an admin a check-in (the lesson in progress; its actual start goes)."""
        require(actor, "schedule")
        if not (actor.is_admin or actor.role == "desk"):
            raise PermissionDenied("Only an administrator can reopen a lesson.")

        def work(s: Session) -> None:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.status == "scheduled":
                return
            if not may_reopen(actor, row.status):
                raise PermissionDenied(
                    f"This lesson is {STATUS_WORDS[row.status]}: only an administrator can "
                    "reopen it."
                )
            occ = Occurrence(
                row.teacher_id,
                row.student_id,
                row.band_id,
                row.room_id,
                row.scheduled_start,
                row.scheduled_end,
            )
            if row.status in ("cancelled", "no_show"):
                refuse_clashes(s, actor.studio_id, studio.zone, [occ], [row.id])
            if row.status == "cancelled":
                used = s.scalar(
                    select(MakeupCredit.used_by_lesson_id).where(
                        MakeupCredit.source_lesson_id == row.id
                    )
                )
                if used is not None:
                    raise Conflict(
                        "The make-up credit of this cancellation was already used for a "
                        "make-up lesson: cancel that make-up lesson first."
                    )
                s.execute(delete(MakeupCredit).where(MakeupCredit.source_lesson_id == row.id))
            row.status = "scheduled"
            row.cancelled_at = None
            row.cancelled_by_id = None
            row.cancellation_reason = ""
            row.cancelled_on_behalf_of = None
            row.is_late_cancel = False
            row.actual_start = None
            row.actual_end = None
            s.flush()
            if row.lesson_type == "makeup" and row.student_id is not None:
                credits_used = s.scalar(
                    select(func.count()).where(MakeupCredit.used_by_lesson_id == row.id)
                )
                if not credits_used:
                    self._use_credit(s, studio, row.student_id, row.id)

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def delete_lesson(self, actor: Actor, lesson_id: uuid.UUID) -> None:
        """Deletes a scheduled or cancelled lesson that no invoice bills."""
        self._require_desk(actor)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            if row.status not in ("scheduled", "cancelled"):
                raise Conflict(f"This lesson is {STATUS_WORDS[row.status]}: it stays on record.")
            billed = s.scalar(select(exists().where(InvoiceLineItem.lesson_id == lesson_id)))
            if billed:
                raise Conflict("This lesson is on an invoice: cancel it instead of deleting it.")
            credits.free_used_by(s, [lesson_id])
            s.delete(row)

        self._in_session(work)

    def _use_credit(
        self, s: Session, studio: StudioFacts, student_id: uuid.UUID | None, lesson_id: uuid.UUID
    ) -> None:
        if student_id is None:
            raise ValidationFailed({"student_id": "A make-up lesson is for one student."})
        name = s.scalar(
            select(full_name(User.first_name, User.last_name))
            .join(Student, Student.user_id == User.id)
            .where(Student.id == student_id)
        )
        credits.use_one(s, student_id, lesson_id, studio.today(), name or "The student")
