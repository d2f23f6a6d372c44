"""The till page as far as the catalog goes: scan or search, see what the product is and costs.

The basket, payments and receipts are built on this page by the checkout work.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _, money
from posapp.services import catalog
from posapp.ui.widgets import say

SEARCH_LIMIT = 100


class ProductTable(QAbstractTableModel):
    COLUMNS = ("SKU", "Name", "Price", "Unit", "Barcode")

    def __init__(self, currency: str):
        super().__init__()
        self.currency = currency
        self.rows: list = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return _(self.COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role == Qt.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role != Qt.DisplayRole:
            return None
        p = self.rows[index.row()]
        name = p.name if not p.name_en else f"{p.name}   {p.name_en}"
        return (p.sku, name, money(p.price, self.currency) + (f" /{p.unit}" if p.weighed else ""),
                p.unit, p.barcodes[0] if p.barcodes else "")[index.column()]


class TillPage(QWidget):
    log_out = Signal()

    def __init__(self, *, store, runner, parent=None):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.scan = QLineEdit()
        self.scan.setObjectName("scan")
        self.scan.setPlaceholderText(_("Scan a barcode, or type a name, pinyin initials or SKU, then Enter"))
        self.scan.returnPressed.connect(self.submit)
        font = QFont()
        font.setPointSize(15)
        self.scan.setFont(font)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.model = ProductTable(store.config.store.currency)
        self.table = QTableView()
        self.table.setObjectName("products")
        self.table.setModel(self.model)
        self.table.setFocusPolicy(Qt.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.setAlternatingRowColors(True)
        for column in (0, 2, 3, 4):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeToContents)
        out = QPushButton(_("Log out"))
        out.setObjectName("logout")
        out.setFocusPolicy(Qt.NoFocus)
        out.clicked.connect(self.log_out.emit)
        top = QHBoxLayout()
        top.addWidget(self.scan, 1)
        top.addWidget(out)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.scan.setFocus()

    def submit(self) -> None:
        text = self.scan.text().strip()
        self.scan.clear()
        if not text:
            return
        store = self.store
        self.message.setText(_("Looking up {text}…").format(text=text))
        if text.isdigit() and len(text) >= 8:
            self.runner.run(lambda: [catalog.lookup_scan(store.uow(), store.station, text).product],
                            lambda rows: self._show(rows, text), self._refused)
        else:
            self.runner.run(lambda: catalog.search_products(store.uow(), text, limit=SEARCH_LIMIT),
                            lambda rows: self._show(rows, text), self._refused)

    def _show(self, rows, text: str) -> None:
        self.model.set_rows(rows)
        if len(rows) >= SEARCH_LIMIT:
            note = _("The first {count} for {text}; type more to narrow it down")
        else:
            note = _("{count} found for {text}")
        self._say(note.format(count=len(rows), text=text), error=False)

    def _refused(self, message: str) -> None:
        QApplication.beep()
        self._say(message, error=True)

    def _say(self, message: str, *, error: bool) -> None:
        say(self.message, message, error=error)
        self.scan.setFocus()
