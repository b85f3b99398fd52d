"""Billing: lessons billed once, gap-free numbers, totals kept by the database, account credit.

Reviewed by hand (autogenerate misses checks on existing tables, triggers and functions):
- invoice_line_items.billed_lesson_id / billed_reservation_id: the lesson (reservation) while
  the invoice is not void, UNIQUE: a lesson is billed at most once, a void one's again;
- invoices: subtotal, tax, total, amount_paid and the paid/partial/sent status are recomputed
  from the lines and payments by a BEFORE trigger whenever the invoice, one of its lines or
  one of its payments changes, so the stored totals always equal what they say;
- lines of an issued invoice are frozen; a void invoice stays void and keeps its number;
- invoice_number_counters: the last number per studio and year, locked while issuing;
- account_credits: a payer's credit ledger whose balance never goes below zero;
- invoice_events: the history shown on the invoice's detail.

Revision ID: 0004_billing
Revises: 0002_conflicts
Create Date: 2026-11-26 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_billing"
down_revision: str | None = "0002_conflicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAID_STATUSES = "('completed', 'partially_refunded', 'refunded')"

FUNCTIONS = f"""
CREATE FUNCTION invoices_compute_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sub numeric; taxable numeric; paid numeric;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'void' AND NEW.status <> 'void' THEN
            RAISE EXCEPTION 'A void invoice stays void: issue a new one instead.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_void_is_final';
        END IF;
        IF OLD.invoice_number IS NOT NULL
           AND NEW.invoice_number IS DISTINCT FROM OLD.invoice_number THEN
            RAISE EXCEPTION 'An issued invoice keeps its number.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_number_is_final';
        END IF;
    END IF;
    SELECT coalesce(sum(total_price), 0), coalesce(sum(total_price) FILTER (WHERE is_taxable), 0)
      INTO sub, taxable FROM invoice_line_items WHERE invoice_id = NEW.id;
    SELECT coalesce(sum(amount - refunded_amount), 0) INTO paid
      FROM payments WHERE invoice_id = NEW.id AND status IN {PAID_STATUSES};
    NEW.subtotal := sub;
    -- Half-up (away from zero) to the cent, once per invoice, like money.round_cents.
    NEW.tax := round(taxable * NEW.tax_rate / 100, 2);
    NEW.total := sub - NEW.discount + NEW.tax + NEW.late_fee;
    NEW.amount_paid := paid;
    IF NEW.status IN ('sent', 'partial', 'paid') THEN
        NEW.status := CASE WHEN NEW.total <= 0 OR paid >= NEW.total THEN 'paid'
                           WHEN paid > 0 THEN 'partial' ELSE 'sent' END;
    END IF;
    RETURN NEW;
END;
$$;

-- Statement level, over the transition tables: one recompute per touched invoice.
CREATE FUNCTION invoices_touch_from_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE invoices SET updated_at = now()
         WHERE id IN (SELECT DISTINCT invoice_id FROM changed_new);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE invoices SET updated_at = now()
         WHERE id IN (SELECT DISTINCT invoice_id FROM changed_old);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION invoice_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inv_status text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT status INTO inv_status FROM invoices WHERE id = OLD.invoice_id;
        IF inv_status IS NOT NULL AND inv_status <> 'draft' THEN
            RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
        END IF;
        RETURN OLD;
    END IF;
    SELECT status INTO inv_status FROM invoices WHERE id = NEW.invoice_id;
    IF TG_OP = 'UPDATE' AND inv_status <> 'draft'
       AND (NEW.invoice_id, NEW.description, NEW.quantity, NEW.unit_price, NEW.is_taxable,
            NEW.lesson_id, NEW.reservation_id)
           IS DISTINCT FROM
           (OLD.invoice_id, OLD.description, OLD.quantity, OLD.unit_price, OLD.is_taxable,
            OLD.lesson_id, OLD.reservation_id) THEN
        RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
    END IF;
    IF inv_status = 'void' THEN
        NEW.billed_lesson_id := NULL;
        NEW.billed_reservation_id := NULL;
    ELSE
        NEW.billed_lesson_id := NEW.lesson_id;
        NEW.billed_reservation_id := NEW.reservation_id;
    END IF;
    RETURN NEW;
