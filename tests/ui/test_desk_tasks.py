"""The ten daily tasks of the front desk, each done as a person does it: from the main window on
the demo studio, as the desk's own login, with keys, typed text and clicks on visible widgets.

Each checks what the screen shows and what the database holds, and prints
`desk-task NAME: N interactions`; N is at most six.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from desk_driver import Desk
from lesson_days import begun_for_the_database
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import text
from stripe_server import FakeStripe

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.stripe_client import KEYRING_SERVICE
from studiosync_desktop.services.stripe_payments import StripePayments
from studiosync_desktop.ui.dialogs.cancel_lesson import CancelLessonDialog
from studiosync_desktop.ui.dialogs.inventory import LendDialog, ReturnDialog
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.dialogs.pay_link import PayLinkDialog
from studiosync_desktop.ui.dialogs.rooms import ReservationDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.zones import zone_of

Key, Mod = Qt.Key, Qt.KeyboardModifier
MOST = 6  # interactions a daily task may take from the main window
VIOLIN = "RMS-00020"  # Student Violin 3/4 #20: one, available, borrowable, excellent
STUDENT, TYPED = "Isaac Cox", "Isaac Co"  # the only Isaac Co... of the demo


# --- what a person looks at -----------------------------------------------------------------


def go_to(desk: Desk, key: str) -> Any:
    """Ctrl+number of the tab (its tooltip says which), then wait until it shows its rows."""
    tab = desk.window.tabs[key]
    desk.shortcut(f"Ctrl+{list(desk.window.tabs).index(key) + 1}")
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    return tab


def modal(desk: Desk, kind: type[QDialog]) -> Any:
    """The dialog of `kind` that opened, once it has the keyboard."""
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), kind))
    dialog = QApplication.activeModalWidget()
    desk.wait_until(dialog.isActiveWindow)
    return dialog


def closed(dialog: QDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def back_at_window(desk: Desk) -> None:
    """A dialog closed: the desk is back on the window (offscreen Qt does not do it itself)."""
    desk.wait_until(lambda: QApplication.activeModalWidget() is None)
    desk.window.activateWindow()
    desk.wait_until(desk.window.isActiveWindow)


def status(desk: Desk) -> str:
    return desk.window.statusBar().currentMessage()


def one(db: Database, sql: str, **params: Any) -> Any:
    with db.session() as s:
        return s.execute(text(sql), params).one()


def zone(desk: Desk) -> ZoneInfo:
    return zone_of(desk.services.studio.info(desk.person.actor).timezone)


def day_words(at: datetime) -> str:
    return f"{at:%a} {at.day} {at:%b} {at:%H:%M}"


def own_teacher(db: Database, student: str) -> Any:
    first, last = student.split()
    return one(
        db,
        "SELECT st.id AS student_id, t.id AS teacher_id, tu.first_name || ' ' || tu.last_name"
        " AS teacher FROM students st JOIN users u ON u.id = st.user_id"
        " JOIN teachers t ON t.id = st.primary_teacher_id JOIN users tu ON tu.id = t.user_id"
        " WHERE u.first_name = :f AND u.last_name = :l",
        f=first,
        l=last,
    )


def free_half_hour(
    desk: Desk, teacher_id: Any, student_id: Any, day: date, length: int = 30
) -> datetime:
    """A time of `day` the service would book for both for `length` minutes (what the desk
    sees as free)."""
    here = zone(desk)
    sched, actor = desk.services.scheduling, desk.person.actor
    for minutes in range(10 * 60, 20 * 60, 30):
        at = datetime.combine(day, time(minutes // 60, minutes % 60), here)
        lesson = {"teacher_id": teacher_id, "student_id": student_id, "start": at}
        if not sched.check(actor, {**lesson, "end": at + timedelta(minutes=length)}):
            return at
    raise AssertionError(f"no free half hour on {day}")


def a_lesson_in(desk: Desk, db: Database, days: int) -> dict[str, Any]:
    """Isaac Cox's lesson with his own teacher, `days` from today, at a free time."""
    who = own_teacher(db, STUDENT)
    day = datetime.now(zone(desk)).date() + timedelta(days=days)
    at = free_half_hour(desk, who.teacher_id, who.student_id, day)
    made = desk.services.scheduling.create_lesson(
        desk.person.actor,
        {
            "teacher_id": who.teacher_id,
            "student_id": who.student_id,
            "start": at,
            "end": at + timedelta(minutes=30),
        },
    )
    return {"id": made.id, "at": at, "teacher_id": who.teacher_id, "student_id": who.student_id}


