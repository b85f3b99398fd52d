"""The demo's money: monthly invoices of the completed lessons, their payments, saved cards."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.demo.facts import DemoSize
from studiosync_desktop.services.demo.sql import rand, run_script


def invoices(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    due_days = StudioSettings().invoice_due_days
    run_script(
        s,
        f"""
        -- Pay as you go: every completed lesson is billed in its month to its payer.
        CREATE TEMP TABLE d_bill ON COMMIT DROP AS
        SELECT l.id AS lesson_id, l.rate, l.scheduled_start, p.payer_key,
               p.pay_family, p.pay_band, p.pay_student, p.who, p.duration,
               date_trunc('month', l.scheduled_start AT TIME ZONE :tz)::date AS month
        FROM lessons l JOIN d_pattern p ON p.id = l.recurring_pattern_id
        WHERE l.status = 'completed';

        CREATE TEMP TABLE d_inv0 ON COMMIT DROP AS
        SELECT payer_key, month, pay_family, pay_band, pay_student,
               sum(rate) AS subtotal,
               {rand("payer_key * 53 + (month - DATE '2000-01-01')", 17, 100)} AS r,
               {rand("payer_key * 59 + (month - DATE '2000-01-01')", 18, 50)} AS r2,
               CASE WHEN month >= :month0 THEN NULL
                    ELSE (month + interval '1 month')::date END AS issue_date
        FROM d_bill
        GROUP BY payer_key, month, pay_family, pay_band, pay_student;

        CREATE TEMP TABLE d_inv1 ON COMMIT DROP AS
        SELECT i.*, i.issue_date + {due_days} AS due_date,
               CASE WHEN i.issue_date IS NULL THEN 'draft'
                    WHEN i.issue_date + {due_days} < :today - 90 THEN
                        CASE WHEN r < 95 THEN 'paid' WHEN r < 96 THEN 'partial'
                             WHEN r < 97 THEN 'sent' ELSE 'void' END
                    WHEN i.issue_date + {due_days} < :today THEN
                        CASE WHEN r < 55 THEN 'paid' WHEN r < 72 THEN 'partial'
                             WHEN r < 93 THEN 'sent' ELSE 'void' END
                    ELSE CASE WHEN r < 30 THEN 'paid' WHEN r < 45 THEN 'partial'
                              ELSE 'sent' END
               END AS status
        FROM d_inv0 i;

        CREATE TEMP TABLE d_invoice ON COMMIT DROP AS
        SELECT gen_random_uuid() AS id, x.*,
               x.subtotal + x.late_fee AS total,
               CASE WHEN x.status = 'paid' THEN x.subtotal + x.late_fee
                    WHEN x.status = 'partial' THEN round(x.subtotal * (25 + x.r2) / 100, 2)
                    ELSE 0 END AS amount_paid,
               row_number() OVER (ORDER BY x.month, x.payer_key) AS seq
        FROM (
            SELECT i.*,
                   CASE WHEN i.status = 'draft' THEN NULL
                        ELSE 'INV-' || extract(year FROM i.issue_date) || '-' || lpad(
                            row_number() OVER (
                                PARTITION BY i.status = 'draft',
                                             extract(year FROM i.issue_date)
                                ORDER BY i.issue_date, i.payer_key)::text, 5, '0')
                   END AS invoice_number,
                   -- A late fee once an unpaid invoice is 30 days past due, on some.
                   CASE WHEN i.status IN ('sent', 'partial') AND i.due_date < :today - 30
                             AND i.r % 2 = 0 THEN 15.00 ELSE 0 END AS late_fee
            FROM d_inv1 i
        ) AS x;
        ANALYZE d_invoice;

        INSERT INTO invoices (id, studio_id, family_id, band_id, student_id, invoice_number,
                              status, issue_date, due_date, period_start, period_end,
                              subtotal, discount, tax, late_fee, total, amount_paid, notes,
                              void_reason)
        SELECT id, :studio, pay_family, pay_band, pay_student, invoice_number, status,
               issue_date, due_date, month, (month + interval '1 month - 1 day')::date,
               subtotal, 0, 0, late_fee, total, amount_paid,
               CASE WHEN status = 'draft' THEN 'Lessons so far this month.' ELSE '' END,
               CASE WHEN status = 'void' THEN 'Issued to the wrong payer; reissued by hand.'
                    ELSE '' END
        FROM d_invoice;

        INSERT INTO invoice_line_items (studio_id, invoice_id, position, description,
                                        quantity, unit_price, is_taxable, lesson_id)
        SELECT :studio, i.id,
               row_number() OVER (PARTITION BY b.payer_key, b.month
                                  ORDER BY b.scheduled_start, b.who),
               'Lesson: ' || b.who || ', '
               || to_char(b.scheduled_start AT TIME ZONE :tz, 'Mon FMDD, YYYY')
               || ' (' || b.duration || ' min)',
               1, b.rate, false, b.lesson_id
        FROM d_bill b JOIN d_invoice i ON i.payer_key = b.payer_key AND i.month = b.month;
        """,
        p,
    )


def payments(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    """The invoices' payments (two halves for some, a declined card for some) and saved cards."""
    run_script(
        s,
        f"""
        INSERT INTO payments (studio_id, invoice_id, amount, payment_method, transaction_id,
                              status, notes, processed_by_id, processed_at)
        SELECT :studio, i.id, pay.amount, m.method,
               CASE WHEN m.method IN ('card', 'stripe')
                    THEN 'demo_' || i.seq || '_' || pay.k END,
               pay.status,
               CASE WHEN pay.status = 'failed' THEN 'Card declined: insufficient funds.'
                    ELSE '' END,
               CAST(:desk AS uuid),
               (least(i.issue_date + i.r % 20 + pay.k, :today) + time '10:30')
                   AT TIME ZONE :tz
        FROM d_invoice i
        CROSS JOIN LATERAL (VALUES
            (1, CASE WHEN i.status = 'paid' AND i.r % 4 <> 0 THEN i.total
                     WHEN i.status = 'paid' THEN round(i.total / 2, 2)
                     WHEN i.status = 'partial' THEN i.amount_paid
                     WHEN i.status = 'sent' AND i.r % 5 = 0 THEN i.total END,
                CASE WHEN i.status = 'sent' THEN 'failed' ELSE 'completed' END),
            (2, CASE WHEN i.status = 'paid' AND i.r % 4 = 0
                     THEN i.total - round(i.total / 2, 2) END, 'completed')
        ) AS pay(k, amount, status)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN pay.status = 'failed' THEN 'card'
                        ELSE (ARRAY['cash', 'check', 'card', 'bank_transfer',
                                    'stripe'])[1 + (i.r + pay.k) % 5] END AS method
        ) AS m
        WHERE pay.amount IS NOT NULL;

        INSERT INTO payment_methods (studio_id, family_id, payment_type, brand, last_four,
                                     stripe_payment_method_id, stripe_customer_id,
                                     is_default)
        SELECT :studio, f.id, 'card', (ARRAY['visa', 'mastercard', 'amex'])[1 + f.n % 3],
               lpad({rand("f.n", 19, 10000)}::text, 4, '0'),
               'pm_demo_' || f.n, 'cus_demo_' || f.n, true
        FROM d_family f WHERE f.n % 6 = 0;
        """,
        p,
    )