END;
$$;

-- A voided invoice gives its lessons and reservations back: they may be billed again.
CREATE FUNCTION invoices_release_billed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invoice_line_items SET billed_lesson_id = NULL, billed_reservation_id = NULL
     WHERE invoice_id = NEW.id
       AND (billed_lesson_id IS NOT NULL OR billed_reservation_id IS NOT NULL);
    RETURN NULL;
END;
$$;

CREATE FUNCTION account_credits_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT sum(amount) FROM account_credits
         WHERE family_id IS NOT DISTINCT FROM NEW.family_id
           AND band_id IS NOT DISTINCT FROM NEW.band_id
           AND student_id IS NOT DISTINCT FROM NEW.student_id) < 0 THEN
        RAISE EXCEPTION 'The account credit would go below zero.'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'ck_account_credits_balance_not_negative';
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER invoices_compute_totals BEFORE INSERT OR UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_compute_totals();
CREATE TRIGGER invoices_release_billed AFTER UPDATE OF status ON invoices
    FOR EACH ROW WHEN (NEW.status = 'void' AND OLD.status <> 'void')
    EXECUTE FUNCTION invoices_release_billed();
CREATE TRIGGER invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_line_items
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_guard();
CREATE TRIGGER invoice_lines_touch_ins AFTER INSERT ON invoice_line_items
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER invoice_lines_touch_upd AFTER UPDATE ON invoice_line_items
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER invoice_lines_touch_del AFTER DELETE ON invoice_line_items
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER payments_touch_ins AFTER INSERT ON payments
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER payments_touch_upd AFTER UPDATE ON payments
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER payments_touch_del AFTER DELETE ON payments
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_touch_from_children();
CREATE TRIGGER account_credits_not_negative AFTER INSERT OR UPDATE ON account_credits
    FOR EACH ROW EXECUTE FUNCTION account_credits_not_negative();