def double_click_lesson(desk: Desk, grid: Any, scroll: Any, lesson_id: Any) -> None:
    desk.wait_until(lambda: any(row.id == lesson_id for _r, row in grid._rects))
    rect = next(r for r, row in grid._rects if row.id == lesson_id)
    scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 200)
    desk.double_click(grid, QPoint(rect.center()))


def today_on(desk: Desk, day: date) -> Any:
    """Ctrl+Right on Today until `day` shows (Today is the tab the window opens on)."""
    tab = desk.window.current_tab()
    assert tab.key == "today"
    while tab.board is None or tab.board.day != day:
        with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
            desk.shortcut("Ctrl+Right")
    return tab


def finish(desk: Desk, task: str) -> None:
    count = desk.report(task)
    assert count <= MOST, f"{task} took {count} interactions"
    assert [kind for kind, _ in desk.shown if kind == "crash"] == []


# --- the ten tasks --------------------------------------------------------------------------


def test_find_a_person_by_a_misspelled_name(desk: Desk, db: Database) -> None:
    roster = go_to(desk, "roster")
    assert QApplication.focusWidget() is roster.search  # Ctrl+3, and the keys are in the search
    desk.type("Isaac Cocks")  # a misspelling: Isaac Cox comes first
    desk.key(Key.Key_Return)  # into the results, on the best match
    desk.wait_until(lambda: QApplication.focusWidget() is roster.table)
    assert roster.selected().name == STUDENT
    desk.shortcut("Ctrl+O")
    desk.wait_until(lambda: getattr(desk.window, "last_person_page", None) is not None)
    page = desk.window.last_person_page
    desk.wait_until(lambda: page.page is not None)
    email = one(
        db, "SELECT email FROM users WHERE first_name = 'Isaac' AND last_name = 'Cox'"
    ).email
    assert STUDENT in page.windowTitle() and email in page.browser.toPlainText()
    finish(desk, "find a person")
    page.close()


def test_down_in_the_roster_search_reaches_the_results(desk: Desk) -> None:
    roster = go_to(desk, "roster")
    desk.type("Isaac")
    desk.key(Key.Key_Down)
    desk.wait_until(lambda: QApplication.focusWidget() is roster.table)
    assert roster.selected().name.startswith("Isaac")
    desk.key(Key.Key_Down)  # and on down the list
    assert roster.table.currentIndex().row() == 1


