"""A person's page: everything the desk wants to know about one student, family, teacher or band.

Each section is one purpose-built query with a small limit (the page is a summary; the tabs
hold the full lists). Every line carries the `studiosync://` link that opens it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.common import Actor, parse_value
from studiosync_desktop.schemas.privacy import consent_name
from studiosync_desktop.schemas.roster import PageLine, PageSection, PersonPage, RosterKind
from studiosync_desktop.services.images import fit_photo
from studiosync_desktop.services.permissions import can, require
from studiosync_desktop.services.reading import studio_zone
from studiosync_desktop.services.roster import visible_email
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import words

SECTION_LIMIT = 12

LESSON_LINE = """
SELECT l.id, l.scheduled_start AS at, l.status, l.lesson_type,
       trim(tu.first_name || ' ' || tu.last_name) AS teacher,
       coalesce(trim(su.first_name || ' ' || su.last_name), b.name, '') AS who,
       coalesce(r.name, '') AS room
  FROM lessons l
  JOIN teachers t ON t.id = l.teacher_id JOIN users tu ON tu.id = t.user_id
  LEFT JOIN students s ON s.id = l.student_id LEFT JOIN users su ON su.id = s.user_id
  LEFT JOIN bands b ON b.id = l.band_id
  LEFT JOIN practice_rooms r ON r.id = l.room_id
"""

# Overdue as the Invoices tab says it: a balance due before today where the studio is.
INVOICE_LINE = """
SELECT i.id, i.invoice_number, i.status, i.issue_date, i.total, i.amount_paid,
       coalesce(i.status IN ('sent', 'partial') AND i.total > i.amount_paid
                AND i.due_date < (now() AT TIME ZONE st.timezone)::date, false) AS is_overdue
  FROM invoices i JOIN studios st ON st.id = i.studio_id
