"""The wording of each kind of email: built-in templates, an administrator's own, rendering.

Templates are Jinja2 in a sandbox (an administrator's template cannot reach Python), with
HTML escaping for the HTML body. The values they get are plain strings already formatted
in the studio's language and currency. Every email is wrapped in the studio's letterhead:
its name and logo on top, its contact details at the bottom.
"""

# The built-in wording keeps each paragraph on one line, as the email shows it.
# ruff: noqa: E501

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import EmailTemplate, Studio
from studiosync_desktop.schemas.billing import StudioLetterhead
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.email import (
    AUTOMATIC_KINDS,
    OutgoingAttachment,
    PreviewResult,
    TemplateInput,
    TemplateRow,
)
from studiosync_desktop.services.invoicing import load_letterhead
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work

LOGO_CID = "studio-logo@studiosync"


@dataclass(frozen=True)
class Wording:
    subject: str
    text_body: str
    html_body: str


def _w(subject: str, text: str) -> Wording:
    """A built-in template: the HTML body is the text's paragraphs."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    html = "\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return Wording(subject, text.strip() + "\n", html)


DEFAULTS: dict[str, Wording] = {
    "invoice": _w(
        "Invoice {{ invoice_number }} from {{ studio_name }}",
        """Dear {{ recipient_name }},

Please find attached invoice {{ invoice_number }} for {{ total }}, due {{ due_date }}.
{% if pay_link %}
You can pay online: {{ pay_link }}
{% endif %}
Thank you!""",
    ),
    "credit_note": _w(
        "Credit note {{ invoice_number }} from {{ studio_name }}",
        """Dear {{ recipient_name }},

Please find attached credit note {{ invoice_number }} for {{ total }}.

Thank you!""",
    ),
    "receipt": _w(
        "Receipt for your payment of {{ payment_amount }}",
        """Dear {{ recipient_name }},

Thank you for your payment of {{ payment_amount }} on {{ payment_date }} for invoice {{ invoice_number }}. The receipt is attached.

Balance still due on this invoice: {{ balance }}.""",
    ),
    "statement": _w(
        "Your statement from {{ studio_name }}",
        """Dear {{ recipient_name }},

Please find attached your statement as of {{ as_of }}. Balance due: {{ balance }}.""",
    ),
    "overdue_notice": _w(
        "Reminder: invoice {{ invoice_number }} is overdue",
        """Dear {{ recipient_name }},

Invoice {{ invoice_number }} was due on {{ due_date }} and {{ balance }} is still open. If you have already paid, thank you and please ignore this reminder.
{% if pay_link %}
You can pay online: {{ pay_link }}
{% endif %}""",
    ),
    "lesson_reminder": _w(
        "Reminder: {{ lesson_title }} {{ lesson_when }}",
        """Dear {{ recipient_name }},

This is a reminder of {{ lesson_title }} with {{ teacher_name }} on {{ lesson_when }}{% if room_name %} in {{ room_name }}{% endif %}.

If you cannot come, please let us know as early as you can.""",
    ),
    "lesson_cancelled": _w(
        "Cancelled: {{ lesson_title }} {{ lesson_when }}",
        """Dear {{ recipient_name }},

{% if lesson_count > 1 %}These {{ lesson_count }} lessons are cancelled:
{{ lesson_list }}{% else %}{{ lesson_title }} with {{ teacher_name }} on {{ lesson_when }} is cancelled.{% endif %}

Please contact us with any questions.""",
    ),
    "lesson_moved": _w(
        "New time: {{ lesson_title }} {{ lesson_when }}",
        """Dear {{ recipient_name }},

{% if lesson_count > 1 %}These {{ lesson_count }} lessons have new times:
{{ lesson_list }}{% else %}{{ lesson_title }} with {{ teacher_name }} is now on {{ lesson_when }}{% if room_name %} in {{ room_name }}{% endif %}.{% endif %}""",
    ),
    "makeup_granted": _w(
        "A make-up lesson credit for {{ student_name }}",
        """Dear {{ recipient_name }},

{{ student_name }} has a make-up lesson credit, to be used by {{ expires_on }}. Contact us to book the make-up lesson.""",
    ),
    "makeup_expiring": _w(
        "{{ student_name }}'s make-up credit expires on {{ expires_on }}",
        """Dear {{ recipient_name }},

{{ student_name }}'s make-up lesson credit expires on {{ expires_on }}. Contact us soon to book the make-up lesson.""",
    ),
    "item_due": _w(
        "{{ item_name }} is due back on {{ due_date }}",
        """Dear {{ recipient_name }},

The {{ item_name }} you borrowed is due back on {{ due_date }}. Thank you for returning it on time.""",
    ),
    "item_overdue": _w(
        "{{ item_name }} was due back on {{ due_date }}",
        """Dear {{ recipient_name }},

The {{ item_name }} you borrowed was due back on {{ due_date }}. Please return it as soon as you can.""",
    ),
    "room_confirmed": _w(
        "Booked: {{ room_name }} {{ booking_when }}",
        """Dear {{ recipient_name }},

Your booking of {{ room_name }} on {{ booking_when }} is confirmed.{% if total %} Cost: {{ total }}.{% endif %}""",
    ),
    "test": _w("Test email from {{ studio_name }}", "This is a test email."),
}

