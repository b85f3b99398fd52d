"""Inventory tab: items (filters, search, barcode scan) over the open checkouts, with actions.

A barcode scanner types like a keyboard and ends with Enter: Enter in the search field first
asks for the item whose serial / asset number is exactly the text, and opens it at once; if
there is none, the typed text is an ordinary search.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor, Page
from studiosync_desktop.schemas.inventory import (
    CheckoutRow,
    InventoryTotals,
    ItemDetail,
    ItemFilters,
    ItemLabel,
)
from studiosync_desktop.schemas.rows import ItemRow
from studiosync_desktop.ui.dialogs.inventory import ItemDialog, LendDialog, ReturnDialog
from studiosync_desktop.ui.documents import open_with_system, save_document, tell_saved
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import (
    ALERT,
    CENTER,
    RIGHT,
    WARN_BG,
    Column,
    RowStyle,
    RowTableModel,
    money,
    money_column,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab, pane
from studiosync_desktop.ui.tabs.roster import SEARCH_DEBOUNCE_MS
from studiosync_desktop.ui.widgets import RowTableView, status_line
from studiosync_desktop.vocabulary import ITEM_CATEGORIES, ITEM_CONDITIONS, ITEM_STATUSES

CHECKOUT_VIEWS = (
    ("open", "Pending, overdue and out"),
    ("pending", "Pending requests"),
    ("overdue", "Overdue"),
    ("out", "Out on loan"),
    ("all", "All checkouts"),
)

# A checkout slip's paper: the studio's full page (by its locale) or the receipt roll.
SlipPage = Literal["a4", "letter", "receipt"]


def _item_style(row: ItemRow) -> RowStyle | None:
    return RowStyle(background=WARN_BG) if row.is_low_stock else None


def lending_words(row: ItemRow) -> str:
    """The Lending column: whether Lend works on this item now, in a word or two."""
    if row.status == "retired":
        return "Retired"
    if row.status == "maintenance":
        return "In repair"
    if not row.is_borrowable:
        return "Stays here"
    return "All out" if row.available_quantity <= 0 else "Can lend"


def _checkout_style(row: CheckoutRow) -> RowStyle | None:
    if row.is_overdue:
        return RowStyle(foreground=ALERT, bold=True)
    if row.status == "pending":
        return RowStyle(bold=True)
    return None


CHECKOUT_WORDS = {"pending": "Requested", "approved": "Out"}


def _checkout_status(row: CheckoutRow) -> str:
    if row.is_overdue:
        return "Overdue"
    return CHECKOUT_WORDS.get(row.status, words(row.status))


def _any(combo: QComboBox, label: str, values: tuple[str, ...]) -> None:
    combo.addItem(label, None)
    for v in values:
        combo.addItem(words(v), v)


def item_columns() -> list[Column[ItemRow]]:
    """The items list's columns; Lending says whether Lend works on the item now."""
    return [
        Column("Item", lambda r: r.name, width=220),
        Column("Category", lambda r: r.category, formatter=words, width=110),
        Column("Available", lambda r: f"{r.available_quantity} of {r.quantity}", RIGHT, width=90),
        Column("Stock", lambda r: "Low" if r.is_low_stock else "", CENTER, width=60),
        Column("Lending", lending_words, width=90),
        Column("Condition", lambda r: r.condition, formatter=words, width=110),
        Column("Status", lambda r: r.status, formatter=words, width=110),
        Column("Location", lambda r: r.location, width=150),
        Column("Serial number", lambda r: r.serial_number, width=130),
        money_column("Value", lambda r: r.value),
    ]


