"""The reports' SQL. Money and attendance come from services/figure_sql.py (written once);
every statement takes :studio, :tz, :first and :last (days, both included), :p0 and :p1 (their
midnights where the studio is), :now and :teacher (NULL: every teacher's rows); with a filter
chosen, :instrument (a student's instrument) or :payer_like (an ILIKE pattern of the payer's
name). A filter that does not apply is left out of the statement, not compared with ''."""

from __future__ import annotations

from studiosync_desktop.services.figure_sql import (
    ACTIVE_ON,
    ATTENDANCE_KIND,
    DUE_TO_HAPPEN,
    INSTRUMENT_KEY,
    INVOICED_MOVEMENTS,
    MONEY_MOVEMENTS,
    OPEN_INVOICE,
    TEACHER_KEY,
    shared,
)

PAYER = """coalesce(f.name, b.name, trim(su.first_name || ' ' || su.last_name), '')"""
PAYER_JOINS = """
  LEFT JOIN families f ON f.id = i.family_id LEFT JOIN bands b ON b.id = i.band_id
  LEFT JOIN students ps ON ps.id = i.student_id LEFT JOIN users su ON su.id = ps.user_id"""

# The payer filter: movements of the invoices of the payers whose name matches.
PAYER_INVOICES = f"""SELECT i.id FROM invoices i {PAYER_JOINS}
 WHERE i.studio_id = :studio AND {PAYER} ILIKE :payer_like"""
# The instrument filter on an invoice line (its lesson's student's, as recorded on the line).
LINE_OF_INSTRUMENT = f"{INSTRUMENT_KEY} = :instrument"
# ... and on a lesson (a band's lessons have no student, so no instrument).
LESSON_OF_INSTRUMENT = """le.student_id IN (SELECT fs.id FROM students fs
  WHERE fs.studio_id = :studio AND fs.instrument = :instrument)"""

# The period's month a time falls in, by a binary search over the months' first midnights
# where the studio is (:month_starts, 1 for the first month), and its name (:month_names,
# 'YYYY-MM'): converting every movement's time to the studio's zone cost more. A day (an
# invoice's issue date, already where the studio is) by the months' first days (:month_firsts).
MONTH_OF = "width_bucket({at}, CAST(:month_starts AS timestamptz[]))"
MONTH_OF_DAY = "width_bucket({day}, CAST(:month_firsts AS date[]))"
MONTH_NAME = "(CAST(:month_names AS text[]))[{number}]"
MONTH = MONTH_NAME.format(number=MONTH_OF.format(at="m.at"))
KEYS = {"teacher": TEACHER_KEY, "instrument": INSTRUMENT_KEY}


def revenue(group: str, instrument: bool = False, payer: bool = False) -> str:
    """Per month (and per teacher, instrument or payment method): invoiced, credit notes,
    received, refunded and net received; with the filters, only the money of the payer's
    invoices, or only the shares of the instrument's lesson lines."""
    only = LINE_OF_INSTRUMENT if instrument else None
    if group == "method":
        received = _of_payer(MONEY_MOVEMENTS, payer)
        if only:
            received = shared(received, "NULL::text", only)
        return f"""
SELECT {MONTH}, initcap(replace(m.method, '_', ' ')),
       sum(m.amount) FILTER (WHERE m.movement LIKE '%+'),
       -coalesce(sum(m.amount) FILTER (WHERE m.movement LIKE '%-'), 0), sum(m.amount)
  FROM ({received}) m GROUP BY 1, 2 ORDER BY 1, 2"""
    key = KEYS.get(group) or ("NULL::text" if only else None)
    # Invoiced and received in one set of movements, so the invoices' parts are read and
    # shared once for both; each is named by its column as a number (1 invoice, 2 credit note,
    # 3 in, 4 back: compared as numbers, not text, for each of some 150,000 shares) rather than
    # by its id, which nothing here needs; `at` is the movement's month where the studio is,
    # worked out once per movement rather than once per share (an invoice's from its issue
    # date: no time zone to convert).
    movements = f"""
SELECT CASE WHEN x.method = 'invoice' THEN 1 ELSE 2 END AS movement, x.invoice_id, x.method,
       {MONTH_OF_DAY.format(day="x.day")} AS at, x.amount
  FROM ({INVOICED_MOVEMENTS}) x
UNION ALL
SELECT CASE WHEN y.kind = 'in' THEN 3 ELSE 4 END, y.invoice_id, y.method,
       {MONTH_OF.format(at="y.at")}, y.amount
  FROM ({MONEY_MOVEMENTS}) y"""
    movements = _of_payer(movements, payer)
    named = "m.key" if key else "NULL::text"
    source = shared(movements, key, only) if key else movements
    both = f"""
SELECT m.at AS month, {named} AS key, m.amount, m.movement AS kind FROM ({source}) m"""
    # Teachers' names joined once to the grouped rows (a subquery per row scanned the
    # teachers once for each of some 2,000 rows).
    names = ""
    if group == "teacher":
        name = "coalesce(trim(tu.first_name || ' ' || tu.last_name), 'Not lessons'),"
        names = """
  LEFT JOIN teachers tt ON tt.id = g.key LEFT JOIN users tu ON tu.id = tt.user_id"""
    else:
        name = "coalesce(g.key, 'Not lessons')," if group in KEYS else ""
    order = "1, 2" if group in KEYS else "1"
    return f"""
SELECT {MONTH_NAME.format(number="g.month")}, {name} g.invoiced, g.credit_notes, g.received,
       g.refunded, g.received - g.refunded
  FROM (SELECT m.month, m.key,
               coalesce(sum(m.amount) FILTER (WHERE m.kind = 1), 0) AS invoiced,
               coalesce(sum(m.amount) FILTER (WHERE m.kind = 2), 0) AS credit_notes,
               coalesce(sum(m.amount) FILTER (WHERE m.kind = 3), 0) AS received,
               -coalesce(sum(m.amount) FILTER (WHERE m.kind = 4), 0) AS refunded
          FROM ({both}) m GROUP BY m.month, m.key) g{names}
 ORDER BY {order}"""