# What a template may use besides the studio's details, by kind (for the editor's help line).
COMMON = (
    "recipient_name",
    "studio_name",
    "studio_email",
    "studio_phone",
    "studio_website",
    "studio_address",
)
MONEY = ("invoice_number", "total", "balance", "due_date", "pay_link")
LESSON = ("lesson_title", "lesson_when", "teacher_name", "room_name", "lesson_count", "lesson_list")
VARIABLES: dict[str, tuple[str, ...]] = {
    "invoice": MONEY,
    "credit_note": MONEY,
    "receipt": (*MONEY, "payment_amount", "payment_date"),
    "statement": ("as_of", "balance"),
    "overdue_notice": (*MONEY, "notice_number"),
    "lesson_reminder": LESSON,
    "lesson_cancelled": LESSON,
    "lesson_moved": LESSON,
    "makeup_granted": ("student_name", "expires_on"),
    "makeup_expiring": ("student_name", "expires_on"),
    "item_due": ("item_name", "due_date"),
    "item_overdue": ("item_name", "due_date"),
    "room_confirmed": ("room_name", "booking_when", "total"),
    "test": (),
}

LAYOUT = """<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f4f4">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"
 style="max-width:640px;margin:0 auto;background:#ffffff;font-family:Arial,Helvetica,sans-serif;
 font-size:15px;line-height:1.5;color:#222222">
<tr><td style="padding:20px 28px;border-bottom:3px solid {{ theme_color }}">
{% if has_logo %}<img src="cid:{{ logo_cid }}" alt="" style="max-height:56px;vertical-align:middle">
{% endif %}<span style="font-size:20px;font-weight:bold;vertical-align:middle">{{ studio_name }}</span>
</td></tr>
<tr><td style="padding:20px 28px">{{ body }}</td></tr>
<tr><td style="padding:14px 28px;font-size:12px;color:#666666;border-top:1px solid #dddddd">
{{ studio_name }}{% if studio_address %} &middot; {{ studio_address }}{% endif %}<br>
{% if studio_phone %}{{ studio_phone }}{% endif %}{% if studio_phone and studio_email %} &middot; {% endif %}
{% if studio_email %}<a href="mailto:{{ studio_email }}">{{ studio_email }}</a>{% endif %}
{% if studio_website %} &middot; {{ studio_website }}{% endif %}
</td></tr></table></body></html>
"""
TEXT_FOOTER = """

--
{{ studio_name }}
{% if studio_address %}{{ studio_address }}
{% endif %}{% if studio_phone %}{{ studio_phone }}
{% endif %}{% if studio_email %}{{ studio_email }}
{% endif %}{% if studio_website %}{{ studio_website }}
{% endif %}"""

_TEXT = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)
_HTML = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def sample_context() -> dict[str, Any]:
    """Believable values, for the editor's preview and to check a template before saving."""
    values: dict[str, Any] = {
        "recipient_name": "Maya Chen",
        "invoice_number": "INV-2026-00042",
        "total": "$240.00",
        "balance": "$120.00",
        "due_date": "October 15, 2026",
        "pay_link": "https://pay.example/inv-42",
        "payment_amount": "$120.00",
        "payment_date": "October 3, 2026",
        "notice_number": 1,
        "as_of": "October 1, 2026",
        "lesson_title": "Piano lesson for Tom Chen",
        "lesson_when": "Tuesday, October 6, 2026 at 4:00 PM",
        "teacher_name": "Ana Ruiz",
        "room_name": "Studio B",
        "lesson_count": 1,
        "lesson_list": "Tuesday, October 6, 2026 at 4:00 PM",
        "student_name": "Tom Chen",
        "expires_on": "December 31, 2026",
        "item_name": "Violin 3/4 (V-12)",
        "booking_when": "Saturday, October 10, 2026, 10:00 AM - 11:00 AM",
    }
    return values


@dataclass(frozen=True)
class Letterhead:
    """The studio as its emails show it."""

    name: str
    email: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    theme_color: str = "#3b6ea5"
    logo: bytes | None = None
    logo_type: str = "image/png"

    def logo_file(self) -> OutgoingAttachment | None:
        """The logo as the HTML shows it (an inline image), when the studio has one."""
        if not self.logo:
            return None
        return OutgoingAttachment(
            filename="logo", content_type=self.logo_type, content=self.logo, content_id=LOGO_CID
        )

    def context(self) -> dict[str, Any]:
        return {
            "studio_name": self.name,
            "studio_email": self.email,
            "studio_phone": self.phone,
            "studio_website": self.website,
            "studio_address": self.address,
            "theme_color": self.theme_color,
            "has_logo": bool(self.logo),
            "logo_cid": LOGO_CID,
        }


