"""The returns screen at the till (F10): the sale's lines, what comes back and why, the refund as the
returns service works it out while the cashier types (off the UI thread), and the return taken.
Keyboard first: digits set the quantity, Tab/arrows move, 1-5 choose the reason, Enter takes it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.domain.clock import utcnow
from posapp.domain.errors import PermissionDenied
from posapp.domain.returns import REASONS, Asked
from posapp.domain.users import Permission
from posapp.i18n import _, money, moment
from posapp.services import auth
from posapp.services import members as member_service
from posapp.services import returns as return_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.return_lines import (COLUMNS, EDITABLE, KEYS, NAME, QTY, REASON, LinesTable, QuantityDelegate,
                                    ReasonDelegate)
from posapp.ui.widgets import say

KEPT = ("cash", "points")  # refunds that "to cash" leaves as they are


def find_sale(till, text: str, then) -> None:
    """Find the sale on the receipt `text` and its member (off the UI thread), then then(returnable,
    member) on the UI thread; a refusal goes to the till's message line."""
    store = till.store

    def find():
        uow = store.uow()
        found = return_service.find_returnable(uow, store.station, text)
        return found, member_service.sale_member(uow, found.sale)

    till.runner.run(find, lambda found: then(*found), till.refuse)


def take_return(till, text: str) -> None:
    """Find the sale on the receipt `text`, then open the returns dialog for it."""
    find_sale(till, text, lambda returnable, member: _open(till, returnable, member))


def _open(till, returnable, member) -> None:
    dialog = ReturnDialog(returnable=returnable, member=member, store=till.store, runner=till.runner,
                          user=till.user, parent=till)
    accepted, done = dialog.exec(), dialog.completed
    dialog.deleteLater()
    if not accepted or done is None:
        till.scan.setFocus()
        return
    amount = money(done.plan.money, till.currency)
    text = _("Return {number} done: refund {amount}").format(number=done.sale.number, amount=amount)
    cash = sum((p.amount for p in done.sale.payments if p.tender == "cash"), Decimal(0))
    if cash and any(p.tender not in KEPT for p in done.sale.payments):  # what to hand over from the drawer
        text += "  " + _("of which cash {amount}").format(amount=money(-cash, till.currency))
    if done.plan.points_given:
        text += "  " + _("{points} points back to the member").format(points=done.plan.points_given)
    till.last_sale = done.sale.number
    till.total.setText(_("Refund: {amount}").format(amount=amount))  # the figure the cashier reads out
    till.info(text)
    till.sale_completed.emit(done)  # prints the return receipt


class _NeedsApproval(str):
    """take_return's PermissionDenied as a result: the dialog asks for a PIN."""


