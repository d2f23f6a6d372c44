"""The member report as an A4 PDF: title, the class thresholds in words, the summary table and two
charts, then the top members of each class (the CSV has everyone)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from posapp.reports.flow_pdf import FlowPdf
from posapp.reports.member_report import (CLASS_COLOURS, CLASS_NAMES, CLASSES, listing_head, listing_row,
                                          summary_table)
from posapp.reports.shift_report import money
from posapp.reports.words import _


class MemberPdf(FlowPdf):
    leading = 1.35

    def write(self, path: Path, store_name: str) -> None:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate, Spacer

        from posapp.reports.pdf import MARGIN, WIDTH, printable, register_fonts

        register_fonts()
        r, t = self.r, self.t
        title = t(_("Member analysis"))
        sub = t(_("{store}, as of {at} ({timezone}), {currency}")).format(
            store=" ".join(x for x in (r.store, store_name.strip()) if x), at=r.local(r.at), timezone=r.timezone,
            currency=r.currency)
        grey = dict(size=7.5, textColor=colors.grey)
        story = [self.para(title, size=16, bold=True, alignment=TA_CENTER, spaceAfter=4),
                 self.para(sub, size=10, alignment=TA_CENTER), Spacer(1, 4 * mm),
                 *[self.para(line, size=8.5) for line in r.thresholds(t)], self.para(r._window(t), **grey),
                 Spacer(1, 3 * mm), self.summary(WIDTH), Spacer(1, 5 * mm), self.charts(WIDTH)]
        for k in CLASSES:
            story += self.listing(k, WIDTH)
        printed = t(_("Printed {time}")).format(time=r.local(r.printed_at))
        story += [Spacer(1, 4 * mm), self.para(printed, **grey)]
        SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN, title=printable(title), author="posapp").build(story)

    def _table(self, data: list[list], widths: list[float], style: list, **kw):
        from reportlab.platypus import Table, TableStyle

        base = self.font()
        style = [("FONTNAME", (0, 0), (-1, -1), base), *style]
        if not self.chinese:  # a Chinese name in an English report needs the CID font for its cell
            style += [("FONTNAME", (c, i), (c, i), self.font(cell)) for i, row in enumerate(data)
                      for c, cell in enumerate(row) if isinstance(cell, str) and self.font(cell) != base]
        return Table(data, colWidths=widths, hAlign="LEFT", style=TableStyle(style), **kw)

    def summary(self, width: float):
        from reportlab.lib import colors

        from posapp.reports.pdf import RULE, SHADE

        head, rows = summary_table(self.r, self.t)
        h = lambda text: self.para(text, size=8, bold=True, alignment=2)  # noqa: E731 (right)
        data = [[self.para(head[0], size=8, bold=True), *map(h, head[1:])], *rows]
        fractions = (0.22, 0.1, 0.12, 0.16, 0.12, 0.12, 0.16)
        return self._table(data, [width * f for f in fractions], [
            ("FONTSIZE", (0, 0), (-1, -1), 9), ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("BACKGROUND", (0, -1), (-1, -1), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])

    def charts(self, width: float):
        """Spend by class and members by class, side by side."""
        from reportlab.platypus import Table

        r, t = self.r, self.t
        half = width / 2
        spend = self.bars([c.spend for c in r.classes], half - 12, lambda v: money(v, r.places))
        count = self.bars([Decimal(c.members) for c in r.classes], half - 12, lambda v: f"{v:,}")
        heads = [self.para(t(_("Spend by class ({currency})")).format(currency=r.currency), size=10, bold=True),
                 self.para(t(_("Members by class")), size=10, bold=True)]
        return Table([heads, [spend, count]], colWidths=[half, half], hAlign="LEFT",
                     style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def bars(self, values: list[Decimal], width: float, label):
        from reportlab.graphics.charts.barcharts import VerticalBarChart
        from reportlab.graphics.shapes import Drawing
        from reportlab.lib import colors

        drawing = Drawing(width, 150)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 48, 18, width - 56, 112
        chart.data = [[float(v) for v in values]]  # drawing coordinates only: the figures stay Decimal
        chart.bars.strokeColor = None
        for i, k in enumerate(CLASSES):
            chart.bars[(0, i)].fillColor = colors.HexColor(CLASS_COLOURS[k])
        chart.valueAxis.valueMin = 0
        if not any(values):
            chart.valueAxis.valueMax = 1  # an empty store: an empty axis rather than reportlab's error
        chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = "Helvetica", 7
        chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
        chart.categoryAxis.categoryNames = list(CLASSES)
        chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = "Helvetica-Bold", 9
        chart.categoryAxis.labels.dy = -2
        chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.nudge = "Helvetica", 7, 6
        by_value = dict(zip((float(v) for v in values), values))
        chart.barLabelFormat = lambda v: label(by_value.get(v, Decimal(str(v))))
        drawing.add(chart)
        return drawing

    def listing(self, klass: str, width: float) -> list:
        """A heading for the class, then its top members (the header row repeats on each page)."""
        from reportlab.lib import colors
        from reportlab.lib.units import mm
        from reportlab.platypus import CondPageBreak, Spacer

        from posapp.reports.pdf import RULE, SHADE, printable

        r, t = self.r, self.t
        c = r.summary(klass)
        heading = t(_("{name}: {count} members, {spend} spent")).format(
            name=t(CLASS_NAMES[klass]), count=f"{c.members:,}", spend=money(c.spend, r.places))
        out = [CondPageBreak(30 * mm), Spacer(1, 5 * mm), self.para(heading, size=11, bold=True, spaceAfter=2)]
        if r._showing(t, klass):
            out.append(self.para(r._showing(t, klass), size=8, textColor=colors.grey, spaceAfter=2))
        listed = r.listed(klass)
        if not listed:
            note = t(_("No member is in this class.")) if not c.members else ""
            return out + ([self.para(note, size=8.5)] if note else [])
        fractions = (0.12, 0.165, 0.12, 0.085, 0.13, 0.105, 0.155, 0.12)
        widths = [width * f for f in fractions]
        h = lambda text, right: self.para(text, size=7.5, bold=True, alignment=2 if right else 0)  # noqa: E731
        head = [h(text, i >= 4 and i != 6) for i, text in enumerate(listing_head(t))]
        rows = [[self.fit(printable(cell), w - 6, 8) for cell, w in zip(listing_row(r, t, m), widths)] for m in listed]
        return out + [self._table([head, *rows], widths, [
            ("FONTSIZE", (0, 0), (-1, -1), 8), ("ALIGN", (4, 1), (5, -1), "RIGHT"),
            ("ALIGN", (7, 1), (7, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE), ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2)], repeatRows=1)]

    def fit(self, text: str, width: float, size: float) -> str:
        """text cut short with … so that it fits width points in its font."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        font = self.font(text)
        if stringWidth(text, font, size) <= width:
            return text
        while text and stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        return text + "…"
