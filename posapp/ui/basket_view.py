"""The basket as a table: the line just added is selected and scrolled into view."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from posapp.i18n import _, money

COLUMNS = ("#", "Name", "Qty", "Price", "Discount", "Total")
DISPLAY, ALIGN = int(Qt.DisplayRole), int(Qt.TextAlignmentRole)
RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


class BasketModel(QAbstractTableModel):
    def __init__(self, currency: str):
        super().__init__()
        self.currency = currency
        self.lines: list = []
        self.texts: list[tuple[str, ...]] = []

    def set_lines(self, lines) -> None:
        # Format each row once here: Qt asks data() many times per cell while sizing and painting.
        self.beginResetModel()
        self.lines = list(lines)
        self.texts = [self._row_texts(line) for line in self.lines]
        self.endResetModel()

    def _row_texts(self, line) -> tuple[str, ...]:
        qty = f"{line.qty:.3f} {line.product.unit}" if line.product.weighed else f"{line.qty:f}"
        price = money(line.unit_price, self.currency)
        if line.unit_price != line.list_price:
            price += f" ({money(line.list_price, self.currency)})"
        discount = f"-{money(line.discount, self.currency)}" if line.discount else ""
        return (str(line.line_no), line.product.name, qty, price, discount,
                money(line.total, self.currency))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return _(COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role == DISPLAY:
            return self.texts[index.row()][index.column()]
        if role == ALIGN and index.column() >= 2:
            return RIGHT
        return None

    def row_of(self, line_no: int) -> int:
        return next((i for i, line in enumerate(self.lines) if line.line_no == line_no), -1)
