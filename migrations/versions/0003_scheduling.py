"""Scheduling: studio closures, make-up credits, series horizon, who a cancellation was for.

Reviewed by hand:
- studio_closures: one row per closed day and studio (unique), skipped by series generation;
- makeup_credits: one credit per cancelled lesson (source unique), one make-up lesson per
  credit (used_by unique); "expired" is derived from expires_on;
- recurring_patterns.generated_until: how far an open-ended series has been generated;
- lessons.cancelled_on_behalf_of: studio / teacher / student, which decides the credit;
- ix_makeup_credits_open: the unused credits of a student, oldest expiry first.

Revision ID: 0003_scheduling
Revises: 0002_conflicts
Create Date: 2026-11-26 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_scheduling"
down_revision: str | None = "0002_conflicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "studio_closures",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_studio_closures_studio_id_studios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_closures")),
        sa.UniqueConstraint("studio_id", "closed_on", name=op.f("uq_studio_closures_studio_id_closed_on")),
    )
    op.create_index(op.f("ix_studio_closures_studio_id"), "studio_closures", ["studio_id"], unique=False)
    op.create_table(
        "makeup_credits",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("source_lesson_id", sa.UUID(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("used_by_lesson_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("used_by_lesson_id IS NULL OR used_by_lesson_id <> source_lesson_id", name=op.f("ck_makeup_credits_not_used_by_its_source")),
        sa.ForeignKeyConstraint(["source_lesson_id"], ["lessons.id"], name=op.f("fk_makeup_credits_source_lesson_id_lessons"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_makeup_credits_student_id_students"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_makeup_credits_studio_id_studios"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["used_by_lesson_id"], ["lessons.id"], name=op.f("fk_makeup_credits_used_by_lesson_id_lessons"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_makeup_credits")),
        sa.UniqueConstraint("source_lesson_id", name=op.f("uq_makeup_credits_source_lesson_id")),
        sa.UniqueConstraint("used_by_lesson_id", name=op.f("uq_makeup_credits_used_by_lesson_id")),
    )
    op.create_index(op.f("ix_makeup_credits_student_id"), "makeup_credits", ["student_id"], unique=False)
    op.create_index(op.f("ix_makeup_credits_studio_id"), "makeup_credits", ["studio_id"], unique=False)
    for table in ("studio_closures", "makeup_credits"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
    op.add_column("recurring_patterns", sa.Column("generated_until", sa.Date(), nullable=True))
    op.add_column("lessons", sa.Column("cancelled_on_behalf_of", sa.String(length=10), nullable=True))
    op.create_check_constraint(
        op.f("ck_lessons_cancelled_on_behalf_of_allowed"),
        "lessons",
        "cancelled_on_behalf_of IS NULL OR cancelled_on_behalf_of IN ('studio', 'teacher', 'student')",
    )
    # Existing series: generated up to their last lesson (or not at all).
    op.execute(
        """
        UPDATE recurring_patterns p SET generated_until = sub.last_day
          FROM (SELECT recurring_pattern_id, max(scheduled_start)::date AS last_day
                  FROM lessons WHERE recurring_pattern_id IS NOT NULL
                 GROUP BY recurring_pattern_id) sub
         WHERE sub.recurring_pattern_id = p.id
        """
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_lessons_cancelled_on_behalf_of_allowed"), "lessons", type_="check")
    op.drop_column("lessons", "cancelled_on_behalf_of")
    op.drop_column("recurring_patterns", "generated_until")
    op.drop_index(op.f("ix_makeup_credits_studio_id"), table_name="makeup_credits")
    op.drop_index(op.f("ix_makeup_credits_student_id"), table_name="makeup_credits")
    op.drop_table("makeup_credits")
    op.drop_index(op.f("ix_studio_closures_studio_id"), table_name="studio_closures")
    op.drop_table("studio_closures")
