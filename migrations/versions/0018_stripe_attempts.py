"""Stripe attempts: a card is charged once, a refund is made once, a pay link is made once.

Reviewed by hand. Every card charge, pay link and refund becomes a row of `stripe_attempts`,
committed under the invoice's lock before Stripe is called. The row's id makes the idempotency
keys that every retry reuses; partial unique indexes allow one open card charge per invoice,
one open pay link per invoice and balance, and one open refund per payment. A row left open
(the app closed or the reply lost) is settled later by asking Stripe.

Like the other billing tables: the studio's row-level security, grants from the permission
matrix (admins and the desk read and write it, and change only how an attempt ended; nobody
deletes it: it is the record of what Stripe was asked; teachers get nothing), the audit trail
and the updated_at trigger.

Revision ID: 0018_stripe_attempts
Revises: 0017_email_events
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0018_stripe_attempts"
down_revision: str | Sequence[str] | None = "0017_email_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "stripe_attempts"
STAFF = "studiosync_admin, studiosync_desk"
STUDIO = "studio_id = (SELECT app_studio_id())"


def _open(kind: str) -> sa.TextClause:
    return sa.text(f"kind = '{kind}' AND status = 'open'")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method_id", sa.UUID(), nullable=True),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("stripe_id", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('charge', 'pay_link', 'refund')", name=op.f("ck_stripe_attempts_kind_allowed")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'succeeded', 'failed', 'canceled', 'expired')",
            name=op.f("ck_stripe_attempts_status_allowed"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_stripe_attempts_amount_positive")),
        sa.CheckConstraint(
            "(status = 'open') = (settled_at IS NULL)",
            name=op.f("ck_stripe_attempts_settled_when_closed"),
        ),
        sa.CheckConstraint(
            "kind <> 'charge' OR payment_method_id IS NOT NULL",
            name=op.f("ck_stripe_attempts_charge_card"),
        ),
        sa.CheckConstraint(
            "kind <> 'refund' OR payment_id IS NOT NULL",
            name=op.f("ck_stripe_attempts_refund_payment"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_stripe_attempts_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_stripe_attempts_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_stripe_attempts_payment_method_id_payment_methods"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_stripe_attempts_payment_id_payments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_stripe_attempts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_attempts")),
        sa.UniqueConstraint("stripe_id", name=op.f("uq_stripe_attempts_stripe_id")),
    )
    op.create_index(op.f("ix_stripe_attempts_studio_id"), TABLE, ["studio_id"])
    op.create_index(op.f("ix_stripe_attempts_invoice_id"), TABLE, ["invoice_id"])
    op.create_index(op.f("ix_stripe_attempts_payment_id"), TABLE, ["payment_id"])
    op.create_index(
        "uq_stripe_attempts_open_charge",
        TABLE,
        ["invoice_id"],
        unique=True,
        postgresql_where=_open("charge"),
    )
    op.create_index(
        "uq_stripe_attempts_open_pay_link",
        TABLE,
        ["invoice_id", "amount"],
        unique=True,
        postgresql_where=_open("pay_link"),
    )
    op.create_index(
        "uq_stripe_attempts_open_refund",
        TABLE,
        ["payment_id"],
        unique=True,
        postgresql_where=_open("refund"),
    )
    op.execute(
        f"CREATE TRIGGER trg_{TABLE}_updated_at BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(TABLE)}
    for statement in grant_statements({TABLE: columns}):
        op.execute(statement)
    op.execute(
        f"CREATE POLICY staff_studio ON {TABLE} AS PERMISSIVE FOR ALL TO {STAFF}"
        f" USING ({STUDIO}) WITH CHECK ({STUDIO})"
    )
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER trg_{TABLE}_audit_{event.lower()} AFTER {event} ON {TABLE} "
            f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('id')"
        )


def downgrade() -> None:
    op.drop_table(TABLE)
