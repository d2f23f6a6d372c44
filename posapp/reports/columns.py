"""Text tables for a terminal: East Asian wide and full-width characters take two columns."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False, cut: bool = False) -> str:
    """text filled with spaces to width columns (on the left when right-aligned); with cut, a longer text is
    shortened with "…" to fit."""
    while cut and display_width(text) > width:
        text = text[:-2] + "…"
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def aligned(rows: list[list[str]], *, right_from: int = 1) -> list[str]:
    """Rows of cells as lines, each column as wide as its widest cell; columns from right_from right-aligned."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(pad(v, w, right=i >= right_from) for i, (v, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]
