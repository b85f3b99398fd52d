"""A person's data export: every row about them (services/privacy_scope.py) as one ZIP with a
readable PDF summary, the JSON of every table, their photo and the files emailed to them.
Each export is recorded (a privacy request marked done), so the audit trail shows it."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied
from studiosync_desktop.models import PrivacyRequest
from studiosync_desktop.reports.privacy_pdf import render_export_summary
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.privacy import ExportSection, ExportSummary, PersonExport
from studiosync_desktop.services.invoicing import load_letterhead
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.privacy_scope import LEFT_OUT_COLUMNS, SCOPES
from studiosync_desktop.services.roster import visible_email
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import STAFF_ROLES, words

ROLE_WORDS = {
    "student": "Student",
    "parent": "Family contact",
    "teacher": "Teacher",
    "desk": "Front desk",
    "admin": "Administrator",
}
# Columns the PDF leaves out of its tables (keys, bookkeeping); the JSON has them.
QUIET = {"id", "studio_id", "created_at", "updated_at", "search_text", "reference"}
# A moment as the JSON holds it (2026-09-24T19:45:00+00:00): printed as a date and time.
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
README = """What {studio} keeps about {name}

summary.pdf   a readable summary, section by section
data.json     every record about you, table by table, as the studio's database holds it
photo.jpg     your photo, if the studio has one
emails/       the files the studio emailed to you (invoices, receipts)

