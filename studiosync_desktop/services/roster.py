"""Roster reads: the students list, searched and paged by name."""

from __future__ import annotations

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import aliased

from studiosync_desktop.db import Database
from studiosync_desktop.models import Family, Student, Teacher, User
from studiosync_desktop.schemas.common import Actor, Page
from studiosync_desktop.schemas.rows import StudentRow
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    check_limit,
    contains_pattern,
    decode_cursor,
    encode_cursor,
    full_name,
    ilike_any,
    parse_uuid,
)


class RosterService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def students(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        include_inactive: bool = False,
    ) -> Page[StudentRow]:
        """Students by last name, first name; `search` matches name, email, phone or instrument."""
        require(actor, "roster")
        check_limit(limit)
        teacher_user = aliased(User, name="teacher_user")
        query = (
            select(
                Student.id,
                full_name(User.first_name, User.last_name).label("name"),
                User.email,
                User.phone_number.label("phone"),
                Student.instrument,
                func.coalesce(Family.name, literal("")).label("family_name"),
                func.coalesce(
                    full_name(teacher_user.first_name, teacher_user.last_name), literal("")
                ).label("teacher_name"),
                Student.is_active,
                User.last_name,
                User.first_name,
            )
            .join(User, User.id == Student.user_id)
            .outerjoin(Family, Family.id == Student.family_id)
            .outerjoin(Teacher, Teacher.id == Student.primary_teacher_id)
            .outerjoin(teacher_user, teacher_user.id == Teacher.user_id)
            .where(Student.studio_id == actor.studio_id)
        )
        if not include_inactive:
            query = query.where(Student.is_active)
        if search.strip():
            pattern = contains_pattern(search)
            query = query.where(
                ilike_any(
                    pattern,
                    full_name(User.first_name, User.last_name),
                    User.email,
                    User.phone_number,
                    Student.instrument,
                )
            )
        with self._db.read_session() as s:
            total = None
            if cursor is None:
                total = s.scalar(select(func.count()).select_from(query.subquery()))
            else:
                last, first, sid = decode_cursor(cursor, 3)
                query = query.where(
                    tuple_(User.last_name, User.first_name, Student.id)
                    > tuple_(literal(last), literal(first), literal(parse_uuid(sid)))
                )
            query = query.order_by(User.last_name, User.first_name, Student.id).limit(limit + 1)
            rows = s.execute(query).all()
            page = rows[:limit]
            next_cursor = (
                encode_cursor(page[-1].last_name, page[-1].first_name, page[-1].id)
                if len(rows) > limit
                else None
            )
            return Page[StudentRow](
                rows=tuple(
                    StudentRow(
                        id=r.id,
                        name=r.name,
                        email=r.email,
                        phone=r.phone,
                        instrument=r.instrument,
                        family_name=r.family_name,
                        teacher_name=r.teacher_name,
                        is_active=r.is_active,
                    )
                    for r in page
                ),
                next_cursor=next_cursor,
                total=total,
            )
