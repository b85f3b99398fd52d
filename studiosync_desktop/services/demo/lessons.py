"""The demo's timetable: weekly series and their lessons, room reservations, teaching notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.services.demo.facts import CANCEL_REASONS, SLOTS_PER_WEEK, DemoSize
from studiosync_desktop.services.demo.sql import rand, run_script


def patterns_and_lessons(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    t, r = size.teachers, size.rooms
    band_slots = (size.bands + r - 1) // r
    last_slot = s.scalar(text("SELECT coalesce(max(ts), -1) FROM d_student"))
    first_band_slot = int(last_slot if last_slot is not None else -1) + 1
    if first_band_slot + band_slots > SLOTS_PER_WEEK:
        raise ValidationFailed({"size": "Too many lessons for the teachers' week."})
    nr = len(CANCEL_REASONS)
    # Time slot -> weekday (0 = Monday .. 5 = Saturday) and hour: 14-21 on weekdays, 9-16
    # on Saturdays.
    slot_time = "make_time(CASE WHEN {ts} % 6 = 5 THEN 9 ELSE 14 END + {ts} / 6, 0, 0)"
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_pattern ON COMMIT DROP AS
        SELECT gen_random_uuid() AS id, x.*,
               round(x.hourly_rate * x.duration / 60, 2) AS rate,
               :week0 + x.weekday + 7 * x.start_week AS start_date,
               :week0 + x.weekday + 7 * x.end_week AS end_date
        FROM (
            SELECT st.n AS key, st.id AS student_id, NULL::uuid AS band_id,
                   te.id AS teacher_id, te.hourly_rate, ro.id AS room_id,
                   coalesce(ro.name, 'Online (video call)') AS location,
                   CASE WHEN ro.id IS NULL THEN 'online' ELSE 'private' END AS lesson_type,
                   st.ts % 6 AS weekday, {slot_time.format(ts="st.ts")} AS at,
                   CASE WHEN {rand("st.n", 15, 2)} = 0 THEN 30 ELSE 45 END AS duration,
                   st.start_week, st.end_week,
                   -- The payer: the family, else the student.
                   CASE WHEN st.family_id IS NOT NULL THEN 100000 + st.family_n
                        ELSE 200000 + st.n END AS payer_key,
                   st.family_id AS pay_family, NULL::uuid AS pay_band,
                   CASE WHEN st.family_id IS NULL THEN st.id END AS pay_student,
                   st.first_name || ' ' || st.last_name AS who
            FROM d_student st
            JOIN d_teacher te ON te.n = st.teacher_n
            LEFT JOIN d_room ro ON ro.n = st.room_n
            WHERE st.k IS NOT NULL
            UNION ALL
            SELECT 500000 + b.n, NULL, b.id, te.id, te.hourly_rate, ro.id, ro.name,
                   'ensemble', g.ts % 6, {slot_time.format(ts="g.ts")}, 45,
                   0, {size.weeks_past + size.weeks_future - 1},
                   300000 + b.n, NULL, b.id, NULL, b.name
            FROM d_band b
            CROSS JOIN LATERAL (
                SELECT {first_band_slot} + (b.n - 1) / {r} AS ts, (b.n - 1) % {r} AS room_i
            ) AS g
            JOIN d_room ro ON ro.n = g.room_i + 1
            JOIN d_teacher te ON te.n = ((g.room_i - g.ts) % {t} + {t}) % {t} + 1
        ) AS x;
        ANALYZE d_pattern;

        INSERT INTO recurring_patterns (id, studio_id, teacher_id, student_id, band_id,
                                        room_id, frequency, day_of_week, time,
                                        duration_minutes, start_date, end_date, lesson_type,
                                        location, rate, is_active, generated_until)
        -- Every week of each series is booked below, to its end: generated that far, as the
        -- app's own series are (a series without it booked its cancelled weeks again).
        SELECT id, :studio, teacher_id, student_id, band_id, room_id, 'weekly',
               (ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                      'saturday'])[weekday + 1],
               at, duration, start_date, end_date, lesson_type, location, rate,
               end_date >= :today, end_date
        FROM d_pattern;

        INSERT INTO lessons (studio_id, teacher_id, student_id, band_id, room_id,
                             scheduled_start, scheduled_end, actual_start, actual_end,
                             location, lesson_type, status, rate, recurring_pattern_id,
                             occurrence_date, cancellation_reason, cancelled_at,
                             cancelled_by_id, is_late_cancel)
        SELECT :studio, g.teacher_id, g.student_id, g.band_id, g.room_id,
               g.starts, g.starts + g.length,
               CASE WHEN g.status = 'completed' THEN g.starts END,
               CASE WHEN g.status = 'completed' THEN g.starts + g.length END,
               g.location, g.lesson_type, g.status, g.rate, g.id, g.day,
               CASE WHEN g.status = 'cancelled'
                    THEN (CAST(:reasons AS text[]))[1 + g.r % {nr}] ELSE '' END,
               CASE WHEN g.status = 'cancelled'
                    THEN least(g.starts - make_interval(hours => g.r % 96), now()) END,
               CASE WHEN g.status = 'cancelled' THEN CAST(:desk AS uuid) END,
               g.status = 'cancelled' AND g.r % 96 < 24
        FROM (
            SELECT p.*, (day + p.at) AT TIME ZONE :tz AS starts,
                   make_interval(mins => p.duration) AS length,
                   rr.r, rr.day,
                   CASE WHEN day < :today THEN
                            CASE WHEN rr.r < 40 THEN 'cancelled'
                                 WHEN rr.r < 60 THEN 'no_show'
                                 ELSE 'completed' END
                        WHEN rr.r < 15 THEN 'cancelled'
                        ELSE 'scheduled' END AS status
            FROM d_pattern p
            CROSS JOIN LATERAL generate_series(0, (p.end_date - p.start_date) / 7) AS w
            CROSS JOIN LATERAL (SELECT p.start_date + 7 * w AS day,
                                       {rand("p.key * 211 + w", 16, 1000)} AS r) AS rr
        ) AS g
        -- In time order: the indexes and exclusion constraints then grow at one end.
        ORDER BY g.starts, g.teacher_id;
        """,
        p,
    )


