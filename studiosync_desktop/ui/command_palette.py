"""The command palette (Ctrl+/ or Ctrl+Shift+Space): type a few letters of an action, a name
or an invoice number, and Enter runs it, opens the person or shows the invoice.

Actions are matched as you type, here (rapidfuzz forgives typos and word order); people and
invoices are looked up off the GUI thread 200 ms after the last key, the latest request
winning, and join the list when they arrive.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QBrush, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)
from rapidfuzz import fuzz, process

from studiosync_desktop.schemas.quick_find import Found, FoundPerson
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.services.quick_find import MIN_LENGTH
from studiosync_desktop.ui.palette_commands import Command, collect_commands
from studiosync_desktop.vocabulary import words

ROLE = Qt.ItemDataRole.UserRole
DEBOUNCE_MS = 200
# Below this rapidfuzz score an action is not what was typed.
ACTION_CUTOFF = 60
SHOWN_ACTIONS = 8
# Actions scoring this far below the best match are left out.
CLOSE_TO_BEST = 15
PERSON_KINDS = {"students": "Student", "families": "Family", "teachers": "Teacher", "bands": "Band"}
MOVE_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class CommandPalette(QDialog):
    """Sections "Actions", "People", "Invoices"; the first result is selected, Up and Down
    move from the text field, Enter runs, Escape closes."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Find an action, a person or an invoice")
        self.setModal(True)
        self.resize(min(640, window.width() - 80), 420)
        self.commands: list[Command] = collect_commands(window)
        self.found = Found(text="")
        self.input = QLineEdit(self)
        self.input.setPlaceholderText("Type an action, a name or an invoice number")
        self.input.setAccessibleName("Find")
        self.input.textEdited.connect(self._typed)
        self.input.installEventFilter(self)
        self.results = QListWidget(self)
        self.results.setAccessibleName("Results")
        self.results.itemActivated.connect(self._run_item)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.input)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        self.lookup = QTimer(self)
        self.lookup.setSingleShot(True)
        self.lookup.setInterval(DEBOUNCE_MS)
        self.lookup.timeout.connect(self._look_up)
        self._fill()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.activateWindow()  # the keys go here at once, whatever had the focus before
        self.input.setFocus()

    # --- typing -----------------------------------------------------------------------------

    def _typed(self, _text: str) -> None:
        self.found = Found(text="")  # what was found was for other text
        self.note.setText("")
        self._fill()
        if len(self.input.text().strip()) >= MIN_LENGTH:
            self.lookup.start()  # restarts: one look-up once typing stops

    def _look_up(self) -> None:
        text = self.input.text().strip()
        window = self.window_
        self.note.setText("Looking for people and invoices\N{HORIZONTAL ELLIPSIS}")
        window.runner.run(
            window.services.quick_find.find,
            window.actor,
            text,
            on_done=self._arrived,
            on_error=self._failed,
            key=self._key(),  # a newer look-up makes this one's answer stale
        )

    def done(self, result: int) -> None:
        """Closed: a look-up still running is forgotten (its answer would find no list)."""
        self.lookup.stop()
        self.window_.runner.cancel(self._key())
        super().done(result)

    def _key(self) -> str:
        return f"palette:{id(self)}"

    def _arrived(self, found: Found) -> None:
        if not self.isVisible() or found.text != self.input.text().strip():
            return  # typed on since: the next answer is on its way
        self.found = found
        self.note.setText("" if found.people or found.invoices else "No person or invoice found.")
        self._fill()

    def _failed(self, exc: BaseException) -> None:
        self.note.setText("People and invoices could not be looked up just now.")
        self.window_.presenter.present(exc, parent=self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in MOVE_KEYS:
                self._move(Qt.Key(event.key()))
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self._run_item(item)
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: Qt.Key) -> None:
        """Up and Down skip the section titles."""
        step = -1 if key in (Qt.Key.Key_Up, Qt.Key.Key_PageUp) else 1
        row = self.results.currentRow()
        while 0 <= row + step < self.results.count():
            row += step
            if self.results.item(row).data(ROLE) is not None:
                self.results.setCurrentRow(row)
                return

    # --- the list ---------------------------------------------------------------------------

    def matching_commands(self, text: str) -> list[Command]:
        if not text.strip():
            return self.commands
        hits = process.extract(
            text.lower(),
            [c.search_text for c in self.commands],
            scorer=fuzz.WRatio,
            score_cutoff=ACTION_CUTOFF,
            limit=SHOWN_ACTIONS,
        )
        # Only the close ones: "pay" is Record payment and Pay by link, not every "...day".
        best = max((score for _text, score, _index in hits), default=0)
        return [self.commands[i] for _t, score, i in hits if score >= best - CLOSE_TO_BEST]

    def _fill(self) -> None:
        text = self.input.text()
        self.results.clear()
        commands = self.matching_commands(text)
        if commands:
            self._section("Actions")
            for command in commands:
                self._add(_command_text(command), ("command", command), command.enabled)
        if self.found.people:
            self._section("People")
            for person in self.found.people:
                self._add(_person_text(person), ("person", person))
        if self.found.invoices:
            self._section("Invoices")
            for invoice in self.found.invoices:
                self._add(_invoice_text(invoice), ("invoice", invoice))
        if not commands and text.strip() and self.lookup.isActive():
            self.note.setText("Looking for people and invoices\N{HORIZONTAL ELLIPSIS}")
        self._select_first()

    def _select_first(self) -> None:
        """The first result that can run (a greyed action needs something first)."""
        for row in range(self.results.count()):
            data = self.results.item(row).data(ROLE)
            if data is not None and (data[0] != "command" or data[1].enabled):
                self.results.setCurrentRow(row)
                return
        self.results.setCurrentRow(-1)
        self._move(Qt.Key.Key_Down)

    def _section(self, title: str) -> None:
        item = QListWidgetItem(title)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.results.addItem(item)

    def _add(self, text: str, data: tuple[str, object], enabled: bool = True) -> None:
        item = QListWidgetItem(text)
        item.setData(ROLE, data)
        if not enabled:
            item.setForeground(QBrush(Qt.GlobalColor.gray))
        self.results.addItem(item)

    def lines(self) -> list[str]:
        """What the list shows, as the desk reads it."""
        return [self.results.item(i).text() for i in range(self.results.count())]

    # --- running ----------------------------------------------------------------------------

    def _run_item(self, item: QListWidgetItem) -> None:
        data = item.data(ROLE)
        if data is None:
            return
        kind, what = data
        if kind == "command" and not what.enabled:
            self.note.setText(
                f"{what.title} is not available just now" + (f": {what.why}" if what.why else ".")
            )
            return
        self.accept()
        window = self.window_
        if kind == "command":
            run = what.run
        elif kind == "person":
            run = lambda: window.open_person_page(what.kind, what.id)  # noqa: E731
        else:
            run = lambda: show_invoice(window, what)  # noqa: E731
        QTimer.singleShot(0, run)  # once the palette is gone (the action may open a dialog)


