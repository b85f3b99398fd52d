"""The roster's student search as you type: one page of `StudentRow`s, built for speed.

Each keystroke is a search, so the statement is built and compiled once per kind of search
(`_statement`, sent as a `together.Bound`), and the page is found before it is named: the
matching students and their person records are ranked and cut to the page first, and only
that page's families and teachers are looked up (by their keys). Joined before the cut, all
~1,230 students a one-letter search matches were joined to every family and teacher, then
sorted (the large demo's 's': 23 ms as the desk, now under 10).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.models import Family, Student, Teacher, User
from studiosync_desktop.schemas.rows import StudentRow
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.together import Bound, read_together
from studiosync_desktop.services.trusted_rows import row_maker

# The search kinds of `roster._Search`: how the typed text is matched.
KINDS = ("short", "phone", "fuzzy")

# The word similarity a typo is forgiven at: roster_hits' pg_trgm.word_similarity_threshold.
TYPO_SIMILARITY = 0.4
_TEXTS = (User.search_text, Student.search_text)

# Students without an email get a unique placeholder on a reserved domain (RFC 2606).
NO_EMAIL_DOMAIN = "no-email.invalid"


def shown_email(column: Any) -> Any:
    """The email as the desk reads it: '' for a placeholder address."""
    return func.regexp_replace(column, rf"^.*@{NO_EMAIL_DOMAIN.replace('.', '[.]')}$", "")


def search_students(
    s: Session,
    studio_id: uuid.UUID,
    kind: str,
    pattern: str,
    text: str,
    limit: int,
    include_inactive: bool,
    as_teacher: bool = False,
) -> tuple[StudentRow, ...]:
    """One page of the students matching a search, as `roster._Search` orders them: best
    match first for a fuzzy search, else alphabetical (last name, first name, id).

    `pattern`: the LIKE pattern (folded by the database, except the digits of a phone search);
    `text`: the typed text, whose similarity ranks a fuzzy search. `as_teacher`: the search of a
    teacher's login, matched in its own query (`_statement`)."""
    values = {"studio": studio_id, "pattern": pattern, "text": text, "limit": limit}
    [rows] = read_together(
        s,
        [
            Bound(
                _statement(kind, include_inactive, as_teacher),
                values,
                binary=True,
                tuples=True,
                planned_each_time=kind == "short",
            )
        ],
    )
    return student_rows_from(rows)