def test_book_a_lesson(desk: Desk, db: Database) -> None:
    who = own_teacher(db, STUDENT)
    today = datetime.now(zone(desk)).date()
    length = StudioSettings().default_lesson_minutes  # the studio's usual length: 45
    at = free_half_hour(desk, who.teacher_id, who.student_id, today, length)
    calendar = go_to(desk, "calendar")
    desk.shortcut("Ctrl+N")
    dialog = modal(desk, LessonDialog)
    assert QApplication.focusWidget() is dialog.student.edit  # who comes, first
    assert not dialog.scope.isVisible()  # a series' "apply to" has no place in a booking
    desk.type(TYPED)
    desk.wait_until(lambda: dialog.student.person_id() == who.student_id)
    assert dialog.teacher.currentText() == who.teacher  # the student's own teacher
    desk.key(Key.Key_A, Mod.AltModifier)  # St&arts at
    desk.type(f"{at:%H%M}")  # digits, at once
    assert dialog.time.time().toString("HH:mm") == f"{at:%H:%M}"
    desk.key(Key.Key_Return)  # Save
    desk.wait_until(lambda: closed(dialog))
    booked = one(
        db,
        "SELECT id, teacher_id, scheduled_end FROM lessons WHERE student_id = :s"
        " AND scheduled_start = :at AND status = 'scheduled'",
        s=who.student_id,
        at=at,
    )
    assert booked.teacher_id == who.teacher_id
    assert booked.scheduled_end == at + timedelta(minutes=length)
    desk.wait_until(lambda: calendar.grid.selected == booked.id)  # shown, and selected
    assert calendar.grid.block_at_cursor().id == booked.id  # Enter would open it
    assert status(desk) == (
        f"Booked {STUDENT} with {who.teacher}, {day_words(at)}\N{EN DASH}"
        f"{at + timedelta(minutes=length):%H:%M}."
    )
    finish(desk, "book a lesson")


def test_reschedule_a_lesson(desk: Desk, db: Database) -> None:
    lesson = a_lesson_in(desk, db, days=1)
    later = free_half_hour(desk, lesson["teacher_id"], lesson["student_id"], lesson["at"].date())
    if later == lesson["at"]:  # the lesson itself is there: the next free half hour after it
        later = free_half_hour_after(desk, lesson, lesson["at"] + timedelta(minutes=30))
    tab = today_on(desk, lesson["at"].date())
    double_click_lesson(desk, tab.grid, tab.grid_scroll, lesson["id"])
    dialog = modal(desk, LessonDialog)
    desk.key(Key.Key_A, Mod.AltModifier)
    desk.type(f"{later:%H%M}")
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    row = one(db, "SELECT scheduled_start, status FROM lessons WHERE id = :l", l=lesson["id"])
    assert (row.scheduled_start, row.status) == (later, "scheduled")
    desk.wait_until(lambda: status(desk).startswith(f"Saved {STUDENT}'s lesson: "))
    assert day_words(later) in status(desk)
    desk.wait_until(
        lambda: any(r.id == lesson["id"] and r.start == later for _x, r in tab.grid._rects)
    )
    finish(desk, "reschedule")


def free_half_hour_after(desk: Desk, lesson: dict[str, Any], after: datetime) -> datetime:
    sched, actor = desk.services.scheduling, desk.person.actor
    at = after
    while at.hour < 20:
        data = {
            "teacher_id": lesson["teacher_id"],
            "student_id": lesson["student_id"],
            "start": at,
            "end": at + timedelta(minutes=30),
        }
        if not sched.check(actor, data, lesson_id=lesson["id"]):
            return at
        at += timedelta(minutes=30)
    raise AssertionError("no free half hour later that day")


def test_cancel_a_lesson_with_a_make_up_credit(desk: Desk, db: Database) -> None:
    lesson = a_lesson_in(desk, db, days=2)  # in good time: the student's call earns a credit
    tab = today_on(desk, lesson["at"].date())
    double_click_lesson(desk, tab.grid, tab.grid_scroll, lesson["id"])
    dialog = modal(desk, LessonDialog)
    desk.click_button("Cancel lesson…")
    form = modal(desk, CancelLessonDialog)
    assert QApplication.focusWidget() is form.reason
    desk.wait_until(lambda: "gets a make-up credit" in form.forecast.text())
    foretold = form.forecast.text()  # told before confirming: what the family will be told
    desk.type("Family holiday")
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    row = one(
        db,
        "SELECT l.status, l.cancellation_reason, l.cancelled_on_behalf_of, c.expires_on"
        " FROM lessons l JOIN makeup_credits c ON c.source_lesson_id = l.id WHERE l.id = :l",
        l=lesson["id"],
    )
    assert (row.status, row.cancellation_reason, row.cancelled_on_behalf_of) == (
        "cancelled",
        "Family holiday",
        "student",
    )
    expires = row.expires_on
    assert foretold == (
        f"{STUDENT} gets a make-up credit, usable until {expires:%a} {expires.day} {expires:%b %Y}."
    )
    desk.wait_until(lambda: status(desk).startswith(f"Cancelled {STUDENT}'s lesson of "))
    assert f"a make-up credit for {STUDENT}, usable until {expires:%a} {expires.day} " in status(
        desk
    )
    finish(desk, "cancel with a make-up credit")


