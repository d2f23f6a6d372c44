"""Exchanges through the real services on SQLite and PostgreSQL: items back against the receipt and
others sold in one transaction, with the difference paid by the customer or given back; both documents
journaled, each naming the other; a refusal leaves nothing behind."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from posapp.domain.basket import Basket
from posapp.domain.errors import ValidationError
from posapp.domain.returns import Asked
from posapp.domain.tender import Tendering
from posapp.services import journal, returns
from posapp.services.exchange import exchange_credit, take_exchange
from test_members import AT, pieces, sell, store  # noqa: F401 (the store fixture)
from test_returns import stock


def products(uow):
    found = sorted((uow.catalog.by_sku(s) for s in pieces(uow)), key=lambda p: p.price)
    return found[0], found[-1]  # the cheapest and the dearest


def new_basket(uow, sku, qty=1):
    basket = Basket()
    basket.add(uow.catalog.by_sku(sku), qty=D(qty))
    return basket


def test_a_dearer_item_the_customer_pays_the_difference(uow, station, store):
    cashier = store[1]
    cheap, dear = products(uow)
    sale = sell(uow, station, cashier, None, [(cheap.sku, 1)])
    asked = [Asked(1, D(1), "wrong_size")]
    credit = exchange_credit(returns.plan(uow, station, sale.number, asked), dear.price)
    assert credit == sale.lines[0].paid
    basket = new_basket(uow, dear.sku)
    tendering = Tendering(total=basket.totals().total)
    tendering.add("exchange", credit)
    tendering.add("cash", tendering.cash_due)
    shelf = (stock(uow, cheap.sku), stock(uow, dear.sku))
    done = take_exchange(uow, station, actor=cashier, number=sale.number, asked=asked, basket=basket,
                         tendering=tendering, now=AT)
    assert [(p.tender, p.amount, p.reference) for p in done.returned.payments] == [
        ("exchange", -credit, done.sold.number)]
    assert [(p.tender, p.amount) for p in done.sold.payments] == [("exchange", credit), ("cash", dear.price - credit)]
    assert done.sold.payments[0].reference == done.returned.number
    assert (stock(uow, cheap.sku), stock(uow, dear.sku)) == (shelf[0] + 1000, shelf[1] - 1000)
    assert journal.verify_journal(uow).ok
    assert uow.audit.recent(limit=2)[1].detail["exchange"] == done.sold.number


def test_a_cheaper_item_the_rest_goes_back_to_the_original_payment(uow, station, store):
    cashier = store[1]
    cheap, dear = products(uow)
    sale = sell(uow, station, cashier, None, [(dear.sku, 1)])
    basket = new_basket(uow, cheap.sku)
    tendering = Tendering(total=basket.totals().total)
    tendering.add("exchange", cheap.price)
    done = take_exchange(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "changed_mind")],
                         basket=basket, tendering=tendering, now=AT)
    assert {p.tender: p.amount for p in done.returned.payments} == {"exchange": -cheap.price,
                                                                     "cash": -(sale.lines[0].paid - cheap.price)}
    assert all(p.refund_of == 0 for p in done.returned.payments)
    # Nothing more can come back of that line, and the new sale can itself be returned.
    assert returns.find_returnable(uow, station, sale.number).left[1] == 0
    assert returns.find_returnable(uow, station, done.sold.number).left[1] == 1


def test_a_wrong_credit_or_an_unpaid_difference_writes_nothing(uow, station, store):
    cashier = store[1]
    cheap, dear = products(uow)
    sale = sell(uow, station, cashier, None, [(cheap.sku, 1)])
    before = uow.sales.sequence_value("receipt:S001-T01")
    basket = new_basket(uow, dear.sku)
    tendering = Tendering(total=basket.totals().total)
    tendering.add("exchange", D("0.01"))
    tendering.add("cash", tendering.cash_due)
    with pytest.raises(ValidationError, match="take the payment again"):
        take_exchange(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")],
                      basket=basket, tendering=tendering, now=AT)
    short = Tendering(total=basket.totals().total)
    short.add("exchange", cheap.price)
    with pytest.raises(ValidationError, match="still owed"):
        take_exchange(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")],
                      basket=basket, tendering=short, now=AT)
    with pytest.raises(ValidationError, match="scan the new items"):
        take_exchange(uow, station, actor=cashier, number=sale.number, asked=[Asked(1, D(1), "other")],
                      basket=Basket(), tendering=Tendering(total=D(0)), now=AT)
    assert uow.sales.sequence_value("receipt:S001-T01") == before and uow.sales.returns_of(sale.number) == []
