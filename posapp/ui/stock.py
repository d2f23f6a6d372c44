"""Back office: stock (库存). Counts (start, count, review, approve), receiving deliveries, write-offs and
transfers, the low-stock and below-zero lists, and shelf labels. Managers, or anyone else with a
manager's PIN for the visit; a cashier reaches the counting view of an open count from the Till menu."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QLabel, QTabWidget, QVBoxLayout

from posapp.domain.users import Permission
from posapp.i18n import _
from posapp.services import auth
from posapp.services import stock_counts as count_service
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.stock_common import STYLE, Access, scope_text

# What the window lets a manager do; anyone else needs a manager's PIN for them when it opens.
PERMISSIONS = (Permission.APPROVE_STOCK_COUNT, Permission.RECEIVE_STOCK, Permission.ADJUST_STOCK)


def open_stock(*, parent, store, runner, user, refuse) -> None:
    """Open the stock window for user, asking a manager's PIN first for what user may not do;
    refuse(message) says why it did not open."""
    if user is None:
        refuse(_("Log in first"))
        return
    needed = [p for p in PERMISSIONS if not user.can(p)]
    if not needed:
        _show(StockWindow(store=store, runner=runner, access=Access(user), parent=parent))
        return
    dialog = OverrideDialog(action=", ".join(_(p.value.replace("_", " ")) for p in needed), parent=parent)
    accepted = dialog.exec()
    approver, pin = dialog.username.text(), dialog.pin.text()
    dialog.deleteLater()
    if not accepted:
        if any(user.can(p) for p in PERMISSIONS):  # a supervisor still receives without a manager
            _show(StockWindow(store=store, runner=runner, access=Access(user), parent=parent))
        return

    def approve_all():  # one PIN for the visit: an approval for each permission the window needs
        return {p: auth.approve(store.uow(), store.station, approver=approver, pin=pin, permission=p,
                                for_user=user) for p in needed}

    runner.run(approve_all,
               lambda approvals: _show(StockWindow(store=store, runner=runner, access=Access(user, approvals),
                                                   parent=parent)),
               refuse)


def open_counting(*, parent, store, runner, user, refuse) -> None:
    """Open the counting view of an open count (asking which, when several are open), for any counter."""
    if user is None:
        refuse(_("Log in first"))
        return

    def chosen(found) -> None:
        if not found:
            refuse(_("No stock count is open: a manager starts one in Back office › Stock"))
            return
        count = found[0]
        if len(found) > 1:
            labels = [f"{c.number}  {scope_text(c)}" for c in found]
            label, ok = QInputDialog.getItem(parent, _("Count stock"), _("Which count?"), labels, 0, False)
            if not ok:
                return
            count = found[labels.index(label)]
        show_counting(parent=parent, store=store, runner=runner, user=user, count=count)

    runner.run(lambda: count_service.counts(store.uow(), store.station, actor=user, status="open"), chosen, refuse)


def show_counting(*, parent, store, runner, user, count) -> QDialog:
    from posapp.ui.stock_counting import CountingWindow

    window = CountingWindow(store=store, runner=runner, user=user, count=count, parent=parent)
    _show(window)
    return window


def _show(window: QDialog) -> None:
    # Modal to the till: nobody sells or logs out under it, and the approvals end when it closes.
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.setWindowModality(Qt.WindowModal)
    window.show()
    window.raise_()
    window.activateWindow()


class StockWindow(QDialog):
    def __init__(self, *, store, runner, access: Access, parent=None):
        from posapp.ui.stock_count_list import CountsPage
        from posapp.ui.stock_docs import AdjustPage, ReceivingPage
        from posapp.ui.stock_labels import LabelsPage
        from posapp.ui.stock_levels import LevelsPage

        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        title = _("Stock")
        if access.approvals:
            approver = next(iter(access.approvals.values())).approver
            title += "  " + _("(approved by {name})").format(name=approver.name)
        self.setWindowTitle(title)
        self.setStyleSheet(STYLE)
        who = QLabel(_("{name} · store {store}").format(name=access.user.name, store=store.station.store_code))
        who.setObjectName("stock_who")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("stock_tabs")
        self.counts = CountsPage(store=store, runner=runner, access=access, parent=self)
        self.receiving = ReceivingPage(store=store, runner=runner, access=access, parent=self)
        self.adjust = AdjustPage(store=store, runner=runner, access=access, parent=self)
        self.levels = LevelsPage(store=store, runner=runner, access=access, parent=self)
        self.labels = LabelsPage(store=store, runner=runner, access=access, parent=self)
        for page, label in ((self.counts, _("Stock counts")), (self.receiving, _("Receiving")),
                            (self.adjust, _("Adjust / write off")), (self.levels, _("Low stock")),
                            (self.labels, _("Shelf labels"))):
            self.tabs.addTab(page, label)
        self.tabs.currentChanged.connect(self._shown)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(self.tabs, 1)
        self.resize(1240, 720)

    def _shown(self, index: int) -> None:
        page = self.tabs.widget(index)
        if hasattr(page, "activate"):
            page.activate()
