"""The push against the local fake shop on a real database (SQLite and PostgreSQL): sales made through the
till's services become the shop's orders, returns its refunds, points its customers' points, each exactly
once; refusals are parked for a person and the rest goes on; throttling and lost answers are waited out
and looked for. Checked as the shop's manager would: the order's lines, totals, coupons, customer, meta,
refunds and stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

import pytest

from posapp.config import SyncConfig
from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.clock import utcnow
from posapp.domain.promotions import Kind, Promotion
from posapp.domain.returns import Asked
from posapp.domain.tender import Tendering
from posapp.domain.users import Role, User
from posapp.services import catalog, checkout, returns, shifts
from posapp.services import members as member_svc
from posapp.services import promotions as promo_svc
from posapp.services.auth import SYSTEM, hash_pin
from posapp.storage.db import database
from posapp.sync.push import push_pending
from posapp.sync.woo_push import WooOrderSink
from posapp.sync.woocommerce import Unknown, WooClient

POINTS = "_pos_points"


@dataclass
class Till:
    """A store with a catalog partly linked to the shop's products, a shift open, and the shop's ids."""

    uow: object
    station: object
    manager: User
    cashier: User
    skus: dict  # milk, shirt_s, shirt_m, apples (weighed), local (not in the shop), ghost (a deleted product)
    shop: dict  # the fake shop's ids: milk, shirt, shirt_s, shirt_m, apples, customer


def meta(record: dict, key: str):
    return next((m["value"] for m in record["meta_data"] if m["key"] == key), None)


def sql(query: str, params=()) -> list[tuple]:
    db = database.obj
    return db.execute_sql(query.replace("?", db.param), params).fetchall()


def link_product(sku: str, external_id: str | None, parent: str | None = None) -> None:
    """What the pull does for a product it matched (built elsewhere): the shop's ids on the local product."""
    db = database.obj
    db.execute_sql(f"UPDATE product SET external_id = {db.param}, external_parent = {db.param} WHERE sku = {db.param}",
                   (external_id, parent, sku))


def seed_shop(woo) -> dict:
    woo.clock.set(utcnow())
    woo.clock.auto_advance = timedelta(milliseconds=5)
    s = woo.store
    ids = {"milk": s.add_product("Milk 950ml", sku="MILK", regular_price="13.90", manage_stock=True,
                                 stock_quantity=100),
           "apples": s.add_product("Apples", sku="APPLE", regular_price="12.00"),
           "shirt": s.add_product("T-shirt", type="variable", sku="SHIRT")}
    ids["shirt_s"] = s.add_variation(ids["shirt"], attributes={"size": "S"}, sku="SHIRT-S", regular_price="59.00",
                                     manage_stock=True, stock_quantity=20)
    ids["shirt_m"] = s.add_variation(ids["shirt"], attributes={"size": "M"}, sku="SHIRT-M", regular_price="59.00",
                                     manage_stock=True, stock_quantity=20)
    s.add_coupon("welcome10", amount="10", discount_type="fixed_cart")
    ids["customer"] = s.add_customer("wang@example.com", first_name="Li", last_name="Wang",
                                     meta_data=[{"key": POINTS, "value": "100"}])
    return ids


def open_till(uow, station, woo) -> Till:
    shop = seed_shop(woo)
    specs = demo_products(60)
    catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="demo")
    pieces = [s.sku for s in specs if not s.weighed]
    weighed = [s.sku for s in specs if s.weighed]
    skus = {"milk": pieces[0], "shirt_s": pieces[1], "shirt_m": pieces[2], "local": pieces[3], "ghost": pieces[4],
            "apples": weighed[0]}
    with uow:
        link_product(skus["milk"], str(shop["milk"]))
        link_product(skus["shirt_s"], str(shop["shirt_s"]), str(shop["shirt"]))
        link_product(skus["shirt_m"], str(shop["shirt_m"]), str(shop["shirt"]))
        link_product(skus["apples"], str(shop["apples"]))
        link_product(skus["ghost"], "999999")
        manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("8888"))
        cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
        uow.commit()
    shifts.open_shift(uow, station, actor=cashier, opening_float=D("200.00"))
    coupon = dict(kind=Kind.COUPON, amount=D(10), threshold=D(20))
    promo_svc.save_promotions(uow, station, actor=manager, source="woo", promotions=[
        Promotion(id=0, code="WOO-WELCOME10", name="welcome10", coupon_code="welcome10", group="shop", **coupon)])
    promo_svc.save_promotions(uow, station, actor=manager, source="manual", promotions=[
        Promotion(id=0, code="TILL-5", name="till coupon", coupon_code="till5", group="till", **coupon)])
    return Till(uow, station, manager, cashier, skus, shop)


