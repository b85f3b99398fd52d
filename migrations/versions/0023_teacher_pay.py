"""Teacher pay: the studio's pay policy, pay rules, pay runs and their lines.

Reviewed by hand.

- `pay_settings`: one row per studio: the pay period (weekly, two-weekly, monthly, with the
  day weekly periods count from) and what a late cancel, a no-show and a studio cancellation
  pay (a percent of the lesson's pay: 0 nothing, 100 in full).
- `pay_rules`: how a lesson pays: by time (money per 30, 45 or 60 minutes), a percent of the
  lesson's rate, or a flat amount; the studio's default (no teacher) or one teacher's, for
  every lesson type (no type) or one. One rule per studio, teacher and type (NULLS NOT
  DISTINCT, so one studio default too).
- `pay_runs`: a pay period's run, open while an admin adds lines by hand, then approved.
  Runs of a studio never overlap (an exclusion constraint over the period's dates).
- `pay_lines`: a lesson paid, an adjustment to a lesson paid in an earlier run, or a line
  added by hand (with its reason). A lesson is paid at most once per run and teacher.

Frozen by triggers, for every role and the owner alike: an approved run is never changed or
deleted, and no line of it is added, changed or deleted (the privacy erasure may still
rewrite the text of a line that names the erased person). Admins alone write pay; the desk
sees none of it; a teacher reads the studio's policy and runs, their own rules and the
studio's default, and their own lines.

Revision ID: 0023_teacher_pay
Revises: 0022_studio_columns
Create Date: 2026-12-11 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0023_teacher_pay"
down_revision: str | Sequence[str] | None = "0022_studio_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("pay_settings", "pay_rules", "pay_runs", "pay_lines")
STUDIO = "studio_id = (SELECT app_studio_id())"
TEACHER = "studiosync_teacher"
# (table, policy, command, role, USING); WITH CHECK is the same expression.
POLICIES = (
    ("pay_settings", "admin_studio", "ALL", "studiosync_admin", STUDIO),
    ("pay_settings", "teacher_reads", "SELECT", TEACHER, STUDIO),
    ("pay_rules", "admin_studio", "ALL", "studiosync_admin", STUDIO),
    (
        "pay_rules",
        "teacher_own_or_default",
        "SELECT",
        TEACHER,
        f"{STUDIO} AND (teacher_id IS NULL OR teacher_id = (SELECT app_teacher_id()))",
    ),
    ("pay_runs", "admin_studio", "ALL", "studiosync_admin", STUDIO),
    ("pay_runs", "teacher_reads", "SELECT", TEACHER, STUDIO),
    ("pay_lines", "admin_studio", "ALL", "studiosync_admin", STUDIO),
    (
        "pay_lines",
        "teacher_own",
        "SELECT",
        TEACHER,
        f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
    ),
)

GUARDS = """
CREATE FUNCTION pay_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'The pay run of % to % is approved: it is never changed or deleted.',
            OLD.period_start, OLD.period_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_pay_runs_approved_is_final';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_pay_runs_guard BEFORE UPDATE OR DELETE ON pay_runs
    FOR EACH ROW EXECUTE FUNCTION pay_runs_guard();

-- SECURITY DEFINER: the run's status is read whatever rows the caller may see.
CREATE FUNCTION pay_run_is_approved(run uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pay_runs WHERE id = run AND status = 'approved')
$$;

-- Before: a line of an approved run is not changed or deleted (rows the caller may reach).
CREATE FUNCTION pay_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pay_run_is_approved(OLD.pay_run_id) THEN
        -- The privacy erasure rewrites the words naming the person, nothing else.
        IF TG_OP = 'UPDATE' AND app_privacy_pause()
           AND (to_jsonb(NEW) - ARRAY['description', 'reason', 'rate_text', 'updated_at'])
               = (to_jsonb(OLD) - ARRAY['description', 'reason', 'rate_text', 'updated_at']) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'The lines of an approved pay run are frozen: a correction goes in the next run.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_pay_lines_frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_pay_lines_guard BEFORE UPDATE OR DELETE ON pay_lines
    FOR EACH ROW EXECUTE FUNCTION pay_lines_guard();

-- After (so row security has judged the row first): no line joins an approved run.
CREATE FUNCTION pay_lines_join_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' OR NEW.pay_run_id <> OLD.pay_run_id)
       AND pay_run_is_approved(NEW.pay_run_id) THEN
        RAISE EXCEPTION 'The lines of an approved pay run are frozen: a correction goes in the next run.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_pay_lines_frozen';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_pay_lines_join_guard AFTER INSERT OR UPDATE ON pay_lines
    FOR EACH ROW EXECUTE FUNCTION pay_lines_join_guard();
