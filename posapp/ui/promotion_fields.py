"""The promotion form's parts: strict reading of what a manager types (amounts, counts, lists),
small field makers, and the page of fields for each kind of promotion."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from posapp.domain.promotions import Kind, Promotion, Tier
from posapp.i18n import _
from posapp.ui.widgets import TOUCH


# --- what a person types, read strictly ----------------------------------------------------------

def plain_text(text: str) -> str:
    # Full-width digits and punctuation from a Chinese input method read as their ASCII forms.
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_amount(text: str, field: str, problems: list[str], *, percent: bool = False) -> Decimal | None:
    """A Decimal from a field ("" gives None); a clear problem, never a float, when it is not one."""
    plain = plain_text(text).removeprefix("¥").strip()  # "12,50" is refused, never read as 1250
    if percent:
        plain = plain.removesuffix("%").strip()
    if not plain:
        return None
    try:
        value = Decimal(plain)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(_("{field}: {text} is not a number").format(field=field, text=text.strip()))
        return None
    return value


def parse_count(text: str, field: str, problems: list[str]) -> int | None:
    plain = plain_text(text)
    if not plain:
        return None
    if not plain.isdigit():
        problems.append(_("{field}: {text} is not a whole number").format(field=field, text=text.strip()))
        return None
    return int(plain)


def parse_words(text: str) -> list[str]:
    """SKUs, categories or tiers separated by commas, 、, semicolons or spaces."""
    return [w for w in re.split(r"[,;、\s]+", plain_text(text)) if w]


def line_edit(placeholder: str = "", name: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMinimumHeight(TOUCH)
    if name:
        edit.setObjectName(name)
    return edit


def spin_box(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setMinimumHeight(TOUCH)
    return spin


def form_rows(form: QFormLayout, rows) -> QFormLayout:
    """Rows of (label, field), or a single widget or layout across the form."""
    for row in rows:
        form.addRow(*row) if isinstance(row, tuple) else form.addRow(row)
    return form


class KindFields(QStackedWidget):
    """One page of fields per kind: what the promotion gives."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pages: dict[Kind, QWidget] = {}
        self.price = line_edit(_("e.g. 79.00"), "price")
        self._page(Kind.SPECIAL_PRICE, [(_("Special price per unit"), self.price)])
        self.percent = line_edit(_("e.g. 10 for 10% off"), "percent")
        self._page(Kind.PERCENT_OFF, [(_("Percent off"), self.percent)])
        self.buy, self.get = spin_box(1, 99, 2), spin_box(1, 99, 1)
        self.get_percent = line_edit(_("empty: free"), "get_percent")
        self._page(Kind.BUY_X_GET_Y, [(_("Buy (X units)"), self.buy), (_("Get (Y units)"), self.get),
                                      (_("Percent off the Y units"), self.get_percent)])
        self._tier_page()
        self._coupon_page()
        self.gift_sku = line_edit(_("SKU of the gift"), "gift_sku")
        self.gift_qty = spin_box(1, 99, 1)
        self.gift_threshold = line_edit(_("e.g. 300"), "gift_threshold")
        self._page(Kind.GIFT, [(_("Gift SKU"), self.gift_sku), (_("Gift quantity"), self.gift_qty),
                               (_("When the spend reaches"), self.gift_threshold)])

    def _page(self, kind: Kind, rows: list[tuple[str, QWidget]]) -> QWidget:
        page = QWidget()
        form_rows(QFormLayout(page), rows)
        self.pages[kind] = page
        self.addWidget(page)
        return page

    def _tier_page(self) -> None:
        self.tiers = QTableWidget(0, 2)
        self.tiers.setObjectName("tiers")
        self.tiers.setHorizontalHeaderLabels([_("Spend reaches"), _("Take off")])
        self.tiers.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.tiers.verticalHeader().setDefaultSectionSize(TOUCH)
        self.tiers.setEditTriggers(QAbstractItemView.AllEditTriggers)
        self.tiers.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.tiers.setMinimumHeight(170)
        self.add_tier_button = QPushButton(_("Add a tier"))
        self.remove_tier_button = QPushButton(_("Remove the tier"))
        self.add_tier_button.clicked.connect(lambda: self.add_tier())
        self.remove_tier_button.clicked.connect(self.remove_tier)
        self.repeating = QCheckBox(_("Repeat: again for every full threshold"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_tier_button)
        buttons.addWidget(self.remove_tier_button)
        self._page(Kind.THRESHOLD, [QLabel(_("Tiers")), self.tiers, buttons, self.repeating])
        self.add_tier()

    def add_tier(self, threshold: str = "", amount: str = "") -> None:
        row = self.tiers.rowCount()
        self.tiers.insertRow(row)
        self.tiers.setItem(row, 0, QTableWidgetItem(threshold))
        self.tiers.setItem(row, 1, QTableWidgetItem(amount))
        self.tiers.setCurrentCell(row, 0)

    def remove_tier(self) -> None:
        row = self.tiers.currentRow()
        if row >= 0:
            self.tiers.removeRow(row)

    def _coupon_page(self) -> None:
        self.coupon_code = line_edit(_("e.g. WELCOME10"), "coupon_code")
        self.coupon_mode = QComboBox()
        self.coupon_mode.addItem(_("Amount off"), "amount")
        self.coupon_mode.addItem(_("Percent off"), "percent")
        self.coupon_mode.setMinimumHeight(TOUCH)
        self.coupon_value = line_edit(_("e.g. 10"), "coupon_value")
        self.min_spend = line_edit(_("empty: no minimum"), "min_spend")
        self.max_uses = line_edit(_("empty: no limit"), "max_uses")
        self.max_per_member = line_edit(_("empty: no limit"), "max_per_member")
        self._page(Kind.COUPON, [(_("Coupon code"), self.coupon_code), (_("Takes off"), self.coupon_mode),
                                 (_("Amount or percent"), self.coupon_value), (_("Minimum spend"), self.min_spend),
                                 (_("Uses in total at most"), self.max_uses),
                                 (_("Uses per member at most"), self.max_per_member)])

    def show_kind(self, kind: Kind) -> None:
        self.setCurrentWidget(self.pages[kind])

    # --- reading and filling ------------------------------------------------------------------
    def read(self, kind: Kind, problems: list[str]) -> dict:
        """The Promotion fields of a kind, read from its page."""
        if kind is Kind.SPECIAL_PRICE:
            return {"price": parse_amount(self.price.text(), _("Special price"), problems)}
        if kind is Kind.PERCENT_OFF:
            return {"percent": parse_amount(self.percent.text(), _("Percent off"), problems, percent=True)}
        if kind is Kind.BUY_X_GET_Y:
            return {"buy": self.buy.value(), "get": self.get.value(),
                    "percent": parse_amount(self.get_percent.text(), _("Percent off the Y units"), problems,
                                            percent=True)}
        if kind is Kind.THRESHOLD:
            return {"tiers": self._read_tiers(problems), "repeating": self.repeating.isChecked()}
        if kind is Kind.COUPON:
            return self._read_coupon(problems)
        return {"gift_sku": plain_text(self.gift_sku.text()), "gift_qty": self.gift_qty.value(),
                "threshold": parse_amount(self.gift_threshold.text(), _("When the spend reaches"), problems)}

    def _read_tiers(self, problems: list[str]) -> tuple[Tier, ...]:
        tiers = []
        for row in range(self.tiers.rowCount()):
            cells = [self.tiers.item(row, c).text() if self.tiers.item(row, c) else "" for c in (0, 1)]
            if not any(c.strip() for c in cells):
                continue
            field = _("Tier {number}").format(number=row + 1)
            if not all(c.strip() for c in cells):
                problems.append(_("{field}: give both the spend and the amount off").format(field=field))
                continue
            threshold, amount = (parse_amount(c, field, problems) for c in cells)
            if threshold is not None and amount is not None:
                tiers.append(Tier(threshold, amount))
        return tuple(tiers)

    def _read_coupon(self, problems: list[str]) -> dict:
        value = parse_amount(self.coupon_value.text(), _("Amount or percent"), problems,
                             percent=self.coupon_mode.currentData() == "percent")
        mode = self.coupon_mode.currentData()
        return {"coupon_code": plain_text(self.coupon_code.text()),
                "amount": value if mode == "amount" else None, "percent": value if mode == "percent" else None,
                "threshold": parse_amount(self.min_spend.text(), _("Minimum spend"), problems),
                "max_uses": parse_count(self.max_uses.text(), _("Uses in total at most"), problems),
                "max_uses_per_member": parse_count(self.max_per_member.text(), _("Uses per member at most"),
                                                   problems)}

    def fill(self, p: Promotion) -> None:
        text = lambda v: "" if v is None else f"{v}"  # noqa: E731 (tiny formatter)
        self.price.setText(text(p.price))
        self.percent.setText(text(p.percent) if p.kind is Kind.PERCENT_OFF else "")
        self.buy.setValue(p.buy or 2)
        self.get.setValue(p.get or 1)
        self.get_percent.setText(text(p.percent) if p.kind is Kind.BUY_X_GET_Y else "")
        self.tiers.setRowCount(0)
        for tier in p.tiers:
            self.add_tier(text(tier.threshold), text(tier.amount))
        if not p.tiers:
            self.add_tier()
        self.repeating.setChecked(p.repeating)
        self.coupon_code.setText(p.coupon_code)
        self.coupon_mode.setCurrentIndex(1 if p.kind is Kind.COUPON and p.percent is not None else 0)
        self.coupon_value.setText(text(p.percent if p.percent is not None else p.amount) if p.kind is Kind.COUPON
                                  else "")
        self.min_spend.setText(text(p.threshold) if p.kind is Kind.COUPON else "")
        self.max_uses.setText(text(p.max_uses))
        self.max_per_member.setText(text(p.max_uses_per_member))
        self.gift_sku.setText(p.gift_sku)
        self.gift_qty.setValue(p.gift_qty or 1)
        self.gift_threshold.setText(text(p.threshold) if p.kind is Kind.GIFT else "")