@cache
def _statement(kind: str, include_inactive: bool, as_teacher: bool = False) -> Select[Any]:
    """The statement of `search_students` for one kind of search, its values left open (kept
    by the cache: `together` compiles each once).

    A teacher's matches their students in the query itself: row security leaves the few
    dozen they teach before any text is compared, and `roster_hits` would work those out
    again for each of its two calls (it gives a teacher only their own rows, 0057)."""
    if kind not in KINDS:
        raise ValueError(f"no student search of kind {kind!r}")
    raw = bindparam("pattern", type_=String)
    # A short search's pattern is left for the planner to see (it is planned each time,
    # `search_students`): how many it matches decides between reading the studio's people in
    # name order and stopping at the page ('s'), or reading them all ('zq'). Elsewhere it is
    # folded once per statement (a scalar subquery is an InitPlan): in a plan kept for all
    # values, a plain roster_fold($1) is called for every row it is compared with.
    if kind == "short":
        pattern: Any = func.roster_fold(raw)
    elif kind == "phone":
        pattern = raw
    else:
        pattern = select(func.roster_fold(raw)).scalar_subquery()
    folded = select(func.roster_fold(bindparam("text", type_=String))).scalar_subquery()
    typos = folded if kind == "fuzzy" else literal(None, String)

    if kind == "short" or as_teacher:
        # One or two characters have no trigram: `roster_hits` would read both tables whole;
        # matched here, the rows are read once and no function is called per search.
        match = or_(User.search_text.like(pattern), Student.search_text.like(pattern))
        if kind == "fuzzy":  # as roster_hits' `<%` at its threshold
            match = or_(
                match,
                *(func.word_similarity(typos, c) >= TYPO_SIMILARITY for c in _TEXTS),
            )
    else:
        match = or_(
            Student.user_id.in_(_hits("users", pattern, typos)),
            Student.id.in_(_hits("students", pattern, typos)),
        )
    sort: tuple[Any, ...] = (User.last_name, User.first_name)
    if kind == "fuzzy":
        score = func.greatest(
            *(
                func.coalesce(func.word_similarity(folded, c), 0)
                for c in (User.search_text, Student.search_text)
            )
        )
        sort = (score.label("score"), *sort)
    # The page: only what ranks it and the raw columns; the texts shown are made from its
    # rows alone (a regexp_replace of every match's email cost 2 ms for a one-letter search).
    page = (
        select(
            Student.id,
            User.email,
            User.phone_number,
            Student.instrument,
            Student.family_id,
            Student.is_active,
            Student.primary_teacher_id,
            User.avatar_thumb,
            *sort,
        )
        .join(User, User.id == Student.user_id)
        .where(Student.studio_id == bindparam("studio", type_=Uuid), match)
    )
    if not include_inactive:
        page = page.where(Student.is_active)

    def order(q: Any) -> tuple[Any, ...]:
        """The same order, inside the page and outside it."""
        ranked = (q.score.desc(),) if kind == "fuzzy" else ()
        return (*ranked, q.last_name, q.first_name, q.id)

    hit = (
        page.order_by(*order(page.selected_columns))
        .limit(bindparam("limit", type_=Integer))
        .subquery("hit")
    )
    # A page's families and teachers by their keys, one by one: joined, the planner read
    # them whole (1,200 families, 60 teachers and every user) to hash them.
    family = select(Family.name).where(Family.id == hit.c.family_id).scalar_subquery()
    teacher_user = aliased(User, name="teacher_user")
    teacher = (
        select(full_name(teacher_user.first_name, teacher_user.last_name))
        .select_from(Teacher)
        .join(teacher_user, teacher_user.id == Teacher.user_id)
        .where(Teacher.id == hit.c.primary_teacher_id)
        .scalar_subquery()
    )
    return select(
        hit.c.id,
        full_name(hit.c.first_name, hit.c.last_name).label("name"),
        shown_email(hit.c.email).label("email"),
        hit.c.phone_number.label("phone"),
        hit.c.instrument,
        func.coalesce(family, literal("")).label("family_name"),
        func.coalesce(teacher, literal("")).label("teacher_name"),
        hit.c.is_active,
        hit.c.primary_teacher_id.label("teacher_id"),
        hit.c.avatar_thumb.label("photo"),
    ).order_by(*order(hit.c))


def _hits(table: str, pattern: Any, typos: Any) -> Select[Any]:
    """Ids of the `table` rows matching, found through its trigram index (see
    `roster._Search.hits`)."""
    return select(func.roster_hits(table, pattern, typos).column_valued())


_student_row = row_maker(StudentRow)
_FIELDS = tuple(StudentRow.model_fields)


def student_rows_from(rows: Sequence[tuple[Any, ...]]) -> tuple[StudentRow, ...]:
    """`StudentRow`s from the page's tuples, in the order of `StudentRow`'s fields.

    Our own typed columns need no re-validation (`trusted_rows`). The one thing validation
    would change is whitespace around a text (`Frozen` strips it): a row with any is
    validated instead, so the rows are the same."""
    make = _student_row
    out: list[StudentRow] = []
    keep = out.append
    for r in rows:
        sid, name, email, phone, instrument, family, teacher, active, teacher_id, photo = r
        if (
            name != name.strip()
            or email != email.strip()
            or phone != phone.strip()
            or instrument != instrument.strip()
            or family != family.strip()
            or teacher != teacher.strip()
        ):
            keep(StudentRow(**dict(zip(_FIELDS, r, strict=True))))
            continue
        keep(
            make(
                {
                    "id": sid,
                    "name": name,
                    "email": email,
                    "phone": phone,
                    "instrument": instrument,
                    "family_name": family,
                    "teacher_name": teacher,
                    "is_active": active,
                    "teacher_id": teacher_id,
                    "photo": photo,
                }
            )
        )
    return tuple(out)