def test_mark_attendance(desk: Desk, db: Database) -> None:
    tab = desk.window.current_tab()
    here = zone(desk)
    noon = datetime.combine(datetime.now(here).date(), time(12), here)
    who = own_teacher(db, STUDENT)
    start = free_half_hour_from(desk, who, noon - timedelta(minutes=10))
    lesson = desk.services.scheduling.create_lesson(
        desk.person.actor,
        {
            "teacher_id": who.teacher_id,
            "student_id": who.student_id,
            "start": start,
            "end": start + timedelta(minutes=30),
        },
    )
    tab.now = lambda: start + timedelta(minutes=10)  # the studio's clock: ten minutes late
    with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
        desk.key(Key.Key_F5)  # (the list follows the clock every 30 s; F5 is quicker)
    parent = tab.panel.sections["late"]
    late = next(
        parent.child(i) for i in range(parent.childCount()) if STUDENT in parent.child(i).text(0)
    )
    tree = tab.panel.tree
    tree.scrollToItem(late)
    desk.click(tree.viewport(), tree.visualItemRect(late).center())
    begun_for_the_database(db, lesson.id)  # the server's clock is not the studio's noon
    desk.shortcut("Ctrl+I")  # check in
    desk.wait_until(lambda: STUDENT in " ".join(tab.panel.lines("here")))
    assert one(db, "SELECT status FROM lessons WHERE id = :l", l=lesson.id).status == "in_progress"
    assert status(desk) == f"Checked in {STUDENT}."
    finish(desk, "mark attendance")


def free_half_hour_from(desk: Desk, who: Any, start: datetime) -> datetime:
    lesson = {"teacher_id": who.teacher_id, "student_id": who.student_id, "id": None}
    sched, actor = desk.services.scheduling, desk.person.actor
    at = start
    for _ in range(16):
        data = {**lesson, "start": at, "end": at + timedelta(minutes=30)}
        data.pop("id")
        if not sched.check(actor, data):
            return at
        at += timedelta(minutes=30)
    raise AssertionError("no free half hour today")


def an_open_invoice(db: Database) -> Any:
    """A sent invoice of the demo with a balance due (the desk reads its number on the list)."""
    return one(
        db,
        "SELECT i.id, i.invoice_number AS number, i.total - i.amount_paid AS balance"
        " FROM invoices i WHERE i.status = 'sent' AND i.total > i.amount_paid"
        " ORDER BY i.invoice_number LIMIT 1",
    )


def find_invoice(desk: Desk, number: str) -> Any:
    invoices = go_to(desk, "invoices")
    desk.type(number)
    desk.wait_until(
        lambda: (
            invoices.detail is not None
            and invoices.detail.number == number
            and invoices.selected_row() is not None
        )
    )
    return invoices


def test_take_cash_on_an_invoice(desk: Desk, db: Database) -> None:
    invoice = an_open_invoice(db)
    invoices = find_invoice(desk, invoice.number)
    desk.shortcut("Ctrl+M")  # Record payment: the balance, in cash
    dialog = modal(desk, QDialog)
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    desk.wait_until(lambda: status(desk).startswith("Took "))
    paid = one(
        db,
        "SELECT i.status, p.amount, p.payment_method FROM invoices i"
        " JOIN payments p ON p.invoice_id = i.id WHERE i.id = :i",
        i=invoice.id,
    )
    assert (paid.status, paid.amount, paid.payment_method) == ("paid", invoice.balance, "cash")
    assert status(desk) == (
        f"Took {invoice.balance:,.2f} cash from {invoices.detail.payer.name} on "
        f"{invoice.number}: balance now 0.00, paid in full."
    )
    row = invoices.selected_row()  # the invoice stays selected, and says it is paid
    assert row is not None and row.id == invoice.id and row.status == "paid"
    finish(desk, "take cash")


