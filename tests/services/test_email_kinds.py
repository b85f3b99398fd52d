"""What the studio sends by itself, read back from a real SMTP server (aiosmtpd): invoices
with their PDF, receipts, overdue notices on the studio's policy, lesson reminders and
notices, each once; nobody to send to is a skipped row with the reason."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from factories import Maker
from pypdf import PdfReader
from smtp_server import SmtpServer, use_server
from sqlalchemy import event, text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_compose import MailComposer
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService

ALL_KINDS = [
    "invoice",
    "credit_note",
    "receipt",
    "overdue_notice",
    "lesson_reminder",
    "lesson_cancelled",
    "lesson_moved",
    "makeup_granted",
    "room_confirmed",
]


def turn_on(db: Database, admin: Actor, server: SmtpServer, **policy: Any) -> None:
    use_server(db, admin, server, enabled_kinds=ALL_KINDS, **policy)


def run(db: Database, admin: Actor) -> Any:
    return MailJobs.build(db).run_once(admin)


def outbox(db: Database) -> list[Any]:
    with db.session() as s:
        return list(
            s.execute(
                text(
                    "SELECT kind, status, recipient, last_error, subject FROM email_outbox"
                    " ORDER BY created_at, dedupe_key"
                )
            )
        )


def family_with_email(db: Database, make: Maker, email: str = "chen@family.example") -> uuid.UUID:
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = :e WHERE id = :f"), {"e": email, "f": family}
        )
    return family


def draft(make: Maker, family: uuid.UUID) -> uuid.UUID:
    return make.invoice(family_id=family, status="draft", total="240.00")


def test_sending_an_invoice_emails_it_once_with_its_pdf_to_the_billing_address(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server)
    make = Maker(db, admin.studio_id)
    invoice = draft(make, family_with_email(db, make))

    number = InvoicingService(db).issue(admin, invoice)
    outcome = run(db, admin)
    again = run(db, admin)

    assert (outcome.written, outcome.report.sent) == (1, 1)
    assert again.report.sent == 0
    [got] = server.received
    assert got.recipients == ["chen@family.example"]
    assert got.subject == f"Invoice {number} from Harmony Music School"
    assert "$240.00" in got.text() and "Harmony Music School" in got.html()
    [(name, pdf)] = got.attachments()
    assert name == f"{number}.pdf"
    page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert number in page and "240.00" in page


def test_a_draft_that_is_never_sent_and_a_kind_left_off_send_nothing(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server)
    EmailSettingsService(db).save_policy(admin, {"enabled_kinds": ["receipt"]})
    make = Maker(db, admin.studio_id)
    family = family_with_email(db, make)
    draft(make, family)
    InvoicingService(db).issue(admin, draft(make, family))
    run(db, admin)
    assert outbox(db) == [] and server.received == []


def test_a_payment_sends_a_receipt_with_its_pdf(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server)
    make = Maker(db, admin.studio_id)
    invoice = draft(make, family_with_email(db, make))
    number = InvoicingService(db).issue(admin, invoice)
    PaymentService(db).record(admin, invoice, {"amount": "100.00", "method": "cash"})

    run(db, admin)

    receipt = next(r for r in server.received if r.subject.startswith("Receipt"))
    assert receipt.subject == "Receipt for your payment of $100.00"
    assert f"invoice {number}" in receipt.text() and "$140.00" in receipt.text()
    [(name, pdf)] = receipt.attachments()
    assert name == f"Receipt {number}.pdf"
    assert "100.00" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def overdue_by(db: Database, invoice: uuid.UUID, days: int) -> None:
    with db.session() as s:
        s.execute(
            text("UPDATE invoices SET due_date = :d, issue_date = :d - 14 WHERE id = :i"),
            {"d": date.today() - timedelta(days=days), "i": invoice},
        )


def test_overdue_notices_follow_the_policy_and_stop_when_the_invoice_is_paid(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server, overdue_after_days=7, overdue_every_days=7, overdue_max_notices=2)
    make = Maker(db, admin.studio_id)
    invoice = draft(make, family_with_email(db, make))
    number = InvoicingService(db).issue(admin, invoice)
    server.received.clear()

    def notices() -> list[str]:
        return [r.subject for r in server.received if "overdue" in r.subject]

    overdue_by(db, invoice, 6)
    run(db, admin)
    assert notices() == []  # not yet 7 days
    overdue_by(db, invoice, 8)
    run(db, admin)
    run(db, admin)  # every desk, every minute: still one
    assert notices() == [f"Reminder: invoice {number} is overdue"]
    overdue_by(db, invoice, 15)
    run(db, admin)
    assert len(notices()) == 2
    overdue_by(db, invoice, 40)
    run(db, admin)
    assert len(notices()) == 2  # at most two

    # A third invoice's notice is queued, then the family pays before it goes out.
    other = draft(make, family_with_email(db, make, "other@family.example"))
    InvoicingService(db).issue(admin, other)
    overdue_by(db, other, 10)
    jobs = MailJobs.build(db)
    jobs.schedule.queue_due(admin)
    jobs.composer.compose_pending(admin)
    PaymentService(db).record(admin, other, {"amount": "240.00", "method": "cash"})
    run(db, admin)
    rows = [r for r in outbox(db) if r.kind == "overdue_notice" and r.recipient.startswith("other")]
    assert [(r.status, r.last_error) for r in rows] == [
        ("cancelled", "The invoice was paid or voided before this was sent.")
    ]


def test_a_lesson_reminder_goes_out_once_within_its_hours_and_a_person_may_want_it_later(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server, reminder_hours=24)
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Ana", "Ruiz")
    soon = make.student("Tom", "Chen", teacher_id=teacher, email="tom@chen.example")
    later = make.student("Mia", "Park", teacher_id=teacher, email="mia@park.example")
    far = make.student("Lee", "Far", teacher_id=teacher, email="lee@far.example")
    now = datetime.now(UTC).replace(microsecond=0)
    make.lesson(teacher, now + timedelta(hours=5), student_id=soon)
    make.lesson(teacher, now + timedelta(hours=6), student_id=later)
    make.lesson(teacher, now + timedelta(hours=30), student_id=far)
    with db.session() as s:  # Mia wants hers two hours before
        s.execute(
            text(
                "INSERT INTO email_preferences (studio_id, user_id, reminder_hours)"
                " SELECT studio_id, user_id, 2 FROM students WHERE id = :m"
            ),
            {"m": later},
        )

    run(db, admin)
    run(db, admin)

    assert [r.recipients for r in server.received] == [["tom@chen.example"]]
    [reminder] = server.received
    assert reminder.subject.startswith("Reminder: Piano lesson for Tom Chen")
    assert "Ana Ruiz" in reminder.text()


def test_cancelling_a_lesson_sends_a_notice_and_drops_its_queued_reminder(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server, reminder_hours=24)
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Ana", "Ruiz")
    tom = make.student("Tom", "Chen", teacher_id=teacher, email="tom@chen.example")
    lesson = make.lesson(teacher, datetime.now(UTC) + timedelta(hours=5), student_id=tom)
    jobs = MailJobs.build(db)
    jobs.schedule.queue_due(admin)  # the reminder is queued, not sent yet
    with db.session() as s:
        s.execute(text("UPDATE lessons SET status = 'cancelled' WHERE id = :l"), {"l": lesson})

    run(db, admin)

    assert [r.subject.split(":")[0] for r in server.received] == ["Cancelled"]
    kinds = {r.kind: (r.status, r.last_error) for r in outbox(db)}
    assert kinds["lesson_reminder"] == (
        "cancelled",
        "The lesson was cancelled before this was sent.",
    )


def test_someone_without_an_address_or_who_opted_out_is_skipped_with_the_reason(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server)
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Ana", "Ruiz")
    placeholder = make.student(
        "No", "Mail", teacher_id=teacher, email=f"x{uuid.uuid4().hex[:6]}@no-email.invalid"
    )
    opted = make.student("Opt", "Out", teacher_id=teacher, email="opt@out.example")
    with db.session() as s:
        s.execute(
            text(
                "INSERT INTO email_preferences (studio_id, user_id, opted_out)"
                " SELECT studio_id, user_id, '[\"lesson_reminder\"]' FROM students WHERE id = :m"
            ),
            {"m": opted},
        )
    soon = datetime.now(UTC) + timedelta(hours=3)
    make.lesson(teacher, soon, student_id=placeholder)
    make.lesson(teacher, soon + timedelta(hours=1), student_id=opted)

    run(db, admin)

    assert server.received == []
    reasons = sorted((r.status, r.last_error) for r in outbox(db))
    assert reasons == [
        ("skipped", "No email address on file for No Mail."),
        ("skipped", "Opt Out chose not to receive lesson reminders emails."),
    ]


def test_quiet_hours_hold_an_email_until_they_end(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    turn_on(db, admin, server)
    make = Maker(db, admin.studio_id)
    family = family_with_email(db, make)
    contact = make.person("Wei", "Chen")
    here = datetime.now(ZoneInfo("America/New_York"))  # the studio's time
    start = (here - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (here + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    with db.session() as s:
        s.execute(
            text("UPDATE families SET primary_contact_id = :c WHERE id = :f"),
            {"c": contact, "f": family},
        )
        s.execute(
            text(
                "INSERT INTO email_preferences (studio_id, user_id, quiet_start, quiet_end)"
                " VALUES (:s, :u, :a, :b)"
            ),
            {"s": admin.studio_id, "u": contact, "a": start, "b": end},
        )
    InvoicingService(db).issue(admin, draft(make, family))

    outcome = run(db, admin)

    assert outcome.report.sent == 0 and server.received == []
    [row] = outbox(db)
    assert (row.status, row.last_error) == (
        "queued",
        "Waiting for the end of Wei Chen's quiet hours.",
    )
    assert isinstance(end, time)


def test_what_turning_a_kind_on_would_send_at_once_is_what_the_schedule_then_queues(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server, enabled_kinds=["invoice"], reminder_hours=24)
    make = Maker(db, admin.studio_id)
    family = family_with_email(db, make)
    for days in (8, 10, 20, 3, 90):  # 8, 10, 20 are due a notice; 3 not yet; 90 past the last
        invoice = make.invoice(family_id=family, total="50.00")
        overdue_by(db, invoice, days)
    teacher = make.teacher("Ana", "Ruiz")
    tom = make.student("Tom", "Chen", teacher_id=teacher, email="tom@chen.example")
    now = datetime.now(UTC)
    make.lesson(teacher, now + timedelta(hours=5), student_id=tom)
    make.lesson(teacher, now + timedelta(hours=50), student_id=tom)
    policy = (
        EmailSettingsService(db)
        .setup(admin)
        .policy.model_copy(
            update={"enabled_kinds": ("invoice", "overdue_notice", "lesson_reminder")}
        )
    )
    schedule = MailJobs.build(db).schedule

    counted = schedule.would_queue(admin, policy)
    assert counted == {"overdue_notice": 3, "lesson_reminder": 1}
    assert [r.kind for r in outbox(db) if r.kind != "invoice"] == []  # counting queued nothing

    EmailSettingsService(db).save_policy(admin, policy)
    assert schedule.queue_due(admin) == 4
    assert schedule.would_queue(admin, policy) == {"overdue_notice": 0, "lesson_reminder": 0}


def test_a_batch_is_written_in_one_update_each_row_with_its_own_words_and_pdf(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    """One statement per batch (the outbox's live trigger runs once per statement), and yet
    each row gets its own recipient, subject and PDF; a row with nobody to send to keeps
    the reason."""
    turn_on(db, admin, server)
    make = Maker(db, admin.studio_id)
    payers = {
        f"{name.lower()}@family.example": make.family(f"{name} family")
        for name in ("Chen", "Diaz", "Okafor")
    }
    with db.session() as s:
        for email, family in payers.items():
            s.execute(
                text("UPDATE families SET billing_email = :e WHERE id = :f"),
                {"e": email, "f": family},
            )
    numbers = {
        email: InvoicingService(db).issue(admin, draft(make, family))
        for email, family in payers.items()
    }
    InvoicingService(db).issue(admin, draft(make, make.family("Nomail family")))
    updates: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE EMAIL_OUTBOX"):
            updates.extend([statement] * (len(params) if many else 1))  # as the server runs them

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        written = MailComposer(db).compose_pending(admin)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert written == 4 and len(updates) == 1
    with db.session() as s:
        rows = s.execute(
            text(
                "SELECT o.recipient, o.subject, o.status, o.last_error, o.message_id,"
                " a.filename, a.content FROM email_outbox o"
                " LEFT JOIN email_attachments a ON a.message_id = o.id ORDER BY o.recipient"
            )
        ).all()
    [nobody, *payer_rows] = rows
    assert (nobody.recipient, nobody.status) == ("", "skipped")  # kept whole for a resend
    assert nobody.last_error.startswith("No email address on file for")
    assert [r.recipient for r in payer_rows] == sorted(numbers)
    for r in payer_rows:
        number = numbers[r.recipient]
        assert (r.status, r.last_error, r.filename) == ("queued", "", f"{number}.pdf")
        assert r.subject == f"Invoice {number} from Harmony Music School"
        assert r.message_id.startswith("<") and r.message_id.endswith(">")
        assert number in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
