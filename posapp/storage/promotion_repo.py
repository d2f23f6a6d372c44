"""Promotions and coupon uses. A promotion's products, conditions and what it gives are kept as
one JSON document (money in minor units); the columns hold what queries filter on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from decimal import Decimal

from posapp.domain.clock import utcnow
from posapp.domain.money import from_minor, to_minor
from posapp.domain.promotions import Kind, Promotion, Tier, normal_coupon
from posapp.storage.db import database
from posapp.storage.models import CouponUseRow, PromotionRow


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


class PromotionRepository:
    def __init__(self, places: int = 2):
        self.places = places

    # --- documents ----------------------------------------------------------------------------
    def _m(self, value: Decimal | None) -> int | None:
        return None if value is None else to_minor(value, self.places)

    def _d(self, value: int | None) -> Decimal | None:
        return None if value is None else from_minor(value, self.places)

    def _definition(self, p: Promotion) -> str:
        doc = {
            "products": sorted(p.products), "categories": list(p.categories),
            "exclude_products": sorted(p.exclude_products), "exclude_categories": list(p.exclude_categories),
            "members_only": p.members_only, "member_tiers": sorted(p.member_tiers),
            "weekdays": sorted(p.weekdays), "hours": [_hm(h) for h in p.hours] if p.hours else None,
            "price_minor": self._m(p.price), "percent": None if p.percent is None else str(p.percent),
            "amount_minor": self._m(p.amount),
            "tiers": [[self._m(t.threshold), self._m(t.amount)] for t in p.tiers], "repeating": p.repeating,
            "buy": p.buy, "get": p.get, "threshold_minor": self._m(p.threshold),
            "gift_sku": p.gift_sku, "gift_qty": p.gift_qty,
            "max_uses": p.max_uses, "max_uses_per_member": p.max_uses_per_member, "extra": p.extra,
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True)

    def _promotion(self, row: PromotionRow) -> Promotion:
        doc = json.loads(row.definition)
        hours = doc.get("hours")
        return Promotion(
            id=row.id, code=row.code, name=row.name, name_en=row.name_en, kind=Kind(row.kind),
            starts_at=_naive(row.starts_at), ends_at=_naive(row.ends_at), active=row.active,
            priority=row.priority, stackable=row.stackable, group=row.group_name, source=row.source,
            coupon_code=row.coupon_code or "",
            products=frozenset(doc["products"]), categories=tuple(doc["categories"]),
            exclude_products=frozenset(doc["exclude_products"]),
            exclude_categories=tuple(doc["exclude_categories"]),
            members_only=doc["members_only"], member_tiers=frozenset(doc["member_tiers"]),
            weekdays=frozenset(doc["weekdays"]),
            hours=(time.fromisoformat(hours[0]), time.fromisoformat(hours[1])) if hours else None,
            price=self._d(doc["price_minor"]), percent=None if doc["percent"] is None else Decimal(doc["percent"]),
            amount=self._d(doc["amount_minor"]),
            tiers=tuple(Tier(self._d(t), self._d(a)) for t, a in doc["tiers"]), repeating=doc["repeating"],
            buy=doc["buy"], get=doc["get"], threshold=self._d(doc["threshold_minor"]),
            gift_sku=doc["gift_sku"], gift_qty=doc["gift_qty"], max_uses=doc["max_uses"],
            max_uses_per_member=doc["max_uses_per_member"], extra=doc.get("extra") or {})

    # --- promotions ---------------------------------------------------------------------------
    def save(self, p: Promotion) -> Promotion:
        """Insert, or update the promotion with the same code; returns it with its id."""
        now = utcnow()
        values = dict(name=p.name, name_en=p.name_en, kind=p.kind.value, starts_at=p.starts_at, ends_at=p.ends_at,
                      active=p.active, priority=p.priority, stackable=p.stackable, group_name=p.group,
                      coupon_code=normal_coupon(p.coupon_code) or None, source=p.source,
                      definition=self._definition(p), updated_at=now)
        row = PromotionRow.get_or_none(PromotionRow.code == p.code)
        if row is None:
            row = PromotionRow.create(code=p.code, created_at=now, **values)
        else:
            PromotionRow.update(**values).where(PromotionRow.id == row.id).execute()
        return self.get(row.id)

    def get(self, promotion_id: int) -> Promotion | None:
        row = PromotionRow.get_or_none(PromotionRow.id == promotion_id)
        return self._promotion(row) if row else None

    def by_code(self, code: str) -> Promotion | None:
        row = PromotionRow.get_or_none(PromotionRow.code == code)
        return self._promotion(row) if row else None

    def by_coupon(self, coupon_code: str) -> Promotion | None:
        row = PromotionRow.get_or_none(PromotionRow.coupon_code == normal_coupon(coupon_code))
        return self._promotion(row) if row else None

    def all(self) -> list[Promotion]:
        return [self._promotion(r) for r in PromotionRow.select().order_by(PromotionRow.id)]

    def current(self, at_utc: datetime) -> list[Promotion]:
        """Active promotions not yet over at at_utc (those starting later included, so a till can
        keep the set for a while; the engine checks the dates, days and hours)."""
        query = PromotionRow.select().where(
            PromotionRow.active == True,  # noqa: E712 (peewee expression)
            (PromotionRow.ends_at.is_null()) | (PromotionRow.ends_at > at_utc)).order_by(PromotionRow.id)
        return [self._promotion(r) for r in query]

    def end(self, promotion_id: int, at_utc: datetime) -> None:
        PromotionRow.update(active=False, ends_at=at_utc, updated_at=utcnow()).where(
            PromotionRow.id == promotion_id).execute()

    def version(self) -> tuple:
        """Changes whenever a promotion is added or changed (a till reloads its set when it does)."""
        row = database.obj.execute_sql("SELECT MAX(updated_at), COUNT(*) FROM promotion").fetchone()
        return (str(row[0]), row[1])

    # --- coupons ------------------------------------------------------------------------------
    def coupon_uses(self, promotion_id: int, *, member_code: str | None = None) -> int:
        query = CouponUseRow.select().where(CouponUseRow.promotion == promotion_id)
        if member_code is not None:
            query = query.where(CouponUseRow.member_code == member_code)
        return query.count()

    def add_coupon_use(self, *, promotion_id: int, code: str, sale_id: int, member_code: str | None,
                       at: datetime) -> None:
        CouponUseRow.create(promotion=promotion_id, code=normal_coupon(code), sale=sale_id,
                            member_code=member_code, used_at=at)


def _parse(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _naive(value: datetime | None) -> datetime | None:
    """Stored times are UTC; PostgreSQL may hand them back aware."""
    if value is None:
        return None
    value = _parse(value)
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