@pytest.fixture
def till(uow, station, woo) -> Till:
    return open_till(uow, station, woo)


def sink_for(woo, *, secret: str | None = None, timeout: float = 5.0) -> WooOrderSink:
    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=secret or woo.secret,
                        timeout_seconds=timeout)
    return WooOrderSink(WooClient(config), config)


@pytest.fixture
def sink(woo):
    made = sink_for(woo)
    yield made
    made.client.close()


def sell(till: Till, items, *, member=None, coupons=(), card: D = D(0), now=None):
    """A sale through the till's checkout: (sku key, qty) items, an optional member and coupons."""
    uow, station = till.uow, till.station
    now = now or utcnow()
    basket = Basket(offers=promo_svc.load_offers(uow, station, at=now), clock=promo_svc.fixed_clock(now, station))
    for key, qty in items:
        basket.add(uow.catalog.by_sku(till.skus[key]), qty=D(qty))
    if member is not None:
        basket.set_member(member.code, member.tier)
    for code in coupons:
        basket.add_coupon(code)
    tendering = Tendering(total=basket.totals().total, cash_increment=D("0.01"))
    if card:
        tendering.add("card", card, reference="REF123456")
    tendering.add("cash", tendering.cash_due)
    return checkout.complete_sale(uow, station, actor=till.cashier, basket=basket, tendering=tendering,
                                  now=now).sale


def take_back(till: Till, sale, asked):
    return returns.take_return(till.uow, till.station, actor=till.cashier, number=sale.number, now=utcnow(),
                               asked=[Asked(line, D(qty), reason) for line, qty, reason in asked]).sale


def push(till: Till, sink, *, now=None, **kw):
    return push_pending(till.uow, sink, station=till.station, now=now or utcnow(), **kw)


def event(topic: str, key: str):
    with_id = sql("SELECT id FROM outbox_event WHERE topic = ? AND key = ? ORDER BY id", (topic, key))
    return [e for e in (database_event(i) for (i,) in with_id)]


def database_event(event_id: int):
    from posapp.storage.outbox_repo import OutboxRepository

    return OutboxRepository().get(event_id)


def sale_event(sale):
    return event("sale.returned" if sale.is_return else "sale.completed", sale.number)[0]


def member_linked(till: Till, *, phone="13812345678", linked=True):
    return member_svc.sign_up(till.uow, till.station, actor=till.cashier, phone=phone, name="王女士",
                              external_id=str(till.shop["customer"]) if linked else None)


# --- sales --------------------------------------------------------------------------------------

