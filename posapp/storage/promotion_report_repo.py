"""Read-side queries for the promotion effectiveness report: what a promotion gave in a time range,
and what each product sold. Sums in SQL in integer minor units; money back as Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.money import qty_from_milli
from posapp.storage.db import database
from posapp.storage.report_repo import ReportRepository, Scope, _int

# A gift line is handed out, not sold: it counts in the gift's value, never in units or net sales.
_NOT_A_GIFT = ("NOT EXISTS (SELECT 1 FROM sale_line_promotion g WHERE g.sale_line_id = l.id "
               "AND g.kind = 'gift')")


@dataclass(frozen=True)
class ProductSold:
    product_id: int
    sku: str  # as the catalog has it now
    category: str  # the product's category path now; "" for none
    units: Decimal
    net: Decimal  # what customers paid for it after every discount and promotion


@dataclass(frozen=True)
class PromotionGiven:
    uses: int  # sales in which it gave something
    amount: Decimal  # what it took off (a gift: the gifts' value)
    coupon_uses: int  # coupon_use rows (0 for other kinds)


class PromotionReportRepository(ReportRepository):
    """Sales of one store in [start, end) (naive UTC), by sale time."""

    def _scope(self, store_code: str, start: datetime, end: datetime) -> tuple[str, tuple]:
        return Scope(store_code=store_code, start=start, end=end).where(self._stamp)

    def products_sold(self, *, store_code: str, start: datetime, end: datetime) -> list[ProductSold]:
        """Units and net sales of every product sold, gifts left out."""
        where, params = self._scope(store_code, start, end)
        rows = self._sql(
            "SELECT l.product_id, pr.sku, c.path, SUM(l.qty_milli), SUM(COALESCE(l.paid_minor, l.total_minor)) "
            "FROM sale_line l JOIN sale s ON s.id = l.sale_id JOIN product pr ON pr.id = l.product_id "
            f"LEFT JOIN category c ON c.id = pr.category_id WHERE {where} AND {_NOT_A_GIFT} "
            "GROUP BY l.product_id, pr.sku, c.path ORDER BY l.product_id", params)
        return [ProductSold(product_id=r[0], sku=r[1], category=r[2] or "", units=qty_from_milli(_int(r[3])),
                            net=self._d(r[4])) for r in rows]

    def promotion_given(self, promotion_id: int, *, store_code: str, start: datetime,
                        end: datetime) -> PromotionGiven:
        where, params = self._scope(store_code, start, end)
        p = database.obj.param
        given = self._sql(
            "SELECT COUNT(DISTINCT s.id), SUM(p.amount_minor) FROM sale_line_promotion p "
            "JOIN sale_line l ON l.id = p.sale_line_id JOIN sale s ON s.id = l.sale_id "
            f"WHERE {where} AND p.promotion_id = {p}", (*params, promotion_id))[0]
        coupons = self._sql(f"SELECT COUNT(*) FROM coupon_use u JOIN sale s ON s.id = u.sale_id "
                            f"WHERE {where} AND u.promotion_id = {p}", (*params, promotion_id))[0][0]
        return PromotionGiven(uses=_int(given[0]), amount=self._d(given[1]), coupon_uses=_int(coupons))

    def promotions_used(self, *, store_code: str, start: datetime, end: datetime) -> set[int]:
        """Ids of the promotions that gave something in a sale of the range."""
        where, params = self._scope(store_code, start, end)
        rows = self._sql("SELECT DISTINCT p.promotion_id FROM sale_line_promotion p "
                         "JOIN sale_line l ON l.id = p.sale_line_id JOIN sale s ON s.id = l.sale_id "
                         f"WHERE {where}", params)
        return {int(r[0]) for r in rows}
