"""A manager's review of a stock count (盘点审核): every line with expected, counted and the variance in
units and money, filters, the totals, the scans the count could not place; lines sent back to be
counted again; the approval, which posts the variances. Tens of thousands of lines: a Qt model over the
service's dataclasses, formatted only for the rows on screen."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSplitter,
    QTableView,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.domain.stock import CountLine, CountReview, CountTotals
from posapp.i18n import N_, _, moment, money
from posapp.services import stock_counts as count_service
from posapp.ui.stock_common import (STYLE, BusyBar, button, fit, location_name, message_label, qty_text, signed,
                                    status_text, tell)
from posapp.ui.widgets import TOUCH, record_table, while_open

COLUMNS = (N_("SKU"), N_("Name"), N_("Category"), N_("Location"), N_("Expected"), N_("Counted"), N_("Variance"),
           N_("Variance value"), N_("Basis"), N_("Round"), N_("Posted"))
EXPECTED, COUNTED, VARIANCE, VALUE, POSTED = 4, 5, 6, 7, 10
NUMBERS = {EXPECTED, COUNTED, VARIANCE, VALUE, 9, POSTED}
FILTERS = (("all", N_("All lines")), ("variance", N_("With a variance")), ("uncounted", N_("Not counted")),
           ("recount", N_("Asked to count again")))
BASIS = {"cost": N_("cost"), "price": N_("price")}
PROBLEM_COLUMNS = (N_("Code"), N_("Problem"), N_("Qty"), N_("Location"), N_("Counted by"), N_("Terminal"),
                   N_("Time"), N_("Product"))
PROBLEMS = {"unknown": N_("unknown barcode"), "out_of_scope": N_("not in this count")}
GAIN, LOSS = QBrush(QColor("#1b7a2f")), QBrush(QColor("#b00020"))
DISPLAY, ALIGN, COLOUR, TIP = (int(r.value) for r in (Qt.DisplayRole, Qt.TextAlignmentRole, Qt.ForegroundRole,
                                                      Qt.ToolTipRole))
RIGHT = int((Qt.AlignRight | Qt.AlignVCenter).value)


def _keep(line: CountLine, kind: str) -> bool:
    if kind == "variance":
        return line.counted is not None and line.variance != 0
    if kind == "uncounted":
        return line.counted is None
    if kind == "recount":
        return line.recount
    return True


class ReviewModel(QAbstractTableModel):
    """The lines of a review, filtered and sorted in Python (50,000 lines take milliseconds)."""

    def __init__(self, *, currency: str, parent=None):
        super().__init__(parent)
        self.currency = currency
        self.lines: tuple[CountLine, ...] = ()
        self.rows: list[CountLine] = []
        self.kind, self.text, self.order = "all", "", None
        self.headers = [_(c) for c in COLUMNS]

    def set_lines(self, lines) -> None:
        self.lines = tuple(lines)
        self._refilter()

    def set_filter(self, kind: str | None = None, text: str | None = None) -> None:
        self.kind = self.kind if kind is None else kind
        self.text = self.text if text is None else text.strip().lower()
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        kind, text = self.kind, self.text
        rows = [ln for ln in self.lines if _keep(ln, kind)] if kind != "all" else list(self.lines)
        if text:
            rows = [ln for ln in rows if text in ln.sku.lower() or text in ln.name.lower() or text == ln.barcode]
        if self.order is not None:
            rows.sort(key=self._key(self.order[0]), reverse=self.order[1] == Qt.DescendingOrder)
        self.rows = rows
        self.endResetModel()

    # A view calls these for every cell it paints: a flat table, so no parent check (QTableView never
    # passes one), and the roles compared as plain ints.
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 (Qt API)
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers[section]
        return None

    def text_of(self, ln: CountLine, column: int) -> str:
        if column == 0:
            return ln.sku
        if column == 1:
            return ln.name
        if column == 2:
            return ln.category
        if column == 3:
            return location_name(ln.location)
        if column == EXPECTED:
            return qty_text(ln.expected)
        if column == COUNTED:
            return qty_text(ln.counted) if ln.counted is not None else "—"
        if column == VARIANCE:
            return signed(ln.variance)
        if column == VALUE:
            v = ln.variance_value
            return "" if v is None else ("+" if v > 0 else "") + money(v, self.currency)
        if column == 8:
            return _(BASIS.get(ln.value_basis, ln.value_basis))
        if column == 9:
            return str(ln.round)
        return signed(ln.posted)

    def data(self, index, role=DISPLAY):
        role = int(role)
        if role == DISPLAY:
            return self.text_of(self.rows[index.row()], index.column())
        if role == ALIGN:
            return RIGHT if index.column() in NUMBERS else None
        if role == COLOUR:
            column = index.column()
            if column not in (VARIANCE, VALUE, POSTED):
                return None
            ln = self.rows[index.row()]
            v = ln.posted if column == POSTED else ln.variance
            return None if not v else GAIN if v > 0 else LOSS
        if role == TIP and index.column() == 1:
            ln = self.rows[index.row()]
            return f"{ln.sku}  {ln.name}  {ln.barcode}"
        return None

    def _key(self, column: int):
        low = Decimal("-1e12")
        numbers = {EXPECTED: lambda ln: ln.expected, COUNTED: lambda ln: ln.counted,
                   VARIANCE: lambda ln: ln.variance, VALUE: lambda ln: ln.variance_value,
                   9: lambda ln: Decimal(ln.round), POSTED: lambda ln: ln.posted}
        if column in numbers:
            get = numbers[column]
            return lambda ln: low if get(ln) is None else get(ln)
        return lambda ln: self.text_of(ln, column)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self.order = (column, order)
        self._refilter()


def totals_text(t: CountTotals, currency: str) -> str:
    return _("Lines {lines} · counted {counted} · not counted {not_counted} · with a variance {with_variance} · "
             "gain {gain} · loss {loss} · net {net}").format(
        lines=t.lines, counted=t.counted, not_counted=t.not_counted, with_variance=t.with_variance,
        gain=money(t.gain_value, currency), loss=money(t.loss_value, currency), net=money(t.net_value, currency))


class ApproveDialog(QDialog):
    """States what approving posts and asks what becomes of the lines nobody counted."""

    def __init__(self, *, number: str, totals: CountTotals, currency: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Approve count {number}").format(number=number))
        self.setMinimumWidth(560)
        text = QLabel(_("Approving posts every counted line's variance to stock, at once and for good.") + "\n\n"
                      + totals_text(totals, currency).replace(" · ", "\n"))
        text.setObjectName("approve_totals")
        text.setWordWrap(True)
        self.keep = QRadioButton(_("Lines not counted stay as they are (a partial count)"))
        self.keep.setObjectName("approve_keep")
        self.zero = QRadioButton(_("Lines not counted go to zero (nothing of them was found)"))
        self.zero.setObjectName("approve_zero")
        self.keep.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.keep)
        group.addButton(self.zero)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        ok = buttons.button(QDialogButtonBox.Ok)
        ok.setText(_("Approve and post"))
        ok.setAutoDefault(False)
        self.cancel = buttons.button(QDialogButtonBox.Cancel)
        self.cancel.setText(_("Not yet"))
        self.cancel.setDefault(True)  # Enter by habit must not post a count
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        if totals.not_counted:
            layout.addWidget(QLabel(_("{count} lines were not counted:").format(count=totals.not_counted)))
            layout.addWidget(self.keep)
            layout.addWidget(self.zero)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.cancel.setFocus()

    @property
    def uncounted(self) -> str:
        return "zero" if self.zero.isChecked() else "keep"


class ReviewWindow(QDialog):
    changed = Signal(str)  # the count's number, after a recount, an approval

    def __init__(self, *, store, runner, user, number: str, parent=None, doer=None, approval=None):
        """user reads the review; doer (default: user) recounts and approves, with a manager's approval
        when the window was opened with a PIN, so the audit names both."""
        super().__init__(parent)
        self.store, self.runner, self.user, self.number = store, runner, user, number
        self.doer, self.approval = doer or user, approval
        self.currency, self.tz = store.station.currency, store.station.timezone
        self.review: CountReview | None = None
        self.setWindowTitle(_("Review count {number}").format(number=number))
        self.setStyleSheet(STYLE)
        self._build()
        self.resize(1300, 740)
        self.reload()

    def _build(self) -> None:
        self.head = QLabel(_("Loading the review…"))
        self.head.setObjectName("review_head")
        self.head.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.head.setWordWrap(True)
        self.filter = QComboBox()
        self.filter.setObjectName("review_filter")
        self.filter.setMinimumHeight(TOUCH)
        for key, label in FILTERS:
            self.filter.addItem(_(label), key)
        self.filter.currentIndexChanged.connect(lambda _i: self._filtered(kind=self.filter.currentData()))
        self.search = QLineEdit()
        self.search.setObjectName("review_search")
        self.search.setMinimumHeight(TOUCH)
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Find: SKU, name or barcode"))
        self.search.setToolTip("Ctrl+F")
        self.search.textChanged.connect(lambda text: self._filtered(text=text))
        self.shown = QLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show")))
        top.addWidget(self.filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.shown)
        self.model = ReviewModel(currency=self.currency, parent=self)
        self.table = QTableView()
        self.table.setObjectName("review_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)  # uniform rows scroll smoothly
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # the service's order (category, SKU) until one is clicked
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(lambda column, order: self.model.sort(column, order))
        self.totals = QLabel("")
        self.totals.setObjectName("review_totals")
        self.totals.setStyleSheet("font-size: 15px; font-weight: bold; padding: 4px;")
        self.totals.setWordWrap(True)
        self.problems = record_table("review_problems", [_(c) for c in PROBLEM_COLUMNS])
        problems = QWidget()
        box = QVBoxLayout(problems)
        box.setContentsMargins(0, 0, 0, 0)
        self.problems_title = QLabel(_("Scans the count could not place"))
        box.addWidget(self.problems_title)
        box.addWidget(self.problems)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(problems)
        split.setSizes([430, 190])
        split.setChildrenCollapsible(False)
        self.message = message_label()
        self.busy = BusyBar()
        self.recount_button = button("review_recount", _("Count the selected lines again"), self.recount)
        self.approve_button = button("review_approve", _("Approve…"), self.approve)
        refresh = button("review_refresh", _("Refresh"), self.reload, tip="F5")
        close = button("review_close", _("Close"), self.close, tip="Esc")
        row = QHBoxLayout()
        for b in (self.recount_button, self.approve_button, refresh):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.head)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(row)
        QShortcut(QKeySequence(Qt.Key_F5), self, self.reload)
        QShortcut(QKeySequence.Find, self, self.search.setFocus)

    def _filtered(self, *, kind: str | None = None, text: str | None = None) -> None:
        self.model.set_filter(kind=kind, text=text)
        self.shown.setText(_("{shown} of {total} lines").format(shown=len(self.model.rows),
                                                                total=len(self.model.lines)))

    # --- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        store, user, number = self.store, self.user, self.number
        self._busy(_("Loading the review…"))
        self.runner.run(lambda: count_service.review_count(store.uow(), actor=user, number=number),
                        while_open(self, self._loaded), while_open(self, self._refused))

    def _busy(self, text: str) -> None:
        self.busy.start(text)
        self.recount_button.setEnabled(False)
        self.approve_button.setEnabled(False)

    def _loaded(self, review: CountReview) -> None:
        self.busy.stop()
        self.show_review(review)

    def _refused(self, text: str) -> None:
        self.busy.stop()
        self._enable()
        tell(self.message, text, "error")

    def _enable(self) -> None:
        open_ = self.review is not None and self.review.count.status == "open"
        self.recount_button.setEnabled(open_)
        self.approve_button.setEnabled(self.review is not None and self.review.count.status in ("open", "approving"))

    def show_review(self, review: CountReview) -> None:
        self.review = review
        c = review.count
        first = not self.model.lines
        self.model.set_lines(review.lines)
        self._filtered()
        if first:
            self.table.resizeColumnsToContents()
            self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        done = c.status == "approved"
        self.table.setColumnHidden(POSTED, not done)
        text = _("{number} · {status} · started {at} by {name}").format(
            number=c.number, status=status_text(c.status), at=moment(c.started_at, self.tz), name=c.started_by)
        if done:
            text += " · " + _("approved {at} by {name}: the variances are posted").format(
                at=moment(c.approved_at, self.tz), name=c.approved_by)
        elif c.status == "approving":
            text += " · " + _("{name} is approving it").format(name=c.approving_by)
        self.head.setText(text + ("  ·  " + _("blind count") if c.blind else ""))
        self.totals.setText(totals_text(review.totals, self.currency))
        self._problems(review)
        self._enable()

    def _problems(self, review: CountReview) -> None:
        self.problems.setRowCount(len(review.problems))
        for row, p in enumerate(review.problems):
            cells = (p.code, _(PROBLEMS.get(p.problem, p.problem)), qty_text(p.qty), location_name(p.location),
                     p.user, p.terminal, moment(p.at, self.tz), f"{p.sku} {p.name}".strip())
            for col, text in enumerate(cells):
                self.problems.setItem(row, col, QTableWidgetItem(text))
        fit(self.problems, 7)
        self.problems_title.setText(_("Scans the count could not place: {count}").format(count=len(review.problems)))

    # --- recount and approve ------------------------------------------------------------------
    def selected_lines(self) -> list[CountLine]:
        return [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]

    def recount(self) -> None:
        lines = self.selected_lines()
        if not lines:
            tell(self.message, _("Select the lines to count again"), "error")
            return
        store, user, number, approval = self.store, self.doer, self.number, self.approval
        items = [(ln.product_id, ln.location) for ln in lines]

        def done(n: int) -> None:
            tell(self.message, _("{count} lines will be counted again: the counters see them in their list").format(
                count=n), "ok")
            self.changed.emit(number)
            self.reload()

        self._busy(_("Sending lines back to be counted…"))
        self.runner.run(lambda: count_service.recount(store.uow(), store.station, actor=user, number=number,
                                                      items=items, approval=approval),
                        while_open(self, self.busy.wrap(done)), while_open(self, self._refused))

    def approve(self) -> None:
        if self.review is None:
            return
        dialog = ApproveDialog(number=self.number, totals=self.review.totals, currency=self.currency, parent=self)
        accepted, uncounted = dialog.exec(), dialog.uncounted
        dialog.deleteLater()
        if not accepted:
            return
        store, user, number, approval = self.store, self.doer, self.number, self.approval

        def done(approved) -> None:
            self.busy.stop()
            self.show_review(approved.review)
            tell(self.message, _("Count {number} approved: {posted} adjustments posted").format(
                number=number, posted=approved.posted), "ok")
            self.changed.emit(number)

        self._busy(_("Approving: posting the variances…"))
        self.runner.run(lambda: count_service.approve_count(store.uow(), store.station, actor=user, number=number,
                                                            uncounted=uncounted, approval=approval),
                        while_open(self, done), while_open(self, self._refused))
