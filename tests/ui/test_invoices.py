"""The Invoices tab against the real database: detail, payment dialog, generation preview."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from factories import Maker
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLineEdit

from studiosync_desktop.schemas.billing import InvoiceDetail, Payer, PaymentCreate
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.billing import GenerateDialog
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.invoices import InvoicesTab

NY = ZoneInfo("America/New_York")


def open_tab(qtbot, window: MainWindow) -> InvoicesTab:  # type: ignore[no-untyped-def]
    tab = window.tabs["invoices"]
    assert isinstance(tab, InvoicesTab)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        window.select_tab("invoices")
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return tab


def capture_dialogs(tab: InvoicesTab) -> list[Any]:
    opened: list[Any] = []
    tab.open_dialog = opened.append  # type: ignore[method-assign]
    return opened


def sent_invoice(services: Services, admin: Actor, student: Any, price: str) -> str:
    inv = services.invoicing
    iid = inv.create_draft(admin, Payer(kind="student", id=student))
    inv.add_line(admin, iid, {"description": "Piano lessons, September", "unit_price": price})
    return inv.issue(admin, iid)


def test_search_finds_an_invoice_and_the_detail_shows_lines_and_balance(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    number = sent_invoice(services, admin, studio.student("Ivy", "Payne"), "80.00")
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000) as shown:
        tab.focus_search()
        qtbot.keyClicks(tab.search, "Payne")
    assert tab.model.rowCount() == 1
    d: InvoiceDetail = shown.args[0]
    assert (d.number, d.balance) == (number, Decimal("80.00"))
    text = tab.browser.toPlainText()
    assert "Piano lessons, September" in text and "Balance due" in text
    assert tab.buttons["pay"].isEnabled() and not tab.buttons["send"].isEnabled()


def test_overpayment_shows_the_balance_next_to_the_amount_then_records(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    sent_invoice(services, admin, studio.student("Ivy", "Payne"), "80.00")
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.keyClicks(tab.search, "Payne")
    dialogs = capture_dialogs(tab)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dialog = dialogs[-1]
    assert isinstance(dialog, FormDialog)
    qtbot.addWidget(dialog)
    amount = dialog.form.editor("amount")
    assert isinstance(amount, QLineEdit) and amount.text() == "80.00"
    amount.setText("100")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.form.error("amount").text() != "", timeout=10000)
    assert "80.00" in dialog.form.error("amount").text()
    amount.setText("abc")
    dialog.submit()
    assert dialog.form.error("amount").text()  # the schema's own message, before any call
    amount.setText("100")
    keep = dialog.form.editor("excess_as_credit")
    assert isinstance(keep, QCheckBox)
    keep.setChecked(True)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.status == "paid", timeout=5000)
    assert tab.detail is not None and tab.detail.account_credit == Decimal("20.00")


def test_generate_previews_before_writing_anything(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker, db: Any
) -> None:  # type: ignore[no-untyped-def]
    teacher = studio.teacher("Gus", "Grid")
    student = studio.student("Pat", "Preview")
    last_month = (datetime.now(NY).date().replace(day=1) - timedelta(days=1)).replace(day=10)
    start = datetime(last_month.year, last_month.month, 10, 15, tzinfo=NY)
    studio.lesson(teacher, start, student_id=student, status="completed", rate="42.00")
    tab = open_tab(qtbot, window)
    dialogs = capture_dialogs(tab)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10000)
    dialog = dialogs[-1]
    assert isinstance(dialog, GenerateDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.last_preview is not None, timeout=10000)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "Pat Preview"
    assert "42.00" in dialog.summary.text()
    assert services.billing.invoices(admin, status="draft").rows == ()
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        dialog.go.click()
    assert [r.payer_name for r in services.billing.invoices(admin, status="draft").rows] == [
        "Pat Preview"
    ]


def test_print_on_a_pc_without_a_printer_saves_the_invoice_pdf(
    qtbot,
    window: MainWindow,
    services: Services,
    admin: Actor,
    studio: Maker,
    documents_folder: Path,
) -> None:  # type: ignore[no-untyped-def]
    number = sent_invoice(services, admin, studio.student("Ivy", "Payne"), "80.00")
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.keyClicks(tab.search, number)
    qtbot.keyClick(tab.search, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    out = documents_folder / f"{number}.pdf"
    qtbot.waitUntil(lambda: out.exists() and out.stat().st_size > 1000, timeout=10000)
    from pypdf import PdfReader

    text = PdfReader(str(out)).pages[0].extract_text()
    assert number in text and "$80.00" in text


def test_after_an_action_the_same_invoice_stays_selected(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    sent_invoice(services, admin, studio.student("Ivy", "Payne"), "80.00")
    sent_invoice(services, admin, studio.student("Abe", "Zane"), "60.00")
    tab = open_tab(qtbot, window)
    last = tab.model.rowCount() - 1
    assert last >= 1 and tab.selected_row() == tab.model.rows[0]  # the first, after loading
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        tab.table.selectRow(last)
    second = tab.model.rows[last].id
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        tab._after_change()  # what every action (payment, void, ...) ends with
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.id == second, timeout=10000)
    assert tab.selected_row() is not None and tab.selected_row().id == second  # type: ignore[union-attr]


def test_a_line_added_to_a_draft_keeps_its_commas_and_needs_a_price(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    inv = services.invoicing
    inv.create_draft(admin, Payer(kind="student", id=studio.student("Lena", "Linefield")))
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.keyClicks(tab.search, "Linefield")
    dialogs = capture_dialogs(tab)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = dialogs[-1]
    assert isinstance(dialog, FormDialog)
    qtbot.addWidget(dialog)
    assert dialog.focusWidget() is dialog.form.editor("description")  # typing starts there
    dialog.show()
    qtbot.keyClicks(dialog.form.editor("description"), "Theory book, grade 2")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.text() == "Add line"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # no price typed: refused, nothing written
    assert dialog.form.error("unit_price").isVisibleTo(dialog)
    assert tab.detail is not None and tab.detail.lines == ()
    qtbot.keyClicks(dialog.form.editor("unit_price"), "1,250.50")
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert tab.detail is not None
    assert [(line.description, line.unit_price) for line in tab.detail.lines] == [
        ("Theory book, grade 2", Decimal("1250.50"))
    ]


def test_a_refund_is_chosen_and_typed_in_its_form_and_recorded(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    inv = services.invoicing
    iid = inv.create_draft(admin, Payer(kind="student", id=studio.student("Rita", "Refundson")))
    inv.add_line(admin, iid, {"description": "Piano lessons, October", "unit_price": "80.00"})
    inv.issue(admin, iid)
    services.payments.record(admin, iid, PaymentCreate(amount=Decimal("80.00")))
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.keyClicks(tab.search, "Refundson")
    dialogs = capture_dialogs(tab)
    tab.table.setFocus()
    qtbot.keyClick(
        tab.table,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = dialogs[-1]
    assert isinstance(dialog, FormDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    amount = dialog.form.editor("amount")
    assert isinstance(amount, QLineEdit) and amount.text() == "80.00"
    amount.selectAll()
    qtbot.keyClicks(amount, "500")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form.error("amount").text() != "", timeout=10000)
    amount.selectAll()
    qtbot.keyClicks(amount, "30")
    qtbot.keyClicks(dialog.form.editor("reason"), "One lesson cancelled")
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert tab.detail is not None
    assert [p.refunded_amount for p in tab.detail.payments] == [Decimal("30.00")]
