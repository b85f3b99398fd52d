"""The roster: students, families, teachers and bands; search as you type, add, edit, deactivate.

Search folds case and accents (`roster_fold`) and tolerates typos: a row matches when the
text contains the query, or when a word of it is trigram-similar to the query (`<%`). Search
results come best match first in one page; without a search the lists are alphabetical with
keyset paging.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, String, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import Band, Family, Student, Teacher, User, band_members
from studiosync_desktop.schemas.common import Actor, Page, parse_input
from studiosync_desktop.schemas.roster import (
    BandInput,
    BandRow,
    Choice,
    FamilyInput,
    FamilyRow,
    RosterChoices,
    RosterKind,
    Saved,
    StudentInput,
    TeacherInput,
    TeacherRow,
)
from studiosync_desktop.schemas.rows import StudentRow
from studiosync_desktop.services.keyset_pager import check_limit, id_key, read_page, text_key
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    contains_pattern,
    full_name,
    studio_today,
)
from studiosync_desktop.services.student_search import (
    NO_EMAIL_DOMAIN,
    search_students,
    shown_email,
)
from studiosync_desktop.services.unit_of_work import unit_of_work


def placeholder_email() -> str:
    """The login-less address of a student without an email (users.email is unique)."""
    return f"student-{uuid.uuid4().hex[:12]}@{NO_EMAIL_DOMAIN}"


def visible_email(email: str) -> str:
    """The email as people read it: a placeholder shows as nothing."""
    return "" if email.endswith("@" + NO_EMAIL_DOMAIN) else email


RowT = TypeVar("RowT", bound=BaseModel)
InputT = TypeVar("InputT", bound=BaseModel)


def require_desk(actor: Actor) -> None:
    require(actor, "roster")
    if not actor.is_staff_desk:
        raise PermissionDenied(
            f"{actor.name} ({actor.role}) may look at the roster, not change it."
        )


class _Search:
    """The folded query, and SQL to match and rank it against search_text columns.

    Three kinds of query: a phone number (digits, matched within the digits of phones), one
    or two characters (contained, alphabetical), and anything longer
    (contained, or a word trigram-similar to it, which forgives typos: "jonh" finds John at
    the 0.4 word similarity `roster_hits` holds; best match first).
    """

    def __init__(self, search: str) -> None:
        self.text = search.strip()
        digits = re.sub(r"\D", "", self.text)
        if len(digits) >= 3 and re.fullmatch(r"[\d\s()+.\-]+", self.text):
            self.kind = "phone"
            self.like = contains_pattern(digits)
        else:
            self.kind = "short" if len(self.text) < 3 else "fuzzy"
            self.like = contains_pattern(self.text)

    # The SQL is made when a list asks for it: a student search (each keystroke) binds
    # `kind`, `like` and `text` to a statement built once (`student_search`).
    @property
    def pattern(self) -> Any:
        return literal(self.like) if self.kind == "phone" else func.roster_fold(literal(self.like))

    @property
    def folded(self) -> Any:
        return func.roster_fold(literal(self.text))

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def ranked(self) -> bool:
        return self.kind == "fuzzy"

    def hits(self, model: Any) -> Select[Any]:
        """Ids of the `model` rows matching, found through its trigram index by the database's
        `roster_hits` (migration 0027), which holds the typo threshold: one statement. No
        studio condition there (the outer query has it): with one, the planner walks the
        studio index and scores every row instead of asking the trigram index."""
        folded = self.folded if self.kind == "fuzzy" else literal(None, String)
        return select(func.roster_hits(model.__tablename__, self.pattern, folded).column_valued())

    def score(self, *columns: Any) -> Any:
        return func.greatest(
            *(func.coalesce(func.word_similarity(self.folded, c), 0) for c in columns)
        )


class RosterService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the four lists ------------------------------------------------------------------

    def students(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        include_inactive: bool = False,
    ) -> Page[StudentRow]:
        """Students by last name, first name; `search` matches name, email, phone or instrument.

        A search (each keystroke) is `student_search.search_students`: the same rows, faster."""
        found = _Search(search)
        if found:
            require(actor, "roster")
            check_limit(limit)
            with self._db.read_session() as s:
                rows = search_students(
                    s,
                    actor.studio_id,
                    found.kind,
                    found.like,
                    found.text,
                    limit,
                    include_inactive,
                    as_teacher=actor.role == "teacher",
                )
            return Page[StudentRow](rows=rows, total=len(rows))
        teacher_user = aliased(User, name="teacher_user")
        query = (
            select(
                Student.id,
                full_name(User.first_name, User.last_name).label("name"),
                shown_email(User.email).label("email"),
                User.phone_number.label("phone"),
                Student.instrument,
                func.coalesce(Family.name, literal("")).label("family_name"),
                func.coalesce(
                    full_name(teacher_user.first_name, teacher_user.last_name), literal("")
                ).label("teacher_name"),
                Student.is_active,
                Student.primary_teacher_id.label("teacher_id"),
                User.avatar_thumb.label("photo"),
            )
            .join(User, User.id == Student.user_id)
            .outerjoin(Family, Family.id == Student.family_id)
            .outerjoin(Teacher, Teacher.id == Student.primary_teacher_id)
            .outerjoin(teacher_user, teacher_user.id == Teacher.user_id)
            .where(Student.studio_id == actor.studio_id)
        )
        return self._listing(
            actor, query, Student, StudentRow, search, cursor, limit, include_inactive
        )

    def families(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        include_inactive: bool = False,
    ) -> Page[FamilyRow]:
        students = (
            select(func.count())
            .where(Student.family_id == Family.id, Student.is_active)
            .correlate(Family)
            .scalar_subquery()
        )
        query = (
            select(
                Family.id,
                Family.name,
                func.coalesce(full_name(User.first_name, User.last_name), literal("")).label(
                    "contact_name"
                ),
                Family.phone_number.label("phone"),
                Family.billing_email,
                students.label("student_count"),
                Family.is_active,
            )
            .outerjoin(User, User.id == Family.primary_contact_id)
            .where(Family.studio_id == actor.studio_id)
        )
        return self._listing(
            actor, query, Family, FamilyRow, search, cursor, limit, include_inactive
        )

    def teachers(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        include_inactive: bool = False,
    ) -> Page[TeacherRow]:
        students = (
            select(func.count())
            .where(Student.primary_teacher_id == Teacher.id, Student.is_active)
            .correlate(Teacher)
            .scalar_subquery()
        )
        query = (
            select(
                Teacher.id,
                full_name(User.first_name, User.last_name).label("name"),
                User.email,
                User.phone_number.label("phone"),
                Teacher.specialties,
                Teacher.hourly_rate,
                Teacher.booking_buffer_minutes,
                Teacher.is_accepting_students,
                students.label("student_count"),
                Teacher.is_active,
                User.avatar_thumb.label("photo"),
            )
            .join(User, User.id == Teacher.user_id)
            .where(Teacher.studio_id == actor.studio_id)
        )
        return self._listing(
            actor, query, Teacher, TeacherRow, search, cursor, limit, include_inactive
        )

    def bands(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        include_inactive: bool = False,
    ) -> Page[BandRow]:
        members = (
            select(func.count())
            .select_from(band_members)
            .where(band_members.c.band_id == Band.id)
            .correlate(Band)
            .scalar_subquery()
        )
        query = (
            select(
                Band.id,
                Band.name,
                func.coalesce(full_name(User.first_name, User.last_name), literal("")).label(
                    "contact_name"
                ),
                Band.email,
                Band.phone_number.label("phone"),
                Band.city,
                members.label("member_count"),
                Band.is_active,
            )
            .outerjoin(User, User.id == Band.primary_contact_id)
            .where(Band.studio_id == actor.studio_id)
        )
        return self._listing(actor, query, Band, BandRow, search, cursor, limit, include_inactive)

    def _listing(
        self,
        actor: Actor,
        query: Select[Any],
        entity: Any,
        row_type: type[RowT],
        search: str,
        cursor: str | None,
        limit: int,
        include_inactive: bool,
    ) -> Page[RowT]:
        """A page of one of the four lists. People (students, teachers) go by last name, then
        first name, and are found by their person record too; families and bands by name."""
        require(actor, "roster")
        check_limit(limit)
        if not include_inactive:
            query = query.where(entity.is_active)
        columns: tuple[Any, ...]
        sort: tuple[Any, ...]
        if hasattr(entity, "user_id"):
            columns = (User.search_text, entity.search_text)
            sort = (User.last_name, User.first_name, entity.id)

            def match(q: _Search) -> ColumnElement[bool]:
                return or_(entity.user_id.in_(q.hits(User)), entity.id.in_(q.hits(entity)))

        else:
            columns = (entity.search_text,)
            sort = (entity.name, entity.id)

            def match(q: _Search) -> ColumnElement[bool]:
                return entity.id.in_(q.hits(entity))  # type: ignore[no-any-return]

        return self._page(query, _Search(search), match, columns, sort, cursor, limit, row_type)

    def _page(
        self,
        query: Select[Any],
        search: _Search,
        match: Callable[[_Search], ColumnElement[bool]],
        search_columns: Sequence[Any],
        sort: Sequence[Any],
        cursor: str | None,
        limit: int,
        row_type: type[RowT],
    ) -> Page[RowT]:
        """Search: best matches first, one page. Otherwise: alphabetical, keyset paged.

        The query's columns are labelled with the fields of `row_type`."""
        fields = tuple(row_type.model_fields)

        def to_row(r: Any) -> RowT:
            return row_type(**{name: getattr(r, name) for name in fields})

        with self._db.read_session() as s:
            if search:
                order = (search.score(*search_columns).desc(), *sort) if search.ranked else sort
                query = query.where(match(search)).order_by(*order).limit(limit)
                rows = s.execute(query).all()
                return Page[RowT](rows=tuple(to_row(r) for r in rows), total=len(rows))
            keys = (*(text_key(c) for c in sort[:-1]), id_key(sort[-1]))
            return read_page(s, query, keys, cursor, limit, to_row)

    # --- what the dialogs pick from ------------------------------------------------------

    def choices(self, actor: Actor) -> RosterChoices:
        require(actor, "roster")
        with self._db.read_session() as s:
            families = s.execute(
                select(Family.id, Family.name)
                .where(Family.studio_id == actor.studio_id, Family.is_active)
                .order_by(Family.name)
            ).all()
            teachers = s.execute(
                select(Teacher.id, full_name(User.first_name, User.last_name))
                .join(User, User.id == Teacher.user_id)
                .where(Teacher.studio_id == actor.studio_id, Teacher.is_active)
                .order_by(User.last_name, User.first_name)
            ).all()
            people = s.execute(
                select(User.id, full_name(User.first_name, User.last_name), User.role)
                .where(User.studio_id == actor.studio_id, User.is_active)
                .order_by(User.last_name, User.first_name)
            ).all()
            return RosterChoices(
                families=tuple(Choice(id=i, label=n) for i, n in families),
                teachers=tuple(Choice(id=i, label=n) for i, n in teachers),
                people=tuple(Choice(id=i, label=f"{n} ({r})") for i, n, r in people),
                student_users=tuple(Choice(id=i, label=n) for i, n, r in people if r == "student"),
            )

    # --- forms: what an edit dialog starts from ------------------------------------------

    def student_form(self, actor: Actor, student_id: uuid.UUID) -> StudentInput:
        require(actor, "roster")
        with self._db.read_session() as s:
            st = self._get(s, Student, student_id, actor, "student")
            u = st.user
            return StudentInput.model_construct(
                first_name=u.first_name,
                last_name=u.last_name,
                email=visible_email(u.email),
                phone_number=u.phone_number,
                instrument=st.instrument,
                specialties=list(st.specialties),
                date_of_birth=st.date_of_birth,
                family_id=st.family_id,
                primary_teacher_id=st.primary_teacher_id,
                emergency_contact_name=st.emergency_contact_name,
                emergency_contact_phone=st.emergency_contact_phone,
                enrollment_date=st.enrollment_date,
                notes=st.notes,
            )

    def family_form(self, actor: Actor, family_id: uuid.UUID) -> FamilyInput:
        require(actor, "roster")
        with self._db.read_session() as s:
            f = self._get(s, Family, family_id, actor, "family")
            return FamilyInput.model_construct(
                name=f.name,
                primary_contact_id=f.primary_contact_id,
                phone_number=f.phone_number,
                billing_email=f.billing_email,
                address=f.address,
            )

    def teacher_form(self, actor: Actor, teacher_id: uuid.UUID) -> TeacherInput:
        require(actor, "roster")
        with self._db.read_session() as s:
            t = self._get(s, Teacher, teacher_id, actor, "teacher")
            return TeacherInput.model_construct(
                first_name=t.user.first_name,
                last_name=t.user.last_name,
                email=t.user.email,
                phone_number=t.user.phone_number,
                bio=t.bio,
                specialties=list(t.specialties),
                hourly_rate=t.hourly_rate,
                booking_buffer_minutes=t.booking_buffer_minutes,
                is_accepting_students=t.is_accepting_students,
            )

    def band_form(self, actor: Actor, band_id: uuid.UUID) -> BandInput:
        require(actor, "roster")
        with self._db.read_session() as s:
            b = self._get(s, Band, band_id, actor, "band")
            return BandInput.model_construct(
                name=b.name,
                primary_contact_id=b.primary_contact_id,
                email=b.email,
                phone_number=b.phone_number,
                address=b.address,
                city=b.city,
                state=b.state,
                postal_code=b.postal_code,
                country=b.country,
                notes=b.notes,
                member_ids=tuple(m.id for m in b.members),
            )

    # --- saving --------------------------------------------------------------------------

    @unit_of_work
    def save_student(
        self,
        actor: Actor,
        data: StudentInput | dict[str, Any],
        student_id: uuid.UUID | None = None,
    ) -> Saved:
        """Adds a student (with their person record), or updates one; one transaction."""
        require_desk(actor)
        form = parse_input(StudentInput, data)
        with self._db.session() as s:
            self._check_refs(s, actor, family_id=form.family_id, teacher_id=form.primary_teacher_id)
            if student_id is None:
                email = form.email or placeholder_email()
                self._check_email(s, email, None)
                user = User(studio_id=actor.studio_id, email=email, role="student", first_name="")
                s.add(user)
                st = Student(studio_id=actor.studio_id, user=user)
                s.add(st)
            else:
                st = self._get(s, Student, student_id, actor, "student", lock=True)
                user = st.user
                if form.email and form.email.lower() != user.email.lower():
                    self._check_email(s, form.email, user.id)
                    user.email = form.email
            user.first_name = form.first_name
            user.last_name = form.last_name
            user.phone_number = form.phone_number
            st.instrument = form.instrument
            st.specialties = list(form.specialties)
            st.date_of_birth = form.date_of_birth
            st.family_id = form.family_id
            st.primary_teacher_id = form.primary_teacher_id
            st.emergency_contact_name = form.emergency_contact_name
            st.emergency_contact_phone = form.emergency_contact_phone
            if form.enrollment_date is not None:
                st.enrollment_date = form.enrollment_date
            elif student_id is None:  # "today if empty": the studio's, not the server's (UTC)
                st.enrollment_date = studio_today(s, actor)
            st.notes = form.notes
            s.flush()
            verb = "Added" if student_id is None else "Saved"
            return Saved(id=st.id, message=f"{verb} {user.full_name}.")

    @unit_of_work
    def save_family(
        self, actor: Actor, data: FamilyInput | dict[str, Any], family_id: uuid.UUID | None = None
    ) -> Saved:
        require_desk(actor)
        form = parse_input(FamilyInput, data)
        with self._db.session() as s:
            self._check_refs(s, actor, user_id=form.primary_contact_id)
            if family_id is None:
                f = Family(studio_id=actor.studio_id)
                s.add(f)
            else:
                f = self._get(s, Family, family_id, actor, "family", lock=True)
            f.name = form.name
            f.primary_contact_id = form.primary_contact_id
            f.phone_number = form.phone_number
            f.billing_email = form.billing_email
            f.address = form.address
            s.flush()
            return Saved(id=f.id, message=f"{'Added' if family_id is None else 'Saved'} {f.name}.")

    @unit_of_work
    def save_teacher(
        self,
        actor: Actor,
        data: TeacherInput | dict[str, Any],
        teacher_id: uuid.UUID | None = None,
    ) -> Saved:
        require_desk(actor)
        form = parse_input(TeacherInput, data)
        with self._db.session() as s:
            email = str(form.email)
            if teacher_id is None:
                self._check_email(s, email, None)
                user = User(
                    studio_id=actor.studio_id,
                    email=email,
                    role="teacher",
                    first_name="",
                    is_staff=True,
                )
                s.add(user)
                t = Teacher(studio_id=actor.studio_id, user=user)
                s.add(t)
            else:
                t = self._get(s, Teacher, teacher_id, actor, "teacher", lock=True)
                user = t.user
                if email.lower() != user.email.lower():
                    self._check_email(s, email, user.id)
                    user.email = email
            user.first_name = form.first_name
            user.last_name = form.last_name
            user.phone_number = form.phone_number
            t.bio = form.bio
            t.specialties = list(form.specialties)
            t.hourly_rate = form.hourly_rate
            t.booking_buffer_minutes = form.booking_buffer_minutes
            t.is_accepting_students = form.is_accepting_students
            s.flush()
            verb = "Added" if teacher_id is None else "Saved"
            return Saved(id=t.id, message=f"{verb} {user.full_name}.")

    @unit_of_work
    def save_band(
        self, actor: Actor, data: BandInput | dict[str, Any], band_id: uuid.UUID | None = None
    ) -> Saved:
        require_desk(actor)
        form = parse_input(BandInput, data)
        with self._db.session() as s:
            self._check_refs(s, actor, user_id=form.primary_contact_id)
            for member in form.member_ids:
                self._check_refs(s, actor, user_id=member, field="member_ids")
            if band_id is None:
                b = Band(studio_id=actor.studio_id)
                s.add(b)
            else:
                b = self._get(s, Band, band_id, actor, "band", lock=True)
            b.name = form.name
            b.primary_contact_id = form.primary_contact_id
            b.email = form.email
            b.phone_number = form.phone_number
            b.address = form.address
            b.city = form.city
            b.state = form.state
            b.postal_code = form.postal_code
            b.country = form.country
            b.notes = form.notes
            if band_id is not None:
                b.updated_at = func.now()  # members may be all that changed: other desks hear it
            s.flush()
            s.execute(band_members.delete().where(band_members.c.band_id == b.id))
            if form.member_ids:
                s.execute(
                    band_members.insert(),
                    [{"band_id": b.id, "user_id": m} for m in dict.fromkeys(form.member_ids)],
                )
            return Saved(id=b.id, message=f"{'Added' if band_id is None else 'Saved'} {b.name}.")

    @unit_of_work
    def set_active(self, actor: Actor, kind: RosterKind, row_id: uuid.UUID, active: bool) -> Saved:
        """Deactivates (or reactivates) instead of deleting: history keeps its people."""
        require_desk(actor)
        model: Any = {"students": Student, "families": Family, "teachers": Teacher, "bands": Band}[
            kind
        ]
        with self._db.session() as s:
            row = self._get(s, model, row_id, actor, kind.rstrip("s"), lock=True)
            row.is_active = active
            name = row.name if kind in ("families", "bands") else row.user.full_name
            if kind in ("students", "teachers"):
                row.user.is_active = active
            verb = "Reactivated" if active else "Deactivated"
            return Saved(id=row.id, message=f"{verb} {name}.")

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _get(
        s: Session, model: Any, row_id: uuid.UUID, actor: Actor, what: str, lock: bool = False
    ) -> Any:
        query = select(model).where(model.id == row_id, model.studio_id == actor.studio_id)
        if lock:
            query = query.with_for_update(of=model)
        row = s.scalars(query).first()
        if row is None:
            raise NotFound(f"This {what} is no longer on the roster.")
        return row

    @staticmethod
    def _check_email(s: Session, email: str, except_user: uuid.UUID | None) -> None:
        """A friendly, per-field message before the unique index refuses the duplicate."""
        query = select(full_name(User.first_name, User.last_name), User.role).where(
            func.lower(User.email) == email.lower()
        )
        if except_user is not None:
            query = query.where(User.id != except_user)
        clash = s.execute(query).first()
        if clash is not None:
            raise ValidationFailed(
                {"email": f"{email} is already on file for {clash[0]} ({clash[1]})."}
            )

    @staticmethod
    def _check_refs(
        s: Session,
        actor: Actor,
        *,
        family_id: uuid.UUID | None = None,
        teacher_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        field: str = "primary_contact_id",
    ) -> None:
        checks = (
            (family_id, Family, "family_id", "This family is not in this studio."),
            (teacher_id, Teacher, "primary_teacher_id", "This teacher is not in this studio."),
            (user_id, User, field, "This person is not in this studio."),
        )
        for value, model, name, message in checks:
            if value is None:
                continue
            found = s.scalar(
                select(model.id).where(model.id == value, model.studio_id == actor.studio_id)
            )
            if found is None:
                raise ValidationFailed({name: message})
