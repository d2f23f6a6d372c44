"""The form a manager creates or changes one promotion with: the fields of its kind, store-local
times, and every reason the service refuses it, shown beside the form (nothing is saved then)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
)

from posapp.domain.clock import to_local, utcnow
from posapp.domain.promotions import Kind, Promotion
from posapp.i18n import _
from posapp.services import promotions as promotion_service
from posapp.ui.promotion_fields import KindFields, form_rows, line_edit, parse_words, plain_text, spin_box
from posapp.ui.widgets import TOUCH, say



def kind_label(kind: Kind) -> str:
    return {Kind.SPECIAL_PRICE: _("Special price"), Kind.PERCENT_OFF: _("Percent off"),
            Kind.BUY_X_GET_Y: _("Buy X get Y"), Kind.THRESHOLD: _("Spend threshold"),
            Kind.COUPON: _("Coupon"), Kind.GIFT: _("Gift with purchase")}[kind]


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


# --- store-local time <-> the naive UTC the domain keeps -------------------------------------------

def local_to_utc(local: datetime, tz: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def to_qdatetime(local: datetime) -> QDateTime:
    # Qt's own zone is the machine's; the edit shows the store's wall time, so Qt must not shift it.
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute),
                     QTimeZone(QTimeZone.UTC))


def from_qdatetime(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def datetime_edit() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone(QTimeZone.UTC))
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setCalendarPopup(True)
    edit.setMinimumHeight(TOUCH)
    return edit


# Every field a kind gives, at its empty value: a promotion changed to another kind keeps none of
# the old kind's figures.
_NOTHING_GIVEN = dict(price=None, percent=None, amount=None, tiers=(), repeating=False, buy=0, get=0,
                      threshold=None, gift_sku="", gift_qty=1, coupon_code="", max_uses=None,
                      max_uses_per_member=None)


class PromotionForm(QDialog):
    """Create (promotion=None) or change one promotion; Enter saves, Esc closes without saving."""

    def __init__(self, *, store, runner, user, approval=None, promotion: Promotion | None = None, parent=None):
        super().__init__(parent)
        self.store, self.runner, self.user, self.approval = store, runner, user, approval
        self.original, self.saved = promotion, None
        self.tz = store.config.store.timezone
        self.setWindowTitle(_("Change promotion {code}").format(code=promotion.code) if promotion
                            else _("New promotion"))
        self._build()
        self._fill(promotion or Promotion(id=0, code="", name="", kind=Kind.SPECIAL_PRICE))
        self.code.setReadOnly(promotion is not None)  # the code is how a promotion is matched
        self.resize(1180, 640)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API): the keyboard starts in the first field
        super().showEvent(event)
        (self.name if self.original else self.code).setFocus()

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        columns = QHBoxLayout()
        columns.addWidget(self._general(), 4)
        columns.addWidget(self._scope(), 4)
        columns.addLayout(self._gives(), 5)
        self.save_button, self.cancel_button = QPushButton(_("Save")), QPushButton(_("Cancel"))
        self.save_button.setDefault(True)  # Enter in any field saves
        self.cancel_button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        for button, slot in ((self.save_button, self.submit), (self.cancel_button, self.reject)):
            button.setMinimumSize(120, 44)
            button.clicked.connect(slot)
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

    def _general(self) -> QGroupBox:
        box = QGroupBox(_("Promotion"))
        form = QFormLayout(box)
        self.code = line_edit(_("e.g. MJ-200-30"), "code")
        self.name = line_edit(_("As the receipt shows it"), "name")
        self.name_en = line_edit(_("Optional"), "name_en")
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        self.kind.setMinimumHeight(TOUCH)
        for kind in Kind:
            self.kind.addItem(kind_label(kind), kind)
        self.has_start, self.starts = QCheckBox(_("From")), datetime_edit()
        self.has_end, self.ends = QCheckBox(_("Until")), datetime_edit()
        self.has_start.toggled.connect(self.starts.setEnabled)
        self.has_end.toggled.connect(self.ends.setEnabled)
        self.priority = spin_box(-1000, 1000, 0)
        self.stackable = QCheckBox(_("Stacks on other line promotions"))
        self.group = line_edit(_("empty: none"), "group")
        form_rows(form, [(_("Code"), self.code), (_("Promotion name"), self.name), (_("Name (English)"), self.name_en),
                     (_("Kind"), self.kind), (self.has_start, self.starts), (self.has_end, self.ends),
                     QLabel(_("Times are the store's ({zone})").format(zone=self.tz)),
                     (_("Priority"), self.priority), self.stackable, (_("Exclusivity group"), self.group)])
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        return box

    def _scope(self) -> QGroupBox:
        box = QGroupBox(_("Products and customers"))
        form = QFormLayout(box)
        self.products = line_edit(_("SKUs; empty: every product"), "products")
        self.categories = line_edit(_("e.g. 饮料, 零食/薯片"), "categories")
        self.exclude_products = line_edit(_("SKUs, comma-separated"), "exclude_products")
        self.exclude_categories = line_edit(_("Categories, comma-separated"), "exclude_categories")
        self.members_only = QCheckBox(_("Members only"))
        self.member_tiers = line_edit(_("e.g. gold; empty: every member"), "member_tiers")
        self.weekdays = [QCheckBox(name) for name in weekday_names()]
        days = QHBoxLayout()
        for day in self.weekdays:
            days.addWidget(day)
        self.has_hours = QCheckBox(_("Only between"))
        self.hours_from, self.hours_to = QTimeEdit(), QTimeEdit()
        hours = QHBoxLayout()
        for widget in (self.hours_from, QLabel(_("and")), self.hours_to):
            hours.addWidget(widget)
        hours.addStretch(1)
        for edit in (self.hours_from, self.hours_to):
            edit.setDisplayFormat("HH:mm")
            edit.setMinimumHeight(TOUCH)
            self.has_hours.toggled.connect(edit.setEnabled)
        form_rows(form, [(_("Products"), self.products), (_("Categories"), self.categories),
                     (_("Except products"), self.exclude_products), (_("Except categories"), self.exclude_categories),
                     self.members_only, (_("Member tiers"), self.member_tiers),
                     QLabel(_("Days (none ticked: every day)")), days, (self.has_hours, hours)])
        return box

    def _gives(self) -> QVBoxLayout:
        box = QGroupBox(_("What it gives"))
        self.fields = KindFields()
        inner = QVBoxLayout(box)
        inner.addWidget(self.fields)
        self.problems = QLabel("")
        self.problems.setObjectName("message")
        self.problems.setWordWrap(True)
        self.problems.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.problems.setMinimumHeight(90)
        column = QVBoxLayout()
        column.addWidget(box, 1)
        column.addWidget(self.problems)
        return column

    # --- filling and reading ------------------------------------------------------------------
    def _fill(self, p: Promotion) -> None:
        self.code.setText(p.code)
        self.name.setText(p.name)
        self.name_en.setText(p.name_en)
        self.kind.setCurrentIndex(list(Kind).index(p.kind))
        now = to_local(utcnow(), self.tz).replace(second=0, microsecond=0)
        for check, edit, value in ((self.has_start, self.starts, p.starts_at), (self.has_end, self.ends, p.ends_at)):
            edit.setDateTime(to_qdatetime(to_local(value, self.tz) if value else now))
            check.setChecked(value is not None)
            edit.setEnabled(value is not None)
        self.priority.setValue(p.priority)
        self.stackable.setChecked(p.stackable)
        self.group.setText(p.group)
        self.products.setText(", ".join(sorted(p.products)))
        self.categories.setText(", ".join(p.categories))
        self.exclude_products.setText(", ".join(sorted(p.exclude_products)))
        self.exclude_categories.setText(", ".join(p.exclude_categories))
        self.members_only.setChecked(p.members_only)
        self.member_tiers.setText(", ".join(sorted(p.member_tiers)))
        for day, box in enumerate(self.weekdays, start=1):
            box.setChecked(day in p.weekdays)
        self.has_hours.setChecked(p.hours is not None)
        start, end = p.hours or (time(9), time(21))
        self.hours_from.setTime(QTime(start.hour, start.minute))
        self.hours_to.setTime(QTime(end.hour, end.minute))
        for edit in (self.hours_from, self.hours_to):
            edit.setEnabled(p.hours is not None)
        self.fields.fill(p)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = Kind(self.kind.currentData())  # Qt hands the enum back as its plain str value
        self.fields.show_kind(kind)
        self.stackable.setVisible(kind in (Kind.SPECIAL_PRICE, Kind.PERCENT_OFF))

    def read(self) -> tuple[Promotion, list[str]]:
        """The promotion as the fields give it, and every field that could not be read."""
        problems: list[str] = []
        kind = Kind(self.kind.currentData())
        base = self.original or Promotion(id=0, code="", name="", kind=kind)
        hours = (time(self.hours_from.time().hour(), self.hours_from.time().minute()),
                 time(self.hours_to.time().hour(), self.hours_to.time().minute()))
        fields = dict(
            code=plain_text(self.code.text()), name=self.name.text().strip(), name_en=self.name_en.text().strip(),
            kind=kind, priority=self.priority.value(), group=self.group.text().strip(),
            stackable=self.stackable.isChecked() and kind in (Kind.SPECIAL_PRICE, Kind.PERCENT_OFF),
            starts_at=local_to_utc(from_qdatetime(self.starts.dateTime()), self.tz) if self.has_start.isChecked()
            else None,
            ends_at=local_to_utc(from_qdatetime(self.ends.dateTime()), self.tz) if self.has_end.isChecked() else None,
            products=frozenset(parse_words(self.products.text())),
            categories=tuple(parse_words(self.categories.text())),
            exclude_products=frozenset(parse_words(self.exclude_products.text())),
            exclude_categories=tuple(parse_words(self.exclude_categories.text())),
            member_tiers=frozenset(parse_words(self.member_tiers.text())),
            members_only=self.members_only.isChecked() or bool(parse_words(self.member_tiers.text())),
            weekdays=frozenset(d for d, box in enumerate(self.weekdays, start=1) if box.isChecked()),
            hours=hours if self.has_hours.isChecked() else None)
        given = {**_NOTHING_GIVEN, **self.fields.read(kind, problems)}
        return replace(base, **fields, **given), problems

    # --- saving -------------------------------------------------------------------------------
    def submit(self) -> None:
        if not self.save_button.isEnabled():
            return  # already saving
        promotion, problems = self.read()
        if problems:
            self.show_problems(problems)
            return
        store, user, approval = self.store, self.user, self.approval

        def save():
            try:
                return promotion_service.save_promotions(store.uow(), store.station, actor=user,
                                                         promotions=[promotion], approval=approval)[0], []
            except promotion_service.PromotionsRejected as rejected:
                return None, [problem.reason for problem in rejected.problems]

        self.save_button.setEnabled(False)
        say(self.problems, _("Saving…"))
        self.runner.run(save, self._saved, self._failed)

    def reject(self) -> None:
        if self.save_button.isEnabled():  # while saving, wait for the answer: it may be saved
            super().reject()

    def _saved(self, result) -> None:
        self.save_button.setEnabled(True)
        saved, problems = result
        if problems:
            self.show_problems(problems)
            return
        self.saved = saved
        self.accept()

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.show_problems([message])

    def show_problems(self, problems: list[str]) -> None:
        heading = _("Not saved:")
        say(self.problems, "\n".join([heading, *(f"• {p}" for p in problems)]), error=True)
