"""The shop's coupons as till coupons: typed at the till they take off what the shop would; a coupon the
till cannot honour exactly is left out with a warning rather than honoured wrong."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from posapp.config import SyncConfig
from posapp.domain.basket import Basket
from posapp.domain.errors import ValidationError
from posapp.domain.promotions import Kind, Promotion
from posapp.services import promotions as svc
from posapp.services.auth import SYSTEM
from posapp.sync.pull import pull_catalog
from posapp.sync.woo_pull import WooCatalogSource
from posapp.sync.woocommerce import WooClient

NOW = datetime(2024, 1, 2)
AT = NOW + timedelta(hours=4)  # at the till


@pytest.fixture
def source(woo):
    woo.clock.auto_advance = timedelta(seconds=1)
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooClient(config) as client:
        yield WooCatalogSource(client, config)


@pytest.fixture
def shop(woo):
    s = woo.store
    ids = {"milk": s.add_product("Milk", sku="MILK", regular_price="12.90"),
           "tea": s.add_product("Tea", sku="TEA1", regular_price="3.50")}
    ids.update(
        save10=s.add_coupon("save10", amount="10", discount_type="percent", minimum_amount="50",
                            description="10% off from 50"),
        minus20=s.add_coupon("minus20", amount="20", discount_type="fixed_cart", usage_limit=5),
        tea_half=s.add_coupon("tea-half", amount="50", discount_type="percent", product_ids=[ids["tea"]]),
        expired=s.add_coupon("xmas", amount="10", discount_type="percent", date_expires="2023-12-26T00:00:00Z"),
        draft=s.add_coupon("later", amount="10", discount_type="percent", status="draft"),
        per_item=s.add_coupon("five-each", amount="5", discount_type="fixed_product"),
        capped=s.add_coupon("capped", amount="5", discount_type="percent", maximum_amount="100"),
    )
    s.coupons[ids["minus20"]]["usage_count"] = 4  # used four times online already
    return ids


def basket(uow, station, items, coupons=()) -> Basket:
    b = Basket(offers=svc.load_offers(uow, station, at=AT), clock=svc.fixed_clock(AT, station))
    for sku, qty in items:
        b.add(uow.catalog.by_sku(sku), qty=D(qty))
    for code in coupons:
        b.add_coupon(code)
    return b


def test_shop_coupons_work_at_the_till_as_in_the_shop(woo, shop, source, uow, station):
    report = pull_catalog(uow, source, station=station, now=NOW)[2]
    assert (report.pages, report.created, report.rejected) == (1, 5, None)
    assert sorted(w.split(" is not used")[0] for w in report.warnings) == [
        f"coupon capped ({shop['capped']})", f"coupon five-each ({shop['per_item']})"]
    assert "fixed_product has no till equivalent" in " ".join(report.warnings)
    assert "maximum spend" in " ".join(report.warnings)

    # 10% off from 50 spent: 5 x 12.90 = 64.50, 6.45 off.
    totals = basket(uow, station, [("MILK", 5)], coupons=["SAVE10"]).totals()
    assert (totals.subtotal, totals.promo_discount, totals.total) == (D("64.50"), D("6.45"), D("58.05"))
    # Under the minimum spend it takes nothing off.
    assert basket(uow, station, [("MILK", 3)], coupons=["save10"]).totals().promo_discount == 0
    # A coupon limited to a product takes its percent off that product only: half of 2 x 3.50.
    totals = basket(uow, station, [("MILK", 1), ("TEA1", 2)], coupons=["TEA-HALF"]).totals()
    assert totals.promo_discount == D("3.50")
    assert svc.check_coupon(uow, station, "minus20", at=AT).amount == D("20.00")
    # Used 4 times of 5 online: one use is left for the store.
    assert uow.promotions.by_code(f"woo-coupon-{shop['minus20']}").max_uses == 1
    for code in ("xmas", "later"):  # expired, and not published
        with pytest.raises(ValidationError, match="not valid now"):
            svc.check_coupon(uow, station, code, at=AT)


def test_a_coupon_changed_to_what_the_till_cannot_honour_is_withdrawn(woo, shop, source, uow, station):
    pull_catalog(uow, source, station=station, now=NOW)
    coupon = woo.store.coupons[shop["save10"]]
    coupon.update(discount_type="fixed_product", date_modified=woo.clock.tick())
    woo.store._changed()
    report = pull_catalog(uow, source, station=station, now=NOW)[2]
    assert (report.created, report.updated, report.deactivated) == (0, 0, 1)
    assert not uow.promotions.by_code(f"woo-coupon-{shop['save10']}").active
    with pytest.raises(ValidationError, match="not valid now"):
        svc.check_coupon(uow, station, "SAVE10", at=AT)
    # Pulling again changes nothing more.
    again = pull_catalog(uow, source, station=station, now=NOW)[2]
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)


def test_a_store_coupon_with_the_same_code_is_kept_and_the_shop_one_left_out(woo, source, uow, station):
    svc.save_promotions(uow, station, actor=SYSTEM, promotions=[Promotion(
        id=0, code="STORE-10", name="Store coupon", kind=Kind.COUPON, coupon_code="save10", amount=D(3))])
    cid = woo.store.add_coupon("save10", amount="10", discount_type="percent")
    report = pull_catalog(uow, source, station=station, now=NOW)[2]
    assert report.created == 0
    assert report.warnings == [f"coupon save10 ({cid}) is not used at the till: the till already has a coupon "
                               "SAVE10 of its own (STORE-10)"]
    assert svc.check_coupon(uow, station, "SAVE10", at=AT).code == "STORE-10"


def test_a_coupon_for_a_product_not_pulled_is_left_out(woo, source, uow, station):
    woo.store.add_coupon("ghost", amount="10", discount_type="percent", product_ids=[999])
    report = pull_catalog(uow, source, station=station, now=NOW)[2]
    assert report.created == 0 and "product(s) 999 are not in the till's catalog" in report.warnings[0]
