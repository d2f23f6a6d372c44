"""Back office: the members (会员管理). Find members by card, phone or name, see their card and points
history, sign them up, change their details, disable or enable them, adjust their points. Managers
only, or anyone else with a manager's PIN for the whole visit. Phones are only ever shown masked."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.clock import to_local
from posapp.domain.members import Member, MemberCard, tier_label
from posapp.domain.points import Entry, EntryKind
from posapp.domain.users import Permission
from posapp.i18n import _, moment, money
from posapp.services import auth
from posapp.services import members as member_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.member_form import AdjustPointsDialog, MemberForm, points_text, signed_points
from posapp.ui.widgets import TOUCH, say, while_open

# What the screen lets a manager do; anyone else needs a manager's PIN for them when it opens.
PERMISSIONS = (Permission.MANAGE_MEMBERS, Permission.ADJUST_POINTS)


def open_members(*, parent, store, runner, user, refuse) -> None:
    """Open the members window for user, asking a manager's PIN first if user may not manage members
    or adjust points; refuse(message) says why it did not open."""
    if user is None:
        refuse(_("Log in first"))
        return
    needed = [p for p in PERMISSIONS if not user.can(p)]
    if not needed:
        _show(MembersWindow(store=store, runner=runner, user=user, parent=parent))
        return
    dialog = OverrideDialog(action=", ".join(_(p.value.replace("_", " ")) for p in needed), parent=parent)
    accepted = dialog.exec()
    approver, pin = dialog.username.text(), dialog.pin.text()
    dialog.deleteLater()
    if not accepted:
        return

    def approve_all():  # one PIN for the visit: an approval for each permission the screen needs
        return {p: auth.approve(store.uow(), store.station, approver=approver, pin=pin, permission=p,
                                for_user=user) for p in needed}

    runner.run(approve_all,
               lambda approvals: _show(MembersWindow(store=store, runner=runner, user=user, approvals=approvals,
                                                     parent=parent)),
               refuse)


def _show(window: QDialog) -> None:
    # Modal to the till: nobody sells or logs out under it, and the approvals end when it closes.
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.setWindowModality(Qt.WindowModal)
    window.show()
    window.raise_()
    window.activateWindow()


def kind_label(kind: EntryKind) -> str:
    return {EntryKind.EARN: _("Earned"), EntryKind.REDEEM: _("Paid with points"), EntryKind.EXPIRE: _("Expired"),
            EntryKind.ADJUST: _("Adjusted"), EntryKind.REVERSE: _("Returned")}[kind]


def member_row(m: Member) -> list[str]:
    """A member as the list shows them: card, name, masked phone, tier, class, status, consent."""
    return [m.code, m.name, m.masked_phone, tier_label(m.tier), m.customer_class,
            _("active") if m.active else _("disabled"), _("yes") if m.consent else _("no")]


def history_rows(entries: list[Entry], tz: str) -> list[list[str]]:
    """The ledger newest first: date, kind, points, the balance after it, and its sale or reason."""
    rows, balance = [], 0
    for e in entries:  # oldest first, as the ledger keeps them, to run the balance
        balance += e.points
        rows.append([moment(e.at, tz), kind_label(e.kind), signed_points(e.points), points_text(balance),
                     e.sale_number or e.reason])
    return rows[::-1]


def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.Stretch)
    return table


class MembersWindow(QDialog):
    def __init__(self, *, store, runner, user, approvals=None, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user = store, runner, user
        self.approvals = dict(approvals or {})
        self.tz, self.currency = store.config.store.timezone, store.config.store.currency
        self.members: list[Member] = []
        self.card: MemberCard | None = None
        self.entries: list[Entry] = []
        title = _("Member management")
        if self.approvals:
            approver = next(iter(self.approvals.values())).approver
            title += "  " + _("(approved by {name})").format(name=approver.name)
        self.setWindowTitle(title)
        self._build()
        self.resize(1280, 700)
        self.search()

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.query = QLineEdit()
        self.query.setObjectName("search")
        self.query.setPlaceholderText(_("Card number, phone or name; Enter searches"))
        self.query.setMinimumHeight(TOUCH)
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(lambda: self.search(to_list=True))
        self.search_button = self._button("search", _("Search"), lambda: self.search(to_list=True))
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.search_button)
        self.table = _table("members", [_("Card number"), _("Full name"), _("Mobile number"), _("Tier"), _("Class"),
                                        _("Status"), _("Consent")], 1)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH)
        self.table.itemSelectionChanged.connect(self._load_details)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self._details())
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([600, 660])
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons())
        QShortcut(QKeySequence.Find, self, self.query.setFocus)
        QShortcut(QKeySequence.New, self, self.new)
        QShortcut(QKeySequence(Qt.Key_F2), self, self.edit)
        order = [self.query, self.search_button, self.table, self.history, *self.buttons.values()]
        for first, second in zip(order, order[1:]):
            self.setTabOrder(first, second)

    def _details(self) -> QWidget:
        box = QGroupBox(_("Member card"))
        self.who = QLabel("")
        self.who.setObjectName("who")
        self.who.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.balance = QLabel("")
        self.balance.setObjectName("balance")
        self.balance.setStyleSheet("font-size: 18px; font-weight: bold; color: #1a4d8f;")
        self.expiring, self.spend, self.visits = QLabel(""), QLabel(""), QLabel("")
        self.expiring.setObjectName("expiring")
        self.spend.setObjectName("spend")
        self.visits.setObjectName("visits")
        self.visits.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Points balance"), self.balance)
        form.addRow(_("Expiring soon"), self.expiring)
        form.addRow(_("Spent in the last 12 months"), self.spend)
        form.addRow(_("Last visits"), self.visits)
        self.history = _table("history", [_("Date"), _("Kind"), _("Points change"), _("Balance"),
                                          _("Sale or reason")], 4)
        inner = QVBoxLayout(box)
        inner.addWidget(self.who)
        inner.addLayout(form)
        inner.addWidget(QLabel(_("Points history")))
        inner.addWidget(self.history, 1)
        return box

    def _button(self, name: str, label: str, slot) -> QPushButton:
        button = QPushButton(label)
        button.setObjectName(name)
        button.setMinimumSize(110, 44)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, label, slot, tip in (("new", _("New member"), self.new, "Ctrl+N"),
                                       ("edit", _("Edit"), self.edit, "F2"),
                                       ("active", _("Disable"), self.toggle_active, ""),
                                       ("adjust", _("Adjust points"), self.adjust, ""),
                                       ("close", _("Close"), self.close, "Esc")):
            button = self._button(name, label, slot)
            button.setToolTip(tip)
            self.buttons[name] = button
            if name == "close":
                row.addStretch(1)
            row.addWidget(button)
        return row

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API): type to search at once
        super().showEvent(event)
        self.query.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API): Enter on the list edits the member
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.table.hasFocus():
            QTimer.singleShot(0, self.edit)  # the form's own loop starts once this key is handled
            return
        super().keyPressEvent(event)

    # --- the list -----------------------------------------------------------------------------
    def search(self, select: Member | None = None, *, to_list: bool = False) -> None:
        """Search again with the text typed; select (a member just saved) is kept in the list."""
        store, text = self.store, self.query.text()
        self.runner.run(lambda: member_service.search_members(store.uow(), text),
                        while_open(self, lambda found: self._show_list(found, text, select, to_list)),
                        while_open(self, self.refuse))

    def _show_list(self, found: list[Member], text: str, select: Member | None, to_list: bool) -> None:
        if select is not None:
            found = [select] + [m for m in found if m.code != select.code]
        self.members = found
        self.table.clearSelection()
        self.table.setRowCount(len(found))
        for row, m in enumerate(found):
            for column, value in enumerate(member_row(m)):
                item = QTableWidgetItem(value)
                if not m.active:
                    item.setForeground(Qt.gray)
                self.table.setItem(row, column, item)
        if found:
            self.table.selectRow(0)
            if to_list:
                self.table.setFocus()
        elif text.strip():
            self.refuse(_("No member found for {text}").format(text=text.strip()))
        if to_list and found:
            self.info(_("{count} members found").format(count=len(found)))

    def current(self) -> Member | None:
        rows = self.table.selectionModel().selectedRows()
        return self.members[rows[0].row()] if rows and rows[0].row() < len(self.members) else None

    def selected(self) -> Member | None:
        member = self.current()
        if member is None:
            self.refuse(_("Choose a member first"))
        return member

    def back_to_list(self) -> None:
        # After a dialog, the keyboard comes back here even on a till with no window manager to give it.
        self.activateWindow()
        self.table.setFocus()

    def info(self, text: str) -> None:
        say(self.message, text)

    def refuse(self, text: str) -> None:
        QApplication.beep()
        say(self.message, text, error=True)

    # --- the member's card and points ---------------------------------------------------------
    def _load_details(self) -> None:
        member = self.current()
        self.buttons["active"].setText(_("Enable") if member is not None and not member.active else _("Disable"))
        self.card, self.entries = None, []
        self._show_card(None)
        if member is None:
            return
        store, code = self.store, member.code

        def load():
            uow = store.uow()
            fresh, entries = member_service.history(uow, code)
            return member_service.member_card(uow, store.station, fresh), entries

        self.runner.run(load, while_open(self, lambda found: self._details_loaded(code, *found)),
                        while_open(self, self.refuse))

    def _details_loaded(self, code: str, card: MemberCard, entries: list[Entry]) -> None:
        member = self.current()
        if member is None or member.code != code:
            return  # another member was chosen meanwhile
        self.card, self.entries = card, entries
        self._show_card(card)
        rows = history_rows(entries, self.tz)
        self.history.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in (2, 3):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.history.setItem(row, column, item)

    def _show_card(self, card: MemberCard | None) -> None:
        if card is None:
            for label in (self.who, self.balance, self.expiring, self.spend, self.visits):
                label.setText("")
            self.history.setRowCount(0)
            return
        m = card.member
        state = _("active") if m.active else _("disabled")
        self.who.setText(f"{m.name or '—'}  {m.code}  {m.masked_phone}  ·  {state}")
        self.balance.setText(points_text(card.balance))
        if card.expiring:
            self.expiring.setText(_("{points} points by {day}").format(
                points=points_text(card.expiring), day=f"{to_local(card.expiring_on, self.tz):%Y-%m-%d}"))
        else:
            self.expiring.setText(_("none"))
        # Points about to go are what a manager tells the customer first.
        self.expiring.setStyleSheet("color: #b35c00; font-weight: bold;" if card.expiring else "")
        self.spend.setText(money(card.spend_12m, self.currency))
        visits = [f"{moment(at, self.tz)}  {store}  {money(total, self.currency)}" for at, store, total in card.visits]
        self.visits.setText("\n".join(visits) or _("no visits yet"))

    # --- the buttons --------------------------------------------------------------------------
    def new(self) -> None:
        self._open_form(None)

    def edit(self) -> None:
        member = self.selected()
        if member is not None:
            self._open_form(member)

    def _open_form(self, member: Member | None) -> None:
        form = MemberForm(store=self.store, runner=self.runner, user=self.user, approvals=self.approvals,
                          member=member, parent=self)
        if form.exec() and form.saved is not None:
            self.info(_("Member {code} saved").format(code=form.saved.code))
            self.search(select=form.saved)
        form.deleteLater()
        self.back_to_list()

    def toggle_active(self) -> None:
        member = self.selected()
        if member is None or (member.active and not self._confirm_disable(member)):
            return
        store, user, code, active = self.store, self.user, member.code, not member.active
        approval = self.approvals.get(Permission.MANAGE_MEMBERS)
        self.runner.run(lambda: member_service.update_member(store.uow(), store.station, actor=user, code=code,
                                                             active=active, approval=approval),
                        while_open(self, self._active_changed), while_open(self, self.refuse))

    def _active_changed(self, member: Member) -> None:
        text = _("Member {code} enabled") if member.active else _("Member {code} disabled")
        self.info(text.format(code=member.code))
        self.search(select=member)

    def _confirm_disable(self, member: Member) -> bool:
        box = QMessageBox(QMessageBox.Question, _("Disable a member"),
                          _("Disable {code} ({name})? The tills refuse the card until it is enabled again; "
                            "the points are kept.").format(code=member.code, name=member.name or "—"), parent=self)
        yes = box.addButton(_("Disable it"), QMessageBox.AcceptRole)
        keep = box.addButton(_("Keep it"), QMessageBox.RejectRole)
        box.setDefaultButton(keep)  # Enter by habit must not disable a member
        box.setEscapeButton(keep)
        box.exec()
        box.deleteLater()
        self.back_to_list()
        return box.clickedButton() is yes

    def adjust(self) -> None:
        member = self.selected()
        if member is None:
            return
        if self.card is None or self.card.member.code != member.code:
            self.refuse(_("Wait for the member's points to load"))
            return
        dialog = AdjustPointsDialog(store=self.store, runner=self.runner, user=self.user, approvals=self.approvals,
                                    member=member, balance=self.card.balance, parent=self)
        if dialog.exec() and dialog.balance is not None:
            points, reason = dialog.adjusted
            self.info(_("{code}: {points} points ({reason}); balance now {balance}").format(
                code=member.code, points=signed_points(points), reason=reason, balance=points_text(dialog.balance)))
            self._load_details()
        dialog.deleteLater()
        self.back_to_list()
