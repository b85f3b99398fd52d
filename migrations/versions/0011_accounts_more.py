"""Accounts, continued: the front desk may see (and so de-duplicate) the studio's reminders.

Reviewed by hand. `NotificationService.raise_due_reminders` inserts the day's reminders for
every desk person and teacher with `ON CONFLICT DO NOTHING`, and PostgreSQL checks such rows
against the SELECT policies too; the desk could only see its own notifications, so raising
reminders for a colleague was refused. Admins and the desk may now see the studio's reminder
notifications (lessons tomorrow, overdue invoices and checkouts): nothing they cannot already
read in the calendar, billing and inventory. Other notifications (messages) stay private.

Revision ID: 0011_accounts_more
Revises: 0010_accounts
Create Date: 2026-11-26 07:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_accounts_more"
down_revision: str | Sequence[str] | None = "0010_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDER_TYPES = "('lesson_reminder', 'invoice_overdue', 'checkout_overdue')"


def upgrade() -> None:
    op.execute(
        "CREATE POLICY staff_reads_reminders ON notifications AS PERMISSIVE FOR SELECT"
        " TO studiosync_admin, studiosync_desk"
        " USING (studio_id = (SELECT app_studio_id())"
        f" AND notification_type IN {REMINDER_TYPES})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS staff_reads_reminders ON notifications")