"""


def _create_tables() -> None:
    op.create_table('pay_settings',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('period', sa.String(length=10), server_default='monthly', nullable=False),
    sa.Column('period_anchor', sa.Date(), server_default=sa.text("'2024-01-01'"), nullable=False),
    sa.Column('late_cancel_percent', sa.Numeric(precision=5, scale=2), server_default='100', nullable=False),
    sa.Column('no_show_percent', sa.Numeric(precision=5, scale=2), server_default='100', nullable=False),
    sa.Column('studio_cancel_percent', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("period IN ('weekly', 'biweekly', 'monthly')", name=op.f('ck_pay_settings_period_allowed')),
    sa.CheckConstraint('late_cancel_percent BETWEEN 0 AND 100 AND no_show_percent BETWEEN 0 AND 100 AND studio_cancel_percent BETWEEN 0 AND 100', name=op.f('ck_pay_settings_percent_0_to_100')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_pay_settings_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_settings')),
    sa.UniqueConstraint('studio_id', name=op.f('uq_pay_settings_studio_id'))
    )
    op.create_index(op.f('ix_pay_settings_studio_id'), 'pay_settings', ['studio_id'], unique=False)
    op.create_table('pay_runs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('studio_id'), '='), (sa.text("daterange(period_start, period_end, '[]')"), '&&'), using='gist', name='ex_pay_runs_periods_overlap'),
    sa.CheckConstraint("(status = 'approved') = (approved_at IS NOT NULL)", name=op.f('ck_pay_runs_approved_has_time')),
    sa.CheckConstraint("status IN ('open', 'approved')", name=op.f('ck_pay_runs_status_allowed')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_pay_runs_end_after_start')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_pay_runs_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_pay_runs_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_runs')),
    sa.UniqueConstraint('studio_id', 'period_start', name=op.f('uq_pay_runs_studio_id_period_start'))
    )
    op.create_index(op.f('ix_pay_runs_studio_id'), 'pay_runs', ['studio_id'], unique=False)
    op.create_table('pay_rules',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=True),
    sa.Column('lesson_type', sa.String(length=10), nullable=True),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('per_minutes', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(basis = 'time') = (per_minutes IS NOT NULL)", name=op.f('ck_pay_rules_per_minutes_for_time')),
    sa.CheckConstraint("basis <> 'percent' OR amount <= 100", name=op.f('ck_pay_rules_percent_at_most_100')),
    sa.CheckConstraint("basis IN ('time', 'percent', 'flat')", name=op.f('ck_pay_rules_basis_allowed')),
    sa.CheckConstraint("lesson_type IS NULL OR lesson_type IN ('private', 'group', 'ensemble', 'online', 'makeup')", name=op.f('ck_pay_rules_lesson_type_allowed')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_pay_rules_amount_not_negative')),
    sa.CheckConstraint('per_minutes IS NULL OR per_minutes IN (30, 45, 60)', name=op.f('ck_pay_rules_per_minutes')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_pay_rules_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_pay_rules_teacher_id_teachers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_rules')),
    sa.UniqueConstraint('studio_id', 'teacher_id', 'lesson_type', name=op.f('uq_pay_rules_studio_id_teacher_id_lesson_type'), postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_pay_rules_studio_id'), 'pay_rules', ['studio_id'], unique=False)
    op.create_index(op.f('ix_pay_rules_teacher_id'), 'pay_rules', ['teacher_id'], unique=False)
    op.create_table('pay_lines',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('pay_run_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=True),
    sa.Column('lesson_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=14), nullable=True),
    sa.Column('description', sa.String(length=300), server_default='', nullable=False),
    sa.Column('rate_text', sa.String(length=100), server_default='', nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind = 'extra') = (lesson_id IS NULL)", name=op.f('ck_pay_lines_lesson_unless_extra')),
    sa.CheckConstraint("attendance IS NULL OR attendance IN ('completed', 'late_cancel', 'no_show', 'studio_cancel', 'unpaid')", name=op.f('ck_pay_lines_attendance_allowed')),
    sa.CheckConstraint("kind <> 'extra' OR length(trim(reason)) > 0", name=op.f('ck_pay_lines_extra_has_reason')),
    sa.CheckConstraint("kind IN ('lesson', 'adjustment', 'extra')", name=op.f('ck_pay_lines_kind_allowed')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pay_lines_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_pay_lines_lesson_id_lessons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pay_run_id'], ['pay_runs.id'], name=op.f('fk_pay_lines_pay_run_id_pay_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_pay_lines_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_pay_lines_teacher_id_teachers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_lines')),
    sa.UniqueConstraint('pay_run_id', 'lesson_id', 'teacher_id', name=op.f('uq_pay_lines_pay_run_id_lesson_id_teacher_id'))
    )
    op.create_index(op.f('ix_pay_lines_lesson_id'), 'pay_lines', ['lesson_id'], unique=False)
    op.create_index(op.f('ix_pay_lines_studio_id'), 'pay_lines', ['studio_id'], unique=False)
    op.create_index('ix_pay_lines_teacher_id_pay_run_id', 'pay_lines', ['teacher_id', 'pay_run_id'], unique=False)


def _secure() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for table, name, command, role, rows in POLICIES:
        check = f" WITH CHECK ({rows})" if command != "SELECT" else ""
        op.execute(
            f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {command} TO {role}"
            f" USING ({rows}){check}"
        )
    columns = {
        table: set(
            op.get_bind()
            .execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = :t"
                ),
                {"t": table},
            )
            .scalars()
        )
        for table in TABLES
    }
    for statement in grant_statements(columns):
        op.execute(statement)


def _triggers() -> None:
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_live_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change()"
            )
            op.execute(
                f"CREATE TRIGGER trg_{table}_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('id')"
            )
    op.execute(GUARDS)


def upgrade() -> None:
    _create_tables()
    _secure()
    _triggers()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS pay_lines_join_guard()")
    op.execute("DROP FUNCTION IF EXISTS pay_lines_guard()")
    op.execute("DROP FUNCTION IF EXISTS pay_run_is_approved(uuid)")
    op.execute("DROP FUNCTION IF EXISTS pay_runs_guard()")
