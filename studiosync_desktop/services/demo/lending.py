"""The demo's things: the inventory and its loans, the resource library and its loans."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.services.demo.facts import DemoSize
from studiosync_desktop.services.demo.sql import rand, run_script


def lending_plan(s: Session, p: dict[str, Any], size: DemoSize) -> None:
    """The inventory's items and who borrows what (temporary tables the next steps insert)."""
    ns = size.students
    run_script(
        s,
        f"""
        CREATE TEMP TABLE d_item ON COMMIT DROP AS
        SELECT x.*,
               x.status0 = 'available' AND x.condition <> 'needs-repair'
               AND x.category IN ('instrument', 'sheet-music', 'equipment') AS borrowable
        FROM (
            SELECT n, gen_random_uuid() AS id,
                   (ARRAY['instrument', 'equipment', 'sheet-music', 'accessories',
                          'other'])[1 + n % 5] AS category,
                   (ARRAY['excellent', 'good', 'fair', 'needs-repair'])[1 + (n / 5) % 4]
                       AS condition,
                   CASE WHEN n % 23 = 0 THEN 'retired' WHEN n % 11 = 0 THEN 'maintenance'
                        ELSE 'available' END AS status0,
                   {rand("n", 20, 1000)} AS r
            FROM generate_series(1, {size.items}) AS n
        ) AS x;

        -- Each lendable item: a returned loan, then one more in some state; at most one
        -- approved loan of one piece is out per item, so stock never goes below zero.
        -- Every tenth item is a single instrument that is out (status 'checked-out').
        CREATE TEMP TABLE d_checkout ON COMMIT DROP AS
        SELECT i.id AS item_id, i.n, c.k, st.user_id,
               CASE WHEN c.k = 1 THEN 'returned'
                    WHEN i.n % 10 = 0 THEN 'approved'
                    ELSE (ARRAY['approved', 'approved', 'pending', 'rejected',
                                'cancelled'])[1 + i.r % 5] END AS status,
               :today - (CASE WHEN c.k = 1 THEN 60 ELSE 0 END + i.r % 40) AS out_day
        FROM d_item i
        CROSS JOIN LATERAL (VALUES (1), (2)) AS c(k)
        JOIN d_student st ON st.n = 1 + (i.n * 7 + c.k) % {ns}
        WHERE i.borrowable AND i.n % 3 <> 2;
        """,
        p,
    )


