"""An administrator's studio settings: details printed on paper, policies, the Stripe key."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

from studiosync_desktop.schemas.billing import StripeKeyInput
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.privacy import RetentionRunRow
from studiosync_desktop.schemas.studio import StudioDetails, StudioSettings
from studiosync_desktop.services.stripe_payments import StripePayments
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.vocabulary import STUDIO_PARTS


def studio_details_dialog(
    studio: StudioService,
    actor: Actor,
    details: StudioDetails,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog("Studio details", StudioDetails, runner, presenter, parent)
    dialog.set_intro("Printed on invoices, statements and checkout slips.")
    dialog.form.text("name", "Studio &name:", details.name)
    dialog.form.text("address", "&Address:", details.address)
    dialog.form.text("city", "&City:", details.city)
    dialog.form.text("state", "State / region:", details.state)
    dialog.form.text("postal_code", "Postal code:", details.postal_code)
    dialog.form.text("country", "Co&untry:", details.country)
    dialog.form.text("phone", "&Phone:", details.phone)
    dialog.form.text("email", "&Email:", details.email, "office@studio.example")
    dialog.form.text("website", "&Website:", details.website)
    dialog.form.text("timezone", "&Time zone:", details.timezone, "Europe/London")
    dialog.form.save = lambda form: studio.save_details(actor, form)
    return dialog


def studio_policies_dialog(
    studio: StudioService,
    actor: Actor,
    settings: StudioSettings,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog("Studio policies", StudioSettings, runner, presenter, parent)
    dialog.setMinimumWidth(680)
    dialog.set_intro("How the studio bills, books and lends. Changes apply from now on.")
    dialog.form.extra = settings.model_dump()  # what the form does not show is kept as it is
    dialog.form.money("tax_rate_percent", "Ta&x rate (%):", settings.tax_rate_percent)
    dialog.form.flag("lessons_taxable", "", settings.lessons_taxable, "&Lessons are taxable")
    dialog.form.number("invoice_due_days", "Invoices &due after (days):", settings.invoice_due_days)
    dialog.form.choice(
        "billing_policy", "&Billing:", ("pay_as_you_go", "in_advance"), settings.billing_policy
    )
    dialog.form.money(
        "sibling_discount_percent", "Si&bling discount (%):", settings.sibling_discount_percent
    )
    dialog.form.money("late_fee_amount", "Late &fee (amount):", settings.late_fee_amount)
    dialog.form.money("late_fee_percent", "Late fee (% of the balance):", settings.late_fee_percent)
    dialog.form.number(
        "late_fee_after_days", "Late fee after (days):", settings.late_fee_after_days
    )
    dialog.form.notes("payment_instructions", "Pa&yment text:", settings.payment_instructions)
    dialog.form.number(
        "cancellation_notice_hours",
        "Cancellation &notice (hours):",
        settings.cancellation_notice_hours,
        high=24 * 14,
    )
    dialog.form.flag(
        "makeup_for_teacher_cancel",
        "",
        settings.makeup_for_teacher_cancel,
        "Make-up credit when the &studio or teacher cancels",
    )
    dialog.form.flag(
        "makeup_for_student_notice",
        "",
        settings.makeup_for_student_notice,
        "Make-up credit when a student cancels in &time",
    )
    dialog.form.number(
        "makeup_credit_days", "Make-up credits &expire after (days):", settings.makeup_credit_days
    )
    dialog.form.number(
        "series_horizon_weeks",
        "Open series book a&head (weeks):",
        settings.series_horizon_weeks,
        low=1,
        high=104,
    )
    dialog.form.choice(
        "stock_held_from",
        "Lent &items are held from:",
        ("approval", "request"),
        settings.stock_held_from,
    )
    dialog.form.number(
        "idle_lock_minutes",
        "&Lock an idle desk after (minutes, 0 = never):",
        settings.idle_lock_minutes,
        high=24 * 60,
    )
    dialog.form.save = lambda form: studio.save_settings(actor, form)
    return dialog


def retention_dialog(
    studio: StudioService,
    actor: Actor,
    settings: StudioSettings,
    runs: tuple[RetentionRunRow, ...],
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog("Retention", StudioSettings, runner, presenter, parent)
    last = "; ".join(f"{r.ran_on:%d %b}: {r.describe() or 'nothing was due'}" for r in runs[:3])
    dialog.set_intro(
        "How long the studio keeps what it no longer needs (in months; 0 keeps it for good). "
        "Once a day a desk removes what has passed its time and says what it did. Invoices "
        "and payments are always kept; a former student's are kept under a number."
        + (f"\n\nLast rounds: {last}." if last else "")
    )
    dialog.form.extra = settings.model_dump()
    for name, label in (
        ("retention_messages_months", "&Messages:"),
        ("retention_notifications_months", "&Notifications:"),
        ("retention_audit_months", "&Audit trail entries:"),
        ("retention_former_students_months", "&Former students (after they left):"),
    ):
        dialog.form.number(name, label, getattr(settings, name), high=600)
    dialog.form.save = lambda form: studio.save_settings(actor, form)
    return dialog


def stripe_key_dialog(
    stripe: StripePayments,
    actor: Actor,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    has_key: bool,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog("Stripe key", StripeKeyInput, runner, presenter, parent)
    state = "A key is set on this PC; a new one replaces it." if has_key else "No key is set yet."
    dialog.set_intro(
        "The studio's Stripe secret key (sk_… from the Stripe dashboard) lets this PC send "
        f"pay links and charge saved cards. It is kept in this PC's password store. {state}"
    )
    field = dialog.form.text("secret", "Secret &key:", "", "sk_live_…")
    field.setEchoMode(QLineEdit.EchoMode.Password)
    dialog.form.save = lambda form: stripe.save_key(actor, form)
    return dialog


def parts_and_hours_dialog(
    studio: StudioService,
    actor: Actor,
    settings: StudioSettings,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    """Which parts the studio uses, its opening hours and its usual lesson length."""
    dialog = FormDialog("Studio parts and hours", StudioSettings, runner, presenter, parent)
    dialog.set_intro(
        "A part the studio does not use disappears for everyone: its tab, menus, reminders "
        "and emails. Nothing is deleted; switch it on again to see it all."
    )
    dialog.form.extra = settings.model_dump()
    parts = QWidget(dialog)
    column = QVBoxLayout(parts)
    column.setContentsMargins(0, 0, 0, 0)
    boxes: dict[str, QCheckBox] = {}
    for part, label in STUDIO_PARTS.items():
        box = boxes[part] = QCheckBox(label, parts)
        box.setObjectName(f"part_{part}")
        box.setChecked(settings.uses(part))
        column.addWidget(box)
    dialog.form.add(
        "parts_off",
        "Parts used:",
        parts,
        lambda: tuple(part for part, box in boxes.items() if not box.isChecked()),
    )
    minutes = dialog.form.number(
        "default_lesson_minutes",
        "Usual lesson &length:",
        settings.default_lesson_minutes,
        low=5,
        high=480,
    )
    minutes.setSuffix(" minutes")
    minutes.setSingleStep(5)
    dialog.form.clock("opens_at", "&Opens at:", settings.opens_at)
    dialog.form.clock("closes_at", "&Closes at:", settings.closes_at)
    grid = dialog.form.number(
        "snap_minutes", "Calendar &grid:", settings.snap_minutes, low=5, high=15
    )
    grid.setSingleStep(10)  # 5 or 15
    grid.setSuffix(" minutes")
    grid.setToolTip("A drag or resize on the calendar lands on this grid: 5 or 15 minutes")
    dialog.form.save = lambda form: studio.save_settings(actor, form)
    return dialog
