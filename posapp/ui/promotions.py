"""Back office: the promotions a store runs (list, new, change, end) and a simulator that prices a
basket with them. Managers only, or anyone else with a manager's PIN for the whole visit."""

from __future__ import annotations


from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.clock import utcnow
from posapp.domain.promotions import Promotion
from posapp.domain.users import Permission
from posapp.i18n import _, moment
from posapp.services import auth
from posapp.services import promotions as promotion_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.promotion_form import (
    PromotionForm,
    kind_label,
    weekday_names,
)
from posapp.ui.promotion_simulator import SimulatorPage
from posapp.ui.widgets import TOUCH, say, while_open


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

