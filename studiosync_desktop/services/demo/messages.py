"""The demo's conversations and notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from studiosync_desktop.services.demo.facts import DemoSize
from studiosync_desktop.services.demo.sql import run_script


def messages(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    subjects = [
        "Rescheduling next week's lesson",
        "Recital sign-up",
        "Question about this month's invoice",
        "Practice tips for the holidays",
        "Borrowing a violin",
        "Band rehearsal room change",
    ]
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_thread ON COMMIT DROP AS
        SELECT g.n, gen_random_uuid() AS id,
               (CAST(:subjects AS text[]))[1 + g.n % {len(subjects)}] AS subject,
               f.parent_id, f.parent_first, te.user_id AS teacher_user, te.first_name AS tf,
               (CAST(:today AS date) - (g.n % 30) + time '09:00') AT TIME ZONE :tz AS started
        FROM generate_series(1, {size.threads}) AS g(n)
        JOIN d_family f ON f.n = 1 + (g.n * 11) % {size.families}
        JOIN d_teacher te ON te.n = 1 + g.n % {size.teachers};

        INSERT INTO message_threads (id, studio_id, subject, created_at, updated_at)
        SELECT id, :studio, subject, started, started FROM d_thread;

        INSERT INTO thread_participants (thread_id, user_id)
        SELECT id, u FROM d_thread,
               LATERAL (VALUES (parent_id), (teacher_user), (CAST(:desk AS uuid))) AS v(u);

        CREATE TEMP TABLE d_message ON COMMIT DROP AS
        SELECT gen_random_uuid() AS id, t.id AS thread_id, m.k,
               CASE m.k WHEN 1 THEN t.parent_id WHEN 2 THEN CAST(:desk AS uuid)
                        ELSE t.teacher_user END AS sender_id,
               CASE m.k
                   WHEN 1 THEN 'Hi, this is ' || t.parent_first || '. ' || t.subject || ': '
                               || 'could you help us with this?'
                   WHEN 2 THEN 'Thanks for reaching out! I have copied ' || t.tf
                               || ' so we can sort it out.'
                   ELSE 'Happy to help. Let''s talk after the next lesson.' END AS content,
               t.started + make_interval(hours => 3 * (m.k - 1)) AS sent_at,
               t.n
        FROM d_thread t CROSS JOIN generate_series(1, 3) AS m(k);

        INSERT INTO messages (id, studio_id, thread_id, sender_id, content, is_read,
                              created_at, updated_at)
        SELECT id, :studio, thread_id, sender_id, content, k < 3 OR n % 2 = 0,
               sent_at, sent_at
        FROM d_message;

        INSERT INTO message_reads (message_id, user_id, read_at)
        SELECT m.id, tp.user_id, m.sent_at + interval '1 hour'
        FROM d_message m JOIN thread_participants tp ON tp.thread_id = m.thread_id
        WHERE tp.user_id <> m.sender_id AND (m.k < 3 OR m.n % 2 = 0);

        INSERT INTO notifications (studio_id, user_id, title, message, notification_type,
                                   is_read, link, created_at, updated_at)
        SELECT :studio, u.id, v.title, v.body, v.kind, v.k % 2 = 0, v.link,
               (:today - v.k + time '08:00') AT TIME ZONE :tz,
               (:today - v.k + time '08:00') AT TIME ZONE :tz
        FROM users u
        CROSS JOIN (VALUES
            (1, 'Lesson cancelled', 'A student cancelled tomorrow''s lesson.',
             'lesson_cancelled', 'calendar'),
            (2, 'Payment received', 'A family paid this month''s invoice.',
             'payment_received', 'invoices'),
            (3, 'Checkout overdue', 'An instrument loan is past its due date.',
             'checkout_overdue', 'inventory'),
            (4, 'Room request', 'A practice-room reservation waits for confirmation.',
             'room_request', 'rooms'),
            (5, 'New message', 'You have a new message from a parent.', 'message',
             'messages')
        ) AS v(k, title, body, kind, link)
        WHERE u.role IN ('admin', 'desk', 'teacher');
        """,
        {**p, "subjects": subjects},
    )
