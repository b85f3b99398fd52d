"""Email figures on the large studio, as the desk's own login (the desk's PC writes and sends).

- `mail_queue_month_invoices_large`: the month's invoice emails (about 1,440 payers) written
  after "Send all": each rendered from the template in the studio's letterhead, its invoice
  PDF rendered by ReportLab and attached. The rows are queued as the issuing trigger queues
  them; the figure is the writing (what the status bar's progress bar shows), and its
  `statements` the round trips of the same writing, counted on the wire.
- `mail_sender_overhead_per_message`: what the sender adds to each message beyond the SMTP
  server's own time (claim, attachment read, MIME, marking sent), against a real SMTP server
  (aiosmtpd) in this process.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

from bench.core import Context, Result, figure
from bench.desk_path import DESK, large, owner_actor, person, relay
from studiosync_desktop.services.email_compose import MailComposer
from studiosync_desktop.services.email_sender import MailSender
from studiosync_desktop.services.email_settings import EmailSettingsService

QUEUE_MONTH = """
INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id)
SELECT studio_id, 'invoice', 'bench-invoice:' || id, id FROM invoices
 WHERE status <> 'draft' AND credit_note_for_id IS NULL
   AND issue_date >= date_trunc('month', CAST(:today AS date))
"""
SENDER_MESSAGES = 300


def _set_up(ctx: Context, port: int) -> None:
    db = large(ctx)
    EmailSettingsService(db, password=lambda _s: None).save_account(
        owner_actor(ctx),
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from_address": "office@riverside.example",
        },
    )


def _clear(ctx: Context) -> None:
    with large(ctx).session() as s:
        s.execute(text("DELETE FROM email_outbox"))  # a scratch studio: only the bench's


@figure("mail_queue_month_invoices_large", "s", 5.0)
def queue_month_invoices(ctx: Context) -> Result:
    db = large(ctx)
    _set_up(ctx, 2525)
    desk = person(ctx, DESK)
    _clear(ctx)
    with db.session() as s:
        queued = s.connection().execute(text(QUEUE_MONTH), {"today": ctx.today}).rowcount
    started = time.perf_counter()
    written = MailComposer(desk.db).compose_pending(desk.actor)
    seconds = time.perf_counter() - started
    print(f"    {written} of {queued} invoice emails written, PDFs attached")
    _clear(ctx)
    return Result(seconds, role="desk", statements=_round_trips(ctx))


def _round_trips(ctx: Context) -> int:
    """The writing's round trips, counted on the wire (less noisy than the seconds on a loaded
    machine: each is a wait for the server, and for the run queue)."""
    db = large(ctx)
    counter = relay(ctx, db, 0.0)
    desk = person(ctx, DESK, 0.0)
    with db.session() as s:
        s.connection().execute(text(QUEUE_MONTH), {"today": ctx.today})
    before = counter.count()
    MailComposer(desk.db).compose_pending(desk.actor)
    trips = counter.count() - before
    _clear(ctx)
    return trips


@contextmanager
def smtp_process() -> Iterator[int]:
    """A real SMTP server (aiosmtpd, keeping nothing) in its own process: its time is its own,
    not taken from the sender's interpreter."""
    from tests.smtp_server import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)


@figure("mail_sender_overhead_per_message", "ms", 5.0)
def sender_overhead(ctx: Context) -> Result:
    db = large(ctx)
    desk = person(ctx, DESK)
    pdf = b"%PDF-1.4\n" + b"0" * 6000  # an invoice PDF's size
    with smtp_process() as port:
        _set_up(ctx, port)
        _clear(ctx)
        rows: list[dict[str, Any]] = [
            {
                "kind": "invoice",
                "dedupe_key": f"bench-send:{n}",
                "recipient": f"payer{n}@families.example",
                "subject": f"Invoice {n}",
                "text_body": "Please find your invoice attached.",
                "html_body": "<p>Please find your invoice attached.</p>",
                "attachments": [{"filename": f"INV-{n}.pdf", "content": pdf}],
            }
            for n in range(SENDER_MESSAGES)
        ]
        from studiosync_desktop.services.email_outbox import OutboxService

        OutboxService(db).queue(owner_actor(ctx), rows)
        sender = MailSender(desk.db, EmailSettingsService(desk.db, password=lambda _s: None))
        started = time.perf_counter()
        report = sender.send_queued(desk.actor)
        total = time.perf_counter() - started
        assert report.sent == SENDER_MESSAGES, report
    _clear(ctx)
    overhead = (total - report.smtp_seconds) / SENDER_MESSAGES * 1000
    print(
        f"    {report.sent} sent in {total:.2f} s, {report.smtp_seconds:.2f} s of it the server's"
    )
    return Result(overhead, role="desk")
