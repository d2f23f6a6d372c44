"""Stock changes made in the back office (receivings, write-offs, count approvals) reaching the local fake
shop on a real database (SQLite and PostgreSQL): the shop's stock moves by exactly each change, once, even
when the answer is lost; products the shop does not count are left out and said so; a product gone from
the shop parks the change with its SKU; two stores' changes both land on the shop's shared stock; and
once a change is in, the stock the till shows is the shop's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

import pytest

import test_push_orders
from posapp.config import SyncConfig
from posapp.demo import demo_products
from posapp.domain.clock import utcnow
from posapp.domain.stock import DocLine
from posapp.services import stock as stock_svc
from posapp.services import stock_counts as counts
from posapp.services.station import Station
from posapp.sync.pull import pull_catalog
from posapp.sync.push import StockDoc, StockLine, push_pending
from posapp.sync.woo_connector import WooConnector
from posapp.sync.woo_stock import STOCK_KEY, _check_batch, stock_plan
from posapp.sync.woocommerce import Rejected, Unknown
from test_push_orders import link_product, meta, sql

till = test_push_orders.till  # the fixture: a store partly linked to the fake shop (see seed_shop there)

MARK = STOCK_KEY + "S001"
LATER = timedelta(hours=1)  # past any backoff


@dataclass
class Shop:
    """The till linked to the shop and pulled once: local product ids and the shop's ids by name."""

    till: object
    woo: object
    connector: WooConnector
    ids: dict  # local product ids: milk, shirt_s, shirt_m, cap_l (a variation counted by its product), apples
    # (the shop does not count it), local (not in the shop), ghost (linked to a product the shop deleted)
    shop: dict  # the shop's ids: milk, shirt, shirt_s, shirt_m, apples, cap, cap_l

    def receive(self, items, *, station=None):
        return stock_svc.receive_stock(self.till.uow, station or self.till.station, actor=self.till.manager,
                                       lines=[DocLine(product_id=self.ids[k], qty=D(q)) for k, q in items],
                                       supplier="供应商")

    def adjust(self, reason, items, *, station=None):
        return stock_svc.adjust_stock(self.till.uow, station or self.till.station, actor=self.till.manager,
                                      reason=reason, lines=[DocLine(product_id=self.ids[k], qty=D(q)) for k, q in items])

    def push(self, *, later: bool = False):
        return push_pending(self.till.uow, self.connector, station=self.till.station,
                            now=utcnow() + (LATER if later else timedelta(0)))

    def pull(self):
        pulled = pull_catalog(self.till.uow, self.connector, station=self.till.station, now=utcnow())
        assert [p.rejected for p in pulled] == [None, None, None]

    def in_shop(self, name):
        return self.woo.product(self.shop[name])["stock_quantity"]

    def at_till(self, name):
        return self.till.uow.catalog.stock_of([self.ids[name]])[self.ids[name]]

    def event(self, ref):
        return self.till.uow.outbox.find("stock.adjusted", ref)

    def unacknowledged(self, ref) -> int:
        return sql("SELECT COUNT(*) FROM stock_movement WHERE ref = ? AND synced_at IS NULL", (ref,))[0][0]

    def writes(self, path=r"products(/\d+/variations)?/batch"):
        return self.woo.requests_for("POST", path)


@pytest.fixture
def shop(till, woo):
    s = woo.store
    cap = s.add_product("Cap", type="variable", sku="CAP", manage_stock=True, stock_quantity=50)
    cap_l = s.add_variation(cap, attributes={"size": "L"}, sku="CAP-L", regular_price="25.00", manage_stock="parent")
    pieces = [p.sku for p in demo_products(60) if not p.weighed]
    with till.uow:
        link_product(pieces[5], str(cap_l), str(cap))
        till.uow.commit()
    names = {**{k: till.skus[k] for k in ("milk", "shirt_s", "shirt_m", "apples", "local", "ghost")},
             "cap_l": pieces[5]}
    ids = {k: till.uow.catalog.by_sku(sku).id for k, sku in names.items()}
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret, timeout_seconds=5)
    with WooConnector(config) as connector:
        made = Shop(till, woo, connector, ids, {**till.shop, "cap": cap, "cap_l": cap_l})
        made.pull()  # the till now shows the shop's stock: milk 100, shirts 20, cap 50
        yield made


