"""Tools > Email (administrators): the mail server with "Send a test email", what is sent and
when, and the templates with a preview; and a person's email preferences (admin and desk)."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import (
    AUTOMATIC_KINDS,
    KIND_NAMES,
    WANTED_KINDS,
    EmailPolicyInput,
    EmailSetup,
    NewsAudience,
    NewsInput,
    PreferenceInput,
    SmtpAccountInput,
    TemplateInput,
    TemplateRow,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.forms import refusal_handler
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import ERROR_STYLE, error_label

SECURITY = (
    ("starttls", "STARTTLS (usually port 587)"),
    ("tls", "TLS (usually port 465)"),
    ("none", "None: not encrypted (a local test server)"),
)
OK_STYLE = "color: #2e7d32;"


def kind_list(
    parent: QWidget, checked: tuple[str, ...], kinds: tuple[str, ...] = AUTOMATIC_KINDS
) -> QListWidget:
    """Every kind of email with a tick box; `checked` are ticked."""
    box = QListWidget(parent)
    for kind in kinds:
        item = QListWidgetItem(KIND_NAMES[kind], box)
        item.setData(Qt.ItemDataRole.UserRole, kind)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if kind in checked else Qt.CheckState.Unchecked)
    box.setMinimumHeight(box.sizeHintForRow(0) * 7)
    return box


def ticked(box: QListWidget, state: Qt.CheckState = Qt.CheckState.Checked) -> tuple[str, ...]:
    return tuple(
        box.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(box.count())
        if box.item(i).checkState() == state
    )


class EnterSends(QLineEdit):
    """Enter in the test address sends the test email (not the dialog's Save)."""

    on_enter: Any = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.on_enter is not None:
            event.accept()
            self.on_enter()
            return
        super().keyPressEvent(event)


def mail_server_dialog(
    services: Services,
    actor: Actor,
    setup: EmailSetup,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog(
        "Email: the studio's mail server", SmtpAccountInput, runner, presenter, parent
    )
    dialog.setMinimumWidth(620)
    notes = [
        "The studio's own mail account: every desk sends the studio's email through it. "
        "The password is kept in this PC's password store (each PC that sends needs it once)."
    ]
    if setup.keyring_problem:
        notes.append(setup.keyring_problem)
    if setup.last_problem:
        notes.append(f"Last problem: {setup.last_problem}")
    dialog.set_intro("\n\n".join(notes))
    dialog.form.text("host", "Mail &server:", setup.host, "smtp.example.com")
    dialog.form.number("port", "&Port:", setup.port, low=1, high=65535)
    security = QComboBox(dialog)
    for value, label in SECURITY:
        security.addItem(label, value)
    security.setCurrentIndex(max(0, [v for v, _ in SECURITY].index(setup.security)))
    dialog.form.add("security", "S&ecurity:", security, security.currentData)
    dialog.form.text("username", "&User name:", setup.username, "office@studio.example (if any)")
    hint = "kept on this PC: type only to change it" if setup.has_password else ""
    password = dialog.form.text("password", "Pass&word:", "", hint)
    password.setEchoMode(QLineEdit.EchoMode.Password)
    dialog.form.text("from_address", "&From address:", setup.from_address, "office@studio.example")
    dialog.form.text("from_name", "From &name:", setup.from_name, "Harmony Music School")
    trust = _trusted_row(dialog, setup.trusted_certificate)
    _test_row(services, actor, dialog, runner, trust)
    dialog.form.editor("host").setFocus()  # the first thing to type
    dialog.form.save = lambda form: services.email_settings.save_account(actor, form)
    return dialog


NO_CERTIFICATE = "None: only certificates of authorities this PC trusts"


class TrustedCertificate(QWidget):
    """The one certificate trusted for the studio's own server (its SHA-256 fingerprint),
    with "Stop trusting it"; set by "Trust this certificate" after a failed test."""

    def __init__(self, parent: QWidget, fingerprint: str) -> None:
        super().__init__(parent)
        self.fingerprint = fingerprint
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setObjectName("trusted_fingerprint")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.forget = QPushButton("Stop trusting &it", self)
        self.forget.setObjectName("forget_certificate")
        self.forget.clicked.connect(lambda: self.set(""))
        row.addWidget(self.label, 1)
        row.addWidget(self.forget)
        self.set(fingerprint)

    def set(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.label.setText(f"SHA-256 {fingerprint}" if fingerprint else NO_CERTIFICATE)
        self.forget.setVisible(bool(fingerprint))


def _trusted_row(dialog: FormDialog, fingerprint: str) -> TrustedCertificate:
    trust = TrustedCertificate(dialog, fingerprint)
    dialog.form.add(
        "trusted_certificate",
        "Trusted certificate:",
        trust,
        lambda: trust.fingerprint,
        put=lambda v: trust.set(str(v or "")),
    )
    return trust


def _test_row(
    services: Services,
    actor: Actor,
    dialog: FormDialog,
    runner: TaskRunner,
    trust: TrustedCertificate,
) -> None:
    """ "Send a test email" to an address, through the server as typed; the answer below it,
    and "Trust this certificate" when the server's certificate is what is not trusted."""
    holder = QWidget(dialog)
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    row = QHBoxLayout()
    to = EnterSends(dialog)
    to.setObjectName("field_test_to")
    to.setPlaceholderText("an address to send a test email to")
    button = QPushButton("Send a &test email", dialog)
    button.setObjectName("send_test")
    row.addWidget(to, 1)
    row.addWidget(button)
    answer = error_label(dialog, "test_to")
    trust_button = QPushButton("T&rust this certificate", dialog)
    trust_button.setObjectName("trust_certificate")
    trust_button.setToolTip(
        "Only for the studio's own mail server: compare the fingerprint with the one its "
        "administrator sees on the server first."
    )
    trust_button.hide()
    shown_fingerprint = [""]
    column.addLayout(row)
    column.addWidget(answer)
    column.addWidget(trust_button, 0, Qt.AlignmentFlag.AlignLeft)
    dialog.form.add_row("&Test:", holder)
    dialog.test_to, dialog.test_button, dialog.test_answer = to, button, answer  # type: ignore[attr-defined]
    dialog.trust_button = trust_button  # type: ignore[attr-defined]

    def say(text: str, ok: bool) -> None:
        answer.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        answer.setText(text)
        answer.show()
        dialog.adjustSize()  # a long answer of the server is read whole

    def shown(result: Any) -> None:
        button.setEnabled(True)
        shown_fingerprint[0] = result.fingerprint
        trust_button.setVisible(bool(result.fingerprint))
        dialog.form.show_errors({})
        if result.ok or result.field == "to":
            say(result.answer, result.ok)
        else:  # the server's answer next to the field it is about
            answer.hide()
            dialog.form.show_errors({result.field: result.answer})
            dialog.adjustSize()

    def failed(exc: BaseException) -> None:
        button.setEnabled(True)
        fields = getattr(exc, "fields", None)
        if fields is None:
            dialog.presenter.present(exc, parent=dialog)
        elif "to" in fields:
            say(fields["to"], False)
        else:
            answer.hide()
            dialog.form.show_errors(fields)

    def send() -> None:
        form = dialog.form.validate()
        if form is None:
            return
        button.setEnabled(False)
        trust_button.hide()
        say("Sending…", True)
        address = to.text()
        runner.run(
            lambda: services.email_settings.send_test(actor, {"to": address}, form),
            on_done=shown,
            on_error=failed,
            key=f"test-email:{id(dialog)}",
        )

    def trust_it() -> None:
        """Trusts exactly the certificate the server showed, and tests again with it."""
        trust.set(shown_fingerprint[0])
        trust_button.hide()
        send()

    button.clicked.connect(send)
    trust_button.clicked.connect(trust_it)
    to.on_enter = send


def email_policy_dialog(
    services: Services,
    actor: Actor,
    setup: EmailSetup,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    policy = setup.policy
    dialog = FormDialog("Email: what is sent", EmailPolicyInput, runner, presenter, parent)
    dialog.setMinimumWidth(620)
    dialog.set_intro(
        "Tick what the studio sends by itself. Each email goes out once; the Outbox shows "
        "every one, and why one was not sent."
    )
    kinds = kind_list(dialog, policy.enabled_kinds)
    dialog.form.add("enabled_kinds", "&Send by itself:", kinds, lambda: ticked(kinds))
    dialog.form.number(
        "reminder_hours",
        "Lesson &reminders (hours before):",
        policy.reminder_hours,
        low=1,
        high=168,
    )
    dialog.form.number(
        "overdue_after_days",
        "First &overdue notice (days after due):",
        policy.overdue_after_days,
        high=365,
    )
    dialog.form.number(
        "overdue_every_days", "Then every (&days):", policy.overdue_every_days, low=1, high=365
    )
    dialog.form.number(
        "overdue_max_notices", "At &most (notices):", policy.overdue_max_notices, high=20
    )
    dialog.form.number(
        "makeup_warning_days",
        "Make-up credit &expiring (days before):",
        policy.makeup_warning_days,
        low=1,
        high=90,
    )
    dialog.form.number(
        "item_due_warning_days",
        "Lent item &due (days before):",
        policy.item_due_warning_days,
        high=30,
    )
    dialog.form.number(
        "max_attempts", "&Tries before a message fails:", policy.max_attempts, low=1, high=20
    )
    dialog.form.save = lambda form: services.email_settings.save_policy(actor, form)
    _ask_before_many(services, actor, dialog, policy, runner)
    return dialog


# Turning these on may queue many at once (every invoice already overdue, every lesson within
# the reminder hours): the administrator is told how many and presses Save again to agree.
ASK_FROM = {
    "overdue_notice": (1, "overdue notice", "overdue notices"),
    "lesson_reminder": (20, "lesson reminder", "lesson reminders"),
}


def at_once_sentence(counts: dict[str, int]) -> str:
    """What would go at once, for the kinds with enough to ask about; "" when none."""
    parts = [
        f"{n} {one if n == 1 else many}"
        for kind, n in counts.items()
        for least, one, many in [ASK_FROM[kind]]
        if n >= least
    ]
    if not parts:
        return ""
    return (
        f"Turning this on sends {' and '.join(parts)} at once, right now. "
        "Press Save again to send them, or untick what should not go."
    )


def _ask_before_many(
    services: Services,
    actor: Actor,
    dialog: FormDialog,
    policy: EmailPolicyInput,
    runner: TaskRunner,
) -> None:
    """Save counts first what newly ticked kinds would send at once; when that is many, it
    says so above the buttons and saves only when Save is pressed again on the same form."""
    warning = QLabel(dialog)
    warning.setObjectName("at_once")
    warning.setWordWrap(True)
    warning.setStyleSheet(ERROR_STYLE)
    warning.hide()
    layout = dialog.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(layout.indexOf(dialog.buttons), warning)
    agreed: list[EmailPolicyInput] = []

    def counted(form: EmailPolicyInput, counts: dict[str, int]) -> None:
        dialog.buttons.setEnabled(True)
        sentence = at_once_sentence(counts)
        if not sentence:
            dialog.form.submit()
            return
        agreed[:] = [form]
        warning.setText(sentence)
        warning.show()
        dialog.adjustSize()

    def failed(exc: BaseException) -> None:
        dialog.buttons.setEnabled(True)
        dialog.presenter.present(exc, parent=dialog)

    def save() -> None:
        form = dialog.form.validate()
        if form is None:
            return
        new = [k for k in form.enabled_kinds if k in ASK_FROM and k not in policy.enabled_kinds]
        newly = form.model_copy(update={"enabled_kinds": tuple(new)})
        if not new or agreed == [form]:
            dialog.form.submit()
            return
        warning.hide()
        dialog.buttons.setEnabled(False)
        runner.run(
            lambda: services.mail_jobs.schedule.would_queue(actor, newly),
            on_done=lambda counts: counted(form, counts),
            on_error=failed,
            key=f"at-once:{id(dialog)}",
        )

    dialog.buttons.accepted.disconnect(dialog.submit)
    dialog.buttons.accepted.connect(save)


def templates_dialog(
    services: Services,
    actor: Actor,
    rows: tuple[TemplateRow, ...],
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    by_kind = {r.kind: r for r in rows}
    dialog = FormDialog("Email: templates", TemplateInput, runner, presenter, parent)
    dialog.resize(900, 760)
    kind = QComboBox(dialog)
    kind.setObjectName("template_kind")
    for r in rows:
        kind.addItem(r.kind_name + ("  (your wording)" if r.is_custom else ""), r.kind)
    dialog.form.add_row("&Email:", kind)
    subject = dialog.form.text("subject", "&Subject:", "")
    text_body = dialog.form.notes("text_body", "&Text:", "")
    text_body.setFixedHeight(150)
    html_body = dialog.form.notes("html_body", "&HTML:", "")
    html_body.setFixedHeight(110)
    help_line = QLabel(dialog)
    help_line.setWordWrap(True)
    dialog.form.add_row("", help_line)
    preview = QTextBrowser(dialog)
    preview.setObjectName("template_preview")
    preview.setMinimumHeight(200)
    dialog.form.add_row("Preview:", preview)
    buttons = QHBoxLayout()
    show = QPushButton("&Preview", dialog)
    reset = QPushButton("&Built-in wording", dialog)
    buttons.addWidget(show)
    buttons.addWidget(reset)
    buttons.addStretch(1)
    dialog.form.add_row("", buttons)

    def current() -> str:
        return str(kind.currentData())

    def load(_index: int = 0) -> None:
        r = by_kind[current()]
        subject.setText(r.subject)
        text_body.setPlainText(r.text_body)
        html_body.setPlainText(r.html_body)
        help_line.setText("You can use " + ", ".join("{{ " + v + " }}" for v in r.variables))
        dialog.form.show_errors({})
        refresh()

    def refresh() -> None:
        form = dialog.form.validate()
        if form is None:
            return
        chosen = current()
        runner.run(
            lambda: services.email_templates.preview(actor, chosen, form),
            on_done=lambda p: preview.setHtml(
                f"<p><b>Subject:</b> {_escape(p.subject)}</p>" + p.html_body
            ),
            on_error=refusal_handler(dialog.form.show_errors, dialog.presenter, dialog),
            key=f"preview:{id(dialog)}",
        )

    def restored(wording: Any) -> None:
        by_kind[wording.kind] = wording
        load()

    def restore() -> None:
        chosen = current()
        runner.run(
            lambda: services.email_templates.reset(actor, chosen),
            on_done=restored,
            on_error=lambda exc: presenter.present(exc, parent=dialog),
        )

    kind.currentIndexChanged.connect(load)
    show.clicked.connect(refresh)
    reset.clicked.connect(restore)
    dialog.preview, dialog.kind_box = preview, kind  # type: ignore[attr-defined]
    load()
    dialog.form.save = lambda form: services.email_templates.save(actor, current(), form)
    return dialog


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def preferences_dialog(
    services: Services,
    actor: Actor,
    user_id: uuid.UUID,
    name: str,
    wish: PreferenceInput,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    dialog = FormDialog(f"Email preferences: {name}", PreferenceInput, runner, presenter, parent)
    dialog.set_intro(
        f"What {name} receives by email. Quiet hours are in the studio's time: nothing is "
        "sent to them then (it waits until the hours end)."
    )
    wanted = tuple(k for k in WANTED_KINDS if k not in wish.opted_out)
    kinds = kind_list(dialog, wanted, WANTED_KINDS)
    dialog.form.add(
        "opted_out", "&Receives:", kinds, lambda: ticked(kinds, Qt.CheckState.Unchecked)
    )
    start, end = (
        QLineEdit(_clock(wish.quiet_start), dialog),
        QLineEdit(_clock(wish.quiet_end), dialog),
    )
    start.setPlaceholderText("21:00 (none: empty)")
    end.setPlaceholderText("08:00")
    dialog.form.add(
        "quiet_start", "Quiet hours &from:", start, lambda: start.text().strip() or None
    )
    dialog.form.add("quiet_end", "Quiet hours &until:", end, lambda: end.text().strip() or None)
    hours = QSpinBox(dialog)
    hours.setRange(0, 168)
    hours.setValue(wish.reminder_hours or 0)
    hours.setSpecialValueText("the studio's")
    dialog.form.add(
        "reminder_hours", "Lesson reminders (&hours before):", hours, lambda: hours.value() or None
    )
    dialog.form.save = lambda form: services.email_preferences.save(actor, user_id, form)
    return dialog


def open_preferences(
    services: Services,
    actor: Actor,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    kind: str,
    row_id: uuid.UUID,
    parent: QWidget,
) -> None:
    """The email preferences of a roster row's person, read off the GUI thread, then edited."""

    def load() -> tuple[uuid.UUID, str, PreferenceInput]:
        user_id, name = services.email_preferences.person_of(actor, kind, row_id)
        return user_id, name, services.email_preferences.get(actor, user_id)

    def opened(found: tuple[uuid.UUID, str, PreferenceInput]) -> None:
        user_id, name, wish = found
        dialog = preferences_dialog(services, actor, user_id, name, wish, runner, presenter, parent)
        parent.last_preferences = dialog  # type: ignore[attr-defined]
        dialog.open()

    runner.run(load, on_done=opened, on_error=lambda exc: presenter.present(exc, parent=parent))


def news_dialog(
    services: Services,
    actor: Actor,
    audience: NewsAudience,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    parent: QWidget | None = None,
) -> FormDialog:
    """Studio news: a subject and a text, sent to those who agreed to marketing emails."""
    dialog = FormDialog("Send studio news", NewsInput, runner, presenter, parent)
    dialog.setMinimumWidth(620)
    dialog.set_intro(
        f"{audience.describe()} Each gets it once, in the studio's letterhead, with a line "
        "saying why and how to stop. A blank line starts a new paragraph."
    )
    dialog.form.text("subject", "&Subject:", "", "Spring recital on 14 March")
    body = dialog.form.notes("text", "&Text:")
    body.setFixedHeight(220)
    send = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    send.setText("&Send")
    send.setEnabled(audience.readers > 0)
    dialog.form.save = lambda form: services.news.send(actor, form)
    return dialog
