"""Every writing service call that takes what a person typed, as data for the hostile-values
driver (tests/services/test_services_hostile.py): how to call it with a form's fields, what
a believable form is, which tables it writes and how to read back what it stored.

A new public writing service method goes in `CASES`, or in `NO_TYPED_VALUES` with the reason
it takes nothing a person types; a test fails otherwise."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from hostile_world import (
    Case,
    cash_payment,
    erasable_person,
    import_csv,
    lent_item,
    physical_resource,
    picture,
    privacy_request,
    reason_of_lesson,
    series_form,
    series_lesson,
    soon,
    staff_email,
    staff_login,
    stripe_payment,
    thread,
    time_off,
)

from studiosync_desktop.errors import Conflict, PermissionDenied
from studiosync_desktop.services.demo import DemoService

CASES: list[Case] = [
    # -- the roster ---------------------------------------------------------------------------
    Case(
        ("RosterService.save_student",),
        lambda w, t, d: w.sv.roster.save_student(w.admin, d).id,
        lambda w: {"first_name": "Maya", "last_name": "Chen", "primary_teacher_id": w.teacher},
        ("users", "students"),
        read=lambda w, t, saved: w.sv.roster.student_form(w.admin, saved),
    ),
    Case(
        ("RosterService.save_family",),
        lambda w, t, d: w.sv.roster.save_family(w.admin, d).id,
        lambda w: {"name": "Chen family", "address": "1 Main St"},
        ("families",),
        read=lambda w, t, saved: w.sv.roster.family_form(w.admin, saved),
    ),
    Case(
        ("RosterService.save_teacher",),
        lambda w, t, d: w.sv.roster.save_teacher(w.admin, d).id,
        lambda w: {"first_name": "Ravi", "email": staff_email()},
        ("users", "teachers"),
        read=lambda w, t, saved: w.sv.roster.teacher_form(w.admin, saved),
        may_clash=True,
    ),
    Case(
        ("RosterService.save_band",),
        lambda w, t, d: w.sv.roster.save_band(w.admin, d).id,
        lambda w: {"name": "The Chords", "city": "Springfield", "member_ids": [w.person]},
        ("bands", "band_members"),
        read=lambda w, t, saved: w.sv.roster.band_form(w.admin, saved),
    ),
    Case(
        ("RosterCsvService.import_csv",),
        import_csv,
        lambda w: {"first_name": "Ada", "last_name": "Byron"},
        ("users", "students", "families"),
        fields=lambda name: name.startswith("line "),
    ),
    # -- the schedule -------------------------------------------------------------------------
    Case(
        ("BookingRules.create_lesson",),
        lambda w, t, d: w.sv.scheduling.create_lesson(w.admin, d).id,
        lambda w: {"teacher_id": w.teacher, "student_id": w.student, **soon(w), "location": "B"},
        ("lessons", "room_occupancy"),
        read=lambda w, t, saved: w.sv.scheduling.lesson(w.admin, saved),
        may_clash=True,
    ),
    Case(
        ("JournaledScheduling.update_lesson", "BookingRules.update_lesson"),
        lambda w, t, d: w.sv.scheduling.update_lesson(w.admin, t, d).id,
        lambda w: {"teacher_id": w.teacher, "student_id": w.student, **soon(w), "location": "C"},
        ("lessons", "room_occupancy"),
        prepare=lambda w: w.lesson(),
        read=lambda w, t, saved: w.sv.scheduling.lesson(w.admin, saved),
        may_clash=True,
    ),
    Case(
        ("JournaledScheduling.set_status", "BookingRules.set_status"),
        lambda w, t, d: w.sv.scheduling.set_status(w.admin, t, d["status"]),
        lambda w: {"status": "no_show"},
        ("lessons",),
        prepare=lambda w: w.make.lesson(w.teacher, w.slot(past=True), student_id=w.student),
        may_clash=True,
    ),
    Case(
        ("JournaledScheduling.cancel", "BookingRules.cancel"),
        lambda w, t, d: w.sv.scheduling.cancel(w.admin, t, d),
        lambda w: {"reason": "Snow day", "on_behalf_of": "studio"},
        ("lessons", "makeup_credits"),
        prepare=lambda w: w.lesson(),
        read=reason_of_lesson,
    ),
    Case(
        ("BookingRules.batch_cancel",),
        lambda w, t, d: w.sv.scheduling.batch_cancel(w.admin, d),
        lambda w: {
            "start": (date.today() + timedelta(days=500)).isoformat() + "T00:00:00+00:00",
            "end": (date.today() + timedelta(days=501)).isoformat() + "T00:00:00+00:00",
            "reason": "Snow day",
            "teacher_id": w.teacher,
        },
        ("lessons", "makeup_credits"),
    ),
    Case(
        ("LessonSeries.create_series",),
        lambda w, t, d: w.sv.scheduling.create_series(w.admin, d, skip_clashes=True).pattern_id,
        series_form,
        ("recurring_patterns", "lessons", "room_occupancy"),
        read=lambda w, t, pattern: w.row(
            "SELECT location FROM recurring_patterns WHERE id = :i", i=pattern
        ),
        may_clash=True,
    ),
    Case(
        ("LessonSeries.create_term",),
        lambda w, t, d: w.sv.scheduling.create_term(w.admin, [d], skip_clashes=True),
        series_form,
        ("recurring_patterns", "lessons", "room_occupancy"),
        may_clash=True,
        fields=lambda name: name.startswith("series 1: "),
    ),
    Case(
        ("LessonSeries.edit_series",),
        lambda w, t, d: w.sv.scheduling.edit_series(w.admin, t, d, "all", skip_clashes=True),
        series_form,
        ("recurring_patterns", "lessons", "room_occupancy"),
        prepare=lambda w: series_lesson(w),
        may_clash=True,
    ),
    Case(
        ("LessonSeries.end_series",),
        lambda w, t, d: w.sv.scheduling.end_series(w.admin, t, d["last_day"]),
        lambda w: {"last_day": date.today() + timedelta(days=5)},
        ("recurring_patterns", "lessons"),
        prepare=lambda w: (
            w.sv.scheduling.create_series(w.admin, series_form(w), skip_clashes=True).pattern_id
        ),
        may_clash=True,
    ),
    Case(
        ("StudioClosures.add_closure",),
        lambda w, t, d: w.sv.scheduling.add_closure(w.admin, d),
        lambda w: {"closed_on": w.slot().date() + timedelta(days=300), "reason": "Snow day"},
        ("studio_closures",),
        read=lambda w, t, closure: w.row(
            "SELECT reason FROM studio_closures WHERE id = :i", i=closure.id
        ),
        may_clash=True,
    ),
    Case(
        ("LessonNotes.save_lesson_note",),
        lambda w, t, d: w.sv.scheduling.save_lesson_note(w.admin, t, d),
        lambda w: {
            "summary": "Scales",
            "homework": "Arpeggios",
            "topics_covered": ["C major"],
            "strengths": ["Tone"],
        },
        ("lesson_notes",),
        prepare=lambda w: w.lesson(),
        read=lambda w, t, _r: w.row(
            "SELECT summary, homework FROM lesson_notes WHERE lesson_id = :i", i=t
        ),
    ),
    # -- working hours, time off, outside calendars -------------------------------------------
    Case(
        ("AvailabilityService.set_week_hours",),
        lambda w, t, d: w.sv.availability.set_week_hours(w.admin, w.teacher, d),
        lambda w: {"days": [[{"start": "09:00", "end": "17:00"}]] + [[]] * 6},
        ("teacher_hours",),
    ),
    Case(
        ("AvailabilityService.set_teacher_zone",),
        lambda w, t, d: w.sv.availability.set_teacher_zone(w.admin, w.teacher, d["timezone"]),
        lambda w: {"timezone": "Europe/Berlin"},
        ("teachers",),
        read=lambda w, t, _r: w.row("SELECT timezone FROM teachers WHERE id = :i", i=w.teacher),
    ),
    Case(
        ("AvailabilityService.add_exception",),
        lambda w, t, d: w.sv.availability.add_exception(w.admin, d),
        time_off,
        ("availability_exceptions",),
        read=lambda w, t, added: w.row(
            "SELECT reason FROM availability_exceptions WHERE id = :i", i=added[0].id
        ),
        may_clash=True,
    ),
    Case(
        ("AvailabilityService.cancel_for_time_off",),
        lambda w, t, d: w.sv.availability.cancel_for_time_off(w.admin, [t], d["reason"]),
        lambda w: {"reason": "Ill"},
        ("lessons", "makeup_credits"),
        prepare=lambda w: w.lesson(),
        read=reason_of_lesson,
        empty_is={"reason": "The teacher is away"},
    ),
    Case(
        ("CalendarFeedService.add_feed",),
        lambda w, t, d: w.sv.calendars.add_feed(w.admin, d).id,
        lambda w: {"name": "Maya's calendar", "url": "https://cal.example/maya.ics"},
        ("calendar_feeds",),
        read=lambda w, t, feed: w.row("SELECT name, url FROM calendar_feeds WHERE id = :i", i=feed),
    ),
    Case(
        ("CalendarFeedService.import_file",),
        lambda w, t, d: w.sv.calendars.import_file(w.admin, {"name": d["name"]}, d["file"]).id,
        lambda w: {
            "name": "Exported",
            "file": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        },
        ("calendar_feeds", "calendar_feed_events"),
    ),
    # -- rooms, lending, the library ----------------------------------------------------------
    Case(
        ("RoomService.create_room",),
        lambda w, t, d: w.sv.rooms.create_room(w.admin, d).id,
        lambda w: {"name": f"Room {uuid.uuid4().hex[:6]}", "capacity": 2, "hourly_rate": "15"},
        ("practice_rooms",),
        read=lambda w, t, room: w.row(
            "SELECT name, description, equipment FROM practice_rooms WHERE id = :i", i=room
        ),
        may_clash=True,
    ),
    Case(
        ("RoomService.update_room",),
        lambda w, t, d: w.sv.rooms.update_room(w.admin, t, d).id,
        lambda w: {"name": f"Room {uuid.uuid4().hex[:6]}", "description": "Upright piano"},
        ("practice_rooms",),
        prepare=lambda w: w.make.room(f"Room {uuid.uuid4().hex[:6]}"),
        read=lambda w, t, room: w.row(
            "SELECT name, description, equipment FROM practice_rooms WHERE id = :i", i=room
        ),
        may_clash=True,
    ),
    Case(
        ("RoomService.reserve",),
        lambda w, t, d: w.sv.rooms.reserve(w.admin, d),
        lambda w: {"room_id": w.room, "person_id": w.person, **soon(w), "notes": "A stand"},
        ("room_reservations", "room_occupancy"),
        read=lambda w, t, booking: w.row(
            "SELECT notes FROM room_reservations WHERE id = :i", i=booking.id
        ),
        may_clash=True,
    ),
    Case(
        ("RoomService.set_status",),
        lambda w, t, d: w.sv.rooms.set_status(w.admin, t, d["status"]),
        lambda w: {"status": "cancelled"},
        ("room_reservations",),
        prepare=lambda w: w.make.reservation(w.room, w.person, w.slot()),
        may_clash=True,
    ),
    Case(
        ("InventoryService.create_item",),
        lambda w, t, d: w.sv.inventory.create_item(w.admin, d).id,
        lambda w: {"name": "Violin 3/4", "quantity": 3, "notes": "Case is blue"},
        ("inventory_items",),
        read=lambda w, t, saved: w.sv.inventory.item(w.admin, saved),
    ),
    Case(
        ("InventoryService.update_item",),
        lambda w, t, d: w.sv.inventory.update_item(w.admin, t, d).id,
        lambda w: {"name": "Cello", "quantity": 5, "location": "Cupboard B", "value": "900"},
        ("inventory_items",),
        prepare=lambda w: w.make.item("Cello"),
        read=lambda w, t, saved: w.sv.inventory.item(w.admin, saved),
        may_clash=True,
    ),
    Case(
        ("InventoryService.request",),
        lambda w, t, d: w.sv.inventory.request(w.admin, {**d, "item_id": t}).id,
        lambda w: {
            "borrower_id": w.student_user,
            "quantity": 1,
            "due_date": date.today() + timedelta(days=14),
            "notes": "Bow included",
        },
        ("checkout_logs", "inventory_items"),
        prepare=lambda w: w.make.item(f"Flute {uuid.uuid4().hex[:6]}"),
        read=lambda w, t, c: w.row("SELECT notes FROM checkout_logs WHERE id = :i", i=c),
        may_clash=True,
    ),
    Case(
        ("InventoryService.return_item",),
        lambda w, t, d: w.sv.inventory.return_item(w.admin, t, d),
        lambda w: {"condition_in": "good", "return_notes": "Scratched", "to_maintenance": False},
        ("checkout_logs", "inventory_items"),
        prepare=lent_item,
        read=lambda w, t, _r: w.row("SELECT return_notes FROM checkout_logs WHERE id = :i", i=t),
    ),
    Case(
        ("ResourceService.create",),
        lambda w, t, d: (
            w.sv.resources.create(
                w.admin,
                {k: v for k, v in d.items() if k not in ("file_name", "mime_type")},
                file_name=d["file_name"],
                file_data=b"%PDF-1.4\n" if d["file_name"] else None,
                mime_type=d["mime_type"],
            ).id
        ),
        lambda w: {
            "title": "Scales",
            "description": "Major and minor",
            "category": "Theory",
            "tags": ["scales"],
            "file_name": "scales.pdf",
            "mime_type": "application/pdf",
        },
        ("resources",),
        read=lambda w, t, r: w.row(
            "SELECT title, description, category, file_name FROM resources WHERE id = :i", i=r
        ),
    ),
    Case(
        ("ResourceService.update",),
        lambda w, t, d: w.sv.resources.update(w.admin, t, d).id,
        lambda w: {"title": "Arpeggios", "external_url": "https://example.org/arp"},
        ("resources",),
        prepare=physical_resource,
        read=lambda w, t, r: w.row(
            "SELECT title, description, external_url FROM resources WHERE id = :i", i=r
        ),
    ),
    Case(
        ("ResourceService.replace_file",),
        lambda w, t, d: (
            w.sv.resources.replace_file(w.admin, t, d["file_name"], d["file"], d["mime_type"]).id
        ),
        lambda w: {"file_name": "new.pdf", "file": b"%PDF-1.4\n", "mime_type": "application/pdf"},
        ("resources",),
        prepare=physical_resource,
        read=lambda w, t, r: w.row("SELECT file_name FROM resources WHERE id = :i", i=r),
    ),
    Case(
        ("ResourceService.lend",),
        lambda w, t, d: w.sv.resources.lend(w.admin, {**d, "resource_id": t}).id,
        lambda w: {
            "student_id": w.student,
            "quantity": 1,
            "due_date": date.today() + timedelta(days=7),
            "checkout_notes": "Book 2",
        },
        ("resource_checkouts", "resources"),
        prepare=physical_resource,
        read=lambda w, t, c: w.row(
            "SELECT checkout_notes FROM resource_checkouts WHERE id = :i", i=c
        ),
        may_clash=True,
    ),
    # -- billing ------------------------------------------------------------------------------
    Case(
        ("InvoicingService.add_line",),
        lambda w, t, d: w.sv.invoicing.add_line(w.admin, w.draft, d),
        lambda w: {"description": "Theory book", "quantity": 1, "unit_price": "12.50"},
        ("invoice_line_items",),
        read=lambda w, t, line: w.row(
            "SELECT description FROM invoice_line_items WHERE id = :i", i=line
        ),
    ),
    Case(
        ("InvoicingService.set_terms",),
        lambda w, t, d: w.sv.invoicing.set_terms(w.admin, w.draft, d),
        lambda w: {"tax_rate_percent": "8.25", "discount": "5", "notes": "Thank you"},
        (),
        read=lambda w, t, _r: w.row("SELECT notes FROM invoices WHERE id = :i", i=w.draft),
    ),
    Case(
        ("InvoicingService.void",),
        lambda w, t, d: w.sv.invoicing.void(w.admin, t, d),
        lambda w: {"reason": "Billed twice"},
        ("invoice_events",),
        prepare=lambda w: w.issued_invoice(),
        read=lambda w, t, _r: w.row(
            "SELECT void_reason AS reason FROM invoices WHERE id = :i", i=t
        ),
    ),
    Case(
        ("InvoicingService.credit_note",),
        lambda w, t, d: w.sv.invoicing.credit_note(w.admin, t, d),
        lambda w: {"amount": "10.00", "reason": "Missed lesson"},
        ("invoices", "invoice_line_items", "invoice_events", "account_credits"),
        prepare=lambda w: w.issued_invoice(),
        may_clash=True,
    ),
    Case(
        ("InvoicingService.generate_month",),
        lambda w, t, d: w.sv.invoicing.generate_month(w.admin, d["month"]),
        lambda w: {"month": date.today().replace(day=1) + timedelta(days=400)},
        ("invoices", "invoice_line_items"),
    ),
    Case(
        ("InvoicingService.issue_month",),
        lambda w, t, d: w.sv.invoicing.issue_month(w.admin, d["month"]),
        lambda w: {"month": date.today().replace(day=1) + timedelta(days=800)},
        ("invoices",),
    ),
    Case(
        ("PaymentService.record",),
        lambda w, t, d: w.sv.payments.record(w.admin, w.issued, d),
        lambda w: {"amount": "0.01", "method": "cash", "notes": "At the desk"},
        ("payments", "account_credits"),
        read=lambda w, t, p: w.row("SELECT notes FROM payments WHERE id = :i", i=p),
        may_clash=True,
    ),
    Case(
        ("PaymentService.refund",),
        lambda w, t, d: w.sv.payments.refund(w.admin, t, d),
        lambda w: {"amount": "5.00", "reason": "Overpaid"},
        ("payments", "account_credits", "invoice_events"),
        prepare=cash_payment,
        may_clash=True,
    ),
    Case(
        ("StripePayments.refund",),
        lambda w, t, d: w.stripe.refund(w.admin, t, d),
        lambda w: {"amount": "5.00", "reason": "Overpaid"},
        ("payments", "account_credits", "invoice_events"),
        prepare=stripe_payment,
        may_clash=True,
    ),
    # -- teacher pay --------------------------------------------------------------------------
    Case(
        ("TeacherPayService.save_policy",),
        lambda w, t, d: w.sv.pay.save_policy(w.admin, d),
        lambda w: {"period": "monthly", "late_cancel_percent": "50", "no_show_percent": "100"},
        ("pay_settings",),
        may_clash=True,
    ),
    Case(
        ("TeacherPayService.save_rule",),
        lambda w, t, d: w.sv.pay.save_rule(w.admin, {**d, "teacher_id": t}),
        lambda w: {"basis": "time", "amount": "40.00", "per_minutes": 60},
        ("pay_rules",),
        prepare=lambda w: w.make.teacher("Pia", uuid.uuid4().hex[:6]),
        may_clash=True,
    ),
    Case(
        ("TeacherPayService.add_extra_line",),
        lambda w, t, d: w.sv.pay.add_extra_line(w.admin, w.sv.pay.period(w.admin), d),
        lambda w: {"teacher_id": w.teacher, "amount": "25.00", "reason": "Recital set-up"},
        ("pay_lines", "pay_runs"),
        read=lambda w, t, line: w.row("SELECT reason FROM pay_lines WHERE id = :i", i=line),
        may_clash=True,
    ),
    # -- messages and notifications -----------------------------------------------------------
    Case(
        ("MessagingService.compose",),
        lambda w, t, d: w.sv.messaging.compose(w.admin, d),
        lambda w: {"subject": "Recital", "participant_ids": [w.person], "content": "Hello"},
        ("message_threads", "messages", "thread_participants"),
        read=lambda w, t, th: w.row(
            "SELECT subject, content FROM message_threads t JOIN messages m"
            " ON m.thread_id = t.id WHERE t.id = :i",
            i=th,
        ),
    ),
    Case(
        ("MessagingService.reply",),
        lambda w, t, d: w.sv.messaging.reply(w.admin, t, d),
        lambda w: {"content": "See you Tuesday"},
        ("messages",),
        prepare=thread,
        read=lambda w, t, m: w.row("SELECT content FROM messages WHERE id = :i", i=m),
    ),
    Case(
        ("NotificationService.notify",),
        lambda w, t, d: w.sv.notifications.notify(
            w.admin, [w.admin.user_id], d["title"], d["message"], link=d["link"]
        ),
        lambda w: {"title": "Lesson moved", "message": "To Tuesday", "link": "lesson:1"},
        ("notifications",),
    ),
    # -- email --------------------------------------------------------------------------------
    Case(
        ("EmailSettingsService.save_account",),
        lambda w, t, d: w.sv.email_settings.save_account(w.admin, d),
        lambda w: {
            "host": "mail.harmony.example",
            "port": 587,
            "security": "starttls",
            "from_address": "office@harmony.example",
            "from_name": "Harmony",
        },
        ("email_settings",),
        read=lambda w, t, _r: w.row("SELECT host, from_name FROM email_settings"),
    ),
    Case(
        ("EmailSettingsService.save_policy",),
        lambda w, t, d: w.sv.email_settings.save_policy(w.admin, d),
        lambda w: {"reminder_hours": 24, "overdue_after_days": 7, "enabled_kinds": ["invoice"]},
        ("email_settings",),
    ),
    Case(
        ("TemplateService.save",),
        lambda w, t, d: w.sv.email_templates.save(w.admin, d["kind"], d["form"]),
        lambda w: {
            "kind": "lesson_reminder",
            "form": {"subject": "See you {lesson_time}", "text_body": "Hello {first_name}"},
        },
        ("email_templates",),
    ),
    Case(
        ("PreferenceService.save",),
        lambda w, t, d: w.sv.email_preferences.save(w.admin, w.student_user, d),
        lambda w: {"opted_out": ["lesson_reminder"], "quiet_start": "21:00", "quiet_end": "07:00"},
        ("email_preferences",),
        # "Give both the start and the end" is said under the end, whichever was left out.
        fields=lambda name: name == "quiet_end",
    ),
    Case(
        ("OutboxService.queue",),
        lambda w, t, d: w.sv.outbox.queue(w.admin, [d]),
        lambda w: {
            "kind": "test",
            "dedupe_key": f"test-{uuid.uuid4().hex}",
            "recipient": "maya@example.org",
            "subject": "Hello",
            "text_body": "A test",
        },
        ("email_outbox",),
        read=lambda w, t, _r: w.row(
            "SELECT subject, text_body FROM email_outbox ORDER BY created_at DESC LIMIT 1"
        ),
    ),
    Case(
        ("NewsService.send",),
        lambda w, t, d: w.sv.news.send(w.admin, d),
        lambda w: {"subject": "Spring recital", "text": "Come and listen"},
        ("email_outbox",),
        may_clash=True,
    ),
    # -- staff, privacy, the studio -----------------------------------------------------------
    Case(
        ("AccountService.invite",),
        lambda w, t, d: w.sv.accounts.invite(w.admin, d),
        lambda w: {
            "email": staff_email(),
            "first_name": "Sam",
            "last_name": "Desk",
            "role": "desk",
            "password": "a-long-first-password",
        },
        ("users",),
        read=lambda w, t, _r: w.row(
            "SELECT first_name, last_name FROM users ORDER BY created_at DESC LIMIT 1"
        ),
        may_clash=True,
    ),
    Case(
        ("AccountService.set_role",),
        lambda w, t, d: w.sv.accounts.set_role(w.admin, t, d["role"]),
        lambda w: {"role": "desk"},
        ("users",),
        prepare=staff_login,
        may_clash=True,
    ),
    Case(
        ("AccountService.reset_password",),
        lambda w, t, d: w.sv.accounts.reset_password(w.admin, t, d["password"]),
        lambda w: {"password": "another-long-password"},
        ("users",),
        fields=lambda name: name in ("new_password", "repeat"),
        prepare=staff_login,
        may_clash=True,
    ),
    Case(
        ("AccountService.change_own_password",),
        lambda w, t, d: w.sv.accounts.change_own_password(w.admin, d),
        lambda w: {"new_password": "a-new-long-password", "repeat": "a-new-long-password"},
        ("users",),
        # The driver's owner connection has no login of its own to change.
        also=(PermissionDenied,),
        base_refused=PermissionDenied,
    ),
    Case(
        ("PrivacyService.ask_erasure",),
        lambda w, t, d: w.sv.privacy.ask_erasure(w.admin, {**d, "person_id": t}),
        lambda w: {"asked_by": "Erin, by email"},
        ("privacy_requests",),
        prepare=erasable_person,
        read=lambda w, t, r: w.row("SELECT asked_by FROM privacy_requests WHERE id = :i", i=r),
    ),
    Case(
        ("PrivacyService.close",),
        lambda w, t, d: w.sv.privacy.close(w.admin, t, d["status"], d["outcome"]),
        lambda w: {"status": "withdrawn", "outcome": "Withdrawn at the person's wish."},
        ("privacy_requests",),
        prepare=privacy_request,
        read=lambda w, t, _r: w.row("SELECT outcome FROM privacy_requests WHERE id = :i", i=t),
        may_clash=True,
    ),
    Case(
        ("PrivacyService.record_consent",),
        lambda w, t, d: w.sv.privacy.record_consent(w.admin, d),
        lambda w: {
            "user_id": w.student_user,
            "kind": "marketing_email",
            "granted": True,
            "source": "Paper form",
        },
        ("consents",),
        read=lambda w, t, _r: w.row(
            "SELECT source FROM consents ORDER BY recorded_at DESC LIMIT 1"
        ),
    ),
    Case(
        ("StudioService.save_details",),
        lambda w, t, d: w.sv.studio.save_details(w.admin, d),
        lambda w: {"name": "Harmony Music School", "city": "Springfield", "website": ""},
        ("studios",),
        read=lambda w, t, _r: w.row("SELECT name, city, website, address FROM studios"),
    ),
    Case(
        ("StudioService.save_settings",),
        lambda w, t, d: w.sv.studio.save_settings(w.admin, d),
        lambda w: {"invoice_due_days": 14},
        (),
    ),
    Case(
        ("StudioService.set_theme_color",),
        lambda w, t, d: w.sv.studio.set_theme_color(w.admin, d["colour"]),
        lambda w: {"colour": "#336699"},
        (),
        fields=lambda name: name == "theme_color",  # the studio's field of that name
        read=lambda w, t, _r: w.row("SELECT theme_color AS colour FROM studios"),
    ),
    Case(
        ("DemoService.build",),
        lambda w, t, d: DemoService(w.db).build(d["size"]),
        lambda w: {"size": "small"},
        ("studios", "users", "lessons"),
        may_clash=True,  # the demo goes into an empty database only
        base_refused=Conflict,
    ),
    Case(
        ("StudioService.set_logo",),
        lambda w, t, d: w.sv.studio.set_logo(w.admin, d["logo"]),
        lambda w: {"logo": picture()},
        (),
    ),
    Case(
        ("PeopleService.set_photo",),
        lambda w, t, d: w.sv.people.set_photo(w.admin, w.student_user, d["photo"]),
        lambda w: {"photo": picture()},
        (),
    ),
    Case(
        ("StudioService.set_up",),
        lambda w, t, d: w.sv.studio.set_up(d),
        lambda w: {
            "studio_name": "Second studio",
            "admin_email": staff_email(),
            "admin_first_name": "Ann",
        },
        ("studios", "users"),
        may_clash=True,  # this database has its studio: refused after the form is checked
        base_refused=Conflict,
    ),
]

# Writing methods that take nothing a person types (ids, a flag, a choice from the screen's
# own list, nothing at all), or whose typed values are covered elsewhere, and why.
NO_TYPED_VALUES: dict[str, str] = {
    "AccountService.start_session": "the login's own session",
    "AccountService.record_login": "the login's own session",
    "AccountService.set_active": "a person and a flag",
    "AvailabilityService.remove_exception": "an id",
    "BookingRules.reopen": "an id",
    "JournaledScheduling.reopen": "an id",
    "BookingRules.delete_lesson": "an id",
    "CalendarFeedService.set_enabled": "an id and a flag",
    "CalendarFeedService.remove_feed": "an id",
    "OutboxService.cancel": "an id",
    "OutboxService.resend": "an id",
    "MailSchedule.queue_due": "nothing: the studio's own schedule",
    "StatementMailer.send": "a payer picked from the roster",
    "TemplateService.reset": "a kind picked from the list",
    "InventoryService.retire_item": "an id",
    "InventoryService.approve": "an id",
    "InvoicingService.create_draft": "a payer picked from the roster",
    "InvoicingService.remove_line": "an id",
    "InvoicingService.delete_draft": "an id",
    "InvoicingService.issue_many": "ids",
    "InvoicingService.apply_late_fees": "nothing: the studio's policy",
    "LessonUndo.revert": "this desk's own journal entry",
    "LessonNotes.attach_plan": "ids",
    "LessonSeries.extend_series": "nothing: the series on file",
    "MessagingService.open_thread": "an id",
    "NotificationService.mark_read": "ids",
    "NotificationService.tell_desk": "an id and a kind the teacher's menu offers",
    "NotificationService.raise_due_reminders": "nothing: what is due",
    "PaymentService.apply_credit": "an id",
    "PrivacyService.erase": "an id",
    "PrivacyService.run_retention": "nothing: the studio's policy",
    "PrivacyExportService.export": "an id",
    "ResourceService.share": "ids",
    "RoomService.set_paid": "an id and a flag",
    "RosterService.set_active": "a row and a flag",
    "StudioClosures.remove_closure": "an id",
    "TeacherPayService.delete_rule": "an id",
    "TeacherPayService.remove_extra_line": "an id",
    "TeacherPayService.approve": "a pay period picked from the list",
    "ReportService.stream": "reads only (ReportRequest is driven by the schemas' test)",
    "StripePayments.finish_card_setup": "Stripe's own session id",
    "StripePayments.create_pay_link": "an id",
    "StripePayments.poll_pay_link": "an id and Stripe's own session id",
    "StripePayments.charge_card": "an invoice and a saved card",
}