def test_a_receiving_moves_the_shops_stock_by_its_delta_and_the_till_then_shows_the_shops(shop):
    doc = shop.receive([("milk", 5), ("shirt_s", 3), ("cap_l", 4), ("apples", "2.5"), ("local", 2)])
    ref = f"receiving:{doc.number}"
    report = shop.push()
    assert (report.sent, report.parked, report.failed, report.error) == (1, 0, 0, None)
    assert (shop.in_shop("milk"), shop.in_shop("shirt_s"), shop.in_shop("shirt_m"), shop.in_shop("cap")) == (
        105, 23, 20, 54)  # the cap's variation has its product's stock: the product moved
    assert shop.in_shop("apples") is None  # the shop does not count it: nothing written
    event = shop.event(ref)
    assert (event.state, event.remote_id) == ("sent", "stock: 3 changed, 2 left out")
    assert event.last_error == f"APPLE: the shop does not count its stock; {shop.till.skus['local']}: not in the shop"
    # Each product carries the change's mark (on the cap, its product), and nothing else was touched.
    milk = shop.woo.product(shop.shop["milk"])
    assert meta(milk, MARK).startswith(f"{ref}@") and "," not in meta(milk, MARK)
    assert meta(shop.woo.product(shop.shop["cap"]), MARK) == meta(milk, MARK)
    assert meta(shop.woo.product(shop.shop["cap_l"]), MARK) is None
    assert [len(shop.writes("products/batch")), len(shop.writes(r"products/\d+/variations/batch"))] == [1, 1]
    # Acknowledged: the till shows the shop's numbers, before the next pull and after it.
    assert shop.unacknowledged(ref) == 0
    assert (shop.at_till("milk"), shop.at_till("shirt_s"), shop.at_till("cap_l")) == (D(105), D(23), D(54))
    shop.pull()
    assert (shop.at_till("milk"), shop.at_till("shirt_s"), shop.at_till("cap_l")) == (D(105), D(23), D(54))
    assert (shop.at_till("apples"), shop.at_till("local")) == (None, None)


def test_a_write_off_and_a_count_approval_take_stock_off_the_shop(shop):
    shop.receive([("milk", 10)])
    shop.adjust("damaged", [("milk", 2), ("shirt_m", 1)])
    manager = shop.till.manager
    count = counts.start_count(shop.till.uow, shop.till.station, actor=manager)
    counts.record_entry(shop.till.uow, shop.till.station, actor=manager, number=count.number,
                        sku=shop.till.uow.catalog.by_ids([shop.ids["milk"]])[0].sku, qty="5")
    done = counts.approve_count(shop.till.uow, shop.till.station, actor=manager, number=count.number)
    assert done.posted == 1  # on hand 8, counted 5
    report = shop.push()
    assert (report.sent, report.failed, report.parked) == (3, 0, 0)
    assert (shop.in_shop("milk"), shop.in_shop("shirt_m")) == (100 + 10 - 2 - 3, 19)
    assert shop.event(f"count:{count.number}").remote_id == "stock: 1 changed"
    assert meta(shop.woo.product(shop.shop["milk"]), MARK).count(",") == 2  # three changes, three marks
    assert (shop.at_till("milk"), shop.at_till("shirt_m")) == (D(105), D(19))


@pytest.mark.parametrize("fault", ["drop_after_commit", "malformed_json", "fail"])
def test_a_change_whose_answer_was_lost_is_applied_once(shop, fault):
    doc = shop.receive([("milk", 5), ("shirt_s", 3)])
    getattr(shop.woo.faults, fault)(method="POST", path="products/batch")
    first = shop.push()
    assert (first.sent, first.failed) == (0, 1) and first.retry_at is not None
    event = shop.event(f"receiving:{doc.number}")
    assert (event.state, event.attempts) == ("pending", 1)
    assert shop.in_shop("milk") == (100 if fault == "fail" else 105)  # "fail" answers before writing
    assert shop.unacknowledged(f"receiving:{doc.number}") == 2  # the till still adds them to the shop's 100
    assert shop.at_till("milk") == D(105)

    second = shop.push(later=True)
    assert (second.sent, second.failed) == (1, 0)
    assert (shop.in_shop("milk"), shop.in_shop("shirt_s")) == (105, 23)  # once
    assert len(shop.writes("products/batch")) == (2 if fault == "fail" else 1)  # the mark was seen: no write
    assert shop.event(f"receiving:{doc.number}").remote_id == (
        "stock: 2 changed" if fault == "fail" else "stock: 1 changed, 1 already")
    assert (shop.at_till("milk"), shop.unacknowledged(f"receiving:{doc.number}")) == (D(105), 0)
    assert shop.push(later=True).sent == 0  # and never again