def test_a_payment_key_on_a_draft_says_why_and_down_reaches_the_list(
    desk: Desk, db: Database
) -> None:
    draft = one(
        db,
        "SELECT i.id, f.name FROM invoices i JOIN families f ON f.id = i.family_id"
        " WHERE i.status = 'draft' ORDER BY f.name LIMIT 1",
    )
    invoices = go_to(desk, "invoices")
    desk.type(draft.name)
    desk.wait_until(lambda: any(r.id == draft.id for r in invoices.model.rows))
    row = next(i for i, r in enumerate(invoices.model.rows) if r.id == draft.id)
    table = invoices.table
    desk.click(table.viewport(), table.visualRect(invoices.model.index(row, 0)).center())
    desk.wait_until(lambda: invoices.detail is not None and invoices.detail.id == draft.id)
    desk.shortcut("Ctrl+M")
    assert status(desk) == (
        f"The draft for {draft.name} cannot take a payment: send it first (Ctrl+E)."
    )
    desk.click(invoices.search)
    desk.key(Key.Key_Down)
    assert QApplication.focusWidget() is table
    assert invoices.selected_row().id == draft.id


@pytest.fixture
def stripe_desk(
    qtbot: Any,
    database_url: str,
    demo_studio: DemoSummary,
    fake_stripe: FakeStripe,
    memory_keyring: Any,
) -> Iterator[Desk]:
    """The desk's window, its Stripe key in this PC's keyring, Stripe the local server."""
    person = login.log_in(database_url, "desk@demo.studiosync.example", "demo-desk-2026")
    memory_keyring.set_password(KEYRING_SERVICE, f"stripe:{person.actor.studio_id}", "sk_test_desk")
    services = Services.build(
        person.db, stripe=StripePayments(person.db, api_base=fake_stripe.base)
    )
    presenter = ErrorPresenter(interactive=False)
    window = MainWindow(services, person.actor, "test", runner=TaskRunner(), presenter=presenter)
    qtbot.addWidget(window)
    at_desk = Desk(qtbot, window, presenter, services, person)
    presenter.shown.connect(lambda kind, message: at_desk.shown.append((kind, message)))
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    first = window.current_tab()
    qtbot.waitUntil(lambda: first.has_loaded and not first.is_loading, timeout=15000)
    yield at_desk
    window.runner.wait(10000)
    window.runner.forget()
    person.db.dispose()


def test_pay_by_link(stripe_desk: Desk, db: Database, fake_stripe: FakeStripe) -> None:
    desk = stripe_desk
    invoice = an_open_invoice(db)
    invoices = find_invoice(desk, invoice.number)
    desk.shortcut("Ctrl+K")
    dialog = modal(desk, PayLinkDialog)
    desk.wait_until(lambda: dialog.link is not None)
    assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    fake_stripe.complete_checkout(dialog.link.session_id)  # the family pays on their phone
    desk.wait_until(lambda: dialog.state.text().startswith("Paid."), timeout=15000)
    desk.key(Key.Key_Escape)
    desk.wait_until(lambda: closed(dialog))
    desk.wait_until(lambda: status(desk).startswith("Took "))
    paid = one(
        db,
        "SELECT i.status, sum(p.amount) AS amount, min(p.payment_method) AS method"
        " FROM invoices i JOIN payments p ON p.invoice_id = i.id WHERE i.id = :i"
        " GROUP BY i.status",
        i=invoice.id,
    )
    assert (paid.status, paid.amount, paid.method) == ("paid", invoice.balance, "stripe")
    assert status(desk).endswith(
        f"by card through Stripe from {invoices.detail.payer.name} on {invoice.number}: "
        "balance now 0.00, paid in full."
    )
    assert invoices.selected_row().id == invoice.id
    finish(desk, "pay by link")


