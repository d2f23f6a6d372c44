"""Exchanges at the till (换货): the new items are what is in the basket; F10, the receipt of what comes
back, its lines chosen as for a return, then Enter: the payment dialog opens for the new items with the
credit of the returned ones already taken, the customer pays the difference (or nothing, and what is
left goes back to the sale's original payments), and both documents are written in one transaction."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel

from posapp.domain.tender import Tendering
from posapp.i18n import _, money
from posapp.services import auth
from posapp.services import exchange as exchange_service
from posapp.services import returns as return_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.payment import PaymentDialog
from posapp.ui.returns import ReturnDialog, find_sale, points_rows
from posapp.ui.widgets import say

ZERO = Decimal(0)


def take_exchange(till, text: str) -> None:
    """Find the sale on the receipt `text`, then the exchange dialog for the basket."""
    find_sale(till, text, lambda returnable, member: _open(till, returnable, member))


def _open(till, returnable, member) -> None:
    dialog = ExchangeDialog(returnable=returnable, member=member, store=till.store, runner=till.runner,
                            user=till.user, basket=till.basket,
                            points=till.member_points if till.basket.member_code else None, parent=till)
    accepted, done = dialog.exec(), dialog.completed
    dialog.deleteLater()
    if not accepted or done is None:
        till.scan.setFocus()
        return
    finished(till, done)


def finished(till, done) -> None:
    """The till after an exchange: a new basket, what the cashier tells the customer, both receipts."""
    till.basket = till._new_basket()
    till.forget_member()
    till.refresh()
    till.load_offers()
    returned, sold, currency = done.returned, done.sold, till.currency
    till.last_sale = sold.number
    text = _("Exchange done: return {returned}, sale {sold}.").format(returned=returned.number, sold=sold.number)
    paid = sum((p.amount for p in sold.payments if p.tender != "exchange"), ZERO)
    back = [p for p in returned.payments if p.tender not in ("exchange", "points")]
    if paid:
        text += "  " + _("The customer paid {amount}").format(amount=money(paid, currency))
    if back:
        text += "  " + _("Back to the customer: {refunds}").format(
            refunds=", ".join(f"{_(p.tender)} {money(-p.amount, currency)}" for p in back))
    if done.plan.points_given:
        text += "  " + _("{points} points back to the member").format(points=done.plan.points_given)
    if sold.change:
        till.total.setText(_("Change: {amount}").format(amount=money(sold.change, currency)))
    elif back:
        till.total.setText(_("Refund: {amount}").format(
            amount=money(-sum((p.amount for p in back), ZERO), currency)))
    till.info(text)
    till.sale_completed.emit(done)  # prints the return's receipt and the new sale's


def exchange_payments(plan, *, new_total: Decimal, places: int, references: dict[int, str] | None = None):
    """(credit, the return's payments) exactly as take_exchange will write them (the service's own split)."""
    return exchange_service.exchange_payments(plan, new_total=new_total, places=places, references=references)


class ExchangeDialog(ReturnDialog):
    """The returns dialog, where what comes back pays for the items in the basket."""

    def __init__(self, *, basket, points=None, **kwargs):
        self.basket, self.points = basket, points  # before the returns dialog's first preview asks for them
        totals = basket.totals()
        self.new_total, self.new_count = totals.total, totals.item_count
        super().__init__(**kwargs)
        self.setWindowTitle(_("Exchange against receipt {number}").format(number=self.sale.number))
        lead = QLabel(_("Exchange: what comes back pays for the {count} items in the basket ({total}). "
                        "Choose what comes back, then Enter to take the payment").format(
            count=self.new_count, total=money(self.new_total, self.currency)))
        lead.setObjectName("exchange_lead")
        lead.setWordWrap(True)
        lead.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.layout().insertWidget(0, lead)
        self.ok.setText(_("Exchange for the items in the basket (Enter)"))
        self.to_cash.setChecked(False)  # an exchange's rest goes back to the original payments
        self.to_cash.setVisible(False)

    # --- what the cashier sees --------------------------------------------------------------
    def _refund_rows(self, plan) -> list[tuple[str, str]]:
        m, places = self._m, self.store.station.places
        credit, payments = exchange_payments(plan, new_total=self.new_total, places=places)
        rows = [(_("New items in the basket ({count})").format(count=self.new_count), m(self.new_total)),
                (_("Exchange credit"), m(-credit))]
        if self.new_total > credit:
            rows.append((_("The customer pays"), m(self.new_total - credit)))
        for p in payments:
            if p.tender != "exchange":
                rows.append((_("Left over, back to {tender}").format(tender=_(p.tender)), m(-p.amount)))
        return rows + points_rows(plan)

    def _figure(self, plan) -> str:
        if plan is None:
            return _("New items: {amount}").format(amount=money(self.new_total, self.currency))
        credit = exchange_service.exchange_credit(plan, self.new_total)
        if self.new_total > credit:
            return _("The customer pays: {amount}").format(amount=money(self.new_total - credit, self.currency))
        if plan.money > credit:
            return _("Back to the customer: {refunds}").format(refunds=money(plan.money - credit, self.currency))
        return _("Even exchange: nothing to pay")

    # --- taking the exchange --------------------------------------------------------------------
    def submit(self) -> None:
        asked = None if self.busy else self.asked()
        if asked == []:
            self.show_error(_("Choose what the customer brings back"))
            return
        if not asked:
            return
        approve, permission = None, self._needed(None)
        if permission is not None:  # outside the return window: a manager's PIN before the customer pays
            dialog = OverrideDialog(action=_(permission.value.replace("_", " ")), parent=self)
            if dialog.exec():
                approve = (dialog.username.text(), dialog.pin.text(), permission)
            dialog.deleteLater()
            if approve is None:
                self.show_error(_("Outside the return window a manager's PIN is needed; nothing was written"))
                return
        self._check(asked, approve)

    def _check(self, asked, approve) -> None:
        """The approval, the plan and where the refund goes, checked before the customer pays."""
        store, user, number, total = self.store, self.user, self.sale.number, self.new_total
        references = {i: " ".join(f.text().split()) for i, f in self.references.items()}

        def work():
            approval = None
            if approve is not None:
                approval = auth.approve(store.uow(), store.station, approver=approve[0], pin=approve[1],
                                        permission=approve[2], for_user=user)
            plan = return_service.plan(store.uow(), store.station, number, asked)
            credit, _payments = exchange_payments(plan, new_total=total, places=store.station.places,
                                                  references=references)
            return plan, credit, approval

        self._busy(True)
        say(self.message, _("Checking the exchange…"))
        self.runner.run(work, lambda checked: self._pay(asked, references, *checked), self._refused)

    def _pay(self, asked, references, plan, credit, approval) -> None:
        if not self.live:
            return
        self._show_plan(plan)  # what is taken is what the cashier sees
        station = self.store.station
        if self.new_total > credit:
            say(self.message, _("Taking the payment for the difference…"))
            dialog = PaymentDialog(total=self.new_total, currency=self.currency, cash_increment=station.cash_increment,
                                   places=station.places, points=self.points, credit=(credit, self.sale.number),
                                   parent=self)
            dialog.adjustSize()  # on the right: the preview of the exchange stays in sight
            frame = self.geometry()
            dialog.move(max(frame.left(), frame.right() - dialog.width() - 16), frame.top() + 40)
            paid, tendering = dialog.exec(), dialog.tendering
            dialog.deleteLater()
            if not paid:
                self._busy(False)
                say(self.message, _("Payment cancelled: nothing was written"))
                self.table.setFocus()
                return
        else:  # the credit pays for it all: nothing to take from the customer
            tendering = Tendering(total=self.new_total, cash_increment=station.cash_increment, places=station.places)
            if credit:
                tendering.add("exchange", credit, reference=self.sale.number)
        store, user, number, basket = self.store, self.user, self.sale.number, self.basket

        def work():
            return exchange_service.take_exchange(
                store.uow(), store.station, actor=user, number=number, asked=asked, basket=basket,
                tendering=tendering, references=references, approval=approval, print_receipt=True)

        say(self.message, _("Taking the exchange…"))
        self.runner.run(work, self._exchanged, self._refused)

    def _exchanged(self, done) -> None:
        if self.live:
            self._busy(False)
            self.completed = done
            self.accept()
