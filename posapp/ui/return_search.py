"""F10 at the till: the receipt scanned or typed; without it, the sale found by day, amount, member or
the end of a card reference (F2), or a return without a receipt (F4). An empty basket means a return,
a basket with items an exchange for them (posapp.ui.exchange)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.domain.clock import to_local, utcnow
from posapp.domain.errors import PermissionDenied
from posapp.domain.users import Permission
from posapp.i18n import N_, _, money, moment
from posapp.services import auth
from posapp.services import returns as return_service
from posapp.ui import exchange as exchange_ui
from posapp.ui import return_noreceipt
from posapp.ui import returns as returns_ui
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.widgets import say

FOUND_COLUMNS = (N_("Receipt"), N_("Time"), N_("Paid"), N_("Member"), N_("Cashier"))
ENTER = (Qt.Key_Return, Qt.Key_Enter)


def start(till) -> None:
    """F10: ask for the receipt (or the way to do without it), then go on."""
    exchange = not till.basket.is_empty
    lead = _("Exchange for the {count} items in the basket ({total}): scan the receipt of what comes back").format(
        count=till.basket.totals().item_count, total=money(till.basket.totals().total, till.currency)) \
        if exchange else _("A return: scan the receipt. For an exchange, ring up the new items first, then F10")
    dialog = ReceiptPrompt(lead=lead, exchange=exchange, parent=till)
    accepted, choice, text = dialog.exec(), dialog.choice, dialog.value.text().strip()
    dialog.deleteLater()
    if not accepted:
        till.scan.setFocus()
    elif choice == "search":
        find_sale(till)
    elif choice == "no_receipt":
        return_noreceipt.take(till)
    else:
        go_on(till, text)


def go_on(till, number: str) -> None:
    """The sale on a receipt: the returns dialog, or with items in the basket the exchange dialog."""
    if till.basket.is_empty:
        returns_ui.take_return(till, number)
    else:
        exchange_ui.take_exchange(till, number)


def find_sale(till) -> None:
    dialog = SaleSearchDialog(store=till.store, runner=till.runner, user=till.user, parent=till)
    accepted, chosen = dialog.exec(), dialog.chosen
    dialog.deleteLater()
    if accepted and chosen:
        go_on(till, chosen)
    else:
        till.scan.setFocus()


class ReceiptPrompt(QDialog):
    """The receipt's number (Enter), or F2 to find the sale, or F4 for a return without a receipt."""

    def __init__(self, *, lead: str, exchange: bool, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Exchange") if exchange else _("Returns"))
        self.setMinimumWidth(560)
        self.choice: str | None = None
        layout = QVBoxLayout(self)
        heading = QLabel(lead)
        heading.setObjectName("lead")
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(heading)
        form = QFormLayout()
        self.value = QLineEdit()
        self.value.setObjectName("value")
        self.value.setPlaceholderText("S001-T01-000123")
        form.addRow(_("Scan the receipt's barcode or type its number"), self.value)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.find = buttons.addButton(_("No receipt: find the sale (F2)"), QDialogButtonBox.ActionRole)
        self.find.setObjectName("find_sale")
        self.find.clicked.connect(lambda: self._choose("search"))
        self.no_receipt = buttons.addButton(_("Return without a receipt (F4)"), QDialogButtonBox.ActionRole)
        self.no_receipt.setObjectName("no_receipt")
        self.no_receipt.clicked.connect(lambda: self._choose("no_receipt"))
        self.no_receipt.setVisible(not exchange)  # an exchange is taken against a receipt
        ok = buttons.addButton(_("Continue (Enter)"), QDialogButtonBox.AcceptRole)
        ok.clicked.connect(self.submit)
        buttons.addButton(_("Cancel (Esc)"), QDialogButtonBox.RejectRole).clicked.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.NoFocus)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.activateWindow()
        self.value.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        key = event.key()
        if key in ENTER:
            self.submit()
        elif key == Qt.Key_F2:
            self._choose("search")
        elif key == Qt.Key_F4 and self.no_receipt.isVisible():
            self._choose("no_receipt")
        else:
            super().keyPressEvent(event)

    def submit(self) -> None:
        if not self.value.text().strip():
            say(self.message, _("Scan or type the receipt's number; without it, F2 finds the sale"), error=True)
            return
        self._choose("receipt")

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


class _NeedsApproval(str):
    """search_sales' PermissionDenied as a result: the dialog asks for a supervisor's PIN."""


