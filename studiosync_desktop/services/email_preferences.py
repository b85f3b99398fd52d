"""Each person's email preferences: the kinds they do not want, quiet hours, reminder time."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import EmailPreference, User
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.email import PreferenceInput
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work


class PreferenceService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, actor: Actor, user_id: uuid.UUID) -> PreferenceInput:
        require(actor, "email")
        with self._db.read_session() as s:
            self._person(s, actor, user_id)
            row = s.get(EmailPreference, user_id)
            if row is None:
                return PreferenceInput()
            return PreferenceInput(
                opted_out=tuple(row.opted_out),
                quiet_start=row.quiet_start,
                quiet_end=row.quiet_end,
                reminder_hours=row.reminder_hours,
            )

    @unit_of_work
    def save(
        self, actor: Actor, user_id: uuid.UUID, data: PreferenceInput | dict[str, Any]
    ) -> PreferenceInput:
        require(actor, "email")
        wish = parse_input(PreferenceInput, data)
        values = {**wish.model_dump(), "opted_out": list(wish.opted_out)}
        with self._db.session() as s:
            self._person(s, actor, user_id)
            s.execute(
                insert(EmailPreference)
                .values(studio_id=actor.studio_id, user_id=user_id, **values)
                .on_conflict_do_update(index_elements=["user_id"], set_=values)
            )
        return wish

    def person_of(self, actor: Actor, kind: str, row_id: uuid.UUID) -> tuple[uuid.UUID, str]:
        """(user id, name) of who receives a roster row's email: a student or teacher
        themselves, a family's or band's contact person."""
        require(actor, "email")
        column = {
            "students": "(SELECT user_id FROM students WHERE id = :r)",
            "teachers": "(SELECT user_id FROM teachers WHERE id = :r)",
            "families": "(SELECT primary_contact_id FROM families WHERE id = :r)",
            "bands": "(SELECT primary_contact_id FROM bands WHERE id = :r)",
        }.get(kind)
        if column is None:
            raise NotFound("Only people have email preferences.")
        with self._db.read_session() as s:
            row = s.execute(
                text(
                    "SELECT id, trim(first_name || ' ' || last_name) AS name FROM users"
                    f" WHERE id = {column} AND studio_id = :s"
                ),
                {"r": row_id, "s": actor.studio_id},
            ).one_or_none()
        if row is None:
            raise NotFound(
                "This family or band has no contact person yet: choose one in the roster first."
            )
        return row.id, row.name

    @staticmethod
    def _person(s: Any, actor: Actor, user_id: uuid.UUID) -> None:
        found = s.scalar(
            select(User.id).where(User.id == user_id, User.studio_id == actor.studio_id)
        )
        if found is None:
            raise NotFound("This person is no longer on file.")
