"""The basket as a table: the line just added is selected and scrolled into view."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from posapp.i18n import _, money

COLUMNS = ("#", "Name", "Qty", "Price", "Discount", "Total")
DISPLAY, ALIGN = int(Qt.DisplayRole), int(Qt.TextAlignmentRole)
RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


class BasketModel(QAbstractTableModel):
    updated = Signal()  # after every set_lines, whatever it had to change

    def __init__(self, currency: str):
        super().__init__()
        self.currency = currency
        self.lines: list = []
        self.texts: list[tuple[str, ...]] = []
        self.shown: list = []  # per row: the (line, its line promotions and total) its texts were made from

    def set_lines(self, lines, pricing=None) -> None:
        """Show lines, telling the view only what changed: a scan appends a row (and a promotion may
        change a few others), so the view repaints those instead of laying out the whole basket."""
        lines = list(lines)
        old = self.texts
        # Each row is formatted once, not per data() call; unchanged lines (the basket keeps the same
        # objects, and their promotions are the same) keep their texts: a scan formats one row, not 200.
        priced = [pricing.lines[line.line_no] if pricing else None for line in lines]
        # What a row shows of its promotions: the line promotions and the line's total.
        shown = [(line, (p.line_savings, p.total) if p else None) for line, p in zip(lines, priced)]
        texts = [old[i] if i < len(old) and self.shown[i][0] is line and self.shown[i][1] == look
                 else self._row_texts(line, priced[i]) for i, (line, look) in enumerate(shown)]
        self.shown = shown
        keep = len(old) <= len(texts) and all(
            a.line_no == b.line_no for a, b in zip(self.lines, lines))
        if not keep:
            self.beginResetModel()
            self.lines, self.texts = lines, texts
            self.endResetModel()
            self.updated.emit()
            return
        changed = [i for i, (a, b) in enumerate(zip(old, texts)) if a != b]
        self.lines = lines
        self.texts[: len(old)] = texts[: len(old)]
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1),
                                  [Qt.DisplayRole])
        if len(texts) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(texts) - 1)
            self.texts.extend(texts[len(old):])
            self.endInsertRows()
        self.updated.emit()

    def _row_texts(self, line, priced) -> tuple[str, ...]:
        qty = f"{line.qty:.3f} {line.product.unit}" if line.product.weighed else f"{line.qty:f}"
        price = money(line.unit_price, self.currency)
        if line.unit_price != line.list_price:
            price += f" ({money(line.list_price, self.currency)})"
        parts = [f"-{money(line.discount, self.currency)}"] if line.discount else []
        savings = priced.line_savings if priced else ()
        parts += [f"-{money(s.amount, self.currency)} {s.name}" for s in savings]
        total = priced.total if priced else line.total
        return (str(line.line_no), line.product.name, qty, price, "  ".join(parts), money(total, self.currency))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.texts)

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
