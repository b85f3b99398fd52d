"""Studio news goes only to people whose latest marketing-email consent is a yes, once."""

from __future__ import annotations

import uuid

import pytest
from factories import Maker
from smtp_server import SmtpServer, use_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.email_news import NewsService
from studiosync_desktop.services.email_preferences import PreferenceService
from studiosync_desktop.services.email_statement import StatementMailer
from studiosync_desktop.services.privacy import PrivacyService
from studiosync_desktop.services.statements import StatementService
from studiosync_desktop.services.studio import StudioService
from tests.services.test_studio_parts import picture

NEWS = {"subject": "Spring recital", "text": "Come and listen.\n\nSaturday 14 March, 3 pm."}


def consent(db: Database, admin: Actor, person: uuid.UUID, *answers: bool) -> None:
    for granted in answers:  # in order: the last one holds
        PrivacyService(db).record_consent(
            admin, {"user_id": person, "kind": "marketing_email", "granted": granted}
        )


def people(db: Database, admin: Actor) -> dict[str, uuid.UUID]:
    make = Maker(db, admin.studio_id)
    found = {name: make.person(name, "Reader") for name in ("Ada", "Ben", "Cy", "Dot", "Eve")}
    consent(db, admin, found["Ada"], True)  # yes
    consent(db, admin, found["Ben"], True, False)  # said yes, then withdrew
    consent(db, admin, found["Dot"], True)  # yes, but wants no news emails
    PreferenceService(db).save(admin, found["Dot"], {"opted_out": ["news"]})
    consent(db, admin, found["Eve"], True)  # yes, but no address (the roster's placeholder)
    with db.session() as s:
        s.execute(
            text("UPDATE users SET email = 'eve.reader@no-email.invalid' WHERE id = :e"),
            {"e": found["Eve"]},
        )
    return found  # Cy was never asked


def test_news_reaches_only_who_agreed_once_and_says_why(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    found = people(db, admin)
    news = NewsService(db)

    audience = news.audience(admin)
    assert (audience.readers, audience.no_address, audience.opted_out) == (1, 1, 1)
    assert "Goes to 1 person" in audience.describe()

    assert news.send(admin, NEWS) == 1
    assert news.send(admin, NEWS) == 0  # pressed twice: queued once
    MailJobs.build(db).run_once(admin)

    [got] = server.received
    with db.session() as s:
        ada = s.scalar(text("SELECT email FROM users WHERE id = :a"), {"a": found["Ada"]})
    assert got.recipients == [ada]
    assert got.subject == "Spring recital"
    assert "Dear Ada Reader" in got.text() and "because you agreed" in got.text()
    assert "<p>Saturday 14 March, 3 pm.</p>" in got.html()


def test_news_with_nobody_agreed_or_nothing_typed_is_refused_by_field(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    Maker(db, admin.studio_id).person("Cy", "Never")
    with pytest.raises(ValidationFailed) as nobody:
        NewsService(db).send(admin, NEWS)
    assert "Consents" in str(nobody.value)
    with pytest.raises(ValidationFailed) as empty:
        NewsService(db).send(admin, {"subject": "", "text": "x\x00y"})
    assert {"subject", "text"} <= set(empty.value.fields)
    teacher = Actor(
        user_id=admin.user_id, studio_id=admin.studio_id, role="teacher", name="T. Teach"
    )
    with pytest.raises(PermissionDenied):
        NewsService(db).send(teacher, NEWS)
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM email_outbox")) == 0


def test_the_desks_own_login_cannot_queue_news_to_who_did_not_agree(
    db: Database, database_url: str
) -> None:
    import psycopg

    from studiosync_desktop import login
    from studiosync_desktop.embedded import libpq_dsn
    from studiosync_desktop.services.demo import DEMO_LOGINS, DemoService

    DemoService(db).build("small")
    email, _role, password = next(x for x in DEMO_LOGINS if x[1] == "desk")
    desk = login.log_in(database_url, email, password)
    login_url = desk.db.url  # the desk's own login, with its password
    desk.db.dispose()
    forged = (
        "INSERT INTO email_outbox (studio_id, kind, dedupe_key, person_id, recipient)"
        " SELECT u.studio_id, 'news', 'forged ' || u.id, u.id, %s FROM users u"
        " WHERE u.role = 'student' LIMIT 1"
    )
    with psycopg.connect(libpq_dsn(login_url), autocommit=True) as conn:
        for recipient in ("", "someone@else.example"):
            with pytest.raises(psycopg.errors.RaiseException, match="agreed"):
                conn.execute(forged, (recipient,))


def test_news_wears_the_letterhead_of_every_email_with_the_address_and_logo(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server)
    with db.session() as s:
        s.execute(
            text(
                "UPDATE studios SET address = '12 River Road', city = 'Riverside',"
                " country = 'Freedonia'"
            )
        )
    StudioService(db).set_logo(admin, picture((300, 100)))
    people(db, admin)
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = 'pay@chen.example' WHERE id = :f"),
            {"f": family},
        )
    StatementMailer(db, StatementService(db)).send(admin, Payer(kind="family", id=family))
    NewsService(db).send(admin, NEWS)
    MailJobs.build(db).run_once(admin)

    news, statement = sorted(server.received, key=lambda r: r.subject != "Spring recital")
    assert news.subject == "Spring recital"
    foot = "12 River Road, Riverside, Freedonia"
    for mail in (news, statement):
        assert foot in mail.text() and foot in mail.html()
        assert "cid:studio-logo@studiosync" in mail.html()
        inline = [p for p in mail.message.walk() if p["Content-ID"]]
        assert [p.get_content_type() for p in inline] == ["image/png"]
    # The same letterhead: the text after each message's own words is the same.
    assert news.text().split("Riverside")[-1] == statement.text().split("Riverside")[-1]
