"""Stock counts through the real services on SQLite and PostgreSQL, as a store manager checks them:
the expected quantity of each line while the till keeps selling, the variances, the adjustments the
approval posts, the ledger check, and what is refused without changing anything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.stock import DocLine
from posapp.services import stock as stock_svc
from posapp.services import stock_counts as counts
from posapp.demo import demo_products
from test_members import AT, pieces, sell, store  # noqa: F401 (the store fixture)


def on_hand(uow, station, sku, location="sellable"):
    pid = uow.catalog.by_sku(sku).id
    return uow.stock.on_hand(station.store_code, [pid], location)[pid]


def receive(uow, station, manager, items, at=AT - timedelta(days=1)):
    lines = [DocLine(product_id=uow.catalog.by_sku(sku).id, qty=D(q)) for sku, q in items]
    return stock_svc.receive_stock(uow, station, actor=manager, lines=lines, supplier="供应商", at=at)


def scan(uow, station, who, number, sku, qty=None, at=None, location="sellable"):
    return counts.record_entry(uow, station, actor=who, number=number, sku=sku, qty=qty, at=at, location=location)


def line(review, sku, location="sellable"):
    return next(ln for ln in review.lines if ln.sku == sku and ln.location == location)


def test_sales_during_the_count_are_not_variances_and_approval_posts_what_is_missing(uow, station, store):
    manager, cashier = store
    a, b, c = pieces(uow)[:3]
    receive(uow, station, manager, [(a, 10), (b, 5), (c, 4)])
    count = counts.start_count(uow, station, actor=manager, at=AT)
    assert count.status == "open" and count.blind and count.lines >= 3
    # a: 2 sold before the shelf is counted, then the counter finds 8: no variance.
    sell(uow, station, cashier, None, [(a, 2)], now=AT + timedelta(minutes=5))
    scan(uow, station, cashier, count.number, a, qty="7", at=AT + timedelta(minutes=10))
    scan(uow, station, cashier, count.number, a, at=AT + timedelta(minutes=11))
    # b: counted 5 first, then 1 is sold: the sale is not a shortage either.
    scan(uow, station, cashier, count.number, b, qty="5", at=AT + timedelta(minutes=12))
    sell(uow, station, cashier, None, [(b, 1)], now=AT + timedelta(minutes=20))
    # c: 4 expected, 3 found: one is missing.
    scan(uow, station, manager, count.number, c, qty="3", at=AT + timedelta(minutes=15))

    review = counts.review_count(uow, actor=manager, number=count.number, now=AT + timedelta(minutes=30))
    la, lb, lc = line(review, a), line(review, b), line(review, c)
    assert (la.snapshot, la.moved, la.expected, la.counted, la.variance) == (D(10), D(-2), D(8), D(8), D(0))
    assert (lb.snapshot, lb.moved, lb.expected, lb.counted, lb.variance) == (D(5), D(0), D(5), D(5), D(0))
    assert (lc.expected, lc.counted, lc.variance) == (D(4), D(3), D(-1))
    assert lc.variance_value == -lc.unit_value and lc.value_basis == "price"
    assert review.totals.counted == 3 and review.totals.with_variance == 1
    assert review.totals.not_counted == review.totals.lines - 3
    assert review.totals.loss_value == -lc.unit_value and review.totals.gain_value == 0

    done = counts.approve_count(uow, station, actor=manager, number=count.number, at=AT + timedelta(minutes=40))
    assert done.count.status == "approved" and done.posted == 1
    assert (on_hand(uow, station, a), on_hand(uow, station, b), on_hand(uow, station, c)) == (D(8), D(4), D(3))
    assert line(done.review, c).posted == D(-1) and line(done.review, a).posted == D(0)
    assert stock_svc.check_ledger(uow).ok
    assert uow.audit.recent(limit=1)[0].action == "stock_count_approved"
    # The shop is told of the one change, as a delta of sellable stock.
    event = uow.outbox.find("stock.adjusted", f"count:{count.number}")
    assert event is not None and event.payload["lines"] == [
        {"product_id": uow.catalog.by_sku(c).id, "sku": c, "delta_milli": -1000}]


def test_an_approved_count_cannot_be_approved_again_or_counted_into(uow, station, store):
    manager, cashier = store
    a = pieces(uow)[0]
    count = counts.start_count(uow, station, actor=manager, at=AT)
    scan(uow, station, cashier, count.number, a, qty="2", at=AT + timedelta(minutes=1))
    counts.approve_count(uow, station, actor=manager, number=count.number, at=AT + timedelta(minutes=2))
    assert on_hand(uow, station, a) == D(2)
    with pytest.raises(ValidationError, match="already approved by 店长"):
        counts.approve_count(uow, station, actor=manager, number=count.number)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        scan(uow, station, cashier, count.number, a)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        counts.recount(uow, station, actor=manager, number=count.number, items=[(uow.catalog.by_sku(a).id, "sellable")])
    assert on_hand(uow, station, a) == D(2) and stock_svc.check_ledger(uow).ok


def test_a_count_someone_else_is_approving_is_refused_and_counting_stops(uow, station, store):
    manager, cashier = store
    other = uow.users.add(username="m2", name="副店长", role=manager.role, pin_hash="x")
    a = pieces(uow)[0]
    count = counts.start_count(uow, station, actor=manager, at=AT)
    with uow:
        assert uow.counts.claim(count.id, user_id=other.id, now=AT + timedelta(minutes=1),
                                stale_before=AT - timedelta(minutes=9))
        uow.commit()
    with pytest.raises(ValidationError, match="副店长 is approving"):
        counts.approve_count(uow, station, actor=manager, number=count.number, at=AT + timedelta(minutes=2))
    with pytest.raises(ValidationError, match="being approved"):
        scan(uow, station, cashier, count.number, a)
    # A claim left by a crash is taken over after ten minutes.
    done = counts.approve_count(uow, station, actor=manager, number=count.number, at=AT + timedelta(minutes=12))
    assert done.count.approved_by == "店长"


def test_recount_drops_the_first_round_and_unknown_codes_are_listed(uow, station, store):
    manager, cashier = store
    a = pieces(uow)[0]
    receive(uow, station, manager, [(a, 6)])
    count = counts.start_count(uow, station, actor=manager, at=AT)
    scan(uow, station, cashier, count.number, a, qty="9", at=AT + timedelta(minutes=1))
    unknown = counts.record_entry(uow, station, actor=cashier, number=count.number, code="6901234567892",
                                  at=AT + timedelta(minutes=2))
    assert unknown.problem == "unknown" and "listed for the manager" in unknown.message
    pid = uow.catalog.by_sku(a).id
    counts.recount(uow, station, actor=manager, number=count.number, items=[(pid, "sellable")])
    assert counts.recount_list(uow, actor=cashier, number=count.number)[0][0] == a
    assert line(counts.review_count(uow, actor=manager, number=count.number), a).counted is None
    scan(uow, station, cashier, count.number, a, qty="6", at=AT + timedelta(minutes=3))
    review = counts.review_count(uow, actor=manager, number=count.number, now=AT + timedelta(minutes=4))
    assert (line(review, a).counted, line(review, a).variance, line(review, a).round) == (D(6), D(0), 2)
    assert [(p.code, p.problem, p.user) for p in review.problems] == [("6901234567892", "unknown", "收银员")]


@pytest.mark.parametrize(("qty", "problem"), [("-1", "cannot be negative"), ("100000", "check what"),
                                              ("1.5", "whole units"), ("abc", "not a number"), ("NaN", "not a number")])
def test_bad_quantities_are_refused_and_nothing_is_written(uow, station, store, qty, problem):
    manager, cashier = store
    a = pieces(uow)[0]
    count = counts.start_count(uow, station, actor=manager, at=AT)
    with pytest.raises(ValidationError, match=problem):
        scan(uow, station, cashier, count.number, a, qty=qty)
    assert counts.my_entries(uow, actor=cashier, number=count.number) == []


def test_counters_may_count_but_not_review_approve_or_start(uow, station, store):
    manager, cashier = store
    count = counts.start_count(uow, station, actor=manager, at=AT)
    for call in (lambda: counts.review_count(uow, actor=cashier, number=count.number),
                 lambda: counts.approve_count(uow, station, actor=cashier, number=count.number),
                 lambda: counts.start_count(uow, station, actor=cashier, categories=())):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(NotFound):
        counts.review_count(uow, actor=manager, number="C-S001-999999")


def test_overlapping_counts_are_refused_and_a_category_count_covers_only_its_products(uow, station, store):
    manager, cashier = store
    cats = sorted({p.category for p in map(uow.catalog.by_sku, pieces(uow)) if p.category})
    first = counts.start_count(uow, station, actor=manager, categories=[cats[0]], at=AT)
    with pytest.raises(ValidationError, match=f"Count {first.number} is still open"):
        counts.start_count(uow, station, actor=manager, at=AT)
    other = next(s for s in pieces(uow) if uow.catalog.by_sku(s).category != cats[0])
    result = scan(uow, station, cashier, first.number, other)
    assert result.problem == "out_of_scope"
    review = counts.review_count(uow, actor=manager, number=first.number)
    assert {ln.category for ln in review.lines} == {cats[0]} and len(review.problems) == 1


def test_a_store_adopts_the_shops_stock_once_without_changing_what_the_till_shows(uow, station, store):
    manager, cashier = store
    a, b = pieces(uow)[:2]
    db = uow.db.obj
    p = db.param
    pulled = "2026-11-22 06:00:00" if backend_is_sqlite(db) else AT - timedelta(days=1)
    db.execute_sql(f"UPDATE product SET remote_stock_milli = 20000, stock_pulled_at = {p} WHERE sku = {p}", (pulled, a))
    sell(uow, station, cashier, None, [(a, 3), (b, 1)])  # not pushed yet: the shop still says 20
    pid = uow.catalog.by_sku(a).id
    shown = uow.catalog.stock_of([pid])[pid]
    assert shown == D(17) and on_hand(uow, station, a) == D(-3)
    assert stock_svc.adopt_shop_stock(uow, station, actor=manager) == 1
    assert on_hand(uow, station, a) == D(17) and uow.catalog.stock_of([pid])[pid] == D(17)
    assert on_hand(uow, station, b) == D(-1)  # the shop does not count b: left alone
    assert stock_svc.adopt_shop_stock(uow, station, actor=manager) == 0
    pushed = db.execute_sql("SELECT COUNT(*) FROM outbox_event WHERE topic = 'stock.adjusted'").fetchone()[0]
    assert pushed == 0 and stock_svc.check_ledger(uow).ok  # the shop has these figures already
    with pytest.raises(PermissionDenied):
        stock_svc.adopt_shop_stock(uow, station, actor=cashier)


def backend_is_sqlite(db):
    from posapp.storage.db import is_sqlite

    return is_sqlite(db)


def test_after_a_crash_the_same_manager_approves_again_at_once_and_a_stale_claim_can_be_cancelled(uow, station, store):
    manager, cashier = store
    a = pieces(uow)[0]
    count = counts.start_count(uow, station, actor=manager, at=AT)
    scan(uow, station, cashier, count.number, a, qty="4", at=AT + timedelta(minutes=1))
    with uow:  # an approval that died after its claim
        assert uow.counts.claim(count.id, user_id=manager.id, now=AT + timedelta(minutes=2),
                                stale_before=AT - timedelta(minutes=8))
        uow.commit()
    done = counts.approve_count(uow, station, actor=manager, number=count.number, at=AT + timedelta(minutes=3))
    assert done.count.status == "approved" and on_hand(uow, station, a) == D(4)

    other = counts.start_count(uow, station, actor=manager, at=AT + timedelta(hours=1))
    with uow:
        assert uow.counts.claim(other.id, user_id=cashier.id, now=utc_minutes_ago(30), stale_before=AT)
        uow.commit()
    cancelled = counts.cancel_count(uow, station, actor=manager, number=other.number, reason="审批中断，重新盘点")
    assert cancelled.status == "cancelled"


def test_of_two_claims_only_the_later_can_finish(uow, station, store):
    manager, _ = store
    count = counts.start_count(uow, station, actor=manager, at=AT)
    first, second = AT + timedelta(minutes=1), AT + timedelta(minutes=2)
    with uow:
        assert uow.counts.claim(count.id, user_id=manager.id, now=first, stale_before=AT)
        assert uow.counts.claim(count.id, user_id=manager.id, now=second, stale_before=AT)
        assert not uow.counts.finish(count.id, user_id=manager.id, now=second, status="approved", claimed=first)
        assert uow.counts.finish(count.id, user_id=manager.id, now=second, status="approved", claimed=second)
        uow.commit()


def utc_minutes_ago(minutes):
    from posapp.domain.clock import utcnow

    return utcnow() - timedelta(minutes=minutes)


def test_a_scale_labels_own_code_carries_no_weight_and_is_refused(uow, station, store):
    manager, cashier = store
    weighed = next(p for p in map(uow.catalog.by_sku, (s.sku for s in demo_products(60))) if p.weighed)
    count = counts.start_count(uow, station, actor=manager, at=AT)
    with pytest.raises(ValidationError, match="weigh it"):
        counts.record_entry(uow, station, actor=cashier, number=count.number, code=weighed.barcodes[0])
    done = counts.record_entry(uow, station, actor=cashier, number=count.number, sku=weighed.sku, qty="1.25")
    assert done.entry.qty == D("1.250")
    assert counts.counts(uow, station, actor=cashier)[0].counted == 1


def test_a_supervisor_with_a_managers_pin_approves_and_the_audit_names_both(uow, station, store):
    from posapp.domain.users import Approval, Permission, Role
    from posapp.services.auth import hash_pin

    manager, cashier = store
    supervisor = uow.users.add(username="s1", name="值班主管", role=Role.SUPERVISOR, pin_hash=hash_pin("7777"))
    a = pieces(uow)[0]
    ok = Approval(approver=manager, permission=Permission.APPROVE_STOCK_COUNT)
    with pytest.raises(PermissionDenied):
        counts.start_count(uow, station, actor=supervisor, at=AT)
    count = counts.start_count(uow, station, actor=supervisor, approval=ok, at=AT)
    scan(uow, station, cashier, count.number, a, qty="3", at=AT + timedelta(minutes=1))
    done = counts.approve_count(uow, station, actor=supervisor, approval=ok, number=count.number,
                                at=AT + timedelta(minutes=2))
    assert done.count.approved_by == "店长" and on_hand(uow, station, a) == D(3)
    entry = uow.audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver) == ("stock_count_approved", "s1", "m1")
    moved = uow.stock.movements(station.store_code, uow.catalog.by_sku(a).id, limit=1)[0]
    assert (moved.reason, moved.user) == ("count", "值班主管")
