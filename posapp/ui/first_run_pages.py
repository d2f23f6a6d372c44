"""The pages of the first-run wizard (posapp/ui/first_run.py). Each page checks its own fields when Next
is pressed, with posapp.provisioning's checks; what takes time (the database, a test print) runs on the
wizard's operation runner. Texts are set in retranslate(), so the language page can switch them."""

from __future__ import annotations

import zoneinfo
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from posapp import i18n, provisioning
from posapp.config import ENCODINGS, PrinterConfig, redact
from posapp.domain.errors import PosError
from posapp.domain.users import check_pin, check_username
from posapp.i18n import N_, _
from posapp.ui.widgets import TOUCH, say

LANGUAGES = (("zh_CN", "中文"), ("en", "English"))
CURRENCIES = ("CNY", "HKD", "MOP", "TWD", "SGD", "USD", "EUR", "JPY")
PAPER = ((42, N_("80 mm paper, 42 characters a line")), (48, N_("80 mm paper, 48 characters a line")),
         (32, N_("58 mm paper, 32 characters a line")))
PRINTER_KINDS = (("none", N_("No printer")), ("network", N_("Network (LAN)")), ("usb", N_("USB")),
                 ("serial", N_("Serial port")), ("file", N_("Device file")))
SERIAL_SPEEDS = ("9600", "19200", "38400", "57600", "115200")
INDENT = 26  # px: what belongs to a choice sits under its radio button