def test_a_sale_is_a_completed_order_with_the_lines_totals_coupons_customer_and_meta(till, woo, sink):
    member = member_linked(till)
    sale = sell(till, [("milk", 2), ("shirt_s", 1), ("apples", "0.532"), ("local", 1)], member=member,
                coupons=["WELCOME10", "TILL5"], card=D("20.00"))
    assert set(sale.coupons) == {"WELCOME10", "TILL5"}  # both took their 10 off at the till
    report = push(till, sink)
    assert (report.sent, report.failed, report.parked, report.error) == (len(sql("SELECT id FROM outbox_event")),
                                                                         0, 0, None)
    [order] = woo.orders()
    lines = {meta(li, "_pos_line"): li for li in order["line_items"]}
    by_no = {ln.line_no: ln for ln in sale.lines}
    milk, shirt, apples, local = (by_no[n] for n in (1, 2, 3, 4))
    assert (lines["1"]["product_id"], lines["1"]["variation_id"], lines["1"]["quantity"]) == (till.shop["milk"], 0, 2)
    assert (lines["1"]["subtotal"], lines["1"]["total"]) == (str(milk.list_price * 2), str(milk.paid))
    assert (lines["2"]["product_id"], lines["2"]["variation_id"], lines["2"]["quantity"]) == (
        till.shop["shirt"], till.shop["shirt_s"], 1)
    assert lines["2"]["total"] == str(shirt.paid) and shirt.paid < shirt.list_price  # the coupons' share came off
    # Weighed: one unit in the shop, the weight in the line's meta, the money as charged.
    assert (lines["3"]["quantity"], meta(lines["3"], "_pos_quantity"), meta(lines["3"], "_pos_unit")) == (
        1, "0.532", apples.unit)
    assert lines["3"]["total"] == str(apples.paid)
    [fee] = order["fee_lines"]  # the product only this store has
    assert (fee["name"], fee["total"], meta(fee, "_pos_line")) == (f"{local.sku} {local.name}", str(local.paid), "4")
    assert D(order["total"]) == sale.total + sale.rounding
    assert [c["code"] for c in order["coupon_lines"]] == ["welcome10"]  # the till's own coupon is not the shop's
    assert (order["status"], order["customer_id"], order["currency"]) == ("completed", till.shop["customer"], "CNY")
    assert order["date_paid"] is not None
    assert order["payment_method"] == "pos-split" and "card 20.00" in order["payment_method_title"]
    stored = sale_event(sale)
    assert (meta(order, "_pos_uuid"), meta(order, "_pos_receipt"), meta(order, "_pos_store"),
            meta(order, "_pos_terminal")) == (stored.payload["uuid"], sale.number, "S001", "T01")
    assert (stored.state, stored.remote_id, stored.attempts) == ("sent", str(order["id"]), 1)
    # The shop took its stock once; the till's movements of the sale are acknowledged.
    assert woo.store.products[till.shop["milk"]]["stock_quantity"] == 98
    assert woo.store.variations[till.shop["shirt_s"]]["stock_quantity"] == 19
    assert sql("SELECT COUNT(*) FROM stock_movement WHERE synced_at IS NULL") == [(0,)]
    # The points the sale earned reached the customer.
    assert int(meta(woo.store.customers[till.shop["customer"]], POINTS)) == 100 + sale.member.earned
    assert till.uow.sales.outbox_pending() == 0


def test_a_return_is_a_refund_on_its_order_with_the_order_s_line_ids(till, woo, sink):
    sale = sell(till, [("milk", 3), ("shirt_m", 1), ("local", 2)])
    push(till, sink)
    [order] = woo.orders()
    items = {meta(li, "_pos_line"): li["id"] for li in order["line_items"] + order["fee_lines"]}
    back = take_back(till, sale, [(1, 1, "wrong_size"), (2, 1, "damaged"), (3, 1, "changed_mind")])
    report = push(till, sink)
    assert (report.sent, report.parked, report.failed) == (1, 0, 0)
    [refund] = woo.refunds(order["id"])
    refunded = {int(meta(li, "_refunded_item_id")): li for li in refund["line_items"]}
    assert set(refunded) == {items["1"], items["2"]}  # the fee line's money is in the amount
    assert (refunded[items["1"]]["quantity"], refunded[items["2"]]["quantity"]) == (-1, 0)  # damaged: not restocked
    by_no = {ln.original_line: ln for ln in back.lines}
    assert refunded[items["1"]]["total"] == str(by_no[1].paid)
    assert D(refund["amount"]) == -(back.total + back.rounding)
    assert (meta(refund, "_pos_uuid"), meta(refund, "_pos_receipt")) == (sale_event(back).payload["uuid"], back.number)
    assert refund["refunded_payment"] is False and meta(refund, "_pos_damaged") == "2:1"
    assert woo.store.products[till.shop["milk"]]["stock_quantity"] == 100 - 3 + 1
    assert woo.store.variations[till.shop["shirt_m"]]["stock_quantity"] == 20 - 1  # the damaged shirt stays out
    assert sale_event(back).remote_id == str(refund["id"])
    # The rest later: a second refund, and the order is refunded in full.
    rest = take_back(till, sale, [(1, 2, "changed_mind"), (3, 1, "changed_mind")])
    push(till, sink)
    assert len(woo.refunds(order["id"])) == 2 and woo.orders()[0]["status"] == "refunded"
    assert D(woo.refunds(order["id"])[-1]["amount"]) == -(rest.total + rest.rounding)


