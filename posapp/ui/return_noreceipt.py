"""A return without a receipt at the till (F10, F4): each item scanned or typed with its quantity and
reason, the refund per unit (the lowest price of the last 30 days) looked up off the UI thread and shown
before anything is written, then a manager's PIN and the return, refunded as the store is configured:
store credit (a new voucher) or cash."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.domain.basket_lines import KG_IN_UNIT
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.returns import REASONS
from posapp.domain.users import Permission
from posapp.i18n import N_, _, money
from posapp.services import auth, catalog
from posapp.services import unreceipted as unreceipted_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.widgets import say

COLUMNS = (N_("Item"), N_("Qty"), N_("Reason"), N_("Lowest price"), N_("Refund"))
KEYS = list(REASONS)  # 1-5 choose the reason
ENTER = (Qt.Key_Return, Qt.Key_Enter)


def take(till) -> None:
    """The no-receipt dialog; done, the till says what was refunded and prints the return receipt."""
    dialog = NoReceiptDialog(store=till.store, runner=till.runner, user=till.user, parent=till)
    accepted, done = dialog.exec(), dialog.completed
    dialog.deleteLater()
    if not accepted or done is None:
        till.scan.setFocus()
        return
    doc = done.sale
    amount = money(-sum((p.amount for p in doc.payments), Decimal(0)), till.currency)
    text = _("Return {number} done: refund {amount}").format(number=doc.number, amount=amount)
    voucher = next((p.reference for p in doc.payments if p.tender == "voucher"), "")
    text += "  " + (_("as store credit: new voucher {voucher}").format(voucher=voucher) if voucher
                    else _("in cash"))
    till.last_sale = doc.number
    till.total.setText(_("Refund: {amount}").format(amount=amount))
    till.info(text)
    till.sale_completed.emit(done)  # prints the return receipt (无小票退货, the new voucher's number)


class _ReasonBox(QComboBox):
    """The reasons; a digit chooses one at once (the list's own type-ahead joins quick keys: "2", "1" = "21")."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        text = event.text()
        if text.isdigit() and 1 <= int(text) < self.count():
            self.setCurrentIndex(int(text))
        else:
            super().keyPressEvent(event)


@dataclass
class _Item:
    code: str  # as scanned or typed: the service looks it up the same way
    name: str
    qty: Decimal
    reason: str
    price: Decimal  # the refund per unit
    amount: Decimal  # the line's refund (with its tax when prices exclude tax)


class NoReceiptDialog(QDialog):
    """The items brought back without a receipt, what each refunds, and the return taken with a PIN."""

    def __init__(self, *, store, runner, user, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user = store, runner, user
        self.station, self.currency = store.station, store.station.currency
        self.items: list[_Item] = []
        self.completed, self.busy, self.live = None, False, True
        self.setWindowTitle(_("Return without a receipt"))
        layout = QVBoxLayout(self)
        how = _("as store credit (a new voucher)") if self.station.no_receipt_refund == "voucher" else _("in cash")
        lead = QLabel(_("A manager approves a return without a receipt with their PIN. Each unit refunds the "
                        "lowest price the item had in the last {days} days, {how}.").format(
            days=unreceipted_service.LOWEST_PRICE_DAYS, how=how))
        lead.setObjectName("lead")
        lead.setWordWrap(True)
        lead.setStyleSheet("font-weight: bold;")
        layout.addWidget(lead)
        layout.addLayout(self._entry_row())
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("items")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        layout.addWidget(self.table, 1)
        hint = QLabel(_("Enter adds the item · on a line, 1-5 change its reason and Del removes it · "
                        "Enter with the code empty takes the return · Esc closes"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        self.refund = QLabel()
        self.refund.setObjectName("refund")
        self.refund.setStyleSheet("font-size: 24px; font-weight: bold;")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        add = buttons.addButton(_("Add the item (Enter)"), QDialogButtonBox.ActionRole)
        add.clicked.connect(self.add)
        self.ok = buttons.addButton(_("Take the return (a manager's PIN)"), QDialogButtonBox.AcceptRole)
        self.ok.clicked.connect(self.submit)
        buttons.addButton(_("Cancel (Esc)"), QDialogButtonBox.RejectRole).clicked.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.NoFocus)
        for widget in (self.refund, self.message, buttons):
            layout.addWidget(widget)
        self._show_items()
        self.resize(820, 560)

    def _entry_row(self) -> QHBoxLayout:
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText(_("Scan or type the barcode or SKU"))
        self.qty = QLineEdit("1")
        self.qty.setObjectName("qty")
        self.qty.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}([.]\d{0,3})?"), self.qty))
        self.qty.setMaximumWidth(self.qty.fontMetrics().horizontalAdvance("0" * 10))
        self.reason = _ReasonBox()
        self.reason.setObjectName("reason")
        self.reason.addItem(_("choose 1-5"), "")
        for i, key in enumerate(KEYS, start=1):
            self.reason.addItem(f"{i} {_(REASONS[key])}", key)
        row = QHBoxLayout()
        for label, widget, stretch in ((_("Item"), self.code, 3), (_("Qty"), self.qty, 0),
                                       (_("Reason"), self.reason, 2)):
            row.addWidget(QLabel(label))
            row.addWidget(widget, stretch)
        return row

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.activateWindow()
        self.code.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        key, text, row = event.key(), event.text(), self.table.currentRow()
        if key in ENTER and self.code.text().strip():
            self.add()
        elif key in ENTER:
            self.submit()
        elif self.table.hasFocus() and row >= 0 and text.isdigit() and 1 <= int(text) <= len(KEYS):
            self.items[row].reason = KEYS[int(text) - 1]
            self._show_items(row)
        elif self.table.hasFocus() and row >= 0 and key in (Qt.Key_Delete, Qt.Key_Backspace):
            del self.items[row]
            self._show_items(min(row, len(self.items) - 1))
        else:
            super().keyPressEvent(event)

    # --- the items ----------------------------------------------------------------------------
    def add(self) -> None:
        if self.busy:
            return
        code, qty_text, reason = self.code.text().strip(), self.qty.text().strip(), self.reason.currentData()
        if "*" in code:  # 3*6901234567892, as at the till
            qty_text, _star, code = (x.strip() for x in code.partition("*"))
        try:
            qty = Decimal(qty_text) if qty_text else None
        except InvalidOperation:
            qty = Decimal(-1)
        if not code:
            self.show_error(_("Scan or type the barcode or SKU"))
            self.code.setFocus()
            return
        if not reason:
            self.show_error(_("Choose the reason first: 1-5"))
            self.reason.setFocus()
            return
        store, station = self.store, self.station

        def work():
            uow = store.uow()
            try:  # the way the service finds it: a barcode, else a SKU
                found = catalog.lookup_scan(uow, station, code)
                product, embedded = found.product, found.code.embedded
            except (NotFound, ValidationError):
                product, embedded = catalog.find_sku(uow, code), None
            return product, embedded, unreceipted_service.lowest_price(uow, station, product, now=utcnow())

        self._busy(True)
        say(self.message, _("Looking up {code}…").format(code=code))
        self.runner.run(work, lambda found: self._found(code, qty, reason, *found), self._refused)

    def _found(self, code, qty, reason, product, embedded, price) -> None:
        if not self.live:
            return
        self._busy(False)
        if embedded is not None and embedded.kind == "weight" and product.weighed:  # the label's weight
            qty = (embedded.value * KG_IN_UNIT.get(product.unit, Decimal(1))).quantize(Decimal("0.001"))
        if qty is None or not qty.is_finite() or qty <= 0 or qty > unreceipted_service.MAX_QTY:
            self.show_error(_("Return a quantity above 0 of {name}").format(name=product.name))
            self.qty.setFocus()
            return
        if not product.weighed and qty != qty.to_integral_value():
            self.show_error(_("{name} is sold by the piece: return whole units").format(name=product.name))
            self.qty.setFocus()
            return
        same = next((x for x in self.items if x.code == code and x.reason == reason), None)
        if same is not None:
            same.qty += qty
            same.amount = self._amount(price, same.qty, product.tax_rate)
        else:
            self.items.append(_Item(code=code, name=product.name, qty=qty, reason=reason, price=price,
                                    amount=self._amount(price, qty, product.tax_rate)))
        self._show_items(self.items.index(same) if same else len(self.items) - 1)
        say(self.message, _("{name}: {amount} each").format(name=product.name, amount=money(price, self.currency)))
        self.code.clear()
        self.qty.setText("1")
        self.code.setFocus()

    def _amount(self, price: Decimal, qty: Decimal, rate: Decimal) -> Decimal:
        """The line's refund as the service works it out (tax on top when prices exclude it)."""
        return unreceipted_service.line_refund(self.station, price, qty, rate)[0]

    def total(self) -> Decimal:
        total = sum((x.amount for x in self.items), Decimal(0))
        return total + unreceipted_service.refund_rounding(self.station, total)

    def _show_items(self, select: int = -1) -> None:
        self.table.setRowCount(len(self.items))
        for row, x in enumerate(self.items):
            qty = f"{x.qty.normalize():f}"
            for column, text in enumerate((x.name, qty, _(REASONS[x.reason]), money(x.price, self.currency),
                                           money(x.amount, self.currency))):
                item = QTableWidgetItem(text)
                if column in (1, 3, 4):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        if select >= 0:
            self.table.selectRow(select)
        how = _("as a new voucher") if self.station.no_receipt_refund == "voucher" else _("in cash")
        self.refund.setText(_("Refund: {amount}").format(amount=money(self.total(), self.currency)) + f"  {how}"
                            if self.items else _("Refund: {amount}").format(amount="—"))

    # --- taking the return ----------------------------------------------------------------------
    def submit(self) -> None:
        if self.busy:
            return
        if not self.items:
            self.show_error(_("Scan the items the customer brings back"))
            self.code.setFocus()
            return
        approve = None
        if not self.user.can(Permission.RETURN_OVERRIDE):
            dialog = OverrideDialog(action=_("return override"), parent=self)
            if dialog.exec():
                approve = (dialog.username.text(), dialog.pin.text())
            dialog.deleteLater()
            if approve is None:
                self.show_error(_("A return without a receipt needs a manager's PIN; nothing was written"))
                return
        store, user = self.store, self.user
        items = [unreceipted_service.Unreceipted(code=x.code, qty=x.qty, reason=x.reason) for x in self.items]

        def work():
            approval = None
            if approve is not None:  # a PIN refused is a refusal: shown, nothing written
                approval = auth.approve(store.uow(), store.station, approver=approve[0], pin=approve[1],
                                        permission=Permission.RETURN_OVERRIDE, for_user=user)
            return unreceipted_service.take_unreceipted_return(store.uow(), store.station, actor=user, items=items,
                                                               approval=approval, print_receipt=True)

        self._busy(True)
        say(self.message, _("Taking the return…"))
        self.runner.run(work, self._taken, self._refused)

    def _taken(self, done) -> None:
        if self.live:
            self._busy(False)
            self.completed = done
            self.accept()

    def _refused(self, text: str) -> None:
        if self.live:
            self._busy(False)
            self.show_error(text)

    def _busy(self, on: bool) -> None:
        self.busy = on
        self.ok.setEnabled(not on)

    def show_error(self, text: str) -> None:
        say(self.message, text, error=True)

    def done(self, result) -> None:  # noqa: D401 (Qt API): answers still on their way are dropped
        self.live = False
        super().done(result)
