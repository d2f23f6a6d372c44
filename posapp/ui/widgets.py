"""Small pieces shared by the screens."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QWidget
from shiboken6 import isValid

TOUCH = 40  # px: fields and buttons a finger can hit


def say(label: QLabel, message: str, *, error: bool = False) -> None:
    """Show a message under a field: blue for information, bold red for a refusal."""
    label.setText(message)
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)


def while_open(widget: QWidget, callback):
    """callback, or nothing once the widget is gone (a closed window drops its late answers)."""
    return lambda value: callback(value) if isValid(widget) else None


def record_table(name: str, headers: list[str]) -> QTableWidget:
    """A read-only list of records: whole rows selected one at a time, the last column stretched."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.Stretch)
    return table
