"""The main window: login page and till page in one frame, the status bar, and the print queue."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget

from posapp import __version__
from posapp.config import redact
from posapp.i18n import _, moment
from posapp.services import printing, shifts
from posapp.services.sync import sync_status
from posapp.ui.dialogs import AmountDialog
from posapp.ui import members as members_ui
from posapp.ui import cases as cases_ui
from posapp.ui import promotions as promotions_ui
from posapp.ui import stock as stock_ui
from posapp.ui import sync as sync_ui
from posapp.ui.login import LoginPage
from posapp.ui.runner import OperationRunner
from posapp.ui.till import TillPage

STYLE = """
QWidget { font-size: 14px; }
QLabel#title { font-size: 22px; font-weight: bold; padding: 12px; }
QLabel#message { color: #1a4d8f; font-size: 15px; min-height: 24px; }
QLabel#message[error="true"] { color: #b00020; font-weight: bold; }
QLabel#total { font-size: 30px; font-weight: bold; padding: 8px; }
QLabel#due { color: #1a4d8f; font-size: 24px; font-weight: bold; }
QLineEdit#amount { font-size: 24px; padding: 6px; }
QLineEdit#scan { font-size: 20px; }
QTableView#basket { font-size: 16px; }
QPushButton { padding: 8px 14px; }
QListWidget#users::item { padding: 14px; }
QLineEdit#scan, QLineEdit#pin { padding: 8px; }
QLineEdit#pin { font-size: 22px; }
QLabel#printer[error="true"], QLabel#sync_state[error="true"] { color: #b00020; font-weight: bold; }
"""
PRINT_EVERY_MS = 3000


class _SyncRelay(QObject):
    """Brings the sync worker's reports from its thread to the window's (a queued signal)."""

    report = Signal(object)


def start_sync_worker(store, parent):
    """The background sync when the store has [sync]; None otherwise. Its reports refresh the status bar."""
    if store.config.sync is None:
        return None, None
    from posapp.sync.worker import SyncWorker

    relay = _SyncRelay(parent)
    worker = SyncWorker(store, on_report=relay.report.emit)
    worker.start()
    return worker, relay


class MainWindow(QMainWindow):
    def __init__(self, store, *, notice: str = ""):
        super().__init__()
        self.store = store
        self.user = None
        self.setWindowTitle(f"posapp {__version__} — {store.config.store.name}")
        self.setStyleSheet(STYLE)
        self.runner = OperationRunner(self)
        self.printer = printing.make_printer(store.config)
        self.render = printing.make_renderer(store.config)
        self._printing = False
        self.pages = QStackedWidget()
        self.login = LoginPage(store=store, runner=self.runner)
        self.till = TillPage(store=store, runner=self.runner)
        self.pages.addWidget(self.login)
        self.pages.addWidget(self.till)
        self.setCentralWidget(self.pages)
        self.login.logged_in.connect(self.enter_till)
        self.till.log_out.connect(self.leave_till)
        self.till.sale_completed.connect(lambda _done: self.print_now())
        self._build_status()
        self._build_menu()
        self.resize(1180, 760)
        self.login.reload()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.print_now)
        self.timer.start(PRINT_EVERY_MS)
        self.sync_worker, relay = start_sync_worker(store, self)
        if relay is not None:
            relay.report.connect(lambda _report: self.print_now())
        if notice:
            self.statusBar().showMessage(notice, 15000)

    def _build_status(self) -> None:
        cfg = self.store.config
        bar = self.statusBar()
        backend = "SQLite" if cfg.database_url.startswith("sqlite") else "PostgreSQL"
        self.who = QLabel(_("Not logged in"))
        self.shift = QLabel("")
        self.printer_state = QLabel(_("Printer: checking"))
        self.printer_state.setObjectName("printer")
        self.sync = QLabel("")
        self.sync.setObjectName("sync_state")
        for text in (f"{_('Store')} {cfg.store.code}", f"{_('Terminal')} {cfg.terminal_code}"):
            bar.addPermanentWidget(QLabel(text))
        for widget in (self.who, self.shift, self.printer_state, self.sync):
            bar.addPermanentWidget(widget)
        db = QLabel(backend)
        db.setToolTip(redact(cfg.database_url))
        bar.addPermanentWidget(db)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(_("&File"))
        logout = QAction(_("Log out"), self)
        logout.triggered.connect(self.till.request_log_out)
        menu.addAction(logout)
        quit_ = QAction(_("Quit"), self)
        quit_.setShortcut(QKeySequence.Quit)
        quit_.triggered.connect(self.close)
        menu.addAction(quit_)
        till = self.menuBar().addMenu(_("&Till"))
        for label, slot in ((_("Change the price of the selected line…"), self.till.price_override),
                            (_("Reprint a receipt…"), self.till.reprint),
                            (_("Open the drawer (no sale)…"), self.till.no_sale),
                            (_("Paid in…"), self.till.paid_in), (_("Paid out…"), self.till.paid_out),
                            (_("X report"), self.till.x_report),
                            (_("Close the shift (Z report)…"), self.till.close_shift)):
            action = QAction(label, self)
            action.triggered.connect(slot)
            till.addAction(action)
        count_stock = QAction(_("Count stock…"), self)
        count_stock.setObjectName("count_stock")
        count_stock.triggered.connect(self.open_counting)
        till.addAction(count_stock)
        promotions = QAction(_("Promotions…"), self)
        promotions.setObjectName("open_promotions")
        promotions.triggered.connect(self.open_promotions)
        back_office = self.menuBar().addMenu(_("&Back office"))
        back_office.addAction(promotions)
        members = QAction(_("Members…"), self)
        members.setObjectName("open_members")
        members.triggered.connect(self.open_members)
        back_office.addAction(members)
        cases = QAction(_("After-sales cases…"), self)
        cases.setObjectName("open_cases")
        cases.triggered.connect(self.open_cases)
        back_office.addAction(cases)
        sync = QAction(_("Online shop sync…"), self)
        sync.setObjectName("open_sync")
        sync.triggered.connect(self.open_sync)
        back_office.addAction(sync)
        stock = QAction(_("Stock…"), self)
        stock.setObjectName("open_stock")
        stock.triggered.connect(self.open_stock)
        back_office.addAction(stock)
        reports = QAction(_("Reports…"), self)
        reports.setObjectName("open_reports")
        reports.triggered.connect(self.open_reports)
        back_office.addAction(reports)
        about = QAction(_("About posapp"), self)
        about.triggered.connect(self.about)
        self.menuBar().addMenu(_("&Help")).addAction(about)

    # --- login and shift --------------------------------------------------------------------
    def enter_till(self, user) -> None:
        self.user = user
        self.who.setText(f"{_('Cashier')} {user.name}")
        store = self.store
        self.runner.run(lambda: shifts.current_shift(store.uow(), store.station), self._with_shift,
                        self.login._show_error)

    def _with_shift(self, shift) -> None:
        if shift is None:
            dialog = AmountDialog(title=_("Open a shift"), label=_("Opening float (cash in the drawer)"),
                                  text="0.00", parent=self)
            if not dialog.exec():
                self.leave_till()
                return
            store, user, amount = self.store, self.user, dialog.value.text()
            self.runner.run(lambda: shifts.open_shift(store.uow(), store.station, actor=user,
                                                      opening_float=amount),
                            self._with_shift, self.login._show_error)
            return
        self.shift.setText(_("Shift {number}").format(number=shift.number))
        self.till.start(self.user)
        self.pages.setCurrentWidget(self.till)

    def leave_till(self) -> None:
        self.user = None
        self.who.setText(_("Not logged in"))
        self.pages.setCurrentWidget(self.login)
        self.login.reload()

    # --- printing and status ----------------------------------------------------------------
    def print_now(self) -> None:
        """Drain the print queue off the UI thread; a dead printer only changes the status bar."""
        if self._printing:
            return
        self._printing = True
        store, printer, render = self.store, self.printer, self.render

        def work():
            return (printing.drain(store.uow(), store.station, printer, render=render),
                    sync_status(store.uow(), store.config, limit=0))

        self.runner.run(work, self._show_state, self._show_print_error)

    def _show_state(self, states) -> None:
        self._printing = False
        state, sync = states
        text = _("Printer ready") if state.ok else _("Printer: {problem}").format(problem=state.detail)
        if state.pending:
            text += "  " + _("({count} waiting)").format(count=state.pending)
        self.printer_state.setText(text)
        self.printer_state.setProperty("error", not state.ok)
        self.printer_state.style().unpolish(self.printer_state)
        self.printer_state.style().polish(self.printer_state)
        tz = self.store.config.store.timezone
        self.sync.setText(sync_ui.status_line(sync, tz))
        self.sync.setProperty("error", bool(sync.parked or sync.memory.last_error))
        self.sync.style().unpolish(self.sync)
        self.sync.style().polish(self.sync)
        m = sync.memory
        tip = [_("Last push {time}").format(time=moment(m.last_push_at, tz) if m.last_push_at else _("never"))]
        if m.last_error:
            tip.append(m.last_error)
        self.sync.setToolTip("\n".join(tip))

    def _show_print_error(self, message: str) -> None:
        self._printing = False
        self.printer_state.setText(_("Printer: {problem}").format(problem=message))

    def open_promotions(self) -> None:
        """Back office: managers, or anyone with a manager's PIN (the services check it again)."""
        promotions_ui.open_promotions(parent=self, store=self.store, runner=self.runner, user=self.user,
                                      refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_members(self) -> None:
        """Back office: members and points, for managers or with a manager's PIN (the services check again)."""
        members_ui.open_members(parent=self, store=self.store, runner=self.runner, user=self.user,
                                refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_cases(self) -> None:
        """Back office: after-sales cases, for any staff member logged in."""
        cases_ui.open_cases(parent=self, store=self.store, runner=self.runner, user=self.user,
                            refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_sync(self) -> None:
        """Back office: the online shop sync; anyone may look, a manager retries or settles."""
        sync_ui.open_sync(parent=self, store=self.store, runner=self.runner, user=self.user, worker=self.sync_worker,
                          refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_stock(self) -> None:
        """Back office: stock counts, receiving, write-offs, low stock, labels; managers or with a manager's PIN."""
        stock_ui.open_stock(parent=self, store=self.store, runner=self.runner, user=self.user,
                            refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_reports(self) -> None:
        """Back office: sales, products, payments and staff reports; managers or with a manager's PIN."""
        from posapp.ui import reports as reports_ui

        reports_ui.open_reports(parent=self, store=self.store, runner=self.runner, user=self.user,
                                refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def open_counting(self) -> None:
        """Till: the counting view of an open stock count, for any counter."""
        stock_ui.open_counting(parent=self, store=self.store, runner=self.runner, user=self.user,
                               refuse=lambda message: self.statusBar().showMessage(message, 15000))

    def about(self) -> None:
        """Version, Python and Qt, and where this terminal keeps its config, database, logs and data (for IT)."""
        import logging
        import platform
        from pathlib import Path

        import platformdirs
        import PySide6
        from PySide6.QtCore import Qt, qVersion

        from posapp.config import APP

        cfg, data = self.store.config, platformdirs.user_data_dir(APP, appauthor=False)
        logs = [h.baseFilename for h in logging.getLogger().handlers if getattr(h, "posapp_log", False)]
        log_folder = str(Path(logs[0]).parent) if logs else platformdirs.user_log_dir(APP, appauthor=False)
        rows = [(_("Python"), platform.python_version()), ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
                (_("Store"), f"{cfg.store.code} {cfg.store.name}"), (_("Terminal"), cfg.terminal_code),
                (_("Configuration"), str(cfg.path)), (_("Database"), redact(cfg.database_url)),
                (_("Logs and crash reports"), log_folder), (_("Data"), data),
                (_("Backups"), str(Path(data) / "backups"))]
        box = QMessageBox(QMessageBox.Information, _("About posapp"), f"posapp {__version__}", QMessageBox.Ok, self)
        box.setObjectName("about")
        box.setInformativeText("\n".join(f"{label}: {value}" for label, value in rows))
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)  # IT copies the paths from here
        box.exec()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.timer.stop()
        if self.sync_worker is not None:
            self.sync_worker.stop()
        self.runner.wait(10000)
        super().closeEvent(event)
