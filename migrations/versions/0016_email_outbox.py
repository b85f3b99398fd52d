"""Email: the outbox, its attachments, the studio's mail settings, templates and preferences.

Reviewed by hand.

- `email_outbox`: one row per message meaning, `UNIQUE (studio_id, dedupe_key)`, so whichever
  desk queues an email (`INSERT ... ON CONFLICT DO NOTHING`) it exists once. Status queued ->
  sending -> sent, or failed (with the server's answer), cancelled, skipped (with the reason).
- `email_attachments`: the bytes sent with a message (an invoice PDF).
- `email_settings`: the studio's SMTP server and email policies (the password stays in the
  keyring of each PC that sends); `email_templates`: an administrator's wording per kind;
  `email_preferences`: per person, the kinds they opted out of and quiet hours.

Who (the permission matrix, `studiosync_desktop/permission_matrix.py`, grants it): admins and
the desk read and manage the outbox and preferences; only admins change the mail settings and
templates (the desk reads them to send, and may note the server's last problem); teachers get
nothing. Row-level security keeps each studio's rows to its own staff. The outbox and attachments are not audited (bookkeeping with
whole documents in it); settings, templates and preferences are.

Revision ID: 0016_email_outbox
Revises: 0015_clock_and_draft_lines
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0016_email_outbox"
down_revision: str | Sequence[str] | None = "0015_clock_and_draft_lines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'invoice', 'credit_note', 'receipt', 'statement', 'overdue_notice', 'lesson_reminder', "
    "'lesson_cancelled', 'lesson_moved', 'makeup_granted', 'makeup_expiring', 'item_due', "
    "'item_overdue', 'room_confirmed', 'test'"
)
STATUSES = "'queued', 'sending', 'sent', 'failed', 'cancelled', 'skipped'"
STAFF = "studiosync_admin, studiosync_desk"
EMAIL_TABLES = (
    "email_outbox",
    "email_attachments",
    "email_settings",
    "email_templates",
    "email_preferences",
)
STUDIO = "studio_id = (SELECT app_studio_id())"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    ]


def _studio_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["studio_id"], ["studios.id"], name=op.f(f"fk_{table}_studio_id_studios"),
        ondelete="CASCADE",
    )


def _create_tables() -> None:
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("about_id", sa.UUID(), nullable=True),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("composed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("recipient", sa.String(length=254), server_default="", nullable=False),
        sa.Column("subject", sa.String(length=300), server_default="", nullable=False),
        sa.Column("text_body", sa.Text(), server_default="", nullable=False),
        sa.Column("html_body", sa.Text(), server_default="", nullable=False),
        sa.Column("message_id", sa.String(length=300), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("recovered", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_email_outbox_kind_allowed")),
        sa.CheckConstraint(f"status IN ({STATUSES})",
                           name=op.f("ck_email_outbox_status_allowed")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_email_outbox_attempts_not_negative")),
        _studio_fk("email_outbox"),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"],
                                name=op.f("fk_email_outbox_person_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_email_outbox_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
        sa.UniqueConstraint("studio_id", "dedupe_key",
                            name=op.f("uq_email_outbox_studio_id_dedupe_key")),
    )
    op.create_index("ix_email_outbox_studio_id", "email_outbox", ["studio_id"])
    op.create_index("ix_email_outbox_person_id", "email_outbox", ["person_id"])
    op.create_index("ix_email_outbox_about_id", "email_outbox", ["about_id"])
    op.create_index("ix_email_outbox_studio_id_created_at", "email_outbox",
                    ["studio_id", "created_at"])
    op.create_index("ix_email_outbox_studio_id_status_next_attempt_at", "email_outbox",
                    ["studio_id", "status", "next_attempt_at"])

    op.create_table(
        "email_attachments",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), server_default="application/pdf",
                  nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_id", sa.String(length=100), server_default="", nullable=False),
        _studio_fk("email_attachments"),
        sa.ForeignKeyConstraint(["message_id"], ["email_outbox.id"],
                                name=op.f("fk_email_attachments_message_id_email_outbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_attachments")),
    )
    op.create_index("ix_email_attachments_studio_id", "email_attachments", ["studio_id"])
    op.create_index("ix_email_attachments_message_id", "email_attachments", ["message_id"])

    op.create_table(
        "email_settings",
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("host", sa.String(length=253), server_default="", nullable=False),
        sa.Column("port", sa.Integer(), server_default=sa.text("587"), nullable=False),
        sa.Column("security", sa.String(length=10), server_default="starttls", nullable=False),
        sa.Column("username", sa.String(length=254), server_default="", nullable=False),
        sa.Column("from_address", sa.String(length=254), server_default="", nullable=False),
        sa.Column("from_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("enabled_kinds", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("reminder_hours", sa.Integer(), server_default=sa.text("24"), nullable=False),
        sa.Column("overdue_after_days", sa.Integer(), server_default=sa.text("7"),
                  nullable=False),
        sa.Column("overdue_every_days", sa.Integer(), server_default=sa.text("7"),
                  nullable=False),
        sa.Column("overdue_max_notices", sa.Integer(), server_default=sa.text("3"),
                  nullable=False),
        sa.Column("makeup_warning_days", sa.Integer(), server_default=sa.text("7"),
                  nullable=False),
        sa.Column("item_due_warning_days", sa.Integer(), server_default=sa.text("2"),
                  nullable=False),
        sa.Column("max_attempts", sa.Integer(), server_default=sa.text("5"), nullable=False),
        sa.Column("last_problem", sa.Text(), server_default="", nullable=False),
        sa.Column("last_problem_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("security IN ('none', 'starttls', 'tls')",
                           name=op.f("ck_email_settings_security_allowed")),
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name=op.f("ck_email_settings_port_in_range")),
        sa.CheckConstraint("reminder_hours BETWEEN 1 AND 168",
                           name=op.f("ck_email_settings_reminder_hours_in_range")),
        sa.CheckConstraint("overdue_after_days BETWEEN 0 AND 365",
                           name=op.f("ck_email_settings_overdue_after_in_range")),
        sa.CheckConstraint("overdue_every_days BETWEEN 1 AND 365",
                           name=op.f("ck_email_settings_overdue_every_in_range")),
        sa.CheckConstraint("overdue_max_notices BETWEEN 0 AND 20",
                           name=op.f("ck_email_settings_overdue_max_in_range")),
        sa.CheckConstraint("makeup_warning_days BETWEEN 1 AND 90",
                           name=op.f("ck_email_settings_makeup_warning_in_range")),
        sa.CheckConstraint("item_due_warning_days BETWEEN 0 AND 30",
                           name=op.f("ck_email_settings_item_warning_in_range")),
        sa.CheckConstraint("max_attempts BETWEEN 1 AND 20",
                           name=op.f("ck_email_settings_max_attempts_in_range")),
        sa.CheckConstraint("jsonb_typeof(enabled_kinds) = 'array'",
                           name=op.f("ck_email_settings_enabled_kinds_is_array")),
        _studio_fk("email_settings"),
        sa.PrimaryKeyConstraint("studio_id", name=op.f("pk_email_settings")),
    )

    op.create_table(
        "email_templates",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), server_default="", nullable=False),
        *_timestamps(),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_email_templates_kind_allowed")),
        _studio_fk("email_templates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
        sa.UniqueConstraint("studio_id", "kind", name=op.f("uq_email_templates_studio_id_kind")),
    )
    op.create_index("ix_email_templates_studio_id", "email_templates", ["studio_id"])

    op.create_table(
        "email_preferences",
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("opted_out", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("reminder_hours", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("jsonb_typeof(opted_out) = 'array'",
                           name=op.f("ck_email_preferences_opted_out_is_array")),
        sa.CheckConstraint("reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168",
                           name=op.f("ck_email_preferences_reminder_hours_in_range")),
        sa.CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)",
                           name=op.f("ck_email_preferences_quiet_hours_both_or_none")),
        _studio_fk("email_preferences"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_email_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_preferences")),
    )
    op.create_index("ix_email_preferences_studio_id", "email_preferences", ["studio_id"])


def _policy(table: str, name: str, command: str, roles: str, using: str, check: str | None) -> None:
    sql = f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {command} TO {roles}"
    if using:
        sql += f" USING ({using})"
    if check:
        sql += f" WITH CHECK ({check})"
    op.execute(sql)


def _secure() -> None:
    """Row-level security per studio; the grants are the permission matrix's."""
    for table in EMAIL_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    # The outbox and people's preferences: the front desk's, whole.
    for table in ("email_outbox", "email_attachments", "email_preferences"):
        _policy(table, "staff_studio", "ALL", STAFF, STUDIO, STUDIO)
    # The account and the wording: admins change them, the desk reads them to send.
    for table in ("email_settings", "email_templates"):
        _policy(table, "admin_all", "ALL", "studiosync_admin", STUDIO, STUDIO)
        _policy(table, "desk_reads", "SELECT", "studiosync_desk", STUDIO, None)
    # A desk that meets a server problem while sending says so to everyone (its columns only).
    _policy("email_settings", "desk_notes_problem", "UPDATE", "studiosync_desk", STUDIO, STUDIO)
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
        for table in EMAIL_TABLES
    }
    for statement in grant_statements(columns):
        op.execute(statement)


def _triggers() -> None:
    for table in ("email_outbox", "email_settings", "email_templates", "email_preferences"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
    # The Outbox view on every desk follows the sender (studiosync_notify_change reads `id`).
    for table in ("email_outbox",):
        op.execute(f"""
        CREATE TRIGGER {table}_live_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        CREATE TRIGGER {table}_live_update AFTER UPDATE ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        CREATE TRIGGER {table}_live_delete AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        """)
    for table, key in (("email_settings", ""), ("email_templates", "id"),
                       ("email_preferences", "")):
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER trg_{table}_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('{key}')"
            )


def upgrade() -> None:
    _create_tables()
    _secure()
    _triggers()


def downgrade() -> None:
    for table in ("email_preferences", "email_templates", "email_settings", "email_attachments",
                  "email_outbox"):
        op.drop_table(table)
