"""Small pieces shared by the screens."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def say(label: QLabel, message: str, *, error: bool = False) -> None:
    """Show a message under a field: blue for information, bold red for a refusal."""
    label.setText(message)
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)
