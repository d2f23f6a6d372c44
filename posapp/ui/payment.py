"""The payment dialog: type an amount and Enter takes cash; card, mobile and voucher with a reference;
with a member attached, points (F3, the member key): the amount typed, or the most the rules let points pay.
In an exchange the credit of the items returned is the first payment, taken before the dialog opens."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from posapp.domain.errors import PosError
from posapp.domain.money import parse_price
from posapp.domain.points import LoyaltyRules, check_redeem, points_for, points_payable
from posapp.domain.tender import Tendering, quick_cash_amounts
from posapp.i18n import _, money
from posapp.ui.widgets import say

TENDER_NAMES = {"cash": "cash", "card": "card", "mobile": "mobile", "voucher": "voucher"}


class PaymentDialog(QDialog):
    """Collects tenders until the sale is paid, then accepts; the caller completes the sale."""

    def __init__(self, *, total: Decimal, currency: str, cash_increment: Decimal, places: int = 2,
                 points: tuple[int, LoyaltyRules] | None = None, credit: tuple[Decimal, str] | None = None,
                 parent=None):
        """points: the attached member's available points and the loyalty rules (None: no member).
        credit: an exchange's credit and the receipt of the items returned (None: not an exchange)."""
        super().__init__(parent)
        self.setWindowTitle(_("Payment for the exchange") if credit else _("Payment"))
        self.setMinimumWidth(520)
        self.currency, self.places = currency, places
        self.tendering = Tendering(total=total, cash_increment=cash_increment, places=places)
        big = QFont()
        big.setPointSize(22)
        big.setBold(True)
        self.due = QLabel()
        self.due.setObjectName("due")
        self.due.setFont(big)
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText(_("Amount, then Enter for cash"))
        self.amount.setFont(big)
        self.amount.returnPressed.connect(lambda: self.take("cash"))
        self.reference = QLineEdit()
        self.reference.setObjectName("reference")
        self.reference.setPlaceholderText(_("Card or mobile payment reference"))
        self.paid = QListWidget()
        self.paid.setObjectName("payments")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.quick = QHBoxLayout()
        tenders = QGridLayout()
        for i, tender in enumerate(("cash", "card", "mobile", "voucher")):
            button = QPushButton(_(tender))
            button.setObjectName(f"tender_{tender}")
            button.setMinimumHeight(48)
            button.setFocusPolicy(Qt.NoFocus)
            button.clicked.connect(lambda _c=False, t=tender: self.take(t))
            tenders.addWidget(button, 0, i)
        self.points = points
        self.points_button = None
        if points is not None:
            self.points_button = QPushButton()
            self.points_button.setObjectName("tender_points")
            self.points_button.setMinimumHeight(48)
            self.points_button.setFocusPolicy(Qt.NoFocus)
            self.points_button.clicked.connect(self.take_points)
            tenders.addWidget(self.points_button, 1, 0, 1, 4)
            QShortcut(QKeySequence(Qt.Key_F3), self, activated=self.take_points)
        cancel = QPushButton(_("Back to the exchange (Esc)") if credit else _("Back to the basket (Esc)"))
        cancel.setFocusPolicy(Qt.NoFocus)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        if credit:
            layout.addWidget(self._take_credit(*credit))
        for widget in (self.due, self.amount):
            layout.addWidget(widget)
        layout.addLayout(self.quick)
        layout.addWidget(self.reference)
        layout.addLayout(tenders)
        layout.addWidget(self.paid)
        layout.addWidget(self.message)
        layout.addWidget(cancel)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.activateWindow()
        self.amount.setFocus()

    def _take_credit(self, amount: Decimal, receipt: str) -> QLabel:
        """The exchange credit as the first payment; a line saying what the customer still pays for."""
        if amount > 0:
            self.tendering.add("exchange", amount, reference=receipt)
            self.paid.addItem(_("Exchange credit {amount} (items returned on {number})").format(
                amount=money(amount, self.currency), number=receipt))
        note = QLabel(f"<b>{escape(_('Payment for the exchange'))}</b><br>" + escape(_(
            "New items {total} − exchange credit {credit}").format(
            total=money(self.tendering.total, self.currency), credit=money(amount, self.currency))))
        note.setObjectName("exchange_note")
        note.setTextFormat(Qt.RichText)
        note.setStyleSheet("font-size: 15px;")  # the title too: a till's dialogs may have no frame
        self.setObjectName("exchange_payment")  # over the exchange dialog: an edge tells them apart
        self.setStyleSheet("QDialog#exchange_payment { border: 2px solid #5b6b82; }")
        return note

    def refresh(self) -> None:
        t = self.tendering
        due = t.cash_due
        self.due.setText(_("To pay: {amount}").format(amount=money(due, self.currency)) +
                         (f"   ({_('card')}: {money(t.remaining, self.currency)})" if due != t.remaining else ""))
        while self.quick.count():
            self.quick.takeAt(0).widget().deleteLater()
        for amount in quick_cash_amounts(due):
            button = QPushButton(money(amount, self.currency))
            button.setObjectName(f"quick_{amount}")
            button.setMinimumHeight(44)
            button.setFocusPolicy(Qt.NoFocus)
            button.clicked.connect(lambda _c=False, a=amount: self.take("cash", a))
            self.quick.addWidget(button)
        if self.points_button is not None:
            offer = self.points_offer()
            available = self.points[0] - self.points_used()
            self.points_button.setText(
                _("Points (F3): {points} available, up to {amount}").format(
                    points=available, amount=money(offer, self.currency)))
            self.points_button.setEnabled(offer > 0)
        self.amount.setText("")
        self.amount.setFocus()

    # --- points -----------------------------------------------------------------------------------
    def points_paid(self) -> Decimal:
        return sum((p.amount for p in self.tendering.payments if p.tender == "points"), Decimal(0))

    def points_used(self) -> int:
        paid = self.points_paid()
        return points_for(paid, self.points[1]) if paid else 0

    def points_offer(self) -> Decimal:
        """The most points may pay now (the checkout checks the same rules again)."""
        available, rules = self.points
        return points_payable(total=self.tendering.total, already=self.points_paid(),
                              remaining=self.tendering.remaining, available=available, rules=rules,
                              places=self.places)

    def take_points(self) -> None:
        if self.points is None or self.tendering.is_paid:
            return
        available, rules = self.points
        try:
            text = self.amount.text().strip()
            amount = (parse_price(text, places=self.places, what=_("amount")) if text else self.points_offer())
            if not amount:
                raise PosError(_("Points cannot pay any of this sale (balance, minimum or share of the sale)"))
            used = check_redeem(amount, total=self.tendering.total, already=self.points_paid(),
                                available=available - self.points_used(), rules=rules, places=self.places)
        except PosError as exc:
            say(self.message, str(exc), error=True)
            self.amount.selectAll()
            return
        self.take("points", amount, reference="", note=_("{points} points").format(points=used))

    def take(self, tender: str, amount: Decimal | None = None, reference: str | None = None,
             note: str = "") -> None:
        try:
            if amount is None:
                text = self.amount.text().strip()
                amount = parse_price(text, places=self.places, what=_("amount")) if text else (
                    self.tendering.cash_due if tender == "cash" else self.tendering.remaining)
            payment = self.tendering.add(tender, amount, reference=self.reference.text() if reference is None
                                         else reference)
        except PosError as exc:
            say(self.message, str(exc), error=True)
            self.amount.selectAll()
            return
        self.reference.clear()
        self.paid.addItem(f"{_(payment.tender)}  {money(payment.tendered, self.currency)}"
                          + (f"  {payment.reference}" if payment.reference else "") + (f"  {note}" if note else ""))
        if self.tendering.is_paid:
            self.accept()
            return
        say(self.message, "")
        self.refresh()
