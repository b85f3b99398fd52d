"""Invoices tab: the list (filters, search, paging), the selected invoice's detail, and actions."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.billing import (
    CreditNoteRequest,
    InvoiceDetail,
    LineCreate,
    PaymentCreate,
    RefundCreate,
    VoidRequest,
)
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.ui.dialogs.billing import GenerateDialog
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.dialogs.pay_link import ChargeCardDialog, PayLinkDialog
from studiosync_desktop.ui.documents import ask_save_path
from studiosync_desktop.ui.forms import Field
from studiosync_desktop.ui.invoice_forms import (
    CREDIT_NOTE_FIELDS,
    LINE_FIELDS,
    VOID_FIELDS,
    RefundChoice,
    payment_fields,
    refund_fields,
)
from studiosync_desktop.ui.invoice_words import as_row, change_line
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import (
    ALERT,
    CENTER,
    Column,
    RowStyle,
    money,
    money_column,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab

STATUS_FILTERS = (
    ("All invoices", None),
    ("Overdue", "overdue"),
    ("Draft", "draft"),
    ("Sent", "sent"),
    ("Partly paid", "partial"),
    ("Paid", "paid"),
    ("Void", "void"),
)
PAYER_FILTERS = (
    ("Every payer", None),
    ("Families", "family"),
    ("Bands", "band"),
    ("Students", "student"),
)
# (name, label, shortcut): every action has a key, shown on its button's tooltip.
ACTIONS = (
    ("generate", "&Generate…", "Ctrl+G"),
    ("add_line", "Add &line…", "Ctrl+L"),
    ("send", "&Send", "Ctrl+E"),
    ("pay", "Record &payment…", "Ctrl+M"),
    ("pay_link", "Pay by lin&k…", "Ctrl+K"),
    ("charge", "Charge card…", "Ctrl+Shift+K"),
    ("credit", "Apply &credit", "Ctrl+Shift+C"),
    ("refund", "&Refund…", "Ctrl+Shift+R"),
    ("credit_note", "Credit &note…", "Ctrl+Shift+E"),
    ("void", "&Void…", "Ctrl+Shift+V"),
    ("print", "Pr&int…", "Ctrl+P"),
    ("receipt", "Receip&t…", "Ctrl+Shift+T"),
    ("statement", "Statement…", "Ctrl+Shift+S"),
    ("aging", "Aging report…", "Ctrl+Shift+A"),
    ("day_close", "Day close…", "Ctrl+Shift+D"),
    ("print_month", "Print month…", "Ctrl+Shift+M"),
)


def period_choices(today: date) -> list[tuple[str, tuple[date, date] | None]]:
    """The period filter: by issue date (drafts by their billing period)."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return [
        ("Any time", None),
        ("This month", (this_month, today + timedelta(days=31))),
        ("Last month", (last_month, this_month - timedelta(days=1))),
        ("Last 3 months", ((this_month - timedelta(days=62)).replace(day=1), today)),
        ("This year", (today.replace(month=1, day=1), today.replace(month=12, day=31))),
        ("Last year", (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
    ]


def invoice_status(row: InvoiceRow | InvoiceDetail) -> str:
    if row.is_overdue:
        return "Overdue"
    return "Partly paid" if row.status == "partial" else words(row.status)


def _invoice_style(row: InvoiceRow) -> RowStyle | None:
    return RowStyle(foreground=ALERT, bold=True) if row.is_overdue else None


def detail_html(
    d: InvoiceDetail, local: Callable[[datetime], datetime], stripe_notes: tuple[str, ...] = ()
) -> str:
    """The detail pane: who, when, lines, totals, payments and history, as simple HTML; above
    them what is waiting for Stripe on this invoice. `local` puts a moment in the studio's
    time zone (a payment taken at 21:29 in Chicago is not the next day's)."""
    e = html.escape
    title = d.number or "Draft"
    if d.credit_note_for:
        title += f" (credit note for {e(d.credit_note_for)})"
    status = invoice_status(d)
    colour = "#d32f2f" if d.is_overdue else "inherit"
    parts = [
        f"<h2 style='margin:0'>{e(title)}</h2>",
        f"<p><b style='color:{colour}'>{e(status)}</b> &middot; {e(d.payer.name)} "
        f"({e(d.payer.kind)})<br>",
    ]
    if d.issue_date:
        parts.append(f"Issued {d.issue_date:%b %-d, %Y}, due {d.due_date:%b %-d, %Y}<br>")
    if d.period_start and d.period_end:
        parts.append(f"Period {d.period_start:%b %-d} to {d.period_end:%b %-d, %Y}")
    parts.append("</p>")
    if d.void_reason:
        parts.append(f"<p><b>Void:</b> {e(d.void_reason)}</p>")
    for note in stripe_notes:
        parts.append(f"<p style='background:#ffe08a;color:#3a2c00'>{e(note)}</p>")
    rows = "".join(
        f"<tr><td>{e(li.description)}</td><td align=right>{li.quantity}</td>"
        f"<td align=right>{money(li.unit_price)}</td><td align=right>{money(li.total)}</td></tr>"
        for li in d.lines
    )
    parts.append(
        "<table width=100% cellspacing=0 cellpadding=3>"
        "<tr><th align=left>Line</th><th align=right>Qty</th><th align=right>Price</th>"
        f"<th align=right>Amount</th></tr>{rows or '<tr><td>No lines yet.</td></tr>'}</table>"
    )
    totals = [("Subtotal", d.subtotal)]
    if d.discount:
        totals.append(("Discount", -d.discount))
    if d.tax or d.tax_rate_percent:
        totals.append((f"Tax ({d.tax_rate_percent.normalize()}%)", d.tax))
    if d.late_fee:
        totals.append(("Late fee", d.late_fee))
    totals += [("Total", d.total), ("Paid", d.amount_paid), ("Balance due", d.balance)]
    parts.append("<table width=100% cellspacing=0 cellpadding=2>")
    for label, value in totals:
        bold = label in ("Total", "Balance due")
        cell = f"<b>{money(value)}</b>" if bold else money(value)
        parts.append(f"<tr><td align=right width=80%>{label}</td><td align=right>{cell}</td></tr>")
    parts.append("</table>")
    if d.account_credit:
        parts.append(f"<p>Account credit available: <b>{money(d.account_credit)}</b></p>")
    if d.payments:
        parts.append("<h3>Payments</h3><table width=100% cellpadding=2>")
        for p in d.payments:
            when = f"{local(p.processed_at):%b %-d, %Y}" if p.processed_at else ""
            refund = f" (refunded {money(p.refunded_amount)})" if p.refunded_amount else ""
            parts.append(
                f"<tr><td>{when}</td><td>{e(words(p.method))}</td><td>{e(words(p.status))}"
                f"{refund}</td><td>{e(p.processed_by)}</td>"
                f"<td align=right>{money(p.amount)}</td></tr>"
            )
        parts.append("</table>")
    if d.events:
        parts.append("<h3>History</h3><ul style='margin-left:-20px'>")
        for ev in d.events:
            parts.append(
                f"<li>{local(ev.at):%b %-d, %Y %H:%M}: {e(words(ev.kind))}: {e(ev.detail)}"
                f"{' (' + e(ev.actor_name) + ')' if ev.actor_name else ''}</li>"
            )
        parts.append("</ul>")
    return "".join(parts)


class InvoicesTab(DataTab):
    uses = ("billing", "invoicing", "payments", "statement_mail", "statements", "stripe")
    key = "invoices"
    title = "Invoices"
    noun = ("invoice", "invoices")
    empty_text = "No invoices to show."
    select_first = True  # its detail shows
    # The detail pane now shows this InvoiceDetail (tests and screenshots wait on it).
    detail_shown = Signal(object)

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        columns: list[Column[InvoiceRow]] = [
            Column("Number", lambda r: r.number or "Draft", width=126),
            Column("Payer", lambda r: r.payer_name, width=150),
            Column("Billed to", lambda r: r.payer_kind, CENTER, words, width=70),
            Column("Status", invoice_status, CENTER, width=86),
            Column("Issued", lambda r: r.issue_date, width=98),
            Column("Due", lambda r: r.due_date, width=98),
            money_column("Total", lambda r: r.total, width=78),
            money_column("Paid", lambda r: r.amount_paid, width=78),
            money_column("Balance", lambda r: r.balance, width=78),
        ]
        super().__init__(context, columns, _invoice_style, parent)
        self.detail: InvoiceDetail | None = None
        self._changing: InvoiceDetail | None = None  # the invoice as it was before an action
        self.status_filter = QComboBox(self)
        for text, value in STATUS_FILTERS:
            self.status_filter.addItem(text, value)
        self.payer_filter = QComboBox(self)
        for text, value in PAYER_FILTERS:
            self.payer_filter.addItem(text, value)
        self.period_filter = QComboBox(self)
        for text, period in period_choices(self.clock.today()):
            self.period_filter.addItem(text, period)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Number or payer (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        label = QLabel("&Show:", self)
        label.setBuddy(self.status_filter)
        payer_label = QLabel("Pa&yer:", self)
        payer_label.setBuddy(self.payer_filter)
        search_label = QLabel("Fin&d:", self)
        search_label.setBuddy(self.search)
        period_label = QLabel("Pe&riod:", self)
        period_label.setBuddy(self.period_filter)
        for w in (
            label,
            self.status_filter,
            payer_label,
            self.payer_filter,
            period_label,
            self.period_filter,
            search_label,
        ):
            self.toolbar.addWidget(w)
        self.toolbar.addWidget(self.search)
        self.toolbar.addStretch(1)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.payer_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.period_filter.currentIndexChanged.connect(lambda _i: self.reload())
        # Typing is debounced: one query when the receptionist pauses, not one per key.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.installEventFilter(self)  # Down: into the list

        # The detail pane beside the list, with the actions under it.
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml("<p>Select an invoice to see its lines, payments and history.</p>")
        self.buttons: dict[str, QPushButton] = {}
        pane = QWidget(self)
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(self.browser, 1)
        rows = [QHBoxLayout() for _ in range((len(ACTIONS) + 2) // 3)]
        for i, (name, text, keys) in enumerate(ACTIONS):
            button = QPushButton(text, pane)
            button.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys})")
            button.clicked.connect(getattr(self, f"do_{name}"))
            self.buttons[name] = button
            rows[i // 3].addWidget(button)
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(getattr(self, f"do_{name}"))
        for row in rows:
            pane_layout.addLayout(row)
        self.add_pane(pane, "beside", (3, 2)).setSizes([900, 380])
        self.table.selectionModel().currentRowChanged.connect(lambda _cur, _prev: self._select())
        self._enable()

    # --- loading ------------------------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        service, actor = self.services.billing, self.actor
        status = self.status_filter.currentData()
        payer_kind = self.payer_filter.currentData()
        search = self.search.text()
        start, end = self.period_filter.currentData() or (None, None)
        return lambda: service.invoices(
            actor,
            cursor=cursor,
            status=status,
            search=search,
            payer_kind=payer_kind,
            issued_from=start,
            issued_to=end,
        )

    def focus_widget(self) -> QWidget:
        return self.search  # type to find, then the tab's keys act on the first found

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search box: the keys go to the list, on the invoice shown."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount()
        ):
            self.table.setFocus()
            return True
        return super().eventFilter(watched, event)

    def selected_row(self) -> InvoiceRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        row: InvoiceRow = self.model.rows[index.row()]
        return row

    def _select(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.show_detail(row.id)

    def show_detail(self, invoice_id: Any, ask_stripe: bool = True) -> None:
        service, stripe, actor = self.services.invoicing, self.services.stripe, self.actor
        self.runner.run(
            lambda: (service.detail(actor, invoice_id), stripe.pending(actor, invoice_id)),
            on_done=lambda shown: self._detail_loaded(shown[0], shown[1], ask_stripe=ask_stripe),
            on_error=lambda e: self.presenter.present(e, parent=self),
            key=f"invoice-detail:{id(self)}",
        )

    def _detail_loaded(
        self, d: InvoiceDetail, stripe_notes: tuple[str, ...] = (), ask_stripe: bool = False
    ) -> None:
        before, self._changing = self._changing, None
        if before is not None and before.id == d.id:  # after an action: say what it did
            self._keep_row(d)
            self.say(change_line(before, d))
        self.detail = d
        self.browser.setHtml(detail_html(d, self.clock.local, stripe_notes))
        self._enable()
        self.detail_shown.emit(d)
        if stripe_notes and ask_stripe:
            self.settle_stripe(d.id)

    def settle_stripe(self, invoice_id: Any = None) -> None:
        """Asks Stripe about what was left open (on this invoice, or the studio's at start-up)
        and says what it settled; nothing is said when Stripe cannot be asked (the detail
        keeps saying what is waiting)."""
        stripe, actor = self.services.stripe, self.actor
        self.runner.run(
            lambda: stripe.reconcile(actor, invoice_id),
            on_done=self._stripe_settled,
            on_error=lambda e: self.presenter.present(e, parent=self),
            key=f"stripe-settle:{id(self)}:{invoice_id}",
        )

    def _stripe_settled(self, check: Any) -> None:
        if not check.settled:
            return
        self.say(" ".join(check.settled))
        if self.detail is not None:
            self.show_detail(self.detail.id, ask_stripe=False)
        self.refresh()

    def say(self, text: str) -> None:
        """One line in the window's status bar that stays a little while."""
        top = self.window()
        if isinstance(top, QMainWindow):
            top.statusBar().showMessage(text, 20000)

    def _enable(self) -> None:
        d = self.detail
        draft = d is not None and d.status == "draft"
        open_ = d is not None and d.status in ("sent", "partial")
        issued = d is not None and d.status in ("sent", "partial", "paid")
        refundable = d is not None and any(p.refundable > 0 for p in d.payments)
        state = {
            "generate": True,
            "add_line": draft,
            "send": draft,
            "pay": open_,
            "pay_link": open_,
            "charge": open_,
            "credit": open_ and d is not None and d.account_credit > 0,
            "refund": refundable,
            "credit_note": issued and d is not None and d.credit_note_for is None,
            "void": issued and d is not None and d.amount_paid == 0,
            "print": d is not None,
            "receipt": d is not None and any(p.status != "failed" for p in d.payments),
            "statement": d is not None,
            "aging": True,
            "day_close": True,
            "print_month": True,
        }
        for name, button in self.buttons.items():
            button.setEnabled(state[name])

    def _after_change(self, _result: Any = None) -> None:
        """Reads the invoice again after an action changed it: its row changes where it is
        (a paid invoice stays in the "Sent" list, selected, until the next search) and the
        status bar says what was done and the balance left."""
        if self.detail is None:
            self.refresh()
            return
        self._changing = self.detail
        self.show_detail(self.detail.id)

    def _after_new_invoice(self, _result: Any = None) -> None:
        """A credit note is an invoice of its own: the list is read again, this one kept."""
        self._after_change()
        self.refresh()

    def _keep_row(self, d: InvoiceDetail) -> None:
        row = self.model.row_of(d.id, self.row_key)
        if row >= 0:
            self.model.update_row(row, as_row(d))

    def _run(self, call: Callable[[], Any], then: Callable[[Any], None] | None = None) -> None:
        self.runner.run(
            call,
            on_done=then or self._after_change,
            on_error=lambda e: self.presenter.present(e, parent=self),
            key=f"invoice-action:{id(self)}",
        )

    def _form(
        self,
        title: str,
        schema: type[BaseModel],
        fields: Sequence[Field],
        submit: Callable[[Any], Callable[[], Any]],
        then: Callable[[Any], None] | None = None,
        intro: str = "",
        ok_text: str = "",
    ) -> None:
        dialog = FormDialog(title, schema, self.runner, self.presenter, self, ok_text=ok_text)
        dialog.setMinimumWidth(480)
        dialog.set_intro(intro)
        dialog.form.add_fields(fields)
        dialog.form.save = lambda data: submit(data)()
        dialog.saved.connect(then or self._after_change)
        self.open_dialog(dialog)

    def open_dialog(self, dialog: Any) -> None:
        """Shows a dialog (window-modal); tests replace this to drive dialogs themselves."""
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()

    # --- actions ------------------------------------------------------------------------

    def do_generate(self) -> None:
        inv, actor = self.services.invoicing, self.actor
        self._run(lambda: inv.default_month(actor), self._open_generate)

    def _open_generate(self, month: Any) -> None:
        inv, actor = self.services.invoicing, self.actor
        dialog = GenerateDialog(
            lambda m: lambda: inv.preview_month(actor, m),
            lambda m: lambda: inv.generate_month(actor, m),
            month,
            self.runner,
            self.presenter,
            self,
        )
        dialog.generated.connect(self._generated)
        self.open_dialog(dialog)

    def _generated(self, result: Any) -> None:
        self.summary.setText(result.describe())
        self.status_filter.setCurrentIndex(self.status_filter.findData("draft"))
        self.reload()

    def do_add_line(self) -> None:
        d = self.detail
        if d is None or d.status != "draft":
            return
        inv, actor = self.services.invoicing, self.actor
        self._form(
            f"Add a line to the draft for {d.payer.name}",
            LineCreate,
            LINE_FIELDS,
            lambda data: lambda: inv.add_line(actor, d.id, data),
            ok_text="Add line",
        )

    def do_send(self) -> None:
        d = self.detail
        if d is None or d.status != "draft":
            return
        inv, actor = self.services.invoicing, self.actor
        self._run(lambda: inv.issue(actor, d.id))

    def do_pay(self) -> None:
        d = self.detail
        if d is None or d.status not in ("sent", "partial"):
            self._says_why_not(d, "take a payment")
            return
        pay, actor = self.services.payments, self.actor
        self._form(
            f"Record a payment on {d.number}",
            PaymentCreate,
            payment_fields(d),
            lambda data: lambda: pay.record(actor, d.id, data),
            intro=f"{d.payer.name} owes {money(d.balance)} {d.currency} on {d.number}.",
            ok_text="Record payment",
        )

    def do_pay_link(self) -> None:
        d = self.detail
        if d is None or d.status not in ("sent", "partial"):
            self._says_why_not(d, "be paid by link")
            return
        stripe, actor = self.services.stripe, self.actor
        dialog = PayLinkDialog(
            f"Pay {d.number} online",
            f"{d.payer.name} can scan this code with a phone to pay the balance due, "
            f"{money(d.balance)} {d.currency}, by card. The payment is recorded here by itself.",
            lambda: stripe.create_pay_link(actor, d.id),
            lambda link: lambda: stripe.poll_pay_link(actor, d.id, link.session_id),
            lambda r: None if r.status == "open" else r.status,
            self.runner,
            self.presenter,
            self,
        )
        dialog.finished_with.connect(lambda _o: self._after_change())
        self.open_dialog(dialog)

    def _says_why_not(self, d: InvoiceDetail | None, what: str) -> None:
        """A key pressed on an invoice that cannot take it: a line says why (not silence)."""
        if d is None:
            self.say("Choose an invoice first: type its number or payer, then Down.")
        elif d.status == "draft":
            self.say(f"The draft for {d.payer.name} cannot {what}: send it first (Ctrl+E).")
        else:
            self.say(f"{d.number} is {invoice_status(d).lower()}: it cannot {what}.")

    def do_charge(self) -> None:
        d = self.detail
        if d is None or d.status not in ("sent", "partial"):
            return
        stripe, actor = self.services.stripe, self.actor
        dialog = ChargeCardDialog(
            f"{money(d.balance)} {d.currency}",
            lambda: stripe.cards(actor, d.payer),
            lambda card: lambda: stripe.charge_card(actor, d.id, card),
            self.save_card,
            self.runner,
            self.presenter,
            self,
        )
        dialog.charged.connect(lambda result: self.say(result.sentence))
        # Charged, or left waiting for Stripe: the detail says which once the dialog closes.
        dialog.finished.connect(lambda _result: self._after_change())
        self.open_dialog(dialog)

    def save_card(self) -> None:
        d = self.detail
        if d is None:
            return
        stripe, actor, payer = self.services.stripe, self.actor, d.payer
        dialog = PayLinkDialog(
            f"Save a card for {payer.name}",
            "Scan this code with a phone to save a card with Stripe. The studio keeps only "
            "the card's brand and last four digits; Stripe keeps the card.",
            lambda: stripe.create_card_setup(actor, payer),
            lambda link: lambda: stripe.finish_card_setup(actor, payer, link.session_id),
            lambda card: None if card is None else "saved",
            self.runner,
            self.presenter,
            self,
        )
        self.open_dialog(dialog)

    def do_credit(self) -> None:
        d = self.detail
        if d is None or not d.account_credit:
            return
        pay, actor = self.services.payments, self.actor
        self._run(lambda: pay.apply_credit(actor, d.id))

    def do_refund(self) -> None:
        d = self.detail
        if d is None:
            return
        payments = [p for p in d.payments if p.refundable > 0]
        if not payments:
            return
        pay, stripe, actor = self.services.payments, self.services.stripe, self.actor
        # Stripe payments are refunded through Stripe's Refund API.
        stripe_ids = {p.id: p.method == "stripe" for p in payments}
        self._form(
            f"Refund a payment on {d.number}",
            RefundChoice,
            refund_fields(payments, self.actor.timezone),
            lambda data: (
                lambda: (stripe.refund if stripe_ids.get(data.payment_id) else pay.refund)(
                    actor, data.payment_id, RefundCreate(amount=data.amount, reason=data.reason)
                )
            ),
            ok_text="Refund",
        )

    def do_credit_note(self) -> None:
        d = self.detail
        if d is None or d.status not in ("sent", "partial", "paid"):
            return
        inv, actor = self.services.invoicing, self.actor
        self._form(
            f"Credit note for {d.number}",
            CreditNoteRequest,
            CREDIT_NOTE_FIELDS,
            lambda data: lambda: inv.credit_note(actor, d.id, data),
            then=self._after_new_invoice,
            intro="A credit note is a negative invoice referring to this one. It settles the "
            "balance first; anything left becomes account credit.",
            ok_text="Issue credit note",
        )

    def do_void(self) -> None:
        d = self.detail
        if d is None or d.status not in ("sent", "partial", "paid"):
            return
        inv, actor = self.services.invoicing, self.actor
        self._form(
            f"Void {d.number}",
            VoidRequest,
            VOID_FIELDS,
            lambda data: lambda: inv.void(actor, d.id, data),
            intro=f"{d.number} keeps its number and its lessons can be billed again.",
            ok_text="Void invoice",
        )

    def _save_as(self, title: str, name: str, render: Callable[[], bytes]) -> None:
        """Asks where to save, then renders off the GUI thread (the render reads the data)."""
        path = ask_save_path(self, title, name, "PDF (*.pdf)")
        if path:
            self.write_pdf(path, render)

    def write_pdf(self, path: Path, render: Callable[[], bytes]) -> None:
        def work() -> Path:
            path.write_bytes(render())
            return path

        self._run(work, lambda p: self.summary.setText(f"Saved {p}"))

    def do_receipt(self) -> None:
        d = self.detail
        paid = [p for p in d.payments if p.status != "failed"] if d else []
        if d is None or not paid:
            return
        inv, actor, payment = self.services.invoicing, self.actor, paid[-1]
        from studiosync_desktop.reports.receipt_pdf import render_receipt

        self._save_as(
            "Save receipt PDF",
            f"receipt-{d.number}.pdf",
            lambda: render_receipt(inv.letterhead(actor), inv.detail(actor, d.id), payment.id),
        )

    def do_statement(self) -> None:
        d = self.detail
        if d is None:
            return
        inv, st, actor, payer = (
            self.services.invoicing,
            self.services.statements,
            self.actor,
            d.payer,
        )
        from studiosync_desktop.reports.statement_pdf import render_statement
        from studiosync_desktop.ui.dialogs.statement import StatementDialog

        def save() -> None:
            self._save_as(
                "Save statement PDF",
                f"statement-{payer.name}.pdf",
                lambda: render_statement(inv.letterhead(actor), st.statement(actor, payer)),
            )

        self.statement_dialog = StatementDialog(
            self.services, actor, payer, self.runner, self.presenter, save, self
        )
        self.open_dialog(self.statement_dialog)

    def do_aging(self) -> None:
        inv, st, actor = self.services.invoicing, self.services.statements, self.actor
        from studiosync_desktop.reports.statement_pdf import render_aging

        self._save_as(
            "Save aging report PDF",
            "aging-report.pdf",
            lambda: render_aging(inv.letterhead(actor), st.aging_report(actor)),
        )

    def do_day_close(self) -> None:
        inv, pay, actor = self.services.invoicing, self.services.payments, self.actor
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from studiosync_desktop.reports.day_close_pdf import render_day_close

        def render() -> bytes:
            head = inv.letterhead(actor)
            today = datetime.now(ZoneInfo(head.timezone)).date()
            return render_day_close(head, pay.day_close(actor, today))

        self._save_as("Save day close PDF", "day-close.pdf", render)

    def do_print_month(self) -> None:
        """Every invoice issued in the month the person picks (this month first), in one PDF:
        the print preview, or saved where the person says on a PC without a printer."""
        from studiosync_desktop.ui.dialogs.billing import MonthDialog
        from studiosync_desktop.ui.printing import has_printer, print_pdf

        inv, actor = self.services.invoicing, self.actor

        def chosen(month: date) -> None:
            from studiosync_desktop.reports.invoice_pdf import render_invoices

            def render() -> bytes:
                return render_invoices(inv.letterhead(actor), inv.month_details(actor, month))

            if has_printer():
                self._run(render, lambda pdf: self.say(print_pdf(self, pdf, "invoice")))
            else:
                title = f"Save the invoices of {month:%B %Y}"
                self._save_as(title, f"invoices-{month:%Y-%m}.pdf", render)

        dialog = MonthDialog(self.clock.today(), self)
        dialog.accepted.connect(lambda: chosen(dialog.chosen()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def do_print(self) -> None:
        """The invoice in the print preview (or saved, on a PC without a printer)."""
        if (d := self.detail) is not None:
            inv, actor = self.services.invoicing, self.actor
            from studiosync_desktop.reports.invoice_pdf import render_invoice
            from studiosync_desktop.ui.printing import print_or_save

            name = f"{d.number or 'draft'}.pdf"
            pdf = lambda: render_invoice(inv.letterhead(actor), d)  # noqa: E731
            self._run(pdf, lambda data: self.say(print_or_save(self, data, "invoice", name)))