def lend_the_violin(desk: Desk) -> Any:
    inventory = go_to(desk, "inventory")
    opened: list[Any] = []
    inventory.open_file = lambda path: opened.append(path) or True  # this PC's PDF viewer
    desk.type(VIOLIN)
    desk.wait_until(
        lambda: inventory.model.rowCount() == 1 and inventory.table.currentIndex().row() == 0
    )
    desk.shortcut("Ctrl+L")
    dialog = modal(desk, LendDialog)
    desk.type(TYPED)
    desk.wait_until(lambda: dialog.borrower.person_id() is not None)
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    desk.wait_until(lambda: bool(opened))
    return inventory, opened[0]


def test_lend_an_item_and_print_its_slip(desk: Desk, db: Database) -> None:
    _inventory, slip = lend_the_violin(desk)
    lent = one(
        db,
        "SELECT c.status, u.first_name || ' ' || u.last_name AS borrower FROM checkout_logs c"
        " JOIN inventory_items i ON i.id = c.item_id JOIN users u ON u.id = c.student_id"
        " WHERE i.serial_number = :s",
        s=VIOLIN,
    )
    assert (lent.status, lent.borrower) == ("approved", STUDENT)
    assert slip.read_bytes().startswith(b"%PDF")
    assert desk.window.document_note.text.text() == f"Saved {slip.name} in {slip.parent}."
    assert status(desk).startswith(f"Lent Student Violin 3/4 #20 to {STUDENT}, due back ")
    finish(desk, "lend and print the slip")


def test_return_an_item(desk: Desk, db: Database) -> None:
    inventory, _slip = lend_the_violin(desk)
    back_at_window(desk)
    desk.interactions = 0  # the return starts here, from the main window
    desk.shortcut("Ctrl+2")  # as if later in the day: elsewhere in the window
    go_to(desk, "inventory")
    inventory.search.selectAll()
    desk.type(VIOLIN)
    desk.wait_until(
        lambda: inventory.model.rowCount() == 1 and inventory.table.currentIndex().row() == 0
    )
    desk.shortcut("Ctrl+R")
    dialog = modal(desk, ReturnDialog)
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    back = one(
        db,
        "SELECT c.status, c.condition_in, i.available_quantity FROM checkout_logs c"
        " JOIN inventory_items i ON i.id = c.item_id WHERE i.serial_number = :s",
        s=VIOLIN,
    )
    assert back.status == "returned" and back.available_quantity == 1
    desk.wait_until(lambda: status(desk).startswith("Returned "))
    assert STUDENT in status(desk)
    assert not desk.window.document_note.isVisible()  # the earlier slip's note made way
    desk.interactions -= 1  # Ctrl+2 was only to leave the tab
    finish(desk, "return an item")


