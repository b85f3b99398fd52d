"""A statement emailed on request, read back from a real SMTP server (aiosmtpd): its PDF, the
billing address, once per payer and day; a payer without an address is told, not queued."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from factories import Maker
from pypdf import PdfReader
from smtp_server import SmtpServer, use_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.email_statement import StatementMailer
from studiosync_desktop.services.statements import StatementService
from studiosync_desktop.services.studio import StudioService
from tests.services.test_studio_parts import log_in_as


def mailer(db: Database) -> StatementMailer:
    return StatementMailer(db, StatementService(db))


def test_a_statement_is_emailed_once_a_day_with_its_pdf_to_the_billing_address(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = 'pay@chen.example' WHERE id = :f"),
            {"f": family},
        )
    today = datetime.now(UTC).date()
    make.invoice(
        family_id=family,
        issue=today - timedelta(days=54),
        due=today - timedelta(days=40),
        total="120.00",
    )
    payer = Payer(kind="family", id=family)

    first = mailer(db).send(admin, payer)
    again = mailer(db).send(admin, payer)  # pressed twice: still one
    MailJobs.build(db).run_once(admin)

    assert (first.new, again.new) == (True, False)
    assert first.sentence.startswith("Queued to pay@chen.example")
    assert "already queued" in again.sentence
    [mail] = server.received
    assert mail.recipients == ["pay@chen.example"]
    assert mail.subject.startswith("Your statement from")
    assert "120.00" in mail.text()
    [(name, pdf)] = [(n, c) for n, c in mail.attachments() if n.endswith(".pdf")]
    assert name.startswith("Statement Chen family")
    words = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Chen family" in words and "120.00" in words
    with db.session() as s:
        rows = s.execute(text("SELECT kind, status FROM email_outbox")).all()
    assert [tuple(r) for r in rows] == [("statement", "sent")]


def test_a_statement_is_skipped_with_the_reason_while_billing_is_off_and_goes_once_it_is_on(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = 'pay@chen.example' WHERE id = :f"),
            {"f": family},
        )
    today = datetime.now(UTC).date()
    make.invoice(family_id=family, issue=today, due=today + timedelta(days=14), total="80.00")
    payer = Payer(kind="family", id=family)
    StudioService(db).save_settings(admin, {"parts_off": ["billing"]})

    off = mailer(db).send(admin, payer)
    MailJobs.build(db).run_once(admin)

    assert server.received == []
    assert off.skipped == off.sentence
    assert off.sentence.startswith("Not sent: the studio does not use billing")
    with db.session() as s:
        status, why, files = s.execute(
            text(
                "SELECT status, last_error, (SELECT count(*) FROM email_attachments)"
                " FROM email_outbox"
            )
        ).one()
    assert (status, why, files) == ("skipped", off.sentence, 0)

    StudioService(db).save_settings(admin, {"parts_off": []})
    on = mailer(db).send(admin, payer)  # the same day: the skipped one goes now
    MailJobs.build(db).run_once(admin)

    assert (on.new, on.skipped) == (True, "")
    [mail] = server.received
    assert [n for n, _c in mail.attachments() if n.endswith(".pdf")] != []
    with db.session() as s:
        rows = s.execute(text("SELECT status, last_error FROM email_outbox")).all()
    assert [tuple(r) for r in rows] == [("sent", "")]


def test_a_payer_without_an_address_is_told_and_nothing_is_queued(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    make = Maker(db, admin.studio_id)
    family = make.family("Park family")
    today = datetime.now(UTC).date()
    make.invoice(family_id=family, issue=today, due=today + timedelta(days=14), total="80.00")

    with pytest.raises(ValidationFailed) as refused:
        mailer(db).send(admin, Payer(kind="family", id=family))

    assert refused.value.fields == {
        "email": "No billing email for Park family: add one on their page, then email the "
        "statement."
    }
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM email_outbox")).scalar_one() == 0


def test_a_statement_is_not_queued_before_the_studio_sets_up_email(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = 'pay@chen.example' WHERE id = :f"),
            {"f": family},
        )
    with pytest.raises(Conflict, match="not set up"):
        mailer(db).send(admin, Payer(kind="family", id=family))


def test_the_desk_on_its_own_login_emails_a_statement_and_a_teacher_cannot(
    db: Database, database_url: str, server: SmtpServer
) -> None:
    DemoService(db).build("small")
    owner = log_in_as(database_url, "admin")
    desk, teacher = log_in_as(database_url, "desk"), log_in_as(database_url, "teacher")
    try:
        use_server(owner.db, owner.actor, server)
        with db.session() as s:
            family = s.execute(
                text("SELECT id, billing_email FROM families WHERE billing_email LIKE '%@%'"
                     " ORDER BY name LIMIT 1")
            ).one()  # fmt: skip
        payer = Payer(kind="family", id=family.id)
        with pytest.raises(PermissionDenied):
            StatementMailer(teacher.db, StatementService(teacher.db)).send(teacher.actor, payer)

        mailed = StatementMailer(desk.db, StatementService(desk.db)).send(desk.actor, payer)

        assert (mailed.new, mailed.recipient) == (True, family.billing_email)
    finally:
        for who in (owner, desk, teacher):
            who.db.dispose()
