"""The outbox and the sender against a real SMTP server (aiosmtpd) started in the test."""

from __future__ import annotations

import io
import time
from typing import Any

import psycopg
import pytest
from desks import failures, race, race_desks
from pypdf import PdfReader
from reportlab.pdfgen import canvas
from smtp_server import SmtpServer, smtp_server, use_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import Conflict, DatabaseUnavailable
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_outbox import OutboxService
from studiosync_desktop.services.email_sender import LEFT_TWICE, MailSender
from studiosync_desktop.services.email_settings import EmailSettingsService


def a_pdf(words: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, words)
    page.save()
    return out.getvalue()


def email(key: str, to: str = "parent@family.example", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "invoice",
        "dedupe_key": key,
        "recipient": to,
        "subject": f"Invoice {key}",
        "text_body": f"Your invoice {key} is attached.",
        "html_body": f"<p>Your invoice <b>{key}</b> is attached.</p>",
        **extra,
    }


def sender(db: Database, backoff: tuple[int, ...] = (0,)) -> MailSender:
    return MailSender(db, EmailSettingsService(db), backoff=backoff)


def row(db: Database, key: str) -> Any:
    with db.session() as s:
        return s.execute(text("SELECT * FROM email_outbox WHERE dedupe_key = :k"), {"k": key}).one()