class SaleSearchDialog(QDialog):
    """Sales found by what the customer remembers; Enter searches, then Enter on a sale chooses it."""

    def __init__(self, *, store, runner, user, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user = store, runner, user
        self.chosen: str | None = None
        self.approval = None  # a supervisor's, kept for the searches of this dialog
        self.live, self.asked_at, self.found = True, 0, []
        self.setWindowTitle(_("Find the sale"))
        layout = QVBoxLayout(self)
        lead = QLabel(_("No receipt at hand: fill in what the customer remembers, Enter searches"))
        lead.setWordWrap(True)
        layout.addWidget(lead)
        form = QFormLayout()
        today = to_local(utcnow(), store.station.timezone).date().isoformat()
        self.day = self._field("day", f"{today} (YYYY-MM-DD)")
        self.amount = self._field("amount", "128.50")
        self.member = self._field("member", _("card or mobile number"))
        self.reference = self._field("reference", _("last 4 or more characters (a supervisor's PIN)"))
        for label, field in ((_("Day"), self.day), (_("Amount paid"), self.amount), (_("Member"), self.member),
                             (_("Card reference ends with"), self.reference)):
            form.addRow(label, field)
        layout.addLayout(form)
        self.results = QTableWidget(0, len(FOUND_COLUMNS), self)
        self.results.setObjectName("results")
        self.results.setHorizontalHeaderLabels([_(c) for c in FOUND_COLUMNS])
        self.results.verticalHeader().setVisible(False)
        self.results.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SingleSelection)
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.doubleClicked.connect(lambda _index: self.choose())
        layout.addWidget(self.results, 1)
        hint = QLabel(_("Enter searches · ↓ or Tab to the sales found · Enter on a sale takes it · Esc closes"))
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        search = buttons.addButton(_("Search (Enter)"), QDialogButtonBox.ActionRole)
        search.clicked.connect(lambda: self.search())
        self.take = buttons.addButton(_("Take this sale (Enter)"), QDialogButtonBox.AcceptRole)
        self.take.clicked.connect(self.choose)
        self.take.setEnabled(False)
        buttons.addButton(_("Cancel (Esc)"), QDialogButtonBox.RejectRole).clicked.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.NoFocus)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(f"find_{name}")  # not "amount": the till's style makes that one big
        field.setPlaceholderText(placeholder)
        return field

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.activateWindow()
        self.day.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        key, on_list = event.key(), self.focusWidget() is self.results  # (hasFocus: only while active)
        if key in ENTER:
            if on_list and self.found:
                self.choose()
            else:
                self.search()
        elif key == Qt.Key_Down and not on_list and self.found:
            self.results.setFocus()
        else:
            super().keyPressEvent(event)

    def search(self, approve: tuple[str, str] | None = None) -> None:
        store, user, held = self.store, self.user, self.approval
        criteria = {"day": self.day.text().strip() or None, "amount": self.amount.text().strip() or None,
                    "member": self.member.text().strip() or None, "reference": self.reference.text().strip() or None}
        self.asked_at += 1
        at = self.asked_at

        def work():
            approval = held
            if approve is not None:  # a PIN refused is a refusal, not another question
                approval = auth.approve(store.uow(), store.station, approver=approve[0], pin=approve[1],
                                        permission=Permission.REFUND, for_user=user)
            try:
                found = return_service.search_sales(store.uow(), store.station, actor=user, approval=approval,
                                                    **criteria)
            except PermissionDenied as exc:
                return _NeedsApproval(str(exc))
            return found, approval

        say(self.message, _("Searching…"))
        self.runner.run(work, lambda result: self._searched(at, result),
                        lambda text: self._refused(at, text))

    def _searched(self, at: int, result) -> None:
        if not self.live or at != self.asked_at:
            return
        if isinstance(result, _NeedsApproval):
            self._approve(result)
            return
        found, self.approval = result
        self._show(found)

    def _approve(self, refusal: str) -> None:
        dialog = OverrideDialog(action=_("refund"), parent=self)
        if dialog.exec():
            self.search((dialog.username.text(), dialog.pin.text()))
        else:
            say(self.message, refusal, error=True)
            self.reference.setFocus()
        dialog.deleteLater()

    def _refused(self, at: int, text: str) -> None:
        if self.live and at == self.asked_at:
            self._show([])
            say(self.message, text, error=True)

    def _show(self, found) -> None:
        self.found = list(found)
        tz, currency = self.store.station.timezone, self.store.station.currency
        self.results.setRowCount(len(self.found))
        for row, s in enumerate(self.found):
            for column, text in enumerate((s.number, moment(s.created_at, tz), money(s.total, currency),
                                           s.member_code or "", s.cashier)):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.results.setItem(row, column, item)
        self.take.setEnabled(bool(self.found))
        if self.found:
            say(self.message, _("{count} sales found: ↓ and Enter take one").format(count=len(self.found)))
            self.results.setFocus()
            self.results.selectRow(0)
        else:
            say(self.message, _("No sale found; try another day, amount or member"))

    def choose(self) -> None:
        row = self.results.currentRow()
        if not self.found or row < 0:
            say(self.message, _("Search first, then choose a sale"), error=True)
            return
        self.chosen = self.found[row].number
        self.accept()

    def done(self, result) -> None:  # noqa: D401 (Qt API): answers still on their way are dropped
        self.live = False
        super().done(result)
