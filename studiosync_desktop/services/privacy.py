"""Privacy requests and consents: erasures asked for and carried out, consents given or
withdrawn, and the daily retention round. The database does the erasing and the retention
(studiosync_erase_person, studiosync_apply_retention), so it holds whoever calls."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied
from studiosync_desktop.models import Consent, PrivacyRequest
from studiosync_desktop.schemas.common import Actor, ShortNote, parse_input, parse_value
from studiosync_desktop.schemas.privacy import (
    ConsentInput,
    ConsentState,
    ErasureAsk,
    PrivacyRequestRow,
    RetentionRunRow,
    consent_name,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import CONSENT_KINDS

NAME = "coalesce(trim({0}.first_name || ' ' || {0}.last_name), '')"
REQUESTS = f"""
SELECT r.id, r.reference, r.kind, r.person_id, {NAME.format("p")} AS person, p.role,
       r.asked_by, r.asked_at, {NAME.format("rb")} AS recorded_by, r.status, r.done_at,
       {NAME.format("db")} AS done_by, r.outcome
  FROM privacy_requests r JOIN users p ON p.id = r.person_id
  LEFT JOIN users rb ON rb.id = r.recorded_by_id
  LEFT JOIN users db ON db.id = r.done_by_id
 WHERE r.studio_id = :studio
