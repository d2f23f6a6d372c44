"""The returns dialog's table of the sale's lines: its columns, the quantity and reason editors, and the
keyboard moving between the two cells a cashier fills in (Tab/arrows; 1-5 pick the reason)."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QStyledItemDelegate,
    QTableWidget,
    QWidget,
)

from posapp.domain.returns import REASONS
from posapp.i18n import N_, _

NAME, SOLD, RETURNED, LEFT, PAID, QTY, REASON = range(7)
COLUMNS = (N_("Item"), N_("Sold"), N_("Already returned"), N_("Left"), N_("Paid"), N_("To return"), N_("Reason"))
KEYS = list(REASONS)  # 1-5 in the reason column
EDITABLE = Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsEditable


class QuantityDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):  # noqa: N802 (Qt API)
        editor = QLineEdit(parent)
        editor.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}([.]\d{0,3})?"), editor))
        return editor


class ReasonDelegate(QStyledItemDelegate):
    """The list of reasons, opened with F2 or a double click."""

    def createEditor(self, parent, option, index):  # noqa: N802 (Qt API)
        editor = QComboBox(parent)
        editor.addItem("", "")
        for i, key in enumerate(KEYS, start=1):
            editor.addItem(f"{i} {_(REASONS[key])}", key)
        editor.activated.connect(lambda _i: (self.commitData.emit(editor), self.closeEditor.emit(editor)))
        QTimer.singleShot(0, editor.showPopup)
        return editor

    def setEditorData(self, editor, index):  # noqa: N802 (Qt API)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.UserRole) or "")))

    def setModelData(self, editor, model, index):  # noqa: N802 (Qt API)
        model.setData(index, editor.currentData(), Qt.UserRole)


class LinesTable(QTableWidget):
    """The keyboard moves between the two cells a cashier fills in: the quantity and the reason."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        row, column, key, text = self.currentRow(), self.currentColumn(), event.key(), event.text()
        rows = [r for r in range(self.rowCount()) if self.item(r, QTY).flags() & Qt.ItemIsEditable]
        if self.state() == QAbstractItemView.EditingState or row < 0:
            super().keyPressEvent(event)
        elif row in rows and (key in (Qt.Key_Tab, Qt.Key_Right) and column == QTY or
                              key in (Qt.Key_Backtab, Qt.Key_Left) and column == REASON):
            self.setCurrentCell(row, REASON if column == QTY else QTY)
        elif key in (Qt.Key_Tab, Qt.Key_Backtab):  # the next line with something left, or out of the table
            on = [r for r in rows if r > row] if key == Qt.Key_Tab else [r for r in rows if r < row][::-1]
            if on:
                self.setCurrentCell(on[0], QTY if key == Qt.Key_Tab else REASON)
            else:
                QWidget.focusNextPrevChild(self, key == Qt.Key_Tab)
        elif row not in rows:
            super().keyPressEvent(event)
        elif column == REASON and text.isdigit() and int(text) <= len(KEYS):
            self.item(row, REASON).setData(Qt.UserRole, KEYS[int(text) - 1] if int(text) else "")
        elif column == REASON and text.strip():  # a stray letter does not open the list (F2, Space do)
            QApplication.beep()
        elif column == QTY and key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.item(row, QTY).setText("0")
        else:
            super().keyPressEvent(event)
