"""A teacher's students from an index: what a teacher's row security asks on every query.

Reviewed by hand.

The policies of a teacher's login on students, users and families ask
`app_teacher_student_ids()`: the students whose primary teacher they are, and every student
they have had a lesson with. The second part read all of the teacher's lessons from the heap
(4,000 on the large demo, about 10 ms, twice per query: students and users). With
`(teacher_id, student_id)` it is an index-only scan.

Revision ID: 0031_teacher_students_index
Revises: 0030_lessons_changed_since
Create Date: 2026-12-12 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0031_teacher_students_index"
down_revision = "0030_lessons_changed_since"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lessons_teacher_id_student_id", "lessons", ["teacher_id", "student_id"])


def downgrade() -> None:
    op.drop_index("ix_lessons_teacher_id_student_id", table_name="lessons")
