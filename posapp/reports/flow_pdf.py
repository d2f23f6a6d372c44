"""What the promotion and member reports' PDFs share: the report, its words, and text set in the right
font (Helvetica for Latin text in an English report, the CID font for anything Chinese). reportlab is
imported only when a PDF is made, so importing a report module stays cheap."""

from __future__ import annotations

from posapp.reports.words import is_chinese


class FlowPdf:
    leading = 1.3  # line height, as a multiple of the font size

    def __init__(self, report, t, *, locale: str):
        self.r, self.t, self.chinese = report, t, is_chinese(locale)

    def font(self, text: str = "", bold: bool = False) -> str:
        from posapp.reports.pdf import CJK_FONT, LATIN, LATIN_BOLD

        if self.chinese or any(ord(ch) > 0xFF for ch in text):
            return CJK_FONT  # no bold face: headings are shaded instead
        return LATIN_BOLD if bold else LATIN

    def para(self, text: str, *, size: float = 8.5, bold: bool = False, **kw):
        from xml.sax.saxutils import escape

        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        from posapp.reports.pdf import CJK_FONT, printable

        text = printable(text)  # first: it turns a middle dot into one only the CID font has
        font = self.font(text, bold)
        style = ParagraphStyle("p", fontName=font, fontSize=size, leading=size * self.leading,
                               wordWrap="CJK" if font == CJK_FONT else None, **kw)
        return Paragraph(escape(text).replace("\n", "<br/>"), style)
