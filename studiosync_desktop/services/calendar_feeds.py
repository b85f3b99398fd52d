"""Outside calendars: feeds of teachers, rooms and the studio, synced into busy times."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, literal, or_, select, text, update
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import (
    CalendarFeed,
    CalendarFeedEvent,
    PracticeRoom,
    Teacher,
    User,
)
from studiosync_desktop.schemas.availability import BusyBlock, FeedInput, FeedRow, SyncResult
from studiosync_desktop.schemas.common import Actor, parse_input, parse_value
from studiosync_desktop.services.feed_fetch import FetchFailed, FetchPolicy, fetch, normalise_url
from studiosync_desktop.services.ical_busy import BusyEvent, FeedUnreadable, read_busy
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name, local_day_bounds, studio_zone
from studiosync_desktop.services.unit_of_work import unit_of_work

# Busy times are kept from two weeks back to half a year ahead, refreshed at every sync.
KEEP_BEHIND = timedelta(days=14)
KEEP_AHEAD = timedelta(days=183)
# A desk's round syncs a feed again once this long has passed since its last try.
SYNC_EVERY = timedelta(minutes=30)
# pg_try_advisory_lock key of the sync round: one desk at a time does it.
ROUND_LOCK = 0x5353_4346  # "SSCF"
PARALLEL_FETCHES = 4
HIDDEN_ADDRESS = (
    "A teacher's calendar address is theirs alone: it syncs on an administrator's or the"
    " teacher's own desk (or by `studiosync calendars sync` on the server)."
)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class _Due:
    id: uuid.UUID
    name: str
    url: str
    teacher_id: uuid.UUID | None
    zone: str | None = None  # the teacher's own (floating times), None: the studio's


class CalendarFeedService:
    def __init__(self, db: Database, policy: FetchPolicy | None = None) -> None:
        self._db = db
        self.policy = policy or FetchPolicy()

    # --- the list ------------------------------------------------------------------------

    def feeds(self, actor: Actor) -> tuple[FeedRow, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            owner = func.coalesce(
                full_name(User.first_name, User.last_name), PracticeRoom.name, "Whole studio"
            )
            rows = s.execute(
                select(*FEED_COLUMNS, owner.label("owner"))
                .outerjoin(Teacher, Teacher.id == CalendarFeed.teacher_id)
                .outerjoin(User, User.id == Teacher.user_id)
                .outerjoin(PracticeRoom, PracticeRoom.id == CalendarFeed.room_id)
                .where(CalendarFeed.studio_id == actor.studio_id)
                .order_by(owner, CalendarFeed.name)
            ).all()
            urls = feed_urls(s, [r.id for r in rows if r.has_address])
            return tuple(_feed_row(r, urls.get(r.id, "")) for r in rows)

    @unit_of_work
    def add_feed(self, actor: Actor, data: FeedInput | Mapping[str, Any]) -> FeedRow:
        """A feed by its address (webcal:// becomes https://); fetched by the next sync."""
        require(actor, "schedule")
        given = parse_input(FeedInput, data)
        try:
            url = normalise_url(given.url, self.policy)
        except ValueError as exc:
            raise ValidationFailed({"url": str(exc)}) from exc
        with self._db.session() as s:
            feed_id = _insert(s, actor, given, url)
        return self._one(actor, feed_id)

    @unit_of_work
    def import_file(
        self, actor: Actor, data: FeedInput | Mapping[str, Any], content: bytes
    ) -> FeedRow:
        """A feed read once from an .ics file (it has no address to fetch again)."""
        require(actor, "schedule")
        given = parse_input(FeedInput, data)
        content = parse_value("file", bytes, content)
        if len(content) > self.policy.max_bytes:
            raise ValidationFailed({"file": "The file is larger than the 5 MB a calendar may be."})
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            own = s.scalar(select(Teacher.timezone).where(Teacher.id == given.teacher_id))
        try:
            events = _read(content, zone, own_zone(own, zone))
        except FeedUnreadable as exc:
            raise ValidationFailed({"file": str(exc)}) from exc
        with self._db.session() as s:
            feed_id = _insert(s, actor, given, "")
            _store(s, actor.studio_id, feed_id, given.teacher_id, events)
        return self._one(actor, feed_id)

    @unit_of_work
    def set_enabled(self, actor: Actor, feed_id: uuid.UUID, enabled: bool) -> FeedRow:
        """Off: its busy times are no longer shown or counted (kept for when it is on again)."""
        require(actor, "schedule")
        with self._db.session() as s:
            self._may_change(s, actor, feed_id)
            s.execute(
                update(CalendarFeed).where(CalendarFeed.id == feed_id).values(enabled=enabled)
            )
        return self._one(actor, feed_id)

    @unit_of_work
    def remove_feed(self, actor: Actor, feed_id: uuid.UUID) -> None:
        require(actor, "schedule")
        with self._db.session() as s:
            self._may_change(s, actor, feed_id)
            s.execute(delete(CalendarFeed).where(CalendarFeed.id == feed_id))

    def teacher_by_email(self, actor: Actor, email: str) -> uuid.UUID:
        require(actor, "schedule")
        with self._db.read_session() as s:
            found = s.scalar(
                select(Teacher.id)
                .join(User, User.id == Teacher.user_id)
                .where(
                    Teacher.studio_id == actor.studio_id,
                    func.lower(User.email) == email.strip().lower(),
                )
            )
        if found is None:
            raise NotFound(f"No teacher of the studio has the email {email}.")
        return found

    # --- syncing -------------------------------------------------------------------------

    def sync(
        self, actor: Actor, feed_ids: Sequence[uuid.UUID] | None = None, only_due: bool = False
    ) -> tuple[SyncResult, ...]:
        """Fetches the feeds (all this login may sync, or those given) in parallel, each with
        its time limit and size cap, and replaces each one's busy times; one that fails keeps
        its last busy times and records its error."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            due, hidden = self._due(s, actor, feed_ids, only_due)
            zone = studio_zone(s, actor)
        # Asked for by name, a teacher's feed the desk may not read says who syncs it.
        refused = tuple(
            SyncResult(feed_id=i, name=name, error=HIDDEN_ADDRESS)
            for i, name in hidden
            if feed_ids is not None
        )
        if not due:
            return refused
        workers = min(PARALLEL_FETCHES, len(due))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feed") as pool:
            got = list(pool.map(lambda d: self._fetch_and_read(d, zone), due))
        return refused + tuple(
            self._record(actor, d, events, error)
            for d, (events, error) in zip(due, got, strict=True)
        )

    def sync_round(self, actor: Actor) -> tuple[SyncResult, ...] | None:
        """The background round (at start and every 30 minutes): the feeds due, by one desk at
        a time; None when another desk is doing it now."""
        require(actor, "schedule")
        with self._db.engine.connect() as conn:
            if not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ROUND_LOCK}):
                return None
            try:
                conn.commit()
                return self.sync(actor, only_due=True)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ROUND_LOCK})
                conn.commit()

    # --- busy times ----------------------------------------------------------------------

    def busy(
        self,
        actor: Actor,
        first: date,
        days: int = 7,
        teacher_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
    ) -> tuple[BusyBlock, ...]:
        """Outside busy times over the days: a teacher's, a room's, or all, with the studio's.
        The desk sees "Busy" and the calendar's name; admins and the teacher the title."""
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            begin, until = local_day_bounds(studio_zone(s, actor), first, days)
            query = shown_busy_query(actor, begin, until)
            shared = (CalendarFeed.teacher_id.is_(None)) & (CalendarFeed.room_id.is_(None))
            if teacher_id is not None:
                query = query.where(or_(CalendarFeed.teacher_id == teacher_id, shared))
            if room_id is not None:
                query = query.where(or_(CalendarFeed.room_id == room_id, shared))
            return busy_blocks_from(s.execute(query))

    # --- internals -----------------------------------------------------------------------

    def _one(self, actor: Actor, feed_id: uuid.UUID) -> FeedRow:
        for row in self.feeds(actor):
            if row.id == feed_id:
                return row
        raise NotFound("This calendar was removed.")

    def _may_change(self, s: Session, actor: Actor, feed_id: uuid.UUID) -> None:
        row = s.execute(
            select(CalendarFeed.teacher_id).where(
                CalendarFeed.id == feed_id, CalendarFeed.studio_id == actor.studio_id
            )
        ).first()
        if row is None:
            raise NotFound("This calendar was removed.")
        if actor.role == "teacher":
            own = s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))
            if row.teacher_id is None or row.teacher_id != own:
                raise PermissionDenied("A teacher changes their own calendars only.")

    def _due(
        self, s: Session, actor: Actor, feed_ids: Sequence[uuid.UUID] | None, only_due: bool
    ) -> tuple[list[_Due], list[tuple[uuid.UUID, str]]]:
        """The feeds to fetch, and those whose address this login may not read."""
        query = (
            select(CalendarFeed.id, CalendarFeed.name, CalendarFeed.teacher_id, Teacher.timezone)
            .outerjoin(Teacher, Teacher.id == CalendarFeed.teacher_id)
            .where(CalendarFeed.studio_id == actor.studio_id, CalendarFeed.has_address)
        )
        if feed_ids is not None:
            query = query.where(CalendarFeed.id.in_(list(feed_ids)))
        else:
            query = query.where(CalendarFeed.enabled)
        if only_due:
            query = query.where(
                or_(
                    CalendarFeed.last_attempt_at.is_(None),
                    CalendarFeed.last_attempt_at < func.now() - SYNC_EVERY + timedelta(minutes=2),
                )
            )
        if actor.role == "teacher":
            own = s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))
            query = query.where(CalendarFeed.teacher_id == own)
        rows = s.execute(query.order_by("name")).all()
        # Only the addresses this login may read (the desk: rooms' and the studio's).
        urls = feed_urls(s, [r.id for r in rows])
        due = [
            _Due(r.id, r.name, urls[r.id], r.teacher_id, r.timezone) for r in rows if r.id in urls
        ]
        return due, [(r.id, r.name) for r in rows if r.id not in urls]

    def _fetch_and_read(self, due: _Due, zone: ZoneInfo) -> tuple[list[BusyEvent], str]:
        try:
            floating = own_zone(due.zone, zone)
            return _read(fetch(due.url, self.policy), zone, floating), ""
        except (FetchFailed, FeedUnreadable) as exc:
            return [], str(exc)

    @unit_of_work
    def _record(self, actor: Actor, due: _Due, events: list[BusyEvent], error: str) -> SyncResult:
        with self._db.session() as s:
            if error:
                s.execute(
                    update(CalendarFeed)
                    .where(CalendarFeed.id == due.id)
                    .values(last_attempt_at=func.now(), last_error=error)
                )
                return SyncResult(feed_id=due.id, name=due.name, error=error)
            _store(s, actor.studio_id, due.id, due.teacher_id, events)
        return SyncResult(feed_id=due.id, name=due.name, events=len(events))