def _of_payer(movements: str, payer: bool) -> str:
    if not payer:
        return movements
    return f"SELECT * FROM ({movements}) mv WHERE mv.invoice_id IN ({PAYER_INVOICES})"


def outstanding(payer: bool) -> str:
    """Balance by payer, aged; with the filter, the payers whose name matches."""
    return OUTSTANDING.replace("{payer}", f"AND {PAYER} ILIKE :payer_like" if payer else "")


OUTSTANDING = f"""
SELECT {PAYER}, count(*),
       sum(i.total - i.amount_paid) FILTER (WHERE i.due_date IS NULL OR i.due_date >= :asof),
       sum(i.total - i.amount_paid) FILTER (WHERE :asof - i.due_date BETWEEN 1 AND 30),
       sum(i.total - i.amount_paid) FILTER (WHERE :asof - i.due_date BETWEEN 31 AND 60),
       sum(i.total - i.amount_paid) FILTER (WHERE :asof - i.due_date BETWEEN 61 AND 90),
       sum(i.total - i.amount_paid) FILTER (WHERE :asof - i.due_date > 90),
       sum(i.total - i.amount_paid)
  FROM invoices i {PAYER_JOINS}
 WHERE {OPEN_INVOICE} AND i.issue_date <= :asof {{payer}}
 GROUP BY 1 ORDER BY 8 DESC, 1"""

LESSON_PERIOD = """le.studio_id = :studio AND le.scheduled_start >= :p0
   AND le.scheduled_start < least(:p1, :now)
   AND (CAST(:teacher AS uuid) IS NULL OR le.teacher_id = :teacher)"""
LESSON_NAMES = """
  JOIN teachers t ON t.id = le.teacher_id JOIN users tu ON tu.id = t.user_id
  LEFT JOIN students st ON st.id = le.student_id LEFT JOIN users su ON su.id = st.user_id
  LEFT JOIN bands b ON b.id = le.band_id"""
STUDENT_NAME = "coalesce(trim(su.first_name || ' ' || su.last_name), b.name, '')"
TEACHER_NAME = "trim(tu.first_name || ' ' || tu.last_name)"


def _lessons_of(instrument: bool) -> str:
    return LESSON_PERIOD + (f" AND {LESSON_OF_INSTRUMENT}" if instrument else "")


def attendance(group: str, instrument: bool = False) -> str:
    """Per student (or teacher): each kind of attendance, make-ups, and the rate."""
    who = TEACHER_NAME if group == "teacher" else STUDENT_NAME
    return f"""
SELECT {who},
       count(*) FILTER (WHERE k = 'completed'), count(*) FILTER (WHERE k = 'late_cancelled'),
       count(*) FILTER (WHERE k = 'cancelled'), count(*) FILTER (WHERE k = 'no_show'),
       count(*) FILTER (WHERE k = 'completed' AND le.lesson_type = 'makeup'),
       count(*) FILTER (WHERE k = 'unmarked'),
       count(*) FILTER (WHERE due), count(*) FILTER (WHERE k = 'completed')
  FROM (SELECT le.*, {ATTENDANCE_KIND} AS k, {DUE_TO_HAPPEN} AS due FROM lessons le
         WHERE {_lessons_of(instrument)}) le {LESSON_NAMES}
 GROUP BY 1 ORDER BY 1"""