def line(name: str, text: str = "", *, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setMinimumHeight(TOUCH - 8)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def combo(name: str, items, *, editable: bool = False) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setEditable(editable)
    box.setMinimumHeight(TOUCH - 8)
    for item in items:
        box.addItem(item, item)
    return box


class Page(QWizardPage):
    """A form, a message line under it, and texts kept as English msgids for retranslate()."""

    TITLE = INTRO = ""  # the page's heading, and what it asks for, above the form

    def __init__(self):
        super().__init__()
        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.intro = QLabel("")
        self.intro.setObjectName("intro")
        self.intro.setWordWrap(True)
        outer = QVBoxLayout(self)
        outer.addWidget(self.intro)
        outer.addSpacing(8)
        outer.addLayout(self.form)
        outer.addSpacing(8)
        outer.addWidget(self.message)  # right under the fields it is about
        outer.addStretch(1)
        self._texts: list[tuple[object, str]] = []

    def row(self, english: str, widget: QWidget) -> None:
        label = QLabel()
        self._texts.append((label, english))
        self.form.addRow(label, widget)

    def text(self, widget, english: str):
        """widget (a label, a button) shows english in the wizard's language."""
        self._texts.append((widget, english))
        return widget

    def retranslate(self) -> None:
        self.setTitle(f"<span style='font-size: 20px'>{escape(_(self.TITLE))}</span>")
        self.intro.setText(_(self.INTRO))
        for widget, english in self._texts:
            widget.setText(_(english))
        self.message.clear()

    def refuse(self, message: str) -> bool:
        say(self.message, message, error=True)
        return False

    def tell(self, message: str) -> None:
        say(self.message, message)


class WelcomePage(Page):
    TITLE = N_("Welcome to posapp")
    INTRO = N_("This terminal has no settings yet. A few questions, and it is ready to sell.")

    def __init__(self, on_language):
        super().__init__()
        self.language = combo("language", ())
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.row(N_("Language / 语言"), self.language)
        self.steps = self.text(QLabel(), N_("You will be asked for the store and this terminal's codes, where the "
                                            "database is, the receipt printer (with a test print) and the first "
                                            "administrator's PIN. Nothing is saved until you press Finish."))
        self.steps.setWordWrap(True)
        self.form.addRow(self.steps)
        self.language.currentIndexChanged.connect(lambda _i: on_language(self.language.currentData()))


class StorePage(Page):
    TITLE = N_("The store")
    INTRO = N_("The store code appears in every receipt number; the name, address and tax ID are printed "
               "on receipts.")

    def __init__(self):
        super().__init__()
        self.code = line("store_code", placeholder="S001")
        self.name = line("store_name")
        self.address = line("store_address")
        self.tax_id = line("store_tax_id")
        self.currency = combo("currency", CURRENCIES, editable=True)
        self.timezone = combo("timezone", sorted(zoneinfo.available_timezones()), editable=True)
        self.timezone.setCurrentText("Asia/Shanghai")
        for english, widget in ((N_("Store code"), self.code), (N_("Store name"), self.name),
                                (N_("Address (optional)"), self.address), (N_("Tax ID (optional)"), self.tax_id),
                                (N_("Currency"), self.currency), (N_("Time zone"), self.timezone)):
            self.row(english, widget)

    def table(self) -> dict:
        return {"code": self.code.text().strip().upper(), "name": self.name.text().strip(),
                "address": self.address.text().strip(), "tax_id": self.tax_id.text().strip(),
                "currency": self.currency.currentText().strip().upper(),
                "timezone": self.timezone.currentText().strip(), "locale": i18n.current_locale()}

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            provisioning.check_tables({"store": self.table()})
        except PosError as exc:
            return self.refuse(_("Please check the store's details: {reason}").format(reason=exc))
        return True


class TerminalPage(Page):
    TITLE = N_("This terminal")
    INTRO = N_("Every till of the store has its own code, such as T01, T02.")

    def __init__(self):
        super().__init__()
        self.code = line("terminal_code", "T01")
        self.row(N_("Terminal code"), self.code)

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            provisioning.check_tables({"terminal": {"code": self.code.text().strip().upper()}})
        except PosError as exc:
            return self.refuse(_("Please check the terminal code: {reason}").format(reason=exc))
        return True


class DatabasePage(Page):
    TITLE = N_("The database")
    INTRO = N_("One till alone keeps its data on this computer. Several tills of one store share a "
               "PostgreSQL database on the store server.")

    def __init__(self, *, local_url: str, probe):
        super().__init__()
        self.local_url, self.probe = local_url, probe
        self.local = self.text(QRadioButton(), N_("This computer (SQLite, in the data folder)"))
        self.local.setObjectName("db_local")
        self.server = self.text(QRadioButton(), N_("Store server (PostgreSQL)"))
        self.server.setObjectName("db_server")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.server)
        self.local.setChecked(True)
        self.where = QLabel(redact(local_url).removeprefix("sqlite:///"))
        self.where.setObjectName("db_path")
        self.where.setWordWrap(True)
        self.url = line("db_url", placeholder="postgresql://posapp:password@192.168.1.10:5432/posapp")
        self.test = self.text(QPushButton(), N_("Test connection"))
        self.test.setObjectName("db_test")
        self.test.clicked.connect(lambda: self.probe(self.chosen_url(), None))
        local_row, server_row = QHBoxLayout(), QHBoxLayout()
        local_row.addSpacing(INDENT)
        local_row.addWidget(self.where, 1)
        server_row.addSpacing(INDENT)
        server_row.addWidget(self.url, 1)
        server_row.addWidget(self.test)
        self.form.addRow(self.local)
        self.form.addRow(local_row)
        self.form.addRow(self.server)
        self.form.addRow(server_row)
        for button in (self.local, self.server):
            button.toggled.connect(self._choice)
        self._choice()

    def _choice(self) -> None:
        on_server = self.server.isChecked()
        self.url.setEnabled(on_server)
        self.test.setEnabled(on_server)
        self.message.clear()

    def chosen_url(self) -> str:
        return self.url.text().strip() if self.server.isChecked() else self.local_url

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        if self.server.isChecked() and not self.url.text().strip():
            return self.refuse(_("Type the store server's database address, like "
                                 "postgresql://posapp:password@192.168.1.10:5432/posapp"))
        return self.wizard().database_known(self.chosen_url())


