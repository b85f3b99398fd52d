"""Inventory dialogs: add or edit an item, lend it, take it back."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QLineEdit, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.inventory import (
    CheckoutRequest,
    CheckoutRow,
    ItemDetail,
    ItemForm,
    ReturnForm,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import PersonPicker
from studiosync_desktop.vocabulary import ITEM_CATEGORIES, ITEM_CONDITIONS


class ItemDialog(FormDialog):
    """Add (item None) or edit an item; on edit the available quantity follows the quantity."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        item: ItemDetail | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = "New item" if item is None else f"Edit {item.name}"
        super().__init__(title, ItemForm, runner, presenter, parent)
        f = item.as_form() if item is not None else ItemForm(name="x")
        if item is not None:
            self.set_intro(
                f"{item.available_quantity} of {item.quantity} available"
                + (f", {item.lent_out} lent out or held." if item.lent_out else ".")
            )
        self.name = self.form.text("name", "&Name", "" if item is None else f.name)
        self.form.choice("category", "&Category", ITEM_CATEGORIES, f.category)
        self.form.number("quantity", "&Quantity", f.quantity)
        if item is None:
            available = QLineEdit(self)
            available.setPlaceholderText("same as quantity")
            self.form.add(
                "available_quantity",
                "&Available",
                available,
                lambda: available.text().strip() or None,
            )
        self.form.number("low_stock_threshold", "Low-stock &threshold", f.low_stock_threshold)
        self.form.choice("condition", "C&ondition", ITEM_CONDITIONS, f.condition)
        self.form.choice("status", "&Status", ("available", "maintenance", "retired"), f.status)
        self.form.text("location", "&Location", f.location)
        self.form.money("value", "&Value (each)", f.value)
        self.form.text("serial_number", "Serial / &asset no.", f.serial_number, "scan or type")
        self.form.flag(
            "is_borrowable", "", f.is_borrowable, "&Borrowable (students may take it home)"
        )
        self.form.number("max_checkout_days", "Lend for (&days)", f.max_checkout_days, 1, 365)
        self.form.day("purchase_date", "&Purchased", f.purchase_date)
        self.form.day("last_maintenance", "Last &maintenance", f.last_maintenance)
        self.form.notes("notes", "Notes", f.notes)
        inventory = services.inventory
        if item is None:
            self.form.save = lambda form: inventory.create_item(actor, form)
        else:
            item_id = item.id
            self.form.save = lambda form: inventory.update_item(actor, item_id, form)
        self.name.setFocus()


class LendDialog(FormDialog):
    """Lend an item (or record a request): borrower picked by typing a name or email."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        item: ItemDetail,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Lend {item.name}", CheckoutRequest, runner, presenter, parent)
        self.set_intro(
            f"{item.available_quantity} of {item.quantity} available · "
            f"serial {item.serial_number or '-'} · lent for up to {item.max_checkout_days} days"
        )
        self.form.extra = {"item_id": item.id}
        inventory = services.inventory
        self.borrower = PersonPicker(
            runner,
            presenter,
            lambda typed: inventory.borrowers(actor, typed),
            lambda p: f"{p.name}  ·  {p.email}  ({p.role})",
            self,
        )
        self.form.add("borrower_id", "&Borrower", self.borrower, self.borrower.person_id)
        self.quantity = self.form.number("quantity", "&Quantity", 1, 0, max(item.quantity, 1))
        self.form.calendar_day(
            "due_date", "&Due back", today + timedelta(days=item.max_checkout_days)
        )
        self.form.choice("condition_out", "&Condition out", ITEM_CONDITIONS, item.condition)
        self.form.notes("notes", "Notes", "")
        self.approve_now = self.form.flag(
            "approve_now", "", True, "&Hand it over now (approved); untick to record a request"
        )
        self.form.save = lambda form: inventory.request(actor, form)
        self.borrower.setFocus()


class ReturnDialog(FormDialog):
    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        checkout: CheckoutRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Return {checkout.item_name}", ReturnForm, runner, presenter, parent)
        late = " (overdue)" if checkout.is_overdue else ""
        self.set_intro(
            f"{checkout.quantity} x {checkout.item_name} from {checkout.borrower_name}, "
            f"due {checkout.due_date:%d %b %Y}{late}."
            if checkout.due_date
            else f"{checkout.quantity} x {checkout.item_name} from {checkout.borrower_name}."
        )
        # As it left: Enter keeps an excellent violin excellent.
        self.form.choice("condition_in", "&Condition now", ITEM_CONDITIONS, checkout.condition_out)
        self.form.notes("return_notes", "&Notes", "")
        self.form.flag(
            "to_maintenance", "", False, "Send to &maintenance (repair before lending again)"
        )
        inventory = services.inventory
        checkout_id = checkout.id
        self.form.save = lambda form: inventory.return_item(actor, checkout_id, form)