class InventoryTab(DataTab):
    uses = ("inventory",)
    key = "inventory"
    title = "Inventory"
    noun = ("item", "items")
    empty_text = "No items match."
    stretch_column = 0
    select_first = True

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        columns = item_columns()
        super().__init__(context, columns, _item_style, parent)
        self.studio_locale = "en_US"
        self.totals: InventoryTotals | None = None
        # Tests replace this: by default a PDF opens in the system's viewer (print from there).
        self.open_file: Callable[[Path], object] = open_with_system
        self.last_pdf: Path | None = None
        self._add_search_and_filters()
        actions = self._item_actions()
        self._add_checkout_table()
        self._lay_out(actions, self._checkout_bar())

    def _add_search_and_filters(self) -> None:
        """Search / scan and filters, in the toolbar."""
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search or scan: item, serial number, location  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(380)
        self.category = QComboBox(self)
        _any(self.category, "All categories", ITEM_CATEGORIES)
        self.status = QComboBox(self)
        _any(self.status, "Any status", ITEM_STATUSES)
        self.condition = QComboBox(self)
        _any(self.condition, "Any condition", ITEM_CONDITIONS)
        self.low_stock = QCheckBox("&Low stock", self)
        self.overdue = QCheckBox("O&verdue", self)
        for w in (self.search, self.category, self.status, self.condition):
            self.toolbar.addWidget(w)
        self.toolbar.addWidget(self.low_stock)
        self.toolbar.addWidget(self.overdue)
        self.toolbar.addStretch(1)
        for combo in (self.category, self.status, self.condition):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.low_stock.toggled.connect(lambda _on: self.reload())
        self.overdue.toggled.connect(lambda _on: self.reload())
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._scan_or_search)

    def _item_actions(self) -> QHBoxLayout:
        """The item buttons, above the items."""
        actions = QHBoxLayout()
        self.new_button = self.add_button(actions, "&New item", "Ctrl+N", self.new_item)
        self.edit_button = self.add_button(actions, "&Edit", "Ctrl+E", self.edit_item)
        self.lend_button = self.add_button(actions, "Len&d…", "Ctrl+L", self.lend)
        self.retire_button = self.add_button(actions, "Retire", "", self.retire)
        self.label_button = self.add_button(
            actions, "Print la&bel", "Ctrl+Shift+T", self.print_label
        )
        actions.addStretch(1)
        self._follow_lending()
        self.table.doubleClicked.connect(lambda _i: self.edit_item())
        self.table.activated.connect(lambda _i: self.edit_item())
        return actions

    def _add_checkout_table(self) -> None:
        """Checkouts, under the items."""
        self.checkout_model: RowTableModel[CheckoutRow] = RowTableModel(
            [
                Column("Status", _checkout_status, CENTER, width=90),
                Column("Item", lambda r: r.item_name, width=220),
                Column("Serial", lambda r: r.serial_number, width=110),
                Column("Borrower", lambda r: r.borrower_name, width=170),
                Column("Qty", lambda r: r.quantity, RIGHT, width=50),
                Column(
                    "Out since",
                    lambda r: (
                        self.clock.local(r.checkout_date).date()
                        if r.checkout_date and r.status != "pending"
                        else None
                    ),
                    width=110,
                ),
                Column("Due", lambda r: r.due_date, width=110),
                Column(
                    "Returned",
                    lambda r: self.clock.local(r.return_date).date() if r.return_date else None,
                    width=110,
                ),
            ],
            row_style=_checkout_style,
            parent=self,
        )
        self.checkout_table = RowTableView(self.checkout_model, self)  # type: ignore[arg-type]
        self.checkout_table.stretch(1)
        self.checkout_table.activated.connect(lambda _i: self.take_back_or_approve())

    def _checkout_bar(self) -> QHBoxLayout:
        """Which checkouts are shown and the buttons for them, above the checkouts."""
        self.checkout_view = QComboBox(self)
        for value, label in CHECKOUT_VIEWS:
            self.checkout_view.addItem(label, value)
        self.checkout_view.currentIndexChanged.connect(lambda _i: self.reload_checkouts())
        checkout_bar = QHBoxLayout()
        heading = QLabel("<b>Checkouts</b>", self)
        checkout_bar.addWidget(heading)
        checkout_bar.addWidget(self.checkout_view)
        self.approve_button = self.add_button(
            checkout_bar, "&Approve", "Ctrl+Shift+A", self.approve
        )
        self.reject_button = self.add_button(checkout_bar, "Re&ject", "", self.reject)
        self.return_button = self.add_button(checkout_bar, "&Return…", "Ctrl+R", self.take_back)
        self.slip_button = QToolButton(self)
        self.slip_button.setText("&Print slip")
        self.slip_button.setToolTip("Print the checkout slip (Ctrl+P); the arrow: receipt width")
        self.slip_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.slip_button)
        menu.addAction("Full page", lambda: self.print_slip(None))
        menu.addAction("Receipt width (80 mm)", lambda: self.print_slip("receipt"))
        self.slip_button.setMenu(menu)
        self.slip_button.clicked.connect(lambda: self.print_slip(None))
        checkout_bar.addWidget(self.slip_button)
        self.add_shortcut("Ctrl+P", lambda: self.print_slip(None))
        checkout_bar.addStretch(1)
        self.checkout_summary = QLabel(self)
        checkout_bar.addWidget(self.checkout_summary)
        return checkout_bar

    def _lay_out(self, actions: QHBoxLayout, checkout_bar: QHBoxLayout) -> None:
        """Items on top, checkouts below, the summary line at the bottom."""
        self.add_row(actions)
        self.add_pane(pane(self, checkout_bar, self.checkout_table), "below", (3, 2))

    # --- loading ----------------------------------------------------------------------------

    def filters(self) -> ItemFilters:
        return ItemFilters(
            search=self.search.text(),
            category=self.category.currentData(),
            status=self.status.currentData(),
            condition=self.condition.currentData(),
            low_stock=self.low_stock.isChecked(),
            overdue=self.overdue.isChecked(),
        )

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor, filters = self.services, self.actor, self.filters()
        view = self.checkout_view.currentData()
        first = cursor is None

        def work() -> tuple[Any, ...]:
            page = services.inventory.items(actor, cursor=cursor, filters=filters)
            if not first:
                return (page, None, None)
            return page, services.inventory.totals(actor), services.inventory.checkouts(actor, view)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        page, totals, checkouts = result
        if self.clock.info is not None:
            self.studio_locale = self.clock.info.settings.locale
        super().show_result(page, appended)
        if totals is not None:
            self.totals = totals
        if checkouts is not None:
            self._show_checkouts(checkouts)

    def reload_checkouts(self) -> None:
        service, actor = self.services.inventory, self.actor
        view = self.checkout_view.currentData()
        self.runner.run(
            lambda: service.checkouts(actor, view),
            on_done=self._show_checkouts,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"checkouts:{id(self)}",
        )

    def _show_checkouts(self, page: Page[CheckoutRow]) -> None:
        self.checkout_model.set_rows(page.rows)
        shown = len(page.rows)
        total = page.total if page.total is not None else shown
        more = f" (first {shown} shown)" if total > shown else ""
        self.checkout_summary.setText(f"{total:,} checkout{'s' if total != 1 else ''}{more}")
        self.checkout_table.show_overlay("" if shown else "No checkouts here.")

    def summary_text(self) -> str:
        t = self.totals
        if t is None:
            return super().summary_text()
        count = self._total if self._total is not None else self.model.rowCount()
        return (
            f"{count:,} of {t.items:,} items · {t.units:,} units, value {money(t.value)}"
            f" · {t.low_stock:,} low on stock · {t.needs_repair:,} need repair"
            f" · {t.pending:,} pending · {t.overdue:,} overdue · {t.out:,} out"
        )

    def focus_widget(self) -> QWidget:
        return self.search  # type to find, then the tab's keys act on the first found

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- scan -------------------------------------------------------------------------------

    def _scan_or_search(self) -> None:
        self._debounce.stop()
        code = self.search.text().strip()
        if not code:
            self.reload()
            return
        service, actor = self.services.inventory, self.actor
        self.runner.run(
            lambda: service.by_barcode(actor, code),
            on_done=lambda item: self._scanned(item),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"scan:{id(self)}",
        )

    def _scanned(self, item: ItemDetail | None) -> None:
        self.reload()  # the list shows what was typed either way
        if item is not None:
            self.open_item(item)

    # --- actions ----------------------------------------------------------------------------

    def selected_item(self) -> ItemRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def selected_checkout(self) -> CheckoutRow | None:
        index = self.checkout_table.currentIndex()
        return self.checkout_model.row_at(index.row()) if index.isValid() else None

    def _with_item(self, then: Callable[[ItemDetail], None]) -> None:
        row = self.selected_item()
        if row is None:
            self.presenter.shown.emit("message", "Choose an item first.")
            self.summary.setText("Choose an item first (arrow keys in the table).")
            return
        service, actor, item_id = self.services.inventory, self.actor, row.id
        self.runner.run(
            lambda: service.item(actor, item_id),
            on_done=then,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def new_item(self) -> None:
        dialog = ItemDialog(self.services, self.actor, self.runner, self.presenter, None, self)
        self.run_dialog(dialog)

    def edit_item(self) -> None:
        self._with_item(self.open_item)

    def open_item(self, item: ItemDetail) -> None:
        dialog = ItemDialog(self.services, self.actor, self.runner, self.presenter, item, self)
        self.run_dialog(dialog)

    def _follow_lending(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_lend())
        self.model.modelReset.connect(self._update_lend)
        self.model.dataChanged.connect(lambda *_a: self._update_lend())
        self._update_lend()

    def _update_lend(self) -> None:
        """Lend is offered for an item that can be lent; otherwise its tip says why not."""
        row = self.selected_item()
        refusal = row.lending_refusal if row is not None else ""
        self.lend_button.setEnabled(row is not None and not refusal)
        self.lend_button.setToolTip(refusal or "Lend the selected item (Ctrl+L)")

    def lend(self) -> None:
        row = self.selected_item()
        if row is not None and row.lending_refusal:  # Ctrl+L on an item that stays here
            self.summary.setText(row.lending_refusal)
            self.presenter.shown.emit("message", row.lending_refusal)
            return

        def open_lend(item: ItemDetail) -> None:
            dialog = LendDialog(
                self.services,
                self.actor,
                self.runner,
                self.presenter,
                item,
                self.clock.today(),
                self,
            )
            self.run_dialog(dialog, after=self._after_lend)

        self._with_item(open_lend)

    def _after_lend(self, row: CheckoutRow) -> None:
        due = (
            f", due back {row.due_date:%a} {row.due_date.day} {row.due_date:%b}"
            if row.due_date
            else ""
        )
        if row.status == "approved":
            status_line(
                self, f"Lent {row.item_name} to {row.borrower_name}{due}. Printing the slip…"
            )
            self.print_slip(None, row.id)
        else:
            status_line(self, f"Recorded {row.borrower_name}'s request for {row.item_name}.")

    def retire(self) -> None:
        row = self.selected_item()
        if row is None:
            return
        service, actor, item_id = self.services.inventory, self.actor, row.id
        self.runner.run(
            lambda: service.retire_item(actor, item_id),
            on_done=lambda _item: self.reload(),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def approve(self) -> None:
        self._checkout_action(lambda s, a, cid: s.approve(a, cid), print_after=True)

    def reject(self) -> None:
        row = self.selected_checkout()
        if row is None:
            return
        reason, ok = QInputDialog.getText(self, "Reject request", "Reason (optional):")
        if ok:
            self._checkout_action(lambda s, a, cid: s.reject(a, cid, reason))

    def take_back(self) -> None:
        """Ctrl+R: the checkout selected below, else the one open checkout of the item found
        above (scan the item, Ctrl+R, Enter)."""
        row = self.selected_checkout() or self._only_open_checkout()
        if row is None:
            self.summary.setText("Choose the checkout to return in the list below.")
            return
        dialog = ReturnDialog(self.services, self.actor, self.runner, self.presenter, row, self)
        self.run_dialog(dialog, after=self._returned)

    def _only_open_checkout(self) -> CheckoutRow | None:
        item = self.selected_item()
        if item is None:
            return None
        out = [
            c for c in self.checkout_model.rows if c.item_id == item.id and c.status == "approved"
        ]
        return out[0] if len(out) == 1 else None

    def _returned(self, row: CheckoutRow) -> None:
        status_line(self, f"Returned {row.item_name} from {row.borrower_name}.")

    def take_back_or_approve(self) -> None:
        row = self.selected_checkout()
        if row is not None and row.status == "pending":
            self.approve()
        elif row is not None and row.status == "approved":
            self.take_back()

    def _checkout_action(
        self, call: Callable[[Any, Actor, uuid.UUID], CheckoutRow], print_after: bool = False
    ) -> None:
        row = self.selected_checkout()
        if row is None:
            return
        service, actor, checkout_id = self.services.inventory, self.actor, row.id

        def done(result: CheckoutRow) -> None:
            self.reload()
            if print_after and result.status == "approved":
                self.print_slip(None, result.id)

        self.runner.run(
            lambda: call(service, actor, checkout_id),
            on_done=done,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _page(self) -> SlipPage:
        return "letter" if self.studio_locale in ("en_US", "en_CA", "es_MX") else "a4"

    def print_slip(self, page: SlipPage | None, checkout_id: uuid.UUID | None = None) -> None:
        if checkout_id is None:
            row = self.selected_checkout()
            if row is None:
                return
            checkout_id = row.id
        kind = page or self._page()
        service, actor, cid = self.services.inventory, self.actor, checkout_id

        def work() -> Path:
            # ReportLab loads on the first print, not at start-up.
            from studiosync_desktop.reports.checkout_slip import render_checkout_slip

            pdf = render_checkout_slip(service.slip(actor, cid), kind)
            return save_document(pdf, f"checkout-slip-{cid.hex[:8]}.pdf")

        self.runner.run(
            work,
            on_done=lambda path: self._print_or_open(path, kind),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _print_or_open(self, path: Path, kind: str) -> None:
        """The saved slip in the print preview (A4/Letter, or the till roll for a receipt);
        without a printer, opened in the PDF viewer with the folder's note."""
        from studiosync_desktop.ui.printing import has_printer, print_pdf

        if not has_printer():
            self._opened(path)
            return
        self.last_pdf = path
        said = print_pdf(self, path.read_bytes(), f"slip-{kind}")
        self.window().statusBar().showMessage(f"{said} Saved as {path}.", 15000)  # type: ignore[attr-defined]

    def print_label(self) -> None:
        row = self.selected_item()
        if row is None:
            return
        service, actor, item_id = self.services.inventory, self.actor, row.id

        def work() -> Path:
            return save_document(
                _render_label(service.label(actor, item_id)), f"label-{item_id.hex[:8]}.pdf"
            )

        self.runner.run(
            work,
            on_done=self._opened,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _opened(self, path: Path) -> None:
        self.last_pdf = path
        self.summary.setText(tell_saved(self, path, bool(self.open_file(path))))


def _render_label(label: ItemLabel) -> bytes:
    """ReportLab loads on the first print, not at start-up."""
    from studiosync_desktop.reports.item_label import render_item_label

    return render_item_label(label)
