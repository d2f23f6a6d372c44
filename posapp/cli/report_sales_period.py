"""posapp-admin report period: daily and period sales, by day, hour and weekday, with comparisons
(issue 10)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from posapp.cli.common import _fail, _open
from posapp.reports.words import _, words


def add_report_parsers(rsub, common) -> None:
    """Adds `period` under `posapp-admin report`; it sets report_func, which cmd_report calls."""
    q = rsub.add_parser("period", parents=[common],
                        help="sales of a period by store-local day, hour and weekday, with comparisons")
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--format", choices=["text", "json", "csv", "pdf"], default="text")
    q.add_argument("--out", metavar="PATH", help="write to this file instead of stdout (needed for pdf)")
    q.set_defaults(report_func=report_period)


def report_period(args) -> int:
    from datetime import date

    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.sales_reports import period_sales

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        return _fail(f"dates must be YYYY-MM-DD ({exc})")
    if args.format == "pdf":
        return report_pdf(args, "period", start, end)
    store = _open(args)
    locale = store.config.store.locale
    try:
        report = period_sales(store.uow(), store.station, actor=SYSTEM, start=start, end=end)
    except PosError as exc:
        return _fail(str(exc))
    data = report.to_json()
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        text = _csv(data, words(locale))
    else:
        text = "\n".join(_text(data, words(locale))) + "\n"
    if args.out:
        # UTF-8 with a BOM, so that Excel opens the Chinese labels right.
        Path(args.out).write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline="")
        print(f"written to {args.out}", file=sys.stderr, flush=True)
    else:
        sys.stdout.write(("\ufeff" if args.format == "csv" else "") + text)
        sys.stdout.flush()
    return 0


def report_pdf(args, name: str, start, end, **options) -> int:
    """`--format pdf --out PATH` of the report commands: services.report_files.write_report_pdf."""
    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.report_files import write_report_pdf

    if not args.out:
        return _fail("--format pdf needs --out PATH")
    store = _open(args)
    try:
        path = write_report_pdf(store.uow(), store.station, actor=SYSTEM, name=name, start=start, end=end,
                                path=args.out, store=store.config.store.name, locale=store.config.store.locale,
                                **options)
    except PosError as exc:
        return _fail(str(exc))
    print(f"written to {path}", file=sys.stderr, flush=True)
    return 0


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
