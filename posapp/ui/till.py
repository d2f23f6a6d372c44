"""The cashier's screen: a scan field that always has focus, the basket, the total, and the keys.

Keys (also on touch buttons): Enter add, F2 search, F3 member, F4 quantity, F5 park/resume,
F6 line discount, F7 basket discount, F8 void line, F9 void sale, F10 returns, F12 pay, Esc close.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.basket import Basket
from posapp.domain.errors import PosError, ValidationError
from posapp.domain.users import Permission
from posapp.i18n import _, money
from posapp.services import auth, catalog, checkout
from posapp.services import printing as printing_service
from posapp.services import promotions as promotion_service
from posapp.services import till as till_service
from posapp.ui.basket_view import BasketModel
from posapp.ui.dialogs import AmountDialog, OverrideDialog, ParkedDialog, SearchDialog
from posapp.ui.till_cash import CashControl
from posapp.ui.till_lines import LineControl
from posapp.ui.till_offers import OfferControl
from posapp.ui.payment import PaymentDialog
from posapp.ui import return_search
from posapp.ui.widgets import say

KEYS = [("F2", "Search", "search"), ("F3", "Member", "member"), ("F4", "Quantity", "quantity"),
        ("F5", "Park / resume", "park"), ("F6", "Line discount", "line_discount"),
        ("F7", "Basket discount", "basket_discount"), ("F8", "Void line", "void_line"),
        ("F9", "Void sale", "void_sale"), ("F10", "Returns", "returns"), ("F12", "Pay", "pay")]
LATER: dict[str, str] = {}  # keys shown but not yet working: name -> why


def parse_scan_text(text: str) -> tuple[Decimal | None, str]:
    """'3*6901234567892' -> (3, code); a plain code -> (None, code)."""
    if "*" not in text:
        return None, text.strip()
    qty, _, code = text.partition("*")
    try:
        value = Decimal(qty.strip())
    except InvalidOperation:
        raise ValidationError(_("{text} is not a quantity").format(text=repr(qty))) from None
    return value, code.strip()


class TillPage(LineControl, CashControl, OfferControl, QWidget):
    log_out = Signal()
    sale_completed = Signal(object)

    def __init__(self, *, store, runner, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user = store, runner, None
        self.last_sale: str | None = None
        cfg = store.config
        self.currency = cfg.store.currency
        self.render = printing_service.make_renderer(cfg)
        self.clock = promotion_service.clock_for(store.station)
        self.basket = self._new_basket()
        self.scan = QLineEdit()
        self.scan.setObjectName("scan")
        self.scan.setPlaceholderText(_("Scan a barcode (3* before it for 3), or F2 to search"))
        self.scan.returnPressed.connect(self.submit)
        font = QFont()
        font.setPointSize(15)
        self.scan.setFont(font)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.model = BasketModel(self.currency)
        self.table = QTableView()
        self.table.setObjectName("basket")
        self.table.setModel(self.model)
        self.table.setFocusPolicy(Qt.NoFocus)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        header = self.table.horizontalHeader()
        # Fixed widths from the font, not sized to the contents: rows are inserted one by one (no
        # model reset), and sizing to contents on every scan costs a repaint of the whole table.
        width = self.table.fontMetrics().horizontalAdvance
        for column, sample in ((0, "0000"), (2, "0000.000 kg"), (3, "¥00,000.00 (¥00,000.00)"),
                               (4, "-¥0,000.00 满200减20，满500减60"), (5, "¥000,000.00")):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width(sample) + 16)
        self.total = QLabel()
        self.total.setObjectName("total")
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)  # a long member line wraps instead of widening the window
        self.buttons: dict[str, QPushButton] = {}
        self._build_layout()
        self._bind_keys()
        self.refresh()

    def _new_basket(self) -> Basket:
        cfg = self.store.config
        return Basket(currency_places=self.store.station.places, prices_include_tax=cfg.store.prices_include_tax,
                      offers=self.offers, clock=self.clock)

    def _build_layout(self) -> None:
        keys = QGridLayout()
        for i, (key, label, name) in enumerate(KEYS):
            button = QPushButton(f"{_(label)}\n{key}")
            button.setObjectName(f"key_{name}")
            button.setMinimumHeight(56)
            button.setFocusPolicy(Qt.NoFocus)
            if name in LATER:
                button.setEnabled(False)
                button.setToolTip(_(LATER[name]))
            button.clicked.connect(getattr(self, name, lambda: None))
            self.buttons[name] = button
            keys.addWidget(button, i // 2, i % 2)
        out = QPushButton(_("Log out"))
        out.setObjectName("logout")
        out.setFocusPolicy(Qt.NoFocus)
        out.clicked.connect(self.request_log_out)
        keys.addWidget(out, len(KEYS) // 2, 0, 1, 2)
        side = QVBoxLayout()
        side.addWidget(self.total)
        side.addWidget(self.summary)
        side.addLayout(keys)
        side.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.scan)
        left.addWidget(self.message)
        left.addWidget(self.table, 1)
        body = QHBoxLayout(self)
        body.addLayout(left, 3)
        body.addLayout(side, 1)

    def _bind_keys(self) -> None:
        # Function keys the scan field does not use reach the page (no window-activation needed,
        # so they work the same right after a dialog closes).
        self.actions = {getattr(Qt, f"Key_{key}"): getattr(self, name)
                        for key, _label, name in KEYS if name not in LATER}

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        action = self.actions.get(event.key())
        if action is None or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            super().keyPressEvent(event)
            return
        action()

    # --- state ------------------------------------------------------------------------------
    def start(self, user) -> None:
        self.user = user
        self.basket = self._new_basket()
        self.refresh()
        self.scan.setFocus()
        self.load_offers()

    def refresh(self, select: int | None = None) -> None:
        self.model.set_lines(self.basket.lines, self.basket.pricing())
        totals = self.basket.totals()
        self.total.setText(f"{_('Total due')}  {money(totals.total, self.currency)}")
        text = _("{count} items").format(count=totals.item_count)
        if totals.savings:
            text += "   " + _("saved {amount}").format(amount=money(totals.savings, self.currency))
        self.summary.setText("\n".join([text, *self.offer_summary(totals)]))
        row = self.model.row_of(select) if select else self.model.rowCount() - 1
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self.scan.setFocus()

    def selected_line(self):
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.refuse(_("Select a line first"))
            return None
        return self.model.lines[rows[0].row()]

    def info(self, text: str) -> None:
        say(self.message, text)
        self.scan.setFocus()

    def refuse(self, text: str) -> None:
        QApplication.beep()
        say(self.message, text, error=True)
        self.scan.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.scan.setFocus()

    # --- scanning ---------------------------------------------------------------------------
    def submit(self) -> None:
        text = self.scan.text().strip()
        self.scan.clear()
        if not text:
            return
        try:
            qty, code = parse_scan_text(text)
        except PosError as exc:
            self.refuse(str(exc))
            return
        if code.isdigit():
            self.scan_barcode(code, qty)
        else:
            self.coupon_or_search(code, qty)

    def _add_found(self, found, qty, text) -> None:
        if not found:
            self.refuse(_("Nothing matches {text}: no product, no coupon").format(text=text))
            return
        exact = [p for p in found if p.sku.lower() == text.lower()]
        if len(exact) == 1 or len(found) == 1:
            self._add((exact or found)[0], qty, "", None)
        else:
            self.search(text)

    def _add(self, product, qty, barcode, embedded) -> None:
        try:
            line = self.basket.add(product, qty=qty, barcode=barcode, embedded=embedded)
        except PosError as exc:
            self.refuse(str(exc))
            return
        self.refresh(select=line.line_no)
        self.info(f"{product.name}  {money(line.total, self.currency)}")

    def search(self, text: str = "") -> None:
        store = self.store

        def run_search(query, show):
            self.runner.run(lambda: catalog.search_with_stock(store.uow(), query, limit=50), show)

        dialog = SearchDialog(search=run_search, currency=self.currency, parent=self)
        if text:
            dialog.query.setText(text)
        if dialog.exec() and dialog.chosen is not None:
            product, qty = dialog.chosen, None
            if product.weighed:
                text = self._ask(_("Weight"), _("{name}: weight in {unit}").format(
                    name=product.name, unit=product.unit))
                try:
                    qty = Decimal(text) if text else None
                except InvalidOperation:
                    self.refuse(_("That is not a number"))
                    return
                if qty is None:
                    return
            self._add(product, qty, "", None)
        self.scan.setFocus()

    # --- changes that may need a supervisor ------------------------------------------------
    def with_permission(self, permission: Permission, work, done) -> None:
        """Run work(approval) off the UI thread; a supervisor's PIN is asked first if the cashier
        lacks the permission. The service checks again and audits (never only this screen)."""
        store, user = self.store, self.user
        if user.can(permission):
            self.runner.run(lambda: work(None), done, self.refuse)
            return
        dialog = OverrideDialog(action=_(permission.value.replace("_", " ")), parent=self)
        if not dialog.exec():
            self.scan.setFocus()
            return
        approver, pin = dialog.username.text(), dialog.pin.text()

        def approved():
            return work(auth.approve(store.uow(), store.station, approver=approver, pin=pin,
                                     permission=permission, for_user=user))

        self.runner.run(approved, done, self.refuse)

    def privileged(self, permission: Permission | None, *, action: str, detail: dict, apply) -> None:
        """Apply a basket change now if allowed, else after a supervisor's approval; audited."""
        if permission is None:
            apply()
            return
        store, user = self.store, self.user
        self.with_permission(permission, lambda approval: till_service.authorize(
            store.uow(), store.station, actor=user, permission=permission, action=action, detail=detail,
            approval=approval), lambda _approver: apply())

    def reprint(self) -> None:
        number = self._ask(_("Reprint a receipt"), _("Receipt number"), self.last_sale or "")
        if not number:
            return
        store, user, render = self.store, self.user, self.render
        self.with_permission(Permission.REPRINT, lambda approval: printing_service.reprint(
            store.uow(), store.station, actor=user, number=number, render=render, approval=approval),
            lambda _job: (self.info(_("Reprint of {number} queued").format(number=number)),
                          self.sale_completed.emit(None)))

    def no_sale(self) -> None:
        reason = self._ask(_("Open the drawer"), _("Reason"))
        if not reason:
            return
        store, user = self.store, self.user
        self.with_permission(Permission.OPEN_DRAWER, lambda approval: printing_service.open_drawer(
            store.uow(), store.station, actor=user, reason=reason, approval=approval),
            lambda _job: (self.info(_("Drawer opening")), self.sale_completed.emit(None)))

    def _ask(self, title: str, label: str, text: str = "") -> str | None:
        dialog = AmountDialog(title=title, label=label, text=text, parent=self)
        value = dialog.value.text().strip() if dialog.exec() else None
        self.scan.setFocus()
        return value or None

    # --- park, pay --------------------------------------------------------------------------
    def park(self) -> None:
        store, user = self.store, self.user
        if not self.basket.is_empty:
            basket = self.basket
            label = self._ask(_("Park the basket"), _("A note to find it again (optional)")) or ""
            self.runner.run(lambda: till_service.park_basket(store.uow(), store.station, actor=user,
                                                             basket=basket, label=label),
                            lambda _id: self._parked(), self.refuse)
            return
        self.runner.run(lambda: till_service.parked_baskets(store.uow(), store.station),
                        self._choose_parked, self.refuse)

    def _parked(self) -> None:
        self.basket = self._new_basket()
        self.forget_member()
        self.refresh()
        self.info(_("Basket parked; F5 on an empty basket resumes it"))

    def _choose_parked(self, parked) -> None:
        if not parked:
            self.info(_("No parked baskets"))
            return
        dialog = ParkedDialog(parked=parked, parent=self)
        if not dialog.exec() or dialog.chosen is None:
            self.scan.setFocus()
            return
        store, user, chosen = self.store, self.user, dialog.chosen
        prices = store.config.store.prices_include_tax
        offers, clock = self.offers, self.clock
        self.runner.run(lambda: till_service.resume_basket(store.uow(), store.station, actor=user,
                                                           parked_id=chosen, prices_include_tax=prices,
                                                           offers=offers, clock=clock),
                        self._resumed, self.refuse)

    def _resumed(self, basket) -> None:
        self.basket = basket
        self.forget_member()
        self.refresh()
        self.info(_("Basket resumed"))
        if basket.member_code:  # their points and visits as they are now
            self.find_member(basket.member_code)

    def pay(self) -> None:
        if self.basket.is_empty:
            self.refuse(_("The basket is empty"))
            return
        cfg = self.store.config
        dialog = PaymentDialog(total=self.basket.totals().total, currency=self.currency,
                               cash_increment=cfg.till.cash_rounding, places=self.store.station.places,
                               points=self.member_points if self.basket.member_code else None, parent=self)
        if not dialog.exec():
            self.scan.setFocus()
            return
        store, user, basket, tendering = self.store, self.user, self.basket, dialog.tendering
        self.info(_("Saving the sale…"))
        self.runner.run(lambda: checkout.complete_sale(
            store.uow(), store.station, actor=user, basket=basket, tendering=tendering, print_receipt=True),
            self._completed, self.refuse)

    def _completed(self, done) -> None:
        self.basket = self._new_basket()
        self.forget_member()
        self.refresh()
        self.load_offers()  # promotions a manager changed since apply from the next customer
        sale = done.sale
        self.last_sale = sale.number
        text = _("Sale {number} done.").format(number=sale.number)
        if sale.change:
            change = _("Change: {amount}").format(amount=money(sale.change, self.currency))
            text += "  " + change
            self.total.setText(change)  # the big figure the cashier reads out
        self.info(text)
        self.sale_completed.emit(done)

    def returns(self) -> None:
        """F10: a return (posapp.ui.return_search); with items in the basket, an exchange for them."""
        return_search.start(self)

    def request_log_out(self) -> None:
        if not self.basket.is_empty:
            self.refuse(_("Finish, park or void the basket before logging out"))
            return
        self.log_out.emit()

