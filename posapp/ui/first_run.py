"""The first-run wizard: a terminal without a config asks for the store, the terminal, the database, the
printer (with a test print) and the first admin, then writes them through posapp.provisioning, the
same code as `posapp-admin provision`. Nothing is written before Finish."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWizard

from posapp import i18n, provisioning
from posapp.bootstrap import data_dir
from posapp.config import default_config_path
from posapp.i18n import N_, _
from posapp.ui.first_run_pages import (
    AdminPage,
    DatabasePage,
    PrinterPage,
    StorePage,
    SummaryPage,
    TerminalPage,
    WelcomePage,
)
from posapp.ui.runner import OperationRunner
from posapp.ui.widgets import while_open

WELCOME, STORE, TERMINAL, DATABASE, PRINTER, ADMIN, SUMMARY = range(7)
STYLE = """
QWidget { font-size: 14px; }
QLabel#message { color: #1a4d8f; font-size: 15px; min-height: 24px; }
QLabel#message[error="true"] { color: #b00020; font-weight: bold; }
QPushButton { padding: 6px 14px; }
"""
BUTTONS = ((QWizard.BackButton, N_("< Back")), (QWizard.NextButton, N_("Next >")),
           (QWizard.FinishButton, N_("Finish")), (QWizard.CancelButton, N_("Cancel")))


class FirstRunWizard(QWizard):
    def __init__(self, *, config_path: Path | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("first_run")
        self.config_path = Path(config_path) if config_path else default_config_path()
        self.runner = OperationRunner(self)
        self.runner.busy_changed.connect(self._busy)
        self.probed: tuple[str, provisioning.DatabaseProbe] | None = None
        self.written: Path | None = None
        self.working = False
        self.setWizardStyle(QWizard.ModernStyle)
        self.setTitleFormat(Qt.RichText)
        self.setOption(QWizard.NoBackButtonOnStartPage)
        self.setStyleSheet(STYLE)
        self.setMinimumSize(760, 560)
        self.welcome = WelcomePage(self.set_language)
        self.store = StorePage()
        self.terminal = TerminalPage()
        self.database = DatabasePage(local_url=f"sqlite:///{(data_dir() / 'posapp.db').as_posix()}",
                                     probe=self.probe_database)
        self.printer = PrinterPage(test_print=self.test_print)
        self.admin = AdminPage()
        self.summary_page = SummaryPage()
        for number, page in enumerate((self.welcome, self.store, self.terminal, self.database, self.printer,
                                       self.admin, self.summary_page)):
            self.setPage(number, page)
        self.set_language(self.welcome.language.currentData())

    # --- language -------------------------------------------------------------------------

    def set_language(self, locale: str) -> None:
        i18n.set_locale(locale)
        self.setWindowTitle(_("posapp: setting up this terminal"))
        for button, english in BUTTONS:
            self.setButtonText(button, _(english))
        for number in self.pageIds():
            self.page(number).retranslate()

    # --- what the pages gathered --------------------------------------------------------------

    def tables(self) -> dict:
        return {"store": self.store.table(), "terminal": {"code": self.terminal.code.text().strip().upper()},
                "database": {"url": self.database.chosen_url()}, "printer": self.printer.table()}

    def plan(self) -> provisioning.Plan:
        return provisioning.Plan(config_path=self.config_path, tables=self.tables(), admin=self.admin.admin(),
                                 via="first-run wizard")

    def users_exist(self) -> bool:
        return bool(self.probed and self.probed[1].users)

    def nextId(self) -> int:  # noqa: N802 (Qt API): no admin to create when the database has users
        if self.currentId() == PRINTER and self.users_exist():
            return SUMMARY
        return super().nextId()

    def summary(self) -> list[tuple[str, str]]:
        """What Finish will write: (what, value) rows."""
        t, probe = self.tables(), self.probed[1]
        file = provisioning.sqlite_file(t["database"]["url"])
        printer = t["printer"]["connection"]
        admin = self.admin.username.text().strip()
        if self.users_exist():
            admin = _("none added: the database already has users ({count}); log in with one of them"
                      ).format(count=probe.users)
        return [(_("Settings file"), str(self.config_path)),
                (_("Store"), f"{t['store']['code']}  {t['store']['name']}"),
                (_("Terminal"), t["terminal"]["code"]),
                (_("Database"), str(file) if file else probe.url),
                (_("Printer"), _("No printer") if printer == "none" else printer),
                (_("Administrator"), admin)]

    # --- the slow parts, on the runner -------------------------------------------------------

    def _busy(self, busy: bool) -> None:
        self.working = busy
        for button in (QWizard.BackButton, QWizard.NextButton, QWizard.FinishButton, QWizard.CancelButton):
            self.button(button).setEnabled(not busy)
        self.database.test.setEnabled(not busy and self.database.server.isChecked())
        self.printer.test.setEnabled(not busy and self.printer.kind.currentData() != "none")

    def probe_database(self, url: str, then=None) -> None:
        page = self.database
        if not url:
            page.refuse(_("Type the store server's database address, like "
                          "postgresql://posapp:password@192.168.1.10:5432/posapp"))
            return
        page.tell(_("Checking the database…"))

        def done(probe: provisioning.DatabaseProbe) -> None:
            if not self._same_store(probe):
                return
            self.probed = (url, probe)
            if not probe.exists:
                page.tell(_("The database will be created when you press Finish."))
            else:
                page.tell(_("The database is there. Users: {users}; updates to apply: {pending}.")
                          .format(users=probe.users, pending=len(probe.pending)))
            if then is not None:
                then()

        self.runner.run(lambda: provisioning.probe_database(url), while_open(self, done),
                        while_open(self, lambda message: page.refuse(
                            _("The database cannot be used: {reason}").format(reason=message))))

    def _same_store(self, probe: provisioning.DatabaseProbe) -> bool:
        code = self.store.table()["code"]
        if probe.store_code and probe.store_code != code:
            return self.database.refuse(_("This database belongs to store {other}, not {code}. Each store needs "
                                          "its own database.").format(other=probe.store_code, code=code))
        return True

    def database_known(self, url: str) -> bool:
        """Next on the database page: go on once this address has been checked (checking it first)."""
        if self.probed and self.probed[0] == url:
            return self._same_store(self.probed[1])
        self.probe_database(url, self.next)
        return False

    def test_print(self, page: PrinterPage) -> None:
        if not page.validatePage():
            return
        tables = self.tables()
        page.tell(_("Printing a test slip…"))
        self.runner.run(lambda: provisioning.print_test_slip(provisioning.check_tables(tables)),
                        while_open(self, lambda _done: page.tell(
                            _("The test slip was printed. Check that the Chinese and English lines are "
                              "readable."))),
                        while_open(self, lambda message: page.refuse(
                            _("The test print failed: {reason}").format(reason=message))))

    # --- Finish and Cancel ----------------------------------------------------------------------

    def accept(self) -> None:
        """Finish: write everything (off the UI thread), then close; a refusal stays on the summary."""
        if self.written is not None:
            super().accept()
            return
        if self.working:
            return
        plan, page = self.plan(), self.summary_page
        page.tell(_("Creating the database and saving the settings…"))

        def done(outcome: provisioning.Outcome) -> None:
            self.written = outcome.config_path
            super(FirstRunWizard, self).accept()

        self.runner.run(lambda: provisioning.provision(plan), while_open(self, done),
                        while_open(self, lambda message: page.refuse(
                            _("Nothing could be saved: {reason}").format(reason=message))))

    def reject(self) -> None:
        if self.working:  # a database being written is finished first, never left half done
            return
        super().reject()


def run_first_run(app, *, config_path: Path | None = None) -> Path | None:
    """Ask for this terminal's settings and write them; the config's path, or None when cancelled.

    app: the running QApplication (the wizard is modal and runs its own loop)."""
    wizard = FirstRunWizard(config_path=config_path)
    try:
        accepted = wizard.exec() == QDialog.Accepted
        return wizard.written if accepted else None
    finally:
        wizard.runner.wait()
        wizard.deleteLater()
