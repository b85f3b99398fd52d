"""Staff accounts: login roles, who is logged in, passwords, and the audit trail."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.models import AuditEntry, User
from studiosync_desktop.schemas.accounts import (
    AuditFilters,
    AuditRow,
    PasswordChange,
    StaffInvite,
    StaffRow,
)
from studiosync_desktop.schemas.common import Actor, Page, parse_input
from studiosync_desktop.scram import scram_verifier
from studiosync_desktop.services import who_acts
from studiosync_desktop.services.audit_names import with_names
from studiosync_desktop.services.keyset_pager import int_key, read_page
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_zone
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.services.who_acts import login_role_name
from studiosync_desktop.vocabulary import STAFF_ROLES

NOISE_FIELDS = frozenset(
    {"updated_at", "created_at", "teacher_busy", "id", "studio_id", "search_text"}
)

# Easy to read aloud and to type: no 0/o, 1/l/i.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A password an admin passes on (xxxx-xxxx-xxxx, about 64 bits); changed at first login."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


class AccountService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- who is logged in ---------------------------------------------------------------

    def current_actor(self) -> Actor:
        """The person this connection logs in as (its login role), as the acting user."""
        with self._db.read_session() as s:
            row = s.execute(
                select(User.id, User.studio_id, User.role, User.first_name, User.last_name).where(
                    User.db_role == func.session_user(), User.is_active
                )
            ).first()
            if row is None:
                raise PermissionDenied("This login belongs to no active StudioSync account.")
            return Actor(
                user_id=row.id,
                studio_id=row.studio_id,
                role=row.role,
                name=f"{row.first_name} {row.last_name}".strip(),
            )

    @unit_of_work
    def start_session(self) -> tuple[Actor, bool]:
        """At login: who this login is, stamped as logged in now, and whether its password
        must change (`who_acts.start_session`)."""
        return who_acts.start_session(self._db)

    def connection_is_owner(self) -> bool:
        """The database owner or a superuser: maintenance mode, nobody logs in."""
        return who_acts.connection_is_owner(self._db)

    @unit_of_work
    def record_login(self, actor: Actor) -> None:  # noqa: ARG002 (the login says who)
        """Stamps `last_login` (through a database function: teachers can't update users)."""
        with self._db.session() as s:
            s.execute(text("SELECT app_record_login()"))

    def must_change_password(self, actor: Actor) -> bool:
        with self._db.read_session() as s:
            return bool(s.scalar(select(User.must_change_password).where(User.id == actor.user_id)))

    @unit_of_work
    def change_own_password(
        self,
        actor: Actor,  # noqa: ARG002 (the database changes the login's own password)
        data: PasswordChange | dict[str, Any],
    ) -> None:
        change = parse_input(PasswordChange, data)
        with self._db.session() as s:
            s.execute(
                text("SELECT studiosync_change_own_password(:v)"),
                {"v": scram_verifier(change.new_password)},
            )
        self._db.set_password(change.new_password)

    # -- the staff list, for admins -------------------------------------------------------

    def staff(self, actor: Actor) -> tuple[StaffRow, ...]:
        require(actor, "users")
        with self._db.read_session() as s:
            rows = s.execute(
                select(
                    User.id,
                    User.first_name,
                    User.last_name,
                    User.email,
                    User.role,
                    User.db_role,
                    User.is_active,
                    User.must_change_password,
                    User.last_login,
                )
                .where(User.studio_id == actor.studio_id, User.role.in_(STAFF_ROLES))
                .order_by(User.last_name, User.first_name, User.id)
            ).all()
        return tuple(
            StaffRow(
                id=r.id,
                name=f"{r.first_name} {r.last_name}".strip(),
                email=r.email,
                role=r.role,
                login_role=r.db_role,
                is_active=r.is_active,
                must_change_password=r.must_change_password,
                last_login=r.last_login,
            )
            for r in rows
        )

    @unit_of_work
    def invite(
        self, actor: Actor, data: StaffInvite | dict[str, Any], *, one_time: bool = True
    ) -> str:
        """Creates (or reuses) the person and their login role; returns the login role name.

        `one_time`: the password is to be changed at first login (not when the person chose
        it themselves, as the first admin does in the setup wizard).
        """
        require(actor, "users")
        invite = parse_input(StaffInvite, data)
        with self._db.session() as s:
            database = s.scalar(select(func.current_database()))
            person = s.scalar(
                select(User).where(func.lower(User.email) == str(invite.email).lower())
            )
            if person is None:
                person = User(
                    studio_id=actor.studio_id,
                    email=str(invite.email),
                    first_name=invite.first_name,
                    last_name=invite.last_name,
                    role=invite.role,
                    is_staff=True,
                )
                s.add(person)
                s.flush()
            elif person.studio_id != actor.studio_id:
                raise Conflict(f"{invite.email} belongs to another studio.")
            elif person.db_role is not None:
                raise Conflict(f"{person.full_name} already has a login ({person.db_role}).")
            login = login_role_name(str(invite.email), str(database))
            s.execute(
                text("SELECT studiosync_create_login(:p, :l, :v, :g)"),
                {
                    "p": person.id,
                    "l": login,
                    "v": scram_verifier(invite.password),
                    "g": invite.role,
                },
            )
            if not one_time:
                s.execute(
                    text("UPDATE users SET must_change_password = false WHERE id = :p"),
                    {"p": person.id},
                )
            return login

    @unit_of_work
    def set_role(self, actor: Actor, person_id: uuid.UUID, role: str) -> None:
        require(actor, "users")
        if role not in STAFF_ROLES:
            raise ValidationFailed({"role": "Choose admin, desk or teacher"})
        if person_id == actor.user_id and role != "admin":
            raise Conflict("You cannot take away your own administrator role.")
        with self._db.session() as s:
            s.execute(text("SELECT studiosync_set_staff_role(:p, :g)"), {"p": person_id, "g": role})

    @unit_of_work
    def set_active(self, actor: Actor, person_id: uuid.UUID, active: bool) -> None:
        require(actor, "users")
        if person_id == actor.user_id and not active:
            raise Conflict("You cannot deactivate your own login.")
        with self._db.session() as s:
            s.execute(
                text("SELECT studiosync_set_login_enabled(:p, :e)"), {"p": person_id, "e": active}
            )

    @unit_of_work
    def reset_password(self, actor: Actor, person_id: uuid.UUID, password: str) -> None:
        require(actor, "users")
        change = parse_input(PasswordChange, {"new_password": password, "repeat": password})
        with self._db.session() as s:
            s.execute(
                text("SELECT studiosync_reset_password(:p, :v)"),
                {"p": person_id, "v": scram_verifier(change.new_password)},
            )

    # -- the audit trail -------------------------------------------------------------------

    def audit(
        self, actor: Actor, filters: AuditFilters | None = None, cursor: str | None = None
    ) -> Page[AuditRow]:
        """A page of the audit trail, newest first (no count: the trail only grows)."""
        f = filters or AuditFilters()
        with self._db.read_session() as s:
            page = read_page(
                s,
                self._audit_query(s, actor, f),
                (int_key(AuditEntry.id),),
                cursor,
                f.limit,
                lambda r: _audit_row(r[0], r.who),
                descending=True,
                count=False,
            )
            # References in names (a room, a person, an invoice), one query per kind.
            return page.model_copy(update={"rows": with_names(s, page.rows)})

    def _audit_query(self, s: Session, actor: Actor, f: AuditFilters) -> Select[AuditEntry, Any]:
        require(actor, "audit")
        who = func.coalesce(
            func.nullif(func.trim(User.first_name + " " + User.last_name), ""), AuditEntry.db_role
        )
        query = (
            select(AuditEntry, who.label("who"))
            .outerjoin(User, User.id == AuditEntry.user_id)
            .where(AuditEntry.studio_id == actor.studio_id)
        )
        if f.user_id is not None:
            query = query.where(AuditEntry.user_id == f.user_id)
        if f.table_name:
            query = query.where(AuditEntry.table_name == f.table_name)
        if f.row_id is not None:
            query = query.where(AuditEntry.row_id == f.row_id)
        if f.day_from is not None or f.day_to is not None:
            # Days are the studio's days, in its time zone.
            zone = studio_zone(s, actor)
            if f.day_from is not None:
                query = query.where(AuditEntry.at >= datetime.combine(f.day_from, time(), zone))
            if f.day_to is not None:
                end = datetime.combine(f.day_to + timedelta(days=1), time(), zone)
                query = query.where(AuditEntry.at < end)
        return query

    def studio_timezone(self, actor: Actor) -> str:
        """The studio's time zone, the one audit times are shown in."""
        with self._db.read_session() as s:
            return studio_zone(s, actor).key

    def history(self, actor: Actor, table_name: str, row_id: uuid.UUID) -> tuple[AuditRow, ...]:
        """A record's history (a lesson, invoice, payment, checkout or person), in names: a
        lesson given to a substitute says who took it from whom."""
        return self.audit(actor, AuditFilters(table_name=table_name, row_id=row_id, limit=500)).rows


def _audit_row(entry: AuditEntry, who: str) -> AuditRow:
    old, new = entry.old or {}, entry.new or {}
    fields = sorted((set(old) | set(new)) - NOISE_FIELDS)
    changes = tuple(
        (name, _shown(old.get(name)), _shown(new.get(name)))
        for name in fields
        if (old.get(name) != new.get(name))
        # A new or deleted row: its filled-in fields only.
        and (entry.action == "update" or (new if entry.action == "insert" else old).get(name))
    )
    return AuditRow(
        id=entry.id,
        at=entry.at,
        who=who,
        db_role=entry.db_role,
        table_name=entry.table_name,
        row_id=entry.row_id,
        action=entry.action,
        changes=changes,
    )


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
