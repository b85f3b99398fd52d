"""Inventory: the items list and totals, item add/edit/retire, barcode look-up, and lending.

Stock arithmetic never drifts: every change of `available_quantity` happens inside one
transaction that first locks the item row (SELECT ... FOR UPDATE, always the item before its
checkout, so two desks never lock in opposite orders), and the CHECK
`available_quantity BETWEEN 0 AND quantity` stops anything that would still slip through.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import CheckoutLog, InventoryItem, Studio, User
from studiosync_desktop.schemas.common import Actor, Page, parse_input
from studiosync_desktop.schemas.inventory import (
    CheckoutRequest,
    CheckoutRow,
    CheckoutSlip,
    CheckoutView,
    InventoryTotals,
    ItemDetail,
    ItemFilters,
    ItemForm,
    ItemLabel,
    PersonOption,
    ReturnForm,
    barcode_value,
)
from studiosync_desktop.schemas.rows import ItemRow
from studiosync_desktop.services.keyset_pager import (
    check_limit,
    date_key,
    id_key,
    int_key,
    read_page,
    text_key,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    contains_pattern,
    find_people,
    full_name,
    ilike_any,
    studio_settings,
    studio_today,
)
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import lending_refusal

UNAVAILABLE_STATUSES = ("maintenance", "retired")


def _available_text(n: int) -> str:
    return "None available" if n == 0 else f"Only {n} available"


class InventoryService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reads ----------------------------------------------------------------------------

    def items(
        self,
        actor: Actor,
        search: str = "",
        cursor: str | None = None,
        limit: int = 200,
        filters: ItemFilters | None = None,
    ) -> Page[ItemRow]:
        """Items by name; `search` matches name, serial number or location."""
        require(actor, "inventory")
        check_limit(limit)
        f = filters or ItemFilters()
        search = search or f.search
        query = select(
            InventoryItem.id,
            InventoryItem.name,
            InventoryItem.category,
            InventoryItem.quantity,
            InventoryItem.available_quantity,
            InventoryItem.condition,
            InventoryItem.status,
            InventoryItem.location,
            InventoryItem.serial_number,
            InventoryItem.value,
            (InventoryItem.available_quantity <= InventoryItem.low_stock_threshold).label(
                "is_low_stock"
            ),
            InventoryItem.is_borrowable,
        ).where(InventoryItem.studio_id == actor.studio_id)
        if search.strip():
            query = query.where(
                ilike_any(
                    contains_pattern(search),
                    InventoryItem.name,
                    InventoryItem.serial_number,
                    InventoryItem.location,
                )
            )
        if f.category:
            query = query.where(InventoryItem.category == f.category)
        if f.status:
            query = query.where(InventoryItem.status == f.status)
        if f.condition:
            query = query.where(InventoryItem.condition == f.condition)
        if f.low_stock:
            query = query.where(
                InventoryItem.available_quantity <= InventoryItem.low_stock_threshold
            )
        with self._db.read_session() as s:
            if f.overdue:
                today = studio_today(s, actor)
                query = query.where(
                    select(CheckoutLog.id)
                    .where(
                        CheckoutLog.item_id == InventoryItem.id,
                        CheckoutLog.status == "approved",
                        CheckoutLog.due_date < today,
                    )
                    .exists()
                )
            return read_page(
                s,
                query,
                (text_key(InventoryItem.name), id_key(InventoryItem.id)),
                cursor,
                limit,
                lambda r: ItemRow.model_validate(r, from_attributes=True),
            )

    def item(self, actor: Actor, item_id: uuid.UUID) -> ItemDetail:
        require(actor, "inventory")
        with self._db.read_session() as s:
            return self._detail(self._get(s, actor, item_id))

    def by_barcode(self, actor: Actor, code: str) -> ItemDetail | None:
        """The item whose serial (asset) number is exactly `code`, as a scanner types it."""
        require(actor, "inventory")
        code = code.strip()
        if not code:
            return None
        with self._db.read_session() as s:
            item = s.scalars(
                select(InventoryItem)
                .where(
                    InventoryItem.studio_id == actor.studio_id,
                    InventoryItem.serial_number == code,
                )
                .order_by(InventoryItem.created_at)
                .limit(1)
            ).first()
            if item is None and code.upper().startswith("ITEM-") and len(code) == 15:
                # A label of an item without serial number carries the first 10 hex digits of
                # its id: a range on the primary key finds it.
                hex10 = code[5:].lower()
                try:
                    low, high = uuid.UUID(hex10 + "0" * 22), uuid.UUID(hex10 + "f" * 22)
                except ValueError:
                    return None
                item = s.scalars(
                    select(InventoryItem)
                    .where(
                        InventoryItem.studio_id == actor.studio_id,
                        InventoryItem.id.between(low, high),
                    )
                    .limit(1)
                ).first()
            return None if item is None else self._detail(item)

    def totals(self, actor: Actor) -> InventoryTotals:
        """Items, units, value (value x quantity), low stock, needs repair, and the lending."""
        require(actor, "inventory")
        with self._db.read_session() as s:
            today = studio_today(s, actor)
            i = s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(InventoryItem.quantity), 0),
                    func.coalesce(func.sum(InventoryItem.value * InventoryItem.quantity), 0),
                    func.count().filter(
                        InventoryItem.available_quantity <= InventoryItem.low_stock_threshold
                    ),
                    func.count().filter(InventoryItem.condition == "needs-repair"),
                ).where(InventoryItem.studio_id == actor.studio_id)
            ).one()
            c = s.execute(
                select(
                    func.count().filter(CheckoutLog.status == "pending"),
                    func.count().filter(
                        CheckoutLog.status == "approved", CheckoutLog.due_date < today
                    ),
                    func.count().filter(CheckoutLog.status == "approved"),
                ).where(
                    CheckoutLog.studio_id == actor.studio_id,
                    CheckoutLog.status.in_(("pending", "approved")),
                )
            ).one()
            return InventoryTotals(
                items=i[0],
                units=i[1],
                value=i[2],
                low_stock=i[3],
                needs_repair=i[4],
                pending=c[0],
                overdue=c[1],
                out=c[2],
            )

    def borrowers(
        self, actor: Actor, search: str = "", limit: int = 20
    ) -> tuple[PersonOption, ...]:
        """Active people of the studio matching `search` (name or email), for the lend dialog."""
        require(actor, "inventory")
        check_limit(limit)
        with self._db.read_session() as s:
            rows = find_people(s, actor.studio_id, search, limit)
            return tuple(PersonOption.model_validate(r, from_attributes=True) for r in rows)

    def checkouts(
        self,
        actor: Actor,
        view: CheckoutView = "open",
        item_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int = 200,
    ) -> Page[CheckoutRow]:
        """Checkouts, pending first, then overdue, then out (by due date), then the rest."""
        require(actor, "inventory")
        check_limit(limit)
        with self._db.read_session() as s:
            today = studio_today(s, actor)
            overdue = (CheckoutLog.status == "approved") & (CheckoutLog.due_date < today)
            rank = case(
                (CheckoutLog.status == "pending", 0),
                (overdue, 1),
                (CheckoutLog.status == "approved", 2),
                else_=3,
            )
            due = func.coalesce(CheckoutLog.due_date, date(9999, 12, 31))
            query = self._checkout_select(actor, today)
            if view == "open":
                query = query.where(CheckoutLog.status.in_(("pending", "approved")))
            elif view == "pending":
                query = query.where(CheckoutLog.status == "pending")
            elif view == "overdue":
                query = query.where(overdue)
            elif view == "out":
                query = query.where(CheckoutLog.status == "approved")
            if item_id is not None:
                query = query.where(CheckoutLog.item_id == item_id)
            return read_page(
                s,
                query,
                (int_key(rank), date_key(due), id_key(CheckoutLog.id)),
                cursor,
                limit,
                lambda r: CheckoutRow.model_validate(r, from_attributes=True),
            )

    def checkout(self, actor: Actor, checkout_id: uuid.UUID) -> CheckoutRow:
        require(actor, "inventory")
        with self._db.read_session() as s:
            return self._checkout_row(s, actor, checkout_id)

    def slip(self, actor: Actor, checkout_id: uuid.UUID) -> CheckoutSlip:
        """What the checkout slip prints (approved or returned checkouts; reprintable)."""
        require(actor, "inventory")
        approver = aliased(User)
        with self._db.read_session() as s:
            row = s.execute(
                select(CheckoutLog, InventoryItem, User, Studio, approver)
                .join(InventoryItem, InventoryItem.id == CheckoutLog.item_id)
                .join(User, User.id == CheckoutLog.student_id)
                .join(Studio, Studio.id == CheckoutLog.studio_id)
                .outerjoin(approver, approver.id == CheckoutLog.approved_by_id)
                .where(CheckoutLog.id == checkout_id, CheckoutLog.studio_id == actor.studio_id)
            ).one_or_none()
            if row is None:
                raise NotFound("This checkout no longer exists.")
            log, item, person, studio, by = row
            if log.status not in ("approved", "returned"):
                raise Conflict(
                    f"A slip is printed once the checkout is approved; this one is {log.status}."
                )
            address = ", ".join(
                p
                for p in (
                    studio.address,
                    " ".join(x for x in (studio.postal_code, studio.city) if x),
                    studio.state,
                    studio.country,
                )
                if p
            )
            return CheckoutSlip(
                checkout_id=log.id,
                studio_name=studio.name,
                studio_logo=studio.logo,
                studio_address=address,
                studio_phone=studio.phone,
                studio_email=studio.email,
                item_name=item.name,
                category=item.category,
                serial_number=item.serial_number,
                barcode_value=barcode_value(item.serial_number, item.id),
                borrower_name=person.full_name,
                borrower_email=person.email,
                borrower_phone=person.phone_number,
                quantity=log.quantity,
                checkout_date=log.checkout_date,
                due_date=log.due_date,
                condition_out=log.condition_out or item.condition,
                notes=log.notes,
                status=log.status,
                approved_by=by.full_name if by is not None else "",
                value=item.value,
                currency=studio.currency,
                timezone=studio.timezone,
            )

    def label(self, actor: Actor, item_id: uuid.UUID) -> ItemLabel:
        require(actor, "inventory")
        with self._db.read_session() as s:
            item = self._get(s, actor, item_id)
            studio_name = s.scalar(select(Studio.name).where(Studio.id == actor.studio_id)) or ""
            return ItemLabel(
                item_id=item.id,
                studio_name=studio_name,
                item_name=item.name,
                serial_number=item.serial_number,
                barcode_value=barcode_value(item.serial_number, item.id),
                location=item.location,
            )

    # --- items ----------------------------------------------------------------------------

    @unit_of_work
    def create_item(self, actor: Actor, data: ItemForm | dict[str, Any]) -> ItemDetail:
        require(actor, "inventory")
        form: ItemForm = parse_input(ItemForm, data)
        available = form.quantity if form.available_quantity is None else form.available_quantity
        with self._db.session() as s:
            item = InventoryItem(
                studio_id=actor.studio_id,
                created_by_id=actor.user_id,
                **form.model_dump(exclude={"available_quantity"}),
                available_quantity=available,
            )
            s.add(item)
            s.flush()
            s.refresh(item)
            return self._detail(item)

    @unit_of_work
    def update_item(
        self, actor: Actor, item_id: uuid.UUID, data: ItemForm | dict[str, Any]
    ) -> ItemDetail:
        """Edits an item; the available quantity moves with the quantity (lent stays lent)."""
        require(actor, "inventory")
        form: ItemForm = parse_input(ItemForm, data)
        with self._db.session() as s:
            item = self._get(s, actor, item_id, lock=True)
            lent = item.quantity - item.available_quantity
            if form.quantity < lent:
                raise ValidationFailed(
                    {
                        "quantity": f"{lent} {'is' if lent == 1 else 'are'} lent out or held: "
                        f"the quantity cannot be less than {lent}."
                    }
                )
            if form.status == "retired" and lent:
                raise ValidationFailed(
                    {"status": f"{lent} still lent out or held: retire it once returned."}
                )
            for key, value in form.model_dump(exclude={"available_quantity", "status"}).items():
                setattr(item, key, value)
            item.available_quantity = form.quantity - lent
            item.status = _status_after(form.status, item.available_quantity)
            s.flush()
            s.refresh(item)
            return self._detail(item)

    @unit_of_work
    def retire_item(self, actor: Actor, item_id: uuid.UUID) -> ItemDetail:
        require(actor, "inventory")
        with self._db.session() as s:
            item = self._get(s, actor, item_id, lock=True)
            lent = item.quantity - item.available_quantity
            if lent:
                raise Conflict(
                    f"{item.name}: {lent} still lent out or held. Retire it once returned."
                )
            open_requests = s.scalar(
                select(func.count()).where(
                    CheckoutLog.item_id == item.id, CheckoutLog.status == "pending"
                )
            )
            if open_requests:
                raise Conflict(
                    f"{item.name} has {open_requests} pending request(s): reject them first."
                )
            item.status = "retired"
            item.is_borrowable = False
            s.flush()
            s.refresh(item)
            return self._detail(item)

    # --- lending --------------------------------------------------------------------------

    @unit_of_work
    def request(self, actor: Actor, data: CheckoutRequest | dict[str, Any]) -> CheckoutRow:
        """A request to borrow (pending); with `approve_now` it is lent at once."""
        require(actor, "inventory")
        form: CheckoutRequest = parse_input(CheckoutRequest, data)

        with self._db.session() as s:
            item = self._get(s, actor, form.item_id, lock=True)
            self._check_lendable(item)
            person = s.get(User, form.borrower_id)
            if person is None or person.studio_id != actor.studio_id:
                raise ValidationFailed({"borrower_id": "Choose who borrows the item."})
            if not person.is_active:
                raise ValidationFailed({"borrower_id": f"{person.full_name} is no longer active."})
            if form.quantity > item.available_quantity:
                raise ValidationFailed(
                    {"quantity": f"{_available_text(item.available_quantity)} of {item.name}."}
                )
            today = studio_today(s, actor)
            due = form.due_date or today + timedelta(days=item.max_checkout_days)
            if due < today:
                raise ValidationFailed({"due_date": "The due date is in the past."})
            settings = studio_settings(s, actor.studio_id)
            hold = settings.stock_held_from == "request" or form.approve_now
            log = CheckoutLog(
                studio_id=actor.studio_id,
                item_id=item.id,
                student_id=person.id,
                quantity=form.quantity,
                due_date=due,
                condition_out=form.condition_out or item.condition,
                notes=form.notes,
                status="pending",
                held_on_request=hold,
            )
            if hold:
                self._take(s, item, form.quantity)
            s.add(log)
            s.flush()
            if form.approve_now:
                self._approve(s, actor, item, log)
            return self._checkout_row(s, actor, log.id)

    @unit_of_work
    def approve(self, actor: Actor, checkout_id: uuid.UUID) -> CheckoutRow:
        require(actor, "inventory")

        with self._db.session() as s:
            item, log = self._lock_pair(s, actor, checkout_id)
            if log.status != "pending":
                raise Conflict(f"This checkout is {log.status}: only a pending one is approved.")
            self._approve(s, actor, item, log)
            return self._checkout_row(s, actor, log.id)

    def reject(self, actor: Actor, checkout_id: uuid.UUID, reason: str = "") -> CheckoutRow:
        return self._close_pending(actor, checkout_id, "rejected", reason)

    def cancel(self, actor: Actor, checkout_id: uuid.UUID, reason: str = "") -> CheckoutRow:
        return self._close_pending(actor, checkout_id, "cancelled", reason)

    @unit_of_work
    def return_item(
        self, actor: Actor, checkout_id: uuid.UUID, data: ReturnForm | dict[str, Any] | None = None
    ) -> CheckoutRow:
        """Records the return: stock comes back; the item may go to maintenance."""
        require(actor, "inventory")
        form: ReturnForm = parse_input(ReturnForm, data or {})

        with self._db.session() as s:
            item, log = self._lock_pair(s, actor, checkout_id)
            if log.status != "approved":
                what = {
                    "pending": "was never approved",
                    "returned": "was returned already",
                }.get(log.status, f"is {log.status}")
                raise Conflict(f"This checkout {what}: there is nothing to return.")
            now = s.scalar(select(func.now()))
            log.status = "returned"
            log.return_date = now
            condition = form.condition_in or log.condition_out or item.condition
            log.condition_in = condition
            log.return_notes = form.return_notes
            self._give_back(s, item, log.quantity)
            item.condition = condition
            if form.to_maintenance:
                item.status = "maintenance"
            s.flush()
            return self._checkout_row(s, actor, log.id)

    # --- inside a unit of work -----------------------------------------------------------

    def _get(
        self, s: Session, actor: Actor, item_id: uuid.UUID, *, lock: bool = False
    ) -> InventoryItem:
        query = select(InventoryItem).where(
            InventoryItem.id == item_id, InventoryItem.studio_id == actor.studio_id
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        item = s.scalars(query).first()
        if item is None:
            raise NotFound("This item no longer exists.")
        return item

    def _lock_pair(
        self, s: Session, actor: Actor, checkout_id: uuid.UUID
    ) -> tuple[InventoryItem, CheckoutLog]:
        """Locks the item, then the checkout: the one order every lending action uses."""
        item_id = s.scalar(
            select(CheckoutLog.item_id).where(
                CheckoutLog.id == checkout_id, CheckoutLog.studio_id == actor.studio_id
            )
        )
        if item_id is None:
            raise NotFound("This checkout no longer exists.")
        item = self._get(s, actor, item_id, lock=True)
        log = s.scalars(
            select(CheckoutLog).where(CheckoutLog.id == checkout_id).with_for_update()
        ).one()
        return item, log

    @staticmethod
    def _check_lendable(item: InventoryItem) -> None:
        refusal = lending_refusal(item.name, item.status, item.is_borrowable)
        if refusal:
            raise Conflict(refusal)

    def _approve(self, s: Session, actor: Actor, item: InventoryItem, log: CheckoutLog) -> None:
        if not log.held_on_request:
            self._check_lendable(item)
            if log.quantity > item.available_quantity:
                raise Conflict(
                    f"{_available_text(item.available_quantity)} of {item.name}; "
                    f"this request is for {log.quantity}."
                )
            self._take(s, item, log.quantity)
        now = s.scalar(select(func.now()))
        log.status = "approved"
        log.approved_by_id = actor.user_id
        log.approved_at = now
        log.checkout_date = now
        s.flush()

    @unit_of_work
    def _close_pending(
        self, actor: Actor, checkout_id: uuid.UUID, status: str, reason: str
    ) -> CheckoutRow:
        require(actor, "inventory")

        with self._db.session() as s:
            item, log = self._lock_pair(s, actor, checkout_id)
            if log.status != "pending":
                verb = "rejected" if status == "rejected" else "cancelled"
                raise Conflict(f"This checkout is {log.status}: only a pending one can be {verb}.")
            if log.held_on_request:
                self._give_back(s, item, log.quantity)
            log.status = status
            if reason.strip():
                log.return_notes = reason.strip()
            s.flush()
            return self._checkout_row(s, actor, log.id)

    @staticmethod
    def _take(s: Session, item: InventoryItem, quantity: int) -> None:
        # The row is locked; the UPDATE's WHERE and the CHECK guard it a second time.
        new = s.scalar(
            update(InventoryItem)
            .where(InventoryItem.id == item.id, InventoryItem.available_quantity >= quantity)
            .values(
                available_quantity=InventoryItem.available_quantity - quantity,
                status=case(
                    (
                        (InventoryItem.status == "available")
                        & (InventoryItem.available_quantity == quantity),
                        "checked-out",
                    ),
                    else_=InventoryItem.status,
                ),
            )
            .returning(InventoryItem.available_quantity)
            .execution_options(synchronize_session=False)
        )
        if new is None:
            raise Conflict(f"{_available_text(item.available_quantity)} of {item.name}.")
        s.refresh(item)

    @staticmethod
    def _give_back(s: Session, item: InventoryItem, quantity: int) -> None:
        s.execute(
            update(InventoryItem)
            .where(InventoryItem.id == item.id)
            .values(
                available_quantity=InventoryItem.available_quantity + quantity,
                status=case(
                    (InventoryItem.status == "checked-out", "available"),
                    else_=InventoryItem.status,
                ),
            )
            .execution_options(synchronize_session=False)
        )
        s.refresh(item)

    def _checkout_select(self, actor: Actor, today: date) -> Any:
        return (
            select(
                CheckoutLog.id,
                CheckoutLog.item_id,
                InventoryItem.name.label("item_name"),
                InventoryItem.serial_number,
                CheckoutLog.student_id.label("borrower_id"),
                full_name(User.first_name, User.last_name).label("borrower_name"),
                CheckoutLog.quantity,
                CheckoutLog.status,
                CheckoutLog.created_at.label("requested_at"),
                CheckoutLog.checkout_date,
                CheckoutLog.due_date,
                CheckoutLog.return_date,
                func.coalesce(
                    (CheckoutLog.status == "approved") & (CheckoutLog.due_date < today), False
                ).label("is_overdue"),
                func.coalesce(
                    func.nullif(CheckoutLog.condition_out, ""), InventoryItem.condition
                ).label("condition_out"),
            )
            .join(InventoryItem, InventoryItem.id == CheckoutLog.item_id)
            .join(User, User.id == CheckoutLog.student_id)
            .where(CheckoutLog.studio_id == actor.studio_id)
        )

    def _checkout_row(self, s: Session, actor: Actor, checkout_id: uuid.UUID) -> CheckoutRow:
        today = studio_today(s, actor)
        row = s.execute(
            self._checkout_select(actor, today).where(CheckoutLog.id == checkout_id)
        ).one_or_none()
        if row is None:
            raise NotFound("This checkout no longer exists.")
        return CheckoutRow.model_validate(dict(row._mapping))

    @staticmethod
    def _detail(item: InventoryItem) -> ItemDetail:
        return ItemDetail(
            id=item.id,
            name=item.name,
            category=item.category,
            quantity=item.quantity,
            available_quantity=item.available_quantity,
            low_stock_threshold=item.low_stock_threshold,
            condition=item.condition,
            status=item.status,
            location=item.location,
            value=item.value,
            serial_number=item.serial_number,
            is_borrowable=item.is_borrowable,
            max_checkout_days=item.max_checkout_days,
            purchase_date=item.purchase_date,
            last_maintenance=item.last_maintenance,
            notes=item.notes,
            is_low_stock=item.is_low_stock(),
        )


def _status_after(status: str, available: int) -> str:
    if status == "available" and available == 0:
        return "checked-out"
    if status == "checked-out" and available > 0:
        return "available"
    return status
