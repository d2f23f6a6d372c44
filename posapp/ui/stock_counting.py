"""The counting view (盘点录入): a counter scans (one unit, or the weight on a scale label) or types a
quantity first; the answer is shown large, green when counted, amber when the code is unknown or not
in the count (it is listed for the manager), red when refused. Their latest entries with what has been
counted so far, taking one back, and the lines the manager asked to count again. Never the expected
quantities: the services a counter calls do not return them."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.domain.clock import to_local
from posapp.domain.stock import CountEntry, StockCount
from posapp.i18n import N_, _
from posapp.services import stock_counts as count_service
from posapp.ui.stock_common import (
    STYLE,
    BusyBar,
    button,
    fit,
    location_combo,
    location_name,
    looks_like_barcode,
    message_label,
    qty_text,
    scope_text,
    tell,
)
from posapp.ui.widgets import TOUCH, record_table, while_open

COLUMNS = (N_("Time"), N_("SKU"), N_("Name"), N_("Location"), N_("Qty"), N_("Counted so far"), N_("Note"))
PROBLEMS = {"unknown": N_("unknown barcode"), "out_of_scope": N_("not in this count")}
AMBER = QColor("#b35c00")
REFRESH_MS = 20000  # the recount list comes from the manager's terminal: look again now and then
COUNTING_STYLE = STYLE + """
QLineEdit#count_scan { font-size: 26px; padding: 8px; }
QLineEdit#count_qty { font-size: 20px; padding: 6px; }
QLabel#count_message { font-size: 24px; font-weight: bold; min-height: 44px; padding: 6px; }
QLabel#count_message[tone="ok"] { color: #1b7a2f; }
QLabel#count_message[tone="warn"] { color: #b35c00; background: #fff3e0; }
QLabel#count_message[tone="error"] { color: #b00020; background: #fdecea; }
QLabel#count_message[tone="info"] { color: #1a4d8f; }
QTableWidget#count_entries { font-size: 16px; }
"""


class CountingWindow(QDialog):
    def __init__(self, *, store, runner, user, count: StockCount, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user, self.count = store, runner, user, count
        self.entries: list[CountEntry] = []
        self.queue: deque = deque()
        self.sending = False
        self.setWindowTitle(_("Count stock — {number}").format(number=count.number))
        self.setStyleSheet(COUNTING_STYLE)
        self._build()
        self.resize(1100, 700)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.reload)
        self.timer.start(REFRESH_MS)
        self.reload()

    def _build(self) -> None:
        c = self.count
        head = QLabel(_("{number} · {scope} · {user}").format(number=c.number, scope=scope_text(c), user=self.user.name)
                      + ("  ·  " + _("blind count") if c.blind else ""))
        head.setObjectName("count_head")
        head.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.scan = QLineEdit()
        self.scan.setObjectName("count_scan")
        self.scan.setMinimumHeight(56)
        self.scan.setPlaceholderText(_("Scan a barcode, or type a SKU, then Enter"))
        self.scan.returnPressed.connect(self.submit)
        self.qty = QLineEdit()
        self.qty.setObjectName("count_qty")
        self.qty.setMinimumHeight(TOUCH + 8)
        self.qty.setMaximumWidth(260)
        self.qty.setPlaceholderText(_("Quantity (empty: 1)"))
        self.qty.setToolTip(_("Type how many first, then scan: empty counts one, or the weight on a scale label"))
        self.qty.returnPressed.connect(self._qty_entered)
        self.location = location_combo("count_location", c.scope.locations)
        self.location.setEnabled(len(c.scope.locations) > 1)
        fields = QHBoxLayout()
        fields.addWidget(self.scan, 3)
        fields.addWidget(self.qty, 1)
        fields.addWidget(self.location)
        self.message = message_label("count_message")
        tell(self.message, _("Ready: scan the first item"), "info")
        self.busy = BusyBar()
        self.table = record_table("count_entries", [_(x) for x in COLUMNS])
        self.table.verticalHeader().setDefaultSectionSize(TOUCH)
        self.table.setTabKeyNavigation(False)
        mine = QGroupBox(_("My latest entries"))
        QVBoxLayout(mine).addWidget(self.table)
        self.recounts = QListWidget()
        self.recounts.setObjectName("count_recounts")
        self.recounts.setWordWrap(True)
        self.recounts.setStyleSheet("font-size: 16px;")
        again = self.again = QGroupBox(_("Count again (asked by the manager)"))
        QVBoxLayout(again).addWidget(self.recounts)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(mine)
        split.addWidget(again)
        split.setSizes([760, 300])
        split.setChildrenCollapsible(False)
        self.undo = button("count_undo", _("Take back the selected entry"), self.take_back, tip="Ctrl+Z")
        refresh = button("count_refresh", _("Refresh"), self.reload, tip="F5")
        close = button("count_close", _("Close"), self.close, tip="Esc")
        row = QHBoxLayout()
        row.addWidget(self.undo)
        row.addWidget(refresh)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(fields)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(split, 1)
        layout.addLayout(row)
        QShortcut(QKeySequence.Undo, self, self.take_back)
        QShortcut(QKeySequence(Qt.Key_F5), self, self.reload)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API): the scanner types into the scan field
        super().showEvent(event)
        self.scan.setFocus()

    # --- counting -----------------------------------------------------------------------------
    def _qty_entered(self) -> None:
        if self.scan.text().strip():
            self.submit()
        else:
            self.scan.setFocus()

    def submit(self) -> None:
        """Queue what was scanned or typed: a scanner sends faster than the database answers, and the
        entries go in the order they were scanned."""
        text = self.scan.text().strip()
        self.scan.clear()
        self.scan.setFocus()
        if not text:
            return
        qty = self.qty.text().strip() or None
        self.qty.clear()
        code, sku = (text, "") if looks_like_barcode(text) else ("", text)
        self.queue.append((code, sku, qty, self.location.currentData()))
        self._send()

    def _send(self) -> None:
        if self.sending:
            return
        if not self.queue:
            self.reload()
            return
        self.sending = True
        code, sku, qty, location = self.queue.popleft()
        store, user, number = self.store, self.user, self.count.number
        self.runner.run(lambda: count_service.record_entry(store.uow(), store.station, actor=user, number=number,
                                                           code=code, sku=sku, qty=qty, location=location),
                        while_open(self, self._recorded), while_open(self, self._refused))

    def _recorded(self, result) -> None:
        self.sending = False
        tell(self.message, result.message, "warn" if result.problem else "ok")
        self._send()

    def _refused(self, text: str) -> None:
        self.sending = False
        tell(self.message, text, "error")
        self._send()

    # --- my entries and the recount list ------------------------------------------------------
    def reload(self) -> None:
        if self.sending:
            return
        store, user, number = self.store, self.user, self.count.number

        def load():
            uow = store.uow()
            return (count_service.my_entries(uow, actor=user, number=number, limit=50),
                    count_service.recount_list(uow, actor=user, number=number))

        self.runner.run(load, while_open(self, self._show), while_open(self, lambda text: tell(self.message, text,
                                                                                                "error")))

    def _show(self, found) -> None:
        entries, recounts = found
        keep, tz = self.selected(), self.store.station.timezone
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            note = _("taken back") if e.voided else _(PROBLEMS.get(e.problem, e.problem)) if e.problem else ""
            cells = (f"{to_local(e.at, tz):%H:%M:%S}", e.sku,
                     e.name or e.code, location_name(e.location), qty_text(e.qty),
                     "" if e.voided else qty_text(e.line_total), note)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (4, 5):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if e.voided:
                    item.setForeground(Qt.gray)
                elif e.problem:
                    item.setForeground(AMBER)
                self.table.setItem(row, col, item)
        fit(self.table, 2)
        rows = [i for i, e in enumerate(entries) if keep is not None and e.id == keep.id]
        if rows:
            self.table.selectRow(rows[0])
        self.recounts.clear()
        for sku, name, location in recounts:
            self.recounts.addItem(f"{sku}  {name}  ({location_name(location)})")
        self.again.setTitle(_("Count again (asked by the manager): {count}").format(count=len(recounts)))

    def selected(self) -> CountEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def take_back(self) -> None:
        entry = self.selected()
        if entry is None:
            tell(self.message, _("Select one of your entries first"), "error")
            return
        if entry.voided:
            tell(self.message, _("That entry was already taken back"), "error")
            return
        store, user, number = self.store, self.user, self.count.number

        def done(_none) -> None:
            tell(self.message, _("Taken back: {qty} {name}").format(qty=qty_text(entry.qty),
                                                                     name=entry.name or entry.code), "ok")
            self.reload()
            self.scan.setFocus()

        self.runner.run(lambda: count_service.void_entry(store.uow(), store.station, actor=user, number=number,
                                                         entry_id=entry.id),
                        while_open(self, done), while_open(self, lambda text: tell(self.message, text, "error")))
