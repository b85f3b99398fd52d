"""The demo's people: the studio and its staff, teachers and rooms, families, students, bands."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from studiosync_desktop.models import Studio
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.demo.facts import (
    BAND_NAMES,
    CITIES,
    FIRST_NAMES,
    INSTRUMENTS,
    LAST_NAMES,
    STAFF_DOMAIN,
    STREETS,
    STUDIO_NAME,
    STUDIO_TZ,
    DemoSize,
)
from studiosync_desktop.services.demo.sql import rand, run_script


def studio_and_staff(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    settings = StudioSettings().model_dump(mode="json")
    s.add(
        Studio(
            id=p["studio"],
            name=STUDIO_NAME,
            slug="riverside-music-school",
            description="Private lessons, bands and practice rooms since 1998.",
            website="https://riverside-music.example",
            email=f"office@{STAFF_DOMAIN}",
            phone="(312) 555-0100",
            address="2100 N Riverside Ave",
            city="Chicago",
            state="IL",
            country="United States",
            postal_code="60614",
            timezone=STUDIO_TZ,
            currency="USD",
            settings=settings,
        )
    )
    s.flush()
    run_script(
        s,
        """
        INSERT INTO users (id, studio_id, email, first_name, last_name, role, phone_number,
                           is_staff, is_superuser)
        VALUES (:admin, :studio, 'admin@demo.studiosync.example', 'Morgan', 'Reyes', 'admin',
                '(312) 555-0101', true, true),
               (:desk, :studio, 'desk@demo.studiosync.example', 'Jordan', 'Blake', 'desk',
                '(312) 555-0102', true, false)
        """,
        p,
    )


def teachers_and_rooms(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    nf, nl, ni = len(FIRST_NAMES), len(LAST_NAMES), len(INSTRUMENTS)
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_teacher ON COMMIT DROP AS
        SELECT n, gen_random_uuid() AS id, gen_random_uuid() AS user_id,
               (CAST(:fn AS text[]))[1 + (n * 7 + 3) % {nf}] AS first_name,
               (CAST(:ln AS text[]))[1 + (n * 13 + 41) % {nl}] AS last_name,
               (CAST(:instr AS text[]))[1 + (n - 1) % {ni}] AS spec1,
               (CAST(:instr AS text[]))[1 + (n + 4) % {ni}] AS spec2,
               CAST(50 + {rand("n", 1, 6)} * 5 AS numeric(12, 2)) AS hourly_rate,
               CASE WHEN n % 2 = 0 THEN 15 ELSE 0 END AS buffer
        FROM generate_series(1, {size.teachers}) AS n;

        INSERT INTO users (id, studio_id, email, first_name, last_name, role, phone_number,
                           is_staff)
        SELECT user_id, :studio,
               CASE WHEN n <= 2 THEN 'teacher' || n || '@demo.studiosync.example'
                    ELSE lower(first_name || '.' || last_name) || '.t' || n
                         || '@riverside-music.example' END,
               first_name, last_name, 'teacher',
               '(312) 555-' || lpad((1100 + n)::text, 4, '0'), true
        FROM d_teacher;

        INSERT INTO teachers (id, studio_id, user_id, bio, specialties, hourly_rate,
                              is_accepting_students, booking_buffer_minutes)
        SELECT id, :studio, user_id,
               first_name || ' teaches ' || lower(spec1) || ' and ' || lower(spec2)
               || ' to students of every age and has performed across the Midwest.',
               jsonb_build_array(spec1, spec2), hourly_rate, n % 7 <> 0, buffer
        FROM d_teacher;

        CREATE TEMP TABLE d_room ON COMMIT DROP AS
        SELECT n, gen_random_uuid() AS id, 'Room ' || chr(64 + n) AS name,
               CASE WHEN n % 5 = 0 THEN 12 ELSE 2 + n % 3 END AS capacity,
               CAST(15 + (n % 4) * 5 AS numeric(12, 2)) AS hourly_rate
        FROM generate_series(1, {size.rooms}) AS n;

        INSERT INTO practice_rooms (id, studio_id, name, capacity, description, equipment,
                                    hourly_rate, is_active)
        SELECT id, :studio, name, capacity,
               CASE WHEN capacity >= 12 THEN 'Ensemble room with a small stage'
                    ELSE 'Sound-treated practice room' END,
               (ARRAY['Upright piano, music stand', 'Grand piano, mirror',
                      'Drum kit, guitar amp, PA', 'Keyboard, two music stands'])[1 + n % 4],
               hourly_rate, true
        FROM d_room;
        ANALYZE d_teacher;
        ANALYZE d_room;
        """,
        p,
    )


