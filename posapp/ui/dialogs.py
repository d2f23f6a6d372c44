"""Dialogs of the till: manager override, amounts, product search, parked baskets, opening a shift."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from posapp.domain.errors import PosError
from posapp.domain.members import check_code, check_member_name, looks_like_phone, normal_phone
from posapp.i18n import _, money
from posapp.ui.widgets import say


class _Dialog(QDialog):
    """OK/Cancel dialog with a message line; Esc closes it."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)

    def submit(self) -> None:
        self.accept()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # The first field takes the keyboard at once: a cashier types, never reaches for the mouse.
        super().showEvent(event)
        self.activateWindow()
        first = next((w for w in (getattr(self, n, None) for n in ("username", "value", "query", "list"))
                      if w is not None), None)
        if first is not None:
            first.setFocus()

    def show_error(self, message: str) -> None:
        say(self.message, message, error=True)


class OverrideDialog(_Dialog):
    """A supervisor or manager approves one action with their own user and PIN."""

    def __init__(self, *, action: str, parent=None):
        super().__init__(_("Supervisor approval"), parent)
        self.form.addRow(QLabel(_("Approve: {action}").format(action=action)))
        self.username = QLineEdit()
        self.username.setObjectName("approver")
        self.pin = QLineEdit()
        self.pin.setObjectName("approver_pin")
        self.pin.setEchoMode(QLineEdit.Password)
        self.form.addRow(_("Supervisor"), self.username)
        self.form.addRow(_("PIN"), self.pin)
        self.pin.returnPressed.connect(self.submit)


class AmountDialog(_Dialog):
    """One typed value: a quantity, an amount, or a percent like 10%."""

    def __init__(self, *, title: str, label: str, text: str = "", parent=None):
        super().__init__(title, parent)
        self.value = QLineEdit(text)
        self.value.setObjectName("value")
        self.value.selectAll()
        self.form.addRow(label, self.value)
        self.value.returnPressed.connect(self.submit)


class SignUpDialog(_Dialog):
    """A new member at the till: mobile number, name, marketing consent, and the card handed over (if
    any). What the cashier typed into F3 fills the phone or the card; Enter on the last field signs up."""

    def __init__(self, *, typed: str = "", phone: str = "", name: str = "", consent: bool = False,
                 card: str = "", problem: str = "", parent=None):
        super().__init__(_("New member"), parent)
        if typed and not (phone or card):
            phone, card = (typed, "") if looks_like_phone(typed) else ("", typed)
        self.form.addRow(QLabel(_("No member found. Sign up a new member?")))
        self.phone = QLineEdit(phone)
        self.phone.setObjectName("member_phone")
        self.phone.setPlaceholderText("138 0000 0000")
        self.name = QLineEdit(name)
        self.name.setObjectName("member_name")
        self.card = QLineEdit(card)
        self.card.setObjectName("member_card")
        self.card.setPlaceholderText(_("Empty: a new card number is given"))
        self.consent = QCheckBox(_("Agrees to receive offers (marketing)"))
        self.consent.setObjectName("member_consent")
        self.consent.setChecked(consent)
        self.form.addRow(_("Mobile number"), self.phone)
        self.form.addRow(_("Full name"), self.name)
        self.form.addRow(_("Card number"), self.card)
        self.form.addRow(self.consent)
        for field in (self.phone, self.name, self.card):
            field.returnPressed.connect(self.submit)
        self.values: dict | None = None
        if problem:
            self.show_error(problem)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        (self.name if self.phone.text().strip() else self.phone).setFocus()

    def submit(self) -> None:
        """Checks what can be checked here (the service checks it all again, and duplicates)."""
        try:
            phone = normal_phone(self.phone.text())
            name = check_member_name(self.name.text())
            card = check_code(self.card.text()) if self.card.text().strip() else None
        except PosError as exc:
            self.show_error(str(exc))
            return
        self.values = {"phone": phone, "name": name, "code": card, "consent": self.consent.isChecked()}
        self.accept()


class SearchDialog(_Dialog):
    """Find a product without a barcode by name, pinyin initials or SKU; Enter takes the selected one."""

    def __init__(self, *, search, currency: str, parent=None):
        super().__init__(_("Find a product"), parent)
        self.search, self.currency, self.chosen = search, currency, None
        self.query = QLineEdit()
        self.query.setObjectName("query")
        self.query.setPlaceholderText(_("Name, pinyin initials or SKU"))
        self.results = QListWidget()
        self.results.setObjectName("results")
        self.results.setMinimumHeight(320)
        self.form.addRow(self.query)
        self.form.addRow(self.results)
        self.query.textChanged.connect(lambda text: self.search(text, self.show_results))
        self.query.returnPressed.connect(self.submit)
        self.results.itemDoubleClicked.connect(lambda _item: self.submit())
        self.resize(640, 480)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API): arrows move in the list
        if event.key() in (Qt.Key_Down, Qt.Key_Up):
            row = self.results.currentRow() + (1 if event.key() == Qt.Key_Down else -1)
            self.results.setCurrentRow(max(0, min(row, self.results.count() - 1)))
            return
        super().keyPressEvent(event)

    def show_results(self, found) -> None:
        """found: (product, stock or None) pairs; the stock is the shop's, less what this store sold since."""
        self.results.clear()
        for p, stock in found:
            text = f"{p.name}   {money(p.price, self.currency)}/{p.unit}   {p.sku}"
            if stock is not None:
                text += "   " + _("stock {qty}").format(qty=f"{stock.normalize():f}")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, p)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)

    def submit(self) -> None:
        item = self.results.currentItem()
        if item is None:
            self.show_error(_("Nothing chosen"))
            return
        self.chosen = item.data(Qt.UserRole)
        self.accept()


class ParkedDialog(_Dialog):
    def __init__(self, *, parked, parent=None):
        super().__init__(_("Parked baskets"), parent)
        self.list = QListWidget()
        self.list.setObjectName("parked")
        for p in parked:
            label = f"#{p.id}  {p.label or ''}  {p.cashier}  {p.parked_at:%H:%M}  " \
                    f"{_('{count} lines').format(count=len(p.payload['lines']))}"
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, p.id)
            self.list.addItem(item)
        if parked:
            self.list.setCurrentRow(0)
        self.form.addRow(self.list)
        self.chosen = None

    def submit(self) -> None:
        item = self.list.currentItem()
        if item is None:
            self.reject()
            return
        self.chosen = item.data(Qt.UserRole)
        self.accept()


class ReportDialog(QDialog):
    """An X or Z report as it prints, for the screen."""

    def __init__(self, *, title: str, lines: list[str], parent=None):
        from PySide6.QtGui import QFontDatabase
        from PySide6.QtWidgets import QPlainTextEdit

        super().__init__(parent)
        self.setWindowTitle(title)
        text = QPlainTextEdit("\n".join(lines))
        text.setObjectName("report")
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(560, 720)
