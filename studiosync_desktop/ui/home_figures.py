"""The Home tab's figures: a row of cards, each a number, what it is, and the change against
the previous period; the tooltip says exactly what it counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from decimal import Decimal

    from PySide6.QtGui import QMouseEvent

    from studiosync_desktop.schemas.figures import Figure

UP, DOWN = "\N{UPWARDS ARROW}", "\N{DOWNWARDS ARROW}"


def figure_text(value: Decimal, unit: str, currency: str = "") -> str:
    """A figure as it reads: 1,240.50 USD, 87.5%, 12.5 h, 42."""
    if unit == "money":
        return f"{value:,.2f} {currency}".strip()
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "hours":
        return f"{value:,.2f} h".replace(".00 h", " h")
    return f"{value:,.0f}"


def change_text(figure: Figure, currency: str) -> str:
    """'↑ 12.00 vs last month', 'same as last week', '' without a comparison."""
    if figure.previous is None:
        return ""
    delta = figure.value - figure.previous
    if not delta:
        return f"same as {figure.previous_label}"
    arrow = UP if delta > 0 else DOWN
    amount = (
        f"{abs(delta):.1f} points"
        if figure.unit == "percent"
        else figure_text(abs(delta), figure.unit, currency)
    )
    return f"{arrow} {amount} vs {figure.previous_label}"


class FigureCard(QFrame):
    """One figure; a click (or Enter when focused) asks for what is behind it."""

    activated = Signal(str)

    def __init__(self, figure: Figure, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = figure.key
        self.setObjectName(f"figure_{figure.key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.label = QLabel(figure.label, self)
        # The studio's own currency goes without saying on the card (the tooltip says it).
        self.value = QLabel(figure_text(figure.value, figure.unit), self)
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        lines = [t for t in (figure.detail, change_text(figure, "")) if t]
        self.detail = QLabel("\n".join(lines), self)
        self.detail.setEnabled(False)  # muted
        self.detail.setWordWrap(True)
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        layout.addWidget(self.label)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        money = f" Amounts in {currency}." if figure.unit == "money" else ""
        was = (
            f" {figure.previous_label[:1].upper()}{figure.previous_label[1:]}: "
            f"{figure_text(figure.previous, figure.unit, currency)}."
            if figure.previous is not None
            else ""
        )
        self.setToolTip(figure.counts + money + was)
        self.setAccessibleName(f"{figure.label}: {self.value.text()}")
        self.setAccessibleDescription(figure.counts)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.key)


class FigureStrip(QWidget):
    """The glance and the figures in one row (cards wrap their text, never scroll)."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # As tall as the tallest card, never more: the day below takes the rest.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 4)
        self.cards: dict[str, FigureCard] = {}

    def show_figures(self, figures: tuple[Figure, ...], currency: str) -> None:
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cards = {}
        for figure in figures:
            card = FigureCard(figure, currency, self)
            card.activated.connect(self.activated)
            self.cards[figure.key] = card
            self.row.addWidget(card, 1)
