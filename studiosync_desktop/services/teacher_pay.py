"""Teacher pay: the policy and rules, a period's preview, approval, lines by hand, statements.

Admins do everything here; a teacher reads their own statements and their pay so far (the
database shows a teacher only their own lines and rules, and nothing to the desk). What each
lesson pays is worked out in services/pay_lines.py; this module turns it into runs.

For reports (`studiosync report pay`): `TeacherPayService.report(actor, first, last)` gives
each teacher's figures of the approved runs whose periods end in [first, last].
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied
from studiosync_desktop.models import PayLine, PayRule, PayRun, PaySettings, Teacher, User
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.teacher_pay import (
    ExtraLineInput,
    PayLineRow,
    PayPeriod,
    PayPolicy,
    PayRuleInput,
    PayRuleRow,
    PayRunRow,
    PayRunSummary,
    PayRunView,
    PayStatement,
    TeacherPayTotal,
)
from studiosync_desktop.services.invoicing import load_letterhead
from studiosync_desktop.services.pay_lines import (
    LessonPay,
    Scope,
    computed_totals,
    lesson_pay,
    stored_totals,
    unmarked,
)
from studiosync_desktop.services.pay_periods import period_of
from studiosync_desktop.services.reading import local_day_bounds, studio_today, studio_zone
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import words

TEACHER_NAME = "trim(u.first_name || ' ' || u.last_name)"
CSV_COLUMNS = (
    "period_start",
    "period_end",
    "teacher_id",
    "teacher_name",
    "email",
    "lessons",
    "hours",
    "lesson_pay",
    "adjustments",
    "extras",
    "total",
)


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not manage teacher pay.")


def rule_text(basis: str | None, amount: Decimal | None, per_minutes: int | None) -> str:
    """A rule as people say it: '40.00 per 60 min', '60% of the lesson's rate'."""
    if basis is None or amount is None:
        return "No pay rule"
    if basis == "time":
        return f"{amount:,.2f} per {per_minutes} min"
    if basis == "percent":
        return f"{amount.normalize():f}% of the lesson's rate"
    return f"{amount:,.2f} per lesson"


def stored_period(start: date, end: date) -> PayPeriod:
    """A run's own period (the studio's period length may have changed since)."""
    days = (end - start).days + 1
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        return PayPeriod(start=start, end=end, kind="monthly")
    return PayPeriod(start=start, end=end, kind="weekly" if days <= 7 else "biweekly")


