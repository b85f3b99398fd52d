"""Roster import and export as CSV: students with their family and emergency contacts.

`preview` checks every row (the same `StudentInput`/`FamilyInput` rules as the dialogs, plus
emails already on file or repeated in the file, and teachers that must exist) and writes
nothing; `import_csv` checks again and writes all rows in one transaction, or none.
Families are matched by name (case-insensitively) or created; teachers by email.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import Family, Student, Teacher, User
from studiosync_desktop.schemas.common import Actor, Frozen, validation_failed
from studiosync_desktop.schemas.roster import FamilyInput, StudentInput
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_today
from studiosync_desktop.services.roster import placeholder_email, require_desk, visible_email
from studiosync_desktop.services.unit_of_work import unit_of_work

COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "instrument",
    "specialties",
    "date_of_birth",
    "enrollment_date",
    "emergency_contact_name",
    "emergency_contact_phone",
    "notes",
    "teacher_email",
    "family_name",
    "family_phone",
    "family_billing_email",
    "family_address",
    "is_active",
)
MAX_ROWS = 20_000


class ImportRow(Frozen):
    line: int
    name: str
    family: str
    errors: tuple[tuple[str, str], ...] = ()


class ImportPreview(Frozen):
    rows: tuple[ImportRow, ...]
    new_families: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


class _Parsed(Frozen):
    line: int
    student: StudentInput | None
    family: FamilyInput | None
    teacher_email: str
    is_active: bool
    errors: tuple[tuple[str, str], ...]


class RosterCsvService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- export --------------------------------------------------------------------------

    def export_csv(self, actor: Actor) -> str:
        """Every student (active or not) with their family and teacher, as CSV text."""
        require(actor, "roster")
        tu = aliased(User, name="tu")
        query = (
            select(Student, User, Family, tu.email.label("teacher_email"))
            .join(User, User.id == Student.user_id)
            .outerjoin(Family, Family.id == Student.family_id)
            .outerjoin(Teacher, Teacher.id == Student.primary_teacher_id)
            .outerjoin(tu, tu.id == Teacher.user_id)
            .where(Student.studio_id == actor.studio_id)
            .order_by(User.last_name, User.first_name, Student.id)
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        with self._db.read_session() as s:
            for st, u, fam, teacher_email in s.execute(query):
                writer.writerow(
                    (
                        u.first_name,
                        u.last_name,
                        visible_email(u.email),
                        u.phone_number,
                        st.instrument,
                        "; ".join(st.specialties),
                        st.date_of_birth.isoformat() if st.date_of_birth else "",
                        st.enrollment_date.isoformat(),
                        st.emergency_contact_name,
                        st.emergency_contact_phone,
                        st.notes,
                        teacher_email or "",
                        fam.name if fam else "",
                        fam.phone_number if fam else "",
                        fam.billing_email if fam else "",
                        fam.address if fam else "",
                        "yes" if st.is_active else "no",
                    )
                )
        return out.getvalue()

    # --- import --------------------------------------------------------------------------

    def preview(self, actor: Actor, csv_text: str) -> ImportPreview:
        """Every row checked, per-row messages; nothing is written."""
        require_desk(actor)
        with self._db.read_session() as s:
            parsed, new_families = self._check(s, actor, csv_text)
        return ImportPreview(
            rows=tuple(
                ImportRow(
                    line=p.line,
                    name=(
                        f"{p.student.first_name} {p.student.last_name}".strip() if p.student else ""
                    ),
                    family=p.family.name if p.family else "",
                    errors=p.errors,
                )
                for p in parsed
            ),
            new_families=tuple(new_families),
        )

    @unit_of_work
    def import_csv(self, actor: Actor, csv_text: str) -> int:
        """Adds every student of the file, or none (the first errors are in the message)."""
        require_desk(actor)
        with self._db.session() as s:
            parsed, _ = self._check(s, actor, csv_text)
            bad = [p for p in parsed if p.errors]
            if bad or not parsed:
                fields = {
                    f"line {p.line}": "; ".join(m for _, m in p.errors) for p in bad[:20]
                } or {"": "The file holds no students."}
                raise ValidationFailed(fields)
            families = self._families(s, actor)
            teachers = self._teachers(s, actor)
            today = studio_today(s, actor)  # an empty enrolment date: the studio's today
            for p in parsed:
                assert p.student is not None
                family_id = None
                if p.family is not None:
                    key = p.family.name.lower()
                    if key not in families:
                        fam = Family(
                            studio_id=actor.studio_id,
                            name=p.family.name,
                            phone_number=p.family.phone_number,
                            billing_email=p.family.billing_email,
                            address=p.family.address,
                        )
                        s.add(fam)
                        s.flush()
                        families[key] = fam.id
                    family_id = families[key]
                form = p.student
                user = User(
                    studio_id=actor.studio_id,
                    email=form.email or placeholder_email(),
                    first_name=form.first_name,
                    last_name=form.last_name,
                    phone_number=form.phone_number,
                    role="student",
                    is_active=p.is_active,
                )
                s.add(
                    Student(
                        studio_id=actor.studio_id,
                        user=user,
                        family_id=family_id,
                        primary_teacher_id=teachers.get(p.teacher_email.lower()),
                        instrument=form.instrument,
                        specialties=list(form.specialties),
                        date_of_birth=form.date_of_birth,
                        emergency_contact_name=form.emergency_contact_name,
                        emergency_contact_phone=form.emergency_contact_phone,
                        notes=form.notes,
                        is_active=p.is_active,
                        enrollment_date=form.enrollment_date or today,
                    )
                )
            s.flush()
            return len(parsed)

    # --- checking ------------------------------------------------------------------------

    def _check(self, s: Session, actor: Actor, csv_text: str) -> tuple[list[_Parsed], list[str]]:
        reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
        missing = {"first_name"} - set(reader.fieldnames or ())
        if missing:
            raise ValidationFailed({"": "The file needs a header row with at least first_name."})
        unknown = set(reader.fieldnames or ()) - set(COLUMNS)
        if unknown:
            raise ValidationFailed(
                {"": f"Unknown columns: {', '.join(sorted(unknown))}. Known: {', '.join(COLUMNS)}."}
            )
        rows = list(reader)
        if len(rows) > MAX_ROWS:
            raise ValidationFailed({"": f"At most {MAX_ROWS:,} students per file."})
        emails = [(r.get("email") or "").strip().lower() for r in rows]
        taken = {
            e.lower(): n
            for e, n in s.execute(
                select(
                    User.email, func.trim(func.concat(User.first_name, " ", User.last_name))
                ).where(func.lower(User.email).in_([e for e in emails if e]))
            )
        }
        teachers = self._teachers(s, actor)
        families = self._families(s, actor)
        seen: dict[str, int] = {}
        parsed: list[_Parsed] = []
        new_families: list[str] = []
        new_keys: set[str] = set()
        for index, row in enumerate(rows):
            line = index + 2  # the header is line 1
            errors: list[tuple[str, str]] = []
            student = family = None
            data: dict[str, Any] = {
                k: (row.get(k) or "").strip()
                for k in COLUMNS
                if k not in ("teacher_email", "is_active") and not k.startswith("family_")
            }
            data["specialties"] = [x for x in data["specialties"].split(";") if x.strip()]
            for key in ("date_of_birth", "enrollment_date"):
                data[key] = data[key] or None
            try:
                student = StudentInput.model_validate(data)
            except ValidationError as exc:
                errors += validation_failed(exc).fields.items()
            email = emails[index]
            if email and email in taken:
                errors.append(("email", f"{email} is already on file for {taken[email]}."))
            if email and email in seen:
                errors.append(("email", f"{email} is also on line {seen[email]}."))
            if email:
                seen.setdefault(email, line)
            family_name = (row.get("family_name") or "").strip()
            if family_name:
                try:
                    family = FamilyInput(
                        name=family_name,
                        phone_number=(row.get("family_phone") or "").strip(),
                        billing_email=(row.get("family_billing_email") or "").strip(),
                        address=(row.get("family_address") or "").strip(),
                    )
                    key = family_name.lower()  # families match whatever the case
                    if key not in families and key not in new_keys:
                        new_keys.add(key)
                        new_families.append(family_name)
                except ValidationError as exc:
                    errors += [
                        (f"family_{k}" if k != "name" else "family_name", m)
                        for k, m in validation_failed(exc).fields.items()
                    ]
            teacher_email = (row.get("teacher_email") or "").strip()
            if teacher_email and teacher_email.lower() not in teachers:
                errors.append(("teacher_email", f"No teacher has the email {teacher_email}."))
            active = (row.get("is_active") or "yes").strip().lower()
            if active not in ("yes", "no", "true", "false", "1", "0", ""):
                errors.append(("is_active", "Write yes or no."))
            parsed.append(
                _Parsed(
                    line=line,
                    student=student,
                    family=family,
                    teacher_email=teacher_email,
                    is_active=active in ("yes", "true", "1", ""),
                    errors=tuple(errors),
                )
            )
        return parsed, new_families

    @staticmethod
    def _teachers(s: Session, actor: Actor) -> dict[str, uuid.UUID]:
        return {
            e.lower(): i
            for i, e in s.execute(
                select(Teacher.id, User.email)
                .join(User, User.id == Teacher.user_id)
                .where(Teacher.studio_id == actor.studio_id)
            )
        }

    @staticmethod
    def _families(s: Session, actor: Actor) -> dict[str, uuid.UUID]:
        return {
            n.lower(): i
            for i, n in s.execute(
                select(Family.id, Family.name).where(Family.studio_id == actor.studio_id)
            )
        }