"""


class PeopleService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def page(self, actor: Actor, kind: RosterKind, row_id: uuid.UUID) -> PersonPage:
        require(actor, "roster")
        with self._db.read_session() as s:
            build = {
                "students": self._student,
                "families": self._family,
                "teachers": self._teacher,
                "bands": self._band,
            }[kind]
            page = build(s, actor, row_id)
            page = self._person_parts(s, actor, page)
            # Times as the studio reads them: in its own time zone.
            zone = studio_zone(s, actor)
            return page.model_copy(
                update={
                    "sections": tuple(
                        section.model_copy(
                            update={
                                "lines": tuple(
                                    line.model_copy(update={"when": line.when.astimezone(zone)})
                                    if isinstance(line.when, datetime)
                                    else line
                                    for line in section.lines
                                )
                            }
                        )
                        for section in page.sections
                    )
                }
            )

    # --- the four kinds ------------------------------------------------------------------

    def _student(self, s: Session, actor: Actor, sid: uuid.UUID) -> PersonPage:
        p = self._one(
            s,
            """
            SELECT st.id, st.user_id, st.family_id, st.instrument, st.date_of_birth,
                   st.enrollment_date, st.emergency_contact_name, st.emergency_contact_phone,
                   st.notes, st.is_active, u.first_name, u.last_name, u.email, u.phone_number,
                   coalesce(f.name, '') AS family,
                   coalesce(trim(tu.first_name || ' ' || tu.last_name), '') AS teacher
              FROM students st JOIN users u ON u.id = st.user_id
              LEFT JOIN families f ON f.id = st.family_id
              LEFT JOIN teachers t ON t.id = st.primary_teacher_id
              LEFT JOIN users tu ON tu.id = t.user_id
             WHERE st.id = :id AND st.studio_id = :studio
            """,
            sid,
            actor,
            "student",
        )
        where = "l.student_id = :id"
        sections = [
            self._lessons(s, "Upcoming lessons", where, sid, upcoming=True),
            self._lessons(s, "Past lessons", where, sid, upcoming=False),
            *self._goals_and_notes(s, sid),
        ]
        if can(actor, "billing"):
            payer = "i.student_id = :id OR i.family_id = :family"
            sections.append(
                self._invoices(
                    s, payer, sid, family=p.family_id, title="Invoices (student and family)"
                )
            )
        sections += self._loans_and_rooms(s, sid, p.user_id)
        sections.append(self._makeup_credits(s, sid))
        facts = (
            ("Instrument", p.instrument),
            ("Teacher", p.teacher),
            ("Family", p.family),
            ("Email", visible_email(p.email)),
            ("Phone", p.phone_number),
            ("Date of birth", p.date_of_birth.strftime("%d %b %Y") if p.date_of_birth else ""),
            ("Enrolled", p.enrollment_date.strftime("%d %b %Y")),
            (
                "Emergency contact",
                f"{p.emergency_contact_name} {p.emergency_contact_phone}".strip(),
            ),
            ("Notes", p.notes),
        )
        return _page(
            "students",
            sid,
            f"{p.first_name} {p.last_name}".strip(),
            "Student",
            p.is_active,
            facts,
            sections,
        ).model_copy(update={"person_id": p.user_id})

    def _goals_and_notes(self, s: Session, sid: uuid.UUID) -> list[PageSection]:
        """A student's goals, and the notes on their lessons."""
        return [
            self._lines(
                s,
                "Goals",
                """SELECT id, target_date AS at, title, status, progress_percentage
                     FROM student_goals WHERE student_id = :id
                    ORDER BY status = 'active' DESC, target_date NULLS LAST LIMIT :n""",
                sid,
                lambda r: PageLine(
                    when=r.at,
                    text=r.title,
                    detail=f"{words(r.status)}, {r.progress_percentage}%",
                ),
            ),
            self._lines(
                s,
                "Lesson notes",
                """SELECT n.lesson_id, l.scheduled_start AS at, n.summary, n.homework
                     FROM lesson_notes n JOIN lessons l ON l.id = n.lesson_id
                    WHERE l.student_id = :id ORDER BY l.scheduled_start DESC LIMIT :n""",
                sid,
                lambda r: PageLine(
                    when=r.at,
                    text=r.summary or "(no summary)",
                    detail=f"Homework: {r.homework}" if r.homework else "",
                    link=f"studiosync://lesson/{r.lesson_id}",
                ),
            ),
        ]

    def _loans_and_rooms(self, s: Session, sid: uuid.UUID, user_id: uuid.UUID) -> list[PageSection]:
        """What a student borrowed, and the practice rooms they booked."""
        return [
            self._lines(
                s,
                "Instrument loans",
                """SELECT c.id, c.due_date AS at, it.name, c.status, c.return_date
                     FROM checkout_logs c JOIN inventory_items it ON it.id = c.item_id
                    WHERE c.student_id = :user ORDER BY c.created_at DESC LIMIT :n""",
                sid,
                lambda r: PageLine(
                    when=r.at,
                    text=r.name,
                    detail=words(r.status) + (" (returned)" if r.return_date else ""),
                    link=f"studiosync://checkout/{r.id}",
                ),
                user=user_id,
            ),
            self._lines(
                s,
                "Practice-room reservations",
                """SELECT r.id, r.start_time AS at, pr.name, r.status
                     FROM room_reservations r JOIN practice_rooms pr ON pr.id = r.room_id
                    WHERE r.student_id = :user ORDER BY r.start_time DESC LIMIT :n""",
                sid,
                lambda r: PageLine(
                    when=r.at,
                    text=r.name,
                    detail=words(r.status),
                    link=f"studiosync://reservation/{r.id}",
                ),
                user=user_id,
            ),
        ]

    def _makeup_credits(self, s: Session, sid: uuid.UUID) -> PageSection:
        return self._lines(
            s,
            "Make-up credits",
            """SELECT source_lesson_id, expires_on AS at, used_by_lesson_id
                 FROM makeup_credits WHERE student_id = :id
                ORDER BY expires_on DESC LIMIT :n""",
            sid,
            lambda r: PageLine(
                when=r.at,
                text="Used" if r.used_by_lesson_id else "Available (expires on this day)",
                link=f"studiosync://lesson/{r.source_lesson_id}",
            ),
        )

    def _family(self, s: Session, actor: Actor, fid: uuid.UUID) -> PersonPage:
        p = self._one(
            s,
            """
            SELECT f.id, f.name, f.phone_number, f.billing_email, f.address, f.is_active,
                   coalesce(trim(u.first_name || ' ' || u.last_name), '') AS contact,
                   coalesce(u.email, '') AS contact_email, f.primary_contact_id
              FROM families f LEFT JOIN users u ON u.id = f.primary_contact_id
             WHERE f.id = :id AND f.studio_id = :studio
            """,
            fid,
            actor,
            "family",
        )
        sections = [
            self._lines(
                s,
                "Students",
                """SELECT st.id, trim(u.first_name || ' ' || u.last_name) AS name, st.instrument,
                          st.is_active
                     FROM students st JOIN users u ON u.id = st.user_id
                    WHERE st.family_id = :id ORDER BY u.first_name LIMIT :n""",
                fid,
                lambda r: PageLine(
                    text=r.name + ("" if r.is_active else " (inactive)"),
                    detail=r.instrument,
                    link=f"studiosync://student/{r.id}",
                ),
            )
        ]
        facts = [
            ("Billing contact", p.contact),
            ("Billing email", p.billing_email or p.contact_email),
            ("Phone", p.phone_number),
            ("Address", p.address),
        ]
        if can(actor, "billing"):
            statement = self._invoices(s, "i.family_id = :id", fid, title="Invoices and statement")
            sections.append(statement)
            facts.append(("Balance due", self._balance(s, "i.family_id = :id", fid)))
        page = _page("families", fid, p.name, "Family", p.is_active, facts, sections)
        return page.model_copy(update={"person_id": p.primary_contact_id})

    def _teacher(self, s: Session, actor: Actor, tid: uuid.UUID) -> PersonPage:
        p = self._one(
            s,
            """
            SELECT t.id, t.user_id, t.bio, t.specialties, t.hourly_rate, t.booking_buffer_minutes,
                   t.is_accepting_students, t.is_active, u.first_name, u.last_name, u.email,
                   u.phone_number
              FROM teachers t JOIN users u ON u.id = t.user_id
             WHERE t.id = :id AND t.studio_id = :studio
            """,
            tid,
            actor,
            "teacher",
        )
        sections = [
            self._lessons(s, "Schedule (coming lessons)", "l.teacher_id = :id", tid, upcoming=True),
            self._lines(
                s,
                "Students",
                """SELECT st.id, trim(u.first_name || ' ' || u.last_name) AS name, st.instrument
                     FROM students st JOIN users u ON u.id = st.user_id
                    WHERE st.primary_teacher_id = :id AND st.is_active
                    ORDER BY u.last_name, u.first_name LIMIT 200""",
                tid,
                lambda r: PageLine(
                    text=r.name, detail=r.instrument, link=f"studiosync://student/{r.id}"
                ),
            ),
        ]
        facts = (
            ("Specialties", ", ".join(str(x) for x in p.specialties or ())),
            ("Hourly rate", f"{round_cents(Decimal(p.hourly_rate)):,.2f}"),
            ("Buffer between lessons", f"{p.booking_buffer_minutes} min"),
            ("Accepting new students", "Yes" if p.is_accepting_students else "No"),
            ("Email", p.email),
            ("Phone", p.phone_number),
            ("Bio", p.bio),
        )
        return _page(
            "teachers",
            tid,
            f"{p.first_name} {p.last_name}".strip(),
            "Teacher",
            p.is_active,
            facts,
            sections,
        ).model_copy(update={"person_id": p.user_id})

    def _band(self, s: Session, actor: Actor, bid: uuid.UUID) -> PersonPage:
        p = self._one(
            s,
            """
            SELECT b.id, b.name, b.email, b.phone_number, b.city, b.notes, b.is_active,
                   coalesce(trim(u.first_name || ' ' || u.last_name), '') AS contact
              FROM bands b LEFT JOIN users u ON u.id = b.primary_contact_id
             WHERE b.id = :id AND b.studio_id = :studio
            """,
            bid,
            actor,
            "band",
        )
        sections = [
            self._lines(
                s,
                "Members",
                """SELECT st.id, trim(u.first_name || ' ' || u.last_name) AS name, u.role,
                          st.instrument
                     FROM band_members m JOIN users u ON u.id = m.user_id
                     LEFT JOIN students st ON st.user_id = u.id
                    WHERE m.band_id = :id ORDER BY u.last_name, u.first_name LIMIT 200""",
                bid,
                lambda r: PageLine(
                    text=r.name,
                    detail=r.instrument or r.role,
                    link=f"studiosync://student/{r.id}" if r.id else "",
                ),
            ),
            self._lessons(
                s, "Coming rehearsals and lessons", "l.band_id = :id", bid, upcoming=True
            ),
        ]
        facts = [
            ("Contact", p.contact),
            ("Email", p.email),
            ("Phone", p.phone_number),
            ("City", p.city),
            ("Notes", p.notes),
        ]
        if can(actor, "billing"):
            sections.append(self._invoices(s, "i.band_id = :id", bid, title="Invoices"))
            facts.append(("Balance due", self._balance(s, "i.band_id = :id", bid)))
        return _page("bands", bid, p.name, "Band", p.is_active, facts, sections)

    @unit_of_work
    def set_photo(self, actor: Actor, person_id: uuid.UUID, data: bytes | None) -> None:
        """A person's photo (PNG or JPEG, cropped square and made page- and list-sized), or
        none. The desk sets students' and parents' photos; an administrator anyone's."""
        require(actor, "roster")
        data = parse_value("photo", bytes | None, data)
        if data is None:
            photo = thumb = None
        else:
            photo, thumb = fit_photo(data)
        with self._db.session() as s:
            changed = s.scalar(
                text("UPDATE users SET avatar = :a, avatar_thumb = :t WHERE id = :p RETURNING id"),
                {"a": photo.data if photo else None, "t": thumb.data if thumb else None,
                 "p": person_id},
            )  # fmt: skip
            if changed is None:  # not theirs to change (row security), or gone
                exists = s.scalar(text("SELECT 1 FROM users WHERE id = :p"), {"p": person_id})
                if exists:
                    raise PermissionDenied("Only an administrator changes a staff member's photo.")
                raise NotFound("This person no longer exists.")

    @staticmethod
    def _person_parts(s: Session, actor: Actor, page: PersonPage) -> PersonPage:
        """The person's photo, and (for the desk) where their consents stand."""
        if page.person_id is None:
            return page
        photo = s.scalar(text("SELECT avatar FROM users WHERE id = :p"), {"p": page.person_id})
        sections = page.sections
        if actor.is_staff_desk:
            rows = s.execute(
                text(
                    "SELECT DISTINCT ON (kind) kind, granted, recorded_at AS at, source"
                    " FROM consents WHERE user_id = :id ORDER BY kind, recorded_at DESC"
                ),
                {"id": page.person_id},
            ).all()
            consents = PageSection(
                title="Consents",
                lines=tuple(
                    PageLine(
                        when=r.at,
                        text=consent_name(r.kind),
                        detail=("Given" if r.granted else "Withdrawn")
                        + (f" ({r.source})" if r.source else ""),
                    )
                    for r in rows
                ),
                empty_text="No consent recorded yet (Consents… records one).",
            )
            sections = (*sections, consents)
        return page.model_copy(update={"photo": photo, "sections": sections})

    # --- sections ------------------------------------------------------------------------

    @staticmethod
    def _one(s: Session, sql: str, row_id: uuid.UUID, actor: Actor, what: str) -> Any:
        row = s.execute(text(sql), {"id": row_id, "studio": actor.studio_id}).first()
        if row is None:
            raise NotFound(f"This {what} is no longer on the roster.")
        return row

    @staticmethod
    def _lines(
        s: Session,
        title: str,
        sql: str,
        row_id: uuid.UUID,
        to_line: Any,
        **params: Any,
    ) -> PageSection:
        rows = s.execute(text(sql), {"id": row_id, "n": SECTION_LIMIT, **params}).all()
        return PageSection(title=title, lines=tuple(to_line(r) for r in rows))

    def _lessons(
        self, s: Session, title: str, where: str, row_id: uuid.UUID, *, upcoming: bool
    ) -> PageSection:
        when = "l.scheduled_end >= now()" if upcoming else "l.scheduled_end < now()"
        order = "l.scheduled_start" if upcoming else "l.scheduled_start DESC"
        sql = f"{LESSON_LINE} WHERE ({where}) AND {when} ORDER BY {order} LIMIT :n"
        return self._lines(
            s,
            title,
            sql,
            row_id,
            lambda r: PageLine(
                when=r.at,
                text=f"{r.who} with {r.teacher}" if r.who else f"With {r.teacher}",
                detail=", ".join(x for x in (words(r.status), words(r.lesson_type), r.room) if x),
                link=f"studiosync://lesson/{r.id}",
            ),
        )

    def _invoices(
        self,
        s: Session,
        payer: str,
        row_id: uuid.UUID,
        *,
        title: str,
        family: uuid.UUID | None = None,
    ) -> PageSection:
        sql = f"{INVOICE_LINE} WHERE ({payer}) ORDER BY i.issue_date DESC NULLS FIRST LIMIT :n"

        def line(r: Any) -> PageLine:
            balance = round_cents(Decimal(r.total) - Decimal(r.amount_paid))
            status = "Overdue" if r.is_overdue else words(r.status)
            return PageLine(
                when=r.issue_date,
                text=r.invoice_number or "Draft",
                detail=f"{status}, balance {balance:,.2f}",
                amount=round_cents(Decimal(r.total)),
                link=f"studiosync://invoice/{r.id}",
            )

        return self._lines(s, title, sql, row_id, line, family=family)

    @staticmethod
    def _balance(s: Session, payer: str, row_id: uuid.UUID) -> str:
        value = s.scalar(
            text(
                "SELECT coalesce(sum(i.total - i.amount_paid), 0) FROM invoices i "
                f"WHERE ({payer}) AND i.status IN ('sent', 'partial')"
            ),
            {"id": row_id},
        )
        return f"{round_cents(Decimal(value or 0)):,.2f}"


def _page(
    kind: str,
    page_id: uuid.UUID,
    title: str,
    what: str,
    is_active: bool,
    facts: Sequence[tuple[str, str]],
    sections: Sequence[PageSection],
) -> PersonPage:
    """A person page: its facts without the empty ones, "(inactive)" when it is."""
    return PersonPage(
        kind=kind,
        id=page_id,
        title=title,
        subtitle=what + ("" if is_active else " (inactive)"),
        facts=tuple((k, v) for k, v in facts if v),
        sections=tuple(sections),
        is_active=is_active,
    )
