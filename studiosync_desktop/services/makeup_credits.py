"""Make-up credits: earned by a qualifying cancellation, used by a make-up lesson, expiring."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import Lesson, MakeupCredit
from studiosync_desktop.schemas.scheduling import CreditRow
from studiosync_desktop.schemas.studio import StudioSettings


def available(s: Session, student_id: uuid.UUID, today: date) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(MakeupCredit)
            .where(
                MakeupCredit.student_id == student_id,
                MakeupCredit.used_by_lesson_id.is_(None),
                MakeupCredit.expires_on >= today,
            )
        )
        or 0
    )


def use_one(
    s: Session, student_id: uuid.UUID, lesson_id: uuid.UUID, today: date, name: str
) -> None:
    """The make-up lesson takes the student's credit that expires first (locked: one use)."""
    credit_id = s.scalar(
        select(MakeupCredit.id)
        .where(
            MakeupCredit.student_id == student_id,
            MakeupCredit.used_by_lesson_id.is_(None),
            MakeupCredit.expires_on >= today,
        )
        .order_by(MakeupCredit.expires_on, MakeupCredit.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if credit_id is None:
        raise ValidationFailed(
            {"lesson_type": f"{name} has no make-up credit left to book a make-up lesson."}
        )
    s.execute(
        update(MakeupCredit).where(MakeupCredit.id == credit_id).values(used_by_lesson_id=lesson_id)
    )


def free_used_by(s: Session, lesson_ids: list[uuid.UUID]) -> None:
    """A cancelled or deleted make-up lesson gives its credit back."""
    s.execute(
        update(MakeupCredit)
        .where(MakeupCredit.used_by_lesson_id.in_(lesson_ids))
        .values(used_by_lesson_id=None)
    )


def credit_rows(s: Session, student_id: uuid.UUID, today: date) -> tuple[CreditRow, ...]:
    rows = s.execute(
        select(
            MakeupCredit.id,
            MakeupCredit.student_id,
            MakeupCredit.source_lesson_id,
            Lesson.scheduled_start.label("source_lesson_start"),
            MakeupCredit.earned_at,
            MakeupCredit.expires_on,
            MakeupCredit.used_by_lesson_id,
        )
        .join(Lesson, Lesson.id == MakeupCredit.source_lesson_id)
        .where(MakeupCredit.student_id == student_id)
        .order_by(MakeupCredit.expires_on.desc(), MakeupCredit.id)
        .limit(500)
    ).all()
    return tuple(
        CreditRow(
            id=r.id,
            student_id=r.student_id,
            source_lesson_id=r.source_lesson_id,
            source_lesson_start=r.source_lesson_start,
            earned_at=r.earned_at,
            expires_on=r.expires_on,
            used_by_lesson_id=r.used_by_lesson_id,
            state="used"
            if r.used_by_lesson_id is not None
            else ("expired" if r.expires_on < today else "available"),
        )
        for r in rows
    )


# Cancels the lessons chosen by a WHERE clause in one statement, frees the credits that
# cancelled make-up lessons had used, and issues the credits the policy grants.
CANCEL_SQL = """
WITH c AS (
    UPDATE lessons
       SET status = 'cancelled', cancellation_reason = :reason, cancelled_at = now(),
           cancelled_by_id = :user_id, cancelled_on_behalf_of = :party,
           is_late_cancel = scheduled_start < now() + make_interval(hours => :notice_hours)
     WHERE studio_id = :studio_id AND status = 'scheduled' AND ({where})
 RETURNING id, student_id, is_late_cancel, lesson_type
), freed AS (
    UPDATE makeup_credits SET used_by_lesson_id = NULL
     WHERE used_by_lesson_id IN (SELECT id FROM c) RETURNING id
), issued AS (
    INSERT INTO makeup_credits (studio_id, student_id, source_lesson_id, expires_on)
    SELECT :studio_id, c.student_id, c.id, :expires_on FROM c
     WHERE c.student_id IS NOT NULL AND c.lesson_type <> 'makeup'
       AND (:party_earns OR (:notice_earns AND NOT c.is_late_cancel))
    ON CONFLICT (source_lesson_id) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM c) AS cancelled,
       (SELECT count(*) FROM c WHERE is_late_cancel) AS late,
       (SELECT count(*) FROM issued) AS issued,
       (SELECT count(*) FROM freed) AS freed
"""


def cancel_where(
    s: Session,
    where: str,
    params: dict[str, object],
    *,
    studio_id: uuid.UUID,
    user_id: uuid.UUID,
    reason: str,
    party: str,
    settings: StudioSettings,
    today: date,
) -> tuple[int, int, int]:
    """(cancelled, late, credits issued) for the lessons `where` selects."""
    from datetime import timedelta

    row = s.execute(
        text(CANCEL_SQL.format(where=where)),
        {
            **params,
            "studio_id": studio_id,
            "user_id": user_id,
            "reason": reason,
            "party": party,
            "notice_hours": settings.cancellation_notice_hours,
            "expires_on": today + timedelta(days=settings.makeup_credit_days),
            "party_earns": party in ("studio", "teacher") and settings.makeup_for_teacher_cancel,
            "notice_earns": party == "student" and settings.makeup_for_student_notice,
        },
    ).one()
    return int(row.cancelled), int(row.late), int(row.issued)
