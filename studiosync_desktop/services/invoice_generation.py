"""A month's lessons billed as drafts (InvoicingService.generate_month): which lessons, whose
payer, and the statements that write the drafts, their lines and their history.

The lessons and payers are read once and written from arrays (`unnest`), not staged in
temporary tables: no login may make temporary objects (migration 0051), and the desk's and
admins' own logins generate the month.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

# Lessons to bill in a period, each with its payer: the band for band lessons, else the
# student's family, else the student. `rank` orders a family's students (sibling discount).
CANDIDATES_SQL = """
SELECT l.id AS lesson_id, l.rate, l.scheduled_start,
       coalesce(l.band_id, s.family_id, l.student_id) AS payer_key,
       CASE WHEN l.band_id IS NULL THEN s.family_id END AS family_id,
       l.band_id,
       CASE WHEN l.band_id IS NULL AND s.family_id IS NULL THEN l.student_id END AS student_id,
       CASE WHEN l.band_id IS NULL AND s.family_id IS NOT NULL THEN
            dense_rank() OVER (PARTITION BY s.family_id
                               ORDER BY s.enrollment_date, s.created_at, s.id)
            ELSE 1 END AS sibling_rank,
       'Lesson: ' || coalesce(b.name, trim(su.first_name || ' ' || su.last_name))
           || ' with ' || trim(tu.first_name || ' ' || tu.last_name) || ', '
           || to_char(l.scheduled_start AT TIME ZONE :tz, 'Mon FMDD, YYYY')
           || ' (' || (extract(epoch FROM l.scheduled_end - l.scheduled_start) / 60)::int
           || ' min)' AS description
FROM lessons l
JOIN teachers t ON t.id = l.teacher_id
JOIN users tu ON tu.id = t.user_id
LEFT JOIN students s ON s.id = l.student_id
LEFT JOIN users su ON su.id = s.user_id
LEFT JOIN bands b ON b.id = l.band_id
WHERE l.studio_id = :studio
  AND l.scheduled_start >= :starts AND l.scheduled_start < :ends
  AND l.status = ANY(:statuses)
  AND (l.band_id IS NOT NULL OR l.student_id IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM invoice_line_items x WHERE x.billed_lesson_id = l.id)
"""

# One row per payer: its lessons' subtotal, the sibling discount, the tax, and its draft
# for the same period if there is one (new lessons are added to it).
PAYERS_SQL = """
WITH drafts AS (
    SELECT DISTINCT ON (coalesce(i.family_id, i.band_id, i.student_id))
           coalesce(i.family_id, i.band_id, i.student_id) AS payer_key, i.id,
           (SELECT coalesce(max(x.position), 0) FROM invoice_line_items x
             WHERE x.invoice_id = i.id) AS last_position
    FROM invoices i
    WHERE i.studio_id = :studio AND i.status = 'draft' AND i.period_start = :period_start
      AND i.credit_note_for_id IS NULL
    ORDER BY coalesce(i.family_id, i.band_id, i.student_id), i.created_at
)
SELECT c.payer_key, c.family_id, c.band_id, c.student_id,
       count(*) AS lesson_count,
       sum(c.rate) AS subtotal,
       round(coalesce(sum(c.rate) FILTER (WHERE c.sibling_rank > 1), 0)
             * :sibling_pct / 100, 2) AS discount,
       d.id AS draft_id, coalesce(d.last_position, 0) AS last_position,
       coalesce(f.name, b.name, trim(su.first_name || ' ' || su.last_name)) AS payer_name
FROM {source}
LEFT JOIN drafts d ON d.payer_key = c.payer_key
LEFT JOIN families f ON f.id = c.family_id
LEFT JOIN bands b ON b.id = c.band_id
LEFT JOIN students s ON s.id = c.student_id
LEFT JOIN users su ON su.id = s.user_id
GROUP BY c.payer_key, c.family_id, c.band_id, c.student_id, d.id, d.last_position,
         f.name, b.name, su.first_name, su.last_name
