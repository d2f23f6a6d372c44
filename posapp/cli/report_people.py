"""posapp-admin report: payments and staff (issue 10)."""

from __future__ import annotations

import csv
import io
import json

from posapp.cli.common import _open
from posapp.cli.report_common import emit, period_arguments, period_of, report_pdf, station_for
from posapp.i18n import N_, _


def add_report_parsers(rsub, common) -> None:
    """Adds its reports under `posapp-admin report`; each sets report_func, which cmd_report calls."""
    for kind, help_text in (("payments", "takings, refunds and net by tender, cash rounding, counts"),
                            ("staff", "per cashier: sales, returns, voids, overrides, members signed up, hours")):
        q = rsub.add_parser(kind, parents=[common], help=help_text)
        period_arguments(q)
        q.set_defaults(report_func=report_people)


def report_people(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.people_reports import payments_report, staff_report

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, args.kind, start, end)
    store = _open(args)
    station = station_for(args, store)
    make = payments_report if args.kind == "payments" else staff_report
    report = make(store.uow(), station, actor=SYSTEM, start=start, end=end)
    if args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(report.rows())
        text = buffer.getvalue()
    else:
        text = "\n".join(_text(report, args.kind, station.store_code)) + "\n"
    return emit(args, text)


PAYMENT_HEADS = (N_("Tenders"), N_("Sales"), N_("Amount"), N_("Returns"), N_("Refunded"), N_("Net"))
STAFF_HEADS = (N_("Cashier"), N_("Sales"), N_("Amount"), N_("Average basket"), N_("Returns"), N_("Returned"),
               N_("Net"), N_("Void line"), N_("Void sale"), N_("Overrides"), N_("Members"), N_("Hours"))


def _text(report, kind: str, store_code: str) -> list[str]:
    """An aligned table in the store's language (CSV and JSON keep the machine column names)."""
    from posapp.reports.shift_report import TENDER_NAMES

    lines = [f"{store_code} {report.start} - {report.end} ({report.currency})"]
    rows = report.rows()[1:]
    if kind == "payments":
        lines.append(f"{_('Sales')}: {report.sales}   {_('Returns')}: {report.returns}   "
                     f"{_('Cash rounding')}: {report.rounding}")
        heads = [_(h) for h in PAYMENT_HEADS]
        rows = [[TENDER_NAMES.get(r[0], _("Total") if r is rows[-1] else r[0]), *r[1:]] for r in rows]
    else:
        heads = [_(h) for h in STAFF_HEADS]
    table = [heads] + [[str(v) for v in r] for r in rows]
    widths = [max(_width(r[i]) for r in table) for i in range(len(heads))]
    for r in table:
        cells = [v + " " * (w - _width(v)) if i == 0 else " " * (w - _width(v)) + v
                 for i, (v, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
