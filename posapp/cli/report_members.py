"""posapp-admin report members: the members section of the reports (issue 10). `members report` (cli/members.py)
is the other member report: every member's class and spend at one moment."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

from posapp.cli.common import _open
from posapp.cli.report_common import emit, period_arguments, period_of, report_pdf, station_for
from posapp.reports.words import _, words


def add_report_parsers(rsub, common) -> None:
    q = rsub.add_parser("members", parents=[common],
                        help="members' share of sales, new members, A/B/C classes over time, points and liability")
    period_arguments(q)
    q.set_defaults(report_func=report_members)


def report_members(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.member_analysis import member_analysis

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, "members", start, end)
    store = _open(args)
    station = station_for(args, store)
    report = member_analysis(store.uow(), station, actor=SYSTEM, start=start, end=end)
    if args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(report.rows())
        text = buffer.getvalue()
    else:
        text = "\n".join(text_lines(report, words(store.config.store.locale))) + "\n"
    return emit(args, text)


def text_lines(report, t) -> list[str]:
    """The figures in the store's language (t: its words), for a terminal."""
    p = report.places
    m = lambda v: "" if v is None else f"{v:,.{p}f}"  # noqa: E731
    pct = lambda v: t(_("n/a")) if v is None else f"{v:f}%"  # noqa: E731
    points = report.points
    lines = [f"{t(_('Member analysis'))} {report.store} {report.start} - {report.end} ({report.currency})", ""]
    table = [["", t(_("Sales count")), t(_("Returns")), t(_("Net sales")), t(_("Average basket"))]]
    for label, b in ((t(_("Member customers")), report.members), (t(_("Other customers")), report.guests)):
        table.append([label, f"{b.sales:,}", f"{b.returns:,}", m(b.net), m(b.average_basket)])
    lines += _columns(table)
    lines += ["", f"{t(_('Share of net sales'))}: {pct(report.member_share)}   "
                  f"{t(_('Members who bought here'))}: {report.buyers:,}",
              f"{t(_('New members'))}: {report.new_members:,}   "
              f"{t(_('Signed up at this store'))}: {report.signed_up_here:,}", ""]
    lines += _columns([["", t(_("Number of points")), t(_("Value"))],
                       [t(_("Balance when the period began")), f"{report.opening_points:,}",
                        m(report.value(report.opening_points))],
                       [t(_("Earned")), f"{points.earn:,}", ""], [t(_("Redeemed")), f"{-points.redeem:,}", ""],
                       [t(_("Expired")), f"{-points.expire:,}", ""],
                       [t(_("Adjusted by managers")), f"{points.adjust:,}", ""],
                       [t(_("Taken back or given back by returns")), f"{points.reverse:,}", ""],
                       [t(_("Balance at the end (the points liability)")), f"{report.closing_points:,}",
                        m(report.value(report.closing_points))]])
    lines.append("")
    lines += _columns([[t(_("Day")), "A", "B", "C"]] + [
        [f"{c.day}", f"{c.members['A']:,}", f"{c.members['B']:,}", f"{c.members['C']:,}"] for c in report.classes])
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(v + " " * (w - _width(v)) if i == 0 else " " * (w - _width(v)) + v
                      for i, (v, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
