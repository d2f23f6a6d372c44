"""The back office's member dialogs: signing a member up or changing their details, and a manager's
points adjustment. Each one calls its service itself, shows any refusal beside the fields and stays
open then (nothing is saved); Enter saves, Esc closes."""

from __future__ import annotations

import re
import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from posapp.domain.members import Member
from posapp.domain.users import Permission
from posapp.i18n import _, number
from posapp.services import members as member_service
from posapp.ui.widgets import TOUCH, say

_SIGNED = re.compile(r"[+-]?\d+")


def plain(text: str) -> str:
    # Full-width digits, plus and minus signs from a Chinese input method read as their ASCII forms.
    return unicodedata.normalize("NFKC", text or "").replace("−", "-").strip()


def points_text(points: int) -> str:
    return number(points)


def signed_points(points: int) -> str:
    return ("+" if points > 0 else "") + number(points)


def parse_points(text: str) -> int | None:
    """A signed whole number of points ("500", "+500", "-200"), or None when it is not one."""
    value = plain(text).replace(" ", "")
    return int(value) if _SIGNED.fullmatch(value) else None


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumHeight(TOUCH)
    edit.setMinimumWidth(320)
    return edit


class _ServiceDialog(QDialog):
    """Fields, a message line and Save/Cancel; while the service works, Esc waits for its answer."""

    def __init__(self, *, title: str, save_label: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(48)
        self.save_button, self.cancel_button = QPushButton(save_label), QPushButton(_("Cancel"))
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)  # Enter in any field saves
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button, slot in ((self.save_button, self.submit), (self.cancel_button, self.reject)):
            button.setMinimumSize(120, 44)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def submit(self) -> None:
        raise NotImplementedError

    def call(self, work) -> None:
        """Run work off the UI thread; done(result) on success, the refusal shown otherwise."""
        if not self.save_button.isEnabled():
            return  # already saving
        self.save_button.setEnabled(False)
        say(self.message, _("Saving…"))
        self.runner.run(work, self._done, self._failed)

    def reject(self) -> None:
        if self.save_button.isEnabled():  # while saving, wait for the answer: it may be saved
            super().reject()

    def _done(self, result) -> None:
        self.save_button.setEnabled(True)
        self.done_with(result)
        self.accept()

    def done_with(self, result) -> None:
        raise NotImplementedError

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.show_error(message)

    def show_error(self, message: str) -> None:
        say(self.message, _("Not saved: {problem}").format(problem=message), error=True)


