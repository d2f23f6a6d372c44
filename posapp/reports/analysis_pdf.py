"""The analysis reports as A4 PDFs (issue 10): period sales, products, payments and staff.

Each is a ledger_pdf Ledger (fixed-height rows, the header and column heads again on every page, no row
ever split, "page x / y") with charts between its tables: reportlab.graphics drawings in the CID font,
so Chinese labels print. A chart that does not fit what is left of a page starts the next one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from posapp.reports.ledger_pdf import MARGIN, MM, WIDTH, Col, Ledger, amount, qty
from posapp.reports.words import _, words

CJK = "STSong-Light"
BLUE, GREY = (0.20, 0.40, 0.70), (0.70, 0.70, 0.70)


class Report(Ledger):
    """A Ledger that also takes charts: chart(drawing) reserves the drawing's height and draws it."""

    def chart(self, title: str, drawing) -> None:
        self.ops.append(("chart", title, drawing))

    def _run(self, pdf, total: int) -> int:
        from reportlab.graphics import renderPDF

        charts = [op for op in self.ops if op[0] == "chart"]
        others, index = [], 0
        for op in self.ops:  # one chart at a time: the rest as the Ledger's own ops
            if op[0] == "chart":
                others.append(("__chart__", index))
                index += 1
            else:
                others.append(op)
        bottom = MARGIN + 9 * MM
        sec_h = self.size * 2.6
        state = {"page": 1, "y": self._header(pdf)}
        table = []

        def flush_table() -> None:
            if not table:
                return
            sub = Ledger(title=self.title, number=self.number, info=self.info, footer=self.footer,
                         page_text=self.page_text, row_height=self.row_h, size=self.size)
            sub.ops = list(table)
            table.clear()
            state["page"], state["y"] = _continue(sub, pdf, total, state["page"], state["y"])

        for op in others:
            if op[0] != "__chart__":
                table.append(op)
                continue
            flush_table()
            _kind, title, drawing = charts[op[1]]
            need = sec_h + drawing.height
            if state["y"] - need < bottom:
                if pdf is not None:
                    self._footer(pdf, state["page"], total)
                    pdf.flush()
                    pdf.showPage()
                state["page"] += 1
                state["y"] = self._header(pdf)
            self._section(pdf, state["y"], title, "", sec_h)
            state["y"] -= sec_h
            if pdf is not None:
                pdf.flush()
                renderPDF.draw(drawing, pdf.canvas, MARGIN, state["y"] - drawing.height)
            state["y"] -= drawing.height + 4 * MM
        flush_table()
        if pdf is not None:
            self._footer(pdf, state["page"], total)
            pdf.flush()
        return state["page"]


def _continue(ledger: Ledger, pdf, total: int, page: int, y: float) -> tuple[int, float]:
    """Runs ledger's ops as the Ledger does, starting on page at y; returns where it ended."""
    head_h, sec_h, group_h = ledger.size * 1.9, ledger.size * 2.6, ledger.size * 2.0
    bottom = MARGIN + 9 * MM
    state = {"page": page, "y": y, "cols": None, "group": None}

    def new_page() -> None:
        if pdf is not None:
            ledger._footer(pdf, state["page"], total)
            pdf.flush()
            pdf.showPage()
        state["page"] += 1
        state["y"] = ledger._header(pdf)
        if state["cols"] and any(c.title for c in state["cols"]):
            ledger._colhead(pdf, state["y"], state["cols"], head_h)
            state["y"] -= head_h

    for op in ledger.ops:
        if op[0] == "section":
            _kind, title, cols, note = op
            if state["y"] - (sec_h + head_h + 3 * ledger.row_h) < bottom:
                state["cols"] = None
                new_page()
            state["cols"] = cols
            ledger._section(pdf, state["y"], title, note, sec_h)
            state["y"] -= sec_h
            if any(c.title for c in cols):
                ledger._colhead(pdf, state["y"], cols, head_h)
                state["y"] -= head_h
        elif op[0] == "group":
            if state["y"] - (group_h + ledger.row_h) < bottom:
                new_page()
            ledger._group(pdf, state["y"], op[1], group_h)
            state["y"] -= group_h
        else:
            if state["y"] - ledger.row_h < bottom:
                new_page()
            ledger._row(pdf, state["y"], state["cols"], op[1], op[2])
            state["y"] -= ledger.row_h
    return state["page"], state["y"]


