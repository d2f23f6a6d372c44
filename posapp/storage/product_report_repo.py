"""Read-side queries for the products and categories report: per product and tax rate, what sold
less what came back, and the products with stock that did not sell. Sums in SQL in minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import qty_from_milli
from posapp.storage.db import database
from posapp.storage.report_repo import ReportRepository, Scope, _int, _time

# A gift line is handed out, not sold: it counts neither in units nor in net sales.
_NOT_A_GIFT = ("NOT EXISTS (SELECT 1 FROM sale_line_promotion g WHERE g.sale_line_id = l.id "
               "AND g.kind = 'gift')")


@dataclass(frozen=True)
class ProductRateSums:
    """One product's sale and return lines at one tax rate (returns negative, as stored)."""

    product_id: int
    sku: str
    name: str
    category: str
    cost: Decimal | None
    rate: Decimal  # percent
    units: Decimal
    net: Decimal  # paid after every discount, tax in it when prices include tax
    untaxed: Decimal  # the part of net on lines without a stored tax (sale lines)
    tax: Decimal  # the stored tax of the other lines (return lines)


@dataclass(frozen=True)
class StockedProduct:
    product_id: int
    sku: str
    name: str
    category: str
    on_hand: Decimal
    cost: Decimal | None
    price: Decimal
    last_sold: datetime | None


class ProductReportRepository(ReportRepository):
    """Sales and returns of one store in [start, end) (naive UTC), by the time they were taken."""

    def product_sums(self, *, store_code: str, start: datetime, end: datetime) -> list[ProductRateSums]:
        # Sum the lines first, then name the products: grouping a year's lines by two integers, and not
        # by the product's texts as well, keeps SQLite's sort small (a million lines: 3.3 s -> 1.5 s).
        where, params = Scope(store_code=store_code, start=start, end=end).where(self._stamp)
        paid = "COALESCE(l.paid_minor, l.total_minor)"
        rows = self._sql(
            "SELECT t.product_id, pr.sku, pr.name, c.path, pr.cost_minor, t.rate_bp, t.qty_milli, t.paid, "
            "t.untaxed, t.tax FROM (SELECT l.product_id, l.tax_rate_bp AS rate_bp, SUM(l.qty_milli) AS qty_milli, "
            f"SUM({paid}) AS paid, SUM(CASE WHEN l.tax_minor IS NULL THEN {paid} ELSE 0 END) AS untaxed, "
            "SUM(l.tax_minor) AS tax FROM sale s JOIN sale_line l ON l.sale_id = s.id "
            f"WHERE {where} AND {_NOT_A_GIFT} GROUP BY l.product_id, l.tax_rate_bp) t "
            "JOIN product pr ON pr.id = t.product_id LEFT JOIN category c ON c.id = pr.category_id "
            "ORDER BY t.product_id, t.rate_bp", params)
        return [ProductRateSums(product_id=r[0], sku=r[1], name=r[2], category=r[3] or "",
                                cost=None if r[4] is None else self._d(r[4]),
                                rate=Decimal(_int(r[5])) / 100, units=qty_from_milli(_int(r[6])),
                                net=self._d(r[7]), untaxed=self._d(r[8]), tax=self._d(r[9])) for r in rows]

    def unsold_stock(self, *, store_code: str, since: datetime, until: datetime) -> list[StockedProduct]:
        """Active products with sellable stock in the store and no sale in [since, until)."""
        # What sold in the window is one pass over the window's sales (by their time), anti-joined: a
        # NOT EXISTS per stocked product walked each one's lines from its oldest. Only the products left
        # (the slow movers) get their last sale looked up, through their own lines.
        p = database.obj.param
        sales = f"sale s JOIN sale_line l ON l.sale_id = s.id WHERE s.store_code = {p} AND s.kind = 'sale'"
        rows = self._sql(
            "SELECT pr.id, pr.sku, pr.name, c.path, sl.qty_milli, pr.cost_minor, pr.price_minor, "
            f"(SELECT MAX(s.created_at) FROM {sales} AND l.product_id = pr.id AND s.created_at < {p}) "
            "FROM product pr JOIN stock_level sl ON sl.product_id = pr.id "
            f"LEFT JOIN category c ON c.id = pr.category_id LEFT JOIN (SELECT DISTINCT l.product_id FROM {sales} "
            f"AND s.created_at >= {p} AND s.created_at < {p}) sold ON sold.product_id = pr.id "
            f"WHERE sold.product_id IS NULL AND pr.active = {p} AND sl.store_code = {p} "
            "AND sl.location = 'sellable' AND sl.qty_milli > 0 ORDER BY pr.sku",
            (store_code, self._stamp(until), store_code, self._stamp(since), self._stamp(until), True, store_code))
        return [StockedProduct(product_id=r[0], sku=r[1], name=r[2], category=r[3] or "",
                               on_hand=qty_from_milli(_int(r[4])), cost=None if r[5] is None else self._d(r[5]),
                               price=self._d(r[6]), last_sold=_time(r[7])) for r in rows]
