"""The one certificate a studio trusts for its own mail server: `email_settings.
trusted_certificate`, the SHA-256 fingerprint of a self-signed or private certificate that an
administrator chose to trust in Tools > Email ('' = only the system's authorities).

Reviewed by hand. The column gets the control-character check of every typed text (0035)
and a check of its form (empty, or 32 hexadecimal pairs joined by colons). The table's grants
are whole-table for the admins; the desk's UPDATE stays on its two problem columns.

Revision ID: 0036_trusted_mail_certificate
Revises: 0035_control_free_text
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import CONTROL_FREE_FUNCTION, control_free_check_name

revision: str = "0036_trusted_mail_certificate"
down_revision: str | None = "0035_control_free_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models.email.TRUSTED_CERTIFICATE_FORM says it today (a migration keeps its own copy).
FORM = "trusted_certificate ~ '^([0-9A-F]{2}(:[0-9A-F]{2}){31})?$'"


def upgrade() -> None:
    op.add_column(
        "email_settings",
        sa.Column("trusted_certificate", sa.String(95), server_default="", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_email_settings_trusted_certificate_is_a_fingerprint"),
        "email_settings",
        FORM,
    )
    op.execute(
        "ALTER TABLE email_settings ADD CONSTRAINT"
        f" {control_free_check_name('email_settings', 'trusted_certificate')}"
        f' CHECK ({CONTROL_FREE_FUNCTION}("trusted_certificate"))'
    )


def downgrade() -> None:
    op.drop_column("email_settings", "trusted_certificate")
