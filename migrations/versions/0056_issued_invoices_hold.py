"""Money the desk cannot bend: an issued invoice holds, numbers go out once and in order, and
account credit comes only from a source the app has, up to that source's amount.

Reviewed by hand. Found with the desk's own login in psql (tests/test_money_holds.py):

1. An issued invoice went back to draft (`invoices_keep_issued` spares drafts), then was
   deleted, its number gone, or rewritten and sent again; without going through draft its
   discount (set to its whole amount: total 0.00, 'paid'), payer, tax rate, late fee, dates and
   notes changed freely. Now, once issued (status not draft), `invoices_hold_issued` keeps every
   column but those the app still moves: the status among sent/partial/paid (kept by
   `invoices_compute_totals` from the payments), amount paid and total, voiding (only with
   nothing paid on it, as the app asks: refund first), the Stripe pay link, the late fee (once,
   exactly the studio's fee, on an invoice overdue by the studio's days, one day allowed for
   the desk's clock), and a name in the notes or void reason replaced by an erasure. A column
   added later is held too: the check compares the whole row less that list.
2. A line moved from a sent invoice onto a draft: `invoice_lines_guard` asked only about the
   invoice the line moves to. It asks about the one it leaves too.
3. Numbers. The desk may write the counter (the app's `reserve_numbers` runs as the desk) and
   set it back (the app handed out a number again, or failed every issue on the unique number)
   or ahead (gaps; at 2147483647 nothing could be issued again). Now a year's new counter starts
   at the year's highest number, as `reserve_numbers` starts it; it never moves back; and every
   number it moves over is on an invoice when the transaction commits (a deferred check: the
   app reserves first and numbers the invoices after). An invoice starts as a draft without a
   number, and is numbered when sent with a number the counter has handed out; a draft is not
   voided (it is deleted). A credit note is sent for an issued invoice of the same payer, for no
   more than is left of it (what the app allows: a note of -1000 for an invoice of 100 made a
   negative invoice, and then credit).
4. Account credit. A row with no source, `1000000, 'free money'`, was accepted and then spent.
   The app adds credit in four places, and each is now the only way, up to its amount: a credit
   note's amount (rows naming the issued note, together at most its total); an overpayment at
   the desk or through Stripe (naming the payment, taken in the same transaction, that paid the
   invoice in full; once per payment); Stripe's money for an invoice with nothing left to pay
   (naming the paid or void invoice, together at most what its charges and pay links asked of
   Stripe); a refund of a payment from credit (naming it, together at most what was refunded).
   Credit is spent only by the payment from account credit it pays (the same amount, once), and
   such a payment must spend that credit by the end of its transaction (one with none paid an
   invoice with nothing, and the day close leaves such payments out). Every row names an
   invoice of the same payer.

The database's owner is let through (`app_is_owner()`): the demo build loads issued invoices and
their history as it, and restores run as it. Each check raises check_violation with a
constraint name the app translates. What the database cannot know stays the desk's word, as
cash is: the amount of an overpayment in the drawer, and what Stripe took.

Revision ID: 0056_issued_invoices_hold
Revises: 0055_busy_ids_hours
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0056_issued_invoices_hold"
down_revision: str | None = "0055_busy_ids_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INVOICES = """
CREATE FUNCTION invoices_hold_issued() RETURNS trigger
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
CREATE TRIGGER invoices_hold_issued AFTER UPDATE ON invoices
    FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION invoices_hold_issued();

CREATE FUNCTION invoices_issue_rules() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    parts text[];
    handed_out integer;
    orig invoices%ROWTYPE;
    credited numeric;
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    parts := regexp_match(NEW.invoice_number, '^INV-([0-9]{4})-([0-9]{5,9})$');
    IF parts IS NOT NULL AND NEW.status NOT IN ('draft', 'void') AND TG_OP = 'UPDATE' THEN
        SELECT c.last_number INTO handed_out FROM invoice_number_counters c
         WHERE c.studio_id = NEW.studio_id AND c.year = parts[1]::int;
    END IF;
    IF NOT coalesce(parts[2]::int <= handed_out, false) THEN
        RAISE EXCEPTION 'An invoice starts as a draft without a number and is numbered by the '
                        'studio''s counter when it is sent.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoices_numbered_when_sent';
    END IF;
    IF NEW.credit_note_for_id IS NOT NULL THEN
        SELECT * INTO orig FROM invoices WHERE id = NEW.credit_note_for_id;
        SELECT coalesce(sum(-n.total), 0) INTO credited FROM invoices n
         WHERE n.credit_note_for_id = orig.id AND n.status NOT IN ('draft', 'void');
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
CREATE TRIGGER invoices_issue_new AFTER INSERT ON invoices
    FOR EACH ROW WHEN (NEW.status <> 'draft' OR NEW.invoice_number IS NOT NULL)
    EXECUTE FUNCTION invoices_issue_rules();
