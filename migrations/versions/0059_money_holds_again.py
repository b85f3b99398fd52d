"""Money holds again: a given credit stays given, numbers are written one way, and two desks
at once meet on the invoice or the payer before they sum.

Reviewed by hand. A second attacker with the desk's login (psql and the app's own services)
found, after 0056 (tests/test_money_holds.py):

1. A credit note of 100 on a paid invoice, then voided (nothing paid on it, so the app and 0056
   let it go): the payer kept the 100 of credit and the invoice could be credited again, three
   times over. A credit note's credit is given when it is issued (services/invoicing.py
   credit_note), so a credit note is never voided now (`ck_invoices_credited_not_voided`);
   a mistaken one is billed back on a new invoice.
2. A credit note for all of an unpaid invoice settled it from credit; the desk refunded that
   payment back to credit and voided the original (nothing paid on it): the credit was free
   money. An invoice with an issued credit note is not voided either (same constraint).
3. `invoices_issue_rules` read the number as an integer: 'INV-2026-000216' passed although
   INV-2026-00216 exists (the unique index compares text). A number is now exactly the app's
   `invoice_number()`: INV-year-n padded to five digits, no more zeros.
4. Two desks each issued a credit note of 60 on an invoice of 90 already credited 30, at once:
   each trigger summed without the other's note and both committed (notes of 150). The issue
   check now locks the original invoice (FOR UPDATE, the billing lock order's first step) and
   then sums, so the second desk waits and sees the first's note.
5. Two desks spent the same family's 30.00 of credit at once (16.50 and 30.00 on two invoices):
   `account_credits_not_negative` (0004) summed without a lock; the app locks the payer first,
   psql need not. The check now locks the payer's row (family, band or student) before it sums.
6. A payment refunded to credit, then set back to refunded_amount 0 and 'completed': the
   invoice was paid again and the credit kept. `payments_refunds_only_grow`: the refunded
   amount only goes up, and the status is what it says (refunded when all of it, partially
   refunded when some; a status moves only with a refund: a refunded payment is not completed
   again, a failed one takes no refund), as services/ledger.py refund_locked sets them.

Left as the desk's word (7, low): the credit kept from an overpayment. The app stores the
payment as the amount the invoice needed and the rest as credit naming it; what was handed over
is not stored anywhere, as cash in the drawer is the desk's word (0056).

The owner is let through (`app_is_owner()`), as in 0056: restores and the demo build.

Revision ID: 0059_money_holds_again
Revises: 0058_series_occurrences
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0059_money_holds_again"
down_revision: str | None = "0058_series_occurrences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0056's invoices_hold_issued, with a credit note and a credited invoice never voided.
HOLD = """
CREATE OR REPLACE FUNCTION invoices_hold_issued() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    -- What an issued invoice may still change; every other column is held.
    moving CONSTANT text[] := ARRAY['status', 'amount_paid', 'total', 'late_fee', 'voided_at',
        'void_reason', 'notes', 'pay_link_url', 'pay_link_session_id', 'updated_at'];
    voiding boolean := NEW.status = 'void' AND OLD.status <> 'void';
    policy record;
    fee numeric;
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    IF to_jsonb(NEW) - moving IS DISTINCT FROM to_jsonb(OLD) - moving OR NEW.status = 'draft'
       OR (NEW.voided_at IS DISTINCT FROM OLD.voided_at AND NOT voiding)
       OR (NEW.void_reason IS DISTINCT FROM OLD.void_reason AND NOT voiding
           AND NOT app_privacy_pause())
       OR (NEW.notes IS DISTINCT FROM OLD.notes AND NOT app_privacy_pause()) THEN
        RAISE EXCEPTION 'An issued invoice keeps what it was issued with: void it or correct it '
                        'with a credit note.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_issued_is_final';
    END IF;
    IF voiding AND (OLD.amount_paid <> 0 OR NEW.amount_paid <> 0) THEN
        RAISE EXCEPTION 'This invoice has payments on it: refund them first, or correct it with '
                        'a credit note.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_void_unpaid';
    END IF;
    -- A credit note's credit was given when it was issued; an invoice credited stays issued.
    IF voiding AND (OLD.credit_note_for_id IS NOT NULL
                    OR EXISTS (SELECT 1 FROM invoices n WHERE n.credit_note_for_id = OLD.id
                                  AND n.status NOT IN ('draft', 'void'))) THEN
        RAISE EXCEPTION 'A credit note, and an invoice with a credit note, is not voided: its '
                        'credit was given.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_credited_not_voided';
    END IF;
    IF NEW.late_fee IS DISTINCT FROM OLD.late_fee THEN
        SELECT coalesce((s.settings->>'late_fee_amount')::numeric, 0) AS amount,
               coalesce((s.settings->>'late_fee_percent')::numeric, 0) AS percent,
               coalesce((s.settings->>'late_fee_after_days')::int, 30) AS after_days,
               (now() AT TIME ZONE coalesce(s.timezone, 'UTC'))::date AS today
          INTO policy FROM studios s WHERE s.id = OLD.studio_id;
        -- services/invoicing.py apply_late_fees: the fixed fee, else a percent of the balance.
        fee := CASE WHEN policy.amount > 0 THEN policy.amount
                    ELSE round((OLD.total - OLD.amount_paid) * policy.percent / 100, 2) END;
        IF OLD.late_fee <> 0 OR OLD.status NOT IN ('sent', 'partial')
           OR OLD.credit_note_for_id IS NOT NULL OR OLD.total <= OLD.amount_paid
           OR NOT coalesce(OLD.due_date < policy.today + 1 - policy.after_days, false)
           OR NOT coalesce(fee > 0 AND NEW.late_fee = fee, false) THEN
            RAISE EXCEPTION 'A late fee is added once, the studio''s fee, to an invoice overdue '
                            'by the studio''s days.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_late_fee_by_policy';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
