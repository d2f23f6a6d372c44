"""The bundle tests' figures (size, build and start times), printed at the end of the run."""

from __future__ import annotations

import pytest

_FIGURES: dict[str, str] = {}


@pytest.fixture(scope="session")
def figures() -> dict[str, str]:
    """Name -> value; what the tests put here is printed in the run's summary."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("posapp bundle")
        for name, value in _FIGURES.items():
            terminalreporter.write_line(f"{name:<30} {value}")
