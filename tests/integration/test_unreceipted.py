"""Returns without a receipt on SQLite and PostgreSQL: a manager approves, each unit refunds the lowest
price the item had in the last 30 days, to store credit (a new voucher) or cash as configured; bad input
and a missing approval write nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

import pytest

from posapp.devices.receipt import ReceiptHeader, layout_receipt, render_text
from posapp.domain.basket import Basket
from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.tender import Tendering
from posapp.domain.users import Approval, Permission
from posapp.services import checkout, journal
from posapp.services.unreceipted import Unreceipted, take_unreceipted_return
from test_members import AT, pieces, store  # noqa: F401 (the store fixture)
from test_returns import stock


def approval(manager):
    return Approval(approver=manager, permission=Permission.RETURN_OVERRIDE)


def test_the_lowest_price_of_the_last_30_days_as_store_credit(uow, station, store):
    manager, cashier = store
    product = uow.catalog.by_sku(pieces(uow)[0])
    # Sold ten days ago with 20% off the line: customers paid less than the price for it then.
    basket = Basket()
    line = basket.add(product, qty=D(2))
    basket.set_line_discount(line.line_no, percent=D(20))
    tendering = Tendering(total=basket.totals().total)
    tendering.add("cash", tendering.cash_due)
    checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering, now=AT - timedelta(days=10))
    lowest = (product.price * D("0.8")).quantize(D("0.01"))
    shelf = stock(uow, product.sku)
    done = take_unreceipted_return(uow, station, actor=cashier, approval=approval(manager), now=AT,
                                   items=[Unreceipted(product.barcodes[0], D(1), "changed_mind")])
    doc = uow.sales.get(number=done.sale.number)
    assert (doc.kind, doc.original, doc.total) == ("return", None, -lowest)
    assert [(p.tender, p.amount, p.reference) for p in doc.payments] == [("voucher", -lowest, f"V{doc.number}")]
    assert stock(uow, product.sku) == shelf + 1000 and journal.verify_journal(uow).ok
    assert uow.audit.recent(limit=1)[0].detail["no_receipt"] is True
    text = "\n".join(render_text(layout_receipt(doc, store=ReceiptHeader("店", "路", ""), columns=42,
                                                timezone="Asia/Shanghai")))
    assert "无小票退货" in text and f"新代金券: V{doc.number}" in text
    # Forty days on, that sale is out of the window: the price now.
    later = take_unreceipted_return(uow, station, actor=cashier, approval=approval(manager), now=AT + timedelta(days=30),
                                    items=[Unreceipted(product.sku, D(1), "damaged")])
    assert later.sale.total == -product.price and later.sale.lines[0].damaged


def test_to_cash_when_the_store_says_so(uow, station, store):
    manager, cashier = store
    product = uow.catalog.by_sku(pieces(uow)[1])
    done = take_unreceipted_return(uow, replace(station, no_receipt_refund="cash"), actor=cashier,
                                   approval=approval(manager), now=AT, items=[Unreceipted(product.sku, D(2), "other")])
    assert [(p.tender, p.amount) for p in done.sale.payments] == [("cash", -product.price * 2)]


def test_without_a_manager_or_with_bad_items_nothing_is_written(uow, station, store):
    manager, cashier = store
    sku = pieces(uow)[0]
    before = uow.sales.sequence_value("receipt:S001-T01")
    with pytest.raises(PermissionDenied):
        take_unreceipted_return(uow, station, actor=cashier, now=AT, items=[Unreceipted(sku, D(1), "other")])
    for items, error, problem in (([Unreceipted("NOSUCH", D(1), "other")], NotFound, "NOSUCH"),
                                  ([Unreceipted(sku, D("1.5"), "other")], ValidationError, "whole units"),
                                  ([Unreceipted(sku, D(0), "other")], ValidationError, "above 0"),
                                  ([Unreceipted(sku, D(5000), "other")], ValidationError, "above 0"),
                                  ([Unreceipted(sku, D(1), "")], ValidationError, "reason"),
                                  ([], ValidationError, "Choose what")):
        with pytest.raises(error, match=problem):
            take_unreceipted_return(uow, station, actor=cashier, approval=approval(manager), now=AT, items=items)
    assert uow.sales.sequence_value("receipt:S001-T01") == before
