"""Completing sales on a real database: one transaction, gapless numbers, a journal that catches tampering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.errors import PermissionDenied, ValidationError
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, shifts
from posapp.services.auth import SYSTEM, hash_pin
from posapp.services.journal import verify_journal


@pytest.fixture
def till(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(40), source="demo")
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=Decimal("200.00"))
    return cashier


def _basket(uow, station, codes=None):
    basket = Basket()
    products = [p for p in demo_products(40) if not p.weighed][:3]
    for spec in products:
        basket.add(catalog.lookup_scan(uow, station, spec.barcodes[0]).product)
    basket.add(catalog.lookup_scan(uow, station, products[0].barcodes[0]).product)
    return basket


def _pay_cash(basket, amount=None):
    totals = basket.totals()
    tendering = Tendering(total=totals.total, cash_increment=Decimal("0.10"))
    tendering.add("cash", amount or tendering.cash_due)
    return tendering


def _count(uow, table):
    return uow.db.obj.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_cash_sale_is_written_whole(uow, station, till):
    basket = _basket(uow, station)
    tendering = _pay_cash(basket, Decimal("500"))
    done = checkout.complete_sale(uow, station, actor=till, basket=basket, tendering=tendering,
                                  print_receipt=True)
    sale = done.sale
    assert sale.number == "S001-T01-000001"
    assert [ln.qty for ln in sale.lines] == [Decimal(2), Decimal(1), Decimal(1)]
    assert sale.total == sum(ln.total for ln in sale.lines)
    assert sale.due + sale.change == Decimal("500")
    assert sale.due == sale.total + sale.rounding and sale.due % Decimal("0.10") == 0
    stored = uow.sales.get(number=sale.number)
    assert stored == sale
    assert {t: _count(uow, t) for t in ("sale", "sale_line", "payment", "stock_movement", "journal_entry",
                                        "outbox_event", "print_job")} == \
        {"sale": 1, "sale_line": 3, "payment": 1, "stock_movement": 3, "journal_entry": 1,
         "outbox_event": 1, "print_job": 1}
    moved = uow.db.obj.execute_sql("SELECT SUM(qty_milli) FROM stock_movement").fetchone()[0]
    assert moved == -4000
    job = uow.till.pending_print_jobs("T01")[0]
    assert (job.kind, job.ref, job.payload) == ("receipt", "S001-T01-000001", b"")  # laid out when printed
    assert uow.audit.recent(limit=1)[0].action == "sale_completed"


def test_numbers_are_gapless_and_the_journal_verifies(uow, station, till):
    numbers = []
    for _ in range(5):
        basket = _basket(uow, station)
        numbers.append(checkout.complete_sale(uow, station, actor=till, basket=basket,
                                              tendering=_pay_cash(basket)).sale.number)
    assert numbers == [f"S001-T01-{n:06d}" for n in range(1, 6)]
    report = verify_journal(uow)
    assert report.ok and report.terminals == {"T01": 5}


def _tamper(uow, sql):
    uow.db.obj.execute_sql(sql)
    return verify_journal(uow)


@pytest.fixture
def five_sales(uow, station, till):
    for _ in range(5):
        basket = _basket(uow, station)
        checkout.complete_sale(uow, station, actor=till, basket=basket, tendering=_pay_cash(basket))


def test_journal_names_an_altered_sale(uow, five_sales):
    report = _tamper(uow, "UPDATE sale_line SET total_minor = total_minor - 100 WHERE sale_id = 3 AND line_no = 1")
    assert not report.ok and report.problem.number == "S001-T01-000003"
    assert "altered" in report.problem.reason


def test_journal_names_a_deleted_sale(uow, five_sales):
    for table in ("journal_entry", "stock_movement", "payment", "sale_tax", "sale_line"):
        uow.db.obj.execute_sql(f"DELETE FROM {table} WHERE sale_id = 2")
    report = _tamper(uow, "DELETE FROM sale WHERE id = 2")
    assert report.problem.number == "S001-T01-000003" and "deleted" in report.problem.reason


def test_journal_names_the_last_sale_deleted_by_its_number(uow, five_sales):
    for table in ("journal_entry", "stock_movement", "payment", "sale_tax", "sale_line"):
        uow.db.obj.execute_sql(f"DELETE FROM {table} WHERE sale_id = 5")
    report = _tamper(uow, "DELETE FROM sale WHERE id = 5")
    assert report.problem.number == "S001-T01-000005" and "missing" in report.problem.reason


def test_refused_sales_write_nothing(uow, station, till):
    basket = _basket(uow, station)
    short = Tendering(total=basket.totals().total)
    short.add("cash", Decimal("1.00"))
    with pytest.raises(ValidationError, match="Not fully paid"):
        checkout.complete_sale(uow, station, actor=till, basket=basket, tendering=short)
    with pytest.raises(ValidationError, match="empty"):
        checkout.complete_sale(uow, station, actor=till, basket=Basket(), tendering=short)
    uow.users.set_active(till.id, False)
    with pytest.raises(PermissionDenied):
        checkout.complete_sale(uow, station, actor=till, basket=basket, tendering=_pay_cash(basket))
    assert _count(uow, "sale") == 0 and _count(uow, "stock_movement") == 0
    assert uow.sales.sequence_value("receipt:S001-T01") == 0


def test_a_failure_inside_the_transaction_leaves_no_trace(uow, station, till, monkeypatch):
    basket = _basket(uow, station)

    def audit_fails(*args, **kwargs):  # the last write before the print job
        raise RuntimeError("disk full")

    monkeypatch.setattr(checkout, "audit", audit_fails)
    with pytest.raises(RuntimeError):
        checkout.complete_sale(uow, station, actor=till, basket=basket, tendering=_pay_cash(basket),
                               print_receipt=True)
    monkeypatch.undo()
    assert [_count(uow, t) for t in ("sale", "sale_line", "journal_entry", "outbox_event", "print_job")] == \
        [0, 0, 0, 0, 0]
    # The number was not consumed either: the next sale is still 000001.
    assert checkout.complete_sale(uow, station, actor=till, basket=basket,
                                  tendering=_pay_cash(basket)).sale.number == "S001-T01-000001"


def test_selling_needs_an_open_shift(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(10), source="demo")
    cashier = uow.users.add(username="c9", name="c9", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    basket = _basket(uow, station)
    with pytest.raises(ValidationError, match="Open a shift"):
        checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=_pay_cash(basket))
    shifts.open_shift(uow, station, actor=cashier, opening_float="100")
    with pytest.raises(ValidationError, match="already open"):
        shifts.open_shift(uow, station, actor=cashier, opening_float="100")


def test_a_parked_basket_survives_and_resumes_at_current_prices(uow, station, till):
    from posapp.services import till as till_service

    basket = _basket(uow, station)
    basket.set_line_discount(2, percent=Decimal(5))
    basket.override_price(3, Decimal("1.00"))
    before = basket.totals()
    parked = till_service.park_basket(uow, station, actor=till, basket=basket, label="忘带钱包")
    assert [p.label for p in till_service.parked_baskets(uow, station)] == ["忘带钱包"]
    # Another process (a restart) resumes it from the database.
    again = till_service.resume_basket(uow, station, actor=till, parked_id=parked)
    assert again.totals() == before
    assert [(ln.product.sku, ln.qty, ln.unit_price, ln.discount) for ln in again.lines] == \
        [(ln.product.sku, ln.qty, ln.unit_price, ln.discount) for ln in basket.lines]
    assert till_service.parked_baskets(uow, station) == []
    with pytest.raises(Exception, match="no longer there"):
        till_service.resume_basket(uow, station, actor=till, parked_id=parked)


def test_privileged_till_actions_need_a_supervisor_and_are_audited(uow, station, till):
    from posapp.domain.users import Permission
    from posapp.services import auth
    from posapp.services import till as till_service

    uow.users.add(username="sup", name="主管", role=Role.SUPERVISOR, pin_hash=hash_pin("7777"))
    with pytest.raises(PermissionDenied):
        till_service.authorize(uow, station, actor=till, permission=Permission.VOID_LINE,
                               action="line_voided", detail={"line": 2})
    approval = auth.approve(uow, station, approver="sup", pin="7777", permission=Permission.VOID_LINE,
                            for_user=till)
    approver = till_service.authorize(uow, station, actor=till, permission=Permission.VOID_LINE,
                                      action="line_voided", detail={"line": 2}, approval=approval)
    entry = uow.audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.approver, entry.detail) == ("line_voided", "c1", "sup", {"line": 2})
    assert approver is not None
    assert till_service.discount_needs(Decimal("10")) is None
    assert till_service.discount_needs(Decimal("10.01")) is Permission.DISCOUNT_ABOVE_LIMIT
