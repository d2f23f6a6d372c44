"""The Qt binding itself, where a bad release would crash a till that has been open for an hour."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.timeout(60)


def test_qt_calls_that_return_nothing_keep_none_alive(qtbot):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every such call; None's count then
    reaches zero after a few thousand label updates and the interpreter aborts."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(str(i))
    assert sys.getrefcount(None) >= before - 50