class ReturnDialog(QDialog):
    """The sale's lines with what can come back; the refund as the returns service works it out."""

    def __init__(self, *, returnable, member, store, runner, user, parent=None):
        super().__init__(parent)
        self.returnable, self.sale, self.store, self.runner, self.user = returnable, returnable.sale, store, runner, user
        self.currency, self.completed, self.busy, self.live, self.asked_at = self.sale.currency, None, False, True, 0
        self.setWindowTitle(_("Return against receipt {number}").format(number=self.sale.number))
        layout = QVBoxLayout(self)
        self.info = _label("sale_info", self._describe(member))
        self.window_state = _label("message")
        say(self.window_state, (_("{days} days since the sale: within the {limit}-day return window")
                                if returnable.in_window else _("{days} days since the sale: outside the {limit}-day "
                                                               "return window; a manager's PIN is needed")).format(
            days=returnable.days, limit=store.station.return_days), error=not returnable.in_window)
        self.table = self._build_table()
        hint = _label("hint", _("Type the quantity · Tab or arrows move · reason: {keys} · F2 opens the list").format(
            keys="  ".join(f"{i} {_(REASONS[k])}" for i, k in enumerate(KEYS, start=1))))
        hint.setStyleSheet("color: #555;")
        for widget, stretch in ((self.info, 0), (self.window_state, 0), (self.table, 1), (hint, 0)):
            layout.addWidget(widget, stretch)
        form = QFormLayout()
        self.references: dict[int, QLineEdit] = {}  # by the index of the sale's payment
        for i, p in enumerate(self.sale.payments):
            if p.tender in return_service.NEEDS_REFERENCE:
                self.references[i] = field = QLineEdit()
                field.setObjectName(f"reference_{i}")
                field.setPlaceholderText(_("the payment terminal's refund reference"))
                form.addRow(_("{tender} refund reference ({amount} paid, {reference})").format(
                    tender=_(p.tender), amount=money(p.amount, self.currency), reference=p.reference or "-"), field)
        self.to_cash = QCheckBox(_("Refund to cash instead (a supervisor's PIN)"))
        self.to_cash.setObjectName("to_cash")
        self.to_cash.setEnabled(any(p.tender not in KEPT for p in self.sale.payments))
        self.to_cash.toggled.connect(lambda on: ([f.setEnabled(not on) for f in self.references.values()],
                                                 self.timer.start()))
        form.addRow(self.to_cash)
        layout.addLayout(form)
        self.preview, self.refund, self.message = _label("preview"), _label("refund"), _label("message")
        self.preview.setTextFormat(Qt.RichText)
        self.refund.setStyleSheet("font-size: 24px; font-weight: bold;")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok = buttons.button(QDialogButtonBox.Ok)
        self.ok.setText(_("Take the return (Enter)"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Cancel (Esc)"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        for widget in (self.preview, self.refund, self.message, buttons):
            layout.addWidget(widget)
        self.timer = QTimer(self, singleShot=True, interval=150)  # one plan for a burst of keys
        self.timer.timeout.connect(self.replan)
        self.table.itemChanged.connect(self._changed)
        self._show_plan(None)
        self.resize(980, 660)

    # --- what the cashier sees --------------------------------------------------------------
    def _describe(self, member) -> str:
        sale = self.sale
        parts = [_("Receipt {number} · {time} · cashier {cashier}").format(
            number=sale.number, time=moment(sale.created_at, self.store.station.timezone), cashier=sale.cashier_name)]
        if member is not None:
            parts.append(_("Member {name} {phone}").format(name=member.name or member.code, phone=member.phone))
        paid = ", ".join(f"{_(p.tender)} {money(p.amount, self.currency)}" for p in sale.payments)
        parts.append(_("Paid {total}: {payments}").format(total=money(sale.due, self.currency), payments=paid))
        if self.returnable.returns:
            parts.append(_("Earlier returns: {numbers}").format(numbers=", ".join(self.returnable.returns)))
        return "\n".join(parts)

    def _build_table(self) -> LinesTable:
        r, lines = self.returnable, self.sale.lines
        table = LinesTable(len(lines), len(COLUMNS), self)
        table.setObjectName("return_lines")
        table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        table.verticalHeader().setVisible(False)
        table.setSelectionMode(QAbstractItemView.SingleSelection)
        table.setEditTriggers(QAbstractItemView.AnyKeyPressed | QAbstractItemView.DoubleClicked
                              | QAbstractItemView.EditKeyPressed | QAbstractItemView.SelectedClicked)
        table.setItemDelegateForColumn(QTY, QuantityDelegate(table))
        table.setItemDelegateForColumn(REASON, ReasonDelegate(table))
        for row, line in enumerate(lines):
            n = line.line_no
            for column, value in enumerate((line.name, _qty(line.qty), _qty(r.returned[n]), _qty(r.left[n]),
                                            money(r.paid[n], self.currency), "0", "")):
                item = QTableWidgetItem(value)
                item.setFlags(EDITABLE if column >= QTY and r.left[n] else Qt.ItemIsEnabled)
                if column not in (NAME, REASON):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.Stretch)
        header.setSectionResizeMode(REASON, QHeaderView.Fixed)
        table.setColumnWidth(REASON, table.fontMetrics().horizontalAdvance("M" * 14))
        table.currentCellChanged.connect(self._moved)
        return table

    def _moved(self, row: int, column: int, *_previous) -> None:
        if row >= 0 and column < QTY:  # a click on a line goes to what can be filled in
            self.table.setCurrentCell(row, QTY)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.activateWindow()
        self.table.setFocus()
        first = next((row for row, x in enumerate(self.sale.lines) if self.returnable.left[x.line_no]), 0)
        self.table.setCurrentCell(first, QTY)

    def _changed(self, item) -> None:
        if item.column() not in (QTY, REASON):
            return
        row, key = item.row(), self.table.item(item.row(), REASON).data(Qt.UserRole) or ""
        wanted = self._qty(row) not in (None, Decimal(0))
        reason = self.table.item(row, REASON)
        self.table.blockSignals(True)  # the reason's words and colour are not a change to plan again
        reason.setText(_(REASONS[key]) if key else (_("choose 1-5") if wanted else ""))
        reason.setForeground(QColor("#b00020" if wanted and not key else "#000000"))
        self.table.blockSignals(False)
        if item.column() == QTY:
            self.timer.start()

    def _qty(self, row: int) -> Decimal | None:
        try:
            value = Decimal(self.table.item(row, QTY).text().strip() or "0")
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    def asked(self, *, preview: bool = False) -> list[Asked] | None:
        """What the cashier filled in, or None (and a message) when a quantity is not a number."""
        found = []
        for row, line in enumerate(self.sale.lines):
            qty, reason = self._qty(row), self.table.item(row, REASON).data(Qt.UserRole) or ""
            if qty is None:
                self.show_error(_("{name}: {text} is not a quantity").format(
                    name=line.name, text=self.table.item(row, QTY).text()))
                return None
            if qty:  # the refund is worked out before a reason is chosen; taking it needs one
                found.append(Asked(line.line_no, qty, reason or ("other" if preview else "")))
        return found

    # --- the refund as it will be -------------------------------------------------------------
    def replan(self) -> None:
        asked = self.asked(preview=True)
        self.asked_at += 1
        if not asked:
            self._show_plan(None)
            if asked is not None:
                say(self.message, "")
            return
        store, number, at = self.store, self.sale.number, self.asked_at
        self.runner.run(lambda: return_service.plan(store.uow(), store.station, number, asked),
                        lambda plan: self._planned(at, plan, ""), lambda text: self._planned(at, None, text))

    def _planned(self, at: int, plan, problem: str) -> None:
        if self.live and at == self.asked_at:  # only the answer to what is on the screen now
            self._show_plan(plan)
            say(self.message, problem, error=bool(problem))

    def _show_plan(self, plan) -> None:
        self.plan = plan
        if plan is None:
            self.preview.setText(escape(_("Type how many of each line come back to see the refund")))
        else:
            self.preview.setText("<table cellspacing='2'>" + "".join(
                f"<tr><td>{escape(label)}</td><td align='right' style='padding-left:32px'>{amount}</td></tr>"
                for label, amount in self._plan_rows(plan) + self._refund_rows(plan)) + "</table>")
        self.refund.setText(self._figure(plan))

    def _m(self, amount) -> str:
        return escape(money(amount, self.currency))

    def _plan_rows(self, plan) -> list[tuple[str, str]]:
        """What comes back and what comes off it (label, escaped amount)."""
        m = self._m
        rows = [(_("Items returned ({count})").format(count=_qty(sum((x.qty for x in plan.lines), Decimal(0)))),
                 m(plan.gross))]
        for d in plan.deductions:
            label = _("Given back: {name}") if d.amount < 0 else (
                _("Gift kept: {name}") if d.kind == "gift" else _("No longer reached {name}"))
            rows.append((label.format(name=d.name), m(-d.amount)))
        if plan.shortfall:
            rows.append((_("Points already spent ({points})").format(points=plan.shortfall), m(-plan.shortfall_value)))
        if plan.rounding:
            rows.append((_("Cash rounding"), m(plan.rounding)))
        return rows

    def _refund_rows(self, plan) -> list[tuple[str, str]]:
        """Where the refund goes (an exchange shows what pays for the new items instead)."""
        rows = []
        for r in plan.refunds:
            if self.to_cash.isChecked() and r.tender not in KEPT:
                label = _("Back to cash (instead of {tender})").format(tender=_(r.tender))
            else:
                label = _("Back to {tender}").format(tender=_(r.tender)) + (f" {r.reference}" if r.reference else "")
            rows.append((label, self._m(r.amount)))
        return rows + points_rows(plan)

    def _figure(self, plan) -> str:
        """The big figure the cashier reads out."""
        return _("Refund: {amount}").format(amount=money(plan.money, self.currency) if plan else "—")

    # --- taking the return ----------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API): Enter anywhere takes the return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers():
            self.submit()
        else:
            super().keyPressEvent(event)

    def submit(self) -> None:
        asked = None if self.busy else self.asked()
        if asked == []:
            self.show_error(_("Choose what the customer brings back"))
        elif asked:
            self._take(asked, None)

    def _take(self, asked, approve: tuple[str, str, Permission] | None) -> None:
        store, user, number, to_cash = self.store, self.user, self.sale.number, self.to_cash.isChecked()
        references = {i: f.text() for i, f in self.references.items()}

        def work():
            approval = None
            if approve is not None:  # a PIN refused is a refusal, not another question
                approval = auth.approve(store.uow(), store.station, approver=approve[0], pin=approve[1],
                                        permission=approve[2], for_user=user)
            try:
                return return_service.take_return(store.uow(), store.station, actor=user, number=number, asked=asked,
                                                  references=references, to_cash=to_cash, approval=approval,
                                                  print_receipt=True)
            except PermissionDenied as exc:
                return _NeedsApproval(str(exc))

        self._busy(True)
        say(self.message, _("Taking the return…"))
        self.runner.run(work, lambda done: self._taken(done, asked, approve), self._refused)

    def _taken(self, done, asked, approve) -> None:
        if not self.live:
            return
        self._busy(False)
        if not isinstance(done, _NeedsApproval):
            self.completed = done
            self.accept()
            return
        permission = self._needed(approve[2] if approve else None)
        if permission is None:  # take_return takes one approval: late and to cash cannot both be approved
            self.show_error(done if approve is None else done + "  " + _(
                "Outside the return window the refund goes back to the original payments: untick refund to cash"))
            return
        dialog = OverrideDialog(action=_(permission.value.replace("_", " ")), parent=self)
        if dialog.exec():
            self._take(asked, (dialog.username.text(), dialog.pin.text(), permission))
        else:
            self.show_error(done)
        dialog.deleteLater()

    def _needed(self, held: Permission | None) -> Permission | None:
        """The approval take_return wants: the window's first (it checks that first), then to cash."""
        late = utcnow() - self.sale.created_at > timedelta(days=self.store.station.return_days)
        if held is None and late and not self.user.can(Permission.RETURN_OVERRIDE):
            return Permission.RETURN_OVERRIDE
        if held is None and self.to_cash.isChecked() and not self.user.can(Permission.REFUND):
            return Permission.REFUND
        return None

    def _refused(self, text: str) -> None:
        if self.live:
            self._busy(False)
            self.show_error(text)
            wanted = {r.index for r in self.plan.refunds} if self.plan else set()
            empty = [f for i, f in self.references.items() if i in wanted and f.isEnabled() and not f.text().strip()]
            if empty:  # most likely what was refused: the keyboard goes there
                empty[0].setFocus()

    def _busy(self, on: bool) -> None:
        self.busy = on
        self.ok.setEnabled(not on)

    def show_error(self, text: str) -> None:
        say(self.message, text, error=True)

    def done(self, result) -> None:  # noqa: D401 (Qt API): closed, answers still on their way are dropped
        self.live = False
        self.timer.stop()
        super().done(result)


def points_rows(plan) -> list[tuple[str, str]]:
    """What a return does to the member's points, the parts there are."""
    rows = []
    if plan.points_given:
        rows.append((_("{points} points back to the member").format(points=plan.points_given), ""))
    if plan.points_taken:
        rows.append((_("{points} points taken back").format(points=plan.points_taken), ""))
    return rows


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(name != "preview")
    return label


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"
