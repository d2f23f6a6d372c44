"""Promotion effectiveness over a range of store-local days: for each promotion, what it gave, and how
the products it covers sold during its window against the same length of time just before it.

As JSON for machines, a text table, and an A4 PDF (one table and a bar chart) in the store's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.promotions import Promotion
from posapp.reports.columns import display_width, pad
from posapp.reports.flow_pdf import FlowPdf
from posapp.reports.shift_report import money
from posapp.reports.words import _, words

ZERO = Decimal(0)
NA = "n/a"
CHART_MOST = 15  # bars of more promotions than this are unreadable on a page
KIND_NAMES = {"special_price": _("Special price"), "percent_off": _("Percent off"),
              "buy_x_get_y": _("Buy X get Y"), "threshold": _("Spend threshold"), "coupon": _("Coupon"),
              "gift": _("Gift with purchase")}


@dataclass(frozen=True)
class Sold:
    units: Decimal
    net: Decimal  # what customers paid for them, after every discount and promotion


@dataclass(frozen=True)
class PromotionEffect:
    code: str
    name: str
    kind: str  # a posapp.domain.promotions.Kind value
    starts_at: datetime | None  # the promotion's own dates, naive UTC (None: open-ended)
    ends_at: datetime | None
    window_start: datetime  # what is analysed: its dates clipped to the range, naive UTC
    window_end: datetime  # exclusive
    uses: int  # sales in which it gave something
    coupon_uses: int | None  # coupons: the coupons redeemed; None for other kinds
    discount: Decimal  # what it took off; a gift promotion: the value of the gifts given
    before: Sold  # its products in the same length of time just before the window
    during: Sold
    all_products: bool  # no product list: every product sold counts

    @property
    def before_start(self) -> datetime:
        return self.window_start - (self.window_end - self.window_start)


@dataclass(frozen=True)
class PromotionReport:
    store: str
    start: date  # first and last store-local day, inclusive
    end: date
    timezone: str
    currency: str
    places: int
    code: str | None  # only this promotion; None: every promotion running in the range
    promotions: tuple[PromotionEffect, ...]
    printed_at: datetime  # naive UTC

    @property
    def discount(self) -> Decimal:
        return sum((e.discount for e in self.promotions), ZERO)

    def to_json(self) -> dict:
        """Money as strings with the currency's decimals; times store-local with their offset."""
        return {"report": "promotions", "store": self.store, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "timezone": self.timezone, "currency": self.currency,
                "code": self.code, "promotions": [self._effect_json(e) for e in self.promotions],
                "discount": self._m(self.discount)}

    def _m(self, amount: Decimal) -> str:
        return f"{amount:.{self.places}f}"

    def _when(self, moment: datetime | None) -> str | None:
        return None if moment is None else to_local(moment, self.timezone).isoformat(timespec="minutes")

    def _effect_json(self, e: PromotionEffect) -> dict:
        def pct(before: Decimal, during: Decimal) -> str:
            change = change_percent(before, during)
            return NA if change is None else f"{change:f}"

        return {"code": e.code, "name": e.name, "kind": e.kind,
                "covers": "all products" if e.all_products else "listed products",
                "starts": self._when(e.starts_at), "ends": self._when(e.ends_at),
                "window": {"from": self._when(e.window_start), "to": self._when(e.window_end)},
                "before_window": {"from": self._when(e.before_start), "to": self._when(e.window_start)},
                "uses": e.uses, "coupon_uses": e.coupon_uses, "discount": self._m(e.discount),
                "units": {"before": quantity(e.before.units), "during": quantity(e.during.units),
                          "change_pct": pct(e.before.units, e.during.units)},
                "net_sales": {"before": self._m(e.before.net), "during": self._m(e.during.net),
                              "change_pct": pct(e.before.net, e.during.net)}}

    CSV_HEADER = ("code", "name", "kind", "covers", "starts", "ends", "window_from", "window_to", "before_from",
                  "before_to", "uses", "coupon_uses", "discount", "units_before", "units_during", "units_change_pct",
                  "net_before", "net_during", "net_change_pct")

    def csv_rows(self) -> list[list[str]]:
        """A header of machine names (as the JSON's) and one row per promotion; a change with nothing
        before to compare with, and a figure a kind has not (coupons used), are empty cells."""
        rows: list[list[str]] = [list(self.CSV_HEADER)]
        for e in self.promotions:
            j = self._effect_json(e)
            rows.append([j["code"], j["name"], j["kind"], j["covers"], j["starts"] or "", j["ends"] or "",
                         j["window"]["from"], j["window"]["to"], j["before_window"]["from"],
                         j["before_window"]["to"], str(e.uses), "" if e.coupon_uses is None else str(e.coupon_uses),
                         j["discount"], j["units"]["before"], j["units"]["during"],
                         "" if j["units"]["change_pct"] == NA else j["units"]["change_pct"],
                         j["net_sales"]["before"], j["net_sales"]["during"],
                         "" if j["net_sales"]["change_pct"] == NA else j["net_sales"]["change_pct"]])
        return rows

    def text_lines(self, *, locale: str) -> list[str]:
        """The table for a terminal: one row per promotion, its window and the before period beneath."""
        t = words(locale)
        lines = [self._title(t), ""]
        if not self.promotions:
            return lines + [self._nothing(t)]
        head, rows = _table(self, t)
        widths = [max(display_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
        widths[1] = min(widths[1], 24)
        fmt = lambda cells: "  ".join(pad(c, w, right=i >= 3, cut=True)  # noqa: E731
                                      for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        span = lambda a, b: sum(widths[a:b]) + 2 * (b - a - 1)  # noqa: E731
        groups = " " * (span(0, 6) + 2) + _centre(t(_("Units")), span(6, 9)) + "  " + \
            _centre(t(_("Net sales")), span(9, 12))
        lines += [groups.rstrip(), fmt(head), "-" * span(0, len(widths))]
        for e, cells in zip(self.promotions, rows):
            lines += [fmt(cells), f"    {t(_('Window'))} {self._span(e.window_start, e.window_end)}   "
                                  f"{t(_('Before'))} {self._span(e.before_start, e.window_start)}"]
        total = [t(_("Sum")), "", "", "", "", money(self.discount, self.places)]
        return lines + [fmt(total + [""] * (len(head) - len(total))), "", *self._notes(t)]

    def _title(self, t) -> str:
        return t(_("Promotion effectiveness {store} {start} to {end} ({currency})")).format(
            store=self.store, start=self.start, end=self.end, currency=self.currency)

    def _nothing(self, t) -> str:
        if self.code:
            return t(_("Promotion {code} was not running from {start} to {end}")).format(
                code=self.code, start=self.start, end=self.end)
        return t(_("No promotion was running from {start} to {end}")).format(start=self.start, end=self.end)

    def _span(self, start: datetime, end: datetime) -> str:
        local = lambda m: f"{to_local(m, self.timezone):%Y-%m-%d %H:%M}"  # noqa: E731
        return f"{local(start)} - {local(end)}"

    def _notes(self, t) -> list[str]:
        return [t(_("Window: the promotion's own dates within the range (end not included). Before: the same "
                    "length of time just before the window.")),
                t(_("Units and net sales are of the products the promotion covers (all products when it "
                    "lists none), after every discount; gifts given are not counted.")),
                t(_("Change: during against before; n/a when there was nothing before."))]

    def render_pdf(self, path: str | Path, *, locale: str, store_name: str = "") -> Path:
        """The report as an A4 landscape PDF: title, the table, a bar chart of net sales."""
        return _Pdf(self, words(locale), locale=locale).write(Path(path), store_name)


# --- figures -------------------------------------------------------------------------------------

def analysis_window(p: Promotion, *, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The promotion's own dates clipped to [start, end) (naive UTC); None when it did not run in it."""
    lo = max(start, p.starts_at) if p.starts_at else start
    hi = min(end, p.ends_at) if p.ends_at else end
    return (lo, hi) if lo < hi else None


def sold_of(p: Promotion, products: Iterable) -> Sold:
    """Units and net sales of the products p covers, from rows with .sku, .category, .units, .net."""
    units, net = ZERO, ZERO
    for x in products:
        if p.covers(x.sku, x.category):
            units += x.units
            net += x.net
    return Sold(units=units, net=net)


def change_percent(before: Decimal, during: Decimal) -> Decimal | None:
    """During against before in percent, one decimal; None when before is 0 (no base to compare)."""
    if not before:
        return None
    return ((during - before) * 100 / before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def quantity(qty: Decimal) -> str:
    """Units without trailing zeros: 7, 1.25, 0.375."""
    return format(qty.quantize(Decimal("0.001")).normalize(), "f")


def _change_text(t, before: Decimal, during: Decimal) -> str:
    change = change_percent(before, during)
    return t(_("n/a")) if change is None else f"{change:+f}%"


def _table(report: PromotionReport, t) -> tuple[list[str], list[list[str]]]:
    """Column titles and one row of cells per promotion, as the text table and the PDF show them."""
    m = lambda amount: money(amount, report.places)  # noqa: E731
    compared = [t(_("Before")), t(_("During")), t(_("Change"))]  # of units, then of net sales
    head = [t(_("Code")), t(_("Promotion")), t(_("Kind")), t(_("Uses")), t(_("Coupons used")),
            t(_("Discount given")), *compared, *compared]
    rows = [[e.code, e.name, t(KIND_NAMES.get(e.kind, e.kind)), str(e.uses),
             "-" if e.coupon_uses is None else str(e.coupon_uses), m(e.discount),
             quantity(e.before.units), quantity(e.during.units), _change_text(t, e.before.units, e.during.units),
             m(e.before.net), m(e.during.net), _change_text(t, e.before.net, e.during.net)]
            for e in report.promotions]
    return head, rows


def _centre(text: str, width: int) -> str:
    room = max(0, width - display_width(text))
    return " " * (room // 2) + text + " " * (room - room // 2)


# --- the PDF -------------------------------------------------------------------------------------

class _Pdf(FlowPdf):
    def write(self, path: Path, store_name: str) -> Path:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate, Spacer

        from posapp.reports.pdf import MARGIN, printable, register_fonts

        register_fonts()
        r, t = self.r, self.t
        path.parent.mkdir(parents=True, exist_ok=True)
        width = landscape(A4)[0] - 2 * MARGIN
        title = t(_("Promotion effectiveness"))
        sub = t(_("{store}, {start} to {end}, {currency}")).format(
            store=" ".join(x for x in (r.store, store_name.strip()) if x), start=r.start, end=r.end,
            currency=r.currency)
        story = [self.para(title, size=16, bold=True, alignment=TA_CENTER, spaceAfter=4),
                 self.para(sub, size=10, alignment=TA_CENTER), Spacer(1, 4 * mm)]
        if r.promotions:
            story += [self.table(width), Spacer(1, 2 * mm)]
            story += [self.para(line, size=7.5, textColor=colors.grey) for line in r._notes(t)]
            story += [Spacer(1, 5 * mm), *self.chart(width)]
        else:
            story.append(self.para(r._nothing(t), size=11, alignment=TA_CENTER, spaceBefore=10 * mm))
        printed = t(_("Printed {time}")).format(time=f"{to_local(r.printed_at, r.timezone):%Y-%m-%d %H:%M}")
        story += [Spacer(1, 4 * mm), self.para(printed, size=7.5, textColor=colors.grey)]
        SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN, bottomMargin=MARGIN, title=printable(title),
                          author="posapp").build(story)
        return path

    def table(self, width: float):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER
        from reportlab.platypus import Table, TableStyle

        from posapp.reports.pdf import RULE, SHADE, printable

        r, t = self.r, self.t
        head, rows = _table(r, t)
        h = lambda text: self.para(text, size=8, bold=True, alignment=TA_CENTER)  # noqa: E731
        group = [h(t(_("Units"))), "", "", h(t(_("Net sales"))), "", ""]
        data = [[h(head[1]), h(head[2]), h(t(_("Window"))), *map(h, head[3:6]), *group],
                ["", "", "", "", "", "", *map(h, head[6:])]]
        for e, cells in zip(r.promotions, rows):
            label = e.code + (f" ({t(_('all products'))})" if e.all_products else "")
            name = [self.para(e.name, size=8.5), self.para(label, size=7, textColor=colors.grey)]
            window = self.para(r._span(e.window_start, e.window_end).replace(" - ", "\n- "), size=7.5)
            data.append([name, self.para(cells[2], size=8), window, *map(printable, cells[3:])])
        data.append([self.para(t(_("Sum")), size=8.5, bold=True), "", "", "", "",
                     money(r.discount, r.places), *[""] * 6])
        fractions = (0.17, 0.08, 0.11, 0.055, 0.06, 0.075, 0.055, 0.055, 0.055, 0.08, 0.08, 0.075)
        widths = [width * f / sum(fractions) for f in fractions]
        last = len(data) - 1
        style = [("SPAN", (c, 0), (c, 1)) for c in range(6)] + [
            ("SPAN", (6, 0), (8, 0)), ("SPAN", (9, 0), (11, 0)),
            ("VALIGN", (0, 0), (-1, 1), "MIDDLE"), ("VALIGN", (0, 2), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 1), SHADE), ("BACKGROUND", (0, last), (-1, last), SHADE),
            ("LINEBELOW", (0, 1), (-1, 1), 0.8, colors.black), ("LINEBELOW", (0, 2), (-1, -1), 0.25, RULE),
            ("LINEBEFORE", (6, 0), (6, -1), 0.5, RULE), ("LINEBEFORE", (9, 0), (9, -1), 0.5, RULE),
            ("ALIGN", (3, 2), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
        style += [("FONTNAME", (c, i), (c, i), self.font(str(cell)))
                  for i, row in enumerate(data) for c, cell in enumerate(row) if isinstance(cell, str)]
        return Table(data, colWidths=widths, repeatRows=2, hAlign="LEFT", style=TableStyle(style))

    def chart(self, width: float) -> list:
        """Net sales before and during, one pair of bars per promotion (the biggest when there are many)."""
        from reportlab.graphics.charts.barcharts import VerticalBarChart
        from reportlab.graphics.charts.legends import Legend
        from reportlab.graphics.shapes import Drawing
        from reportlab.lib import colors
        from reportlab.platypus import KeepTogether

        r, t = self.r, self.t
        shown = sorted(r.promotions, key=lambda e: -e.during.net)[:CHART_MOST]
        shown = [e for e in r.promotions if e in shown]
        before_colour, during_colour = colors.HexColor("#b5b5b5"), colors.HexColor("#2f5d8a")
        tilted = len(shown) > 6  # long codes side by side would run into each other
        room = 12 + (0.5 * 7 * max(len(e.code) for e in shown) if tilted else 0)  # sin 30° of the label
        drawing = Drawing(width, 155 + room)
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 50, room, width - 170, 140
        # Drawing coordinates only: the figures themselves stay Decimal everywhere else.
        bars.data = [[float(e.before.net) for e in shown], [float(e.during.net) for e in shown]]
        bars.bars[0].fillColor, bars.bars[1].fillColor = before_colour, during_colour
        bars.bars.strokeColor = None
        bars.groupSpacing, bars.barSpacing = 8, 1
        bars.valueAxis.valueMin = 0
        bars.valueAxis.labels.fontName, bars.valueAxis.labels.fontSize = "Helvetica", 7
        bars.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
        labels = bars.categoryAxis.labels
        bars.categoryAxis.categoryNames = [e.code for e in shown]
        labels.fontName = self.font("".join(e.code for e in shown))
        labels.fontSize = 7 if len(shown) > 8 else 8
        labels.boxAnchor, labels.angle, labels.dy = ("ne", 30, -2) if tilted else ("n", 0, -2)
        legend = Legend()
        legend.x, legend.y, legend.alignment = width - 105, room + 120, "right"
        legend.fontName, legend.fontSize = self.font(t(_("During"))), 8
        legend.colorNamePairs = [(before_colour, t(_("Before"))), (during_colour, t(_("During")))]
        drawing.add(bars)
        drawing.add(legend)
        heading = t(_("Net sales of the promoted products, before and during"))
        if len(r.promotions) > len(shown):
            heading += " " + t(_("(the {count} with the most sales during)")).format(count=len(shown))
        return [KeepTogether([self.para(heading, size=10, bold=True, spaceAfter=2), drawing])]