def reservations(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    weeks = size.weeks_past + size.weeks_future
    run_script(
        s,
        f"""
        -- Mornings (8:00 and 10:00, up to two hours) on weekdays and Sundays: no lesson
        -- is taught then, and two reservations of a room at most touch.
        INSERT INTO room_reservations (studio_id, room_id, student_id, start_time, end_time,
                                       status, total_cost, is_paid, notes, booked_by_id)
        SELECT :studio, g.room_id, st.user_id, g.starts,
               g.starts + make_interval(mins => g.minutes), g.status,
               round(g.hourly_rate * g.minutes / 60, 2),
               g.status = 'completed' AND g.r % 3 <> 0,
               CASE WHEN g.r % 7 = 0 THEN 'Recital rehearsal' ELSE '' END,
               CAST(:desk AS uuid)
        FROM (
            SELECT ro.id AS room_id, ro.hourly_rate, x.*,
                   (x.day + make_time(8 + 2 * x.slot, 0, 0)) AT TIME ZONE :tz AS starts,
                   (ARRAY[60, 80, 90, 120])[1 + x.r % 4] AS minutes,
                   CASE WHEN x.day < :today THEN
                            CASE WHEN x.r % 10 < 8 THEN 'completed'
                                 WHEN x.r % 10 = 8 THEN 'cancelled' ELSE 'no_show' END
                        ELSE (ARRAY['pending', 'confirmed', 'confirmed',
                                    'cancelled'])[1 + x.r % 4] END AS status
            FROM d_room ro
            CROSS JOIN LATERAL (
                SELECT :week0 + d AS day, sl AS slot,
                       {rand("ro.n * 100003 + d * 2 + sl", 21, 1000)} AS r
                FROM generate_series(0, {weeks * 7 - 1}) AS d,
                     generate_series(0, 1) AS sl
                WHERE d % 7 <> 5
            ) AS x
            WHERE x.r % 100 < {size.reservation_percent}
        ) AS g
        JOIN d_student st ON st.n = 1 + g.r % {size.students};
        """,
        p,
    )


def teaching_notes(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    minute_of_lesson = "(extract(epoch FROM l.scheduled_start)::bigint / 60)::int"
    run_script(
        s,
        f"""
        -- Notes on most completed student lessons of the last four weeks.
        INSERT INTO lesson_notes (studio_id, lesson_id, teacher_id, summary, topics_covered,
                                  assignments, strengths, challenges, homework,
                                  visible_to_student, visible_to_parent)
        SELECT :studio, l.id, l.teacher_id,
               (ARRAY['Good focus today; we polished the recital piece.',
                      'Worked on scales and sight-reading.',
                      'Started a new piece; rhythm needs attention.',
                      'Great progress on tone and posture.'])[1 + x.r % 4],
               jsonb_build_array('scales', (ARRAY['rhythm', 'dynamics', 'sight-reading',
                                                  'technique'])[1 + x.r % 4]),
               jsonb_build_array('Practice 20 minutes a day'),
               jsonb_build_array((ARRAY['tone', 'timing', 'memory', 'posture'])[1 + x.r % 4]),
               jsonb_build_array((ARRAY['counting', 'hand position', 'breathing',
                                        'tempo'])[1 + x.r % 4]),
               (ARRAY['Scales in G and D, hands separately.', 'Measures 1-16 slowly.',
                      'Clap the rhythm of page 12.', 'Listen to the recording twice.'])
                   [1 + x.r % 4],
               true, x.r % 5 <> 0
        FROM lessons l
        CROSS JOIN LATERAL (SELECT {rand(minute_of_lesson, 22, 100)} AS r) AS x
        WHERE l.status = 'completed' AND l.student_id IS NOT NULL
          AND l.scheduled_start >= CAST(:today AS date) - 28 AND x.r < 70;

        INSERT INTO student_goals (studio_id, student_id, teacher_id, title, description,
                                   target_date, status, progress_percentage)
        SELECT :studio, st.id, te.id, g.title, g.title || ' by the target date.',
               :today + (30 + {rand("st.n * 3 + g.k", 23, 150)}),
               CASE WHEN st.n % 9 = 0 AND g.k = 2 THEN 'achieved'
                    WHEN st.n % 13 = 0 AND g.k = 2 THEN 'abandoned'
                    ELSE 'active' END,
               CASE WHEN st.n % 9 = 0 AND g.k = 2 THEN 100
                    ELSE {rand("st.n * 3 + g.k", 24, 95)} END
        FROM d_student st
        JOIN d_teacher te ON te.n = st.teacher_n
        CROSS JOIN LATERAL (VALUES
            (1, (ARRAY['Play two pieces at the spring recital', 'Learn all major scales',
                       'Sight-read grade 2 pieces', 'Master eighth-note rhythms'])
                [1 + st.n % 4]),
            (2, (ARRAY['Practice five days a week', 'Memorise one piece',
                       'Pass the level 1 assessment'])[1 + st.n % 3])
        ) AS g(k, title)
        WHERE st.k IS NOT NULL AND (g.k = 1 OR st.n % 3 = 0);

        INSERT INTO lesson_plans (studio_id, teacher_id, title, description, specialty,
                                  duration_minutes, objectives, materials, activities, tags,
                                  is_public)
        SELECT :studio, te.id, v.title || ': ' || te.spec1, v.title || ' for '
               || lower(te.spec1) || ' students.', te.spec1, v.minutes,
               jsonb_build_array('Warm up', v.title),
               jsonb_build_array('Method book', 'Metronome'),
               jsonb_build_array('Warm-up (5 min)', 'New material', 'Review and homework'),
               jsonb_build_array(lower(te.spec1), v.tag), te.n % 2 = 0
        FROM d_teacher te
        CROSS JOIN (VALUES ('First lesson', 30, 'beginner'),
                           ('Recital preparation', 45, 'performance'))
            AS v(title, minutes, tag);
        """,
        p,
    )
