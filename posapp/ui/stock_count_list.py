"""The stock counts page of the stock window: the list of counts, starting one (whole store, some
categories, some locations; blind by default), and what is done with the selected one: count it,
review it, print its count sheet or variance report, export its variances, cancel it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.stock import LOCATIONS, StockCount
from posapp.domain.users import Permission
from posapp.i18n import N_, _, moment
from posapp.services import stock_counts as count_service
from posapp.ui.stock_common import (
    Access,
    BusyBar,
    CategoryTree,
    button,
    fit,
    category_paths,
    location_name,
    message_label,
    offer_open,
    save_path,
    scope_text,
    status_text,
    tell,
)
from posapp.ui.widgets import TOUCH, record_table, while_open

SHOWN = (("open", N_("Open")), ("approved", N_("Approved")), ("cancelled", N_("Cancelled")), ("all", N_("All")))
COLUMNS = (N_("Count"), N_("Status"), N_("Scope"), N_("Blind"), N_("Started by"), N_("Started at"), N_("Lines"),
           N_("Counted"), N_("Note"))


class StartCountDialog(QDialog):
    """What a new count covers. Checks what it can; the service checks it all again (and overlaps)."""

    def __init__(self, *, paths: list[str], parent=None):
        super().__init__(parent)
        self.values: dict | None = None
        self.setWindowTitle(_("Start a stock count"))
        self.setMinimumSize(560, 620)
        self.whole = QRadioButton(_("Whole store"))
        self.whole.setObjectName("count_whole")
        self.some = QRadioButton(_("Chosen categories (a category takes its subcategories)"))
        self.some.setObjectName("count_some")
        self.whole.setChecked(True)
        self.tree = CategoryTree("count_categories")
        self.tree.fill(paths)
        self.tree.itemChanged.connect(lambda *_a: self.some.setChecked(True))
        self.locations = {}
        places = QHBoxLayout()
        for loc in LOCATIONS:
            box = QCheckBox(location_name(loc))
            box.setObjectName(f"count_at_{loc}")
            box.setChecked(loc == "sellable")
            box.setMinimumHeight(TOUCH)
            self.locations[loc] = box
            places.addWidget(box)
        places.addStretch(1)
        self.blind = QCheckBox(_("Blind count: counters do not see the expected quantities"))
        self.blind.setObjectName("count_blind")
        self.blind.setChecked(True)
        self.note = QLineEdit()
        self.note.setObjectName("count_note")
        self.note.setMinimumHeight(TOUCH)
        self.note.setPlaceholderText(_("For example: year-end count, aisle 3"))
        self.message = message_label()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Start the count"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("Locations"), places)
        form.addRow(_("Note"), self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.whole)
        layout.addWidget(self.some)
        layout.addWidget(self.tree, 1)
        layout.addLayout(form)
        layout.addWidget(self.blind)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def submit(self) -> None:
        categories = self.tree.chosen() if self.some.isChecked() else []
        locations = [loc for loc, box in self.locations.items() if box.isChecked()]
        if self.some.isChecked() and not categories:
            tell(self.message, _("Tick the categories to count, or choose the whole store"), "error")
            return
        if not locations:
            tell(self.message, _("Choose at least one location"), "error")
            return
        self.values = {"categories": tuple(categories), "locations": tuple(locations),
                       "blind": self.blind.isChecked(), "note": self.note.text()}
        self.accept()


class CountsPage(QWidget):
    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        self.tz = store.station.timezone
        self.items: list[StockCount] = []
        self.shown = QComboBox()
        self.shown.setObjectName("counts_shown")
        self.shown.setMinimumHeight(TOUCH)
        for key, label in SHOWN:
            self.shown.addItem(_(label), key)
        self.shown.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = record_table("stock_counts", [_(c) for c in COLUMNS])
        self.table.verticalHeader().setDefaultSectionSize(TOUCH)
        self.table.doubleClicked.connect(lambda _i: self.count())
        for key in (Qt.Key_Return, Qt.Key_Enter):  # Enter on a count opens its counting view
            QShortcut(QKeySequence(key), self.table, self.count).setContext(Qt.WidgetShortcut)
        self.message = message_label()
        self.busy = BusyBar()
        self.buttons = {}
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show")))
        top.addWidget(self.shown)
        top.addStretch(1)
        top.addWidget(self._button("count_start", _("Start a count…"), self.start))
        top.addWidget(self._button("counts_refresh", _("Refresh"), self.reload))
        row = QHBoxLayout()
        for name, label, slot in (("count_count", _("Counting…"), self.count), ("count_review", _("Review"), self.review),
                                  ("count_sheet", _("Count sheet PDF"), lambda: self.pdf("sheet")),
                                  ("count_variances", _("Variance report PDF"), lambda: self.pdf("variances")),
                                  ("count_csv", _("Export CSV"), self.export_csv),
                                  ("count_cancel", _("Cancel the count…"), self.cancel)):
            row.addWidget(self._button(name, label, slot))
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.reload()

    def _button(self, name, label, slot):
        self.buttons[name] = button(name, label, slot)
        return self.buttons[name]

    def activate(self) -> None:
        self.reload()

    # --- the list -----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        store, user, status = self.store, self.access.user, self.shown.currentData()
        self.runner.run(lambda: count_service.counts(store.uow(), store.station, actor=user, status=status),
                        while_open(self, lambda found: self._show(found, select)), while_open(self, self.refuse))

    def _show(self, found: list[StockCount], select: str | None) -> None:
        keep = select or (self.selected().number if self.selected() else None)
        self.items = found
        self.table.setRowCount(len(found))
        for row, c in enumerate(found):
            cells = (c.number, status_text(c.status), scope_text(c), _("yes") if c.blind else _("no"),
                     c.started_by, moment(c.started_at, self.tz), str(c.lines), str(c.counted), c.note)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (6, 7):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        fit(self.table, 8)
        rows = [i for i, c in enumerate(found) if c.number == keep] or ([0] if found else [])
        if rows:
            self.table.selectRow(rows[0])

    def selected(self) -> StockCount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def chosen(self) -> StockCount | None:
        count = self.selected()
        if count is None:
            self.refuse(_("Select a count first"))
        return count

    def info(self, text: str) -> None:
        tell(self.message, text, "ok")

    def refuse(self, text: str) -> None:
        tell(self.message, text, "error")

    # --- the buttons --------------------------------------------------------------------------
    def start(self) -> None:
        store = self.store
        self.busy.start(_("Loading the categories…"))
        self.runner.run(lambda: category_paths(store), while_open(self, self.busy.wrap(self._ask_scope)),
                        while_open(self, self.busy.wrap(self.refuse)))

    def _ask_scope(self, paths: list[str]) -> None:
        dialog = StartCountDialog(paths=paths, parent=self)
        accepted = dialog.exec()
        values = dialog.values
        dialog.deleteLater()
        if not accepted or values is None:
            return
        store, actor = self.store, self.access.user
        approval = self.access.approval(Permission.APPROVE_STOCK_COUNT)
        self.busy.start(_("Starting the count: recording what is on hand…"))
        self.buttons["count_start"].setEnabled(False)

        def started(count: StockCount) -> None:
            self.buttons["count_start"].setEnabled(True)
            self.info(_("Count {number} started: {lines} lines to count").format(number=count.number,
                                                                              lines=count.lines))
            self.shown.setCurrentIndex(0)
            self.reload(select=count.number)

        def refused(text: str) -> None:
            self.buttons["count_start"].setEnabled(True)
            self.refuse(text)

        self.runner.run(lambda: count_service.start_count(store.uow(), store.station, actor=actor, approval=approval,
                                                          **values),
                        while_open(self, self.busy.wrap(started)), while_open(self, self.busy.wrap(refused)))

    def count(self) -> None:
        count = self.chosen()
        if count is None:
            return
        from posapp.ui.stock import show_counting

        show_counting(parent=self, store=self.store, runner=self.runner, user=self.access.user, count=count)

    def review(self) -> None:
        count = self.chosen()
        if count is None:
            return
        from posapp.ui.stock import _show
        from posapp.ui.stock_review import ReviewWindow

        window = ReviewWindow(store=self.store, runner=self.runner,
                              user=self.access.actor(Permission.APPROVE_STOCK_COUNT), number=count.number, parent=self,
                              doer=self.access.user, approval=self.access.approval(Permission.APPROVE_STOCK_COUNT))
        window.changed.connect(lambda number: self.reload(select=number))
        _show(window)

    def pdf(self, which: str) -> None:
        count = self.chosen()
        if count is None:
            return
        title, name = ((_("Count sheet"), f"{count.number}-sheet.pdf") if which == "sheet" else
                       (_("Variance report"), f"{count.number}-variances.pdf"))
        path = save_path(self, title=title, name=name, kind="pdf")
        if path is None:
            return
        store, actor, number = self.store, self.access.actor(Permission.APPROVE_STOCK_COUNT), count.number

        def work():
            from posapp.services import stock_reports

            render = stock_reports.count_sheet if which == "sheet" else stock_reports.variance_report
            return render(store.uow(), store.station, actor=actor, number=number, path=path)

        self.busy.start(_("Writing {title}…").format(title=title))
        self.runner.run(work, while_open(self, self.busy.wrap(lambda written: offer_open(self, written, title))),
                        while_open(self, self.busy.wrap(self.refuse)))

    def export_csv(self) -> None:
        count = self.chosen()
        if count is None:
            return
        path = save_path(self, title=_("Export the variances"), name=f"{count.number}-variances.csv", kind="csv")
        if path is None:
            return
        store, actor, number = self.store, self.access.actor(Permission.APPROVE_STOCK_COUNT), count.number

        def work():
            from posapp.services import stock_reports

            return stock_reports.export_variances_csv(store.uow(), actor=actor, number=number, path=path)

        def done(rows: int) -> None:
            offer_open(self, path, _("{count} lines exported").format(count=rows))

        self.busy.start(_("Exporting…"))
        self.runner.run(work, while_open(self, self.busy.wrap(done)), while_open(self, self.busy.wrap(self.refuse)))

    def cancel(self) -> None:
        count = self.chosen()
        if count is None:
            return
        reason, ok = QInputDialog.getText(self, _("Cancel the count"),
                                          _("Why is count {number} cancelled? Nothing counted in it will be "
                                            "posted.").format(number=count.number))
        if not ok:
            return
        store, actor, number = self.store, self.access.user, count.number
        approval = self.access.approval(Permission.APPROVE_STOCK_COUNT)

        def done(cancelled: StockCount) -> None:
            self.info(_("Count {number} cancelled").format(number=cancelled.number))
            self.reload()

        self.runner.run(lambda: count_service.cancel_count(store.uow(), store.station, actor=actor, number=number,
                                                           reason=reason, approval=approval),
                        while_open(self, done), while_open(self, self.refuse))
