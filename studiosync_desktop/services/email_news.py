"""Studio news by email: one message an administrator or the desk writes, sent only to the
people whose latest marketing-email consent is a yes (the privacy issue's consent records),
who have an address and did not opt out of news. The same news is queued once per person,
however often Send is pressed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.email import (
    NewsAudience,
    NewsInput,
    OutgoingAttachment,
    OutgoingEmail,
)
from studiosync_desktop.services.email_facts import real_address
from studiosync_desktop.services.email_outbox import insert_emails
from studiosync_desktop.services.email_templates import (
    Letterhead,
    Wording,
    load_email_letterhead,
    render,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work

# Everyone of the studio with a login-less or login person row, and what their latest
# marketing-email consent says (NULL: never asked), and whether they opted out of news.
PEOPLE = text(
    """
    SELECT u.id, u.first_name, u.last_name, u.email,
           (SELECT c.granted FROM consents c
             WHERE c.user_id = u.id AND c.kind = 'marketing_email'
             ORDER BY c.recorded_at DESC, c.created_at DESC LIMIT 1) AS agreed,
           COALESCE((SELECT p.opted_out ? 'news' FROM email_preferences p
                      WHERE p.user_id = u.id), false) AS opted_out
      FROM users u
     WHERE u.studio_id = :studio AND u.is_active
    """
)
WORDING = Wording(
    subject="{{ news_subject }}",
    text_body="Dear {{ recipient_name }},\n\n{{ news_text }}\n\n{{ why_you_get_this }}",
    html_body=(
        "<p>Dear {{ recipient_name }},</p>"
        "{% for paragraph in news_paragraphs %}<p>{{ paragraph }}</p>{% endfor %}"
        '<p style="color:#777777;font-size:12px">{{ why_you_get_this }}</p>'
    ),
)


def _news_key(news: NewsInput) -> str:
    """The news's own mark: the same subject and text are the same news."""
    return hashlib.sha256(f"{news.subject}\n{news.text}".encode()).hexdigest()[:16]


class NewsService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def audience(self, actor: Actor) -> NewsAudience:
        """Who would get the studio's news now, and who would not and why (counts)."""
        require(actor, "email")
        with self._db.read_session() as s:
            rows = s.execute(PEOPLE, {"studio": actor.studio_id}).all()
        return _audience(rows)

    @unit_of_work
    def send(self, actor: Actor, data: NewsInput | dict[str, Any]) -> int:
        """Queues the news to everyone who agreed to marketing emails; returns how many
        messages are new (0 when this news was already queued for all of them)."""
        require(actor, "email")
        news = parse_input(NewsInput, data)
        with self._db.session() as s:
            rows = s.execute(PEOPLE, {"studio": actor.studio_id}).all()
            readers = [r for r in rows if _reads_news(r)]
            if not readers:
                raise ValidationFailed(
                    {"": "Nobody has agreed to marketing emails yet: record their consent on "
                         "their page first (Consents…)."}
                )  # fmt: skip
            letterhead = load_email_letterhead(s, actor.studio_id)
            logo = letterhead.logo_file()
            key = _news_key(news)
            emails = [_email(news, key, r, letterhead, logo) for r in readers]
            return len(insert_emails(s, actor, emails))


def _reads_news(r: Any) -> bool:
    return bool(r.agreed) and not r.opted_out and bool(real_address(r.email))


def _audience(rows: Sequence[Any]) -> NewsAudience:
    agreed = [r for r in rows if r.agreed]
    return NewsAudience(
        readers=sum(1 for r in rows if _reads_news(r)),
        no_address=sum(1 for r in agreed if not real_address(r.email)),
        opted_out=sum(1 for r in agreed if r.opted_out and real_address(r.email)),
        not_agreed=len(rows) - len(agreed),
    )


def _email(
    news: NewsInput, key: str, r: Any, letterhead: Letterhead, logo: OutgoingAttachment | None
) -> OutgoingEmail:
    name = " ".join(p for p in (r.first_name, r.last_name) if p) or "friend of the studio"
    written = render(
        WORDING,
        letterhead,
        {
            "recipient_name": name,
            "news_subject": news.subject,
            "news_text": news.text,
            "news_paragraphs": [p.strip() for p in news.text.split("\n\n") if p.strip()],
            "why_you_get_this": (
                f"You receive the news of {letterhead.name} because you agreed to it. To stop, "
                "tell the studio: it records your choice and sends no more."
            ),
        },
    )
    return OutgoingEmail(
        kind="news",
        dedupe_key=f"news {key} to {r.id}",
        recipient=real_address(r.email),
        person_id=r.id,
        subject=written.subject,
        text_body=written.text_body,
        html_body=written.html_body,
        attachments=(logo,) if logo else (),
    )
