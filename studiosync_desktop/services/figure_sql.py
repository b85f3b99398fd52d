"""The SQL of the studio's figures, each written once: what counts as money received, an
attended lesson, an active student. The Home tab and the reports both use these.

Every statement takes :studio, :tz (the studio's time zone name) and its own bounds; times
are compared as timestamptz, days in the studio's time zone.
"""

from __future__ import annotations

# Money received: completed (or later refunded) payments by the day they were processed, an
# overpayment kept as credit included, paying from account credit excluded (that money came
# in before); refunds subtracted by the day they were refunded. One row per movement (a
# payment's id and + for money in, - for its refund; `kind`: 'in' or 'back').
MONEY_MOVEMENTS = """
SELECT p.id::text || '+' AS movement, 'in' AS kind, p.invoice_id, p.payment_method AS method,
       p.processed_at AS at, p.amount + coalesce(c.amount, 0) AS amount
  FROM payments p
  LEFT JOIN (SELECT c.payment_id, sum(c.amount) AS amount FROM account_credits c
              WHERE c.studio_id = :studio AND c.amount > 0 GROUP BY c.payment_id) c
    ON c.payment_id = p.id
 WHERE p.studio_id = :studio AND p.status IN ('completed', 'partially_refunded', 'refunded')
   AND p.payment_method <> 'account_credit'
   AND p.processed_at >= :money_from AND p.processed_at < :money_until
UNION ALL
SELECT p.id::text || '-', 'back', p.invoice_id, p.payment_method, p.refunded_at,
       -p.refunded_amount
  FROM payments p
 WHERE p.studio_id = :studio AND p.refunded_amount > 0 AND p.payment_method <> 'account_credit'
   AND p.refunded_at >= :money_from AND p.refunded_at < :money_until
"""

# Who a line of an invoice is about, for sharing money: the teacher of its lesson (their id;
# names are looked up once the money is added up), or its student's instrument (NULL: not a
# lesson: room hire, books, fees). Both are recorded on the line by the database from its
# lesson (migration 0035), so sharing reads one table.
TEACHER_KEY = "l.teacher_id"
INSTRUMENT_KEY = (
    "CASE WHEN l.lesson_id IS NOT NULL THEN coalesce(nullif(l.instrument, ''), 'Band or group') END"
)
# The same shares of every invoice, by teacher and by instrument, kept by the database in
# invoice_shares from the lines (migration 0052; tests/services/test_invoice_shares.py holds
# it to `invoice_shares` below): its key column and its largest part's key.
KEPT_SHARES = {
    TEACHER_KEY: ("teacher", "s.teacher_id", "s.largest_teacher_id"),
    INSTRUMENT_KEY: ("instrument", "s.instrument", "s.largest_instrument"),
}


def teacher_name(key: str) -> str:
    """A teacher's name from their id, looked up after grouping (a few rows, not every line)."""
    return (
        "(SELECT trim(u.first_name || ' ' || u.last_name) FROM teachers t "
        f"JOIN users u ON u.id = t.user_id WHERE t.id = {key})"
    )


def invoice_shares(key: str, only: str = "true") -> str:
    """The lines of the invoices that `money` moved, by `key` and by whether they are `kept`
    (`only`: a filter on the line, an instrument): each part, the invoice's line total
    (`whole`), whether it is the largest part (ties by key), whose key takes the rounding."""
    return f"""
SELECT invoice_id, key, kept, part, whole, row_number() OVER w = 1 AS is_largest,
       first_value(key) OVER w AS largest, first_value(kept) OVER w AS largest_kept
  FROM (SELECT l.invoice_id, {key} AS key, coalesce({only}, false) AS kept,
               sum(l.total_price) AS part,
               sum(sum(l.total_price)) OVER (PARTITION BY l.invoice_id) AS whole
          FROM invoice_line_items l
         WHERE l.invoice_id IN (SELECT invoice_id FROM money)
         GROUP BY 1, 2, 3) g
WINDOW w AS (PARTITION BY invoice_id ORDER BY part DESC NULLS LAST, key NULLS LAST, kept DESC)
"""


def kept_shares(key: str) -> str:
    """`invoice_shares(key)` of every invoice, as the database keeps it (no line filter)."""
    share_by, column, largest = KEPT_SHARES[key]
    return f"""
SELECT s.invoice_id, {column} AS key, true AS kept, s.part, s.whole, s.largest AS is_largest,
       {largest} AS largest, true AS largest_kept
  FROM invoice_shares s WHERE s.share_by = '{share_by}'
"""