def test_a_queued_email_reaches_the_server_with_its_recipient_subject_and_pdf(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    pdf = a_pdf("INV-2026-00042")
    attachment = {"filename": "INV-2026-00042.pdf", "content": pdf}
    OutboxService(db).queue(admin, [email("invoice:42", attachments=[attachment])])

    report = sender(db).send_queued(admin)

    assert report.sent == 1 and report.failed == 0
    [got] = server.received
    assert got.recipients == ["parent@family.example"]
    assert got.subject == "Invoice invoice:42"
    assert got.message["From"] == "Harmony Music School <office@harmony.example>"
    assert "attached" in got.text() and "<b>invoice:42</b>" in got.html()
    [(name, content)] = got.attachments()
    assert name == "INV-2026-00042.pdf"
    assert "INV-2026-00042" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    sent = row(db, "invoice:42")
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1
    assert got.message_id == sent.message_id


def test_the_same_meaning_queued_by_three_desks_at_once_is_one_row(
    db: Database, admin: Actor, database_url: str
) -> None:
    new = race_desks(
        database_url,
        3,
        lambda desk, _i: OutboxService(desk).queue(admin, [email("invoice:7"), email("invoice:8")]),
    )
    assert sorted(new) == [0, 0, 2]
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM email_outbox")).scalar_one() == 2


def ticks_until_nothing_is_due(desk: Database, admin: Actor) -> list[Any]:
    """One desk's background job: a tick of at most 5 messages, again until a tick that held
    the sender's lock found nothing due (a tick while another desk sends does nothing)."""
    reports: list[Any] = []
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        report = sender(desk).send_queued(admin, limit=5)
        reports.append(report)
        if not report.busy and report.sent + report.retrying + report.failed == 0:
            return reports
        if report.busy:
            time.sleep(0.005)
    raise AssertionError("the outbox was still not empty after 45 s")


def test_three_desks_sending_at_once_deliver_each_message_exactly_once(
    db: Database, admin: Actor, server: SmtpServer, database_url: str
) -> None:
    use_server(db, admin, server)
    OutboxService(db).queue(admin, [email(f"invoice:{n}") for n in range(40)])
    desks = [Database(database_url, application_name=f"desk-{n}") for n in range(3)]
    try:
        ticks = race(3, lambda i: ticks_until_nothing_is_due(desks[i], admin))
    finally:
        for d in desks:
            d.dispose()
    assert failures(ticks) == []
    reports: list[Any] = [r for desk_ticks in ticks for r in desk_ticks]

    ids = [r.message_id for r in server.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sorted(r.subject for r in server.received) == sorted(
        f"Invoice invoice:{n}" for n in range(40)
    )
    assert sum(r.sent for r in reports) == 40
    with db.session() as s:
        statuses = s.execute(text("SELECT status, count(*) FROM email_outbox GROUP BY 1")).all()
    assert statuses == [("sent", 40)]


def test_a_message_the_server_refuses_once_is_retried_and_sent_once(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    server.handler.refuse_times = 1
    OutboxService(db).queue(admin, [email("invoice:1")])

    report = sender(db).send_queued(admin)

    assert (report.retrying, report.sent) == (1, 1)
    assert len(server.received) == 1
    sent = row(db, "invoice:1")
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")


def test_a_refused_message_waits_for_its_backoff_before_the_next_attempt(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    server.handler.refuse_times = 1
    OutboxService(db).queue(admin, [email("invoice:1")])

    report = sender(db, backoff=(600,)).send_queued(admin)

    assert (report.retrying, report.sent) == (1, 0)
    waiting = row(db, "invoice:1")
    assert waiting.status == "queued" and waiting.attempts == 1
    assert waiting.last_error == "451 4.7.1 Greylisted, try again later"
    with db.session() as s:
        later = s.execute(
            text("SELECT next_attempt_at > now() + interval '9 minutes' FROM email_outbox")
        ).scalar_one()
    assert later


def test_a_message_refused_every_time_fails_with_the_servers_answer(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server, max_attempts=3)
    server.handler.refuse_times = -1
    OutboxService(db).queue(admin, [email("invoice:1")])

    report = sender(db).send_queued(admin)

    assert (report.retrying, report.failed, report.sent) == (2, 1, 0)
    failed = row(db, "invoice:1")
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.last_error == "451 4.7.1 Greylisted, try again later"
    assert server.received == []
    assert OutboxService(db).health(admin).failed == 1


def test_a_permanent_refusal_fails_at_once_with_the_servers_answer(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    server.handler.refuse_times = -1
    server.handler.refusal = "550 5.1.1 <nobody@family.example>: mailbox unavailable"
    OutboxService(db).queue(admin, [email("invoice:1", to="nobody@family.example")])

    assert sender(db).send_queued(admin).failed == 1

    failed = row(db, "invoice:1")
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "550 5.1.1 <nobody@family.example>: mailbox unavailable"


def kill_desk(server_url: str, database_url: str, application_name: str) -> None:
    """The desk's connections end mid-send, as when its PC or network goes away."""
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    with psycopg.connect(libpq_dsn(server_url), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = %s",
            (name, application_name),
        )


def test_a_desk_stopping_between_sending_and_marking_sent_is_resent_with_the_same_message_id(
    db: Database, admin: Actor, server: SmtpServer, server_url: str, database_url: str
) -> None:
    use_server(db, admin, server)
    OutboxService(db).queue(admin, [email("invoice:1")])
    crashing = Database(database_url, application_name="crashing-desk")
    server.handler.on_data = lambda: kill_desk(server_url, database_url, "crashing-desk")
    try:
        with pytest.raises(DatabaseUnavailable):
            sender(crashing).send_queued(admin)
    finally:
        crashing.dispose()
    server.handler.on_data = None
    assert row(db, "invoice:1").status == "sending"

    report = sender(db).send_queued(admin)

    assert (report.recovered, report.sent) == (1, 1)
    first, second = server.received
    assert first.message_id == second.message_id == row(db, "invoice:1").message_id
    done = row(db, "invoice:1")
    assert (done.status, done.recovered, done.attempts) == ("sent", True, 2)


def test_a_message_left_sending_twice_fails_and_says_it_may_have_arrived(
    db: Database, admin: Actor, server: SmtpServer, server_url: str, database_url: str
) -> None:
    use_server(db, admin, server)
    OutboxService(db).queue(admin, [email("invoice:1")])
    server.handler.on_data = lambda: kill_desk(server_url, database_url, "crashing-desk")
    for _ in range(2):
        crashing = Database(database_url, application_name="crashing-desk")
        with pytest.raises(DatabaseUnavailable):
            sender(crashing).send_queued(admin)
        crashing.dispose()
    server.handler.on_data = None

    report = sender(db).send_queued(admin)

    assert report.sent == 0
    left = row(db, "invoice:1")
    assert (left.status, left.last_error) == ("failed", LEFT_TWICE)
    assert len(server.received) == 2


def test_an_unreachable_server_blames_no_message_and_every_desk_sees_why(
    db: Database, admin: Actor, memory_keyring: object
) -> None:
    with smtp_server() as running:
        port = running.port
    use_server(db, admin, SmtpServer("127.0.0.1", port, running.handler))
    OutboxService(db).queue(admin, [email("invoice:1")])

    report = sender(db).send_queued(admin)

    assert report.sent == 0 and "cannot be reached" in report.problem
    waiting = row(db, "invoice:1")
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    health = OutboxService(db).health(admin)
    assert "cannot be reached" in health.last_problem
    assert health.sentence.startswith("Email is not going out: The mail server 127.0.0.1:")

    with smtp_server() as again:
        use_server(db, admin, again)
        assert sender(db).send_queued(admin).sent == 1
    assert OutboxService(db).health(admin).last_problem == ""


def test_a_wrong_password_is_said_in_the_servers_words(
    db: Database, admin: Actor, memory_keyring: object
) -> None:
    with smtp_server(login=("office", "right-password")) as running:
        settings = EmailSettingsService(db)
        account = {
            "host": running.host,
            "port": running.port,
            "security": "none",
            "from_address": "office@harmony.example",
        }
        settings.save_account(admin, {**account, "username": "office", "password": "wrong"})
        OutboxService(db).queue(admin, [email("invoice:1")])
        report = sender(db).send_queued(admin)
        assert report.problem.startswith("The server refused the login: 535")
        test = settings.send_test(admin, {"to": "me@harmony.example"})
        assert not test.ok and test.field == "password" and "535" in test.answer

        settings.save_account(
            admin, {**account, "username": "office", "password": "right-password"}
        )
        assert settings.send_test(admin, {"to": "me@harmony.example"}).ok
        assert sender(db).send_queued(admin).sent == 1
        assert [r.recipients for r in running.received] == [
            ["me@harmony.example"],
            ["parent@family.example"],
        ]


def test_a_queued_email_can_be_cancelled_and_a_sent_one_resent_as_a_new_message(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    outbox = OutboxService(db)
    outbox.queue(admin, [email("invoice:1"), email("invoice:2")])
    cancelled = outbox.cancel(admin, row(db, "invoice:2").id)
    assert cancelled.status == "cancelled"
    sender(db).send_queued(admin)
    assert [r.subject for r in server.received] == ["Invoice invoice:1"]
    with pytest.raises(Conflict):
        outbox.cancel(admin, row(db, "invoice:1").id)

    again = outbox.resend(admin, row(db, "invoice:1").id)
    back = outbox.resend(admin, cancelled.id)
    assert again.status == back.status == "queued"
    sender(db).send_queued(admin)
    first, *rest = server.received
    assert sorted(r.subject for r in rest) == ["Invoice invoice:1", "Invoice invoice:2"]
    copy = next(r for r in rest if r.subject == "Invoice invoice:1")
    assert copy.message_id != first.message_id
    page = outbox.page(admin, {"status": "sent"})
    assert page.total == 3


def test_accents_arrive_intact_and_a_line_break_cannot_add_a_header(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    OutboxService(db).queue(
        admin,
        [
            email(
                "invoice:9",
                subject="Zoë Ñúñez 李's invoice\r\nBcc: thief@evil.example",
                text_body="Grüße, Zoë",
            )
        ],
    )

    assert sender(db).send_queued(admin).sent == 1

    [got] = server.received
    assert got.recipients == ["parent@family.example"]
    assert got.message["Bcc"] is None
    assert got.subject == "Zoë Ñúñez 李's invoice Bcc: thief@evil.example"
    assert "Grüße, Zoë" in got.text()
