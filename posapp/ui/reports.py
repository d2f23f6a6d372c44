"""Back office: reports (报表). Period sales, products, payments, staff, members and promotions over a chosen range of
store-local days, each loaded off the UI thread and saved as CSV or PDF. Managers, or anyone with a manager's
PIN."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel, QSpinBox, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from posapp.domain.users import Permission
from posapp.i18n import N_, _
from posapp.services import auth
from posapp.ui.dialogs import OverrideDialog
from posapp.ui.reports_member_tables import member_summary, member_tables
from posapp.ui.reports_tables import QUICK, TABLES, Table, quick_period, write_csv
from posapp.ui.stock import _show
from posapp.ui.stock_common import STYLE, Access, BusyBar, button, message_label, offer_open, save_path, tell
from posapp.ui.widgets import TOUCH, record_table, while_open

KINDS = (("period", N_("Period sales")), ("products", N_("Products")), ("payments", N_("Payments")),
         ("staff", N_("Staff")), ("members", N_("Member analysis")), ("promotions", N_("Promotions")))
REPORT_TABLES = {**TABLES, "members": member_tables}


def open_reports(*, parent, store, runner, user, refuse) -> None:
    """Open the reports window for user, asking a manager's PIN first when user may not view reports."""
    if user is None:
        refuse(_("Log in first"))
        return
    if user.can(Permission.VIEW_REPORTS):
        _show(ReportsWindow(store=store, runner=runner, access=Access(user), parent=parent))
        return
    dialog = OverrideDialog(action=_("view reports"), parent=parent)
    accepted = dialog.exec()
    approver, pin = dialog.username.text(), dialog.pin.text()
    dialog.deleteLater()
    if not accepted:
        return
    runner.run(lambda: auth.approve(store.uow(), store.station, approver=approver, pin=pin,
                                    permission=Permission.VIEW_REPORTS, for_user=user),
               lambda approval: _show(ReportsWindow(store=store, runner=runner, parent=parent,
                                                    access=Access(user, {Permission.VIEW_REPORTS: approval}))),
               refuse)


def store_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ReportsWindow(QDialog):
    def __init__(self, *, store, runner, access: Access, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.access = store, runner, access
        title = _("Reports")
        if access.approvals:
            title += "  " + _("(approved by {name})").format(name=access.approvals[Permission.VIEW_REPORTS].approver.name)
        self.setWindowTitle(title)
        self.setStyleSheet(STYLE)
        today = store_today(store.station.timezone)
        self.start, self.end = self._date_edit("report_from", today), self._date_edit("report_to", today)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel(_("From")))
        chooser.addWidget(self.start)
        chooser.addWidget(QLabel(_("to")))
        chooser.addWidget(self.end)
        for key, label in QUICK:
            chooser.addWidget(button(f"quick_{key}", _(label), lambda _c=False, k=key: self.choose(k)))
        chooser.addStretch(1)
        chooser.addWidget(button("report_show", _("Show"), self.reload_current))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("report_tabs")
        self.pages: dict[str, ReportPage] = {}
        for kind, label in KINDS:
            self.pages[kind] = ReportPage(kind=kind, window=self)
            self.tabs.addTab(self.pages[kind], _(label))
        self.tabs.currentChanged.connect(lambda _i: self.tabs.currentWidget().activate())
        layout = QVBoxLayout(self)
        who = QLabel(_("{name} · store {store}").format(name=access.user.name, store=store.station.store_code))
        layout.addWidget(who)
        layout.addLayout(chooser)
        layout.addWidget(self.tabs, 1)
        self.resize(1240, 720)
        self.pages["period"].activate()

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumHeight(TOUCH)
        return edit

    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()

    def choose(self, key: str) -> None:
        start, end = quick_period(key, store_today(self.store.station.timezone))
        self.start.setDate(_qdate(start))
        self.end.setDate(_qdate(end))
        self.reload_current()

    def reload_current(self) -> None:
        for page in self.pages.values():
            page.loaded = False
        self.tabs.currentWidget().reload()


