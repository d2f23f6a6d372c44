"""Back office: the online shop sync (网店同步). What is waiting to go, what the shop refused and why,
when the last pull and push went through, which terminal holds the sync lease; "sync now", and a
manager's "send again" or "settle" for a refused sale (the service checks the permission again)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.i18n import N_, _, moment
from posapp.services import sync as sync_service
from posapp.ui.widgets import record_table, TOUCH, say, while_open

COLUMNS = (N_("Event"), N_("State"), N_("What"), N_("Receipt / member / document"), N_("Written"), N_("Tries"),
           N_("Reason"))
STATES = {"parked": N_("refused"), "held": N_("waiting"), "skipped": N_("not sent"), "pending": N_("to send")}
TOPICS = {"sale.completed": N_("sale"), "sale.returned": N_("return"), "points.changed": N_("points"),
          "stock.adjusted": N_("stock change")}


def open_sync(*, parent, store, runner, user, worker, refuse) -> None:
    if user is None:
        refuse(_("Log in first"))
        return
    window = SyncWindow(store=store, runner=runner, user=user, worker=worker, parent=parent)
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.setWindowModality(Qt.WindowModal)
    window.show()
    window.raise_()
    window.activateWindow()


def status_line(status, tz: str) -> str:
    """The status bar's words: what waits, the last pull, and a problem if there is one."""
    if not status.configured:
        return _("Online shop: not connected · {count} kept here to send").format(count=status.pending) \
            if status.pending else _("Online shop: not connected")
    m = status.memory
    pulled = moment(m.last_pull_at, tz) if m.last_pull_at else _("never")
    # Held events (points of members with no shop account, returns waiting for their sale) are in the
    # sync window; the bar counts what goes at the next run, and what needs a person.
    text = _("Shop: {count} to send · pulled {time}").format(count=status.pending, time=pulled)
    if status.parked:
        text += " · " + _("{count} refused").format(count=status.parked)
    if m.last_error:
        text += " · " + _("problem")
    return text


class SyncWindow(QDialog):
    def __init__(self, *, store, runner, user, worker, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user, self.worker = store, runner, user, worker
        self.problems = []
        self.setWindowTitle(_("Online shop sync"))
        self.resize(1100, 600)
        self.summary = QLabel("")
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = record_table("sync_problems", [_(c) for c in COLUMNS])
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        now = QPushButton(_("Sync now"))
        now.setObjectName("sync_now")
        now.setEnabled(worker is not None)
        now.clicked.connect(self.sync_now)
        again = QPushButton(_("Send again"))
        again.setObjectName("sync_retry")
        again.clicked.connect(self.retry)
        settle = QPushButton(_("Settled by hand…"))
        settle.setObjectName("sync_settle")
        settle.clicked.connect(self.settle)
        refresh = QPushButton(_("Refresh"))
        refresh.clicked.connect(self.reload)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (now, again, settle, refresh):
            b.setMinimumHeight(TOUCH)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(_("Not sent to the shop (refused ones first):")))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        store = self.store
        self.runner.run(lambda: sync_service.sync_status(store.uow(), store.config), while_open(self, self._show),
                        while_open(self, self.refuse))

    def _show(self, status) -> None:
        tz = self.store.station.timezone
        m = status.memory

        def when(at):
            return moment(at, tz) if at else _("never")

        counts = status.counts
        lines = [_("Shop: {url}").format(url=status.shop or _("not connected ([sync] is not configured)")),
                 _("To send {pending} · waiting {held} · refused {parked} · sent {sent}").format(
                     pending=counts.get("pending", 0), held=counts.get("held", 0), parked=counts.get("parked", 0),
                     sent=counts.get("sent", 0)),
                 _("Last pull {pull} · last push {push} · customers {customers} · product check {audit}").format(
                     pull=when(m.last_pull_at), push=when(m.last_push_at), customers=when(m.last_customers_at),
                     audit=when(m.last_audit_at))]
        if status.lease_holder:
            lines.append(_("Syncing terminal: {holder} (until {time})").format(
                holder=status.lease_holder, time=when(status.lease_until)))
        if m.last_error:
            lines.append(_("Last problem ({time}): {error}").format(time=when(m.last_error_at), error=m.last_error))
        self.summary.setText("\n".join(lines))
        self.problems = list(status.problems)
        self.table.setRowCount(len(self.problems))
        for row, w in enumerate(self.problems):
            cells = (str(w.id), _(STATES.get(w.state, w.state)), _(TOPICS.get(w.topic, w.topic)), w.key,
                     moment(w.created_at, tz), str(w.attempts), w.reason)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(w.reason)  # the shop's reason is often longer than the column
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        if self.problems:
            self.table.selectRow(0)

    def refuse(self, text: str) -> None:
        say(self.message, text, error=True)

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.problems[rows[0].row()] if rows else None

    def sync_now(self) -> None:
        if self.worker is None:
            return
        self.worker.sync_now()
        say(self.message, _("Syncing in the background; press Refresh to see the result."))

    def retry(self) -> None:
        event = self.selected()
        if event is None:
            self.refuse(_("Select an event first"))
            return
        store, user = self.store, self.user

        def done(_none) -> None:
            say(self.message, _("Event {id} will be sent again.").format(id=event.id))
            if self.worker is not None:
                self.worker.sync_now()
            self.reload()

        self.runner.run(lambda: sync_service.retry_event(store.uow(), store.station, actor=user, event_id=event.id),
                        while_open(self, done), while_open(self, self.refuse))

    def settle(self) -> None:
        event = self.selected()
        if event is None:
            self.refuse(_("Select an event first"))
            return
        note, ok = QInputDialog.getText(self, _("Settled by hand"),
                                        _("What was done about event {id} (for example: entered in the shop "
                                          "by hand as order 1234)?").format(id=event.id))
        if not ok:
            return
        store, user = self.store, self.user

        def done(_none) -> None:
            say(self.message, _("Event {id} settled: it will not be sent.").format(id=event.id))
            self.reload()

        self.runner.run(lambda: sync_service.settle_event(store.uow(), store.station, actor=user, event_id=event.id,
                                                          note=note),
                        while_open(self, done), while_open(self, self.refuse))
