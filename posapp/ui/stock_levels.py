"""The low-stock and below-zero lists of the stock window, and a product's reorder level."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from posapp.domain.errors import PosError
from posapp.domain.stock import StockLevel
from posapp.domain.users import Permission
from posapp.i18n import N_, _, money
from posapp.services import stock as stock_service
from posapp.ui.stock_common import (Access, BusyBar, button, decimal_or_none, field, find_product, fit,
                                    location_name, message_label, qty_text, tell)
from posapp.ui.widgets import TOUCH, record_table, while_open

LISTS = (("low", N_("Low stock (at or below the reorder level)")), ("negative", N_("Below zero (sold without stock)")))
COLUMNS = (N_("SKU"), N_("Name"), N_("Category"), N_("Location"), N_("On hand"), N_("Reorder level"), N_("Unit"),
           N_("Price"), N_("Cost"))
NUMBERS = (4, 5, 7, 8)


class LevelsPage(QWidget):
    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        self.currency = store.station.currency
        self.levels: list[StockLevel] = []
        self.loaded = False
        self.which = QComboBox()
        self.which.setObjectName("levels_list")
        self.which.setMinimumHeight(TOUCH)
        for key, label in LISTS:
            self.which.addItem(_(label), key)
        self.which.currentIndexChanged.connect(lambda _i: self.reload())
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show")))
        top.addWidget(self.which)
        top.addStretch(1)
        top.addWidget(button("levels_refresh", _("Refresh"), self.reload))
        self.table = record_table("levels", [_(c) for c in COLUMNS])
        self.table.itemSelectionChanged.connect(self._selected)
        self.product = field("reorder_product", _("Product: select a line, scan, or type a SKU"))
        self.level = field("reorder_level", _("Reorder level (empty: none)"), 220)
        self.level.returnPressed.connect(self.set_level)
        self.product.returnPressed.connect(self.level.setFocus)
        self.set_button = button("reorder_set", _("Set the reorder level"), self.set_level)
        edit = QHBoxLayout()
        edit.addWidget(self.product, 2)
        edit.addWidget(self.level, 1)
        edit.addWidget(self.set_button)
        self.message = message_label()
        self.busy = BusyBar()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(edit)

    def activate(self) -> None:
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        store, actor, which = self.store, self.access.actor(Permission.RECEIVE_STOCK), self.which.currentData()
        call = stock_service.low_stock if which == "low" else stock_service.below_zero
        self.loaded = True
        self.busy.start(_("Loading…"))
        self.runner.run(lambda: call(store.uow(), store.station, actor=actor),
                        while_open(self, self.busy.wrap(self._show)), while_open(self, self.busy.wrap(self.refuse)))

    def _show(self, levels: list[StockLevel]) -> None:
        self.levels = levels
        self.table.setRowCount(len(levels))
        for row, lv in enumerate(levels):
            cells = (lv.sku, lv.name, lv.category, location_name(lv.location), qty_text(lv.qty),
                     qty_text(lv.reorder_level), lv.unit, money(lv.price, self.currency),
                     "" if lv.cost is None else money(lv.cost, self.currency))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in NUMBERS:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == 4 and lv.qty < 0:
                    item.setForeground(Qt.red)
                self.table.setItem(row, col, item)
        fit(self.table, 1)
        tell(self.message, _("{count} products").format(count=len(levels)) if levels else
             _("Nothing in this list"), "info")

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.levels):
            lv = self.levels[rows[0].row()]
            self.product.setText(lv.sku)
            self.level.setText(qty_text(lv.reorder_level))

    def set_level(self) -> None:
        text = self.product.text().strip()
        if not text:
            self.refuse(_("Choose a product first"))
            return
        try:
            level = decimal_or_none(self.level.text(), _("reorder level"))
        except PosError as exc:
            self.refuse(str(exc))
            return
        store, actor, approval = self.store, self.access.user, self.access.approval(Permission.ADJUST_STOCK)

        def work():
            product, _weight = find_product(store, text)
            stock_service.set_reorder_level(store.uow(), store.station, actor=actor, product_id=product.id,
                                            level=level, approval=approval)
            return product

        def done(product) -> None:
            tell(self.message, _("{name}: reorder level {level}").format(
                name=product.name, level=qty_text(level) if level is not None else _("none")), "ok")
            self.reload()

        self.runner.run(work, while_open(self, done), while_open(self, self.refuse))

    def refuse(self, text: str) -> None:
        tell(self.message, text, "error")
