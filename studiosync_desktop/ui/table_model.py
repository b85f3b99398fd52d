"""One generic table model over a tuple of frozen DTO rows, with columns declared as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap

from studiosync_desktop.vocabulary import words as vocabulary_words

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

RowT = TypeVar("RowT")
Index = QModelIndex | QPersistentModelIndex

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# A person's photo before their name in a list: about one line of text high.
PICTURE_SIZE = 20
CENTER = Qt.AlignmentFlag.AlignCenter


def money(value: Any) -> str:
    """1234.5 -> '1,234.50' (exact: Decimal, never float)."""
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%a %d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    return str(value)


def words(value: Any) -> str:
    """A vocabulary value as a receptionist reads it: 'checked-out' -> 'Checked out'."""
    return vocabulary_words(plain(value))


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column: its title, how to get the value from a row, and how to show it."""

    title: str
    getter: Callable[[RowT], Any]
    align: Qt.AlignmentFlag = LEFT
    formatter: Callable[[Any], str] = plain
    width: int | None = None  # a sensible starting width in pixels, when the content varies
    picture: Callable[[RowT], bytes | None] | None = None  # a small image before the text


def money_column(title: str, getter: Callable[[Any], Any], width: int = 90) -> Column[Any]:
    return Column(title, getter, RIGHT, money, width)


# Colours chosen to read on light and dark palettes alike.
ALERT = QColor("#d32f2f")
WARN_BG = QColor(255, 193, 7, 70)


@dataclass(frozen=True)
class RowStyle:
    """Per-row emphasis: text colour, background and bold, decided from the row alone."""

    foreground: QColor | None = None
    background: QColor | None = None
    bold: bool = False


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """Read-only rows; `data()` only reads the tuple it holds (never any I/O)."""

    def __init__(
        self,
        columns: Sequence[Column[RowT]],
        rows: Sequence[RowT] = (),
        row_style: Callable[[RowT], RowStyle | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[RowT, ...] = tuple(rows)
        self._row_style = row_style
        self._bold = QFont()
        self._bold.setBold(True)
        self._pictures: dict[int, QPixmap] = {}

    # --- contents ---------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column[RowT], ...]:
        return self._columns

    @property
    def rows(self) -> tuple[RowT, ...]:
        return self._rows

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """A new query result: the view starts over."""
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def set_columns(self, columns: Sequence[Column[RowT]], rows: Sequence[RowT] = ()) -> None:
        """Other columns (another view of a tab): the view starts over."""
        self.beginResetModel()
        self._columns = tuple(columns)
        self._rows = tuple(rows)
        self.endResetModel()

    def replace_rows(self, rows: Sequence[RowT], key: Callable[[RowT], Any] = lambda r: r) -> bool:
        """A fresh copy of the same query (a live update): when the keys are the same, in the
        same order, only the changed rows are repainted and the selection and scroll stay;
        otherwise the model is reset (the tab restores the selection by key). True when kept."""
        new = tuple(rows)
        if len(new) == len(self._rows) and all(
            key(a) == key(b) for a, b in zip(new, self._rows, strict=True)
        ):
            changed = [i for i, (a, b) in enumerate(zip(new, self._rows, strict=True)) if a != b]
            self._rows = new
            last = len(self._columns) - 1
            for i in changed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
            return True
        self.set_rows(new)
        return False

    def row_of(self, key_value: Any, key: Callable[[RowT], Any]) -> int:
        """The row whose key is `key_value`, or -1."""
        for i, row in enumerate(self._rows):
            if key(row) == key_value:
                return i
        return -1

    def update_row(self, row: int, value: RowT) -> None:
        """One row changed: only its cells are repainted, selection and scroll stay."""
        rows = list(self._rows)
        rows[row] = value
        self._rows = tuple(rows)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def _picture(self, data: bytes | None) -> QPixmap | None:
        """A row's picture (a person's photo), decoded once and kept icon-sized."""
        if not data:
            return None
        key = hash(data)
        found = self._pictures.get(key)
        if found is None:
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            size = PICTURE_SIZE
            found = pixmap.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._pictures[key] = found
        return found

    # --- Qt -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.formatter(column.getter(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            text = column.formatter(column.getter(row))
            return text if len(text) > 30 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.UserRole:
            return column.getter(row)  # the raw value: for sorting and tests
        if role == Qt.ItemDataRole.DecorationRole and column.picture is not None:
            return self._picture(column.picture(row))
        if role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.FontRole,
        ):
            style = self._row_style(row) if self._row_style else None
            if style is None:
                return None
            if role == Qt.ItemDataRole.ForegroundRole and style.foreground is not None:
                return QBrush(style.foreground)
            if role == Qt.ItemDataRole.BackgroundRole and style.background is not None:
                return QBrush(style.background)
            if role == Qt.ItemDataRole.FontRole and style.bold:
                return self._bold
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            column = self._columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(column.align.value)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None