def families(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    nf, nl, ns, nc = len(FIRST_NAMES), len(LAST_NAMES), len(STREETS), len(CITIES)
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_family ON COMMIT DROP AS
        SELECT n, gen_random_uuid() AS id, gen_random_uuid() AS parent_id,
               (CAST(:fn AS text[]))[1 + {rand("n", 2, nf)}] AS parent_first,
               (CAST(:ln AS text[]))[1 + {rand("n", 3, nl)}] AS last_name,
               (100 + {rand("n", 4, 9800)})::text || ' '
               || (CAST(:streets AS text[]))[1 + {rand("n", 5, ns)}] || ' St' AS street,
               1 + {rand("n", 6, nc)} AS city,
               '(' || (ARRAY['312', '773', '847', '708'])[1 + n % 4] || ') 555-'
               || lpad((2000 + n)::text, 4, '0') AS phone
        FROM generate_series(1, {size.families}) AS n;

        INSERT INTO users (id, studio_id, email, first_name, last_name, role, phone_number)
        SELECT parent_id, :studio,
               lower(parent_first || '.' || last_name) || '.p' || n || '@example.org',
               parent_first, last_name, 'parent', phone
        FROM d_family;

        INSERT INTO families (id, studio_id, name, primary_contact_id, phone_number, address,
                              billing_email)
        SELECT f.id, :studio, f.last_name || ' family', f.parent_id, f.phone,
               f.street || E'\\n' || (CAST(:cities AS text[]))[f.city] || ', IL '
               || (CAST(:zips AS text[]))[f.city],
               lower(f.parent_first || '.' || f.last_name) || '.p' || f.n || '@example.org'
        FROM d_family f;
        ANALYZE d_family;
        """,
        p,
    )


def students(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    """Students, some in families; each one's weekly slot `k` (see the package docstring)."""
    nf, nl, ni = len(FIRST_NAMES), len(LAST_NAMES), len(INSTRUMENTS)
    t, wp, wf = size.teachers, size.weeks_past, size.weeks_future
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_student0 ON COMMIT DROP AS
        SELECT n,
               CASE WHEN n <= {size.families} THEN n
                    WHEN n <= {size.family_students} THEN 1 + {rand("n", 7, size.families)}
               END AS family_n,
               {rand("n", 8, 100)} AS r
        FROM generate_series(1, {size.students}) AS n;

        -- Slot k: teacher k mod T, time slot k div T (see the package docstring).
        CREATE TEMP TABLE d_student ON COMMIT DROP AS
        SELECT x.*,
               x.k % {t} + 1 AS teacher_n,
               x.k / {t} AS ts,
               CASE WHEN (x.k % {t} + x.k / {t}) % {t} < {size.rooms}
                    THEN (x.k % {t} + x.k / {t}) % {t} + 1 END AS room_n
        FROM (
            SELECT d.n, d.family_n, d.r, gen_random_uuid() AS id, gen_random_uuid() AS user_id,
                   (CAST(:fn AS text[]))[1 + {rand("d.n", 9, nf)}] AS first_name,
                   coalesce(f.last_name,
                            (CAST(:ln AS text[]))[1 + {rand("d.n", 10, nl)}]) AS last_name,
                   f.id AS family_id, f.parent_first, f.phone AS family_phone,
                   CASE WHEN d.r < 97 THEN
                       (row_number() OVER (PARTITION BY d.r < 97 ORDER BY d.n) - 1)::int
                   END AS k,
                   -- 6 in 100 left the school; 25 in 100 joined after the first week.
                   CASE WHEN d.r < 6 THEN 0
                        WHEN d.r < 31 THEN 1 + {rand("d.n", 11, max(1, wp - 1))}
                        ELSE 0 END AS start_week,
                   CASE WHEN d.r < 6 THEN 2 + {rand("d.n", 12, max(1, wp - 2))}
                        ELSE {wp + wf - 1} END AS end_week
            FROM d_student0 d LEFT JOIN d_family f ON f.n = d.family_n
        ) AS x;

        INSERT INTO users (id, studio_id, email, first_name, last_name, role, phone_number,
                           is_active)
        SELECT user_id, :studio,
               lower(first_name || '.' || last_name) || n || '@example.org',
               first_name, last_name, 'student',
               CASE WHEN family_id IS NULL
                    THEN '(773) 555-' || lpad((5000 + n)::text, 4, '0') ELSE '' END,
               r >= 6
        FROM d_student;

        INSERT INTO students (id, studio_id, user_id, family_id, primary_teacher_id,
                              instrument, specialties, date_of_birth,
                              emergency_contact_name, emergency_contact_phone,
                              enrollment_date, notes, is_active)
        SELECT d.id, :studio, d.user_id, d.family_id, t.id, i.instrument,
               jsonb_build_array(i.instrument),
               CASE WHEN d.family_id IS NOT NULL
                    THEN :today - (6 * 365 + {rand("d.n", 13, 11 * 365)})
                    ELSE :today - (18 * 365 + {rand("d.n", 14, 45 * 365)}) END,
               coalesce(d.parent_first || ' ' || d.last_name, 'Alex ' || d.last_name),
               coalesce(d.family_phone, '(312) 555-' || lpad((7000 + d.n)::text, 4, '0')),
               :week0 + 7 * d.start_week - 7,
               CASE WHEN d.n % 17 = 0 THEN 'Prefers lessons right after school.'
                    WHEN d.n % 23 = 0 THEN 'Preparing for the spring recital.'
                    ELSE '' END,
               d.r >= 6
        FROM d_student d
        LEFT JOIN d_teacher t ON t.n = d.teacher_n AND d.k IS NOT NULL
        CROSS JOIN LATERAL (
            SELECT CASE WHEN t.n IS NULL THEN (CAST(:instr AS text[]))[1 + d.n % {ni}]
                        WHEN d.n % 3 = 0 THEN t.spec2 ELSE t.spec1 END AS instrument
        ) AS i;
        ANALYZE d_student;
        """,
        p,
    )


def bands(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    nb = len(BAND_NAMES)
    modulus = min(50, size.students // 5)
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_band ON COMMIT DROP AS
        SELECT n, gen_random_uuid() AS id,
               (CAST(:bandnames AS text[]))[1 + (n - 1) % {nb}]
               || CASE WHEN n > {nb} THEN ' ' || (n - 1) / {nb} + 1 ELSE '' END AS name
        FROM generate_series(1, {size.bands}) AS n;

        -- Members never share a band (n mod M picks one band per student).
        CREATE TEMP TABLE d_member ON COMMIT DROP AS
        SELECT b.n AS band_n, b.id AS band_id, m.user_id, m.rn
        FROM d_band b
        CROSS JOIN LATERAL (
            SELECT st.user_id, row_number() OVER (ORDER BY st.n) AS rn
            FROM d_student st
            WHERE (st.n - 1) % {modulus} = b.n - 1 AND st.r >= 6
            ORDER BY st.n LIMIT 5
        ) AS m;

        INSERT INTO bands (id, studio_id, name, primary_contact_id, email, phone_number,
                           address, city, state, postal_code, country, notes)
        SELECT b.id, :studio, b.name,
               (SELECT user_id FROM d_member m WHERE m.band_n = b.n AND m.rn = 1),
               lower(replace(b.name, ' ', '')) || '@example.org',
               '(773) 555-' || lpad((3000 + b.n)::text, 4, '0'),
               (200 + b.n)::text || ' N Halsted St', 'Chicago', 'IL', '60614',
               'United States', 'Weekly ensemble coaching.'
        FROM d_band b;

        INSERT INTO band_members (band_id, user_id) SELECT band_id, user_id FROM d_member;
        """,
        p,
    )