def test_a_return_without_receipt_is_skipped_with_its_reason_and_stays_visible(till, woo, sink):
    from posapp.services.unreceipted import Unreceipted, take_unreceipted_return

    sale = sell(till, [("milk", 1)])
    done = take_unreceipted_return(till.uow, till.station, actor=till.manager, now=utcnow(),
                                   items=[Unreceipted(code=till.skus["milk"], qty=D(1), reason="changed_mind")])
    report = push(till, sink)
    assert (report.sent, report.skipped) == (1, 1)
    skipped = sale_event(done.sale)
    assert skipped.state == "skipped" and "without a receipt" in skipped.last_error
    assert till.uow.outbox.counts()["skipped"] == 1 and till.uow.sales.outbox_pending() == 0
    assert len(woo.orders()) == 1 and woo.refunds() == [] and sale_event(sale).state == "sent"


# --- points --------------------------------------------------------------------------------------

def test_points_deltas_are_applied_once_even_when_the_answer_to_the_put_is_lost(till, woo, sink):
    member = member_linked(till)
    woo.faults.drop_after_commit(method="PUT", path=r"customers/\d+")
    woo.faults.malformed_json(method="PUT", path=r"customers/\d+")
    member_svc.adjust_points(till.uow, till.station, actor=till.manager, code=member.code, points=500,
                             reason="welcome gift")
    member_svc.adjust_points(till.uow, till.station, actor=till.manager, code=member.code, points=-50,
                             reason="correction")
    now = utcnow()
    first = push(till, sink, now=now)
    assert (first.sent, first.failed) == (0, 1) and "no answer" in first.error
    customer = woo.store.customers[till.shop["customer"]]
    assert meta(customer, POINTS) == "600"  # the shop applied it; the till does not know that yet
    second = push(till, sink, now=first.retry_at + timedelta(seconds=1))
    assert (second.sent, second.failed) == (1, 1) and "not JSON" in second.error  # +500 seen, -50 lost answer
    third = push(till, sink, now=second.retry_at + timedelta(seconds=1))
    assert (third.sent, third.failed) == (1, 0)
    assert meta(customer, POINTS) == "550"  # 100 + 500 - 50, each once
    applied = meta(customer, POINTS + "_applied").split(",")
    uuids = [e.payload["uuid"] for e in event("points.changed", member.code)]
    assert applied == uuids
    assert len(woo.requests_for("PUT", r"customers/\d+")) == 2  # no third write: the retries only looked


def test_points_of_a_member_without_a_shop_customer_are_held_until_the_member_is_linked(till, woo, sink):
    member = member_linked(till, linked=False)
    sale = sell(till, [("milk", 5)], member=member)
    report = push(till, sink)
    assert (report.sent, report.held) == (1, 1) and woo.orders()[0]["customer_id"] == 0
    [held] = event("points.changed", member.code)
    assert held.state == "held" and "not linked" in held.last_error
    assert till.uow.sales.outbox_pending() == 1  # still on its way: the status bar counts it
    assert push(till, sink).held == 0 and held.attempts == 0  # not even looked at while the member is unlinked
    with till.uow:
        till.uow.members.update(member.id, external_id=str(till.shop["customer"]))
        till.uow.commit()
    assert push(till, sink).sent == 1
    assert meta(woo.store.customers[till.shop["customer"]], POINTS) == str(100 + sale.member.earned)


def test_points_the_shop_holds_as_something_else_than_a_number_are_parked_not_overwritten(till, woo, sink):
    member = member_linked(till)
    woo.store.update_customer(till.shop["customer"], {"meta_data": [{"key": POINTS, "value": "lots"}]})
    member_svc.adjust_points(till.uow, till.station, actor=till.manager, code=member.code, points=5, reason="gift")
    report = push(till, sink)
    assert (report.sent, report.parked) == (0, 1)
    [parked] = till.uow.outbox.parked()
    assert parked.key == member.code and "'lots', not a number of points" in parked.last_error
    assert meta(woo.store.customers[till.shop["customer"]], POINTS) == "lots"


