"""posapp-admin report members: the members section of the reports (issue 10). `members report` (cli/members.py)
is the other member report: every member's class and spend at one moment."""

from __future__ import annotations

from posapp.cli.report_common import period_arguments, run_report
from posapp.reports.columns import aligned
from posapp.reports.words import _


def add_report_parsers(rsub, common) -> None:
    q = rsub.add_parser("members", parents=[common],
                        help="members' share of sales, new members, A/B/C classes over time, points and liability")
    period_arguments(q)
    q.set_defaults(report_func=report_members)


def report_members(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.member_analysis import member_analysis

    return run_report(args, "members", lambda uow, station, start, end: member_analysis(
        uow, station, actor=SYSTEM, start=start, end=end), text=text_lines, table=lambda report, _t: report.rows())


def text_lines(report, t, _station=None) -> list[str]:
    """The figures in the store's language (t: its words), for a terminal."""
    p = report.places
    m = lambda v: "" if v is None else f"{v:,.{p}f}"  # noqa: E731
    pct = lambda v: t(_("n/a")) if v is None else f"{v:f}%"  # noqa: E731
    points = report.points
    lines = [f"{t(_('Member analysis'))} {report.store} {report.start} - {report.end} ({report.currency})", ""]
    table = [["", t(_("Sales count")), t(_("Returns")), t(_("Net sales")), t(_("Average basket"))]]
    for label, b in ((t(_("Member customers")), report.members), (t(_("Other customers")), report.guests)):
        table.append([label, f"{b.sales:,}", f"{b.returns:,}", m(b.net), m(b.average_basket)])
    lines += aligned(table)
    lines += ["", f"{t(_('Share of net sales'))}: {pct(report.member_share)}   "
                  f"{t(_('Members who bought here'))}: {report.buyers:,}",
              f"{t(_('New members'))}: {report.new_members:,}   "
              f"{t(_('Signed up at this store'))}: {report.signed_up_here:,}", ""]
    lines += aligned([["", t(_("Number of points")), t(_("Value"))],
                       [t(_("Balance when the period began")), f"{report.opening_points:,}",
                        m(report.value(report.opening_points))],
                       [t(_("Earned")), f"{points.earn:,}", ""], [t(_("Redeemed")), f"{-points.redeem:,}", ""],
                       [t(_("Expired")), f"{-points.expire:,}", ""],
                       [t(_("Adjusted by managers")), f"{points.adjust:,}", ""],
                       [t(_("Taken back or given back by returns")), f"{points.reverse:,}", ""],
                       [t(_("Balance at the end (the points liability)")), f"{report.closing_points:,}",
                        m(report.value(report.closing_points))]])
    lines.append("")
    lines += aligned([[t(_("Day")), "A", "B", "C"]] + [
        [f"{c.day}", f"{c.members['A']:,}", f"{c.members['B']:,}", f"{c.members['C']:,}"] for c in report.classes])
    return lines
