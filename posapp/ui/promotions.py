"""Back office: the promotions a store runs (list, new, change, end) and a simulator that prices a
basket with them. Managers only, or anyone else with a manager's PIN for the whole visit."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from posapp.domain.clock import to_local, utcnow
from posapp.domain.promotions import Promotion
from posapp.domain.users import Permission
from posapp.i18n import _, moment, money
from posapp.services import auth
from posapp.services import promotions as promotion_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.promotion_form import (
    TOUCH,
    PromotionForm,
    datetime_edit,
    from_qdatetime,
    kind_label,
    local_to_utc,
    parse_words,
    to_qdatetime,
    weekday_names,
)
from posapp.ui.widgets import say


def open_promotions(*, parent, store, runner, user, refuse) -> None:
    """Open the promotions window for user, asking a manager's PIN first if user may not manage them;
    refuse(message) says why it did not open."""
    if user is None:
        refuse(_("Log in first"))
        return
    permission = Permission.MANAGE_PROMOTIONS
    if user.can(permission):
        _show(PromotionsWindow(store=store, runner=runner, user=user, parent=parent))
        return
    dialog = OverrideDialog(action=_(permission.value.replace("_", " ")), parent=parent)
    if not dialog.exec():
        return
    approver, pin = dialog.username.text(), dialog.pin.text()
    runner.run(lambda: auth.approve(store.uow(), store.station, approver=approver, pin=pin,
                                    permission=permission, for_user=user),
               lambda approval: _show(PromotionsWindow(store=store, runner=runner, user=user,
                                                       approval=approval, parent=parent)),
               refuse)


def while_open(widget: QWidget, callback):
    """callback, or nothing once the widget is gone (a closed window drops its late answers)."""
    return lambda value: callback(value) if isValid(widget) else None


def _show(window: QDialog) -> None:
    # Modal to the till: nobody sells or logs out under it, and an approval ends when it closes.
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.setWindowModality(Qt.WindowModal)
    window.show()
    window.raise_()
    window.activateWindow()


def status_of(p: Promotion, now_utc) -> str:
    if not p.active or (p.ends_at is not None and p.ends_at <= now_utc):
        return "ended"
    if p.starts_at is not None and p.starts_at > now_utc:
        return "scheduled"
    return "running"


def status_label(status: str) -> str:
    return {"ended": _("ended"), "scheduled": _("scheduled"), "running": _("running")}[status]


def when_text(p: Promotion, tz: str) -> str:
    """Its dates in store time, then its days and hours if it keeps to some."""
    start = moment(p.starts_at, tz) if p.starts_at else _("now")
    text = f"{start} → {moment(p.ends_at, tz)}" if p.ends_at else _("{start} → until ended").format(start=start)
    if p.weekdays:
        names = weekday_names()
        text += "  " + " ".join(names[d - 1] for d in sorted(p.weekdays))
    if p.hours:
        text += f"  {p.hours[0]:%H:%M}–{p.hours[1]:%H:%M}"
    return text


class PromotionsWindow(QDialog):
    def __init__(self, *, store, runner, user, approval=None, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user, self.approval = store, runner, user, approval
        self.tz = store.config.store.timezone
        self.promotions: list[Promotion] = []
        title = _("Promotions")
        if approval is not None:
            title += "  " + _("(approved by {name})").format(name=approval.approver.name)
        self.setWindowTitle(title)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._list_page(), _("Promotions"))
        self.simulator = SimulatorPage(store=store, runner=runner)
        self.tabs.addTab(self.simulator, _("Simulator"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(1180, 700)
        self.reload()

    def _list_page(self) -> QWidget:
        self.filter = QLineEdit()
        self.filter.setObjectName("filter")
        self.filter.setPlaceholderText(_("Filter: code, name, kind, status or group"))
        self.filter.setMinimumHeight(TOUCH)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _text: self._apply_filter())
        headers = [_("Code"), _("Promotion name"), _("Kind"), _("When"), _("Status"), _("Priority"), _("Group")]
        self.table = QTableWidget(0, len(headers))
        self.table.setObjectName("promotions")
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, label, slot in (("new", _("New"), self.new), ("edit", _("Edit"), self.edit),
                                  ("end", _("End"), self.end), ("simulate", _("Simulate"), self.simulate),
                                  ("close", _("Close"), self.close)):
            button = QPushButton(label)
            button.setObjectName(name)
            button.setMinimumSize(110, 44)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            self.buttons[name] = button
            if name == "close":
                buttons.addStretch(1)
            buttons.addWidget(button)
        QShortcut(QKeySequence.New, self, self.new)
        QShortcut(QKeySequence.Find, self, self.filter.setFocus)
        QShortcut(QKeySequence(Qt.Key_Delete), self.table, self.end)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        return page

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API): type to filter, Enter to the list
        super().showEvent(event)
        self.filter.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API): Enter in the filter goes to the list,
        # Enter on the list edits (one key press, one step)
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.filter.hasFocus():
            self.table_focus()
            return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.table.hasFocus():
            QTimer.singleShot(0, self.edit)  # the form's own loop starts once this key is handled
            return
        super().keyPressEvent(event)

    def table_focus(self) -> None:
        self.table.setFocus()
        if self.table.currentRow() < 0:
            self._select_first_visible()

    # --- the list -----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        store = self.store
        self.runner.run(lambda: promotion_service.list_promotions(store.uow()),
                        while_open(self, lambda found: self._show_list(found, select)), while_open(self, self.refuse))

    def _show_list(self, promotions: list[Promotion], select: str | None) -> None:
        self.promotions = promotions
        now = utcnow()
        self.table.setRowCount(len(promotions))
        for row, p in enumerate(promotions):
            status = status_of(p, now)
            values = (p.code, p.name, kind_label(p.kind), when_text(p, self.tz), status_label(status),
                      str(p.priority), p.group)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 1 and p.name_en:
                    item.setToolTip(p.name_en)
                if column == 4 and status == "ended":
                    item.setForeground(Qt.gray)
                self.table.setItem(row, column, item)
        self._apply_filter()
        if select is not None:
            self._select_code(select)
        elif self.table.currentRow() < 0:
            self._select_first_visible()

    def _apply_filter(self) -> None:
        words = self.filter.text().strip().lower().split()
        for row in range(self.table.rowCount()):
            text = " ".join(self.table.item(row, c).text() for c in range(self.table.columnCount())).lower()
            self.table.setRowHidden(row, not all(w in text for w in words))
        current = self.table.currentRow()
        if current < 0 or self.table.isRowHidden(current):
            self._select_first_visible()

    def _select_first_visible(self) -> None:
        visible = [r for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]
        if visible:
            self.table.selectRow(visible[0])
        else:
            self.table.clearSelection()
            self.table.setCurrentCell(-1, -1)

    def _select_code(self, code: str) -> None:
        for row, p in enumerate(self.promotions):
            if p.code == code and not self.table.isRowHidden(row):
                self.table.selectRow(row)
                self.table.scrollToItem(self.table.item(row, 0))

    def selected(self) -> Promotion | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.table.isRowHidden(rows[0].row()):
            self.refuse(_("Choose a promotion first"))
            return None
        return self.promotions[rows[0].row()]

    def info(self, text: str) -> None:
        say(self.message, text)

    def refuse(self, text: str) -> None:
        QApplication.beep()
        say(self.message, text, error=True)

    # --- the buttons --------------------------------------------------------------------------
    def new(self) -> None:
        self._open_form(None)

    def edit(self) -> None:
        promotion = self.selected()
        if promotion is not None:
            self._open_form(promotion)

    def _open_form(self, promotion: Promotion | None) -> None:
        form = PromotionForm(store=self.store, runner=self.runner, user=self.user, approval=self.approval,
                             promotion=promotion, parent=self)
        if form.exec() and form.saved is not None:
            self.info(_("Promotion {code} saved").format(code=form.saved.code))
            self.reload(select=form.saved.code)
        form.deleteLater()
        self.table.setFocus()

    def end(self) -> None:
        promotion = self.selected()
        if promotion is None:
            return
        if status_of(promotion, utcnow()) == "ended":
            self.refuse(_("{code} has already ended").format(code=promotion.code))
            return
        if not self._confirm_end(promotion):
            return
        store, user, approval, code = self.store, self.user, self.approval, promotion.code
        self.runner.run(lambda: promotion_service.end_promotion(store.uow(), store.station, actor=user, code=code,
                                                                approval=approval),
                        while_open(self, lambda ended: (self.info(_("Promotion {code} ended").format(code=ended.code)),
                                                        self.reload(select=ended.code))),
                        while_open(self, self.refuse))

    def _confirm_end(self, promotion: Promotion) -> bool:
        box = QMessageBox(QMessageBox.Question, _("End a promotion"),
                          _("End {code} ({name}) now? The tills stop giving it from their next customer.")
                          .format(code=promotion.code, name=promotion.name), parent=self)
        yes = box.addButton(_("End it"), QMessageBox.AcceptRole)
        keep = box.addButton(_("Keep it"), QMessageBox.RejectRole)
        box.setDefaultButton(keep)  # Enter by habit must not end a promotion
        box.setEscapeButton(keep)
        box.exec()
        self.table.setFocus()
        return box.clickedButton() is yes

    def simulate(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and not self.table.isRowHidden(rows[0].row()):
            self.simulator.suggest(self.promotions[rows[0].row()])
        self.tabs.setCurrentWidget(self.simulator)
        self.simulator.items.setFocus()


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
