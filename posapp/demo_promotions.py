"""Promotions and members of the demo store, on the demo catalog's first products, so a demo till
shows every kind: a special price, percent off a category, buy 2 get 1, 满减 tiers, a coupon, a gift
and a member price."""

from __future__ import annotations

from decimal import Decimal as D

from posapp.domain.promotions import Kind, Promotion, Tier

DEMO_MEMBERS = (("M0001", "王女士", "13800000001", "gold"), ("M0002", "李先生", "13800000002", ""))


def demo_promotions() -> list[Promotion]:
    def promo(code, kind, name, **kw):
        return Promotion(id=0, code=code, name=name, kind=kind, **kw)

    return [
        promo("DEMO-SP", Kind.SPECIAL_PRICE, "奶粉限时特价", products=frozenset({"D0000001"}), price=D("79.00")),
        promo("DEMO-DRINK", Kind.PERCENT_OFF, "饮料九折", categories=("饮料",), percent=D(10)),
        promo("DEMO-B2G1", Kind.BUY_X_GET_Y, "薯片买二送一", categories=("零食/薯片",), buy=2, get=1),
        promo("DEMO-MJ", Kind.THRESHOLD, "满200减20，满500减60", group="满减",
              tiers=(Tier(D(200), D(20)), Tier(D(500), D(60)))),
        promo("DEMO-CPN", Kind.COUPON, "新客券满50减10", coupon_code="WELCOME10", amount=D(10), threshold=D(50),
              group="券"),
        promo("DEMO-GIFT", Kind.GIFT, "满300送湿巾", gift_sku="D0000046", threshold=D(300)),
        promo("DEMO-MEMBER", Kind.SPECIAL_PRICE, "会员价 鸡蛋", products=frozenset({"D0000016"}), price=D("29.90"),
              members_only=True),
    ]
