"""Reports as A4 PDFs with reportlab: a title, then one table per section, amounts right-aligned.

Sections go two side by side (a wide one takes the whole width), so a Z report fits one page.
Chinese text uses the STSong-Light CID font (Adobe-GB1), which PDF readers supply themselves, so
nothing is embedded and no font file has to ship. English labels use Helvetica; any cell with
characters Helvetica lacks (a Chinese product category, a cashier's name) gets STSong-Light too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from posapp.reports.shift_report import ReportText, Section
from posapp.reports.words import is_chinese

CJK_FONT = "STSong-Light"
LATIN, LATIN_BOLD = "Helvetica", "Helvetica-Bold"
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
GAP = 8 * mm
HALF = (WIDTH - GAP) / 2
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#ececec")
# STSong-Light through the UniGB-UCS2-H CMap has no glyph for these, and cannot reach characters
# beyond the BMP (emoji) at all: they would print as boxes or as two wrong characters.
_CJK_FOLD = {0x00B7: "\u30fb", 0x2022: "\u30fb"}

_registering = threading.Lock()


def register_fonts() -> None:
    """Register the CID font with reportlab once per process."""
    with _registering:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def printable(text: str) -> str:
    """text as the CID font can show it: middle dots folded, characters beyond the BMP as '?'."""
    return "".join("?" if ord(ch) > 0xFFFF else ch for ch in str(text).translate(_CJK_FOLD))


def _needs_cjk(text: str) -> bool:
    return any(ord(ch) > 0xFF for ch in text)


class _Fonts:
    def __init__(self, locale: str):
        self.chinese = is_chinese(locale)

    def regular(self, text: str = "") -> str:
        return CJK_FONT if self.chinese or _needs_cjk(text) else LATIN

    def bold(self, text: str = "") -> str:
        # STSong-Light has no bold face: strong rows are shaded instead.
        return CJK_FONT if self.chinese or _needs_cjk(text) else LATIN_BOLD

    def style(self, name: str, text: str, *, size: float, bold: bool = False, **kw) -> ParagraphStyle:
        font = self.bold(text) if bold else self.regular(text)
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35,
                              wordWrap="CJK" if font == CJK_FONT else None, **kw)


def write_report(text: ReportText, path: Path, *, locale: str, subtitle: str = "") -> Path:
    """Write the report's sections to path as an A4 portrait PDF."""
    register_fonts()
    fonts = _Fonts(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    story = [_para(text.title, fonts.style("title", text.title, size=17, bold=True, alignment=TA_CENTER,
                                           spaceAfter=3))]
    if subtitle.strip():
        story.append(_para(subtitle, fonts.style("sub", subtitle, size=10.5, alignment=TA_CENTER)))
    story += [Spacer(1, 3 * mm), _info_table(text, fonts)]
    for row in _rows_of_sections(text.sections):
        story.append(Spacer(1, 3 * mm))
        if len(row) == 1 and row[0].wide:
            story.append(KeepTogether(_section(row[0], fonts, WIDTH)))
            continue
        cells = [_section(s, fonts, HALF) for s in row] + [[]] * (2 - len(row))
        story.append(Table([cells], colWidths=[HALF + GAP, HALF], hAlign="LEFT", style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
             ("RIGHTPADDING", (0, 0), (0, 0), GAP), ("RIGHTPADDING", (1, 0), (1, 0), 0),
             ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])))
    story.append(Spacer(1, 3 * mm))
    for line in text.footer.splitlines():
        story.append(_para(line, fonts.style("foot", line, size=8.5, textColor=colors.grey)))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=printable(text.title), author="posapp")
    doc.build(story)
    return path


def _rows_of_sections(sections: tuple[Section, ...]) -> list[list[Section]]:
    """Consecutive narrow sections in pairs; a wide one alone."""
    rows: list[list[Section]] = []
    for section in sections:
        if section.wide or not rows or len(rows[-1]) == 2 or rows[-1][0].wide:
            rows.append([section])
        else:
            rows[-1].append(section)
    return rows


def _info_table(text: ReportText, fonts: _Fonts) -> Table:
    """The shift's identity in two label/value column pairs."""
    cells = [printable(c) for row in text.info for c in row.cells[:2]]
    cells += [""] * (-len(cells) % 4)
    data = [cells[i:i + 4] for i in range(0, len(cells), 4)]
    style = [("FONTSIZE", (0, 0), (-1, -1), 9.5), ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
             ("TEXTCOLOR", (2, 0), (2, -1), colors.grey), ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black)]
    return Table(data, colWidths=[WIDTH * w for w in (0.13, 0.37, 0.13, 0.37)], hAlign="LEFT",
                 style=TableStyle(style + _font_commands(data, fonts, set())))


def _section(section: Section, fonts: _Fonts, width: float) -> list:
    parts = [_para(section.title, fonts.style("h", section.title, size=11, bold=True, spaceAfter=1.5))]
    data = [[printable(c) for c in cells] for cells in ([section.head] if section.head else []) +
            [r.cells for r in section.rows]]
    first = 1 if section.head else 0
    values = max(len(row) for row in data) - 1
    label_width = width * (0.62 if values == 1 else 0.25)
    widths = [label_width] + [(width - label_width) / values] * values
    strong = {first + i for i, r in enumerate(section.rows) if r.strong}
    style = [("FONTSIZE", (0, 0), (-1, -1), 9.5), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
             ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("TOPPADDING", (0, 0), (-1, -1), 1.6),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8)]
    if section.head:
        style += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]
    for r in strong:
        style.append(("BACKGROUND", (0, r), (-1, r), SHADE))
    bold_rows = strong | ({0} if first else set())
    parts.append(Table(data, colWidths=widths, hAlign="LEFT",
                       style=TableStyle(style + _font_commands(data, fonts, bold_rows))))
    if section.note:
        parts.append(_para(section.note, fonts.style("note", section.note, size=8, textColor=colors.grey,
                                                     spaceBefore=1)))
    return parts


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text)), style)


def _font_commands(data: list[list[str]], fonts: _Fonts, bold_rows: set[int]) -> list[tuple]:
    """A font per cell: Chinese where the text needs it, bold for strong rows where there is a bold."""
    commands = []
    for r, row in enumerate(data):
        for c, cell in enumerate(row):
            font = fonts.bold(cell) if r in bold_rows else fonts.regular(cell)
            commands.append(("FONTNAME", (c, r), (c, r), font))
    return commands