# --- charts --------------------------------------------------------------------------------------
def _label_font(chart_axis) -> None:
    chart_axis.labels.fontName = CJK
    chart_axis.labels.fontSize = 7
    if hasattr(chart_axis, "categoryNames"):  # labels under the plot, not on a zero line above negatives
        chart_axis.joinAxisMode = "bottom"


def bar_chart(labels: list[str], series: list[list[float]], names: list[str], *, height: float = 60 * MM,
              horizontal_labels: bool = False):
    """Vertical bars, one colour per series, with a legend when there is more than one."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    if not labels or not any(series):  # nothing sold: an empty axis rather than reportlab's IndexError
        labels, series = [""], [[0.0] for _ in (series or [[]])]
    d = Drawing(WIDTH, height)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 14 * MM, 12 * MM, WIDTH - 18 * MM, height - 18 * MM
    c.width = min(c.width, max(1, len(labels)) * 40 * MM)  # a few categories: bars of a sensible width
    c.data = [tuple(s) for s in series] or [(0,)]
    c.categoryAxis.categoryNames = labels or [""]
    _label_font(c.categoryAxis)
    _label_font(c.valueAxis)
    if len(labels) > 40 or (len(labels) > 12 and max(len(x) for x in labels) > 2 and not horizontal_labels):
        c.categoryAxis.labels.angle = 90
        c.categoryAxis.labels.boxAnchor = "e"
        c.categoryAxis.labels.dy = -2
    c.valueAxis.valueMin = min(0, *(min(s) for s in series if s)) if any(series) else 0
    c.valueAxis.forceZero = True
    palette = [colors.Color(*BLUE), colors.Color(*GREY)]
    for i in range(len(c.data)):
        c.bars[i].fillColor = palette[i % 2]
        c.bars[i].strokeColor = None
    d.add(c)
    if len(series) > 1:
        legend = Legend()
        legend.fontName, legend.fontSize = CJK, 7
        legend.x, legend.y, legend.alignment = WIDTH - 50 * MM, height - 2, "right"
        legend.columnMaximum, legend.dx, legend.dy = 1, 6, 6
        legend.colorNamePairs = [(palette[i % 2], names[i]) for i in range(len(series))]
        legend.deltax = 25 * MM
        d.add(legend)
    return d


def line_chart(labels: list[str], values: list[float], *, height: float = 50 * MM):
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    if not values:
        labels, values = [""], [0.0]
    d = Drawing(WIDTH, height)
    c = HorizontalLineChart()
    c.x, c.y, c.width, c.height = 14 * MM, 10 * MM, WIDTH - 18 * MM, height - 14 * MM
    c.data = [tuple(values)]
    c.categoryAxis.categoryNames = labels
    _label_font(c.categoryAxis)
    _label_font(c.valueAxis)
    c.valueAxis.valueMin = min(0.0, *values)
    c.lines[0].strokeColor = colors.Color(*BLUE)
    c.lines[0].strokeWidth = 1.5
    d.add(c)
    return d


def _f(value) -> float:
    return float(value or 0)


# --- the reports ---------------------------------------------------------------------------------
def _ledger(t, title: str, *, store: str, currency: str, start, end, extra: str = "") -> Report:
    # The period once, large at the top right of every page (a Ledger's "number"); the line under the
    # title says whose and in what currency. One day: just that day.
    period = f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"
    info = [f"{t(_('Store {store}')).format(store=store)}    {currency} {extra}".rstrip()]
    return Report(title=title, number=period, info=info, footer=f"posapp · {title}",
                  page_text=t(_("Page {page} / {pages}")), row_height=6.2 * MM, size=8.5)


def period_pdf(report, *, store: str, currency: str, tz: str, path: str | Path, locale: str = "zh_CN",
               previous_by_day=None) -> int:
    """Period sales: totals (with the previous period and last year), net sales by day as bars (the
    previous period beside them when it had sales), by hour as a line, then the day, hour and weekday
    tables. Returns the number of pages."""
    t, p = words(locale), report.places
    m = lambda v: amount(v, places=p)  # noqa: E731
    rep = _ledger(t, t(_("Period sales")), store=store, currency=currency, start=report.start, end=report.end,
                  extra=tz)
    heads = [t(_("Sales count")), t(_("Gross sales")), t(_("Discounts and promotions")), t(_("Returned value")),
             t(_("Net sales")), t(_("Tax")), t(_("Average basket"))]

    def cells(f) -> list[str]:
        if f is None:
            return [""] * 7
        return [f"{f.sales:,}", m(f.gross), m(f.discounts), m(f.returned), m(f.net), m(f.tax),
                m(f.average_basket) if f.average_basket is not None else ""]

    cols = [Col("", 0.23)] + [Col(h, 0.11, "r") for h in heads]
    rep.section(t(_("Totals")), cols)
    rep.row([t(_("This period")), *cells(report.current.total)], strong=True)
    rep.row([f"{t(_('Previous period'))} {report.previous_start:%m-%d}~{report.previous_end:%m-%d}",
             *cells(report.previous)])
    rep.row([f"{t(_('Same dates last year'))} {report.last_year_start:%Y}", *cells(report.last_year)])

    days = report.current.by_day
    labels = [f"{d:%m-%d}" for d, _x in days] if len(days) <= 16 else [f"{d:%d}" for d, _x in days]
    series, names = [[_f(f.net) for _d, f in days]], [t(_("This period"))]
    if report.previous is not None and previous_by_day:  # day n of the period beside day n of the one before
        before = [_f(f.net) for _d, f in previous_by_day][:len(days)]
        series.append(before + [0.0] * (len(days) - len(before)))
        names.append(t(_("Previous period")))
    rep.chart(t(_("Net sales by day")), bar_chart(labels, series, names))
    rep.chart(t(_("Net sales by hour")), line_chart([f"{h:02d}" for h in range(24)],
                                                    [_f(f.net) for f in report.current.by_hour]))
    rep.section(t(_("By day")), [Col(t(_("Day")), 0.23)] + [Col(h, 0.11, "r") for h in heads])
    for d, f in days:
        rep.row([f"{d:%Y-%m-%d}", *cells(f)])
    rep.section(t(_("By hour")), [Col(t(_("Hour")), 0.23)] + [Col(h, 0.11, "r") for h in heads])
    for h, f in enumerate(report.current.by_hour):
        if f.sales or f.returns:
            rep.row([f"{h:02d}:00", *cells(f)])
    return rep.write(path)


def products_pdf(report, *, store: str, currency: str, tz: str, path: str | Path, locale: str = "zh_CN") -> int:
    """Products: totals, top categories' shares as bars, categories, every product with its ABC class,
    then the slow movers. Returns the number of pages."""
    t, p = words(locale), report.places
    m = lambda v: amount(v, places=p)  # noqa: E731
    rep = _ledger(t, t(_("Products and categories")), store=store, currency=currency, start=report.start,
                  end=report.end)
    rep.section(t(_("Totals")), [Col("", 0.5), Col("", 0.5, "r")])
    rep.row([t(_("Net sales")), m(report.total)], strong=True)
    rep.row([t(_("Products sold")), f"{len(report.products):,}"])
    tops = list(report.top_categories)[:12]
    rep.chart(t(_("Share of net sales by top category (%)")),
              bar_chart([c.path or t(_("(no category)")) for c in tops], [[_f(c.share) * 100 for c in tops]],
                        [""], height=55 * MM, horizontal_labels=True))
    rep.section(t(_("Categories")), [Col(t(_("Category")), 0.40), Col(t(_("Units")), 0.12, "r"),
                                     Col(t(_("Net sales")), 0.16, "r"), Col(t(_("Margin")), 0.16, "r"),
                                     Col(t(_("Share %")), 0.16, "r")])
    for c in report.categories:
        rep.row([c.path or t(_("(no category)")), qty(c.units), m(c.net), m(c.margin), f"{c.share * 100:.1f}"])
    rep.section(t(_("Products")), [Col(t(_("SKU")), 0.12), Col(t(_("Name")), 0.28), Col(t(_("Category")), 0.18),
                                   Col(t(_("Units")), 0.08, "r"), Col(t(_("Net sales")), 0.11, "r"),
                                   Col(t(_("Margin")), 0.10, "r"), Col(t(_("Share %")), 0.08, "r"),
                                   Col(t(_("ABC")), 0.05, "r")])
    for ln in report.products:
        rep.row([ln.sku, ln.name, ln.category, qty(ln.units), m(ln.net),
                 m(ln.margin) if ln.margin is not None else "", f"{ln.share * 100:.1f}", ln.abc])
    rep.section(t(_("Slow movers")), [Col(t(_("SKU")), 0.12), Col(t(_("Name")), 0.30), Col(t(_("Category")), 0.20),
                                      Col(t(_("On hand")), 0.10, "r"), Col(t(_("Value")), 0.12, "r"),
                                      Col(t(_("Last sold")), 0.16, "r")],
                note=t(_("no sale in {days} days")).format(days=report.slow_days))
    from posapp.domain.clock import to_local
    for s in report.slow_movers:
        last = f"{to_local(s.last_sold, tz):%Y-%m-%d}" if s.last_sold else t(_("never"))
        rep.row([s.sku, s.name, s.category, qty(s.on_hand), m(s.value), last])
    if not report.slow_movers:
        rep.row(["", t(_("none"))])
    return rep.write(path)


def payments_pdf(report, *, store: str, currency: str, tz: str, path: str | Path, locale: str = "zh_CN",
                 places: int = 2) -> int:
    """Payments: totals, net by tender as bars, the tender table. Returns the number of pages."""
    t = words(locale)
    m = lambda v: amount(v, places=places)  # noqa: E731
    rep = _ledger(t, t(_("Payments")), store=store, currency=currency, start=report.start, end=report.end)
    rep.section(t(_("Totals")), [Col("", 0.5), Col("", 0.5, "r")])
    for label, value in ((_("Taken"), m(report.taken)), (_("Refunded"), m(report.refunded)),
                         (_("Cash rounding"), m(report.rounding)), (_("Net after refunds"), m(report.net)),
                         (_("Sales count"), f"{report.sales:,}"), (_("Returns"), f"{report.returns:,}")):
        rep.row([t(label), value], strong=label == _("Net after refunds"))
    tenders = list(report.tenders)
    rep.chart(t(_("Net by tender")), bar_chart([t(x.tender) for x in tenders], [[_f(x.net) for x in tenders]],
                                               [""], height=55 * MM, horizontal_labels=True))
    rep.section(t(_("By tender")), [Col(t(_("Tender")), 0.28), Col(t(_("Sales count")), 0.12, "r"),
                                    Col(t(_("Taken")), 0.15, "r"), Col(t(_("Refunds")), 0.12, "r"),
                                    Col(t(_("Refunded")), 0.15, "r"), Col(t(_("Net after refunds")), 0.18, "r")])
    for x in tenders:
        rep.row([t(x.tender), f"{x.sales_count:,}", m(x.sales_amount), f"{x.refund_count:,}", m(x.refund_amount),
                 m(x.net)])
    return rep.write(path)


def staff_pdf(report, *, store: str, currency: str, tz: str, path: str | Path, locale: str = "zh_CN") -> int:
    """Staff: one row per person, a sum row. Returns the number of pages."""
    t, p = words(locale), report.places
    m = lambda v: amount(v, places=p)  # noqa: E731
    rep = _ledger(t, t(_("Staff")), store=store, currency=currency, start=report.start, end=report.end)
    cols = [Col(t(_("Cashier")), 0.16), Col(t(_("Sales count")), 0.08, "r"), Col(t(_("Sales")), 0.11, "r"),
            Col(t(_("Returns")), 0.07, "r"), Col(t(_("Returned value")), 0.1, "r"),
            Col(t(_("Net after refunds")), 0.11, "r"),
            Col(t(_("Average basket")), 0.09, "r"), Col(t(_("Voided lines")), 0.07, "r"),
            Col(t(_("Overrides")), 0.07, "r"), Col(t(_("Members")), 0.06, "r"), Col(t(_("Hours")), 0.08, "r")]
    rep.section(t(_("By person")), cols)
    for s in report.staff:
        rep.row([s.name, f"{s.sales:,}", m(s.sales_amount), f"{s.returns:,}", m(s.returned), m(s.net),
                 m(s.average_basket(p)), f"{s.voided_lines:,}", f"{s.overrides:,}", f"{s.members:,}",
                 f"{s.hours}"])
    staff = report.staff
    zero = Decimal(0)  # an empty staff list still sums to money
    rep.row([t(_("Sum")), f"{sum(s.sales for s in staff):,}", m(sum((s.sales_amount for s in staff), zero)),
             f"{sum(s.returns for s in staff):,}", m(sum((s.returned for s in staff), zero)),
             m(sum((s.net for s in staff), zero)), "", f"{sum(s.voided_lines for s in staff):,}",
             f"{sum(s.overrides for s in staff):,}", f"{sum(s.members for s in staff):,}",
             f"{sum((s.hours for s in staff), zero):.2f}"], strong=True)
    return rep.write(path)


__all__ = ["period_pdf", "products_pdf", "payments_pdf", "staff_pdf"]
