"""Back office: after-sales cases (售后登记). The open cases first, oldest first; a case's notes (who,
when, what); opening a case linked to a receipt or a member; moving it on with a note. Any logged-in
staff member may record and follow up cases (the service checks it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from posapp.domain.cases import KINDS, STATUSES, Case, check_contact, check_kind, check_status, check_text
from posapp.domain.errors import PosError
from posapp.i18n import N_, _, moment
from posapp.services import cases as case_service
from posapp.ui.widgets import record_table, say

SHOWN = (("open", N_("Open and in progress")), ("resolved", N_("Resolved")), ("all", N_("All")))
COLUMNS = (N_("Case"), N_("Opened on"), N_("Kind"), N_("Status"), N_("Receipt"), N_("Member"), N_("Handled by"),
           N_("Description"))


def open_cases(*, parent, store, runner, user, refuse) -> None:
    if user is None:
        refuse(_("Log in first"))
        return
    window = CasesWindow(store=store, runner=runner, user=user, parent=parent)
    window.setAttribute(Qt.WA_DeleteOnClose)
    window.setWindowModality(Qt.WindowModal)
    window.show()
    window.raise_()
    window.activateWindow()


def _combo(choices: dict, current: str = "") -> QComboBox:
    box = QComboBox()
    for key, label in choices.items():
        box.addItem(_(label), key)
    if current:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class CaseForm(QDialog):
    """A new case, or a case moved on (status and a note). Checks what it can before saving; the
    service checks everything again."""

    def __init__(self, *, case: Case | None = None, sale_number: str = "", parent=None):
        super().__init__(parent)
        self.case, self.values = case, None
        self.setWindowTitle(_("New after-sales case") if case is None else
                            _("Case {number}").format(number=case.number))
        self.setMinimumWidth(520)
        form = QFormLayout()
        self.text = QPlainTextEdit()
        self.text.setObjectName("case_text")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(110)
        if case is None:
            self.kind = _combo(KINDS)
            self.kind.setObjectName("case_kind")
            self.sale = QLineEdit(sale_number)
            self.sale.setObjectName("case_sale")
            self.sale.setPlaceholderText(_("Receipt number (optional)"))
            self.member = QLineEdit()
            self.member.setObjectName("case_member")
            self.member.setPlaceholderText(_("Member card (optional; a receipt's member is taken from it)"))
            self.contact = QLineEdit()
            self.contact.setObjectName("case_contact")
            for label, widget in ((_("Kind"), self.kind), (_("Receipt"), self.sale), (_("Member"), self.member),
                                  (_("Contact"), self.contact), (_("What happened"), self.text)):
                form.addRow(label, widget)
        else:
            form.addRow(QLabel(f"{_(KINDS[case.kind])} · {case.description}"))
            self.status = _combo(STATUSES, case.status)
            self.status.setObjectName("case_status")
            form.addRow(_("Status"), self.status)
            form.addRow(_("What was done"), self.text)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText(_("Save (Ctrl+Enter)"))
        buttons.button(QDialogButtonBox.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # Enter is a new line in the text: Ctrl+Enter saves
            QShortcut(QKeySequence(keys), self, activated=self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def show_error(self, text: str) -> None:
        say(self.message, text, error=True)

    def submit(self) -> None:
        try:
            if self.case is None:
                self.values = {"kind": check_kind(self.kind.currentData()),
                               "description": check_text(self.text.toPlainText(), what=_("description")),
                               "sale_number": self.sale.text().strip(), "member_code": self.member.text().strip(),
                               "contact": check_contact(self.contact.text())}
            else:
                self.values = {"status": check_status(self.status.currentData()),
                               "note": check_text(self.text.toPlainText(), what=_("note"))}
        except PosError as exc:
            self.show_error(str(exc))
            return
        self.accept()


class CasesWindow(QDialog):
    def __init__(self, *, store, runner, user, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user = store, runner, user
        self.cases: list[Case] = []
        self.setWindowTitle(_("After-sales cases"))
        self.resize(1100, 640)
        self.shown = QComboBox()
        self.shown.setObjectName("cases_shown")
        for key, label in SHOWN:
            self.shown.addItem(_(label), key)
        self.shown.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = record_table("cases", [_(c) for c in COLUMNS])
        self.table.itemSelectionChanged.connect(self.show_notes)
        self.table.doubleClicked.connect(lambda _i: self.update_case())
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("case_notes")
        self.notes.setReadOnly(True)
        self.notes.setMaximumHeight(170)
        self.message = QLabel("")
        self.message.setObjectName("message")
        new = QPushButton(_("New case"))
        new.setObjectName("new_case")
        new.clicked.connect(self.new_case)
        update = QPushButton(_("Follow up"))
        update.setObjectName("update_case")
        update.clicked.connect(self.update_case)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show")))
        top.addWidget(self.shown)
        top.addStretch(1)
        buttons = QHBoxLayout()
        for b in (new, update):
            b.setMinimumHeight(44)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        store, shown = self.store, self.shown.currentData()
        self.runner.run(lambda: case_service.list_cases(store.uow(), status=shown),
                        lambda found: self._show(found, select), self.refuse)

    def _show(self, found: list[Case], select: str | None) -> None:
        self.cases = found
        tz = self.store.station.timezone
        self.table.setRowCount(len(found))
        for row, c in enumerate(found):
            cells = (c.number, moment(c.opened_at, tz), _(KINDS.get(c.kind, c.kind)), _(STATUSES.get(c.status, c.status)),
                     c.sale_number, c.member_code, c.handler or c.opened_by, c.description.replace("\n", " "))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        rows = [i for i, c in enumerate(found) if c.number == select] or ([0] if found else [])
        if rows:
            self.table.selectRow(rows[0])
        say(self.message, _("{count} cases").format(count=len(found)))

    def selected(self) -> Case | None:
        rows = self.table.selectionModel().selectedRows()
        return self.cases[rows[0].row()] if rows else None

    def show_notes(self) -> None:
        case = self.selected()
        if case is None:
            self.notes.clear()
            return
        store, tz = self.store, self.store.station.timezone

        def shown(full: Case) -> None:
            head = f"{full.number}  {full.contact}".strip()
            lines = [f"{moment(n.at, tz)}  {_(STATUSES.get(n.status, n.status))}  {n.user}: {n.note}" for n in full.notes]
            self.notes.setPlainText("\n".join([head, *lines]))

        self.runner.run(lambda: case_service.get_case(store.uow(), case.number), shown, self.refuse)

    def refuse(self, text: str) -> None:
        say(self.message, text, error=True)

    def new_case(self) -> None:
        self._form(CaseForm(parent=self), lambda values: case_service.open_case(
            self.store.uow(), self.store.station, actor=self.user, **values))

    def update_case(self) -> None:
        case = self.selected()
        if case is None:
            self.refuse(_("Select a case first"))
            return
        self._form(CaseForm(case=case, parent=self), lambda values: case_service.update_case(
            self.store.uow(), self.store.station, actor=self.user, number=case.number, **values))

    def _form(self, form: CaseForm, save, problem: str = "") -> None:
        if problem:
            form.show_error(problem)
        if not form.exec():
            return
        values = form.values

        def refused(message: str) -> None:  # the form again, as it was, with the reason
            form.values = None
            self._form(form, save, message)

        self.runner.run(lambda: save(values), lambda case: self.reload(select=case.number), refused)