class TeacherPayService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- policy and rules ----------------------------------------------------------------

    def policy(self, actor: Actor) -> PayPolicy:
        with self._db.read_session() as s:
            return _policy(s, actor.studio_id)

    @unit_of_work
    def save_policy(self, actor: Actor, data: PayPolicy | Mapping[str, Any]) -> PayPolicy:
        _admin(actor)
        policy = parse_input(PayPolicy, data)
        values = {"studio_id": actor.studio_id, **policy.model_dump()}
        with self._db.session() as s:
            s.execute(
                pg_insert(PaySettings)
                .values(**values)
                .on_conflict_do_update(index_elements=["studio_id"], set_=policy.model_dump())
            )
        return policy

    def rules(self, actor: Actor) -> tuple[PayRuleRow, ...]:
        """The studio's default first, then each teacher's, by name and lesson type."""
        with self._db.read_session() as s:
            rows = s.execute(
                select(PayRule, User.first_name, User.last_name)
                .outerjoin(Teacher, Teacher.id == PayRule.teacher_id)
                .outerjoin(User, User.id == Teacher.user_id)
                .where(PayRule.studio_id == actor.studio_id)
                .order_by(
                    PayRule.teacher_id.is_not(None),
                    User.first_name,
                    User.last_name,
                    PayRule.lesson_type.is_not(None),
                    PayRule.lesson_type,
                )
            ).all()
            return tuple(
                PayRuleRow(
                    id=r.id,
                    teacher_id=r.teacher_id,
                    lesson_type=r.lesson_type,
                    basis=r.basis,
                    amount=r.amount,
                    per_minutes=r.per_minutes,
                    teacher_name=f"{first} {last}".strip() if r.teacher_id else "Studio default",
                    text=rule_text(r.basis, r.amount, r.per_minutes),
                )
                for r, first, last in rows
            )

    @unit_of_work
    def save_rule(
        self,
        actor: Actor,
        data: PayRuleInput | Mapping[str, Any],
        rule_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Adds a rule, or changes `rule_id`. One rule per teacher (or default) and type."""
        _admin(actor)
        rule = parse_input(PayRuleInput, data)
        with self._db.session() as s:
            clash = s.scalar(
                select(PayRule.id).where(
                    PayRule.studio_id == actor.studio_id,
                    PayRule.teacher_id.is_not_distinct_from(rule.teacher_id),
                    PayRule.lesson_type.is_not_distinct_from(rule.lesson_type),
                    PayRule.id != (rule_id or uuid.UUID(int=0)),
                )
            )
            if clash is not None:
                raise Conflict(
                    "There is already a pay rule for this teacher and lesson type: change that one."
                )
            values = rule.model_dump()
            if rule_id is None:
                new_id = s.scalar(
                    insert(PayRule)
                    .values(studio_id=actor.studio_id, **values)
                    .returning(PayRule.id)
                )
                assert new_id is not None
                return uuid.UUID(str(new_id))
            done = s.execute(
                update(PayRule)
                .where(PayRule.id == rule_id, PayRule.studio_id == actor.studio_id)
                .values(**values)
            )
            if done.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFound("This pay rule was deleted from another desk.")
            return rule_id

    @unit_of_work
    def delete_rule(self, actor: Actor, rule_id: uuid.UUID) -> None:
        _admin(actor)
        with self._db.session() as s:
            s.execute(
                delete(PayRule).where(PayRule.id == rule_id, PayRule.studio_id == actor.studio_id)
            )

    def teachers(self, actor: Actor) -> tuple[tuple[uuid.UUID, str], ...]:
        """(id, name) of the studio's active teachers, by name: whom a rule or line is for."""
        _admin(actor)
        with self._db.read_session() as s:
            rows = s.execute(
                text(
                    f"SELECT t.id, {TEACHER_NAME} AS name FROM teachers t"
                    " JOIN users u ON u.id = t.user_id"
                    " WHERE t.studio_id = :studio AND t.is_active ORDER BY 2"
                ),
                {"studio": actor.studio_id},
            ).all()
            return tuple((r.id, r.name) for r in rows)

    # --- periods and runs ----------------------------------------------------------------

    def period(self, actor: Actor, day: date | None = None) -> PayPeriod:
        """The pay period holding `day` (default: the last one that has ended)."""
        with self._db.read_session() as s:
            policy = _policy(s, actor.studio_id)
            if day is None:
                current = period_of(studio_today(s, actor), policy.period, policy.period_anchor)
                day = current.start - timedelta(days=1)
            return period_of(day, policy.period, policy.period_anchor)

    def runs(self, actor: Actor) -> tuple[PayRunRow, ...]:
        """Every run, newest first, with its total (a teacher: their own part of each)."""
        mine = _own_teacher_filter(actor)
        with self._db.read_session() as s:
            rows = s.execute(
                text(
                    "SELECT r.id, r.period_start, r.period_end, r.status, r.approved_at,"
                    "       count(DISTINCT pl.teacher_id) AS teachers,"
                    "       coalesce(sum(pl.amount), 0) AS total"
                    "  FROM pay_runs r LEFT JOIN pay_lines pl ON pl.pay_run_id = r.id"
                    f"  {mine}"
                    " WHERE r.studio_id = :studio"
                    " GROUP BY r.id ORDER BY r.period_start DESC"
                ),
                {"studio": actor.studio_id, "user": actor.user_id},
            ).all()
            return tuple(
                PayRunRow(
                    id=r.id,
                    period=stored_period(r.period_start, r.period_end),
                    status=r.status,
                    approved_at=r.approved_at,
                    teachers=r.teachers,
                    total=r.total,
                )
                for r in rows
                if actor.is_admin or r.status == "approved"
            )

    def view(
        self,
        actor: Actor,
        period: PayPeriod,
        *,
        teacher_id: uuid.UUID | None = None,
        all_lines: bool = False,
    ) -> PayRunView:
        """The period's pay per teacher: its approved run as frozen, or a preview worked out
        now; with the lines of `teacher_id` (or everyone's, `all_lines`)."""
        with self._db.read_session() as s:
            lines_of = EVERY_TEACHER if all_lines else teacher_id
            return _view(s, actor, period, lines_of=lines_of)

    def lines(
        self, actor: Actor, period: PayPeriod, teacher_id: uuid.UUID
    ) -> tuple[PayLineRow, ...]:
        """One teacher's lines of the period (a teacher's login: only their own)."""
        with self._db.read_session() as s:
            run = s.scalar(
                select(PayRun).where(
                    PayRun.studio_id == actor.studio_id, PayRun.period_start == period.start
                )
            )
            if not actor.is_admin and teacher_id != _own_teacher(s, actor):
                return ()
            zone = studio_zone(s, actor)
            scope = _scope(s, actor, period, zone, run.id if run else None, teacher_id)
            return tuple(_lines(s, run, scope, _names(s, actor.studio_id)))

    @unit_of_work
    def add_extra_line(
        self, actor: Actor, period: PayPeriod, data: ExtraLineInput | Mapping[str, Any]
    ) -> uuid.UUID:
        """A line by hand (admin time, a bonus, a correction) in the period's open run."""
        _admin(actor)
        line = parse_input(ExtraLineInput, data)
        with self._db.session() as s:
            run = _lock_open_run(s, actor, period)
            new_id = s.scalar(
                insert(PayLine)
                .values(
                    studio_id=actor.studio_id,
                    pay_run_id=run.id,
                    teacher_id=line.teacher_id,
                    kind="extra",
                    description="Added by hand",
                    amount=line.amount,
                    reason=line.reason,
                    created_by_id=actor.user_id,
                )
                .returning(PayLine.id)
            )
            assert new_id is not None
            return uuid.UUID(str(new_id))

    @unit_of_work
    def remove_extra_line(self, actor: Actor, line_id: uuid.UUID) -> None:
        _admin(actor)
        with self._db.session() as s:
            s.execute(
                delete(PayLine).where(
                    PayLine.id == line_id,
                    PayLine.kind == "extra",
                    PayLine.studio_id == actor.studio_id,
                )
            )

    @unit_of_work
    def approve(self, actor: Actor, period: PayPeriod) -> PayRunView:
        """Freezes the period's lines. Once the period is over, in order, one admin at a time:
        the run's row is locked, so a second admin is told who approved it first."""
        _admin(actor)
        with self._db.session() as s:
            today = studio_today(s, actor)
            if period.end >= today:
                raise Conflict(
                    f"The period {period.label} ends on {period.end:%a} {period.end.day}"
                    f" {period.end:%b}: approve it once it is over."
                )
            later = s.scalar(
                select(PayRun.period_start).where(
                    PayRun.studio_id == actor.studio_id,
                    PayRun.status == "approved",
                    PayRun.period_start > period.start,
                )
            )
            if later is not None:
                raise Conflict(
                    f"A later period ({later:%b} {later.day}) is approved already: a change"
                    " to this one goes in the next run as an adjustment."
                )
            return approve_run(s, actor, period)

    # --- statements, summary, payroll CSV, reports -----------------------------------------

    def statement(self, actor: Actor, run_id: uuid.UUID, teacher_id: uuid.UUID) -> PayStatement:
        """One teacher's statement of an approved run (a teacher: only their own)."""
        with self._db.read_session() as s:
            if not actor.is_admin and teacher_id != _own_teacher(s, actor):
                raise PermissionDenied("A teacher sees only their own pay statements.")
            run = _run(s, actor, run_id)
            period = stored_period(run.period_start, run.period_end)
            view = _view(s, actor, period, lines_of=teacher_id)
            total = next((t for t in view.teachers if t.teacher_id == teacher_id), None)
            if total is None:
                raise NotFound("This teacher has nothing in this pay run.")
            return PayStatement(
                letterhead=load_letterhead(s, actor.studio_id),
                period=view.period,
                approved_at=view.approved_at,
                teacher=total,
                lines=tuple(line for line in view.lines if line.teacher_id == teacher_id),
            )

    def summary(self, actor: Actor, period: PayPeriod) -> PayRunSummary:
        _admin(actor)
        with self._db.read_session() as s:
            return PayRunSummary(
                letterhead=load_letterhead(s, actor.studio_id), run=_view(s, actor, period)
            )

    def payroll_csv(self, actor: Actor, period: PayPeriod) -> str:
        """One row per teacher, with the teacher's id (stable for the payroll tool)."""
        view = self.view(actor, period)
        return totals_csv(view.teachers, [(period.start, period.end)] * len(view.teachers))

    def report(self, actor: Actor, first: date, last: date) -> tuple[TeacherPayTotal, ...]:
        """Each teacher's figures over the approved runs whose periods end in [first, last]."""
        _admin(actor)
        with self._db.read_session() as s:
            runs = s.execute(
                select(PayRun.period_start, PayRun.period_end).where(
                    PayRun.studio_id == actor.studio_id,
                    PayRun.status == "approved",
                    PayRun.period_end.between(first, last),
                )
            ).all()
            views = [_view(s, actor, stored_period(a, b)) for a, b in runs]
        return merge_totals(t for v in views for t in v.teachers)

    def pay_so_far(self, actor: Actor) -> TeacherPayTotal | None:
        """A teacher's pay in the current period so far (lessons marked up to now)."""
        with self._db.read_session() as s:
            teacher = _own_teacher(s, actor)
            policy = _policy(s, actor.studio_id)
            period = period_of(studio_today(s, actor), policy.period, policy.period_anchor)
            view = _view(s, actor, period)
            return next((t for t in view.teachers if t.teacher_id == teacher), None)


# --- the pieces -------------------------------------------------------------------------


def _policy(s: Session, studio: uuid.UUID) -> PayPolicy:
    row = s.scalar(select(PaySettings).where(PaySettings.studio_id == studio))
    if row is None:
        return PayPolicy()
    return PayPolicy(
        period=row.period,
        period_anchor=row.period_anchor,
        late_cancel_percent=row.late_cancel_percent,
        no_show_percent=row.no_show_percent,
        studio_cancel_percent=row.studio_cancel_percent,
    )


def _own_teacher(s: Session, actor: Actor) -> uuid.UUID | None:
    return s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))


