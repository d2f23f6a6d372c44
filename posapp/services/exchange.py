"""Exchanges (换货): items come back against their receipt and other items are sold, in one transaction.
What the returned items refund in money first pays for the new items (tender "exchange" on both
documents); the customer pays any difference with the usual tenders, or gets back what is left over,
to the sale's original payments like any return. Points come back as points and are not exchange
credit. Two documents, both in the terminal's receipt sequence and its journal: the return, then the
sale, each naming the other."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from posapp.domain.allocation import allocate
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.returns import Asked, ReturnPlan
from posapp.domain.sale import Sale
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import current, require
from posapp.services.checkout import record_sale
from posapp.services.journal import receipt_number, receipt_sequence
from posapp.services.returns import _plan, _receipt_number, check_window, record_return, refund_payments
from posapp.services.shifts import current_shift
from posapp.services.station import Station

ZERO = Decimal(0)


@dataclass(frozen=True)
class ExchangeCompleted:
    returned: Sale  # the return document
    sold: Sale  # the new sale
    plan: ReturnPlan
    print_job_ids: tuple[int, ...]
    changes: frozenset[str] = frozenset({"sale", "stock", "print"})


def exchange_credit(result: ReturnPlan, new_total: Decimal) -> Decimal:
    """What the returned items pay towards the new ones: their money refund, at most the new total."""
    return min(result.money, new_total)


def exchange_payments(result: ReturnPlan, *, new_total: Decimal, places: int,
                      references: dict[int, str] | None = None, credit_ref: str = "") -> tuple[Decimal, list]:
    """(credit, the return's payments) as an exchange writes them: the credit spread over the money
    refunds in proportion, the rest to the original payments. Without references: placeholders, for a
    preview on screen."""
    credit = exchange_credit(result, new_total)
    money = [r for r in result.refunds if r.tender != "points"]
    shares = allocate(credit, [r.amount for r in money], places=places) if credit else []
    if references is None:
        references = {r.index: "…" for r in result.refunds}
    payments = refund_payments(result, references=references, credit={r.index: s for r, s in zip(money, shares)},
                               credit_ref=credit_ref)
    return credit, payments


def take_exchange(uow, station: Station, *, actor: User, number: str, asked: list[Asked], basket, tendering,
                  references: dict[int, str] | None = None, approval: Approval | None = None,
                  print_receipt: bool = False, now: datetime | None = None) -> ExchangeCompleted:
    """Commit an exchange. `tendering` is the new sale's payments: its first payment is the exchange
    credit (tender "exchange", exactly exchange_credit(plan, total)); the rest what the customer paid."""
    references = {int(k): " ".join(str(v or "").split()) for k, v in (references or {}).items()}
    number = _receipt_number(number)
    now = now or utcnow()
    lines = basket.to_sale_lines()
    if not lines:
        raise ValidationError(_("An exchange sells something: scan the new items"))
    totals = basket.totals()
    if totals.total != tendering.total:
        raise ValidationError(_("The prices changed while paying (a promotion started or ended): "
                                "the total is now {total}; take the payment again").format(total=totals.total))
    if not tendering.is_paid:
        raise ValidationError(_("Not fully paid yet: {amount} still owed").format(amount=tendering.remaining))
    with uow:
        require(uow, actor, Permission.SELL)
        cashier = current(uow, actor)
        shift = current_shift(uow, station)
        if shift is None:
            raise ValidationError(_("Open a shift before taking returns"))
        sale = uow.sales.get(number=number)
        if sale is None or sale.is_return:
            raise NotFound(_("No sale with receipt number {number}").format(number=number))
        approver = check_window(uow, station, sale, actor=actor, approval=approval, now=now)
        result = _plan(uow, station, sale, asked, at=now)
        credit = exchange_credit(result, totals.total)
        paid_credit = sum((p.amount for p in tendering.payments if p.tender == "exchange"), ZERO)
        if paid_credit != credit:
            raise ValidationError(_("The items returned pay {credit} towards the new ones, not {paid}; take the "
                                    "payment again").format(credit=credit, paid=paid_credit))
        # The numbers both documents will have, so each can name the other.
        first = uow.sales.sequence_value(receipt_sequence(station.store_code, station.terminal_code)) + 1
        return_no = receipt_number(station.store_code, station.terminal_code, first)
        sale_no = receipt_number(station.store_code, station.terminal_code, first + 1)
        _credit, payments = exchange_payments(result, new_total=totals.total, places=station.places,
                                              references=references, credit_ref=sale_no)
        returned, return_job = record_return(uow, station, cashier=cashier, shift_id=shift.id, sale=sale,
                                             result=result, payments=payments, approver=approver,
                                             print_receipt=print_receipt, now=now, exchange=sale_no)
        # The new sale's exchange payment names the return it comes from.
        sale_payments = tuple(replace(p, reference=return_no) if p.tender == "exchange" else p
                              for p in tendering.payments)
        sold, sale_job = record_sale(uow, station, cashier=cashier, shift_id=shift.id, basket=basket,
                                     tendering=tendering, lines=lines, totals=totals, print_receipt=print_receipt,
                                     now=now, payments=sale_payments)
        if (returned.number, sold.number) != (return_no, sale_no):  # the sequence moved under us: nothing stays
            raise ValidationError(_("Another sale took the receipt number; take the exchange again"))
        uow.commit()
    return ExchangeCompleted(returned=returned, sold=sold, plan=result,
                             print_job_ids=tuple(j for j in (return_job, sale_job) if j))

