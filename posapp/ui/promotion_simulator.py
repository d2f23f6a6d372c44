"""The promotion simulator in the back office: a basket priced with the promotions running at a time,
as the till would price it; nothing is sold."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.clock import to_local, utcnow
from posapp.domain.promotions import Promotion
from posapp.i18n import _, moment, money
from posapp.services import promotions as promotion_service
from posapp.ui.promotion_form import (
    datetime_edit,
    from_qdatetime,
    local_to_utc,
    parse_words,
    to_qdatetime,
)
from posapp.ui.widgets import TOUCH, say, while_open


class SimulatorPage(QWidget):
    """Prices a basket with the promotions running at a time, as the till would; nothing is sold."""

    def __init__(self, *, store, runner, parent=None):
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.tz, self.currency = store.config.store.timezone, store.config.store.currency
        self.quote = None
        self.items = QPlainTextEdit()
        self.items.setObjectName("items")
        self.items.setPlaceholderText(_("One item a line as SKU:QTY, e.g.\nD0000015:3\nD0000001:2"))
        self.items.setTabChangesFocus(True)
        self.items.setFixedHeight(128)
        self.member = QLineEdit()
        self.member.setObjectName("member")
        self.member.setPlaceholderText(_("Member card or phone number (optional)"))
        self.coupons = QLineEdit()
        self.coupons.setObjectName("coupons")
        self.coupons.setPlaceholderText(_("Coupon codes, comma-separated (optional)"))
        self.has_time = QCheckBox(_("At"))
        self.at = datetime_edit()
        self.at.setEnabled(False)
        self.has_time.toggled.connect(self.at.setEnabled)
        self.at.setDateTime(to_qdatetime(to_local(utcnow(), self.tz)))
        for edit in (self.member, self.coupons):
            edit.setMinimumHeight(TOUCH)
            edit.returnPressed.connect(self.price)
        self.price_button = QPushButton(_("Price the basket"))
        self.price_button.setObjectName("price")
        self.price_button.setMinimumSize(160, 44)
        self.price_button.setAutoDefault(False)
        self.price_button.clicked.connect(self.price)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.price)
        headers = [_("SKU"), _("Name"), _("Unit price"), _("Qty"), _("Promotions"), _("After promotions")]
        self.table = QTableWidget(0, len(headers))
        self.table.setObjectName("quote")
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.totals = QLabel("")
        self.totals.setObjectName("totals")
        self.totals.setStyleSheet("font-size: 16px; font-weight: bold; padding: 4px 0;")
        self.totals.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.notes = QLabel("")
        self.notes.setObjectName("message")
        self.notes.setWordWrap(True)
        self._layout()

    def _layout(self) -> None:
        # The basket on the left, who and when on the right: the priced lines get the height.
        basket = QVBoxLayout()
        basket.addWidget(QLabel(_("Items")))
        basket.addWidget(self.items)
        who = QFormLayout()
        who.addRow(_("Member"), self.member)
        who.addRow(_("Coupons"), self.coupons)
        when = QHBoxLayout()
        when.addWidget(self.at)
        when.addWidget(QLabel(_("store time; unticked: now")))
        when.addStretch(1)
        who.addRow(self.has_time, when)
        top = QHBoxLayout()
        top.addLayout(basket, 2)
        top.addLayout(who, 3)
        go = QHBoxLayout()
        go.addWidget(QLabel(_("Ctrl+Enter prices the basket")))
        go.addStretch(1)
        go.addWidget(self.price_button)
        layout = QVBoxLayout(self)
        for part in (top, go):
            layout.addLayout(part)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.notes)

    def suggest(self, p: Promotion) -> None:
        """Start from the promotion's own products and coupon, if nothing is typed yet."""
        if not self.items.toPlainText().strip():
            skus = sorted(p.products)[:5] or ([p.gift_sku] if p.gift_sku else [])
            self.items.setPlainText("\n".join(f"{sku}:1" for sku in skus))
        if p.coupon_code and not self.coupons.text().strip():
            self.coupons.setText(p.coupon_code)

    def price(self) -> None:
        store = self.store
        text = ",".join(self.items.toPlainText().splitlines())
        member = self.member.text().strip() or None
        coupons = tuple(parse_words(self.coupons.text()))
        at = local_to_utc(from_qdatetime(self.at.dateTime()), self.tz) if self.has_time.isChecked() else None
        say(self.notes, _("Pricing…"))
        self.runner.run(lambda: promotion_service.price_basket(
            store.uow(), store.station, items=promotion_service.parse_items(text), member_code=member,
            coupons=coupons, at=at), while_open(self, self.show_quote), while_open(self, self.refuse))

    def refuse(self, text: str) -> None:
        QApplication.beep()
        say(self.notes, text, error=True)

    def show_quote(self, quote) -> None:
        self.quote = quote
        self.table.setRowCount(len(quote.lines))
        for row, line in enumerate(quote.lines):
            promos = "\n".join(f"{p.name} ({p.code})  −{money(p.amount, self.currency)}" for p in line.promotions)
            values = (line.sku, line.name, money(line.unit_price, self.currency), f"{line.qty:f}", promos,
                      money(line.paid if line.paid is not None else line.total, self.currency))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in (2, 3, 5):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.totals.setText(self._totals_text(quote))
        notes = [_("Priced at {time}").format(time=moment(quote.at, self.tz))]
        if quote.member is not None:
            notes.append(_("Member {name} ({code})").format(name=quote.member.name or quote.member.code,
                                                            code=quote.member.code))
        notes += [f"• {note}" for note in quote.notes]
        say(self.notes, "\n".join(notes))

    def _totals_text(self, quote) -> str:
        figures = promotion_service.quote_json(quote)
        m = lambda key: money(Decimal(figures[key]), self.currency)  # noqa: E731 (tiny formatter)
        tax = sum((Decimal(x["tax"]) for x in figures["tax"]), Decimal(0))
        rates = ", ".join(f"{Decimal(x['rate']).normalize():f}% {money(Decimal(x['tax']), self.currency)}"
                          for x in figures["tax"])
        lines = [_("Before promotions {amount}").format(amount=m("subtotal")),
                 _("Promotions and discounts −{amount}").format(amount=m("discounts")),
                 _("Total {amount}").format(amount=m("total")),
                 _("Tax {amount} ({rates})").format(amount=money(tax, self.currency), rates=rates)]
        gifts = [f"{s['name']} {money(Decimal(s['amount']), self.currency)}" for s in figures["promotions"]
                 if s["level"] == "gift"]
        if gifts:
            lines.append(_("Gifts: {gifts}").format(gifts=", ".join(gifts)))
        return "    ".join(lines)
