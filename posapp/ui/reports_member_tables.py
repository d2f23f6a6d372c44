"""The reports window's Members tab as tables of text, Qt-free (the screen shows them, the CSV writes the
same cells): members against other customers, the points ledger, the classes over time, by day."""

from __future__ import annotations

from posapp.domain.member_analysis import MemberAnalysis, percent
from posapp.i18n import _, money
from posapp.ui.reports_tables import Table


def _pct(value) -> str:
    return "" if value is None else f"{value:f}%"


def member_tables(report: MemberAnalysis) -> list[Table]:
    c = report.currency
    m = lambda v: "" if v is None else money(v, c)  # noqa: E731
    buyers = [(label, str(b.sales), str(b.returns), m(b.net), _pct(percent(b.net, report.net)), m(b.average_basket))
              for label, b in ((_("Member customers"), report.members), (_("Other customers"), report.guests),
                               (_("Sum"), report.members + report.guests))]
    buyers += [(_("Members who bought here"), str(report.buyers), "", "", "", ""),
               (_("Members' share of the number of sales"), _pct(report.sales_share), "", "", "", ""),
               (_("New members (every store and the online shop)"), str(report.new_members), "", "", "", ""),
               (_("Signed up at this store's tills"), str(report.signed_up_here), "", "", "", "")]
    p = report.points
    ledger = [(_("Balance when the period began"), f"{report.opening_points:,}",
               m(report.value(report.opening_points))),
              (_("Earned"), f"{p.earn:,}", ""), (_("Redeemed"), f"{-p.redeem:,}", ""),
              (_("Expired"), f"{-p.expire:,}", ""), (_("Adjusted by managers"), f"{p.adjust:,}", ""),
              (_("Taken back or given back by returns"), f"{p.reverse:,}", ""),
              (_("Balance at the end (the points liability)"), f"{report.closing_points:,}",
               m(report.value(report.closing_points))),
              (_("Earned at this store"), f"{report.earned_here:,}", ""),
              (_("Redeemed at this store"), f"{report.redeemed_here:,}", ""),
              (_("Members holding points at the end"), f"{report.holders:,}", "")]
    classes = [(f"{k.day}", f"{k.members['A']:,}", f"{k.members['B']:,}", f"{k.members['C']:,}", f"{k.total:,}",
                m(k.spend["A"]), m(k.spend["B"]), m(k.spend["C"])) for k in report.classes]
    days = [(f"{d.day}", str(d.members.sales), m(d.members.net), str(d.guests.sales), m(d.guests.net),
             _pct(percent(d.members.net, d.members.net + d.guests.net)), str(d.new_members), f"{d.points.earn:,}",
             f"{-d.points.redeem:,}", f"{-d.points.expire:,}", f"{d.balance:,}") for d in report.days]
    return [
        Table("members_buyers", _("Members and other customers"),
              ("", _("Sales count"), _("Returns"), _("Net sales"), _("Share of net sales"), _("Average basket")),
              tuple(buyers), numbers=(1, 2, 3, 4, 5)),
        Table("members_points", _("Points (every store)"), ("", _("Number of points"), _("Value")), tuple(ledger),
              numbers=(1, 2)),
        Table("members_classes", _("Classes over time"),
              (_("Day"), _("A (high value)"), _("B (medium value)"), _("C (low value)"), _("All members"),
               _("Spend of class A"), _("Spend of class B"), _("Spend of class C")),
              tuple(classes), numbers=(1, 2, 3, 4, 5, 6, 7)),
        Table("members_days", _("By day"),
              (_("Day"), _("Member sales"), _("Members' net"), _("Other sales"), _("Others' net"),
               _("Share of net sales"), _("New members"), _("Earned"), _("Redeemed"), _("Expired"),
               _("Points balance")),
              tuple(days), numbers=tuple(range(1, 11))),
    ]


def member_summary(report: MemberAnalysis) -> str:
    share = report.member_share
    return _("{start} – {end}: members made {share} of net sales; {new} new members; {points} points "
             "outstanding ({value})").format(start=report.start, end=report.end,
                                             share=_("n/a") if share is None else f"{share:f}%",
                                             new=report.new_members, points=f"{report.closing_points:,}",
                                             value=money(report.value(report.closing_points), report.currency))
