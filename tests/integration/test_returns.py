"""Returns through the real services on SQLite and PostgreSQL: a sale through the checkout, then returns
against its receipt, checked as the cashier and the store manager would: the refund and where it goes,
stock back on the shelf (or kept apart when damaged), the member's points, the journal, the receipt
numbers, the audit log, and what is refused without changing anything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.points import EntryKind
from posapp.domain.returns import Asked
from posapp.domain.users import Approval, Permission
from posapp.services import journal
from posapp.services import members as svc
from posapp.services import returns
from test_members import AT, PHONE, pieces, sell, store  # noqa: F401 (the store fixture)


def stock(uow, sku, location="sellable"):
    from posapp.storage.db import database

    db = database.obj
    return db.execute_sql(
        f"SELECT COALESCE(SUM(m.qty_milli), 0) FROM stock_movement m JOIN product p ON p.id = m.product_id "
        f"WHERE p.sku = {db.param} AND m.location = {db.param}", (sku, location)).fetchone()[0]


def test_a_partial_return_refunds_its_share_puts_stock_back_and_is_journaled(uow, station, store):
    _manager, cashier = store
    a, b = pieces(uow)[:2]
    sale = sell(uow, station, cashier, None, [(a, 3), (b, 1)])
    shelf = stock(uow, a)
    seen = returns.find_returnable(uow, station, sale.number.lower(), now=AT + timedelta(days=2))
    assert (seen.left[1], seen.returned[1], seen.in_window, seen.days) == (D(3), D(0), True, 2)
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, now=AT + timedelta(days=2),
                               asked=[Asked(1, D(1), "wrong_size")], print_receipt=True)
    doc = uow.sales.get(number=done.sale.number)
    line = sale.lines[0]
    assert doc.number == "S001-T01-000002" and doc.kind == "return" and doc.original == sale.number
    assert doc.total == -(line.paid / 3).quantize(D("0.01"))
    assert [(p.tender, p.amount, p.refund_of) for p in doc.payments] == [("cash", doc.total, 0)]
    assert stock(uow, a) == shelf + 1000
    assert journal.verify_journal(uow).ok
    assert uow.audit.recent(limit=1)[0].action == "return_taken"
    seen = returns.find_returnable(uow, station, sale.number)
    assert (seen.left[1], seen.returned[1], seen.returns) == (D(2), D(1), (doc.number,))


def test_the_rest_then_more_than_is_left_is_refused_with_the_numbers_and_nothing_changes(uow, station, store):
    _manager, cashier = store
    a = pieces(uow)[0]
    sale = sell(uow, station, cashier, None, [(a, 2)])
    returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "changed_mind")], now=AT)
    last = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "changed_mind")],
                               now=AT)
    assert -sum(r.total for r in uow.sales.returns_of(sale.number)) == sale.total + sale.rounding
    assert last.plan.final
    before = uow.sales.sequence_value("receipt:S001-T01")
    with pytest.raises(ValidationError, match="2 sold, 2 already returned, 0 left"):
        returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "changed_mind")],
                            now=AT)
    assert uow.sales.sequence_value("receipt:S001-T01") == before and len(uow.sales.returns_of(sale.number)) == 2


def test_damaged_goods_go_apart_not_back_on_the_shelf(uow, station, store):
    a = pieces(uow)[0]
    sale = sell(uow, station, store[1], None, [(a, 1)])
    shelf = stock(uow, a)
    returns.take_return(uow, station, actor=store[1], number=sale.number, asked=[Asked(1, D(1), "damaged")], now=AT)
    assert (stock(uow, a), stock(uow, a, "damaged")) == (shelf, 1000)


def test_outside_the_window_a_manager_approves_and_the_audit_names_them(uow, station, store):
    manager, cashier = store
    a = pieces(uow)[0]
    sale = sell(uow, station, cashier, None, [(a, 1)])
    late = AT + timedelta(days=31)
    assert not returns.find_returnable(uow, station, sale.number, now=late).in_window
    with pytest.raises(PermissionDenied):
        returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")], now=late)
    assert uow.sales.returns_of(sale.number) == []
    returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")], now=late,
                        approval=Approval(approver=manager, permission=Permission.RETURN_OVERRIDE))
    assert uow.audit.recent(limit=1)[0].approver == manager.username


def test_card_refunds_need_the_terminal_reference_and_cash_instead_needs_a_supervisor(uow, station, store):
    from posapp.domain.basket import Basket
    from posapp.domain.tender import Tendering
    from posapp.services import checkout

    manager, cashier = store
    basket = Basket()
    basket.add(uow.catalog.by_sku(pieces(uow)[0]), qty=D(2))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("card", tendering.remaining, reference="AUTH123456")
    sale = checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=AT).sale
    ask = [Asked(1, D(1), "not_as_described")]
    with pytest.raises(ValidationError, match="refund reference"):
        returns.take_return(uow, station, actor=cashier, number=sale.number, asked=ask, now=AT)
    with pytest.raises(PermissionDenied):
        returns.take_return(uow, station, actor=cashier, number=sale.number, asked=ask, now=AT, to_cash=True)
    assert uow.sales.returns_of(sale.number) == []
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=ask, now=AT,
                               references={0: " RF 998877 "})
    assert [(p.tender, p.reference) for p in done.sale.payments] == [("card", "RF 998877")]
    cash = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=ask, now=AT, to_cash=True,
                               approval=Approval(approver=manager, permission=Permission.REFUND))
    assert [p.tender for p in cash.sale.payments] == ["cash"]


def test_a_members_return_gives_back_points_that_paid_and_takes_back_points_earned(uow, station, store):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=1000, reason="welcome", at=AT)
    dear = max((uow.catalog.by_sku(s) for s in pieces(uow)), key=lambda p: p.price)
    sale = sell(uow, station, cashier, member, [(dear.sku, 2)], points=D("10.00"))
    before = uow.members.balance(member.id)
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(2), "wrong_size")],
                               now=AT)
    assert (done.plan.points_given, done.plan.shortfall) == (1000, 0)
    _m, entries = svc.history(uow, member.code)
    earned = next(e.points for e in entries if e.kind is EntryKind.EARN)
    back = [(e.points, e.sale_number) for e in entries if e.kind is EntryKind.REVERSE]
    assert back == [(1000, done.sale.number), (-earned, done.sale.number)]
    assert uow.members.balance(member.id) == before + 1000 - earned == 1000  # back where it was before the sale
    assert {p.tender: p.amount for p in done.sale.payments} == {"points": D("-10.00"), "cash": -(sale.total - 10)}
    assert done.sale.member.balance == 1000


def test_points_already_spent_come_off_the_refund_and_the_receipt_says_so(uow, station, store):
    from posapp.devices.receipt import ReceiptHeader, layout_receipt, render_text

    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    dear = max((uow.catalog.by_sku(s) for s in pieces(uow)), key=lambda p: p.price)
    sale = sell(uow, station, cashier, member, [(dear.sku, 1)])
    earned = uow.members.balance(member.id)
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=-(earned - 10), reason="spent", at=AT)
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "changed_mind")],
                               now=AT)
    short = earned - 10
    assert (done.plan.points_taken, done.plan.shortfall) == (10, short)
    value = (D(short) / 100).quantize(D("0.01"), rounding="ROUND_CEILING")
    assert done.sale.payments[0].amount == -(sale.total - value)
    assert uow.members.balance(member.id) == 0
    receipt = layout_receipt(returns_receipt(uow, done.sale), store=ReceiptHeader("店", "路", ""), columns=42,
                             timezone="Asia/Shanghai")
    text = "\n".join(render_text(receipt))
    assert "*** 退货单 ***" in text and f"原单号: {sale.number}" in text and f"已用积分折现 {short}" in text
    assert "扣回积分" in text and "积分余额" in text and f"{-done.sale.payments[0].amount:.2f}" in text


def returns_receipt(uow, doc):
    return svc.with_member(doc, svc.sale_member(uow, doc))


def test_bad_requests_are_refused_and_nothing_is_written(uow, station, store):
    cashier = store[1]
    a = pieces(uow)[0]
    sale = sell(uow, station, cashier, None, [(a, 2)])
    for asked, problem in (([Asked(1, D(0), "other")], "above 0"), ([Asked(1, D("0.5"), "other")], "whole units"),
                           ([Asked(7, D(1), "other")], "no line 7"), ([Asked(1, D(1), "")], "reason"),
                           ([], "Choose what")):
        with pytest.raises(ValidationError, match=problem):
            returns.take_return(uow, station, actor=cashier, number=sale.number, asked=asked, now=AT)
    with pytest.raises(NotFound):
        returns.find_returnable(uow, station, "S001-T01-999999")
    with pytest.raises(ValidationError, match="barcode"):
        returns.find_returnable(uow, station, "   ")
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")], now=AT)
    with pytest.raises(ValidationError, match="is a return"):
        returns.find_returnable(uow, station, done.sale.number)
    assert len(uow.sales.returns_of(sale.number)) == 1 and journal.verify_journal(uow).ok


# --- random sales, random returns, through the real services -------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_phones = iter(range(10_000_000))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(1, 3)), min_size=1, max_size=4, unique_by=lambda x: x[0]),
       st.integers(0, 300), st.randoms(use_true_random=False))
def test_random_returns_never_refund_more_than_paid_and_all_back_restores_stock_and_points(
        uow, station, store, items, points_paid, rnd):
    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=f"137{next(_phones):08d}")
    svc.adjust_points(uow, station, actor=manager, code=member.code, points=50_000, reason="test", at=AT)
    skus = pieces(uow)
    chosen = [(skus[i], q) for i, q in items]
    before_points = uow.members.balance(member.id)
    before_stock = {sku: stock(uow, sku) for sku, _q in chosen}
    total = sum((uow.catalog.by_sku(s).price * q for s, q in chosen), D(0))
    paid_in_points = min(D(points_paid), (total / 2).quantize(D("1"), rounding="ROUND_FLOOR"))
    sale = sell(uow, station, cashier, member, chosen, points=paid_in_points if paid_in_points >= 1 else D(0))
    paid = sum((p.amount for p in sale.payments), D(0))
    left = {ln.line_no: ln.qty for ln in sale.lines}
    refunded = D(0)
    while any(left.values()):
        n = rnd.choice([k for k, q in left.items() if q])
        qty = D(rnd.randint(1, int(left[n])))
        done = returns.take_return(uow, station, actor=cashier, number=sale.number, now=AT,
                                   asked=[Asked(n, qty, rnd.choice(["changed_mind", "wrong_size"]))])
        refunded -= sum((p.amount for p in done.sale.payments), D(0))
        assert refunded <= paid
        left[n] -= qty
    assert refunded == paid
    assert {sku: stock(uow, sku) for sku, _q in chosen} == before_stock
    assert uow.members.balance(member.id) == before_points
    assert journal.verify_journal(uow).ok


def test_a_late_return_to_cash_takes_both_approvals_at_once(uow, station, store):
    from posapp.domain.basket import Basket
    from posapp.domain.tender import Tendering
    from posapp.services import checkout

    manager, cashier = store
    basket = Basket()
    basket.add(uow.catalog.by_sku(pieces(uow)[0]), qty=D(1))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("card", tendering.remaining, reference="AUTH1")
    sale = checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=AT).sale
    late = AT + timedelta(days=30, hours=1)
    assert not returns.find_returnable(uow, station, sale.number, now=late).in_window  # 30 days and an hour
    both = (Approval(approver=manager, permission=Permission.RETURN_OVERRIDE),
            Approval(approver=manager, permission=Permission.REFUND))
    with pytest.raises(PermissionDenied):
        returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")], now=late,
                            to_cash=True, approval=both[0])
    done = returns.take_return(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")],
                               now=late, to_cash=True, approval=both)
    assert [p.tender for p in done.sale.payments] == ["cash"]


def test_a_sale_found_without_its_receipt_by_day_amount_member_or_card(uow, station, store):
    from posapp.domain.basket import Basket
    from posapp.domain.tender import Tendering
    from posapp.services import checkout

    manager, cashier = store
    member = svc.sign_up(uow, station, actor=cashier, phone=PHONE)
    a, b = pieces(uow)[:2]
    mine = sell(uow, station, cashier, member, [(a, 1)])
    other = sell(uow, station, cashier, None, [(b, 2)], now=AT - timedelta(days=3))
    basket = Basket()
    basket.add(uow.catalog.by_sku(a), qty=D(3))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("card", tendering.remaining, reference="AUTH 77889900")
    carded = checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=AT).sale
    found = lambda **kw: [s.number for s in returns.search_sales(uow, station, actor=kw.pop("actor", cashier), **kw)]  # noqa: E731
    day = (AT + timedelta(hours=8)).date()  # the store is in Shanghai
    assert found(day=day.isoformat()) == [carded.number, mine.number]
    assert found(member="138 1234 5678") == [mine.number]
    assert found(amount=str(other.total)) == [other.number]
    assert found(day=day, amount=str(other.total)) == []
    with pytest.raises(PermissionDenied):  # finding a customer by their card is a supervisor's
        found(reference="9900")
    assert found(reference="9900", actor=manager) == [carded.number]
    for kw, problem in ((dict(), "Give a day"), (dict(day="yesterday"), "not a day"),
                        (dict(amount="abc"), "amount"), (dict(reference="99", actor=manager), "last 4")):
        with pytest.raises(ValidationError, match=problem):
            found(**kw)
    done = returns.take_return(uow, station, actor=cashier, number=mine.number, asked=[Asked(1, D(1), "other")], now=AT)
    assert done.sale.number not in found(day=day)  # returns are not sales to return against
