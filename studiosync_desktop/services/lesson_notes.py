"""A lesson's note, the student's goals and the lesson plan attached to a lesson."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import LessonNote, LessonPlan, StudentGoal
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.scheduling import (
    GoalRow,
    LessonDetail,
    LessonNoteInput,
    LessonNoteView,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.scheduling_base import SchedulingPart
from studiosync_desktop.services.unit_of_work import unit_of_work


class LessonNotes(SchedulingPart):
    """What teachers write about lessons: notes, goals read, plans attached."""

    def lesson_note(self, actor: Actor, lesson_id: uuid.UUID) -> LessonNoteView:
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._lesson_in_studio(s, actor, lesson_id)
            note = s.scalars(
                select(LessonNote)
                .where(LessonNote.lesson_id == lesson_id)
                .order_by(LessonNote.created_at)
                .limit(1)
            ).first()
            if note is None:
                return LessonNoteView()
            return LessonNoteView(
                id=note.id,
                updated_at=note.updated_at,
                summary=note.summary,
                topics_covered=tuple(str(x) for x in note.topics_covered),
                assignments=tuple(str(x) for x in note.assignments),
                strengths=tuple(str(x) for x in note.strengths),
                challenges=tuple(str(x) for x in note.challenges),
                homework=note.homework,
                visible_to_student=note.visible_to_student,
                visible_to_parent=note.visible_to_parent,
            )

    @unit_of_work
    def save_lesson_note(
        self, actor: Actor, lesson_id: uuid.UUID, data: LessonNoteInput | Mapping[str, Any]
    ) -> LessonNoteView:
        """The lesson's teacher (or an admin) writes its note; one note per lesson."""
        self._require_teaching(actor)
        note_in = parse_input(LessonNoteInput, data)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_admin(s, actor, row)
            note = s.scalars(
                select(LessonNote).where(LessonNote.lesson_id == lesson_id).limit(1)
            ).first()
            if note is None:
                note = LessonNote(
                    studio_id=actor.studio_id, lesson_id=lesson_id, teacher_id=row.teacher_id
                )
                s.add(note)
            note.summary = note_in.summary
            note.topics_covered = list(note_in.topics_covered)
            note.assignments = list(note_in.assignments)
            note.strengths = list(note_in.strengths)
            note.challenges = list(note_in.challenges)
            note.homework = note_in.homework
            note.visible_to_student = note_in.visible_to_student
            note.visible_to_parent = note_in.visible_to_parent

        self._in_session(work)
        return self.lesson_note(actor, lesson_id)

    def goals(self, actor: Actor, student_id: uuid.UUID) -> tuple[GoalRow, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._student_in_studio(s, actor, student_id)
            rows = s.execute(
                select(
                    StudentGoal.id,
                    StudentGoal.title,
                    StudentGoal.status,
                    StudentGoal.progress_percentage,
                    StudentGoal.target_date,
                )
                .where(StudentGoal.student_id == student_id)
                .order_by(
                    StudentGoal.status, StudentGoal.target_date.nulls_last(), StudentGoal.title
                )
                .limit(200)
            ).all()
            return tuple(GoalRow.model_validate(r, from_attributes=True) for r in rows)

    @unit_of_work
    def attach_plan(
        self, actor: Actor, lesson_id: uuid.UUID, plan_id: uuid.UUID | None
    ) -> LessonDetail:
        self._require_teaching(actor)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_admin(s, actor, row)
            if plan_id is not None:
                owner = s.scalar(select(LessonPlan.studio_id).where(LessonPlan.id == plan_id))
                if owner != actor.studio_id:
                    raise NotFound("This lesson plan no longer exists.")
            row.lesson_plan_id = plan_id

        self._in_session(work)
        return self.lesson(actor, lesson_id)
