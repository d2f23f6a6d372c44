"""The products and categories report: what each product sold in a range of store-local days (less
returns), its margin, share and ABC class, the same by category, and the slow movers."""

from __future__ import annotations

from datetime import date, timedelta

from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money
from posapp.domain.product_analysis import (ZERO, ProductLine, ProductReport, SlowMover, analyse, by_category,
                                            margin_of, tax_in)
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.reports.sales_report import day_range_utc
from posapp.services.auth import require
from posapp.services.station import Station
from posapp.storage.product_report_repo import ProductReportRepository


def product_report(uow, station: Station, *, actor: User, start: date, end: date,
                   slow_days: int = 30) -> ProductReport:
    """Sales less returns taken from start to end (store-local days, inclusive), by product and category.

    Margin is net sales without tax (a return line's stored tax, else the tax inside the line at its
    rate when prices include tax) less units at the product's cost now."""
    if end < start:
        raise ValidationError(_("The report ends ({end}) before it starts ({start})").format(end=end, start=start))
    if slow_days < 1:
        raise ValidationError(_("Days without a sale must be at least 1"))
    require(uow, actor, Permission.VIEW_REPORTS)
    begin, finish = day_range_utc(start, end, station.timezone)
    repo = ProductReportRepository(station.places)
    sums = repo.product_sums(store_code=station.store_code, start=begin, end=finish)
    stocked = repo.unsold_stock(store_code=station.store_code, since=finish - timedelta(days=slow_days),
                                until=finish)
    lines = analyse(_product_lines(sums, station))
    slow = tuple(SlowMover(product_id=s.product_id, sku=s.sku, name=s.name, category=s.category,
                           on_hand=s.on_hand, at_cost=s.cost is not None,
                           value=round_money(s.on_hand * (s.cost if s.cost is not None else s.price), station.places),
                           last_sold=s.last_sold) for s in stocked)
    return ProductReport(store=station.store_code, start=start, end=end, currency=station.currency,
                         places=station.places, slow_days=slow_days, total=sum((p.net for p in lines), ZERO),
                         products=lines, categories=by_category(lines), top_categories=by_category(lines, top=True),
                         slow_movers=slow)


def _product_lines(sums, station: Station) -> list[ProductLine]:
    grouped: dict[int, list] = {}
    for row in sums:
        grouped.setdefault(row.product_id, []).append(row)
    found = []
    for rows in grouped.values():
        first = rows[0]
        units = sum((r.units for r in rows), ZERO)
        net = sum((r.net for r in rows), ZERO)
        tax = sum((r.tax + (tax_in(r.untaxed, r.rate, places=station.places) if station.prices_include_tax
                            else ZERO) for r in rows), ZERO)
        # Prices without tax: the lines hold no tax, and a return's stored tax was refunded on top.
        ex_tax = net - tax if station.prices_include_tax else net
        found.append(ProductLine(product_id=first.product_id, sku=first.sku, name=first.name,
                                 category=first.category, units=units, net=net, net_ex_tax=ex_tax, cost=first.cost,
                                 margin=margin_of(ex_tax, units, first.cost, places=station.places)))
    return found