# --- failures ------------------------------------------------------------------------------------

def test_a_429_waits_as_long_as_the_shop_asks_then_sends_without_looking(till, woo, sink):
    sale = sell(till, [("milk", 1)])
    woo.faults.throttle(retry_after=30, method="POST", path="orders")
    now = utcnow()
    report = push(till, sink, now=now)
    assert (report.sent, report.failed) == (0, 1) and "429" in report.error
    waited = (report.retry_at - now).total_seconds()
    assert 30 <= waited <= 32
    assert sale_event(sale).next_attempt_at == report.retry_at
    early = push(till, sink, now=now + timedelta(seconds=20))
    assert (early.sent, early.failed, early.retry_at) == (0, 0, report.retry_at)
    assert len(woo.requests_for("POST", "orders")) == 1  # nothing went out before its time
    assert push(till, sink, now=report.retry_at + timedelta(seconds=1)).sent == 1
    assert len(woo.orders()) == 1 and woo.requests_for("GET", "orders") == []  # a 429 changed nothing
    assert sale_event(sale).attempts == 2


def test_a_refused_sale_is_parked_the_rest_go_on_and_a_retry_after_the_fix_sends_it(till, woo, sink):
    refused = sell(till, [("ghost", 1), ("milk", 1)])
    fine = sell(till, [("milk", 2)])
    back = take_back(till, refused, [(2, 1, "changed_mind")])
    report = push(till, sink)
    assert (report.sent, report.parked, report.held) == (1, 1, 1)
    parked = till.uow.outbox.parked()
    assert [(p.key, p.topic) for p in parked] == [(refused.number, "sale.completed")]
    assert "Invalid product ID" in parked[0].last_error and parked[0].attempts == 1
    ghost, milk = (till.uow.catalog.by_sku(till.skus[k]) for k in ("ghost", "milk"))  # which products went
    assert f"[lines: {ghost.sku} (shop {ghost.external_id}), {milk.sku} (shop {milk.external_id})]" in parked[0].last_error
    assert "refused" in sale_event(back).last_error and sale_event(back).state == "held"
    assert [meta(o, "_pos_receipt") for o in woo.orders()] == [fine.number]
    assert till.uow.outbox.counts() == {"pending": 0, "sent": 1, "parked": 1, "held": 1, "skipped": 0}
    assert [(e.state, e.key) for e in till.uow.outbox.problems()] == [("parked", refused.number),
                                                                      ("held", back.number)]
    # The product was deleted in the shop; the manager links the local one to the right product and retries.
    with till.uow:
        link_product(till.skus["ghost"], str(till.shop["apples"]))
        assert till.uow.outbox.retry(parked[0].id) and not till.uow.outbox.retry(parked[0].id)
        till.uow.commit()
    report = push(till, sink)
    assert (report.sent, report.parked, report.held) == (2, 0, 0)  # the sale, then the return held behind it
    order = woo.orders_with_meta("_pos_receipt", refused.number)[0]
    assert [r["amount"] for r in woo.refunds(order["id"])] == [str(-(back.total + back.rounding))]
    assert sale_event(refused).attempts == 2


def test_a_parked_event_settled_by_hand_is_skipped_with_the_note_never_deleted(till, woo, sink):
    refused = sell(till, [("ghost", 1)])
    push(till, sink)
    event_id = sale_event(refused).id
    with till.uow:
        assert till.uow.outbox.resolve(event_id, "entered in the shop by hand as order 77")
        till.uow.commit()
    settled = sale_event(refused)
    assert (settled.state, settled.last_error) == ("skipped", "settled by hand: entered in the shop by hand as order 77")
    assert till.uow.outbox.parked() == [] and till.uow.outbox.counts()["skipped"] == 1
    assert push(till, sink).sent == 0 and woo.orders() == []


