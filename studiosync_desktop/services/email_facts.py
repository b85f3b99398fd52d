"""What each kind of email says and to whom: the recipient (a real address, never a roster
placeholder), the person whose preferences apply, the template's values formatted in the
studio's language and currency, and the PDF to attach. Read in bulk, one query per kind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.reports.invoice_pdf import render_invoice
from studiosync_desktop.reports.receipt_pdf import render_receipt
from studiosync_desktop.reports.style import money
from studiosync_desktop.schemas.billing import StudioLetterhead
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import OutgoingAttachment
from studiosync_desktop.services.invoice_details import load_details
from studiosync_desktop.services.student_search import NO_EMAIL_DOMAIN


@dataclass
class Facts:
    """One email's recipient and values; `missing` says why there is nobody to send it to."""

    recipient: str
    recipient_name: str
    person_id: uuid.UUID | None
    values: dict[str, Any]
    attachments: list[OutgoingAttachment] = field(default_factory=list)
    # A time the email is pointless after (a lesson's start): quiet hours never delay past it.
    useful_until: datetime | None = None


@dataclass(frozen=True)
class Studio:
    """The studio as the facts need it: where it is and how it writes money and dates."""

    id: uuid.UUID
    zone: ZoneInfo
    locale: str
    currency: str
    letterhead: StudioLetterhead

    def money(self, amount: Decimal) -> str:
        return money(amount, self.currency, self.locale)

    def day(self, value: date | None) -> str:
        return format_date(value, format="long", locale=self.locale) if value else ""

    def when(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        day = format_date(local.date(), format="full", locale=self.locale)
        return f"{day}, {format_time(local.time(), format='short', locale=self.locale)}"


def real_address(email: str | None) -> str:
    """'' for no address or the roster's placeholder for students without one."""
    email = (email or "").strip()
    return "" if not email or email.lower().endswith("@" + NO_EMAIL_DOMAIN) else email


def name_of(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


# --- money: invoices, credit notes, overdue notices, receipts ------------------------------

PAYER_PERSON = """
SELECT i.id, coalesce(f.primary_contact_id, b.primary_contact_id, st.user_id) AS person_id,
       coalesce(nullif(trim(cu.first_name || ' ' || cu.last_name), ''), f.name, b.name,
                trim(su.first_name || ' ' || su.last_name)) AS person_name
  FROM invoices i
  LEFT JOIN families f ON f.id = i.family_id
  LEFT JOIN bands b ON b.id = i.band_id
  LEFT JOIN students st ON st.id = i.student_id
  LEFT JOIN users su ON su.id = st.user_id
  LEFT JOIN users cu ON cu.id = coalesce(f.primary_contact_id, b.primary_contact_id)
 WHERE i.id = ANY(:ids)
"""


def invoice_facts(
    s: Session, actor: Actor, studio: Studio, invoice_ids: Sequence[uuid.UUID], attach: bool
) -> dict[uuid.UUID, Facts]:
    people = {r.id: r for r in s.execute(text(PAYER_PERSON), {"ids": list(invoice_ids)})}
    details = load_details(s, actor, invoice_ids, history=False)
    out: dict[uuid.UUID, Facts] = {}
    for iid, inv in details.items():
        person = people[iid]
        facts = Facts(
            recipient=real_address(inv.billing_email),
            recipient_name=person.person_name or inv.payer.name,
            person_id=person.person_id,
            values={
                "invoice_number": inv.number or "",
                "total": studio.money(abs(inv.total)),
                "balance": studio.money(inv.balance),
                "due_date": studio.day(inv.due_date),
                "pay_link": inv.pay_link_url,
                "_detail": inv,
            },
        )
        if attach:
            facts.attachments.append(
                OutgoingAttachment(
                    filename=f"{inv.number}.pdf", content=render_invoice(studio.letterhead, inv)
                )
            )
        out[iid] = facts
    return out


def receipt_facts(
    s: Session, actor: Actor, studio: Studio, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Facts]:
    rows = s.execute(
        text("SELECT id, invoice_id, amount, processed_at FROM payments WHERE id = ANY(:ids)"),
        {"ids": list(payment_ids)},
    ).all()
    invoices = invoice_facts(s, actor, studio, list({r.invoice_id for r in rows}), attach=False)
    out: dict[uuid.UUID, Facts] = {}
    for r in rows:
        base = invoices.get(r.invoice_id)
        if base is None:
            continue
        inv = base.values["_detail"]
        out[r.id] = Facts(
            recipient=base.recipient,
            recipient_name=base.recipient_name,
            person_id=base.person_id,
            values={
                **base.values,
                "payment_amount": studio.money(r.amount),
                "payment_date": studio.day(
                    (r.processed_at or datetime.now(studio.zone)).astimezone(studio.zone).date()
                ),
            },
            attachments=[
                OutgoingAttachment(
                    filename=f"Receipt {inv.number}.pdf",
                    content=render_receipt(studio.letterhead, inv, r.id),
                )
            ],
        )
    return out


# --- people of lessons and credits --------------------------------------------------------

# Who hears about a student's lessons: the student at their own address, else their family
# (its billing address, else its contact person); a band: its address, else its contact.
STUDENT_CONTACT = """
  LEFT JOIN students st ON st.id = {student}
  LEFT JOIN users su ON su.id = st.user_id
  LEFT JOIN families f ON f.id = st.family_id
  LEFT JOIN users fc ON fc.id = f.primary_contact_id
"""
CONTACT_COLUMNS = """
       su.email AS student_email, st.user_id AS student_user,
       trim(su.first_name || ' ' || su.last_name) AS student_name,
       f.billing_email AS family_email, fc.email AS family_contact_email, fc.id AS family_contact,
       trim(fc.first_name || ' ' || fc.last_name) AS family_contact_name, f.name AS family_name
"""


def contact_of(r: Any) -> tuple[str, str, uuid.UUID | None]:
    """(address, name, person) of a row with CONTACT_COLUMNS (and band_* for band lessons)."""
    band_name = getattr(r, "band_name", None)
    if band_name:
        address = real_address(r.band_email) or real_address(r.band_contact_email)
        return address, r.band_contact_name or band_name, r.band_contact
    own = real_address(r.student_email)
    if own:
        return own, r.student_name, r.student_user
    address = real_address(r.family_email) or real_address(r.family_contact_email)
    return (
        address,
        r.family_contact_name or r.family_name or r.student_name,
        (r.family_contact or r.student_user),
    )


LESSONS = f"""
SELECT l.id, l.scheduled_start, l.lesson_type, l.band_id, r.name AS room_name,
       trim(tu.first_name || ' ' || tu.last_name) AS teacher_name,
       b.name AS band_name, b.email AS band_email, bc.email AS band_contact_email,
       bc.id AS band_contact, trim(bc.first_name || ' ' || bc.last_name) AS band_contact_name,
       l.instrument_label, {CONTACT_COLUMNS}
  FROM (SELECT l.*, coalesce(nullif(st0.instrument, ''), 'Music') AS instrument_label
          FROM lessons l LEFT JOIN students st0 ON st0.id = l.student_id
         WHERE l.id = ANY(:ids)) l
  JOIN teachers t ON t.id = l.teacher_id
  JOIN users tu ON tu.id = t.user_id
  LEFT JOIN practice_rooms r ON r.id = l.room_id
  LEFT JOIN bands b ON b.id = l.band_id
  LEFT JOIN users bc ON bc.id = b.primary_contact_id
  {STUDENT_CONTACT.format(student="l.student_id")}
"""


def lesson_facts(
    s: Session, studio: Studio, about: dict[uuid.UUID, list[uuid.UUID]]
) -> dict[uuid.UUID, Facts]:
    """`about`: the email's first lesson -> every lesson it is about (a series at once)."""
    every = list({lid for ids in about.values() for lid in ids} | set(about))
    lessons = {r.id: r for r in s.execute(text(LESSONS), {"ids": every})}
    out: dict[uuid.UUID, Facts] = {}
    for first, ids in about.items():
        r = lessons.get(first)
        if r is None:
            continue
        address, name, person = contact_of(r)
        who = r.band_name or r.student_name
        listed = sorted((lessons[i] for i in ids if i in lessons), key=lambda x: x.scheduled_start)
        out[first] = Facts(
            recipient=address,
            recipient_name=name,
            person_id=person,
            values={
                "lesson_title": f"{r.instrument_label} lesson for {who}",
                "lesson_when": studio.when(r.scheduled_start),
                "teacher_name": r.teacher_name,
                "room_name": r.room_name or "",
                "lesson_count": max(len(listed), 1),
                "lesson_list": "\n".join(
                    f"- {studio.when(x.scheduled_start)} with {x.teacher_name}" for x in listed
                ),
            },
            useful_until=r.scheduled_start,
        )
    return out


MAKEUP = f"""
SELECT m.id, m.expires_on, {CONTACT_COLUMNS}
  FROM makeup_credits m
  {STUDENT_CONTACT.format(student="m.student_id")}
 WHERE m.id = ANY(:ids)
"""


def makeup_facts(s: Session, studio: Studio, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    out: dict[uuid.UUID, Facts] = {}
    for r in s.execute(text(MAKEUP), {"ids": list(ids)}):
        address, name, person = contact_of(r)
        out[r.id] = Facts(
            address,
            name,
            person,
            {"student_name": r.student_name, "expires_on": studio.day(r.expires_on)},
        )
    return out


CHECKOUTS = """
SELECT c.id, c.due_date, i.name AS item_name, i.serial_number, u.email, u.id AS person,
       trim(u.first_name || ' ' || u.last_name) AS person_name
  FROM checkout_logs c JOIN inventory_items i ON i.id = c.item_id
  JOIN users u ON u.id = c.student_id
 WHERE c.id = ANY(:ids)
"""


def checkout_facts(s: Session, studio: Studio, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    out: dict[uuid.UUID, Facts] = {}
    for r in s.execute(text(CHECKOUTS), {"ids": list(ids)}):
        item = f"{r.item_name} ({r.serial_number})" if r.serial_number else r.item_name
        out[r.id] = Facts(
            real_address(r.email),
            r.person_name,
            r.person,
            {"item_name": item, "due_date": studio.day(r.due_date)},
        )
    return out


RESERVATIONS = """
SELECT c.id, c.start_time, c.end_time, c.total_cost, p.name AS room_name, u.email,
       u.id AS person, trim(u.first_name || ' ' || u.last_name) AS person_name
  FROM room_reservations c JOIN practice_rooms p ON p.id = c.room_id
  JOIN users u ON u.id = c.student_id
 WHERE c.id = ANY(:ids)
"""


def reservation_facts(
    s: Session, studio: Studio, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Facts]:
    out: dict[uuid.UUID, Facts] = {}
    for r in s.execute(text(RESERVATIONS), {"ids": list(ids)}):
        end = format_time(r.end_time.astimezone(studio.zone).time(), "short", locale=studio.locale)
        out[r.id] = Facts(
            real_address(r.email),
            r.person_name,
            r.person,
            {
                "room_name": r.room_name,
                "booking_when": f"{studio.when(r.start_time)} - {end}",
                "total": studio.money(r.total_cost) if r.total_cost else "",
            },
        )
    return out
