"""The main window: login page and till page in one frame, with the status bar."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget

from posapp import __version__
from posapp.i18n import _
from posapp.config import redact
from posapp.ui.login import LoginPage
from posapp.ui.runner import OperationRunner
from posapp.ui.till import TillPage

STYLE = """
QWidget { font-size: 14px; }
QLabel#title { font-size: 22px; font-weight: bold; padding: 12px; }
QLabel#message { color: #1a4d8f; font-size: 15px; min-height: 24px; }
QLabel#message[error="true"] { color: #b00020; font-weight: bold; }
QPushButton { padding: 8px 14px; }
QListWidget#users::item { padding: 14px; }
QLineEdit#scan, QLineEdit#pin { padding: 8px; }
"""


class MainWindow(QMainWindow):
    def __init__(self, store, *, notice: str = ""):
        super().__init__()
        self.store = store
        self.user = None
        self.setWindowTitle(f"posapp {__version__} — {store.config.store.name}")
        self.setStyleSheet(STYLE)
        self.runner = OperationRunner(self)
        self.pages = QStackedWidget()
        self.login = LoginPage(store=store, runner=self.runner)
        self.till = TillPage(store=store, runner=self.runner)
        self.pages.addWidget(self.login)
        self.pages.addWidget(self.till)
        self.setCentralWidget(self.pages)
        self.login.logged_in.connect(self.enter_till)
        self.till.log_out.connect(self.leave_till)
        self._build_status()
        self._build_menu()
        self.resize(1100, 720)
        self.login.reload()
        if notice:
            self.statusBar().showMessage(notice, 15000)

    def _build_status(self) -> None:
        cfg = self.store.config
        bar = self.statusBar()
        backend = "SQLite" if cfg.database_url.startswith("sqlite") else "PostgreSQL"
        self.who = QLabel(_("Not logged in"))
        for text in (f"{_('Store')} {cfg.store.code}", f"{_('Terminal')} {cfg.terminal_code}"):
            bar.addPermanentWidget(QLabel(text))
        bar.addPermanentWidget(self.who)
        db = QLabel(backend)
        db.setToolTip(redact(cfg.database_url))
        bar.addPermanentWidget(db)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(_("&File"))
        logout = QAction(_("Log out"), self)
        logout.triggered.connect(self.leave_till)
        menu.addAction(logout)
        quit_ = QAction(_("Quit"), self)
        quit_.setShortcut(QKeySequence.Quit)
        quit_.triggered.connect(self.close)
        menu.addAction(quit_)
        about = QAction(_("About posapp"), self)
        about.triggered.connect(self.about)
        self.menuBar().addMenu(_("&Help")).addAction(about)

    def enter_till(self, user) -> None:
        self.user = user
        self.who.setText(f"{_('Cashier')} {user.name}")
        self.pages.setCurrentWidget(self.till)
        self.till.scan.setFocus()

    def leave_till(self) -> None:
        self.user = None
        self.who.setText(_("Not logged in"))
        self.pages.setCurrentWidget(self.login)
        self.login.reload()

    def about(self) -> None:
        QMessageBox.about(self, _("About posapp"),
                          f"posapp {__version__}\n{self.store.config.path}\n{redact(self.store.config.database_url)}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.runner.wait(10000)
        super().closeEvent(event)