def test_book_a_practice_room(desk: Desk, db: Database) -> None:
    rooms = go_to(desk, "rooms")
    day = rooms.navigator.start
    desk.shortcut("Ctrl+N")
    dialog = modal(desk, ReservationDialog)
    room_id = dialog.room.currentData()
    assert dialog.start_time.time().toString("HH:mm") == "10:00"  # not reset to midnight
    here = zone(desk)
    at = next(
        datetime.combine(day, time(h), here)
        for h in range(20, 8, -1)
        if not one(
            db,
            "SELECT count(*) AS n FROM room_reservations WHERE room_id = :r"
            " AND status IN ('pending', 'confirmed') AND start_time < :e AND end_time > :s",
            r=room_id,
            s=datetime.combine(day, time(h), here),
            e=datetime.combine(day, time(h + 1), here),
        ).n
        and not one(
            db,
            "SELECT count(*) AS n FROM lessons WHERE room_id = :r AND status <> 'cancelled'"
            " AND scheduled_start < :e AND scheduled_end > :s",
            r=room_id,
            s=datetime.combine(day, time(h), here),
            e=datetime.combine(day, time(h + 1), here),
        ).n
    )
    assert QApplication.focusWidget() is dialog.person.edit or dialog.person.edit.hasFocus()
    desk.type(TYPED)
    desk.wait_until(lambda: dialog.person.person_id() is not None)
    desk.key(Key.Key_S, Mod.AltModifier)  # &Start
    desk.type(f"{at:%H%M}")
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    booked = one(
        db,
        "SELECT r.id, r.status, r.end_time, r.total_cost FROM room_reservations r"
        " JOIN users u ON u.id = r.student_id WHERE r.room_id = :r AND r.start_time = :s"
        " AND u.first_name = 'Isaac' AND u.last_name = 'Cox'",
        r=room_id,
        s=at,
    )
    assert booked.status == "confirmed" and booked.end_time == at + timedelta(hours=1)
    assert booked.total_cost > Decimal(0)
    desk.wait_until(lambda: status(desk).startswith("Booked "))
    assert f"for {STUDENT}, {day_words(at)}" in status(desk)
    desk.wait_until(lambda: rooms.selected() is not None and rooms.selected().id == booked.id)
    assert rooms.selected().who == STUDENT  # the day's list shows it, selected
    assert rooms.grid.selected == booked.id  # and the day's grid, scrolled to it
    shown = (
        rooms.grid_scroll.viewport().rect().translated(-rooms.grid.x(), -rooms.grid.y())
    )  # the part of the grid in view
    rect = rooms.grid.selected_rect()
    assert rect is not None and shown.contains(rect.center())
    finish(desk, "book a practice room")


def test_digits_typed_after_a_click_on_the_time_go_in(desk: Desk) -> None:
    """The time field takes digits however it was reached: here a click at its far end (Qt's
    own field took them only after Tab)."""
    go_to(desk, "calendar")
    desk.shortcut("Ctrl+N")
    dialog = modal(desk, LessonDialog)
    field = dialog.time
    text = field.lineEdit()  # what a click on the field lands on
    desk.click(text, QPoint(text.width() - 10, text.height() // 2))  # after the minutes
    desk.qtbot.wait(20)
    desk.type("0915")
    assert field.time().toString("HH:mm") == "09:15"
    desk.click(text, QPoint(3, text.height() // 2))  # on the hour: it is replaced
    desk.qtbot.wait(20)
    desk.type("11")
    assert field.time().toString("HH:mm") == "11:15"
    on_minutes = text.fontMetrics().horizontalAdvance("11:1") + 2
    desk.click(text, QPoint(on_minutes, text.height() // 2))  # on the minutes: only they
    desk.qtbot.wait(20)
    desk.type("45")
    assert field.time().toString("HH:mm") == "11:45"
    dialog.reject()


def test_a_cancellation_without_a_reason_is_refused_next_to_the_field(
    desk: Desk, db: Database
) -> None:
    lesson = a_lesson_in(desk, db, days=1)
    tab = today_on(desk, lesson["at"].date())
    double_click_lesson(desk, tab.grid, tab.grid_scroll, lesson["id"])
    dialog = modal(desk, LessonDialog)
    desk.click_button("Cancel lesson…")
    form = modal(desk, CancelLessonDialog)
    desk.key(Key.Key_Return)  # no reason typed
    assert form.isVisible() and form.problem.isVisible()
    assert form.problem.text() == "Type why the lesson is cancelled (the family sees it)."
    desk.type("Snow")  # the line goes as soon as the reason is typed
    assert not form.problem.isVisible()
    desk.click_button("Keep it")
    desk.wait_until(lambda: closed(form))
    status_now = one(db, "SELECT status FROM lessons WHERE id = :l", l=lesson["id"]).status
    assert status_now == "scheduled" and dialog.isVisible()
    dialog.reject()