CREATE TRIGGER invoices_issue_draft AFTER UPDATE ON invoices
    FOR EACH ROW WHEN (OLD.status = 'draft' AND (NEW.status <> 'draft'
                                                 OR NEW.invoice_number IS NOT NULL))
    EXECUTE FUNCTION invoices_issue_rules();
"""

COUNTERS = """
CREATE FUNCTION invoice_number_counters_in_step() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    highest numeric;
    used bigint;
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- Where services/billing_locks.py reserve_numbers starts a year's counter.
        SELECT coalesce(max(substring(i.invoice_number
                                      FROM '^INV-' || NEW.year || '-([0-9]+)$')::numeric), 0)
          INTO highest FROM invoices i WHERE i.studio_id = NEW.studio_id;
        IF NEW.last_number = highest THEN
            RETURN NULL;
        END IF;
    ELSIF (NEW.studio_id, NEW.year) = (OLD.studio_id, OLD.year)
          AND NEW.last_number >= OLD.last_number THEN
        -- At commit: each number moved over is on an invoice (at most 100000 in one go).
        SELECT count(*) INTO used FROM invoices i
         WHERE i.studio_id = NEW.studio_id
           AND i.invoice_number = ANY (ARRAY(
               SELECT format('INV-%s-%s', NEW.year,
                             lpad(n::text, greatest(5, length(n::text)), '0'))
                 FROM generate_series(OLD.last_number + 1,
                                      least(NEW.last_number, OLD.last_number + 100000)) AS n));
        IF used = NEW.last_number - OLD.last_number THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'The invoice number counter starts at the year''s highest number and moves '
                    'only by the numbers given to invoices.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_number_counters_in_step';
END
$$;
CREATE TRIGGER invoice_number_counters_start AFTER INSERT ON invoice_number_counters
    FOR EACH ROW EXECUTE FUNCTION invoice_number_counters_in_step();
CREATE CONSTRAINT TRIGGER invoice_number_counters_used AFTER UPDATE ON invoice_number_counters
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION invoice_number_counters_in_step();
"""

CREDITS = """
CREATE FUNCTION account_credits_from_a_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    inv invoices%ROWTYPE;
    pay payments%ROWTYPE;
    given numeric;
    bound numeric;
    ok boolean;
BEGIN
    IF app_is_owner() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO inv FROM invoices WHERE id = NEW.invoice_id;
    SELECT * INTO pay FROM payments WHERE id = NEW.payment_id;
    IF inv.id IS NULL
       OR (NEW.family_id, NEW.band_id, NEW.student_id)
          IS DISTINCT FROM (inv.family_id, inv.band_id, inv.student_id)
       OR (NEW.payment_id IS NOT NULL AND pay.invoice_id IS DISTINCT FROM inv.id) THEN
        ok := false;
    ELSIF NEW.amount < 0 THEN
        -- Spent: by the payment from account credit it makes, the same amount, once.
        ok := pay.payment_method = 'account_credit' AND pay.status = 'completed'
              AND pay.amount = -NEW.amount
              AND NOT EXISTS (SELECT 1 FROM account_credits c
                               WHERE c.payment_id = pay.id AND c.amount < 0 AND c.id <> NEW.id);
    ELSIF NEW.payment_id IS NULL AND inv.credit_note_for_id IS NOT NULL THEN
        -- A credit note's amount.
        SELECT sum(c.amount) INTO given FROM account_credits c
         WHERE c.invoice_id = inv.id AND c.payment_id IS NULL AND c.amount > 0;
        ok := inv.status NOT IN ('draft', 'void') AND given <= -inv.total;
    ELSIF NEW.payment_id IS NULL THEN
        -- Stripe's money for an invoice with nothing left to pay: what was asked of Stripe.
        SELECT sum(c.amount) INTO given FROM account_credits c
         WHERE c.invoice_id = inv.id AND c.payment_id IS NULL AND c.amount > 0;
        SELECT sum(a.amount) INTO bound FROM stripe_attempts a
         WHERE a.invoice_id = inv.id AND a.kind IN ('charge', 'pay_link')
           AND a.status IN ('open', 'succeeded');
        ok := inv.status IN ('paid', 'void') AND given <= bound;
    ELSIF pay.payment_method = 'account_credit' THEN
        -- A refund of a payment from credit goes back to credit.
        SELECT sum(c.amount) INTO given FROM account_credits c
         WHERE c.payment_id = pay.id AND c.amount > 0;
        ok := given <= pay.refunded_amount;
    ELSE
        -- An overpayment: with the payment (taken now) that paid the invoice in full, once.
        ok := pay.status = 'completed' AND pay.refunded_amount = 0 AND pay.processed_at = now()
              AND inv.status = 'paid'
              AND NOT EXISTS (SELECT 1 FROM account_credits c
                               WHERE c.payment_id = pay.id AND c.id <> NEW.id);
    END IF;
    IF NOT coalesce(ok, false) THEN
        RAISE EXCEPTION 'Account credit comes from a credit note, an overpayment or a refund to '
                        'credit, and is spent by paying an invoice.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_account_credits_from_a_source';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER account_credits_from_a_source AFTER INSERT ON account_credits
    FOR EACH ROW EXECUTE FUNCTION account_credits_from_a_source();

