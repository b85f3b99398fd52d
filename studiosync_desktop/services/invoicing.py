"""Invoices: generation from lessons (with a preview), editing drafts, numbering, life cycle."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from studiosync_desktop import limits
from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import (
    Invoice,
    InvoiceLineItem,
    Studio,
)
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.billing import (
    CreditNoteRequest,
    DraftTerms,
    GenerationPreview,
    GenerationResult,
    InvoiceDetail,
    LineCreate,
    Payer,
    PreviewRow,
    StudioLetterhead,
    VoidRequest,
)
from studiosync_desktop.schemas.common import Actor, Month, parse_input, parse_value
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.billing_locks import (
    lock_invoice,
    lock_invoices,
    lock_payer,
    reserve_numbers,
)
from studiosync_desktop.services.invoice_details import load_detail, load_details, payer_of
from studiosync_desktop.services.invoice_generation import (
    CANDIDATES_SQL,
    PAYERS_SQL,
    write_month,
)
from studiosync_desktop.services.ledger import (
    add_credit,
    apply_credit_in,
    label,
    log_event,
    payer_columns,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    local_day_bounds,
    studio_settings,
    studio_today,
    studio_zone,
)
from studiosync_desktop.services.unit_of_work import unit_of_work

GENERATE_LOCK = "studiosync:invoice-generation:"
ISSUED = ("sent", "partial", "paid")


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month holding `month` (one the studio keeps dates in)."""
    if not limits.FIRST_DAY <= month <= limits.LAST_DAY:
        raise ValidationFailed(
            {"month": f"Choose a month from {limits.FIRST_DAY:%B %Y} to {limits.LAST_DAY:%B %Y}."}
        )
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def invoice_number(year: int, n: int) -> str:
    return f"INV-{year}-{n:05d}"


class InvoicingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- generation ---------------------------------------------------------------------

    def _period_params(self, s: Session, actor: Actor, month: date) -> dict[str, Any]:
        settings = studio_settings(s, actor.studio_id)
        zone = studio_zone(s, actor)
        first, last = month_bounds(month)
        starts, ends = local_day_bounds(zone, first, (last - first).days + 1)
        statuses = (
            ["completed"]
            if settings.billing_policy == "pay_as_you_go"
            else ["scheduled", "in_progress", "completed"]
        )
        return {
            "studio": actor.studio_id,
            "tz": zone.key,
            "starts": starts,
            "ends": ends,
            "statuses": statuses,
            "period_start": first,
            "period_end": last,
            "sibling_pct": settings.sibling_discount_percent,
            "tax_rate": settings.tax_rate_percent,
            "taxable": settings.lessons_taxable,
            "policy": settings.billing_policy,
        }

    def default_month(self, actor: Actor) -> date:
        """Pay as you go bills last month; in advance bills next month."""
        require(actor, "billing")
        with self._db.read_session() as s:
            today = studio_today(s, actor)
            policy = studio_settings(s, actor.studio_id).billing_policy
        first = today.replace(day=1)
        if policy == "in_advance":
            return (first + timedelta(days=32)).replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)

    def preview_month(self, actor: Actor, month: date) -> GenerationPreview:
        """What `generate_month` would write now: payers, lesson counts and totals."""
        require(actor, "billing")
        with self._db.read_session() as s:
            p = self._period_params(s, actor, month)
            sql = PAYERS_SQL.format(source=f"({CANDIDATES_SQL}) c")
            rows = s.execute(text(sql), p).all()
            tax_rate = p["tax_rate"] if p["taxable"] else Decimal(0)
            preview: list[PreviewRow] = []
            for r in rows:
                tax = round_cents(r.subtotal * tax_rate / Decimal(100))
                preview.append(
                    PreviewRow(
                        payer=payer_of(r).model_copy(update={"name": r.payer_name or ""}),
                        lesson_count=r.lesson_count,
                        subtotal=r.subtotal,
                        discount=r.discount,
                        tax=tax,
                        total=r.subtotal - r.discount + tax,
                        adds_to_draft=r.draft_id is not None,
                    )
                )
            return GenerationPreview(
                period_start=p["period_start"],
                period_end=p["period_end"],
                policy=p["policy"],
                rows=tuple(preview),
            )

    @unit_of_work
    def generate_month(self, actor: Actor, month: date) -> GenerationResult:
        """Draft invoices for the month's unbilled lessons, one per payer, one line per lesson.

        Set-based and in one transaction; running it twice bills nothing twice (the unique
        `billed_lesson_id` makes that true even if two desks run it at once).
        """
        require(actor, "billing")
        month = parse_value("month", Month, month)
        with self._db.session() as s:
            s.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                {"k": GENERATE_LOCK + str(actor.studio_id)},
            )
            p = self._period_params(s, actor, month)
            p["actor"] = actor.user_id
            p["tax_rate_eff"] = p["tax_rate"] if p["taxable"] else Decimal(0)
            counts = write_month(s, p)
            return GenerationResult(
                period_start=p["period_start"],
                period_end=p["period_end"],
                invoice_count=counts.n,
                line_count=counts.lines,
                total=counts.total,
            )

    # --- drafts -------------------------------------------------------------------------

    @unit_of_work
    def create_draft(self, actor: Actor, payer: Payer) -> uuid.UUID:
        """An empty draft for a payer, for lines added by hand."""
        require(actor, "billing")
        with self._db.session() as s:
            tax_rate = studio_settings(s, actor.studio_id).tax_rate_percent
            inv = Invoice(
                studio_id=actor.studio_id, status="draft", tax_rate=tax_rate, **payer_columns(payer)
            )
            s.add(inv)
            s.flush()
            log_event(s, actor, inv.id, "created", "Draft started by hand")
            return inv.id

    def _draft(self, s: Session, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
        inv = lock_invoice(s, actor, invoice_id)
        if inv.status != "draft":
            raise Conflict(
                f"{label(inv)} has been sent, so its lines are frozen. Correct it with a "
                "credit note, or void it and issue a new one."
            )
        return inv

    @unit_of_work
    def add_line(
        self, actor: Actor, invoice_id: uuid.UUID, data: LineCreate | dict[str, Any]
    ) -> uuid.UUID:
        require(actor, "billing")
        line = parse_input(LineCreate, data)
        with self._db.session() as s:
            inv = self._draft(s, actor, invoice_id)
            position = s.scalar(
                select(func.coalesce(func.max(InvoiceLineItem.position), 0)).where(
                    InvoiceLineItem.invoice_id == inv.id
                )
            )
            item = InvoiceLineItem(
                studio_id=actor.studio_id,
                invoice_id=inv.id,
                position=int(position or 0) + 1,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                is_taxable=line.is_taxable,
            )
            s.add(item)
            s.flush()
            log_event(s, actor, inv.id, "line_added", line.description)
            return item.id

    @unit_of_work
    def remove_line(self, actor: Actor, line_id: uuid.UUID) -> None:
        require(actor, "billing")
        with self._db.session() as s:
            invoice_id = s.scalar(
                select(InvoiceLineItem.invoice_id).where(
                    InvoiceLineItem.id == line_id, InvoiceLineItem.studio_id == actor.studio_id
                )
            )
            if invoice_id is None:
                raise NotFound("This line no longer exists.")
            self._draft(s, actor, invoice_id)
            line = s.get(InvoiceLineItem, line_id)
            assert line is not None
            log_event(s, actor, invoice_id, "line_removed", line.description)
            s.delete(line)

    @unit_of_work
    def set_terms(
        self, actor: Actor, invoice_id: uuid.UUID, data: DraftTerms | dict[str, Any]
    ) -> None:
        """Tax rate, discount and notes of a draft (the database recomputes the totals)."""
        require(actor, "billing")
        terms = parse_input(DraftTerms, data)
        with self._db.session() as s:
            inv = self._draft(s, actor, invoice_id)
            inv.tax_rate = terms.tax_rate_percent
            inv.discount = terms.discount
            inv.notes = terms.notes
            s.flush()
            log_event(
                s,
                actor,
                inv.id,
                "terms",
                f"Tax {terms.tax_rate_percent}%, discount {terms.discount}",
            )

    @unit_of_work
    def delete_draft(self, actor: Actor, invoice_id: uuid.UUID) -> None:
        """A draft may be thrown away (its lessons can be billed again); issued ones are voided."""
        require(actor, "billing")
        with self._db.session() as s:
            inv = self._draft(s, actor, invoice_id)
            s.execute(delete(InvoiceLineItem).where(InvoiceLineItem.invoice_id == inv.id))
            s.delete(inv)

    # --- issuing ------------------------------------------------------------------------

    def issue(self, actor: Actor, invoice_id: uuid.UUID) -> str:
        """Sends a draft: it gets the next number of the year and its due date. Returns it."""
        numbers = self.issue_many(actor, [invoice_id])
        return numbers[0]

    @unit_of_work
    def issue_many(self, actor: Actor, invoice_ids: list[uuid.UUID]) -> list[str]:
        """Issues drafts in one transaction, numbered in the order given, without gaps."""
        require(actor, "billing")
        if not invoice_ids:
            return []
        with self._db.session() as s:
            return self._issue(s, actor, invoice_ids)

    @unit_of_work
    def issue_month(self, actor: Actor, month: date) -> int:
        """Issues every draft of the month's billing period (the 'Send all' of the tab)."""
        require(actor, "billing")
        month = parse_value("month", Month, month)
        with self._db.session() as s:
            ids = list(
                s.scalars(
                    select(Invoice.id)
                    .where(
                        Invoice.studio_id == actor.studio_id,
                        Invoice.status == "draft",
                        Invoice.period_start == month.replace(day=1),
                        Invoice.credit_note_for_id.is_(None),
                    )
                    .order_by(Invoice.created_at, Invoice.id)
                )
            )
            return len(self._issue(s, actor, ids)) if ids else 0

    def _issue(self, s: Session, actor: Actor, invoice_ids: list[uuid.UUID]) -> list[str]:
        locked = lock_invoices(s, actor, invoice_ids)
        found = {r.id: r for r in locked}
        for iid in invoice_ids:
            r = found.get(iid)
            if r is None:
                raise NotFound("An invoice to send no longer exists.")
            if r.status != "draft":
                raise Conflict(f"{r.invoice_number} has already been sent.")
        empty = s.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(
                Invoice.id.in_(invoice_ids),
                ~select(InvoiceLineItem.id)
                .where(InvoiceLineItem.invoice_id == Invoice.id)
                .exists(),
            )
        )
        if empty:
            raise ValidationFailed({"": "An invoice without lines cannot be sent: add a line."})
        settings = studio_settings(s, actor.studio_id)
        today = studio_today(s, actor)
        first = reserve_numbers(s, actor.studio_id, today.year, len(invoice_ids))
        numbers = [invoice_number(today.year, first + i) for i in range(len(invoice_ids))]
        due = today + timedelta(days=settings.invoice_due_days)
        s.execute(
            text(
                """
                UPDATE invoices i SET invoice_number = n.number, status = 'sent',
                       issue_date = :today, due_date = :due, sent_at = now()
                FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS text[])) AS n(id, number)
                WHERE i.id = n.id
                """
            ),
            {"ids": invoice_ids, "numbers": numbers, "today": today, "due": due},
        )
        s.execute(
            text(
                """
                INSERT INTO invoice_events (studio_id, invoice_id, kind, detail, actor_id)
                SELECT :studio, n.id, 'sent', 'Issued as ' || n.number || ', due ' || :due_text,
                       :actor
                FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS text[])) AS n(id, number)
                """
            ),
            {
                "studio": actor.studio_id,
                "ids": invoice_ids,
                "numbers": numbers,
                "due_text": due.isoformat(),
                "actor": actor.user_id,
            },
        )
        return numbers

    # --- corrections --------------------------------------------------------------------

    @unit_of_work
    def void(self, actor: Actor, invoice_id: uuid.UUID, data: VoidRequest | dict[str, Any]) -> None:
        """Voids an issued invoice (it keeps its number); its lessons may be billed again."""
        require(actor, "billing")
        req = parse_input(VoidRequest, data)
        with self._db.session() as s:
            inv = lock_invoice(s, actor, invoice_id)
            if inv.status == "draft":
                raise Conflict("A draft has no number yet: delete it instead of voiding it.")
            if inv.status == "void":
                raise Conflict(f"{label(inv)} is already void.")
            if inv.amount_paid > 0:
                raise Conflict(
                    f"{label(inv)} has {inv.amount_paid:,.2f} paid on it: refund the payments "
                    "first, or correct it with a credit note."
                )
            if inv.credit_note_for_id is not None:
                raise Conflict(
                    f"{label(inv)} is a credit note: its credit was given to the payer and "
                    "stays. To take it back, bill the amount on a new invoice."
                )
            note = s.scalar(
                select(Invoice.invoice_number)
                .where(
                    Invoice.credit_note_for_id == inv.id, Invoice.status.not_in(("draft", "void"))
                )
                .limit(1)
            )
            if note is not None:
                raise Conflict(
                    f"{label(inv)} has credit note {note}, whose credit was given: it is not "
                    "voided. Credit what is left of it instead."
                )
            inv.status = "void"
            inv.void_reason = req.reason
            inv.voided_at = func.now()
            s.flush()
            log_event(s, actor, inv.id, "void", req.reason)

    @unit_of_work
    def credit_note(
        self, actor: Actor, invoice_id: uuid.UUID, data: CreditNoteRequest | dict[str, Any]
    ) -> str:
        """A negative invoice referring to the original, issued at once. Its amount settles
        the original's balance first; what is left becomes the payer's account credit."""
        require(actor, "billing")
        req = parse_input(CreditNoteRequest, data)
        with self._db.session() as s:
            orig = lock_invoice(s, actor, invoice_id)
            if orig.status not in ISSUED:
                raise Conflict("Only a sent invoice can be credited.")
            credited = s.scalar(
                select(func.coalesce(func.sum(-Invoice.total), 0)).where(
                    Invoice.credit_note_for_id == orig.id, Invoice.status != "void"
                )
            ) or Decimal(0)
            room = orig.total - credited
            if req.amount > room:
                raise ValidationFailed(
                    {"amount": f"At most {room:,.2f} of {orig.invoice_number} can be credited."}
                )
            payer = payer_of(orig)
            lock_payer(s, payer)  # before the note refers to it: the billing lock order
            note = Invoice(
                studio_id=actor.studio_id,
                status="draft",
                credit_note_for_id=orig.id,
                notes=f"Credit note for {orig.invoice_number}: {req.reason}",
                **payer_columns(payer),
            )
            s.add(note)
            s.flush()
            s.add(
                InvoiceLineItem(
                    studio_id=actor.studio_id,
                    invoice_id=note.id,
                    position=1,
                    description=f"Credit for {orig.invoice_number}: {req.reason}",
                    quantity=1,
                    unit_price=-req.amount,
                )
            )
            s.flush()
            number = self._issue(s, actor, [note.id])[0]
            add_credit(s, actor, payer, req.amount, note.id, None, f"Credit note {number}")
            s.refresh(orig)
            if orig.total - orig.amount_paid > 0:
                apply_credit_in(s, actor, orig)
            log_event(s, actor, orig.id, "credit_note", f"{number}: {req.amount:,.2f}")
            return number

    @unit_of_work
    def apply_late_fees(self, actor: Actor) -> int:
        """Adds the late fee once to every invoice overdue by the studio's N days (set-based)."""
        require(actor, "billing")
        with self._db.session() as s:
            settings = studio_settings(s, actor.studio_id)
            if not (settings.late_fee_amount or settings.late_fee_percent):
                return 0
            today = studio_today(s, actor)
            fee: Any = (
                settings.late_fee_amount
                if settings.late_fee_amount
                else func.round(
                    (Invoice.total - Invoice.amount_paid) * settings.late_fee_percent / 100, 2
                )
            )
            result = s.execute(
                update(Invoice)
                .where(
                    Invoice.studio_id == actor.studio_id,
                    Invoice.status.in_(("sent", "partial")),
                    Invoice.late_fee == 0,
                    Invoice.credit_note_for_id.is_(None),
                    Invoice.total > Invoice.amount_paid,
                    Invoice.due_date < today - timedelta(days=settings.late_fee_after_days),
                )
                .values(late_fee=fee)
                .returning(Invoice.id)
            )
            ids = list(result.scalars())
            if ids:
                s.execute(
                    text(
                        "INSERT INTO invoice_events (studio_id, invoice_id, kind, detail, actor_id)"
                        " SELECT :studio, id, 'late_fee', 'Late fee added', :actor"
                        " FROM unnest(CAST(:ids AS uuid[])) AS id"
                    ),
                    {"studio": actor.studio_id, "actor": actor.user_id, "ids": ids},
                )
            return len(ids)

    # --- reads --------------------------------------------------------------------------

    def detail(self, actor: Actor, invoice_id: uuid.UUID) -> InvoiceDetail:
        require(actor, "billing")
        with self._db.read_session() as s:
            return load_detail(s, actor, invoice_id)

    def detail_by_number(self, actor: Actor, number: str) -> InvoiceDetail:
        require(actor, "billing")
        with self._db.read_session() as s:
            iid = s.scalar(
                select(Invoice.id).where(
                    Invoice.studio_id == actor.studio_id,
                    func.upper(Invoice.invoice_number) == number.strip().upper(),
                )
            )
            if iid is None:
                raise NotFound(f"There is no invoice {number}.")
            return load_detail(s, actor, iid)

    def month_details(self, actor: Actor, month: date) -> list[InvoiceDetail]:
        """Every issued invoice of a month (by issue date), in number order: the batch print."""
        require(actor, "billing")
        first, last = month_bounds(month)
        with self._db.read_session() as s:
            ids = s.scalars(
                select(Invoice.id)
                .where(
                    Invoice.studio_id == actor.studio_id,
                    Invoice.issue_date >= first,
                    Invoice.issue_date <= last,
                    Invoice.status != "draft",
                )
                .order_by(Invoice.invoice_number)
            ).all()
            found = load_details(s, actor, ids)
            return [found[iid] for iid in ids if iid in found]

    def letterhead(self, actor: Actor) -> StudioLetterhead:
        require(actor, "billing")
        with self._db.read_session() as s:
            return load_letterhead(s, actor.studio_id)


def load_letterhead(s: Session, studio_id: uuid.UUID) -> StudioLetterhead:
    st = s.get(Studio, studio_id)
    if st is None:
        raise NotFound("The studio no longer exists.")
    settings = StudioSettings.model_validate(st.settings)
    region = " ".join(p for p in (st.state, st.postal_code) if p)
    city = ", ".join(p for p in (st.city, region) if p)
    return StudioLetterhead(
        name=st.name,
        address_lines=tuple(p for p in (st.address, city, st.country) if p),
        email=st.email,
        phone=st.phone,
        website=st.website,
        logo=st.logo,
        currency=st.currency,
        locale=settings.locale,
        timezone=st.timezone,
        theme_color=st.theme_color,
        payment_instructions=settings.payment_instructions,
    )