ORDER BY payer_name
"""

# The read lessons and payers as rows of a query: arrays, one per column, of one type each.
LESSONS = (
    ("lesson_id", "uuid"),
    ("rate", "numeric"),
    ("scheduled_start", "timestamptz"),
    ("payer_key", "uuid"),
    ("family_id", "uuid"),
    ("band_id", "uuid"),
    ("student_id", "uuid"),
    ("sibling_rank", "int"),
    ("description", "text"),
)
PAYERS = (
    ("invoice_id", "uuid"),
    ("existing", "boolean"),
    ("payer_key", "uuid"),
    ("family_id", "uuid"),
    ("band_id", "uuid"),
    ("student_id", "uuid"),
    ("lesson_count", "int"),
    ("subtotal", "numeric"),
    ("discount", "numeric"),
    ("last_position", "int"),
)

WRITES = (
    """
    INSERT INTO invoices (id, studio_id, family_id, band_id, student_id, status,
                          period_start, period_end, tax_rate, discount, notes)
    SELECT invoice_id, :studio, family_id, band_id, student_id, 'draft',
           :period_start, :period_end, :tax_rate, discount, ''
    FROM {payers} WHERE NOT existing
    """,
    """
    UPDATE invoices i SET discount = i.discount + g.discount
    FROM {payers} WHERE g.existing AND i.id = g.invoice_id AND g.discount > 0
    """,
    """
    INSERT INTO invoice_line_items (studio_id, invoice_id, position, description,
                                    quantity, unit_price, is_taxable, lesson_id)
    SELECT :studio, g.invoice_id,
           g.last_position
           + row_number() OVER (PARTITION BY g.invoice_id
                                ORDER BY c.scheduled_start, c.lesson_id),
           c.description, 1, c.rate, :taxable, c.lesson_id
    FROM {lessons} JOIN {payers} ON g.payer_key = c.payer_key
    """,
    """
    INSERT INTO invoice_events (studio_id, invoice_id, kind, detail, actor_id)
    SELECT :studio, invoice_id,
           CASE WHEN existing THEN 'lines_added' ELSE 'created' END,
           lesson_count || ' lesson(s) of '
               || to_char(CAST(:period_start AS date), 'FMMonth YYYY'),
           :actor
    FROM {payers}
    """,
)
COUNTS = """
SELECT count(*) AS n, coalesce(sum(lesson_count), 0) AS lines,
       coalesce(sum(subtotal - discount + round(subtotal * :tax_rate_eff / 100, 2)), 0) AS total
FROM {payers}
"""


def _as_rows(prefix: str, alias: str, columns: tuple[tuple[str, str], ...]) -> str:
    """`unnest(:prefix_col::type[], ...) AS alias(col, ...)`: arrays bound as rows."""
    arrays = ", ".join(f"CAST(:{prefix}_{name} AS {kind}[])" for name, kind in columns)
    return f"unnest({arrays}) AS {alias}({', '.join(name for name, _ in columns)})"


def _bind(prefix: str, columns: tuple[tuple[str, str], ...], rows: Sequence[Any]) -> dict[str, Any]:
    return {f"{prefix}_{name}": [getattr(r, name) for r in rows] for name, _ in columns}


def write_month(s: Session, p: dict[str, Any]) -> Row[Any]:
    """Drafts, lines and history for the period's unbilled lessons; their counts and total."""
    lessons = s.execute(text(CANDIDATES_SQL), p).all()
    values = {**p, **_bind("c", LESSONS, lessons)}
    lesson_rows = _as_rows("c", "c", LESSONS)
    found = s.execute(text(PAYERS_SQL.format(source=lesson_rows)), values).all()
    payers = [
        _Payer(invoice_id=r.draft_id or uuid.uuid4(), existing=r.draft_id is not None, row=r)
        for r in found
    ]
    values |= _bind("g", PAYERS, payers)
    sources = {"payers": _as_rows("g", "g", PAYERS), "lessons": lesson_rows}
    for statement in WRITES:
        s.execute(text(statement.format(**sources)), values)
    return s.execute(text(COUNTS.format(**sources)), values).one()


class _Payer:
    """A payer row of PAYERS_SQL with the invoice its lessons go on (its draft, or a new one)."""

    def __init__(self, invoice_id: uuid.UUID, existing: bool, row: Row[Any]) -> None:
        self.invoice_id, self.existing, self._row = invoice_id, existing, row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)
