"""posapp-admin report: products and categories, slow movers (issue 10)."""

from __future__ import annotations

from posapp.cli.report_common import period_arguments, run_report
from posapp.reports.words import _


def add_report_parsers(rsub, common) -> None:
    """Adds its reports under `posapp-admin report`; each sets report_func, which cmd_report calls."""
    q = rsub.add_parser("products", parents=[common],
                        help="per product and category: units, net sales, margin, share, ABC; slow movers")
    period_arguments(q)
    q.add_argument("--slow-days", type=int, default=30, metavar="N",
                   help="slow movers: stock on hand and no sale in the N days before the end (default 30)")
    q.set_defaults(report_func=report_products)


def report_products(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.product_reports import product_report

    return run_report(args, "products", lambda uow, station, start, end: product_report(
        uow, station, actor=SYSTEM, start=start, end=end, slow_days=args.slow_days),
        text=lambda report, t, station: _text(report.to_json(), t, station.timezone),
        table=lambda report, t: [_headers(t), *_product_rows(report.to_json())], slow_days=args.slow_days)


def _headers(t) -> list[str]:
    return [t(_("SKU")), t(_("Name")), t(_("Category")), t(_("Units")), t(_("Net sales")), t(_("Margin")),
            t(_("Share %")), t(_("ABC class"))]


def _product_rows(data: dict) -> list[list[str]]:
    return [[p["sku"], p["name"], p["category"], p["units"], p["net_sales"], p["margin"] or "",
             p["share_pct"], p["abc"]] for p in data["products"]]


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
