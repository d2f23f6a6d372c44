"""posapp-admin report: products and categories, slow movers (issue 10)."""

from __future__ import annotations

import csv
import io
import json

from posapp.cli.common import _fail, _open
from posapp.cli.report_common import emit, period_arguments, period_of, report_pdf, station_for
from posapp.reports.words import _, words


def add_report_parsers(rsub, common) -> None:
    """Adds its reports under `posapp-admin report`; each sets report_func, which cmd_report calls."""
    q = rsub.add_parser("products", parents=[common],
                        help="per product and category: units, net sales, margin, share, ABC; slow movers")
    period_arguments(q)
    q.add_argument("--slow-days", type=int, default=30, metavar="N",
                   help="slow movers: stock on hand and no sale in the N days before the end (default 30)")
    q.set_defaults(report_func=report_products)


def report_products(args) -> int:
    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.product_reports import product_report

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, "products", start, end, slow_days=args.slow_days)
    store = _open(args)
    locale = store.config.store.locale
    try:
        station = station_for(args, store)
        report = product_report(store.uow(), station, actor=SYSTEM, start=start, end=end,
                                slow_days=args.slow_days)
    except PosError as exc:
        return _fail(str(exc))
    if args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        text = _csv(report.to_json(), words(locale))
    else:
        text = "\n".join(_text(report.to_json(), words(locale), station.timezone)) + "\n"
    return emit(args, text)


def _headers(t) -> list[str]:
    return [t(_("SKU")), t(_("Name")), t(_("Category")), t(_("Units")), t(_("Net sales")), t(_("Margin")),
            t(_("Share %")), t(_("ABC class"))]


def _product_rows(data: dict) -> list[list[str]]:
    return [[p["sku"], p["name"], p["category"], p["units"], p["net_sales"], p["margin"] or "",
             p["share_pct"], p["abc"]] for p in data["products"]]


def _csv(data: dict, t) -> str:
    """One table: the products (the categories and slow movers are in the JSON and text forms)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(_headers(t))
    writer.writerows(_product_rows(data))
    return buf.getvalue()


def _local_day(stamp: str, tz: str) -> str:
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz)).date().isoformat()


def _text(data: dict, t, tz: str) -> list[str]:
    lines = [f"{t(_('Products'))} {data['store']} {data['from']} - {data['to']} ({data['currency']}): "
             f"{t(_('Net sales'))} {data['net_sales']}", "\t".join(_headers(t))]
    lines += ["\t".join(row) for row in _product_rows(data)]
    lines += ["", "\t".join([t(_("Categories")), t(_("Units")), t(_("Net sales")), t(_("Margin")), t(_("Share %"))])]
    for c in (*data["top_categories"], *data["categories"]):
        lines.append("\t".join([c["path"] or "-", c["units"], c["net_sales"], c["margin"], c["share_pct"]]))
    lines += ["", t(_("Slow movers: stock on hand, no sale in {days} days")).format(days=data["slow_days"])]
    for s in data["slow_movers"]:
        lines.append("\t".join([s["sku"], s["name"], s["on_hand"], s["value"],
                                t(_("cost")) if s["valued_at"] == "cost" else t(_("price")),
                                _local_day(s["last_sold"], tz) if s["last_sold"] else t(_("never"))]))
    return lines