def load_email_letterhead(
    s: Session, studio_id: uuid.UUID, printed: StudioLetterhead | None = None
) -> Letterhead:
    """The studio's letterhead as every email shows it, built in this one place from the
    printed one (`printed`, when the caller has it already): name, logo, the address on one
    line, phone, email and website."""
    printed = printed or load_letterhead(s, studio_id)
    studio = s.get(Studio, studio_id)  # in the session already: not read again
    return Letterhead(
        name=printed.name,
        email=printed.email,
        phone=printed.phone,
        website=printed.website,
        address=", ".join(p for p in printed.address_lines if p),
        theme_color=printed.theme_color,
        logo=printed.logo,
        logo_type=(studio.logo_mime_type if studio else None) or "image/png",
    )


@lru_cache(maxsize=256)
def _compiled(html: bool, source: str) -> Template:
    """A template compiled once (compiling costs 40 times what rendering does)."""
    return (_HTML if html else _TEXT).from_string(source)


def render(wording: Wording, studio: Letterhead, values: Mapping[str, Any]) -> Wording:
    """The email's subject, text and HTML for these values (TemplateError when a template
    uses what it may not)."""
    context = {**values, **studio.context()}
    subject = " ".join(_compiled(False, wording.subject).render(context).split())
    text = _compiled(False, wording.text_body).render(context).strip()
    text += _compiled(False, TEXT_FOOTER).render(context)
    body = Markup(_compiled(True, wording.html_body).render(context))  # already escaped
    html = _compiled(True, LAYOUT).render({**context, "body": body})
    return Wording(subject[:300], text, html)


def check(kind: str, wording: Wording) -> None:
    """ValidationFailed naming the field whose template cannot be used, with Jinja's reason."""
    studio = Letterhead(name="Harmony Music School", email="office@harmony.example")
    problems: dict[str, str] = {}
    for name in ("subject", "text_body", "html_body"):
        single = Wording(**{**DEFAULTS[kind].__dict__, name: getattr(wording, name)})
        try:
            render(single, studio, sample_context())
        except TemplateError as exc:
            known = ", ".join(COMMON + VARIABLES.get(kind, ()))
            reason = str(exc.message or exc).rstrip(".")
            problems[name] = f"{reason}. You can use: {known}."
        except Exception as exc:  # noqa: BLE001 (a sandbox refusal or a bad filter: said, never a crash)
            problems[name] = f"This template cannot be used: {str(exc).rstrip('.')}."
    if problems:
        raise ValidationFailed(problems)


class TemplateService:
    """An administrator's templates: read (built-in where none), check, save, preview, reset."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def templates(self, actor: Actor) -> tuple[TemplateRow, ...]:
        require(actor, "email")
        with self._db.read_session() as s:
            own = {
                t.kind: t
                for t in s.scalars(
                    select(EmailTemplate).where(EmailTemplate.studio_id == actor.studio_id)
                )
            }
        rows = []
        for kind in AUTOMATIC_KINDS:
            wording = own.get(kind) or DEFAULTS[kind]
            rows.append(
                TemplateRow(
                    kind=kind,
                    subject=wording.subject,
                    text_body=wording.text_body,
                    html_body=wording.html_body,
                    is_custom=kind in own,
                    variables=COMMON + VARIABLES.get(kind, ()),
                )
            )
        return tuple(rows)

    @unit_of_work
    def save(self, actor: Actor, kind: str, data: TemplateInput | dict[str, Any]) -> TemplateRow:
        """Checks the template with believable values first: a mistake is said next to its field."""
        require(actor, "settings")
        template = parse_input(TemplateInput, data)
        if kind not in AUTOMATIC_KINDS:
            raise ValidationFailed({"": f"Unknown kind of email: {kind}."})
        check(kind, Wording(template.subject, template.text_body, template.html_body))
        values = template.model_dump()
        with self._db.session() as s:
            s.execute(
                insert(EmailTemplate)
                .values(studio_id=actor.studio_id, kind=kind, **values)
                .on_conflict_do_update(index_elements=["studio_id", "kind"], set_=values)
            )
        return next(t for t in self.templates(actor) if t.kind == kind)

    @unit_of_work
    def reset(self, actor: Actor, kind: str) -> TemplateRow:
        """Back to the built-in wording."""
        require(actor, "settings")
        with self._db.session() as s:
            s.execute(
                delete(EmailTemplate).where(
                    EmailTemplate.studio_id == actor.studio_id, EmailTemplate.kind == kind
                )
            )
        return next(t for t in self.templates(actor) if t.kind == kind)

    def preview(
        self, actor: Actor, kind: str, data: TemplateInput | dict[str, Any]
    ) -> PreviewResult:
        """The email as it would look, with the studio's letterhead and believable values."""
        require(actor, "email")
        template = parse_input(TemplateInput, data)
        check(kind, Wording(template.subject, template.text_body, template.html_body))
        with self._db.read_session() as s:
            # The logo travels with a sent email; the preview has none to show.
            head = replace(load_email_letterhead(s, actor.studio_id), logo=None)
        w = render(
            Wording(template.subject, template.text_body, template.html_body),
            head,
            sample_context(),
        )
        return PreviewResult(subject=w.subject, text_body=w.text_body, html_body=w.html_body)