"""

# 0056's invoices_issue_rules: the number written as invoice_number() writes it, and the
# original invoice locked before its notes are summed.
ISSUE = """
CREATE OR REPLACE FUNCTION invoices_issue_rules() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    parts text[];
    n integer;
    handed_out integer;
    orig invoices%ROWTYPE;
    credited numeric;
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    parts := regexp_match(NEW.invoice_number, '^INV-([0-9]{4})-([0-9]{5,9})$');
    n := parts[2]::int;
    IF parts IS NOT NULL AND NEW.status NOT IN ('draft', 'void') AND TG_OP = 'UPDATE'
       AND NEW.invoice_number = format('INV-%s-%s', parts[1],
                                       lpad(n::text, greatest(5, length(n::text)), '0')) THEN
        SELECT c.last_number INTO handed_out FROM invoice_number_counters c
         WHERE c.studio_id = NEW.studio_id AND c.year = parts[1]::int;
    END IF;
    IF NOT coalesce(n <= handed_out, false) THEN
        RAISE EXCEPTION 'An invoice starts as a draft without a number and is numbered by the '
                        'studio''s counter when it is sent.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_numbered_when_sent';
    END IF;
    IF NEW.credit_note_for_id IS NOT NULL THEN
        -- Two desks crediting one invoice at once: the second waits here, then sums both.
        SELECT * INTO orig FROM invoices WHERE id = NEW.credit_note_for_id FOR UPDATE;
        SELECT coalesce(sum(-c.total), 0) INTO credited FROM invoices c
         WHERE c.credit_note_for_id = orig.id AND c.status NOT IN ('draft', 'void');
        IF orig.status IS NULL OR orig.status NOT IN ('sent', 'partial', 'paid') OR NEW.total > 0
           OR (NEW.family_id, NEW.band_id, NEW.student_id)
              IS DISTINCT FROM (orig.family_id, orig.band_id, orig.student_id)
           OR credited > orig.total THEN
            RAISE EXCEPTION 'A credit note is for an issued invoice of the same payer, and for '
                            'no more than is left of it.'
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'ck_invoices_credit_within_invoice';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
"""

# 0004's check, with the payer's row locked first (services/billing_locks.py lock_payer).
CREDITS = """
CREATE OR REPLACE FUNCTION account_credits_not_negative() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.family_id IS NOT NULL THEN
        PERFORM 1 FROM families WHERE id = NEW.family_id FOR UPDATE;
    ELSIF NEW.band_id IS NOT NULL THEN
        PERFORM 1 FROM bands WHERE id = NEW.band_id FOR UPDATE;
    ELSIF NEW.student_id IS NOT NULL THEN
        PERFORM 1 FROM students WHERE id = NEW.student_id FOR UPDATE;
    END IF;
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

CREDITS_0004 = """
CREATE OR REPLACE FUNCTION account_credits_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
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

# services/ledger.py refund_locked is the one writer of a payment's refund and status.
PAYMENTS = """
CREATE FUNCTION payments_refunds_only_grow() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    IF NEW.refunded_amount < OLD.refunded_amount
       OR ((NEW.status, NEW.refunded_amount) IS DISTINCT FROM (OLD.status, OLD.refunded_amount)
           AND (OLD.status = 'failed'
                OR NEW.status IS DISTINCT FROM
                   CASE WHEN NEW.refunded_amount = NEW.amount THEN 'refunded'
                        WHEN NEW.refunded_amount > 0 THEN 'partially_refunded' END)) THEN
        RAISE EXCEPTION 'A refund is never taken back: the refunded amount only grows, and a '
                        'refunded payment stays refunded.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payments_refund_only_grows';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER payments_refunds_only_grow AFTER UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_refunds_only_grow();
"""


def _earlier(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.execute(HOLD)
    op.execute(ISSUE)
    op.execute(CREDITS)
    op.execute(PAYMENTS)


def downgrade() -> None:
    op.execute("DROP TRIGGER payments_refunds_only_grow ON payments")
    op.execute("DROP FUNCTION payments_refunds_only_grow()")
    op.execute(CREDITS_0004)
    # 0056's invoice triggers and functions, as 0056 made them (its DROP ends with them).
    earlier = _earlier("0056_issued_invoices_hold")
    op.execute(earlier.DROP)
    op.execute(earlier.INVOICES)
    op.execute(earlier.COUNTERS)
    op.execute(earlier.CREDITS)
