"""Studio news by email: the outbox takes messages of kind 'news' (sent only to people whose
latest marketing-email consent is a yes, services/email_news.py).

Reviewed by hand.

Revision ID: 0033_news_email
Revises: 0032_studio_live
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033_news_email"
down_revision: str | None = "0032_studio_live"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "'invoice', 'credit_note', 'receipt', 'statement', 'overdue_notice', 'lesson_reminder', "
    "'lesson_cancelled', 'lesson_moved', 'makeup_granted', 'makeup_expiring', 'item_due', "
    "'item_overdue', 'room_confirmed', 'test'"
)


def _kinds(allowed: str) -> None:
    op.execute("ALTER TABLE email_outbox DROP CONSTRAINT ck_email_outbox_kind_allowed")
    op.execute(
        "ALTER TABLE email_outbox ADD CONSTRAINT ck_email_outbox_kind_allowed"
        f" CHECK (kind IN ({allowed}))"
    )


def upgrade() -> None:
    _kinds(BEFORE + ", 'news'")


def downgrade() -> None:
    op.execute("DELETE FROM email_outbox WHERE kind = 'news'")
    _kinds(BEFORE)
