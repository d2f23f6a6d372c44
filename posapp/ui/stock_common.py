"""Pieces the stock screens share: who acts (the user, or the manager who gave a PIN for the visit),
quantities as people read them, messages in three tones, a busy bar, file choosers, and finding a
product by what was scanned or typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.stock import LOCATION_NAMES, LOCATIONS
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import N_, _
from posapp.services import catalog
from posapp.ui.widgets import TOUCH

COUNT_STATUS = {"open": N_("counting"), "approving": N_("being approved"), "approved": N_("approved"),
                "cancelled": N_("cancelled")}
# The tones of a message: a counter reads it from arm's length.
STYLE = """
QLabel#stock_message { font-size: 15px; min-height: 24px; }
QLabel#stock_message[tone="ok"] { color: #1b7a2f; }
QLabel#stock_message[tone="warn"] { color: #b35c00; font-weight: bold; }
QLabel#stock_message[tone="error"] { color: #b00020; font-weight: bold; }
QLabel#stock_message[tone="info"] { color: #1a4d8f; }
"""


@dataclass
class Access:
    """The logged-in user and the approvals a manager's PIN gave for this visit. What changes stock is
    done by the user with the approval (the audit names both); what only reads (lists, reviews, papers)
    is read as the approving manager."""

    user: User
    approvals: dict[Permission, Approval] = field(default_factory=dict)

    def actor(self, permission: Permission) -> User:
        if self.user.can(permission) or permission not in self.approvals:
            return self.user
        return self.approvals[permission].approver

    def approval(self, permission: Permission) -> Approval | None:
        return None if self.user.can(permission) else self.approvals.get(permission)

    def may(self, permission: Permission) -> bool:
        return self.user.can(permission) or permission in self.approvals


class NeedsApproval(str):
    """A service's PermissionDenied returned as a result, so the screen can ask for a PIN and retry."""


def or_needs_approval(fn):
    """fn(), or NeedsApproval(the refusal) if it was refused for want of a permission."""
    try:
        return fn()
    except PermissionDenied as exc:
        return NeedsApproval(str(exc))


def qty_text(qty: Decimal | None) -> str:
    if qty is None:
        return ""
    return f"{qty.normalize():f}" if qty else "0"


def signed(qty: Decimal | None) -> str:
    if qty is None:
        return ""
    return ("+" if qty > 0 else "") + qty_text(qty)


def status_text(status: str) -> str:
    return _(COUNT_STATUS.get(status, status))


def location_name(location: str) -> str:
    return _(LOCATION_NAMES.get(location, location))


def location_combo(name: str, locations=LOCATIONS, current: str = "sellable") -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setMinimumHeight(TOUCH)
    for loc in locations:
        box.addItem(location_name(loc), loc)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


def tell(label: QLabel, text: str, tone: str = "info") -> None:
    """Show text in a tone: ok (green), warn (amber), error (red, with a beep), info (blue)."""
    if tone == "error":
        QApplication.beep()
    label.setText(text)
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


def fit(table, stretch: int) -> None:
    """Columns as wide as their contents, and one that takes the rest of the width."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.Stretch if column == stretch else QHeaderView.Interactive)


def message_label(name: str = "stock_message") -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def button(name: str, text: str, slot, *, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setMinimumHeight(TOUCH + 4)
    b.setAutoDefault(False)
    if tip:
        b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


class BusyBar(QWidget):
    """What is running (a snapshot, a review, a PDF): a moving bar and its words; the window stays usable."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.running = 0
        self.bar = QProgressBar()
        self.bar.setObjectName("busy")
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.text = QLabel("")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.text, 1)
        self.setVisible(False)

    def start(self, text: str) -> None:
        self.running += 1
        self.text.setText(text)
        self.setVisible(True)

    def stop(self) -> None:
        self.running = max(0, self.running - 1)
        if not self.running:
            self.setVisible(False)

    def wrap(self, callback):
        """callback, after the bar stops for its work."""
        def done(value):
            self.stop()
            callback(value)
        return done


