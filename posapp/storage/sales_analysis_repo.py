"""Read-side query for daily and period sales: sales and returns of a store summed in SQL by UTC
hour, in minor units; posapp.domain.sales_analysis moves the hours into the store's zone."""

from __future__ import annotations

from datetime import datetime

from posapp.domain.money import qty_from_milli
from posapp.domain.sales_analysis import HourBucket
from posapp.storage.db import database, is_sqlite
from posapp.storage.report_repo import ReportRepository, Scope, _int


class SalesAnalysisRepository(ReportRepository):
    def hour_buckets(self, *, store_code: str, start: datetime, end: datetime) -> list[HourBucket]:
        """Sales and returns of the store in [start, end) (naive UTC), by UTC hour of creation."""
        where, params = Scope(store_code=store_code, start=start, end=end).where(self._stamp)
        hour = ("strftime('%Y-%m-%d %H', s.created_at)" if is_sqlite(database.obj)
                else "to_char(s.created_at, 'YYYY-MM-DD HH24')")
        per_sale = (
            f"SELECT {hour} AS hr, s.kind AS kind, s.subtotal_minor AS sub, s.basket_discount_minor AS bd, "
            "s.promo_discount_minor AS pd, s.total_minor AS tot, "
            "COALESCE((SELECT SUM(l.discount_minor) FROM sale_line l WHERE l.sale_id = s.id), 0) AS ld, "
            "COALESCE((SELECT SUM(p.amount_minor) FROM sale_line_promotion p JOIN sale_line l "
            "ON l.id = p.sale_line_id WHERE l.sale_id = s.id AND p.kind NOT IN ('threshold', 'coupon')), 0) AS lp, "
            "COALESCE((SELECT SUM(l.qty_milli) FROM sale_line l WHERE l.sale_id = s.id), 0) AS qty, "
            "COALESCE((SELECT SUM(t.tax_minor) FROM sale_tax t WHERE t.sale_id = s.id), 0) AS tax "
            f"FROM sale s WHERE {where}")
        rows = self._sql(f"SELECT q.hr, q.kind, COUNT(*), SUM(q.sub), SUM(q.bd), SUM(q.pd), SUM(q.tot), "
                         f"SUM(q.ld), SUM(q.lp), SUM(q.qty), SUM(q.tax) FROM ({per_sale}) q "
                         "GROUP BY q.hr, q.kind ORDER BY q.hr, q.kind", params)
        found: dict[str, HourBucket] = {}
        for r in rows:
            at = datetime.strptime(r[0], "%Y-%m-%d %H")
            b = found.get(r[0], HourBucket(hour=at))
            if r[1] == "return":
                b = HourBucket(**{**b.__dict__, "returns": b.returns + _int(r[2]),
                                  "returned": b.returned - self._d(r[6]), "tax": b.tax + self._d(r[10])})
            else:
                sub, ld, lp = self._d(r[3]), self._d(r[7]), self._d(r[8])
                b = HourBucket(**{**b.__dict__, "sales": b.sales + _int(r[2]), "gross": b.gross + sub + ld + lp,
                                  "discounts": b.discounts + ld + lp + self._d(r[4]) + self._d(r[5]),
                                  "tax": b.tax + self._d(r[10]), "units": b.units + qty_from_milli(_int(r[9]))})
            found[r[0]] = b
        return list(found.values())
