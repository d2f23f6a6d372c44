"""The members section of the reports as an A4 PDF (issue 10): members' share of sales, new members,
the points ledger and its liability, net sales by day split members / others, the classes over time as
stacked bars, then the tables. Same ledger, header and pages as the other analysis PDFs."""

from __future__ import annotations

from pathlib import Path

from posapp.domain.member_analysis import MemberAnalysis, percent
from posapp.reports.analysis_pdf import CJK, _f, _label_font, _ledger, bar_chart
from posapp.reports.ledger_pdf import MM, WIDTH, Col, amount
from posapp.reports.words import _, words

CLASS_COLOURS = ((0.18, 0.36, 0.54), (0.44, 0.61, 0.77), (0.71, 0.71, 0.71))  # A, B, C


def class_chart(labels: list[str], counts: list[tuple[int, int, int]], names: list[str], *, height: float = 60 * MM):
    """Members in each class at each moment, stacked A (bottom), B, C, with a legend."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    if not labels:
        labels, counts = [""], [(0, 0, 0)]
    d = Drawing(WIDTH, height)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 14 * MM, 12 * MM, WIDTH - 50 * MM, height - 18 * MM
    c.width = min(c.width, len(labels) * 25 * MM)
    c.data = [tuple(row[i] for row in counts) for i in range(3)]
    c.categoryAxis.style = "stacked"
    c.categoryAxis.categoryNames = labels
    _label_font(c.categoryAxis)
    _label_font(c.valueAxis)
    if len(labels) > 12:
        c.categoryAxis.labels.angle = 90
        c.categoryAxis.labels.boxAnchor = "e"
    c.valueAxis.valueMin = 0
    c.valueAxis.forceZero = True
    most = max((sum(row) for row in counts), default=0)
    c.valueAxis.valueStep = max(1, -(-most // 5))  # whole members on the axis
    palette = [colors.Color(*rgb) for rgb in CLASS_COLOURS]
    for i in range(3):
        c.bars[i].fillColor = palette[i]
        c.bars[i].strokeColor = None
    d.add(c)
    legend = Legend()
    legend.fontName, legend.fontSize = CJK, 7
    legend.x, legend.y, legend.alignment = WIDTH - 30 * MM, height - 10 * MM, "right"
    legend.colorNamePairs = list(zip(palette, names))
    d.add(legend)
    return d


def members_pdf(report: MemberAnalysis, *, store: str, currency: str, tz: str, path: str | Path,
                locale: str = "zh_CN") -> int:
    """Returns the number of pages."""
    t, p = words(locale), report.places
    m = lambda v: amount(v, places=p) if v is not None else ""  # noqa: E731
    pct = lambda v: t(_("n/a")) if v is None else f"{v:f}%"  # noqa: E731
    rep = _ledger(t, t(_("Member analysis")), store=store, currency=currency, start=report.start, end=report.end,
                  extra=tz)
    heads = [t(_("Sales count")), t(_("Returns")), t(_("Net sales")), t(_("Share of net sales")),
             t(_("Average basket"))]
    rep.section(t(_("Members and other customers")), [Col("", 0.3)] + [Col(h, 0.14, "r") for h in heads])
    for label, b in ((_("Member customers"), report.members), (_("Other customers"), report.guests)):
        rep.row([t(label), f"{b.sales:,}", f"{b.returns:,}", m(b.net), pct(percent(b.net, report.net)),
                 m(b.average_basket)], strong=label == _("Member customers"))
    total = report.members + report.guests
    rep.row([t(_("Sum")), f"{total.sales:,}", f"{total.returns:,}", m(total.net), "", m(total.average_basket)])
    rep.section(t(_("Member figures")), [Col("", 0.6), Col("", 0.4, "r")])
    for label, value in ((_("Members who bought here"), f"{report.buyers:,}"),
                         (_("Members' share of the number of sales"), pct(report.sales_share)),
                         (_("New members (every store and the online shop)"), f"{report.new_members:,}"),
                         (_("Signed up at this store's tills"), f"{report.signed_up_here:,}")):
        rep.row([t(label), value])
    points = report.points
    rep.section(t(_("Points (every store)")), [Col("", 0.6), Col(t(_("Number of points")), 0.2, "r"),
                                              Col(t(_("Value")), 0.2, "r")],
                note=t(_("{rate} points pay 1")).format(rate=report.rate))
    for label, value, valued in ((_("Balance when the period began"), report.opening_points, True),
                                 (_("Earned"), points.earn, False), (_("Redeemed"), -points.redeem, False),
                                 (_("Expired"), -points.expire, False),
                                 (_("Adjusted by managers"), points.adjust, False),
                                 (_("Taken back or given back by returns"), points.reverse, False),
                                 (_("Balance at the end (the points liability)"), report.closing_points, True),
                                 (_("Earned at this store"), report.earned_here, False),
                                 (_("Redeemed at this store"), report.redeemed_here, False),
                                 (_("Members holding points at the end"), report.holders, False)):
        rep.row([t(label), f"{value:,}", m(report.value(value)) if valued else ""], strong=valued)
    days = report.days
    labels = [f"{d.day:%m-%d}" for d in days] if len(days) <= 16 else [f"{d.day:%d}" for d in days]
    rep.chart(t(_("Net sales by day: members and other customers")),
              bar_chart(labels, [[_f(d.members.net) for d in days], [_f(d.guests.net) for d in days]],
                        [t(_("Member customers")), t(_("Other customers"))]))
    names = [t(_("A (high value)")), t(_("B (medium value)")), t(_("C (low value)"))]
    rep.chart(t(_("Members by class")), class_chart([f"{c.day:%m-%d}" for c in report.classes],
                                                    [(c.members["A"], c.members["B"], c.members["C"])
                                                     for c in report.classes], names))
    rep.section(t(_("Classes over time")), [Col(t(_("Day")), 0.2), Col(names[0], 0.16, "r"),
                                            Col(names[1], 0.16, "r"), Col(names[2], 0.16, "r"),
                                            Col(t(_("All members")), 0.12, "r"),
                                            Col(t(_("Spend of class A")), 0.2, "r")],
                note=t(_("at the end of the day; spend: the 12 months before")))
    for c in report.classes:
        rep.row([f"{c.day:%Y-%m-%d}", f"{c.members['A']:,}", f"{c.members['B']:,}", f"{c.members['C']:,}",
                 f"{c.total:,}", m(c.spend["A"])])
    rep.section(t(_("By day")), [Col(t(_("Day")), 0.16), Col(t(_("Member sales")), 0.12, "r"),
                                 Col(t(_("Members' net")), 0.14, "r"), Col(t(_("Other sales")), 0.12, "r"),
                                 Col(t(_("Others' net")), 0.14, "r"), Col(t(_("New members")), 0.1, "r"),
                                 Col(t(_("Earned")), 0.11, "r"), Col(t(_("Redeemed")), 0.11, "r")])
    for d in days:
        rep.row([f"{d.day:%Y-%m-%d}", f"{d.members.sales:,}", m(d.members.net), f"{d.guests.sales:,}",
                 m(d.guests.net), f"{d.new_members:,}", f"{d.points.earn:,}", f"{-d.points.redeem:,}"])
    return rep.write(path)


__all__ = ["members_pdf", "class_chart"]