class PrinterPage(Page):
    TITLE = N_("The receipt printer")
    INTRO = N_("How this till reaches its ESC/POS receipt printer. Print a test slip to be sure.")

    def __init__(self, *, test_print):
        super().__init__()
        self.kind = combo("printer_kind", ())
        for code, _english in PRINTER_KINDS:
            self.kind.addItem("", code)
        self.host, self.port = line("printer_host", placeholder="192.168.1.50"), line("printer_port", "9100")
        self.vendor, self.product = line("usb_vendor", placeholder="0x04b8"), line("usb_product",
                                                                                   placeholder="0x0202")
        self.device = line("serial_device", placeholder="COM3  /dev/ttyUSB0")
        self.speed = combo("serial_speed", SERIAL_SPEEDS)
        self.speed.setCurrentText("19200")
        self.file = line("printer_file", placeholder="/dev/usb/lp0")
        self.paper = combo("paper", ())
        for columns, _english in PAPER:
            self.paper.addItem("", columns)
        self.encoding = combo("encoding", ENCODINGS)
        self.test = self.text(QPushButton(), N_("Print a test slip"))
        self.test.setObjectName("printer_test")
        self.test.clicked.connect(lambda: test_print(self))
        self.row(N_("Connection"), self.kind)
        self.targets = {"network": (self.host, self.port), "usb": (self.vendor, self.product),
                        "serial": (self.device, self.speed), "file": (self.file,)}
        for english, widget in ((N_("Address"), self.host), (N_("Port"), self.port), (N_("Vendor ID"), self.vendor),
                                (N_("Product ID"), self.product), (N_("Port"), self.device),
                                (N_("Speed"), self.speed), (N_("Device"), self.file)):
            self.row(english, widget)
        self.row(N_("Paper"), self.paper)
        self.row(N_("Character set"), self.encoding)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test)
        buttons.addStretch(1)
        self.form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def retranslate(self) -> None:
        super().retranslate()
        for i, (_code, english) in enumerate(PRINTER_KINDS):
            self.kind.setItemText(i, _(english))
        for i, (_columns, english) in enumerate(PAPER):
            self.paper.setItemText(i, _(english))

    def _kind_changed(self) -> None:
        shown = self.targets.get(self.kind.currentData(), ())
        for widgets in self.targets.values():
            for widget in widgets:
                self.form.setRowVisible(widget, widget in shown)
        self.test.setEnabled(self.kind.currentData() != "none")
        self.message.clear()

    def connection(self) -> str:
        kind = self.kind.currentData()
        target = {"none": "", "network": f"{self.host.text().strip()}:{self.port.text().strip()}",
                  "usb": f"{self.vendor.text().strip()}:{self.product.text().strip()}",
                  "serial": f"{self.device.text().strip()}:{self.speed.currentText()}",
                  "file": self.file.text().strip()}[kind]
        return f"{kind}:{target}" if target else kind

    def table(self) -> dict:
        return {"connection": self.connection(), "columns": self.paper.currentData(),
                "encoding": self.encoding.currentText(), "timeout": PrinterConfig().timeout}

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            provisioning.check_tables({"printer": self.table()})
        except PosError as exc:
            return self.refuse(_("Please check the printer: {reason}").format(reason=exc))
        return True


class AdminPage(Page):
    TITLE = N_("The first administrator")
    INTRO = N_("The administrator adds the staff and their roles. Staff log in at the till with a PIN "
               "of 4 to 8 digits.")

    def __init__(self):
        super().__init__()
        self.username = line("admin_username", "admin")
        self.name = line("admin_name")
        self.pin, self.again = line("admin_pin"), line("admin_pin_again")
        for edit in (self.pin, self.again):
            edit.setEchoMode(QLineEdit.Password)
            edit.setMaxLength(8)
        for english, widget in ((N_("Username"), self.username), (N_("Full name"), self.name),
                                (N_("PIN"), self.pin), (N_("PIN again"), self.again)):
            self.row(english, widget)

    def retranslate(self) -> None:
        super().retranslate()
        if not self.name.isModified():
            self.name.setText(_("Administrator"))

    def admin(self) -> provisioning.FirstAdmin:
        return provisioning.FirstAdmin(username=self.username.text().strip(), name=self.name.text().strip(),
                                       pin=self.pin.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            check_username(self.username.text())
            check_pin(self.pin.text())
        except PosError as exc:
            return self.refuse(_("Please check the administrator: {reason}").format(reason=exc))
        if self.pin.text().strip() != self.again.text().strip():
            self.again.clear()
            return self.refuse(_("The two PINs differ; type the PIN again."))
        return True


class SummaryPage(Page):
    TITLE = N_("Ready")
    INTRO = N_("This is what will be saved. Press Finish to create the database and the settings.")

    def __init__(self):
        super().__init__()
        self.table = QWidget()
        self.table.setObjectName("summary")
        self.form.addRow(self.table)

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        """The rows in a grid, on one baseline each (a Chinese line is taller than a Latin one)."""
        self.form.removeRow(0)  # the last summary, deleted
        self.table = QWidget()
        self.table.setObjectName("summary")
        grid = QGridLayout(self.table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        for row, (what, value) in enumerate(self.wizard().summary()):
            label, shown = QLabel(what), QLabel(value)
            label.setStyleSheet("font-weight: bold;")
            grid.addWidget(label, row, 0, Qt.AlignLeft | Qt.AlignBaseline)
            grid.addWidget(shown, row, 1, Qt.AlignLeft | Qt.AlignBaseline)
        self.form.addRow(self.table)
        self.message.clear()

    def shown(self) -> str:
        """The summary as text, a row a line."""
        return "\n".join(label.text() for label in self.table.findChildren(QLabel))