def save_path(parent, *, title: str, name: str, kind: str) -> Path | None:
    """Where to write a file (kind: pdf or csv), starting in the Documents folder; None if cancelled."""
    folder = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation) or str(Path.home())
    pattern = _("PDF files (*.pdf)") if kind == "pdf" else _("CSV files (*.csv)")
    path, _chosen = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), pattern)
    if not path:
        return None
    path = Path(path)
    return path if path.suffix.lower() == f".{kind}" else path.with_name(path.name + f".{kind}")


def offer_open(parent, path: Path, text: str) -> None:
    """Tell where a file went and offer to open it with the desktop's viewer."""
    box = QMessageBox(QMessageBox.Information, _("File written"), f"{text}\n{path}", parent=parent)
    open_ = box.addButton(_("Open it"), QMessageBox.AcceptRole)
    box.addButton(_("Close"), QMessageBox.RejectRole)
    box.setDefaultButton(open_)
    box.exec()
    if box.clickedButton() is open_:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    box.deleteLater()


def looks_like_barcode(text: str) -> bool:
    return text.isdecimal() and len(text) in (8, 12, 13)


def find_product(store, text: str):
    """(product, embedded weight or None) for a scanned barcode, a SKU, or a name that finds one product.
    Runs on the worker thread."""
    text = (text or "").strip()
    if looks_like_barcode(text):
        found = catalog.lookup_scan(store.uow(), store.station, text)
        embedded = found.code.embedded
        return found.product, (embedded.value if embedded and embedded.kind == "weight" else None)
    try:
        return catalog.find_sku(store.uow(), text), None
    except NotFound:
        matches = catalog.search_products(store.uow(), text, limit=2)
        if len(matches) == 1:
            return matches[0], None
        if matches:
            raise NotFound(_("{text} finds several products: scan it or type its SKU").format(text=text)) from None
        raise NotFound(_("No product found for {text}").format(text=text)) from None


def category_paths(store) -> list[str]:
    """Every category path of the catalog, sorted (runs on the worker thread)."""
    from posapp.services.catalog import category_paths as paths

    return paths(store.uow())


def scope_text(count) -> str:
    """What a count covers, in a few words: its categories (or the whole store) and its locations."""
    what = "; ".join(count.scope.categories) if count.scope.categories else _("whole store")
    return f"{what} · {', '.join(location_name(x) for x in count.scope.locations)}"


def field(name: str, placeholder: str = "", width: int = 0) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMinimumHeight(TOUCH)
    edit.setPlaceholderText(placeholder)
    if width:
        edit.setMaximumWidth(width)
    return edit


def decimal_or_none(text: str, what: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("{what} {text!r} is not a number").format(what=what, text=text)) from None
    if not value.is_finite():
        raise ValidationError(_("{what} {text!r} is not a number").format(what=what, text=text))
    return value


class CategoryTree(QTreeWidget):
    """Category paths to tick; ticking a category ticks its subcategories, and stands for them."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setHeaderHidden(True)

    def fill(self, paths: list[str]) -> None:
        self.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for path in sorted(paths):
            parent_path, _sep, name = path.rpartition("/")
            item = QTreeWidgetItem([name])
            item.setData(0, Qt.UserRole, path)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsAutoTristate)
            item.setCheckState(0, Qt.Unchecked)
            parent = items.get(parent_path)
            if parent is None:
                self.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[path] = item

    def _top(self) -> list[QTreeWidgetItem]:
        return [self.topLevelItem(i) for i in range(self.topLevelItemCount())]

    def check(self, path: str) -> None:
        stack = self._top()
        while stack:
            item = stack.pop()
            if item.data(0, Qt.UserRole) == path:
                item.setCheckState(0, Qt.Checked)
                return
            stack.extend(item.child(i) for i in range(item.childCount()))

    def chosen(self) -> list[str]:
        """The paths ticked; a wholly ticked category is given without its subcategories."""
        found, stack = [], self._top()
        while stack:
            item = stack.pop(0)
            if item.checkState(0) == Qt.Checked:
                found.append(item.data(0, Qt.UserRole))
            elif item.checkState(0) == Qt.PartiallyChecked:
                stack.extend(item.child(i) for i in range(item.childCount()))
        return found