"""

DROP = """
DROP TRIGGER IF EXISTS account_credits_not_negative ON account_credits;
DROP TRIGGER IF EXISTS payments_touch_del ON payments;
DROP TRIGGER IF EXISTS payments_touch_upd ON payments;
DROP TRIGGER IF EXISTS payments_touch_ins ON payments;
DROP TRIGGER IF EXISTS invoice_lines_touch_del ON invoice_line_items;
DROP TRIGGER IF EXISTS invoice_lines_touch_upd ON invoice_line_items;
DROP TRIGGER IF EXISTS invoice_lines_touch_ins ON invoice_line_items;
DROP TRIGGER IF EXISTS invoice_lines_guard ON invoice_line_items;
DROP TRIGGER IF EXISTS invoices_release_billed ON invoices;
DROP TRIGGER IF EXISTS invoices_compute_totals ON invoices;
DROP FUNCTION IF EXISTS account_credits_not_negative();
DROP FUNCTION IF EXISTS invoices_release_billed();
DROP FUNCTION IF EXISTS invoice_lines_guard();
DROP FUNCTION IF EXISTS invoices_touch_from_children();
DROP FUNCTION IF EXISTS invoices_compute_totals();
"""


def upgrade() -> None:
    op.create_table(
        "invoice_number_counters",
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_invoice_number_counters_last_number_not_negative")),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_invoice_number_counters_studio_id_studios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("studio_id", "year", name=op.f("pk_invoice_number_counters")),
    )
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_invoice_events_actor_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_events_invoice_id_invoices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_invoice_events_studio_id_studios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
    )
    op.create_index(op.f("ix_invoice_events_invoice_id"), "invoice_events", ["invoice_id"], unique=False)
    op.create_index(op.f("ix_invoice_events_studio_id"), "invoice_events", ["studio_id"], unique=False)
    op.create_table(
        "account_credits",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=True),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("family_id", sa.UUID(), nullable=True),
        sa.Column("band_id", sa.UUID(), nullable=True),
        sa.Column("student_id", sa.UUID(), nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_account_credits_amount_not_zero")),
        sa.CheckConstraint("num_nonnulls(family_id, band_id, student_id) = 1", name=op.f("ck_account_credits_one_payer")),
        sa.ForeignKeyConstraint(["band_id"], ["bands.id"], name=op.f("fk_account_credits_band_id_bands"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_account_credits_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], name=op.f("fk_account_credits_family_id_families"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_account_credits_invoice_id_invoices"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_account_credits_payment_id_payments"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_account_credits_student_id_students"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_account_credits_studio_id_studios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_credits")),
    )
    op.create_index(op.f("ix_account_credits_invoice_id"), "account_credits", ["invoice_id"], unique=False)
    op.create_index("ix_account_credits_payer", "account_credits", ["family_id", "band_id", "student_id"], unique=False)
    op.create_index(op.f("ix_account_credits_payment_id"), "account_credits", ["payment_id"], unique=False)
    op.create_index(op.f("ix_account_credits_studio_id"), "account_credits", ["studio_id"], unique=False)

    op.add_column("invoice_line_items", sa.Column("billed_lesson_id", sa.UUID(), nullable=True))
    op.add_column("invoice_line_items", sa.Column("billed_reservation_id", sa.UUID(), nullable=True))
    op.execute(
        "UPDATE invoice_line_items l SET billed_lesson_id = l.lesson_id, "
        "billed_reservation_id = l.reservation_id FROM invoices i "
        "WHERE i.id = l.invoice_id AND i.status <> 'void'"
    )
    op.create_unique_constraint(op.f("uq_invoice_line_items_billed_lesson_id"), "invoice_line_items", ["billed_lesson_id"])
    op.create_unique_constraint(op.f("uq_invoice_line_items_billed_reservation_id"), "invoice_line_items", ["billed_reservation_id"])
    op.add_column("invoices", sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), server_default=sa.text("0"), nullable=False))
    op.add_column("invoices", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invoices", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invoices", sa.Column("pay_link_url", sa.Text(), server_default="", nullable=False))
    op.add_column("invoices", sa.Column("pay_link_session_id", sa.String(length=255), server_default="", nullable=False))
    op.create_check_constraint(op.f("ck_invoices_tax_rate_0_to_100"), "invoices", "tax_rate BETWEEN 0 AND 100")
    op.create_check_constraint(op.f("ck_invoices_not_overpaid"), "invoices", "amount_paid <= greatest(total, 0)")
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    # Existing invoices: totals from their lines and payments (the trigger does the sums).
    op.execute("UPDATE invoices SET updated_at = updated_at")


def downgrade() -> None:
    op.execute(DROP)
    op.drop_constraint(op.f("ck_invoices_not_overpaid"), "invoices", type_="check")
    op.drop_constraint(op.f("ck_invoices_tax_rate_0_to_100"), "invoices", type_="check")
    op.drop_column("invoices", "pay_link_session_id")
    op.drop_column("invoices", "pay_link_url")
    op.drop_column("invoices", "voided_at")
    op.drop_column("invoices", "sent_at")
    op.drop_column("invoices", "tax_rate")
    op.drop_constraint(op.f("uq_invoice_line_items_billed_reservation_id"), "invoice_line_items", type_="unique")
    op.drop_constraint(op.f("uq_invoice_line_items_billed_lesson_id"), "invoice_line_items", type_="unique")
    op.drop_column("invoice_line_items", "billed_reservation_id")
    op.drop_column("invoice_line_items", "billed_lesson_id")
    op.drop_table("account_credits")
    op.drop_table("invoice_events")
    op.drop_table("invoice_number_counters")
