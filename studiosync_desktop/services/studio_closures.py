"""Closed days: listed, added (optionally cancelling the day's lessons) and removed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studiosync_desktop.errors import Conflict
from studiosync_desktop.models import StudioClosure
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.scheduling import Closure, ClosureInput
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import local_day_bounds
from studiosync_desktop.services.scheduling_base import SchedulingPart
from studiosync_desktop.services.unit_of_work import unit_of_work


class StudioClosures(SchedulingPart):
    """The days the studio is closed: series skip them."""

    def closures(self, actor: Actor, first: date, last: date) -> tuple[Closure, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            rows = s.execute(
                select(StudioClosure.id, StudioClosure.closed_on, StudioClosure.reason)
                .where(
                    StudioClosure.studio_id == actor.studio_id,
                    StudioClosure.closed_on >= first,
                    StudioClosure.closed_on <= last,
                )
                .order_by(StudioClosure.closed_on)
            ).all()
            return tuple(Closure(id=r.id, closed_on=r.closed_on, reason=r.reason) for r in rows)

    @unit_of_work
    def add_closure(self, actor: Actor, data: ClosureInput | Mapping[str, Any]) -> Closure:
        """A closed day: series skip it from now on (cancel its lessons with batch cancel)."""
        self._require_desk(actor)
        closure = parse_input(ClosureInput, data)

        def work(s: Session) -> Closure:
            taken = s.scalar(
                select(StudioClosure.reason).where(
                    StudioClosure.studio_id == actor.studio_id,
                    StudioClosure.closed_on == closure.closed_on,
                )
            )
            if taken is not None:
                raise Conflict(
                    f"The studio is already closed on {closure.closed_on:%a %d %b %Y}"
                    + (f" ({taken})." if taken else ".")
                )
            row = StudioClosure(
                studio_id=actor.studio_id, closed_on=closure.closed_on, reason=closure.reason
            )
            s.add(row)
            s.flush()
            cancelled = 0
            if closure.cancel_lessons:
                studio = self._studio(s, actor)
                first, after = local_day_bounds(studio.zone, closure.closed_on, 1)
                cancelled, _late, _issued = credits.cancel_where(
                    s,
                    "scheduled_start >= :w_start AND scheduled_start < :w_end",
                    {"w_start": first, "w_end": after},
                    studio_id=actor.studio_id,
                    user_id=actor.user_id,
                    reason=f"Studio closed: {closure.reason}"
                    if closure.reason
                    else "Studio closed",
                    party="studio",
                    settings=studio.settings,
                    today=studio.today(),
                )
            return Closure(
                id=row.id, closed_on=row.closed_on, reason=row.reason, cancelled=cancelled
            )

        return self._in_session(work)

    @unit_of_work
    def remove_closure(self, actor: Actor, closure_id: uuid.UUID) -> None:
        self._require_desk(actor)
        with self._db.session() as s:
            s.execute(
                delete(StudioClosure).where(
                    StudioClosure.id == closure_id, StudioClosure.studio_id == actor.studio_id
                )
            )
