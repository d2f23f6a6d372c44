"""posapp-admin report period: daily and period sales, by day, hour and weekday, with comparisons
(issue 10)."""

from __future__ import annotations

import csv
import io
import json

from posapp.cli.common import _fail, _open
from posapp.cli.report_common import emit, period_arguments, period_of, report_pdf, station_for
from posapp.reports.words import _, words


def add_report_parsers(rsub, common) -> None:
    """Adds `period` under `posapp-admin report`; it sets report_func, which cmd_report calls."""
    q = rsub.add_parser("period", parents=[common],
                        help="sales of a period by store-local day, hour and weekday, with comparisons")
    period_arguments(q)
    q.set_defaults(report_func=report_period)


def report_period(args) -> int:
    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.sales_reports import period_sales

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, "period", start, end)
    store = _open(args)
    locale = store.config.store.locale
    try:
        report = period_sales(store.uow(), station_for(args, store), actor=SYSTEM, start=start, end=end)
    except PosError as exc:
        return _fail(str(exc))
    data = report.to_json()
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        text = _csv(data, words(locale))
    else:
        text = "\n".join(_text(data, words(locale))) + "\n"
    return emit(args, text)


_KEYS = ("sales", "gross_sales", "discounts", "returned", "net_sales", "tax", "average_basket", "items_per_basket")


def _headers(t) -> list[str]:
    return [t(_("Sales count")), t(_("Gross sales")), t(_("Discounts and promotions")), t(_("Returned value")),
            t(_("Net sales")), t(_("Tax")), t(_("Average basket")), t(_("Items per basket"))]


def _cells(f: dict | None) -> list[str]:
    return ["" if f is None or f[k] is None else str(f[k]) for k in _KEYS]


def _csv(data: dict, t) -> str:
    """One table: the days (hours, weekdays and comparisons are in the JSON and text forms)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([t(_("Day")), *_headers(t)])
    writer.writerows([d["date"], *_cells(d)] for d in data["by_day"])
    writer.writerow([t(_("Sum")), *_cells(data)])
    return buf.getvalue()


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