CREATE FUNCTION payments_spend_credit() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF app_is_owner() OR EXISTS (SELECT 1 FROM account_credits c
                                  WHERE c.payment_id = NEW.id AND c.amount = -NEW.amount) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'A payment from account credit spends that much of the payer''s credit.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payments_credit_spent';
END
$$;
CREATE CONSTRAINT TRIGGER payments_spend_credit AFTER INSERT ON payments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.payment_method = 'account_credit')
    EXECUTE FUNCTION payments_spend_credit();
"""

# 0021's guard of a line, asking also about the invoice the line leaves.
LINES_GUARD = """
CREATE OR REPLACE FUNCTION invoice_lines_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    inv_status text;
    old_status text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO old_status FROM invoices WHERE id = OLD.invoice_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF old_status IS NOT NULL AND old_status <> 'draft' THEN
            RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
        END IF;
        RETURN OLD;
    END IF;
    SELECT status INTO inv_status FROM invoices WHERE id = NEW.invoice_id;
    IF TG_OP = 'UPDATE'
       AND (inv_status <> 'draft' OR coalesce(old_status, 'draft') <> 'draft')
       AND (NEW.invoice_id, CASE WHEN app_privacy_pause() THEN NULL ELSE NEW.description END,
            NEW.quantity, NEW.unit_price, NEW.is_taxable, NEW.lesson_id, NEW.reservation_id)
           IS DISTINCT FROM
           (OLD.invoice_id, CASE WHEN app_privacy_pause() THEN NULL ELSE OLD.description END,
            OLD.quantity, OLD.unit_price, OLD.is_taxable, OLD.lesson_id, OLD.reservation_id) THEN
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
"""

DROP = """
DROP TRIGGER payments_spend_credit ON payments;
DROP FUNCTION payments_spend_credit();
DROP TRIGGER account_credits_from_a_source ON account_credits;
DROP FUNCTION account_credits_from_a_source();
DROP TRIGGER invoice_number_counters_used ON invoice_number_counters;
DROP TRIGGER invoice_number_counters_start ON invoice_number_counters;
DROP FUNCTION invoice_number_counters_in_step();
DROP TRIGGER invoices_issue_draft ON invoices;
DROP TRIGGER invoices_issue_new ON invoices;
DROP FUNCTION invoices_issue_rules();
DROP TRIGGER invoices_hold_issued ON invoices;
DROP FUNCTION invoices_hold_issued();
"""


def _earlier(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.execute(INVOICES)
    op.execute(COUNTERS)
    op.execute(CREDITS)
    op.execute(LINES_GUARD)


def downgrade() -> None:
    op.execute(DROP)
    privacy = _earlier("0021_privacy")
    description, old_description = privacy.LINES_PRIVACY
    guard: str = privacy.LINES_GUARD.replace("{description}", description)
    op.execute(guard.replace("{old_description}", old_description))
    op.execute("ALTER FUNCTION invoice_lines_guard() RESET search_path")