def _insert(s: Session, actor: Actor, given: FeedInput, url: str) -> uuid.UUID:
    if actor.role == "teacher":
        own = s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))
        if given.teacher_id != own or own is None:
            raise PermissionDenied("A teacher adds calendars of their own only.")
    feed_id = uuid.uuid4()  # no RETURNING: the desk may write an address, not read one back
    s.execute(
        insert(CalendarFeed).values(
            id=feed_id,
            studio_id=actor.studio_id,
            teacher_id=given.teacher_id,
            room_id=given.room_id,
            name=given.name,
            colour=given.colour,
            url=url,
        )
    )
    return feed_id


def feed_urls(s: Session, feed_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The addresses of these feeds that this login may read (studiosync_feed_urls, 0037)."""
    if not feed_ids:
        return {}
    rows = s.execute(
        text("SELECT feed_id, url FROM studiosync_feed_urls(CAST(:ids AS uuid[]))"),
        {"ids": list(feed_ids)},
    )
    return {r.feed_id: r.url for r in rows}


def own_zone(name: str | None, studio: ZoneInfo) -> ZoneInfo:
    """A teacher's own zone for floating times; the studio's when unset (or unknown here)."""
    if not name:
        return studio
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return studio


def _read(content: bytes, zone: ZoneInfo, floating: ZoneInfo | None = None) -> list[BusyEvent]:
    now = datetime.now(zone)
    # Floating times are the teacher's own zone (theirs if set, else the studio's).
    return read_busy(content, now - KEEP_BEHIND, now + KEEP_AHEAD, floating or zone, zone)


def _store(
    s: Session,
    studio_id: uuid.UUID,
    feed_id: uuid.UUID,
    teacher_id: uuid.UUID | None,
    events: list[BusyEvent],
) -> None:
    """The feed's busy times replaced by `events`: what was deleted at the source goes."""
    s.execute(delete(CalendarFeedEvent).where(CalendarFeedEvent.feed_id == feed_id))
    if events:
        s.execute(
            insert(CalendarFeedEvent),
            [
                dict(
                    studio_id=studio_id,
                    feed_id=feed_id,
                    teacher_id=teacher_id,
                    starts=e.start,
                    ends=e.end,
                    all_day=e.all_day,
                    title=e.title,
                )
                for e in events
            ],
        )
    s.execute(
        update(CalendarFeed)
        .where(CalendarFeed.id == feed_id)
        .values(
            last_attempt_at=func.now(),
            last_synced_at=func.now(),
            last_error="",
            event_count=len(events),
        )
    )


def shown_busy_query(actor: Actor, begin: datetime, until: datetime) -> Any:
    """Enabled feeds' events over [begin, until) as `actor` may see them (`busy_blocks_from`):
    the desk reads "Busy" in place of an event's title."""
    title = literal("Busy") if actor.role == "desk" else CalendarFeedEvent.title
    return (
        select(
            CalendarFeedEvent.starts,
            CalendarFeedEvent.ends,
            CalendarFeedEvent.all_day,
            title.label("title"),
            CalendarFeed.name,
            CalendarFeed.colour,
            CalendarFeed.teacher_id,
            CalendarFeed.room_id,
        )
        .join(CalendarFeed, CalendarFeed.id == CalendarFeedEvent.feed_id)
        .where(
            CalendarFeed.studio_id == actor.studio_id,
            CalendarFeed.enabled,
            CalendarFeedEvent.ends > begin,
            CalendarFeedEvent.starts < until,
        )
        .order_by(CalendarFeedEvent.starts, CalendarFeed.name)
    )


def studio_busy_query(actor: Actor, begin: datetime, until: datetime) -> Any:
    """The whole studio's outside calendars only (neither a teacher's nor a room's)."""
    return shown_busy_query(actor, begin, until).where(
        CalendarFeed.teacher_id.is_(None), CalendarFeed.room_id.is_(None)
    )


def busy_blocks_from(rows: Iterable[Any]) -> tuple[BusyBlock, ...]:
    """`BusyBlock`s from the rows of `shown_busy_query`."""
    return tuple(
        BusyBlock(
            start=r.starts,
            end=r.ends,
            title=r.title or "Busy",
            feed_name=r.name,
            colour=r.colour,
            all_day=r.all_day,
            teacher_id=r.teacher_id,
            room_id=r.room_id,
        )
        for r in rows
    )


def busy_query(studio_id: uuid.UUID, begin: datetime, until: datetime, owner: Any) -> Any:
    """Enabled feeds' events over [begin, until) of the feeds `owner` chooses (`busy_from`)."""
    return (
        select(
            CalendarFeedEvent.starts,
            CalendarFeedEvent.ends,
            CalendarFeed.teacher_id,
            CalendarFeed.room_id,
            CalendarFeed.name,
        )
        .join(CalendarFeed, CalendarFeed.id == CalendarFeedEvent.feed_id)
        .where(
            CalendarFeed.studio_id == studio_id,
            CalendarFeed.enabled,
            owner,
            CalendarFeedEvent.ends > begin,
            CalendarFeedEvent.starts < until,
        )
    )


def busy_from(
    rows: Iterable[Any],
) -> tuple[dict[uuid.UUID | None, list[tuple[Span, str]]], dict[uuid.UUID, list[Span]]]:
    """Per teacher (None: the studio's, with the feed's name) and per room."""
    teachers: dict[uuid.UUID | None, list[tuple[Span, str]]] = {}
    rooms: dict[uuid.UUID, list[Span]] = {}
    for r in rows:
        if r.room_id is not None:
            rooms.setdefault(r.room_id, []).append((r.starts, r.ends))
        else:
            teachers.setdefault(r.teacher_id, []).append(((r.starts, r.ends), r.name))
    return teachers, rooms


FEED_COLUMNS = (
    CalendarFeed.id,
    CalendarFeed.name,
    CalendarFeed.colour,
    CalendarFeed.enabled,
    CalendarFeed.teacher_id,
    CalendarFeed.room_id,
    CalendarFeed.last_synced_at,
    CalendarFeed.last_attempt_at,
    CalendarFeed.last_error,
    CalendarFeed.event_count,
    CalendarFeed.has_address,
)


def _feed_row(r: Any, url: str) -> FeedRow:
    return FeedRow(
        id=r.id,
        name=r.name,
        colour=r.colour,
        url=url,
        has_address=r.has_address,
        enabled=r.enabled,
        teacher_id=r.teacher_id,
        room_id=r.room_id,
        owner=r.owner,
        last_synced_at=r.last_synced_at,
        last_attempt_at=r.last_attempt_at,
        last_error=r.last_error,
        event_count=r.event_count,
    )
