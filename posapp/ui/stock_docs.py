"""Stock documents from the stock window: receiving a delivery (scan or type each product, or load the
supplier's delivery note), and adjustments: write-offs, stock found, corrections, transfers between
locations. A write-off by someone without adjust_stock asks for a manager's PIN and is posted with it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.errors import PosError
from posapp.domain.stock import ADJUST_NAMES, DocLine, StockDoc, parse_qty
from posapp.domain.users import Permission
from posapp.i18n import N_, _, money
from posapp.services import auth
from posapp.services import stock as stock_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.stock_common import (
    Access,
    BusyBar,
    NeedsApproval,
    button,
    decimal_or_none,
    field,
    fit,
    find_product,
    location_combo,
    location_name,
    message_label,
    or_needs_approval,
    qty_text,
    signed,
    tell,
)
from posapp.ui.widgets import TOUCH, record_table, while_open

COLUMNS = (N_("SKU"), N_("Name"), N_("Location"), N_("Qty"), N_("On the note"), N_("Unit cost"))
QTY, EXPECTED, COST = 3, 4, 5


class ReceivingPage(QWidget):
    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        self.currency = store.station.currency
        self.lines: list[DocLine] = []
        self.weighed: dict[int, bool] = {}
        self._filling = False
        self.code = field("receive_code", _("Scan a barcode, or type a SKU or name, then Enter"))
        self.code.returnPressed.connect(self.add)
        self.qty = field("receive_qty", _("Qty (empty: 1)"), 160)
        self.cost = field("receive_cost", _("Unit cost (optional)"), 180)
        for f in (self.qty, self.cost):
            f.returnPressed.connect(lambda: self.add() if self.code.text().strip() else self.code.setFocus())
        self.location = location_combo("receive_location")
        entry = QHBoxLayout()
        entry.addWidget(self.code, 3)
        entry.addWidget(self.qty, 1)
        entry.addWidget(self.cost, 1)
        entry.addWidget(self.location)
        entry.addWidget(button("receive_add", _("Add"), self.add))
        self.table = record_table("receive_lines", [_(c) for c in COLUMNS])
        self.table.setEditTriggers(self.table.EditTrigger.DoubleClicked | self.table.EditTrigger.EditKeyPressed
                                   | self.table.EditTrigger.AnyKeyPressed)
        self.table.itemChanged.connect(self._edited)
        self.supplier = field("receive_supplier", _("Supplier (optional)"))
        self.note_number = field("receive_note_number", _("Delivery note number (optional)"))
        self.note = field("receive_note", _("Note (optional)"))
        form = QFormLayout()
        form.addRow(_("Supplier"), self.supplier)
        form.addRow(_("Delivery note"), self.note_number)
        form.addRow(_("Note"), self.note)
        self.message = message_label()
        self.busy = BusyBar()
        self.post_button = button("receive_post", _("Post the receiving"), self.post)
        row = QHBoxLayout()
        for b in (button("receive_remove", _("Remove the line"), self.remove),
                  button("receive_clear", _("Clear"), self.clear),
                  button("receive_load", _("Load delivery note…"), self.load_note)):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.post_button)
        layout = QVBoxLayout(self)
        layout.addLayout(entry)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self._fill()

    def activate(self) -> None:
        self.code.setFocus()

    # --- the lines ----------------------------------------------------------------------------
    def add(self) -> None:
        text = self.code.text().strip()
        if not text:
            self.code.setFocus()
            return
        qty_typed, cost_typed, location = self.qty.text(), self.cost.text(), self.location.currentData()
        store = self.store
        self.code.clear()
        self.runner.run(lambda: find_product(store, text),
                        while_open(self, lambda found: self._add(*found, qty_typed, cost_typed, location)),
                        while_open(self, self.refuse))

    def _add(self, product, weight, qty_typed: str, cost_typed: str, location: str) -> None:
        try:
            if qty_typed.strip():
                qty = parse_qty(qty_typed, weighed=product.weighed)
            elif weight:  # a weighed item's own code carries 0: it must be weighed
                qty = weight
            elif product.weighed:
                raise PosError(_("{name} is sold by weight: type the weight").format(name=product.name))
            else:
                qty = Decimal(1)
            cost = decimal_or_none(cost_typed, _("unit cost"))
        except PosError as exc:
            self.refuse(str(exc))
            return
        self.weighed[product.id] = product.weighed
        same = next((i for i, ln in enumerate(self.lines)
                     if ln.product_id == product.id and ln.location == location), None)
        if same is None:
            self.lines.append(DocLine(product_id=product.id, qty=qty, location=location, cost=cost, sku=product.sku,
                                      name=product.name))
            same = len(self.lines) - 1
        else:
            ln = self.lines[same]
            self.lines[same] = replace(ln, qty=ln.qty + qty, cost=cost if cost is not None else ln.cost)
        self.qty.clear()
        self.cost.clear()
        self._fill(select=same)
        tell(self.message, _("+{qty} {name} ({total} on this delivery)").format(
            qty=qty_text(qty), name=product.name, total=qty_text(self.lines[same].qty)), "ok")
        self.code.setFocus()

    def _fill(self, select: int | None = None) -> None:
        self._filling = True
        self.table.setRowCount(len(self.lines))
        for row, ln in enumerate(self.lines):
            cells = (ln.sku, ln.name, location_name(ln.location), qty_text(ln.qty), qty_text(ln.expected),
                     "" if ln.cost is None else f"{ln.cost}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col not in (QTY, COST):
                    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                if col in (QTY, EXPECTED, COST):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == QTY and ln.expected is not None and ln.qty != ln.expected:
                    item.setForeground(Qt.red)  # short or over against the note
                self.table.setItem(row, col, item)
        self.table.setColumnHidden(EXPECTED, not any(ln.expected is not None for ln in self.lines))
        fit(self.table, 1)
        self._filling = False
        if select is not None:
            self.table.selectRow(select)
        total = sum((ln.qty for ln in self.lines), Decimal(0))
        self.post_button.setText(_("Post the receiving ({lines} lines, {qty} units)").format(
            lines=len(self.lines), qty=qty_text(total)) if self.lines else _("Post the receiving"))

    def _edited(self, item: QTableWidgetItem) -> None:
        """A quantity or a cost changed in its cell."""
        if self._filling or item.row() >= len(self.lines):
            return
        row, ln = item.row(), self.lines[item.row()]
        try:
            if item.column() == QTY:
                self.lines[row] = replace(ln, qty=parse_qty(item.text(), weighed=self.weighed.get(ln.product_id, False),
                                                            allow_zero=ln.expected is not None))
            elif item.column() == COST:
                self.lines[row] = replace(ln, cost=decimal_or_none(item.text(), _("unit cost")))
        except PosError as exc:
            self.refuse(str(exc))
        self._fill(select=row)

    def remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.refuse(_("Select a line first"))
            return
        del self.lines[rows[0].row()]
        self._fill()

    def clear(self) -> None:
        self.lines = []
        for f in (self.supplier, self.note_number, self.note, self.qty, self.cost, self.code):
            f.clear()
        self._fill()
        self.code.setFocus()

    def load_note(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(self, _("Load a delivery note"), "",
                                                    _("CSV files (*.csv);;All files (*)"))
        if not path:
            return
        store = self.store

        def work():
            from posapp.services import stock_files

            return stock_files.read_delivery_note(store.uow(), store.station, path)

        def loaded(lines: list[DocLine]) -> None:
            self.lines = list(lines)
            self.weighed = {}
            self._fill()
            tell(self.message, _("{count} lines loaded from the delivery note: check them, then post").format(
                count=len(lines)), "ok")

        self.busy.start(_("Reading the delivery note…"))
        self.runner.run(work, while_open(self, self.busy.wrap(loaded)), while_open(self, self.busy.wrap(self.refuse)))

    def refuse(self, text: str) -> None:
        if "\n" in text:  # a file's bad rows: every one, in a box that scrolls
            head, _sep, rows = text.partition("\n")
            box = QMessageBox(QMessageBox.Warning, _("Nothing was loaded"), head, parent=self)
            box.setDetailedText(rows)
            box.exec()
            box.deleteLater()
            text = head
        tell(self.message, text, "error")
        self.code.setFocus()

    # --- posting ------------------------------------------------------------------------------
    def post(self) -> None:
        if not self.lines:
            self.refuse(_("Nothing to post: scan what came in first"))
            return
        store, actor, lines = self.store, self.access.user, list(self.lines)
        approval = self.access.approval(Permission.RECEIVE_STOCK)
        supplier, delivery_note, note = self.supplier.text(), self.note_number.text(), self.note.text()

        def done(doc: StockDoc) -> None:
            self.post_button.setEnabled(True)
            self.clear()
            total = sum((ln.qty for ln in doc.lines), Decimal(0))
            cost = sum((ln.qty * ln.cost for ln in doc.lines if ln.cost is not None), Decimal(0))
            text = _("Received {number}: {lines} lines, {qty} units").format(
                number=doc.number, lines=len(doc.lines), qty=qty_text(total))
            if cost:
                text += "  " + _("(cost {amount})").format(amount=money(cost, self.currency))
            tell(self.message, text, "ok")

        def refused(text: str) -> None:
            self.post_button.setEnabled(True)
            self.refuse(text)

        self.post_button.setEnabled(False)
        self.busy.start(_("Posting…"))
        self.runner.run(lambda: stock_service.receive_stock(store.uow(), store.station, actor=actor, lines=lines,
                                                            supplier=supplier, delivery_note=delivery_note, note=note,
                                                            approval=approval),
                        while_open(self, self.busy.wrap(done)), while_open(self, self.busy.wrap(refused)))


class AdjustPage(QWidget):
    """A write-off, stock found or a correction of one product; a transfer between locations."""

    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        self.product = field("adjust_product", _("Scan a barcode, or type a SKU or name"))
        self.qty = field("adjust_qty", _("Quantity"), 320)
        self.location = location_combo("adjust_location")
        self.reason = QComboBox()
        self.reason.setObjectName("adjust_reason")
        self.reason.setMinimumHeight(TOUCH)
        for key, label in ADJUST_NAMES.items():
            self.reason.addItem(_(label), key)
        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.note = field("adjust_note", _("What happened (optional)"))
        self.adjust_button = button("adjust_post", _("Post the adjustment"), self.adjust)
        for f in (self.product, self.qty, self.note):
            f.returnPressed.connect(self.adjust)
        form = QFormLayout()
        form.addRow(_("Product"), self.product)
        form.addRow(_("Quantity"), self.qty)
        form.addRow(_("Location"), self.location)
        form.addRow(_("Reason"), self.reason)
        form.addRow(_("Note"), self.note)
        form.addRow("", self.adjust_button)
        adjust = QGroupBox(_("Write-off or adjustment"))
        adjust.setLayout(form)
        self.move_product = field("transfer_product", _("Scan a barcode, or type a SKU or name"))
        self.move_qty = field("transfer_qty", _("Quantity"), 320)
        self.source = location_combo("transfer_from", current="sellable")
        self.target = location_combo("transfer_to", current="damaged")
        self.move_note = field("transfer_note", _("Note (optional)"))
        self.transfer_button = button("transfer_post", _("Transfer"), self.transfer)
        moves = QFormLayout()
        moves.addRow(_("Product"), self.move_product)
        moves.addRow(_("Quantity"), self.move_qty)
        moves.addRow(_("Move from"), self.source)
        moves.addRow(_("Move to"), self.target)
        moves.addRow(_("Note"), self.move_note)
        moves.addRow("", self.transfer_button)
        transfer = QGroupBox(_("Transfer between locations"))
        transfer.setLayout(moves)
        self.done_list = QListWidget()
        self.done_list.setObjectName("adjust_done")
        self.message = message_label()
        self.busy = BusyBar()
        top = QHBoxLayout()
        top.addWidget(adjust, 1)
        top.addWidget(transfer, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("Posted during this visit")))
        layout.addWidget(self.done_list, 1)
        self._reason_changed()

    def activate(self) -> None:
        self.product.setFocus()

    def _reason_changed(self, *_args) -> None:
        key = self.reason.currentData()
        self.qty.setPlaceholderText(_("Signed: -2 takes two off, 3 adds three") if key == "correction" else
                                    _("How many (found adds, the others take off)"))

    def adjust(self) -> None:
        text, qty_typed, reason = self.product.text().strip(), self.qty.text().strip(), self.reason.currentData()
        location, note, store, user = self.location.currentData(), self.note.text(), self.store, self.access.user
        if not text or not qty_typed:
            self.refuse(_("Type the product and the quantity"))
            return

        def call(approval):
            product, _weight = find_product(store, text)
            qty = decimal_or_none(qty_typed, _("quantity")) if reason == "correction" else \
                parse_qty(qty_typed, weighed=product.weighed)
            line = DocLine(product_id=product.id, qty=qty, location=location)
            return stock_service.adjust_stock(store.uow(), store.station, actor=user, reason=reason, lines=[line],
                                              note=note, approval=approval)

        def done(doc: StockDoc) -> None:
            for f in (self.product, self.qty, self.note):
                f.clear()
            ln = doc.lines[0]
            text = _("{number}: {qty} {name} ({location}, {reason})").format(
                number=doc.number, qty=signed(ln.qty), name=ln.name, location=location_name(ln.location),
                reason=_(ADJUST_NAMES[doc.reason]))
            if doc.approver:
                text += "  " + _("approved by {name}").format(name=doc.approver)
            self._posted(text)
            self.product.setFocus()

        self._post(Permission.ADJUST_STOCK, self.adjust_button, call, done)

    def transfer(self) -> None:
        text, qty_typed, store = self.move_product.text().strip(), self.move_qty.text().strip(), self.store
        source, target, note = self.source.currentData(), self.target.currentData(), self.move_note.text()
        if not text or not qty_typed:
            self.refuse(_("Type the product and the quantity"))
            return

        def call(approval):
            product, _weight = find_product(store, text)
            qty = parse_qty(qty_typed, weighed=product.weighed)
            return stock_service.transfer_stock(store.uow(), store.station, actor=self.access.user,
                                                product_id=product.id, qty=qty, source=source, target=target,
                                                note=note, approval=approval)

        def done(doc: StockDoc) -> None:
            for f in (self.move_product, self.move_qty, self.move_note):
                f.clear()
            ln = doc.lines[-1]
            self._posted(_("{number}: {qty} {name} from {source} to {target}").format(
                number=doc.number, qty=qty_text(ln.qty), name=ln.name, source=location_name(source),
                target=location_name(target)))
            self.move_product.setFocus()

        self._post(Permission.ADJUST_STOCK, self.transfer_button, call, done)

    def _post(self, permission: Permission, trigger, call, done, approve: tuple[str, str] | None = None) -> None:
        """call(approval) on the worker; refused for want of permission, ask a manager's PIN and again."""
        store, access = self.store, self.access

        def work():
            approval = access.approval(permission)
            if approve is not None:  # a PIN refused is a refusal, not another question
                approval = auth.approve(store.uow(), store.station, approver=approve[0], pin=approve[1],
                                        permission=permission, for_user=access.user)
            return or_needs_approval(lambda: call(approval))

        def answered(result) -> None:
            trigger.setEnabled(True)
            if not isinstance(result, NeedsApproval):
                done(result)
                return
            if approve is not None:
                self.refuse(result)
                return
            dialog = OverrideDialog(action=_(permission.value.replace("_", " ")), parent=self)
            accepted, who, pin = dialog.exec(), dialog.username.text(), dialog.pin.text()
            dialog.deleteLater()
            if accepted:
                self._post(permission, trigger, call, done, (who, pin))
            else:
                self.refuse(result)

        def refused(text: str) -> None:
            trigger.setEnabled(True)
            self.refuse(text)

        trigger.setEnabled(False)
        self.busy.start(_("Posting…"))
        self.runner.run(work, while_open(self, self.busy.wrap(answered)), while_open(self, self.busy.wrap(refused)))

    def _posted(self, text: str) -> None:
        tell(self.message, text, "ok")
        self.done_list.insertItem(0, text)

    def refuse(self, text: str) -> None:
        tell(self.message, text, "error")