Exported on {at} by {by}. Questions: {contact}
"""


class Person:
    """Who an export or erasure is about, and the ids their rows are found by."""

    def __init__(
        self,
        row: Any,
        students: list[uuid.UUID],
        teachers: list[uuid.UUID],
        families: list[uuid.UUID],
    ) -> None:
        self.id: uuid.UUID = row.id
        self.name = f"{row.first_name} {row.last_name}".strip()
        self.email: str = row.email
        self.phone: str = row.phone_number
        self.role: str = row.role
        self.avatar: bytes | None = row.avatar
        self.students, self.teachers, self.families = students, teachers, families

    def params(self) -> dict[str, Any]:
        return {
            "user": self.id,
            "students": self.students,
            "teachers": self.teachers,
            "families": self.families,
            "email": self.email,
        }


def load_person(s: Session, actor: Actor, person_id: uuid.UUID) -> Person:
    row = s.execute(
        text(
            "SELECT id, first_name, last_name, email, phone_number, role, avatar FROM users"
            " WHERE id = :id AND studio_id = :studio"
        ),
        {"id": person_id, "studio": actor.studio_id},
    ).first()
    if row is None:
        raise NotFound("This person is not on the roster.")

    def ids(sql: str) -> list[uuid.UUID]:
        return list(s.scalars(text(sql), {"user": person_id}))

    return Person(
        row,
        ids("SELECT id FROM students WHERE user_id = :user"),
        ids("SELECT id FROM teachers WHERE user_id = :user"),
        ids("SELECT id FROM families WHERE primary_contact_id = :user"),
    )


def person_rows(s: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows about the person, as JSON objects (files left out)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table, scope in SCOPES.items():
        if scope.where is None:
            continue
        if table == "audit_log":  # the desk may not read the trail; this function may
            sql = "SELECT to_jsonb(a) FROM studiosync_person_audit(:user) a"
        else:
            sql = f"SELECT to_jsonb(t) FROM {table} t WHERE {scope.where}"
        rows = s.scalars(text(sql), person.params()).all()
        out[table] = sorted(
            ({k: v for k, v in r.items() if k not in LEFT_OUT_COLUMNS} for r in rows),
            key=lambda r: str(r.get("created_at") or r.get("at") or r.get("id") or ""),
        )
    return out


class PrivacyExportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def person_by_email(self, actor: Actor, email: str) -> uuid.UUID:
        require(actor, "roster")
        with self._db.read_session() as s:
            found = s.scalar(
                text("SELECT id FROM users WHERE lower(email) = lower(:e) AND studio_id = :s"),
                {"e": email.strip(), "s": actor.studio_id},
            )
        if found is None:
            raise NotFound(f"Nobody with the email {email} is on the roster.")
        return uuid.UUID(str(found))

    @unit_of_work
    def export(self, actor: Actor, person_id: uuid.UUID) -> PersonExport:
        """The ZIP of everything kept about the person; recorded as a done request."""
        if not actor.is_staff_desk:
            raise PermissionDenied(
                "Only the front desk or an administrator exports a person's data."
            )
        require(actor, "roster")
        with self._db.session() as s:
            person = load_person(s, actor, person_id)
            if person.role in STAFF_ROLES and not actor.is_admin:
                raise PermissionDenied("A member of staff's data is exported by an administrator.")
            rows = person_rows(s, person)
            attachments = s.execute(
                text(
                    "SELECT a.filename, a.content FROM email_attachments a"
                    f" WHERE {SCOPES['email_attachments'].where.replace('t.', 'a.')}"  # type: ignore[union-attr]
                    " AND a.content_id = '' ORDER BY a.filename"
                ),
                person.params(),
            ).all()
            letterhead = load_letterhead(s, actor.studio_id)
            s.add(
                PrivacyRequest(
                    studio_id=actor.studio_id,
                    kind="export",
                    person_id=person.id,
                    asked_by="",
                    recorded_by_id=actor.user_id,
                    status="done",
                    done_at=datetime.now(UTC),
                    done_by_id=actor.user_id,
                    outcome="Exported: " + ", ".join(f"{t} {len(r)}" for t, r in rows.items() if r),
                )
            )
        now = datetime.now(UTC)
        summary = ExportSummary(
            name=person.name,
            role=ROLE_WORDS.get(person.role, words(person.role)),
            facts=_facts(person, rows),
            exported_at=now.astimezone(_zone(letterhead.timezone)),
            exported_by=actor.name,
            sections=tuple(
                _section(t, r, _zone(letterhead.timezone)) for t, r in rows.items() if t != "users"
            ),
        )
        pdf = render_export_summary(letterhead, summary)
        data = _zip(
            {
                "studio": letterhead.name,
                "person": person.name,
                "exported_at": now.isoformat(),
                "exported_by": actor.name,
                "tables": rows,
            },
            pdf,
            person.avatar,
            attachments,
            README.format(
                studio=letterhead.name,
                name=person.name,
                at=summary.exported_at.strftime("%d %b %Y %H:%M"),
                by=actor.name,
                contact=letterhead.email or letterhead.phone or letterhead.name,
            ),
        )
        safe = "".join(ch if ch.isalnum() else "-" for ch in person.name).strip("-").lower()
        return PersonExport(
            person_id=person.id,
            name=person.name,
            filename=f"data-of-{safe or 'person'}-{now:%Y%m%d}.zip",
            data=data,
            counts={t: len(r) for t, r in rows.items()},
        )


def _zone(name: str) -> Any:
    from studiosync_desktop.zones import zone_of

    return zone_of(name)


def _facts(person: Person, rows: Mapping[str, list[dict[str, Any]]]) -> tuple[tuple[str, str], ...]:
    facts = [("Email", visible_email(person.email)), ("Phone", person.phone)]
    for student in rows.get("students", []):
        facts += [
            ("Instrument", str(student.get("instrument") or "")),
            ("Date of birth", str(student.get("date_of_birth") or "")),
            ("Enrolled", str(student.get("enrollment_date") or "")),
            (
                "Emergency contact",
                f"{student.get('emergency_contact_name', '')} "
                f"{student.get('emergency_contact_phone', '')}".strip(),
            ),
            ("Notes", str(student.get("notes") or "")),
        ]
    for teacher in rows.get("teachers", []):
        facts.append(("Bio", str(teacher.get("bio") or "")))
    facts.append(("Photo", "Yes (photo.jpg)" if person.avatar else "None kept"))
    return tuple((k, v) for k, v in facts if v)


# What a reader looks for first in a table's rows: when, what, how it stands, how much.
WHEN = ("scheduled_start", "start_time", "starts", "issue_date", "payment_date", "first_day",
        "checkout_date", "recorded_at", "sent_at", "granted_at", "date")  # fmt: skip
WHAT = ("title", "name", "invoice_number", "description", "subject", "kind", "instrument",
        "lesson_type", "content", "body")  # fmt: skip
HOW_MUCH = ("total", "amount", "amount_paid", "rate", "balance", "quantity")


def _rank(key: str) -> int:
    if key in WHEN:
        return 0
    if key.endswith(("_start", "_date", "_on")):
        return 1
    if key in WHAT:
        return 2
    if key == "status":
        return 3
    if key in HOW_MUCH:
        return 4
    return 5


def _section(table: str, rows: list[dict[str, Any]], zone: Any) -> ExportSection:
    """A table's rows as the summary prints them: the five columns a reader looks for first
    (when, what, how it stands, how much), times in the studio's zone."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in QUIET and not key.endswith("_id") and key not in columns:
                columns.append(key)
    columns = sorted(columns, key=_rank)[:5]  # stable: the table's order within a rank
    return ExportSection(
        table=table,
        title=SCOPES[table].title,
        headers=tuple(words(c) for c in columns),
        rows=tuple(tuple(_cell(r.get(c), zone) for c in columns) for r in rows),
        total=len(rows),
    )


def _cell(value: Any, zone: Any = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and ISO_MOMENT.match(value):
        value = datetime.fromisoformat(value)
    elif isinstance(value, str) and ISO_DAY.fullmatch(value):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        moment = value.astimezone(zone) if zone is not None and value.tzinfo else value
        return f"{moment:%d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ", ".join(value)  # specialties, strengths: a list reads as words
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text_value = str(value)
    return text_value if len(text_value) <= 80 else text_value[:79] + "…"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return None
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _zip(
    payload: dict[str, Any],
    pdf: bytes,
    photo: bytes | None,
    attachments: Sequence[Any],
    readme: str,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", readme)
        z.writestr("summary.pdf", pdf)
        z.writestr(
            "data.json",
            json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default),
        )
        if photo:
            z.writestr("photo.jpg", photo)
        used: set[str] = set()
        for n, (filename, content) in enumerate(attachments, start=1):
            name = f"emails/{filename}"
            if name in used:
                name = f"emails/{n}-{filename}"
            used.add(name)
            z.writestr(name, bytes(content))
    return buffer.getvalue()