def test_what_the_shop_does_not_count_is_left_out_and_a_change_with_nothing_in_the_shop_is_skipped(shop):
    found = shop.adjust("found", [("apples", "1.25")])
    local = shop.receive([("local", 3)])
    report = shop.push()
    assert (report.sent, report.skipped, report.parked) == (1, 1, 0)
    apples = shop.event(f"adjustment:{found.number}")
    assert (apples.state, apples.remote_id) == ("sent", "stock: 0 changed, 1 left out")
    assert "does not count its stock" in apples.last_error
    skipped = shop.event(f"receiving:{local.number}")
    assert (skipped.state, skipped.last_error) == (
        "skipped", f"none of its products is in the online shop ({shop.till.skus['local']})")
    assert shop.writes() == [] and shop.in_shop("apples") is None
    assert shop.unacknowledged(f"adjustment:{found.number}") == shop.unacknowledged(f"receiving:{local.number}") == 0


def test_a_product_gone_from_the_shop_parks_the_change_with_its_sku_and_later_changes_go_on(shop):
    gone = shop.receive([("ghost", 1), ("milk", 5)])
    shop.woo.store.delete_product(shop.shop["shirt"])  # its variations go with it
    shirt = shop.receive([("shirt_m", 2)])
    later = shop.receive([("milk", 2)])
    report = shop.push()
    assert (report.sent, report.parked, report.failed) == (1, 2, 0)
    parked = shop.event(f"receiving:{gone.number}")
    assert parked.state == "parked"
    assert parked.last_error == (f"not in the shop any more (deleted, or in its trash): "
                                 f"{shop.till.skus['ghost']} (shop 999999)")
    assert f"(shop {shop.shop['shirt']}/{shop.shop['shirt_m']})" in shop.event(f"receiving:{shirt.number}").last_error
    assert shop.in_shop("milk") == 102  # the parked change wrote nothing; the later one went in
    assert shop.event(f"receiving:{later.number}").state == "sent"
    assert shop.at_till("milk") == D(107)  # the parked 5 are still this store's, not yet the shop's
    # A manager makes the change in the shop by hand and settles it: acknowledged, and once the shop's
    # count is pulled the till stops adding it.
    shop.woo.store.update_product(shop.shop["milk"], stock_quantity=107)
    assert shop.till.uow.outbox.resolve(parked.id, "entered in the shop by hand")
    assert shop.unacknowledged(f"receiving:{gone.number}") == 0
    assert shop.at_till("milk") == D(107)
    shop.pull()
    assert shop.at_till("milk") == D(107) == shop.in_shop("milk")


def test_the_shops_refusals_park_with_its_reason_and_throttling_waits(shop):
    doc = shop.receive([("milk", 5)])
    ref = f"receiving:{doc.number}"
    shop.woo.faults.throttle(retry_after=30, method="GET", path="products")
    throttled = shop.push()
    assert throttled.failed == 1 and throttled.retry_at >= utcnow() + timedelta(seconds=29)
    assert shop.writes() == []
    shop.woo.faults.refuse(status=403, code="woocommerce_rest_cannot_batch",
                           message="Sorry, you are not allowed to batch manipulate this resource.",
                           method="POST", path="products/batch")
    refused = shop.push(later=True)
    assert refused.parked == 1 and shop.in_shop("milk") == 100
    assert shop.event(ref).last_error == ("POST products/batch: refused (403 woocommerce_rest_cannot_batch): "
                                          "Sorry, you are not allowed to batch manipulate this resource.")
    # Fixed in the shop, sent again: in once.
    assert shop.till.uow.outbox.retry(shop.event(ref).id)
    assert shop.push(later=True).sent == 1 and shop.in_shop("milk") == 105

    # A stock the till cannot add to is refused by the till, naming the product; nothing is written.
    shop.woo.store.products[shop.shop["milk"]]["stock_quantity"] = 12.5  # a plugin's fractional stock
    odd = shop.receive([("milk", 1)])
    assert shop.push(later=True).parked == 1
    assert shop.event(f"receiving:{odd.number}").last_error == (
        "MILK (shop %d): the shop's stock_quantity is '12.5', not a whole number" % shop.shop["milk"])
    assert len(shop.writes()) == 2 and shop.in_shop("milk") == 12.5  # the refused one and the one sent again