def students(group: str, instrument: bool = False) -> str:
    """Enrolment and retention per instrument (or main teacher)."""
    key = (
        "coalesce(trim(tu.first_name || ' ' || tu.last_name), 'No main teacher')"
        if group == "teacher"
        else "coalesce(nullif(st.instrument, ''), 'Not given')"
    )
    at_start = ACTIVE_ON.format(day="(CAST(:first AS date) - 1)")
    at_end = ACTIVE_ON.format(day="CAST(:last AS date)")
    return f"""
SELECT {key},
       count(*) FILTER (WHERE {at_start}),
       count(*) FILTER (WHERE st.enrollment_date BETWEEN :first AND :last),
       count(*) FILTER (WHERE st.left_on BETWEEN :first AND :last),
       count(*) FILTER (WHERE {at_end}),
       count(*) FILTER (WHERE {at_start} AND {at_end})
  FROM students st
  LEFT JOIN teachers t ON t.id = st.primary_teacher_id LEFT JOIN users tu ON tu.id = t.user_id
 WHERE st.studio_id = :studio
   AND (CAST(:teacher AS uuid) IS NULL OR st.primary_teacher_id = :teacher)
   {"AND st.instrument = :instrument" if instrument else ""}
 GROUP BY 1 ORDER BY 1"""


PROGRESS = f"""
SELECT {STUDENT_NAME}, coalesce({TEACHER_NAME}, ''),
       count(*) FILTER (WHERE g.status = 'active'), count(*) FILTER (WHERE g.status = 'achieved'),
       count(*) FILTER (WHERE g.status = 'abandoned'),
       round(avg(g.progress_percentage) FILTER (WHERE g.status = 'active'), 1)
  FROM student_goals g
  JOIN students st ON st.id = g.student_id JOIN users su ON su.id = st.user_id
  LEFT JOIN bands b ON false
  LEFT JOIN teachers t ON t.id = g.teacher_id LEFT JOIN users tu ON tu.id = t.user_id
 WHERE g.studio_id = :studio AND g.created_at < :p1
   AND (CAST(:teacher AS uuid) IS NULL OR g.teacher_id = :teacher)
 GROUP BY 1, 2 ORDER BY 1, 2"""


def teachers(with_money: bool, instrument: bool = False) -> str:
    """Per teacher: hours taught, lessons by attendance, students, and (the desk and admins)
    the money received for their lessons (of the instrument's students, with the filter)."""
    only = LINE_OF_INSTRUMENT if instrument else None
    money = "coalesce(max(r.amount), 0)" if with_money else "NULL"
    received = (
        f"""LEFT JOIN (SELECT m.key, sum(m.amount) AS amount
                        FROM ({shared(MONEY_MOVEMENTS, TEACHER_KEY, only)}) m
                       GROUP BY m.key) r
            ON r.key = t.id"""
        if with_money
        else ""
    )
    return f"""
SELECT {TEACHER_NAME},
       round(coalesce(sum(extract(epoch FROM le.scheduled_end - le.scheduled_start))
                      FILTER (WHERE le.k = 'completed'), 0) / 3600, 2),
       count(*) FILTER (WHERE le.k = 'completed'), count(*) FILTER (WHERE le.k = 'late_cancelled'),
       count(*) FILTER (WHERE le.k = 'cancelled'), count(*) FILTER (WHERE le.k = 'no_show'),
       count(DISTINCT coalesce(le.student_id, le.band_id)) FILTER (WHERE le.k = 'completed'),
       {money}
  FROM teachers t JOIN users tu ON tu.id = t.user_id
  LEFT JOIN (SELECT le.*, {ATTENDANCE_KIND} AS k FROM lessons le
              WHERE {_lessons_of(instrument)}) le
    ON le.teacher_id = t.id
  {received}
 WHERE t.studio_id = :studio AND (CAST(:teacher AS uuid) IS NULL OR t.id = :teacher)
 GROUP BY t.id, tu.first_name, tu.last_name ORDER BY 1"""


# One row per money document of the period, with an id that never changes: an accountant's
# tool that imports two exports of the same period keeps each row once.
def financial(payer: bool) -> str:
    return FINANCIAL.replace("{payer}", "WHERE d.payer ILIKE :payer_like" if payer else "")


