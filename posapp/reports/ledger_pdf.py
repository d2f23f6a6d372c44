"""Ledger pages: A4 reports of rows of one height, drawn straight onto reportlab's canvas.

Sections of fixed-height rows; a long table pages by arithmetic in one pass, then draws in a second that
knows the page count for "page x / y" (platypus tables re-split a long table on every page and slow down
with its length). Every page repeats the header and the column heads; a group's rows continue under its
name. Texts too long for their column end in …; nothing runs into the next one. Chinese is set in the
STSong-Light CID font. Used by the stock count paper (stock_pdf) and the analysis reports (analysis_pdf).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from posapp.domain.money import round_money

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
MARGIN = 12 * MM
WIDTH = PAGE_W - 2 * MARGIN
PAD = 1.6  # points between a cell's edge and its text


@dataclass(frozen=True)
class Col:
    title: str
    share: float  # of the page's width
    align: str = "l"  # l, r, or box: an empty box to write the count in


class Ledger:
    """Sections of fixed-height rows on A4 pages; collect with section/group/row, then write."""

    def __init__(self, *, title: str, number: str, info: list[str], footer: str, page_text: str,
                 row_height: float, size: float):
        self.title, self.number, self.info, self.footer, self.page_text = title, number, info, footer, page_text
        self.row_h, self.size = row_height, size
        self.ops: list[tuple] = []

    def section(self, title: str, cols: list[Col], note: str = "") -> None:
        self.ops.append(("section", title, cols, note))

    def group(self, text: str) -> None:
        self.ops.append(("group", text))

    def row(self, cells: Sequence[str], *, strong: bool = False) -> None:
        self.ops.append(("row", cells, strong))

    def write(self, path: str | Path) -> int:
        """Draw every page to path; returns the number of pages."""
        from reportlab.pdfgen import canvas

        from posapp.reports.pdf import register_fonts

        register_fonts()
        pages = self._run(None, 0)
        pdf = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), pageCompression=1)
        pdf.setTitle(_printable(f"{self.title} {self.number}"))
        pdf.setAuthor("posapp")
        self._run(_Pen(pdf), pages)
        pdf.save()
        return pages

    # --- layout: the same walk counts the pages (pdf None) and draws them -----------------------
    def _run(self, pdf, total: int) -> int:
        head_h, sec_h, group_h = self.size * 1.9, self.size * 2.6, self.size * 2.0
        bottom = MARGIN + 9 * MM
        state = {"page": 0, "y": 0.0, "cols": None, "group": None}

        def new_page(repeat: bool) -> None:
            if state["page"] and pdf is not None:
                self._footer(pdf, state["page"], total)
                pdf.flush()
                pdf.showPage()
            state["page"] += 1
            state["y"] = self._header(pdf)
            if repeat and state["cols"] and any(c.title for c in state["cols"]):
                self._colhead(pdf, state["y"], state["cols"], head_h)
                state["y"] -= head_h
                if state["group"] is not None:
                    self._group(pdf, state["y"], state["group"] + " …", group_h)
                    state["y"] -= group_h

        new_page(False)
        for op in self.ops:
            kind = op[0]
            if kind == "section":
                _kind, title, cols, note = op
                if state["y"] - (sec_h + head_h + 3 * self.row_h) < bottom:
                    new_page(False)
                state["cols"], state["group"] = cols, None
                self._section(pdf, state["y"], title, note, sec_h)
                state["y"] -= sec_h
                if any(c.title for c in cols):
                    self._colhead(pdf, state["y"], cols, head_h)
                    state["y"] -= head_h
            elif kind == "group":
                state["group"] = None
                if state["y"] - (group_h + self.row_h) < bottom:
                    new_page(True)
                state["group"] = op[1]
                self._group(pdf, state["y"], op[1], group_h)
                state["y"] -= group_h
            else:
                if state["y"] - self.row_h < bottom:
                    new_page(True)
                self._row(pdf, state["y"], state["cols"], op[1], op[2])
                state["y"] -= self.row_h
        if pdf is not None:
            self._footer(pdf, state["page"], total)
            pdf.flush()
        return state["page"]

    # --- drawing -----------------------------------------------------------------------------
    def _header(self, pdf) -> float:
        y = PAGE_H - MARGIN
        lines = len(self.info)
        if pdf is not None:
            number_w = _width(self.number, "Helvetica-Bold", 13)
            _draw(pdf, MARGIN, y - 14, self.title, 15, WIDTH - number_w - 10 * MM)
            _draw(pdf, PAGE_W - MARGIN - number_w, y - 14, self.number, 13, number_w, font="Helvetica-Bold")
            for i, line in enumerate(self.info):
                _draw(pdf, MARGIN, y - 28 - i * 11, line, 8.5, WIDTH)
            pdf.setLineWidth(0.8)
            pdf.line(MARGIN, y - 33 - (lines - 1) * 11, PAGE_W - MARGIN, y - 33 - (lines - 1) * 11)
        return y - 38 - (lines - 1) * 11

    def _footer(self, pdf, page: int, total: int) -> None:
        _draw(pdf, MARGIN, MARGIN, self.footer, 9, WIDTH - 30 * MM)
        _draw(pdf, PAGE_W - MARGIN - 30 * MM, MARGIN, self.page_text.format(page=page, pages=total), 9, 30 * MM, "r")

    def _section(self, pdf, y: float, title: str, note: str, h: float) -> None:
        if pdf is None:
            return
        _draw(pdf, MARGIN, y - h + self.size * 0.7, title, self.size * 1.35, WIDTH * (0.5 if note else 1))
        if note:
            _draw(pdf, MARGIN + WIDTH * 0.5, y - h + self.size * 0.7, note, self.size * 0.9, WIDTH * 0.5, "r",
                  grey=True)

    def _colhead(self, pdf, y: float, cols: list[Col], h: float) -> None:
        if pdf is None:
            return
        pdf.setFillColorRGB(0.91, 0.91, 0.91)
        pdf.rect(MARGIN, y - h, WIDTH, h, stroke=0, fill=1)
        pdf.setFillColorRGB(0, 0, 0)
        self._cells(pdf, y - h + self.size * 0.6, cols, [c.title for c in cols], self.size * 0.95, head=True)
        pdf.setLineWidth(0.6)
        pdf.line(MARGIN, y - h, PAGE_W - MARGIN, y - h)

    def _group(self, pdf, y: float, text: str, h: float) -> None:
        if pdf is not None:
            pdf.setFillColorRGB(0.96, 0.96, 0.96)
            pdf.rect(MARGIN, y - h + 1, WIDTH, h - 2, stroke=0, fill=1)
            pdf.setFillColorRGB(0, 0, 0)
            _draw(pdf, MARGIN + PAD, y - h + self.size * 0.6, text, self.size * 1.1, WIDTH - 2 * PAD)

    def _row(self, pdf, y: float, cols: list[Col], cells: Sequence[str], strong: bool) -> None:
        if pdf is None:
            return
        if strong:
            pdf.setFillColorRGB(0.94, 0.94, 0.94)
            pdf.rect(MARGIN, y - self.row_h, WIDTH, self.row_h, stroke=0, fill=1)
            pdf.setFillColorRGB(0, 0, 0)
        self._cells(pdf, y - self.row_h / 2 - self.size * 0.33, cols, cells, self.size)
        pdf.setLineWidth(0.25)
        pdf.setStrokeColorRGB(0.7, 0.7, 0.7)
        pdf.line(MARGIN, y - self.row_h, PAGE_W - MARGIN, y - self.row_h)
        x = MARGIN
        for col in cols:
            if col.align == "box":
                pdf.setStrokeColorRGB(0, 0, 0)
                pdf.rect(x + 2 * PAD, y - self.row_h + 1.5, WIDTH * col.share - 4 * PAD, self.row_h - 3)
            x += WIDTH * col.share
        pdf.setStrokeColorRGB(0, 0, 0)

    def _cells(self, pdf, baseline: float, cols: list[Col], cells: Sequence[str], size: float,
               head: bool = False) -> None:
        x = MARGIN
        for col, cell in zip(cols, cells):
            w = WIDTH * col.share
            if cell and (head or col.align != "box"):
                _draw(pdf, x + (2 * PAD if col.align == "box" else PAD), baseline, cell, size, w - 2 * PAD, col.align)
            x += w


def _printable(text: str) -> str:
    if text.isascii():  # most cells: SKUs, codes, figures
        return text
    from posapp.reports.pdf import printable

    return printable(text)


def _font(text: str) -> str:
    return "Helvetica" if text.isascii() or all(ord(ch) <= 0xFF for ch in text) else "STSong-Light"


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


class _Pen:
    """The canvas, with a page's texts gathered in one PDF text object and drawn over its shapes at the
    end of the page (a drawString per cell makes a text object each: a third of the time of a long report)."""

    def __init__(self, canvas):
        self.canvas, self.tx, self.font, self.grey = canvas, None, None, False

    def __getattr__(self, name):  # rect, line, colours, showPage: the canvas's own
        return getattr(self.canvas, name)

    def text(self, x: float, y: float, text: str, font: str, size: float, grey: bool) -> None:
        if self.tx is None:
            self.tx, self.font, self.grey = self.canvas.beginText(), None, False
            self.tx.setFillColorRGB(0, 0, 0)
        if (font, size) != self.font:
            self.tx.setFont(font, size)
            self.font = (font, size)
        if grey != self.grey:
            self.tx.setFillColorRGB(*((0.4, 0.4, 0.4) if grey else (0, 0, 0)))
            self.grey = grey
        self.tx.setTextOrigin(x, y)
        self.tx.textOut(text)

    def flush(self) -> None:
        if self.tx is not None:
            self.canvas.drawText(self.tx)
            self.tx = None


def _draw(pen: _Pen, x: float, y: float, text: str, size: float, width: float, align: str = "l", *,
          grey: bool = False, font: str = "") -> None:
    """text in the font it needs, cut short with … to fit width; right-aligned in it with align "r"."""
    text = _printable(text)
    font = font or _font(text)
    if len(text) * size > width:  # no glyph is wider than 1 em: shorter texts need no measuring
        if _width(text, font, size) > width:
            while text and _width(text + "…", font, size) > width:
                text = text[:-max(1, len(text) // 8)] if _width(text, font, size) > 2 * width else text[:-1]
            text += "…"
    if align == "r":
        x += width - _width(text, font, size)
    pen.text(x, y, text, font, size, grey)


# --- what the pages say ---------------------------------------------------------------------
def qty(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value.normalize() + 0:,f}"
    return ("+" + text) if signed and value > 0 else text


def amount(value: Decimal | None, *, places: int = 2, signed: bool = False) -> str:
    if value is None:
        return ""
    text = f"{round_money(value, places):,.{places}f}"
    return ("+" + text) if signed and value > 0 else text