class ReportPage(QWidget):
    """One report: its tables (in tabs of their own when several), a busy bar, a message, and the files."""

    def __init__(self, *, kind: str, window: ReportsWindow):
        super().__init__(window)
        self.kind, self.window_ = kind, window
        self.report = None
        self.tables: list[Table] = []
        self.loaded = False
        top = QHBoxLayout()
        if kind == "products":
            self.slow_days = QSpinBox()
            self.slow_days.setObjectName("slow_days")
            self.slow_days.setRange(1, 3650)
            self.slow_days.setValue(30)
            self.slow_days.setMinimumHeight(TOUCH)
            top.addWidget(QLabel(_("Slow movers: not sold for")))
            top.addWidget(self.slow_days)
            top.addWidget(QLabel(_("days")))
            self.slow_days.editingFinished.connect(self.reload)
        top.addStretch(1)
        top.addWidget(button(f"{kind}_csv", _("Save CSV…"), self.save_csv))
        top.addWidget(button(f"{kind}_pdf", _("Save PDF…"), self.save_pdf))
        self.inner = QTabWidget()
        self.inner.setObjectName(f"{kind}_tables")
        self.busy = BusyBar()
        self.message = message_label()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.inner, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)

    def activate(self) -> None:
        if not self.loaded:
            self.reload()

    def _call(self):
        """The service call for this report over the chosen days (run on the worker thread)."""
        from posapp.services import member_analysis, people_reports, product_reports, promotion_reports, sales_reports

        store, actor = self.window_.store, self.window_.access.actor(Permission.VIEW_REPORTS)
        start, end = self.window_.period()
        kw = dict(actor=actor, start=start, end=end)
        if self.kind == "period":
            return lambda: sales_reports.period_sales(store.uow(), store.station, **kw)
        if self.kind == "products":
            days = self.slow_days.value()
            return lambda: product_reports.product_report(store.uow(), store.station, slow_days=days, **kw)
        if self.kind == "promotions":
            return lambda: promotion_reports.promotion_report(store.uow(), store.station, **kw)
        if self.kind == "members":
            return lambda: member_analysis.member_analysis(store.uow(), store.station, **kw)
        make = people_reports.payments_report if self.kind == "payments" else people_reports.staff_report
        return lambda: make(store.uow(), store.station, **kw)

    def reload(self) -> None:
        self.loaded = True
        self.busy.start(_("Loading…"))
        self.runner_run(self._call(), self._show, self.refuse)

    def runner_run(self, work, done, failed) -> None:
        self.window_.runner.run(work, while_open(self, self.busy.wrap(done)),
                                while_open(self, self.busy.wrap(failed)))

    def _show(self, report) -> None:
        self.report = report
        self.tables = REPORT_TABLES[self.kind](report)
        current = self.inner.currentIndex()
        self.inner.clear()
        for table in self.tables:
            self.inner.addTab(self._table(table), table.title)
        self.inner.tabBar().setVisible(len(self.tables) > 1)
        self.inner.setCurrentIndex(max(0, current))
        start, end = self.window_.period()
        tell(self.message, self._summary(report) or _("{start} – {end}").format(start=start, end=end), "info")

    def _table(self, table: Table):
        widget = record_table(table.name, list(table.headers))
        widget.setRowCount(len(table.rows))
        for row, cells in enumerate(table.rows):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in table.numbers:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                widget.setItem(row, col, item)
        # Sized by their contents whenever shown (a table filled in a hidden tab measures too narrow).
        header = widget.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        return widget

    def _summary(self, report) -> str:
        from posapp.i18n import money

        if self.kind == "period":
            t = report.current.total
            return _("{start} – {end}: {sales} sales, net {net}").format(
                start=report.start, end=report.end, sales=t.sales, net=money(t.net, report.currency))
        if self.kind == "products":
            return _("{count} products sold, net {net}; {slow} slow movers").format(
                count=len(report.products), net=money(report.total, report.currency), slow=len(report.slow_movers))
        if self.kind == "members":
            return member_summary(report)
        if self.kind == "promotions":
            if not report.promotions:
                return _("No promotion was running from {start} to {end}").format(start=report.start, end=report.end)
            return _("{count} promotions ran, {discount} given").format(
                count=len(report.promotions), discount=money(report.discount, report.currency))
        return ""

    def save_csv(self) -> None:
        if not self.tables:
            self.refuse(_("Nothing to save yet"))
            return
        start, end = self.window_.period()
        path = save_path(self, title=_("Save CSV…"), name=f"{self.kind}-{start}-{end}.csv", kind="csv")
        if path is None:
            return
        tables = list(self.tables)
        self.busy.start(_("Writing the file…"))
        self.runner_run(lambda: (write_csv(path, tables), path)[1], self._written, self.refuse)

    def save_pdf(self) -> None:
        start, end = self.window_.period()
        path = save_path(self, title=_("Save PDF…"), name=f"{self.kind}-{start}-{end}.pdf", kind="pdf")
        if path is None:
            return
        store, actor, kind = self.window_.store, self.window_.access.actor(Permission.VIEW_REPORTS), self.kind
        options = {"slow_days": self.slow_days.value()} if kind == "products" else {}

        def work():
            from posapp.services.report_files import write_report_pdf

            write_report_pdf(store.uow(), store.station, actor=actor, name=kind, start=start, end=end, path=path,
                             **options)
            return path

        self.busy.start(_("Writing the PDF…"))
        self.runner_run(work, self._written, self.refuse)

    def _written(self, path) -> None:
        tell(self.message, _("Written to {path}").format(path=path), "ok")
        offer_open(self, path, _("The report is saved."))

    def refuse(self, text: str) -> None:
        tell(self.message, text, "error")
