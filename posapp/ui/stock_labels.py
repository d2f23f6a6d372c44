"""Shelf labels from the stock window: the products chosen by category, by SKU, by a price changed in
the last days (each choice given narrows the list), on one of the sheet layouts, as a PDF to print."""

from __future__ import annotations

import re
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.clock import utcnow
from posapp.domain.users import Permission
from posapp.i18n import N_, _, money
from posapp.ui.stock_common import (
    Access,
    BusyBar,
    CategoryTree,
    button,
    category_paths,
    fit,
    message_label,
    offer_open,
    save_path,
    tell,
)
from posapp.ui.widgets import TOUCH, record_table, while_open

COLUMNS = (N_("SKU"), N_("Name"), N_("Price"), N_("Size"), N_("Barcode"), N_("Category"))
SHOWN = 500  # the list shows the first ones; the PDF has them all


class LabelsPage(QWidget):
    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        self.items: list | None = None
        self.loaded = False
        by_category = QGroupBox(_("By category (tick none: every category)"))
        self.tree = CategoryTree("label_categories")
        self.tree.itemChanged.connect(self._changed)
        QVBoxLayout(by_category).addWidget(self.tree)
        by_sku = QGroupBox(_("By SKU (empty: every SKU)"))
        self.skus = QPlainTextEdit()
        self.skus.setObjectName("label_skus")
        self.skus.setPlaceholderText(_("SKUs, one a line or separated by spaces or commas"))
        self.skus.setTabChangesFocus(True)
        self.skus.textChanged.connect(self._changed)
        QVBoxLayout(by_sku).addWidget(self.skus)
        self.by_price = QCheckBox(_("Only prices changed in the last"))
        self.by_price.setObjectName("label_by_price")
        self.by_price.setMinimumHeight(TOUCH)
        self.by_price.toggled.connect(self._changed)
        self.days = QSpinBox()
        self.days.setObjectName("label_days")
        self.days.setRange(1, 365)
        self.days.setValue(7)
        self.days.setMinimumHeight(TOUCH)
        self.days.setSuffix(" " + _("days"))
        self.days.valueChanged.connect(lambda _v: self.by_price.setChecked(True))
        days = QHBoxLayout()
        days.addWidget(self.by_price)
        days.addWidget(self.days)
        days.addStretch(1)
        choose = QVBoxLayout()
        choose.addWidget(by_category, 3)
        choose.addWidget(by_sku, 1)
        choose.addLayout(days)
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("label_layout")
        self.layout_box.setMinimumHeight(TOUCH)
        self.table = record_table("label_items", [_(c) for c in COLUMNS])
        self.count = QLabel(_("Choose the products (each choice narrows the list), then Find"))
        self.count.setObjectName("label_count")
        right = QVBoxLayout()
        sheet = QHBoxLayout()
        sheet.addWidget(QLabel(_("Sheet")))
        sheet.addWidget(self.layout_box, 1)
        right.addLayout(sheet)
        right.addWidget(self.count)
        right.addWidget(self.table, 1)
        body = QHBoxLayout()
        body.addLayout(choose, 2)
        body.addLayout(right, 3)
        self.message = message_label()
        self.busy = BusyBar()
        self.find_button = button("label_find", _("Find the products"), self.find)
        self.pdf_button = button("label_pdf", _("Make PDF…"), self.make_pdf)
        row = QHBoxLayout()
        row.addWidget(self.find_button)
        row.addWidget(self.pdf_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(row)

    def _changed(self, *_args) -> None:
        """Any change of the choice makes the list found before stale."""
        self.items = None

    def activate(self) -> None:
        """Categories and layouts load the first time the page is shown."""
        if self.loaded:
            return
        self.loaded = True
        try:
            from posapp.reports.labels_pdf import LAYOUTS
        except ImportError:
            LAYOUTS = {}
        for key, layout in LAYOUTS.items():
            self.layout_box.addItem(_(layout.title), key)
        if not LAYOUTS:
            self.pdf_button.setEnabled(False)
            tell(self.message, _("Label printing is not installed on this till"), "error")
        store = self.store
        self.runner.run(lambda: category_paths(store), while_open(self, self._categories), while_open(self, self.refuse))

    def _categories(self, paths: list[str]) -> None:
        self.tree.blockSignals(True)
        self.tree.fill(paths)
        self.tree.blockSignals(False)

    def _choice(self) -> dict:
        categories = self.tree.chosen()
        skus = [s for s in re.split(r"[\s,，;；]+", self.skus.toPlainText()) if s]
        since = utcnow() - timedelta(days=self.days.value()) if self.by_price.isChecked() else None
        return {"categories": categories, "skus": skus, "price_changed_since": since}

    def find(self, then=None) -> None:
        store, actor, choice = self.store, self.access.actor(Permission.RECEIVE_STOCK), self._choice()

        def work():
            from posapp.services import stock_reports

            return stock_reports.label_items(store.uow(), store.station, actor=actor, **choice)

        def found(items) -> None:
            self._show(items)
            if then is not None:
                then()

        self.busy.start(_("Finding the products…"))
        self.runner.run(work, while_open(self, self.busy.wrap(found)), while_open(self, self.busy.wrap(self.refuse)))

    def _show(self, items) -> None:
        self.items = list(items)
        currency = self.store.station.currency
        shown = self.items[:SHOWN]
        self.table.setRowCount(len(shown))
        for row, it in enumerate(shown):
            price = money(it.price, currency) + (f"  ({money(it.regular_price, currency)})" if it.on_sale else "")
            for col, text in enumerate((it.sku, it.name, price, it.size, it.barcode, it.category)):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        fit(self.table, 1)
        self.count.setText(_("{count} labels").format(count=len(self.items)) if len(self.items) <= SHOWN else
                           _("{count} labels (the first {shown} shown)").format(count=len(self.items), shown=SHOWN))

    def make_pdf(self) -> None:
        if self.items is None:  # the choice changed since the last Find: find again first
            self.find(then=self.make_pdf)
            return
        if not self.items:
            self.refuse(_("No products were chosen: there is nothing to print"))
            return
        layout = self.layout_box.currentData()
        path = save_path(self, title=_("Shelf labels"), name=f"labels-{utcnow():%Y%m%d}.pdf", kind="pdf")
        if path is None:
            return
        store, actor, items = self.store, self.access.actor(Permission.RECEIVE_STOCK), list(self.items)

        def work():
            from posapp.services import stock_reports

            return stock_reports.print_labels(store.uow(), store.station, actor=actor, items=items, layout=layout,
                                              path=path)

        def done(run) -> None:
            text = _("{labels} labels on {pages} pages").format(labels=run.labels, pages=run.pages)
            tell(self.message, text, "ok")
            offer_open(self, run.path, text)

        self.busy.start(_("Making the labels…"))
        self.runner.run(work, while_open(self, self.busy.wrap(done)), while_open(self, self.busy.wrap(self.refuse)))

    def refuse(self, text: str) -> None:
        tell(self.message, text, "error")