def test_two_stores_changes_and_the_shops_own_sales_all_land_on_the_shared_stock(shop):
    other = Station(store_code="S002", terminal_code="T01", currency="CNY")
    shop.receive([("milk", 5)])
    shop.receive([("milk", 7)], station=other)
    shop.adjust("theft", [("milk", 2)], station=other)
    web = shop.woo.store.create_order({"status": "processing", "line_items": [
        {"product_id": shop.shop["milk"], "quantity": 3}]})  # a customer of the web shop, meanwhile
    assert web["status"] == "processing" and shop.in_shop("milk") == 97
    assert shop.push().sent == 3
    assert shop.in_shop("milk") == 97 + 5 + 7 - 2
    milk = shop.woo.product(shop.shop["milk"])
    assert meta(milk, STOCK_KEY + "S001").startswith("receiving:R-S001-000001@")
    assert meta(milk, STOCK_KEY + "S002").split(",")[1].startswith("adjustment:A-S002-000001@")
    shop.pull()  # the web order is the shop's: the till learns of it at the pull
    assert shop.at_till("milk") == D(107)


# --- the answers, without a database ---------------------------------------------------------------

def test_batch_answers_are_read_strictly():
    updates = [{"id": 10, "stock_quantity": 5}, {"id": 11, "stock_quantity": 6}]
    names = {("products/batch", 10): "MILK", ("products/batch", 11): "TEA"}
    ok = {"update": [{"id": 10, "stock_quantity": 5}, {"id": 11, "stock_quantity": 6}]}
    _check_batch("products/batch", ok, updates, names)
    gone = {"update": [ok["update"][0], {"id": 11, "error": {"code": "woocommerce_rest_product_invalid_id",
                                                              "message": "Invalid ID.", "data": {"status": 400}}}]}
    with pytest.raises(Rejected, match=r"TEA \(shop 11\): not in the shop any more"):
        _check_batch("products/batch", gone, updates, names)
    failed = {"update": [ok["update"][0], {"id": 11, "error": {"code": "x", "message": "db", "data": {"status": 500}}}]}
    for answer in (failed, {"update": ok["update"][:1]}, {"create": []}, [], None):
        with pytest.raises(Unknown):
            _check_batch("products/batch", answer, updates, names)


def test_a_plan_sums_variations_counted_by_their_product_and_keeps_whole_units():
    doc = StockDoc(uuid="count:C-S001-000001@20261123060000", ref="count:C-S001-000001", store="S001", local=(),
                   product_ids=(1, 2, 3), lines=(
                       StockLine(1, "CAP-S", 2000, "21", "20"), StockLine(2, "CAP-L", -500, "22", "20"),
                       StockLine(3, "CAP-M", 1500, "23", "20")))
    variations = {(20, v): {"id": v, "manage_stock": "parent", "meta_data": []} for v in (21, 22, 23)}
    products = {20: {"id": 20, "manage_stock": True, "stock_quantity": 7,
                     "meta_data": [{"id": 1, "key": STOCK_KEY + "S001", "value": "a@1,b@2"}]}}
    plan = stock_plan(doc, products=products, variations=variations)
    assert plan.writes == {"products/batch": [{"id": 20, "stock_quantity": 10, "meta_data": [
        {"key": STOCK_KEY + "S001", "value": f"a@1,b@2,{doc.uuid}"}]}]}
    assert plan.changed == ["CAP-S", "CAP-L", "CAP-M"]
    products[20]["meta_data"][0]["value"] += "," + doc.uuid
    again = stock_plan(doc, products=products, variations=variations)
    assert (again.writes, again.already) == ({}, ["CAP-S", "CAP-L", "CAP-M"])
    half = StockDoc(**{**doc.__dict__, "lines": doc.lines[1:2], "uuid": "x@1"})
    assert stock_plan(half, products=products, variations=variations).left_out == [
        ("CAP-L", "the shop counts whole units; -0.5 not sent")]