def show_invoice(window: Any, invoice: InvoiceRow) -> None:
    """The Invoices tab with that invoice selected: found by its number in the tab's own
    search, as the desk would type it, when it is not among the rows shown."""
    tab = window.select_tab("invoices")
    if tab.has_loaded and tab.select_key(invoice.id):
        return
    search: QWidget | None = getattr(tab, "search", None)
    tab.loaded.connect(lambda: tab.select_key(invoice.id), Qt.ConnectionType.SingleShotConnection)
    if isinstance(search, QLineEdit):
        search.setText(invoice.number or invoice.payer_name)
    elif not tab.is_loading:
        tab.reload()


def _command_text(command: Command) -> str:
    keys = f"   {command.keys}" if command.keys else ""
    dimmed = "   (not available now)" if not command.enabled else ""
    return f"{command.title}   \N{MIDDLE DOT} {command.area}{keys}{dimmed}"


def _person_text(person: FoundPerson) -> str:
    detail = person.detail if person.kind == "students" else ""
    extra = f"   \N{MIDDLE DOT} {detail}" if detail else ""
    return f"{person.name}   \N{MIDDLE DOT} {PERSON_KINDS[person.kind]}{extra}"


def _invoice_text(invoice: InvoiceRow) -> str:
    status = "Overdue" if invoice.is_overdue else words(invoice.status)
    number = invoice.number or "Draft"
    shown = (invoice.payer_name, status, f"balance {invoice.balance}")
    return f"{number}   \N{MIDDLE DOT} " + " \N{MIDDLE DOT} ".join(shown)