def inventory_items(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    """The items, with what is out taken from what is on hand."""
    run_script(
        s,
        """
        INSERT INTO inventory_items (id, studio_id, name, category, quantity,
                                     available_quantity, low_stock_threshold, condition,
                                     status, location, value, serial_number, is_borrowable,
                                     max_checkout_days, purchase_date, last_maintenance,
                                     notes, created_by_id)
        SELECT i.id, :studio, nm.name, i.category, q.quantity,
               q.quantity - coalesce(o.out_qty, 0), 2, i.condition,
               CASE WHEN i.status0 = 'available' AND q.quantity - coalesce(o.out_qty, 0) = 0
                    THEN 'checked-out' ELSE i.status0 END,
               (ARRAY['Storage closet A', 'Front desk', 'Room B cabinet', 'Basement',
                      'Office shelf'])[1 + i.r % 5],
               CAST(CASE i.category WHEN 'instrument' THEN 150 + i.r * 2
                                    WHEN 'equipment' THEN 40 + i.r / 2
                                    WHEN 'sheet-music' THEN 8 + i.r % 30
                                    ELSE 3 + i.r % 25 END AS numeric(12, 2)),
               'RMS-' || lpad(i.n::text, 5, '0'), i.borrowable,
               CASE i.category WHEN 'instrument' THEN 30 WHEN 'sheet-music' THEN 60
                               ELSE 14 END,
               :today - (200 + i.r * 3),
               CASE WHEN i.category IN ('instrument', 'equipment')
                    THEN :today - (10 + i.r % 150) END,
               CASE WHEN i.condition = 'needs-repair' THEN 'Sent for repair estimate.'
                    ELSE '' END,
               CAST(:desk AS uuid)
        FROM d_item i
        CROSS JOIN LATERAL (
            SELECT CASE i.category
                       WHEN 'instrument' THEN CASE WHEN i.n % 10 = 0 THEN 1
                                                   ELSE 1 + i.r % 3 END
                       WHEN 'sheet-music' THEN 4 + i.r % 12
                       WHEN 'accessories' THEN 10 + i.r % 30
                       WHEN 'equipment' THEN 1 + i.r % 4
                       ELSE 1 + i.r % 5 END AS quantity
        ) AS q
        CROSS JOIN LATERAL (
            SELECT CASE i.category
                WHEN 'instrument' THEN (ARRAY['Student Violin 3/4', 'Yamaha Acoustic Guitar',
                    'Alto Saxophone', 'Student Flute', 'Cello 1/2', 'Trumpet in B-flat',
                    'Ukulele (soprano)', 'Clarinet in B-flat'])[1 + i.r % 8]
                WHEN 'equipment' THEN (ARRAY['Guitar Amplifier 15W', 'Music Stand',
                    'Digital Keyboard 61-key', 'Microphone SM58', 'Metronome',
                    'PA Speaker'])[1 + i.r % 6]
                WHEN 'sheet-music' THEN (ARRAY['Suzuki Violin Book 1',
                    'Alfred''s Basic Piano Level 1', 'Real Book Vol. 1',
                    'Essential Elements Flute', 'Hal Leonard Guitar Method'])[1 + i.r % 5]
                WHEN 'accessories' THEN (ARRAY['Guitar Strings (set)', 'Rosin',
                    'Reeds 2.5 (box)', 'Drumsticks 5A', 'Capo', 'Valve Oil'])[1 + i.r % 6]
                ELSE (ARRAY['Cable 10ft', 'Extension Cord', 'Gig Bag',
                    'Instrument Stand'])[1 + i.r % 4]
            END || ' #' || i.n AS name
        ) AS nm
        LEFT JOIN (
            SELECT item_id, count(*) AS out_qty FROM d_checkout
            WHERE status = 'approved' GROUP BY item_id
        ) AS o ON o.item_id = i.id;
        """,
        p,
    )


def checkout_logs(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    """The loans of the items: returned ones, and one more in some state."""
    run_script(
        s,
        """
        INSERT INTO checkout_logs (studio_id, item_id, student_id, quantity, checkout_date,
                                   due_date, return_date, status, condition_out,
                                   condition_in, notes, return_notes, approved_by_id,
                                   approved_at)
        SELECT :studio, c.item_id, c.user_id, 1,
               (c.out_day + time '15:00') AT TIME ZONE :tz,
               c.out_day + 14,
               CASE WHEN c.status = 'returned'
                    THEN (c.out_day + 10 + time '16:00') AT TIME ZONE :tz END,
               c.status, i.condition,
               CASE WHEN c.status = 'returned' THEN i.condition ELSE '' END,
               CASE WHEN c.status = 'pending' THEN 'Requested at the front desk.'
                    ELSE '' END,
               CASE WHEN c.status = 'returned' THEN 'Returned in good order.' ELSE '' END,
               CASE WHEN c.status IN ('approved', 'returned') THEN CAST(:desk AS uuid) END,
               CASE WHEN c.status IN ('approved', 'returned')
                    THEN (c.out_day + time '15:00') AT TIME ZONE :tz END
        FROM d_checkout c JOIN d_item i ON i.id = c.item_id;
        """,
        p,
    )


def resources(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    rows = [
        ("C Major Scale Fingering Chart", "pdf", "Scales", True, pdf, "", 0, 0, False),
        ("Practice Log Template", "pdf", "Practice", False, pdf, "", 0, 0, False),
        ("Recital Etiquette", "pdf", "Performance", False, pdf, "", 0, 0, False),
        ("Metronome Track 80 BPM", "audio", "Practice", True, None, "", 0, 0, False),
        (
            "Music Theory Lessons",
            "link",
            "Theory",
            True,
            None,
            "https://www.musictheory.net/lessons",
            0,
            0,
            False,
        ),
        ("Suzuki Violin Book 1", "physical", "Method books", True, None, "", 4, 3, True),
        ("Hal Leonard Guitar Method 1", "physical", "Method books", True, None, "", 3, 3, True),
    ]
    ids = [uuid.uuid4() for _ in rows]
    s.execute(
        text(
            """
            INSERT INTO resources (id, studio_id, uploaded_by_id, title, description,
                                   resource_type, file, file_name, file_size, mime_type,
                                   external_url, tags, category, is_physical_item,
                                   quantity_total, quantity_available, is_lendable,
                                   is_public)
            SELECT v.id, v.studio, v.admin, v.title, v.title || ' for our students.',
                   v.kind, v.file,
                   CASE WHEN v.kind = 'pdf'
                        THEN lower(replace(v.title, ' ', '-')) || '.pdf' ELSE '' END,
                   coalesce(octet_length(v.file), 0),
                   CASE WHEN v.kind = 'pdf' THEN 'application/pdf' ELSE '' END,
                   v.url, jsonb_build_array(lower(v.category)), v.category, v.physical,
                   v.total, v.available, v.physical, v.public
            FROM (SELECT CAST(:id AS uuid) AS id, CAST(:studio AS uuid) AS studio,
                         CAST(:admin AS uuid) AS admin, CAST(:title AS text) AS title,
                         CAST(:kind AS text) AS kind, CAST(:file AS bytea) AS file,
                         CAST(:url AS text) AS url, CAST(:category AS text) AS category,
                         CAST(:physical AS boolean) AS physical,
                         CAST(:total AS integer) AS total,
                         CAST(:available AS integer) AS available,
                         CAST(:public AS boolean) AS public) AS v
            """
        ),
        [
            {
                "id": rid,
                "studio": p["studio"],
                "admin": p["admin"],
                "title": title,
                "kind": kind,
                "category": category,
                "public": public,
                "file": file,
                "url": url,
                "total": total,
                "available": available,
                "physical": physical,
            }
            for rid, (
                title,
                kind,
                category,
                public,
                file,
                url,
                total,
                available,
                physical,
            ) in zip(ids, rows, strict=True)
        ],
    )
    p["res_shared"], p["res_shared2"], p["res_lend"] = ids[1], ids[2], ids[5]


def resource_loans(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    """Resources shared with some students; the Suzuki book lent out once and back once."""
    run_script(
        s,
        """
        INSERT INTO resource_shares (resource_id, student_id)
        SELECT r.rid, st.id FROM d_student st
        CROSS JOIN (VALUES (CAST(:res_shared AS uuid)), (CAST(:res_shared2 AS uuid))) AS r(rid)
        WHERE st.n % 10 = 1;

        -- One copy of the Suzuki book is out (4 in total, 3 available), one came back.
        INSERT INTO resource_checkouts (studio_id, resource_id, student_id, quantity,
                                        status, checked_out_at, due_date, returned_at,
                                        checkout_notes, return_notes)
        SELECT :studio, CAST(:res_lend AS uuid), st.id, 1, v.status,
               (:today - v.ago + time '16:00') AT TIME ZONE :tz, :today - v.ago + 14,
               CASE WHEN v.status = 'returned'
                    THEN (:today - v.ago + 12 + time '16:00') AT TIME ZONE :tz END,
               'Lent at the front desk.',
               CASE WHEN v.status = 'returned' THEN 'Returned, no damage.' ELSE '' END
        FROM (VALUES (2, 'checked_out', 5), (3, 'returned', 40)) AS v(n, status, ago)
        JOIN d_student st ON st.n = v.n;
        """,
        p,
    )