def _own_teacher_filter(actor: Actor) -> str:
    if actor.is_admin:
        return ""
    return "AND pl.teacher_id = (SELECT id FROM teachers WHERE user_id = :user)"


def _run(s: Session, actor: Actor, run_id: uuid.UUID) -> PayRun:
    run = s.get(PayRun, run_id)
    if run is None or run.studio_id != actor.studio_id:
        raise NotFound("This pay run no longer exists.")
    return run


def _lock_open_run(s: Session, actor: Actor, period: PayPeriod) -> PayRun:
    """The period's run, made if need be and locked; refused once approved."""
    s.execute(
        pg_insert(PayRun)
        .values(studio_id=actor.studio_id, period_start=period.start, period_end=period.end)
        .on_conflict_do_nothing(index_elements=["studio_id", "period_start"])
    )
    run = s.scalar(
        select(PayRun)
        .where(PayRun.studio_id == actor.studio_id, PayRun.period_start == period.start)
        .with_for_update()
    )
    assert run is not None
    if run.status == "approved":
        who = _person_name(s, run.approved_by_id)
        at = run.approved_at.astimezone(studio_zone(s, actor)) if run.approved_at else None
        when = f" on {at:%a} {at.day} {at:%b} at {at:%H:%M}" if at else ""
        raise Conflict(
            f"The pay run of {period.label} was approved by {who or 'another admin'}{when}:"
            " it is frozen, and a change goes in the next run."
        )
    return run


