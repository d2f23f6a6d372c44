"""Which products get labels: by category (with its subcategories), by SKU, or by a price that changed
since a moment (the trigger of migration 0010 stamps product.price_changed_at whoever changes a price;
a product added since then has a new price too). Every filter given narrows the choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from posapp.domain.clock import utcnow
from posapp.domain.labels import LabelItem
from posapp.domain.money import from_minor
from posapp.domain.sync_records import on_sale
from posapp.storage.db import database
from posapp.storage.sales_repo import _parse_time, _stamp

CHUNK = 500  # SKUs per statement


class LabelRepository:
    def __init__(self, places: int = 2, clock: Callable[[], datetime] = utcnow):
        self.places = places
        self.clock = clock  # the moment whose price a label shows (the shop's sale prices have dates)

    _SELECT = ("SELECT p.sku, p.name, p.name_en, p.price_minor, p.sale_price_minor, p.sale_from, p.sale_to, p.unit, "
               "p.weighed, COALESCE(p.content, ''), COALESCE(c.path, ''), "
               "(SELECT b.code FROM barcode b WHERE b.product_id = p.id ORDER BY b.id LIMIT 1) "
               "FROM product p LEFT JOIN category c ON c.id = p.category_id")

    def items(self, *, category_ids: list[int] | None = None, skus: list[str] | None = None,
              since: datetime | None = None) -> list[LabelItem]:
        """Products matching every filter given, by category path then SKU. Active products only,
        unless SKUs are named (a label asked for by name is printed)."""
        db = database.obj
        p = db.param
        where, params = [], []
        if category_ids is not None:
            if not category_ids:
                return []
            where.append(f"p.category_id IN ({', '.join([p] * len(category_ids))})")
            params.extend(category_ids)
        if since is not None:
            where.append(f"COALESCE(p.price_changed_at, p.created_at) >= {p}")
            params.append(_stamp(db, since))
        if not skus:
            where.append(f"p.active = {p}")
            params.append(True)
        rows = []
        for start in range(0, len(skus), CHUNK) if skus else [None]:
            extra, values = list(where), list(params)
            if start is not None:
                chunk = skus[start:start + CHUNK]
                extra.append(f"p.sku IN ({', '.join([p] * len(chunk))})")
                values.extend(chunk)
            sql = self._SELECT + (" WHERE " + " AND ".join(extra) if extra else "")
            rows.extend(db.execute_sql(sql, tuple(values)).fetchall())
        now = self.clock()
        items = [self._item(r, now) for r in rows]
        items.sort(key=lambda it: (it.category, it.sku))
        return items

    def _item(self, r, now: datetime) -> LabelItem:
        (sku, name, name_en, price, sale, sale_from, sale_to, unit, weighed, content, path, code) = r
        regular = None
        if sale is not None and sale != price and on_sale(sale_price=sale, sale_from=_time(sale_from),
                                                          sale_to=_time(sale_to), at=now):
            regular, price = from_minor(price, self.places), sale
        return LabelItem(sku=sku, name=name, name_en=name_en or "", price=from_minor(price, self.places),
                         regular_price=regular, unit=unit or "", weighed=bool(weighed), content=content,
                         barcode=code or "", category=path)


def _time(value) -> datetime | None:
    return None if value is None else _parse_time(value)