"""


def _desk(actor: Actor) -> None:
    if not actor.is_staff_desk:
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not handle privacy requests.")
    require(actor, "roster")


class PrivacyService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- erasure ---------------------------------------------------------------------------

    def blockers(self, actor: Actor, person_id: uuid.UUID) -> tuple[str, ...]:
        """Why the person cannot be erased now, in sentences (empty: they can be)."""
        _desk(actor)
        with self._db.read_session() as s:
            found = s.scalar(text("SELECT studiosync_erasure_blockers(:p)"), {"p": person_id})
            return tuple(found or ())

    @unit_of_work
    def ask_erasure(self, actor: Actor, data: ErasureAsk | dict[str, object]) -> uuid.UUID:
        """Records who asked for a person's erasure; it waits in the admins' queue."""
        _desk(actor)
        ask = parse_input(ErasureAsk, data)
        with self._db.session() as s:
            person = s.execute(
                text("SELECT id, role FROM users WHERE id = :id AND studio_id = :studio"),
                {"id": ask.person_id, "studio": actor.studio_id},
            ).first()
            if person is None:
                raise NotFound("This person is not on the roster.")
            waiting = s.scalar(
                text(
                    "SELECT asked_at FROM privacy_requests WHERE person_id = :p"
                    " AND kind = 'erasure' AND status IN ('open', 'done')"
                ),
                {"p": ask.person_id},
            )
            if waiting is not None:
                raise Conflict(
                    f"An erasure of this person was already asked for on {waiting:%d %b %Y}: "
                    "it is in the administrators' queue (Tools > Privacy requests)."
                )
            request = PrivacyRequest(
                studio_id=actor.studio_id,
                kind="erasure",
                person_id=ask.person_id,
                asked_by=ask.asked_by,
                recorded_by_id=actor.user_id,
            )
            s.add(request)
            s.flush()
            return request.id

    def requests(self, actor: Actor, *, open_only: bool = False) -> tuple[PrivacyRequestRow, ...]:
        """The queue (open erasures first, each with why it cannot be done yet) and history."""
        _desk(actor)
        where = " AND r.status = 'open'" if open_only else ""
        with self._db.read_session() as s:
            rows = s.execute(
                text(f"{REQUESTS}{where} ORDER BY r.status <> 'open', r.asked_at DESC LIMIT 500"),
                {"studio": actor.studio_id},
            ).all()
            out = []
            for r in rows:
                blockers: tuple[str, ...] = ()
                if r.status == "open" and r.kind == "erasure":
                    blockers = tuple(
                        s.scalar(text("SELECT studiosync_erasure_blockers(:p)"), {"p": r.person_id})
                        or ()
                    )
                out.append(PrivacyRequestRow.model_validate({**r._mapping, "blockers": blockers}))
            return tuple(out)

    @unit_of_work
    def erase(self, actor: Actor, request_id: uuid.UUID) -> str:
        """An administrator carries out an erasure: cannot be undone. Returns the name the
        person is shown by from now on ("Former student 12")."""
        require(actor, "settings")
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator may carry out an erasure.")
        with self._db.session() as s:
            return str(s.scalar(text("SELECT studiosync_erase_person(:r)"), {"r": request_id}))

    @unit_of_work
    def close(self, actor: Actor, request_id: uuid.UUID, status: str, outcome: str) -> None:
        """An administrator withdraws or refuses an open request, saying why."""
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator closes a privacy request.")
        if status not in ("withdrawn", "refused"):
            raise Conflict("A request is withdrawn or refused here; an erasure is carried out.")
        outcome = parse_value("outcome", ShortNote, outcome)
        with self._db.session() as s:
            done = s.execute(
                text(
                    "UPDATE privacy_requests SET status = :st, outcome = :why, done_at = now(),"
                    " done_by_id = :me WHERE id = :id AND status = 'open' RETURNING id"
                ),
                {"st": status, "why": outcome, "me": actor.user_id, "id": request_id},
            ).first()
            if done is None:
                raise Conflict("This request is no longer open.")

    # --- consents --------------------------------------------------------------------------

    def consents(self, actor: Actor, person_id: uuid.UUID) -> tuple[ConsentState, ...]:
        """Where each kind of consent stands for the person: the latest record of each."""
        _desk(actor)
        with self._db.read_session() as s:
            rows = {
                r.kind: r
                for r in s.execute(
                    text(
                        f"SELECT DISTINCT ON (c.kind) c.kind, c.granted, c.recorded_at,"
                        f" c.source, {NAME.format('u')} AS recorded_by"
                        " FROM consents c LEFT JOIN users u ON u.id = c.recorded_by_id"
                        " WHERE c.user_id = :p AND c.studio_id = :studio"
                        " ORDER BY c.kind, c.recorded_at DESC, c.created_at DESC"
                    ),
                    {"p": person_id, "studio": actor.studio_id},
                )
            }
        return tuple(_state(kind, rows.get(kind)) for kind in CONSENT_KINDS)

    @unit_of_work
    def record_consent(self, actor: Actor, data: ConsentInput | dict[str, object]) -> None:
        _desk(actor)
        given = parse_input(ConsentInput, data)
        with self._db.session() as s:
            if (
                s.scalar(
                    text("SELECT 1 FROM users WHERE id = :p AND studio_id = :s"),
                    {"p": given.user_id, "s": actor.studio_id},
                )
                is None
            ):
                raise NotFound("This person is not on the roster.")
            s.add(
                Consent(
                    studio_id=actor.studio_id,
                    user_id=given.user_id,
                    kind=given.kind,
                    granted=given.granted,
                    source=given.source,
                    recorded_by_id=actor.user_id,
                )
            )

    # --- retention -------------------------------------------------------------------------

    @unit_of_work
    def run_retention(self, actor: Actor) -> dict[str, Any] | None:
        """The day's retention round, if nobody ran it today and no other desk is at it:
        what it did (None: not this desk's turn)."""
        if not actor.is_staff_desk:
            return None
        with self._db.session() as s:
            done = s.scalar(text("SELECT studiosync_apply_retention()"))
            return dict(done) if done is not None else None

    def retention_runs(self, actor: Actor, limit: int = 30) -> tuple[RetentionRunRow, ...]:
        _desk(actor)
        with self._db.read_session() as s:
            rows = s.execute(
                text(
                    f"SELECT r.ran_on, r.ran_at, {NAME.format('u')} AS ran_by, r.summary"
                    " FROM retention_runs r LEFT JOIN users u ON u.id = r.ran_by_id"
                    " WHERE r.studio_id = :studio ORDER BY r.ran_on DESC LIMIT :n"
                ),
                {"studio": actor.studio_id, "n": limit},
            ).all()
            return tuple(RetentionRunRow.model_validate(dict(r._mapping)) for r in rows)


def _state(kind: str, row: Any) -> ConsentState:
    return ConsentState(
        kind=kind,
        name=consent_name(kind),
        granted=None if row is None else bool(row.granted),
        recorded_at=None if row is None else row.recorded_at,
        recorded_by="" if row is None else row.recorded_by,
        source="" if row is None else row.source,
    )