class MemberForm(_ServiceDialog):
    """Sign a member up (member=None) or change a member's name, phone and marketing consent."""

    def __init__(self, *, store, runner, user, approvals=None, member: Member | None = None, parent=None):
        title = (_("Change member {code}").format(code=member.code) if member else _("New member"))
        super().__init__(title=title, save_label=_("Save"), parent=parent)
        self.store, self.runner, self.user = store, runner, user
        self.approval = (approvals or {}).get(Permission.MANAGE_MEMBERS)
        self.original, self.saved = member, None
        self.code = _line("code", _("Empty: the next card number"))
        self.name = _line("name", _("e.g. 王女士"))
        self.phone = _line("phone", _("11 digits, e.g. 13812345678"))
        self.consent = QCheckBox(_("Agrees to marketing messages"))
        self.consent.setObjectName("consent")
        self.form.addRow(_("Card number"), self.code)
        self.form.addRow(_("Full name"), self.name)
        self.form.addRow(_("Mobile number"), self.phone)
        if member is not None:
            # Never the full number on screen: the masked one, and a new one replaces it when typed.
            self.code.setText(member.code)
            self.code.setEnabled(False)  # the card number is how the member is found: it stays
            self.name.setText(member.name)
            self.phone.setPlaceholderText(_("Type a new number to replace it"))
            now = QLabel(_("Now {phone}; left empty, it stays").format(phone=member.masked_phone))
            now.setObjectName("current_phone")
            self.form.addRow("", now)
            self.consent.setChecked(member.consent)
        self.form.addRow("", self.consent)
        self.setTabOrder(self.code, self.name)
        self.setTabOrder(self.name, self.phone)
        self.setTabOrder(self.phone, self.consent)
        self.setTabOrder(self.consent, self.save_button)
        self.setTabOrder(self.save_button, self.cancel_button)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API): the keyboard starts in the first field
        super().showEvent(event)
        (self.name if self.original else self.code).setFocus()

    def changes(self) -> dict:
        """What the fields change of the member: only fields that differ (an empty phone keeps it)."""
        m = self.original
        name = " ".join(self.name.text().split())
        phone = plain(self.phone.text())
        found = {}
        if name != m.name:
            found["name"] = name
        if phone:
            found["phone"] = phone
        if self.consent.isChecked() != m.consent:
            found["consent"] = self.consent.isChecked()
        return found

    def submit(self) -> None:
        store, user, approval = self.store, self.user, self.approval
        if self.original is None:
            code, name = plain(self.code.text()) or None, self.name.text()
            phone, consent = plain(self.phone.text()), self.consent.isChecked()
            self.call(lambda: member_service.sign_up(store.uow(), store.station, actor=user, phone=phone,
                                                     name=name, consent=consent, code=code))
            return
        changes = self.changes()
        if not changes:
            say(self.message, _("Nothing to save: nothing was changed"))
            return
        code = self.original.code
        self.call(lambda: member_service.update_member(store.uow(), store.station, actor=user, code=code,
                                                       approval=approval, **changes))

    def done_with(self, member: Member) -> None:
        self.saved = member


class AdjustPointsDialog(_ServiceDialog):
    """A manager adds (+) or takes off (-) points, with the reason the audit log keeps."""

    def __init__(self, *, store, runner, user, approvals=None, member: Member, balance: int, parent=None):
        super().__init__(title=_("Adjust points: {name} ({code})").format(name=member.name or member.code,
                                                                          code=member.code),
                         save_label=_("Adjust"), parent=parent)
        self.store, self.runner, self.user, self.member = store, runner, user, member
        self.approval = (approvals or {}).get(Permission.ADJUST_POINTS)
        self.before, self.adjusted, self.balance = balance, None, None
        self.points = _line("points", _("e.g. 500 to add, -200 to take off"))
        self.reason = _line("reason", _("Required, e.g. complaint 1123"))
        self.reason.setMaxLength(200)
        self.after = QLabel("")
        self.after.setObjectName("after")
        self.setMinimumWidth(520)
        self.form.addRow(_("Points balance"), QLabel(points_text(balance)))
        self.form.addRow(_("Add or take off"), self.points)
        self.form.addRow(_("Reason"), self.reason)
        self.form.addRow(_("Balance after"), self.after)
        self.points.textChanged.connect(lambda _text: self._preview())
        self.setTabOrder(self.points, self.reason)
        self.setTabOrder(self.reason, self.save_button)
        self.setTabOrder(self.save_button, self.cancel_button)
        self._preview()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.points.setFocus()

    def _preview(self) -> None:
        points = parse_points(self.points.text())
        after = None if points is None else self.before + points
        self.after.setText("—" if after is None else points_text(after))
        # Below zero is refused when saved: say so while it is typed.
        self.after.setStyleSheet("color: #b00020; font-weight: bold;" if after is not None and after < 0 else "")

    def submit(self) -> None:
        points = parse_points(self.points.text())
        if points is None:
            self.show_error(_("{text} is not a whole number of points (e.g. 500 or -200)")
                            .format(text=self.points.text().strip() or "—"))
            self.points.setFocus()
            return
        store, user, approval, code, reason = self.store, self.user, self.approval, self.member.code, self.reason.text()
        self.adjusted = (points, " ".join(reason.split()))
        self.call(lambda: member_service.adjust_points(store.uow(), store.station, actor=user, code=code,
                                                       points=points, reason=reason, approval=approval))

    def done_with(self, balance: int) -> None:
        self.balance = balance
