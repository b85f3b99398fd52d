"""Studio settings still missing before: the parts a studio uses, its opening hours and usual
lesson length, its logo and colour, and people's photos."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from factories import Maker
from PIL import Image
from pypdf import PdfReader
from smtp_server import SmtpServer, use_server
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.reports.day_sheet import render_day_sheet
from studiosync_desktop.reports.invoice_pdf import render_invoice
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.demo import DEMO_LOGINS, DemoService
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.notifications import NotificationService
from studiosync_desktop.services.people import PeopleService
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService


def picture(size: tuple[int, int], fmt: str = "PNG", colour: str = "#cc3300") -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, colour).save(out, fmt)
    return out.getvalue()


def log_in_as(url: str, role: str) -> login.LoggedIn:
    """The demo studio's first login of `role`, on its own login role."""
    return login.log_in(url, *next((e, p) for e, r, p in DEMO_LOGINS if r == role))


def settings_of(db: Database, admin: Actor) -> dict[str, object]:
    with db.session() as s:
        return dict(
            s.scalar(text("SELECT settings FROM studios WHERE id = :i"), {"i": admin.studio_id})
        )


# --- parts, hours, length -----------------------------------------------------------------


def test_parts_hours_and_length_are_kept_and_nonsense_is_refused_by_field(
    db: Database, admin: Actor
) -> None:
    studio = StudioService(db)
    info = studio.save_settings(
        admin,
        {
            "parts_off": ["rooms", "billing"],
            "default_lesson_minutes": 60,
            "opens_at": "09:00",
            "closes_at": "18:30",
        },
    )
    assert info.settings.parts_off == ("billing", "rooms")
    assert (info.settings.opens_at, info.settings.closes_at) == (time(9), time(18, 30))
    assert settings_of(db, admin)["default_lesson_minutes"] == 60

    for bad, field in (
        ({"opens_at": "18:00", "closes_at": "09:00"}, "closes_at"),
        ({"opens_at": "09:10"}, "opens_at"),
        ({"parts_off": ["karaoke"]}, "parts_off"),
        ({"default_lesson_minutes": 0}, "default_lesson_minutes"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            studio.save_settings(admin, bad)
        assert field in refused.value.fields, bad
    assert studio.info(admin).settings.opens_at == time(9)  # nothing half-saved


def test_free_room_slots_and_the_lesson_dialogs_length_follow_the_studio(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    make.room("Room A")
    StudioService(db).save_settings(
        admin, {"opens_at": "10:00", "closes_at": "12:00", "default_lesson_minutes": 60}
    )
    day = datetime.now(UTC) + timedelta(days=2)
    early = day.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = RoomService(db).next_free_slots(admin, 60, after=early, count=10, days=1)
    zone = StudioService(db).info(admin).timezone
    from zoneinfo import ZoneInfo

    local = [
        (s.start.astimezone(ZoneInfo(zone)).time(), s.end.astimezone(ZoneInfo(zone)).time())
        for s in slots
    ]
    assert local[:2] == [(time(10), time(11)), (time(11), time(12))]
    assert all(time(10) <= a and b <= time(12) for a, b in local)
    assert SchedulingService(db).choices(admin).default_minutes == 60


def test_a_studio_without_bands_offers_none_when_booking(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    make.band("Jazz Combo")
    assert [b.name for b in SchedulingService(db).choices(admin).bands] == ["Jazz Combo"]
    StudioService(db).save_settings(admin, {"parts_off": ["bands"]})
    assert SchedulingService(db).choices(admin).bands == ()


def test_billing_and_lending_switched_off_raise_no_reminders_and_their_data_stays(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    make.invoice(family_id=family, status="sent", total="80.00", due=date(2020, 1, 31))
    StudioService(db).save_settings(admin, {"parts_off": ["billing", "inventory"]})

    raised = NotificationService(db).raise_due_reminders(admin)

    assert (raised.invoices_overdue, raised.checkouts_overdue) == (0, 0)
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM invoices")) == 1  # the data stays
    StudioService(db).save_settings(admin, {"parts_off": []})
    assert NotificationService(db).raise_due_reminders(admin).invoices_overdue == 1


# --- logo, colour, photos -----------------------------------------------------------------


def test_a_logo_is_checked_made_print_sized_and_printed_on_invoices(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    studio = StudioService(db)
    for bad in (b"", b"%PDF-1.7 not a picture", picture((40, 40))[:60], picture((9, 9), "GIF")):
        with pytest.raises(ValidationFailed) as refused:
            studio.set_logo(admin, bad)
        assert "logo" in refused.value.fields
    assert studio.branding(admin).logo is None

    branding = studio.set_logo(admin, picture((2400, 800)))
    stored = Image.open(io.BytesIO(branding.logo or b""))
    assert (stored.format, stored.size) == ("PNG", (600, 200))
    assert studio.set_theme_color(admin, "#AA2200").theme_color == "#aa2200"
    with pytest.raises(ValidationFailed) as refused:
        studio.set_theme_color(admin, "red; drop table")
    assert "theme_color" in refused.value.fields

    make = Maker(db, admin.studio_id)
    invoice = make.invoice(family_id=make.family("Chen family"), status="sent", total="80.00")
    service = InvoicingService(db)
    pdf = render_invoice(service.letterhead(admin), service.detail(admin, invoice))
    (tmp_path / "invoice.pdf").write_bytes(pdf)  # looked at with pdftoppm while writing this
    [logo] = PdfReader(io.BytesIO(pdf)).pages[0].images
    printed = logo.image.convert("RGB")
    assert printed.size == (600, 200) and printed.getpixel((300, 100)) == (204, 51, 0)

    sheet = SchedulingService(db).day_sheet(admin, date.today())
    assert len(PdfReader(io.BytesIO(render_day_sheet(sheet))).pages[0].images) == 1

    assert studio.set_logo(admin, None).logo is None


def test_photos_are_squared_and_kept_small_and_only_the_right_logins_set_them(
    db: Database, database_url: str
) -> None:
    DemoService(db).build("small")
    desk = log_in_as(database_url, "desk")
    teacher = log_in_as(database_url, "teacher")
    try:
        with db.session() as s:
            student = s.scalar(
                text("SELECT user_id FROM students WHERE is_active ORDER BY user_id LIMIT 1")
            )
            colleague = s.scalar(text("SELECT user_id FROM teachers ORDER BY user_id LIMIT 1"))
        people = PeopleService(desk.db)

        people.set_photo(desk.actor, student, picture((3000, 2000), "JPEG"))

        with db.session() as s:
            photo, thumb = s.execute(
                text("SELECT avatar, avatar_thumb FROM users WHERE id = :p"), {"p": student}
            ).one()
        assert Image.open(io.BytesIO(photo)).size == (512, 512) and len(photo) < 1024 * 1024
        assert Image.open(io.BytesIO(thumb)).size == (64, 64) and len(thumb) < 32 * 1024
        [listed] = [r for r in RosterService(desk.db).students(desk.actor).rows if r.photo]
        assert listed.photo == thumb  # the roster's list shows the small copy
        with pytest.raises(ValidationFailed) as refused:
            people.set_photo(desk.actor, student, b"GIF89a...")
        assert "photo" in refused.value.fields
        with pytest.raises(PermissionDenied):
            people.set_photo(desk.actor, colleague, picture((80, 80)))
        with pytest.raises(PermissionDenied):
            PeopleService(teacher.db).set_photo(teacher.actor, student, None)
        people.set_photo(desk.actor, student, None)
        with db.session() as s:
            assert s.scalar(text("SELECT avatar FROM users WHERE id = :p"), {"p": student}) is None
    finally:
        desk.db.dispose()
        teacher.db.dispose()


def test_the_desk_and_a_teacher_cannot_change_the_studios_look(
    db: Database, database_url: str
) -> None:
    DemoService(db).build("small")
    desk = log_in_as(database_url, "desk")
    try:
        with pytest.raises(PermissionDenied):
            StudioService(desk.db).set_logo(desk.actor, picture((100, 40)))
        with pytest.raises(PermissionDenied):
            StudioService(desk.db).save_settings(desk.actor, {"parts_off": ["billing"]})
        assert StudioService(desk.db).branding(desk.actor).name  # reading it is fine
    finally:
        desk.db.dispose()


def test_a_switched_off_part_sends_no_email_and_says_why_in_the_outbox(
    db: Database, admin: Actor, server: SmtpServer
) -> None:
    use_server(db, admin, server, enabled_kinds=["invoice", "lesson_cancelled"])
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    with db.session() as s:
        s.execute(
            text("UPDATE families SET billing_email = 'chen@family.example' WHERE id = :f"),
            {"f": family},
        )
    StudioService(db).save_settings(admin, {"parts_off": ["billing"]})
    InvoicingService(db).issue(admin, make.invoice(family_id=family, status="draft"))

    MailJobs.build(db).run_once(admin)

    assert server.received == []
    with db.session() as s:
        status, why = s.execute(text("SELECT status, last_error FROM email_outbox")).one()
    assert status == "skipped" and "does not use billing" in why