FINANCIAL = f"""
SELECT * FROM (
SELECT CASE WHEN i.credit_note_for_id IS NULL THEN 'INV-' ELSE 'CN-' END || i.id::text AS id,
       i.issue_date AS day,
       CASE WHEN i.credit_note_for_id IS NULL THEN 'Invoice' ELSE 'Credit note' END AS kind,
       i.invoice_number AS number, {PAYER} AS payer, '' AS method, i.subtotal, i.tax,
       i.total AS amount, coalesce(o.invoice_number, '') AS refers_to
  FROM invoices i {PAYER_JOINS} LEFT JOIN invoices o ON o.id = i.credit_note_for_id
 WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial', 'paid', 'void')
   AND i.issue_date BETWEEN :first AND :last
UNION ALL
SELECT CASE WHEN m.movement LIKE '%+' THEN 'PAY-' ELSE 'REF-' END || left(m.movement, 36),
       (m.at AT TIME ZONE :tz)::date,
       CASE WHEN m.movement LIKE '%+' THEN 'Payment' ELSE 'Refund' END,
       i.invoice_number, {PAYER}, initcap(replace(m.method, '_', ' ')), NULL, NULL, m.amount,
       i.invoice_number
  FROM ({MONEY_MOVEMENTS}) m JOIN invoices i ON i.id = m.invoice_id {PAYER_JOINS}
) d {{payer}} ORDER BY day, kind, number, id"""

LESSONS = f"""
SELECT le.id::text, (le.scheduled_start AT TIME ZONE :tz)::date,
       to_char(le.scheduled_start AT TIME ZONE :tz, 'HH24:MI'),
       to_char(le.scheduled_end AT TIME ZONE :tz, 'HH24:MI'),
       {TEACHER_NAME}, {STUDENT_NAME}, coalesce(r.name, ''), le.lesson_type,
       le.status, CASE WHEN le.is_late_cancel THEN 'yes' ELSE '' END, le.rate
  FROM lessons le {LESSON_NAMES} LEFT JOIN practice_rooms r ON r.id = le.room_id
 WHERE le.studio_id = :studio AND le.scheduled_start >= :p0 AND le.scheduled_start < :p1
   AND (CAST(:teacher AS uuid) IS NULL OR le.teacher_id = :teacher) {{instrument}}
 ORDER BY le.scheduled_start, le.id"""


def lessons(instrument: bool) -> str:
    return LESSONS.replace("{instrument}", f"AND {LESSON_OF_INSTRUMENT}" if instrument else "")


USERS = """
SELECT u.id::text, trim(u.first_name || ' ' || u.last_name), u.email, u.role, u.phone_number,
       CASE WHEN u.is_active THEN 'yes' ELSE 'no' END, (u.created_at AT TIME ZONE :tz)::date
  FROM users u WHERE u.studio_id = :studio ORDER BY u.role, u.last_name, u.first_name, u.id"""

STUDENT_LIST = """
SELECT st.id::text, trim(su.first_name || ' ' || su.last_name), su.email, st.instrument,
       coalesce(trim(tu.first_name || ' ' || tu.last_name), ''), coalesce(f.name, ''),
       st.enrollment_date, st.left_on, CASE WHEN st.is_active THEN 'yes' ELSE 'no' END
  FROM students st JOIN users su ON su.id = st.user_id
  LEFT JOIN teachers t ON t.id = st.primary_teacher_id LEFT JOIN users tu ON tu.id = t.user_id
  LEFT JOIN families f ON f.id = st.family_id
 WHERE st.studio_id = :studio
   AND (CAST(:teacher AS uuid) IS NULL OR st.primary_teacher_id = :teacher) {instrument}
 ORDER BY su.last_name, su.first_name, st.id"""


def student_list(instrument: bool) -> str:
    return STUDENT_LIST.replace(
        "{instrument}", "AND st.instrument = :instrument" if instrument else ""
    )


TEACHER_LIST = """
SELECT t.id::text, trim(tu.first_name || ' ' || tu.last_name), tu.email,
       (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(t.specialties) x),
       CASE WHEN t.is_accepting_students THEN 'yes' ELSE 'no' END,
       CASE WHEN t.is_active THEN 'yes' ELSE 'no' END,
       (SELECT count(*) FROM students s WHERE s.primary_teacher_id = t.id AND s.is_active)
  FROM teachers t JOIN users tu ON tu.id = t.user_id
 WHERE t.studio_id = :studio AND (CAST(:teacher AS uuid) IS NULL OR t.id = :teacher)
 ORDER BY tu.last_name, tu.first_name, t.id"""