def shared(movements: str, key: str, only: str | None = None) -> str:
    """`movements` (movement, invoice_id, method, at, amount) shared by `key` in proportion to
    the invoice's lines, rounded to the cent with the rounding left on the largest share, so
    the shares of a movement add up to it exactly. With `only` (a condition on a line `l`),
    just the shares of the lines it keeps (money of an invoice without lines: none).

    Without a window over the movements: every smaller share is its rounded part, and is also
    taken off the largest share, which starts from the whole amount. Grouped any way, the
    sums are those of the shares (largest = amount - the others), and a movement's rows add
    up to its amount. Without `only`, by teacher or instrument, the invoices' parts are read
    as the database keeps them (one or two rows an invoice), not worked out from the lines.

    The invoices' parts are split before the movements meet them (`split`): a smaller part
    twice, as itself and as what it takes off the largest (`neg`, keyed by the largest), so
    one hash join yields every row of a movement. Splitting each movement after the join (a
    lateral UNION ALL per movement, some 127,000 for three years of the large demo) cost
    about 15% of the revenue report; splitting 61,000 parts before it costs little."""
    kept = only is None and key in KEPT_SHARES
    shares = kept_shares(key) if kept else invoice_shares(key, only or "true")
    # Worked out from the lines, the shares read the invoices of `money`: said once.
    money = "money AS" if kept else "money AS MATERIALIZED"
    return f"""
WITH {money} ({movements}),
shares AS ({shares}),
split AS (
SELECT sh.invoice_id, sh.part, sh.whole, sh.is_largest, n.neg,
       CASE WHEN n.neg THEN sh.largest ELSE sh.key END AS key,
       CASE WHEN n.neg THEN sh.largest_kept ELSE sh.kept END AS kept
  FROM shares sh JOIN (VALUES (false), (true)) n (neg) ON NOT n.neg OR NOT sh.is_largest
 WHERE sh.whole <> 0)
SELECT m.movement, m.at, m.method, sh.key,
       CASE WHEN sh.is_largest IS NOT FALSE THEN m.amount
            WHEN sh.neg THEN -round(m.amount * sh.part / sh.whole, 2)
            ELSE round(m.amount * sh.part / sh.whole, 2) END AS amount
  FROM money m LEFT JOIN split sh ON sh.invoice_id = m.invoice_id
 WHERE coalesce(sh.kept, {"false" if only else "true"})
"""


# Money received shared by the teachers of the invoices' lessons.
MONEY_BY_TEACHER = shared(MONEY_MOVEMENTS, TEACHER_KEY)

# Invoiced: issued invoices (sent, part-paid or paid; not drafts, not void) by issue date (`at`,
# its midnight where the studio is; `day`, the date itself), at their total; a credit note
# (negative) is shared like the invoice it credits.
INVOICED_MOVEMENTS = """
SELECT i.id::text AS movement, coalesce(i.credit_note_for_id, i.id) AS invoice_id,
       CASE WHEN i.credit_note_for_id IS NULL THEN 'invoice' ELSE 'credit_note' END AS method,
       (i.issue_date::timestamp AT TIME ZONE :tz) AS at, i.issue_date AS day, i.total AS amount
  FROM invoices i
 WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial', 'paid')
   AND i.issue_date >= :first AND i.issue_date <= :last
"""

# A lesson's attendance as the figures count it (cancelled split by whether it was late).
ATTENDANCE_KIND = """
CASE WHEN le.status = 'completed' THEN 'completed'
     WHEN le.status = 'no_show' THEN 'no_show'
     WHEN le.status = 'cancelled' AND le.is_late_cancel THEN 'late_cancelled'
     WHEN le.status = 'cancelled' THEN 'cancelled'
     ELSE 'unmarked' END
"""

# Due to happen: the student was expected (completed, a no-show, or cancelled late by the
# student or family); cancelled in time or by the studio or the teacher was not.
DUE_TO_HAPPEN = """
(le.status IN ('completed', 'no_show')
 OR (le.status = 'cancelled' AND le.is_late_cancel
     AND COALESCE(le.cancelled_on_behalf_of, 'student') = 'student'))
"""

# Active on a day: enrolled on or before it and not left by it (left_on is kept by the database).
ACTIVE_ON = "(st.enrollment_date <= {day} AND (st.left_on IS NULL OR st.left_on > {day}))"

# An invoice's balance: issued (sent or partly paid), not a credit note, something still due.
OPEN_INVOICE = """
i.studio_id = :studio AND i.status IN ('sent', 'partial') AND i.credit_note_for_id IS NULL
AND i.total - i.amount_paid > 0
"""
