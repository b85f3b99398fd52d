"""Helpers shared by the read services: names, search patterns, the studio's zone and day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from studiosync_desktop import limits
from studiosync_desktop.errors import NotFound, ValidationFailed
from studiosync_desktop.models import Studio
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.zones import zone_of


def full_name(first: Any, last: Any) -> Any:
    """SQL for "First Last" (no trailing space when the last name is empty), of two text
    columns (a model's, or a subquery's)."""
    return func.trim(func.concat(first, literal(" "), last))


def contains_pattern(search: str) -> str:
    """An ILIKE pattern matching `search` anywhere, with the wildcards in it taken literally."""
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ilike_any(pattern: str, *columns: Any) -> ColumnElement[bool]:
    return or_(*(cast(c, String).ilike(pattern, escape="\\") for c in columns))


def studio_zone(session: Session, actor: Actor) -> ZoneInfo:
    """The studio's time zone: kept in the actor since login, else read (one round trip)."""
    if actor.timezone is not None:
        return zone_of(actor.timezone)
    name = session.scalar(select(Studio.timezone).where(Studio.id == actor.studio_id))
    if name is None:
        raise NotFound("The studio no longer exists.")
    return zone_of(name)


def studio_today(session: Session, actor: Actor) -> date:
    """Today where the studio is (not where this PC or the server is)."""
    return datetime.now(studio_zone(session, actor)).date()


def studio_settings(session: Session, studio_id: uuid.UUID) -> StudioSettings:
    raw = session.scalar(select(Studio.settings).where(Studio.id == studio_id))
    if raw is None:
        raise NotFound("The studio no longer exists.")
    return StudioSettings.model_validate(raw)


def local_day_bounds(zone: ZoneInfo, first: date, days: int = 1) -> tuple[datetime, datetime]:
    """[midnight of `first`, midnight `days` later) in the studio's zone, as aware datetimes.

    Only for days the studio keeps dates in (`limits`): a week or a day asked for near year
    9999 (a typed date, a command's --from) is refused with a sentence, not an OverflowError.
    """
    margin = limits.READ_MARGIN
    if not limits.FIRST_DAY - margin <= first <= limits.LAST_DAY + margin or abs(days) > 100_000:
        raise ValidationFailed(
            {"day": f"Choose a day from {limits.FIRST_DAY:%d %b %Y} to {limits.LAST_DAY:%d %b %Y}."}
        )
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(first + timedelta(days=days), time(0), zone)
    return start, end


def find_people(session: Session, studio_id: uuid.UUID, search: str, limit: int) -> tuple[Any, ...]:
    """Active people of a studio whose name or email contains `search`: who borrows or books.

    Returns rows with id, name, email and role, by name (the callers make their DTOs).
    """
    from studiosync_desktop.models import User

    name = full_name(User.first_name, User.last_name)
    query = select(User.id, name.label("name"), User.email, User.role).where(
        User.studio_id == studio_id, User.is_active
    )
    if search.strip():
        query = query.where(ilike_any(contains_pattern(search), name, User.email))
    return tuple(session.execute(query.order_by(name, User.id).limit(limit)).all())