def test_a_refund_the_shop_refuses_is_parked_with_its_message(till, woo, sink):
    sale = sell(till, [("milk", 2)])
    push(till, sink)
    [order] = woo.orders()
    woo.store.create_refund(order["id"], {"amount": order["total"], "api_refund": False})  # refunded online
    back = take_back(till, sale, [(1, 1, "changed_mind")])
    report = push(till, sink)
    assert (report.sent, report.parked, report.failed) == (0, 1, 0)
    parked = sale_event(back)
    assert parked.state == "parked" and "Invalid refund amount" in parked.last_error


def test_a_wrong_key_stops_the_run_parks_nothing_and_the_next_try_does_not_look(till, woo):
    sale = sell(till, [("milk", 1)])
    bad = sink_for(woo, secret="cs_wrong")
    report = push(till, bad)
    bad.client.close()
    assert (report.auth_failed, report.failed, report.parked, report.sent) == (True, 1, 0, 0)
    assert "Consumer secret is invalid" in report.error
    stored = sale_event(sale)
    assert (stored.state, stored.attempts, stored.first_sent_at) == ("pending", 1, None)


def test_lost_answers_are_looked_for_before_sending_again_and_nothing_is_doubled(till, woo):
    sink = sink_for(woo, timeout=1.0)
    sales = [sell(till, [("milk", 1), ("shirt_s", 1)]) for _ in range(5)]
    woo.faults.drop_after_commit(method="POST", path="orders")
    woo.faults.slow(delay=1.5, method="POST", path="orders")
    woo.faults.malformed_json(method="POST", path="orders", style="truncated")
    woo.faults.fail(method="POST", path="orders")
    woo.faults.drop(method="POST", path="orders")
    now, reports = utcnow(), []
    while till.uow.sales.outbox_pending():
        reports.append(push(till, sink, now=now))
        now = max(now, reports[-1].retry_at or now) + timedelta(seconds=1)
        assert len(reports) < 20
    sink.client.close()
    assert [r.failed for r in reports].count(1) == 5
    numbers = [meta(o, "_pos_receipt") for o in woo.orders()]
    assert sorted(numbers) == sorted(s.number for s in sales) and len(numbers) == 5
    assert len(woo.requests_for("GET", "orders")) >= 5  # each retry looked first
    # Refunds too: a lost answer to the refund's POST, and no second refund.
    back = take_back(till, sales[0], [(1, 1, "changed_mind")])
    woo.faults.drop_after_commit(method="POST", path=r"orders/\d+/refunds")
    sink = sink_for(woo)
    first = push(till, sink, now=now)
    second = push(till, sink, now=first.retry_at + timedelta(seconds=1))
    sink.client.close()
    assert (first.failed, second.sent) == (1, 1)
    order = woo.orders_with_meta("_pos_receipt", sales[0].number)[0]
    assert [meta(r, "_pos_receipt") for r in woo.refunds(order["id"])] == [back.number]


def test_an_event_a_person_settles_while_the_worker_runs_stays_settled(till, woo):
    a, b, c = (sell(till, [("milk", 1)]) for _ in range(3))
    ids = {s.number: sale_event(s).id for s in (a, b, c)}

    def settle(number):
        with till.uow:
            till.uow.outbox.resolve(ids[number], "entered in the shop by hand")
            till.uow.commit()

    class Meddled(WooOrderSink):
        """While a's order is on its way, b is settled; c is settled while its own try fails."""

        def create_order(self, doc):
            if doc.sale.number == c.number:
                settle(c.number)
                raise Unknown("no answer")
            settle(b.number)
            return super().create_order(doc)

    config = SyncConfig(connector="woocommerce", url=woo.url, key=woo.key, secret=woo.secret)
    with WooClient(config) as client:
        report = push(till, Meddled(client, config))
    assert (report.sent, report.failed) == (1, 1)
    assert [meta(o, "_pos_receipt") for o in woo.orders()] == [a.number]
    assert [sale_event(s).state for s in (a, b, c)] == ["sent", "skipped", "skipped"]
    assert sale_event(c).last_error == "settled by hand: entered in the shop by hand"
