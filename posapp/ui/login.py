"""PIN login: pick a name (touch or arrow keys), type or tap the PIN, Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _
from posapp.services import auth
from posapp.services.session import login_roster
from posapp.ui.widgets import say


class LoginPage(QWidget):
    logged_in = Signal(object)  # domain User

    def __init__(self, *, store, runner, parent=None):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.setObjectName("login")
        title = QLabel(f"{store.config.store.name}  ·  {store.station.terminal_code}")
        title.setObjectName("title")
        title.setAlignment(Qt.AlignCenter)
        self.users = QListWidget()
        self.users.setObjectName("users")
        self.users.setMinimumWidth(280)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.Password)
        self.pin.setMaxLength(8)
        self.pin.setPlaceholderText(_("PIN"))
        self.pin.setAlignment(Qt.AlignCenter)
        self.pin.returnPressed.connect(self.submit)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)

        pad = QGridLayout()
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "C", "0", "OK"]
        for i, key in enumerate(keys):
            button = QPushButton(_("Clear") if key == "C" else (_("OK") if key == "OK" else key))
            button.setObjectName(f"key_{key}")
            button.setMinimumSize(88, 64)
            button.setFocusPolicy(Qt.NoFocus)
            button.clicked.connect(lambda _c=False, k=key: self._key(k))
            pad.addWidget(button, i // 3, i % 3)

        right = QVBoxLayout()
        right.addWidget(QLabel(_("Enter your PIN")))
        right.addWidget(self.pin)
        right.addLayout(pad)
        right.addWidget(self.message)
        right.addStretch(1)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(_("Who is at the till?")))
        left.addWidget(self.users)
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addWidget(title)
        outer.addLayout(body)
        self.users.itemSelectionChanged.connect(lambda: self.pin.setFocus())
        font = QFont()
        font.setPointSize(16)
        self.pin.setFont(font)
        self.users.setFont(font)

    def reload(self) -> None:
        self.pin.clear()
        self.message.clear()
        self.runner.run(lambda: login_roster(self.store.uow()), self._show_roster, self._show_error)

    def _show_roster(self, roster) -> None:
        self.users.clear()
        for entry in roster:
            role = _(entry.role)
            item = QListWidgetItem(entry.name if role in entry.name else f"{entry.name}  · {role}")
            item.setData(Qt.UserRole, entry.username)
            self.users.addItem(item)
        if roster:
            self.users.setCurrentRow(0)
        self.pin.setFocus()

    def _key(self, key: str) -> None:
        if key == "C":
            self.pin.clear()
        elif key == "OK":
            self.submit()
        else:
            self.pin.insert(key)
        self.pin.setFocus()

    def submit(self) -> None:
        item = self.users.currentItem()
        if item is None:
            self._show_error(_("Choose your name first"))
            return
        username, pin = item.data(Qt.UserRole), self.pin.text()
        self.pin.clear()
        say(self.message, _("Checking…"))
        store = self.store
        self.runner.run(lambda: auth.login(store.uow(), store.station, username=username, pin=pin),
                        self.logged_in.emit, self._show_error)

    def _show_error(self, message: str) -> None:
        say(self.message, message, error=True)
        self.pin.setFocus()
