"""posapp-admin report period: daily and period sales, by day, hour and weekday, with comparisons
(issue 10)."""

from __future__ import annotations

from posapp.cli.report_common import period_arguments, run_report
from posapp.reports.words import _


def add_report_parsers(rsub, common) -> None:
    """Adds `period` under `posapp-admin report`; it sets report_func, which cmd_report calls."""
    q = rsub.add_parser("period", parents=[common],
                        help="sales of a period by store-local day, hour and weekday, with comparisons")
    period_arguments(q)
    q.set_defaults(report_func=report_period)


def report_period(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.sales_reports import period_sales

    return run_report(args, "period", lambda uow, station, start, end: period_sales(
        uow, station, actor=SYSTEM, start=start, end=end),
        text=lambda report, t, _station: _text(report.to_json(), t), table=lambda report, t: _table(report.to_json(), t))


_KEYS = ("sales", "gross_sales", "discounts", "returned", "net_sales", "tax", "average_basket", "items_per_basket")


def _headers(t) -> list[str]:
    return [t(_("Sales count")), t(_("Gross sales")), t(_("Discounts and promotions")), t(_("Returned value")),
            t(_("Net sales")), t(_("Tax")), t(_("Average basket")), t(_("Items per basket"))]


def _cells(f: dict | None) -> list[str]:
    return ["" if f is None or f[k] is None else str(f[k]) for k in _KEYS]


def _table(data: dict, t) -> list[list[str]]:
    """The CSV's one table: the days (hours, weekdays and comparisons are in the JSON and text forms)."""
    return [[t(_("Day")), *_headers(t)], *([d["date"], *_cells(d)] for d in data["by_day"]),
            [t(_("Sum")), *_cells(data)]]


def _text(data: dict, t) -> list[str]:
    lines = [f"{t(_('Period sales'))} {data['store']} {data['from']} - {data['to']} ({data['currency']}, "
             f"{data['timezone']})", "\t".join(["", *_headers(t)]), "\t".join([t(_("Sum")), *_cells(data)])]
    for key, label in (("previous", _("Previous period")), ("last_year", _("Same dates last year"))):
        c = data[key]
        lines.append("\t".join([f"{t(label)} {c['from']} - {c['to']}", *_cells(c["figures"]),
                                f"{c['net_change_pct']}%" if c["net_change_pct"] is not None else ""]))
    lines += ["", "\t".join([t(_("Day")), *_headers(t)])]
    lines += ["\t".join([d["date"], *_cells(d)]) for d in data["by_day"]]
    lines += ["", "\t".join([t(_("Hour")), *_headers(t)])]
    lines += ["\t".join([f"{h['hour']:02d}", *_cells(h)]) for h in data["by_hour"] if h["sales"] or h["returns"]]
    lines += ["", "\t".join([t(_("Weekday")), *_headers(t)])]
    lines += ["\t".join([str(w["weekday"]), *_cells(w)]) for w in data["by_weekday"]]
    return lines