def approve_run(s: Session, actor: Actor, period: PayPeriod) -> PayRunView:
    """Writes the period's lines into its run and approves it, in the caller's transaction
    (the service checks first that the period is over and none later is approved)."""
    run = _lock_open_run(s, actor, period)
    view = _view(s, actor, period, lines_of=EVERY_TEACHER, run_id=run.id)
    if view.missing_rules:
        raise Conflict(
            "Set a pay rule (or the studio's default) first for: "
            + ", ".join(view.missing_rules)
            + "."
        )
    rows = [_line_values(actor, run.id, line) for line in view.lines if line.id is None]
    if rows:
        s.execute(insert(PayLine), rows)
    s.execute(
        update(PayRun)
        .where(PayRun.id == run.id)
        .values(status="approved", approved_at=text("now()"), approved_by_id=actor.user_id)
    )
    return _view(s, actor, period)


def _person_name(s: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    row = s.execute(select(User.first_name, User.last_name).where(User.id == user_id)).first()
    return f"{row.first_name} {row.last_name}".strip() if row else ""


def _names(s: Session, studio: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
    rows = s.execute(
        text(
            f"SELECT t.id, {TEACHER_NAME} AS name, u.email FROM teachers t"
            " JOIN users u ON u.id = t.user_id WHERE t.studio_id = :studio"
        ),
        {"studio": studio},
    )
    return {r.id: (r.name, r.email) for r in rows}


EVERY_TEACHER = uuid.UUID(int=1)  # `_view(lines_of=...)`: every teacher's lines


def _view(
    s: Session,
    actor: Actor,
    period: PayPeriod,
    *,
    lines_of: uuid.UUID | None = None,
    run_id: uuid.UUID | None = None,
) -> PayRunView:
    """The period's figures per teacher, and the lines of `lines_of` (a teacher, everyone
    with EVERY_TEACHER, or nobody): a month's lines are thousands, the screen shows one
    teacher's at a time. A teacher's login sees only their own."""
    run = s.scalar(
        select(PayRun).where(
            PayRun.studio_id == actor.studio_id, PayRun.period_start == period.start
        )
    )
    names = _names(s, actor.studio_id)
    zone = studio_zone(s, actor)
    only = None if actor.is_admin else _own_teacher(s, actor)
    wanted = only or (None if lines_of == EVERY_TEACHER else lines_of)
    want_lines = lines_of is not None
    approved = run is not None and run.status == "approved"
    stored = stored_totals(s, run.id, only) if run is not None else []
    lines: list[PayLineRow] = []
    warnings: list[str] = []
    missing: list[str] = []
    scope = _scope(s, actor, period, zone, run_id or (run.id if run else None), only)
    if approved:
        rows = stored
    else:
        rows = [*computed_totals(s, scope), *stored]
        missing = sorted(names.get(r.teacher_id, ("", ""))[0] for r in rows if r.missing_rule)
        warnings = _unmarked_warnings(s, scope, names)
    if want_lines:
        lines = _lines(s, run, replace(scope, teacher=wanted), names)
    approver = _person_name(s, run.approved_by_id) if run is not None else ""
    studio = s.execute(
        text(
            "SELECT s.currency, p.period_anchor FROM studios s"
            " LEFT JOIN pay_settings p ON p.studio_id = s.id WHERE s.id = :s"
        ),
        {"s": actor.studio_id},
    ).one()
    return PayRunView(
        period=period if run is None else stored_period(run.period_start, run.period_end),
        run_id=run.id if run is not None else None,
        status="approved" if approved else "preview",
        approved_at=run.approved_at if run is not None else None,
        approved_by=approver,
        teachers=merge_totals(_total(r, names) for r in rows),
        lines=tuple(lines),
        warnings=tuple(warnings),
        missing_rules=tuple(missing),
        currency=studio.currency or "USD",
        timezone=zone.key,
        anchor=studio.period_anchor or PayPolicy().period_anchor,
        is_over=period.end < studio_today(s, actor),
    )


def _lines(
    s: Session, run: PayRun | None, scope: Scope, names: Mapping[uuid.UUID, tuple[str, str]]
) -> list[PayLineRow]:
    """The lines of `scope.teacher` (everyone's: None): a run's own, and unless it is
    approved, the lines worked out now."""
    lines: list[PayLineRow] = []
    if run is None or run.status != "approved":
        lines = [_line_row(lp, names) for lp in lesson_pay(s, scope) if lp.kind != "missing"]
    if run is not None:
        lines += _stored_lines(s, run.id, names, scope.teacher)
    return lines


def _total(row: Any, names: Mapping[uuid.UUID, tuple[str, str]]) -> TeacherPayTotal:
    name, email = names.get(row.teacher_id, ("Former teacher", ""))
    return TeacherPayTotal(
        teacher_id=row.teacher_id,
        teacher_name=name,
        email=email,
        lessons=row.lessons,
        minutes=row.minutes,
        lesson_pay=row.lesson_pay,
        adjustments=row.adjustments,
        extras=row.extras,
        total=row.lesson_pay + row.adjustments + row.extras,
    )


def _stored_lines(
    s: Session,
    run_id: uuid.UUID,
    names: Mapping[uuid.UUID, tuple[str, str]],
    only: uuid.UUID | None,
) -> list[PayLineRow]:
    query = select(PayLine).where(PayLine.pay_run_id == run_id)
    if only is not None:
        query = query.where(PayLine.teacher_id == only)
    rows = s.scalars(query.order_by(PayLine.kind, PayLine.lesson_start, PayLine.created_at))
    # Rows of the database, checked when written: built without validating each again.
    return [
        PayLineRow.model_construct(
            id=r.id,
            teacher_id=r.teacher_id,
            teacher_name=names.get(r.teacher_id, ("Former teacher", ""))[0],
            kind=r.kind,  # type: ignore[arg-type]
            lesson_id=r.lesson_id,
            lesson_start=r.lesson_start,
            minutes=r.minutes,
            attendance=r.attendance,
            description=r.description,
            rate_text=r.rate_text,
            amount=r.amount,
            reason=r.reason,
        )
        for r in rows
    ]


def _scope(
    s: Session,
    actor: Actor,
    period: PayPeriod,
    zone: Any,
    run_id: uuid.UUID | None,
    teacher: uuid.UUID | None,
) -> Scope:
    """The period's bounds, and the earlier lessons to look at again: changed since the last
    approval, from the first approved run's period on."""
    starts, ends = local_day_bounds(zone, period.start, (period.end - period.start).days + 1)
    approved = s.execute(
        text(
            "SELECT min(period_start) AS first, max(approved_at) AS since FROM pay_runs"
            " WHERE studio_id = :studio AND status = 'approved' AND period_start < :start"
        ),
        {"studio": actor.studio_id, "start": period.start},
    ).one()
    floor = local_day_bounds(zone, approved.first)[0] if approved.first else starts
    since = approved.since or starts
    return Scope(actor.studio_id, starts, ends, floor, since, run_id, teacher)


def _unmarked_warnings(
    s: Session, scope: Scope, names: Mapping[uuid.UUID, tuple[str, str]]
) -> list[str]:
    counts = unmarked(s, scope.studio, scope.starts, scope.ends)
    if scope.teacher is not None:
        counts = {t: n for t, n in counts.items() if t == scope.teacher}
    return [
        f"{names.get(t, ('A teacher', ''))[0]}: {n} past lesson{'s' if n != 1 else ''} of this"
        " period not marked yet (paid in a later run once marked)."
        for t, n in sorted(counts.items(), key=lambda kv: names.get(kv[0], ("", ""))[0])
    ]


def _line_row(lp: LessonPay, names: Mapping[uuid.UUID, tuple[str, str]]) -> PayLineRow:
    description = f"{lp.who} ({words(lp.lesson_type).lower()}, {lp.minutes} min)"
    if lp.taught_by != lp.teacher_id:
        description += f": taught by {names.get(lp.taught_by, ('another teacher', ''))[0]}"
    rate = rule_text(lp.basis, lp.rule_amount, lp.per_minutes) if lp.basis else ""
    if lp.basis == "percent" and lp.rate is not None and lp.rule_amount is not None:
        rate = f"{lp.rule_amount.normalize():f}% of {lp.rate:,.2f}"
    if lp.basis and lp.pays_percent != 100:
        rate += f", paid at {lp.pays_percent.normalize():f}%"
    reason = ""
    if lp.paid_before != 0:
        reason = (
            f"Changed after approval: {lp.paid_before:,.2f} paid before, {lp.due or 0:,.2f} due now"
        )
    elif lp.kind == "adjustment":
        reason = "Marked after its period's run was approved"
    # Built by the query and the code above: not validated again (thousands a month).
    return PayLineRow.model_construct(
        id=None,
        teacher_id=lp.teacher_id,
        teacher_name=names.get(lp.teacher_id, ("Former teacher", ""))[0],
        kind=lp.kind,  # type: ignore[arg-type]
        lesson_id=lp.lesson_id,
        lesson_start=lp.lesson_start,
        minutes=lp.minutes,
        attendance=lp.attendance,
        description=description[:300],
        rate_text=rate[:100],
        amount=lp.amount,
        reason=reason,
    )


def _line_values(actor: Actor, run_id: uuid.UUID, line: PayLineRow) -> dict[str, Any]:
    return {
        "studio_id": actor.studio_id,
        "pay_run_id": run_id,
        "teacher_id": line.teacher_id,
        "kind": line.kind,
        "lesson_id": line.lesson_id,
        "lesson_start": line.lesson_start,
        "minutes": line.minutes,
        "attendance": line.attendance,
        "description": line.description,
        "rate_text": line.rate_text,
        "amount": line.amount,
        "reason": line.reason,
        "created_by_id": actor.user_id,
    }


def merge_totals(totals: Iterable[TeacherPayTotal]) -> tuple[TeacherPayTotal, ...]:
    """Several runs' figures added up per teacher."""
    acc: dict[uuid.UUID, TeacherPayTotal] = {}
    for t in totals:
        was = acc.get(t.teacher_id)
        acc[t.teacher_id] = (
            t
            if was is None
            else was.model_copy(
                update={
                    "lessons": was.lessons + t.lessons,
                    "minutes": was.minutes + t.minutes,
                    "lesson_pay": was.lesson_pay + t.lesson_pay,
                    "adjustments": was.adjustments + t.adjustments,
                    "extras": was.extras + t.extras,
                    "total": was.total + t.total,
                }
            )
        )
    return tuple(sorted(acc.values(), key=lambda t: t.teacher_name.lower()))


def totals_csv(totals: Iterable[TeacherPayTotal], periods: Iterable[tuple[date, date]]) -> str:
    """The payroll tool's CSV: one row per teacher and period, amounts with two decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t, (start, end) in zip(totals, periods, strict=True):
        writer.writerow(
            [
                start.isoformat(),
                end.isoformat(),
                t.teacher_id,
                t.teacher_name,
                t.email,
                t.lessons,
                t.hours,
                f"{t.lesson_pay:.2f}",
                f"{t.adjustments:.2f}",
                f"{t.extras:.2f}",
                f"{t.total:.2f}",
            ]
        )
    return out.getvalue()
